//! The stream reader and writer on arbitrary input: never a panic; with nothing changed the
//! output is the input, byte for byte; the prefilter never disagrees with the parser; a document
//! forced through re-serialisation parses back to the same value.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use polyaxon_pr::stream::{self, Meta, Stream, emit};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(stream) = Stream::read(text) else {
        return;
    };
    let out = stream::write(&stream, &BTreeMap::new()).expect("writing unchanged documents");
    if text.trim().is_empty() {
        assert_eq!(out, emit::EMPTY_OUTPUT);
    } else {
        assert_eq!(out, text, "passthrough changed the stream");
    }
    let mut changed = BTreeMap::new();
    for doc in &stream.docs {
        let scanned = stream::prefilter::scan(doc.body());
        let _ = doc.source();
        let Ok(Some(value)) = doc.value() else {
            continue;
        };
        if let Some(meta) = scanned
            && value.is_object()
        {
            assert_eq!(meta, Meta::of(value), "prefilter disagrees with the parser");
        }
        changed.insert(doc.index, value.clone());
    }
    // Every parsed document re-serialised: the result must read back to the same values.
    let Ok(rewritten) = stream::write(&stream, &changed) else {
        return;
    };
    let again = Stream::read(&rewritten).expect("re-reading our own output");
    for doc in &again.docs {
        if let (Ok(Some(value)), Some(before)) = (doc.value(), changed.get(&doc.index)) {
            assert_eq!(value, before, "re-serialisation changed a value");
        }
    }
});
