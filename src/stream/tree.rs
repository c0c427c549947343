//! The position tree of a document's text: block mappings (each entry's key, colon and value),
//! block sequences (each item's dash and value), scalars and flow collections (atomic), each with
//! the byte where its content ends. Two readers build it — the fast reader of block-style text
//! ([`super::fast`]) and the event parser here, for what the fast reader declines — and two writers
//! use it: the minimal-edit writer ([`super::surgical`]) and the direct edits (`apply::direct`).

use std::borrow::Cow;
use std::ops::Range;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Span, StrInput, StructureStyle};

/// Why the minimal edit was not attempted or not trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub &'static str);

pub(crate) type Res<T> = Result<T, Unsupported>;

/// A node of the original text. `end` is the byte after its last content character (a block
/// scalar's trailing blank lines count as content: they may be its value, under `|+`).
#[derive(Debug, PartialEq)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

#[derive(Debug, PartialEq)]
pub(crate) enum Kind {
    Scalar(ScalarStyle),
    Map(Vec<Entry>),
    Seq(Vec<Item>),
    Flow { multi_line: bool },
}

#[derive(Debug, PartialEq)]
pub(crate) struct Entry {
    pub(crate) key: Key,
    pub(crate) key_start: usize,
    pub(crate) colon: usize,
    pub(crate) value: Node,
}

/// A mapping key: the range of the text that spells it (a plain key, or a quoted one without
/// escapes, between its quotes; most keys, and no allocation), else the key itself.
#[derive(Debug, PartialEq)]
pub(crate) enum Key {
    At(Range<usize>),
    Owned(Box<str>),
}

impl Entry {
    pub(crate) fn end(&self) -> usize {
        self.value.end.max(self.colon + 1)
    }

    /// The key, in `text`, the text the tree was read from.
    pub(crate) fn key<'a>(&'a self, text: &'a str) -> &'a str {
        match &self.key {
            Key::At(range) => &text[range.clone()],
            Key::Owned(key) => key,
        }
    }
}

#[derive(Debug, PartialEq)]
pub(crate) struct Item {
    pub(crate) dash: usize,
    pub(crate) value: Node,
}

impl Item {
    pub(crate) fn end(&self) -> usize {
        self.value.end.max(self.dash + 1)
    }
}

/// A key read from the events, as the text spells it when it does.
fn spelled(text: &str, span: Range<usize>, style: ScalarStyle, key: Cow<'_, str>) -> Key {
    let inner = match style {
        ScalarStyle::Plain => span,
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted if span.len() >= 2 => {
            span.start + 1..span.end - 1
        }
        _ => return Key::Owned(key.into()),
    };
    match text.get(inner.clone()) == Some(&*key) {
        true => Key::At(inner),
        false => Key::Owned(key.into()),
    }
}

/// Builds the node tree from the parser's events alone (see [`Builder::seq`]).
struct Builder<'t> {
    text: &'t str,
    events: Parser<'t, StrInput<'t>>,
}

fn bytes(span: &Span) -> Res<Range<usize>> {
    span.byte_range().ok_or(Unsupported("no byte offsets"))
}

impl<'t> Builder<'t> {
    fn next(&mut self) -> Res<(Event<'t>, Span)> {
        let next = self.events.next().and_then(Result::ok);
        next.ok_or(Unsupported("parse error"))
    }

    /// The one document's root node.
    fn document(mut self) -> Res<Node> {
        let mut event = self.next()?;
        while matches!(event.0, Event::StreamStart | Event::DocumentStart(..)) {
            event = self.next()?;
        }
        let root = self.node(event, 0)?;
        if !matches!(self.next()?.0, Event::DocumentEnd)
            || !matches!(self.next()?.0, Event::StreamEnd)
        {
            return Err(Unsupported("not exactly one document"));
        }
        Ok(root)
    }

    /// The node that starts with `event`; `from` is where its parent's indicator (`:` or `-`)
    /// ends, the place to look for a block sequence's first dash.
    fn node(&mut self, (event, span): (Event<'t>, Span), from: usize) -> Res<Node> {
        let range = bytes(&span)?;
        let seq = matches!(event, Event::SequenceStart(..));
        match event {
            Event::Scalar(_, style, anchor, tag) => {
                plain_node(anchor, tag.is_some())?;
                let end = match style {
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        block_scalar_end(self.text, range.clone())
                    }
                    _ => range.end,
                };
                Ok(Node {
                    kind: Kind::Scalar(style),
                    start: range.start,
                    end,
                })
            }
            Event::MappingStart(style, anchor, tag) | Event::SequenceStart(style, anchor, tag) => {
                plain_node(anchor, tag.is_some())?;
                match style {
                    StructureStyle::Flow => self.flow(range.start),
                    StructureStyle::Block if seq => self.seq(from),
                    StructureStyle::Block => self.map(),
                }
            }
            _ => Err(Unsupported("alias or unexpected event")),
        }
    }

    /// A flow collection, atomic: its events are only checked for anchors, aliases and tags.
    fn flow(&mut self, start: usize) -> Res<Node> {
        let mut depth = 1;
        loop {
            let (event, span) = self.next()?;
            match event {
                Event::MappingStart(_, anchor, tag) | Event::SequenceStart(_, anchor, tag) => {
                    plain_node(anchor, tag.is_some())?;
                    depth += 1;
                }
                Event::Scalar(_, _, anchor, tag) => plain_node(anchor, tag.is_some())?,
                Event::MappingEnd | Event::SequenceEnd => {
                    depth -= 1;
                    if depth == 0 {
                        let end = bytes(&span)?.end;
                        let multi_line = self.text[start..end].contains('\n');
                        return Ok(Node {
                            kind: Kind::Flow { multi_line },
                            start,
                            end,
                        });
                    }
                }
                _ => return Err(Unsupported("alias in a flow collection")),
            }
        }
    }

    fn map(&mut self) -> Res<Node> {
        let mut entries = Vec::new();
        loop {
            let (event, span) = self.next()?;
            let (key, style, anchor, tagged) = match event {
                Event::MappingEnd => break,
                Event::Scalar(key, style, anchor, tag) => (key, style, anchor, tag.is_some()),
                _ => return Err(Unsupported("complex key")),
            };
            plain_node(anchor, tagged)?;
            let key_range = bytes(&span)?;
            let key = spelled(self.text, key_range.clone(), style, key);
            let colon = self.colon_after(key_range.clone())?;
            let value = self.next()?;
            let value = self.node(value, colon + 1)?;
            entries.push(Entry {
                key,
                key_start: key_range.start,
                colon,
                value,
            });
        }
        let span = entries.first().zip(entries.last());
        let span = span.map(|(first, last)| (first.key_start, last.end()));
        block(Kind::Map(entries), span, "empty block mapping")
    }

    /// A simple key's `:`, after spaces; before the key, only indentation and dashes (not `?`).
    fn colon_after(&self, key: Range<usize>) -> Res<usize> {
        let before = &self.text[line_start(self.text, key.start)..key.start];
        if !before.chars().all(|c| c == ' ' || c == '-') {
            return Err(Unsupported("explicit or misplaced key"));
        }
        let after = &self.text[key.end..];
        let gap = after.len() - after.trim_start_matches(' ').len();
        match after[gap..].starts_with(':') {
            true => Ok(key.end + gap),
            false => Err(Unsupported("key without an adjacent colon")),
        }
    }

    /// A block sequence. Events carry no dash (a scanner pass for them would cost as much as the
    /// parse): each item's dash is the first content after the previous item (or `from`).
    fn seq(&mut self, from: usize) -> Res<Node> {
        let mut items = Vec::new();
        loop {
            let event = self.next()?;
            if matches!(event.0, Event::SequenceEnd) {
                break;
            }
            let after = items.last().map_or(from, Item::end);
            let dash = next_dash(self.text, after).ok_or(Unsupported("no dash before an item"))?;
            let value = self.node(event, dash + 1)?;
            if value.start < dash {
                return Err(Unsupported("dash after its item"));
            }
            items.push(Item { dash, value });
        }
        let span = items.first().zip(items.last());
        let span = span.map(|(first, last)| (first.dash, last.end()));
        block(Kind::Seq(items), span, "empty block sequence")
    }
}

/// A block collection's node, from its first element's start to its last one's end; `empty`
/// without an element (block style cannot write an empty collection).
fn block(kind: Kind, span: Option<(usize, usize)>, empty: &'static str) -> Res<Node> {
    let (start, end) = span.ok_or(Unsupported(empty))?;
    Ok(Node { kind, start, end })
}

/// The first `-` indicator at or after `pos`, past spaces, line breaks and comments.
fn next_dash(text: &str, mut pos: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    loop {
        match bytes.get(pos)? {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'#' => pos = line_after(text, pos),
            b'-' => break,
            _ => return None,
        }
    }
    let indicator = matches!(
        bytes.get(pos + 1),
        None | Some(b' ' | b'\t' | b'\r' | b'\n')
    );
    indicator.then_some(pos)
}

fn plain_node(anchor: usize, tagged: bool) -> Res<()> {
    match anchor == 0 && !tagged {
        true => Ok(()),
        false => Err(Unsupported("anchor or tag")),
    }
}

/// A block scalar's span runs to the next token; its content ends before the line break of the
/// last line before that token (trailing blank lines included).
fn block_scalar_end(text: &str, span: Range<usize>) -> usize {
    let ls = line_start(text, span.end);
    let mut end = span.end;
    if ls > span.start
        && text[ls..span.end]
            .trim_matches([' ', '\t', '\r'])
            .is_empty()
    {
        end = ls;
    }
    if end > span.start && text[..end].ends_with('\n') {
        end -= 1;
        if end > span.start && text[..end].ends_with('\r') {
            end -= 1;
        }
    }
    end
}

pub(crate) fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// The start of the line after `pos`'s (a content end: maybe on a block scalar's blank last line).
pub(crate) fn line_after(text: &str, pos: usize) -> usize {
    memchr::memchr(b'\n', &text.as_bytes()[pos..]).map_or(text.len(), |i| pos + i + 1)
}

pub(crate) fn column(text: &str, pos: usize) -> usize {
    pos - line_start(text, pos)
}

/// The position tree of one document's text, read from the parser's events.
pub(crate) fn read(text: &str) -> Res<Node> {
    let options = serde_saphyr::granit_parser::options! { emit_comments: false };
    let events = Parser::new_from_str_with_options(text, options);
    Builder { text, events }.document()
}

#[cfg(test)]
/// The position tree as the event-based builder reads it (the reference for the fast path).
pub(crate) fn event_tree(text: &str) -> Option<Node> {
    read(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key the text spells as is is its range (between a quoted key's quotes); a key written
    /// with escapes is the key itself. Both read back as the key.
    #[test]
    fn keys_are_ranges_of_the_text_unless_escaped() {
        let text = "plain: 1\n'single': 2\n\"double\": 3\n\"esc\\u0061ped\": 4\n'it''s': 5\n";
        let Kind::Map(entries) = read(text).unwrap().kind else {
            panic!("not a mapping");
        };
        let keys: Vec<&str> = entries.iter().map(|e| e.key(text)).collect();
        assert_eq!(keys, ["plain", "single", "double", "escaped", "it's"]);
        let spelled: Vec<bool> = entries
            .iter()
            .map(|e| matches!(e.key, Key::At(_)))
            .collect();
        assert_eq!(spelled, [true, true, true, false, false]);
    }
}
