//! `helm lint`'s text style, with locations: `==> Linting FILE`, one `[ERROR] file:line:col:
//! path: message` line per finding with its hint indented below, and the summary: the count of
//! files, then the host paths that expose the node (warnings that do not fail the run, listed
//! again so a long clean run does not hide them).

use std::io::{self, Write};

use super::lint::{Linted, Options, Reporter, Summary};
use super::{Finding, Origin, Severity, Topic};

pub struct Text {
    pub options: Options,
    /// The node-exposing host paths seen so far, as summary lines.
    exposures: Vec<String>,
}

impl Text {
    pub fn new(options: Options) -> Self {
        Text {
            options,
            exposures: Vec::new(),
        }
    }
}

/// One finding as a line (and its hint line).
pub fn line(finding: &Finding) -> String {
    let tag = match finding.severity {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Info => "INFO",
    };
    let mut text = format!("[{tag}] ");
    if finding.origin != Origin::None {
        text.push_str(&format!("{}: ", finding.origin));
    }
    if !finding.path.is_empty() {
        text.push_str(&format!("{}: ", finding.path));
    }
    text.push_str(&finding.message);
    if !finding.hint.is_empty() {
        text.push_str(&format!("\n    hint: {}", finding.hint));
    }
    text
}

impl Reporter for Text {
    fn file(&mut self, out: &mut dyn Write, linted: &Linted) -> io::Result<()> {
        let shown: Vec<&Finding> = linted.shown(self.options).collect();
        if self.options.quiet && shown.is_empty() {
            return Ok(());
        }
        for finding in &linted.findings {
            if finding.topic == Topic::NodeExposure {
                let mut where_ = finding.origin.to_string();
                if finding.origin == Origin::None {
                    where_ = linted.name.clone();
                }
                let (path, message) = (&finding.path, &finding.message);
                self.exposures
                    .push(format!("  {where_}: {path}: {message}"));
            }
        }
        writeln!(out, "==> Linting {}", linted.name)?;
        for finding in shown {
            writeln!(out, "{}", line(finding))?;
        }
        writeln!(out)
    }

    fn finish(&mut self, out: &mut dyn Write, summary: Summary) -> io::Result<()> {
        writeln!(
            out,
            "{} file(s) linted, {} file(s) failed",
            summary.files, summary.failed
        )?;
        if !self.exposures.is_empty() {
            writeln!(
                out,
                "[WARNING] {} host path(s) expose the node to Polyaxon's pods:",
                self.exposures.len()
            )?;
            for line in &self.exposures {
                writeln!(out, "{line}")?;
            }
        }
        Ok(())
    }
}
