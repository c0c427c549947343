//! `dirs.nvidia.*` and `mountPaths.nvidia.*`: the Nvidia host libraries, mounted read-only.
//!
//! As in chart 0.4.2, nothing is mounted unless all three of `lib`, `bin` and `libcuda` are set;
//! then the hostPath volumes `nvidia-lib`, `nvidia-bin`, `nvidia-libcuda` are mounted into the api
//! container, the scheduler and the resources DaemonSet, and the ConfigMap gets
//! `POLYAXON_MOUNT_PATHS_NVIDIA` and `LD_LIBRARY_PATH`. Unlike the chart, the mounts are read-only
//! and each mount path falls back to its own `dirs` entry (the chart falls back only when all
//! three are unset, pointing `LD_LIBRARY_PATH` at host paths that are not mounted).
//! `POLYAXON_DIRS_NVIDIA` is written whenever `dirs.nvidia` is given.
//!
//! With the generic profile (not a Polyaxon stream) the same volumes, mounts and
//! `LD_LIBRARY_PATH` env go into every container that requests or limits `nvidia.com/gpu`.

use serde_json::{Value, json};

use super::Planner;
use super::configmap::{self, go_json};
use crate::error::Result;
use crate::podspec::{self, At, OnConflict};
use crate::profile::{Role, Targets};
use crate::values::Values;

/// The resource that marks a GPU container.
pub const GPU_RESOURCE: &str = "nvidia.com/gpu";

const KEYS: [&str; 3] = ["lib", "bin", "libcuda"];

/// The Polyaxon profile: ConfigMap keys, then api, scheduler and resources DaemonSet.
pub fn plan_chart(planner: &mut Planner<'_>, targets: &Targets) -> Result<()> {
    if let Some(given) = planner.value("dirs.nvidia").filter(|v| v.is_object()) {
        let mut dirs = json!({"bin": "", "lib": "", "libcuda": ""});
        let ops = podspec::merge_map(&dirs, "", given).unwrap_or_default();
        json_patch::patch(&mut dirs, &ops).ok();
        configmap::set_everywhere(
            planner,
            targets,
            "POLYAXON_DIRS_NVIDIA",
            &go_json(&dirs),
            "dirs.nvidia",
        )?;
    }
    let Some(gpu) = Generic::from(planner.values) else {
        return Ok(());
    };
    let paths: serde_json::Map<String, Value> = KEYS
        .iter()
        .zip(&gpu.mounts)
        .map(|(k, (m, _))| (k.to_string(), m["mountPath"].clone()))
        .collect();
    configmap::set_everywhere(
        planner,
        targets,
        "POLYAXON_MOUNT_PATHS_NVIDIA",
        &go_json(&Value::Object(paths)),
        "mountPaths.nvidia",
    )?;
    configmap::set_everywhere(
        planner,
        targets,
        "LD_LIBRARY_PATH",
        gpu.env[0].0["value"].as_str().unwrap_or_default(),
        "dirs.nvidia",
    )?;
    for (role, index) in super::role_docs(
        targets,
        &[Role::Api, Role::Scheduler, Role::ResourcesDaemon],
    ) {
        // Volume i, then mount i: volumes into every pod spec, mounts into the chosen containers.
        for ((volume, dir), (mount, mount_param)) in gpu.volumes.iter().zip(&gpu.mounts) {
            planner.volume(index, volume, dir)?;
            planner.mount(index, role, mount, mount_param)?;
        }
    }
    Ok(())
}

/// The generic profile's injection, each entry with its parameter, for pod specs with a GPU
/// container: [`plan_generic`] applies it, the direct edits write it into the text where they can.
pub struct Generic {
    /// The three hostPath volumes, for every such pod spec.
    pub volumes: Vec<(Value, String)>,
    /// The three read-only mounts, for every such container (init containers too).
    pub mounts: Vec<(Value, String)>,
    /// The `LD_LIBRARY_PATH` entry, for every such container.
    pub env: Vec<(Value, String)>,
}

impl Generic {
    pub fn from(values: &Values) -> Option<Generic> {
        let text = |p: &str| {
            values
                .get(&super::to_pointer(p))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let mut volumes = Vec::new();
        let mut mounts = Vec::new();
        for k in KEYS {
            let (name, dir_param) = (format!("nvidia-{k}"), format!("dirs.nvidia.{k}"));
            let dir = text(&dir_param)?;
            let mount_param = format!("mountPaths.nvidia.{k}");
            let (mount, mount_param) = match text(&mount_param) {
                Some(m) => (m, mount_param),
                None => (dir, dir_param.clone()),
            };
            volumes.push((json!({"name": name, "hostPath": {"path": dir}}), dir_param));
            mounts.push((
                json!({"name": name, "mountPath": mount, "readOnly": true}),
                mount_param,
            ));
        }
        let ld_library_path = format!(
            "{}:{}",
            mounts[0].0["mountPath"].as_str()?,
            mounts[2].0["mountPath"].as_str()?
        );
        Some(Generic {
            volumes,
            mounts,
            env: vec![(
                json!({"name": "LD_LIBRARY_PATH", "value": ld_library_path}),
                "dirs.nvidia".to_string(),
            )],
        })
    }
}

/// [`Generic`] into every pod spec with a GPU container, except in the `planner.taken` documents.
pub fn plan_generic(planner: &mut Planner<'_>, gpu: &Generic) -> Result<()> {
    for index in 0..planner.stream.docs.len() {
        // The text first: most documents do not name the resource, and their metadata is not
        // read again (pass 1 read it, and failed the run on an error in it).
        if (planner.taken)(index) || !planner.may_hold_any(index, &[GPU_RESOURCE]) {
            continue;
        }
        let Some(meta) = planner.stream.docs[index].meta_ref()? else {
            continue;
        };
        if !podspec::may_hold_pods(&meta.api_version, &meta.kind) {
            continue;
        }
        // Volumes, then each GPU container's mounts and env, in the order the direct edits write.
        for spec in planner.pod_specs(index)? {
            let doc = planner.doc(index)?;
            let gpu_containers: Vec<_> = podspec::containers(doc, &spec, true)
                .into_iter()
                .filter(|c| {
                    doc.at(&c.pointer)
                        .is_some_and(|v| podspec::uses_resource(v, GPU_RESOURCE))
                })
                .collect();
            if gpu_containers.is_empty() {
                continue;
            }
            for (volume, parameter) in &gpu.volumes {
                planner.edit(index, parameter, |doc| {
                    podspec::upsert_volume(doc, &spec, volume)
                })?;
            }
            for c in &gpu_containers {
                for (mount, parameter) in &gpu.mounts {
                    planner.edit(index, parameter, |doc| podspec::upsert_mount(doc, c, mount))?;
                }
                for (env, parameter) in &gpu.env {
                    planner.edit(index, parameter, |doc| {
                        podspec::upsert_env(doc, c, env, OnConflict::Error)
                    })?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use serde_json::json;

    fn gpu_values() -> serde_json::Value {
        json!({"dirs": {"nvidia": {"lib": "/usr/lib/nvidia-384", "bin": "/usr/lib/nvidia-384/bin",
            "libcuda": "/usr/lib/x86_64-linux-gnu/libcuda.so.1"}}})
    }

    #[test]
    fn chart_gets_volumes_read_only_mounts_and_keys() {
        let (_, docs) = run(gpu_values()).unwrap();
        let api = find(&docs, "Deployment", "rel-polyaxon-api");
        let spec = &api["spec"]["template"]["spec"];
        let mounts = spec["containers"][0]["volumeMounts"].as_array().unwrap();
        assert!(mounts.contains(
            &json!({"name": "nvidia-lib", "mountPath": "/usr/lib/nvidia-384", "readOnly": true})
        ));
        assert!(
            spec["containers"][1].get("volumeMounts").is_none(),
            "streams container untouched"
        );
        assert!(spec["volumes"].as_array().unwrap().contains(
            &json!({"name": "nvidia-bin", "hostPath": {"path": "/usr/lib/nvidia-384/bin"}})
        ));
        let ds = find(&docs, "DaemonSet", "rel-polyaxon-resources");
        assert_eq!(
            ds["spec"]["template"]["spec"]["volumes"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        let sched = find(&docs, "Deployment", "rel-polyaxon-scheduler");
        assert_eq!(
            sched["spec"]["template"]["spec"]["volumes"]
                .as_array()
                .unwrap()
                .len(),
            4
        );
        assert_eq!(
            cm_json(&docs, "POLYAXON_DIRS_NVIDIA")["libcuda"],
            "/usr/lib/x86_64-linux-gnu/libcuda.so.1"
        );
        let cm = find(&docs, "ConfigMap", "rel-polyaxon-config");
        assert_eq!(
            cm["data"]["LD_LIBRARY_PATH"],
            "/usr/lib/nvidia-384:/usr/lib/x86_64-linux-gnu/libcuda.so.1"
        );
        let redis = find(&docs, "Deployment", "rel-redis");
        assert!(
            redis["spec"]["template"]["spec"].get("volumes").is_none(),
            "chart profile: GPU rule is role-based"
        );
    }

    #[test]
    fn each_mount_path_falls_back_on_its_own() {
        let mut values = gpu_values();
        values["mountPaths"] = json!({"nvidia": {"lib": "/nv/lib"}});
        let (_, docs) = run(values).unwrap();
        let paths = cm_json(&docs, "POLYAXON_MOUNT_PATHS_NVIDIA");
        assert_eq!(
            paths,
            json!({"lib": "/nv/lib", "bin": "/usr/lib/nvidia-384/bin", "libcuda": "/usr/lib/x86_64-linux-gnu/libcuda.so.1"})
        );
        let cm = find(&docs, "ConfigMap", "rel-polyaxon-config");
        assert_eq!(
            cm["data"]["LD_LIBRARY_PATH"],
            "/nv/lib:/usr/lib/x86_64-linux-gnu/libcuda.so.1"
        );
    }

    #[test]
    fn partial_dirs_only_update_the_dirs_key() {
        let (plan, docs) = run(json!({"dirs": {"nvidia": {"lib": "/l"}}})).unwrap();
        assert_eq!(plan.patches.len(), 1, "only the ConfigMap");
        assert_eq!(
            cm_json(&docs, "POLYAXON_DIRS_NVIDIA"),
            json!({"bin": "", "lib": "/l", "libcuda": ""})
        );
    }

    #[test]
    fn generic_profile_injects_gpu_containers_only() {
        let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: train}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: gpu\n            resources: {limits: {nvidia.com/gpu: 1}}\n          - name: cpu\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: web\n";
        let (plan, docs) = run_on(text, gpu_values()).unwrap();
        assert_eq!(plan.patches.keys().copied().collect::<Vec<_>>(), [0]);
        let spec = &docs[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"];
        assert_eq!(spec["volumes"].as_array().unwrap().len(), 3);
        assert_eq!(
            spec["containers"][0]["volumeMounts"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        assert_eq!(spec["containers"][0]["env"][0]["name"], "LD_LIBRARY_PATH");
        assert!(spec["containers"][1].get("volumeMounts").is_none());
    }

    /// Issue 18: an init container asking for a GPU gets the injection; a container asking for
    /// zero does not.
    #[test]
    fn generic_profile_injects_init_containers_and_skips_zero_gpus() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers:\n  - name: warm\n    resources: {limits: {nvidia.com/gpu: 1}}\n  containers:\n  - name: none\n    resources: {limits: {nvidia.com/gpu: 0}}\n";
        let (plan, docs) = run_on(text, gpu_values()).unwrap();
        assert_eq!(plan.patches.keys().copied().collect::<Vec<_>>(), [0]);
        let spec = &docs[0]["spec"];
        assert_eq!(spec["volumes"].as_array().unwrap().len(), 3);
        let init = &spec["initContainers"][0];
        assert_eq!(init["volumeMounts"].as_array().unwrap().len(), 3);
        assert_eq!(init["env"][0]["name"], "LD_LIBRARY_PATH");
        assert!(spec["containers"][0].get("volumeMounts").is_none());
        let zero_only = text.replace("gpu: 1", "gpu: 0");
        let (plan, _) = run_on(&zero_only, gpu_values()).unwrap();
        assert!(plan.patches.is_empty());
    }

    #[test]
    fn generic_profile_conflicting_ld_library_path_is_an_error() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    resources: {limits: {nvidia.com/gpu: 1}}\n    env: [{name: LD_LIBRARY_PATH, value: /other}]\n";
        let err = run_on(text, gpu_values()).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        let crate::error::Error::Validation { findings, .. } = err else {
            panic!()
        };
        assert_eq!(findings[0].path, "dirs.nvidia");
        assert!(
            findings[0].message.contains("LD_LIBRARY_PATH"),
            "{}",
            findings[0].message
        );
    }
}
