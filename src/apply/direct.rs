//! Direct edits: the overlay rules that only add entries to a pod spec's `volumes` and to its
//! containers' `volumeMounts` and `env` — the common case, and the benchmark's — applied to a
//! document's text without building its value.
//!
//! The general path ([`crate::overlay`], then the minimal-edit writer of
//! [`crate::stream::surgical`]) reads an edited document three times (its value, its positions,
//! and the writer's output, checked against the intended value), copies and patches the value,
//! compares old and new values level by level, and checks the result. Here a document is read
//! once, into the writer's position tree; the names that the rules and the output checks look at
//! are read from the tree; new entries are written by the writer's own functions at the places
//! the writer puts them (after a list's last item at its dash column, or as a new key after a
//! mapping's last entry), in the writer's order. The text is therefore the writer's to the byte,
//! which the tests hold it to against the general path on every document they have.
//!
//! A document is edited here only when that outcome is certain, and left to the general path
//! otherwise (which then gives the same output, findings and messages it always gave):
//! - every rule whose selector takes the document is *simple*: its edits are `volumes`,
//!   `volumeMounts` and `env` only, with names that are plain strings, and valid env names;
//! - the document is a pod-bearing kind whose pod spec is at a fixed place (not a `List`, not a
//!   StatefulSet, whose claim templates are volumes too), read by the fast reader
//!   ([`crate::stream::fast`]: block style, single-line scalars; anything else declines);
//! - the pod spec, its containers and their lists are block mappings and sequences whose names
//!   are plain or quoted strings, and they have none of the output checks' defects
//!   ([`crate::checks`]) before or after the rules: no warning or error can be due;
//! - no entry a rule adds is there already (by name, or mount path): no conflict, replacement or
//!   no-op to judge — a second run on the output goes through the general path, which changes
//!   nothing;
//! - the caller excludes documents that an export must name, that the built-in injection
//!   edited, or that may reference a ConfigMap whose checksum changes.
//!
//! A document edited here also gets the operations the general path would give its edits, in
//! its order, for `--explain` (the tests and the fuzz target hold them to it too).

use std::borrow::Cow;
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

use json_patch::PatchOperation;
use serde_json::Value;

use crate::checks::valid_env_name;
use crate::overlay::{Overlays, Rule};
use crate::plan::TaggedOp;
use crate::podspec;
use crate::stream::fast;
use crate::stream::surgical;
use crate::stream::tree::{Entry, Item, Kind, Node};
use crate::stream::{Document, Meta, Stream};

/// A document the direct edits rewrote.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rewritten {
    /// Its body and trailer, as [`surgical::rewrite`] would have written them.
    pub text: String,
    /// The positions of the rules that matched it (in rule order).
    pub rules: Vec<usize>,
    /// The operations the general path gives these edits (for `--explain`), with the position
    /// of the rule behind each.
    pub ops: Vec<(usize, PatchOperation)>,
}

/// The overlay rules, each judged once: whether it is simple.
pub(crate) struct Direct<'o> {
    rules: &'o [Rule],
    simple: Vec<bool>,
    /// Give each document's operations too (for `--explain`).
    describe: bool,
    /// The lines written for the entries added to a list, by list, entries and column: most
    /// documents of a stream get the same ones (serialising them was a third of the cost).
    lines: RefCell<HashMap<LinesKey, String>>,
}

/// An added entry: the rule's position and the entry's index in the rule's list.
type EntryId = (usize, usize);

/// Added entries written as new items of a list (`false`) or as a new key (`true`), at a column.
type LinesKey = (Field, Vec<EntryId>, usize, bool);

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

/// Whether any overlay rule is simple: only then can documents be edited directly.
pub(crate) fn applies(overlays: &Overlays) -> bool {
    overlays.rules.iter().any(simple)
}

impl<'o> Direct<'o> {
    /// `None` when no rule is simple (nothing to do here).
    pub(crate) fn new(overlays: &'o Overlays, describe: bool) -> Option<Self> {
        let simple: Vec<bool> = overlays.rules.iter().map(simple).collect();
        simple.iter().any(|s| *s).then_some(Direct {
            rules: &overlays.rules,
            simple,
            describe,
            lines: RefCell::new(HashMap::new()),
        })
    }

    /// The document rewritten by every rule that matches it, or `None` to leave it to the
    /// general path (no rule matches, or the outcome is not certain here). `hint` is what
    /// [`hint`] says of the document's identifying fields.
    pub(crate) fn edit(&self, doc: &Document<'_>, hint: Hint) -> Option<Rewritten> {
        let candidates: Vec<usize> = (0..self.rules.len())
            .filter(|&p| hint.rules & (1 << p) != 0)
            .collect();
        if candidates.is_empty() || candidates.iter().any(|&p| !self.simple[p]) {
            return None;
        }
        let pointer = hint.pointer;
        let text = doc.yaml();
        let root = fast::tree(text)?;
        let mut node = &root;
        let mut depth = 0;
        for segment in pointer.split('/').skip(1) {
            node = &entries(node)?.iter().find(|e| e.key == segment)?.value;
            depth += 1;
        }
        let mut pod = Pod::read(text, entries(node)?, depth, pointer)?;
        pod.describe = self.describe;
        let mut rules = Vec::new();
        for p in candidates {
            if pod.apply(p, &self.rules[p])? {
                rules.push(p);
            }
        }
        pod.added_mounts_resolve()?;
        let inserts = pod.inserts(&self.lines)?;
        if inserts.is_empty() {
            return None;
        }
        if inserts
            .iter()
            .any(|(_, lines, _)| lines.lines().any(crate::stream::split::is_separator))
        {
            return None;
        }
        let crlf = doc.raw().contains("\r\n");
        let text = surgical::insert_lines(text, inserts, crlf)?;
        Some(Rewritten {
            text,
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

/// The [`Hint`] for a document with identifying fields `meta`, or `None` when the direct edits
/// cannot take it: not a kind with a pod spec at a fixed place (a `List`, a StatefulSet, whose
/// claim templates are volumes too), or more rules than the hint counts.
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
            let name = |key: &str| item.get(key).and_then(Value::as_str);
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

/// The entries of a block mapping node.
fn entries(node: &Node) -> Option<&[Entry]> {
    match &node.kind {
        Kind::Map(entries) if !entries.is_empty() => Some(entries),
        _ => None,
    }
}

/// The string at `key` of a block mapping's entries.
fn string<'t>(text: &'t str, entries: &[Entry], key: &str) -> Option<Cow<'t, str>> {
    let entry = entries.iter().find(|e| e.key == key)?;
    fast::string_at(text, &entry.value)
}

/// A list of a pod spec or container: its items as they are (if the key is there) and the
/// entries the rules add.
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
    /// The list `field` of a mapping's entries: absent, or a non-empty block sequence of block
    /// mappings with the strings this module reads; `None` for anything else.
    fn read(text: &'t str, map: &'n [Entry], field: Field) -> Option<Self> {
        let mut list = List {
            field,
            items: None,
            keys: Vec::new(),
            volumes: Vec::new(),
            added: Vec::new(),
        };
        let Some(entry) = map.iter().find(|e| e.key == field.list()) else {
            return Some(list);
        };
        let Kind::Seq(items) = &entry.value.kind else {
            return None;
        };
        if items.is_empty() {
            return None;
        }
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

    /// Add `item` unless its identity is there already (`None`: a conflict or a no-op, the
    /// general path's to judge).
    fn add(&mut self, id: EntryId, item: &'o Value) -> Option<()> {
        let key = item.get(self.field.key()).and_then(Value::as_str)?;
        if self.keys.iter().any(|k| k == key) {
            return None;
        }
        self.keys.push(Cow::Owned(key.to_string()));
        if self.field == Field::Mounts {
            let volume = item.get("name").and_then(Value::as_str)?;
            self.volumes.push(Cow::Owned(volume.to_string()));
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
    /// The operations of the entries added, as the general path gives them, by rule position.
    ops: Vec<(usize, PatchOperation)>,
}

impl<'n, 't: 'n, 'o> Pod<'n, 't, 'o> {
    /// Read the pod spec; `None` unless it has the shapes this module reads and none of the
    /// output checks' defects (which the general path reports).
    fn read(text: &'t str, map: &'n [Entry], depth: usize, pointer: &'static str) -> Option<Self> {
        let volumes = List::read(text, map, Field::Volumes)?;
        let mut containers = Vec::new();
        let mut regular = 0;
        for list in ["containers", "initContainers"] {
            if let Some(entry) = map.iter().find(|e| e.key == list) {
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
            depth,
            volumes,
            containers,
            regular,
            pointer,
            describe: false,
            ops: Vec::new(),
        };
        pod.defect_free().then_some(pod)
    }

    /// No defect [`crate::checks::defects`] looks for: unique volume names, mounts of defined
    /// volumes at unique paths, unique and valid env names.
    fn defect_free(&self) -> bool {
        self.volumes.unique()
            && self.containers.iter().all(|c| {
                c.mounts.unique()
                    && c.env.unique()
                    && c.env.keys.iter().all(|name| valid_env_name(name))
                    && c.mounts
                        .volumes
                        .iter()
                        .all(|v| self.volumes.keys.contains(v))
            })
    }

    /// Apply one rule whose selector took the document by its identifying fields: `false` when
    /// its container pattern reaches no container (the rule does not match), `None` when the
    /// outcome is the general path's to judge.
    fn apply(&mut self, position: usize, rule: &'o Rule) -> Option<bool> {
        let select = &rule.select;
        let reach = match select.init_containers {
            true => self.containers.len(),
            false => self.regular,
        };
        let targets: Vec<usize> = (0..reach)
            .filter(|&i| {
                select
                    .containers
                    .as_ref()
                    .is_none_or(|re| re.is_match(&self.containers[i].name))
            })
            .collect();
        if select.containers.is_some() && targets.is_empty() {
            return Some(false);
        }
        let edits = &rule.edits;
        let pod = self.pointer;
        for (i, volume) in edits.volumes.iter().enumerate() {
            if self.describe {
                record(&mut self.ops, position, pod, &self.volumes, volume);
            }
            self.volumes.add((position, i), volume)?;
        }
        for i in targets {
            let container = &mut self.containers[i];
            for (field, items) in [
                (Field::Mounts, &edits.volume_mounts),
                (Field::Env, &edits.env),
            ] {
                for (k, item) in items.iter().enumerate() {
                    let list = match field {
                        Field::Mounts => &mut container.mounts,
                        _ => &mut container.env,
                    };
                    if self.describe {
                        record(&mut self.ops, position, &container.pointer, list, item);
                    }
                    list.add((position, k), item)?;
                    if list.items.is_none() && !container.created.contains(&field) {
                        container.created.push(field);
                    }
                }
            }
        }
        Some(true)
    }

    /// Every mount added names a volume of the pod spec (the output checks' first rule).
    fn added_mounts_resolve(&self) -> Option<()> {
        let defined = |name: &str| self.volumes.keys.iter().any(|k| k == name);
        self.containers
            .iter()
            .flat_map(|c| &c.mounts.added)
            .all(|(_, m)| m.get("name").and_then(Value::as_str).is_some_and(defined))
            .then_some(())
    }

    /// The lines to insert, in the order the minimal-edit writer pushes its edits: at one
    /// position, a deeper node's before its parent's.
    fn inserts(
        &self,
        cache: &RefCell<HashMap<LinesKey, String>>,
    ) -> Option<Vec<(usize, String, bool)>> {
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
        // A stable sort: at one position, deeper first, then in the order pushed.
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
fn record(
    ops: &mut Vec<(usize, PatchOperation)>,
    position: usize,
    at: &str,
    list: &List<'_, '_, '_>,
    item: &Value,
) {
    let pointer = podspec::join(at, list.field.list());
    if list.items.is_none() && list.added.is_empty() {
        ops.push((position, podspec::add(&pointer, Value::Array(Vec::new()))));
    }
    ops.push((
        position,
        podspec::add(&format!("{pointer}/-"), item.clone()),
    ));
}

/// The entries added to `list`, written at column `col` as the minimal-edit writer writes them:
/// as new items of the list, or (`key`) as the list's new key with its items.
fn written(
    cache: &RefCell<HashMap<LinesKey, String>>,
    list: &List<'_, '_, '_>,
    col: usize,
    key: bool,
) -> Option<String> {
    let id = (
        list.field,
        list.added.iter().map(|(id, _)| *id).collect(),
        col,
        key,
    );
    if let Some(lines) = cache.borrow().get(&id) {
        return Some(lines.clone());
    }
    let lines = match key {
        true => {
            let items = list.added.iter().map(|(_, v)| (*v).clone()).collect();
            surgical::entry_lines(list.field.list(), &Value::Array(items), col)?
        }
        false => {
            let mut lines = String::new();
            for (_, item) in &list.added {
                lines.push_str(&surgical::item_lines(item, col)?);
            }
            lines
        }
    };
    cache.borrow_mut().insert(id, lines.clone());
    Some(lines)
}

/// The lists a mapping gains as new keys, appended after its last entry at its column.
fn new_keys<'l, 'n: 'l, 't: 'l, 'o: 'l>(
    cache: &RefCell<HashMap<LinesKey, String>>,
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

/// The direct edits of a window's own documents (`own`), except those the built-in injection
/// edited (`drafts`) and those that may reference a ConfigMap whose checksum changes
/// (`config_maps`): each document's new text, and the rules that matched it. `hints` gives
/// what an earlier pass learnt of a document's identifying fields (`Some(None)`: not one the
/// direct edits take; `None`: not known, read them).
pub(crate) fn edit_window(
    stream: &Stream<'_>,
    drafts: &BTreeMap<usize, Value>,
    overlays: &Overlays,
    own: &dyn Fn(usize) -> bool,
    config_maps: &[(String, String)],
    hints: &dyn Fn(usize) -> Option<Option<Hint>>,
    describe: bool,
) -> Edited {
    let mut edited = Edited::default();
    let Some(direct) = Direct::new(overlays, describe) else {
        return edited;
    };
    for doc in &stream.docs {
        if !own(doc.index) || drafts.contains_key(&doc.index) || doc.is_empty() {
            continue;
        }
        if config_maps.iter().any(|(name, _)| doc.may_hold(name)) {
            continue;
        }
        let hint = match hints(doc.index) {
            Some(hint) => hint,
            None => match doc.meta_ref() {
                Ok(Some(meta)) => hint(overlays, meta),
                _ => None,
            },
        };
        let Some(hint) = hint else {
            continue;
        };
        if let Some(done) = direct.edit(doc, hint) {
            edited.texts.insert(doc.index, done.text);
            edited.matched.insert(doc.index, done.rules);
            if describe {
                let ops = done.ops.into_iter().map(|(p, op)| TaggedOp {
                    op,
                    parameter: overlays.rules[p].id.to_string(),
                });
                edited.ops.insert(doc.index, ops.collect());
            }
        }
    }
    edited
}

/// What [`edit_window`] did: each document's new text, the rules that matched it, and its
/// operations (tagged with their rule, as the general path tags them).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Edited {
    pub texts: BTreeMap<usize, String>,
    pub matched: BTreeMap<usize, Vec<usize>>,
    pub ops: BTreeMap<usize, Vec<TaggedOp>>,
}

/// How the direct edits compare with the general path on a stream ([`compare`]).
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compared {
    /// The stream or the rules fail on the general path (and the direct edits took no document
    /// whose own edits fail).
    Failed,
    /// Both wrote `output`; the direct edits took `taken` documents.
    Same { output: String, taken: usize },
}

/// The direct edits held to the general path on a whole stream (the overlay rules on values,
/// then the minimal-edit writer), for the tests and the `direct_edits` fuzz target: the same
/// output byte for byte, the same rules on every document taken, the same result with and
/// without pass 1's hints, and, where the general path fails, no document taken whose own edits
/// fail. `Err` describes a disagreement.
#[doc(hidden)]
pub fn compare(text: &str, overlays: &Overlays) -> std::result::Result<Compared, String> {
    let Ok(stream) = Stream::read(text) else {
        return Ok(Compared::Failed);
    };
    let none = BTreeMap::new();
    let edited = edit_window(&stream, &none, overlays, &|_| true, &[], &|_| None, true);
    // With the hints pass 1 gives (the identifying fields read once, for every rule).
    let hints = |i: usize| {
        let meta = stream.docs[i].meta_ref().ok().flatten();
        Some(meta.and_then(|meta| hint(overlays, meta)))
    };
    let hinted = edit_window(&stream, &none, overlays, &|_| true, &[], &hints, true);
    if hinted != edited {
        return Err("the hints change what the direct edits do".to_string());
    }
    let Edited {
        texts,
        matched,
        ops: direct_ops,
    } = edited;
    let general = (|| {
        let applied = crate::overlay::apply(&stream, &none, overlays).ok()?;
        let mut changed = BTreeMap::new();
        for (index, value) in &applied.docs {
            if stream.docs[*index].value().ok()? != Some(value) {
                changed.insert(*index, value.clone());
            }
        }
        // Written as the windows write (an empty stream's placeholder is the driver's).
        let all = BTreeMap::new();
        let output = crate::stream::emit::write_own(&stream, &changed, all, &|_| true, false);
        let output = output.ok()?;
        Some((applied, changed, output))
    })();
    let Some((applied, changed, general)) = general else {
        // The run fails on this stream whatever the direct edits do (the general path meets
        // the other documents), unless they took a document whose own edits fail there: that
        // failure would be hidden.
        for index in texts.keys() {
            let alone = Stream::read(stream.docs[*index].raw()).map_err(|e| e.to_string())?;
            if crate::overlay::apply(&alone, &none, overlays).is_err() {
                return Err(format!(
                    "document {index} taken, and its own edits fail on the general path"
                ));
            }
        }
        return Ok(Compared::Failed);
    };
    for (index, ops) in &direct_ops {
        // The operations `--explain` lists: those of the general path, in its order.
        let general: Vec<(String, &PatchOperation)> = applied
            .ops
            .get(index)
            .into_iter()
            .flatten()
            .map(|r| (r.rule.clone(), &r.op))
            .collect();
        let direct: Vec<(String, &PatchOperation)> =
            ops.iter().map(|t| (t.parameter.clone(), &t.op)).collect();
        if general != direct {
            return Err(format!(
                "document {index}: the operations differ:\n--- direct\n{direct:?}\n--- general\n{general:?}"
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
        let ops = applied.ops.get(index).into_iter().flatten();
        if let Some(op) = ops.into_iter().find(|op| !labels.contains(&op.rule)) {
            return Err(format!(
                "document {index}: {} edited it on the general path, not matched here ({labels:?})",
                op.rule
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

#[cfg(test)]
mod tests;
