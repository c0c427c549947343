//! The one harness every integration test drives the built binary through (style rule 8, after
//! ripgrep's `tests/util.rs`): the binary from `CARGO_BIN_EXE_polyaxon-pr`, a fresh temporary
//! working directory per run unless the test names one, the environment variables that would
//! change the binary's behaviour (Helm's plugin variables, `POLYAXON_PR_VALUES`, the report
//! directory) cleared or pinned, and a [`Run`] whose `Display` shows the command, status, stdout
//! and stderr for assertion messages. It also holds the paths of the repository's fixtures
//! (tests read only files inside the repository) and reads a stream's documents.

#![allow(dead_code)] // each test crate uses its own part of this module

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use polyaxon_pr::stream::Stream;
use serde_json::Value;

/// Variables a developer's shell or a Helm plugin run may set, each of which changes what the
/// binary does (report file and terminal echo, default values file).
const LEAKING_ENV: &[&str] = &["HELM_PLUGIN_NAME", "HELM_PLUGIN_DIR", "POLYAXON_PR_VALUES"];

/// One run of the binary, kept whole so a failing assertion can show everything.
pub struct Run {
    command: String,
    output: Output,
    elapsed: Duration,
}

impl Run {
    pub fn code(&self) -> Option<i32> {
        self.output.status.code()
    }

    pub fn success(&self) -> bool {
        self.output.status.success()
    }

    pub fn stdout(&self) -> &[u8] {
        &self.output.stdout
    }

    /// Stdout as text; a failure showing the run when it is not UTF-8.
    pub fn stdout_utf8(&self) -> &str {
        std::str::from_utf8(&self.output.stdout)
            .unwrap_or_else(|e| panic!("stdout is not UTF-8: {e}\n{self}"))
    }

    /// Stdout as text, invalid UTF-8 replaced (for messages and `contains` checks).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Wall-clock time from start to exit.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(self.code(), Some(code), "{self}");
        self
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "command: {}\nstatus: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command,
            self.output.status,
            self.stdout_text(),
            self.stderr()
        )
    }
}

/// How to run the binary, beyond its arguments and stdin.
#[derive(Default)]
pub struct Setup<'a> {
    /// Variables set for the run, after the leaking ones are cleared.
    pub env: &'a [(&'a str, &'a str)],
    /// The working directory; a fresh temporary one when `None`.
    pub dir: Option<&'a Path>,
    /// A `ulimit -v` in KiB, so unbounded memory shows as a failed allocation.
    pub memory_limit_kib: Option<u64>,
}

/// Run the built binary with `args` in a fresh temporary directory, feeding `stdin`.
pub fn run(args: &[&str], stdin: impl AsRef<[u8]>) -> Run {
    run_with(args, stdin, &Setup::default())
}

/// [`run`], requiring exit code 0: its stdout, which must be UTF-8.
pub fn stdout_of(args: &[&str], stdin: impl AsRef<[u8]>) -> String {
    let run = run(args, stdin);
    run.assert_code(0);
    run.stdout_utf8().to_string()
}

/// Run the built binary with `args` in `dir`, feeding `stdin`.
pub fn run_in(dir: &Path, args: &[&str], stdin: impl AsRef<[u8]>) -> Run {
    let setup = Setup {
        dir: Some(dir),
        ..Setup::default()
    };
    run_with(args, stdin, &setup)
}

/// Run the built binary with `args` as `setup` says, feeding `stdin`.
pub fn run_with(args: &[&str], stdin: impl AsRef<[u8]>, setup: &Setup) -> Run {
    let temp = tempfile::tempdir().expect("temp dir");
    let dir = setup.dir.unwrap_or(temp.path());
    let (mut cmd, command) = command(args, setup, dir);
    for name in LEAKING_ENV {
        cmd.env_remove(name);
    }
    cmd.current_dir(dir)
        // Without a plugin name nothing is reported, but a test that sets one must not write
        // into the developer's state directory.
        .env("XDG_STATE_HOME", temp.path())
        .envs(setup.env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {command}: {e}"));
    let start = Instant::now();
    let output =
        feed_and_wait(child, stdin.as_ref().to_vec()).unwrap_or_else(|e| panic!("{command}: {e}"));
    Run {
        command,
        output,
        elapsed: start.elapsed(),
    }
}

/// Write `input` to the child's stdin from a thread (a large stream must not deadlock against a
/// full stdout pipe) and collect its output.
fn feed_and_wait(mut child: Child, input: Vec<u8>) -> std::io::Result<Output> {
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output();
    writer.join().expect("stdin writer");
    output
}

/// The process to start, and how to show it in messages.
fn command(args: &[&str], setup: &Setup, dir: &Path) -> (Command, String) {
    let bin = env!("CARGO_BIN_EXE_polyaxon-pr");
    let env: String = setup.env.iter().map(|(k, v)| format!("{k}={v} ")).collect();
    let shown = format!("{env}{bin} {}", args.join(" "));
    let Some(limit) = setup.memory_limit_kib else {
        let mut cmd = Command::new(bin);
        cmd.args(args);
        return (cmd, format!("(cd {} && {shown})", dir.display()));
    };
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {limit} && exec \"$0\" \"$@\""))
        .arg(bin)
        .args(args);
    let command = format!("(cd {} && ulimit -v {limit} && {shown})", dir.display());
    (cmd, command)
}

/// The documents of a stream that have content, as JSON values, in order.
pub fn documents(text: &str) -> Vec<Value> {
    let stream = Stream::read(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    stream
        .docs
        .iter()
        .filter_map(|doc| {
            doc.value()
                .unwrap_or_else(|e| panic!("{e}\n{text}"))
                .cloned()
        })
        .collect()
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path inside the repository.
pub fn repo_path(rel: &str) -> PathBuf {
    repo().join(rel)
}

/// A file of the repository as text.
pub fn repo_file(rel: &str) -> String {
    let path = repo_path(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A path among the real renders of Polyaxon chart 0.4.2 (`tests/fixtures/polyaxon-0.4.2`).
pub fn fixture(rel: &str) -> PathBuf {
    repo_path("tests/fixtures/polyaxon-0.4.2").join(rel)
}

/// A file among the real renders as text.
pub fn read_fixture(rel: &str) -> String {
    let path = fixture(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The path of the fixture values file `values/{set}.values.yaml`, as an argument.
pub fn values_file(set: &str) -> String {
    fixture(&format!("values/{set}.values.yaml"))
        .display()
        .to_string()
}
