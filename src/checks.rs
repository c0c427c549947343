//! Checks on each patched workload before anything is written: each volumeMount names a volume of
//! its pod spec; volume names, per-container mount paths and env names are unique; env names valid.
//!
//! A defect the document already had before patching is the chart's (chart 0.4.2's scheduler
//! includes its env block twice): a warning, an error only with `--strict`. A defect the patch
//! introduced is an error. Findings name the document, the container and the entry.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::podspec::{self, At};
use crate::report::{Finding, Origin};

/// Kubernetes' rule for env names before 1.34 relaxed it, `[-._a-zA-Z][-._a-zA-Z0-9]*` (a test
/// below holds this to that regex; compiling it would cost more than the check).
pub(crate) fn valid_env_name(name: &str) -> bool {
    let extra = |c: &u8| matches!(c, b'-' | b'.' | b'_');
    name.bytes()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || extra(&c))
        && name.bytes().all(|c| c.is_ascii_alphanumeric() || extra(&c))
}

/// One defect: where (a JSON pointer) and what.
type Defect = (String, String);

/// Compare the defects of a document before and after patching.
pub fn check(original: &Value, patched: &Value, origin: &Origin) -> Vec<Finding> {
    let before = defects(original);
    defects(patched)
        .into_iter()
        .map(|(path, message)| {
            if before.contains(&(path.clone(), message.clone())) {
                Finding::warning(
                    path,
                    origin.clone(),
                    format!("{message} (already in the chart's output)"),
                )
                .with_hint("a defect of the chart, not of the values; --strict makes it an error")
            } else {
                Finding::error(path, origin.clone(), message)
                    .with_hint("the values conflict with the chart: rename the entry in the values")
            }
        })
        .collect()
}

/// Every defect of a document's pod specs.
pub fn defects(doc: &Value) -> BTreeSet<Defect> {
    let mut found = BTreeSet::new();
    for spec in podspec::pod_specs(doc) {
        let pod = doc.at(&spec.pointer).unwrap_or(&Value::Null);
        let volumes = names(pod.get("volumes"), "name");
        let mut mountable: BTreeSet<&str> = volumes.keys().copied().collect();
        mountable.extend(claim_templates(doc, &spec));
        for (name, count) in volumes.iter().filter(|(_, count)| **count > 1) {
            let message = format!("volume `{name}` is defined {count} times");
            found.insert((format!("{}/volumes", spec.pointer), message));
        }
        for list in ["containers", "initContainers"] {
            let items = pod.get(list).and_then(Value::as_array);
            for (i, container) in items.into_iter().flatten().enumerate() {
                let pointer = format!("{}/{list}/{i}", spec.pointer);
                container_defects(container, &pointer, &mountable, &mut found);
            }
        }
    }
    found
}

/// A StatefulSet's `volumeClaimTemplates` are volumes of its pods too.
fn claim_templates<'v>(doc: &'v Value, spec: &podspec::PodSpecRef) -> Vec<&'v str> {
    if spec.kind != "StatefulSet" {
        return Vec::new();
    }
    let pointer = format!("{}/spec/volumeClaimTemplates", spec.object);
    doc.at(&pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.at("/metadata/name").and_then(Value::as_str))
        .collect()
}

fn container_defects(
    container: &Value,
    pointer: &str,
    mountable: &BTreeSet<&str>,
    found: &mut BTreeSet<Defect>,
) {
    let name = string(container, "name");
    let mut defect = |list, message| found.insert((format!("{pointer}/{list}"), message));
    let mounts = container.get("volumeMounts");
    for mount in mounts.and_then(Value::as_array).into_iter().flatten() {
        let volume = string(mount, "name");
        if !mountable.contains(volume) {
            let message = format!(
                "container `{name}` mounts volume `{volume}`, which the pod spec does not define"
            );
            defect("volumeMounts", message);
        }
    }
    for (path, count) in names(mounts, "mountPath") {
        if count > 1 {
            let message = format!("container `{name}` mounts {count} volumes at `{path}`");
            defect("volumeMounts", message);
        }
    }
    for (env, count) in names(container.get("env"), "name") {
        if count > 1 {
            let message = format!("container `{name}` defines env `{env}` {count} times");
            defect("env", message);
        }
        if !valid_env_name(env) {
            let message = format!("container `{name}`: `{env}` is not a valid env name");
            defect("env", message);
        }
    }
}

/// How many times each value of `key` appears in a list of objects.
fn names<'v>(list: Option<&'v Value>, key: &str) -> BTreeMap<&'v str, usize> {
    let mut counts = BTreeMap::new();
    for item in list.and_then(Value::as_array).into_iter().flatten() {
        *counts.entry(string(item, key)).or_insert(0) += 1;
    }
    counts
}

/// The string at `key` of an object (empty when absent or not a string).
fn string<'v>(object: &'v Value, key: &str) -> &'v str {
    object.get(key).and_then(Value::as_str).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Severity;
    use serde_json::json;

    fn pod(containers: Value, volumes: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": containers, "volumes": volumes}})
    }

    #[test]
    fn env_names_follow_the_kubernetes_regex() {
        let re = regex::Regex::new(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$").unwrap();
        for name in [
            "A", "a_b", "-x", ".x", "_1", "x.y-z", "", "1A", "a b", "a=b", "é", "A1", "a$",
        ] {
            assert_eq!(valid_env_name(name), re.is_match(name), "{name:?}");
        }
    }

    #[test]
    fn a_mount_of_a_missing_volume_is_an_error() {
        let before = pod(json!([{"name": "c"}]), json!([]));
        let after = pod(
            json!([{"name": "c", "volumeMounts": [{"name": "v", "mountPath": "/v"}]}]),
            json!([]),
        );
        let findings = check(&before, &after, &Origin::None);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(findings[0].message.contains("`v`"));
    }

    #[test]
    fn chart_defects_are_warnings_new_ones_errors() {
        let dup = json!([{"name": "A"}, {"name": "A"}]);
        let before = pod(json!([{"name": "c", "env": dup}]), json!([]));
        let after = pod(
            json!([{"name": "c", "env": [{"name": "A"}, {"name": "A"}, {"name": "B"}, {"name": "B"}]}]),
            json!([]),
        );
        let findings = check(&before, &after, &Origin::None);
        let severities: Vec<_> = findings.iter().map(|f| f.severity).collect();
        assert_eq!(severities, [Severity::Warning, Severity::Error]);
    }

    #[test]
    fn stateful_set_claim_templates_are_volumes() {
        let doc = json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {
            "volumeClaimTemplates": [{"metadata": {"name": "data"}}],
            "template": {"spec": {"containers": [
                {"name": "c", "volumeMounts": [{"name": "data", "mountPath": "/d"}]}]}}}});
        assert!(defects(&doc).is_empty());
    }

    #[test]
    fn duplicate_volumes_paths_and_bad_env_names_are_found() {
        let doc = pod(
            json!([{"name": "c", "env": [{"name": "1BAD"}],
                "volumeMounts": [{"name": "v", "mountPath": "/m"}, {"name": "v", "mountPath": "/m"}]}]),
            json!([{"name": "v"}, {"name": "v"}]),
        );
        let found = defects(&doc);
        assert_eq!(found.len(), 3, "{found:?}");
    }
}
