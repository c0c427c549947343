//! Every input a fuzz target (fuzz/, scripts/fuzz.sh) once crashed on, replayed with the check
//! that target makes. A new crash goes into tests/regressions/TARGET/ under a name saying what
//! it is, next to its fix.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use common::{fixture, repo_path};
use polyaxon_pr::report::Severity;
use polyaxon_pr::stream::{self, Meta, Stream};
use polyaxon_pr::values::{Source, Values};

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

/// The stream target's properties: passthrough is exact, the prefilter agrees with the parser.
#[test]
fn stream_passthrough() {
    for (path, text) in inputs("stream_passthrough") {
        let Ok(stream) = Stream::read(&text) else {
            continue;
        };
        let out = stream::write(&stream, &BTreeMap::new()).unwrap();
        if !text.trim().is_empty() {
            assert_eq!(out, text, "{}", path.display());
        }
        for doc in &stream.docs {
            if let (Some(meta), Ok(Some(value))) =
                (stream::prefilter::scan(doc.body()), doc.value())
                && value.is_object()
            {
                assert_eq!(meta, Meta::of(value), "{}", path.display());
            }
        }
    }
}

/// Values files that crashed the loader or the validator now load or fail with an input error.
#[test]
fn values() {
    for (path, text) in inputs("values") {
        let source = Source {
            label: "fuzz.yaml".to_string(),
            text,
        };
        match Values::from_sources(&[source], &[], &[]) {
            Ok((values, _)) => drop(polyaxon_pr::validate::validate(&values)),
            Err(e) => assert_eq!(e.exit_code(), 2, "{}: {e}", path.display()),
        }
    }
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

/// Streams that crashed the whole post-renderer: now a clean result or a clean error, and
/// nothing on stdout after an error.
#[test]
fn post_render() {
    use clap::Parser as _;
    let fixtures = fixture("values");
    for (path, text) in inputs("post_render") {
        let cli = polyaxon_pr::cli::Cli::try_parse_from([
            "polyaxon-pr".into(),
            "-f".into(),
            fixtures.join("gpu.values.yaml").into_os_string(),
            "-f".into(),
            fixtures.join("stores.values.yaml").into_os_string(),
        ])
        .unwrap();
        let (mut stdin, mut stdout, mut stderr) = (text.as_bytes(), Vec::new(), Vec::new());
        let mut io = polyaxon_pr::cli::Io {
            stdin: &mut stdin,
            stdout: &mut stdout,
            stderr: &mut stderr,
        };
        if polyaxon_pr::cli::run(cli, &mut io).is_err() {
            assert!(stdout.is_empty(), "{}", path.display());
        }
    }
}
