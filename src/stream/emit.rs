//! Writing the stream back: untouched documents byte for byte, changed ones as their header and a
//! trusted minimal edit ([`super::surgical`]), else re-serialised with their trailer's comments.
//!
//! Re-serialisation is YAML-1.1 safe (Kubernetes reads manifests through go-yaml v2): serde-saphyr
//! quotes every string a YAML 1.1 or 1.2 reader would take for a bool, null, number, timestamp or
//! sexagesimal (`"y"`, `"on"`, `"0644"`, `"1_000"`, `"1:20"`), writes multi-line strings as block
//! scalars, keeps key order (serde_json's `preserve_order`) and writes integers as integers (a
//! plain `0644` was read as 420 and is written as 420, the same value).
//!
//! One go-yaml v2 limit serde-saphyr does not know: a block scalar without an indentation
//! indicator whose first non-blank line starts with a tab (a tab-indented nginx.conf or Makefile
//! in a ConfigMap) is a decode error there ("found a tab character where an indentation space is
//! expected"), so such strings are written double-quoted instead.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::Stream;
use crate::error::{Error, Result};

/// What an empty stream becomes: Helm 4 rejects empty post-renderer output.
pub const EMPTY_OUTPUT: &str = "# polyaxon-pr: no resources\n";

/// Serialise one document as block-style YAML ending in a newline.
pub fn to_yaml(value: &Value) -> Result<String> {
    serde_saphyr::to_string(&Yaml11(value))
        .map_err(|e| Error::input(format!("cannot write a document as YAML: {e}")))
}

/// A value serialised with the strings go-yaml v2 cannot read from a block scalar double-quoted.
struct Yaml11<'a>(&'a Value);

impl Serialize for Yaml11<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::String(s) if tab_indented(s) => {
                serde_saphyr::DoubleQuoted(s.as_str()).serialize(serializer)
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(Yaml11)),
            Value::Object(map) => serializer.collect_map(map.iter().map(|(k, v)| (k, Yaml11(v)))),
            other => other.serialize(serializer),
        }
    }
}

/// Whether the first line with more than spaces starts, after them, with a tab (module doc).
fn tab_indented(s: &str) -> bool {
    s.split('\n')
        .map(|line| line.trim_start_matches(' '))
        .find(|line| !line.is_empty())
        .is_some_and(|line| line.starts_with('\t'))
}

#[cfg(any(test, fuzzing, feature = "testing"))]
/// The stream with `changed` (document index → new value) applied, as minimal edits where trusted.
pub fn write(stream: &Stream<'_>, changed: &BTreeMap<usize, Value>) -> Result<String> {
    write_with(stream, changed, true)
}

#[cfg(any(test, fuzzing, feature = "testing"))]
/// Write the stream with every changed document re-serialised whole: the fallback of [`write()`],
/// and what the YAML 1.1 conformance tests force documents through.
pub fn write_full(stream: &Stream<'_>, changed: &BTreeMap<usize, Value>) -> Result<String> {
    write_with(stream, changed, false)
}

#[cfg(any(test, fuzzing, feature = "testing"))]
fn write_with(
    stream: &Stream<'_>,
    changed: &BTreeMap<usize, Value>,
    minimal: bool,
) -> Result<String> {
    if stream.text.trim().is_empty() {
        return Ok(EMPTY_OUTPUT.to_string());
    }
    write_selected(stream, changed, BTreeMap::new(), minimal, true, &|_| true)
}

/// The stream with `changed` applied, for the documents `own` selects: a window of the stream, the
/// others written by their own windows ([`crate::driver`], which handles the empty stream).
/// `direct`: documents already rewritten (body and trailer, by `apply::direct`), written as minimal
/// edits are. `parallel`: the minimal edits may use every core (not when the windows themselves do).
pub fn write_own(
    stream: &Stream<'_>,
    changed: &BTreeMap<usize, Value>,
    direct: BTreeMap<usize, String>,
    own: &dyn Fn(usize) -> bool,
    parallel: bool,
) -> Result<String> {
    write_selected(stream, changed, direct, true, parallel, own)
}

fn write_selected(
    stream: &Stream<'_>,
    changed: &BTreeMap<usize, Value>,
    direct: BTreeMap<usize, String>,
    minimal: bool,
    parallel: bool,
    own: &dyn Fn(usize) -> bool,
) -> Result<String> {
    let mut rewritten = match minimal {
        true => minimal_edits(stream, changed, parallel),
        false => BTreeMap::new(),
    };
    rewritten.extend(direct.into_iter().map(|(index, text)| (index, Some(text))));
    // Reserved once: growing the string would copy the whole window. The rewritten documents'
    // sizes are known; one re-serialised whole is taken to grow by a quarter at most.
    let mut out = String::new();
    let capacity = stream
        .docs
        .iter()
        .filter(|d| own(d.index))
        .map(|doc| match rewritten.get(&doc.index) {
            Some(Some(text)) => doc.header().len() + 2 + text.len(),
            _ if changed.contains_key(&doc.index) => doc.raw().len() + doc.raw().len() / 4,
            _ => doc.raw().len(),
        })
        .sum::<usize>();
    crate::memory::hold("the output", capacity, || out.try_reserve(capacity))?;
    for doc in stream.docs.iter().filter(|d| own(d.index)) {
        let value = changed.get(&doc.index);
        if value.is_none() && !rewritten.contains_key(&doc.index) {
            out.push_str(doc.raw());
            continue;
        }
        let crlf = doc.crlf();
        let header = doc.header();
        out.push_str(header);
        // A header not ending a line is a final `---` without a newline (a lone BOM needs none).
        if !header.trim_start_matches('\u{feff}').is_empty() && !header.ends_with('\n') {
            out.push_str(if crlf { "\r\n" } else { "\n" });
        }
        if let Some(text) = rewritten.remove(&doc.index).flatten() {
            out.push_str(&text);
            continue;
        }
        let Some(value) = value else {
            continue;
        };
        let yaml = to_yaml(value)?;
        if crlf {
            out.push_str(&yaml.replace('\n', "\r\n"));
        } else {
            out.push_str(&yaml);
        }
        // Keep the trailer's comments and `...`, but not its blank lines: after a block scalar
        // with keep chomping (`|+`) they would become part of the string.
        let lines = doc.trailer().split_inclusive('\n');
        out.extend(lines.filter(|line| !line.trim().is_empty()));
    }
    Ok(out)
}

/// Each changed document's minimal edit (`None` where untrusted), by index so that the output does
/// not depend on the threads; on every core if `parallel` (each costs about two parses).
fn minimal_edits(
    stream: &Stream<'_>,
    changed: &BTreeMap<usize, Value>,
    parallel: bool,
) -> BTreeMap<usize, Option<String>> {
    let jobs: Vec<_> = changed
        .iter()
        .filter_map(|(index, value)| Some((stream.docs.get(*index)?, value)))
        .collect();
    let rewrite = |jobs: &[(&super::Document<'_>, &Value)]| -> Vec<(usize, Option<String>)> {
        jobs.iter()
            .map(|(doc, value)| (doc.index, super::surgical::rewrite(doc, value)))
            .collect()
    };
    // Below a few dozen documents a thread costs more than it saves, and so does asking for the
    // number of cores (`available_parallelism` reads the cgroup files).
    let threads = match jobs.len() / 32 {
        _ if !parallel => 1,
        0 | 1 => 1,
        most => std::thread::available_parallelism().map_or(1, |n| n.get().min(most)),
    };
    if threads == 1 {
        return rewrite(&jobs).into_iter().collect();
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(jobs.len().div_ceil(threads))
            .map(|chunk| {
                let thread = std::thread::Builder::new();
                (chunk, thread.spawn_scoped(scope, move || rewrite(chunk)))
            })
            .collect();
        // A thread that panicked leaves its documents to the full re-serialisation; one that
        // could not start (a memory or process limit), to this thread.
        handles
            .into_iter()
            .flat_map(|(chunk, handle)| match handle {
                Ok(handle) => handle.join().unwrap_or_default(),
                Err(_) => rewrite(chunk),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(text: &str, index: usize) -> String {
        rewritten(text, index, |_| {})
    }

    /// Write `text` with document `index` changed by `change`.
    fn rewritten(text: &str, index: usize, change: impl FnOnce(&mut Value)) -> String {
        let stream = Stream::read(text).unwrap();
        let mut value = stream.docs[index].value().unwrap().unwrap().clone();
        change(&mut value);
        let mut changed = BTreeMap::new();
        changed.insert(index, value);
        write(&stream, &changed).unwrap()
    }

    #[test]
    fn untouched_documents_are_written_verbatim() {
        let text = "---\n# Source: a\nx:   1 # c\n  \n---\nb: 'q'\n";
        let stream = Stream::read(text).unwrap();
        assert_eq!(write(&stream, &BTreeMap::new()).unwrap(), text);
    }

    #[test]
    fn changed_document_keeps_header_and_trailer_comments() {
        // Minimal edit: only the changed value differs, its comment and spacing stay.
        let text = "---\n# Source: c/a.yaml\nx:   1 # c\n  \n# end\n...\n---\nb: 'q'\n";
        assert_eq!(roundtrip(text, 0), text);
        assert_eq!(
            rewritten(text, 0, |v| v["x"] = 2.into()),
            "---\n# Source: c/a.yaml\nx:   2 # c\n  \n# end\n...\n---\nb: 'q'\n"
        );
    }

    #[test]
    fn a_document_the_minimal_edit_cannot_take_is_re_serialised_with_its_header_and_trailer() {
        // An alias: the minimal edit does not model anchors.
        let text = "---\n# Source: c/a.yaml\nx:   &a 1 # c\nz: *a\n  \n# end\n...\n---\nb: 'q'\n";
        assert_eq!(
            rewritten(text, 0, |v| v["x"] = 2.into()),
            "---\n# Source: c/a.yaml\nx: 2\nz: 1\n# end\n...\n---\nb: 'q'\n"
        );
    }

    #[test]
    fn many_changed_documents_are_edited_in_parallel_in_stream_order() {
        let text: String = (0..200)
            .map(|i| format!("---\n# Source: c/d{i}.yaml\na: {i} # c{i}\n"))
            .collect();
        let stream = Stream::read(&text).unwrap();
        let changed: BTreeMap<usize, Value> = stream
            .docs
            .iter()
            .map(|d| (d.index, serde_json::json!({"a": d.index + 1})))
            .collect();
        let expected: String = (0..200)
            .map(|i| format!("---\n# Source: c/d{i}.yaml\na: {} # c{i}\n", i + 1))
            .collect();
        assert_eq!(write(&stream, &changed).unwrap(), expected);
    }

    #[test]
    fn crlf_documents_stay_crlf() {
        let text = "---\r\nkind: A\r\nv: \"on\"\r\n";
        assert_eq!(roundtrip(text, 0), "---\r\nkind: A\r\nv: \"on\"\r\n");
        assert_eq!(
            rewritten(text, 0, |v| v["w"] = "off".into()),
            "---\r\nkind: A\r\nv: \"on\"\r\nw: \"off\"\r\n"
        );
        let text = "---\r\nkind: A\r\nv: &x \"on\"\r\n";
        assert_eq!(
            rewritten(text, 0, |v| v["v"] = "off".into()),
            "---\r\nkind: A\r\nv: \"off\"\r\n"
        );
    }

    #[test]
    fn tab_indented_multi_line_strings_are_double_quoted() {
        let value = serde_json::json!({"nginx.conf": "\tserver {\n\t\tlisten 80;\n\t}\n", "ok": "a\n\tb\n"});
        let yaml = to_yaml(&value).unwrap();
        assert!(yaml.contains("nginx.conf: \"\\tserver"), "{yaml}");
        assert!(yaml.contains("ok: |"), "{yaml}");
    }

    #[test]
    fn empty_stream_gives_a_comment() {
        for text in ["", "\n", "  \n\n"] {
            let stream = Stream::read(text).unwrap();
            assert_eq!(write(&stream, &BTreeMap::new()).unwrap(), EMPTY_OUTPUT);
        }
    }
}
