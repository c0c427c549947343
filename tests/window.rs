//! Every stream is post-rendered window by window (`src/driver/`): the output, the messages,
//! `--explain` and the exit code must not depend on the window size, byte for byte. Each case
//! runs the binary with the default window (these streams fit in one) and with tiny windows (`POLYAXON_PR_WINDOW_BYTES=1`: one document
//! per window, so every cross-document fact — the profile's choice, the ConfigMap the workloads'
//! `checksum/config` follows, overlay `expect` counts, the nearest document, hooks, conflicts,
//! findings — crosses windows), and a middling one.

#![allow(clippy::unwrap_used)]

mod common;

use std::fmt::Write as _;

use common::{Run, Setup, fixture, repo_path, run_with, values_file};

/// Window sizes compared with the default: one document per window, and a few documents.
const WINDOWS: [&str; 2] = ["1", "5000"];

fn run_window(args: &[&str], stdin: &[u8], window: Option<&str>) -> Run {
    let env: Vec<(&str, &str)> = window
        .map(|w| ("POLYAXON_PR_WINDOW_BYTES", w))
        .into_iter()
        .collect();
    let setup = Setup {
        env: &env,
        ..Setup::default()
    };
    run_with(args, stdin, &setup)
}

/// Run `args` on `stdin` whole and windowed; everything must be equal. Returns the whole run.
fn same(args: &[&str], stdin: &[u8]) -> Run {
    let whole = run_window(args, stdin, None);
    for window in WINDOWS {
        let windowed = run_window(args, stdin, Some(window));
        let what = format!("window {window}: {}", args.join(" "));
        assert_eq!(
            windowed.code(),
            whole.code(),
            "exit code, {what}\n{}",
            windowed.stderr()
        );
        assert_eq!(windowed.stderr(), whole.stderr(), "stderr, {what}");
        assert!(
            windowed.stdout() == whole.stdout(),
            "stdout differs, {what}"
        );
    }
    whole
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn polyaxon_renders_with_every_values_set() {
    let sets = ["defaults", "gpu", "hosts-tz", "nfs", "stores"];
    for helm in ["helm3", "helm4"] {
        for render in sets {
            let stream = std::fs::read(fixture(&format!("{helm}/{render}.yaml"))).unwrap();
            for set in sets {
                let values = values_file(set);
                let run = same(&["-f", &values, "--explain"], &stream);
                same(&["-f", &values, "--strict"], &stream);
                if set == "gpu" && render == "defaults" {
                    // The ConfigMap (first document) changes: every workload that loads it,
                    // each in its own window, rolls with the new checksum.
                    assert!(run.success(), "{}", run.stderr());
                    assert!(
                        run.stderr().contains("<- checksum/config"),
                        "{}",
                        run.stderr()
                    );
                }
            }
        }
    }
}

#[test]
fn the_config_map_after_its_workloads() {
    // Documents in reverse order: the chart's ConfigMap comes last, after every workload whose
    // `checksum/config` follows it.
    let text = std::fs::read_to_string(fixture("helm3/defaults.yaml")).unwrap();
    let mut docs: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" || docs.is_empty() {
            docs.push(String::new());
        }
        if let Some(last) = docs.last_mut() {
            last.push_str(line);
        }
    }
    let reversed: String = docs.into_iter().rev().collect();
    for set in ["gpu", "stores", "hosts-tz"] {
        let run = same(&["-f", &values_file(set), "--explain"], reversed.as_bytes());
        assert!(run.success(), "{}", run.stderr());
    }
    let run = same(
        &["-f", &values_file("gpu"), "--explain"],
        reversed.as_bytes(),
    );
    assert!(
        run.stderr().contains("<- checksum/config"),
        "{}",
        run.stderr()
    );
}

#[test]
fn polyaxon_renders_with_the_example_overlays() {
    let stream = std::fs::read(fixture("helm4/gpu.yaml")).unwrap();
    let values = values_file("gpu");
    let examples = repo_path("chart-overlays/examples");
    let mut names: Vec<_> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    names.sort();
    for overlay in names {
        same(
            &["-f", &values, "--overlays", &overlay, "--explain"],
            &stream,
        );
        // Without --explain, windows edit what the rules only add to directly
        // (src/apply/direct.rs): the output must still be the whole run's.
        same(&["--overlays", &overlay], &stream);
        same(
            &[
                "-f",
                &values_file("hosts-tz"),
                "--overlays",
                &overlay,
                "--explain",
            ],
            &stream,
        );
    }
}

/// `n` Deployments shaped as scripts/bench.sh generates them, half `role: experiments`.
fn deployments(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let role = if i % 2 == 0 { "experiments" } else { "core" };
        let _ = write!(
            out,
            "---\n# Source: polyaxon/templates/deployment-{i}.yaml\napiVersion: apps/v1\n\
             kind: Deployment\nmetadata:\n  name: polyaxon-worker-{i}\n  namespace: polyaxon\n\
             \x20 labels:\n    app: polyaxon-worker-{i}\n    role: {role}\nspec:\n  replicas: 1\n\
             \x20 template:\n    metadata:\n      labels:\n        role: {role}\n    spec:\n\
             \x20     containers:\n      - name: container-0\n        image: \"x:1\"\n\
             \x20       env:\n        - name: POLYAXON_ROLE\n          value: \"worker\"\n\
             \x20     - name: container-1\n        image: \"x:1\"\n"
        );
    }
    out
}

const BENCH_OVERLAY: &str = "\
apiVersion: polyaxon-pr/v1
kind: Overlay
metadata:
  name: bench-scratch
rules:
  - name: scratch space and UTC for the experiments
    match:
      kinds: [Deployment]
      labels: {role: experiments}
    volumes: [{name: scratch, hostPath: {path: /mnt/scratch, type: DirectoryOrCreate}}]
    volumeMounts: [{name: scratch, mountPath: /scratch}]
    env: [{name: TZ, value: UTC}]
    expect: \"1+\"
";

#[test]
fn bench_like_streams_with_an_overlay() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = write(dir.path(), "overlay.yaml", BENCH_OVERLAY);
    let stream = deployments(60);
    let run = same(&["--overlays", &overlay, "--explain"], stream.as_bytes());
    assert!(run.success(), "{}", run.stderr());
    assert_eq!(run.stdout_utf8().matches("mountPath: /scratch").count(), 60);
    // Without --explain the windows take the direct edits (src/apply/direct.rs).
    let direct = same(&["--overlays", &overlay], stream.as_bytes());
    assert_eq!(direct.stdout(), run.stdout());
    same(&[], stream.as_bytes());
    // Values that only a Polyaxon stream takes: the generic profile warns once.
    let values = write(
        dir.path(),
        "v.yaml",
        "timeZone: UTC\ndirs: {nvidia: {lib: /l, bin: /b, libcuda: /c}}\n",
    );
    let run = same(&["-f", &values, "--overlays", &overlay], stream.as_bytes());
    assert_eq!(
        run.stderr().matches("has no effect").count(),
        1,
        "{}",
        run.stderr()
    );
}

/// The generic GPU injection (`dirs.nvidia` on a stream without the chart's ConfigMap), written
/// by the direct edits where they can and by the plan elsewhere (a flow `resources` naming the
/// GPU, a conflicting volume), alone and with an overlay rule: the same at every window size.
#[test]
fn the_gpu_injection_at_every_window_size() {
    let mut stream = String::new();
    let all = deployments(24);
    for (i, doc) in all.split("---\n").filter(|d| !d.is_empty()).enumerate() {
        let doc = match i % 4 {
            // A GPU in a block mapping: the direct edits.
            0 => doc.replace(
                "      - name: container-1\n",
                "        resources:\n          limits:\n            nvidia.com/gpu: 1\n      - name: container-1\n",
            ),
            // In a flow mapping: the plan.
            1 => doc.replace(
                "      - name: container-1\n",
                "        resources: {limits: {nvidia.com/gpu: 2}}\n      - name: container-1\n",
            ),
            // A GPU init container.
            2 => doc.replace(
                "      containers:\n",
                "      initContainers:\n      - name: warm\n        image: x\n        resources:\n          requests:\n            nvidia.com/gpu: \"1\"\n      containers:\n",
            ),
            _ => doc.to_string(),
        };
        stream.push_str("---\n");
        stream.push_str(&doc);
    }
    assert_eq!(stream.matches("kind: Deployment").count(), 24);
    let dir = tempfile::tempdir().unwrap();
    let values = write(
        dir.path(),
        "v.yaml",
        "dirs: {nvidia: {lib: /l, bin: /b, libcuda: /c}}\n",
    );
    let overlay = write(dir.path(), "overlay.yaml", BENCH_OVERLAY);
    let run = same(&["-f", &values], stream.as_bytes());
    assert!(run.success(), "{}", run.stderr());
    let out = run.stdout_utf8();
    // 18 Deployments ask for a GPU (6 of each kind), each gets the three volumes once.
    assert_eq!(
        out.matches("- name: nvidia-libcuda\n        hostPath:")
            .count(),
        18,
        "{out}"
    );
    assert_eq!(out.matches("name: LD_LIBRARY_PATH").count(), 18, "{out}");
    let explained = same(&["-f", &values, "--explain"], stream.as_bytes());
    assert_eq!(explained.stdout(), run.stdout());
    assert_eq!(
        explained.stderr().matches("<- dirs.nvidia.bin").count(),
        18 * 2
    );
    let both = same(&["-f", &values, "--overlays", &overlay], stream.as_bytes());
    assert!(both.success(), "{}", both.stderr());
    let second = same(&["-f", &values], run.stdout());
    assert_eq!(
        second.stdout(),
        run.stdout(),
        "a second run changes nothing"
    );
}

/// An overlay that changes a ConfigMap the Deployments load: their `checksum/config` follows it,
/// from any window.
const CONFIG_OVERLAY: &str = "\
apiVersion: polyaxon-pr/v1
kind: Overlay
metadata: {name: config}
rules:
  - name: a key more
    match: {kinds: [ConfigMap], name: extra}
    merge: {data: {added: \"yes\"}}
    expect: \"1\"
";

#[test]
fn a_config_map_an_overlay_changes_rolls_the_workloads_of_every_window() {
    let dir = tempfile::tempdir().unwrap();
    let overlay = write(dir.path(), "config.yaml", CONFIG_OVERLAY);
    let mut stream = String::new();
    for i in 0..6 {
        let _ = write!(
            stream,
            "---\n# Source: c/templates/d{i}.yaml\napiVersion: apps/v1\nkind: Deployment\n\
             metadata:\n  name: d{i}\n  annotations:\n    checksum/config: old\nspec:\n\
             \x20 template:\n    metadata:\n      annotations:\n        checksum/config: old\n\
             \x20   spec:\n      containers:\n      - name: c\n        envFrom:\n\
             \x20       - configMapRef: {{name: extra}}\n"
        );
        if i == 3 {
            stream.push_str(
                "---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\n\
                 metadata:\n  name: extra\ndata:\n  a: b\n",
            );
        }
    }
    let run = same(&["--overlays", &overlay, "--explain"], stream.as_bytes());
    assert!(run.success(), "{}", run.stderr());
    assert_eq!(run.stdout_utf8().matches("checksum/config: old").count(), 0);
    assert_eq!(run.stderr().matches("<- checksum/config").count(), 6 * 2);
}

const EXPECTATIONS: &str = "\
apiVersion: polyaxon-pr/v1
kind: Overlay
metadata: {name: few}
rules:
  - name: nothing matches
    match: {kinds: [Deployment], labels: {role: nope}}
    env: [{name: A, value: b}]
  - name: hooks only
    match: {hooks: only}
    env: [{name: A, value: b}]
  - name: exactly two
    match: {kinds: [Deployment], labels: {role: experiments}}
    env: [{name: B, value: c}]
    expect: \"2\"
  - name: exactly many
    match: {kinds: [Deployment], labels: {role: experiments}}
    env: [{name: C, value: c}]
    expect: \"3\"
";

const CONFLICTS: &str = "\
apiVersion: polyaxon-pr/v1
kind: Overlay
metadata: {name: clash}
rules:
  - name: clash
    match: {kinds: [Deployment]}
    volumes: [{name: scratch, hostPath: {path: /a}}]
  - name: clash again
    match: {kinds: [Deployment]}
    volumes: [{name: scratch, hostPath: {path: /b}}]
    volumeMounts: [{name: scratch, mountPath: /scratch}]
    expect: \"0+\"
";

#[test]
fn expect_failures_and_conflicts_are_reported_as_for_the_whole_stream() {
    let dir = tempfile::tempdir().unwrap();
    let expectations = write(dir.path(), "expect.yaml", EXPECTATIONS);
    let conflicts = write(dir.path(), "clash.yaml", CONFLICTS);
    let stream = deployments(7);
    let run = same(&["--overlays", &expectations], stream.as_bytes());
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(
        err.contains("matched 0 document(s); it expects at least 1. Nearest"),
        "{err}"
    );
    assert!(err.contains("the stream holds no Helm hooks"), "{err}");
    assert!(
        err.contains("matched 4 document(s); it expects exactly 2: Deployment"),
        "{err}"
    );
    let run = same(&["--overlays", &conflicts], stream.as_bytes());
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        run.stderr().matches("already exists in Deployment").count(),
        7
    );
    let polyaxon = std::fs::read(fixture("helm4/gpu.yaml")).unwrap();
    for overlay in [&expectations, &conflicts] {
        same(
            &["-f", &values_file("gpu"), "--overlays", overlay],
            &polyaxon,
        );
    }
}

#[test]
fn plan_conflicts_are_reported_as_for_the_whole_stream() {
    let dir = tempfile::tempdir().unwrap();
    let clash = write(
        dir.path(),
        "clash.yaml",
        "persistence:\n  outputs:\n    logs: {mountPath: /x, hostPath: /y}\n",
    );
    let conflicts = write(dir.path(), "overlay.yaml", CONFLICTS);
    for render in ["helm3/defaults.yaml", "helm4/gpu.yaml"] {
        let stream = std::fs::read(fixture(render)).unwrap();
        let run = same(&["-f", &clash], &stream);
        assert_eq!(run.code(), Some(1));
        assert!(
            run.stderr().contains("conflict(s) between the values"),
            "{}",
            run.stderr()
        );
        // The plan's conflicts come first: the overlays' are not reported.
        same(
            &[
                "-f",
                &clash,
                "-f",
                &values_file("gpu"),
                "--overlays",
                &conflicts,
            ],
            &stream,
        );
    }
}

#[test]
fn input_errors_name_the_document_and_line_of_the_whole_stream() {
    let cases: [(&str, &[u8]); 6] = [
        (
            "malformed",
            b"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\n\
              ---\nkind: Pod\nmetadata: {name: b}\nspec: [1, 2\n---\nkind: X\n",
        ),
        (
            "two documents in a chunk",
            b"a: 1\n---\nb: 2\n--- {c: 3}\n---\nd: 4\n",
        ),
        (
            "content after a separator",
            b"a: 1\n---\nb: 2\n---\n--- {c: 3}\n---\nd: 4\n",
        ),
        ("not UTF-8", b"a: 1\n---\nb: \xff\n---\nc: 1\n"),
        ("blank", b"\n\n---\n\n"),
        (
            "crlf and bom",
            b"\xef\xbb\xbfa: 1\r\n---\r\nb: 2\r\n--- # c\r\nc: 3",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let values = write(
        dir.path(),
        "v.yaml",
        "dirs: {nvidia: {lib: /l, bin: /b, libcuda: /c}}\n",
    );
    for (what, stream) in cases {
        for args in [
            &[][..],
            &["--strict"][..],
            &["-f", &values, "--explain"][..],
        ] {
            let run = same(args, stream);
            if what != "blank" && what != "crlf and bom" {
                assert_eq!(run.code(), Some(2), "{what}: {}", run.stderr());
            }
        }
    }
    let err = run_window(&[], cases[0].1, Some("1")).stderr();
    assert!(err.contains("document 2: stream line 8"), "{err}");
}

#[test]
fn the_window_is_spooled_and_its_size_checked() {
    let stream = deployments(3);
    // A temporary directory that cannot be written: the windowed path says so; a stream that
    // fits in one window never needs it.
    let env = [
        ("POLYAXON_PR_WINDOW_BYTES", "1"),
        ("TMPDIR", "/nonexistent/dir"),
    ];
    let setup = Setup {
        env: &env,
        ..Setup::default()
    };
    let run = run_with(&[], stream.as_bytes(), &setup);
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("cannot use a temporary file in /nonexistent/dir")
    );
    assert!(run.stdout().is_empty());
    let env = [("TMPDIR", "/nonexistent/dir")];
    let setup = Setup {
        env: &env,
        ..Setup::default()
    };
    assert!(run_with(&[], stream.as_bytes(), &setup).success());
    let run = run_window(&[], stream.as_bytes(), Some("lots"));
    assert_eq!(run.code(), Some(2));
    assert!(
        run.stderr().contains("POLYAXON_PR_WINDOW_BYTES=\"lots\""),
        "{}",
        run.stderr()
    );
}

/// Many Polyaxon releases in one stream: each window takes as context only its own release's
/// ConfigMap (by the `release` label). Every release is post-rendered as it is alone, at every
/// window size.
#[test]
fn many_releases_in_one_stream_each_as_alone() {
    let one = std::fs::read_to_string(fixture("helm3/defaults.yaml")).unwrap();
    let release = |n: usize| {
        one.replace("polyaxon-polyaxon", &format!("r{n}-polyaxon"))
            .replace("release: polyaxon", &format!("release: r{n}"))
            .replace("release: \"polyaxon\"", &format!("release: \"r{n}\""))
    };
    let values = values_file("gpu");
    let args = ["-f", values.as_str(), "--set", "timeZone=Europe/Berlin"];
    let mut stream = String::new();
    let mut alone = String::new();
    for n in 0..3 {
        let text = release(n);
        let run = run_window(&args, text.as_bytes(), None);
        assert!(run.success(), "{}", run.stderr());
        alone.push_str(run.stdout_utf8());
        stream.push_str(&text);
    }
    let together = same(&args, stream.as_bytes());
    assert!(together.success(), "{}", together.stderr());
    assert!(
        together.stdout_utf8() == alone,
        "the releases together differ from each alone"
    );
}

/// `diff` is computed window by window; `patch` applied to the input must give the output at
/// every window size (a hunk at a window's edge keeps even context: `patch` anchors a hunk with
/// less context on one side to the start or end of the file).
#[test]
fn diff_patches_the_input_into_the_output_at_every_window_size() {
    let dir = tempfile::tempdir().unwrap();
    let stream = std::fs::read(fixture("helm3/defaults.yaml")).unwrap();
    let values = values_file("gpu");
    let args = ["-f", values.as_str(), "--set", "timeZone=UTC"];
    let output = run_window(&args, &stream, None);
    assert!(output.success(), "{}", output.stderr());
    for window in [None, Some("1"), Some("5000")] {
        let diff_args: Vec<&str> = ["diff"].into_iter().chain(args).collect();
        let diff = run_window(&diff_args, &stream, window);
        assert!(diff.success(), "{}", diff.stderr());
        let input = dir.path().join("stream.yaml");
        std::fs::write(&input, &stream).unwrap();
        let patched = std::process::Command::new("patch")
            .args(["-s", "-p0", "--no-backup-if-mismatch"])
            .arg(&input)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write as _;
                child.stdin.take().unwrap().write_all(diff.stdout())?;
                child.wait()
            })
            .expect("GNU patch (Debian package patch) runs");
        assert!(patched.success(), "window {window:?}: patch failed");
        assert!(
            std::fs::read(&input).unwrap() == output.stdout(),
            "window {window:?}: the patched input is not the output"
        );
    }
}
