//! The minimal-edit writer's safety net: its output is parsed again with the manifest parser
//! and options and must read as exactly one document equal to the intended value.
//!
//! The output is read into a light, borrowing tree ([`Node`]) rather than a `serde_json::Value`:
//! no hash table per mapping and no copy of the strings the parser can lend, which is most of
//! what building a `Value` costs. Every visit builds what serde_json's own `Value` visitor would
//! (scalars through serde_json itself; mapping keys read as its visitor reads them; a repeated
//! key keeps its last value), and the comparison is `Value`'s equality (mapping order ignored),
//! so the verdict is the one of comparing a parsed `Value`.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Whether `text` parses, as a manifest document is parsed, to exactly one document equal to
/// `expected`.
pub(super) fn reads_back_as(text: &str, expected: &Value) -> bool {
    // The fast path reads what it accepts exactly as the general parser does (its differential
    // tests); the writer's output is nearly always within it, and with the keys in the intended
    // order, so it is checked while it is read, without building a value.
    if crate::stream::fast::matches(text, expected) {
        return true;
    }
    if let Some(value) = crate::stream::fast::value(text) {
        return value == *expected;
    }
    // Read as Kubernetes reads it, as the document itself was (`stream::yaml11`).
    let text = crate::stream::yaml11::as_kubernetes_reads(text);
    let docs: Result<Vec<Node<'_>>, _> =
        serde_saphyr::from_str_multiple_with_options(&text, super::super::manifest_options());
    match docs.as_deref() {
        Ok([doc]) => doc.equals(expected),
        _ => false,
    }
}

/// A parsed node; strings borrowed from the text where the parser allows it.
#[derive(Debug)]
enum Node<'a> {
    /// Null, a boolean or a number, as serde_json builds it.
    Scalar(Value),
    Str(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    /// Entries in document order, repeated keys included.
    Map(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl Node<'_> {
    /// `Value`'s equality between the value this node reads as and `expected`.
    fn equals(&self, expected: &Value) -> bool {
        match (self, expected) {
            (Node::Scalar(value), _) => value == expected,
            (Node::Str(s), Value::String(e)) => s == e,
            (Node::Seq(items), Value::Array(e)) => {
                items.len() == e.len() && items.iter().zip(e).all(|(n, v)| n.equals(v))
            }
            (Node::Map(entries), Value::Object(e)) => map_equals(entries, e),
            _ => false,
        }
    }
}

fn map_equals(entries: &[(Cow<'_, str>, Node<'_>)], expected: &Map<String, Value>) -> bool {
    // The writer keeps the keys in the intended order: then they are distinct and pair up.
    let same_keys = entries.len() == expected.len()
        && entries.iter().zip(expected).all(|((k, _), (e, _))| k == e);
    if same_keys {
        return entries
            .iter()
            .zip(expected)
            .all(|((_, node), (_, value))| node.equals(value));
    }
    // Otherwise the map a `Value` would hold: each key once, with its last value.
    let last: BTreeMap<&str, &Node<'_>> = entries.iter().map(|(k, n)| (k.as_ref(), n)).collect();
    last.len() == expected.len()
        && last
            .iter()
            .all(|(key, node)| expected.get(*key).is_some_and(|v| node.equals(v)))
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Node<'de>, E> {
        Ok(Node::Scalar(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Node<'de>, E> {
        Ok(Node::Scalar(Value::Number(v.into())))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Node<'de>, E> {
        Ok(Node::Scalar(Value::Number(v.into())))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node<'de>, E> {
        Value::deserialize(v.into_deserializer()).map(Node::Scalar)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node<'de>, E> {
        Value::deserialize(v.into_deserializer()).map(Node::Scalar)
    }

    fn visit_f64<E>(self, v: f64) -> Result<Node<'de>, E> {
        Ok(Node::Scalar(
            Number::from_f64(v).map_or(Value::Null, Value::Number),
        ))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(v.to_string())))
    }

    fn visit_string<E>(self, v: String) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(v)))
    }

    fn visit_none<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Scalar(Value::Null))
    }

    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Scalar(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node<'de>, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut entries = Vec::new();
        // serde_json reads the first key as a `str` and the others as a `String` (which also
        // takes UTF-8 bytes).
        let mut key = Key { bytes: false };
        while let Some(k) = map.next_key_seed(key)? {
            entries.push((k, map.next_value()?));
            key = Key { bytes: true };
        }
        Ok(Node::Map(entries))
    }
}

/// A mapping key, read as serde_json reads the first key (`bytes: false`) or the later ones.
#[derive(Clone, Copy)]
struct Key {
    bytes: bool,
}

impl<'de> de::DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        match self.bytes {
            false => deserializer.deserialize_str(self),
            true => deserializer.deserialize_string(self),
        }
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        match (self.bytes, std::str::from_utf8(v)) {
            (true, Ok(s)) => Ok(Cow::Owned(s.to_string())),
            _ => Err(E::invalid_type(de::Unexpected::Bytes(v), &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::parse_one;
    use serde_json::json;

    /// The verdict of parsing into a `Value` and comparing, which this module stands in for.
    fn by_value(text: &str, expected: &Value) -> bool {
        parse_one(text, 1).is_ok_and(|v| v == *expected)
    }

    #[test]
    fn agrees_with_parsing_into_a_value() {
        let cases = [
            (
                "a: 1\nb: [x, 'y', \"z\"]\nc: {d: null}\n",
                json!({"a": 1, "b": ["x", "y", "z"], "c": {"d": null}}),
            ),
            ("b: 2\na: 1\n", json!({"a": 1, "b": 2})),
            ("a: 1\na: 2\n", json!({"a": 2})),
            ("a: 1\na: 2\n", json!({"a": 1})),
            ("a: 1\nb: 2\n", json!({"a": 1})),
            ("a: 1\n", json!({"a": 1, "b": 2})),
            (
                "m: 0644\nn: -3\nf: 1.5\nt: true\nq: '0644'\ne: ~\n",
                json!({"m": 420, "n": -3, "f": 1.5, "t": true, "q": "0644", "e": null}),
            ),
            ("f: 1.0\n", json!({"f": 1})),
            (
                "i: 18446744073709551615\n",
                json!({"i": 18446744073709551615u64}),
            ),
            ("s: |\n  line\n  two\n", json!({"s": "line\ntwo\n"})),
            ("- 1\n- 2\n", json!([1, 2])),
            ("- 1\n- 2\n", json!([1, 2, 3])),
            ("a: 1\n---\nb: 2\n", json!({"a": 1})),
            ("", Value::Null),
            ("a: [1, 2\n", json!({"a": [1, 2]})),
            ("x: &a 1\ny: *a\n", json!({"x": 1, "y": 1})),
            ("1: one\n", json!({"1": "one"})),
        ];
        for (text, expected) in cases {
            assert_eq!(
                reads_back_as(text, &expected),
                by_value(text, &expected),
                "{text:?} against {expected}"
            );
        }
    }
}
