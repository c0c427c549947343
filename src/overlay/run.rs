//! Running the rules over a stream: each rule, in order, on every document its selector
//! matches, against the documents as the earlier rules left them. Every conflict, patch that
//! cannot apply and `expect` violation is collected before the run fails, so the user sees them
//! all; a document the rules leave as it was is not reported as changed.

use std::collections::BTreeMap;

use json_patch::PatchOperation;
use serde_json::Value;

use super::{Expect, Hooks, Miss, Overlays, Rule, edit, select};
use crate::error::{Error, Result};
use crate::report::{Finding, Severity};
use crate::stream::{Meta, Stream};

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
