//! `allowedHosts` and `timeZone` beyond their ConfigMap keys.
//!
//! `allowedHosts` becomes `POLYAXON_ALLOWED_HOSTS` and, as in the chart, a `Host` header on the api
//! container's liveness and readiness `httpGet` probes (Django rejects the kubelet's probes
//! otherwise); the header names the api Service, read from the ConfigMap key the profile names
//! (`POLYAXON_K8S_API_HOST`), else the api Deployment's name.
//!
//! Besides its ConfigMap keys ([`super::configmap`]), `timeZone` becomes an env entry `TZ` in every
//! container that loads the chart's ConfigMap with `envFrom` (the Polyaxon processes: api, streams,
//! workers, monitors, the resources DaemonSet and, in Helm 4 streams, the hook Jobs; not the
//! subcharts), so their C library and logs use the application's zone.

use serde_json::{Value, json};

use super::configmap::{self, go_json};
use super::{Planner, is_given};
use crate::error::Result;
use crate::podspec::{self, At, ContainerRef, OnConflict};
use crate::profile::{Role, Targets};

const PROBES: [&str; 2] = ["livenessProbe", "readinessProbe"];

pub fn plan(planner: &mut Planner<'_>, targets: &Targets) -> Result<()> {
    if let Some(hosts) = planner.value("allowedHosts").filter(|v| is_given(v)) {
        configmap::set_everywhere(
            planner,
            targets,
            "POLYAXON_ALLOWED_HOSTS",
            &go_json(hosts),
            "allowedHosts",
        )?;
        probe_headers(planner, targets)?;
    }
    if let Some(zone) = planner
        .value("timeZone")
        .and_then(Value::as_str)
        .filter(|z| !z.is_empty())
    {
        time_zone_env(planner, targets, zone)?;
    }
    Ok(())
}

fn probe_headers(planner: &mut Planner<'_>, targets: &Targets) -> Result<()> {
    for &index in targets.of(Role::Api) {
        let host = api_host(planner, targets, index)?;
        let header = json!({"name": "Host", "value": host});
        for c in planner.containers(index, planner.which(Role::Api))? {
            for probe in PROBES {
                let http_get = format!("{}/{probe}/httpGet", c.pointer);
                planner.edit(index, "allowedHosts", |doc| {
                    if doc.at(&http_get).is_none_or(|v| !v.is_object()) {
                        return Ok(Vec::new());
                    }
                    let list = podspec::join(&http_get, "httpHeaders");
                    podspec::upsert_by_key(doc, &list, "name", &header, OnConflict::Replace)
                })?;
            }
        }
    }
    Ok(())
}

fn api_host(planner: &Planner<'_>, targets: &Targets, api: usize) -> Result<String> {
    let key = &planner.profile.api_host_key;
    for &cm in targets.of(Role::ConfigMap) {
        let doc = planner.doc(cm)?;
        if let Some(host) = doc
            .get("data")
            .and_then(|d| d.get(key))
            .and_then(Value::as_str)
        {
            return Ok(host.to_string());
        }
    }
    let doc = planner.doc(api)?;
    Ok(doc
        .at("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string())
}

fn time_zone_env(planner: &mut Planner<'_>, targets: &Targets, zone: &str) -> Result<()> {
    let names: Vec<String> = targets
        .of(Role::ConfigMap)
        .iter()
        .filter_map(|&cm| {
            planner
                .doc(cm)
                .ok()?
                .at("/metadata/name")?
                .as_str()
                .map(str::to_string)
        })
        .collect();
    let env = json!({"name": "TZ", "value": zone});
    for index in 0..planner.stream.docs.len() {
        let Some(meta) = planner.stream.docs[index].meta_ref()? else {
            continue;
        };
        if !podspec::may_hold_pods(&meta.api_version, &meta.kind) {
            continue;
        }
        if !planner.may_hold_any(index, &names) {
            continue;
        }
        let containers = planner.containers(index, None)?;
        let doc = planner.doc(index)?;
        let loads_config_map = |c: &ContainerRef| {
            let env_from = doc.at(&format!("{}/envFrom", c.pointer));
            env_from.and_then(Value::as_array).is_some_and(|sources| {
                sources.iter().any(|source| {
                    source
                        .at("/configMapRef/name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| names.iter().any(|name| name == n))
                })
            })
        };
        let loading: Vec<ContainerRef> = containers.into_iter().filter(loads_config_map).collect();
        for c in loading {
            planner.edit(index, "timeZone", |doc| {
                podspec::upsert_env(doc, &c, &env, OnConflict::Error)
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use serde_json::json;

    #[test]
    fn allowed_hosts_set_the_key_and_the_api_probe_headers() {
        let (_, docs) = run(json!({"allowedHosts": ["127.0.0.1", ".mysite.com"]})).unwrap();
        assert_eq!(
            cm_json(&docs, "POLYAXON_ALLOWED_HOSTS"),
            json!(["127.0.0.1", ".mysite.com"])
        );
        let api = &find(&docs, "Deployment", "rel-polyaxon-api")["spec"]["template"]["spec"]["containers"]
            [0];
        for probe in ["livenessProbe", "readinessProbe"] {
            assert_eq!(
                api[probe]["httpGet"]["httpHeaders"],
                json!([{"name": "Host", "value": "rel-polyaxon-api"}])
            );
        }
    }

    #[test]
    fn time_zone_goes_to_the_config_map_and_every_polyaxon_container() {
        let (_, docs) = run(json!({"timeZone": "Europe/Berlin"})).unwrap();
        let cm = find(&docs, "ConfigMap", "rel-polyaxon-config");
        assert_eq!(cm["data"]["POLYAXON_TIME_ZONE"], "Europe/Berlin");
        assert_eq!(cm["data"]["TZ"], "Europe/Berlin");
        let tz = json!({"name": "TZ", "value": "Europe/Berlin"});
        let api = &find(&docs, "Deployment", "rel-polyaxon-api")["spec"]["template"]["spec"]["containers"];
        assert!(api[0]["env"].as_array().unwrap().contains(&tz));
        assert_eq!(
            api[1]["env"],
            json!([tz]),
            "streams loads the ConfigMap too"
        );
        let job = &find(&docs, "Job", "rel-migrate")["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(job["env"], json!([tz]));
        let hp = &find(&docs, "Deployment", "rel-polyaxon-hpsearch")["spec"]["template"]["spec"]["containers"]
            [0];
        assert!(
            !hp["env"].as_array().unwrap().contains(&tz),
            "does not load the ConfigMap"
        );
        let redis =
            &find(&docs, "Deployment", "rel-redis")["spec"]["template"]["spec"]["containers"][0];
        assert!(redis.get("env").is_none());
    }
}
