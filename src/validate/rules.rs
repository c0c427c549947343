//! The remaining rules that relate values: the GPU directories, ingress TLS, the root user, the
//! host allow-list and the nfs provisioner's settings.

use serde_json::Value;

use super::{Ctx, NVIDIA};
use crate::report::Finding;
use crate::values::Values;

pub fn check(ctx: &mut Ctx<'_>) {
    gpu(ctx);
    ingress(ctx);
    user(ctx);
    allowed_hosts(ctx);
    nfs(ctx);
    node_selector_spellings(ctx);
}

/// The scheduling roles of `nodeSelector`/`nodeSelectors`.
pub const ROLES: [&str; 5] = ["core", "experiments", "jobs", "builds", "tensorboards"];

/// The reference spells the scheduling map `nodeSelector`, chart 0.4.2 `nodeSelectors`; both are
/// read. A role given both ways must say the same thing.
fn node_selector_spellings(ctx: &mut Ctx<'_>) {
    for role in ROLES {
        let given = |key: &str| ctx.get(&format!("/{key}/{role}")).filter(|v| !v.is_null());
        if let (Some(reference), Some(chart)) = (given("nodeSelector"), given("nodeSelectors"))
            && reference != chart
        {
            ctx.error(
                &format!("/nodeSelector/{role}"),
                format!(
                    "nodeSelector.{role} and nodeSelectors.{role} (the chart's spelling) differ"
                ),
                format!("keep one of them, or give both the same labels; nodeSelectors.{role} is the one chart 0.4.2 reads"),
            );
        }
    }
}

/// Under Helm 3 the hook Jobs never reach a post-renderer, so they get only what the chart renders,
/// and chart 0.4.2 reads `nodeSelectors.core`, not the reference's `nodeSelector.core`. `lint`
/// always says so (it cannot know the Helm version), the post-renderer when the stream is Helm 3's.
pub fn helm3_hooks(values: &Values) -> Vec<Finding> {
    let given = |pointer: &str| values.get(pointer).filter(|v| !is_empty(v));
    let reference = given("/nodeSelector/core");
    if reference.is_none() || given("/nodeSelectors/core") == reference {
        return Vec::new();
    }
    let finding = Finding::warning(
        "nodeSelector.core",
        values.origin("/nodeSelector/core"),
        "under Helm 3 the chart's hook Jobs will not get nodeSelector.core: Helm 3 does not \
         post-render hooks, and chart 0.4.2 reads only nodeSelectors.core",
    )
    .with_hint("write it as nodeSelectors.core (the chart's spelling), or install with Helm 4, which post-renders hooks");
    vec![finding]
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

/// Chart 0.4.2 mounts the GPU libraries only when all three host dirs are set.
fn gpu(ctx: &mut Ctx<'_>) {
    let set = ctx.nvidia_dirs();
    if !set.is_empty() && set.len() < NVIDIA.len() {
        let missing: Vec<&str> = NVIDIA.into_iter().filter(|k| !set.contains(k)).collect();
        ctx.error(
            "/dirs/nvidia",
            format!(
                "dirs.nvidia sets {} but not {}; chart 0.4.2 silently ignores a partial set",
                set.join(", "),
                missing.join(", ")
            ),
            "set all three of lib, bin and libcuda, or none",
        );
    }
    let mounts_set = NVIDIA
        .into_iter()
        .any(|k| ctx.text(&format!("/mountPaths/nvidia/{k}")).is_some());
    if mounts_set && set.len() < NVIDIA.len() {
        ctx.warning(
            "/mountPaths/nvidia",
            "mountPaths.nvidia has no effect without dirs.nvidia (lib, bin and libcuda)",
            "set dirs.nvidia too, or remove mountPaths.nvidia",
        );
    }
}

fn ingress(ctx: &mut Ctx<'_>) {
    let hosts = ctx
        .get("/ingress/tls/hosts")
        .and_then(Value::as_array)
        .is_some_and(|h| !h.is_empty());
    if ctx.is_true("/ingress/tls/enabled") && !hosts {
        ctx.error(
            "/ingress/tls/enabled",
            "ingress.tls.enabled needs ingress.tls.hosts",
            "list the host names the certificate covers under ingress.tls.hosts",
        );
    }
}

/// Compared, never shown: no message may contain a password.
fn user(ctx: &mut Ctx<'_>) {
    if ctx.text("/user/password") == Some("rootpassword") {
        ctx.warning(
            "/user/password",
            "user.password is the documented default password; anyone who read the docs can log in",
            "set your own password, or null to have Polyaxon generate one",
        );
    }
}

fn allowed_hosts(ctx: &mut Ctx<'_>) {
    let Some(Value::Array(hosts)) = ctx.get("/allowedHosts").cloned() else {
        return;
    };
    for (i, host) in hosts.iter().enumerate() {
        if host.as_str() == Some("*") {
            ctx.warning(
                &format!("/allowedHosts/{i}"),
                "\"*\" allows every host",
                "list the host names and addresses that reach the api",
            );
        }
    }
}

/// PVC settings without the provisioner are likely a forgotten `enabled: true`; with an explicit
/// `enabled: false` (as in the chart's own values.yaml) they are the chart's defaults kept.
fn nfs(ctx: &mut Ctx<'_>) {
    let configured = ctx.get("/nfsProvisioner/pvc").is_some_and(|v| !v.is_null());
    if configured && ctx.get("/nfsProvisioner/enabled").is_none() {
        ctx.warning(
            "/nfsProvisioner/pvc",
            "nfsProvisioner.pvc has no effect unless nfsProvisioner.enabled is true",
            "set nfsProvisioner.enabled: true, or remove nfsProvisioner.pvc",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::{finding_lines, validate};
    use crate::values::Values;
    use serde_json::json;

    #[test]
    fn partial_gpu_dirs() {
        let m = finding_lines(json!({"dirs": {"nvidia": {"lib": "/usr/lib/nvidia"}}}));
        assert_eq!(
            m,
            [
                "error dirs.nvidia: dirs.nvidia sets lib but not bin, libcuda; chart 0.4.2 silently ignores a partial set"
            ]
        );
    }

    #[test]
    fn tls_needs_hosts() {
        let m = finding_lines(json!({"ingress": {"tls": {"enabled": true}}}));
        assert_eq!(
            m,
            ["error ingress.tls.enabled: ingress.tls.enabled needs ingress.tls.hosts"]
        );
    }

    #[test]
    fn default_password_warns_without_showing_it() {
        let findings = validate(&Values::from_json(
            json!({"user": {"password": "rootpassword"}}),
        ));
        assert_eq!(findings.len(), 1);
        let all = format!("{} {}", findings[0].message, findings[0].hint);
        assert!(!all.contains("rootpassword"), "{all}");
    }

    #[test]
    fn gpu_mount_paths_need_the_dirs() {
        assert_eq!(
            finding_lines(json!({"mountPaths": {"nvidia": {"lib": "/nvidia/lib"}}})),
            [
                "warning mountPaths.nvidia: mountPaths.nvidia has no effect without dirs.nvidia (lib, bin and libcuda)"
            ]
        );
    }

    #[test]
    fn nfs_settings_need_the_provisioner() {
        let m = finding_lines(json!({"nfsProvisioner": {"pvc": {"logs": {"size": "5Gi"}}}}));
        assert_eq!(
            m,
            [
                "warning nfsProvisioner.pvc: nfsProvisioner.pvc has no effect unless nfsProvisioner.enabled is true"
            ]
        );
        let disabled =
            json!({"nfsProvisioner": {"enabled": false, "pvc": {"logs": {"size": "5Gi"}}}});
        assert!(finding_lines(disabled).is_empty());
        let on = json!({"nfsProvisioner": {"enabled": true, "pvc": {"logs": {"size": "5Gi"}}}});
        assert!(finding_lines(on).is_empty());
    }

    #[test]
    fn star_host_warns() {
        assert_eq!(
            finding_lines(json!({"allowedHosts": ["*"]})),
            ["warning allowedHosts[0]: \"*\" allows every host"]
        );
    }
}
