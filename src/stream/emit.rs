//! Writing the stream back: untouched documents as their original bytes, changed ones as their
//! header, the re-serialised document and their trailer's comments.
//!
//! Re-serialisation is YAML-1.1 safe (Kubernetes reads manifests through go-yaml v2): serde-saphyr
//! quotes every string a YAML 1.1 or 1.2 reader would take for a bool, null, number, timestamp or
//! sexagesimal (`"y"`, `"on"`, `"0644"`, `"1_000"`, `"1:20"`), writes multi-line strings as block
//! scalars, keeps key order (serde_json's `preserve_order`) and writes integers as integers (a
//! plain `0644` was read as 420 and is written as 420, the same value).

use std::collections::BTreeMap;

use serde_json::Value;

use super::Stream;
use crate::error::{Error, Result};

/// What an empty stream becomes: Helm 4 rejects empty post-renderer output.
pub const EMPTY_OUTPUT: &str = "# polyaxon-pr: no resources\n";

/// Serialise one document as block-style YAML ending in a newline.
pub fn to_yaml(value: &Value) -> Result<String> {
    serde_saphyr::to_string(value)
        .map_err(|e| Error::input(format!("cannot write a document as YAML: {e}")))
}

/// Write the stream with `changed` (document index → new value) applied.
pub fn write(stream: &Stream<'_>, changed: &BTreeMap<usize, Value>) -> Result<String> {
    if stream.text.trim().is_empty() {
        return Ok(EMPTY_OUTPUT.to_string());
    }
    let mut out = String::with_capacity(stream.text.len() + stream.text.len() / 8);
    for doc in &stream.docs {
        let Some(value) = changed.get(&doc.index) else {
            out.push_str(doc.raw());
            continue;
        };
        let crlf = doc.raw().contains("\r\n");
        let header = doc.header();
        out.push_str(header);
        // A header that does not end a line is a final `---` without a newline (a lone BOM
        // needs none).
        if !header.trim_start_matches('\u{feff}').is_empty() && !header.ends_with('\n') {
            out.push_str(if crlf { "\r\n" } else { "\n" });
        }
        let yaml = to_yaml(value)?;
        if crlf {
            out.push_str(&yaml.replace('\n', "\r\n"));
        } else {
            out.push_str(&yaml);
        }
        // Keep the trailer's comments and `...`, but not its blank lines: after a block scalar
        // with keep chomping (`|+`) they would become part of the string.
        for line in doc.trailer().split_inclusive('\n') {
            if !line.trim().is_empty() {
                out.push_str(line);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str, index: usize) -> String {
        let stream = Stream::read(text).unwrap();
        let value = stream.docs[index].value().unwrap().unwrap().clone();
        let mut changed = BTreeMap::new();
        changed.insert(index, value);
        write(&stream, &changed).unwrap()
    }

    #[test]
    fn untouched_documents_are_written_verbatim() {
        let text = "---\n# Source: a\nx:   1 # c\n  \n---\nb: 'q'\n";
        let stream = Stream::read(text).unwrap();
        assert_eq!(write(&stream, &BTreeMap::new()).unwrap(), text);
    }

    #[test]
    fn changed_document_keeps_header_and_trailer_comments() {
        let text = "---\n# Source: c/a.yaml\nx:   1 # c\n  \n# end\n...\n---\nb: 'q'\n";
        assert_eq!(
            roundtrip(text, 0),
            "---\n# Source: c/a.yaml\nx: 1\n# end\n...\n---\nb: 'q'\n"
        );
    }

    #[test]
    fn crlf_documents_stay_crlf() {
        let text = "---\r\nkind: A\r\nv: \"on\"\r\n";
        assert_eq!(roundtrip(text, 0), "---\r\nkind: A\r\nv: \"on\"\r\n");
    }

    #[test]
    fn empty_stream_gives_a_comment() {
        for text in ["", "\n", "  \n\n"] {
            let stream = Stream::read(text).unwrap();
            assert_eq!(write(&stream, &BTreeMap::new()).unwrap(), EMPTY_OUTPUT);
        }
    }
}
