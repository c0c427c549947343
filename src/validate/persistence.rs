//! Rules across the persistence values: one source per volume, required mount paths, cloud
//! stores (bucket scheme, credentials), mount paths unique across every volume and the GPU
//! mounts, secret keys that would collide as env names, the nfs provisioner hand-over, and host
//! paths that expose the node.

use serde_json::{Map, Value};

use super::formats::normalise;
use super::{Ctx, NVIDIA};
use crate::report::Topic;
use crate::values::yaml::escape_pointer;

/// The volumes with chart defaults (`null` hands them to the nfs provisioner).
const BUILTIN: [(&str, &str); 3] = [
    ("logs", "/logs"),
    ("repos", "/repos"),
    ("upload", "/upload"),
];
/// Host paths that hand the node to whoever runs in the pod.
const SENSITIVE: [&str; 6] = [
    "/etc",
    "/proc",
    "/sys",
    "/root",
    "/var/run/docker.sock",
    "/run/docker.sock",
];

pub fn check(ctx: &mut Ctx<'_>) {
    let Some(Value::Object(persistence)) = ctx.get("/persistence").cloned() else {
        return;
    };
    for (kind, value) in &persistence {
        let pointer = format!("/persistence/{}", escape_pointer(kind));
        match (kind.as_str(), value) {
            ("enabled", _) => ctx.warning(
                &pointer,
                "persistence.enabled has no effect: chart 0.4.2 does not read it",
                "remove it; each volume (logs, repos, upload, data, outputs) is set on its own",
            ),
            (_, Value::Null) => nulled(ctx, kind, &pointer),
            ("data" | "outputs", _) => {
                for (p, entry) in named(&persistence, kind) {
                    volume(ctx, entry, &p, true);
                }
            }
            ("logs" | "repos" | "upload", Value::Object(entry)) => {
                volume(ctx, entry, &pointer, false)
            }
            _ => {}
        }
    }
    mount_paths(ctx, &persistence);
    secret_keys(ctx, &persistence);
}

/// The map volumes of `persistence.<kind>` (`data` or `outputs`), with their pointers, in order.
fn named<'m>(
    persistence: &'m Map<String, Value>,
    kind: &'m str,
) -> impl Iterator<Item = (String, &'m Map<String, Value>)> + 'm {
    let entries = persistence.get(kind).and_then(Value::as_object);
    entries
        .into_iter()
        .flatten()
        .filter_map(move |(name, entry)| {
            let pointer = format!("/persistence/{kind}/{}", escape_pointer(name));
            Some((pointer, entry.as_object()?))
        })
}

/// [`named`] of `data`, then of `outputs`.
fn data_and_outputs(
    persistence: &Map<String, Value>,
) -> impl Iterator<Item = (String, &Map<String, Value>)> {
    ["data", "outputs"]
        .into_iter()
        .flat_map(|kind| named(persistence, kind))
}

/// `persistence.X: null` is the reference's way to hand X to the nfs provisioner.
fn nulled(ctx: &mut Ctx<'_>, kind: &str, pointer: &str) {
    if !ctx.is_true("/nfsProvisioner/enabled") {
        ctx.error(
            pointer,
            format!("persistence.{kind} is null but nfsProvisioner.enabled is not true: nothing would provide the {kind} volume"),
            "set nfsProvisioner.enabled: true, or give the volume (existingClaim or hostPath)",
        );
    }
    if kind == "logs" {
        ctx.warning(
            pointer,
            "chart 0.4.2 fails to render persistence.logs: null (nil pointer in templates/partials/_stores.tpl)",
            "keep persistence.logs and hand only repos, upload, data and outputs to the provisioner",
        );
    }
}

fn text<'m>(entry: &'m Map<String, Value>, key: &str) -> Option<&'m str> {
    entry
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// One volume: its source, mount path, store settings and host path.
fn volume(ctx: &mut Ctx<'_>, entry: &Map<String, Value>, pointer: &str, named: bool) {
    let mut sources: Vec<&str> = ["existingClaim", "hostPath", "store"]
        .into_iter()
        .filter(|k| text(entry, k).is_some())
        .collect();
    // logs, repos and upload: the chart's values.yaml gives each a hostPath, and the chart takes
    // an existingClaim (or a store) over it, so a values file built on the chart's sets both.
    if !named && sources.len() > 1 {
        sources.retain(|s| *s != "hostPath");
    }
    if sources.len() > 1 {
        ctx.error(
            pointer,
            format!(
                "sets {}; a volume has exactly one source",
                sources.join(" and ")
            ),
            "keep one of existingClaim, hostPath and store",
        );
    } else if sources.is_empty() && named {
        ctx.error(
            pointer,
            "needs a source: one of existingClaim, hostPath or store",
            "e.g. existingClaim: my-pvc, or hostPath: /path/on/node",
        );
    }
    let is_store = text(entry, "store").is_some();
    if named && !is_store && text(entry, "mountPath").is_none() {
        ctx.error(
            pointer,
            "mountPath is required (unless the volume is a store)",
            "add mountPath: /some/path",
        );
    }
    if is_store {
        store(ctx, entry, pointer);
    }
    if let Some(host_path) = text(entry, "hostPath") {
        sensitive_host_path(ctx, host_path, &format!("{pointer}/hostPath"));
    }
}

fn store(ctx: &mut Ctx<'_>, entry: &Map<String, Value>, pointer: &str) {
    let kind = text(entry, "store").unwrap_or_default();
    let missing: Vec<&str> = ["bucket", "secret", "secretKey"]
        .into_iter()
        .filter(|k| text(entry, k).is_none())
        .collect();
    if !missing.is_empty() {
        ctx.error(
            pointer,
            format!("store {kind} needs {}", missing.join(", ")),
            "give bucket, secret (the Secret's name) and secretKey (the key in it)",
        );
    }
    let Some(bucket) = text(entry, "bucket") else {
        return;
    };
    let (ok, want) = match kind {
        "s3" => (has_name(bucket, "s3://"), "s3://<bucket>"),
        "gcs" => (has_name(bucket, "gs://"), "gs://<bucket>"),
        "azure" => (
            is_azure(bucket),
            "wasbs://<container>@<account>.blob.core.windows.net/",
        ),
        _ => return,
    };
    if !ok {
        ctx.error(
            &format!("{pointer}/bucket"),
            format!("bucket \"{bucket}\" does not match store {kind}"),
            format!("store {kind} takes a bucket written {want}"),
        );
    }
}

fn has_name(bucket: &str, scheme: &str) -> bool {
    bucket
        .strip_prefix(scheme)
        .is_some_and(|rest| !rest.trim_matches('/').is_empty())
}

fn is_azure(bucket: &str) -> bool {
    let rest = bucket
        .strip_prefix("wasbs://")
        .or_else(|| bucket.strip_prefix("wasb://"));
    let Some((container, host)) = rest.and_then(|r| r.split_once('@')) else {
        return false;
    };
    let account = host.split('/').next().unwrap_or_default();
    !container.is_empty()
        && account
            .strip_suffix(".blob.core.windows.net")
            .is_some_and(|a| !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn sensitive_host_path(ctx: &mut Ctx<'_>, path: &str, pointer: &str) {
    let normal = normalise(path);
    let hit = (normal == "/").then_some("/").or_else(|| {
        SENSITIVE
            .into_iter()
            .find(|s| normal == *s || is_inside(&normal, s))
    });
    if let Some(root) = hit {
        ctx.warning(
            pointer,
            format!("hostPath \"{path}\" exposes {root} of the node to Polyaxon's pods"),
            "use a dedicated directory for Polyaxon's data",
        );
        if let Some(finding) = ctx.findings.last_mut() {
            finding.topic = Topic::NodeExposure;
        }
    }
}

/// A mount in the containers: where, which parameter, and whether the user gave it. Listed
/// defaults first, then the GPU mounts, then the user's volumes, so that a clash is reported on
/// the later, user-given volume.
struct Mount {
    path: String,
    pointer: String,
    given: bool,
    gpu: bool,
}

fn mount_paths(ctx: &mut Ctx<'_>, persistence: &Map<String, Value>) {
    let mut mounts = builtin_mounts(persistence);
    mounts.extend(gpu_mounts(ctx));
    for (pointer, entry) in data_and_outputs(persistence) {
        if text(entry, "store").is_none()
            && let Some(path) = text(entry, "mountPath")
        {
            mounts.push(Mount {
                path: normalise(path),
                pointer: format!("{pointer}/mountPath"),
                given: true,
                gpu: false,
            });
        }
    }
    for j in 0..mounts.len() {
        for i in 0..j {
            compare(ctx, &mounts[i], &mounts[j]);
        }
    }
}

fn builtin_mounts(persistence: &Map<String, Value>) -> Vec<Mount> {
    let mut mounts: Vec<Mount> = BUILTIN
        .into_iter()
        .filter(|(kind, _)| !persistence.get(*kind).is_some_and(Value::is_null))
        .map(|(kind, default)| {
            let entry = persistence.get(kind).and_then(Value::as_object);
            let given = entry.and_then(|e| text(e, "mountPath"));
            Mount {
                path: normalise(given.unwrap_or(default)),
                pointer: format!("/persistence/{kind}/mountPath"),
                given: given.is_some(),
                gpu: false,
            }
        })
        .collect();
    mounts.sort_by_key(|m| m.given);
    mounts
}

/// The GPU library mounts, when all three host dirs are set (the chart mounts nothing otherwise).
fn gpu_mounts(ctx: &Ctx<'_>) -> Vec<Mount> {
    if ctx.nvidia_dirs().len() < NVIDIA.len() {
        return Vec::new();
    }
    NVIDIA
        .iter()
        .filter_map(|k| {
            let mount = format!("/mountPaths/nvidia/{k}");
            let dir = format!("/dirs/nvidia/{k}");
            let (pointer, path) = match ctx.text(&mount) {
                Some(p) => (mount, p),
                None => (dir.clone(), ctx.text(&dir)?),
            };
            Some(Mount {
                path: normalise(path),
                pointer,
                given: true,
                gpu: true,
            })
        })
        .collect()
}

fn compare(ctx: &mut Ctx<'_>, first: &Mount, second: &Mount) {
    if first.gpu && second.gpu {
        return;
    }
    let (at, other) = if second.given {
        (second, first)
    } else {
        (first, second)
    };
    let other_name = crate::values::yaml::pointer_to_path(&other.pointer);
    let default = if other.given { "" } else { " (its default)" };
    if first.path == second.path {
        ctx.error(
            &at.pointer,
            format!(
                "mount path \"{}\" is also used by {other_name}{default}",
                at.path
            ),
            "give every volume its own mount path",
        );
    } else if is_inside(&first.path, &second.path) || is_inside(&second.path, &first.path) {
        ctx.warning(
            &at.pointer,
            format!(
                "mount path \"{}\" is nested with {other_name} (\"{}\"){default}",
                at.path, other.path
            ),
            "one volume hides part of the other; use separate directories",
        );
    }
}

fn is_inside(inner: &str, outer: &str) -> bool {
    inner.starts_with(&format!("{}/", outer.trim_end_matches('/')))
}

/// The chart names an env var after each store's `secretKey`: one key, one secret.
fn secret_keys(ctx: &mut Ctx<'_>, persistence: &Map<String, Value>) {
    let mut seen: Vec<(String, String, String)> = Vec::new();
    for (pointer, entry) in stores(persistence) {
        let (Some(key), Some(secret)) = (text(entry, "secretKey"), text(entry, "secret")) else {
            continue;
        };
        if let Some((_, other_secret, other)) =
            seen.iter().find(|(k, s, _)| k == key && s != secret)
        {
            let other = crate::values::yaml::pointer_to_path(other);
            ctx.error(
                &format!("{pointer}/secretKey"),
                format!("secretKey \"{key}\" is also used by {other} with secret \"{other_secret}\""),
                "the chart names an env var after secretKey, so one key cannot come from two secrets; rename one secretKey",
            );
        }
        seen.push((key.to_string(), secret.to_string(), pointer));
    }
}

fn stores(persistence: &Map<String, Value>) -> impl Iterator<Item = (String, &Map<String, Value>)> {
    let logs = persistence.get("logs").and_then(Value::as_object);
    let logs = logs.map(|logs| ("/persistence/logs".to_string(), logs));
    logs.into_iter()
        .chain(data_and_outputs(persistence).filter(|(_, entry)| text(entry, "store").is_some()))
}

#[cfg(test)]
mod tests {
    use crate::validate::finding_lines;
    use serde_json::json;

    #[test]
    fn one_source_and_a_mount_path() {
        let m = finding_lines(json!({"persistence": {"data": {
            "a": {"mountPath": "/a", "hostPath": "/x", "existingClaim": "pvc"},
            "b": {"mountPath": "/b"},
            "c": {"hostPath": "/c"}
        }}}));
        assert_eq!(
            m,
            [
                "error persistence.data.a: sets existingClaim and hostPath; a volume has exactly one source",
                "error persistence.data.b: needs a source: one of existingClaim, hostPath or store",
                "error persistence.data.c: mountPath is required (unless the volume is a store)",
            ]
        );
    }

    #[test]
    fn stores_need_credentials_and_a_matching_bucket() {
        let m = finding_lines(json!({"persistence": {"outputs": {
            "a": {"store": "s3", "bucket": "gs://b", "secret": "s", "secretKey": "k"},
            "b": {"store": "gcs"},
            "c": {"store": "azure", "bucket": "wasbs://c@acct.blob.core.windows.net/", "secret": "s", "secretKey": "k"},
            "d": {"store": "azure", "bucket": "wasbs://c@acct.example.com/", "secret": "s", "secretKey": "k"}
        }}}));
        assert_eq!(
            m,
            [
                "error persistence.outputs.a.bucket: bucket \"gs://b\" does not match store s3",
                "error persistence.outputs.b: store gcs needs bucket, secret, secretKey",
                "error persistence.outputs.d.bucket: bucket \"wasbs://c@acct.example.com/\" does not match store azure",
            ]
        );
    }

    #[test]
    fn secret_key_from_two_secrets() {
        let m = finding_lines(json!({"persistence": {"outputs": {
            "a": {"store": "s3", "bucket": "s3://a", "secret": "one", "secretKey": "k"},
            "b": {"store": "gcs", "bucket": "gs://b", "secret": "two", "secretKey": "k"},
            "c": {"store": "gcs", "bucket": "gs://c", "secret": "one", "secretKey": "k"}
        }}}));
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].starts_with("error persistence.outputs.b.secretKey: secretKey \"k\" is also used by persistence.outputs.a"));
    }

    #[test]
    fn mount_paths_unique_and_not_nested() {
        let m = finding_lines(json!({"persistence": {
            "data": {"a": {"mountPath": "/logs", "hostPath": "/a"}, "b": {"mountPath": "/d/x", "hostPath": "/b"}},
            "outputs": {"c": {"mountPath": "/d", "existingClaim": "c"}}
        }}));
        assert_eq!(
            m,
            [
                "error persistence.data.a.mountPath: mount path \"/logs\" is also used by persistence.logs.mountPath (its default)",
                "warning persistence.outputs.c.mountPath: mount path \"/d\" is nested with persistence.data.b.mountPath (\"/d/x\")",
            ]
        );
    }

    #[test]
    fn gpu_mounts_clash_with_volumes_but_not_each_other() {
        let m = finding_lines(json!({
            "dirs": {"nvidia": {"lib": "/usr/lib/nvidia-384", "bin": "/usr/lib/nvidia-384/bin", "libcuda": "/usr/lib/x86_64-linux-gnu/libcuda.so.1"}},
            "persistence": {"data": {"a": {"mountPath": "/usr/lib/nvidia-384", "hostPath": "/a"}}}
        }));
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(
            m.iter().all(|m| m.contains("persistence.data.a.mountPath")),
            "{m:?}"
        );
    }

    #[test]
    fn nfs_hand_over() {
        let m = finding_lines(json!({"persistence": {"repos": null, "logs": null}}));
        assert_eq!(m.len(), 3, "{m:?}");
        let m = finding_lines(
            json!({"nfsProvisioner": {"enabled": true}, "persistence": {"repos": null}}),
        );
        assert!(m.is_empty(), "{m:?}");
    }

    #[test]
    fn sensitive_host_paths_warn() {
        let m = finding_lines(json!({"persistence": {"data": {
            "a": {"mountPath": "/a", "hostPath": "/etc/ssl"},
            "b": {"mountPath": "/b", "hostPath": "/var/run/docker.sock"},
            "c": {"mountPath": "/c", "hostPath": "/etcetera"}
        }}}));
        assert_eq!(m.len(), 2, "{m:?}");
    }
}
