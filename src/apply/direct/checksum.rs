//! The `checksum/config` annotations of a workload nothing else edits, rewritten in its text
//! ([`rewrite`]) where the general path ([`crate::apply`]) would read, patch, write and read back
//! the whole document for a scalar or two. [`super`]'s conditions hold, each reference and
//! annotation is where the position tree shows it, and the scalar keeps its style.

use std::borrow::Cow;

use serde_json::{Value, json};

use super::{Pod, entry_at, lacks};
use crate::apply::CHECKSUM_CONFIG;
use crate::plan::TaggedOp;
use crate::podspec;
use crate::stream::tree::{Entry, Kind};
use crate::stream::{Document, fast, surgical};

/// The workload `doc` with its `checksum/config` annotations pointed at the hashes of the changed
/// ConfigMaps it references (`config_maps`: name and hash, in stream order), and the general path's
/// operations for that; `Some(None)` when nothing changes, `None` to leave it to the general path.
pub(crate) fn rewrite(
    doc: &Document<'_>,
    config_maps: &[(String, String)],
) -> Option<Option<(String, Vec<TaggedOp>)>> {
    let meta = doc.meta_ref().ok()??;
    if meta.kind == "StatefulSet" {
        return None;
    }
    let pointer = podspec::spec_pointer(&meta.api_version, &meta.kind)?;
    let text = doc.yaml();
    let root = fast::tree(text)?;
    let pod = Pod::read(text, &root, pointer)?;
    // By name, the last ConfigMap of that name, as the general path finds them.
    let mut referenced = Vec::new();
    for name in referenced_names(&pod)? {
        referenced.extend(config_maps.iter().rposition(|(n, _)| *n == name));
    }
    referenced.sort_unstable();
    referenced.dedup();
    // The annotations of the object and of its pod template (one place for a Pod).
    let template = pointer.strip_suffix("/spec").unwrap_or(pointer);
    let mut annotations = Vec::new();
    for object in std::iter::once("").chain(Some(template).filter(|t| !t.is_empty())) {
        let path = ["metadata", "annotations", CHECKSUM_CONFIG];
        let Some(entry) = entry_at(text, &root, object.split('/').skip(1).chain(path))? else {
            continue;
        };
        let pointer = podspec::join(&format!("{object}/metadata/annotations"), CHECKSUM_CONFIG);
        annotations.push((pointer, entry, fast::string_at(text, &entry.value)?));
    }
    // As the general path sets them: each referenced ConfigMap in stream order, the object's
    // annotation before the template's, an operation wherever the value changes.
    let mut ops: Vec<TaggedOp> = Vec::new();
    let mut current: Vec<Cow<'_, str>> = annotations.iter().map(|(_, _, v)| v.clone()).collect();
    for &i in &referenced {
        let hash = &config_maps[i].1;
        for ((pointer, _, _), value) in annotations.iter().zip(current.iter_mut()) {
            if *value != hash.as_str() {
                ops.push(TaggedOp {
                    op: podspec::replace(pointer, json!(hash)),
                    parameter: CHECKSUM_CONFIG.to_string(),
                });
                *value = Cow::Borrowed(hash.as_str());
            }
        }
    }
    let mut scalars = Vec::new();
    for ((_, entry, old), new) in annotations.iter().zip(&current) {
        if old != new {
            scalars.push((&entry.value, entry.colon, Value::String(new.to_string())));
        }
    }
    if scalars.is_empty() {
        return Some(None);
    }
    let text = surgical::replace_scalars(text, &scalars, doc.crlf())?;
    Some(Some((text, ops)))
}

/// The names `apply::config_map_names` gives, from the tree; `None` if one may be hidden from it.
fn referenced_names<'t>(pod: &Pod<'_, 't, '_>) -> Option<Vec<Cow<'t, str>>> {
    let text = pod.text;
    let mut names = Vec::new();
    let mut from_list = |map: &[Entry], list: &str, path: &[&str]| -> Option<()> {
        let Some(entry) = map.iter().find(|e| e.key(text) == list) else {
            return Some(());
        };
        let Kind::Seq(items) = &entry.value.kind else {
            return lacks(text, &entry.value, path[0]).then_some(());
        };
        for item in items {
            if let Some(entry) = entry_at(text, &item.value, path.iter().copied())? {
                names.push(fast::string_at(text, &entry.value)?);
            }
        }
        Some(())
    };
    for c in &pod.containers {
        from_list(c.map, "envFrom", &["configMapRef", "name"])?;
        from_list(c.map, "env", &["valueFrom", "configMapKeyRef", "name"])?;
    }
    from_list(pod.map, "volumes", &["configMap", "name"])?;
    Some(names)
}
