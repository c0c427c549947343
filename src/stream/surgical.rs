//! The minimal-edit writer for changed documents: every subtree whose value did not change keeps
//! its original bytes (comments, blank lines, quoting, key order), and only what changed is
//! written anew, so `polyaxon-pr diff` and GitOps diffs show the real change and nothing else.
//!
//! The new value is compared with the old top-down over the original's position tree
//! ([`super::tree`]), giving byte-range edits: a changed scalar keeps its style where safe, a
//! removed key or item loses its lines (with the comment lines above it), a new key is appended at
//! the mapping's indentation, a new item is inserted where the new list has it, at the sequence's
//! dash column, and anything else is re-serialised ([`to_yaml`]) and shifted to its column.
//!
//! What this module writes must read back as exactly the new value; if it does not, or the document
//! holds what the tree does not model (anchors, aliases, tags, complex or duplicate keys, a changed
//! multi-line flow collection, a replaced root), the caller re-serialises it whole.

use std::ops::Range;

use serde_json::{Map, Value};
use serde_saphyr::granit_parser::ScalarStyle;

use super::Document;
use super::emit::to_yaml;
use super::split::holds_separator;
use super::tree::{self, Entry, Item, Kind, Node, Res, Unsupported, line_start};
pub(crate) use super::tree::{column, line_after};

/// The changed document's new text (body and trailer), written with the fewest changed lines, or
/// `None` when only a full re-serialisation is safe.
pub fn rewrite(doc: &Document<'_>, new: &Value) -> Option<String> {
    let old = doc.value().ok()??;
    // The fast reader built the tree while it read the value; the event parser reads the rest.
    let read;
    let root = match doc.tree() {
        Some(root) => root,
        None => {
            read = tree::read(doc.yaml()).ok()?;
            &read
        }
    };
    checked(edit_with(doc.yaml(), root, old, new, doc.crlf()), new)
}

#[cfg(test)]
/// [`rewrite`] on text: `text` parses to `old`; the result is kept only if it parses to exactly
/// `new` and introduces no document separator.
pub fn rewrite_text(text: &str, old: &Value, new: &Value, crlf: bool) -> Option<String> {
    checked(edit(text, old, new, crlf), new)
}

fn checked(out: Res<String>, new: &Value) -> Option<String> {
    let out = out.ok()?;
    (!holds_separator(&out) && reads_back_as(&out, new)).then_some(out)
}

/// The writer's safety net: whether `text` parses to exactly `expected`, first compared while read
/// ([`super::fast::matches`]: the output's block style and key order nearly always suit it).
fn reads_back_as(text: &str, expected: &Value) -> bool {
    crate::stream::fast::matches(text, expected)
        || super::parse_one(text, 1).is_ok_and(|value| value == *expected)
}

#[cfg(test)]
/// The edited text, without the safety net (for tests that check the edits themselves).
pub fn edit(text: &str, old: &Value, new: &Value, crlf: bool) -> Res<String> {
    let root = match super::fast::tree(text) {
        Some(root) => root,
        None => tree::read(text)?,
    };
    edit_with(text, &root, old, new, crlf)
}

/// The edited text of `text`, whose position tree is `root`.
fn edit_with(text: &str, root: &Node, old: &Value, new: &Value, crlf: bool) -> Res<String> {
    let mut editor = Editor {
        text,
        edits: Vec::new(),
    };
    editor.node(root, old, new, Ctx::Root)?;
    editor.apply(crlf)
}

/// How a node hangs from its parent, which decides how a replacement is written.
#[derive(Clone, Copy)]
enum Ctx<'a> {
    Root,
    Value {
        key: &'a str,
        colon: usize,
        col: usize,
    },
    Item {
        dash: usize,
        col: usize,
    },
}

/// The longest common subsequence of equal items as ordered (old, new) index pairs: common ends
/// first, then the middle unless its table would be costly (then left to positional pairing).
fn common_items(old: &[Value], new: &[Value]) -> Vec<(usize, usize)> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| same(a, b)).count();
    let (old_rest, new_rest) = (&old[prefix..], &new[prefix..]);
    let suffix = old_rest
        .iter()
        .rev()
        .zip(new_rest.iter().rev())
        .take_while(|(a, b)| same(a, b))
        .count();
    let (a, b) = (
        &old_rest[..old_rest.len() - suffix],
        &new_rest[..new_rest.len() - suffix],
    );
    let mut pairs: Vec<(usize, usize)> = (0..prefix).map(|i| (i, i)).collect();
    if a.len().saturating_mul(b.len()) <= 65_536 {
        pairs.extend(lcs(a, b).into_iter().map(|(i, j)| (prefix + i, prefix + j)));
    }
    let (old_tail, new_tail) = (old.len() - suffix, new.len() - suffix);
    pairs.extend((0..suffix).map(|k| (old_tail + k, new_tail + k)));
    pairs
}

/// The classic dynamic-programming longest common subsequence.
fn lcs(a: &[Value], b: &[Value]) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    // table[i][j]: the LCS length of a[i..] and b[j..].
    let mut table = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i][j] = match same(&a[i], &b[j]) {
                true => table[i + 1][j + 1] + 1,
                false => table[i + 1][j].max(table[i][j + 1]),
            };
        }
    }
    let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
    while i < n && j < m {
        if same(&a[i], &b[j]) {
            pairs.push((i, j));
            (i, j) = (i + 1, j + 1);
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

/// `a == b` (mappings equal as sets of entries, as serde_json compares them) without a hash lookup
/// where both mappings hold a key at the same position, as an edited copy and its original do
/// except around an added or removed key: the writer compares subtrees at every level it descends.
pub(crate) fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((key, x), (key_b, y))| match key == key_b {
                        true => same(x, y),
                        false => b.get(key).is_some_and(|y| same(x, y)),
                    })
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        _ => a == b,
    }
}

/// The old value of each entry of a mapping's tree: in order when the parsed keys line up with the
/// tree's (one read gave both), else by key; an error when they differ (duplicate or merge keys).
fn in_order<'v>(text: &str, entries: &[Entry], old: &'v Map<String, Value>) -> Res<Vec<&'v Value>> {
    let differ = Unsupported("keys differ from the parsed value (duplicates, merge keys)");
    if entries.len() != old.len() {
        return Err(differ);
    }
    if entries
        .iter()
        .zip(old.keys())
        .all(|(e, key)| e.key(text) == key)
    {
        return Ok(old.values().collect());
    }
    entries
        .iter()
        .map(|e| old.get(e.key(text)).ok_or_else(|| differ.clone()))
        .collect()
}

/// The new value of each entry of a mapping's tree (`None`: removed): looked for right after the
/// previous one (the new mapping is an edited copy of the old, mostly in order), else by key.
fn kept_values<'v>(
    text: &str,
    entries: &[Entry],
    new: &'v Map<String, Value>,
) -> Vec<Option<&'v Value>> {
    let mut rest = new.iter().peekable();
    entries
        .iter()
        .map(|e| match rest.peek() {
            Some((key, _)) if *key == e.key(text) => rest.next().map(|(_, value)| value),
            _ => new.get(e.key(text)),
        })
        .collect()
}

/// Replace `range` by `text`; `keep` when the text (for a deletion: the text before it) may end in
/// a keep-chomping block scalar (`|+`), which would take in the blank lines brought after it.
struct Edit {
    range: Range<usize>,
    text: String,
    keep: bool,
}

struct Editor<'t> {
    text: &'t str,
    edits: Vec<Edit>,
}

impl Editor<'_> {
    fn push(&mut self, range: Range<usize>, text: String, keep: bool) {
        self.edits.push(Edit { range, text, keep });
    }

    fn node(&mut self, node: &Node, old: &Value, new: &Value, ctx: Ctx<'_>) -> Res<()> {
        if same(old, new) {
            return Ok(());
        }
        // An emptied collection has no block form: it is replaced (by `{}` or `[]`).
        match (&node.kind, old, new) {
            (Kind::Map(entries), Value::Object(o), Value::Object(n))
                if !n.is_empty() && self.map(entries, o, n)? =>
            {
                Ok(())
            }
            (Kind::Seq(items), Value::Array(o), Value::Array(n)) if !n.is_empty() => {
                self.seq(items, o, n)
            }
            _ => self.replace(node, new, ctx),
        }
    }

    /// Edit a block mapping in place; `false` when no original key survives (to replace it whole).
    fn map(
        &mut self,
        entries: &[Entry],
        old: &Map<String, Value>,
        new: &Map<String, Value>,
    ) -> Res<bool> {
        let olds = in_order(self.text, entries, old)?;
        let news = kept_values(self.text, entries, new);
        let Some(first_kept) = news.iter().position(Option::is_some) else {
            return Ok(false);
        };
        let text = self.text;
        let first = &entries[0];
        let col = column(text, first.key_start);
        let region_start = |i: usize| match i {
            0 => line_start(text, first.key_start),
            _ => line_after(text, entries[i - 1].end()),
        };
        if first_kept > 0 {
            // A first key sharing its line with a sequence dash: the next kept key moves up there.
            let mid_line = text[line_start(text, first.key_start)..first.key_start].contains('-');
            let range = match mid_line {
                true => first.key_start..entries[first_kept].key_start,
                false => region_start(0)..region_start(first_kept),
            };
            self.push(range, String::new(), false);
        }
        let mut keep = false;
        for (i, entry) in entries.iter().enumerate().skip(first_kept) {
            match news[i] {
                None => {
                    let end = line_after(text, entry.end());
                    self.push(region_start(i)..end, String::new(), keep);
                }
                Some(value) => {
                    keep = ends_in_kept_breaks(value);
                    let ctx = Ctx::Value {
                        key: entry.key(self.text),
                        colon: entry.colon,
                        col,
                    };
                    self.node(&entry.value, olds[i], value, ctx)?;
                }
            }
        }
        let mut added = String::new();
        for (key, value) in new.iter().filter(|(k, _)| !old.contains_key(*k)) {
            added.push_str(&entry_lines(key, value, col)?);
            keep = ends_in_kept_breaks(value);
        }
        if let Some(last) = entries.last() {
            self.insert(line_after(text, last.end()), added, keep);
        }
        Ok(true)
    }

    /// Edit a block sequence: items in both lists (their longest common subsequence) are kept;
    /// between two kept items, old and new ones are paired by position and edited, extras dropped
    /// or inserted there: a removed or inserted item changes only its lines.
    fn seq(&mut self, items: &[Item], old: &[Value], new: &[Value]) -> Res<()> {
        let Some(first) = items.first() else {
            return Err(Unsupported("empty block sequence"));
        };
        if items.len() != old.len() {
            return Err(Unsupported("items differ from the parsed value"));
        }
        let col = column(self.text, first.dash);
        let (mut o, mut n) = (0, 0);
        for (kept_o, kept_n) in common_items(old, new)
            .into_iter()
            .chain([(old.len(), new.len())])
        {
            self.gap(items, old, new, o..kept_o, n..kept_n, col)?;
            (o, n) = (kept_o + 1, kept_n + 1);
        }
        Ok(())
    }

    /// Between two kept items (or a list end): `old[gap_o]` and `new[gap_n]`, at dash column `col`.
    fn gap(
        &mut self,
        items: &[Item],
        old: &[Value],
        new: &[Value],
        gap_o: Range<usize>,
        gap_n: Range<usize>,
        col: usize,
    ) -> Res<()> {
        let paired = gap_o.len().min(gap_n.len());
        for k in 0..paired {
            let (i, j) = (gap_o.start + k, gap_n.start + k);
            let ctx = Ctx::Item {
                dash: items[i].dash,
                col,
            };
            self.node(&items[i].value, &old[i], &new[j], ctx)?;
        }
        // The new item the text before a deletion or insertion ends with, if any.
        let before = (gap_n.start + paired).checked_sub(1).map(|j| &new[j]);
        let keep = before.is_some_and(ends_in_kept_breaks);
        let dropped = gap_o.start + paired..gap_o.end;
        let mid_line = self.first_dash_mid_line(items);
        if let Some(last) = dropped.end.checked_sub(1).filter(|_| !dropped.is_empty()) {
            let range = match dropped.start == 0 && mid_line {
                // `- - a`: the next kept item moves up to the first dash (one follows: the new
                // list is not empty and has no item before it).
                true => {
                    let next = items.get(dropped.end).ok_or(Unsupported("no item left"))?;
                    items[0].dash..next.dash
                }
                false => {
                    self.item_start(items, dropped.start)..line_after(self.text, items[last].end())
                }
            };
            self.push(range, String::new(), keep);
        }
        let extra = &new[gap_n.start + paired..gap_n.end];
        if extra.is_empty() {
            return Ok(());
        }
        let lines = extra.iter().map(|value| item_lines(value, col));
        let lines = lines.collect::<Res<String>>()?;
        let keep = extra.last().is_some_and(ends_in_kept_breaks);
        match (gap_o.start + paired).checked_sub(1) {
            Some(i) => self.insert(line_after(self.text, items[i].end()), lines, keep),
            None if !mid_line => self.insert(self.item_start(items, 0), lines, keep),
            None => {
                // Before a first item that shares its line: the new items take the dash's place
                // and the old first item moves to a line of its own, at the same column.
                let text = format!("{}{}", &lines[col..], " ".repeat(col));
                let at = items[0].dash;
                self.push(at..at, text, false);
            }
        }
        Ok(())
    }

    /// Whether the first item's dash follows other content on its line (`- - a`).
    fn first_dash_mid_line(&self, items: &[Item]) -> bool {
        items.first().is_some_and(|first| {
            let start = line_start(self.text, first.dash);
            !self.text[start..first.dash]
                .trim_start_matches(' ')
                .is_empty()
        })
    }

    /// Where the lines of item `i` start: after the previous item's content (comment lines
    /// above it included), or at the start of the first item's line.
    fn item_start(&self, items: &[Item], i: usize) -> usize {
        match i.checked_sub(1) {
            Some(prev) => line_after(self.text, items[prev].end()),
            None => line_start(self.text, items[0].dash),
        }
    }

    /// Write `new` in place of `node`: a scalar in its own style where possible, else the value
    /// after the original key's colon or item's dash, re-serialised and shifted to the column.
    fn replace(&mut self, node: &Node, new: &Value, ctx: Ctx<'_>) -> Res<()> {
        if let Kind::Flow { multi_line: true } = node.kind {
            return Err(Unsupported("changed multi-line flow collection"));
        }
        let (from, col) = match ctx {
            Ctx::Root => return Err(Unsupported("replaced root")),
            Ctx::Value { colon, col, .. } => (colon, col),
            Ctx::Item { dash, col } => (dash, col),
        };
        if let Some(text) = inline_scalar(node, new, from)? {
            self.push(node.start..node.end, text, false);
            return Ok(());
        }
        let text = match ctx {
            Ctx::Value { key, .. } => {
                let key_text = rendered_key(key)?;
                let entry = shift(&yaml(&single(key, new))?, col, false);
                let rest = entry
                    .strip_prefix(key_text.as_str())
                    .filter(|rest| rest.starts_with(':'))
                    .ok_or(Unsupported("key rendered differently"))?;
                rest.to_string()
            }
            _ => shift(&yaml(&Value::Array(vec![new.clone()]))?, col, false),
        };
        let keep = ends_in_kept_breaks(new);
        let mut end = node.end.max(from + 1);
        let text = if keep {
            // Its own line breaks are its value: it takes the old line's break, none after it.
            end = line_after(self.text, end);
            text
        } else {
            let text = text.strip_suffix('\n').unwrap_or(&text).to_string();
            if text.contains('\n') {
                // The old value's comment goes too: it would end up inside the new block scalar.
                end = self.line_end(end);
            }
            text
        };
        self.push(from..end, text, keep);
        Ok(())
    }

    /// The end of the line holding `pos`, before its line break.
    fn line_end(&self, pos: usize) -> usize {
        let next = line_after(self.text, pos);
        let line = &self.text[pos..next];
        pos + line.trim_end_matches(['\n', '\r']).len()
    }

    /// Insert whole lines at `at` (a line start, or the end of a text without a final newline).
    fn insert(&mut self, at: usize, lines: String, keep: bool) {
        if lines.is_empty() {
            return;
        }
        let lines = match at > 0 && !self.text[..at].ends_with('\n') {
            true => format!("\n{lines}"),
            false => lines,
        };
        self.push(at..at, lines, keep);
    }

    fn apply(mut self, crlf: bool) -> Res<String> {
        self.edits
            .sort_by_key(|edit| (edit.range.start, edit.range.end));
        let added: usize = self.edits.iter().map(|edit| edit.text.len()).sum();
        let mut out = String::with_capacity(self.text.len() + added + added / 8);
        let (mut pos, mut swallow) = (0, false);
        for edit in &self.edits {
            let range = &edit.range;
            // A deletion may start inside blank lines an earlier edit already took.
            let start = match edit.text.is_empty() {
                true => range.start.max(pos).min(range.end.max(pos)),
                false => range.start,
            };
            if start < pos || range.end > self.text.len() {
                return Err(Unsupported("overlapping edits"));
            }
            self.copy(&mut out, pos..start, &mut swallow);
            match crlf {
                true => out.push_str(&edit.text.replace('\n', "\r\n")),
                false => out.push_str(&edit.text),
            }
            if !edit.text.is_empty() || edit.keep {
                swallow = edit.keep;
            }
            pos = range.end.max(pos);
        }
        self.copy(&mut out, pos..self.text.len(), &mut swallow);
        Ok(out)
    }

    /// Copy original text, after a new `|+` block scalar (`swallow`) without the blank lines it
    /// would take in (until non-blank text is copied: later deletions may bring more up to it).
    fn copy(&self, out: &mut String, range: Range<usize>, swallow: &mut bool) {
        let (mut from, to) = (range.start, range.end);
        if *swallow && from < to && !out.ends_with('\n') {
            // The line break that ends the new scalar's last line stays.
            let eol = line_after(self.text, from).min(to);
            out.push_str(&self.text[from..eol]);
            from = eol;
        }
        while *swallow && from < to {
            // Only whole blank lines go; a partial one is the indentation of what follows.
            let next = line_after(self.text, from);
            let line = &self.text[from..next.min(to)];
            if next > to || !line.trim_matches([' ', '\t', '\r', '\n']).is_empty() {
                *swallow = false;
                break;
            }
            from = next;
        }
        out.push_str(&self.text[from..to]);
    }
}

/// Whole lines inserted into `text` as this writer does (each `(at, lines, keep)` at a line start,
/// at one position in the order given; CRLF restored): [`crate::apply::direct`] uses it.
pub(crate) fn insert_lines(
    text: &str,
    inserts: Vec<(usize, String, bool)>,
    crlf: bool,
) -> Option<String> {
    let mut editor = Editor {
        text,
        edits: Vec::with_capacity(inserts.len()),
    };
    for (at, lines, keep) in inserts {
        editor.insert(at, lines, keep);
    }
    editor.apply(crlf).ok()
}

/// `text` (body and trailer) with each of `scalars` (a scalar node, its key's colon, its new value)
/// written over in its own style as this writer does; `None` where it would not write one in place.
pub(crate) fn replace_scalars(
    text: &str,
    scalars: &[(&Node, usize, Value)],
    crlf: bool,
) -> Option<String> {
    let mut editor = Editor {
        text,
        edits: Vec::with_capacity(scalars.len()),
    };
    for (node, colon, new) in scalars {
        editor.push(
            node.start..node.end,
            inline_scalar(node, new, *colon).ok()??,
            false,
        );
    }
    editor.apply(crlf).ok()
}

/// A new sequence item as this writer inserts it at dash column `col`.
pub(crate) fn item_lines(item: &Value, col: usize) -> Res<String> {
    Ok(shift(&yaml(&Value::Array(vec![item.clone()]))?, col, true))
}

/// A new mapping entry as this writer appends it at column `col`.
pub(crate) fn entry_lines(key: &str, value: &Value, col: usize) -> Res<String> {
    Ok(shift(&yaml(&single(key, value))?, col, true))
}

/// Whether the text of `value` ends in a string with trailing blank lines, which [`to_yaml`]
/// writes as a keep-chomping block scalar (`|+`) that takes in any blank line after it.
pub(crate) fn ends_in_kept_breaks(value: &Value) -> bool {
    match value {
        Value::String(s) => s.ends_with("\n\n"),
        Value::Object(m) => m.values().next_back().is_some_and(ends_in_kept_breaks),
        Value::Array(a) => a.last().is_some_and(ends_in_kept_breaks),
        _ => false,
    }
}

fn yaml(value: &Value) -> Res<String> {
    to_yaml(value).map_err(|_| Unsupported("not serialisable"))
}

fn single(key: &str, value: &Value) -> Value {
    let mut map = Map::new();
    map.insert(key.to_string(), value.clone());
    Value::Object(map)
}

/// How [`to_yaml`] writes `key` in a mapping.
fn rendered_key(key: &str) -> Res<String> {
    let line = yaml(&single(key, &Value::Null))?;
    line.strip_suffix(": null\n")
        .filter(|k| !k.contains('\n'))
        .map(str::to_string)
        .ok_or(Unsupported("multi-line key"))
}

/// The new scalar's single-line text over an old single-line-style scalar (not a block scalar, not
/// an empty null whose span sits before `after`); `None` for any other node or value.
fn inline_scalar(node: &Node, new: &Value, after: usize) -> Res<Option<String>> {
    let Kind::Scalar(style) = node.kind else {
        return Ok(None);
    };
    if node.start <= after || new.is_object() || new.is_array() {
        return Ok(None);
    }
    let text = match (style, new) {
        (ScalarStyle::DoubleQuoted, Value::String(s)) if quotable(s) => {
            format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
        }
        (ScalarStyle::SingleQuoted, Value::String(s)) if quotable(s) => {
            format!("'{}'", s.replace('\'', "''"))
        }
        (ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted, _) => {
            let text = yaml(new)?;
            text.strip_suffix('\n').unwrap_or(&text).to_string()
        }
        _ => return Ok(None),
    };
    Ok((!text.contains('\n')).then_some(text))
}

/// A string that reads back the same inside single or double quotes without escapes beyond `\\`
/// and `\"`: no control characters and none of the characters YAML 1.1 treats as line breaks.
fn quotable(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}'))
}

/// Shift [`to_yaml`] output right by `col` columns (empty lines stay empty); the first line too
/// when `first`, as whole inserted lines need.
fn shift(yaml: &str, col: usize, first: bool) -> String {
    let pad = " ".repeat(col);
    let mut out = String::with_capacity(yaml.len() + 16);
    for (i, line) in yaml.split_inclusive('\n').enumerate() {
        if (i > 0 || first) && line != "\n" {
            out.push_str(&pad);
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests;
