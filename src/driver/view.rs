//! What the driver writes of each window ([`View`]), a window at a time like the post-render: the
//! stream, a unified diff (`polyaxon-pr diff`) or kustomize patches (`export kustomize`).

use std::fmt::Write as _;
use std::ops::Range;

use similar::{Algorithm, ChangeTag, DiffOp};

use crate::stream::split;

/// The driver's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The post-rendered stream.
    Stream,
    /// A unified diff of the stream before and after, Secret values masked.
    Diff,
    /// The change as a kustomize `patches:` list.
    Export,
}

/// The unified diff header, written before the first hunk.
pub const DIFF_HEADER: &str = "--- rendered\n+++ post-rendered\n";

/// Lines of context around a change.
const CONTEXT: usize = 3;

/// A window's diff: hunks numbered from its first line; its line counts number the next window's.
#[derive(Debug, Default)]
pub struct DiffPart {
    hunks: Vec<Hunk>,
    pub old_lines: usize,
    pub new_lines: usize,
}

#[derive(Debug)]
struct Hunk {
    old: (usize, usize),
    new: (usize, usize),
    body: String,
}

/// The hunks of `before` → `after` (one window's documents) with [`CONTEXT`] lines of context
/// inside the window, which `starts` or `ends` the stream. Each document is diffed against its own
/// new text (the output keeps them in order, one for one): a line diff costs lines × changes.
pub fn diff_part(before: &str, after: &str, starts: bool, ends: bool) -> DiffPart {
    let old: Vec<&str> = before.split_inclusive('\n').collect();
    let new: Vec<&str> = after.split_inclusive('\n').collect();
    let old_docs = line_ranges(before, old.len());
    let new_docs = line_ranges(after, new.len());
    let pairs: Vec<(Range<usize>, Range<usize>)> = match old_docs.len() == new_docs.len() {
        true => old_docs.into_iter().zip(new_docs).collect(),
        false => vec![(0..old.len(), 0..new.len())],
    };
    let mut ops = Vec::new();
    for (o, n) in pairs {
        if old[o.clone()] == new[n.clone()] {
            push(
                &mut ops,
                DiffOp::Equal {
                    old_index: o.start,
                    new_index: n.start,
                    len: o.len(),
                },
            );
            continue;
        }
        for op in similar::capture_diff(Algorithm::Myers, &old, o, &new, n) {
            push(&mut ops, op);
        }
    }
    let mut hunks = Vec::new();
    for group in similar::group_diff_ops(ops, CONTEXT) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let mut from = (first.old_range().start, first.new_range().start);
        let mut to = (last.old_range().end, last.new_range().end);
        let mut lines: Vec<(ChangeTag, &str)> = group
            .iter()
            .flat_map(|op| op.iter_changes(&old, &new))
            .map(|change| (change.tag(), change.value()))
            .collect();
        // At a window's edge inside the stream the context stops short on one side, which `patch`
        // reads as a hunk at the file's start or end: both sides get the shorter context.
        if (from.0 == 0 && !starts) || (to.0 == old.len() && !ends) {
            let equal = |l: &&(ChangeTag, &str)| l.0 == ChangeTag::Equal;
            let lead = lines.iter().take_while(equal).count();
            let trail = lines.iter().rev().take_while(equal).count();
            let keep = lead.min(trail);
            lines.truncate(lines.len() - (trail - keep));
            lines.drain(..lead - keep);
            from = (from.0 + lead - keep, from.1 + lead - keep);
            to = (to.0 - (trail - keep), to.1 - (trail - keep));
        }
        let mut body = String::new();
        for (tag, line) in lines {
            body.push(match tag {
                ChangeTag::Equal => ' ',
                ChangeTag::Delete => '-',
                ChangeTag::Insert => '+',
            });
            body.push_str(line);
            if !line.ends_with('\n') {
                body.push_str("\n\\ No newline at end of file\n");
            }
        }
        hunks.push(Hunk {
            old: (from.0, to.0 - from.0),
            new: (from.1, to.1 - from.1),
            body,
        });
    }
    DiffPart {
        hunks,
        old_lines: old.len(),
        new_lines: new.len(),
    }
}

/// Append `op`, one equal run with the equal run before it: grouping cuts the context out of
/// each equal run, and two runs side by side would make a hunk of context alone.
fn push(ops: &mut Vec<DiffOp>, op: DiffOp) {
    if let (Some(DiffOp::Equal { len, .. }), DiffOp::Equal { len: more, .. }) =
        (ops.last_mut(), &op)
    {
        *len += more;
        return;
    }
    if !matches!(op, DiffOp::Equal { len: 0, .. }) {
        ops.push(op);
    }
}

/// The line range of each document of `text` (of `total` lines).
fn line_ranges(text: &str, total: usize) -> Vec<Range<usize>> {
    let starts: Vec<usize> = split::split(text)
        .iter()
        .map(|c| c.first_line - 1)
        .collect();
    let ends = starts.iter().skip(1).copied().chain([total]);
    starts.iter().zip(ends).map(|(&s, e)| s..e).collect()
}

/// `part`'s hunks as text, its lines numbered after `old_base` and `new_base` lines.
pub fn write_hunks(part: &DiffPart, old_base: usize, new_base: usize) -> String {
    let mut out = String::new();
    for hunk in &part.hunks {
        let _ = writeln!(
            out,
            "@@ -{} +{} @@",
            range(old_base + hunk.old.0, hunk.old.1),
            range(new_base + hunk.new.0, hunk.new.1)
        );
        out.push_str(&hunk.body);
    }
    out
}

/// A unified diff range: `start,len` (1-based), `start` for one line, the line before for none.
fn range(start: usize, len: usize) -> String {
    match len {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        _ => format!("{},{len}", start + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A whole text diffed window by window, the windows numbered in turn, is the diff of the
    /// whole text where no hunk would join two windows (as `similar` writes it).
    #[test]
    fn windows_add_up_to_the_whole_diff() {
        let before: Vec<String> = (0..40).map(|i| format!("line {i}\n")).collect();
        let mut after = before.clone();
        after[2] = "changed 2\n".to_string();
        after.insert(25, "inserted\n".to_string());
        after.remove(38);
        let whole_before = before.concat();
        let whole_after = after.concat();
        let expected = similar::TextDiff::from_lines(&whole_before, &whole_after)
            .unified_diff()
            .context_radius(CONTEXT)
            .header("rendered", "post-rendered")
            .to_string();
        // Windows of 20 lines before: lines 0-19 and 20-39 (after: 0-19, 20-39 with the insert
        // and the removal).
        let first = diff_part(&before[..20].concat(), &after[..20].concat(), true, false);
        let second = diff_part(&before[20..].concat(), &after[20..].concat(), false, true);
        let mut got = String::from(DIFF_HEADER);
        got.push_str(&write_hunks(&first, 0, 0));
        got.push_str(&write_hunks(&second, first.old_lines, first.new_lines));
        assert_eq!(got, expected);
    }

    #[test]
    fn missing_final_newline_and_empty_ranges() {
        let part = diff_part("a\nb", "a\nb\nc", true, true);
        let text = write_hunks(&part, 0, 0);
        let expected = similar::TextDiff::from_lines("a\nb", "a\nb\nc")
            .unified_diff()
            .context_radius(CONTEXT)
            .missing_newline_hint(true)
            .to_string();
        assert_eq!(text, expected);
        let removed = write_hunks(&diff_part("x\n", "", true, true), 4, 4);
        assert_eq!(removed, "@@ -5 +4,0 @@\n-x\n");
    }

    /// A change at a window's edge gets the same context on both sides, so `patch` does not
    /// take the hunk for one at the start or the end of the file.
    #[test]
    fn hunks_at_a_window_edge_have_even_context() {
        let before = "a\nb\nc\nd\n";
        let after = "a\nb\nc\nd\ne\n";
        let tail = write_hunks(&diff_part(before, after, true, false), 10, 10);
        assert_eq!(tail, "@@ -14,0 +15 @@\n+e\n");
        let head = write_hunks(
            &diff_part("b\nc\nd\ne\n", "a\nb\nc\nd\ne\n", false, true),
            10,
            10,
        );
        assert_eq!(head, "@@ -10,0 +11 @@\n+a\n");
    }

    /// Documents diffed one by one make no hunk of context alone between them.
    #[test]
    fn unchanged_documents_between_changes_make_no_hunk() {
        let doc = |i: usize, extra: &str| format!("---\na: {i}\nb: 1\nc: 1\nd: 1{extra}\n");
        let before: String = (0..6).map(|i| doc(i, "")).collect();
        let after: String = (0..6)
            .map(|i| doc(i, if i == 0 || i == 5 { "\ne: 1" } else { "" }))
            .collect();
        let text = write_hunks(&diff_part(&before, &after, true, true), 0, 0);
        assert_eq!(text.matches("@@ -").count(), 2, "{text}");
        assert!(
            text.lines().filter(|l| l.starts_with('+')).count() == 2,
            "{text}"
        );
    }
}
