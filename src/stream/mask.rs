//! Secret values masked out of stream text that a person reads (`polyaxon-pr diff`).
//!
//! A diff of a changed Secret would otherwise print its `data` and `stringData` values into a
//! terminal, a CI log or a pull-request comment. Every value under those keys of a `kind: Secret`
//! object (a document, or an item of a `List`) becomes `<masked>`, or `<masked, changed>` where the
//! "after" stream's value differs from the same document's "before" value: the diff shows that a
//! value changed, not the value. The values are found in the parsed document, never in its line
//! shapes (a flow map over several lines, a block scalar, an anchor: all the same); a Secret is
//! written re-serialised from its masked value, header and trailer kept, and every other document
//! byte for byte. A Secret that does not parse is written as a comment that says so.

use serde_json::Value;

use super::{Document, Stream, emit};
use crate::error::Result;

pub const MASKED: &str = "<masked>";
pub const MASKED_CHANGED: &str = "<masked, changed>";

/// The Secret fields whose values are masked.
const FIELDS: [&str; 2] = ["data", "stringData"];

/// `before` and `after` (one stream before and after post-rendering) with Secret values masked.
pub fn secret_values(before: &str, after: &str) -> Result<(String, String)> {
    let old = Stream::read(before)?;
    let new = Stream::read(after)?;
    let mut masked_old = String::with_capacity(before.len());
    let mut old_values = Vec::with_capacity(old.docs.len());
    for doc in &old.docs {
        let (text, value) = mask_document(doc, None)?;
        masked_old.push_str(&text);
        old_values.push(value);
    }
    // Streams that do not pair document for document mark no value changed.
    if old.docs.len() != new.docs.len() {
        old_values.clear();
    }
    let mut masked_new = String::with_capacity(after.len());
    for doc in &new.docs {
        let previous = old_values.get(doc.index).and_then(Option::as_ref);
        masked_new.push_str(&mask_document(doc, previous)?.0);
    }
    Ok((masked_old, masked_new))
}

/// The document's text with its Secret values masked, and its parsed value when it holds a
/// Secret (to compare the "after" document with).
fn mask_document(doc: &Document<'_>, previous: Option<&Value>) -> Result<(String, Option<Value>)> {
    let kind = doc.meta_ref()?.map(|m| m.kind.clone()).unwrap_or_default();
    if kind != "Secret" && !kind.ends_with("List") {
        return Ok((doc.raw().to_string(), None));
    }
    let mut out = String::from(doc.header());
    let Ok(Some(value)) = doc.value() else {
        out.push_str("# <masked: a Secret that is not valid YAML>\n");
        out.push_str(doc.trailer());
        return Ok((out, None));
    };
    if !holds_secret(value) {
        return Ok((doc.raw().to_string(), None));
    }
    let mut masked = value.clone();
    mask(&mut masked, previous);
    out.push_str(&emit::to_yaml(&masked)?);
    out.push_str(doc.trailer());
    Ok((out, Some(value.clone())))
}

/// Whether `value` is a Secret or a list with one among its items.
fn holds_secret(value: &Value) -> bool {
    value["kind"] == "Secret"
        || value["items"]
            .as_array()
            .is_some_and(|items| items.iter().any(holds_secret))
}

/// Mask every Secret in `value` (itself or a list's items), marking values changed from `previous`.
fn mask(value: &mut Value, previous: Option<&Value>) {
    if value["kind"] == "Secret" {
        for field in FIELDS {
            let before = previous.and_then(|p| p.get(field));
            match value.get_mut(field) {
                Some(Value::Object(entries)) => {
                    for (key, entry) in entries.iter_mut() {
                        let old = before.and_then(|b| b.get(key));
                        *entry = masked(old.is_some_and(|old| old != entry));
                    }
                }
                Some(Value::Null) | None => {}
                Some(other) => *other = masked(before.is_some_and(|old| old != other)),
            }
        }
    }
    if let Some(items) = value.get_mut("items").and_then(Value::as_array_mut) {
        for (i, item) in items.iter_mut().enumerate() {
            mask(item, previous.and_then(|p| p["items"].get(i)));
        }
    }
}

fn masked(changed: bool) -> Value {
    Value::String(if changed { MASKED_CHANGED } else { MASKED }.to_string())
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
            assert!(text.contains("  x: <masked>\n"), "{text}");
        }
        assert!(before.contains("  a: <masked>\n"));
        assert!(after.contains("  a: <masked, changed>\n"), "{after}");
    }

    /// Issue 18: a flow map over several lines is masked from its parsed value, not line by line.
    #[test]
    fn multi_line_flow_maps_and_anchors_are_masked() {
        let before = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {\n  \
                      password: hunter2,\n  token: s3cr3t }\ndata: &d\n  k: QQ==\n";
        let after = format!(
            "{before}---\nkind: List\nitems:\n- kind: Secret\n  data: {{\n    \
                             a: s3cr3t }}\n"
        );
        let (old, new) = secret_values(before, &after).unwrap();
        for text in [&old, &new] {
            for secret in ["hunter2", "s3cr3t", "QQ=="] {
                assert!(!text.contains(secret), "{text}");
            }
            assert!(text.contains("password: <masked>"), "{text}");
        }
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
