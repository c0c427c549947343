//! The values commands: `lint` (every file's findings in the chosen format) and `values`,
//! and the validation the post-renderer runs before it touches the stream.

use std::path::Path;
use std::process::ExitCode;

use clap::ValueEnum;

use super::{Io, LintArgs, ValuesArgs};
use crate::error::{Error, Result};
use crate::report::lint::{Linted, Options};
use crate::report::{Finding, Origin, github, json, sarif, text};
use crate::validate;
use crate::values::{self, Sets, Source, Values};

/// The output formats of `lint`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// `helm lint` style, with file:line:column.
    #[default]
    Text,
    /// One JSON document.
    Json,
    /// GitHub Actions annotations.
    Github,
    /// SARIF 2.1.0 (code scanning).
    Sarif,
}

/// Load the values (`-f`, `--set`, ...) and validate them; on failure report every finding to
/// stderr and return a validation error, so nothing reaches stdout.
pub fn load_and_validate(args: &ValuesArgs, io: &mut Io<'_>) -> Result<Values> {
    let (values, mut findings) = values::load(&args.values, &args.sets())?;
    findings.extend(validate::validate(&values));
    super::report_or_fail(io, validate::sorted(findings), args.strict, |findings| {
        let errors = findings
            .iter()
            .filter(|f| f.severity == crate::report::Severity::Error)
            .count();
        match errors {
            0 => "the values have warnings (--strict); nothing was rendered".to_string(),
            _ => format!("the values have {errors} error(s); nothing was rendered"),
        }
    })?;
    Ok(values)
}

/// `lint`: exit 0 clean or warnings only, 1 on errors (or warnings with `--strict`), 2 when a
/// file cannot be read or parsed (the others are still linted and reported).
pub fn lint(args: &LintArgs, io: &mut Io<'_>) -> Result<ExitCode> {
    let options = Options {
        strict: args.values.strict,
        quiet: args.quiet,
    };
    let mut unreadable = false;
    let mut results = Vec::new();
    for (name, loaded) in units(args, io)? {
        let findings = match loaded {
            Ok((values, mut findings)) => {
                findings.extend(validate::validate(&values));
                findings.extend(validate::rules::helm3_hooks(&values));
                validate::sorted(findings)
            }
            Err(err) => {
                unreadable = true;
                vec![input_finding(&err)]
            }
        };
        results.push(Linted { name, findings });
    }
    unreadable |= lint_overlays(args, &mut results);
    let write = match args.format {
        OutputFormat::Text => text::write,
        OutputFormat::Json => json::write,
        OutputFormat::Github => github::write,
        OutputFormat::Sarif => sarif::write,
    };
    let mut out = Vec::new();
    write(&mut out, &results, options).map_err(|e| Error::io("cannot write the report", e))?;
    super::print(io, &out)?;
    let failed = results.iter().any(|r| r.failed(options));
    Ok(match (unreadable, failed) {
        (true, _) => ExitCode::from(2),
        (false, true) => ExitCode::from(1),
        (false, false) => ExitCode::SUCCESS,
    })
}

/// [`LintArgs::overlays`]: each file's findings. Whether a file could not be read or parsed.
fn lint_overlays(args: &LintArgs, results: &mut Vec<Linted>) -> bool {
    if args.overlays.is_empty() {
        return false;
    }
    let values = values::load(&args.values.values, &args.values.sets())
        .map(|(v, _)| v.root)
        .unwrap_or_default();
    let unreadable = |name: String, err: Error| Linted {
        name,
        findings: vec![Finding::error("", Origin::None, err.to_string())],
    };
    let files = match crate::overlay::files(&args.overlays) {
        Ok(files) => files,
        Err(err) => {
            results.push(unreadable("--overlays".to_string(), err));
            return true;
        }
    };
    let mut failed = false;
    for file in files {
        let name = file.display().to_string();
        match crate::overlay::lint_file(&file, &values) {
            Ok(findings) => results.push(Linted { name, findings }),
            Err(err) => {
                failed = true;
                results.push(unreadable(name, err));
            }
        }
    }
    failed
}

/// A file that could not be read or parsed, as a finding. Its `file:line:column: ` prefix becomes
/// the location, so annotations and SARIF point at the line.
fn input_finding(err: &Error) -> Finding {
    static LOCATED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?s)^(.+?):(\d+):(\d+): (.*)$").expect("a valid pattern")
    });
    let text = err.to_string();
    let located = LOCATED.captures(&text).and_then(|c| {
        let origin = Origin::File {
            file: c[1].to_string(),
            line: c[2].parse().ok()?,
            column: c[3].parse().ok()?,
        };
        Some(Finding::error("", origin, c[4].to_string()))
    });
    located.unwrap_or_else(|| Finding::error("", Origin::None, text))
}

type Loaded = Result<(Values, Vec<Finding>)>;

/// What to lint ([`LintArgs::files`]): each FILE after any `-f` files, with `--set` applied, or,
/// with no FILE, the merged values; nothing for `lint --overlays DIR` with no values to lint.
fn units(args: &LintArgs, io: &mut Io<'_>) -> Result<Vec<(String, Loaded)>> {
    let sets = args.values.sets();
    if args.files.is_empty() {
        // POLYAXON_PR_VALUES stands in for `-f` only when nothing else names the values.
        let files = values::value_files(&args.values.values);
        if files.is_empty() && sets.is_empty() {
            if !args.overlays.is_empty() {
                return Ok(Vec::new());
            }
            return Err(Error::input(format!(
                "lint: no values to lint; give FILE..., -f FILE or {}",
                values::VALUES_ENV
            )));
        }
        let mut names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        if names.is_empty() {
            names.push("--set".to_string());
        }
        return Ok(vec![(names.join(", "), load(&files, None, &sets, io))]);
    }
    let mut units = Vec::new();
    let mut stdin_used = false;
    for file in &args.files {
        let is_stdin = file.as_os_str() == "-";
        if is_stdin && std::mem::replace(&mut stdin_used, true) {
            return Err(Error::input("lint: `-` (stdin) can be given only once"));
        }
        let loaded = load(&args.values.values, Some(file), &sets, io);
        units.push((file.display().to_string(), loaded));
    }
    Ok(units)
}

/// The values of the `base` files, then of `file` (`-`: stdin), with `sets` applied.
fn load(base: &[std::path::PathBuf], file: Option<&Path>, sets: &Sets, io: &mut Io<'_>) -> Loaded {
    let mut sources = Source::read_all(base)?;
    match file {
        Some(f) if f.as_os_str() == "-" => {
            let mut text = String::new();
            io.stdin
                .read_to_string(&mut text)
                .map_err(|e| Error::io("-: cannot read values from stdin", e))?;
            let label = "-".to_string();
            sources.push(Source { label, text });
        }
        Some(f) => sources.push(Source::read(f)?),
        None => {}
    }
    Values::from_sources(&sources, sets)
}

/// `values`: the merged values as JSON, credentials masked.
pub fn values(args: &ValuesArgs, io: &mut Io<'_>) -> Result<ExitCode> {
    let (mut values, _) = values::load(&args.values, &args.sets())?;
    mask_credentials(&mut values.root);
    let mut text = serde_json::to_string_pretty(&values.root)
        .map_err(|e| Error::input(format!("cannot print the values: {e}")))?;
    text.push('\n');
    super::print(io, text)
}

/// Every value under a credential's key ([`crate::params::is_credential`]) as `***`.
fn mask_credentials(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if crate::params::is_credential(key) && !child.is_null() {
                    *child = serde_json::Value::String("***".to_string());
                } else {
                    mask_credentials(child);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_credentials),
        _ => {}
    }
}
