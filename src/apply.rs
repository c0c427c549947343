//! Apply the plan: patch each document, recompute the `checksum/config` annotations of the
//! workloads that use a changed ConfigMap, and check every patched workload.
//!
//! A document whose patch leaves it as it was is not "changed": the writer puts its original bytes
//! back. The chart's `checksum/config` rolls pods when the ConfigMap changes on `helm upgrade`; a
//! post-render change would leave it stale, so every such annotation on a workload that references
//! the ConfigMap (`config_map_names`) is set to the sha256 of the patched ConfigMap's canonical
//! YAML (`stream::emit::to_yaml` of its value), not of the bytes the minimal-edit writer emits: a
//! formatting-only difference never rolls pods.

pub(crate) mod direct;
#[cfg(any(test, fuzzing))]
/// For the `direct_edits` fuzz target: the direct edits held to the general path.
pub use direct::{Compared, compare as compare_direct_edits};

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::checks;
use crate::error::{Error, Result};
use crate::overlay::{self, Overlays, Tally};
use crate::plan::{self, Plan, TaggedOp};
use crate::podspec::{self, At};
use crate::profile::{ChartProfile, Choice};
use crate::report::{Finding, Origin};
use crate::stream::{Document, Stream, emit};
use crate::values::Values;

/// The annotation the chart uses to roll pods when its ConfigMap changes.
pub const CHECKSUM_CONFIG: &str = "checksum/config";

/// The patched documents (`drafts`: the plan's and the overlays' working copies, patches applied)
/// that differ from what the chart rendered; the others' patches are dropped.
fn changed_documents(
    stream: &Stream<'_>,
    drafts: BTreeMap<usize, Value>,
    patches: &mut BTreeMap<usize, Vec<TaggedOp>>,
) -> Result<BTreeMap<usize, Value>> {
    let mut changed = BTreeMap::new();
    for (index, value) in drafts {
        if !patches.contains_key(&index) {
            continue;
        }
        let Some(original) = stream.docs[index].value()? else {
            continue;
        };
        if !crate::stream::surgical::same(&value, original) {
            changed.insert(index, value);
        }
    }
    patches.retain(|index, _| changed.contains_key(index));
    Ok(changed)
}

/// The changed ConfigMaps among `changed`, in stream order: index, name and the sha256 of the
/// patched ConfigMap's canonical YAML (also the driver's ConfigMap pass, on a window's part).
pub(crate) fn changed_config_maps(
    changed: &BTreeMap<usize, Value>,
) -> Result<Vec<(usize, String, String)>> {
    let mut out = Vec::new();
    for (&index, value) in changed {
        if value["kind"] == "ConfigMap" {
            let name = value["metadata"]["name"].as_str().unwrap_or_default();
            out.push((index, name.to_string(), sha256_hex(&emit::to_yaml(value)?)));
        }
    }
    Ok(out)
}

/// Point the workloads' `checksum/config` at the changed ConfigMaps: `changed`'s, or `known` in a
/// window of a bigger stream (all the stream changes). A workload nothing else changed is rewritten
/// in its text where certain (`direct`: [`direct::checksum`]), else on the general path.
fn recompute_checksums(
    stream: &Stream<'_>,
    changed: &mut BTreeMap<usize, Value>,
    patches: &mut BTreeMap<usize, Vec<TaggedOp>>,
    known: Option<&[(String, String)]>,
    mut direct: Option<&mut BTreeMap<usize, String>>,
) -> Result<()> {
    let config_maps = match known {
        Some(known) => known.to_vec(),
        None => changed_config_maps(changed)?
            .into_iter()
            .map(|(_, name, hash)| (name, hash))
            .collect(),
    };
    if config_maps.is_empty() {
        return Ok(());
    }
    // Each workload is read once however many ConfigMaps changed (many releases change one each).
    let order: HashMap<&str, usize> = config_maps
        .iter()
        .enumerate()
        .map(|(i, (name, _))| (name.as_str(), i))
        .collect();
    for doc in &stream.docs {
        let Some(meta) = doc.meta_ref()? else {
            continue;
        };
        if !podspec::may_hold_pods(&meta.api_version, &meta.kind) {
            continue;
        }
        let ops = match changed.get(&doc.index) {
            Some(v) => checksum_ops(v, &config_maps, &order),
            // Not parsed when its text names no changed ConfigMap (`may_reference`).
            None if !may_reference(doc, &config_maps) => continue,
            None => {
                let rewritten = match direct.as_deref_mut() {
                    Some(texts) if !texts.contains_key(&doc.index) => {
                        direct::checksum::rewrite(doc, &config_maps).map(|done| (texts, done))
                    }
                    _ => None,
                };
                match rewritten {
                    Some((_, None)) => continue,
                    Some((texts, Some((text, ops)))) => {
                        texts.insert(doc.index, text);
                        patches.insert(doc.index, ops);
                        continue;
                    }
                    None => doc
                        .value()?
                        .map_or_else(Vec::new, |v| checksum_ops(v, &config_maps, &order)),
                }
            }
        };
        if ops.is_empty() {
            continue;
        }
        let value = match changed.entry(doc.index) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => entry.insert(doc.value()?.cloned().unwrap_or_default()),
        };
        json_patch::patch(value, &ops)
            .map_err(|e| Error::input(format!("{}: {e}", doc.source())))?;
        let tagged = ops.into_iter().map(|op| TaggedOp {
            op,
            parameter: CHECKSUM_CONFIG.to_string(),
        });
        patches.entry(doc.index).or_default().extend(tagged);
    }
    Ok(())
}

/// Whether a workload's text may reference one of the changed `config_maps` (by name; more
/// than [`NAMES_LOOKED_FOR`] of them, whether it names any ConfigMap).
fn may_reference(doc: &Document<'_>, config_maps: &[(String, String)]) -> bool {
    doc.may_hold("configMap")
        && (config_maps.len() > NAMES_LOOKED_FOR
            || config_maps.iter().any(|(name, _)| doc.may_hold(name)))
}

const NAMES_LOOKED_FOR: usize = 8;

/// The operations that point a workload's `checksum/config` annotations at the new hash of each
/// changed ConfigMap (`config_maps`, in stream order; `order` finds one by name) its pods
/// reference: one after the other in that order, as each would set them.
fn checksum_ops(
    doc: &Value,
    config_maps: &[(String, String)],
    order: &HashMap<&str, usize>,
) -> Vec<json_patch::PatchOperation> {
    let mut ops = Vec::new();
    for spec in podspec::pod_specs(doc) {
        let Some(pod) = doc.at(&spec.pointer) else {
            continue;
        };
        let mut referenced: Vec<usize> = config_map_names(pod)
            .filter_map(|name| order.get(name).copied())
            .collect();
        referenced.sort_unstable();
        referenced.dedup();
        let template = spec.pointer.strip_suffix("/spec").unwrap_or(&spec.pointer);
        let mut current: BTreeMap<String, Value> = BTreeMap::new();
        for i in referenced {
            let hash = json!(config_maps[i].1);
            for object in [spec.object.as_str(), template] {
                let pointer =
                    podspec::join(&format!("{object}/metadata/annotations"), CHECKSUM_CONFIG);
                let existing = current.get(&pointer).or_else(|| doc.at(&pointer));
                if existing.is_some_and(|existing| *existing != hash) {
                    ops.push(podspec::replace(&pointer, hash.clone()));
                    current.insert(pointer, hash.clone());
                }
            }
        }
    }
    ops.dedup_by(|a, b| a.path() == b.path() && a == b);
    ops
}

/// The ConfigMap names a pod spec references: `envFrom`, `configMapKeyRef`, `configMap` volumes.
fn config_map_names(pod: &Value) -> impl Iterator<Item = &str> {
    let containers = ["containers", "initContainers"]
        .into_iter()
        .filter_map(|list| pod.get(list).and_then(Value::as_array))
        .flatten();
    let from_containers = containers.flat_map(|c| {
        let from = c
            .get("envFrom")
            .and_then(Value::as_array)
            .into_iter()
            .flatten();
        let env = c.get("env").and_then(Value::as_array).into_iter().flatten();
        from.filter_map(|f| f.at("/configMapRef/name"))
            .chain(env.filter_map(|e| e.at("/valueFrom/configMapKeyRef/name")))
    });
    let volumes = pod
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    from_containers
        .chain(volumes.filter_map(|v| v.at("/configMap/name")))
        .filter_map(Value::as_str)
}

/// sha256 as lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn check_changed(stream: &Stream<'_>, changed: &BTreeMap<usize, Value>) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for (&index, patched) in changed {
        let doc = &stream.docs[index];
        if let Some(original) = doc.value()? {
            findings.extend(checks::check(original, patched, &doc.origin()));
        }
    }
    Ok(findings)
}

/// What one window of a bigger stream takes from the rest of it ([`crate::driver`]).
pub(crate) struct Context<'c> {
    /// The whole stream's choice, its targets restricted to the documents the window holds.
    pub choice: &'c Choice,
    /// What the window writes, reports and counts; the rest (the chart's ConfigMap) is context.
    pub own: &'c dyn Fn(usize) -> bool,
    /// Pass 1's hint for a held document, by window index (see [`direct::edit_window`]).
    pub hints: &'c dyn Fn(usize) -> Option<Option<direct::Hint>>,
    pub pass: &'c Pass<'c>,
}

/// What every window of one of the driver's passes shares.
pub(crate) struct Pass<'c> {
    /// Whether this is the first window: findings about no document in particular (a value
    /// without effect) are the same in every window and kept from the first only.
    pub first: bool,
    /// Every ConfigMap the whole stream changes, in stream order (name, hash); `None` to take
    /// those of the window itself (the driver's ConfigMap pass).
    pub config_maps: Option<&'c [(String, String)]>,
    /// The overlay rules whose nearest document and hooks to find ([`Tally`]).
    pub sweep: &'c BTreeSet<usize>,
    /// Whether overlay rules may edit directly ([`direct`]): not in an export or ConfigMap pass.
    pub direct: bool,
    /// The generic profile's GPU injection (`None`: the chart profile, or no `dirs.nvidia`).
    pub gpu: Option<&'c plan::gpu::Generic>,
    /// The direct edits' units (`None`: nothing is edited directly, as when `direct` is false).
    pub units: Option<&'c direct::Direct<'c>>,
}

/// One window's results, for the driver to add up as one run of the whole stream would have
/// reported them (see [`crate::driver`] for the order of precedence).
#[derive(Debug, Default)]
pub(crate) struct Part {
    /// The plan's findings and their stages: on own documents, and in the first window on none.
    pub plan_findings: Vec<(usize, Finding)>,
    /// The plan found conflicts: nothing later ran.
    pub plan_failed: bool,
    /// An input error of the overlay stage: nothing later ran.
    pub overlay_error: Option<Error>,
    /// What the overlay rules did to the window's own documents.
    pub tally: Tally,
    /// An input error after the overlays.
    pub late_error: Option<Error>,
    /// The window's own changed documents and their operations.
    pub changed: BTreeMap<usize, Value>,
    pub patches: BTreeMap<usize, Vec<TaggedOp>>,
    /// The window's own documents the overlay rules edited directly ([`direct`]): their new
    /// text (body and trailer). They are not in `changed`, and have no findings.
    pub direct: BTreeMap<usize, String>,
    /// The output checks' findings on the window's own changed documents.
    pub check_findings: Vec<Finding>,
}

/// Every stage on one window, the whole stream's facts from `ctx`; nothing is judged (the driver
/// fails the run once every window is in). An error is an input error of the plan stage.
pub(crate) fn inject_part(
    stream: &Stream<'_>,
    values: &Values,
    profile: &ChartProfile,
    overlays: &Overlays,
    ctx: &Context<'_>,
) -> Result<Part> {
    let mut part = Part::default();
    // The direct edits first: the documents they take, the plan leaves alone.
    let direct::Edited {
        texts: mut rewritten,
        untouched,
        matched,
        ops: direct_ops,
    } = match (ctx.pass.units, ctx.pass.config_maps) {
        (Some(units), Some(known)) => direct::edit_window(
            stream,
            &plan::reserved(stream, ctx.choice)?,
            units,
            ctx.own,
            known,
            ctx.hints,
        ),
        _ => Default::default(),
    };
    let taken = |index: usize| rewritten.contains_key(&index) || untouched.contains(&index);
    let staged = plan::plan(stream, values, profile, ctx.choice, ctx.pass.gpu, &taken)?;
    let (plan, findings) = match staged.plan {
        Ok(Plan {
            patches,
            drafts,
            findings,
        }) => (Some((patches, drafts)), findings),
        Err(Error::Validation { findings, .. }) => (None, findings),
        Err(other) => return Err(other),
    };
    // A finding on a document the window holds only as context is its own window's to report.
    let foreign: BTreeSet<usize> = stream
        .docs
        .iter()
        .filter(|d| !d.is_empty() && !(ctx.own)(d.index))
        .map(|d| d.chunk.body_line)
        .collect();
    part.plan_findings = staged
        .stages
        .into_iter()
        .zip(findings)
        .filter(|(_, f)| match &f.origin {
            Origin::Document { line, .. } => !foreign.contains(line),
            _ => ctx.pass.first,
        })
        .collect();
    let Some((mut patches, drafts)) = plan else {
        part.plan_failed = true;
        return Ok(part);
    };
    let extended = overlay::extend_plan(
        stream,
        &mut patches,
        drafts,
        overlays,
        ctx.own,
        ctx.pass.sweep,
        &matched,
    );
    let drafts = match extended {
        Ok((drafts, tally)) => {
            part.tally = tally;
            drafts
        }
        Err(err) => {
            part.overlay_error = Some(err);
            return Ok(part);
        }
    };
    let late = (|| -> Result<_> {
        let mut changed = changed_documents(stream, drafts, &mut patches)?;
        let texts = ctx.pass.direct.then_some(&mut rewritten);
        recompute_checksums(
            stream,
            &mut changed,
            &mut patches,
            ctx.pass.config_maps,
            texts,
        )?;
        changed.retain(|&index, _| (ctx.own)(index));
        patches.retain(|&index, _| (ctx.own)(index));
        rewritten.retain(|&index, _| (ctx.own)(index));
        let findings = check_changed(stream, &changed)?;
        Ok((changed, findings))
    })();
    match late {
        Ok((changed, findings)) => {
            part.changed = changed;
            patches.extend(direct_ops);
            part.patches = patches;
            part.direct = rewritten;
            part.check_findings = findings;
        }
        Err(err) => part.late_error = Some(err),
    }
    Ok(part)
}

/// `--explain`: per changed document (`patches`: the operations behind each, by stream index),
/// each operation and the parameter behind it. Values in Secrets are masked.
pub fn explain(stream: &Stream<'_>, patches: &BTreeMap<usize, Vec<TaggedOp>>) -> Result<String> {
    let mut out = String::new();
    for (&index, ops) in patches {
        let doc = &stream.docs[index];
        let meta = doc.meta()?.unwrap_or_default();
        let _ = writeln!(out, "# {} {} ({})", meta.kind, meta.name, doc.source());
        for tagged in ops {
            let _ = writeln!(
                out,
                "  {}  <- {}",
                describe_op(&tagged.op, meta.kind == "Secret"),
                tagged.parameter
            );
        }
    }
    Ok(out)
}

fn describe_op(op: &json_patch::PatchOperation, secret: bool) -> String {
    use json_patch::PatchOperation as Op;
    let value = |v: &Value| {
        if secret {
            "<masked>".to_string()
        } else {
            serde_json::to_string(v).unwrap_or_default()
        }
    };
    match op {
        Op::Add(a) => format!("add {} {}", a.path, value(&a.value)),
        Op::Replace(r) => format!("replace {} {}", r.path, value(&r.value)),
        Op::Remove(r) => format!("remove {}", r.path),
        Op::Test(t) => format!("test {} {}", t.path, value(&t.value)),
        Op::Move(m) => format!("move {} -> {}", m.from, m.path),
        Op::Copy(c) => format!("copy {} -> {}", c.from, c.path),
    }
}

#[cfg(any(test, fuzzing))]
/// For the tests and the `checksums` fuzz target: with every ConfigMap of `text` changed, the
/// direct rewrite ([`direct::checksum`]) of the workloads' `checksum/config` held to the general
/// path's output, operations and findings. How many documents it took, `Ok(None)` when the stream
/// does not read, `Err` for a disagreement.
pub fn compare_checksums(text: &str) -> std::result::Result<Option<usize>, String> {
    let Ok(stream) = Stream::read(text) else {
        return Ok(None);
    };
    let mut changed = BTreeMap::new();
    for doc in &stream.docs {
        let value = match doc.value() {
            Ok(Some(value)) => value,
            Ok(None) => continue,
            Err(_) => return Ok(None),
        };
        if value["kind"] == "ConfigMap" && value.is_object() {
            let mut value = value.clone();
            value["data"] = json!({"k": format!("changed {}", doc.index)});
            changed.insert(doc.index, value);
        }
    }
    let run = |direct: bool| -> Result<_> {
        let (mut changed, mut patches, mut texts) =
            (changed.clone(), BTreeMap::new(), BTreeMap::new());
        let to = direct.then_some(&mut texts);
        recompute_checksums(&stream, &mut changed, &mut patches, None, to)?;
        let findings = check_changed(&stream, &changed)?;
        let taken = texts.len();
        let out = emit::write_own(&stream, &changed, texts, &|_| true, false)?;
        Ok((out, patches, findings, taken))
    };
    let (general, direct) = match (run(false), run(true)) {
        (Ok(general), Ok(direct)) => (general, direct),
        (Err(_), Err(_)) => return Ok(None),
        _ => return Err("one way fails, the other does not".to_string()),
    };
    if direct.0 != general.0 {
        return Err(format!(
            "output:\n--- direct\n{}\n--- general\n{}",
            direct.0, general.0
        ));
    }
    if direct.1 != general.1 {
        return Err(format!("operations:\n{:?}\n{:?}", direct.1, general.1));
    }
    if direct.2 != general.2 {
        return Err(format!("findings:\n{:?}\n{:?}", direct.2, general.2));
    }
    Ok(Some(direct.3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_workloads_naming_a_changed_config_map_are_read() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: new\n\
            ---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\nspec:\n  template:\n    \
            spec:\n      volumes:\n      - name: c\n        configMap:\n          name: unrelated\n\
            ---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: user\nspec:\n  template:\n    \
            metadata:\n      annotations:\n        checksum/config: old\n    spec:\n      volumes:\n      \
            - name: c\n        configMap:\n          name: cm\n";
        let stream = Stream::read(text).unwrap();
        let mut changed =
            BTreeMap::from([(0, json!({"kind": "ConfigMap", "metadata": {"name": "cm"}}))]);
        let mut patches = BTreeMap::new();
        recompute_checksums(&stream, &mut changed, &mut patches, None, None).unwrap();
        assert_eq!(changed.keys().copied().collect::<Vec<_>>(), [0, 2]);
        assert!(
            !stream.docs[1].is_parsed(),
            "a workload naming another ConfigMap was read"
        );
        let many: Vec<(String, String)> = (0..=NAMES_LOOKED_FOR)
            .map(|i| (format!("cm{i}"), String::new()))
            .collect();
        assert!(may_reference(&stream.docs[1], &many));
        assert!(!may_reference(&stream.docs[1], &many[..1]));
    }

    fn checksums_both_ways(text: &str) -> usize {
        compare_checksums(text).unwrap().unwrap()
    }

    #[test]
    fn checksums_rewritten_in_the_text_are_the_general_paths() {
        let polyaxon = include_str!("../tests/fixtures/polyaxon-0.4.2/helm3/defaults.yaml");
        assert!(checksums_both_ways(polyaxon) >= 5);
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: v\n";
        let deployment = |annotation: &str, refs: &str| {
            format!(
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  \
                 annotations:\n    checksum/config: {annotation}\nspec:\n  template:\n    \
                 metadata:\n      annotations:\n        checksum/config: {annotation}\n    \
                 spec:\n      containers:\n      - name: c\n{refs}"
            )
        };
        let env = "        env:\n        - name: A\n          valueFrom:\n            \
                   configMapKeyRef:\n              name: cm\n              key: k\n";
        let flow = "        env:\n        - name: A\n          valueFrom: {configMapKeyRef: \
                    {name: cm, key: k}}\n";
        let twice = "        env:\n        - name: A\n          value: x\n        - name: A\n          \
                     value: y\n        envFrom:\n        - configMapRef:\n            name: cm\n";
        for (annotation, refs, taken) in [
            ("old", env, 1),
            ("'old' # a comment", env, 1),
            ("\"old\"", env, 1),
            (
                "old",
                "        envFrom:\n        - configMapRef:\n            name: cm\n",
                1,
            ),
            ("old", flow, 0),
            (
                "old",
                "        envFrom:\n        - configMapRef: {name: cm}\n",
                0,
            ),
            (
                "old",
                "        env:\n        - name: A\n          valueFrom: {fieldRef: {fieldPath: x}}\n        \
                 envFrom:\n        - configMapRef:\n            name: cm\n",
                1,
            ),
            ("1234", env, 0),
            ("old", twice, 0),
            ("old", "        image: x\n", 0),
        ] {
            let text = format!("{cm}{}", deployment(annotation, refs));
            assert_eq!(checksums_both_ways(&text), taken, "{text}");
        }
        // Two changed ConfigMaps, one by env and one by a volume: the later one's hash wins.
        let both = format!(
            "{cm}---\n{}{}",
            cm.replace("name: cm", "name: cm2"),
            deployment(
                "old",
                &format!(
                    "{env}      volumes:\n      - name: v\n        configMap:\n          name: cm2\n"
                )
            )
        );
        assert_eq!(checksums_both_ways(&both), 1);
        // A volume, a Pod (one set of annotations), a CronJob.
        let pod = format!(
            "{cm}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    \
             checksum/config: old\nspec:\n  containers:\n  - name: c\n  volumes:\n  - name: v\n    \
             configMap:\n      name: cm\n"
        );
        assert_eq!(checksums_both_ways(&pod), 1);
        let cron = format!(
            "{cm}---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: j\nspec:\n  \
             jobTemplate:\n    spec:\n      template:\n        metadata:\n          annotations:\n            \
             checksum/config: old\n        spec:\n          containers:\n          - name: c\n            \
             envFrom:\n            - configMapRef:\n                name: cm\n"
        );
        assert_eq!(checksums_both_ways(&cron), 1);
        // CRLF text is the general parser's (the fast reader reads none).
        assert_eq!(checksums_both_ways(&pod.replace('\n', "\r\n")), 0);
    }

    proptest::proptest! {
        /// Workloads built from references in every style (block, flow, to one ConfigMap or
        /// the other, or none), annotations in every style: the same both ways.
        #[test]
        fn checksums_rewritten_in_the_text_hold_to_the_general_path(
            refs in proptest::collection::vec(0..REFS.len(), 0..4),
            volumes in proptest::collection::vec(0..VOLUMES.len(), 0..3),
            annotations in proptest::collection::vec(0..ANNOTATIONS.len(), 2),
        ) {
            let mut text = String::new();
            for name in ["cm", "cm2"] {
                let _ = write!(text, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n");
            }
            let annotation = |i: usize| ANNOTATIONS[annotations[i]];
            let _ = write!(
                text,
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n{}spec:\n  \
                 template:\n    metadata:\n      labels: {{a: b}}\n{}    spec:\n      containers:\n      \
                 - name: c\n        image: x\n",
                annotation(0).replace('@', "  "),
                annotation(1).replace('@', "      "),
            );
            for (i, r) in refs.iter().enumerate() {
                text.push_str(&REFS[*r].replace("{i}", &i.to_string()));
            }
            if !volumes.is_empty() {
                text.push_str("      volumes:\n");
            }
            for (i, v) in volumes.iter().enumerate() {
                text.push_str(&VOLUMES[*v].replace("{i}", &i.to_string()));
            }
            checksums_both_ways(&text);
        }
    }

    /// A container's references, one list each (`{i}` keeps env names and volumes unique).
    const REFS: &[&str] = &[
        "        env:\n        - name: A{i}\n          valueFrom:\n            configMapKeyRef:\n              name: cm\n              key: k\n",
        "        env:\n        - name: A{i}\n          valueFrom: {configMapKeyRef: {name: cm2, key: k}}\n",
        "        env:\n        - name: A{i}\n          valueFrom: {fieldRef: {fieldPath: x}}\n",
        "        env:\n        - {name: A{i}, valueFrom: {configMapKeyRef: {name: cm, key: k}}}\n",
        "        envFrom:\n        - configMapRef:\n            name: cm2\n",
        "        envFrom:\n        - configMapRef: {name: cm}\n",
        "        envFrom: [{configMapRef: {name: cm2}}]\n",
        "        envFrom:\n        - secretRef:\n            name: cm\n",
    ];
    const VOLUMES: &[&str] = &[
        "      - name: v{i}\n        configMap:\n          name: cm\n",
        "      - name: v{i}\n        configMap: {name: cm2}\n",
        "      - {name: v{i}, configMap: {name: cm}}\n",
        "      - name: v{i}\n        emptyDir: {}\n",
    ];
    /// The object's (indented by `@`) or the template's annotations.
    const ANNOTATIONS: &[&str] = &[
        "",
        "@annotations:\n@  checksum/config: old\n",
        "@annotations:\n@  checksum/config: \"old\"\n@  other: x\n",
        "@annotations:\n@  checksum/config: 'old' # kept\n",
        "@annotations: {checksum/config: old}\n",
        "@annotations: {other: x}\n",
        "@annotations:\n",
        "@annotations:\n@  checksum/config: 12\n",
        "@annotations:\n@  other: x\n",
    ];

    include!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/common/crashes.rs"
    ));

    /// Streams on which the direct edits (src/apply/direct.rs) once disagreed with the general
    /// path in the `direct_edits` fuzz target, replayed with its check: the first byte picks the
    /// rule set (fuzz/direct_edits/rules-N.yaml) and, with its high bit, the GPU values
    /// (values-gpu.json). Both finds were the comparison's own, not the edits': an empty
    /// stream's placeholder written by one side only, and a stream where another document fails
    /// (the run fails either way; the comparison checks the documents taken alone).
    #[test]
    fn direct_edits_regressions() {
        let fuzz = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/direct_edits");
        let rules: Vec<_> = (0..3)
            .map(|i| {
                let text = std::fs::read_to_string(fuzz.join(format!("rules-{i}.yaml"))).unwrap();
                overlay::parse_str(&text, "fuzz.yaml", &json!({}))
                    .unwrap()
                    .0
            })
            .collect();
        let gpu = std::fs::read_to_string(fuzz.join("values-gpu.json")).unwrap();
        let found = crash_inputs("direct_edits");
        assert!(!found.is_empty());
        for (path, _) in found {
            let bytes = std::fs::read(&path).unwrap();
            let Some((&pick, rest)) = bytes.split_first() else {
                continue;
            };
            let Ok(text) = std::str::from_utf8(rest) else {
                continue;
            };
            let overlays = &rules[usize::from(pick) % rules.len()];
            let values = match pick & 0x80 {
                0 => json!({}),
                _ => serde_json::from_str(&gpu).unwrap(),
            };
            let values = Values::from_json(values);
            let compared = direct::compare(text, &values, overlays);
            assert!(compared.is_ok(), "{}: {compared:?}", path.display());
        }
    }

    /// Streams on which the `checksum/config` annotations rewritten in a workload's text once
    /// differed from the general path's (the `checksums` fuzz target: every ConfigMap changed).
    #[test]
    fn checksums_regressions() {
        let found = crash_inputs("checksums");
        assert!(!found.is_empty());
        for (path, text) in found {
            let compared = compare_checksums(&text);
            assert!(compared.is_ok(), "{}: {compared:?}", path.display());
        }
    }

    #[test]
    fn secrets_are_masked_in_explanations() {
        let op = podspec::add("/data/k", json!("c2VjcmV0"));
        assert_eq!(describe_op(&op, true), "add /data/k <masked>");
    }
}
