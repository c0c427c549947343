//! The fast path of the manifest parser: a single-pass reader for the block-style YAML that Helm
//! templates produce, about ten times faster than the general parser; on anything it does not model
//! it gives up (`None`) and the caller falls back to serde-saphyr.
//!
//! It reads exactly one document whose root is a block mapping, made of:
//! - block mappings with simple keys (`[A-Za-z0-9_./-]`, not starting with a digit or `-`, and not
//!   a word YAML resolves to something else) or single-line quoted keys without escapes;
//! - block sequences, indented or not (`key:` then `- item` at the key's column), with compact
//!   mappings and sequences in their items (`- name: x`, `- - a`);
//! - single-line scalars: plain, single-quoted, double-quoted (escapes `\\ \" \/ \n \t \r \uXXXX`);
//! - single-line flow collections of those (`[a, "b"]`, `{fieldRef: {fieldPath: x}}`);
//! - comments, blank lines, empty values (null).
//!
//! It gives up on everything else: block scalars (`|`, `>`), multi-line plain or quoted scalars and
//! flow collections, anchors, aliases, tags, directives, document markers, complex keys, duplicate
//! keys, control characters (tabs, carriage returns), a BOM, nesting deeper than [`MAX_DEPTH`] —
//! and every plain scalar whose meaning hangs on YAML 1.1 or 1.2 resolution details: anything that
//! starts like a number (`0644`, `1e3`, `.5`, `+1`, `2024-01-01`) except plain decimal integers,
//! the words `yes`/`no`/`on`/`off`/`y`/`n` and the float words in any case. It reads what it
//! accepts exactly as [`super::parse_general`] does (null, `true`/`false` in their three spellings,
//! decimal integers, strings): differential tests (below, `tests/stream_props.rs`) hold it to that.
//!
//! In the same pass it can build the position tree ([`super::tree`]) as the event parser would, or
//! check a text against an expected value without building one ([`matches()`]).

use std::borrow::Cow;

use serde_json::{Map, Number, Value};
use serde_saphyr::granit_parser::ScalarStyle;

use super::tree::{Entry, Item, Key, Kind, Node};

/// Deeper nesting is left to the general parser (and its budget: 64 levels).
pub const MAX_DEPTH: usize = 48;

/// More nodes are left to the general parser (and its budget: 250,000 nodes).
const MAX_NODES: usize = 100_000;

/// A longer run of comment lines between two tokens is left to the general parser, which stops
/// buffering comments while looking ahead at 32 (a limit of its own; Kubernetes has none).
const MAX_COMMENT_RUN: usize = 16;

/// A longer simple key is left to the general parser (YAML limits them to 1,024 characters).
const MAX_KEY: usize = 512;

/// The document's value, or `None` when the fast path does not model it.
pub fn value(text: &str) -> Option<Value> {
    Reader::new(text, false, true)?
        .document(None)
        .map(|(v, _)| v)
}

/// The value and the writer's position tree, or `None` when the fast path does not model it.
pub(crate) fn value_and_tree(text: &str) -> Option<(Value, Node)> {
    let (value, node) = Reader::new(text, true, true)?.document(None)?;
    Some((value, node?))
}

/// Whether `text` reads on the fast path as `expected`, checked while reading (no value built);
/// `false` also when the fast path declines it: the caller then decides the slow way.
pub fn matches(text: &str, expected: &Value) -> bool {
    Reader::new(text, false, false)
        .and_then(|reader| reader.document(Some(expected)))
        .is_some()
}

/// The writer's position tree alone (the same checks, no value built), or `None` as for [`value`].
pub(crate) fn tree(text: &str) -> Option<Node> {
    Reader::new(text, true, false)?.document(None)?.1
}

/// The string a scalar node of [`tree`]`(text)` holds when this reader resolves it with certainty
/// (a plain scalar that reads as a string, a quoted one without escapes), else `None`.
pub(crate) fn string_at<'t>(text: &'t str, node: &Node) -> Option<std::borrow::Cow<'t, str>> {
    let Kind::Scalar(style) = node.kind else {
        return None;
    };
    let raw = text.get(node.start..node.end)?;
    match style {
        ScalarStyle::Plain => match resolve_plain(raw)? {
            Value::String(_) => Some(raw.into()),
            _ => None,
        },
        ScalarStyle::SingleQuoted => {
            let inner = raw.strip_prefix('\'')?.strip_suffix('\'')?;
            Some(match inner.contains('\'') {
                true => inner.replace("''", "'").into(),
                false => inner.into(),
            })
        }
        ScalarStyle::DoubleQuoted => {
            let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
            (!inner.contains('\\')).then_some(inner.into())
        }
        _ => None,
    }
}

/// The value [`string_at`] reads, or a plain scalar's this reader surely resolves; else `None`.
pub(crate) fn scalar_at(text: &str, node: &Node) -> Option<Value> {
    match node.kind {
        Kind::Scalar(ScalarStyle::Plain) => resolve_plain(text.get(node.start..node.end)?),
        _ => string_at(text, node).map(|s| Value::String(s.into_owned())),
    }
}

struct Reader<'t> {
    text: &'t str,
    b: &'t [u8],
    /// Whether to build position nodes.
    tree: bool,
    /// Whether to build the value (else scalars, mappings and sequences are checked, not kept).
    values: bool,
    depth: usize,
    nodes: usize,
    /// The start of the next content line (or the text's length) and its indentation.
    next: Option<(usize, usize)>,
}

/// What a line's content starts with.
enum Start<'t> {
    Key {
        name: &'t str,
        start: usize,
        colon: usize,
    },
    NotKey,
}

type Parsed = (Value, Option<Node>);

/// The value a node must read as ([`matches()`]); `None` when reading without an expectation.
type Expect<'e> = Option<&'e Value>;

fn meets(expect: Expect<'_>, found: impl FnOnce(&Value) -> bool) -> Option<()> {
    expect.is_none_or(found).then_some(())
}

impl<'t> Reader<'t> {
    fn new(text: &'t str, tree: bool, values: bool) -> Option<Self> {
        let b = text.as_bytes();
        // Control characters (tabs, carriage returns), DEL, C1 controls, the BOM and non-characters
        // are the general parser's; checked 64 bytes at a time without an early exit, to vectorise.
        let mut high = 0u8;
        for chunk in b.chunks(64) {
            let mut control = false;
            for &c in chunk {
                control |= (c < 0x20 && c != b'\n') | (c == 0x7f);
                high |= c;
            }
            if control {
                return None;
            }
        }
        if high >= 0x80
            && text.chars().any(|c| {
                matches!(
                    c,
                    '\u{80}'..='\u{9f}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                )
            })
        {
            return None;
        }
        let mut reader = Reader {
            text,
            b,
            tree,
            values,
            depth: 0,
            nodes: 0,
            next: None,
        };
        reader.next = reader.content_line(0)?;
        Some(reader)
    }

    /// The document, every node held to `expect` when there is one (see [`matches()`]).
    fn document(mut self, expect: Expect<'_>) -> Option<Parsed> {
        let (start, indent) = self.next?;
        let parsed = match self.key_at(start + indent)? {
            Start::Key { .. } => self.block_map(start + indent, indent, expect)?,
            Start::NotKey => return None,
        };
        match self.next {
            None => Some(parsed),
            Some(_) => None,
        }
    }

    /// The first content line at or after the line starting at `from`: `Some(None)` at the end of
    /// the text, `None` (give up) at a document marker or directive.
    fn content_line(&self, mut from: usize) -> Option<Option<(usize, usize)>> {
        let b = self.b;
        let mut comments = 0;
        while from < b.len() {
            let indent = b[from..].iter().take_while(|&&c| c == b' ').count();
            let at = from + indent;
            match b.get(at) {
                None => return Some(None),
                Some(b'\n') => from = at + 1,
                Some(b'#') => {
                    comments += 1;
                    if comments > MAX_COMMENT_RUN {
                        return None;
                    }
                    from = self.line_end(at) + 1;
                }
                Some(_) => {
                    if indent == 0
                        && (b[at] == b'%'
                            || ((b[at..].starts_with(b"---") || b[at..].starts_with(b"..."))
                                && matches!(b.get(at + 3), None | Some(b' ' | b'\n'))))
                    {
                        return None;
                    }
                    return Some(Some((from, indent)));
                }
            }
        }
        Some(None)
    }

    fn line_end(&self, pos: usize) -> usize {
        self.b[pos..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.b.len(), |i| pos + i)
    }

    fn line_start(&self, pos: usize) -> usize {
        self.b[..pos]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1)
    }

    /// Skip the rest of the line after `pos` (spaces, maybe a comment) to the next content line.
    fn finish_line(&mut self, pos: usize) -> Option<()> {
        let b = self.b;
        let mut p = skip_spaces(b, pos);
        match b.get(p) {
            None => {}
            Some(b'\n') => {}
            Some(b'#') if p > pos => p = self.line_end(p),
            Some(_) => return None,
        }
        self.next = self.content_line((p + 1).min(b.len()))?;
        Some(())
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn count(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes <= MAX_NODES).then_some(())
    }

    /// Whether the content at `p` is a simple key followed by `:` (and a space or line end).
    fn key_at(&self, p: usize) -> Option<Start<'t>> {
        let b = self.b;
        match b.get(p)? {
            quote @ (b'"' | b'\'') => {
                let close = p + 1 + b[p + 1..].iter().position(|&c| c == *quote || c == b'\n')?;
                if b[close] != *quote {
                    return None;
                }
                let q = skip_spaces(b, close + 1);
                if b.get(q) != Some(&b':') || !is_break_or_space(b.get(q + 1)) {
                    return Some(Start::NotKey);
                }
                if q - p > MAX_KEY {
                    return None;
                }
                let name = &self.text[p + 1..close];
                // `\` escapes and `''` are left to the general parser.
                if name.contains('\\') || b.get(close + 1) == Some(quote) {
                    return None;
                }
                Some(Start::Key {
                    name,
                    start: p,
                    colon: q,
                })
            }
            _ => {
                // The common key, simple characters right up to its `:`, in one pass.
                let end = p + b[p..].iter().take_while(|&&c| simple_char(c)).count();
                if end > p && b.get(end) == Some(&b':') && is_break_or_space(b.get(end + 1)) {
                    let name = &self.text[p..end];
                    if end - p > MAX_KEY {
                        return None;
                    }
                    return simple_head(name).then_some(Start::Key {
                        name,
                        start: p,
                        colon: end,
                    });
                }
                // Else to a `:` before a space or line end; a ` #` or line end first: no key.
                let mut i = p;
                let colon = loop {
                    match b.get(i) {
                        None | Some(b'\n') => return Some(Start::NotKey),
                        Some(b':') if is_break_or_space(b.get(i + 1)) => break i - p,
                        Some(b' ') if b.get(i + 1) == Some(&b'#') => return Some(Start::NotKey),
                        _ => i += 1,
                    }
                };
                let name = self.text[p..p + colon].trim_end_matches(' ');
                if colon > MAX_KEY {
                    return None;
                }
                simple_key(name).then_some(Start::Key {
                    name,
                    start: p,
                    colon: p + colon,
                })
            }
        }
    }

    /// A block mapping whose first key starts at `first` (column `col`); returns when the next
    /// content line is indented less than `col` or holds no key.
    fn block_map(&mut self, first: usize, col: usize, expect: Expect<'_>) -> Option<Parsed> {
        self.enter()?;
        self.count()?;
        let mut expected = match expect {
            Some(Value::Object(map)) => Some(Expected::new(map)),
            Some(_) => return None,
            None => None,
        };
        // Without values, no map, not even an empty one: its hasher costs as much as reading a key.
        let mut map = self.values.then(Map::new);
        let mut entries = Vec::with_capacity(if self.tree { 8 } else { 0 });
        let mut at = first;
        loop {
            let Start::Key { name, start, colon } = self.key_at(at)? else {
                return None;
            };
            self.count()?; // the key (its value counts itself, or is an empty one)
            self.count()?;
            let child = match expected.as_mut() {
                Some(expected) => Some(expected.take(name)?),
                None => None,
            };
            let (value, node) = self.map_value(colon, col, child)?;
            // Duplicate keys are the general parser's (it applies last-wins).
            if self.tree {
                if !self.values && entries.iter().any(|e: &Entry| e.key(self.text) == name) {
                    return None;
                }
                let at = name.as_ptr().addr() - self.text.as_ptr().addr();
                entries.push(Entry {
                    key: Key::At(at..at + name.len()),
                    key_start: start,
                    colon,
                    value: node?,
                });
            }
            if let Some(map) = map.as_mut()
                && map.insert(name.to_string(), value).is_some()
            {
                return None;
            }
            match self.next {
                Some((line, indent)) if indent == col => {
                    if self.is_dash(line + indent) {
                        break; // a sequence at the parent's level: the parent decides
                    }
                    at = line + indent;
                }
                Some((_, indent)) if indent > col => return None,
                _ => break,
            }
        }
        if expected.is_some_and(|expected| !expected.all_taken()) {
            return None;
        }
        self.depth -= 1;
        let node = match self.tree {
            true => {
                let (start, end) = (entries.first()?.key_start, entries.last()?.end());
                self.node(Kind::Map(entries), start, end)
            }
            false => None,
        };
        Some((map.map_or(Value::Null, Value::Object), node))
    }

    fn is_dash(&self, p: usize) -> bool {
        self.b.get(p) == Some(&b'-') && is_break_or_space(self.b.get(p + 1))
    }

    /// The value after a mapping key's `colon`, in a mapping at column `col`.
    fn map_value(&mut self, colon: usize, col: usize, expect: Expect<'_>) -> Option<Parsed> {
        let b = self.b;
        let p = skip_spaces(b, colon + 1);
        if !matches!(b.get(p), None | Some(b'\n' | b'#')) {
            let (value, node, end) = self.inline(p, expect)?;
            self.finish_line(end)?;
            return Some((value, node));
        }
        self.finish_line(colon + 1)?;
        match self.next {
            Some((line, indent)) if indent > col => self.nested(line + indent, indent, expect),
            Some((line, indent)) if indent == col && self.is_dash(line + indent) => {
                self.block_seq(line + indent, indent, expect)
            }
            _ => {
                meets(expect, Value::is_null)?;
                Some((Value::Null, self.empty(colon)))
            }
        }
    }

    /// The block collection on the next content line (`at`, column `col`).
    fn nested(&mut self, at: usize, col: usize, expect: Expect<'_>) -> Option<Parsed> {
        if self.is_dash(at) {
            return self.block_seq(at, col, expect);
        }
        match self.key_at(at)? {
            Start::Key { .. } => self.block_map(at, col, expect),
            Start::NotKey => None, // a multi-line scalar
        }
    }

    fn node(&self, kind: Kind, start: usize, end: usize) -> Option<Node> {
        self.tree.then_some(Node { kind, start, end })
    }

    fn empty(&self, at: usize) -> Option<Node> {
        self.node(Kind::Scalar(ScalarStyle::Plain), at, at)
    }

    /// A block sequence whose first dash is at `first` (column `col`).
    fn block_seq(&mut self, first: usize, col: usize, expect: Expect<'_>) -> Option<Parsed> {
        self.enter()?;
        self.count()?;
        let mut expected = match expect {
            Some(Value::Array(items)) => Some(items.iter()),
            Some(_) => return None,
            None => None,
        };
        let b = self.b;
        let mut values = Vec::new();
        let mut items = Vec::new();
        let mut dash = first;
        loop {
            let p = skip_spaces(b, dash + 1);
            let child = match expected.as_mut() {
                Some(items) => Some(items.next()?),
                None => None,
            };
            let (value, node) = match b.get(p) {
                None | Some(b'\n') => {
                    self.finish_line(p)?;
                    match self.next {
                        Some((line, indent)) if indent > col => {
                            self.nested(line + indent, indent, child)?
                        }
                        _ => {
                            meets(child, Value::is_null)?;
                            (Value::Null, self.empty(p))
                        }
                    }
                }
                Some(b'#') => return None,
                Some(_) if self.is_dash(p) => self.block_seq(p, p - self.line_start(p), child)?,
                Some(_) => match self.key_at(p)? {
                    Start::Key { .. } => self.block_map(p, p - self.line_start(p), child)?,
                    Start::NotKey => {
                        let (value, node, end) = self.inline(p, child)?;
                        self.finish_line(end)?;
                        (value, node)
                    }
                },
            };
            if self.values {
                values.push(value);
            }
            if self.tree {
                items.push(Item { dash, value: node? });
            }
            match self.next {
                Some((line, indent)) if indent == col && self.is_dash(line + indent) => {
                    dash = line + indent;
                }
                Some((_, indent)) if indent > col => return None,
                _ => break,
            }
        }
        if expected.is_some_and(|mut rest| rest.next().is_some()) {
            return None;
        }
        self.depth -= 1;
        let node = match self.tree {
            true => {
                let (start, end) = (items.first()?.dash, items.last()?.end());
                self.node(Kind::Seq(items), start, end)
            }
            false => None,
        };
        Some((Value::Array(values), node))
    }

    /// A single-line scalar or flow collection at `p`; returns its end.
    fn inline(&mut self, p: usize, expect: Expect<'_>) -> Option<(Value, Option<Node>, usize)> {
        self.count()?;
        let b = self.b;
        let (value, style, end) = match b[p] {
            b'"' => {
                let (s, end) = self.double_quoted(p, self.values)?;
                self.meets_quoted(p..end, '\\', Self::double_quoted, expect)?;
                (Value::String(s), ScalarStyle::DoubleQuoted, end)
            }
            b'\'' => {
                let (s, end) = single_quoted(self.text, p, self.values)?;
                self.meets_quoted(p..end, '\'', |r, p, k| single_quoted(r.text, p, k), expect)?;
                (Value::String(s), ScalarStyle::SingleQuoted, end)
            }
            b'[' | b'{' => {
                // Rare in what is checked: with an expectation, the value is built and compared.
                let values = self.values;
                self.values |= expect.is_some();
                let flow = self.flow(p);
                self.values = values;
                let (value, end) = flow?;
                meets(expect, |e| *e == value)?;
                let node = self.node(Kind::Flow { multi_line: false }, p, end);
                return Some((value, node, end));
            }
            c if starts_plain(c) && !self.is_dash(p) => {
                // Up to the line's end or a comment; `a: b: c`, a trailing `:`: not plain scalars.
                let mut i = p;
                loop {
                    match b.get(i) {
                        None | Some(b'\n') => break,
                        Some(b' ') if b.get(i + 1) == Some(&b'#') => break,
                        Some(b':') if b.get(i + 1) == Some(&b' ') => return None,
                        _ => i += 1,
                    }
                }
                let s = self.text[p..i].trim_end_matches(' ');
                if s.ends_with(':') {
                    return None;
                }
                let value = match self.values {
                    true => resolve_plain(s)?,
                    false => {
                        let resolved = plain(s)?;
                        meets(expect, |e| resolved.is(s, e))?;
                        Value::Null
                    }
                };
                (value, ScalarStyle::Plain, p + s.len())
            }
            _ => return None,
        };
        let node = self.node(Kind::Scalar(style), p, end);
        Some((value, node, end))
    }

    /// Whether the quoted scalar at `span` (quotes included) meets `expect`: compared as written
    /// when it holds no `escape` character, else read again (`read`) with its escapes resolved.
    fn meets_quoted(
        &self,
        span: std::ops::Range<usize>,
        escape: char,
        read: fn(&Self, usize, bool) -> Option<(String, usize)>,
        expect: Expect<'_>,
    ) -> Option<()> {
        if expect.is_none() {
            return Some(());
        }
        let raw = &self.text[span.start + 1..span.end - 1];
        if !raw.contains(escape) {
            return meets(expect, |e| e.as_str() == Some(raw));
        }
        let (s, _) = read(self, span.start, true)?;
        meets(expect, |e| e.as_str() == Some(&s))
    }

    /// A double-quoted scalar at `p`: its string (only with `keep`) and the byte after it.
    fn double_quoted(&self, p: usize, keep: bool) -> Option<(String, usize)> {
        let b = self.b;
        let mut out = String::new();
        let mut run = p + 1;
        let mut i = p + 1;
        loop {
            match *b.get(i)? {
                b'"' => {
                    if keep {
                        out.push_str(&self.text[run..i]);
                    }
                    return Some((out, i + 1));
                }
                b'\n' => return None,
                b'\\' => {
                    if keep {
                        out.push_str(&self.text[run..i]);
                    }
                    let (c, len) = match *b.get(i + 1)? {
                        b'\\' => ('\\', 2),
                        b'"' => ('"', 2),
                        b'/' => ('/', 2),
                        b'n' => ('\n', 2),
                        b't' => ('\t', 2),
                        b'r' => ('\r', 2),
                        b'u' => {
                            let hex = self.text.get(i + 2..i + 6)?;
                            if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                                return None;
                            }
                            (char::from_u32(u32::from_str_radix(hex, 16).ok()?)?, 6)
                        }
                        _ => return None,
                    };
                    if keep {
                        out.push(c);
                    }
                    i += len;
                    run = i;
                }
                _ => i += 1,
            }
        }
    }

    /// A single-line flow collection at `p`; returns its value and the byte after it.
    fn flow(&mut self, p: usize) -> Option<(Value, usize)> {
        self.enter()?;
        let b = self.b;
        let close = if b[p] == b'[' { b']' } else { b'}' };
        let mut i = skip_spaces(b, p + 1);
        let mut seq = Vec::new();
        let mut map = Map::new();
        // Without values, the keys alone, for the duplicate check.
        let mut keys: Vec<Cow<'t, str>> = Vec::new();
        if b.get(i) != Some(&close) {
            loop {
                if close == b'}' {
                    self.count()?;
                    let (key, after) = self.flow_key(i)?;
                    let (value, after) = self.flow_node(skip_spaces(b, after))?;
                    if self.values {
                        if map.insert(key.into_owned(), value).is_some() {
                            return None;
                        }
                    } else if keys.contains(&key) {
                        return None;
                    } else {
                        keys.push(key);
                    }
                    i = skip_spaces(b, after);
                } else {
                    let (value, after) = self.flow_node(i)?;
                    if self.values {
                        seq.push(value);
                    }
                    i = skip_spaces(b, after);
                }
                match b.get(i)? {
                    b',' => {
                        i = skip_spaces(b, i + 1);
                        if matches!(b.get(i)?, b']' | b'}' | b',') {
                            return None; // a trailing or empty entry
                        }
                    }
                    c if *c == close => break,
                    _ => return None,
                }
            }
        }
        self.depth -= 1;
        let value = match close {
            b']' => Value::Array(seq),
            _ => Value::Object(map),
        };
        Some((value, i + 1))
    }

    /// A flow mapping key and its `:`; returns the key and the byte after the colon.
    fn flow_key(&self, i: usize) -> Option<(Cow<'t, str>, usize)> {
        let b = self.b;
        let (key, after) = match b.get(i)? {
            b'"' => self.double_quoted(i, true)?,
            b'\'' => single_quoted(self.text, i, true)?,
            _ => {
                let len = b[i..]
                    .iter()
                    .position(|&c| matches!(c, b':' | b',' | b'[' | b']' | b'{' | b'}' | b'\n'))?;
                let key = self.text[i..i + len].trim_end_matches(' ');
                if !simple_key(key) || b.get(i + len) != Some(&b':') {
                    return None;
                }
                // A plain key's colon must be followed by a space (or the key is not done).
                if !matches!(b.get(i + len + 1), Some(b' ')) {
                    return None;
                }
                return Some((Cow::Borrowed(key), i + len + 1));
            }
        };
        let q = skip_spaces(b, after);
        (b.get(q) == Some(&b':') && matches!(b.get(q + 1), Some(b' ')))
            .then_some((Cow::Owned(key), q + 1))
    }

    /// A flow node (scalar or nested collection) at `i`.
    fn flow_node(&mut self, i: usize) -> Option<(Value, usize)> {
        self.count()?;
        let b = self.b;
        match b.get(i)? {
            b'"' => self
                .double_quoted(i, self.values)
                .map(|(s, end)| (Value::String(s), end)),
            b'\'' => {
                single_quoted(self.text, i, self.values).map(|(s, end)| (Value::String(s), end))
            }
            b'[' | b'{' => self.flow(i),
            c if starts_plain(*c) && *c != b'-' => {
                let len = b[i..].iter().position(|&c| {
                    matches!(c, b',' | b'[' | b']' | b'{' | b'}' | b'\n' | b':' | b'#')
                })?;
                if matches!(b[i + len], b'\n' | b':' | b'#') {
                    return None;
                }
                let s = self.text[i..i + len].trim_end_matches(' ');
                let value = match self.values {
                    true => resolve_plain(s)?,
                    false => plain(s).map(|_| Value::Null)?,
                };
                Some((value, i + s.len()))
            }
            _ => None,
        }
    }
}

/// A single-line single-quoted scalar at `p`: its string (only with `keep`), the byte after it.
pub(super) fn single_quoted(text: &str, p: usize, keep: bool) -> Option<(String, usize)> {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut run = p + 1;
    let mut i = p + 1;
    loop {
        match *b.get(i)? {
            b'\'' if b.get(i + 1) == Some(&b'\'') => {
                if keep {
                    out.push_str(&text[run..=i]);
                }
                i += 2;
                run = i;
            }
            b'\'' => {
                if keep {
                    out.push_str(&text[run..i]);
                }
                return Some((out, i + 1));
            }
            b'\n' => return None,
            _ => i += 1,
        }
    }
}

fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    i
}

fn is_break_or_space(c: Option<&u8>) -> bool {
    matches!(c, None | Some(b' ' | b'\n'))
}

/// Whether a plain scalar may start with `c` here (indicators and everything that could start
/// a number or another YAML type are the general parser's; `-` is checked by the caller).
fn starts_plain(c: u8) -> bool {
    c.is_ascii_alphabetic() || c.is_ascii_digit() || matches!(c, b'/' | b'_' | b'$' | b'(' | b'-')
}

/// A key the fast path takes as written: a Kubernetes-like name YAML resolves to that string only.
fn simple_key(key: &str) -> bool {
    key.bytes().all(simple_char) && simple_head(key)
}

/// A character a simple key may hold (a table: every key of every document is read through it).
pub(super) fn simple_char(c: u8) -> bool {
    const SIMPLE: [bool; 256] = {
        let mut table = [false; 256];
        let mut c = 0;
        while c < 256 {
            let b = c as u8;
            table[c] = b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/');
            c += 1;
        }
        table
    };
    SIMPLE[usize::from(c)]
}

/// Whether a key of [`simple_char`]s is simple: it starts as one does and is no special word.
pub(super) fn simple_head(key: &str) -> bool {
    key.as_bytes()
        .first()
        .is_some_and(|&c| c.is_ascii_alphabetic() || matches!(c, b'_' | b'/'))
        && !special_word(key)
}

/// Words that some YAML schema reads as a boolean, null or float in some spelling.
pub(super) fn special_word(s: &str) -> bool {
    const WORDS: [&str; 12] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "infinity",
    ];
    s.len() <= 8 && WORDS.iter().any(|w| w.eq_ignore_ascii_case(s))
}

/// What a plain scalar resolves to, when that is certain; `None` for the general parser.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Plain {
    Null,
    Bool(bool),
    Int(i64),
    Str,
}

impl Plain {
    /// Whether the plain scalar `s`, resolved as `self`, reads as `value`.
    fn is(self, s: &str, value: &Value) -> bool {
        match (self, value) {
            (Plain::Null, Value::Null) => true,
            (Plain::Bool(b), Value::Bool(v)) => b == *v,
            (Plain::Int(n), Value::Number(v)) => *v == Number::from(n),
            (Plain::Str, Value::String(v)) => v == s,
            _ => false,
        }
    }
}

/// The mapping a block mapping must read as ([`matches()`]), its keys taken as they are read.
struct Expected<'e, 't> {
    map: &'e Map<String, Value>,
    /// While the keys come in the mapping's order: the rest of it.
    in_order: Option<serde_json::map::Iter<'e>>,
    /// How many keys came in the mapping's order (its first ones).
    first: usize,
    /// The keys read after that.
    then: Vec<&'t str>,
}

impl<'e, 't> Expected<'e, 't> {
    fn new(map: &'e Map<String, Value>) -> Self {
        Expected {
            map,
            in_order: Some(map.iter()),
            first: 0,
            then: Vec::new(),
        }
    }

    /// The value the key `name`, read next, must have; `None` if the mapping has no such key or
    /// it was read already (a repeated key is the general parser's).
    fn take(&mut self, name: &'t str) -> Option<&'e Value> {
        if let Some(rest) = self.in_order.as_mut() {
            match rest.next() {
                Some((key, value)) if key == name => {
                    self.first += 1;
                    return Some(value);
                }
                _ => self.in_order = None,
            }
        }
        let repeated =
            self.map.keys().take(self.first).any(|k| k == name) || self.then.contains(&name);
        if repeated {
            return None;
        }
        self.then.push(name);
        self.map.get(name)
    }

    /// Whether every key of the mapping was read (each once).
    fn all_taken(&self) -> bool {
        self.first + self.then.len() == self.map.len()
    }
}

/// A plain scalar's value, when its resolution is certain; `None` for the general parser.
fn resolve_plain(s: &str) -> Option<Value> {
    Some(match plain(s)? {
        Plain::Null => Value::Null,
        Plain::Bool(b) => Value::Bool(b),
        Plain::Int(n) => Value::Number(Number::from(n)),
        Plain::Str => Value::String(s.to_string()),
    })
}

/// [`resolve_plain`] without building the value (no allocation).
fn plain(s: &str) -> Option<Plain> {
    match s {
        "" => return None,
        "null" | "Null" | "NULL" => return Some(Plain::Null),
        "true" | "True" | "TRUE" => return Some(Plain::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Plain::Bool(false)),
        _ => {}
    }
    let b = s.as_bytes();
    // `-c`, `--http :80`: options, not negative numbers (`-.inf` and `-inf` are left alone).
    if b[0] == b'-'
        && b.get(1)
            .is_some_and(|&c| c == b'-' || c.is_ascii_alphabetic())
    {
        return (!special_word(&s[1..])).then_some(Plain::Str);
    }
    if b[0].is_ascii_digit() || b[0] == b'-' {
        let digits = s.strip_prefix('-').unwrap_or(s);
        let canonical = digits == "0" && b[0] != b'-'
            || (!digits.is_empty()
                && digits.len() <= 18
                && !digits.starts_with('0')
                && digits.bytes().all(|c| c.is_ascii_digit()));
        if canonical {
            return s.parse::<i64>().ok().map(Plain::Int);
        }
        // Hexadecimal, octal and binary numbers say so after a leading zero; past that, only
        // exponents (`e`) and timestamps (`t`, `z`) use letters: any other letter (`300m`, `312Mi`,
        // a checksum) makes a string. Digits and punctuation alone may be a number, a date or a
        // time — except dotted versions (`0.4.2`: no float has two dots).
        let radix = |prefixes: [&[u8]; 2], digit: fn(&u8) -> bool| {
            let d = digits.as_bytes();
            prefixes.iter().any(|p| d.starts_with(p))
                && d[2..].iter().all(|c| digit(c) || *c == b'_')
        };
        if radix([b"0x", b"0X"], u8::is_ascii_hexdigit)
            || radix([b"0o", b"0O"], |c| (b'0'..=b'7').contains(c))
            || radix([b"0b", b"0B"], |c| matches!(c, b'0' | b'1'))
        {
            return None;
        }
        let letter = b
            .iter()
            .any(|&c| c.is_ascii_alphabetic() && !b"eEtTzZ".contains(&c));
        let version = s.split('.').count() >= 3
            && s.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()));
        if b[0] == b'-' || !(letter || version) {
            return None;
        }
        return Some(Plain::Str);
    }
    if special_word(s) {
        return None;
    }
    Some(Plain::Str)
}

#[cfg(test)]
pub(crate) mod tests;
