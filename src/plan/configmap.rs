//! The chart's config ConfigMap: setting its keys the way the chart writes them, and the keys that
//! are nothing but a value (`secretRefs`, `configmapRefs`, `adminViewEnabled`).
//!
//! The chart fills most keys with Helm's `toJson`, i.e. Go's `json.Marshal`: compact, map keys
//! sorted, `<`, `>` and `&` escaped. [`go_json`] writes the same bytes, and [`set_key`] compares an
//! existing value as JSON, so a ConfigMap already saying what the values say stays byte-identical.

use serde_json::Value;

use super::Planner;
use crate::error::Result;
use crate::podspec::{self, At};
use crate::profile::{Role, Targets};

/// JSON as Helm's `toJson` writes it.
pub fn go_json(value: &Value) -> String {
    let mut sorted = value.clone();
    sorted.sort_all_objects();
    let text = serde_json::to_string(&sorted).unwrap_or_default();
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// How Go templates print a scalar (`{{ .Values.x | quote }}`): a string as is, others as JSON.
pub fn go_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => go_json(other),
    }
}

/// A ConfigMap key's value parsed as JSON (`None` when absent or not JSON).
pub fn existing_json(planner: &Planner<'_>, cm: usize, key: &str) -> Option<Value> {
    let doc = planner.doc(cm).ok()?;
    let text = doc.get("data")?.get(key)?.as_str()?;
    serde_json::from_str(text).ok()
}

/// Set `data.<key>` of the ConfigMap unless it already holds the same text or the same JSON.
pub fn set_key(
    planner: &mut Planner<'_>,
    cm: usize,
    key: &str,
    text: &str,
    parameter: &str,
) -> Result<()> {
    let pointer = podspec::join("/data", key);
    planner.edit(cm, parameter, |doc| {
        if let Some(existing) = doc.at(&pointer).and_then(Value::as_str)
            && (existing == text
                || matches!(
                    (serde_json::from_str::<Value>(existing), serde_json::from_str::<Value>(text)),
                    (Ok(a), Ok(b)) if a == b
                ))
        {
            return Ok(Vec::new());
        }
        podspec::set(doc, &pointer, &Value::String(text.to_string()))
    })
}

/// Set a key in every ConfigMap the profile found.
pub fn set_everywhere(
    planner: &mut Planner<'_>,
    targets: &Targets,
    key: &str,
    text: &str,
    parameter: &str,
) -> Result<()> {
    for &cm in targets.of(Role::ConfigMap) {
        set_key(planner, cm, key, text, parameter)?;
    }
    Ok(())
}

/// Keys that carry one value each: (parameter, key, json); a json one is set even if empty or null.
const SIMPLE: &[(&str, &str, bool)] = &[
    ("secretRefs", "POLYAXON_REFS_SECRETS", true),
    ("configmapRefs", "POLYAXON_REFS_CONFIG_MAPS", true),
    ("adminViewEnabled", "POLYAXON_ADMIN_VIEW_ENABLED", false),
    ("apiHost", "POLYAXON_API_HOST", false),
    ("timeZone", "POLYAXON_TIME_ZONE", false), // as later charts write it
    // The hook Jobs load the ConfigMap with `envFrom`, and under Helm 3 they never reach the
    // post-renderer: as a ConfigMap key, `TZ` reaches them too.
    ("timeZone", "TZ", false),
];

/// The parameters of `SIMPLE` → their keys (`timeZone` → `POLYAXON_TIME_ZONE` and `TZ`).
pub fn plan(planner: &mut Planner<'_>, targets: &Targets) -> Result<()> {
    for &(parameter, key, json) in SIMPLE {
        let Some(value) = planner.value(parameter) else {
            continue;
        };
        if !json && !super::is_given(value) {
            continue;
        }
        let text = if json { go_json(value) } else { go_text(value) };
        set_everywhere(planner, targets, key, &text, parameter)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use serde_json::json;

    #[test]
    fn go_json_sorts_keys_and_escapes_html() {
        let v = json!({"b": 1, "a": {"z": "<&>", "y": [true, null]}});
        assert_eq!(
            go_json(&v),
            r#"{"a":{"y":[true,null],"z":"\u003c\u0026\u003e"},"b":1}"#
        );
    }

    #[test]
    fn simple_keys_are_written() {
        let values = json!({"secretRefs": ["s1", "s2"], "configmapRefs": ["c"],
            "adminViewEnabled": false, "apiHost": "p.example.com"});
        let (_, docs) = run(values).unwrap();
        let cm = find(&docs, "ConfigMap", "rel-polyaxon-config");
        assert_eq!(cm["data"]["POLYAXON_REFS_SECRETS"], r#"["s1","s2"]"#);
        assert_eq!(cm["data"]["POLYAXON_REFS_CONFIG_MAPS"], r#"["c"]"#);
        assert_eq!(cm["data"]["POLYAXON_ADMIN_VIEW_ENABLED"], "false");
        assert_eq!(cm["data"]["POLYAXON_API_HOST"], "p.example.com");
    }

    #[test]
    fn an_equal_value_changes_nothing() {
        let (plan, _) = run(
            json!({"adminViewEnabled": true, "secretRefs": null, "apiHost": "",
            "allowedHosts": [], "persistence": {"outputs": {}}}),
        )
        .unwrap();
        assert!(plan.patches.is_empty(), "{:?}", plan.patches);
    }
}
