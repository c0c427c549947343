//! `helm lint`'s text style, with locations: `==> Linting FILE`, one `[ERROR] file:line:col:
//! path: message` line per finding with its hint indented below, and the summary line.

use std::io::{self, Write};

use super::lint::{Linted, Options, Reporter, Summary};
use super::{Finding, Origin, Severity};

pub struct Text {
    pub options: Options,
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
        )
    }
}
