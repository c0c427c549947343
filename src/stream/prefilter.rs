//! A line scanner that reads a document's identifying fields (`apiVersion`, `kind`, `metadata`
//! name, namespace, labels, annotations) without the YAML parser: parsing is most of a
//! post-renderer's time, and most documents are never edited, as their kind and labels show.
//!
//! It reads only the plain block layout that Helm and kyaml write — `key: value` lines, indented
//! maps, simple quoted or plain string scalars — and answers `None` (the caller then parses) for
//! anything else: flow collections, tags, merge keys, block or multi-line scalars, tabs, duplicate
//! keys, and any plain scalar a YAML 1.1 or 1.2 reader might not take for a string. Its answer is
//! the [`Meta`] a full parse gives; a test holds it to that on generated and real streams.
//!
//! A document the scanner answers for may never be parsed, so it also gives up on anything hostile
//! anywhere in the document (any anchor or alias, which an alias bomb needs; deep indentation or
//! bracket nesting): such input still meets the parser's limits and their clear errors.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::Meta;
use super::fast::{simple_char, simple_head, single_quoted};

/// Read the identifying fields of `body` (one document's YAML content), or `None` when unsure.
/// All documents are scanned: memchr finds lines and `hostile`'s bytes; only kept fields allocate.
pub fn scan(body: &str) -> Option<Meta> {
    if hostile(body.as_bytes()) {
        return None;
    }
    let mut scanner = Scanner::default();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', body.as_bytes()).chain([body.len()]) {
        let line = &body[start..end];
        start = end + 1;
        // Most lines: under a skipped key, too short to nest too deeply; `line` passes them as is.
        if scanner.section == Section::Other && line.len() <= MAX_INDENT && line.starts_with(' ') {
            continue;
        }
        scanner.line(line.strip_suffix('\r').unwrap_or(line))?;
    }
    scanner.finish()
}

/// Which part of the document the scanner is in.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Section {
    /// Before the first top-level key.
    #[default]
    Start,
    /// After `apiVersion:` or `kind:`: nothing may continue it.
    Scalar,
    /// Under a top-level key the scanner does not need: its lines are skipped.
    Other,
    /// Under `metadata:`.
    Metadata,
}

/// Where the scanner is inside `metadata`.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Field {
    /// No field yet.
    #[default]
    None,
    /// After `name:` or `namespace:`, or a `{}` map: nothing may continue it.
    Scalar,
    /// Under `labels:` (true) or `annotations:` (false).
    Map(bool),
    /// Under a metadata key the scanner does not need.
    Skip,
}

#[derive(Default)]
struct Scanner {
    section: Section,
    field: Field,
    /// Indentation of metadata's keys, once seen.
    meta_indent: Option<usize>,
    /// Indentation of the current label or annotation map's keys, once seen.
    map_indent: Option<usize>,
    api_version: Option<String>,
    kind: Option<String>,
    metadata: bool,
    name: Option<String>,
    namespace: Option<String>,
    labels: Option<BTreeMap<String, String>>,
    annotations: Option<BTreeMap<String, String>>,
}

impl Scanner {
    fn line(&mut self, line: &str) -> Option<()> {
        let (indent, nesting) = indentation(line.as_bytes());
        if nesting > MAX_INDENT {
            return None;
        }
        let content = &line[indent..];
        if content.is_empty() || content.starts_with('#') {
            return Some(());
        }
        if content.starts_with('\t') && (indent == 0 || self.section == Section::Metadata) {
            return None;
        }
        if indent == 0 {
            return self.top_level(content);
        }
        match self.section {
            Section::Other => Some(()),
            Section::Metadata => self.metadata_line(indent, content),
            Section::Start | Section::Scalar => None,
        }
    }

    fn top_level(&mut self, line: &str) -> Option<()> {
        if is_sequence_entry(line) {
            // A compact sequence under a top-level key we skip; anywhere else we cannot tell.
            return (self.section == Section::Other).then_some(());
        }
        let (key, rest) = split_key(line)?;
        match key.as_ref() {
            "apiVersion" => set_once(&mut self.api_version, scalar(rest)?)?,
            "kind" => set_once(&mut self.kind, scalar(rest)?)?,
            "metadata" => return self.start_metadata(rest),
            _ => {
                closed_on_this_line(rest)?;
                self.section = Section::Other;
                return Some(());
            }
        }
        self.section = Section::Scalar;
        Some(())
    }

    fn start_metadata(&mut self, rest: &str) -> Option<()> {
        if self.metadata {
            return None;
        }
        self.metadata = true;
        match strip_comment(rest) {
            "" => self.section = Section::Metadata,
            "{}" => self.section = Section::Scalar,
            _ => return None,
        }
        Some(())
    }

    fn metadata_line(&mut self, indent: usize, line: &str) -> Option<()> {
        let meta_indent = *self.meta_indent.get_or_insert(indent);
        if indent < meta_indent {
            return None;
        }
        if indent > meta_indent {
            return self.field_line(indent, line);
        }
        if is_sequence_entry(line) {
            return (self.field == Field::Skip).then_some(());
        }
        let (key, rest) = split_key(line)?;
        self.map_indent = None;
        self.field = Field::Scalar;
        match key.as_ref() {
            "name" => set_once(&mut self.name, scalar(rest)?),
            "namespace" => set_once(&mut self.namespace, scalar(rest)?),
            "labels" => self.start_map(true, rest),
            "annotations" => self.start_map(false, rest),
            _ => {
                closed_on_this_line(rest)?;
                self.field = Field::Skip;
                Some(())
            }
        }
    }

    fn start_map(&mut self, labels: bool, rest: &str) -> Option<()> {
        let slot = if labels {
            &mut self.labels
        } else {
            &mut self.annotations
        };
        set_once(slot, BTreeMap::new())?;
        match strip_comment(rest) {
            "" => self.field = Field::Map(labels),
            "{}" => self.field = Field::Scalar,
            _ => return None,
        }
        Some(())
    }

    /// A line indented below a metadata key.
    fn field_line(&mut self, indent: usize, line: &str) -> Option<()> {
        let labels = match self.field {
            Field::Skip => return Some(()),
            Field::Map(labels) => labels,
            Field::None | Field::Scalar => return None,
        };
        if indent != *self.map_indent.get_or_insert(indent) {
            return None;
        }
        let (key, rest) = split_key(line)?;
        let value = match strip_comment(rest) {
            "" => "null".to_string(),
            _ => scalar(rest)?,
        };
        let map = if labels {
            self.labels.as_mut()?
        } else {
            self.annotations.as_mut()?
        };
        map.insert(key.into_owned(), value).is_none().then_some(())
    }

    fn finish(self) -> Option<Meta> {
        if self.section == Section::Start {
            return None;
        }
        Some(Meta {
            api_version: self.api_version.unwrap_or_default(),
            kind: self.kind.unwrap_or_default(),
            name: self.name.unwrap_or_default(),
            namespace: self.namespace.unwrap_or_default(),
            labels: self.labels.unwrap_or_default(),
            annotations: self.annotations.unwrap_or_default(),
        })
    }
}

/// Deeper than any manifest goes: the parser's depth limit is 64 levels.
const MAX_INDENT: usize = 128;
const MAX_BRACKETS: usize = 16;

/// A line's indentation (leading spaces) and nesting (leading spaces, `-` and tabs: `- - a` nests).
fn indentation(line: &[u8]) -> (usize, usize) {
    let indent = line.iter().position(|&b| b != b' ').unwrap_or(line.len());
    let lead = line[indent..]
        .iter()
        .position(|&b| !matches!(b, b' ' | b'-' | b'\t'))
        .unwrap_or(line.len() - indent);
    (indent, indent + lead)
}

/// Whether a line of `body` may hold an anchor or alias (`&a`, `*a`, `<<: *a`: a `&` or `*` that
/// starts the content or follows a space, tab, `[`, `{` or `,`; maybe a `*` in a block scalar: the
/// parser decides) or over [`MAX_BRACKETS`] opening brackets (indentation is checked per line).
fn hostile(body: &[u8]) -> bool {
    for at in memchr::memchr2_iter(b'&', b'*', body) {
        let Some(before) = at.checked_sub(1) else {
            return true;
        };
        match body[before] {
            b'\n' | b' ' | b'\t' | b'[' | b'{' | b',' => return true,
            // `- &a x`, `--&a`: only `-`, spaces and tabs before it on its line.
            b'-' => {
                let line_start = memchr::memrchr(b'\n', &body[..at]).map_or(0, |i| i + 1);
                if body[line_start..at]
                    .iter()
                    .all(|&b| matches!(b, b' ' | b'-' | b'\t'))
                {
                    return true;
                }
            }
            _ => {}
        }
    }
    let (mut line_end, mut brackets) = (0, 0);
    for at in memchr::memchr2_iter(b'[', b'{', body) {
        if at >= line_end {
            line_end = memchr::memchr(b'\n', &body[at..]).map_or(body.len(), |i| at + i);
            brackets = 0;
        }
        brackets += 1;
        if brackets > MAX_BRACKETS {
            return true;
        }
    }
    false
}

/// Set a field seen for the first time; a duplicate key is the parser's (its policy decides).
fn set_once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(value))
}

fn is_sequence_entry(line: &str) -> bool {
    line == "-" || line.starts_with("- ")
}

/// Split `key: rest` with a plain or simply quoted key.
fn split_key(line: &str) -> Option<(Cow<'_, str>, &str)> {
    let (key, after) = if line.starts_with(['\'', '"']) {
        quoted(line)?
    } else {
        // A plain key is simple characters up to its colon (a `:` in a key makes it not plain).
        let end = line
            .bytes()
            .position(|c| !simple_char(c))
            .unwrap_or(line.len());
        let key = &line[..end];
        simple_head(key).then_some((Cow::Borrowed(key), &line[end..]))?
    };
    let rest = after.strip_prefix(':')?;
    (rest.is_empty() || rest.starts_with(' ')).then(|| (key, rest.trim_start_matches(' ')))
}

/// A value that needs no look at the following lines: anything but an unclosed quote, flow
/// collection or a block scalar header (only for keys the scanner skips).
fn closed_on_this_line(rest: &str) -> Option<()> {
    let value = strip_comment(rest);
    let closed = match value.chars().next() {
        Some('[') => value.ends_with(']'),
        Some('{') => value.ends_with('}'),
        Some(q @ ('\'' | '"')) => value.len() > 1 && value.ends_with(q),
        _ => true,
    };
    closed.then_some(())
}

/// The string value of a scalar that a YAML reader is sure to take as this string. An empty value
/// is null: the empty string for `name`, `"null"` in labels (what [`Meta::of`] makes of them); a
/// nested block under it fails later, at its first line.
fn scalar(rest: &str) -> Option<String> {
    if rest.starts_with(['\'', '"']) {
        let (value, after) = quoted(rest)?;
        return strip_comment(after).is_empty().then(|| value.into_owned());
    }
    let value = strip_comment(rest);
    (value.is_empty() || plain_string(value)).then(|| value.to_string())
}

/// A single- or double-quoted scalar closed on this line (double-quoted without escapes) and what
/// follows it; borrowed unless a `''` was unescaped. Refused with control characters or what YAML
/// may take for a line break (the parser folds a carriage return inside quotes).
fn quoted(text: &str) -> Option<(Cow<'_, str>, &str)> {
    let quote = text.chars().next()?;
    let inner = &text[1..];
    let end = memchr::memchr(quote as u8, inner.as_bytes())?;
    let odd = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}');
    // Printable ASCII has none of those: the characters are decoded only past it.
    let plain_ascii = |b: &u8| (b' '..=b'~').contains(b);
    if !inner.as_bytes()[..end].iter().all(plain_ascii) && inner[..end].chars().any(odd) {
        return None;
    }
    if quote == '"' {
        let value = &inner[..end];
        return (!value.contains('\\')).then_some((Cow::Borrowed(value), &inner[end + 1..]));
    }
    if inner.as_bytes().get(end + 1) != Some(&b'\'') {
        return Some((Cow::Borrowed(&inner[..end]), &inner[end + 1..]));
    }
    // A `''` inside: read by the fast reader, the odd characters checked again over all of it.
    let (value, end) = single_quoted(text, 0, true)?;
    (!text[..end].chars().any(odd)).then(|| (Cow::Owned(value), &text[end..]))
}

/// The text before a comment, without trailing spaces.
fn strip_comment(rest: &str) -> &str {
    if rest.starts_with('#') {
        return "";
    }
    let bytes = rest.as_bytes();
    let mut end = rest.len();
    let mut from = 1;
    while let Some(i) = bytes.get(from..).and_then(|b| memchr::memchr(b'#', b)) {
        if bytes[from + i - 1] == b' ' {
            end = from + i - 1;
            break;
        }
        from += i + 1;
    }
    rest[..end].trim_end_matches(' ')
}

/// A plain scalar every YAML reader resolves to this string: printable ASCII, starting with a
/// letter, `_`, `/` or a digit that cannot start a number here, nothing that could end a key or
/// start a comment, and no word YAML 1.1 or Rust's float parser reads as a bool, null or number.
fn plain_string(value: &str) -> bool {
    let mut previous = 0;
    for b in value.bytes() {
        if !(b.is_ascii_graphic() || b == b' ') || b == b'#' || (previous == b':' && b == b' ') {
            return false;
        }
        previous = b;
    }
    let digit = value.as_bytes().first().is_some_and(u8::is_ascii_digit);
    previous != b':' && (simple_head(value) || (digit && not_a_number(value)))
}

/// A scalar starting with a digit is a string when it has no radix prefix (`0x`, `0o`, `0b`) and
/// holds a letter no decimal or float has (only `e` appears in those): a sha256 checksum, `12ab`.
fn not_a_number(value: &str) -> bool {
    let letter = |c: &u8| c.is_ascii_alphabetic() && !matches!(c, b'e' | b'E');
    match value.as_bytes() {
        [b'0', b'x' | b'X' | b'o' | b'O' | b'b' | b'B', ..] => false,
        bytes => bytes.iter().any(letter),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(body: &str) -> Option<Meta> {
        let value = super::super::parse_one(body, 1).ok()?;
        value.is_object().then(|| Meta::of(&value))
    }

    #[test]
    fn reads_the_helm_layout() {
        let body = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"app\"\n  namespace: 'ns'\n  labels:\n    app.kubernetes.io/name: polyaxon # c\n    role: experiments\n  annotations:\n    \"helm.sh/hook\": post-install\nspec:\n  replicas: 1\n";
        let meta = scan(body).unwrap();
        assert_eq!(meta.kind, "Deployment");
        assert_eq!(meta.name, "app");
        assert_eq!(meta.namespace, "ns");
        assert_eq!(meta.labels["app.kubernetes.io/name"], "polyaxon");
        assert!(meta.is_hook());
        assert_eq!(Some(meta), full(body));
    }

    #[test]
    fn gives_up_on_what_it_cannot_be_sure_of() {
        for body in [
            "kind: A\nmetadata: {name: x}\n",
            "kind: A\nmetadata:\n  labels: {a: b}\n",
            "kind: A\nmetadata:\n  labels:\n    a: yes\n",
            "kind: A\nmetadata:\n  labels:\n    a: 0644\n",
            "kind: A\nmetadata:\n  labels:\n    a: \"x\\ty\"\n",
            "kind: A\nmetadata:\n  labels:\n    a: \"x\ry\"\n",
            "kind: A\nmetadata:\n  labels:\n    a: 'x\r\ry'\n",
            "kind: A\nmetadata:\n  labels:\n    a: 'it''s\r'\n",
            "kind: A\nmetadata:\n  name: \"x\u{2028}y\"\n",
            "kind: A\nmetadata:\n  name: a\n  name: b\n",
            "kind: A\nmetadata:\n  name: &n a\n",
            "kind: A\nmetadata:\n  name: multi\n    line\n",
            "kind: A\nmetadata:\n  annotations:\n    a: |\n      text\n",
            "kind: A\n<<: *base\n",
            "kind: A\nmetadata: *m\n",
            "kind: !!str A\n",
            "- a\n- b\n",
            "just text\n",
            "kind: A\nspec: [1,\n2]\n",
            "kind: A\nmetadata:\n\tname: a\n",
            "kind: A\nspec:\n  a: &x [1]\n  b: *x\n",
            "kind: A\nspec:\n  - *x\n",
            "kind: A\nspec: [[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]\n",
        ] {
            assert_eq!(scan(body), None, "{body}");
        }
    }

    #[test]
    fn skips_what_it_does_not_need() {
        let body = "kind: A\nmetadata:\n  name: x\n  finalizers:\n  - a\n  ownerReferences: [{a: 1}]\ndata:\n  k: |\n    kind: B\n    \tx\nitems:\n- 1\n";
        let meta = scan(body).unwrap();
        assert_eq!(meta.kind, "A");
        assert_eq!(meta.name, "x");
        assert_eq!(Some(meta), full(body));
    }

    #[test]
    fn empty_and_null_maps_are_empty() {
        for body in [
            "kind: A\nmetadata:\n  labels: {}\n  annotations:\n  name: x\n",
            "kind: A\nmetadata:\n",
            "kind: A\nmetadata: {}\n",
        ] {
            let meta = scan(body).unwrap();
            assert_eq!(Some(meta), full(body), "{body}");
        }
    }

    #[test]
    fn single_quotes_unescape() {
        let body = "kind: A\nmetadata:\n  annotations:\n    a: 'it''s # not a comment'\n";
        let meta = scan(body).unwrap();
        assert_eq!(meta.annotations["a"], "it's # not a comment");
        assert_eq!(Some(meta), full(body));
    }

    /// Every document of the real renders: where the scanner answers, it answers what a full
    /// parse gives; and it answers for nearly all of them (else it saves nothing).
    #[test]
    fn agrees_with_the_parser_on_the_real_renders() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/polyaxon-0.4.2");
        let (mut docs, mut scanned) = (0, 0);
        for sub in ["helm3", "helm4"] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                let stream = super::super::Stream::read(&text).unwrap();
                for doc in stream.docs.iter().filter(|d| !d.is_empty()) {
                    docs += 1;
                    if let Some(meta) = scan(doc.body()) {
                        scanned += 1;
                        assert_eq!(Some(meta), full(doc.body()), "{}", doc.body());
                    }
                }
            }
        }
        assert!(scanned * 10 >= docs * 9, "scanned {scanned} of {docs}");
    }

    /// Quoted scalars, comments and keys, borrowed or unescaped.
    #[test]
    fn quotes_comments_and_keys() {
        assert_eq!(quoted("'a''b' x"), Some(("a'b".into(), " x")));
        assert_eq!(quoted("'' x"), Some(("".into(), " x")));
        assert_eq!(quoted("'a' # c"), Some(("a".into(), " # c")));
        assert_eq!(quoted("\"a b\"c"), Some(("a b".into(), "c")));
        assert_eq!(quoted("\"a\\\"b\""), None);
        assert_eq!(quoted("'open"), None);
        assert_eq!(quoted("'open''"), None);
        assert_eq!(quoted("'a\\b' x"), Some(("a\\b".into(), " x")));
        assert_eq!(quoted("\"\\u0041\""), None);
        assert_eq!(quoted("'a\u{85}b'"), None);
        assert_eq!(quoted("\"a\u{2028}b\""), None);
        assert_eq!(quoted("'a''b\u{2028}'"), None);
        assert_eq!(quoted("'a''b' '' c"), Some(("a'b".into(), " '' c")));
        assert!(!plain_string("0Xz") && !plain_string("0bz") && !plain_string("1:"));
        assert!(plain_string("6018fbfa8f") && plain_string("_u") && !plain_string("1e3"));
        assert_eq!(strip_comment("a #b # c"), "a");
        assert_eq!(strip_comment("a#b  "), "a#b");
        assert_eq!(strip_comment("#a"), "");
        assert_eq!(strip_comment(" #a"), "");
        assert_eq!(split_key("a:b: c"), None);
        assert_eq!(split_key("a.b/c-d: x:y"), Some(("a.b/c-d".into(), "x:y")));
        assert_eq!(split_key("a: b: c"), Some(("a".into(), "b: c")));
        assert_eq!(split_key("a:"), Some(("a".into(), "")));
        assert_eq!(split_key("a:b"), None);
        assert_eq!(split_key("'k''s': v"), Some(("k's".into(), "v")));
        assert_eq!(split_key("yes: v"), None);
    }

    /// The line-by-line check the whole-body [`hostile`] replaced, kept as its reference.
    fn hostile_line(line: &str) -> bool {
        let content = line.trim_start_matches([' ', '-', '\t']);
        if line.len() - content.len() > MAX_INDENT {
            return true;
        }
        let bytes = line.as_bytes();
        if bytes.iter().filter(|&&b| b == b'[' || b == b'{').count() > MAX_BRACKETS {
            return true;
        }
        content.starts_with(['&', '*'])
            || bytes.windows(2).any(|w| {
                matches!(w[1], b'&' | b'*') && matches!(w[0], b' ' | b'\t' | b'[' | b'{' | b',')
            })
    }

    proptest::proptest! {
        /// The whole-body anchor and bracket search plus the per-line nesting check give up on
        /// exactly the bodies where one line failed the line-by-line check.
        #[test]
        fn hostile_agrees_with_the_line_by_line_check(
            lines in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::sample::select(vec![
                        " ", "  ", "-", "\t", "&", "*", "[", "{", ",", "a", "é", "\r",
                        "- ", "[[[[", "{{{{", "                                ",
                    ]),
                    0..10,
                ),
                0..6,
            )
        ) {
            let body = lines.iter().map(|l| l.concat()).collect::<Vec<_>>().join("\n");
            let reference = body
                .split('\n')
                .any(|l| hostile_line(l.strip_suffix('\r').unwrap_or(l)));
            let ours = hostile(body.as_bytes())
                || body.split('\n').any(|l| {
                    let l = l.strip_suffix('\r').unwrap_or(l);
                    indentation(l.as_bytes()).1 > MAX_INDENT
                });
            proptest::prop_assert_eq!(ours, reference, "{:?}", body);
        }
    }

    fn token() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            proptest::sample::select(vec![
                "a",
                "role",
                "Yes",
                "no",
                "On",
                "null",
                "~",
                "0644",
                "1_000",
                "1e3",
                ".inf",
                "nan",
                "inf",
                "1:20",
                "2021-01-01",
                "x: y",
                "a #b",
                "a#b",
                "'q'",
                "\"d\"",
                "'it''s'",
                "\"a\\tb\"",
                "6018fbfa8f",
                "1e3",
                "1E5",
                "0x1F",
                "0XaB",
                "0b101",
                "0o17",
                "12ab",
                "1_0e2",
                "0644x",
                "{}",
                "[]",
                "{a: b}",
                "&x a",
                "*x",
                "!!str a",
                "|",
                ">-",
                "",
                "-",
                "- a",
                "/p/q",
                "_u",
                "a b",
                "a:",
                "é",
                "<<",
                "?",
                "@a",
                "`a",
            ])
            .prop_map(str::to_string),
            "[a-z/_.:#' -]{0,8}",
        ]
    }

    proptest::proptest! {
        /// Generated metadata blocks, with tricky scalars, keys and indentation: the scanner
        /// either gives up or gives the parser's answer.
        #[test]
        fn never_disagrees_with_the_parser(
            entries in proptest::collection::vec((0usize..6, token(), token(), 0usize..3), 0..8)
        ) {
            let mut body = String::from("apiVersion: v1\nkind: A\nmetadata:\n");
            for (field, key, value, extra) in entries {
                let indent = " ".repeat(2 + extra);
                match field {
                    0 => body.push_str(&format!("{indent}name: {value}\n")),
                    1 => body.push_str(&format!("  labels:\n    {key}: {value}\n")),
                    2 => body.push_str(&format!("  annotations:\n{indent}  {key}: {value}\n")),
                    3 => body.push_str(&format!("{indent}{key}: {value}\n")),
                    4 => body.push_str(&format!("{key}: {value}\n")),
                    _ => body.push_str(&format!("{indent}- {value}\n")),
                }
            }
            if let Some(meta) = scan(&body) {
                let parsed = super::super::parse_one(&body, 1);
                if let Ok(value) = parsed {
                    proptest::prop_assert_eq!(Some(meta), value.is_object().then(|| Meta::of(&value)), "{}", body);
                }
            }
        }
    }
}
