//! Every input a fuzz target (fuzz/, scripts/fuzz.sh) once crashed on, replayed with the check
//! that target makes. A new crash goes into tests/regressions/TARGET/ under a name saying what
//! it is, next to its fix, with a test here for its target (so far `overlay`, `fast_yaml`,
//! `direct_edits`, `checksums` and `stream_passthrough` have crashed: the campaigns of values
//! and post_render found nothing).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::repo_path;
use polyaxon_pr::report::Severity;

fn inputs(target: &str) -> Vec<(PathBuf, String)> {
    let dir = repo_path("tests/regressions").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".keep"))
        .map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            (p, text)
        })
        .collect()
}

/// Overlay files that crashed the overlay parser: each is invalid, and now reported as such.
#[test]
fn overlay() {
    let values = serde_json::json!({"timeZone": "UTC"});
    let found = inputs("overlay");
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
    let found = inputs("fast_yaml");
    assert!(!found.is_empty());
    for (path, text) in found {
        if let Some(value) = polyaxon_pr::stream::fast::value(&text) {
            let general = polyaxon_pr::stream::parse_general(&text, 1);
            assert_eq!(general.as_ref().ok(), Some(&value), "{}", path.display());
        }
    }
}

/// Streams on which the direct edits (src/apply/direct.rs) once disagreed with the general path
/// in the `direct_edits` fuzz target, replayed with its check: the first byte picks the rule set
/// (fuzz/direct_edits/rules-N.yaml) and, with its high bit, the GPU values (values-gpu.json). Both finds so far were the comparison's own, not the
/// edits': an empty stream's placeholder written by one side only, and a stream where another
/// document fails (the run fails either way; the comparison now checks the documents taken
/// alone).
#[test]
fn direct_edits() {
    let rules: Vec<_> = (0..3)
        .map(|i| {
            let path = repo_path("fuzz/direct_edits").join(format!("rules-{i}.yaml"));
            let text = std::fs::read_to_string(path).unwrap();
            let values = serde_json::json!({});
            polyaxon_pr::overlay::parse_str(&text, "fuzz.yaml", &values)
                .unwrap()
                .0
        })
        .collect();
    let gpu = std::fs::read_to_string(repo_path("fuzz/direct_edits/values-gpu.json")).unwrap();
    let found = inputs("direct_edits");
    assert!(!found.is_empty());
    for (path, _) in found {
        let bytes = std::fs::read(&path).unwrap();
        let Some((&pick, rest)) = bytes.split_first() else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(rest) else {
            continue;
        };
        let overlays = &rules[usize::from(pick) % rules.len()];
        let values = match pick & 0x80 {
            0 => serde_json::json!({}),
            _ => serde_json::from_str(&gpu).unwrap(),
        };
        let values = polyaxon_pr::values::Values::from_json(values);
        let compared = polyaxon_pr::apply::compare_direct_edits(text, &values, overlays);
        assert!(compared.is_ok(), "{}: {compared:?}", path.display());
    }
}

/// Streams on which the `checksum/config` annotations rewritten in a workload's text once
/// differed from the general path's (the `checksums` target: every ConfigMap changed).
#[test]
fn checksums() {
    let found = inputs("checksums");
    assert!(!found.is_empty());
    for (path, text) in found {
        let compared = polyaxon_pr::apply::compare_checksums(&text);
        assert!(compared.is_ok(), "{}: {compared:?}", path.display());
    }
}

/// Streams on which the metadata scanner once answered differently from the parser (the
/// `stream_passthrough` target's check): each document's scan, when it answers, is the parser's.
#[test]
fn stream_passthrough() {
    let found = inputs("stream_passthrough");
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
