//! The direct edits (src/apply/direct.rs: the generic GPU injection and overlay rules applied
//! to a document's text) against the general path on arbitrary streams: never a panic, the same
//! output byte for byte, and nothing taken where the general path fails. The first byte picks
//! one of a few rule sets, and, with its high bit, the GPU values.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use polyaxon_pr::apply::compare_direct_edits;
use polyaxon_pr::overlay::{Overlays, parse_str};
use polyaxon_pr::values::Values;

/// The rule sets, shared with the regression test that replays this target's crashes
/// (`direct_edits_regressions` in src/apply.rs).
const RULES: [&str; 3] = [
    include_str!("../direct_edits/rules-0.yaml"),
    include_str!("../direct_edits/rules-1.yaml"),
    include_str!("../direct_edits/rules-2.yaml"),
];

fn rules() -> &'static [Overlays] {
    static RULE_SETS: OnceLock<Vec<Overlays>> = OnceLock::new();
    RULE_SETS.get_or_init(|| {
        RULES
            .iter()
            .map(|rules| {
                parse_str(rules, "fuzz.yaml", &serde_json::json!({}))
                    .expect("fixed rules")
                    .0
            })
            .collect()
    })
}

/// The values of a first byte with its high bit set (the GPU injection); else none.
fn values(pick: u8) -> &'static Values {
    static VALUES: OnceLock<[Values; 2]> = OnceLock::new();
    let [none, gpu] = VALUES.get_or_init(|| {
        let gpu = serde_json::from_str(include_str!("../direct_edits/values-gpu.json"))
            .expect("fixed values");
        [
            Values::from_json(serde_json::json!({})),
            Values::from_json(gpu),
        ]
    });
    if pick & 0x80 != 0 { gpu } else { none }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let overlays = &rules()[usize::from(pick) % RULES.len()];
    if let Err(disagreement) = compare_direct_edits(text, values(pick), overlays) {
        panic!("{disagreement}");
    }
});
