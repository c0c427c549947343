//! Edges of the contract through the real binary: host formats and GPU requests the values and
//! the stream can get wrong, `lint`'s summary of node-exposing host paths, exit codes when the
//! reader of stdout goes away or a file is missing, where a bad separator is reported, how the
//! `--report` file is created, the flags of `krm`, the bounds on input size and memory, and
//! Secrets in `diff` (issue 18).

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{Run, run, run_in};

/// `file` in `dir` with `text`, as an argument.
fn write(dir: &Path, file: &str, text: &str) -> String {
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn assert_stderr_has(run: &Run, fragments: &[&str]) {
    for fragment in fragments {
        assert!(
            run.stderr().contains(fragment),
            "missing {fragment:?}\n{run}"
        );
    }
}

#[test]
fn a_dotted_decimal_that_is_no_ipv4_address_is_an_error() {
    let run = run(&["lint", "-"], "allowedHosts: [\"10.0.0.300\"]\n");
    run.assert_code(1);
    assert!(
        run.stdout_text().contains("is not an IPv4 address"),
        "{run}"
    );
}

#[test]
fn lint_lists_the_host_paths_that_expose_the_node_at_the_end() {
    let values = "persistence:\n  data:\n    root: {mountPath: /data/root, hostPath: /}\n    \
                  docker: {mountPath: /data/docker, hostPath: /var/run/docker.sock}\n";
    let run = run(&["lint", "-"], values);
    run.assert_code(0);
    let out = run.stdout_text();
    let summary = out
        .split_once("file(s) failed\n")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("no summary line\n{run}"));
    assert!(
        summary.starts_with("[WARNING] 2 host path(s) expose the node"),
        "{run}"
    );
    assert!(summary.contains("persistence.data.root.hostPath"), "{run}");
    assert!(summary.contains("/var/run/docker.sock"), "{run}");
}

/// A stream of `n` small Deployments nothing edits.
fn deployments(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d{i}\nspec:\n  \
                 template:\n    spec:\n      containers:\n      - name: c\n        image: x\n"
            )
        })
        .collect()
}

/// `sh -c script` with the binary as `$0`, `input` on stdin (from a file, so the shell's
/// redirections stay the script's own).
#[cfg(any(target_os = "linux", target_os = "macos"))]
fn shell(script: &str, input: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let stdin = write(dir.path(), "stdin.yaml", input);
    std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_polyaxon-pr"))
        .current_dir(dir.path())
        .env_remove("HELM_PLUGIN_NAME")
        .stdin(std::fs::File::open(stdin).unwrap())
        .output()
        .unwrap()
}

#[test]
fn a_reader_that_goes_away_is_an_error_not_success() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_polyaxon-pr"))
        .env_remove("HELM_PLUGIN_NAME")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // More than a pipe buffer of output, so the writes meet the closed pipe (`| head -c 10`).
    let input = deployments(5_000);
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut head = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    let output = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot write to stdout") && stderr.contains("went away"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

/// The check runs from the program's initialisers, on Linux and macOS.
#[cfg(any(target_os = "linux", target_os = "macos"))]
#[test]
fn a_closed_stdout_is_an_error_not_success() {
    let out = shell("\"$0\" >&- ; echo \"rc=$?\" >&2", &deployments(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stdout is closed"), "{stderr}");
    assert!(stderr.ends_with("rc=2\n"), "{stderr}");
    let out = shell("\"$0\" >/dev/null; echo \"rc=$?\" >&2", &deployments(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "rc=0\n");
}

#[test]
fn a_missing_file_named_like_an_error_message_is_still_an_error() {
    let run = run(&["-f", "Broken pipe.yaml"], deployments(1));
    run.assert_code(2);
    assert_stderr_has(&run, &["Broken pipe.yaml", "No such file"]);
}

#[test]
fn a_terminal_on_stdin_is_told_what_to_send() {
    // `script` gives the binary a pseudo-terminal as stdin; its own stdin (empty) ends it.
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no `script` (util-linux) for a pseudo-terminal");
        return;
    }
    for (args, expected) in [
        ("", "expecting a manifest stream on stdin"),
        ("krm", "expecting a ResourceList on stdin"),
        ("lint -", "expecting values on stdin"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let command = format!("{} {args} 2>err.txt", env!("CARGO_BIN_EXE_polyaxon-pr"));
        let status = std::process::Command::new("timeout")
            .args(["20", "script", "-qec", &command, "/dev/null"])
            .current_dir(dir.path())
            .env_remove("HELM_PLUGIN_NAME")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        let err = std::fs::read_to_string(dir.path().join("err.txt")).unwrap_or_default();
        assert!(err.contains(expected), "{args}: {status}: {err}");
    }
}

#[test]
fn a_bad_separator_is_reported_at_its_own_line() {
    for bad in ["--- !tag", "--- |"] {
        let stream = format!("{}{bad}\n  x: 1\n", deployments(1));
        let run = run(&["--strict"], &stream);
        run.assert_code(2);
        assert_stderr_has(&run, &["stream line 12:"]);
    }
}

#[cfg(unix)]
#[test]
fn an_explicit_report_goes_only_into_an_existing_directory_and_through_no_link() {
    let dir = tempfile::tempdir().unwrap();
    let run1 = run_in(
        dir.path(),
        &["--report", "missing/report.txt"],
        deployments(1),
    );
    run1.assert_code(0);
    assert!(!dir.path().join("missing").exists(), "{run1}");
    assert_stderr_has(&run1, &["cannot write the report file"]);
    let target = write(dir.path(), "target.txt", "keep");
    std::os::unix::fs::symlink(&target, dir.path().join("link.txt")).unwrap();
    let run2 = run_in(dir.path(), &["--report", "link.txt"], deployments(1));
    assert_stderr_has(&run2, &["symbolic link"]);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
}

/// A ResourceList of `items` (YAML text of a sequence's entries, indented under `items:`).
fn resource_list(items: &str) -> String {
    format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{items}")
}

const OVERLAY: &str = "apiVersion: polyaxon-pr/v1\nkind: Overlay\nrules:\n- name: label\n  \
                       match: {kinds: [Deployment]}\n  labels: {team: ml}\n";

#[test]
fn krm_honours_overlays_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    let items = "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d, labels: {a: b}}\n  \
                 spec: {template: {spec: {containers: [{name: c, image: x}]}}}\n";
    let missing = run_in(
        dir.path(),
        &["krm", "--overlays", "/nonexistent"],
        resource_list(items),
    );
    missing.assert_code(2);
    assert_stderr_has(&missing, &["/nonexistent"]);
    assert!(missing.stdout().is_empty(), "{missing}");
    let overlay = write(dir.path(), "overlay.yaml", OVERLAY);
    let run = run_in(
        dir.path(),
        &["krm", "--overlays", &overlay, "--explain"],
        resource_list(items),
    );
    run.assert_code(0);
    let list = polyaxon_pr::stream::parse_one(run.stdout_utf8(), 1).unwrap();
    assert_eq!(
        list["items"][0]["metadata"]["labels"]["team"], "ml",
        "{run}"
    );
    assert_stderr_has(&run, &["# Deployment d", "/metadata/labels"]);
}

#[test]
fn diff_masks_a_secret_written_as_a_multi_line_flow_map() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = write(
        dir.path(),
        "label.yaml",
        "apiVersion: polyaxon-pr/v1\nkind: Overlay\nrules:\n- match: {kinds: [Secret]}\n  \
         labels: {team: ml}\n",
    );
    let stream = "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData: {\n  \
                  password: hunter2,\n  token: s3cr3t }\n";
    let run = run_in(dir.path(), &["diff", "--overlays", &overlay], stream);
    run.assert_code(0);
    let out = run.stdout_text();
    assert!(out.contains("team: ml"), "the Secret changed: {run}");
    for secret in ["hunter2", "s3cr3t"] {
        assert!(
            !out.contains(secret) && !run.stderr().contains(secret),
            "{run}"
        );
    }
}

#[test]
fn a_document_over_the_node_bound_is_reported_as_a_bound_not_an_alias_bomb() {
    let mut stream = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nlist:\n");
    for i in 0..260_000 {
        stream.push_str(&format!("- {i}\n"));
    }
    let run = run(&["--strict"], &stream);
    run.assert_code(2);
    assert_stderr_has(
        &run,
        &[
            "document of more than 250000 nodes",
            "exceeds the limit of 250000",
        ],
    );
    assert!(!run.stderr().contains("billion laughs"), "{run}");
}

#[test]
fn krm_takes_a_resource_list_of_30000_items() {
    let items: String = (0..30_000)
        .map(|i| {
            format!(
                "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {{name: d{i}}}\n  spec:\n    \
                 selector: {{matchLabels: {{app: d}}}}\n    template:\n      metadata: {{labels: \
                 {{app: d}}}}\n      spec:\n        containers: [{{name: c, image: nginx}}]\n"
            )
        })
        .collect();
    let run = run(&["krm"], resource_list(&items));
    run.assert_code(0);
    let out = run.stdout_utf8();
    assert!(out.contains("name: d29999\n"), "the last item is written");
    assert_eq!(out.matches("kind: Deployment").count(), 30_000);
}

#[test]
fn out_of_memory_is_exit_2_with_one_line_and_no_output() {
    let stream = deployments(20_000);
    let mut failed = 0;
    for mib in [24, 32, 40, 48] {
        let dir = tempfile::tempdir().unwrap();
        let setup = common::Setup {
            memory_limit_kib: Some(mib * 1024),
            dir: Some(dir.path()),
            ..common::Setup::default()
        };
        let run = common::run_with(&["--report", "report.txt"], &stream, &setup);
        if run.success() {
            assert_eq!(
                run.stdout().len(),
                stream.len(),
                "{mib} MiB: all or nothing"
            );
            continue;
        }
        failed += 1;
        run.assert_code(2);
        assert!(
            run.stdout().is_empty(),
            "{mib} MiB: no partial output\n{run}"
        );
        let stderr = run.stderr();
        assert_eq!(stderr.lines().count(), 1, "{mib} MiB: one line\n{run}");
        assert!(
            stderr.starts_with("polyaxon-pr: error: ") && stderr.contains("out of memory"),
            "{run}"
        );
        // The input buffer is reserved fallibly: that failure is an ordinary error, reported.
        if stderr.contains("cannot read the stream from stdin") {
            let report = std::fs::read_to_string(dir.path().join("report.txt")).unwrap();
            assert!(report.contains("out of memory"), "{report}");
        }
    }
    assert!(failed > 0, "no limit was low enough to test");
}

/// Two million empty documents (8 MB of `---`) within 200 MiB of address space: the index holds
/// a run of empty documents as one entry, so memory does not grow with their number (an entry
/// per document needs over 300 MiB here).
#[test]
fn memory_does_not_grow_with_the_number_of_empty_documents() {
    let stream = "---\n".repeat(2_000_000);
    // The run needs about 140 MiB of address space whatever the stream (mimalloc under a limit
    // maps as the threads' timing goes: 136 MiB failed one run in four): room above that.
    let setup = common::Setup {
        memory_limit_kib: Some(200 * 1024),
        ..common::Setup::default()
    };
    let run = common::run_with(&[], &stream, &setup);
    run.assert_code(0);
    assert!(run.stdout() == stream.as_bytes(), "written back unchanged");
}

#[test]
fn a_document_after_a_run_of_empty_ones_keeps_its_number_and_line() {
    let mut stream = "---\n".repeat(100_000);
    stream.push_str("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: [1, 2\n");
    let run = run(&["--strict"], &stream);
    run.assert_code(2);
    assert_stderr_has(&run, &["document 100001: stream line 100005"]);
}

#[test]
fn export_honours_explain() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = write(dir.path(), "overlay.yaml", OVERLAY);
    let stream = "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: \
                  {template: {spec: {containers: [{name: c, image: x}]}}}\n";
    let run = run_in(
        dir.path(),
        &["export", "kustomize", "--overlays", &overlay, "--explain"],
        stream,
    );
    run.assert_code(0);
    assert_stderr_has(&run, &["# Deployment d", "/metadata/labels"]);
}
