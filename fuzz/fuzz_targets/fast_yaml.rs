//! The fast path of the manifest parser against the general parser on arbitrary input: never a
//! panic, whatever the fast path accepts the general parser reads to the same value, and
//! `fast::matches` agrees with it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use polyaxon_pr::stream::{fast, parse_general};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(value) = fast::value(text) {
        // The writer's safety net: the text matches its own value, read without building it.
        assert!(fast::matches(text, &value), "matches declines the value read");
        match parse_general(text, 1) {
            Ok(general) => assert_eq!(value, general, "the fast path reads a different value"),
            Err(e) => panic!("the fast path accepted what the general parser rejects: {e}"),
        }
    }
});
