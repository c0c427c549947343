//! Values loading (located YAML reader, merge, `--set` syntax) and validation on arbitrary
//! input: never a panic, an input error rather than unbounded work on hostile YAML, and the
//! fast path reading whatever it takes as the event reader does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polyaxon_pr::values::{Source, Values};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line doubles as a `--set` argument, so the strvals parser is fuzzed too.
    let set: Vec<String> = text
        .lines()
        .next()
        .map(str::to_string)
        .into_iter()
        .collect();
    let source = Source {
        label: "fuzz.yaml".to_string(),
        text: text.to_string(),
    };
    assert!(
        polyaxon_pr::values::yaml::fast_path_agrees(text),
        "the values fast path reads the file differently"
    );
    if let Ok((values, _)) = Values::from_sources(&[source], &Default::default()) {
        let _ = polyaxon_pr::validate::validate(&values);
    }
    if let Ok((values, _)) = Values::from_sources(&[], &polyaxon_pr::values::Sets { set: set.clone(), string: set, ..Default::default() }) {
        let _ = polyaxon_pr::validate::validate(&values);
    }
});
