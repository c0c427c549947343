//! The stream engine through the built binary: golden Helm 3 and Helm 4 streams and the real
//! chart renders pass through byte for byte, and malformed input fails with exit code 2, a message
//! that says where, and nothing on stdout (Helm must not install a half-processed stream).
//! Also what the library exposes per document for the golden streams.

mod common;

use common::{repo, repo_file, run, run_in};
use polyaxon_pr::stream::Stream;

const GOLDEN: &[&str] = &[
    "tests/golden/stream/helm3.yaml",
    "tests/golden/stream/helm3-crlf.yaml",
    "tests/golden/stream/helm4.yaml",
    "tests/golden/stream/helm4-bom.yaml",
    "tests/golden/stream/edge.yaml",
];

const RENDERS: &[&str] = &["defaults", "gpu", "hosts-tz", "nfs", "stores"];

/// The stream must come back exactly, with exit code 0 and nothing on stderr.
fn assert_passes_through(path: &str, args: &[&str]) {
    let input = std::fs::read(repo().join(path)).expect("a golden stream");
    let run = run(args, &input);
    run.assert_code(0);
    assert!(
        run.stdout() == input.as_slice(),
        "{path}: output differs from the input\n{run}"
    );
    assert!(run.stderr().is_empty(), "{path}: {run}");
}

#[test]
fn golden_streams_pass_through_byte_identical() {
    for path in GOLDEN {
        assert_passes_through(path, &[]);
    }
}

#[test]
fn real_helm3_and_helm4_renders_pass_through_byte_identical() {
    for name in RENDERS {
        assert_passes_through(
            &format!("tests/fixtures/polyaxon-0.4.2/helm3/{name}.yaml"),
            &[],
        );
        assert_passes_through(
            &format!("tests/fixtures/polyaxon-0.4.2/helm4/{name}.yaml"),
            &[],
        );
        assert_passes_through(
            &format!("tests/fixtures/polyaxon-0.4.2/{name}.rendered.yaml"),
            &[],
        );
    }
}

#[test]
fn golden_streams_pass_through_with_helm4_style_arguments() {
    // Helm 4 appends --post-renderer-args; with no values given the output is still the input.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("values.yaml"), "{}\n").unwrap();
    for path in GOLDEN {
        let input = std::fs::read(repo().join(path)).unwrap();
        let run = run_in(dir.path(), &["-f", "values.yaml"], &input);
        run.assert_code(0);
        assert!(run.stdout() == input.as_slice(), "{path}\n{run}");
    }
}

#[test]
fn empty_input_gives_a_comment_line() {
    for input in ["", "\n", "  \n\n"] {
        let run = run(&[], input.as_bytes());
        run.assert_code(0);
        assert_eq!(run.stdout(), b"# polyaxon-pr: no resources\n", "{run}");
    }
}

/// Exit code 2, nothing on stdout, and every `expected` fragment in the message.
fn assert_input_error(args: &[&str], stdin: &str, expected: &[&str]) {
    let run = run(args, stdin.as_bytes());
    run.assert_code(2);
    assert!(run.stdout().is_empty(), "stdout must be empty\n{run}");
    let stderr = run.stderr();
    for fragment in expected {
        assert!(stderr.contains(fragment), "missing {fragment:?}\n{run}");
    }
}

#[test]
fn malformed_yaml_in_a_helm3_stream_names_the_line_and_source() {
    let stream = "---\n# Source: c/templates/ok.yaml\nkind: A\n---\n# Source: c/templates/bad.yaml\nkind: B\nspec: [1, 2\nother: 3\n";
    assert_input_error(
        &[],
        stream,
        &["c/templates/bad.yaml", "stream line ", "malformed YAML"],
    );
    let line = line_in_message(stream);
    assert!(
        (7..=8).contains(&line),
        "the error is on line 7 or 8, reported {line}"
    );
}

#[test]
fn malformed_yaml_in_a_helm4_stream_names_the_filename_annotation() {
    let stream = "kind: A\n---\nkind: B\nmetadata:\n  annotations:\n    postrenderer.helm.sh/postrender-filename: 'c/templates/bad.yaml'\n  name: \"unterminated\n";
    assert_input_error(&[], stream, &["c/templates/bad.yaml", "stream line "]);
}

#[test]
fn malformed_yaml_in_a_plain_stream_names_the_document() {
    let stream = "kind: A\n---\nkind: B\n  bad: indentation\n";
    assert_input_error(&[], stream, &["document 2", "stream line "]);
    assert!(line_in_message(stream) >= 3);
}

/// The stream line number the binary reports for `stream`.
fn line_in_message(stream: &str) -> usize {
    let run = run(&[], stream.as_bytes());
    let stderr = run.stderr();
    let after = stderr
        .split("stream line ")
        .nth(1)
        .unwrap_or_else(|| panic!("no line number\n{run}"));
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().expect("a line number")
}

#[test]
fn separator_with_content_on_the_same_line_is_an_input_error() {
    // Kubernetes does not split at `--- {b: 2}`; one chunk holding two documents is refused,
    // at the line of that `---`.
    assert_input_error(
        &[],
        "---\n# Source: c/templates/two.yaml\na: 1\n--- {b: 2}\n",
        &[
            "several YAML documents",
            "c/templates/two.yaml",
            "stream line 4",
        ],
    );
    assert_input_error(&[], "a: 1\n--- b\n", &["several YAML documents"]);
}

#[test]
fn content_after_an_end_marker_without_separator_is_an_input_error() {
    assert_input_error(&[], "a: 1\n...\nb: 2\n", &["several YAML documents"]);
}

#[test]
fn unreadable_values_files_are_input_errors() {
    let stream = repo_file("tests/golden/stream/helm3.yaml");
    assert_input_error(
        &["-f", "no-such-values.yaml"],
        &stream,
        &["no-such-values.yaml"],
    );
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("values.d")).expect("a directory");
    std::fs::write(dir.path().join("binary.yaml"), b"a: \xff\xfe\n").expect("a file");
    for file in ["values.d", "binary.yaml"] {
        let run = run_in(dir.path(), &["-f", file], stream.as_bytes());
        run.assert_code(2);
        assert!(run.stdout().is_empty(), "{run}");
        assert!(run.stderr().contains(file), "{run}");
    }
}

#[test]
fn non_utf8_input_is_an_input_error() {
    let run = run(&[], b"kind: A\nname: \xff\xfe\n");
    run.assert_code(2);
    assert!(run.stdout().is_empty(), "{run}");
    assert!(run.stderr().contains("UTF-8"), "{run}");
}

#[test]
fn helm3_golden_stream_exposes_its_documents() {
    let text = repo_file("tests/golden/stream/helm3.yaml");
    let stream = Stream::read(&text).unwrap();
    stream.parse_all().unwrap();
    assert!(stream.helm3());
    let kinds: Vec<String> = stream
        .docs
        .iter()
        .map(|d| d.meta().unwrap().map(|m| m.kind).unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        [
            "ServiceAccount",
            "Secret",
            "",
            "",
            "ConfigMap",
            "Service",
            "List",
            "Deployment",
            ""
        ]
    );
    let comment_only = &stream.docs[2];
    assert!(comment_only.is_empty());
    assert_eq!(comment_only.source(), "polyaxon/templates/notes-only.yaml");
    let cm = stream.docs[4].value().unwrap().unwrap();
    assert_eq!(
        cm["data"]["POLYAXON_DIRS_NVIDIA"],
        r#"{"bin":"","lib":"","libcuda":""}"#
    );
    assert_eq!(cm["data"]["POLYAXON_OCTAL"], "0644");
    assert_eq!(
        cm["data"]["run.sh"],
        "#!/bin/sh\nset -e\n---\necho done\n# end of script\n"
    );
    let list = stream.docs[6].value().unwrap().unwrap();
    assert_eq!(
        list["items"][0]["metadata"]["labels"]["role"],
        "experiments"
    );
    let deployment = stream.docs[7].value().unwrap().unwrap();
    let volume = &deployment["spec"]["template"]["spec"]["volumes"][0];
    assert_eq!(volume["configMap"]["defaultMode"], 420);
    let meta = stream.docs[7].meta().unwrap().unwrap();
    assert_eq!(meta.labels["role"], "polyaxon-api");
    assert!(!meta.is_hook());
    assert_eq!(
        stream.docs[7].source(),
        "polyaxon/templates/api-deployment.yaml"
    );
    // Lines are counted in the stream: the Deployment's body starts after its header.
    assert_eq!(
        stream.docs[7].chunk.body_line,
        stream.docs[7].chunk.first_line + 2
    );
}

#[test]
fn helm4_golden_stream_exposes_sources_and_hooks() {
    for path in [
        "tests/golden/stream/helm4.yaml",
        "tests/golden/stream/helm4-bom.yaml",
    ] {
        let text = repo_file(path);
        let stream = Stream::read(&text).unwrap();
        assert!(!stream.helm3(), "{path}");
        let sources: Vec<String> = stream.docs.iter().map(|d| d.source()).collect();
        assert_eq!(
            sources,
            [
                "polyaxon/charts/docker-registry/templates/secrets.yaml",
                "polyaxon/templates/cm.yaml",
                "polyaxon/charts/postgresql/templates/deployment.yaml",
                "polyaxon/templates/json-svc.json",
                "polyaxon/templates/hooks/clean-experiments-job.yaml",
                "polyaxon/templates/hooks/admin-user-job.yaml",
            ],
            "{path}"
        );
        let hooks: Vec<bool> = stream
            .docs
            .iter()
            .map(|d| d.meta().unwrap().unwrap().is_hook())
            .collect();
        assert_eq!(hooks, [false, false, false, false, true, true], "{path}");
        let hook = stream.docs[4].meta().unwrap().unwrap();
        assert_eq!(hook.annotations["helm.sh/hook-weight"], "-10");
        assert_eq!(hook.api_version, "batch/v1");
    }
}

#[test]
fn crlf_golden_stream_reads_like_the_lf_one() {
    let lf = repo_file("tests/golden/stream/helm3.yaml");
    let crlf = repo_file("tests/golden/stream/helm3-crlf.yaml");
    let (lf, crlf) = (Stream::read(&lf).unwrap(), Stream::read(&crlf).unwrap());
    assert_eq!(lf.docs.len(), crlf.docs.len());
    for (a, b) in lf.docs.iter().zip(&crlf.docs) {
        assert_eq!(
            a.value().unwrap(),
            b.value().unwrap(),
            "document {}",
            a.index + 1
        );
        assert_eq!(a.source(), b.source());
        assert_eq!(a.chunk.body_line, b.chunk.body_line);
    }
}

#[test]
fn edge_golden_stream_splits_where_kubernetes_does() {
    let text = repo_file("tests/golden/stream/edge.yaml");
    let stream = Stream::read(&text).unwrap();
    let with_content: Vec<String> = stream
        .docs
        .iter()
        .filter_map(|d| d.meta().unwrap().map(|m| m.kind))
        .collect();
    assert_eq!(with_content, ["ConfigMap", "Pod", "ConfigMap", "Secret"]);
    assert_eq!(stream.docs.len(), 7);
    assert!(stream.docs[0].is_empty() && stream.docs[1].is_empty() && stream.docs[3].is_empty());
    let cm = stream.docs[2].value().unwrap().unwrap();
    assert_eq!(cm["data"]["keep"], "kept trailing blank lines\n\n\n");
    let pod = stream.docs[4].value().unwrap().unwrap();
    let args = &pod["spec"]["containers"][0]["args"];
    assert_eq!(args[0], "---\nindented separator inside a block scalar\n");
    assert_eq!(args[1], "unicode: \u{e9}\u{e8} \u{4e2d}\u{6587} \u{1F600}");
    assert_eq!(args[2], "folded text");
    // Duplicate keys: the last wins, as in Kubernetes; aliases and merge keys are resolved.
    let anchors = stream.docs[5].value().unwrap().unwrap();
    assert_eq!(anchors["metadata"]["labels"]["tier"], "second");
    assert_eq!(anchors["data"]["copy"], "shared");
    assert_eq!(anchors["extra"]["app"], "anchors");
    assert_eq!(anchors["extra"]["own"], "yes");
    assert_eq!(
        stream.docs[5].meta().unwrap().unwrap().labels["tier"],
        "second"
    );
}

/// By default a document nothing edits is not parsed (speed: issue 7); `--strict` parses every
/// document, so a syntax error in any of them fails the run with exit 2 and nothing on stdout.
#[test]
fn strict_parses_every_document() {
    let stream = "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: [1,\n";
    run(&[], stream).assert_code(0);
    let strict = run(&["--strict"], stream);
    strict.assert_code(2);
    assert!(strict.stdout().is_empty(), "{strict}");
    assert!(strict.stderr().contains("c/templates/cm.yaml"), "{strict}");
    assert!(strict.stderr().contains("stream line 8"), "{strict}");
}
