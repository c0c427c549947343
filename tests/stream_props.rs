//! Property tests of the stream engine on generated streams: Helm-like streams of block-style
//! documents with every separator, header, trailer, comment, block-scalar, CRLF and BOM variant
//! the splitter has to get right.
//!
//! - Untouched streams are written back byte for byte (library and binary).
//! - The splitter cuts where the YAML parser starts documents: the chunks with content are
//!   exactly the documents `serde_saphyr::from_str_multiple` finds in the whole stream, with the
//!   same values, and each chunk parses alone.
//! - Forcing every document through re-serialisation keeps every value, for serde-saphyr and for
//!   a YAML 1.1 reader (go-yaml v2's rules).
//! - Any string, written by `stream::emit::to_yaml`, is read back unchanged by a YAML 1.1 reader.

mod common;
mod stream_support;

use std::collections::BTreeMap;

use common::run;
use polyaxon_pr::stream::{self, Stream, emit};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};
use stream_support::{force, read_yaml11, yaml_string};

/// A one-line scalar as YAML text.
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9./-]{0,12}",
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u16>().prop_map(|n| format!("0{n:o}")),
        "[ -~]{0,16}".prop_map(|s| serde_json::to_string(&s).expect("a string")),
        "[a-zA-Z0-9 :#,{}-]{0,16}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
        Just("{}".to_string()),
        Just("[]".to_string()),
        Just(r#"{fieldRef: {fieldPath: status.podIP}}"#.to_string()),
        Just(r#""{\"bin\":\"\",\"lib\":\"\"}""#.to_string()),
    ]
}

/// The lines of a block scalar's content, including the ones a splitter could mistake for
/// structure.
fn block_lines() -> impl Strategy<Value = Vec<String>> {
    let line = prop_oneof![
        4 => "[a-zA-Z0-9 =\"'${}-]{0,20}",
        1 => select(vec!["---", "--- x", "...", "# not a comment", "", "  indented", "---  # c"])
            .prop_map(str::to_string),
    ];
    // The first line sets the indentation: it may not be blank or start with a space.
    ("[a-z#-][a-z0-9 -]{0,10}", prop::collection::vec(line, 0..5)).prop_map(|(first, rest)| {
        let mut lines = vec![first];
        lines.extend(rest);
        lines
    })
}

/// A mapping's entries, at `indent` spaces, as lines.
fn mapping(indent: usize, depth: u32) -> BoxedStrategy<Vec<String>> {
    let pad = " ".repeat(indent);
    let value = {
        let pad = pad.clone();
        let leaf = prop_oneof![
            4 => (scalar(), prop::bool::weighted(0.2)).prop_map(|(v, c)| {
                if c { vec![format!(" {v} # trailing comment")] } else { vec![format!(" {v}")] }
            }),
            1 => (select(vec!["|", "|-", "|+", ">", ">-"]), block_lines()).prop_map({
                let pad = pad.clone();
                move |(indicator, lines)| {
                    let mut out = vec![format!(" {indicator}")];
                    out.extend(lines.iter().map(|l| if l.is_empty() {
                        String::new()
                    } else {
                        format!("{pad}  {l}")
                    }));
                    out
                }
            }),
            1 => prop::collection::vec(scalar(), 1..4).prop_map({
                let pad = pad.clone();
                move |items| {
                    let mut out = vec![String::new()];
                    out.extend(items.iter().map(|i| format!("{pad}- {i}")));
                    out
                }
            }),
        ];
        if depth == 0 {
            leaf.boxed()
        } else {
            prop_oneof![
                3 => leaf,
                1 => mapping(indent + 2, depth - 1).prop_map(|lines| {
                    let mut out = vec![String::new()];
                    out.extend(lines);
                    out
                }),
            ]
            .boxed()
        }
    };
    let entry = (
        prop::option::weighted(0.15, "[ a-z]{0,10}"),
        "[a-z][a-z0-9_.-]{0,8}",
        value,
    );
    prop::collection::vec(entry, 1..5)
        .prop_map(move |entries| {
            let mut lines = Vec::new();
            for (i, (comment, key, value)) in entries.into_iter().enumerate() {
                if let Some(comment) = comment {
                    lines.push(format!("{pad}#{comment}"));
                }
                // Unique keys: duplicates are valid input but not the subject here.
                let mut value = value.into_iter();
                let first = value.next().unwrap_or_default();
                lines.push(format!("{pad}k{i}{key}:{first}"));
                lines.extend(value);
            }
            lines
        })
        .boxed()
}

/// One document's text: separator, header, body (or none) and trailer, as lines.
fn document() -> impl Strategy<Value = (Vec<String>, Vec<String>, Option<Vec<String>>, Vec<String>)>
{
    let separator = select(vec!["---", "--- ", "--- # separator comment", "---\t"]);
    let header_line = select(vec![
        "# Source: chart/templates/deployment.yaml",
        "# a comment",
        "  # an indented comment",
        "",
        "   ",
    ]);
    let trailer_line = select(vec!["", "  ", "# a column-0 comment", "...", "... # end"]);
    (
        separator.prop_map(|s| vec![s.to_string()]),
        prop::collection::vec(header_line.prop_map(str::to_string), 0..3),
        prop::option::weighted(0.85, mapping(0, 2)),
        prop::collection::vec(trailer_line.prop_map(str::to_string), 0..3),
    )
}

/// A stream: documents, a CRLF or LF ending, an optional BOM, an optional final newline, and
/// whether the first document omits its separator.
fn stream_text() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(document(), 1..6),
        any::<bool>(),
        prop::bool::weighted(0.15),
        prop::bool::weighted(0.8),
        any::<bool>(),
    )
        .prop_map(|(docs, crlf, bom, final_newline, bare_first)| {
            let mut lines: Vec<String> = Vec::new();
            for (i, (separator, header, body, trailer)) in docs.into_iter().enumerate() {
                let has_body = body.is_some();
                if !(i == 0 && bare_first && has_body) {
                    lines.extend(separator);
                    lines.extend(header);
                }
                lines.extend(body.unwrap_or_default());
                // `...` ends a document: only after content.
                lines.extend(
                    trailer
                        .into_iter()
                        .filter(|l| has_body || !l.starts_with("...")),
                );
            }
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = lines.join(eol);
            if final_newline {
                text.push_str(eol);
            }
            if bom {
                text.insert(0, '\u{feff}');
            }
            text
        })
}

fn manifest_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        legacy_octal_numbers: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::LastWins,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn untouched_streams_are_written_back_byte_identical(text in stream_text()) {
        let stream = Stream::read(&text).unwrap();
        stream.parse_all().unwrap();
        let out = stream::write(&stream, &BTreeMap::new()).unwrap();
        if text.trim().is_empty() {
            prop_assert_eq!(out, emit::EMPTY_OUTPUT);
        } else {
            prop_assert_eq!(out, text);
        }
    }

    #[test]
    fn chunk_boundaries_are_the_parsers_document_starts(text in stream_text()) {
        let whole: Vec<Value> =
            serde_saphyr::from_str_multiple_with_options(&text, manifest_options())
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let stream = Stream::read(&text).unwrap();
        let mut chunks = Vec::new();
        for doc in &stream.docs {
            let value = doc.value().map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            if let Some(value) = value {
                chunks.push(value.clone());
            } else {
                prop_assert!(doc.body().is_empty());
            }
        }
        prop_assert_eq!(chunks.len(), whole.len(), "{}", text);
        prop_assert_eq!(chunks, whole, "{}", text);
    }

    #[test]
    fn forced_re_serialisation_keeps_every_value(text in stream_text()) {
        let forced = force(&text);
        let before = Stream::read(&text).unwrap();
        let after = Stream::read(&forced).unwrap();
        prop_assert_eq!(before.docs.len(), after.docs.len(), "{}\n=>\n{}", text, forced);
        for (a, b) in before.docs.iter().zip(&after.docs) {
            prop_assert_eq!(a.value().unwrap(), b.value().unwrap(), "{}\n=>\n{}", text, forced);
            prop_assert_eq!(a.header(), b.header());
            prop_assert_eq!(a.source(), b.source());
        }
        // What Kubernetes reads must not change either.
        let k8s_before = read_yaml11(&text).map_err(TestCaseError::fail)?;
        let k8s_after = read_yaml11(&forced).map_err(TestCaseError::fail)?;
        prop_assert_eq!(k8s_before, k8s_after, "{}\n=>\n{}", text, forced);
    }

    #[test]
    fn any_string_is_read_back_by_a_yaml11_reader(s in yaml_string()) {
        // As a value and as a key.
        let mut keyed = serde_json::Map::new();
        keyed.insert(s.clone(), json!("v"));
        let value = json!({"k": s, "m": keyed});
        let yaml = emit::to_yaml(&value).unwrap();
        let docs = read_yaml11(&yaml).map_err(|e| TestCaseError::fail(format!("{e}\n{yaml}")))?;
        prop_assert_eq!(docs, vec![value], "{}", yaml);
    }
}

proptest! {
    // Each case starts a process: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_binary_writes_generated_streams_back_byte_identical(text in stream_text()) {
        let run = run(&[], text.as_bytes());
        prop_assert_eq!(run.code(), Some(0), "{}", run);
        if !text.trim().is_empty() {
            prop_assert!(run.stdout() == text.as_bytes(), "{}", run);
        }
    }
}
