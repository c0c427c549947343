//! The `checksum/config` annotations rewritten in a workload's text (src/apply/direct/checksum.rs)
//! against the general path on arbitrary streams, every ConfigMap of the stream changed: never a
//! panic, the same output byte for byte, the same operations and findings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polyaxon_pr::apply::compare_checksums;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(disagreement) = compare_checksums(text) {
        panic!("{disagreement}");
    }
});
