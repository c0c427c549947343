//! The error type every stage returns, and how it maps to the documented exit codes.
//!
//! Exit codes are a contract (README, `--help`): 0 success, 1 validation failed (findings of
//! severity error, or warnings under `--strict`), 2 usage or input error (unreadable file,
//! malformed YAML, a patch that cannot apply). Messages say what, where and how to fix it.

use std::fmt;

use crate::report::Finding;

/// Why a run failed.
#[derive(Debug)]
pub enum Error {
    /// Unreadable or malformed input, bad usage: exit code 2.
    Input(String),
    /// The values, overlays or output checks produced findings that fail the run: exit code 1.
    /// The findings are reported through the report sink; the message is a one-line summary.
    Validation {
        summary: String,
        findings: Vec<Finding>,
    },
}

impl Error {
    pub fn input(message: impl Into<String>) -> Self {
        Error::Input(message.into())
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Input(_) => 2,
            Error::Validation { .. } => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Input(message) => f.write_str(message),
            Error::Validation { summary, .. } => f.write_str(summary),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
