//! GitHub Actions workflow commands (`::error file=...,line=...,col=...::message`): findings show
//! up as annotations on the pull request's files.

use std::io::{self, Write};

use super::lint::{Linted, Options, Summary};
use super::{Finding, Origin, Severity};

/// Escape a message (GitHub's `escapeData`).
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a property value (GitHub's `escapeProperty`).
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

fn annotation(finding: &Finding) -> String {
    let command = match finding.severity {
        Severity::Info => "notice",
        severity => severity.as_str(),
    };
    let mut props = Vec::new();
    let mut message = String::new();
    match &finding.origin {
        Origin::File { file, line, column } => {
            props.push(format!("file={},line={line},col={column}", property(file)));
        }
        Origin::None => {}
        other => message.push_str(&format!("{other}: ")),
    }
    let title = if finding.path.is_empty() {
        "polyaxon-pr".to_string()
    } else {
        format!("polyaxon-pr: {}", finding.path)
    };
    props.push(format!("title={}", property(&title)));
    message.push_str(&finding.message);
    if !finding.hint.is_empty() {
        message.push_str(&format!("\nhint: {}", finding.hint));
    }
    format!("::{command} {}::{}", props.join(","), data(&message))
}

pub fn write(out: &mut dyn Write, files: &[Linted], options: Options) -> io::Result<()> {
    for finding in files.iter().flat_map(|linted| linted.shown(options)) {
        writeln!(out, "{}", annotation(finding))?;
    }
    writeln!(out, "{}", Summary::of(files, options))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_are_escaped() {
        let f = Finding::error(
            "a.b",
            Origin::File {
                file: "v,1.yaml".into(),
                line: 3,
                column: 5,
            },
            "50% wrong",
        )
        .with_hint("fix: it");
        assert_eq!(
            annotation(&f),
            "::error file=v%2C1.yaml,line=3,col=5,title=polyaxon-pr%3A a.b::50%25 wrong%0Ahint: fix: it"
        );
    }
}
