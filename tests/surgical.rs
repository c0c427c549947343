//! Changed documents are written as minimal edits: on the real chart renders, the diff of the
//! post-renderer's output shows only the lines whose values change — no quoting or layout churn
//! (`chart: "polyaxon-0.4.2"` and `image: "…"` stay as Helm wrote them) and no lost comments.

#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const FORMS: [&str; 2] = ["helm3", "helm4"];

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/polyaxon-0.4.2")
        .join(rel)
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_polyaxon-pr"))
        .args(args)
        .env_remove("HELM_PLUGIN_NAME")
        .env_remove("HELM_PLUGIN_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_string();
    let writer = std::thread::spawn(move || pipe.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().ok();
    assert!(
        out.status.success(),
        "polyaxon-pr {args:?}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(args: &[&str], form: &str) -> String {
    let input = std::fs::read_to_string(fixture(&format!("{form}/defaults.yaml"))).unwrap();
    String::from_utf8(run(args, &input).stdout).unwrap()
}

/// The `-` and `+` lines of a unified diff, without its two header lines.
fn changed_lines(diff: &str) -> Vec<&str> {
    diff.lines()
        .filter(|l| *l != "--- rendered" && *l != "+++ post-rendered")
        .filter(|l| l.starts_with('-') || l.starts_with('+'))
        .collect()
}

#[test]
fn the_stores_diff_touches_only_the_lines_that_change() {
    let values = fixture("values/stores.values.yaml").display().to_string();
    for form in FORMS {
        let diff = stdout(&["diff", "-f", &values], form);
        let changed = changed_lines(&diff);
        assert!(
            changed.iter().any(|l| l.contains("outputs-foo-pvc")),
            "{form}: the stores are injected\n{diff}"
        );
        for line in &changed {
            assert!(
                !line.contains("chart:") && !line.contains("image:"),
                "{form}: an unchanged line is rewritten: {line}\n{diff}"
            );
        }
        // Values only change: no line is removed and added back in another form.
        let removed: Vec<&str> = changed.iter().filter_map(|l| l.strip_prefix('-')).collect();
        for added in changed.iter().filter_map(|l| l.strip_prefix('+')) {
            let unquoted = added.replace('"', "");
            assert!(
                !removed
                    .iter()
                    .any(|r| *r != added && r.replace('"', "") == unquoted),
                "{form}: requoted line {added}\n{diff}"
            );
        }
    }
}

#[test]
fn changed_documents_keep_every_comment() {
    let comments = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    for set in ["stores", "hosts-tz", "gpu"] {
        let values = fixture(&format!("values/{set}.values.yaml"))
            .display()
            .to_string();
        for form in FORMS {
            let input = std::fs::read_to_string(fixture(&format!("{form}/defaults.yaml"))).unwrap();
            let output = stdout(&["-f", &values], form);
            assert_ne!(output, input, "{set}/{form}: something is injected");
            assert_eq!(comments(&output), comments(&input), "{set}/{form}");
        }
    }
}
