//! Support shared by the stream engine's integration tests (`tests/stream_props.rs`,
//! `tests/yaml11.rs`, `tests/surgical.rs`; running the binary is `tests/common`'s job): forcing
//! documents through re-serialisation, a YAML 1.1 reader with go-yaml v2's scalar rules,
//! and the real Kubernetes decoder oracle (`scripts/oracle.sh`).
//!
//! The reader exists because the property tests need a YAML 1.1 reader at proptest speed; the
//! oracle (one process per stream) is the authority and checks the same corpora in batches.

#![allow(dead_code)] // each test crate uses its own part of this module

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use polyaxon_pr::stream::{self, Stream};
use serde_json::{Map, Number, Value};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

use crate::common::repo;

/// Re-serialise every document of `text` that has content, through the public writer's full
/// re-serialisation (the minimal-edit writer would give an unchanged value's bytes back).
pub fn force(text: &str) -> String {
    let stream = Stream::read(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut changed = BTreeMap::new();
    for doc in &stream.docs {
        if let Some(value) = doc.value().unwrap_or_else(|e| panic!("{e}\n{text}")) {
            changed.insert(doc.index, value.clone());
        }
    }
    stream::emit::write_full(&stream, &changed).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

// ---------------------------------------------------------------------------------------------
// A YAML 1.1 reader: the YAML structure from granit-parser, plain scalars resolved by go-yaml v2's
// rules (gopkg.in/yaml.v2 resolve.go) and converted as sigs.k8s.io/yaml converts them to JSON.

/// Read every document of a multi-document YAML text as Kubernetes would see it in JSON. Empty
/// documents are skipped, as Kubernetes skips them.
pub fn read_yaml11(text: &str) -> Result<Vec<Value>, String> {
    // A NEL is a line break for go-yaml v2, an ordinary character for granit-parser.
    let text = text.replace('\u{85}', "\n");
    let mut events = Vec::new();
    for event in Parser::new_from_str(&text) {
        let (event, _span) = event.map_err(|e| e.to_string())?;
        events.push(event);
    }
    let mut reader = Reader {
        events,
        pos: 0,
        anchors: BTreeMap::new(),
    };
    let mut docs = Vec::new();
    while let Some(event) = reader.next() {
        if let Event::DocumentStart(..) = event {
            let value = reader.node()?;
            if !value.is_null() {
                docs.push(value);
            }
        }
    }
    Ok(docs)
}

struct Reader<'a> {
    events: Vec<Event<'a>>,
    pos: usize,
    anchors: BTreeMap<usize, Value>,
}

impl<'a> Reader<'a> {
    fn next(&mut self) -> Option<Event<'a>> {
        let event = self.events.get(self.pos).cloned();
        self.pos += 1;
        event
    }

    /// The next node (skipping comments and anchor metadata), or null at the document's end.
    fn node(&mut self) -> Result<Value, String> {
        loop {
            let Some(event) = self.next() else {
                return Ok(Value::Null);
            };
            let (value, anchor) = match event {
                Event::Scalar(text, style, anchor, tag) => {
                    let tag = tag.map(|t| t.suffix().to_string());
                    (scalar(&text, style, tag.as_deref())?, anchor)
                }
                Event::SequenceStart(_, anchor, _) => (self.sequence()?, anchor),
                Event::MappingStart(_, anchor, _) => (self.mapping()?, anchor),
                Event::Alias(id) => {
                    return self
                        .anchors
                        .get(&id)
                        .cloned()
                        .ok_or_else(|| format!("unknown alias {id}"));
                }
                Event::DocumentEnd | Event::SequenceEnd | Event::MappingEnd => {
                    self.pos -= 1;
                    return Ok(Value::Null);
                }
                _ => continue,
            };
            if anchor != 0 {
                self.anchors.insert(anchor, value.clone());
            }
            return Ok(value);
        }
    }

    fn at_end(&mut self, end: fn(&Event<'_>) -> bool) -> bool {
        while let Some(event) = self.events.get(self.pos) {
            if end(event) {
                self.pos += 1;
                return true;
            }
            if matches!(event, Event::Comment(..) | Event::Anchor(..)) {
                self.pos += 1;
                continue;
            }
            return false;
        }
        true
    }

    fn sequence(&mut self) -> Result<Value, String> {
        let mut items = Vec::new();
        while !self.at_end(|e| matches!(e, Event::SequenceEnd)) {
            items.push(self.node()?);
        }
        Ok(Value::Array(items))
    }

    fn mapping(&mut self) -> Result<Value, String> {
        let mut map = Map::new();
        while !self.at_end(|e| matches!(e, Event::MappingEnd)) {
            let key = match self.node()? {
                Value::String(s) => s,
                other => other.to_string(),
            };
            let value = self.node()?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

fn scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Result<Value, String> {
    match (style, tag) {
        (_, Some("str")) => Ok(Value::String(text.to_string())),
        (ScalarStyle::Plain, None) => resolve_plain(text),
        (_, None) => Ok(Value::String(text.to_string())),
        (_, Some(tag)) => Err(format!(
            "tag !!{tag} on {text:?} is not handled by this reader"
        )),
    }
}

/// go-yaml v2's resolution of a plain scalar, then sigs.k8s.io/yaml's JSON conversion
/// (timestamps stay strings; infinities and NaN cannot be JSON).
pub fn resolve_plain(s: &str) -> Result<Value, String> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Ok(Value::Bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Ok(Value::Bool(false));
        }
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        ".nan" | ".NaN" | ".NAN" | ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF"
        | "-.inf" | "-.Inf" | "-.INF" => {
            return Err(format!("{s}: not representable in JSON"));
        }
        _ => {}
    }
    let string = Ok(Value::String(s.to_string()));
    match s.as_bytes()[0] {
        // Underscores dropped here too (measured with the real decoder: `.5_0` is 0.5).
        b'.' => {
            Ok(go_float(&s.replace('_', "")).map_or_else(|| Value::String(s.to_string()), float))
        }
        b'0'..=b'9' | b'+' | b'-' => {
            if is_timestamp(s) {
                return string;
            }
            let plain = s.replace('_', "");
            if let Some(n) = go_int(&plain) {
                return Ok(n);
            }
            if is_yaml_style_float(&plain)
                && let Some(f) = go_float(&plain)
            {
                return Ok(float(f));
            }
            string
        }
        _ => string,
    }
}

/// A float as it comes out of Go's `json.Marshal` and back into `serde_json`: integral values
/// below 1e21 are printed without exponent or fraction, so they read back as integers.
fn float(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        if f >= i64::MIN as f64 && f < i64::MAX as f64 {
            return Value::from(f as i64);
        }
        if f >= 0.0 && f < u64::MAX as f64 {
            return Value::from(f as u64);
        }
    }
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Go's `strconv.ParseInt(s, 0, 64)`, then `ParseUint` (signs, `0x`/`0o`/`0b` and leading-zero
/// octal prefixes).
fn go_int(s: &str) -> Option<Value> {
    let (negative, unsigned) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
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
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    if negative {
        let v = i128::try_from(magnitude).ok().map(|m| -m)?;
        i64::try_from(v).ok().map(Value::from)
    } else if let Ok(v) = i64::try_from(magnitude) {
        Some(Value::from(v))
    } else if s.starts_with('+') {
        None // ParseUint takes no sign
    } else {
        u64::try_from(magnitude).ok().map(Value::from)
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => digits(fraction),
        Some((whole, fraction)) => digits(whole) && fraction.bytes().all(|b| b.is_ascii_digit()),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

/// Go's `strconv.ParseFloat(s, 64)` for the spellings that reach it: finite decimal floats
/// (an overflow is an error in Go, so the scalar stays a string).
fn go_float(s: &str) -> Option<f64> {
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// go-yaml v2's timestamp formats (`2006-1-2`, `2006-1-2T15:4:5.999999999Z07:00`,
/// `2006-1-2 15:4:5.999999999`), which sigs.k8s.io/yaml hands on as the original string.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let fields = |t: &str, sep: char, n: usize| {
        let parts: Vec<&str> = t.split(sep).collect();
        parts.len() == n
            && parts
                .iter()
                .all(|p| (1..=4).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()))
    };
    if !fields(date, '-', 3) {
        return false;
    }
    let Some(time) = time else { return true };
    let time = time.trim_end_matches('Z');
    let time = time.split(['+', '-']).next().unwrap_or_default();
    let time = time.split('.').next().unwrap_or_default();
    fields(time, ':', 3)
}

// ---------------------------------------------------------------------------------------------
// The real Kubernetes decoder (tests/oracle/main.go, built by scripts/oracle.sh).

/// Where the oracle is, or `None` after printing a skip line. With `CI` or `POLYAXON_PR_ORACLE`
/// set, a missing oracle fails the test instead: a conformance test must not pass silently.
/// `POLYAXON_PR_ORACLE` may name the oracle binary; otherwise `.cache/oracle/k8s-yaml-oracle` is
/// used, built on first use when Go and the Debian sources are installed.
#[allow(clippy::print_stderr)] // the skip line must reach the person running the tests
pub fn oracle(test: &str) -> Option<PathBuf> {
    let requested = std::env::var_os("POLYAXON_PR_ORACLE").filter(|v| !v.is_empty());
    let required = requested.is_some() || std::env::var_os("CI").is_some();
    let named = requested
        .map(PathBuf::from)
        .filter(|p| p.components().count() > 1 || p.is_file());
    let path = named.unwrap_or_else(|| repo().join(".cache/oracle/k8s-yaml-oracle"));
    if !path.is_file() {
        build_oracle();
    }
    if path.is_file() {
        return Some(path);
    }
    let message = format!(
        "{test}: the Kubernetes decoder oracle is missing ({}); run scripts/oracle.sh",
        path.display()
    );
    assert!(
        !required,
        "{message} (required because CI or POLYAXON_PR_ORACLE is set)"
    );
    eprintln!("SKIP {message}");
    None
}

/// Build the oracle without installing anything (a no-op failure when Go is missing).
fn build_oracle() {
    static BUILD: std::sync::Once = std::sync::Once::new();
    BUILD.call_once(|| {
        let _ = Command::new(repo().join("scripts/oracle.sh"))
            .arg("--no-install")
            .current_dir(repo())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    });
}

/// The oracle's JSON for each non-empty document of `stream`, or its error message.
pub fn oracle_read(oracle: &Path, stream: &str) -> Result<Vec<Value>, String> {
    let mut child = Command::new(oracle)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", oracle.display()))?;
    let mut pipe = child.stdin.take().expect("stdin is piped");
    let input = stream.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    writer.join().expect("stdin writer");
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).map_err(|e| format!("{e}: {line}")))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Generated strings.

/// Strings that stress a YAML writer: YAML 1.1 and 1.2 tokens with decorations, indicators,
/// line breaks, and any Unicode.
pub fn yaml_string() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    use proptest::sample::select;
    let token = select(TOKENS.to_vec()).prop_map(str::to_string);
    prop_oneof![
        2 => any::<String>(),
        2 => "[ -~\t\n\r]{0,24}",
        2 => token.clone(),
        1 => (token.clone(), select(vec!["", " ", "\n", "\t", "#", ":", "-", "0", "_"]), any::<bool>())
            .prop_map(|(t, extra, before)| if before { format!("{extra}{t}") } else { format!("{t}{extra}") }),
        1 => prop::collection::vec(token, 1..4).prop_map(|t| t.join("\n")),
        1 => "[\u{80}-\u{a0}\u{2028}\u{2029}\u{feff}\u{fffe} a]{0,6}",
        1 => "[ -~\t]{70,130}",
        1 => "( {0,3}\t?[ -~]{0,10}\r?\n){1,4}[ \t]{0,2}",
        1 => "(\t|  )[a-z]{1,5}[ -~]{75,100}( |\n)?",
    ]
}

/// Spellings some YAML reader takes for something other than a string.
pub const TOKENS: &[&str] = &[
    "y",
    "Y",
    "yes",
    "Yes",
    "YES",
    "n",
    "N",
    "no",
    "No",
    "NO",
    "true",
    "True",
    "TRUE",
    "false",
    "False",
    "FALSE",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
    "null",
    "Null",
    "NULL",
    "~",
    "",
    "0777",
    "0o17",
    "0x1F",
    "0b101",
    "1_000",
    "1e3",
    ".inf",
    "-.Inf",
    ".nan",
    "1:20",
    "2021-01-01",
    "2021-01-01T00:00:00Z",
    "+1",
    "-0",
    "=",
    "<<",
    "0644",
    "12345678901234567890",
    "1.0",
    "---",
    "...",
    "- a",
    "? a",
    ": a",
    "a: b",
    "#a",
    "[a]",
    "{a}",
    "*a",
    "&a",
    "!a",
    "%a",
    "@a",
    "`a",
    "|",
    ">",
    "'",
    "\"",
    "08",
    "0x",
    "0b2",
    "+.5",
    "1e400",
    "190:20:30",
    "-0b101",
    "0o",
    "685_230.15",
    "685.230_15e+03",
    "-1_000.0",
    "3.14_15",
    "1__0",
    ".5_0",
    "-1e400",
];
