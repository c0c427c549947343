//! Secret values masked out of stream text that a person reads (`polyaxon-pr diff`).
//!
//! A diff of a changed Secret would otherwise print its `data` and `stringData` values, both as
//! context and as changed lines, into a terminal, a CI log or a pull-request comment. Every value
//! under those keys of a `kind: Secret` document becomes `<masked>`; when the "after" stream's
//! value differs from the same document's "before" value it becomes `<masked, changed>`, so the
//! diff still shows that a value changed without showing either value. Keys, comments and every
//! other document are kept as they are. Nothing here parses more than a document's metadata.

use std::collections::BTreeMap;

use super::Stream;
use crate::error::Result;

pub const MASKED: &str = "<masked>";
pub const MASKED_CHANGED: &str = "<masked, changed>";

/// `before` and `after` (the same stream before and after post-rendering, document for
/// document) with their Secret values masked.
pub fn secret_values(before: &str, after: &str) -> Result<(String, String)> {
    let old = Stream::read(before)?;
    let new = Stream::read(after)?;
    let mut masked_old = String::with_capacity(before.len());
    let mut old_values = Vec::with_capacity(old.docs.len());
    for doc in &old.docs {
        let (text, values) = mask_document(doc, None)?;
        masked_old.push_str(&text);
        old_values.push(values);
    }
    let paired = old.docs.len() == new.docs.len();
    let mut masked_new = String::with_capacity(after.len());
    for doc in &new.docs {
        let previous = paired.then(|| &old_values[doc.index]);
        masked_new.push_str(&mask_document(doc, previous)?.0);
    }
    Ok((masked_old, masked_new))
}

/// Raw value text by key, of one Secret's `data`/`stringData`.
type Values = BTreeMap<String, String>;

/// The document's text with its Secret values masked, and those values (to compare with).
fn mask_document(doc: &super::Document<'_>, previous: Option<&Values>) -> Result<(String, Values)> {
    let is_secret = doc.meta_ref()?.is_some_and(|m| m.kind == "Secret");
    if !is_secret {
        return Ok((doc.raw().to_string(), Values::new()));
    }
    let mut masker = Masker {
        previous,
        ..Masker::default()
    };
    let mut out = String::from(doc.header());
    for line in doc.body().split_inclusive('\n') {
        masker.line(line, &mut out);
    }
    masker.flush(&mut out);
    out.push_str(doc.trailer());
    Ok((out, masker.values))
}

#[derive(Default)]
struct Masker<'p> {
    previous: Option<&'p Values>,
    /// Inside a top-level `data:` or `stringData:` block (the name, for the value key).
    block: Option<String>,
    child_indent: Option<usize>,
    /// The entry being read: its masked line (written once its value is complete), key, value.
    pending: Option<(String, String, String)>,
    values: Values,
}

impl Masker<'_> {
    fn line(&mut self, line: &str, out: &mut String) {
        let content = line.trim_start_matches(' ');
        let indent = line.len() - content.len();
        let blank = content.trim().is_empty();
        if indent == 0 && !blank {
            self.flush(out);
            self.top_level(line, out);
            return;
        }
        let Some(block) = self.block.clone() else {
            out.push_str(line);
            return;
        };
        if blank {
            return;
        }
        let child = *self.child_indent.get_or_insert(indent);
        if indent > child {
            // A continuation or block-scalar line of the current value.
            if let Some((_, _, value)) = self.pending.as_mut() {
                value.push_str(line);
            }
            return;
        }
        self.flush(out);
        let (key, value) = split_entry(content);
        let shown = format!("{}{key}: ", " ".repeat(indent));
        self.pending = Some((shown, format!("{block}/{key}"), value.to_string()));
    }

    fn top_level(&mut self, line: &str, out: &mut String) {
        let (key, value) = split_entry(line);
        let key = key.trim_matches(['"', '\'']);
        self.block = None;
        self.child_indent = None;
        if key != "data" && key != "stringData" {
            out.push_str(line);
            return;
        }
        let value = value.trim();
        if value.is_empty() || value.starts_with('#') {
            out.push_str(line);
            self.block = Some(key.to_string());
        } else {
            // A flow map or anything else on the key's line: masked whole.
            self.pending = Some((format!("{key}: "), key.to_string(), value.to_string()));
        }
    }

    /// Write the pending entry, masked, now that its value is complete.
    fn flush(&mut self, out: &mut String) {
        let Some((shown, key, value)) = self.pending.take() else {
            return;
        };
        let changed = self
            .previous
            .and_then(|p| p.get(&key))
            .is_some_and(|old| *old != value);
        out.push_str(&shown);
        out.push_str(if changed { MASKED_CHANGED } else { MASKED });
        out.push('\n');
        self.values.insert(key, value);
    }
}

/// `key: value` split at the first `: ` (or a final `:`); a line without one is all value.
fn split_entry(line: &str) -> (&str, &str) {
    let line = line.trim_end_matches(['\n', '\r']);
    let content = line.trim_start_matches(' ');
    match content.find(": ") {
        Some(i) => (&content[..i], &content[i + 2..]),
        None => match content.strip_suffix(':') {
            Some(key) => (key, ""),
            None => ("", content),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = "---\n# Source: c/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: \"QQ==\"\n  b: |\n    multi\n    line\nstringData: {x: hunter2}\n---\nkind: ConfigMap\ndata:\n  a: visible\n";

    #[test]
    fn secret_values_are_masked_and_changes_marked() {
        let after = BEFORE.replace("QQ==", "Qg==");
        let (before, after) = secret_values(BEFORE, &after).unwrap();
        for text in [&before, &after] {
            for secret in ["QQ==", "Qg==", "multi", "hunter2"] {
                assert!(!text.contains(secret), "{text}");
            }
            assert!(text.contains("# Source: c/secret.yaml\n"));
            assert!(
                text.contains("  a: visible\n"),
                "other documents are kept: {text}"
            );
            assert!(text.contains("  b: <masked>\n"), "{text}");
            assert!(text.contains("stringData: <masked>\n"), "{text}");
        }
        assert!(before.contains("  a: <masked>\n"));
        assert!(after.contains("  a: <masked, changed>\n"), "{after}");
    }

    #[test]
    fn streams_without_secrets_are_unchanged() {
        let text = "kind: ConfigMap\ndata:\n  a: b\n";
        assert_eq!(
            secret_values(text, text).unwrap(),
            (text.to_string(), text.to_string())
        );
    }
}
