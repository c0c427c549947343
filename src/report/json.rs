//! Machine-readable lint results: one JSON document with every file's findings and the totals.

use std::io::{self, Write};

use serde_json::json;

use super::lint::{Linted, Options, Summary};

pub fn write(out: &mut dyn Write, files: &[Linted], options: Options) -> io::Result<()> {
    let files_json: Vec<_> = files
        .iter()
        .map(|linted| {
            let findings: Vec<_> = linted.shown(options).collect();
            json!({
                "file": linted.name,
                "failed": linted.failed(options),
                "findings": findings,
            })
        })
        .collect();
    let doc = json!({"files": files_json, "summary": Summary::of(files, options)});
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
