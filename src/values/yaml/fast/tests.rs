//! The fast path against the event reader: wherever it takes a file, the same value, the same
//! origin for every node and no findings; and it must take the values files users write.

use std::path::Path;

use super::*;
use crate::stream::fast::tests::{Gen, repository_yaml_files};
use crate::values::yaml::parse_events;

/// `text` must read the same both ways when the fast path takes it; returns whether it did.
fn agrees(text: &str) -> bool {
    let Some(fast) = parse(text, "v.yaml") else {
        return false;
    };
    let events = parse_events(text, "v.yaml").unwrap_or_else(|e| {
        panic!("the fast path took a file the event reader rejects ({e}):\n{text}")
    });
    assert_eq!(fast.root, events.root, "value differs for:\n{text}");
    assert_eq!(fast.origins, events.origins, "origins differ for:\n{text}");
    assert!(
        events.findings.is_empty(),
        "findings the fast path missed for:\n{text}"
    );
    true
}

#[test]
fn agrees_on_every_values_and_overlay_file_of_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = repository_yaml_files(&[
        "tests/values",
        "tests/fixtures/polyaxon-0.4.2/values",
        "chart-overlays",
    ]);
    assert!(files.len() > 40, "{} files", files.len());
    let mut taken = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        taken += usize::from(agrees(&text));
    }
    // The example files of the reference, the chart's own values and most test files are plain
    // block YAML; the others test anchors, duplicates, tags, bad YAML...
    assert!(
        taken * 2 > files.len(),
        "the fast path took {taken} of {}",
        files.len()
    );
    for name in ["gpu", "stores", "nfs"] {
        let path = root.join(format!(
            "tests/fixtures/polyaxon-0.4.2/values/{name}.values.yaml"
        ));
        let text = std::fs::read_to_string(path).unwrap();
        assert!(parse(&text, "v.yaml").is_some(), "{name}.values.yaml");
    }
}

#[test]
fn agrees_on_what_origins_and_yaml_1_1_make_tricky() {
    for (text, taken) in [
        ("a: 1\nb:\n  c: x\n", true),
        // Empty values, in a mapping and in a list.
        ("a:\nb: 1\nc:\n  -\n  - x\nd:\n", true),
        // Lists of mappings, compact and not, nested lists, indentless lists.
        (
            "l:\n- name: a\n  v: 1\n-\n  name: b\n- - x\nm:\n  - k: v\n  - z\n",
            true,
        ),
        // Columns count characters, not bytes.
        (
            "\"é\": 1\nb: \"ü\"\nc:\n  'é ü': [ ]\n  x: aé\n  \"ñ\":\n    - 'ü'\n",
            true,
        ),
        (
            "labels:\n  app.kubernetes.io/name: x\n  \"a b\": 'c'\n  'it s': d\n",
            true,
        ),
        // Comments and blank lines.
        (
            "# top\na: 1 # one\n\n  # indented\nb:\n  # before\n  c: 2\n",
            true,
        ),
        // Empty flow collections are taken, others left to the event reader.
        ("a: {}\nb: []\n", true),
        ("a: {x: 1}\n", false),
        ("a: [1, 2]\n", false),
        // `_1` is text for go-yaml (a number starts with a digit, a sign or a dot).
        ("a: _1\n", true),
        ("_1: a\n", true),
        // YAML 1.1 readings the fast reader does not share.
        ("a: yes\n", false),
        ("a: 0777\n", false),
        ("a: 1_000\n", false),
        ("a: 12:30\n", false),
        ("a: ~\n", false),
        // What the event reader has findings or errors for.
        ("a: 1\na: 2\n", false),
        ("a: 1\n---\nb: 2\n", false),
        ("a: &x 1\nb: *x\n", false),
        ("a: !!str 1\n", false),
        ("- a\n", false),
        ("", false),
        ("a: |\n  x\n", false),
    ] {
        assert_eq!(agrees(text), taken, "{text}");
    }
}

#[test]
fn agrees_on_generated_files() {
    let mut taken = 0;
    for seed in 1..3000u64 {
        let text = Gen::seeded(seed).document();
        taken += usize::from(agrees(&text));
    }
    assert!(taken > 300, "the fast path took only {taken} of 3000");
}
