//! Where the general parser (serde-saphyr, YAML 1.2 with YAML 1.1 booleans and octals) reads a
//! document differently from Kubernetes (go-yaml v2, YAML 1.1), the text is rewritten to what
//! Kubernetes reads before it is parsed, so the parsed value — and every document written back
//! from it — keeps its Kubernetes meaning:
//! - a NEL (U+0085) is a line break for go-yaml v2 (folded to a space inside a quoted scalar);
//!   YAML 1.2 takes it for an ordinary character;
//! - a plain number with underscores (`685_230.15`, `-1_000.0`, `1__0`) is a number for go-yaml
//!   v2, which drops every `_`; YAML 1.2 has no underscores in floats, nor two in a row;
//! - a plain float that overflows (`1e400`) stays a string for go-yaml v2; serde-saphyr refuses it.
//!
//! Such plain scalars are rewritten as go-yaml v2 resolves them (`685230.15`, `10`, `'1e400'`),
//! found by the parser's own events (never by line shapes), so keys, flow collections, anchors and
//! aliases are covered. The fast reader ([`super::fast`]) takes no such document.

use std::borrow::Cow;

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

/// `body` as Kubernetes reads it, when that differs from what the general parser would read.
pub fn as_kubernetes_reads(body: &str) -> Cow<'_, str> {
    let text = match body.contains('\u{85}') {
        true => Cow::Owned(body.replace('\u{85}', "\n")),
        false => Cow::Borrowed(body),
    };
    if !may_hold_divergent_number(&text) {
        return text;
    }
    let edits = divergent_numbers(&text);
    if edits.is_empty() {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, replacement) in edits {
        out.push_str(&text[at..range.start]);
        out.push_str(&replacement);
        at = range.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// Whether any plain scalar may be one of the numbers this module rewrites: an `_` after a digit
/// or a `.`, or a digit, `e` and two digits or `+` (how an exponent that overflows starts).
fn may_hold_divergent_number(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(2)
        .any(|w| (w[0].is_ascii_digit() || w[0] == b'.') && w[1] == b'_')
        || b.windows(4).any(|w| {
            w[0].is_ascii_digit()
                && matches!(w[1], b'e' | b'E')
                && w[2..].iter().all(|c| c.is_ascii_digit() || *c == b'+')
        })
}

/// The plain scalars of `text` that go-yaml v2 resolves differently, with their replacements, in
/// text order. A document the parser cannot read gets none (its error is the general parser's).
fn divergent_numbers(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let mut edits = Vec::new();
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else {
            break;
        };
        let Event::Scalar(value, ScalarStyle::Plain, _, None) = event else {
            continue;
        };
        let (Some(start), Some(end)) = (span.start.byte_offset(), span.end.byte_offset()) else {
            continue;
        };
        // Only a scalar written exactly as its value (one line, no folding) is replaced.
        if text.get(start..end) != Some(value.as_ref()) {
            continue;
        }
        if let Some(replacement) = kubernetes_number(&value) {
            edits.push((start..end, replacement));
        }
    }
    edits
}

/// How go-yaml v2 (`resolve.go`) reads a plain scalar that YAML 1.2 reads otherwise, written for
/// the general parser to read the same (module doc); `None` where the two agree.
fn kubernetes_number(s: &str) -> Option<String> {
    let first = *s.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return None;
    }
    let plain = s.replace('_', "");
    let underscored = plain.len() != s.len();
    if underscored && let Some((negative, magnitude)) = go_parse_int(&plain) {
        return Some(format!("{}{magnitude}", if negative { "-" } else { "" }));
    }
    if !is_yaml_style_float(&plain) {
        return None;
    }
    let float: f64 = plain.parse().ok()?;
    if !float.is_finite() {
        // strconv.ParseFloat fails with a range error: go-yaml v2 keeps the text.
        return Some(format!("'{s}'"));
    }
    underscored.then(|| format!("{float:?}"))
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint`: sign, then `0x`, `0o`, `0b` (in either
/// case) or a leading `0` (octal) or decimal digits. Whether it is negative, and its magnitude, if
/// it parses: a signed one fits an `i64` (`ParseUint` takes no sign).
pub fn go_parse_int(s: &str) -> Option<(bool, u64)> {
    let (negative, unsigned, limit) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..], i64::MAX as u64 + 1),
        b'+' => (false, &s[1..], i64::MAX as u64),
        _ => (false, s, u64::MAX),
    };
    let lower = unsigned.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    (magnitude <= limit).then_some((negative, magnitude))
}

/// go-yaml v2's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`,
/// written out: the values reader asks it of every plain scalar that starts like a number.
pub fn is_yaml_style_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => digits(fraction),
        Some((whole, fraction)) => digits(whole) && (fraction.is_empty() || digits(fraction)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_numbers_are_rewritten_as_go_yaml_v2_reads_them() {
        for (plain, expected) in [
            ("685_230.15", Some("685230.15")),
            ("685.230_15e+03", Some("685230.15")),
            ("-1_000.0", Some("-1000.0")),
            ("6.02_25", Some("6.0225")),
            ("1__0", Some("10")),
            ("1_000", Some("1000")),
            ("0x_1F", Some("31")),
            ("0_7", Some("7")),
            ("-0b1_1", Some("-3")),
            (".5_0", Some("0.5")),
            ("+1_0.0_1", Some("10.01")),
            ("1_8446744073709551615", Some("18446744073709551615")),
            ("+1_8446744073709551615", Some("1.8446744073709552e19")),
            ("+9_223372036854775807", Some("9223372036854775807")),
            ("-9_223372036854775808", Some("-9223372036854775808")),
            ("1e400", Some("'1e400'")),
            ("-1E+400", Some("'-1E+400'")),
            ("1e3", None),
            ("1.5", None),
            ("_1", None),
            ("1_a", None),
            ("0.4.2", None),
            ("12:30", None),
            (".inf", None),
        ] {
            assert_eq!(kubernetes_number(plain).as_deref(), expected, "{plain}");
        }
    }

    #[test]
    fn only_plain_scalars_are_rewritten_keys_and_flows_included() {
        let text = "a: 685_230.15\nb: \"685_230.15\"\n1__0: [1e400, 'x_1']\nc: &x 6.02_25\nd: *x\n";
        assert_eq!(
            as_kubernetes_reads(text),
            "a: 685230.15\nb: \"685_230.15\"\n10: ['1e400', 'x_1']\nc: &x 6.0225\nd: *x\n"
        );
        let untouched = "a: b_c\nversion: 0.4.2\n";
        assert!(matches!(as_kubernetes_reads(untouched), Cow::Borrowed(_)));
    }

    #[test]
    fn nel_is_a_line_break() {
        assert_eq!(as_kubernetes_reads("a: \"x\u{85}y\"\n"), "a: \"x\ny\"\n");
    }
}
