//! Machine-readable lint results: one JSON document with every file's findings and the totals.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::lint::{Linted, Options, Reporter, Summary};

pub struct Json {
    pub options: Options,
    files: Vec<Value>,
}

impl Json {
    pub fn new(options: Options) -> Json {
        Json {
            options,
            files: Vec::new(),
        }
    }
}

impl Reporter for Json {
    fn file(&mut self, _out: &mut dyn Write, linted: &Linted) -> io::Result<()> {
        let findings: Vec<_> = linted.shown(self.options).collect();
        self.files.push(json!({
            "file": linted.name,
            "failed": linted.failed(self.options),
            "findings": findings,
        }));
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, summary: Summary) -> io::Result<()> {
        let doc = json!({"files": std::mem::take(&mut self.files), "summary": summary});
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}
