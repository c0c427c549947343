//! One rule's edits to one document, as RFC 6902 operations applied as they are computed.
//!
//! Lists are edited entry by entry through [`crate::podspec`]. The rule's own `patch` is guarded so
//! that a second run changes nothing: an append (`/-`) is skipped when an equal entry is there, a
//! `remove` of a member already gone is skipped, and the operations that can never be repeated
//! safely (inserting or removing at a list index) are refused with the reason.

use std::collections::BTreeMap;

use json_patch::PatchOperation;
use serde_json::{Map, Value};

use super::{PatchStep, Rule};
use crate::podspec::{self, At, Conflict, Edit, OnConflict, PodSpecRef};

/// Why a rule could not be applied to a document.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// An entry exists with another definition (same volume name, same mount path).
    Conflict(Box<Conflict>),
    /// An operation of the rule's `patch` cannot apply.
    Patch { step: usize, reason: String },
    /// A list edit or the merge cannot apply: the document is shaped otherwise (`volumes: {}`).
    Edit(String),
}

struct Work<'d> {
    doc: &'d mut Value,
    ops: Vec<PatchOperation>,
}

impl Work<'_> {
    fn step(&mut self, compute: impl FnOnce(&Value) -> Edit) -> Result<(), Failure> {
        let ops = compute(self.doc).map_err(Failure::Conflict)?;
        json_patch::patch(self.doc, &ops).map_err(|e| Failure::Edit(e.to_string()))?;
        self.ops.extend(ops);
        Ok(())
    }
}

/// Apply `rule`'s edits to `doc` (which its selector matched); the operations applied.
pub fn apply(doc: &mut Value, rule: &Rule) -> Result<Vec<PatchOperation>, Failure> {
    let mut work = Work {
        doc,
        ops: Vec::new(),
    };
    let edits = &rule.edits;
    for spec in podspec::pod_specs(work.doc) {
        pod_spec(&mut work, rule, &spec)?;
    }
    metadata(&mut work, "/metadata", rule)?;
    if let Some(merge) = &edits.merge {
        let mut merged = work.doc.clone();
        json_patch::merge(&mut merged, merge);
        let ops = json_patch::diff(work.doc, &merged).0;
        work.step(|_| Ok(ops))?;
    }
    for (i, step) in edits.patch.iter().enumerate() {
        patch_step(&mut work, step).map_err(|reason| Failure::Patch { step: i, reason })?;
    }
    Ok(work.ops)
}

fn pod_spec(work: &mut Work<'_>, rule: &Rule, spec: &PodSpecRef) -> Result<(), Failure> {
    let edits = &rule.edits;
    for volume in &edits.volumes {
        work.step(|d| podspec::upsert_volume(d, spec, volume))?;
    }
    merge_strings(work, &spec.pointer, "nodeSelector", &edits.node_selector)?;
    for toleration in &edits.tolerations {
        work.step(|d| upsert_toleration(d, spec, toleration))?;
    }
    for c in rule.select.containers(work.doc, spec) {
        for mount in &edits.volume_mounts {
            work.step(|d| podspec::upsert_mount(d, &c, mount))?;
        }
        for env in &edits.env {
            work.step(|d| podspec::upsert_env(d, &c, env, OnConflict::Replace))?;
        }
        let list = podspec::join(&c.pointer, "envFrom");
        for entry in &edits.env_from {
            work.step(|d| add_unique(d, &list, entry))?;
        }
    }
    match spec.pointer.strip_suffix("/spec") {
        Some(template) if !template.is_empty() => {
            metadata(work, &format!("{template}/metadata"), rule)
        }
        _ => Ok(()),
    }
}

/// The rule's labels and annotations into the metadata at `pointer`.
fn metadata(work: &mut Work<'_>, pointer: &str, rule: &Rule) -> Result<(), Failure> {
    merge_strings(work, pointer, "labels", &rule.edits.labels)?;
    merge_strings(work, pointer, "annotations", &rule.edits.annotations)
}

/// `map` deep-merged into the map `field` of the object at `pointer` (nothing when empty).
fn merge_strings(
    work: &mut Work<'_>,
    pointer: &str,
    field: &str,
    map: &BTreeMap<String, String>,
) -> Result<(), Failure> {
    if map.is_empty() {
        return Ok(());
    }
    let at = podspec::join(pointer, field);
    let map: Map<String, Value> = map
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    work.step(|d| podspec::merge_map(d, &at, &Value::Object(map)))
}

/// Tolerations are identified by `key` and `effect` (one taint key may come with several effects).
fn upsert_toleration(doc: &Value, spec: &PodSpecRef, toleration: &Value) -> Edit {
    let list = podspec::join(&spec.pointer, "tolerations");
    let mut ops = podspec::ensure(doc, &list, Value::Array(Vec::new()))?;
    let identity = |t: &Value| (t.get("key").cloned(), t.get("effect").cloned());
    let entries = doc.at(&list).and_then(Value::as_array);
    let found = entries
        .into_iter()
        .flatten()
        .position(|t| identity(t) == identity(toleration));
    match found {
        None => ops.push(podspec::add(&format!("{list}/-"), toleration.clone())),
        Some(i) if entries.is_some_and(|e| e[i] != *toleration) => {
            ops.push(podspec::replace(&format!("{list}/{i}"), toleration.clone()));
        }
        Some(_) => {}
    }
    Ok(ops)
}

/// Append `entry` to the list at `list` unless an equal entry is there (`envFrom` has no key).
fn add_unique(doc: &Value, list: &str, entry: &Value) -> Edit {
    let mut ops = podspec::ensure(doc, list, Value::Array(Vec::new()))?;
    let present = doc
        .at(list)
        .and_then(Value::as_array)
        .is_some_and(|items| items.contains(entry));
    if !present {
        ops.push(podspec::add(&format!("{list}/-"), entry.clone()));
    }
    Ok(ops)
}

/// One operation of the rule's `patch`, guarded for idempotence, then applied.
fn patch_step(work: &mut Work<'_>, step: &PatchStep) -> Result<(), String> {
    if skip(work.doc, &step.op)? {
        return Ok(());
    }
    let op = std::slice::from_ref(&step.op);
    if json_patch::patch(work.doc, op).is_err() {
        return Err(diagnose(work.doc, &step.op));
    }
    work.ops.push(step.op.clone());
    Ok(())
}

/// Whether the operation has already been applied (skip it), or an error if it is not idempotent.
fn skip(doc: &Value, op: &PatchOperation) -> Result<bool, String> {
    let path = op.path().as_str();
    let (parent, last) = split(path);
    let in_list = doc.at(parent).is_some_and(Value::is_array);
    match op {
        PatchOperation::Add(add) if in_list => append_done(doc, parent, &last, &add.value),
        PatchOperation::Copy(copy) if in_list => match doc.at(copy.from.as_str()) {
            Some(value) => append_done(doc, parent, &last, value),
            None => Ok(false),
        },
        PatchOperation::Remove(_) if in_list => Err(not_idempotent("removes entry", path)),
        PatchOperation::Remove(_) => Ok(doc.at(parent).is_some() && doc.at(path).is_none()),
        PatchOperation::Move(mv) => {
            let (from_parent, _) = split(mv.from.as_str());
            if in_list || doc.at(from_parent).is_some_and(Value::is_array) {
                return Err(not_idempotent("moves a list entry at", path));
            }
            Ok(doc.at(mv.from.as_str()).is_none() && doc.at(path).is_some())
        }
        _ => Ok(false),
    }
}

fn append_done(doc: &Value, list: &str, last: &str, value: &Value) -> Result<bool, String> {
    if last != "-" {
        return Err(not_idempotent("inserts at", &format!("{list}/{last}")));
    }
    Ok(doc
        .at(list)
        .and_then(Value::as_array)
        .is_some_and(|items| items.contains(value)))
}

fn not_idempotent(what: &str, path: &str) -> String {
    format!(
        "it {what} {path}, an index in a list: a second run would do it again to another \
         entry. Append with `/-` (skipped when an equal entry is there), `replace` the entry, or \
         use the rule's list edits (volumes, env, ...), which work by name"
    )
}

/// `/a/b/c` → (`/a/b`, `c`), the last token unescaped.
fn split(path: &str) -> (&str, String) {
    match path.rfind('/') {
        Some(cut) => (
            &path[..cut],
            path[cut + 1..].replace("~1", "/").replace("~0", "~"),
        ),
        None => ("", String::new()),
    }
}

/// Why an operation could not apply: the first part of its path that is not in the document.
fn diagnose(doc: &Value, op: &PatchOperation) -> String {
    if let PatchOperation::Test(_) = op {
        return format!(
            "the value at {} is not the one the `test` expects",
            op.path()
        );
    }
    let path = op.path().as_str();
    let (from, target) = match op {
        PatchOperation::Move(m) => (Some(m.from.as_str()), split(path).0),
        PatchOperation::Copy(c) => (Some(c.from.as_str()), split(path).0),
        PatchOperation::Add(_) => (None, split(path).0),
        _ => (None, path),
    };
    let missing_from = from.filter(|from| doc.at(from).is_none());
    missing(doc, missing_from.unwrap_or(target))
}

fn missing(doc: &Value, pointer: &str) -> String {
    let mut at = String::new();
    let mut node = doc;
    for token in pointer.split('/').skip(1) {
        let name = token.replace("~1", "/").replace("~0", "~");
        let next = match node {
            Value::Object(map) => map.get(&name),
            Value::Array(items) => name.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        let Some(next) = next else {
            return absent(node, &at, &name);
        };
        at = format!("{at}/{token}");
        node = next;
    }
    format!("{pointer} cannot take this operation")
}

fn absent(node: &Value, at: &str, name: &str) -> String {
    let at = if at.is_empty() { "the document" } else { at };
    match node {
        Value::Array(items) => format!(
            "{at} is a list of {} entries; it has no entry {name}",
            items.len()
        ),
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            let near = crate::validate::suggest(name, keys)
                .map(|k| format!(" (did you mean \"{k}\"?)"))
                .unwrap_or_default();
            format!("{at} has no member \"{name}\"{near}")
        }
        other => format!(
            "{at} is {}, not a map or a list",
            crate::values::yaml::kind_name(other)
        ),
    }
}
