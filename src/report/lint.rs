//! What `lint` reports, which each output format ([`super::text`], [`super::json`],
//! [`super::github`], [`super::sarif`]) writes with its `write(out, files, options)`.

use super::{Finding, Severity};

/// The findings of one linted file (or of the merged `-f`/`--set` values).
#[derive(Debug, Clone)]
pub struct Linted {
    pub name: String,
    pub findings: Vec<Finding>,
}

/// How findings are shown and what fails.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Warnings fail too.
    pub strict: bool,
    /// Show only warnings and errors, and only files that have them.
    pub quiet: bool,
}

impl Linted {
    pub fn failed(&self, options: Options) -> bool {
        super::fails(&self.findings, options.strict)
    }

    pub fn shown(&self, options: Options) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(move |f| !options.quiet || f.severity != Severity::Info)
    }
}

/// Totals for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub files: usize,
    pub failed: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn of(files: &[Linted], options: Options) -> Summary {
        let mut s = Summary {
            files: files.len(),
            failed: files.iter().filter(|f| f.failed(options)).count(),
            ..Summary::default()
        };
        for finding in files.iter().flat_map(|f| &f.findings) {
            match finding.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s
    }
}

impl std::fmt::Display for Summary {
    /// The summary line of the text and GitHub reports.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (files, failed) = (self.files, self.failed);
        write!(f, "{files} file(s) linted, {failed} file(s) failed")
    }
}
