//! `nodeSelector`, `tolerations` and `affinity` per role.
//!
//! Every role's value goes into its ConfigMap keys (`POLYAXON_NODE_SELECTOR_JOBS`, …), which the
//! scheduler reads for the experiments, jobs, builds and tensorboards it creates (not in the
//! stream). The `core` values also go into the pod spec of every core workload (the hook Jobs
//! included), `tolerations.resourcesDaemon` into the resources DaemonSet. Merging follows Helm's
//! values semantics: `nodeSelector` and `affinity` maps are deep-merged into what is there (the
//! chart's default `affinity.core` stays), `tolerations` lists are replaced, and a `null` removes.

use serde_json::Value;

use super::Planner;
use super::configmap::{self, go_json};
use crate::error::Result;
use crate::podspec;
use crate::profile::{Role, Targets};
use crate::validate::rules::ROLES;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Merge {
    Map,
    List,
}

struct Field {
    /// The values key(s), preferred first.
    keys: &'static [&'static str],
    /// The pod spec field.
    pod: &'static str,
    /// The ConfigMap key prefix.
    cm: &'static str,
    merge: Merge,
}

const FIELDS: [Field; 3] = [
    Field {
        // The documented spelling first, then chart 0.4.2's own.
        keys: &["nodeSelector", "nodeSelectors"],
        pod: "nodeSelector",
        cm: "POLYAXON_NODE_SELECTOR",
        merge: Merge::Map,
    },
    Field {
        keys: &["tolerations"],
        pod: "tolerations",
        cm: "POLYAXON_TOLERATIONS",
        merge: Merge::List,
    },
    Field {
        keys: &["affinity"],
        pod: "affinity",
        cm: "POLYAXON_AFFINITY",
        merge: Merge::Map,
    },
];

pub fn plan(planner: &mut Planner<'_>, targets: &Targets) -> Result<()> {
    for field in &FIELDS {
        for role in ROLES {
            // The first of the field's keys that is given for the role.
            let Some((parameter, value)) = field.keys.iter().find_map(|key| {
                let parameter = format!("{key}.{role}");
                planner.value(&parameter).map(|v| (parameter, v))
            }) else {
                continue;
            };
            config_map_key(planner, targets, field, role, value, &parameter)?;
            if role == "core" {
                for &index in targets.of(Role::Core) {
                    pod_field(planner, index, field, value, &parameter)?;
                }
            }
        }
    }
    if let Some(value) = planner.value("tolerations.resourcesDaemon") {
        for &index in targets.of(Role::ResourcesDaemon) {
            pod_field(
                planner,
                index,
                &FIELDS[1],
                value,
                "tolerations.resourcesDaemon",
            )?;
        }
    }
    Ok(())
}

fn config_map_key(
    planner: &mut Planner<'_>,
    targets: &Targets,
    field: &Field,
    role: &str,
    value: &Value,
    parameter: &str,
) -> Result<()> {
    let key = format!("{}_{}", field.cm, role.to_uppercase());
    for &cm in targets.of(Role::ConfigMap) {
        let merged = match field.merge {
            Merge::Map if value.is_object() => {
                let mut base = configmap::existing_json(planner, cm, &key)
                    .filter(Value::is_object)
                    .unwrap_or_else(|| Value::Object(Default::default()));
                let ops = podspec::merge_map(&base, "", value).unwrap_or_default();
                json_patch::patch(&mut base, &ops).ok();
                base
            }
            _ => podspec::without_nulls(value),
        };
        configmap::set_key(planner, cm, &key, &go_json(&merged), parameter)?;
    }
    Ok(())
}

fn pod_field(
    planner: &mut Planner<'_>,
    index: usize,
    field: &Field,
    value: &Value,
    parameter: &str,
) -> Result<()> {
    for spec in planner.pod_specs(index)? {
        let pointer = podspec::join(&spec.pointer, field.pod);
        planner.edit(index, parameter, |doc| match (field.merge, value) {
            (_, Value::Null) => Ok(podspec::unset(doc, &pointer)),
            (Merge::Map, Value::Object(map)) if map.is_empty() => Ok(Vec::new()),
            (Merge::Map, _) => podspec::merge_map(doc, &pointer, value),
            (Merge::List, Value::Array(items)) if items.is_empty() => {
                Ok(podspec::unset(doc, &pointer))
            }
            (Merge::List, _) => podspec::set(doc, &pointer, value),
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use serde_json::json;

    fn spec<'v>(docs: &'v [serde_json::Value], kind: &str, name: &str) -> &'v serde_json::Value {
        &find(docs, kind, name)["spec"]["template"]["spec"]
    }

    #[test]
    fn core_values_go_to_core_pods_and_every_role_to_the_config_map() {
        let tol = json!([{"key": "dedicated", "operator": "Equal", "value": "core", "effect": "NoSchedule"}]);
        let values = json!({
            "nodeSelectors": {"core": {"polyaxon": "core"}, "jobs": {"polyaxon": "jobs"}},
            "tolerations": {"core": tol, "resourcesDaemon": [{"key": "nvidia.com/gpu", "operator": "Exists"}]},
        });
        let (_, docs) = run(values).unwrap();
        for (kind, name) in [
            ("Deployment", "rel-polyaxon-api"),
            ("Deployment", "rel-polyaxon-hpsearch"),
            ("Job", "rel-migrate"),
        ] {
            assert_eq!(
                spec(&docs, kind, name)["nodeSelector"],
                json!({"polyaxon": "core"}),
                "{name}"
            );
            assert_eq!(spec(&docs, kind, name)["tolerations"], tol, "{name}");
        }
        let ds = spec(&docs, "DaemonSet", "rel-polyaxon-resources");
        assert!(
            ds.get("nodeSelector").is_none(),
            "the DaemonSet is not core"
        );
        assert_eq!(ds["tolerations"][0]["key"], "nvidia.com/gpu");
        assert!(
            spec(&docs, "Deployment", "rel-redis")
                .get("nodeSelector")
                .is_none()
        );
        assert_eq!(
            cm_json(&docs, "POLYAXON_NODE_SELECTOR_JOBS"),
            json!({"polyaxon": "jobs"})
        );
        assert_eq!(cm_json(&docs, "POLYAXON_TOLERATIONS_CORE"), tol);
    }

    #[test]
    fn affinity_is_deep_merged_and_node_selector_preferred() {
        let values = json!({
            "affinity": {"core": {"nodeAffinity": {"x": 1}}, "jobs": {"podAffinity": {"y": 2}}},
            "nodeSelector": {"core": {"a": "1"}}, "nodeSelectors": {"core": {"b": "2"}},
        });
        let (_, docs) = run(values).unwrap();
        let api = spec(&docs, "Deployment", "rel-polyaxon-api");
        assert_eq!(
            api["affinity"],
            json!({"podAffinity": {"preferred": [1]}, "nodeAffinity": {"x": 1}})
        );
        assert_eq!(api["nodeSelector"], json!({"a": "1"}));
        assert_eq!(
            cm_json(&docs, "POLYAXON_AFFINITY_CORE"),
            json!({"podAffinity": {"preferred": [1]}, "nodeAffinity": {"x": 1}})
        );
        assert_eq!(
            cm_json(&docs, "POLYAXON_AFFINITY_JOBS"),
            json!({"podAffinity": {"y": 2}})
        );
    }

    #[test]
    fn null_removes_and_empty_adds_nothing() {
        let (_, docs) =
            run(json!({"affinity": {"core": null}, "nodeSelector": {"core": {}}})).unwrap();
        let api = spec(&docs, "Deployment", "rel-polyaxon-api");
        assert!(api.get("affinity").is_none());
        assert!(api.get("nodeSelector").is_none());
        assert_eq!(cm_json(&docs, "POLYAXON_AFFINITY_CORE"), json!(null));
    }
}
