//! YAML 1.1 conformance of re-serialised documents: Kubernetes reads manifests with
//! sigs.k8s.io/yaml over go-yaml v2 (YAML 1.1), so a document polyaxon-pr rewrites must decode,
//! for that reader, to exactly what the original decoded to.
//!
//! The token corpus of issue 2 is placed as env values, labels, annotations and ConfigMap data
//! (quoted, as real manifests carry them), plus plain scalars (`defaultMode: 0644`, a 20-digit
//! integer, `1.0`, every token Kubernetes can convert), a block scalar with an indented `---`,
//! Unicode, and a CRLF copy. Every document is forced through re-serialisation (parsed, put in
//! `changed`, written by `stream::write`) and read back three ways: the go-yaml v2 rules of
//! `stream_support::read_yaml11`, the real decoder (`tests/oracle`, built by
//! `scripts/oracle.sh`), and PyYAML when it is installed (a secondary YAML 1.1 reader: it differs
//! from go-yaml on `y`/`n` and sexagesimals, so it only checks the quoted corpus).

mod common;
mod stream_support;

use std::io::Write;
use std::process::{Command, Stdio};

use common::repo;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use stream_support::{TOKENS, force, oracle, oracle_read, read_yaml11, yaml_string};

/// Tokens left out of the plain corpus (the quoted corpus covers them): Kubernetes cannot turn
/// `.inf` and `.nan` into JSON at all, and the empty string is null when plain. A plain `1e400`
/// is in: go-yaml v2 keeps it as a string, and so does polyaxon-pr (`stream::yaml11`).
const NOT_PLAIN: &[&str] = &["", ".inf", "-.Inf", ".nan"];

/// The corpus, quoted wherever Kubernetes wants strings.
fn quoted(token: &str) -> String {
    serde_json::to_string(token).expect("a string")
}

/// The corpus stream: a Deployment (env values, labels, annotations, `defaultMode: 0644`), a
/// ConfigMap (data, block scalars, Unicode) and a custom resource with the tokens plain.
fn corpus() -> String {
    let mut labels = String::new();
    let mut annotations = String::new();
    let mut env = String::new();
    let mut data = String::new();
    let mut plain = String::new();
    for (i, token) in TOKENS.iter().enumerate() {
        let q = quoted(token);
        labels.push_str(&format!("    l{i}: {q}\n"));
        annotations.push_str(&format!("    polyaxon.com/a{i}: {q}\n"));
        env.push_str(&format!("        - name: E{i}\n          value: {q}\n"));
        data.push_str(&format!("  d{i}: {q}\n"));
        if !NOT_PLAIN.contains(token) && is_plain_scalar(token) {
            plain.push_str(&format!("  p{i}: {token}\n"));
        }
    }
    format!(
        "---\n# Source: corpus/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\n\
         metadata:\n  name: corpus\n  labels:\n{labels}  annotations:\n{annotations}\
         spec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: busybox\n\
         \x20       env:\n{env}      volumes:\n      - name: config\n        configMap:\n\
         \x20         name: corpus\n          defaultMode: 0644\n\
         ---\n# Source: corpus/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\n\
         metadata:\n  name: corpus\ndata:\n{data}  script.sh: |\n    #!/bin/sh\n    ---\n\
         \x20   echo \"--- not a separator\"\n    # the last line looks like a comment\n\
         \x20 unicode: \"h\u{e9}llo w\u{f6}rld \u{4e2d}\u{6587} \u{1F680}\"\n\
         \x20 nel: \"one\u{85}space, two\u{85}\u{85}a line break\"\n\
         \x20 folded: >-\n    one\n    two\n\
         ---\n# Source: corpus/templates/plain.yaml\napiVersion: example.com/v1\nkind: Plain\n\
         metadata:\n  name: plain\nspec:\n  mode: 0644\n  big: 12345678901234567890\n\
         \x20 bigger: 123456789012345678901234\n  float: 1.0\n  negative: -12\n\
         plainTokens:\n{plain}"
    )
}

/// Whether `token` can be written as a plain scalar value at all (no indicator, no `: `).
fn is_plain_scalar(token: &str) -> bool {
    let first_ok = !token.starts_with([
        '-', '?', ':', '#', '[', ']', '{', '}', '*', '&', '!', '%', '@', '`', '|', '>', '\'', '"',
        ',',
    ]) || token.starts_with("-0")
        || token.starts_with("-.")
        || token.chars().nth(1).is_some_and(|c| c.is_ascii_digit());
    first_ok && !token.contains(": ") && !token.contains(" #") && !token.is_empty()
}

/// Every value at the positions holding token `i`, read back from `docs`.
fn token_values(docs: &[Value], i: usize) -> Vec<Value> {
    let (deployment, cm) = (&docs[0], &docs[1]);
    vec![
        deployment["metadata"]["labels"][format!("l{i}")].clone(),
        deployment["metadata"]["annotations"][format!("polyaxon.com/a{i}")].clone(),
        deployment["spec"]["template"]["spec"]["containers"][0]["env"][i]["value"].clone(),
        cm["data"][format!("d{i}")].clone(),
    ]
}

fn assert_quoted_tokens_are_strings(docs: &[Value], reader: &str, output: &str) {
    for (i, token) in TOKENS.iter().enumerate() {
        for value in token_values(docs, i) {
            assert_eq!(
                value,
                json!(token),
                "{reader} reads token {token:?} back as {value}\n{output}"
            );
        }
    }
}

fn assert_fixed_values(docs: &[Value], reader: &str) {
    let volume = &docs[0]["spec"]["template"]["spec"]["volumes"][0]["configMap"];
    assert_eq!(volume["defaultMode"], 420, "{reader}: plain 0644 is 420");
    assert_eq!(
        docs[1]["data"]["script.sh"],
        "#!/bin/sh\n---\necho \"--- not a separator\"\n# the last line looks like a comment\n",
        "{reader}"
    );
    assert_eq!(
        docs[1]["data"]["unicode"], "h\u{e9}llo w\u{f6}rld \u{4e2d}\u{6587} \u{1F680}",
        "{reader}"
    );
    assert_eq!(
        docs[2]["spec"]["big"],
        json!(12345678901234567890_u64),
        "{reader}"
    );
    assert_eq!(docs[2]["spec"]["float"], json!(1), "{reader}");
}

#[test]
fn corpus_forced_through_re_serialisation_reads_back_with_yaml11_rules() {
    for eol in ["\n", "\r\n"] {
        let original = corpus().replace('\n', eol);
        let output = force(&original);
        assert_ne!(
            output, original,
            "the documents must really be re-serialised"
        );
        assert_eq!(
            output.contains("\r\n"),
            eol == "\r\n",
            "line endings are kept"
        );
        let before = read_yaml11(&original).unwrap();
        let after = read_yaml11(&output).unwrap_or_else(|e| panic!("{e}\n{output}"));
        assert_quoted_tokens_are_strings(&after, "the go-yaml v2 rules", &output);
        assert_fixed_values(&after, "the go-yaml v2 rules");
        assert_eq!(
            before, after,
            "what a YAML 1.1 reader sees changed\n{output}"
        );
    }
}

#[test]
fn corpus_is_decoded_by_kubernetes_as_before_re_serialisation() {
    let Some(oracle) = oracle("corpus_is_decoded_by_kubernetes_as_before_re_serialisation") else {
        return;
    };
    for eol in ["\n", "\r\n"] {
        let original = corpus().replace('\n', eol);
        let output = force(&original);
        let before = oracle_read(&oracle, &original).unwrap_or_else(|e| panic!("{e}"));
        let after = oracle_read(&oracle, &output).unwrap_or_else(|e| panic!("{e}\n{output}"));
        assert_quoted_tokens_are_strings(&after, "the Kubernetes decoder", &output);
        assert_eq!(
            after[0]["spec"]["template"]["spec"]["volumes"][0]["configMap"]["defaultMode"],
            420
        );
        assert_eq!(
            before, after,
            "the Kubernetes decoder sees a change\n{output}"
        );
    }
}

#[test]
fn golden_and_real_streams_are_decoded_by_kubernetes_as_before_re_serialisation() {
    let Some(oracle) = oracle("golden_and_real_streams_are_decoded_by_kubernetes") else {
        return;
    };
    let mut paths: Vec<_> = [
        "tests/golden/stream",
        "tests/fixtures/polyaxon-0.4.2/helm3",
        "tests/fixtures/polyaxon-0.4.2/helm4",
    ]
    .iter()
    .flat_map(|dir| std::fs::read_dir(repo().join(dir)).unwrap())
    .map(|entry| entry.unwrap().path())
    .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
    .collect();
    paths.sort();
    assert!(paths.len() >= 15);
    for path in paths {
        let original = std::fs::read_to_string(&path).unwrap();
        let output = force(&original);
        let before = oracle_read(&oracle, &original).unwrap_or_else(|e| panic!("{e}"));
        let after = oracle_read(&oracle, &output).unwrap_or_else(|e| panic!("{e}\n{output}"));
        assert_eq!(
            before,
            after,
            "{}: the Kubernetes decoder sees a change",
            path.display()
        );
    }
}

#[test]
fn generated_strings_as_values_and_keys_are_decoded_by_kubernetes_unchanged() {
    let Some(oracle) =
        oracle("generated_strings_as_values_and_keys_are_decoded_by_kubernetes_unchanged")
    else {
        return;
    };
    let mut runner = TestRunner::deterministic();
    let strategy = yaml_string();
    let strings: Vec<String> = (0..3000)
        .map(|_| strategy.new_tree(&mut runner).expect("a string").current())
        .chain(TOKENS.iter().map(|t| t.to_string()))
        .collect();
    let mut stream = String::new();
    for s in &strings {
        stream.push_str("---\n");
        stream.push_str(&yaml_of(s));
    }
    let docs = oracle_read(&oracle, &stream).unwrap_or_else(|e| {
        // The oracle names the document (1-based) it could not decode.
        let n: usize = e
            .split("document ")
            .nth(1)
            .map(|rest| {
                rest.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .and_then(|digits| digits.parse().ok())
            .unwrap_or(1);
        let s = &strings[n - 1];
        panic!("{e}\nstring {s:?} written as:\n{}", yaml_of(s))
    });
    assert_eq!(docs.len(), strings.len());
    for (s, doc) in strings.iter().zip(&docs) {
        assert_eq!(doc, &holding(s), "written as:\n{}", yaml_of(s));
    }
}

/// A document holding `s` as a value and as a key.
fn holding(s: &str) -> Value {
    let mut keyed = serde_json::Map::new();
    keyed.insert(s.to_string(), json!("v"));
    json!({"k": s, "m": keyed})
}

fn yaml_of(s: &str) -> String {
    polyaxon_pr::stream::emit::to_yaml(&holding(s)).expect("YAML")
}

/// PyYAML's reading of a stream as JSON lines, or `None` when python3 or PyYAML is missing.
fn pyyaml(stream: &str) -> Option<Vec<Value>> {
    const SCRIPT: &str = "import sys, json, yaml\n\
        for d in yaml.safe_load_all(sys.stdin.read()):\n    \
        print(json.dumps(d, default=str))\n";
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(stream.as_bytes()).ok()?;
    let output = child.wait_with_output().ok()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("No module named") {
        return None;
    }
    assert!(output.status.success(), "PyYAML: {stderr}");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 from PyYAML");
    Some(
        stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON from PyYAML"))
            .collect(),
    )
}

#[test]
fn quoted_corpus_is_read_back_by_pyyaml() {
    let output = force(&corpus());
    let Some(docs) = pyyaml(&output) else {
        eprintln!(
            "SKIP quoted_corpus_is_read_back_by_pyyaml: python3 with PyYAML is not installed"
        );
        return;
    };
    assert_quoted_tokens_are_strings(&docs, "PyYAML", &output);
}

#[test]
fn the_yaml11_reader_resolves_plain_scalars_like_go_yaml_v2() {
    let cases = [
        ("y", json!(true)),
        ("NO", json!(false)),
        ("off", json!(false)),
        ("~", Value::Null),
        ("0777", json!(511)),
        ("0o17", json!(15)),
        ("0x1F", json!(31)),
        ("0b101", json!(5)),
        ("1_000", json!(1000)),
        ("+1", json!(1)),
        ("1e3", json!(1000)),
        ("08", json!(8)),
        ("1.5", json!(1.5)),
        ("12345678901234567890", json!(12345678901234567890_u64)),
        ("1:20", json!("1:20")),
        ("2021-01-01", json!("2021-01-01")),
        ("1e400", json!("1e400")),
        ("yEs", json!("yEs")),
    ];
    for (plain, expected) in cases {
        let docs = read_yaml11(&format!("k: {plain}\n")).unwrap();
        assert_eq!(docs, [json!({ "k": expected })], "{plain}");
    }
    let Some(oracle) = oracle("the_yaml11_reader_resolves_plain_scalars_like_go_yaml_v2") else {
        return;
    };
    let extra = [
        "yEs", "oN", "0O17", "0X1F", "1__0", "1_", "-007", "1.", ".5", "0e0", "-0x1F",
    ];
    for plain in TOKENS.iter().chain(&extra).filter(|t| is_plain_scalar(t)) {
        let doc = format!("k: {plain}\n");
        if let Ok(k8s) = oracle_read(&oracle, &doc) {
            assert_eq!(read_yaml11(&doc).unwrap(), k8s, "{plain}");
        }
    }
}

#[test]
fn generated_numbers_are_decoded_by_kubernetes_exactly() {
    use proptest::prelude::*;
    let Some(oracle) = oracle("generated_numbers_are_decoded_by_kubernetes_exactly") else {
        return;
    };
    let mut runner = TestRunner::deterministic();
    let strategy = prop_oneof![
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        (-30i32..30, 0.0f64..10.0).prop_map(|(e, m)| json!(m * 10f64.powi(e))),
    ];
    let numbers: Vec<Value> = (0..2000)
        .map(|_| strategy.new_tree(&mut runner).expect("a number").current())
        .collect();
    let yaml = |n: &Value| polyaxon_pr::stream::emit::to_yaml(&json!({ "n": n })).expect("YAML");
    let stream: String = numbers
        .iter()
        .map(|n| format!("---\n{}", yaml(n)))
        .collect();
    let docs = oracle_read(&oracle, &stream).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(docs.len(), numbers.len());
    for (n, doc) in numbers.iter().zip(&docs) {
        // Go prints an integral float without a fraction: compare floats as floats.
        if n.is_f64() {
            assert_eq!(doc["n"].as_f64(), n.as_f64(), "written as {}", yaml(n));
        } else {
            assert_eq!(&doc["n"], n, "written as {}", yaml(n));
        }
    }
}

/// The real pipeline's full re-serialisation (issue 18): a Deployment with an anchor (which no
/// minimal edit takes) edited by an overlay keeps, for the Kubernetes decoder, every value it had:
/// YAML 1.1 floats with underscores, `1__0`, a NEL in a double-quoted string, a plain `1e400`.
#[test]
fn an_edited_document_re_serialised_whole_keeps_its_kubernetes_meaning() {
    let Some(oracle) =
        oracle("an_edited_document_re_serialised_whole_keeps_its_kubernetes_meaning")
    else {
        return;
    };
    let stream = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  \
                  labels: &labels {app: d}\nspec:\n  selector: {matchLabels: *labels}\n  \
                  template:\n    metadata: {labels: *labels}\n    spec:\n      containers:\n      \
                  - name: c\n        image: x\n        args: [685_230.15, 685.230_15e+03, \
                  -1_000.0, 6.02_25, 1__0, .5_0, 1e400, \"x\u{85}y\"]\n";
    let dir = tempfile::tempdir().unwrap();
    let overlay = dir.path().join("label.yaml");
    std::fs::write(
        &overlay,
        "apiVersion: polyaxon-pr/v1\nkind: Overlay\nrules:\n- labels: {team: ml}\n",
    )
    .unwrap();
    let run = common::run(&["--overlays", overlay.to_str().unwrap()], stream);
    run.assert_code(0);
    let output = run.stdout_utf8();
    assert!(!output.contains('&'), "re-serialised whole:\n{output}");
    let mut before = oracle_read(&oracle, stream).unwrap();
    let after = oracle_read(&oracle, output).unwrap_or_else(|e| panic!("{e}\n{output}"));
    before[0]["metadata"]["labels"]["team"] = json!("ml");
    before[0]["spec"]["template"]["metadata"]["labels"]["team"] = json!("ml");
    assert_eq!(
        before[0]["spec"]["template"]["spec"]["containers"][0]["args"],
        json!([685230.15, 685230.15, -1000, 6.0225, 10, 0.5, "1e400", "x y"])
    );
    assert_eq!(before, after, "{output}");
}
