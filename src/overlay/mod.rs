//! User rules from overlay files (`--overlays`, and the examples under `chart-overlays/examples/`):
//! "add this volume, mount and env to every container of the workloads labelled X" in a few
//! declarative lines that cannot go wrong silently.
//!
//! Rules run after the built-in injection, in file order then rule order, each against the
//! documents as the earlier rules left them. A rule edits every container its selector reaches,
//! adding or replacing entries by name (never a whole list, never a new container), so a second run
//! changes nothing. A rule matching fewer (or more) documents than its `expect` fails the run and
//! names the document that came nearest; an entry defined differently in the document is a conflict
//! naming the file, the rule and the document.

mod check;
mod edit;
mod parse;
mod run;
mod select;
mod template;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use json_patch::PatchOperation;
use serde_json::Value;
use walkdir::WalkDir;

pub use parse::{API_VERSION, KIND};
#[cfg(any(test, fuzzing, feature = "testing"))]
pub use run::{Applied, apply};
pub use run::{RuleTally, Tally};
pub(crate) use run::{judge, unmet};
pub(crate) use select::nearest;
pub use select::{Expression, Hooks, Miss, Operator, Selector};

use crate::error::{Error, Result};
use crate::plan::TaggedOp;
use crate::report::{Finding, Origin};
use crate::stream::Stream;
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
    pub name: Option<String>,
    /// Where the rule is (`file:line:col`).
    pub origin: Origin,
}

impl RuleId {
    /// `overlay scratch-space rule 1 "experiments"`, for findings (they carry the location apart).
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
            .map_err(|e| Error::io(format!("{}: cannot read overlays", path.display()), e))?;
        if !meta.is_dir() {
            out.push(path.clone());
            continue;
        }
        let before = out.len();
        let entries = WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in entries {
            let entry = entry.map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
            let yaml = matches!(
                entry.path().extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            );
            if yaml && entry.file_type().is_file() {
                out.push(entry.into_path());
            }
        }
        if out.len() == before {
            return Err(Error::input(format!(
                "{}: no *.yaml or *.yml overlay file in this directory",
                path.display()
            )));
        }
    }
    Ok(out)
}

/// Read and check the overlay files, resolving values references against the user's merged
/// `values`. An error finding means some rules were not compiled: do not apply the overlays then.
pub fn load(paths: &[PathBuf], values: &Value) -> Result<(Overlays, Vec<Finding>)> {
    let mut rules = Vec::new();
    let mut findings = Vec::new();
    for file in files(paths)? {
        let (more, found) = parse_file(&file, values)?;
        rules.extend(more);
        findings.extend(found);
    }
    Ok(feedback(rules, findings))
}

fn parse_file(path: &Path, values: &Value) -> Result<(Vec<Rule>, Vec<Finding>)> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("{label}: cannot read overlay file"), e))?;
    parse::parse(&text, &label, values)
}

/// `lint --overlays`: the findings of reading and checking one overlay file.
pub fn lint_file(path: &Path, values: &Value) -> Result<Vec<Finding>> {
    let (rules, findings) = parse_file(path, values)?;
    Ok(feedback(rules, findings).1)
}

#[cfg(any(test, fuzzing, feature = "testing"))]
/// Parse one overlay file from memory (tests, shipped examples).
pub fn parse_str(text: &str, label: &str, values: &Value) -> Result<(Overlays, Vec<Finding>)> {
    let (rules, findings) = parse::parse(text, label, values)?;
    Ok(feedback(rules, findings))
}

/// The rules, with the findings of reading them and a warning per rule setting a label another
/// rule selects on: a second run would match other documents, breaking idempotence.
fn feedback(rules: Vec<Rule>, mut out: Vec<Finding>) -> (Overlays, Vec<Finding>) {
    for setter in &rules {
        for (key, value) in &setter.edits.labels {
            let readers = rules.iter().filter(|r| {
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
    (Overlays { rules }, out)
}

/// Add the rules' operations to the built-in plan of one window (`patches`, by document index):
/// computed against each document as the plan leaves it (`drafts`), appended after the plan's
/// operations and tagged with their rule, so the output checks and `--explain` treat them like any
/// other. Returns the drafts as the rules leave them and the window's [`Tally`] ([`run::run`]).
pub(crate) fn extend_plan(
    stream: &Stream<'_>,
    patches: &mut BTreeMap<usize, Vec<TaggedOp>>,
    drafts: BTreeMap<usize, Value>,
    overlays: &Overlays,
    own: &dyn Fn(usize) -> bool,
    sweep: &std::collections::BTreeSet<usize>,
    direct: &BTreeMap<usize, Vec<usize>>,
) -> Result<(BTreeMap<usize, Value>, Tally)> {
    if overlays.is_empty() {
        return Ok((drafts, Tally::default()));
    }
    let ((ops, drafts), tally) = run::run(stream, drafts, overlays, own, sweep, direct)?;
    for (index, ops) in ops {
        patches.entry(index).or_default().extend(ops);
    }
    Ok((drafts, tally))
}

#[cfg(test)]
mod tests;
