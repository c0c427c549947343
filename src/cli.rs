//! The command line: clap definitions (the doc comments are the help) and a handler per subcommand,
//! which takes its streams from [`Io`] so tests can drive it from strings without a process.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::driver::View;
use crate::error::{Error, Result};
use crate::report::sink;

mod gitops;
mod lint;
pub use gitops::{ExportArgs, ExportFormat};
pub use lint::OutputFormat;

const EXAMPLES: &str = "\
EXAMPLES:
  Helm 3 (the binary on PATH; each --post-renderer-args value is one argument):
    helm install polyaxon polyaxon/polyaxon -f values.yaml \\
      --post-renderer polyaxon-pr \\
      --post-renderer-args=-f --post-renderer-args=values.yaml

  Helm 4 (post-renderers are plugins: `helm plugin install` this repository first):
    helm install polyaxon polyaxon/polyaxon -f values.yaml \\
      --post-renderer polyaxon-pr \\
      --post-renderer-args=-f --post-renderer-args=values.yaml

  By hand, on a rendered stream:
    helm template polyaxon polyaxon/polyaxon -f values.yaml | polyaxon-pr -f values.yaml

  In CI or pre-commit:
    polyaxon-pr lint values.yaml

EXIT CODES:
  0  success (lint: no errors)
  1  validation failed: the values, overlays (an overlay patch that cannot apply
     included) or the patched output have errors (or warnings, with --strict)
  2  usage, input or output error: unreadable file, malformed YAML, a bound
     exceeded, stdout closed or its reader gone before the output was complete
On any error nothing is written to stdout, so Helm installs nothing half-patched.";

/// `--version`'s text, e.g. `0.1.0 (1a2b3c4)`: the version and git commit (`unknown` outside git).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("POLYAXON_PR_COMMIT"),
    ")"
);

/// A strict Helm post-renderer for the Polyaxon chart: validates the Polyaxon values and injects
/// them into the rendered release (GPU volumes, data and outputs, hosts, time zone, scheduling).
///
/// With no subcommand it is the post-renderer: the rendered stream on stdin, the patched stream
/// on stdout. Documents it does not change are written back byte for byte.
#[derive(Debug, Parser)]
#[command(name = "polyaxon-pr", version = VERSION, after_long_help = EXAMPLES, after_help = EXAMPLES)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub render: RenderArgs,
    /// Also write the diagnostics to FILE. Running as a Helm plugin (Helm 4 throws a
    /// post-renderer's stderr away), they always go to
    /// `$XDG_STATE_HOME/polyaxon-pr/last-report.txt` (default `~/.local/state/...`) and the terminal.
    #[arg(long, global = true, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

// Options shared by everything that reads values (a `//` comment: clap would make a doc comment
// the help text of the command it is flattened into).
#[derive(Debug, Clone, Default, Args)]
pub struct ValuesArgs {
    /// A Polyaxon values file, the same as given to helm (repeatable; later files win).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Set a value as `helm --set` does: `a.b=c`, `list[0]=x`, `a=1,b=2` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Set a string value as `helm --set-string` does (repeatable).
    #[arg(long = "set-string", value_name = "PATH=VALUE")]
    pub set_string: Vec<String>,
    /// Set JSON values as `helm --set-json` does: `a.b={"c":1}`, or a whole JSON object
    /// (repeatable).
    #[arg(long = "set-json", value_name = "PATH=JSON")]
    pub set_json: Vec<String>,
    /// Set values from files as `helm --set-file` does: `a.cert=ca.pem` (repeatable).
    #[arg(long = "set-file", value_name = "PATH=FILE")]
    pub set_file: Vec<String>,
    /// Set a literal string as `helm --set-literal` does: everything after `=` (repeatable).
    #[arg(long = "set-literal", value_name = "PATH=VALUE")]
    pub set_literal: Vec<String>,
    /// Treat warnings as errors; the post-renderer also parses every document of the stream,
    /// not only those it edits, so a syntax error anywhere fails the run (exit 2).
    #[arg(long)]
    pub strict: bool,
}

impl ValuesArgs {
    /// The value flags, for [`crate::values`] (which applies them in Helm's order).
    pub fn sets(&self) -> crate::values::Sets {
        crate::values::Sets {
            json: self.set_json.clone(),
            set: self.set.clone(),
            string: self.set_string.clone(),
            file: self.set_file.clone(),
            literal: self.set_literal.clone(),
        }
    }
}

// The post-renderer's options.
#[derive(Debug, Clone, Default, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Print to stderr, per changed document, each patch operation and the parameter behind it
    /// (Secret data masked).
    #[arg(long)]
    pub explain: bool,
    /// Use this chart profile (which objects are the ConfigMap, api, scheduler, ...) instead of
    /// the built-in one for Polyaxon chart 0.4 (see chart-overlays/polyaxon-0.4.yaml).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Apply the rules of overlay files after the built-in injection: a file, or a directory
    /// walked for `*.yaml`/`*.yml` in sorted order (repeatable; README "Overlays").
    #[arg(long = "overlays", value_name = "PATH")]
    pub overlays: Vec<PathBuf>,
}

// The subcommands; `defer` builds each one's arguments only when it is used: none for a render.
#[derive(Debug, Subcommand)]
#[command(defer = true)]
pub enum Command {
    /// Validate values files against the chart's documented parameters.
    Lint(LintArgs),
    /// Print the parameter tables as Markdown.
    Docs,
    /// Print a JSON Schema (draft-07) for the values, usable as values.schema.json.
    Schema,
    /// Print the values as polyaxon-pr reads them: the -f files and value flags merged as Helm
    /// merges them (before the chart's defaults, so a `null` is still there), as JSON, with
    /// every credential's value masked.
    Values(ValuesArgs),
    /// Print a unified diff of what post-rendering the stream on stdin would change.
    Diff(RenderArgs),
    /// Run as a KRM function (kustomize or kpt exec function): a ResourceList on stdin, values
    /// from -f and the functionConfig (a ConfigMap's `data.values`, or a `values` map), the
    /// injected ResourceList with `results` on stdout.
    Krm(RenderArgs),
    /// Export the injection into the stream on stdin in another tool's format
    /// (`kustomize`: patches for a kustomization or Flux's postRenderers).
    Export(ExportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct LintArgs {
    /// Values files to lint, each on its own (`-` for stdin). Without FILE, the `-f` files
    /// (or those in POLYAXON_PR_VALUES) and `--set` are linted merged, as Helm would merge them.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub values: ValuesArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Show only warnings and errors, and only the files that have them.
    #[arg(short, long)]
    pub quiet: bool,
    /// Also lint overlay files: files, or directories walked for `*.yaml`/`*.yml` (every
    /// argument after it up to the next option; give values FILEs before it). Values references
    /// resolve against the `-f`/`--set` values.
    #[arg(long = "overlays", value_name = "PATH", num_args = 1..)]
    pub overlays: Vec<PathBuf>,
}

/// The process's standard streams, replaceable in tests.
pub struct Io<'a> {
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
    /// The binary's own streams (not a test's or a fuzz harness's): the kernel may copy a big
    /// output to stdout, and a post-render's input is left for the process's exit to free.
    pub process_stdout: bool,
}

/// What the command reads from stdin, if anything, as the terminal's note says it.
fn expected_on_stdin(cli: &Cli) -> Option<&'static str> {
    match &cli.command {
        None | Some(Command::Diff(_) | Command::Export(_)) => Some(
            "a manifest stream on stdin, which is a terminal: pipe one in (helm template ... | \
             polyaxon-pr -f values.yaml)",
        ),
        Some(Command::Krm(_)) => Some(
            "a ResourceList on stdin, which is a terminal: run it from kustomize or kpt, or pipe \
             one in",
        ),
        Some(Command::Lint(args)) if args.files.iter().any(|f| f.as_os_str() == "-") => {
            Some("values on stdin (`-`), which is a terminal: pipe a values file in")
        }
        _ => None,
    }
}

pub fn run(cli: Cli, io: &mut Io<'_>) -> Result<ExitCode> {
    match cli.command {
        None => render(&cli.render, View::Stream, io),
        Some(Command::Diff(args)) => render(&args, View::Diff, io),
        Some(Command::Lint(args)) => lint::lint(&args, io),
        Some(Command::Docs) => print(io, crate::params::docs::markdown()),
        Some(Command::Schema) => print(io, crate::params::schema::schema_text()),
        Some(Command::Values(args)) => lint::values(&args, io),
        Some(Command::Krm(args)) => gitops::krm(&args, io),
        Some(Command::Export(args)) => {
            let ExportFormat::Kustomize = args.format;
            render(&args.render, View::Export, io)
        }
    }
}

fn read_stdin(io: &mut Io<'_>) -> Result<String> {
    let mut bytes = Vec::new();
    crate::memory::fallibly(|| io.stdin.read_to_end(&mut bytes))
        .map_err(|e| Error::io("cannot read the stream from stdin", e))?;
    String::from_utf8(bytes).map_err(|e| {
        Error::input(format!(
            "stdin: the stream is not UTF-8 (invalid byte at offset {}); Kubernetes manifests \
             must be UTF-8",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// The post-renderer, `diff` and `export kustomize` (the three [`View`]s): the values validated and
/// stdin read into a [`crate::driver`] spool (`diff` reads it first), then rendered by [`drive`].
fn render(args: &RenderArgs, view: View, io: &mut Io<'_>) -> Result<ExitCode> {
    let read = |io: &mut Io<'_>| crate::driver::read(io.stdin, crate::driver::window_bytes()?);
    let (values, spool) = if view == View::Diff {
        let spool = read(io)?;
        (lint::load_and_validate(&args.values, io)?, spool)
    } else {
        let values = lint::load_and_validate(&args.values, io)?;
        (values, read(io)?)
    };
    drive(args, &values, spool, view, io)
}

/// Index the spooled stream, inject, report, and write what `view` makes of it. The stream is
/// parsed whole (every document) for `--strict` and for the views other than the stream.
fn drive(
    args: &RenderArgs,
    values: &crate::values::Values,
    mut spool: crate::driver::Spool,
    view: View,
    io: &mut Io<'_>,
) -> Result<ExitCode> {
    // The profile and the overlays are read before the stream is indexed (which needs them: the
    // overlays give the rules each document's identifying fields take), but their errors come
    // where a whole stream's do: after the stream's own errors.
    let profile = crate::profile::ChartProfile::load(args.profile.as_deref());
    let loaded = crate::overlay::load(&args.overlays, &values.root);
    let rules = loaded.as_ref().ok().map(|(overlays, _)| overlays);
    let strict = args.values.strict;
    spool.index(strict || view != View::Stream, profile.as_ref().ok(), rules)?;
    // What a Helm 3 stream cannot carry to the hook Jobs ([`crate::validate::rules::helm3_hooks`]):
    // a warning, which fails the run under `--strict` (Helm 3 shows stderr only then).
    if view == View::Stream && spool.helm3() {
        let findings = crate::validate::rules::helm3_hooks(values);
        report_or_fail(io, findings, strict, |_| {
            "the values have warnings (--strict); nothing was rendered".to_string()
        })?;
    }
    let profile = profile?;
    let (overlays, findings) = loaded?;
    report_or_fail(io, findings, strict, |_| {
        "the overlay files have problems; nothing was written".to_string()
    })?;
    let injected = match spool.inject(values, &profile, &overlays, strict, args.explain, view) {
        Ok(injected) => injected,
        Err(err) => {
            if let Error::Validation { findings, .. } = &err {
                report_findings(io, findings)?;
            }
            return Err(err);
        }
    };
    report_findings(io, &injected.findings)?;
    if args.explain {
        injected.explain_to(io.stderr).map_err(stderr_error)?;
    }
    let written = match io.process_stdout {
        true => io.stdout.flush().and_then(|()| injected.output_to_stdout()),
        false => injected
            .output_to(io.stdout)
            .and_then(|()| io.stdout.flush()),
    };
    written.map_err(|e| Error::io("cannot write to stdout", e))?;
    Ok(ExitCode::SUCCESS)
}

/// Report `findings` on stderr; when they fail the run (errors, or warnings under `strict`), a
/// validation error with the summary `summary` makes of them.
fn report_or_fail(
    io: &mut Io<'_>,
    findings: Vec<crate::report::Finding>,
    strict: bool,
    summary: impl FnOnce(&[crate::report::Finding]) -> String,
) -> Result<()> {
    report_findings(io, &findings)?;
    if crate::report::fails(&findings, strict) {
        let summary = summary(&findings);
        return Err(Error::Validation { summary, findings });
    }
    Ok(())
}

fn report_findings(io: &mut Io<'_>, findings: &[crate::report::Finding]) -> Result<()> {
    for finding in findings {
        writeln!(io.stderr, "{finding}").map_err(stderr_error)?;
    }
    Ok(())
}

fn stderr_error(e: std::io::Error) -> Error {
    Error::io("cannot write to stderr", e)
}

/// Write the result to stdout in one piece, once all succeeded: success, for output-only commands.
fn print(io: &mut Io<'_>, bytes: impl AsRef<[u8]>) -> Result<ExitCode> {
    io.stdout
        .write_all(bytes.as_ref())
        .and_then(|()| io.stdout.flush())
        .map_err(|e| Error::io("cannot write to stdout", e))?;
    Ok(ExitCode::SUCCESS)
}

/// The process entry point: parse arguments, run, print any error once, map to an exit code.
/// Everything written to stderr is also copied to the report sinks ([`sink`]: Helm 4 discards a
/// plugin's stderr). `stdout_open` is false if stdout was closed at start: the run fails (exit 2).
pub fn main(stdout_open: bool) -> ExitCode {
    let parsed = Cli::try_parse();
    let explicit = parsed.as_ref().ok().and_then(|cli| cli.report.clone());
    let stderr_is_terminal = std::io::stderr().is_terminal();
    let sinks = sink::Sinks::choose(explicit, |name| std::env::var_os(name), stderr_is_terminal);
    // Buffered: a finding is written in a dozen pieces, each a syscall on a raw stderr. Flushed
    // below, and on drop (a panic unwinds through it too).
    let mut stderr = sink::Tee::new(
        std::io::BufWriter::new(std::io::stderr().lock()),
        sinks.is_active(),
    );
    let code = match parsed {
        Ok(cli) => run_main(cli, stdout_open, &mut stderr),
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let _ = write!(stderr, "{}", e.render());
            ExitCode::from(2)
        }
    };
    let _ = stderr.flush();
    for problem in sinks.deliver(&stderr.captured(), code != ExitCode::SUCCESS) {
        let _ = writeln!(stderr, "polyaxon-pr: warning: {problem}");
    }
    let _ = stderr.flush();
    code
}

fn run_main(cli: Cli, stdout_open: bool, stderr: &mut dyn Write) -> ExitCode {
    if !stdout_open {
        let _ = writeln!(
            stderr,
            "polyaxon-pr: error: stdout is closed: nothing can be written; redirect it to a \
             file or a pipe"
        );
        return ExitCode::from(2);
    }
    let stdin = std::io::stdin();
    if let Some(expected) = expected_on_stdin(&cli)
        && stdin.is_terminal()
    {
        let _ = writeln!(
            stderr,
            "polyaxon-pr: expecting {expected}, or type it and end with Ctrl-D"
        );
        let _ = stderr.flush();
    }
    let stdout = std::io::stdout();
    let mut io = Io {
        stdin: &mut stdin.lock(),
        stdout: &mut stdout.lock(),
        stderr,
        process_stdout: true,
    };
    match run(cli, &mut io) {
        Ok(code) => code,
        Err(err) => {
            // A broken pipe is a failure too: stdout's reader has an incomplete stream (`| head`).
            let gone = match err.io_kind() {
                Some(std::io::ErrorKind::BrokenPipe) => {
                    ": the reader of stdout went away before the output was complete"
                }
                _ => "",
            };
            let _ = writeln!(io.stderr, "polyaxon-pr: error: {err}{gone}");
            ExitCode::from(err.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn helm3_calls_with_no_arguments() {
        let cli = Cli::try_parse_from(["polyaxon-pr"]).unwrap();
        assert!(cli.command.is_none());
        assert!(cli.render.values.values.is_empty());
    }

    #[test]
    fn post_renderer_args_are_parsed() {
        let cli = Cli::try_parse_from([
            "polyaxon-pr",
            "-f",
            "a.yaml",
            "--values=b.yaml",
            "--set",
            "timeZone=UTC",
            "--strict",
        ])
        .unwrap();
        assert_eq!(cli.render.values.values.len(), 2);
        assert_eq!(cli.render.values.set, ["timeZone=UTC"]);
        assert!(cli.render.values.strict);
    }

    /// Subcommands' arguments are built late (`defer`): they parse, the global `--report` reaches
    /// them, and each keeps its own help text, not its arguments struct's.
    #[test]
    fn deferred_subcommands_parse_and_keep_their_help() {
        let cli = Cli::try_parse_from([
            "polyaxon-pr",
            "lint",
            "-q",
            "--format",
            "json",
            "--report",
            "r.txt",
            "v.yaml",
        ])
        .unwrap();
        let Some(Command::Lint(lint)) = cli.command else {
            panic!("not lint: {cli:?}");
        };
        assert!(lint.quiet && lint.format == OutputFormat::Json);
        assert_eq!(lint.files, [PathBuf::from("v.yaml")]);
        assert_eq!(cli.report, Some(PathBuf::from("r.txt")));
        let cli =
            Cli::try_parse_from(["polyaxon-pr", "diff", "-f", "a.yaml", "--explain"]).unwrap();
        let Some(Command::Diff(render)) = cli.command else {
            panic!("not diff: {cli:?}");
        };
        assert!(render.explain && render.values.values == [PathBuf::from("a.yaml")]);
        for (args, about) in [
            (
                ["polyaxon-pr", "lint", "--help"],
                "Validate values files against",
            ),
            (
                ["polyaxon-pr", "diff", "-h"],
                "Print a unified diff of what",
            ),
            (["polyaxon-pr", "krm", "--help"], "Run as a KRM function"),
            (
                ["polyaxon-pr", "help", "export"],
                "Export the injection into",
            ),
        ] {
            let help = Cli::try_parse_from(args).unwrap_err().render().to_string();
            assert!(help.starts_with(about), "{args:?}:\n{help}");
            assert!(help.contains("Usage: polyaxon-pr"), "{args:?}:\n{help}");
        }
        let help = Cli::command().render_long_help().to_string();
        assert!(
            help.contains("lint    Validate values files against"),
            "{help}"
        );
    }
}
