//! `helm lint`'s text style, with locations: `==> Linting FILE`, one `[ERROR] file:line:col:
//! path: message` line per finding with its hint indented below, and the summary: the count of
//! files, then the host paths that expose the node (warnings that do not fail the run, listed
//! again so a long clean run does not hide them).

use std::io::{self, Write};

use super::lint::{Linted, Options, Summary};
use super::{Finding, Origin, Topic};

/// One finding as a line (and its hint line).
pub fn line(finding: &Finding) -> String {
    let mut text = format!("[{}] ", finding.severity.as_str().to_ascii_uppercase());
    // Writing to a String cannot fail.
    let _ = finding.write_text(&mut text, "    ");
    text
}

pub fn write(out: &mut dyn Write, files: &[Linted], options: Options) -> io::Result<()> {
    // The node-exposing host paths of the files shown, as summary lines.
    let mut exposures = Vec::new();
    for linted in files {
        let shown: Vec<&Finding> = linted.shown(options).collect();
        if options.quiet && shown.is_empty() {
            continue;
        }
        for finding in &linted.findings {
            if finding.topic == Topic::NodeExposure {
                let mut where_ = finding.origin.to_string();
                if finding.origin == Origin::None {
                    where_ = linted.name.clone();
                }
                let (path, message) = (&finding.path, &finding.message);
                exposures.push(format!("  {where_}: {path}: {message}"));
            }
        }
        writeln!(out, "==> Linting {}", linted.name)?;
        for finding in shown {
            writeln!(out, "{}", line(finding))?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{}", Summary::of(files, options))?;
    if !exposures.is_empty() {
        writeln!(
            out,
            "[WARNING] {} host path(s) expose the node to Polyaxon's pods:",
            exposures.len()
        )?;
        for line in &exposures {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}
