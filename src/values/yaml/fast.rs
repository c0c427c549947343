//! The values reader's fast path ([`crate::stream::fast`]): it takes the plain block-style YAML
//! values files are made of and leaves everything else to [`super::parse`] (anchors, aliases and
//! merge keys, tags, duplicate keys, more than one document, block and multi-line scalars, flow
//! collections with content, inside which it keeps no positions, nesting or sizes past its limits).
//!
//! What it takes reads as the event reader would read it: the structure is the parser's (the
//! fast reader's differential tests); every plain scalar and key is resolved again with the
//! event reader's YAML 1.1 rules and must agree with what the fast reader made of it, else it
//! gives up; every node gets the event reader's origin: a scalar where it starts, a collection
//! where its key is (or where it starts, in a list), the root at 1:1.

use std::collections::BTreeMap;

use serde_json::Value;
use serde_saphyr::granit_parser::ScalarStyle;

use super::{Parsed, escape_pointer, key_string, resolve_plain};
use crate::report::Origin;
use crate::stream::fast::value_and_tree;
use crate::stream::tree::{Kind, Node};

/// The file read on the fast path, or `None` for the event reader.
pub(super) fn parse(text: &str, file: &str) -> Option<Parsed> {
    let (root, tree) = value_and_tree(text)?;
    let mut walk = Walk {
        text,
        file,
        lines: std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect(),
        origins: BTreeMap::new(),
    };
    walk.node(&tree, &root, &mut String::new(), None)?;
    walk.origins.insert(String::new(), walk.origin(0));
    Some(Parsed {
        root,
        origins: walk.origins,
        findings: Vec::new(),
    })
}

struct Walk<'t> {
    text: &'t str,
    file: &'t str,
    /// Where each line starts.
    lines: Vec<usize>,
    origins: BTreeMap<String, Origin>,
}

impl Walk<'_> {
    /// The origin of the byte at `offset`: its line and its column in characters, from 1.
    fn origin(&self, offset: usize) -> Origin {
        let line = self.lines.partition_point(|&start| start <= offset);
        let start = self.lines[line.saturating_sub(1)];
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        Origin::File {
            file: self.file.to_string(),
            line,
            column: column + 1,
        }
    }

    /// Record the origins of `node` (read as `value`) at `pointer` and below; `key` is where its
    /// key starts, if it has one. `None` where the event reader must decide.
    fn node(
        &mut self,
        node: &Node,
        value: &Value,
        pointer: &mut String,
        key: Option<usize>,
    ) -> Option<()> {
        let origin = match (&node.kind, key) {
            (Kind::Scalar(_), _) | (_, None) => self.origin(node.start),
            (_, Some(key)) => self.origin(key),
        };
        self.origins.insert(pointer.clone(), origin);
        let base = pointer.len();
        match (&node.kind, value) {
            (Kind::Scalar(ScalarStyle::Plain), _) => {
                let raw = self.text.get(node.start..node.end)?;
                (resolve_plain(raw).ok()? == *value).then_some(())
            }
            (Kind::Scalar(_), Value::String(_)) => Some(()),
            (Kind::Flow { .. }, Value::Array(items)) => items.is_empty().then_some(()),
            (Kind::Flow { .. }, Value::Object(map)) => map.is_empty().then_some(()),
            (Kind::Map(entries), Value::Object(map)) => {
                for entry in entries {
                    let key = entry.key(self.text);
                    // A plain key is resolved too: one that YAML 1.1 reads as something else
                    // (and JSON then writes as other text) is the event reader's.
                    let plain = self.text.as_bytes().get(entry.key_start) != Some(&b'"')
                        && self.text.as_bytes().get(entry.key_start) != Some(&b'\'');
                    if plain && key_string(key, ScalarStyle::Plain) != key {
                        return None;
                    }
                    pointer.push('/');
                    pointer.push_str(&escape_pointer(key));
                    self.node(&entry.value, map.get(key)?, pointer, Some(entry.key_start))?;
                    pointer.truncate(base);
                }
                Some(())
            }
            (Kind::Seq(items), Value::Array(values)) => {
                for (index, (item, value)) in items.iter().zip(values).enumerate() {
                    pointer.push('/');
                    pointer.push_str(&index.to_string());
                    self.node(&item.value, value, pointer, None)?;
                    pointer.truncate(base);
                }
                Some(())
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
