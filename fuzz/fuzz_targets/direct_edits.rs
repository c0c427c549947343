//! The direct edits (src/apply/direct.rs: overlay rules applied to a document's text) against
//! the general path on arbitrary streams: never a panic, the same output byte for byte, and
//! nothing taken where the general path fails. The first byte picks one of a few rule sets.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use polyaxon_pr::apply::compare_direct_edits;
use polyaxon_pr::overlay::{Overlays, parse_str};

const HEAD: &str = "apiVersion: polyaxon-pr/v1\nkind: Overlay\nmetadata: {name: fuzz}\nrules:\n";

const RULES: [&str; 3] = [
    // The bench's job.
    "  - match: {kinds: [Deployment], labels: {role: experiments}}
    expect: '0+'
    volumes: [{name: scratch, hostPath: {path: /mnt/scratch, type: DirectoryOrCreate}}]
    volumeMounts: [{name: scratch, mountPath: /scratch}]
  - match: {kinds: [Deployment]}
    expect: '0+'
    env: [{name: TZ, value: UTC}]
",
    // Every pod-bearing kind, lists created in another order than the first rule's.
    "  - env: [{name: A, value: '1'}]
    expect: '0+'
  - volumes: [{name: data, emptyDir: {}}]
    volumeMounts: [{name: data, mountPath: /data, readOnly: true}]
    env: [{name: B, value: 'two words'}]
    expect: '0+'
",
    // Some containers, init containers included.
    "  - match: {containers: 'side|c-', initContainers: true}
    expect: '0+'
    volumeMounts: [{name: cache, mountPath: /cache}]
    env: [{name: SIDE, value: 'yes'}]
",
];

fn rules() -> &'static [Overlays] {
    static RULE_SETS: OnceLock<Vec<Overlays>> = OnceLock::new();
    RULE_SETS.get_or_init(|| {
        RULES
            .iter()
            .map(|rules| {
                let text = format!("{HEAD}{rules}");
                parse_str(&text, "fuzz.yaml", &serde_json::json!({}))
                    .expect("fixed rules")
                    .0
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let overlays = &rules()[usize::from(pick) % RULES.len()];
    if let Err(disagreement) = compare_direct_edits(text, overlays) {
        panic!("{disagreement}");
    }
});
