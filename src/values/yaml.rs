//! One values file read from the YAML parser's events, so that every key and value keeps its
//! `line:column` and duplicate keys are seen (a map-building deserializer silently keeps the last).
//! A plain block-style file takes the manifests' single-pass reader instead (`fast`): the same
//! value, origins and findings without the event parser's cost.
//!
//! Plain scalars are resolved as Helm resolves them: `sigs.k8s.io/yaml` over go-yaml v2, that is
//! YAML 1.1 (`yes`/`on`/`y` are booleans, `0777` is octal, `1_000` is 1000) converted to JSON.
//! Aliases are expanded under a node budget and nesting is bounded, so a "billion laughs" file
//! fails fast with a clear error instead of exhausting memory.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Number, Value};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, ScanError, Span};

use crate::error::{Error, Result};
use crate::report::{Finding, Origin};
use crate::stream::yaml11::{go_parse_int, is_yaml_style_float};

mod fast;

/// Most nodes one file may expand to (aliases included): values files have hundreds.
const NODE_BUDGET: usize = 100_000;
/// Deepest nesting accepted: the chart's deepest parameter is 8 levels down.
const MAX_DEPTH: usize = 64;

/// A values file as JSON, with the origin of every value and the findings of reading it.
#[derive(Debug, Default)]
pub struct Parsed {
    pub root: Value,
    pub origins: BTreeMap<String, Origin>,
    pub findings: Vec<Finding>,
}

/// Parse one values file. `file` is the label used in locations (`-` for stdin).
pub fn parse(text: &str, file: &str) -> Result<Parsed> {
    match fast::parse(text, file) {
        Some(parsed) => Ok(parsed),
        None => parse_events(text, file),
    }
}

#[cfg(any(test, fuzzing))]
/// For the `values` fuzz target: whether the fast path, where it takes `text`, reads it as the
/// event reader does (the same value and origins, no findings).
pub fn fast_path_agrees(text: &str) -> bool {
    let Some(fast) = fast::parse(text, "f.yaml") else {
        return true;
    };
    parse_events(text, "f.yaml").is_ok_and(|events| {
        events.root == fast.root && events.origins == fast.origins && events.findings.is_empty()
    })
}

/// [`parse`] from the parser's events, whatever the file holds.
fn parse_events(text: &str, file: &str) -> Result<Parsed> {
    let mut reader = Reader {
        events: Parser::new_from_str(text),
        file,
        anchors: HashMap::new(),
        budget: NODE_BUDGET,
        out: Parsed::default(),
    };
    let root = match reader.document()? {
        Value::Null => Value::Object(Map::new()),
        Value::Object(map) => Value::Object(map),
        other => {
            return Err(Error::input(format!(
                "{file}:1:1: a values file must be a map of parameters, not {}",
                kind_name(&other)
            )));
        }
    };
    reader.out.origins.insert(
        String::new(),
        Origin::File {
            file: file.to_string(),
            line: 1,
            column: 1,
        },
    );
    reader.out.root = root;
    Ok(reader.out)
}

/// An anchored node: its value and how many nodes a copy of it costs.
struct Anchored {
    value: Value,
    size: usize,
}

struct Reader<'a> {
    events: Parser<'a, serde_saphyr::granit_parser::StrInput<'a>>,
    file: &'a str,
    anchors: HashMap<usize, Anchored>,
    budget: usize,
    out: Parsed,
}

impl<'a> Reader<'a> {
    /// The first document's root node (`Null` for an empty file). Helm reads only the first.
    fn document(&mut self) -> Result<Value> {
        loop {
            let Some((event, span)) = self.next_event()? else {
                return Ok(Value::Null);
            };
            match event {
                Event::StreamStart | Event::DocumentStart(..) => {}
                Event::StreamEnd | Event::DocumentEnd => return Ok(Value::Null),
                event => {
                    let root = self.node(event, span, "", None, 0)?.0;
                    self.later_documents();
                    return Ok(root);
                }
            }
        }
    }

    /// Helm (go-yaml's `Unmarshal`) reads only the first document; say so if there are more.
    fn later_documents(&mut self) {
        while let Ok(Some((event, span))) = self.next_event() {
            match event {
                Event::DocumentStart(..) => {
                    let origin = self.origin(&span);
                    self.out.findings.push(
                        Finding::warning(
                            "",
                            origin,
                            "a second YAML document: Helm reads only the first one of a values file",
                        )
                        .with_hint("move these values into the first document, or into another -f file"),
                    );
                    return;
                }
                Event::StreamEnd => return,
                _ => {}
            }
        }
    }

    /// The next event that matters (comments and anchor metadata skipped).
    fn next_event(&mut self) -> Result<Option<(Event<'a>, Span)>> {
        loop {
            match self.events.next() {
                None => return Ok(None),
                Some(Err(e)) => return Err(self.scan_error(&e)),
                Some(Ok((event, span))) => {
                    if matches!(
                        event,
                        Event::Scalar(..)
                            | Event::SequenceStart(..)
                            | Event::SequenceEnd
                            | Event::MappingStart(..)
                            | Event::MappingEnd
                            | Event::Alias(_)
                            | Event::StreamStart
                            | Event::StreamEnd
                            | Event::DocumentStart(..)
                            | Event::DocumentEnd
                    ) {
                        return Ok(Some((event, span)));
                    }
                }
            }
        }
    }

    fn require_event(&mut self) -> Result<(Event<'a>, Span)> {
        self.next_event()?
            .ok_or_else(|| Error::input(format!("{}: malformed YAML: unexpected end", self.file)))
    }

    fn scan_error(&self, e: &ScanError) -> Error {
        let mark = e.marker();
        Error::input(format!(
            "{}:{}:{}: malformed YAML: {}",
            self.file,
            mark.line(),
            mark.col() + 1,
            e.info()
        ))
    }

    fn origin(&self, span: &Span) -> Origin {
        Origin::File {
            file: self.file.to_string(),
            line: span.start.line(),
            column: span.start.col() + 1,
        }
    }

    fn spend(&mut self, nodes: usize, span: &Span) -> Result<()> {
        if nodes > self.budget {
            return Err(Error::input(format!(
                "{}: more than {NODE_BUDGET} values once aliases are expanded (aliases of \
                 aliases, as in a \"billion laughs\" file?); a values file never needs that many",
                self.origin(span)
            )));
        }
        self.budget -= nodes;
        Ok(())
    }

    /// Read one node whose first event is `event`: its value and size in nodes. `key_origin`, where
    /// its key is, is a collection's origin (a block map "starts" on the line after its key).
    fn node(
        &mut self,
        event: Event<'a>,
        span: Span,
        pointer: &str,
        key_origin: Option<Origin>,
        depth: usize,
    ) -> Result<(Value, usize)> {
        if depth > MAX_DEPTH {
            return Err(Error::input(format!(
                "{}: nested more than {MAX_DEPTH} levels deep",
                self.origin(&span)
            )));
        }
        self.spend(1, &span)?;
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let is_str_tag = tag.as_ref().is_some_and(|t| t.suffix() == "str");
                let value = if style == ScalarStyle::Plain && !is_str_tag {
                    resolve_plain(&text)
                        .map_err(|why| Error::input(format!("{}: {why}", self.origin(&span))))?
                } else {
                    Value::String(text.into_owned())
                };
                let origin = self.origin(&span);
                self.out.origins.insert(pointer.to_string(), origin);
                self.remember(anchor, &value, 1);
                Ok((value, 1))
            }
            Event::Alias(id) => self.alias(id, span, pointer),
            Event::SequenceStart(_, anchor, _) | Event::MappingStart(_, anchor, _) => {
                let origin = key_origin.unwrap_or_else(|| self.origin(&span));
                self.out.origins.insert(pointer.to_string(), origin);
                let (value, size) = match event {
                    Event::SequenceStart(..) => self.sequence(pointer, depth)?,
                    _ => self.mapping(pointer, depth)?,
                };
                self.remember(anchor, &value, size);
                Ok((value, size))
            }
            _ => Err(Error::input(format!(
                "{}: malformed YAML: unexpected structure",
                self.origin(&span)
            ))),
        }
    }

    fn remember(&mut self, anchor: usize, value: &Value, size: usize) {
        if anchor != 0 {
            let value = value.clone();
            self.anchors.insert(anchor, Anchored { value, size });
        }
    }

    fn alias(&mut self, id: usize, span: Span, pointer: &str) -> Result<(Value, usize)> {
        let Some(anchored) = self.anchors.get(&id) else {
            return Err(Error::input(format!(
                "{}: alias to an unknown anchor",
                self.origin(&span)
            )));
        };
        let (value, size) = (anchored.value.clone(), anchored.size);
        // The node itself was already paid for by `node`.
        self.spend(size.saturating_sub(1), &span)?;
        let origin = self.origin(&span);
        super::forget_below(&mut self.out.origins, pointer);
        self.out.origins.insert(pointer.to_string(), origin);
        Ok((value, size))
    }

    fn sequence(&mut self, pointer: &str, depth: usize) -> Result<(Value, usize)> {
        let mut items = Vec::new();
        let mut size = 1;
        loop {
            let (event, span) = self.require_event()?;
            if matches!(event, Event::SequenceEnd) {
                return Ok((Value::Array(items), size));
            }
            let child = format!("{pointer}/{}", items.len());
            let (value, n) = self.node(event, span, &child, None, depth + 1)?;
            size += n;
            items.push(value);
        }
    }

    fn mapping(&mut self, pointer: &str, depth: usize) -> Result<(Value, usize)> {
        let mut map = Map::new();
        let mut first_seen: HashMap<String, usize> = HashMap::new();
        let mut merges = Vec::new();
        let mut size = 1;
        loop {
            let (event, span) = self.require_event()?;
            let (key, is_merge) = match event {
                Event::MappingEnd => break,
                Event::Scalar(text, style, _, _) => {
                    let merge = style == ScalarStyle::Plain && text == "<<";
                    (key_string(&text, style), merge)
                }
                _ => {
                    return Err(Error::input(format!(
                        "{}: a key must be a plain string, not a list or a map",
                        self.origin(&span)
                    )));
                }
            };
            let key_origin = self.origin(&span);
            let (event, vspan) = self.require_event()?;
            let child = format!("{pointer}/{}", escape_pointer(&key));
            if is_merge {
                let (value, n) = self.node(event, vspan, &child, None, depth + 1)?;
                self.out.origins.remove(&child);
                size += n;
                merges.push(value);
                continue;
            }
            if let Some(line) = first_seen.get(&key) {
                let message = format!("duplicate key \"{key}\" (first given on line {line})");
                let finding = Finding::error(pointer_to_path(&child), key_origin.clone(), message);
                let hint = "Helm silently keeps the last one; remove one of them";
                self.out.findings.push(finding.with_hint(hint));
                super::forget_below(&mut self.out.origins, &child);
            }
            first_seen.insert(key.clone(), span.start.line());
            let (value, n) = self.node(event, vspan, &child, Some(key_origin), depth + 1)?;
            size += n;
            map.insert(key, value);
        }
        apply_merge_keys(&mut map, merges);
        Ok((Value::Object(map), size))
    }
}

/// `<<: *base` (go-yaml v2's YAML 1.1 merge keys): explicit keys win, then merged maps in order.
fn apply_merge_keys(map: &mut Map<String, Value>, merges: Vec<Value>) {
    let sources = merges.into_iter().flat_map(|m| match m {
        Value::Array(items) => items,
        other => vec![other],
    });
    for source in sources {
        if let Value::Object(source) = source {
            for (k, v) in source {
                map.entry(k).or_insert(v);
            }
        }
    }
}

/// A key as JSON sees it: `sigs.k8s.io/yaml` turns resolved non-string keys back into text.
fn key_string(text: &str, style: ScalarStyle) -> String {
    if style != ScalarStyle::Plain {
        return text.to_string();
    }
    match resolve_plain(text) {
        Ok(Value::String(s)) => s,
        Ok(Value::Null) => "null".to_string(),
        Ok(other) => other.to_string(),
        Err(_) => text.to_string(),
    }
}

/// Resolve a plain scalar the way go-yaml v2 does, then as JSON holds it.
pub fn resolve_plain(text: &str) -> std::result::Result<Value, String> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Ok(Value::Bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Ok(Value::Bool(false));
        }
        _ => {}
    }
    if let Some(n) = resolve_int(text) {
        return Ok(n);
    }
    resolve_float(text)
}

/// An integer as go-yaml v2 reads one: a plain scalar that starts with a digit or a sign, every
/// `_` dropped, then Go's integer syntax ([`go_parse_int`]).
fn resolve_int(text: &str) -> Option<Value> {
    if !text.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-') {
        return None;
    }
    let (negative, magnitude) = go_parse_int(&text.replace('_', ""))?;
    Some(Value::Number(match negative {
        true => 0i64.checked_sub_unsigned(magnitude)?.into(),
        false => magnitude.into(),
    }))
}

fn resolve_float(text: &str) -> std::result::Result<Value, String> {
    let lower = text.to_ascii_lowercase();
    let bare = lower.trim_start_matches(['+', '-']);
    if bare == ".inf" || bare == ".nan" {
        return Err(format!(
            "{text} (infinity / not-a-number) cannot be represented in JSON, so Helm rejects it; \
             quote it if you mean the text"
        ));
    }
    // go-yaml v2 (resolve.go) takes a plain scalar for a float by its first character: after a
    // digit or a sign, with every `_` dropped, when it matches `yamlStyleFloat`; after a `.`,
    // when Go's `ParseFloat` reads it (which takes no `_` without a base prefix).
    let number = match text.as_bytes().first() {
        Some(b'.') => (!text.contains('_')).then(|| text.to_string()),
        Some(c) if c.is_ascii_digit() || matches!(c, b'+' | b'-') => {
            let plain = text.replace('_', "");
            is_yaml_style_float(&plain).then_some(plain)
        }
        _ => None,
    };
    match number.and_then(|n| n.parse::<f64>().ok()) {
        Some(f) if f.is_finite() => Ok(float_value(f)),
        _ => Ok(Value::String(text.to_string())),
    }
}

/// go-yaml gives float64; JSON then prints `1.0` as `1`.
fn float_value(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        return Value::Number((f as i64).into());
    }
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Escape one JSON Pointer segment (RFC 6901).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// `/persistence/data/d1/store` → `persistence.data.d1.store` (list indexes as `[0]`).
pub fn pointer_to_path(pointer: &str) -> String {
    let mut path = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = match segment.contains('~') {
            true => std::borrow::Cow::Owned(segment.replace("~1", "/").replace("~0", "~")),
            false => std::borrow::Cow::Borrowed(segment),
        };
        if !segment.is_empty() && segment.bytes().all(|c| c.is_ascii_digit()) && !path.is_empty() {
            path.push('[');
            path.push_str(&segment);
            path.push(']');
        } else {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&segment);
        }
    }
    path
}

/// `a string`, `a list`... for messages.
pub fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn root(text: &str) -> Value {
        parse(text, "v.yaml").unwrap().root
    }

    #[test]
    fn yaml_1_1_scalars_resolve_as_helm_does() {
        let v = root(
            "a: yes\nb: on\nc: y\nd: off\ne: 0777\nf: 0o17\ng: 0x1F\nh: 0b101\ni: 1_000\n\
             j: +1\nk: 1e3\nl: 1.5\nm: ~\nnn: \"yes\"\no: 2021-01-01\np: 12:30\nq: 0\nr: -3\n",
        );
        assert_eq!(
            v,
            json!({"a": true, "b": true, "c": true, "d": false, "e": 511, "f": 15, "g": 31,
                   "h": 5, "i": 1000, "j": 1, "k": 1000, "l": 1.5, "m": null, "nn": "yes",
                   "o": "2021-01-01", "p": "12:30", "q": 0, "r": -3})
        );
    }

    /// go-yaml v2 drops every `_` before it reads an integer, so a leading `0` still makes it
    /// octal and a prefix may be followed by `_`; a prefix may be upper case (Go's `0X`).
    #[test]
    fn underscored_and_prefixed_integers_resolve_as_go_yaml_does() {
        let v = root("a: 0_10\nb: 0x_1F\nc: 0X1F\nd: -0b1_1\ne: 1_a\n");
        assert_eq!(v, json!({"a": 8, "b": 31, "c": 31, "d": -3, "e": "1_a"}));
    }

    /// A sign makes Go read an integer with `ParseInt` alone (`ParseUint` takes no sign): beyond
    /// an `i64`, go-yaml v2 reads a float.
    #[test]
    fn a_signed_integer_beyond_i64_is_a_float_as_go_yaml_reads_it() {
        let v = root(
            "a: 18446744073709551615\nb: +18446744073709551615\nc: +9223372036854775807\n\
             d: +9223372036854775808\ne: -9223372036854775808\n",
        );
        assert_eq!(v["a"], json!(18446744073709551615u64));
        assert_eq!(v["b"], json!(18446744073709551615.0));
        assert_eq!(v["c"], json!(9223372036854775807i64));
        assert_eq!(v["d"], json!(9223372036854775808.0));
        assert_eq!(v["e"], json!(i64::MIN));
    }

    /// go-yaml v2 reads a float only after a digit or a sign (every `_` dropped, then its
    /// `yamlStyleFloat`) or after a `.` (Go's `ParseFloat`, which takes no `_` there).
    #[test]
    fn floats_resolve_by_their_first_character_as_go_yaml_does() {
        let v = root(
            "a: _1
b: ._5
c: .5
d: 1_0.5
e: -.5e1
f: 1.5.2
g: +1.
h: 1e
",
        );
        assert_eq!(
            v,
            json!({"a": "_1", "b": "._5", "c": 0.5, "d": 10.5, "e": -5, "f": "1.5.2", "g": 1,
                   "h": "1e"})
        );
    }

    #[test]
    fn keys_resolve_like_values_then_become_text() {
        assert_eq!(
            root("y: 1\n1: 2\n\"on\": 3\n"),
            json!({"true": 1, "1": 2, "on": 3})
        );
    }

    #[test]
    fn str_tag_keeps_text() {
        assert_eq!(root("a: !!str yes\n"), json!({"a": "yes"}));
    }

    #[test]
    fn infinity_is_rejected() {
        let err = parse("a: .inf\n", "v.yaml").unwrap_err();
        assert!(err.to_string().starts_with("v.yaml:1:4:"), "{err}");
    }

    #[test]
    fn origins_point_at_values_and_keys() {
        let p = parse(
            "persistence:\n  data:\n    d1:\n      store: s4\n",
            "v.yaml",
        )
        .unwrap();
        let at = |ptr: &str| p.origins.get(ptr).unwrap().to_string();
        assert_eq!(at("/persistence/data/d1/store"), "v.yaml:4:14");
        assert_eq!(at("/persistence/data/d1"), "v.yaml:3:5");
        assert_eq!(at("/persistence"), "v.yaml:1:1");
    }

    #[test]
    fn duplicate_keys_are_reported_and_last_wins() {
        let p = parse("a: 1\nb: 2\na: 3\n", "v.yaml").unwrap();
        assert_eq!(p.root, json!({"a": 3, "b": 2}));
        assert_eq!(p.findings.len(), 1);
        assert!(p.findings[0].message.contains("first given on line 1"));
        assert_eq!(p.findings[0].origin.to_string(), "v.yaml:3:1");
    }

    #[test]
    fn later_documents_are_ignored_with_a_warning() {
        let p = parse("a: 1\n---\nb: 2\n", "v.yaml").unwrap();
        assert_eq!(p.root, json!({"a": 1}));
        assert_eq!(p.findings.len(), 1);
        assert_eq!(p.findings[0].origin.to_string(), "v.yaml:2:1");
    }

    #[test]
    fn empty_file_is_an_empty_map() {
        assert_eq!(root(""), json!({}));
        assert_eq!(root("# only a comment\n"), json!({}));
    }

    #[test]
    fn non_map_root_is_an_input_error() {
        assert!(parse("- a\n- b\n", "v.yaml").is_err());
    }

    #[test]
    fn aliases_and_merge_keys_expand() {
        let v = root("base: &b {a: 1, b: 2}\nother:\n  <<: *b\n  b: 3\ncopy: *b\n");
        assert_eq!(v["other"], json!({"b": 3, "a": 1}));
        assert_eq!(v["copy"], json!({"a": 1, "b": 2}));
    }

    #[test]
    fn billion_laughs_fails_fast() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, \
                 *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let start = std::time::Instant::now();
        let err = parse(&text, "v.yaml").unwrap_err();
        assert!(err.to_string().contains("billion laughs"), "{err}");
        assert!(start.elapsed().as_secs() < 2);
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let text = format!("a: {}1{}\n", "[".repeat(100), "]".repeat(100));
        assert!(parse(&text, "v.yaml").is_err());
    }

    #[test]
    fn malformed_yaml_has_a_location() {
        let err = parse("a: [1, 2\nb: 3\n", "v.yaml").unwrap_err();
        assert!(err.to_string().starts_with("v.yaml:"), "{err}");
        assert!(err.to_string().contains("malformed YAML"), "{err}");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "[a-z:&*\\[\\]{}, \n-]{0,60}") {
            let _ = parse(&text, "v.yaml");
        }
    }

    #[test]
    fn pointer_paths() {
        assert_eq!(pointer_to_path("/a/b~1c/0/d"), "a.b/c[0].d");
        assert_eq!(pointer_to_path(""), "");
    }
}
