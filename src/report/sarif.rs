//! SARIF 2.1.0, the format code-scanning services (GitHub code scanning among them) import.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::lint::{Linted, Options};
use super::{Finding, Origin, Severity};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const RULE: &str = "polyaxon-values";

fn result(finding: &Finding) -> Value {
    let level = match finding.severity {
        Severity::Info => "note",
        severity => severity.as_str(),
    };
    let mut text = if finding.path.is_empty() {
        finding.message.clone()
    } else {
        format!("{}: {}", finding.path, finding.message)
    };
    if !finding.hint.is_empty() {
        text.push_str(&format!(" (hint: {})", finding.hint));
    }
    let mut result = json!({
        "ruleId": RULE,
        "level": level,
        "message": {"text": text},
    });
    match &finding.origin {
        Origin::File { file, line, column } => {
            let uri = if file == "-" { "stdin" } else { file.as_str() };
            result["locations"] = json!([{
                "physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": line, "startColumn": column}
                }
            }]);
        }
        Origin::None => {}
        other => {
            result["message"]["text"] = json!(format!("{other}: {text}"));
        }
    }
    result
}

pub fn write(out: &mut dyn Write, files: &[Linted], options: Options) -> io::Result<()> {
    let results: Vec<Value> = files
        .iter()
        .flat_map(|linted| linted.shown(options))
        .map(result)
        .collect();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "polyaxon-pr",
                "rules": [{
                    "id": RULE,
                    "name": "PolyaxonValues",
                    "shortDescription": {"text": "Polyaxon chart values follow the documented parameters"}
                }]
            }},
            "results": results,
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
