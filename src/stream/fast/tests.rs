//! The fast path against the general parser: on every document it accepts, the same value and
//! the same position tree; and it must accept the documents Helm charts are made of.

use std::fs;
use std::path::{Path, PathBuf};

use super::*;
use crate::stream::tree::event_tree;
use crate::stream::{Stream, parse_general};

/// `text` must read the same through both paths when the fast path takes it; returns whether
/// it did.
fn agrees(text: &str) -> bool {
    let Some(fast) = value(text) else {
        assert!(value_and_tree(text).is_none(), "{text}");
        assert!(super::tree(text).is_none(), "{text}");
        return false;
    };
    match parse_general(text, 1) {
        Ok(slow) => assert_eq!(fast, slow, "value differs for:\n{text}"),
        Err(e) => panic!("the fast path accepted a document the parser rejects ({e}):\n{text}"),
    }
    assert!(
        matches(text, &fast),
        "matches declined its own value:\n{text}"
    );
    let (again, tree) = value_and_tree(text).expect("value_and_tree accepts what value accepts");
    assert_eq!(again, fast);
    assert_eq!(super::tree(text).as_ref(), Some(&tree));
    assert_eq!(Some(tree), event_tree(text), "tree differs for:\n{text}");
    true
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: polyaxon-worker-0
  namespace: polyaxon
  labels:
    app: polyaxon-worker-0
    role: experiments
    chart: \"polyaxon-0.4.2\"
spec:
  replicas: 1
  selector:
    matchLabels:
      app: polyaxon-worker-0
  template:
    metadata:
      labels:
        app: polyaxon-worker-0 # the pod
    spec:
      containers:
      - name: container-0
        image: \"polyaxon/polyaxon-api:0.4.2\"
        imagePullPolicy: IfNotPresent
        command: [\"/bin/bash\", \"-c\"]
        args: ['uwsgi --http :80']
        env:
        - name: POLYAXON_DIRS_NVIDIA
          value: \"{\\\"bin\\\":\\\"\\\",\\\"lib\\\":\\\"\\\"}\"
        - name: POD_IP
          valueFrom: {fieldRef: {fieldPath: status.podIP}}

        # resources
        resources:
          requests:
            cpu: 300m
            memory: 312Mi
          limits: {}
        ports:
          - containerPort: 80
            protocol: TCP
      volumes:
      -
        name: empty
        emptyDir: {}
      - - nested
        - 'it''s'
";

#[test]
fn reads_a_helm_deployment() {
    assert!(agrees(DEPLOYMENT));
    let v = value(DEPLOYMENT).unwrap();
    assert_eq!(
        v["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"],
        "{\"bin\":\"\",\"lib\":\"\"}"
    );
    assert_eq!(v["spec"]["template"]["spec"]["volumes"][1][1], "it's");
}

/// The `.yaml` files under `dirs` (relative to the repository), in a stable order.
pub(crate) fn repository_yaml_files(dirs: &[&str]) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    dirs.iter()
        .flat_map(|dir| walkdir::WalkDir::new(root.join(dir)).sort_by_file_name())
        .map(|entry| entry.unwrap().into_path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect()
}

/// Every document of the real renders and the test corpora: where the fast path reads one, it
/// reads it exactly as the parser does; and it reads most workloads (else it would be no path).
#[test]
fn agrees_with_the_parser_on_every_fixture_document() {
    let mut docs = Vec::new();
    for path in repository_yaml_files(&[
        "tests/fixtures",
        "tests/golden",
        "tests/values",
        "chart-overlays",
        "examples",
    ]) {
        let text = fs::read_to_string(&path).unwrap();
        let Ok(stream) = Stream::read(&text) else {
            continue;
        };
        let bodies = stream.docs.iter().filter(|d| !d.is_empty());
        docs.extend(bodies.map(|d| d.yaml().to_string()));
    }
    assert!(docs.len() > 200, "{}", docs.len());
    let mut workloads = (0, 0);
    for doc in &docs {
        let taken = agrees(doc);
        if doc.contains("\nkind: Deployment") || doc.contains("\nkind: StatefulSet") {
            workloads.0 += 1;
            workloads.1 += usize::from(taken);
        }
    }
    assert!(workloads.0 > 20, "{workloads:?}");
    assert!(
        workloads.1 * 10 >= workloads.0 * 9,
        "fast path took only {workloads:?}"
    );
}

/// Scalars whose meaning depends on the YAML schema: the fast path gives them to the parser or
/// reads them as it does, in every position and style.
const TOKENS: &[&str] = &[
    "a",
    "polyaxon",
    "300m",
    "312Mi",
    "10Gi",
    "0644",
    "0",
    "-1",
    "12",
    "1.5",
    "1e3",
    "0x1F",
    "0o17",
    "0b11",
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "n",
    "Y",
    "true",
    "True",
    "tRue",
    "FALSE",
    "null",
    "Null",
    "nULL",
    "~",
    "nan",
    "NaN",
    ".inf",
    "-.inf",
    "inf",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "1:30",
    "0.4.2",
    "1.2",
    "1.",
    "1_000",
    "1_",
    "a b",
    "a#b",
    "a #b",
    "http://x",
    "a: b",
    "a:",
    "-x",
    "-",
    "$HOME",
    "(x)",
    "/bin/sh",
    "é",
    "a,b",
    "[x]",
    "{x}",
    "]x",
    "12 34",
    "1h",
    "5t",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999",
    "-0",
    "+1",
    "=",
    "<<",
    "@x",
    "`x`",
    "%x",
    "!x",
    "&a",
    "*a",
    "|",
    ">",
    "?",
    "? x",
    "'",
    "\"",
    "a\\b",
    "a\"b",
    "a'b",
    "it's",
    "6018fbfa8ff",
    "1a",
    "1e5x",
    "0xZZ",
    "0x1g",
    "0baeadfa",
    "0b102",
    "0o78",
    "0x_1",
    "0b",
    "0x",
    "1d",
    "12abc",
    "1Ki",
    "-c",
    "--http :80",
    "-inf",
    "-Nan",
    "-yes",
    "-.5",
    "-1h",
    "1/2",
    "1,000",
    "1-2",
    "x\u{85}y",
    "x\u{a0}y",
    "tab\there",
    "",
    " ",
    "a ",
    "#",
    "a\u{feff}",
];

fn styles(token: &str) -> Vec<String> {
    vec![
        token.to_string(),
        format!("'{}'", token.replace('\'', "''")),
        format!("\"{}\"", token.replace('\\', "\\\\").replace('"', "\\\"")),
        format!("\"{token}\""),
    ]
}

#[test]
fn scalars_in_every_position() {
    for token in TOKENS {
        for s in styles(token) {
            for text in [
                format!("a: {s}\n"),
                format!("a: {s} # c\n"),
                format!("{s}: a\n"),
                format!("l:\n- {s}\n- x\n"),
                format!("l:\n  - {s}\n"),
                format!("f: [{s}, x]\n"),
                format!("f: {{k: {s}}}\n"),
                format!("f: {{{s}: v}}\n"),
                format!("m:\n  k: {s}\n  j: 1\n"),
                format!("- {s}\n"),
                format!("{s}\n"),
            ] {
                agrees(&text);
            }
        }
    }
}

/// A small deterministic generator of block-style documents (a xorshift, so failures replay).
pub(crate) struct Gen(u64);

impl Gen {
    /// The generator for one seed (each seed spread over the state, which must not be zero).
    pub(crate) fn seeded(seed: u64) -> Self {
        Gen(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// A whole document: a block mapping at column 0.
    pub(crate) fn document(&mut self) -> String {
        let mut text = String::new();
        self.map(0, 0, &mut text, false);
        text
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn scalar(&mut self) -> String {
        let token = self.pick(TOKENS);
        let mut styles = styles(token);
        let i = (self.next() % styles.len() as u64) as usize;
        styles.swap_remove(i)
    }
    fn key(&mut self) -> String {
        let keys = [
            "name",
            "app.kubernetes.io/name",
            "checksum/config",
            "a-b",
            "_x",
            "image",
            "env",
            "value",
            "yes",
            "on",
            "true",
            "null",
            "1",
            "<<",
            "a b",
            "\"quoted\"",
            "'single'",
            "x.y",
        ];
        match self.chance(90) {
            true => self.pick(&keys[..8]).to_string(),
            false => self.pick(&keys).to_string(),
        }
    }
    fn flow(&mut self, depth: usize) -> String {
        let n = self.next() % 3;
        let items: Vec<String> = (0..n)
            .map(|_| match depth < 2 && self.chance(20) {
                true => self.flow(depth + 1),
                false => self.scalar(),
            })
            .collect();
        match self.chance(50) {
            true => format!("[{}]", items.join(", ")),
            false => {
                let entries: Vec<String> = items
                    .iter()
                    .map(|v| format!("{}: {v}", self.key()))
                    .collect();
                format!("{{{}}}", entries.join(", "))
            }
        }
    }
    /// A mapping's entries at column `col`.
    fn map(&mut self, col: usize, depth: usize, out: &mut String, first_inline: bool) {
        let n = 1 + self.next() % 4;
        for i in 0..n {
            if !(i == 0 && first_inline) {
                out.push_str(&" ".repeat(col));
            }
            let key = self.key();
            out.push_str(&key);
            out.push(':');
            self.value(col, depth, out);
            if self.chance(10) {
                out.push_str(&format!(
                    "{}# comment\n",
                    " ".repeat((self.next() % 6) as usize)
                ));
            }
            if self.chance(5) {
                out.push('\n');
            }
        }
    }
    fn value(&mut self, col: usize, depth: usize, out: &mut String) {
        let roll = self.next() % 100;
        if depth >= 4 || roll < 45 {
            out.push(' ');
            out.push_str(&self.scalar());
            if self.chance(10) {
                out.push_str(" # note");
            }
            out.push('\n');
        } else if roll < 55 {
            out.push(' ');
            out.push_str(&self.flow(0));
            out.push('\n');
        } else if roll < 60 {
            out.push('\n'); // null
        } else if roll < 80 {
            out.push('\n');
            let step = 1 + (self.next() % 3) as usize;
            self.map(col + step, depth + 1, out, false);
        } else {
            out.push('\n');
            let indentless = self.chance(50);
            let dash_col = if indentless { col } else { col + 2 };
            self.seq(dash_col, depth + 1, out);
        }
    }
    fn seq(&mut self, col: usize, depth: usize, out: &mut String) {
        let n = 1 + self.next() % 3;
        for _ in 0..n {
            out.push_str(&" ".repeat(col));
            out.push('-');
            match self.next() % 10 {
                0..=4 => {
                    out.push(' ');
                    self.map(col + 2, depth + 1, out, true);
                }
                5 | 6 => {
                    out.push(' ');
                    out.push_str(&self.scalar());
                    out.push('\n');
                }
                7 => {
                    out.push('\n');
                    self.map(col + 2, depth + 1, out, false);
                }
                8 => out.push('\n'),
                _ => {
                    out.push(' ');
                    out.push_str(&self.flow(0));
                    out.push('\n');
                }
            }
        }
    }
}

#[test]
fn agrees_with_the_parser_on_generated_documents() {
    let mut taken = 0;
    for seed in 1..4000u64 {
        let mut g = Gen::seeded(seed);
        let text = g.document();
        taken += usize::from(agrees(&text));
    }
    // The generator mixes in tricky tokens on purpose; plenty must still take the fast path.
    assert!(taken > 400, "fast path took only {taken} of 4000");
}

#[test]
fn gives_up_on_what_it_does_not_model() {
    for text in [
        "a: |\n  x\n",
        "a: >-\n  x\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: b\n  c\n",
        "a: \"b\n  c\"\n",
        "a: [b,\n  c]\n",
        "a: 1\na: 2\n",
        "? a\n: b\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: 1\n...\n",
        "a:\tb\n",
        "a: b\r\n",
        "\u{feff}a: b\n",
        "- a\n",
        "a: 0644\n",
        "a: yes\n",
    ] {
        assert!(value(text).is_none(), "{text:?}");
        agrees(text);
    }
    // The general parser's own limits: comments buffered while looking ahead, key length, nodes.
    let comments = format!("a:{}\nb: 1\n", "\n# c".repeat(40));
    assert!(value(&comments).is_none());
    assert!(
        parse_general(&comments, 1).is_err(),
        "the limit this mirrors is gone"
    );
    let long_key = format!("{}: 1\n", "k".repeat(600));
    assert!(value(&long_key).is_none());
    let many = (0..60_000)
        .map(|i| format!("k{i}: {i}\n"))
        .collect::<String>();
    assert!(value(&many).is_none());
    assert!(value(&many[..many.len() / 2]).is_some());
    let deep = (0..100).fold(String::new(), |acc, i| acc + &" ".repeat(i) + "a:\n")
        + &" ".repeat(100)
        + "b: 1\n";
    assert!(value(&deep).is_none());
}

/// Changes `value` in one place the generator picks: a scalar of another type or text, an entry
/// or item more or less, keys in another order, a collection emptied.
fn mutate(value: &mut Value, g: &mut Gen) {
    let descend = g.chance(70);
    match value {
        Value::Object(map) if descend && !map.is_empty() => {
            let i = (g.next() % map.len() as u64) as usize;
            if let Some((_, child)) = map.iter_mut().nth(i) {
                return mutate(child, g);
            }
        }
        Value::Array(items) if descend && !items.is_empty() => {
            let i = (g.next() % items.len() as u64) as usize;
            return mutate(&mut items[i], g);
        }
        _ => {}
    }
    let replacement = match g.next() % 10 {
        0 => Value::Null,
        1 => Value::Bool(g.chance(50)),
        2 => Value::from(g.next() % 3),
        3 => Value::from("1"),
        4 => Value::from(""),
        5 => Value::Object(Map::new()),
        6 => Value::Array(Vec::new()),
        _ => match value {
            Value::String(s) => Value::from(format!("{s}x")),
            Value::Number(n) => Value::from(n.as_i64().map_or(0, |n| n.wrapping_add(1))),
            Value::Bool(b) => Value::Bool(!*b),
            Value::Object(map) => {
                let mut map = std::mem::take(map);
                match g.next() % 3 {
                    0 => {
                        map.insert("name".into(), Value::Null);
                    }
                    1 => {
                        let first = map.keys().next().cloned().unwrap_or_default();
                        map.shift_remove(&first);
                    }
                    _ => map = map.into_iter().rev().collect(),
                }
                Value::Object(map)
            }
            Value::Array(items) => {
                let mut items = std::mem::take(items);
                match items.pop() {
                    Some(last) if g.chance(50) => items.extend([last.clone(), last]),
                    _ => {}
                }
                Value::Array(items)
            }
            ref other => Value::from(other.to_string()),
        },
    };
    *value = replacement;
}

#[test]
fn matches_exactly_the_value_read() {
    let (mut checked, mut equal) = (0, 0);
    for seed in 1..3000u64 {
        let mut g = Gen::seeded(seed);
        let text = g.document();
        let Some(own) = value(&text) else {
            assert!(!matches(&text, &Value::Null));
            continue;
        };
        for _ in 0..6 {
            let mut other = own.clone();
            mutate(&mut other, &mut g);
            let same = other == own;
            assert_eq!(
                matches(&text, &other),
                same,
                "text:\n{text}\nread as {own}\nheld to {other}"
            );
            checked += 1;
            equal += usize::from(same);
        }
    }
    assert!(
        checked > 2000 && equal < checked / 4,
        "{checked} checked, {equal} unchanged"
    );
}

#[test]
fn matches_mappings_in_any_order_each_key_once() {
    let expected = serde_json::json!({"a": 1, "b": {"c": "x", "d": [true, null]}, "e": "it's"});
    for (text, equal) in [
        ("a: 1\nb:\n  c: x\n  d: [true, null]\ne: 'it''s'\n", true),
        (
            "e: \"it's\"\nb:\n  d:\n  - true\n  -\n  c: \"x\"\na: 1\n",
            true,
        ),
        ("a: 1\nb:\n  c: x\n  d: [true, null]\n", false),
        (
            "a: 1\nb:\n  c: x\n  d: [true, null]\ne: it's\nf: 1\n",
            false,
        ),
        (
            "a: 1\nb:\n  c: x\n  c: x\n  d: [true, null]\ne: it's\n",
            false,
        ),
        ("b:\n  c: x\n  d: [true, null]\na: 1\na: 1\n", false),
        (
            "e: it's\na: 1\nb:\n  d: [true, null]\n  d: [true, null]\n",
            false,
        ),
        ("a: \"1\"\nb:\n  c: x\n  d: [true, null]\ne: it's\n", false),
        ("a: 1\nb:\n  c: x\n  d: [true]\ne: it's\n", false),
        ("a: 1\nb:\n  c: x\n  d: [true, null, 1]\ne: it's\n", false),
        (
            "a: 1\nb:\n  c: \"x\\u0041\"\n  d: [true, null]\ne: it's\n",
            false,
        ),
    ] {
        assert_eq!(matches(text, &expected), equal, "{text}");
        assert_eq!(value(text).is_some_and(|v| v == expected), equal, "{text}");
    }
}

/// The words some YAML schema resolves to a boolean, null or float, in any case, and nothing
/// else; and the simple-key characters.
#[test]
fn special_words_and_simple_characters() {
    const WORDS: [&str; 12] = [
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "infinity",
    ];
    for word in WORDS {
        let upper = word.to_ascii_uppercase();
        let mixed: String = word
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i % 2 == 0 {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect();
        for spelling in [word, &upper, &mixed] {
            assert!(special_word(spelling), "{spelling}");
        }
    }
    for other in [
        "",
        "ye",
        "yess",
        "nulls",
        "infinit",
        "infinity1",
        "name",
        "onn",
        "x",
    ] {
        assert!(!special_word(other), "{other}");
    }
    for c in 0..=u8::MAX {
        let simple = c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'/');
        assert_eq!(simple_char(c), simple, "{c}");
    }
}
