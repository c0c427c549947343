//! The fast path of the manifest parser against the general parser on arbitrary input: never a
//! panic, and whatever the fast path accepts, the general parser reads to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polyaxon_pr::stream::{fast, parse_general};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(value) = fast::value(text) {
        match parse_general(text, 1) {
            Ok(general) => assert_eq!(value, general, "the fast path reads a different value"),
            Err(e) => panic!("the fast path accepted what the general parser rejects: {e}"),
        }
    }
});
