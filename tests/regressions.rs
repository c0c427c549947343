//! Every input a fuzz target (fuzz/, scripts/fuzz.sh) once crashed on, replayed with the check
//! that target makes. A new crash goes into tests/regressions/TARGET/ under a name saying what
//! it is, next to its fix, with a test here for its target (so far `overlay`, `fast_yaml` and
//! `stream_passthrough` have crashed, and `direct_edits` and `checksums`, whose checks are the
//! crate's own and replayed by the unit tests of src/apply.rs: the campaigns of values and
//! post_render found nothing).

#![allow(clippy::unwrap_used)]

use polyaxon_pr::report::Severity;

include!("common/crashes.rs");

/// Overlay files that crashed the overlay parser: each is invalid, and now reported as such.
#[test]
fn overlay() {
    let values = serde_json::json!({"timeZone": "UTC"});
    let found = crash_inputs("overlay");
    assert!(!found.is_empty());
    for (path, text) in found {
        let reported = match polyaxon_pr::overlay::parse_str(&text, "fuzz.yaml", &values) {
            Ok((_, findings)) => findings.iter().any(|f| f.severity == Severity::Error),
            Err(_) => true,
        };
        assert!(reported, "{} was accepted", path.display());
    }
}

/// Documents the fast path of the manifest parser once read differently from (or accepted where)
/// the general parser: each now either reads the same or is left to the general parser.
#[test]
fn fast_yaml() {
    let found = crash_inputs("fast_yaml");
    assert!(!found.is_empty());
    for (path, text) in found {
        if let Some(value) = polyaxon_pr::stream::fast::value(&text) {
            let general = polyaxon_pr::stream::parse_general(&text, 1);
            assert_eq!(general.as_ref().ok(), Some(&value), "{}", path.display());
        }
    }
}

/// Streams on which the metadata scanner once answered differently from the parser (the
/// `stream_passthrough` target's check): each document's scan, when it answers, is the parser's.
#[test]
fn stream_passthrough() {
    let found = crash_inputs("stream_passthrough");
    assert!(!found.is_empty());
    for (path, text) in found {
        let Ok(stream) = polyaxon_pr::stream::Stream::read(&text) else {
            continue;
        };
        for doc in &stream.docs {
            let scanned = polyaxon_pr::stream::prefilter::scan(doc.body());
            if let (Some(meta), Ok(Some(value))) = (scanned, doc.value())
                && value.is_object()
            {
                let parsed = polyaxon_pr::stream::Meta::of(value);
                assert_eq!(meta, parsed, "{} document {}", path.display(), doc.index);
            }
        }
    }
}
