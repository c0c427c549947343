//! Changed documents are written as minimal edits: on the real chart renders, the diff of the
//! post-renderer's output shows only the lines whose values change — no quoting or layout churn
//! (`chart: "polyaxon-0.4.2"` and `image: "…"` stay as Helm wrote them) and no lost comments.

#![allow(clippy::unwrap_used)]

mod common;
mod stream_support;

use std::collections::BTreeMap;

use common::{read_fixture, stdout_of, values_file};
use polyaxon_pr::stream::{self, Stream};
use serde_json::{Value, json};
use stream_support::{TOKENS, oracle, oracle_read, read_yaml11};

const FORMS: [&str; 2] = ["helm3", "helm4"];

/// The post-renderer's output on a default render, which must succeed.
fn stdout(args: &[&str], form: &str) -> String {
    stdout_of(args, read_fixture(&format!("{form}/defaults.yaml")))
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
    let values = values_file("stores");
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
        let values = values_file(set);
        for form in FORMS {
            let input = read_fixture(&format!("{form}/defaults.yaml"));
            let output = stdout(&["-f", &values], form);
            assert_ne!(output, input, "{set}/{form}: something is injected");
            assert_eq!(comments(&output), comments(&input), "{set}/{form}");
        }
    }
}

/// A ConfigMap and a Deployment with values in each scalar style, and comments that show the
/// minimal edit was used (a full re-serialisation drops them).
const STYLES: &str = "---
# Source: c/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: styles # kept
data:
  plain: x
  single: 'x'
  double: \"x\"
---
# Source: c/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: d
spec:
  template:
    spec:
      containers:
      - name: c
        env:
        - name: A # kept too
          value: \"x\"
";

/// `STYLES` with every value set to `token`, an added key and an appended env entry holding it.
fn styles_set_to(token: &str) -> String {
    let stream = Stream::read(STYLES).unwrap();
    let mut cm = stream.docs[0].value().unwrap().unwrap().clone();
    for key in ["plain", "single", "double", "added"] {
        cm["data"][key] = json!(token);
    }
    let mut deployment = stream.docs[1].value().unwrap().unwrap().clone();
    let env = &mut deployment["spec"]["template"]["spec"]["containers"][0]["env"];
    env[0]["value"] = json!(token);
    env.as_array_mut()
        .unwrap()
        .push(json!({"name": "B", "value": token}));
    let changed = BTreeMap::from([(0, cm), (1, deployment)]);
    stream::write(&stream, &changed).unwrap()
}

fn assert_token_everywhere(docs: &[Value], token: &str, reader: &str, output: &str) {
    for key in ["plain", "single", "double", "added"] {
        assert_eq!(
            docs[0]["data"][key],
            json!(token),
            "{reader}: {key}\n{output}"
        );
    }
    let env = &docs[1]["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(env[0]["value"], json!(token), "{reader}\n{output}");
    assert_eq!(env[1]["value"], json!(token), "{reader}\n{output}");
}

/// Values written by the minimal edit, in the old value's style where it stays safe, are read
/// back as the same strings by YAML 1.1 rules (go-yaml v2's, and the real decoder when built).
#[test]
fn minimally_edited_values_read_back_with_yaml11_rules() {
    let mut all = String::new();
    for token in TOKENS {
        let output = styles_set_to(token);
        assert!(
            output.contains("# kept\n") && output.contains("# kept too\n"),
            "{token:?}: not a minimal edit\n{output}"
        );
        let docs = read_yaml11(&output).unwrap_or_else(|e| panic!("{e}\n{output}"));
        assert_token_everywhere(&docs, token, "YAML 1.1 rules", &output);
        all.push_str(&output);
    }
    let Some(oracle) = oracle("minimally_edited_values_read_back_with_yaml11_rules") else {
        return;
    };
    let docs = oracle_read(&oracle, &all).unwrap_or_else(|e| panic!("{e}"));
    for (token, pair) in TOKENS.iter().zip(docs.chunks(2)) {
        assert_token_everywhere(pair, token, "the Kubernetes decoder", &all);
    }
}
