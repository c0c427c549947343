//! Values + profile → one RFC 6902 patch per document, every operation tagged with the
//! parameter that caused it (what `--explain` prints).
//!
//! Each rule module ([`configmap`], [`gpu`], [`persistence`], [`hosts`], [`scheduling`]) reads the
//! values it owns and edits the documents of the roles the profile found. Edits apply to a working
//! copy of each document, so operations that shift list indices (a removed chart default) compose;
//! an unset parameter edits nothing. Conflicts are collected as findings and fail the plan once all
//! rules have run, so the user sees every one.

pub mod configmap;
pub mod gpu;
pub mod hosts;
pub mod persistence;
pub mod scheduling;

use std::collections::{BTreeMap, BTreeSet};

use json_patch::PatchOperation;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::podspec::{self, Conflict, ContainerRef, OnConflict, PodSpecRef};
use crate::profile::{ChartProfile, Choice, Pattern, Role, Targets};
use crate::report::{Finding, Severity};
use crate::stream::Stream;
use crate::values::Values;

/// One patch operation and the parameter (`dirs.nvidia.lib`) behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct TaggedOp {
    pub op: PatchOperation,
    pub parameter: String,
}

/// The operations to apply, by document index, and the warnings found while planning.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub patches: BTreeMap<usize, Vec<TaggedOp>>,
    /// Each patched document as its operations leave it (handed on: nothing applies them again).
    pub drafts: BTreeMap<usize, Value>,
    pub findings: Vec<Finding>,
}

/// A plan and, for each of its findings, the stage that reported it.
#[derive(Debug)]
pub struct Staged {
    /// The plan, or its conflicts ([`Error::Validation`]; input errors are [`plan`]'s own `Err`).
    pub plan: Result<Plan>,
    /// The stage (0 = ConfigMap keys, 1 = GPU, ...) of each finding, in the findings' order.
    pub stages: Vec<usize>,
}

/// Plan the injection of `values` into `stream` (one window) with the caller's `choice`: the driver
/// ([`crate::driver`]) chooses once from the whole stream's metadata and plans each window with it
/// (targets restricted to the window). Each finding's stage lets it order all windows' findings as
/// one plan of the whole stream would: by stage, each stage's in stream order.
///
/// `gpu` is the generic profile's GPU injection ([`gpu::Generic::from`] the values), made once a
/// run. `taken`: the documents the direct edits already wrote it into, or found it adds nothing
/// to; the plan leaves them alone (editing one is an internal error: see [`reserved`]).
pub fn plan(
    stream: &Stream<'_>,
    values: &Values,
    profile: &ChartProfile,
    choice: &Choice,
    gpu: Option<&gpu::Generic>,
    taken: &dyn Fn(usize) -> bool,
) -> Result<Staged> {
    let mut planner = Planner::new(stream, values, profile, taken);
    match choice {
        Choice::Chart(targets) => {
            configmap::plan(&mut planner, targets)?;
            planner.stage += 1;
            gpu::plan_chart(&mut planner, targets)?;
            planner.stage += 1;
            persistence::plan(&mut planner, targets)?;
            planner.stage += 1;
            hosts::plan(&mut planner, targets)?;
            planner.stage += 1;
            scheduling::plan(&mut planner, targets)?;
        }
        Choice::Generic => {
            if let Some(gpu) = gpu {
                gpu::plan_generic(&mut planner, gpu)?;
            }
            planner.stage += 1;
            warn_without_effect(&mut planner);
        }
    }
    if let Some(index) = planner.drafts.keys().find(|&&i| taken(i)) {
        return Err(Error::input(format!(
            "internal: {} was edited directly and by the plan",
            stream.docs[*index].source()
        )));
    }
    let stages = std::mem::take(&mut planner.stages);
    Ok(Staged {
        plan: planner.finish(),
        stages,
    })
}

/// The documents the plan may edit with the chart profile's `choice`, which the direct edits must
/// leave to it: a role's, and those whose text may name a role's ConfigMap (`timeZone` adds env to
/// the containers loading it). None with the generic profile ([`gpu::Generic`]).
pub fn reserved(stream: &Stream<'_>, choice: &Choice) -> Result<BTreeSet<usize>> {
    let Choice::Chart(targets) = choice else {
        return Ok(BTreeSet::new());
    };
    let mut reserved: BTreeSet<usize> = targets.roles.values().flatten().copied().collect();
    let mut names = Vec::new();
    for &index in targets.of(Role::ConfigMap) {
        if let Some(meta) = stream.docs[index].meta_ref()? {
            names.push(meta.name.clone());
        }
    }
    for doc in &stream.docs {
        if names.iter().any(|name| doc.may_hold(name)) {
            reserved.insert(doc.index);
        }
    }
    Ok(reserved)
}

/// The parameters the generic profile injects; every other value needs the chart's ConfigMap.
const GENERIC_PARAMETERS: [&str; 2] = ["dirs", "mountPaths"];

/// Without the chart's config ConfigMap only the GPU parameters apply: warn of any other one set.
fn warn_without_effect(planner: &mut Planner<'_>) {
    let values = planner.values;
    let Some(root) = values.root.as_object() else {
        return;
    };
    for (key, value) in root {
        if GENERIC_PARAMETERS.contains(&key.as_str()) || value.is_null() {
            continue;
        }
        let origin = values.origin(&to_pointer(key));
        planner.report(
            Finding::warning(
                key.as_str(),
                origin,
                "has no effect on this stream: it holds no Polyaxon config ConfigMap, so only the \
                 generic profile applies (GPU volumes for containers that request nvidia.com/gpu)",
            )
            .with_hint(
                "post-render the Polyaxon chart's own output, or give --profile for a chart \
                 whose objects are named differently",
            ),
        );
    }
}

/// The working state of a plan: drafts of the edited documents and the findings so far.
pub struct Planner<'a> {
    pub stream: &'a Stream<'a>,
    pub values: &'a Values,
    pub profile: &'a ChartProfile,
    /// The documents the direct edits took (see [`plan`]).
    pub taken: &'a dyn Fn(usize) -> bool,
    /// Each edited document as its operations leave it, and those operations.
    drafts: BTreeMap<usize, (Value, Vec<TaggedOp>)>,
    findings: Vec<Finding>,
    /// The current stage, and the stage of each finding (see [`Staged`]).
    stage: usize,
    stages: Vec<usize>,
}

impl<'a> Planner<'a> {
    pub fn new(
        stream: &'a Stream<'a>,
        values: &'a Values,
        profile: &'a ChartProfile,
        taken: &'a dyn Fn(usize) -> bool,
    ) -> Self {
        Planner {
            stream,
            values,
            profile,
            taken,
            drafts: BTreeMap::new(),
            findings: Vec::new(),
            stage: 0,
            stages: Vec::new(),
        }
    }

    /// A user value by dotted parameter path (`dirs.nvidia.lib`); `None` when not given.
    pub fn value(&self, parameter: &str) -> Option<&'a Value> {
        self.values.get(&to_pointer(parameter))
    }

    /// Whether the document may hold one of `names` (a string or a key): a stage edited it, or its
    /// text may ([`crate::stream::Document::may_hold`]); one that cannot need not be parsed.
    pub fn may_hold_any(&self, index: usize, names: &[impl AsRef<str>]) -> bool {
        self.drafts.contains_key(&index)
            || names
                .iter()
                .any(|name| self.stream.docs[index].may_hold(name.as_ref()))
    }

    /// The document as edited so far.
    pub fn doc(&self, index: usize) -> Result<&Value> {
        if let Some((value, _)) = self.drafts.get(&index) {
            return Ok(value);
        }
        let doc = &self.stream.docs[index];
        doc.value()?
            .ok_or_else(|| Error::input(format!("document {} is empty", doc.number + 1)))
    }

    /// Compute operations on the document as it is now and record them (conflicts: error findings).
    pub fn edit<F>(&mut self, index: usize, parameter: &str, compute: F) -> Result<()>
    where
        F: FnOnce(&Value) -> podspec::Edit,
    {
        let ops = match compute(self.doc(index)?) {
            Ok(ops) => ops,
            Err(conflict) => {
                self.conflict(index, parameter, &conflict);
                return Ok(());
            }
        };
        if ops.is_empty() {
            return Ok(());
        }
        if !self.drafts.contains_key(&index) {
            let value = self.doc(index)?.clone();
            self.drafts.insert(index, (value, Vec::new()));
        }
        let Some((value, tagged)) = self.drafts.get_mut(&index) else {
            return Ok(());
        };
        json_patch::patch(value, &ops).map_err(|e| {
            Error::input(format!(
                "{}: the patch for `{parameter}` cannot apply: {e}",
                self.stream.docs[index].source()
            ))
        })?;
        tagged.extend(ops.into_iter().map(|op| TaggedOp {
            op,
            parameter: parameter.to_string(),
        }));
        Ok(())
    }

    fn conflict(&mut self, index: usize, parameter: &str, conflict: &Conflict) {
        let doc = &self.stream.docs[index];
        let set_at = self.values.origin(&to_pointer(parameter));
        // `Deployment polyaxon-polyaxon-api`, or `document` without metadata.
        let what = doc.meta().ok().flatten().map_or_else(
            || "document".to_string(),
            |m| format!("{} {}", m.kind, m.name),
        );
        let mut message = format!("{what}: {conflict}");
        if set_at != crate::report::Origin::None {
            message.push_str(&format!(" (`{parameter}` is set at {set_at})"));
        }
        let finding = Finding::error(parameter, doc.origin(), message).with_hint(
            "rename the entry in the values, or remove the conflicting entry from the chart's \
             values so that only one definition remains",
        );
        self.report(finding);
    }

    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
        self.stages.push(self.stage);
    }

    /// The pod specs of a document as edited so far.
    pub fn pod_specs(&self, index: usize) -> Result<Vec<PodSpecRef>> {
        Ok(podspec::pod_specs(self.doc(index)?))
    }

    /// The containers of a document whose names match `which` (`None`: every one).
    pub fn containers(&self, index: usize, which: Option<&Pattern>) -> Result<Vec<ContainerRef>> {
        let doc = self.doc(index)?;
        Ok(podspec::pod_specs(doc)
            .iter()
            .flat_map(|spec| podspec::containers(doc, spec, false))
            .filter(|c| which.is_none_or(|pattern| pattern.is_match(&c.name)))
            .collect())
    }

    /// The containers of a role's documents that its parameters go into (`None`: every one).
    pub fn which(&self, role: Role) -> Option<&'a Pattern> {
        (role == Role::Api).then_some(&self.profile.api_container)
    }

    /// Add a volume to every pod spec of a document.
    pub fn volume(&mut self, index: usize, volume: &Value, parameter: &str) -> Result<()> {
        for spec in self.pod_specs(index)? {
            self.edit(index, parameter, |doc| {
                podspec::upsert_volume(doc, &spec, volume)
            })?;
        }
        Ok(())
    }

    /// Add a mount to the containers of a role's document that its parameters go into.
    pub fn mount(
        &mut self,
        index: usize,
        role: Role,
        mount: &Value,
        parameter: &str,
    ) -> Result<()> {
        for c in self.containers(index, self.which(role))? {
            self.edit(index, parameter, |doc| {
                podspec::upsert_mount(doc, &c, mount)
            })?;
        }
        Ok(())
    }

    /// Add an env entry to the containers of a role's document that its parameters go into.
    pub fn env(
        &mut self,
        index: usize,
        role: Role,
        env: &Value,
        on_conflict: OnConflict,
        parameter: &str,
    ) -> Result<()> {
        for c in self.containers(index, self.which(role))? {
            self.edit(index, parameter, |doc| {
                podspec::upsert_env(doc, &c, env, on_conflict)
            })?;
        }
        Ok(())
    }

    /// The patches, or the conflicts found.
    pub fn finish(self) -> Result<Plan> {
        if self.findings.iter().any(|f| f.severity == Severity::Error) {
            return Err(conflicts(self.findings));
        }
        let (drafts, patches) = self
            .drafts
            .into_iter()
            .map(|(index, (value, ops))| ((index, value), (index, ops)))
            .unzip();
        Ok(Plan {
            patches,
            drafts,
            findings: self.findings,
        })
    }
}

/// `persistence.data.d1` → `/persistence/data/d1`.
pub fn to_pointer(parameter: &str) -> String {
    if parameter.is_empty() {
        return String::new();
    }
    parameter
        .split('.')
        .fold(String::new(), |p, token| podspec::join(&p, token))
}

/// The documents of each of `roles`, in that order, each with its role.
pub fn role_docs<'t>(
    targets: &'t Targets,
    roles: &'t [Role],
) -> impl Iterator<Item = (Role, usize)> + 't {
    roles
        .iter()
        .flat_map(move |role| targets.of(*role).iter().map(move |&i| (*role, i)))
}

/// The error of a plan with conflicts (`findings`: all its findings, in whole-stream order).
pub(crate) fn conflicts(findings: Vec<Finding>) -> Error {
    Error::Validation {
        summary: format!(
            "{} conflict(s) between the values and the rendered chart",
            findings.len()
        ),
        findings,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Build a small Polyaxon-like stream and plan values against it.
    use super::*;

    /// A stream with the chart's ConfigMap, api, scheduler, hpsearch, resources DaemonSet, a
    /// hook Job and a subchart Deployment, shaped like chart 0.4.2's.
    pub const STREAM: &str = include_str!("testdata/mini-polyaxon.yaml");

    pub fn run(values: serde_json::Value) -> Result<(Plan, Vec<Value>)> {
        run_on(STREAM, values)
    }

    pub fn run_on(text: &str, values: serde_json::Value) -> Result<(Plan, Vec<Value>)> {
        let stream = Stream::read(text)?;
        let profile = ChartProfile::builtin()?;
        let values = Values::from_json(values);
        let choice = crate::profile::choose(&stream, &profile)?;
        let gpu = gpu::Generic::from(&values);
        let plan = plan(&stream, &values, &profile, &choice, gpu.as_ref(), &|_| {
            false
        })?
        .plan?;
        let mut docs = Vec::new();
        for doc in &stream.docs {
            let mut value = doc.value()?.cloned().unwrap_or(Value::Null);
            if let Some(ops) = plan.patches.get(&doc.index) {
                let ops: Vec<_> = ops.iter().map(|t| t.op.clone()).collect();
                json_patch::patch(&mut value, &ops).map_err(|e| Error::input(e.to_string()))?;
            }
            docs.push(value);
        }
        Ok((plan, docs))
    }

    /// The document of that kind and name.
    pub fn find<'v>(docs: &'v [Value], kind: &str, name: &str) -> &'v Value {
        docs.iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    }

    /// The ConfigMap key parsed as JSON.
    pub fn cm_json(docs: &[Value], key: &str) -> Value {
        let cm = find(docs, "ConfigMap", "rel-polyaxon-config");
        serde_json::from_str(cm["data"][key].as_str().unwrap_or("null")).unwrap()
    }
}

/// A value as the chart tests it for truth (`{{ if .Values.allowedHosts }}`): an empty list or
/// string is as good as unset.
pub fn is_given(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use serde_json::json;

    #[test]
    fn no_values_plan_nothing() {
        let (plan, _) = run(json!({})).unwrap();
        assert!(plan.patches.is_empty());
    }

    #[test]
    fn the_chart_profile_reserves_its_documents_and_those_that_load_its_config_map() {
        let stream = crate::stream::Stream::read(STREAM).unwrap();
        let profile = crate::profile::ChartProfile::builtin().unwrap();
        let choice = crate::profile::choose(&stream, &profile).unwrap();
        let reserved = super::reserved(&stream, &choice).unwrap();
        let name = |i: &usize| stream.docs[*i].meta().unwrap().unwrap().name;
        let names: Vec<String> = reserved.iter().map(name).collect();
        // Every document but the subchart's Redis: a role's, or (the hook Job) one that loads
        // the config ConfigMap.
        assert!(names.contains(&"rel-migrate".to_string()), "{names:?}");
        assert!(!names.contains(&"rel-redis".to_string()), "{names:?}");
        assert_eq!(names.len(), stream.docs.len() - 1, "{names:?}");
        let generic = crate::profile::Choice::Generic;
        assert!(super::reserved(&stream, &generic).unwrap().is_empty());
    }

    #[test]
    fn parameters_become_pointers() {
        assert_eq!(
            super::to_pointer("persistence.data.d1"),
            "/persistence/data/d1"
        );
        assert_eq!(super::to_pointer(""), "");
    }

    #[test]
    fn the_plan_is_idempotent() {
        let values = json!({
            "dirs": {"nvidia": {"lib": "/l", "bin": "/b", "libcuda": "/c"}},
            "persistence": {"outputs": {"o": {"hostPath": "/h", "mountPath": "/o", "readOnly": true}}},
            "timeZone": "UTC", "allowedHosts": ["a"],
            "nodeSelector": {"core": {"k": "v"}}, "tolerations": {"core": [{"key": "k"}]},
        });
        let (_, docs) = run(values.clone()).unwrap();
        let text: String = docs
            .iter()
            .map(|d| format!("---\n{}", crate::stream::emit::to_yaml(d).unwrap()))
            .collect();
        let (plan, _) = run_on(&text, values).unwrap();
        assert!(plan.patches.is_empty(), "{:#?}", plan.patches);
    }
}
