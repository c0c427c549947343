//! User rules from overlay files (`--overlays`, and the examples under `chart-overlays/examples/`):
//! "add this volume, mount and env to every container of the workloads labelled X" in a few
//! declarative lines that cannot go wrong silently.
//!
//! Rules run after the built-in injection, in file order then rule order, each against the
//! documents as the earlier rules left them. A rule edits every container its selector reaches,
//! adding or replacing entries by name (never a whole list, never a new container), so a second
//! run changes nothing. A rule that matches fewer (or more) documents than its `expect` fails the
//! run and names the document that came nearest, and an entry defined differently in the
//! document is a conflict naming the file, the rule and the document. This module reads, checks
//! and applies the rules; [`crate::cli`] puts their operations into the plan, so `--explain` and
//! the output checks see them like any other.

mod check;
mod edit;
mod parse;
mod select;
mod template;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use json_patch::PatchOperation;
use serde_json::Value;
use walkdir::WalkDir;

pub use parse::{API_VERSION, KIND};
pub use select::{Expression, Hooks, Miss, Operator, Selector};

use crate::error::{Error, Result};
use crate::plan::TaggedOp;
use crate::report::{Finding, Origin, Severity};
use crate::stream::{Meta, Stream};
use crate::values::yaml::pointer_to_path;

/// One rule of an overlay file, compiled.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: RuleId,
    pub select: Selector,
    pub edits: Edits,
    pub expect: Expect,
}

/// Which rule: for messages and `--explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleId {
    /// The overlay's `metadata.name` (else the file's stem).
    pub overlay: String,
    /// 0-based position in the file's `rules`.
    pub index: usize,
    /// The rule's optional `name`.
    pub name: Option<String>,
    /// Where the rule is (`file:line:col`).
    pub origin: Origin,
}

impl RuleId {
    /// `overlay scratch-space rule 1 "experiments"`: the rule in findings, which carry its
    /// location separately.
    pub fn label(&self) -> String {
        let mut label = format!("overlay {} rule {}", self.overlay, self.index + 1);
        if let Some(name) = &self.name {
            label.push_str(&format!(" \"{name}\""));
        }
        label
    }

    /// `rules[2]`, the path findings about this rule carry.
    pub fn path(&self) -> String {
        pointer_to_path(&format!("/rules/{}", self.index))
    }
}

impl fmt::Display for RuleId {
    /// `overlay scratch-space rule 1 "experiments" (overlays/scratch.yaml:6:5)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.label(), self.origin)
    }
}

/// What a rule does to each document it matches.
#[derive(Debug, Clone, Default)]
pub struct Edits {
    /// Pod spec volumes, by `name`; another definition under the same name is a conflict.
    pub volumes: Vec<Value>,
    /// Container mounts, by `mountPath`; another volume at the same path is a conflict.
    pub volume_mounts: Vec<Value>,
    /// Container env, by `name`; the rule's definition replaces the one found.
    pub env: Vec<Value>,
    /// Container envFrom entries, added unless an equal one is there.
    pub env_from: Vec<Value>,
    pub node_selector: BTreeMap<String, String>,
    /// Pod spec tolerations, by `key` and `effect`; the rule's definition replaces the one found.
    pub tolerations: Vec<Value>,
    /// On the object's metadata and its pod template's.
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// An RFC 7386 merge patch of the document.
    pub merge: Option<Value>,
    /// RFC 6902 operations on the document, guarded for idempotence.
    pub patch: Vec<PatchStep>,
}

impl Edits {
    /// Whether the rule edits pod specs or containers (and so needs a pod-bearing kind).
    pub fn touch_pods(&self) -> bool {
        !(self.volumes.is_empty()
            && self.volume_mounts.is_empty()
            && self.env.is_empty()
            && self.env_from.is_empty()
            && self.node_selector.is_empty()
            && self.tolerations.is_empty())
    }
}

/// One RFC 6902 operation and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchStep {
    pub op: PatchOperation,
    pub origin: Origin,
}

/// How many documents a rule must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    AtLeast(usize),
    Exactly(usize),
}

impl Expect {
    pub fn admits(self, n: usize) -> bool {
        match self {
            Expect::AtLeast(min) => n >= min,
            Expect::Exactly(want) => n == want,
        }
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::AtLeast(n) => write!(f, "at least {n}"),
            Expect::Exactly(n) => write!(f, "exactly {n}"),
        }
    }
}

/// Every rule of the overlay files, in the order they apply.
#[derive(Debug, Clone, Default)]
pub struct Overlays {
    pub rules: Vec<Rule>,
}

impl Overlays {
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// The overlay files `--overlays` names: a file as given; a directory walked recursively for
/// `*.yaml` and `*.yml` in sorted order (hidden entries skipped). A directory without any is an
/// error: a mistyped path must not mean "no rules".
pub fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::input(format!("{}: cannot read overlays: {e}", path.display())))?;
        if !meta.is_dir() {
            out.push(path.clone());
            continue;
        }
        let before = out.len();
        walk(path, &mut out)?;
        if out.len() == before {
            return Err(Error::input(format!(
                "{}: no *.yaml or *.yml overlay file in this directory",
                path.display()
            )));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in entries {
        let entry = entry.map_err(|e| Error::input(format!("{}: {e}", dir.display())))?;
        let yaml = matches!(
            entry.path().extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if yaml && entry.file_type().is_file() {
            out.push(entry.into_path());
        }
    }
    Ok(())
}

/// Read and check the overlay files, resolving values references against `values` (the user's
/// merged values). Findings of severity error mean some rules were not compiled: the caller
/// must not apply the overlays then.
pub fn load(paths: &[PathBuf], values: &Value) -> Result<(Overlays, Vec<Finding>)> {
    let mut overlays = Overlays::default();
    let mut findings = Vec::new();
    for file in files(paths)? {
        let (rules, found) = parse_file(&file, values)?;
        overlays.rules.extend(rules);
        findings.extend(found);
    }
    findings.extend(feedback(&overlays));
    Ok((overlays, findings))
}

fn parse_file(path: &Path, values: &Value) -> Result<(Vec<Rule>, Vec<Finding>)> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::input(format!("{label}: cannot read overlay file: {e}")))?;
    parse::parse(&text, &label, values)
}

/// `lint --overlays`: the findings of reading and checking one overlay file.
pub fn lint_file(path: &Path, values: &Value) -> Result<Vec<Finding>> {
    let (rules, mut findings) = parse_file(path, values)?;
    findings.extend(feedback(&Overlays { rules }));
    Ok(findings)
}

/// Parse one overlay file from memory (tests, shipped examples).
pub fn parse_str(text: &str, label: &str, values: &Value) -> Result<(Overlays, Vec<Finding>)> {
    let (rules, findings) = parse::parse(text, label, values)?;
    let overlays = Overlays { rules };
    let mut all = findings;
    all.extend(feedback(&overlays));
    Ok((overlays, all))
}

/// A rule that sets a label another rule selects on makes the second run see other documents
/// than the first: warn, since idempotence is the promise.
fn feedback(overlays: &Overlays) -> Vec<Finding> {
    let mut out = Vec::new();
    for setter in &overlays.rules {
        for (key, value) in &setter.edits.labels {
            let readers = overlays.rules.iter().filter(|r| {
                r.select.labels.get(key).is_some_and(|w| w != value)
                    || r.select.expressions.iter().any(|e| e.key == *key)
            });
            for reader in readers {
                out.push(
                    Finding::warning(
                        setter.id.path(),
                        setter.id.origin.clone(),
                        format!(
                            "{} sets label {key}=\"{value}\", which {} selects on: a second run \
                             would match other documents",
                            setter.id.label(),
                            reader.id
                        ),
                    )
                    .with_hint("select on a label no rule sets"),
                );
            }
        }
    }
    out
}

/// Add the rules' operations to the built-in plan (`patches`, by document index): computed
/// against each document as the plan leaves it, appended after the plan's operations and tagged
/// with their rule, so the output checks and `--explain` treat them like any other.
pub fn extend_plan(
    stream: &Stream<'_>,
    patches: &mut BTreeMap<usize, Vec<TaggedOp>>,
    overlays: &Overlays,
) -> Result<()> {
    if overlays.is_empty() {
        return Ok(());
    }
    let mut drafts = BTreeMap::new();
    for (&index, ops) in patches.iter() {
        let doc = &stream.docs[index];
        let Some(mut value) = doc.value()?.cloned() else {
            continue;
        };
        let ops: Vec<PatchOperation> = ops.iter().map(|t| t.op.clone()).collect();
        json_patch::patch(&mut value, &ops)
            .map_err(|e| Error::input(format!("{}: a patch cannot apply: {e}", doc.source())))?;
        drafts.insert(index, value);
    }
    for (index, ops) in apply(stream, &drafts, overlays)?.ops {
        let tagged = ops.into_iter().map(|r| TaggedOp {
            op: r.op,
            parameter: r.rule,
        });
        patches.entry(index).or_default().extend(tagged);
    }
    Ok(())
}

/// An operation and the rule behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleOp {
    /// The rule, as [`RuleId`] displays it.
    pub rule: String,
    pub op: PatchOperation,
}

/// What the rules did.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// The operations of each changed document, in the order they apply.
    pub ops: BTreeMap<usize, Vec<RuleOp>>,
    /// Each changed document as it is after the rules.
    pub docs: BTreeMap<usize, Value>,
}

/// Apply the rules to `stream`, whose documents the built-in injection has already changed as
/// `drafts` holds (document index → value). Conflicts, patches that cannot apply and `expect`
/// violations are all collected, then fail the run together.
pub fn apply(
    stream: &Stream<'_>,
    drafts: &BTreeMap<usize, Value>,
    overlays: &Overlays,
) -> Result<Applied> {
    let mut state = State::new(stream, drafts)?;
    for rule in &overlays.rules {
        let matched = state.run(rule);
        if !rule.expect.admits(matched.len()) {
            let finding = state.expect_failure(rule, &matched);
            state.findings.push(finding);
        }
    }
    state.finish()
}

/// The documents as the rules have left them so far.
struct State<'s> {
    stream: &'s Stream<'s>,
    base: Vec<Option<Value>>,
    docs: Vec<Option<Value>>,
    ops: BTreeMap<usize, Vec<RuleOp>>,
    findings: Vec<Finding>,
}

impl<'s> State<'s> {
    fn new(stream: &'s Stream<'s>, drafts: &BTreeMap<usize, Value>) -> Result<Self> {
        let mut base = Vec::with_capacity(stream.docs.len());
        for doc in &stream.docs {
            let value = match drafts.get(&doc.index) {
                Some(v) => Some(v.clone()),
                None => doc.value()?.cloned(),
            };
            base.push(value.filter(Value::is_object));
        }
        Ok(State {
            stream,
            docs: base.clone(),
            base,
            ops: BTreeMap::new(),
            findings: Vec::new(),
        })
    }

    /// Apply one rule to every document it matches; the indices matched.
    fn run(&mut self, rule: &Rule) -> Vec<usize> {
        let mut matched = Vec::new();
        for index in 0..self.docs.len() {
            let Some(doc) = &self.docs[index] else {
                continue;
            };
            if !rule.select.misses(doc, &Meta::of(doc)).is_empty() {
                continue;
            }
            matched.push(index);
            let mut draft = doc.clone();
            match edit::apply(&mut draft, rule) {
                Ok(ops) if ops.is_empty() => {}
                Ok(ops) => {
                    let tagged = ops.into_iter().map(|op| RuleOp {
                        rule: rule.id.to_string(),
                        op,
                    });
                    self.ops.entry(index).or_default().extend(tagged);
                    self.docs[index] = Some(draft);
                }
                Err(failure) => {
                    let finding = self.failure(rule, index, failure);
                    self.findings.push(finding);
                }
            }
        }
        matched
    }

    /// `Deployment polyaxon-api in templates/api.yaml (stream line 40)`.
    fn describe(&self, index: usize) -> String {
        let meta = self.docs[index].as_ref().map(Meta::of).unwrap_or_default();
        format!(
            "{} {} in {}",
            meta.kind,
            meta.name,
            self.stream.docs[index].origin()
        )
    }

    fn failure(&self, rule: &Rule, index: usize, failure: edit::Failure) -> Finding {
        let doc = self.describe(index);
        match failure {
            edit::Failure::Conflict(c) => Finding::error(
                rule.id.path(),
                rule.id.origin.clone(),
                format!(
                    "{}: {} already exists in {doc} at {} as {} but the rule asks for {}",
                    rule.id.label(),
                    c.what,
                    c.pointer,
                    compact(&c.existing),
                    compact(&c.wanted)
                ),
            )
            .with_hint(
                "give the rule's entry another name or path, or remove the other definition",
            ),
            edit::Failure::Edit(reason) => Finding::error(
                rule.id.path(),
                rule.id.origin.clone(),
                format!("{}: cannot edit {doc}: {reason}", rule.id.label()),
            ),
            edit::Failure::Patch { step, reason } => {
                let at = rule.edits.patch.get(step);
                let origin = at.map_or_else(|| rule.id.origin.clone(), |s| s.origin.clone());
                let what = at.map_or_else(String::new, |s| describe_op(&s.op));
                Finding::error(
                    format!("{}.patch[{step}]", rule.id.path()),
                    origin,
                    format!(
                        "{}: {what} cannot apply to {doc}: {reason}",
                        rule.id.label()
                    ),
                )
            }
        }
    }

    fn expect_failure(&self, rule: &Rule, matched: &[usize]) -> Finding {
        let n = matched.len();
        let mut message = format!(
            "{} matched {n} document(s); it expects {}",
            rule.id.label(),
            rule.expect
        );
        if n > expected_max(rule.expect) {
            let names: Vec<String> = matched.iter().map(|&i| self.describe(i)).collect();
            message.push_str(&format!(": {}", names.join("; ")));
        } else if let Some((index, misses)) = self.nearest(rule, matched) {
            let why: Vec<&str> = misses.iter().map(|m| m.why.as_str()).collect();
            message.push_str(&format!(
                ". Nearest: {}: {}",
                self.describe(index),
                why.join("; ")
            ));
        }
        Finding::error(rule.id.path(), rule.id.origin.clone(), message)
            .with_hint(self.expect_hint(rule))
    }

    fn nearest(&self, rule: &Rule, matched: &[usize]) -> Option<(usize, Vec<Miss>)> {
        let candidates = self
            .docs
            .iter()
            .enumerate()
            .filter(|(i, _)| !matched.contains(i));
        let candidates = candidates.filter_map(|(i, doc)| {
            let doc = doc.as_ref()?;
            Some((i, rule.select.misses(doc, &Meta::of(doc))))
        });
        select::nearest(candidates)
    }

    fn expect_hint(&self, rule: &Rule) -> String {
        let hooks = self.docs.iter().flatten().any(|d| Meta::of(d).is_hook());
        if rule.select.hooks == Hooks::Only && !hooks {
            return "the stream holds no Helm hooks: Helm 3 does not pass hooks to a \
                    post-renderer (Helm 4 does)"
                .to_string();
        }
        "fix the selector, or set `expect` (\"0+\" when matching nothing is fine)".to_string()
    }

    fn finish(self) -> Result<Applied> {
        let errors = self
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        if errors > 0 {
            return Err(Error::Validation {
                summary: format!("{errors} problem(s) applying the overlays"),
                findings: self.findings,
            });
        }
        let mut applied = Applied::default();
        for (index, ops) in self.ops {
            // Rules that undo each other leave the document as it was: no change to write.
            if self.docs[index] != self.base[index] {
                applied.ops.insert(index, ops);
                if let Some(doc) = self.docs[index].clone() {
                    applied.docs.insert(index, doc);
                }
            }
        }
        Ok(applied)
    }
}

fn expected_max(expect: Expect) -> usize {
    match expect {
        Expect::AtLeast(_) => usize::MAX,
        Expect::Exactly(n) => n,
    }
}

fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// `add /spec/x`, for messages.
fn describe_op(op: &PatchOperation) -> String {
    let name = match op {
        PatchOperation::Add(_) => "add",
        PatchOperation::Remove(_) => "remove",
        PatchOperation::Replace(_) => "replace",
        PatchOperation::Move(_) => "move",
        PatchOperation::Copy(_) => "copy",
        PatchOperation::Test(_) => "test",
    };
    format!("`{name} {}`", op.path())
}

#[cfg(test)]
mod tests;
