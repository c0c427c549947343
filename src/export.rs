//! `polyaxon-pr export kustomize`: the injection as kustomize patches, for the tools that accept
//! only kustomize as a post-renderer (Flux's `spec.postRenderers[].kustomize.patches`) or that
//! render with kustomize anyway.
//!
//! Each changed document becomes one RFC 6902 patch (the very operations polyaxon-pr applies, in
//! order, checksum updates included) with its `target`. Helm hooks are left out, and listed in the
//! header comment: a kustomize post-renderer under Helm 3 semantics (Flux) never sees them, and
//! kustomize silently ignores a patch whose target matches nothing, which would hide the gap.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::error::Result;
use crate::plan::TaggedOp;
use crate::stream::{Meta, emit};

/// The kustomize patches of the `changed` documents (one window's, by stream index; `patches`:
/// their operations) as items of a YAML `patches:` list, and the hooks left out (`Kind/name`).
pub fn patch_items(
    changed: &BTreeMap<usize, Value>,
    patches: &BTreeMap<usize, Vec<TaggedOp>>,
) -> Result<(String, Vec<String>)> {
    let mut items = String::new();
    let mut hooks = Vec::new();
    for (&index, ops) in patches {
        let Some(value) = changed.get(&index) else {
            continue;
        };
        let meta = Meta::of(value);
        if meta.is_hook() {
            hooks.push(format!("{}/{}", meta.kind, meta.name));
            continue;
        }
        let ops: Vec<_> = ops.iter().map(|tagged| &tagged.op).collect();
        let ops = serde_json::to_value(ops)
            .map_err(|e| crate::error::Error::input(format!("cannot write a patch: {e}")))?;
        let patch = json!({
            "target": target(&meta),
            "patch": emit::to_yaml(&ops)?,
        });
        // One item of the list: its lines as the whole list writes them.
        let list = emit::to_yaml(&json!({ "patches": [patch] }))?;
        items.push_str(list.split_once('\n').map_or("", |(_, item)| item));
    }
    Ok((items, hooks))
}

/// The start of the kustomization fragment for a stream of `documents` documents: the header
/// and the `patches:` key, the [`patch_items`] of every window following it.
pub fn head(documents: usize, hooks: &[String], empty: bool) -> String {
    let mut text = format!(
        "# polyaxon-pr export kustomize: the injection into {documents} documents as kustomize \
         patches\n# (a kustomization.yaml `patches:` list; Flux: \
         spec.postRenderers[].kustomize.patches).\n"
    );
    if !hooks.is_empty() {
        text.push_str(&format!(
            "# Not exported (Helm hooks, which a kustomize post-renderer does not see): {}\n",
            hooks.join(", ")
        ));
    }
    text.push_str(if empty { "patches: []\n" } else { "patches:\n" });
    text
}

/// A kustomize patch target: the object's group, version, kind, name (and namespace when set).
fn target(meta: &Meta) -> Value {
    let (group, version) = match meta.api_version.split_once('/') {
        Some((group, version)) => (group, version),
        None => ("", meta.api_version.as_str()),
    };
    let mut target = Map::new();
    if !group.is_empty() {
        target.insert("group".to_string(), json!(group));
    }
    target.insert("version".to_string(), json!(version));
    target.insert("kind".to_string(), json!(meta.kind));
    target.insert("name".to_string(), json!(meta.name));
    if !meta.namespace.is_empty() {
        target.insert("namespace".to_string(), json!(meta.namespace));
    }
    Value::Object(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_group_version_kind_name_and_namespace() {
        let meta = Meta::of(&json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "polyaxon"}
        }));
        assert_eq!(
            target(&meta),
            json!({"group": "apps", "version": "v1", "kind": "Deployment", "name": "api",
                   "namespace": "polyaxon"})
        );
        let core = Meta::of(&json!({"apiVersion": "v1", "kind": "ConfigMap",
                                    "metadata": {"name": "c"}}));
        assert_eq!(
            target(&core),
            json!({"version": "v1", "kind": "ConfigMap", "name": "c"})
        );
    }

    #[test]
    fn the_header_lists_the_hooks_left_out() {
        assert!(!head(1, &[], false).contains("Not exported"));
        let with_hooks = head(1, &["Job/polyaxon-sync-db".to_string()], false);
        assert!(
            with_hooks.contains("Not exported (Helm hooks"),
            "{with_hooks}"
        );
        assert!(with_hooks.contains("Job/polyaxon-sync-db"));
    }

    /// Items written one at a time make the list the whole list would be.
    #[test]
    fn items_one_at_a_time_are_the_whole_list() {
        let patches = [
            json!({"target": {"kind": "A", "name": "a"}, "patch": "- op: add\n  path: /x\n"}),
            json!({"target": {"kind": "B", "name": "b"}, "patch": "- op: remove\n  path: /y\n"}),
        ];
        let whole = emit::to_yaml(&json!({ "patches": patches })).unwrap();
        let mut items = String::from("patches:\n");
        for patch in &patches {
            let one = emit::to_yaml(&json!({ "patches": [patch] })).unwrap();
            items.push_str(one.split_once('\n').unwrap().1);
        }
        assert_eq!(items, whole);
    }
}
