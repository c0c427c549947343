//! Where diagnostics go besides stderr, for the runs where stderr reaches nobody.
//!
//! Helm 4 runs a post-renderer as a plugin and throws its stderr and exit code away: the user only
//! sees `plugin "polyaxon-pr" exited with error`. So as a Helm plugin ([`PLUGIN_ENV`] set)
//! everything written to stderr ([`Tee`]) is also saved to [`default_report_path`] and echoed to
//! the controlling terminal unless stderr already reaches it; `--report FILE` asks for the file in
//! any mode. The report only adds a status line ([`report_text`]), so it holds no secret values.

use std::ffi::OsString;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Set by Helm (3 and 4) in the environment of every plugin it runs.
pub const PLUGIN_ENV: &str = "HELM_PLUGIN_NAME";
/// The report file's place under the state directory.
pub const REPORT_RELATIVE_PATH: &str = "polyaxon-pr/last-report.txt";
/// The controlling terminal, whatever stdout and stderr are redirected to.
pub const TTY_PATH: &str = "/dev/tty";

/// The places diagnostics are copied to, besides stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sinks {
    /// The report file (written on every run, so it never shows a previous run's errors).
    pub file: Option<PathBuf>,
    /// The terminal to echo diagnostics to, when running as a Helm plugin.
    pub tty: Option<PathBuf>,
    /// The file is the state directory's default (not `--report`'s): create missing directories.
    pub make_dirs: bool,
}

impl Sinks {
    /// Choose the sinks from `--report`, the environment (`env` looks a variable up) and whether
    /// stderr already is a terminal (as with `helm polyaxon lint`, a CLI plugin): echoing to it
    /// would show everything twice.
    pub fn choose(
        explicit: Option<PathBuf>,
        env: impl Fn(&str) -> Option<OsString>,
        stderr_is_terminal: bool,
    ) -> Sinks {
        let as_plugin = env(PLUGIN_ENV).is_some_and(|name| !name.is_empty());
        Sinks {
            make_dirs: as_plugin && explicit.is_none(),
            file: explicit.or_else(|| default_report_path(&env).filter(|_| as_plugin)),
            tty: (as_plugin && !stderr_is_terminal).then(|| PathBuf::from(TTY_PATH)),
        }
    }

    /// Whether anything has to be captured at all.
    pub fn is_active(&self) -> bool {
        self.file.is_some() || self.tty.is_some()
    }

    /// Write the captured diagnostics of a run that ended as `failed` says; the problems met, for
    /// stderr: a report that cannot be written must not turn a successful render into a failure.
    pub fn deliver(&self, captured: &str, failed: bool) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(file) = &self.file
            && let Err(e) = write_report(file, &report_text(captured, failed), self.make_dirs)
        {
            problems.push(format!(
                "cannot write the report file {}: {e}",
                file.display()
            ));
        }
        if let Some(tty) = &self.tty
            && !captured.is_empty()
        {
            // No terminal (CI, a pipe from a GitOps controller) is the normal case: ignore.
            let _ = echo_to_terminal(tty, captured, self.file.as_deref());
        }
        problems
    }
}

/// `$XDG_STATE_HOME/polyaxon-pr/last-report.txt`, else `$HOME/.local/state/...`. The XDG base
/// directory spec says a relative `XDG_STATE_HOME` is invalid and must be ignored.
pub fn default_report_path(env: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let absolute = |name: &str| {
        env(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    let state = absolute("XDG_STATE_HOME")
        .or_else(|| absolute("HOME").map(|home| home.join(".local").join("state")))?;
    Some(state.join(REPORT_RELATIVE_PATH))
}

/// The report: a status line, then exactly what went to stderr.
pub fn report_text(captured: &str, failed: bool) -> String {
    let status = if failed { "failed" } else { "succeeded" };
    let mut text = format!(
        "polyaxon-pr {}: the last run {status}.\n",
        env!("CARGO_PKG_VERSION")
    );
    if captured.is_empty() {
        text.push_str("No diagnostics.\n");
    } else {
        text.push_str(captured);
        if !captured.ends_with('\n') {
            text.push('\n');
        }
    }
    text
}

/// Write the report to `file`, creating missing directories only when `make_dirs`. A symbolic
/// link at `file` is refused (`O_NOFOLLOW`): one planted at a predictable name cannot redirect it.
fn write_report(file: &Path, text: &str, make_dirs: bool) -> io::Result<()> {
    if make_dirs && let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let mut out = options.open(file).map_err(|e| {
        let is_link = fs::symlink_metadata(file).is_ok_and(|m| m.file_type().is_symlink());
        match is_link {
            true => io::Error::new(e.kind(), "it is a symbolic link; give the real path"),
            false => e,
        }
    })?;
    out.write_all(text.as_bytes())
}

fn echo_to_terminal(tty: &Path, captured: &str, file: Option<&Path>) -> io::Result<()> {
    let mut terminal = fs::OpenOptions::new().write(true).open(tty)?;
    terminal.write_all(captured.as_bytes())?;
    if !captured.ends_with('\n') {
        terminal.write_all(b"\n")?;
    }
    if let Some(file) = file {
        writeln!(terminal, "polyaxon-pr: report saved to {}", file.display())?;
    }
    terminal.flush()
}

/// A writer that passes everything to `inner` and, when capturing, keeps a copy.
pub struct Tee<W: Write> {
    inner: W,
    copy: Option<Vec<u8>>,
}

impl<W: Write> Tee<W> {
    pub fn new(inner: W, capture: bool) -> Self {
        Tee {
            inner,
            copy: capture.then(Vec::new),
        }
    }

    /// What was written so far (empty when not capturing).
    pub fn captured(&self) -> String {
        self.copy
            .as_deref()
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
            .unwrap_or_default()
    }
}

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A closed stderr (Helm 4 may not read it) must not lose the copy.
        let written = self.inner.write(buf).unwrap_or(buf.len());
        if let Some(copy) = &mut self.copy {
            copy.extend_from_slice(&buf[..written]);
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = self.inner.flush();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: BTreeMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn outside_helm_only_an_explicit_report_is_written() {
        let env = env_of(&[("HOME", "/home/u")]);
        assert_eq!(Sinks::choose(None, &env, false), Sinks::default());
        assert!(!Sinks::choose(None, &env, false).is_active());
        let sinks = Sinks::choose(Some("r.txt".into()), &env, false);
        assert_eq!(sinks.file, Some(PathBuf::from("r.txt")));
        assert_eq!(sinks.tty, None);
    }

    #[test]
    fn as_a_helm_plugin_the_report_goes_to_the_state_dir_and_the_terminal() {
        let env = env_of(&[("HELM_PLUGIN_NAME", "polyaxon-pr"), ("HOME", "/home/u")]);
        let sinks = Sinks::choose(None, &env, false);
        assert_eq!(
            sinks.file,
            Some(PathBuf::from(
                "/home/u/.local/state/polyaxon-pr/last-report.txt"
            ))
        );
        assert_eq!(sinks.tty, Some(PathBuf::from("/dev/tty")));
    }

    #[test]
    fn a_cli_plugin_whose_stderr_is_the_terminal_is_not_echoed_twice() {
        let env = env_of(&[("HELM_PLUGIN_NAME", "polyaxon"), ("HOME", "/home/u")]);
        let sinks = Sinks::choose(None, &env, true);
        assert_eq!(sinks.tty, None);
        assert!(sinks.file.is_some());
    }

    #[test]
    fn xdg_state_home_wins_when_absolute_and_is_ignored_when_relative() {
        let env = env_of(&[("XDG_STATE_HOME", "/state"), ("HOME", "/home/u")]);
        assert_eq!(
            default_report_path(&env),
            Some(PathBuf::from("/state/polyaxon-pr/last-report.txt"))
        );
        let env = env_of(&[("XDG_STATE_HOME", "state"), ("HOME", "/home/u")]);
        assert_eq!(
            default_report_path(&env),
            Some(PathBuf::from(
                "/home/u/.local/state/polyaxon-pr/last-report.txt"
            ))
        );
        assert_eq!(default_report_path(env_of(&[])), None);
    }

    #[test]
    fn explicit_report_wins_over_the_state_dir() {
        let env = env_of(&[("HELM_PLUGIN_NAME", "polyaxon-pr"), ("HOME", "/home/u")]);
        let sinks = Sinks::choose(Some("/tmp/r.txt".into()), &env, false);
        assert_eq!(sinks.file, Some(PathBuf::from("/tmp/r.txt")));
    }

    #[test]
    fn tee_passes_through_and_keeps_a_copy_only_when_capturing() {
        let mut tee = Tee::new(Vec::new(), true);
        write!(tee, "error: values.yaml:3:5: bad").unwrap();
        assert_eq!(tee.captured(), "error: values.yaml:3:5: bad");
        assert_eq!(tee.inner, b"error: values.yaml:3:5: bad");
        let mut plain = Tee::new(Vec::new(), false);
        write!(plain, "x").unwrap();
        assert_eq!(plain.captured(), "");
        assert_eq!(plain.inner, b"x");
    }

    #[test]
    fn deliver_writes_the_report_file_and_the_terminal() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state/polyaxon-pr/last-report.txt");
        let tty = dir.path().join("tty");
        fs::write(&tty, "").unwrap();
        let sinks = Sinks {
            file: Some(file.clone()),
            tty: Some(tty.clone()),
            make_dirs: true,
        };
        let problems = sinks.deliver("polyaxon-pr: error: v.yaml:2:3: bad value", true);
        assert!(problems.is_empty(), "{problems:?}");
        let report = fs::read_to_string(&file).unwrap();
        assert!(report.contains("the last run failed"), "{report}");
        assert!(report.ends_with("polyaxon-pr: error: v.yaml:2:3: bad value\n"));
        let echoed = fs::read_to_string(&tty).unwrap();
        assert!(echoed.starts_with("polyaxon-pr: error: v.yaml:2:3: bad value\n"));
        assert!(echoed.contains("report saved to"), "{echoed}");
    }

    #[test]
    fn a_successful_run_replaces_an_old_report_and_stays_off_the_terminal() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("last-report.txt");
        fs::write(&file, "old error").unwrap();
        let tty = dir.path().join("tty");
        fs::write(&tty, "").unwrap();
        let sinks = Sinks {
            file: Some(file.clone()),
            tty: Some(tty.clone()),
            make_dirs: false,
        };
        assert!(sinks.deliver("", false).is_empty());
        let report = fs::read_to_string(&file).unwrap();
        assert!(report.contains("succeeded") && report.contains("No diagnostics"));
        assert_eq!(fs::read_to_string(&tty).unwrap(), "");
    }

    #[test]
    fn an_unwritable_report_is_a_problem_not_a_panic_and_no_terminal_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        fs::write(&blocker, "").unwrap();
        let sinks = Sinks {
            file: Some(blocker.join("sub/report.txt")),
            tty: Some(dir.path().join("no-such-dir/tty")),
            make_dirs: true,
        };
        let problems = sinks.deliver("error", true);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("cannot write the report file"));
    }

    /// Issue 18: an explicit report file goes only into an existing directory, and never
    /// through a symbolic link; the default one in the state directory creates its directories.
    #[cfg(unix)]
    #[test]
    fn a_report_file_makes_no_directories_and_follows_no_link() {
        let dir = tempfile::tempdir().unwrap();
        let env = env_of(&[("HOME", "/home/u")]);
        let missing = dir.path().join("missing/report.txt");
        let sinks = Sinks::choose(Some(missing.clone()), &env, false);
        assert_eq!(sinks.deliver("error", true).len(), 1);
        assert!(!dir.path().join("missing").exists());
        let target = dir.path().join("target.txt");
        fs::write(&target, "keep").unwrap();
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let problems = Sinks::choose(Some(link), &env, false).deliver("error", true);
        assert!(problems[0].contains("symbolic link"), "{problems:?}");
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");
        let plugin = env_of(&[("HELM_PLUGIN_NAME", "polyaxon-pr"), ("HOME", "/h")]);
        assert!(Sinks::choose(None, &plugin, false).make_dirs);
    }
}
