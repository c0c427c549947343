//! Running the rules, in the order [`super`] gives, collecting every failure for [`judge`] so the
//! user sees them all. A document the rules leave as it was counts as unchanged.

use std::collections::{BTreeMap, BTreeSet};

use json_patch::PatchOperation;
use serde_json::Value;

use super::{Expect, Hooks, Miss, Overlays, Rule, edit, select};
use crate::error::{Error, Result};
use crate::plan::TaggedOp;
use crate::podspec::compact;
use crate::report::{Finding, Severity};
use crate::stream::{Meta, Stream};

#[cfg(any(test, fuzzing, feature = "testing"))]
/// What the rules did.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Each changed document's operations, in order, tagged with their rule (`RuleId` displayed).
    pub ops: BTreeMap<usize, Vec<TaggedOp>>,
    /// Each changed document as it is after the rules.
    pub docs: BTreeMap<usize, Value>,
}

#[cfg(any(test, fuzzing, feature = "testing"))]
/// Apply the rules to all of `stream`, as the built-in injection left it (`drafts`: index →
/// value), and fail on every problem at once (`judge`, as the driver does over windows). The
/// tests hold the direct edits to this reference.
pub fn apply(
    stream: &Stream<'_>,
    drafts: &BTreeMap<usize, Value>,
    overlays: &Overlays,
) -> Result<Applied> {
    let none = BTreeMap::new();
    let all =
        |sweep: &BTreeSet<usize>| run(stream, drafts.clone(), overlays, &|_| true, sweep, &none);
    let ((ops, mut edited), mut tally) = all(&BTreeSet::new())?;
    // An `expect` that failed names the nearest document and the hooks: run again to find them.
    let sweep = unmet(overlays, &tally.rules);
    if !sweep.is_empty() {
        tally = all(&sweep)?.1;
    }
    judge(overlays, tally.rules)?;
    let docs = ops
        .keys()
        .filter_map(|&index| Some((index, edited.remove(&index)?)))
        .collect();
    Ok(Applied { ops, docs })
}

/// What the rules did to a window's own documents; an `expect` counts the sum over all windows.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Per rule, in rule order.
    pub rules: Vec<RuleTally>,
}

/// One rule's part of a [`Tally`].
#[derive(Debug, Clone, Default)]
pub struct RuleTally {
    /// How many of the window's documents the rule matched.
    pub matched: usize,
    /// Those documents described, kept only for [`Expect::Exactly`], whose failure lists them.
    pub described: Vec<String>,
    /// Conflicts and edits that could not apply, on the window's documents, in stream order.
    pub failures: Vec<Finding>,
    /// For the rules in `run`'s `sweep`: the window's nearest document, described, and misses.
    pub nearest: Option<(String, Vec<Miss>)>,
    /// Likewise: whether a document of the window is a Helm hook when the rule has run.
    pub any_hook: bool,
}

/// The rules on one window of the stream, editing its drafts (given or made here) in place
/// ([`Edited`]). `own` tells the window's documents from shared context (such as the chart's
/// ConfigMap, which its own window counts and reports). Nothing fails here: [`judge`] does, once
/// every window has run. For the [`unmet`] rules in `sweep`, the nearest document and the hooks are
/// found too. `direct`: the documents [`crate::apply::direct`] edited, each with the positions of
/// the rules that matched it (counted as matched, not edited again).
pub(crate) fn run(
    stream: &Stream<'_>,
    drafts: BTreeMap<usize, Value>,
    overlays: &Overlays,
    own: &dyn Fn(usize) -> bool,
    sweep: &BTreeSet<usize>,
    direct: &BTreeMap<usize, Vec<usize>>,
) -> Result<(Edited, Tally)> {
    let mut state = State {
        stream,
        direct,
        injected: drafts.keys().copied().collect(),
        drafts,
        before: BTreeMap::new(),
        ops: BTreeMap::new(),
        failures: Vec::new(),
    };
    let mut tally = Tally::default();
    for (position, rule) in overlays.rules.iter().enumerate() {
        let matched: Vec<usize> = state
            .run(position, rule)?
            .into_iter()
            .filter(|&i| own(i))
            .collect();
        let mut rule_tally = RuleTally {
            matched: matched.len(),
            ..RuleTally::default()
        };
        if matches!(rule.expect, Expect::Exactly(_)) {
            rule_tally.described = matched.iter().map(|&i| state.describe(i)).collect();
        }
        // A failed document is back as before the rules (`State::restore`): enough for the rest.
        rule_tally.failures = std::mem::take(&mut state.failures)
            .into_iter()
            .filter(|(index, _)| own(*index))
            .map(|(_, finding)| finding)
            .collect();
        if sweep.contains(&position) {
            let mut candidates = Vec::new();
            for index in (0..stream.docs.len()).filter(|&i| own(i)) {
                rule_tally.any_hook |= state.meta(index)?.is_some_and(|meta| meta.is_hook());
                if matched.binary_search(&index).is_ok() {
                    continue;
                }
                if let Some(doc) = state.current(index)? {
                    candidates.push((index, rule.select.misses(doc, &Meta::of(doc))));
                }
            }
            rule_tally.nearest =
                select::nearest(candidates).map(|(index, misses)| (state.describe(index), misses));
        }
        tally.rules.push(rule_tally);
    }
    Ok((state.finish()?, tally))
}

/// The rules' operations by changed document, and the drafts as the rules leave them.
pub(super) type Edited = (BTreeMap<usize, Vec<TaggedOp>>, BTreeMap<usize, Value>);

/// The documents as the rules left them so far: only edited ones are held (one copy each, edited in
/// place), the others are read from the stream, whose line scanner decides most selectors unparsed.
struct State<'s> {
    stream: &'s Stream<'s>,
    /// The documents the built-in injection or the rules have edited, as they are now.
    drafts: BTreeMap<usize, Value>,
    /// The documents the built-in injection edited (the keys of the drafts given).
    injected: BTreeSet<usize>,
    /// The built-in injection's version of those the rules touched, to tell if they changed.
    before: BTreeMap<usize, Value>,
    ops: BTreeMap<usize, Vec<TaggedOp>>,
    /// The current rule's failures, each with its document.
    failures: Vec<(usize, Finding)>,
    /// The documents edited directly, with the rules that matched them ([`run`]).
    direct: &'s BTreeMap<usize, Vec<usize>>,
}

impl State<'_> {
    /// The document as it is now; `None` unless it is a mapping.
    fn current(&self, index: usize) -> Result<Option<&Value>> {
        let value = match self.drafts.get(&index) {
            Some(draft) => Some(draft),
            None => self.stream.docs[index].value()?,
        };
        Ok(value.filter(|v| v.is_object()))
    }

    /// The document before the rules; `None` unless it is a mapping.
    fn base(&self, index: usize) -> Result<Option<&Value>> {
        let value = match self.before.get(&index) {
            Some(value) => Some(value),
            None if self.injected.contains(&index) => self.drafts.get(&index),
            None => self.stream.docs[index].value()?,
        };
        Ok(value.filter(|v| v.is_object()))
    }

    /// The identifying fields as they are now (an unedited document's from the line scanner).
    fn meta(&self, index: usize) -> Result<Option<Meta>> {
        match self.drafts.get(&index) {
            Some(draft) => Ok(draft.is_object().then(|| Meta::of(draft))),
            None => self.stream.docs[index].meta(),
        }
    }

    /// Whether the rule selects the document: identifying fields first (no parse if they fail).
    fn matches(&self, rule: &Rule, index: usize) -> Result<bool> {
        let Some(meta) = self.meta(index)? else {
            return Ok(false);
        };
        if !rule.select.meta_misses(&meta).is_empty() {
            return Ok(false);
        }
        Ok(self
            .current(index)?
            .is_some_and(|doc| rule.select.reaches_containers(doc)))
    }

    /// Apply one rule to every document it matches; the indices matched.
    fn run(&mut self, position: usize, rule: &Rule) -> Result<Vec<usize>> {
        let mut matched = Vec::new();
        for index in 0..self.stream.docs.len() {
            if let Some(rules) = self.direct.get(&index) {
                if rules.contains(&position) {
                    matched.push(index);
                }
                continue;
            }
            if self.matches(rule, index)? {
                matched.push(index);
                self.edit(rule, index)?;
            }
        }
        Ok(matched)
    }

    /// Apply `rule` to a matched document's draft (made from the parsed document if none yet).
    fn edit(&mut self, rule: &Rule, index: usize) -> Result<()> {
        let fresh = !self.drafts.contains_key(&index);
        if fresh {
            let Some(value) = self.current(index)?.cloned() else {
                return Ok(());
            };
            self.drafts.insert(index, value);
        } else if self.injected.contains(&index) && !self.before.contains_key(&index) {
            let injected = self.drafts[&index].clone();
            self.before.insert(index, injected);
        }
        let Some(draft) = self.drafts.get_mut(&index) else {
            return Ok(());
        };
        match edit::apply(draft, rule) {
            Ok(ops) if ops.is_empty() => {
                if fresh {
                    self.drafts.remove(&index);
                }
            }
            Ok(ops) => {
                let tagged = ops.into_iter().map(|op| TaggedOp {
                    op,
                    parameter: rule.id.to_string(),
                });
                self.ops.entry(index).or_default().extend(tagged);
            }
            Err(failure) => {
                self.restore(index)?;
                let finding = self.failure(rule, index, failure);
                self.failures.push((index, finding));
            }
        }
        Ok(())
    }

    /// Put back a document a rule failed on half-way: as before the rules, plus the earlier
    /// rules' operations (the run fails, but later rules must see it to report their problems).
    fn restore(&mut self, index: usize) -> Result<()> {
        let Some(mut value) = self.base(index)?.cloned() else {
            return Ok(());
        };
        let ops: Vec<PatchOperation> = self
            .ops
            .get(&index)
            .into_iter()
            .flatten()
            .map(|r| r.op.clone())
            .collect();
        json_patch::patch(&mut value, &ops).map_err(|e| {
            Error::input(format!(
                "{}: a patch cannot apply: {e}",
                self.stream.docs[index].source()
            ))
        })?;
        self.drafts.insert(index, value);
        Ok(())
    }

    /// `Deployment polyaxon-api in templates/api.yaml (stream line 40)`.
    fn describe(&self, index: usize) -> String {
        // Every document described has had its identifying fields read already.
        let meta = self.meta(index).ok().flatten().unwrap_or_default();
        format!(
            "{} {} in {}",
            meta.kind,
            meta.name,
            self.stream.docs[index].origin()
        )
    }

    fn failure(&self, rule: &Rule, index: usize, failure: edit::Failure) -> Finding {
        let doc = self.describe(index);
        let label = rule.id.label();
        let error =
            |message: String| Finding::error(rule.id.path(), rule.id.origin.clone(), message);
        match failure {
            edit::Failure::Conflict(c) => error(format!(
                "{label}: {} already exists in {doc} at {} as {} but the rule asks for {}",
                c.what,
                c.pointer,
                compact(&c.existing),
                compact(&c.wanted)
            ))
            .with_hint(
                "give the rule's entry another name or path, or remove the other definition",
            ),
            edit::Failure::Edit(reason) => error(format!("{label}: cannot edit {doc}: {reason}")),
            edit::Failure::Patch { step, reason } => {
                let at = rule.edits.patch.get(step);
                let origin = at.map_or_else(|| rule.id.origin.clone(), |s| s.origin.clone());
                let what = at.map_or_else(String::new, |s| describe_op(&s.op));
                Finding::error(
                    format!("{}.patch[{step}]", rule.id.path()),
                    origin,
                    format!("{label}: {what} cannot apply to {doc}: {reason}"),
                )
            }
        }
    }

    fn finish(mut self) -> Result<Edited> {
        let mut changed = std::mem::take(&mut self.ops);
        for index in changed.keys().copied().collect::<Vec<_>>() {
            // Rules that undo each other leave the document as it was: no change to write.
            if self.current(index)? == self.base(index)? {
                changed.remove(&index);
            }
        }
        Ok((changed, self.drafts))
    }
}

/// The rules whose `expect` the whole stream's tallies (`rules`, in rule order) do not meet.
pub(crate) fn unmet(overlays: &Overlays, rules: &[RuleTally]) -> BTreeSet<usize> {
    let matched = |i: usize| rules.get(i).map_or(0, |r| r.matched);
    (0..overlays.rules.len())
        .filter(|&i| !overlays.rules[i].expect.admits(matched(i)))
        .collect()
}

/// Fail the run on the whole stream's tallies (`rules`, in rule order; a rule without one
/// matched nothing): each rule's conflicts and patches that cannot apply, then its `expect`
/// violation, listing the documents matched when too many, else naming the nearest, with a hint
/// when the rule wants hooks and the stream has none. One message for a run or a stream's windows.
pub(crate) fn judge(overlays: &Overlays, rules: Vec<RuleTally>) -> Result<()> {
    let mut findings = Vec::new();
    let mut tallies = rules.into_iter();
    for rule in &overlays.rules {
        let tally = tallies.next().unwrap_or_default();
        findings.extend(tally.failures);
        let n = tally.matched;
        if rule.expect.admits(n) {
            continue;
        }
        let mut message = format!(
            "{} matched {n} document(s); it expects {}",
            rule.id.label(),
            rule.expect
        );
        if matches!(rule.expect, Expect::Exactly(max) if n > max) {
            message.push_str(&format!(": {}", tally.described.join("; ")));
        } else if let Some((described, misses)) = &tally.nearest {
            let why: Vec<&str> = misses.iter().map(|m| m.why.as_str()).collect();
            message.push_str(&format!(". Nearest: {described}: {}", why.join("; ")));
        }
        let hint = if rule.select.hooks == Hooks::Only && !tally.any_hook {
            "the stream holds no Helm hooks: Helm 3 does not pass hooks to a post-renderer \
             (Helm 4 does)"
        } else {
            "fix the selector, or set `expect` (\"0+\" when matching nothing is fine)"
        };
        findings
            .push(Finding::error(rule.id.path(), rule.id.origin.clone(), message).with_hint(hint));
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    match errors {
        0 => Ok(()),
        _ => Err(Error::Validation {
            summary: format!("{errors} problem(s) applying the overlays"),
            findings,
        }),
    }
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
