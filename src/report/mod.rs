//! Findings (what is wrong, where, how to fix it) and the formats they are written in.
//!
//! Every stage reports through [`Finding`]; nothing in the library prints. A finding never holds a
//! secret value: callers pass paths and names, never a Secret's data or a password.

pub mod github;
pub mod json;
pub mod lint;
pub mod sarif;
pub mod sink;
pub mod text;

use std::fmt;

use serde::Serialize;

/// How bad a finding is. Ordered so that `Error > Warning > Info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Does any finding fail the run (errors, or warnings under `--strict`)?
pub fn fails(findings: &[Finding], strict: bool) -> bool {
    findings
        .iter()
        .any(|f| f.severity == Severity::Error || (strict && f.severity == Severity::Warning))
}

/// Where a value or a document came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Origin {
    /// A position in a file (1-based line and column). `file` is `-` for stdin.
    File {
        file: String,
        line: usize,
        column: usize,
    },
    /// An item of a value flag's argument: the flag (`--set`), the argument's 1-based number among
    /// that flag's, the item's 1-based column. Not the text: it may hold a password.
    Set {
        flag: String,
        number: usize,
        column: usize,
    },
    /// A document of the rendered stream: its source path (`# Source:` or the Helm 4 filename
    /// annotation, else `document N`) and the line in the stream where it starts.
    Document { source: String, line: usize },
    /// Nowhere in particular (a default, a computed value).
    None,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { file, line, column } => write!(f, "{file}:{line}:{column}"),
            Origin::Set {
                flag,
                number,
                column,
            } => write!(f, "{flag} #{number}:{column}"),
            Origin::Document { source, line } => write!(f, "{source} (stream line {line})"),
            Origin::None => f.write_str("<default>"),
        }
    }
}

/// What a finding is about, where a report singles some out (the summary of [`text`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Topic {
    #[default]
    General,
    /// A host path that hands part of the node (`/`, `/etc`, the Docker socket) to the pods.
    NodeExposure,
}

/// One thing worth telling the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// The parameter path (`persistence.data.d1.store`) or the object it is about.
    pub path: String,
    pub origin: Origin,
    pub message: String,
    /// How to fix it; may be empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hint: String,
    #[serde(skip)]
    pub topic: Topic,
}

impl Finding {
    pub fn new(
        severity: Severity,
        path: impl Into<String>,
        origin: Origin,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            path: path.into(),
            origin,
            message: message.into(),
            hint: String::new(),
            topic: Topic::General,
        }
    }

    pub fn error(path: impl Into<String>, origin: Origin, message: impl Into<String>) -> Self {
        Finding::new(Severity::Error, path, origin, message)
    }

    pub fn warning(path: impl Into<String>, origin: Origin, message: impl Into<String>) -> Self {
        Finding::new(Severity::Warning, path, origin, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }

    /// The finding without its severity: `values.yaml:12:7: persistence.data.d1.store: "s4" is
    /// not a store`, the origin and the path each left out when there is none, then any hint on
    /// a line of its own after `hint_indent`.
    pub fn write_text(&self, out: &mut dyn fmt::Write, hint_indent: &str) -> fmt::Result {
        if self.origin != Origin::None {
            write!(out, "{}: ", self.origin)?;
        }
        if !self.path.is_empty() {
            write!(out, "{}: ", self.path)?;
        }
        out.write_str(&self.message)?;
        if !self.hint.is_empty() {
            write!(out, "\n{hint_indent}hint: {}", self.hint)?;
        }
        Ok(())
    }
}

impl fmt::Display for Finding {
    /// The severity, then [`Finding::write_text`] with the hint indented by two spaces.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.severity.as_str())?;
        self.write_text(f, "  ")
    }
}
