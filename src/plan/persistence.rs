//! `persistence.outputs` and `persistence.data`: volumes, mounts, store secrets and their JSON.
//!
//! Each entry without a `store` becomes a volume named after it (a PVC when `existingClaim` is
//! given, else a hostPath) mounted at `mountPath` in the api container and the scheduler, with
//! `readOnly` honoured. Data entries are mounted like outputs (the chart never mounts them).
//! When a kind is given, the chart's default for it (from the profile: volume `outputs`, hostPath
//! `/tmp/outputs` at `/outputs`) is removed, as rendering the chart with the values would. The
//! whole map, as JSON, replaces `POLYAXON_PERSISTENCE_<KIND>` in api, scheduler and hpsearch.
//! Outputs stores get one env entry per distinct (`secretKey`, `secret`) pair, named after the
//! key, in the api container and the scheduler; data stores get none, as in the chart.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Planner;
use super::configmap::go_json;
use crate::error::Result;
use crate::podspec::{self, At, OnConflict};
use crate::profile::{DefaultMount, Role, Targets};
use crate::report::Finding;

const KINDS: [&str; 2] = ["outputs", "data"];
const MOUNTED_IN: [Role; 2] = [Role::Api, Role::Scheduler];
const JSON_IN: [Role; 3] = [Role::Api, Role::Scheduler, Role::Hpsearch];

/// A volume entry: its parameter, volume and mount.
type Mounted = (String, Value, Value);

pub fn plan(planner: &mut Planner<'_>, targets: &Targets) -> Result<()> {
    for kind in KINDS {
        let Some(map) = planner
            .value(&format!("persistence.{kind}"))
            .and_then(Value::as_object)
        else {
            continue;
        };
        let entries: BTreeMap<String, Value> = map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if entries.is_empty() {
            // The chart tests the map for truth: an empty one renders the defaults.
            continue;
        }
        persistence_json(planner, targets, kind, &entries)?;
        let mounted = mounted_entries(planner, kind, &entries);
        remove_default(planner, targets, kind, &mounted)?;
        for (parameter, volume, mount) in &mounted {
            for (role, index) in super::role_docs(targets, &MOUNTED_IN) {
                planner.volume(index, volume, parameter)?;
                planner.mount(index, role, mount, parameter)?;
            }
        }
        if kind == "outputs" {
            store_secrets(planner, targets, &entries)?;
        }
    }
    Ok(())
}

fn persistence_json(
    planner: &mut Planner<'_>,
    targets: &Targets,
    kind: &str,
    entries: &BTreeMap<String, Value>,
) -> Result<()> {
    let value = go_json(&podspec::without_nulls(&json!(entries)));
    let env =
        json!({"name": format!("POLYAXON_PERSISTENCE_{}", kind.to_uppercase()), "value": value});
    let parameter = format!("persistence.{kind}");
    for (role, index) in super::role_docs(targets, &JSON_IN) {
        planner.env(index, role, &env, OnConflict::Replace, &parameter)?;
    }
    Ok(())
}

/// The entries that are volumes (no `store`), in the order Go templates range over maps.
fn mounted_entries(
    planner: &mut Planner<'_>,
    kind: &str,
    entries: &BTreeMap<String, Value>,
) -> Vec<Mounted> {
    let mut mounted = Vec::new();
    for (name, entry) in entries {
        if entry.get("store").is_some_and(|s| !s.is_null()) {
            continue;
        }
        let parameter = format!("persistence.{kind}.{name}");
        match volume_of(name, entry) {
            Ok((volume, mount)) => mounted.push((parameter, volume, mount)),
            Err(message) => {
                let origin = planner.values.origin(&super::to_pointer(&parameter));
                planner.report(Finding::error(&parameter, origin, message).with_hint(
                    "give `mountPath` and either `existingClaim` or `hostPath`, or a `store`",
                ));
            }
        }
    }
    mounted
}

fn volume_of(name: &str, entry: &Value) -> std::result::Result<(Value, Value), String> {
    let text = |key| text(entry, key);
    let Some(mount_path) = text("mountPath") else {
        return Err("a volume entry needs `mountPath`".to_string());
    };
    let volume = match (text("existingClaim"), text("hostPath")) {
        (Some(claim), _) => json!({"name": name, "persistentVolumeClaim": {"claimName": claim}}),
        (None, Some(path)) => json!({"name": name, "hostPath": {"path": path}}),
        (None, None) => {
            return Err("a volume entry needs `existingClaim` or `hostPath`".to_string());
        }
    };
    let mut mount = json!({"name": name, "mountPath": mount_path});
    if entry.get("readOnly").and_then(Value::as_bool) == Some(true) {
        mount["readOnly"] = json!(true);
    }
    Ok((volume, mount))
}

/// An entry's field `key` when it is a non-empty string.
fn text<'e>(entry: &'e Value, key: &str) -> Option<&'e str> {
    entry
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Drop the chart's default volume and mount for `kind`, unless the values ask for it.
fn remove_default(
    planner: &mut Planner<'_>,
    targets: &Targets,
    kind: &str,
    mounted: &[Mounted],
) -> Result<()> {
    let Some(DefaultMount { volume, mount }) = planner.profile.defaults.get(kind).cloned() else {
        return Ok(());
    };
    if mounted.iter().any(|(_, v, _)| *v == volume) {
        return Ok(());
    }
    let parameter = format!("persistence.{kind}");
    for (role, index) in super::role_docs(targets, &MOUNTED_IN) {
        for c in planner.containers(index, planner.which(role))? {
            let list = podspec::join(&c.pointer, "volumeMounts");
            planner.edit(index, &parameter, |doc| {
                Ok(podspec::remove_equal(doc, &list, &mount))
            })?;
        }
        // A container that still mounts the volume keeps it.
        let containers = planner.containers(index, None)?;
        let doc = planner.doc(index)?;
        if containers.iter().any(|c| {
            doc.at(&podspec::join(&c.pointer, "volumeMounts"))
                .and_then(Value::as_array)
                .is_some_and(|m| m.iter().any(|m| m.get("name") == volume.get("name")))
        }) {
            continue;
        }
        for spec in planner.pod_specs(index)? {
            let list = podspec::join(&spec.pointer, "volumes");
            planner.edit(index, &parameter, |doc| {
                Ok(podspec::remove_equal(doc, &list, &volume))
            })?;
        }
    }
    Ok(())
}

fn store_secrets(
    planner: &mut Planner<'_>,
    targets: &Targets,
    entries: &BTreeMap<String, Value>,
) -> Result<()> {
    let mut seen = BTreeMap::new();
    for (name, entry) in entries {
        let text = |key| text(entry, key);
        if let (Some(_), Some(secret), Some(key)) =
            (text("store"), text("secret"), text("secretKey"))
        {
            seen.entry((key.to_string(), secret.to_string()))
                .or_insert_with(|| format!("persistence.outputs.{name}"));
        }
    }
    for ((key, secret), parameter) in seen {
        let env = json!({"name": key, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}});
        for (role, index) in super::role_docs(targets, &MOUNTED_IN) {
            planner.env(index, role, &env, OnConflict::Error, &parameter)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use serde_json::json;

    fn stores() -> serde_json::Value {
        json!({"persistence": {
            "outputs": {
                "o1": {"mountPath": "/outputs/1", "hostPath": "/path/out", "readOnly": true},
                "o2": {"mountPath": "/outputs/2", "existingClaim": "o2-pvc"},
                "o-s3": {"store": "s3", "bucket": "s3://b", "secret": "sn", "secretKey": "sk"},
                "o-gcs": {"store": "gcs", "bucket": "gs://b", "secret": "sn", "secretKey": "sk"},
            },
            "data": {
                "d1": {"mountPath": "/data/1", "existingClaim": "d1-pvc"},
                "d-s3": {"store": "s3", "bucket": "s3://d", "secret": "other", "secretKey": "dk"},
            }
        }})
    }

    #[test]
    fn outputs_and_data_are_mounted_and_the_default_replaced() {
        let (_, docs) = run(stores()).unwrap();
        let api = &find(&docs, "Deployment", "rel-polyaxon-api")["spec"]["template"]["spec"];
        let volumes: Vec<_> = api["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap())
            .collect();
        assert_eq!(volumes, ["logs", "o1", "o2", "d1"]);
        let mounts = api["containers"][0]["volumeMounts"].as_array().unwrap();
        assert!(
            mounts.contains(&json!({"name": "o1", "mountPath": "/outputs/1", "readOnly": true}))
        );
        assert!(!mounts.iter().any(|m| m["mountPath"] == "/outputs"));
        assert_eq!(
            api["volumes"][3],
            json!({"name": "d1", "persistentVolumeClaim": {"claimName": "d1-pvc"}})
        );
    }

    #[test]
    fn one_env_per_store_secret_and_json_everywhere() {
        let (_, docs) = run(stores()).unwrap();
        let sched = &find(&docs, "Deployment", "rel-polyaxon-scheduler")["spec"]["template"]["spec"]
            ["containers"][0];
        let env = sched["env"].as_array().unwrap();
        assert_eq!(env.iter().filter(|e| e["name"] == "sk").count(), 1);
        assert!(
            !env.iter().any(|e| e["name"] == "dk"),
            "data stores get no env"
        );
        let outputs = env
            .iter()
            .find(|e| e["name"] == "POLYAXON_PERSISTENCE_OUTPUTS")
            .unwrap();
        let parsed: serde_json::Value =
            serde_json::from_str(outputs["value"].as_str().unwrap()).unwrap();
        assert_eq!(parsed, stores()["persistence"]["outputs"]);
        let hp = &find(&docs, "Deployment", "rel-polyaxon-hpsearch")["spec"]["template"]["spec"]["containers"]
            [0];
        let data = hp["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "POLYAXON_PERSISTENCE_DATA")
            .unwrap();
        assert!(data["value"].as_str().unwrap().starts_with(r#"{"d-s3":"#));
    }

    #[test]
    fn a_volume_name_clash_names_document_and_parameter() {
        let values =
            json!({"persistence": {"outputs": {"logs": {"mountPath": "/x", "hostPath": "/y"}}}});
        let crate::error::Error::Validation { findings, .. } = run(values).unwrap_err() else {
            panic!()
        };
        assert_eq!(findings[0].path, "persistence.outputs.logs");
        assert!(
            findings[0]
                .origin
                .to_string()
                .contains("api-deployment.yaml"),
            "{}",
            findings[0].origin
        );
    }

    #[test]
    fn an_incomplete_entry_is_an_error() {
        let values = json!({"persistence": {"data": {"d": {"hostPath": "/y"}}}});
        let crate::error::Error::Validation { findings, .. } = run(values).unwrap_err() else {
            panic!()
        };
        assert!(findings[0].message.contains("mountPath"));
    }
}
