//! The rendered manifest stream: Helm 3 and Helm 4 forms in, documents with byte spans and headers,
//! and the writer ([`emit`]). Reading is lazy: splitting costs one pass over the bytes, and a
//! document's YAML is parsed only when a later stage asks for it ([`Document::value`]).

pub mod emit;
pub mod fast;
pub mod mask;
pub mod prefilter;
pub mod split;
pub mod surgical;
pub mod tree;
pub mod yaml11;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::report::Origin;

#[cfg(any(test, fuzzing, feature = "testing"))]
pub use emit::write;
pub use split::Chunk;

/// The Helm 4 annotation naming the template file a document came from.
pub const FILENAME_ANNOTATION: &str = "postrenderer.helm.sh/postrender-filename";
/// The annotation that makes a document a Helm hook.
pub const HOOK_ANNOTATION: &str = "helm.sh/hook";

/// Largest document accepted (bytes): a post-renderer must not hold an unbounded one in memory.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// A whole stream, borrowed from the input text.
#[derive(Debug)]
pub struct Stream<'a> {
    pub text: &'a str,
    pub docs: Vec<Document<'a>>,
}

/// The identifying fields of a Kubernetes object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

impl Meta {
    /// Read the identifying fields of an object (missing fields are empty).
    pub fn of(value: &Value) -> Meta {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
        let map = |v: Option<&Value>| -> BTreeMap<String, String> {
            let entries = v.and_then(Value::as_object).into_iter().flatten();
            let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
            entries.map(|(k, v)| (k.clone(), text(v))).collect()
        };
        let metadata = value.get("metadata");
        Meta {
            api_version: text(value.get("apiVersion")),
            kind: text(value.get("kind")),
            name: text(metadata.and_then(|m| m.get("name"))),
            namespace: text(metadata.and_then(|m| m.get("namespace"))),
            labels: map(metadata.and_then(|m| m.get("labels"))),
            annotations: map(metadata.and_then(|m| m.get("annotations"))),
        }
    }

    pub fn is_hook(&self) -> bool {
        self.annotations.contains_key(HOOK_ANNOTATION)
    }
}

/// One chunk of the stream.
#[derive(Debug)]
pub struct Document<'a> {
    /// 0-based position in the stream.
    pub index: usize,
    /// 0-based position messages give (`document N` is `number + 1`): `index`, except in a
    /// window of the driver ([`crate::driver`]), where it is the stream's position.
    pub number: usize,
    /// The whole stream's text (the document's bytes are `chunk.span` of it).
    text: &'a str,
    pub chunk: Chunk,
    parsed: OnceLock<Result<Value, String>>,
    /// [`Document::tree`]: read with the value, as the minimal-edit writer nearly always needs it.
    tree: OnceLock<tree::Node>,
    /// The identifying fields as the line scanner read them, when it was sure ([`prefilter`]).
    scanned: OnceLock<Option<Meta>>,
    /// The metadata read from the parsed document, when the line scanner could not read it.
    read_meta: OnceLock<Meta>,
}

impl<'a> Document<'a> {
    /// The document's original bytes, exactly as read.
    pub fn raw(&self) -> &'a str {
        &self.text[self.chunk.span.clone()]
    }

    /// Whether the document may hold the string `name` (a value or a key), judged from its text so
    /// that a document nothing can touch costs no parse. A name of letters, digits and `-._/` can
    /// only be written as is or through double-quoted escapes (`\u002d`, `\/`, a line continuation;
    /// folding a line break makes a space); every document may hold any other name.
    pub fn may_hold(&self, name: &str) -> bool {
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/');
        let raw = self.raw();
        !name.chars().all(plain)
            || memchr::memmem::find(raw.as_bytes(), name.as_bytes()).is_some()
            || may_escape_a_name(raw)
    }

    /// Whether the document's lines end in CRLF (the writers keep them so).
    pub fn crlf(&self) -> bool {
        let raw = self.raw().as_bytes();
        memchr::memchr_iter(b'\r', raw).any(|at| raw.get(at + 1) == Some(&b'\n'))
    }

    /// The separator line and the comments before the content.
    pub fn header(&self) -> &'a str {
        &self.text[self.chunk.header.clone()]
    }

    /// The YAML content.
    pub fn body(&self) -> &'a str {
        &self.text[self.chunk.body.clone()]
    }

    /// Blank lines, column-0 comments and `...` after the content.
    pub fn trailer(&self) -> &'a str {
        &self.text[self.chunk.trailer.clone()]
    }

    /// What the YAML parser reads: the body and the trailer, whose blank lines belong to a final
    /// keep-chomping block scalar (`|+`), as they do for Kubernetes, which parses the whole chunk.
    pub(crate) fn yaml(&self) -> &'a str {
        &self.text[self.chunk.body.start..self.chunk.span.end]
    }

    #[cfg(test)]
    /// Whether [`Document::value`] has read the document.
    pub(crate) fn is_parsed(&self) -> bool {
        self.parsed.get().is_some()
    }

    /// The position tree of [`Document::yaml`], if [`Document::value`] read it on the fast path.
    pub(crate) fn tree(&self) -> Option<&tree::Node> {
        self.tree.get()
    }

    /// [`Document::source`] for error messages, found without parsing (this may be the document
    /// that does not parse): the filename annotation is taken as written.
    fn error_source(&self) -> String {
        self.named(|| {
            self.body().lines().find_map(|line| {
                let value = line.trim_start().strip_prefix(FILENAME_ANNOTATION)?;
                let value = value.trim_start_matches(['"', '\'']).strip_prefix(':')?;
                let value = value.trim().trim_matches(['"', '\'']);
                (!value.is_empty()).then(|| value.to_string())
            })
        })
    }

    fn named(&self, annotation: impl FnOnce() -> Option<String>) -> String {
        let source = self
            .source_comment()
            .map(str::to_string)
            .or_else(annotation);
        source.unwrap_or_else(|| format!("document {}", self.number + 1))
    }

    fn new(text: &'a str, chunk: Chunk, index: usize) -> Self {
        Document {
            index,
            number: index,
            text,
            chunk,
            parsed: OnceLock::new(),
            tree: OnceLock::new(),
            scanned: OnceLock::new(),
            read_meta: OnceLock::new(),
        }
    }

    /// Kubernetes' reader rejects a `---` line with content after it (`--- {a: 1}`); the YAML
    /// parser would take it as one document when it opens a chunk, so it is refused.
    fn separator_error(&self) -> Option<Error> {
        self.body().starts_with("---").then(|| {
            Error::input(format!(
                "stream line {}: {}: `---` followed by content on the same line; Kubernetes \
                 rejects this: put `---` on a line of its own and the content on the next line",
                self.chunk.body_line,
                self.error_source()
            ))
        })
    }

    /// A document over [`MAX_DOCUMENT_BYTES`].
    fn size_error(&self) -> Option<Error> {
        (self.chunk.span.len() > MAX_DOCUMENT_BYTES).then(|| {
            Error::input(format!(
                "stream line {}: document of {} bytes exceeds the limit of {} bytes; split it \
                 or check that the input is really a manifest stream",
                self.chunk.first_line,
                self.chunk.span.len(),
                MAX_DOCUMENT_BYTES
            ))
        })
    }

    /// A chunk with no YAML content (comments only, or empty).
    pub fn is_empty(&self) -> bool {
        self.chunk.body.is_empty()
    }

    /// The `# Source:` path from the header (Helm 3 and `helm template`).
    pub fn source_comment(&self) -> Option<&'a str> {
        self.header().lines().find_map(|line| {
            line.trim_start()
                .strip_prefix("# Source:")
                .map(|s| s.trim_end_matches('\r').trim())
        })
    }

    /// The `# Source:` path, else the Helm 4 filename annotation, else `document N`.
    pub fn source(&self) -> String {
        self.named(|| match self.scanned() {
            Some(meta) => meta.annotations.get(FILENAME_ANNOTATION).cloned(),
            None => {
                let annotations = self.value().ok()??.pointer("/metadata/annotations")?;
                Some(annotations.get(FILENAME_ANNOTATION)?.as_str()?.to_string())
            }
        })
    }

    /// The origin to put on findings about this document.
    pub fn origin(&self) -> Origin {
        Origin::Document {
            source: self.source(),
            line: self.chunk.body_line,
        }
    }

    /// The parsed value, moved out (`None` when it was not parsed or did not parse): for a
    /// caller that is done with the stream and keeps the values (a KRM function's items).
    pub fn take_value(&mut self) -> Option<Value> {
        self.parsed.take().and_then(|parsed| parsed.ok())
    }

    /// The chunk parsed (once, cached) as exactly one YAML document; `None` for an empty chunk.
    pub fn value(&self) -> Result<Option<&Value>> {
        if self.is_empty() {
            return Ok(None);
        }
        let parsed = self.parsed.get_or_init(|| {
            if let Some((value, tree)) = fast::value_and_tree(self.yaml()) {
                let _ = self.tree.set(tree);
                return Ok(value);
            }
            parse_general(self.yaml(), self.chunk.body_line)
                .map_err(|e| format!("{}: {e}", self.error_source()))
        });
        match parsed {
            Ok(v) => Ok(Some(v)),
            Err(message) => Err(Error::input(message.clone())),
        }
    }

    /// The identifying fields (`None` for an empty chunk or a non-object document), read without a
    /// parse where the line scanner can: deciding that a document is not edited must be cheap.
    pub fn meta(&self) -> Result<Option<Meta>> {
        Ok(self.meta_ref()?.cloned())
    }

    /// [`Document::meta`] without a copy (it is read for every document by several stages).
    pub fn meta_ref(&self) -> Result<Option<&Meta>> {
        if let Some(meta) = self.scanned() {
            return Ok(Some(meta));
        }
        let Some(value) = self.value()?.filter(|v| v.is_object()) else {
            return Ok(None);
        };
        Ok(Some(self.read_meta.get_or_init(|| Meta::of(value))))
    }

    /// The chunk's scan moved out to seed another [`Stream`] of its text ([`Document::seed_scan`]).
    pub(crate) fn take_scan(&mut self) -> Option<Meta> {
        self.scanned();
        self.scanned.take().flatten()
    }

    /// Take what [`Document::take_scan`] gave of this document in another [`Stream`] of its text.
    pub(crate) fn seed_scan(&self, meta: Option<Meta>) {
        let _ = self.scanned.set(meta);
    }

    fn scanned(&self) -> Option<&Meta> {
        if self.is_empty() {
            return None;
        }
        self.scanned
            .get_or_init(|| prefilter::scan(self.body()))
            .as_ref()
    }
}

/// One chunk of a stream read on its own (`text`, a document or a run of empty ones), as
/// document `number` starting at stream line `first_line`: what [`Stream::read`] refuses in it,
/// with the message it gives in the whole stream (content on a `---` line first, then size).
pub fn chunk_errors(
    text: &str,
    number: usize,
    first_line: usize,
) -> (Option<Error>, Option<Error>) {
    let mut separator = None;
    let mut size = None;
    for (i, mut chunk) in split::split(text).into_iter().enumerate() {
        chunk.body_line += first_line - 1;
        chunk.first_line += first_line - 1;
        let doc = Document::new(text, chunk, number + i);
        separator = separator.or_else(|| doc.separator_error());
        size = size.or_else(|| doc.size_error());
    }
    (separator, size)
}

impl<'a> Stream<'a> {
    /// Split `text` into documents. Nothing is parsed yet.
    pub fn read(text: &'a str) -> Result<Stream<'a>> {
        let docs: Vec<Document<'a>> = split::split(text)
            .into_iter()
            .enumerate()
            .map(|(index, chunk)| Document::new(text, chunk, index))
            .collect();
        if let Some(err) = docs.iter().find_map(Document::separator_error) {
            return Err(err);
        }
        if let Some(err) = docs.iter().find_map(Document::size_error) {
            return Err(err);
        }
        Ok(Stream { text, docs })
    }

    /// Make document `index` and the `count - 1` after it, all empty, one empty document (how a
    /// spooled stream's index holds a run of empty documents); the later documents move up.
    pub(crate) fn merge_empty_run(&mut self, index: usize, count: usize) {
        let last = (index + count).min(self.docs.len());
        if count < 2 || last <= index + 1 || !self.docs[index..last].iter().all(|d| d.is_empty()) {
            return;
        }
        let end = self.docs[last - 1].chunk.span.end;
        let first = &mut self.docs[index].chunk;
        first.span.end = end;
        first.header.end = end;
        first.body = end..end;
        first.trailer = end..end;
        self.docs.drain(index + 1..last);
        for (i, doc) in self.docs.iter_mut().enumerate().skip(index + 1) {
            doc.index = i;
            doc.number = i;
        }
    }

    /// Parse every document (an input error names the first that fails).
    pub fn parse_all(&self) -> Result<()> {
        for doc in &self.docs {
            doc.value()?;
        }
        Ok(())
    }

    /// Whether Helm 3 sent this stream: its documents have `# Source:` header comments (Helm 4
    /// sends none; it names each document with [`FILENAME_ANNOTATION`] and includes the hooks).
    pub fn helm3(&self) -> bool {
        self.docs.iter().any(|d| d.source_comment().is_some())
    }
}

/// The node bound of one manifest document (maps, lists and scalars; serde-saphyr's default).
pub const MAX_NODES: usize = 250_000;

/// The node bound of a KRM `ResourceList`, which holds a whole package as one YAML document:
/// 100,000 items of 100 nodes (a small Deployment has about 40).
pub const MAX_LIST_NODES: usize = 10_000_000;

/// The parser options for manifests, as Kubernetes reads them: YAML 1.1 octals (`0644` is 420),
/// duplicate keys last-wins; a budget of `max_nodes` nodes, events and scalar text in proportion.
fn manifest_options(max_nodes: usize) -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    let scale = max_nodes.div_ceil(budget.max_nodes).max(1);
    budget.max_nodes = max_nodes;
    budget.max_events = budget.max_events.saturating_mul(scale);
    budget.max_total_scalar_bytes = budget.max_total_scalar_bytes.saturating_mul(scale);
    serde_saphyr::options! {
        legacy_octal_numbers: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
        budget: Some(budget),
    }
}

/// [`parse_general`] with a bound of `max_nodes` nodes instead of [`MAX_NODES`].
pub fn parse_large(body: &str, first_line: usize, max_nodes: usize) -> Result<Value, String> {
    let body = yaml11::as_kubernetes_reads(body);
    let docs: Vec<Value> =
        serde_saphyr::from_str_multiple_with_options(&body, manifest_options(max_nodes))
            .map_err(|e| malformed(&e, &body, first_line, max_nodes))?;
    one_document(docs, &body, first_line)
}

/// Parse `body` as exactly one YAML document; `first_line` is its stream line, so that an error
/// names a line of the stream. Helm's block-style output mostly takes the fast path; what it does
/// not model (and every error, with its message) is the general parser's.
pub fn parse_one(body: &str, first_line: usize) -> Result<Value, String> {
    if let Some(value) = fast::value(body) {
        return Ok(value);
    }
    parse_general(body, first_line)
}

/// [`parse_one`] on serde-saphyr only: the reference the fast path is tested against.
pub fn parse_general(body: &str, first_line: usize) -> Result<Value, String> {
    parse_large(body, first_line, MAX_NODES)
}

/// The one document of a chunk, or why there is not exactly one.
fn one_document(docs: Vec<Value>, body: &str, first_line: usize) -> Result<Value, String> {
    match docs.len() {
        1 => Ok(docs.into_iter().next().unwrap_or(Value::Null)),
        0 => Err(format!(
            "stream line {first_line}: the chunk holds no YAML document"
        )),
        n => Err(format!(
            "stream line {}: the chunk holds several YAML documents ({n}) where \
             Kubernetes sees one; put `---` on a line of its own (column 0, nothing after it but \
             a comment) between documents",
            first_line + second_document_line(body).unwrap_or(0)
        )),
    }
}

/// The line (0-based, within `body`) of the first document marker after the first line: a
/// `---` or `...` at column 0 that is not a separator of the stream (`--- !tag`, `--- |`), where
/// the YAML parser starts or ends a document that Kubernetes' splitter does not.
fn second_document_line(body: &str) -> Option<usize> {
    body.lines().enumerate().skip(1).find_map(|(i, line)| {
        let marker = line.starts_with("---") || line.starts_with("...");
        let rest = line.get(3..).unwrap_or_default();
        (marker && (rest.is_empty() || rest.starts_with([' ', '\t', '\r']))).then_some(i)
    })
}

/// The parser's error in stream terms (serde-saphyr's `line 3` counts from the chunk's start).
fn malformed(e: &serde_saphyr::Error, body: &str, first_line: usize, max_nodes: usize) -> String {
    let message = e.to_string();
    let first = message.lines().next().unwrap_or_default();
    let what = first.strip_prefix("error: ").unwrap_or(first);
    let what = what
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
        .map_or(what, |(_, rest)| rest);
    let place = match e.location() {
        Some(l) => format!(
            "stream line {}, column {}",
            first_line + l.line() as usize - 1,
            l.column()
        ),
        None => format!("stream line {first_line}"),
    };
    if let Some(bound) = beyond_bounds(e, max_nodes, body.contains('*') && body.contains('&')) {
        return format!("{place}: {bound}");
    }
    format!(
        "{place}: malformed YAML: {what}; fix the template that renders this document (run \
         `helm template` to see it)"
    )
}

/// A breach of the parser's bounds, said as the bound it is: size and nesting as such, aliases
/// expanding without end (in a document that has aliases) as an alias bomb.
fn beyond_bounds(e: &serde_saphyr::Error, max_nodes: usize, has_aliases: bool) -> Option<String> {
    use serde_saphyr::budget::BudgetBreach;
    use serde_saphyr::granit_parser::ErrorKind;
    const ALIASES: &str = "aliases of aliases (a \"billion laughs\" document?): no Kubernetes \
                           manifest needs that, check the template";
    let check = "no Kubernetes object needs that many: check the template, or split the object";
    let budget = serde_saphyr::Budget::default();
    let mut e = e.without_snippet();
    while let serde_saphyr::Error::AliasError { error, .. } = e {
        e = error.without_snippet();
    }
    Some(match e {
        serde_saphyr::Error::Budget { breach, .. } => match breach {
            BudgetBreach::Nodes { .. } if has_aliases => format!(
                "document of more than {max_nodes} nodes once its aliases are expanded exceeds \
                 the limit of {max_nodes}; {ALIASES}"
            ),
            BudgetBreach::Nodes { .. } => format!(
                "document of more than {max_nodes} nodes (maps, lists and scalars) exceeds the \
                 limit of {max_nodes}; {check}"
            ),
            BudgetBreach::Depth { depth } => format!(
                "document nested too deeply: {depth} levels exceed the limit of {} levels; no \
                 Kubernetes object nests that deep: check the template",
                budget.max_depth
            ),
            BudgetBreach::ScalarBytes { total_scalar_bytes } => format!(
                "document of {total_scalar_bytes} bytes of scalar text exceeds the limit of \
                 {} bytes; {check}",
                budget.max_total_scalar_bytes
            ),
            BudgetBreach::Events { events } => format!(
                "document of {events} YAML events exceeds the limit of {}; {check}",
                budget.max_events
            ),
            BudgetBreach::Aliases { .. }
            | BudgetBreach::AliasAnchorRatio { .. }
            | BudgetBreach::RecordedAnchorEvents { .. }
            | BudgetBreach::RecordedAnchorBytes { .. } => {
                format!("document is too large once its aliases are expanded; {ALIASES}")
            }
            other => format!("document exceeds a parser bound ({other:?}); {check}"),
        },
        serde_saphyr::Error::AliasReplayLimitExceeded { .. }
        | serde_saphyr::Error::AliasExpansionLimitExceeded { .. }
        | serde_saphyr::Error::AliasReplayCounterOverflow { .. } => {
            format!("document is too large once its aliases are expanded; {ALIASES}")
        }
        serde_saphyr::Error::AliasReplayStackDepthExceeded { .. } => {
            format!("document nests aliases too deeply; {ALIASES}")
        }
        // The scanner's nesting limit.
        serde_saphyr::Error::ExternalMessage { source, .. }
            if matches!(&**source, serde_saphyr::ExternalMessageSource::Parser(scan)
                if matches!(scan.kind(), ErrorKind::RecursionLimitExceeded)) =>
        {
            "document nested too deeply for the parser's nesting limit; no Kubernetes object \
             nests that deep: check the template"
                .to_string()
        }
        _ => return None,
    })
}

/// Whether a double-quoted escape in `raw` may write a character of a name
/// ([`Document::may_hold`]): any but `\"` and `\\`, which no such name holds (the JSON charts put
/// in env values, `"{\"bin\":\"\"}"`, escapes nothing else). Pairing backslashes is exact inside a
/// double-quoted scalar; elsewhere a backslash is literal and no escape can follow one directly (a
/// double-quoted scalar opens after a space, an indicator or a line break).
fn may_escape_a_name(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    let mut at = 0;
    while let Some(i) = memchr::memchr(b'\\', &bytes[at..]) {
        match bytes.get(at + i + 1) {
            Some(b'"' | b'\\') => at += i + 2,
            _ => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `value` holds `name` as a string or a mapping key, anywhere.
    fn mentions(value: &Value, name: &str) -> bool {
        match value {
            Value::String(s) => s == name,
            Value::Array(items) => items.iter().any(|v| mentions(v, name)),
            Value::Object(map) => map.iter().any(|(k, v)| k == name || mentions(v, name)),
            _ => false,
        }
    }

    #[test]
    fn crlf_is_a_carriage_return_before_a_line_feed() {
        for (text, crlf) in [
            ("a: 1\n", false),
            ("a: 1\r\nb: 2\r\n", true),
            ("a: 1\nb: 2\r\n", true),
            ("a: \"x\ry\"\n", false),
            ("a: 1\r", false),
        ] {
            assert_eq!(Stream::read(text).unwrap().docs[0].crlf(), crlf, "{text:?}");
        }
    }

    #[test]
    fn a_name_is_held_only_where_its_text_is_or_an_escape_may_write_it() {
        let (config, gpu) = ("polyaxon-config", "nvidia.com/gpu");
        // Every way YAML writes the name: the text holds it, or a backslash does. `reads`: the
        // parsed document holds it (a text may hold more than its value does, never less).
        for (name, text, held, reads) in [
            (config, "a: polyaxon-config\n", true, true),
            (config, "a: 'polyaxon-config'\n", true, true),
            (config, "a: \"polyaxon\\u002dconfig\"\n", true, true),
            (config, "a: \"polyaxon-\\\n  config\"\n", true, true),
            (config, "a: polyaxon-conf\n", false, false),
            (gpu, "limits: {nvidia.com/gpu: 1}\n", true, true),
            (gpu, "limits:\n  \"nvidia.com\\/gpu\": 1\n", true, true),
            (gpu, "limits:\n  ? nvidia.com/gpu\n  : 1\n", true, true),
            (gpu, "limits:\n  nvidia.com/gpus: 1\n", true, false),
            (gpu, "limits:\n  amd.com/gpu: 1\n", false, false),
            // Escaped quotes and backslashes write no name's character.
            (gpu, "env: \"{\\\"gpu\\\": \\\"\\\\\\\"}\"\n", false, false),
            (gpu, "a: 'C:\\'\nb: \"nvidia.com\\/gpu\"\n", true, true),
            (
                gpu,
                "a: \"\\\\\\u002e\"\nb: \"nvidia\\u002ecom/gpu\"\n",
                true,
                true,
            ),
            (gpu, "a: \"x\\\\\"\nb: \"\\\"\"\n", false, false),
        ] {
            let doc = &Stream::read(text).unwrap().docs[0];
            assert_eq!(doc.may_hold(name), held, "{text}");
            assert_eq!(
                mentions(&parse_one(text, 1).unwrap(), name),
                reads,
                "{text}"
            );
        }
        // A name with a space may be folded over lines: every document may hold it.
        let folded = "a: my\n  map\n";
        assert!(mentions(&parse_one(folded, 1).unwrap(), "my map"));
        assert!(Stream::read(folded).unwrap().docs[0].may_hold("my map"));
    }

    proptest::proptest! {
        /// A document whose value holds the name is never judged not to hold it, however its
        /// characters are escaped and whatever literal backslashes come before them.
        #[test]
        fn a_name_written_through_escapes_may_be_held(
            spelling in proptest::collection::vec(0..4usize, 14),
            before in proptest::sample::select(vec!["", "'C:\\'", "a\\\\", "\"\\\\\"", "\"\\\"\""]),
        ) {
            let name = "nvidia.com/gpu";
            let escaped: String = name
                .chars()
                .zip(spelling)
                .map(|(c, how)| match how {
                    1 => format!("\\u{:04x}", c as u32),
                    2 => format!("\\x{:02x}", c as u32),
                    3 => format!("\\\n  {c}"),
                    _ => c.to_string(),
                })
                .collect();
            let text = format!("a: {before}\nb: \"{escaped}\"\n");
            let doc = &Stream::read(&text).unwrap().docs[0];
            proptest::prop_assert!(mentions(&parse_one(&text, 1).unwrap(), name), "{}", text);
            proptest::prop_assert!(doc.may_hold(name), "{}", text);
        }
    }

    #[test]
    fn exposes_metadata_and_sources() {
        let text = "---\n# Source: c/templates/job.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  namespace: ns\n  labels: {role: hooks}\n  annotations:\n    helm.sh/hook: post-install\n";
        let stream = Stream::read(text).unwrap();
        let doc = &stream.docs[0];
        let meta = doc.meta().unwrap().unwrap();
        assert_eq!(meta.kind, "Job");
        assert_eq!(meta.api_version, "batch/v1");
        assert_eq!(meta.name, "j");
        assert_eq!(meta.namespace, "ns");
        assert_eq!(meta.labels["role"], "hooks");
        assert!(meta.is_hook());
        assert_eq!(doc.source(), "c/templates/job.yaml");
        assert!(stream.helm3());
    }

    #[test]
    fn helm4_source_from_annotation() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  annotations:\n    postrenderer.helm.sh/postrender-filename: 'c/templates/cm.yaml'\n  name: x\n";
        let stream = Stream::read(text).unwrap();
        assert_eq!(stream.docs[0].source(), "c/templates/cm.yaml");
        assert!(!stream.helm3());
    }

    #[test]
    fn two_documents_in_one_chunk_is_an_error() {
        let text = "---\n# Source: c/t.yaml\na: 1\n--- {b: 2}\n";
        let stream = Stream::read(text).unwrap();
        let err = stream.parse_all().unwrap_err().to_string();
        assert!(err.contains("c/t.yaml"), "{err}");
        assert!(err.contains("several YAML documents (2)"), "{err}");
    }

    #[test]
    fn malformed_yaml_names_the_stream_line() {
        let text = "---\na: 1\n---\n# Source: c/bad.yaml\nb: [1, 2\nc: 3\n";
        let stream = Stream::read(text).unwrap();
        let err = stream.parse_all().unwrap_err().to_string();
        assert!(err.contains("c/bad.yaml"), "{err}");
        assert!(err.contains("stream line"), "{err}");
    }

    #[test]
    fn block_scalar_ending_in_a_comment_line_keeps_it() {
        let text = "data:\n  run.sh: |\n    echo hi\n    # done\n---\nb: 1\n";
        let stream = Stream::read(text).unwrap();
        let value = stream.docs[0].value().unwrap().unwrap();
        assert_eq!(value["data"]["run.sh"], "echo hi\n# done\n");
    }

    #[test]
    fn keep_chomping_keeps_the_blank_lines_before_the_next_separator() {
        let text = "data:\n  x: |+\n    a\n\n\n---\nb: 1\n";
        let stream = Stream::read(text).unwrap();
        let value = stream.docs[0].value().unwrap().unwrap();
        assert_eq!(value["data"]["x"], "a\n\n\n");
    }

    #[test]
    fn helm4_malformed_document_is_named_by_its_annotation() {
        let text = "a: 1\n---\nmetadata:\n  annotations:\n    postrenderer.helm.sh/postrender-filename: 'c/templates/bad.yaml'\nspec: [1, 2\n";
        let stream = Stream::read(text).unwrap();
        let err = stream.parse_all().unwrap_err().to_string();
        assert!(
            err.starts_with("c/templates/bad.yaml: stream line"),
            "{err}"
        );
    }

    /// Issue 18: a line the splitter does not take for a separator but the YAML parser does is
    /// reported at its own line, not at the document's first.
    #[test]
    fn a_bad_separator_is_reported_at_its_line() {
        for bad in ["--- !tag", "--- |"] {
            let text = format!("---\na: 1\nb: 2\n{bad}\n  c: 3\n");
            let stream = Stream::read(&text).unwrap();
            let err = stream.parse_all().unwrap_err().to_string();
            assert!(err.contains("stream line 4:"), "{bad}: {err}");
        }
    }

    #[test]
    fn content_after_a_separator_is_refused_as_kubernetes_does() {
        for text in ["--- {a: 1}\n", "---\n# Source: c/t.yaml\n--- {a: 1}\n"] {
            let err = Stream::read(text).unwrap_err().to_string();
            assert!(err.contains("`---` followed by content"), "{err}");
        }
        assert!(Stream::read("---\na: 1\n--- # comment\nb: 2\n").is_ok());
    }

    #[test]
    fn octal_is_read_as_kubernetes_reads_it() {
        let v = parse_one("defaultMode: 0644\n", 1).unwrap();
        assert_eq!(v["defaultMode"], 420);
    }
}
