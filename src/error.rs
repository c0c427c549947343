//! The error type every stage returns, and its exit code (a contract: README, `--help`): 1 when
//! validation failed (errors, or warnings under `--strict`; an overlay patch that cannot apply is
//! an error), 2 for a usage, input or output error. Messages say what, where and how to fix it.
//! An I/O failure keeps its [`io::Error`], so callers decide on its [`io::ErrorKind`] (a reader
//! that went away), never on its message.

use std::{fmt, io};

use crate::report::Finding;

/// Why a run failed.
#[derive(Debug)]
pub enum Error {
    /// Unreadable or malformed input, bad usage: exit code 2.
    Input(String),
    /// A read or write that failed (`context` says of what): exit code 2.
    Io { context: String, source: io::Error },
    /// Findings of the values, overlays or output checks that fail the run (exit code 1), reported
    /// through the report sink; `summary` is one line.
    Validation {
        summary: String,
        findings: Vec<Finding>,
    },
}

impl Error {
    pub fn input(message: impl Into<String>) -> Self {
        Error::Input(message.into())
    }

    /// An I/O failure: `context` (e.g. "cannot write to stdout") and the error, kind kept.
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            Error::Io { source, .. } => Some(source.kind()),
            _ => None,
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Input(_) | Error::Io { .. } => 2,
            Error::Validation { .. } => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(message) => f.write_str(message),
            Error::Io { context, source } => write!(f, "{context}: {source}"),
            Error::Validation { summary, .. } => f.write_str(summary),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_keep_their_kind_and_exit_2() {
        let err = Error::io(
            "cannot write to stdout",
            io::Error::from(io::ErrorKind::BrokenPipe),
        );
        assert_eq!(err.io_kind(), Some(io::ErrorKind::BrokenPipe));
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().starts_with("cannot write to stdout: "));
        assert!(std::error::Error::source(&err).is_some());
        // A message that reads like one is no I/O error.
        assert_eq!(Error::input("Broken pipe.yaml: missing").io_kind(), None);
    }
}
