//! Pod specs inside Kubernetes objects, and the edits every injection is made of.
//!
//! Workloads hold their pod spec at different depths ([`spec_pointer`]; a `kind: List` holds
//! objects under `/items`), so every rule starts from [`pod_specs`]. The edits, RFC 6902 operations
//! computed against the document as it is now, add or replace list entries by key
//! ([`upsert_by_key`]) and deep-merge maps. They never replace a whole list (that would drop the
//! chart's own entries), create a missing list before appending (`add` to `/-` fails on a missing
//! array), leave an equal entry alone, and report one defined differently as a [`Conflict`] unless
//! the caller says the new definition wins. Nothing here knows about Polyaxon.

use json_patch::jsonptr::PointerBuf;
use json_patch::{AddOperation, PatchOperation, RemoveOperation, ReplaceOperation};
use serde_json::{Map, Value};

/// A pod spec found in an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSpecRef {
    /// JSON pointer of the pod spec within the document (`/spec/template/spec`).
    pub pointer: String,
    /// JSON pointer of the object holding it (`""`, or `/items/3` inside a `List`).
    pub object: String,
    /// The kind of the object holding it.
    pub kind: String,
}

/// A container of a pod spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerRef {
    /// JSON pointer of the container (`/spec/template/spec/containers/0`).
    pub pointer: String,
    pub name: String,
}

/// An entry that exists with another definition than the one asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// JSON pointer of the existing entry or value.
    pub pointer: String,
    /// What is in conflict: `volume "nvidia-lib"`, `mountPath "/outputs"`, `env "TZ"`.
    pub what: String,
    pub existing: Value,
    pub wanted: Value,
}

impl std::fmt::Display for Conflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} already exists at {} as {} but the values ask for {}",
            self.what,
            self.pointer,
            compact(&self.existing),
            compact(&self.wanted)
        )
    }
}

/// A value as one line of JSON, for messages.
pub(crate) fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Operations computed against a document, or the [`Conflict`] (boxed: it is large and rare).
pub type Edit = Result<Vec<PatchOperation>, Box<Conflict>>;

/// What to do when an entry with the same key has another definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnConflict {
    /// The existing definition was not ours to change: report a [`Conflict`].
    Error,
    /// The parameter owns this entry: replace it.
    Replace,
    /// Mounts: replace when only `readOnly` differs, else report a [`Conflict`].
    ReadOnlyOnly,
}

/// The API groups each pod-bearing kind lives in, and where its pod spec is.
const POD_BEARING: &[(&str, &[&str], &str)] = &[
    ("Pod", &["v1"], "/spec"),
    ("PodTemplate", &["v1"], "/template/spec"),
    ("ReplicationController", &["v1"], "/spec/template/spec"),
    ("Deployment", APPS, "/spec/template/spec"),
    ("StatefulSet", APPS, "/spec/template/spec"),
    ("DaemonSet", APPS, "/spec/template/spec"),
    ("ReplicaSet", APPS, "/spec/template/spec"),
    ("Job", &["batch/v1"], "/spec/template/spec"),
    (
        "CronJob",
        &["batch/v1", "batch/v1beta1", "batch/v2alpha1"],
        "/spec/jobTemplate/spec/template/spec",
    ),
];

const APPS: &[&str] = &[
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "extensions/v1beta1",
];

/// Where the pod spec of an object of this `apiVersion` and `kind` is, if it has one.
pub fn spec_pointer(api_version: &str, kind: &str) -> Option<&'static str> {
    POD_BEARING
        .iter()
        .find(|(k, groups, _)| *k == kind && groups.contains(&api_version))
        .map(|(_, _, pointer)| *pointer)
}

/// The kinds that hold a pod spec, by name (in any of their API groups).
pub fn pod_bearing_kinds() -> impl Iterator<Item = &'static str> {
    POD_BEARING.iter().map(|(kind, _, _)| *kind)
}

/// Whether an object of this kind can hold a pod spec (directly or, for `List`, in its items).
pub fn may_hold_pods(api_version: &str, kind: &str) -> bool {
    kind == "List" || spec_pointer(api_version, kind).is_some()
}

/// Every pod spec in a document, including those of the items of a `kind: List`.
pub fn pod_specs(value: &Value) -> Vec<PodSpecRef> {
    let mut found = Vec::new();
    collect_specs(value, "", &mut found);
    found
}

fn collect_specs(value: &Value, object: &str, found: &mut Vec<PodSpecRef>) {
    let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or_default();
    let kind = text("kind");
    if kind == "List" {
        for (i, item) in value
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            collect_specs(item, &format!("{object}/items/{i}"), found);
        }
        return;
    }
    let Some(spec) = spec_pointer(text("apiVersion"), kind) else {
        return;
    };
    if value.at(spec).is_some_and(Value::is_object) {
        found.push(PodSpecRef {
            pointer: format!("{object}{spec}"),
            object: object.to_string(),
            kind: kind.to_string(),
        });
    }
}

/// The containers of a pod spec, then, with `init`, its init containers.
pub fn containers(doc: &Value, spec: &PodSpecRef, init: bool) -> Vec<ContainerRef> {
    let mut all = listed(doc, spec, "containers");
    if init {
        all.extend(listed(doc, spec, "initContainers"));
    }
    all
}

/// The entries of a pod spec's container list `field`, each with its pointer and name.
fn listed(doc: &Value, spec: &PodSpecRef, field: &str) -> Vec<ContainerRef> {
    let list = join(&spec.pointer, field);
    let Some(items) = doc.at(&list).and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .map(|(i, c)| ContainerRef {
            pointer: format!("{list}/{i}"),
            name: c
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        })
        .collect()
}

/// Whether a container requests or limits more than zero of the resource `name` (`nvidia.com/gpu`).
pub fn uses_resource(container: &Value, name: &str) -> bool {
    ["requests", "limits"].iter().any(|kind| {
        container
            .get("resources")
            .and_then(|r| r.get(kind))
            .and_then(|r| r.get(name))
            .is_some_and(is_positive_quantity)
    })
}

/// Whether a Kubernetes quantity (a number, or a string such as `"2"`, `"500m"`, `"1k"`) is
/// more than zero: its leading number holds a digit other than 0 and no minus sign.
pub fn is_positive_quantity(quantity: &Value) -> bool {
    match quantity {
        Value::Number(n) => n.as_f64().is_some_and(|n| n > 0.0),
        Value::String(text) => {
            let text = text.trim();
            let text = text.strip_prefix('+').unwrap_or(text);
            text.bytes()
                .take_while(|b| b.is_ascii_digit() || *b == b'.')
                .any(|b| (b'1'..=b'9').contains(&b))
        }
        _ => false,
    }
}

/// `base` + `/token`, with the token escaped as RFC 6901 requires (`checksum/config`).
pub fn join(base: &str, token: &str) -> String {
    if !token.contains(['~', '/']) {
        return format!("{base}/{token}");
    }
    format!("{base}/{}", token.replace('~', "~0").replace('/', "~1"))
}

/// JSON pointer lookup ([`Value::pointer`], RFC 6901) without an allocation per token: every
/// edit looks its lists up by pointer, several times per document.
pub trait At {
    /// The value at `pointer`, as [`Value::pointer`] finds it.
    fn at(&self, pointer: &str) -> Option<&Value>;
}

impl At for Value {
    fn at(&self, pointer: &str) -> Option<&Value> {
        if pointer.is_empty() {
            return Some(self);
        }
        let tokens = pointer.strip_prefix('/')?;
        let mut target = self;
        for token in tokens.split('/') {
            let unescaped;
            let token = if token.contains('~') {
                unescaped = token.replace("~1", "/").replace("~0", "~");
                unescaped.as_str()
            } else {
                token
            };
            target = match target {
                Value::Object(map) => map.get(token)?,
                Value::Array(list) => list.get(array_index(token)?)?,
                _ => return None,
            };
        }
        Some(target)
    }
}

/// An array index as RFC 6901 writes one (no sign, no leading zero), as serde_json reads it.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.starts_with('0') && token.len() != 1) {
        return None;
    }
    token.parse().ok()
}

fn pointer_buf(path: &str) -> PointerBuf {
    PointerBuf::parse(path).unwrap_or_else(|_| PointerBuf::from_tokens(path.split('/').skip(1)))
}

/// An `add` operation (creates, or replaces an existing member of an object).
pub fn add(path: &str, value: Value) -> PatchOperation {
    PatchOperation::Add(AddOperation {
        path: pointer_buf(path),
        value,
    })
}

pub fn replace(path: &str, value: Value) -> PatchOperation {
    PatchOperation::Replace(ReplaceOperation {
        path: pointer_buf(path),
        value,
    })
}

pub fn remove(path: &str) -> PatchOperation {
    PatchOperation::Remove(RemoveOperation {
        path: pointer_buf(path),
    })
}

/// The operations that make `pointer` exist with `empty` (`[]` or `{}`) if it is missing or
/// null, creating missing parent objects too. A parent that is not an object is a conflict.
pub fn ensure(doc: &Value, pointer: &str, empty: Value) -> Edit {
    match doc.at(pointer) {
        Some(Value::Null) => return Ok(vec![add(pointer, empty)]),
        Some(existing) if std::mem::discriminant(existing) == std::mem::discriminant(&empty) => {
            return Ok(Vec::new());
        }
        Some(existing) => {
            return Err(Box::new(Conflict {
                pointer: pointer.to_string(),
                what: "a field of another type".to_string(),
                existing: existing.clone(),
                wanted: empty,
            }));
        }
        None => {}
    }
    let Some(cut) = pointer.rfind('/') else {
        return Ok(Vec::new());
    };
    let mut ops = ensure(doc, &pointer[..cut], Value::Object(Map::new()))?;
    ops.push(add(pointer, empty));
    Ok(ops)
}

/// Add `item` to the list at `list` unless an entry with the same `key` field is there: the first
/// such entry is kept when equal, else handled per `on_conflict`; later ones (a duplicate the chart
/// rendered) are removed when equal to `item` or owned ([`OnConflict::Replace`]), else a conflict.
pub fn upsert_by_key(
    doc: &Value,
    list: &str,
    key: &str,
    item: &Value,
    on_conflict: OnConflict,
) -> Edit {
    let mut ops = ensure(doc, list, Value::Array(Vec::new()))?;
    let wanted_key = item.get(key);
    let entries = doc
        .at(list)
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let matches: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].get(key) == wanted_key)
        .collect();
    let Some((&first, rest)) = matches.split_first() else {
        ops.push(add(&format!("{list}/-"), item.clone()));
        return Ok(ops);
    };
    let conflict = |i: usize| Conflict {
        pointer: format!("{list}/{i}"),
        what: format!(
            "{} {}",
            entry_kind(list, key),
            compact(wanted_key.unwrap_or(&Value::Null))
        ),
        existing: entries[i].clone(),
        wanted: item.clone(),
    };
    if entries[first] != *item {
        if !may_replace(&entries[first], item, on_conflict) {
            return Err(Box::new(conflict(first)));
        }
        ops.push(replace(&format!("{list}/{first}"), item.clone()));
    }
    for &i in rest.iter().rev() {
        if entries[i] != *item && on_conflict != OnConflict::Replace {
            return Err(Box::new(conflict(i)));
        }
        ops.push(remove(&format!("{list}/{i}")));
    }
    Ok(ops)
}

/// `volume`, `mount path`, `env`… for messages, from the list's field name.
fn entry_kind<'k>(list: &str, key: &'k str) -> &'k str {
    match list.rsplit('/').next() {
        Some("volumes") => "volume",
        Some("volumeMounts") => "mount path",
        Some("env") => "env",
        Some("httpHeaders") => "header",
        _ => key,
    }
}

fn may_replace(existing: &Value, wanted: &Value, on_conflict: OnConflict) -> bool {
    match on_conflict {
        OnConflict::Error => false,
        OnConflict::Replace => true,
        OnConflict::ReadOnlyOnly => without(existing, "readOnly") == without(wanted, "readOnly"),
    }
}

fn without(value: &Value, field: &str) -> Value {
    let mut value = value.clone();
    if let Some(map) = value.as_object_mut() {
        map.remove(field);
    }
    value
}

/// Add or replace a volume (by `name`) in a pod spec; another definition is a conflict.
pub fn upsert_volume(doc: &Value, spec: &PodSpecRef, volume: &Value) -> Edit {
    upsert_by_key(
        doc,
        &join(&spec.pointer, "volumes"),
        "name",
        volume,
        OnConflict::Error,
    )
}

/// Add or replace a volume mount (by `mountPath`) in a container, per [`OnConflict::ReadOnlyOnly`].
pub fn upsert_mount(doc: &Value, container: &ContainerRef, mount: &Value) -> Edit {
    let list = join(&container.pointer, "volumeMounts");
    upsert_by_key(doc, &list, "mountPath", mount, OnConflict::ReadOnlyOnly)
}

/// Add or replace an env entry (by `name`) in a container.
pub fn upsert_env(
    doc: &Value,
    container: &ContainerRef,
    env: &Value,
    on_conflict: OnConflict,
) -> Edit {
    upsert_by_key(
        doc,
        &join(&container.pointer, "env"),
        "name",
        env,
        on_conflict,
    )
}

/// Remove every entry of the list at `list` equal to `item`.
pub fn remove_equal(doc: &Value, list: &str, item: &Value) -> Vec<PatchOperation> {
    let Some(entries) = doc.at(list).and_then(Value::as_array) else {
        return Vec::new();
    };
    let equal = (0..entries.len()).rev().filter(|&i| entries[i] == *item);
    equal.map(|i| remove(&format!("{list}/{i}"))).collect()
}

/// Set `pointer` to `value` (creating parents) unless it already holds exactly that.
pub fn set(doc: &Value, pointer: &str, value: &Value) -> Edit {
    if doc.at(pointer) == Some(value) {
        return Ok(Vec::new());
    }
    let mut ops = match pointer.rfind('/') {
        Some(cut) => ensure(doc, &pointer[..cut], Value::Object(Map::new()))?,
        None => Vec::new(),
    };
    ops.push(add(pointer, value.clone()));
    Ok(ops)
}

/// Remove `pointer` if it exists.
pub fn unset(doc: &Value, pointer: &str) -> Vec<PatchOperation> {
    match doc.at(pointer) {
        Some(_) => vec![remove(pointer)],
        None => Vec::new(),
    }
}

/// Deep-merge the map `overlay` into the map at `pointer`, as Helm coalesces values: maps merge
/// key by key, anything else replaces, and a `null` deletes the key.
pub fn merge_map(doc: &Value, pointer: &str, overlay: &Value) -> Edit {
    let Some(overlay) = overlay.as_object() else {
        return set(doc, pointer, overlay);
    };
    let mut ops = ensure(doc, pointer, Value::Object(Map::new()))?;
    let existing = doc.at(pointer).and_then(Value::as_object);
    for (key, value) in overlay {
        let path = join(pointer, key);
        let current = existing.and_then(|m| m.get(key));
        match (current, value) {
            (Some(_), Value::Null) => ops.push(remove(&path)),
            (None, Value::Null) => {}
            (Some(Value::Object(_)), Value::Object(_)) => ops.extend(merge_map(doc, &path, value)?),
            (Some(current), value) if current == value => {}
            (_, value) => ops.push(add(&path, without_nulls(value))),
        }
    }
    Ok(ops)
}

/// A value with the `null` members of its maps dropped (Helm drops them when coalescing).
pub fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_finds_what_value_pointer_finds() {
        let doc = serde_json::json!({
            "a": {"b/c": [1, {"d~e": 2, "": 3}], "0": "zero"},
            "": {"": 4},
            "l": [[5], 6]
        });
        for pointer in [
            "",
            "/",
            "//",
            "/a",
            "/a/b~1c",
            "/a/b~1c/0",
            "/a/b~1c/1/d~0e",
            "/a/b~1c/1/",
            "/a/b~1c/01",
            "/a/b~1c/+1",
            "/a/b~1c/-",
            "/a/b~1c/2",
            "/a/0",
            "/l/0/0",
            "/l/1/x",
            "a",
            "/a/b/c",
            "/a/b~2c",
            "/~1",
            "/l/00",
            "/l/1.0",
            "/l/18446744073709551616",
        ] {
            assert_eq!(doc.at(pointer), doc.pointer(pointer), "{pointer:?}");
        }
    }
    use serde_json::json;

    fn apply(doc: &Value, ops: Vec<PatchOperation>) -> Value {
        let mut doc = doc.clone();
        json_patch::patch(&mut doc, &ops).unwrap();
        doc
    }

    fn workload(api_version: &str, kind: &str) -> Value {
        let pod = json!({"containers": [{"name": "c"}]});
        let spec = spec_pointer(api_version, kind).unwrap();
        let mut doc = json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}});
        let ops = set(&doc, spec, &pod).unwrap();
        doc = apply(&doc, ops);
        doc
    }

    #[test]
    fn every_pod_bearing_kind_has_its_spec_found() {
        let cases = [
            ("v1", "Pod", "/spec"),
            ("v1", "PodTemplate", "/template/spec"),
            ("v1", "ReplicationController", "/spec/template/spec"),
            ("apps/v1", "Deployment", "/spec/template/spec"),
            ("apps/v1beta1", "Deployment", "/spec/template/spec"),
            ("apps/v1beta2", "StatefulSet", "/spec/template/spec"),
            ("extensions/v1beta1", "DaemonSet", "/spec/template/spec"),
            ("extensions/v1beta1", "ReplicaSet", "/spec/template/spec"),
            ("batch/v1", "Job", "/spec/template/spec"),
            (
                "batch/v1",
                "CronJob",
                "/spec/jobTemplate/spec/template/spec",
            ),
            (
                "batch/v1beta1",
                "CronJob",
                "/spec/jobTemplate/spec/template/spec",
            ),
        ];
        for (api_version, kind, pointer) in cases {
            let doc = workload(api_version, kind);
            let specs = pod_specs(&doc);
            assert_eq!(specs.len(), 1, "{kind}");
            assert_eq!(specs[0].pointer, pointer, "{kind}");
            assert_eq!(
                containers(&doc, &specs[0], false)[0].pointer,
                format!("{pointer}/containers/0")
            );
        }
    }

    #[test]
    fn other_groups_and_kinds_hold_no_pods() {
        assert!(spec_pointer("example.com/v1", "Deployment").is_none());
        assert!(spec_pointer("v1", "ConfigMap").is_none());
        assert!(pod_specs(&json!({"apiVersion": "v1", "kind": "Service", "spec": {}})).is_empty());
    }

    #[test]
    fn list_items_are_searched() {
        let list = json!({"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "v1", "kind": "ConfigMap"},
            workload("apps/v1", "Deployment"),
        ]});
        let specs = pod_specs(&list);
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].pointer, "/items/1/spec/template/spec");
        assert_eq!(specs[0].object, "/items/1");
    }

    #[test]
    fn upsert_creates_the_missing_list_then_appends() {
        let doc = workload("apps/v1", "Deployment");
        let spec = &pod_specs(&doc)[0];
        let volume = json!({"name": "v", "emptyDir": {}});
        let ops = upsert_volume(&doc, spec, &volume).unwrap();
        assert_eq!(ops.len(), 2);
        let doc = apply(&doc, ops);
        assert_eq!(doc.pointer("/spec/template/spec/volumes/0"), Some(&volume));
        assert!(
            upsert_volume(&doc, spec, &volume).unwrap().is_empty(),
            "same definition: no-op"
        );
    }

    #[test]
    fn null_list_is_replaced_by_an_empty_one() {
        let doc = json!({"kind": "Pod", "apiVersion": "v1", "spec": {"volumes": null}});
        let spec = &pod_specs(&doc)[0];
        let doc = apply(
            &doc,
            upsert_volume(&doc, spec, &json!({"name": "v"})).unwrap(),
        );
        assert_eq!(doc["spec"]["volumes"], json!([{"name": "v"}]));
    }

    #[test]
    fn a_different_definition_is_a_conflict() {
        let doc = json!({"kind": "Pod", "apiVersion": "v1", "spec": {"volumes": [{"name": "v", "emptyDir": {}}]}});
        let spec = &pod_specs(&doc)[0];
        let err = upsert_volume(
            &doc,
            spec,
            &json!({"name": "v", "hostPath": {"path": "/x"}}),
        )
        .unwrap_err();
        assert_eq!(err.pointer, "/spec/volumes/0");
        assert!(err.to_string().contains("volume \"v\""), "{err}");
    }

    #[test]
    fn mounts_update_read_only_but_conflict_on_another_volume() {
        let doc = json!({"kind": "Pod", "apiVersion": "v1", "spec": {"containers": [
            {"name": "c", "volumeMounts": [{"mountPath": "/m", "name": "v"}]}]}});
        let spec = &pod_specs(&doc)[0];
        let c = &containers(&doc, spec, false)[0];
        let ro = json!({"name": "v", "mountPath": "/m", "readOnly": true});
        let out = apply(&doc, upsert_mount(&doc, c, &ro).unwrap());
        assert_eq!(
            out.pointer("/spec/containers/0/volumeMounts"),
            Some(&json!([ro]))
        );
        let other = json!({"name": "w", "mountPath": "/m"});
        assert!(upsert_mount(&doc, c, &other).is_err());
    }

    #[test]
    fn equal_duplicates_are_collapsed_and_owned_entries_replaced() {
        let e = json!({"name": "K", "value": "1"});
        let doc = json!({"kind": "Pod", "apiVersion": "v1", "spec": {"containers": [
            {"name": "c", "env": [e, {"name": "A"}, e, e]}]}});
        let spec = &pod_specs(&doc)[0];
        let c = &containers(&doc, spec, false)[0];
        let out = apply(&doc, upsert_env(&doc, c, &e, OnConflict::Error).unwrap());
        assert_eq!(
            out["spec"]["containers"][0]["env"],
            json!([e, {"name": "A"}])
        );
        let new = json!({"name": "K", "value": "2"});
        assert!(upsert_env(&doc, c, &new, OnConflict::Error).is_err());
        let out = apply(
            &doc,
            upsert_env(&doc, c, &new, OnConflict::Replace).unwrap(),
        );
        assert_eq!(
            out["spec"]["containers"][0]["env"],
            json!([new, {"name": "A"}])
        );
    }

    #[test]
    fn merge_map_deep_merges_and_deletes_nulls() {
        let doc = json!({"a": {"keep": 1, "sub": {"x": 1}, "gone": 2}});
        let overlay = json!({"sub": {"y": 2}, "gone": null, "new": {"z": null, "w": 3}});
        let out = apply(&doc, merge_map(&doc, "/a", &overlay).unwrap());
        assert_eq!(
            out,
            json!({"a": {"keep": 1, "sub": {"x": 1, "y": 2}, "new": {"w": 3}}})
        );
        assert!(
            merge_map(&out, "/a", &overlay).unwrap().is_empty(),
            "idempotent"
        );
        let missing = json!({});
        let out = apply(
            &missing,
            merge_map(&missing, "/b/c", &json!({"k": "v"})).unwrap(),
        );
        assert_eq!(out, json!({"b": {"c": {"k": "v"}}}));
    }

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(
            join("/metadata/annotations", "checksum/config"),
            "/metadata/annotations/checksum~1config"
        );
        let doc = json!({"metadata": {"annotations": {"checksum/config": "a"}}});
        let out = apply(
            &doc,
            set(
                &doc,
                &join("/metadata/annotations", "checksum/config"),
                &json!("b"),
            )
            .unwrap(),
        );
        assert_eq!(out["metadata"]["annotations"]["checksum/config"], "b");
    }

    #[test]
    fn gpu_containers_are_recognised() {
        assert!(uses_resource(
            &json!({"resources": {"limits": {"nvidia.com/gpu": 1}}}),
            "nvidia.com/gpu"
        ));
        assert!(uses_resource(
            &json!({"resources": {"requests": {"nvidia.com/gpu": "1"}}}),
            "nvidia.com/gpu"
        ));
        assert!(!uses_resource(
            &json!({"resources": {"limits": {"cpu": 1}}}),
            "nvidia.com/gpu"
        ));
        for zero in [
            json!(0),
            json!("0"),
            json!(0.0),
            json!("0k"),
            json!("-1"),
            json!(null),
        ] {
            assert!(
                !uses_resource(
                    &json!({"resources": {"limits": {"nvidia.com/gpu": zero}}}),
                    "nvidia.com/gpu"
                ),
                "{zero}"
            );
        }
        for some in [
            json!(2),
            json!("1"),
            json!("+1"),
            json!("500m"),
            json!("0.5"),
        ] {
            assert!(
                uses_resource(
                    &json!({"resources": {"requests": {"nvidia.com/gpu": some}}}),
                    "nvidia.com/gpu"
                ),
                "{some}"
            );
        }
    }

    proptest::proptest! {
        /// Whatever the chart rendered, an owned upsert leaves exactly the wanted entry once,
        /// keeps every other entry, and a second upsert has nothing left to do.
        #[test]
        fn owned_upserts_converge(
            names in proptest::collection::vec(0u8..4, 0..8),
            values in proptest::collection::vec(0u8..2, 8),
        ) {
            let env: Vec<Value> = names
                .iter()
                .zip(&values)
                .map(|(n, v)| json!({"name": format!("N{n}"), "value": v.to_string()}))
                .collect();
            let doc = json!({"kind": "Pod", "apiVersion": "v1", "spec": {"containers": [{"name": "c", "env": env}]}});
            let spec = &pod_specs(&doc)[0];
            let c = &containers(&doc, spec, false)[0];
            let wanted = json!({"name": "N0", "value": "x"});
            let once = apply(&doc, upsert_env(&doc, c, &wanted, OnConflict::Replace).unwrap());
            let after = once["spec"]["containers"][0]["env"].as_array().unwrap();
            proptest::prop_assert_eq!(after.iter().filter(|e| e["name"] == "N0").count(), 1);
            proptest::prop_assert!(after.contains(&wanted));
            let others = |list: &[Value]| list.iter().filter(|e| e["name"] != "N0").cloned().collect::<Vec<_>>();
            proptest::prop_assert_eq!(others(after), others(&env));
            proptest::prop_assert!(upsert_env(&once, c, &wanted, OnConflict::Replace).unwrap().is_empty());
        }
    }
}
