//! Splitting a manifest stream into documents, exactly where Kubernetes splits it.
//!
//! A separator is `---` at column 0 followed only by white space, a comment or the line's end, as
//! k8s.io/apimachinery's `YAMLReader` and kyaml's splitter (Helm 4) read it: both trim the rest
//! with Go's `strings.TrimSpace` (Unicode white space, `\r`, `\v` and no-break space included), the
//! set Rust's `trim_start` trims. Anything else (`--- {a: 1}`, a `---` in an indented block scalar)
//! stays in the chunk, and the YAML parser rejects a chunk of more or less than one document: a
//! mis-split is never silent.
//!
//! Each chunk is cut into three byte ranges: the header (a leading BOM, the separator line and the
//! blank and comment lines before the content), the body (the YAML content) and the trailer (blank
//! lines, column-0 comments and `...` markers after it; an indented comment-looking line may end a
//! block scalar, so it stays in the body). The chunks' ranges concatenated are the input.

use std::ops::Range;

/// The byte ranges of one chunk of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The whole chunk: `header.start..trailer.end`.
    pub span: Range<usize>,
    pub header: Range<usize>,
    pub body: Range<usize>,
    pub trailer: Range<usize>,
    /// 1-based line number (in the stream) of the chunk's first line.
    pub first_line: usize,
    /// 1-based line number of the body's first line.
    pub body_line: usize,
}

/// The search for lines that start with `---` (`\n---`), made once: the setup of a substring
/// search costs more than searching a short text, and every document is searched.
pub(crate) static DASH_LINES: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\n---"));

/// Is this line (without its line ending) a document separator?
pub fn is_separator(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("---") else {
        return false;
    };
    let rest = rest.trim_start();
    rest.is_empty() || rest.starts_with('#')
}

/// Whether a line of `text` is a separator: `text.lines().any(is_separator)`, looking only at
/// the lines that start with `---` (the writer asks it of every document it edits).
pub fn holds_separator(text: &str) -> bool {
    let after_breaks = DASH_LINES.find_iter(text.as_bytes()).map(|at| at + 1);
    std::iter::once(0)
        .chain(after_breaks)
        .filter(|&start| text[start..].starts_with("---"))
        .any(|start| {
            let rest = &text[start..];
            is_separator(rest.split('\n').next().unwrap_or(rest))
        })
}

/// A line that carries no YAML content: blank, whitespace only, or a comment.
fn is_trivia(line: &str) -> bool {
    let t = line.trim_start_matches([' ', '\t']);
    t.is_empty() || t == "\r" || t.starts_with('#')
}

/// A line that may follow the content without belonging to it: blank, whitespace only, a comment
/// at column 0 (it cannot continue a block scalar, whose lines are indented) or `...`.
fn is_trailer_line(line: &str) -> bool {
    let blank = line.trim_start_matches([' ', '\t']);
    blank.is_empty() || blank == "\r" || line.starts_with('#') || is_end_marker(line)
}

/// The document end marker `...` (optionally followed by spaces or a comment).
fn is_end_marker(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("...") else {
        return false;
    };
    let rest = rest.trim_start_matches([' ', '\t']);
    rest.is_empty() || rest.starts_with('#') || rest == "\r"
}

fn strip_eol(line: &str) -> &str {
    line.strip_suffix('\n').unwrap_or(line)
}

/// Split a whole stream into chunks, each starting at a separator line or at the stream's start: an
/// empty stream gives none, and one that starts with a separator no empty chunk before it. Past the
/// first line a separator can only start after `\n---`, so this is a byte search (`DASH_LINES`),
/// not a walk over the lines: line numbers are counts of `\n` between separators, and `cut` looks
/// only at a chunk's first and last lines.
pub fn split(text: &str) -> Vec<Chunk> {
    if text.is_empty() {
        return Vec::new();
    }
    let bytes = text.as_bytes();
    let mut chunks = Vec::new();
    let (mut start, mut first_line) = (0, 1);
    // Lines counted up to `counted`: `line_no` is the line number of the line starting there.
    let (mut counted, mut line_no) = (0, 1);
    for newline in DASH_LINES.find_iter(bytes) {
        let line_start = newline + 1;
        let end = super::tree::line_after(text, line_start);
        if !is_separator(strip_eol(&text[line_start..end])) {
            continue;
        }
        line_no += memchr::memchr_iter(b'\n', &bytes[counted..line_start]).count();
        counted = line_start;
        chunks.push(cut(text, start..line_start, first_line));
        (start, first_line) = (line_start, line_no);
    }
    chunks.push(cut(text, start..text.len(), first_line));
    chunks
}

/// Cut a chunk into header (read forwards), trailer (read backwards) and the body between.
fn cut(text: &str, span: Range<usize>, first_line: usize) -> Chunk {
    let chunk = &text[span.clone()];
    // A BOM starts the stream, not the document: it belongs to the header, so a re-serialised
    // first document keeps it and the separator test sees the line without it.
    let bom = if span.start == 0 && chunk.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let mut header_end = bom;
    let mut line_idx = 0;
    while header_end < chunk.len() {
        let end = super::tree::line_after(chunk, header_end);
        let content = strip_eol(&chunk[header_end..end]);
        if !(is_trivia(content) || (line_idx == 0 && is_separator(content))) {
            break;
        }
        header_end = end;
        line_idx += 1;
    }
    // The content ends with the last line that is not a trailer line (none: at the header's end).
    let mut content_end = header_end;
    let mut end = chunk.len();
    while end > header_end {
        let bytes = &chunk.as_bytes()[header_end..end];
        let before_eol = bytes.len() - usize::from(bytes.last() == Some(&b'\n'));
        let start =
            memchr::memrchr(b'\n', &bytes[..before_eol]).map_or(header_end, |i| header_end + i + 1);
        if !is_trailer_line(strip_eol(&chunk[start..end])) {
            content_end = end;
            break;
        }
        end = start;
    }
    Chunk {
        span: span.clone(),
        header: span.start..span.start + header_end,
        body: span.start + header_end..span.start + content_end,
        trailer: span.start + content_end..span.end,
        first_line,
        body_line: first_line + line_idx,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(text: &'a str, c: &Chunk) -> (&'a str, &'a str, &'a str) {
        (
            &text[c.header.clone()],
            &text[c.body.clone()],
            &text[c.trailer.clone()],
        )
    }

    #[test]
    fn separators_follow_kubernetes() {
        assert!(is_separator("---"));
        assert!(is_separator("---   "));
        assert!(is_separator("--- # comment"));
        assert!(is_separator("---\r"));
        // Go's TrimSpace: any Unicode white space, several carriage returns included (the last
        // line of a stream has no `\n` for `lines()` to strip one `\r` with).
        assert!(is_separator("---\r\r"));
        assert!(is_separator("---\u{b}"));
        assert!(is_separator("--- \u{a0}# c"));
        assert!(holds_separator("-\n---\r\r"));
        assert!(!is_separator("--- \u{a0}x"));
        assert!(!is_separator(" ---"));
        assert!(!is_separator("--- {a: 1}"));
        assert!(!is_separator("----"));
        assert!(!is_separator("---a"));
    }

    #[test]
    fn helm3_form() {
        let text = "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: A\n---\n# Source: c/templates/b.yaml\nkind: B\n";
        let chunks = split(text);
        assert_eq!(chunks.len(), 2);
        assert_eq!(
            parts(text, &chunks[0]),
            (
                "---\n# Source: c/templates/a.yaml\n",
                "apiVersion: v1\nkind: A\n",
                ""
            )
        );
        assert_eq!(chunks[0].body_line, 3);
        assert_eq!(chunks[1].first_line, 5);
        assert_eq!(chunks[1].body_line, 7);
    }

    #[test]
    fn first_document_without_separator_and_trailers() {
        let text = "a: 1\n  \n# trailing\n...\n---\nb: 2\n";
        let chunks = split(text);
        assert_eq!(chunks.len(), 2);
        assert_eq!(
            parts(text, &chunks[0]),
            ("", "a: 1\n", "  \n# trailing\n...\n")
        );
        assert_eq!(parts(text, &chunks[1]), ("---\n", "b: 2\n", ""));
    }

    #[test]
    fn comment_only_and_empty_documents() {
        let text = "---\n# only a comment\n---\n---\nc: 3";
        let chunks = split(text);
        assert_eq!(chunks.len(), 3);
        assert!(chunks[0].body.is_empty());
        assert!(chunks[1].body.is_empty());
        assert_eq!(parts(text, &chunks[2]), ("---\n", "c: 3", ""));
    }

    #[test]
    fn crlf_and_bom() {
        let text = "\u{feff}---\r\nkind: A\r\n---\r\nkind: B\r\n";
        let chunks = split(text);
        assert_eq!(chunks.len(), 2);
        assert_eq!(
            parts(text, &chunks[0]),
            ("\u{feff}---\r\n", "kind: A\r\n", "")
        );
        assert_eq!(parts(text, &chunks[1]), ("---\r\n", "kind: B\r\n", ""));
    }

    #[test]
    fn indented_separator_in_block_scalar_stays_inside() {
        let text = "data:\n  x: |\n    ---\n    y\n";
        assert_eq!(split(text).len(), 1);
    }

    #[test]
    fn bom_belongs_to_the_header() {
        let text = "\u{feff}a: 1\n";
        let chunks = split(text);
        assert_eq!(parts(text, &chunks[0]), ("\u{feff}", "a: 1\n", ""));
    }

    #[test]
    fn indented_comment_after_content_stays_in_the_body() {
        // It may be the last line of a block scalar; a column-0 comment cannot be.
        let text = "s: |\n  echo\n  # done\n\n# trailer\n---\nb: 2\n";
        let chunks = split(text);
        assert_eq!(
            parts(text, &chunks[0]),
            ("", "s: |\n  echo\n  # done\n", "\n# trailer\n")
        );
    }

    #[test]
    fn empty_stream_has_no_chunk() {
        assert!(split("").is_empty());
    }

    /// The line-by-line splitter the byte-search one replaced, kept as the reference it must
    /// agree with exactly.
    mod reference {
        use super::super::{Chunk, is_separator, is_trailer_line, is_trivia};
        use std::ops::Range;

        /// Lines of `text` with their byte offsets; each line includes its `\n` (if any).
        fn lines_with_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
            let mut offset = 0;
            text.split_inclusive('\n').map(move |line| {
                let start = offset;
                offset += line.len();
                (start, line)
            })
        }

        fn strip_eol(line: &str) -> &str {
            line.strip_suffix('\n').unwrap_or(line)
        }

        /// Split `text` (a whole stream; a leading BOM is part of the first chunk) into chunks.
        ///
        /// A chunk starts at a separator line or at the start of the stream; an empty stream gives no
        /// chunk. A stream that starts with a separator gives no empty chunk before it.
        pub fn split(text: &str) -> Vec<Chunk> {
            let mut starts: Vec<(usize, usize)> = Vec::new(); // (byte offset, 1-based line)
            let mut line_no = 0;
            for (offset, line) in lines_with_offsets(text) {
                line_no += 1;
                let content = strip_eol(line);
                let content = if offset == 0 {
                    content.strip_prefix('\u{feff}').unwrap_or(content)
                } else {
                    content
                };
                if is_separator(content) && offset != 0 {
                    starts.push((offset, line_no));
                }
            }
            let mut bounds = Vec::with_capacity(starts.len() + 1);
            if !text.is_empty() {
                bounds.push((0, 1));
            }
            bounds.extend(starts);
            let mut chunks = Vec::with_capacity(bounds.len());
            for (i, &(start, first_line)) in bounds.iter().enumerate() {
                let end = bounds.get(i + 1).map_or(text.len(), |b| b.0);
                chunks.push(cut(text, start..end, first_line));
            }
            chunks
        }

        /// Cut one chunk into header, body and trailer.
        fn cut(text: &str, span: Range<usize>, first_line: usize) -> Chunk {
            let chunk = &text[span.clone()];
            // A BOM starts the stream, not the document: it belongs to the header, so a re-serialised
            // first document keeps it and the separator test sees the line without it.
            let bom = if span.start == 0 && chunk.starts_with('\u{feff}') {
                '\u{feff}'.len_utf8()
            } else {
                0
            };
            let mut header_end = bom;
            let mut body_line = first_line;
            let mut in_header = true;
            let mut content_end = 0; // end of the last content line, relative to the chunk
            for (line_idx, (offset, line)) in lines_with_offsets(&chunk[bom..]).enumerate() {
                let offset = offset + bom;
                let content = strip_eol(line);
                let header_line = is_trivia(content) || (line_idx == 0 && is_separator(content));
                if in_header {
                    if header_line {
                        header_end = offset + line.len();
                        body_line = first_line + line_idx + 1;
                        continue;
                    }
                    in_header = false;
                }
                if !is_trailer_line(content) {
                    content_end = offset + line.len();
                }
            }
            let content_end = content_end.max(header_end);
            Chunk {
                span: span.clone(),
                header: span.start..span.start + header_end,
                body: span.start + header_end..span.start + content_end,
                trailer: span.start + content_end..span.end,
                first_line,
                body_line,
            }
        }
    }

    fn line() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::Strategy;
        proptest::sample::select(vec![
            "---",
            "--- # c",
            "---  ",
            "---\t#x",
            "---\r",
            " ---",
            "--- {a: 1}",
            "----",
            "---a",
            "...",
            "... # e",
            "....",
            "# c",
            "  # c",
            "#",
            "",
            "  ",
            "\t",
            "\r",
            "a: 1",
            "  b: 2",
            "kind: A",
            "x: |",
            "  ---",
            "\u{feff}---",
            "\u{feff}a: 1",
            "é: ü",
        ])
        .prop_map(str::to_string)
    }

    proptest::proptest! {
        /// `holds_separator` is `lines().any(is_separator)` on any text of separator-like bits.
        #[test]
        fn holds_separator_is_any_line_a_separator(
            bits in proptest::collection::vec(
                proptest::sample::select(vec!["---", "-", "\n", "\r", "\r\n", " ", "\t", "\u{b}", "\u{a0}", "#", "a", "..."]),
                0..24,
            ),
        ) {
            let text: String = bits.concat();
            proptest::prop_assert_eq!(holds_separator(&text), text.lines().any(is_separator));
        }

        /// Any stream of separator-like, trivia and content lines, with LF or CRLF endings, a
        /// BOM or not and a final newline or not, is cut exactly as the line-by-line splitter
        /// cut it.
        #[test]
        fn agrees_with_the_line_by_line_splitter(
            lines in proptest::collection::vec(line(), 0..24),
            crlf: bool,
            bom: bool,
            final_newline: bool,
        ) {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = if bom { "\u{feff}".to_string() } else { String::new() };
            text.push_str(&lines.join(eol));
            if final_newline && !lines.is_empty() {
                text.push_str(eol);
            }
            proptest::prop_assert_eq!(split(&text), reference::split(&text), "{:?}", text);
        }
    }

    #[test]
    fn chunks_cover_the_input() {
        let text = "\n\n---\n# c\nk: v\n\n---\n...\n";
        let joined: String = split(text).iter().map(|c| &text[c.span.clone()]).collect();
        assert_eq!(joined, text);
    }
}
