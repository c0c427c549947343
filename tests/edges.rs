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
