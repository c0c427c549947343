//! Direct edits: edits that only add entries to a pod spec's `volumes` and its containers'
//! `volumeMounts` and `env`, applied to a document's text without building its value. They come in
//! units ([`Adds`]), in the general path's order: the generic profile's GPU injection
//! ([`crate::plan::gpu::Generic`]) for the containers that ask for a GPU, then the overlay rules
//! whose edits are of that kind (the common case, and the benchmark's).
//!
//! The general path (the plan and [`crate::overlay`] on values, then the minimal-edit writer of
//! [`crate::stream::surgical`]) reads an edited document three times (value, positions, and the
//! writer's output, checked against the intended value), copies and patches the value, compares old
//! and new level by level, and checks the result. Here a document is read once, into the writer's
//! position tree, which gives the names the rules and the output checks look at; new entries are
//! written by the writer's own functions, in its order and where it puts them. The text is
//! therefore the writer's to the byte, and each document gets, for `--explain`, the operations the
//! general path gives its edits, in its order: the tests and the fuzz target hold both to it.
//!
//! A document is edited here only when that outcome is certain, and otherwise left to the general
//! path (which gives the output, findings and messages it always gave):
//! - every rule whose selector takes the document is *simple*: it edits only `volumes`,
//!   `volumeMounts` and `env`, with plain-string names and valid env names;
//! - the GPU injection's containers are known from the text: each container's `resources.requests`
//!   and `resources.limits` are absent, block mappings, or text that cannot name the resource, and
//!   the amount is a scalar the fast reader resolves;
//! - the document is a pod-bearing kind whose pod spec is at a fixed place (not a `List`, not a
//!   StatefulSet, whose claim templates are volumes too), read by [`crate::stream::fast`];
//! - the pod spec, its containers and their lists are block mappings and sequences with plain or
//!   quoted string names and, before and after the rules, no defect for [`crate::checks`] to find;
//! - no entry a rule adds is there already (by name, or mount path): no conflict, replacement or
//!   no-op to judge (a second run on the output goes the general path, which changes nothing);
//! - the caller excludes documents that an export must name, that the chart profile's plan may edit
//!   ([`crate::plan::reserved`]), or that may reference a ConfigMap whose checksum changes.
//!
//! The direct edits run before the plan, which leaves alone the documents they took and those the
//! GPU injection surely adds nothing to ([`Edited::untouched`]). [`checksum`] rewrites in the same
//! way, on the same conditions, the `checksum/config` annotations of a workload nothing else edits.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

use crate::checks::valid_env_name;
use crate::overlay::{Overlays, Rule};
use crate::plan::TaggedOp;
use crate::plan::gpu::Generic;
use crate::podspec;
use crate::stream::tree::{Entry, Item, Kind, Node};
use crate::stream::{Document, Meta, Stream, fast, surgical};

pub(crate) mod checksum;

/// A document the direct edits rewrote, or found that the plan's unit adds nothing to.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Rewritten {
    /// Its body and trailer, as [`surgical::rewrite`] would have written them; `None` when
    /// nothing is added (the overlay rules are then the general path's to apply).
    pub text: Option<String>,
    /// The positions of the rules that matched it (in rule order).
    pub rules: Vec<usize>,
    /// The operations the general path gives these edits (for `--explain`).
    pub ops: Vec<TaggedOp>,
}

/// What one unit of the direct edits adds to a pod spec: the plan's generic GPU injection, or
/// an overlay rule's entries. Each entry carries what `--explain` names as its cause.
pub(crate) struct Adds<'o> {
    reach: Reach<'o>,
    volumes: Vec<(&'o Value, String)>,
    mounts: Vec<(&'o Value, String)>,
    env: Vec<(&'o Value, String)>,
}

/// Which containers of a pod spec a unit reaches.
enum Reach<'o> {
    /// An overlay rule's: containers by name (`None`: every one), init containers too when
    /// `init`. A pattern that reaches no container does not match the document.
    Named {
        pattern: Option<&'o regex::Regex>,
        init: bool,
    },
    /// The plan's: the containers and init containers that request or limit more than zero of
    /// the resource ([`podspec::uses_resource`]); none, and the unit adds nothing.
    Requesting(&'static str),
}

impl<'o> Adds<'o> {
    pub(crate) fn gpu(gpu: &'o Generic) -> Self {
        let entries =
            |list: &'o [(Value, String)]| list.iter().map(|(v, p)| (v, p.clone())).collect();
        Adds {
            reach: Reach::Requesting(crate::plan::gpu::GPU_RESOURCE),
            volumes: entries(&gpu.volumes),
            mounts: entries(&gpu.mounts),
            env: entries(&gpu.env),
        }
    }

    /// A simple rule's entries (`None` for a rule that is not simple).
    fn rule(rule: &'o Rule) -> Option<Self> {
        if !simple(rule) {
            return None;
        }
        let id = rule.id.to_string();
        let entries = |list: &'o [Value]| list.iter().map(|v| (v, id.clone())).collect();
        Some(Adds {
            reach: Reach::Named {
                pattern: rule.select.containers.as_ref(),
                init: rule.select.init_containers,
            },
            volumes: entries(&rule.edits.volumes),
            mounts: entries(&rule.edits.volume_mounts),
            env: entries(&rule.edits.env),
        })
    }
}

/// The units of the direct edits: the plan's, then the overlay rules', each rule judged once.
/// Made once a run and shared by its windows (and their threads).
pub(crate) struct Direct<'o> {
    overlays: &'o Overlays,
    /// The plan's unit, for the documents whose text may name its resource.
    plan: Option<Adds<'o>>,
    /// By rule position; `None` for a rule that is not simple.
    rules: Vec<Option<Adds<'o>>>,
    /// Give each document's operations too (for `--explain`).
    describe: bool,
    /// The lines written for added entries: most documents of a stream get the same ones.
    lines: Lines,
}

/// An added entry: its unit (0: the plan's, 1 + `p`: the rule at position `p`), its list index.
type EntryId = (usize, usize);

/// Added entries written as new items of a list (`false`) or as a new key (`true`), at a column.
type LinesKey = (Field, Vec<EntryId>, usize, bool);

/// [`Direct`]'s lines, by list, entries and column, looked up in order (a run has few kinds).
type Lines = Mutex<Vec<(LinesKey, String)>>;

/// More kinds than this (documents indented differently, many rule combinations) are written anew.
const MAX_LINES: usize = 64;

/// The lists a rule adds to, with the field that identifies their entries.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Field {
    Volumes,
    Mounts,
    Env,
}

impl Field {
    fn list(self) -> &'static str {
        match self {
            Field::Volumes => "volumes",
            Field::Mounts => "volumeMounts",
            Field::Env => "env",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Field::Mounts => "mountPath",
            Field::Volumes | Field::Env => "name",
        }
    }
}

impl<'o> Direct<'o> {
    /// `None` when there is nothing to do here: no unit of the plan, no simple rule.
    pub(crate) fn new(
        overlays: &'o Overlays,
        plan: Option<Adds<'o>>,
        describe: bool,
    ) -> Option<Self> {
        let rules: Vec<Option<Adds<'o>>> = overlays.rules.iter().map(Adds::rule).collect();
        (plan.is_some() || rules.iter().any(Option::is_some)).then_some(Direct {
            overlays,
            plan,
            rules,
            describe,
            lines: Mutex::new(Vec::new()),
        })
    }

    /// The document rewritten by the plan's unit and every rule that matches it (`hint`: see
    /// [`hint`]); `None` leaves it to the general path (no match, or an uncertain outcome).
    pub(crate) fn edit(&self, doc: &Document<'_>, hint: Hint) -> Option<Rewritten> {
        let candidates: Vec<usize> = (0..self.rules.len())
            .filter(|&p| hint.rules & (1 << p) != 0)
            .collect();
        if candidates.iter().any(|&p| self.rules[p].is_none()) {
            return None;
        }
        let plan = self.plan.as_ref().filter(|unit| match unit.reach {
            Reach::Requesting(resource) => doc.may_hold(resource),
            Reach::Named { .. } => true,
        });
        if candidates.is_empty() && plan.is_none() {
            // The text cannot name the resource: nothing to add (the plan's own test, `plan::gpu`).
            return self.plan.as_ref().map(|_| Rewritten::default());
        }
        let text = doc.yaml();
        let root = fast::tree(text)?;
        let mut pod = Pod::read(text, &root, hint.pointer)?;
        pod.describe = self.describe;
        if let Some(unit) = plan {
            pod.apply(0, unit)?;
        }
        let mut rules = Vec::new();
        for p in candidates {
            if pod.apply(p + 1, self.rules[p].as_ref()?)? {
                rules.push(p);
            }
        }
        if !pod.mounts_resolve() {
            return None;
        }
        let inserts = pod.inserts(&self.lines)?;
        if inserts.is_empty() {
            // Nothing to write: for the plan's unit, certain (it reaches no container here).
            return plan.map(|_| Rewritten {
                rules,
                ..Rewritten::default()
            });
        }
        let text = surgical::insert_lines(text, inserts, doc.crlf())?;
        Some(Rewritten {
            text: Some(text),
            rules,
            ops: pod.ops,
        })
    }
}

/// What the direct edits need of a document's identifying fields: the rules whose selectors
/// take them (bit `p` for the rule at position `p`), and where its pod spec is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hint {
    rules: u64,
    pointer: &'static str,
}

/// The [`Hint`] for a document with identifying fields `meta`; `None` when the direct edits cannot
/// take it (no pod spec at a fixed place, or more rules than the hint counts).
pub(crate) fn hint(overlays: &Overlays, meta: &Meta) -> Option<Hint> {
    if overlays.rules.len() > 64 || meta.kind == "StatefulSet" {
        return None;
    }
    let pointer = podspec::spec_pointer(&meta.api_version, &meta.kind)?;
    let rules = overlays
        .rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| rule.select.meta_matches(meta))
        .fold(0u64, |bits, (p, _)| bits | 1 << p);
    Some(Hint { rules, pointer })
}

/// Whether a rule's edits are only volumes, mounts and env entries this module writes.
fn simple(rule: &Rule) -> bool {
    let e = &rule.edits;
    let only_lists = e.env_from.is_empty()
        && e.node_selector.is_empty()
        && e.tolerations.is_empty()
        && e.labels.is_empty()
        && e.annotations.is_empty()
        && e.merge.is_none()
        && e.patch.is_empty();
    let named = |items: &[Value], field: Field| {
        items.iter().all(|item| {
            let name = |key: &str| self::field(item, key);
            name(field.key()).is_some()
                && (field != Field::Mounts || name("name").is_some())
                && (field != Field::Env || name("name").is_some_and(valid_env_name))
                && !surgical::ends_in_kept_breaks(item)
        })
    };
    only_lists
        && !(e.volumes.is_empty() && e.volume_mounts.is_empty() && e.env.is_empty())
        && named(&e.volumes, Field::Volumes)
        && named(&e.volume_mounts, Field::Mounts)
        && named(&e.env, Field::Env)
}

/// The entry at `path` (keys, at least one) below `node`; `Some(None)` when a key on the way is
/// absent or cannot be in a node the tree shows whole ([`lacks`]); `None` if it may be unseen.
fn entry_at<'n, 'k>(
    text: &str,
    mut node: &'n Node,
    path: impl IntoIterator<Item = &'k str>,
) -> Option<Option<&'n Entry>> {
    let mut entry = None;
    for key in path {
        let Kind::Map(map) = &node.kind else {
            return lacks(text, node, key).then_some(None);
        };
        let Some(found) = map.iter().find(|e| e.key(text) == key) else {
            return Some(None);
        };
        (node, entry) = (&found.value, Some(found));
    }
    entry.map(Some)
}

fn entries(node: &Node) -> Option<&[Entry]> {
    match &node.kind {
        Kind::Map(entries) if !entries.is_empty() => Some(entries),
        _ => None,
    }
}

/// The string at `key` of an entry to add (a few keys: read in order, not hashed).
fn field<'v>(item: &'v Value, key: &str) -> Option<&'v str> {
    let (_, value) = item.as_object()?.iter().find(|(k, _)| *k == key)?;
    value.as_str()
}

/// The string at `key` of a block mapping's entries.
fn string<'t>(text: &'t str, entries: &[Entry], key: &str) -> Option<Cow<'t, str>> {
    let entry = entries.iter().find(|e| e.key(text) == key)?;
    fast::string_at(text, &entry.value)
}

/// A list of a pod spec or container: its items (if the key is there) and the entries added.
struct List<'n, 't, 'o> {
    field: Field,
    /// The block sequence's items; `None` when the key is absent.
    items: Option<&'n [Item]>,
    /// The identity (`field.key()`) of every entry, those added included.
    keys: Vec<Cow<'t, str>>,
    /// The volume each mount names (mounts only), those added included.
    volumes: Vec<Cow<'t, str>>,
    added: Vec<(EntryId, &'o Value)>,
}

impl<'n, 't: 'n, 'o> List<'n, 't, 'o> {
    /// The list `field` of a mapping's entries: absent, or a block sequence (the trees hold no
    /// empty one) of block mappings with the strings this module reads; `None` for anything else.
    fn read(text: &'t str, map: &'n [Entry], field: Field) -> Option<Self> {
        let mut list = List {
            field,
            items: None,
            keys: Vec::new(),
            volumes: Vec::new(),
            added: Vec::new(),
        };
        let Some(entry) = map.iter().find(|e| e.key(text) == field.list()) else {
            return Some(list);
        };
        let Kind::Seq(items) = &entry.value.kind else {
            return None;
        };
        for item in items {
            let fields = entries(&item.value)?;
            list.keys.push(string(text, fields, field.key())?);
            if field == Field::Mounts {
                list.volumes.push(string(text, fields, "name")?);
            }
        }
        list.items = Some(items);
        Some(list)
    }

    /// Add `item` unless its identity is there (`None`: a conflict or a no-op, the general path's).
    fn add(&mut self, id: EntryId, item: &'o Value) -> Option<()>
    where
        'o: 't,
    {
        let key = field(item, self.field.key())?;
        if self.keys.iter().any(|k| k == key) {
            return None;
        }
        self.keys.push(Cow::Borrowed(key));
        if self.field == Field::Mounts {
            self.volumes.push(Cow::Borrowed(field(item, "name")?));
        }
        self.added.push((id, item));
        Some(())
    }

    /// No two entries share an identity.
    fn unique(&self) -> bool {
        let mut keys: Vec<&str> = self.keys.iter().map(|k| k.as_ref()).collect();
        keys.sort_unstable();
        keys.windows(2).all(|w| w[0] != w[1])
    }
}

/// A container (or init container) of the pod spec.
struct Container<'n, 't, 'o> {
    /// Its JSON pointer in the document.
    pointer: String,
    map: &'n [Entry],
    name: Cow<'t, str>,
    mounts: List<'n, 't, 'o>,
    env: List<'n, 't, 'o>,
    /// The lists the rules created, in the order they did.
    created: Vec<Field>,
}

/// The pod spec as far as the rules and the checks look at it.
struct Pod<'n, 't, 'o> {
    text: &'t str,
    map: &'n [Entry],
    /// The pod spec mapping's depth in the document (its lists are one deeper).
    depth: usize,
    volumes: List<'n, 't, 'o>,
    /// `containers`, then `initContainers`.
    containers: Vec<Container<'n, 't, 'o>>,
    /// How many of `containers` are regular containers.
    regular: usize,
    /// The pod spec's JSON pointer in the document.
    pointer: &'static str,
    /// Whether to record `ops` (only `--explain` lists them).
    describe: bool,
    /// The operations of the entries added, as the general path gives them.
    ops: Vec<TaggedOp>,
}

impl<'n, 't: 'n, 'o> Pod<'n, 't, 'o> {
    /// Read the pod spec at `pointer` below `root`; `None` unless it has the shapes this module
    /// reads and none of the output checks' defects (which the general path reports).
    fn read(text: &'t str, root: &'n Node, pointer: &'static str) -> Option<Self> {
        let map = entries(&entry_at(text, root, pointer.split('/').skip(1))??.value)?;
        let volumes = List::read(text, map, Field::Volumes)?;
        let mut containers = Vec::new();
        let mut regular = 0;
        for list in ["containers", "initContainers"] {
            if let Some(entry) = map.iter().find(|e| e.key(text) == list) {
                let Kind::Seq(items) = &entry.value.kind else {
                    return None;
                };
                for (i, item) in items.iter().enumerate() {
                    let map = entries(&item.value)?;
                    containers.push(Container {
                        pointer: format!("{pointer}/{list}/{i}"),
                        map,
                        name: string(text, map, "name")?,
                        mounts: List::read(text, map, Field::Mounts)?,
                        env: List::read(text, map, Field::Env)?,
                        created: Vec::new(),
                    });
                }
            }
            if list == "containers" {
                regular = containers.len();
            }
        }
        let pod = Pod {
            text,
            map,
            depth: pointer.bytes().filter(|&b| b == b'/').count(),
            volumes,
            containers,
            regular,
            pointer,
            describe: false,
            ops: Vec::new(),
        };
        pod.defect_free().then_some(pod)
    }

    /// None of the defects [`crate::checks::defects`] looks for: unique volume names, mounts of
    /// defined volumes at unique paths, unique and valid env names.
    fn defect_free(&self) -> bool {
        self.volumes.unique()
            && self.containers.iter().all(|c| {
                c.mounts.unique()
                    && c.env.unique()
                    && c.env.keys.iter().all(|name| valid_env_name(name))
            })
            && self.mounts_resolve()
    }

    /// Every mount, those added included, names a pod spec volume (the output checks' first rule).
    fn mounts_resolve(&self) -> bool {
        let mut volumes = self.containers.iter().flat_map(|c| &c.mounts.volumes);
        volumes.all(|v| self.volumes.keys.contains(v))
    }

    /// Apply one unit (`id`: see [`EntryId`]) that took the document by its identifying fields:
    /// `false` when its containers are not there, `None` when the general path must judge.
    fn apply(&mut self, id: usize, unit: &'o Adds<'o>) -> Option<bool>
    where
        'o: 't,
    {
        let targets: Vec<usize> = match unit.reach {
            Reach::Named { pattern, init } => {
                let reach = if init {
                    self.containers.len()
                } else {
                    self.regular
                };
                let targets: Vec<usize> = (0..reach)
                    .filter(|&i| pattern.is_none_or(|re| re.is_match(&self.containers[i].name)))
                    .collect();
                if pattern.is_some() && targets.is_empty() {
                    return Some(false);
                }
                targets
            }
            Reach::Requesting(resource) => {
                let mut targets = Vec::new();
                for (i, c) in self.containers.iter().enumerate() {
                    if requests(self.text, c.map, resource)? {
                        targets.push(i);
                    }
                }
                if targets.is_empty() {
                    return Some(false);
                }
                targets
            }
        };
        let pod = self.pointer;
        for (i, (volume, tag)) in unit.volumes.iter().enumerate() {
            if self.describe {
                record(&mut self.ops, tag, pod, &self.volumes, volume);
            }
            self.volumes.add((id, i), volume)?;
        }
        for i in targets {
            let c = &mut self.containers[i];
            for (list, items) in [(&mut c.mounts, &unit.mounts), (&mut c.env, &unit.env)] {
                for (k, (item, tag)) in items.iter().enumerate() {
                    if self.describe {
                        record(&mut self.ops, tag, &c.pointer, list, item);
                    }
                    list.add((id, k), item)?;
                    if list.items.is_none() && !c.created.contains(&list.field) {
                        c.created.push(list.field);
                    }
                }
            }
        }
        Some(true)
    }

    /// The lines to insert, in the order the minimal-edit writer pushes its edits: by position,
    /// then deeper first, then as pushed (a stable sort).
    fn inserts(&self, cache: &Lines) -> Option<Vec<(usize, String, bool)>> {
        let text = self.text;
        let mut edits: Vec<(usize, usize, String, bool)> = Vec::new();
        let mut items_of = |list: &List<'_, '_, '_>, depth: usize| -> Option<()> {
            let (Some(items), Some((_, last))) = (list.items, list.added.last()) else {
                return Some(());
            };
            let col = surgical::column(text, items.first()?.dash);
            let lines = written(cache, list, col, false)?;
            let at = surgical::line_after(text, items.last()?.end());
            edits.push((at, depth, lines, surgical::ends_in_kept_breaks(last)));
            Some(())
        };
        items_of(&self.volumes, self.depth + 1)?;
        for c in &self.containers {
            items_of(&c.mounts, self.depth + 3)?;
            items_of(&c.env, self.depth + 3)?;
        }
        for c in &self.containers {
            let lists = c.created.iter().map(|f| match f {
                Field::Mounts => &c.mounts,
                _ => &c.env,
            });
            edits.extend(new_keys(cache, text, c.map, lists, self.depth + 2)?);
        }
        let created = self.volumes.items.is_none() && !self.volumes.added.is_empty();
        edits.extend(new_keys(
            cache,
            text,
            self.map,
            created.then_some(&self.volumes),
            self.depth,
        )?);
        edits.sort_by_key(|(at, depth, _, _)| (*at, Reverse(*depth)));
        Some(
            edits
                .into_iter()
                .map(|(at, _, lines, keep)| (at, lines, keep))
                .collect(),
        )
    }
}

/// The operations the general path ([`podspec::upsert_by_key`]) gives the addition of `item` to
/// `list` of the object at `at`: the list created first when it is not there yet.
fn record(ops: &mut Vec<TaggedOp>, tag: &str, at: &str, list: &List<'_, '_, '_>, item: &Value) {
    let pointer = podspec::join(at, list.field.list());
    let mut push = |op| {
        ops.push(TaggedOp {
            op,
            parameter: tag.to_string(),
        })
    };
    if list.items.is_none() && list.added.is_empty() {
        push(podspec::add(&pointer, Value::Array(Vec::new())));
    }
    push(podspec::add(&format!("{pointer}/-"), item.clone()));
}

/// Whether a container (its mapping's entries) asks for more than zero of `resource` in `requests`
/// or `limits`, as [`podspec::uses_resource`] reads it; `None` when the text is not certain.
fn requests(text: &str, container: &[Entry], resource: &str) -> Option<bool> {
    let Some(resources) = container.iter().find(|e| e.key(text) == "resources") else {
        return Some(false);
    };
    if lacks(text, &resources.value, resource) {
        return Some(false);
    }
    let kinds = entries(&resources.value)?;
    for kind in ["requests", "limits"] {
        let Some(amounts) = kinds.iter().find(|e| e.key(text) == kind) else {
            continue;
        };
        if lacks(text, &amounts.value, resource) {
            continue;
        }
        if let Some(amount) = entry_at(text, &amounts.value, [resource])?
            && podspec::is_positive_quantity(&fast::scalar_at(text, &amount.value)?)
        {
            return Some(true);
        }
    }
    Some(false)
}

/// Whether the text of a node the tree shows whole (a scalar, a flow collection) cannot hold the
/// key `name`: it has neither the name nor an escape, which could spell it.
fn lacks(text: &str, node: &Node, name: &str) -> bool {
    text.get(node.start..node.end)
        .is_some_and(|t| !t.contains(name) && !t.contains('\\'))
}

/// The entries added to `list`, written at column `col` as the minimal-edit writer writes them:
/// as new items of the list, or (`key`) as the list's new key with its items.
fn written(cache: &Lines, list: &List<'_, '_, '_>, col: usize, key: bool) -> Option<String> {
    let added = || list.added.iter().map(|(id, _)| *id);
    let same = |(field, ids, at, as_key): &LinesKey| {
        (*field, *at, *as_key) == (list.field, col, key) && ids.iter().copied().eq(added())
    };
    if let Some((_, lines)) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|(id, _)| same(id))
    {
        return Some(lines.clone());
    }
    let lines = match key {
        true => {
            let items = list.added.iter().map(|(_, v)| (*v).clone()).collect();
            surgical::entry_lines(list.field.list(), &Value::Array(items), col).ok()?
        }
        false => list
            .added
            .iter()
            .map(|(_, item)| surgical::item_lines(item, col).ok())
            .collect::<Option<String>>()?,
    };
    // A line the stream would read as a separator (`---` in a block scalar): the general path's.
    if lines.lines().any(crate::stream::split::is_separator) {
        return None;
    }
    let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
    if cache.len() < MAX_LINES {
        cache.push(((list.field, added().collect(), col, key), lines.clone()));
    }
    Some(lines)
}

/// The lists a mapping gains as new keys, appended after its last entry at its column.
fn new_keys<'l, 'n: 'l, 't: 'l, 'o: 'l>(
    cache: &Lines,
    text: &str,
    map: &[Entry],
    lists: impl IntoIterator<Item = &'l List<'n, 't, 'o>>,
    depth: usize,
) -> Option<Option<(usize, usize, String, bool)>> {
    let col = surgical::column(text, map.first()?.key_start);
    let (mut lines, mut keep) = (String::new(), false);
    for list in lists {
        lines.push_str(&written(cache, list, col, true)?);
        keep = list
            .added
            .last()
            .is_some_and(|(_, v)| surgical::ends_in_kept_breaks(v));
    }
    if lines.is_empty() {
        return Some(None);
    }
    let at = surgical::line_after(text, map.last()?.end());
    Some(Some((at, depth, lines, keep)))
}

/// The direct edits of a window's own documents (`own`) but those the plan keeps (`reserved`) or
/// that may reference a ConfigMap whose checksum changes (`config_maps`). `hints`: pass 1's
/// [`hint`] of a document (`Some(None)`: not one they take; `None`: not known, read its fields).
pub(crate) fn edit_window(
    stream: &Stream<'_>,
    reserved: &BTreeSet<usize>,
    direct: &Direct<'_>,
    own: &dyn Fn(usize) -> bool,
    config_maps: &[(String, String)],
    hints: &dyn Fn(usize) -> Option<Option<Hint>>,
) -> Edited {
    let mut edited = Edited::default();
    for doc in &stream.docs {
        if !own(doc.index)
            || reserved.contains(&doc.index)
            || doc.is_empty()
            || config_maps.iter().any(|(name, _)| doc.may_hold(name))
        {
            continue;
        }
        let hint = hints(doc.index).unwrap_or_else(|| {
            let meta = doc.meta_ref().ok().flatten();
            meta.and_then(|meta| hint(direct.overlays, meta))
        });
        let Some(hint) = hint else {
            continue;
        };
        if let Some(done) = direct.edit(doc, hint) {
            let Some(text) = done.text else {
                edited.untouched.insert(doc.index);
                continue;
            };
            edited.texts.insert(doc.index, text);
            edited.matched.insert(doc.index, done.rules);
            if direct.describe {
                edited.ops.insert(doc.index, done.ops);
            }
        }
    }
    edited
}

/// What [`edit_window`] did: each document's new text, the rules that matched it and its operations
/// (tagged with their rule, as the general path tags them).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Edited {
    pub texts: BTreeMap<usize, String>,
    /// Documents the plan's unit surely adds nothing to: no GPU container, or no text naming it.
    pub untouched: BTreeSet<usize>,
    pub matched: BTreeMap<usize, Vec<usize>>,
    pub ops: BTreeMap<usize, Vec<TaggedOp>>,
}

#[cfg(any(test, fuzzing))]
/// How the direct edits compare with the general path on a stream ([`compare`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compared {
    /// The stream or the rules fail on the general path (and the direct edits took no document
    /// whose own edits fail).
    Failed,
    /// Both wrote `output`; the direct edits took `taken` documents.
    Same { output: String, taken: usize },
}

#[cfg(any(test, fuzzing))]
/// For the tests and the `direct_edits` fuzz target: the direct edits held to the general path
/// (`general_path`) on a whole stream: the same output byte for byte, operations and rules on every
/// document taken, the same result with and without pass 1's hints, and, where the general path
/// fails, no document taken whose own edits fail. `Err` describes a disagreement.
pub fn compare(
    text: &str,
    values: &crate::values::Values,
    overlays: &Overlays,
) -> std::result::Result<Compared, String> {
    let Ok(stream) = Stream::read(text) else {
        return Ok(Compared::Failed);
    };
    let gpu = Generic::from(values);
    let direct = Direct::new(overlays, gpu.as_ref().map(Adds::gpu), true);
    let none = BTreeSet::new();
    let run = |hints: &dyn Fn(usize) -> Option<Option<Hint>>| match &direct {
        Some(direct) => edit_window(&stream, &none, direct, &|_| true, &[], hints),
        None => Edited::default(),
    };
    let edited = run(&|_| None);
    // With the hints pass 1 gives (the identifying fields read once, for every rule).
    let hinted = run(&|i: usize| {
        let meta = stream.docs[i].meta_ref().ok().flatten();
        Some(meta.and_then(|meta| hint(overlays, meta)))
    });
    if hinted != edited {
        return Err("the hints change what the direct edits do".to_string());
    }
    let Edited {
        texts,
        untouched,
        matched,
        ops: direct_ops,
    } = edited;
    let Some((general_ops, changed, general)) = general_path(&stream, values, overlays) else {
        // The run fails on this stream whatever the direct edits do (the general path meets
        // the other documents), unless they took a document whose own edits fail there: that
        // failure would be hidden.
        for index in texts.keys() {
            let alone = Stream::read(stream.docs[*index].raw()).map_err(|e| e.to_string())?;
            if general_path(&alone, values, overlays).is_none() {
                return Err(format!(
                    "document {index} taken, and its own edits fail on the general path"
                ));
            }
        }
        return Ok(Compared::Failed);
    };
    for (index, ops) in &direct_ops {
        // The operations `--explain` lists: those of the general path, in its order.
        let general = general_ops.get(index).map_or(&[][..], Vec::as_slice);
        if general != ops.as_slice() {
            return Err(format!(
                "document {index}: the operations differ:\n--- direct\n{ops:?}\n--- general\n{general:?}"
            ));
        }
    }
    let is_rule = |op: &&TaggedOp| {
        overlays
            .rules
            .iter()
            .any(|r| r.id.to_string() == op.parameter)
    };
    for index in &untouched {
        // The plan's unit was judged to add nothing: the plan adds nothing either.
        let mut ops = general_ops.get(index).into_iter().flatten();
        if let Some(op) = ops.find(|op| !is_rule(op)) {
            return Err(format!(
                "document {index}: judged untouched, and the plan edits it: {op:?}"
            ));
        }
    }
    for (index, rules) in &matched {
        // Every rule that edited a document taken here on the general path matched it here (a
        // rule may match and add nothing: a container pattern on a pod without containers).
        let labels: Vec<String> = rules
            .iter()
            .map(|&p| overlays.rules[p].id.to_string())
            .collect();
        let ops = general_ops.get(index).into_iter().flatten();
        if let Some(op) = ops
            .filter(is_rule)
            .find(|op| !labels.contains(&op.parameter))
        {
            return Err(format!(
                "document {index}: {} edited it on the general path, not matched here ({labels:?})",
                op.parameter
            ));
        }
    }
    let taken = texts.len();
    let rest = changed
        .into_iter()
        .filter(|(index, _)| !texts.contains_key(index))
        .collect();
    let direct = crate::stream::emit::write_own(&stream, &rest, texts, &|_| true, false)
        .map_err(|e| e.to_string())?;
    if direct != general {
        let line = direct
            .lines()
            .zip(general.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(direct.lines().count().min(general.lines().count()));
        return Err(format!(
            "the outputs differ from line {}:\n--- direct\n{direct}\n--- general\n{general}",
            line + 1
        ));
    }
    Ok(Compared::Same {
        output: direct,
        taken,
    })
}

#[cfg(any(test, fuzzing))]
/// [`compare`]'s reference, on values: the generic plan, then [`crate::overlay::apply`]; the
/// changed documents' operations and values, the stream as the windows write it; `None` on failure.
#[allow(clippy::type_complexity)]
fn general_path(
    stream: &Stream<'_>,
    values: &crate::values::Values,
    overlays: &Overlays,
) -> Option<(
    BTreeMap<usize, Vec<TaggedOp>>,
    BTreeMap<usize, Value>,
    String,
)> {
    let profile = crate::profile::ChartProfile::builtin().ok()?;
    let choice = crate::profile::Choice::Generic;
    let gpu = Generic::from(values);
    let plan = crate::plan::plan(stream, values, &profile, &choice, gpu.as_ref(), &|_| false);
    let plan = plan.ok()?;
    let plan = plan.plan.ok()?;
    let applied = crate::overlay::apply(stream, &plan.drafts, overlays).ok()?;
    let mut ops = plan.patches;
    for (index, rule_ops) in applied.ops {
        ops.entry(index).or_default().extend(rule_ops);
    }
    let mut docs = plan.drafts;
    docs.extend(applied.docs);
    let mut changed = BTreeMap::new();
    for (index, value) in docs {
        if stream.docs[index].value().ok()? != Some(&value) {
            changed.insert(index, value);
        }
    }
    ops.retain(|index, _| changed.contains_key(index));
    // Written as the windows write (an empty stream's placeholder is the driver's).
    let output =
        crate::stream::emit::write_own(stream, &changed, BTreeMap::new(), &|_| true, false);
    Some((ops, changed, output.ok()?))
}

#[cfg(test)]
mod tests;
