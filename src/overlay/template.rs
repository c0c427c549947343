//! Values references inside overlay rules, so that an overlay can reuse the release's parameters.
//!
//! One syntax, Helm's own spelling of a value: `{{ .Values.a.b }}`. A string that is exactly one
//! reference becomes the value itself (a number stays a number, a map stays a map); a reference
//! inside a longer string is replaced by the value's text, which must then be a string, number or
//! boolean. References read the user's values (`-f`, `--set`), not the chart's defaults, because
//! the post-renderer never sees those; an unset (or `null`) value is an error at the string's
//! `file:line:col`. Anything else between `{{ }}` is an error rather than text passed through.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

/// `{{ .Values.a.b }}`, with Go's optional `{{-`/`-}}` trim markers.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{-?\s*\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*-?\}\}")
        .expect("the reference pattern is a valid regex")
});

/// The string with its references resolved against `values`, or `None` when it has none.
pub fn resolve(text: &str, values: &Value) -> Result<Option<Value>, String> {
    if !text.contains("{{") {
        return Ok(None);
    }
    if let Some(found) = REFERENCE.captures(text)
        && found.get(0).is_some_and(|m| m.len() == text.len())
    {
        return lookup(values, &found[1]).map(|v| Some(v.clone()));
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for found in REFERENCE.captures_iter(text) {
        let Some(whole) = found.get(0) else { continue };
        literal(&text[last..whole.start()], &mut out)?;
        out.push_str(&scalar_text(lookup(values, &found[1])?, &found[1])?);
        last = whole.end();
    }
    literal(&text[last..], &mut out)?;
    Ok(Some(Value::String(out)))
}

/// Text between references; a `{{` left there is a reference this syntax does not know.
fn literal(text: &str, out: &mut String) -> Result<(), String> {
    if let Some(at) = text.find("{{") {
        let snippet: String = text[at..].chars().take(40).collect();
        return Err(format!(
            "`{snippet}` is not a values reference; the only template syntax is \
             `{{{{ .Values.path.to.value }}}}`"
        ));
    }
    out.push_str(text);
    Ok(())
}

/// The value at `.a.b`, which must be set and not `null`.
fn lookup<'v>(values: &'v Value, path: &str) -> Result<&'v Value, String> {
    let pointer = path.replace('.', "/");
    match values.pointer(&pointer) {
        Some(Value::Null) | None => Err(format!(
            "`.Values{path}` is not set in the values given to polyaxon-pr (-f, --set); \
             references read the user's values, not the chart's defaults"
        )),
        Some(value) => Ok(value),
    }
}

fn scalar_text(value: &Value, path: &str) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(format!(
            "`.Values{path}` is a list or a map; only a string that is exactly the reference \
             can insert one"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn values() -> Value {
        json!({"timeZone": "Europe/Berlin", "gpu": {"count": 2, "tolerations": [{"key": "g"}]}})
    }

    #[test]
    fn a_whole_reference_keeps_the_type() {
        let v = values();
        assert_eq!(
            resolve("{{ .Values.timeZone }}", &v),
            Ok(Some(json!("Europe/Berlin")))
        );
        assert_eq!(resolve("{{.Values.gpu.count}}", &v), Ok(Some(json!(2))));
        assert_eq!(
            resolve("{{- .Values.gpu.tolerations -}}", &v),
            Ok(Some(json!([{"key": "g"}])))
        );
        assert_eq!(resolve("plain", &v), Ok(None));
    }

    #[test]
    fn references_inside_text_are_interpolated() {
        let v = values();
        assert_eq!(
            resolve(
                "/zoneinfo/{{ .Values.timeZone }} x{{ .Values.gpu.count }}",
                &v
            ),
            Ok(Some(json!("/zoneinfo/Europe/Berlin x2")))
        );
        let err = resolve("a {{ .Values.gpu }}", &v).unwrap_err();
        assert!(err.contains("list or a map"), "{err}");
    }

    #[test]
    fn unset_values_and_other_templates_are_errors() {
        let v = values();
        let err = resolve("{{ .Values.timezone }}", &v).unwrap_err();
        assert!(err.contains("`.Values.timezone` is not set"), "{err}");
        let err = resolve("{{ .Release.Name }}", &v).unwrap_err();
        assert!(err.contains("not a values reference"), "{err}");
        assert!(resolve("{{ .Values.gpu.count | quote }}", &v).is_err());
    }
}
