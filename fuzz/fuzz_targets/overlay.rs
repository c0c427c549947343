//! Overlay files on arbitrary input: parsing, validation and template resolution never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let values =
        json!({"timeZone": "UTC", "nodeSelector": {"a": "b"}, "dirs": {"nvidia": {"lib": "/l"}}});
    let _ = polyaxon_pr::overlay::parse_str(text, "fuzz.yaml", &values);
});
