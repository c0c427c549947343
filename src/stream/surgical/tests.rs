use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::stream::parse_one;

/// Edit `text` with `change` applied to its value; the edit must be trusted (no fallback).
fn rewritten(text: &str, change: impl FnOnce(&mut Value)) -> String {
    let old = parse_one(text, 1).unwrap();
    let mut new = old.clone();
    change(&mut new);
    let out = edit(text, &old, &new, false).unwrap();
    assert_eq!(parse_one(&out, 1).unwrap(), new, "{out}");
    assert_eq!(
        rewrite_text(text, &old, &new, false).as_deref(),
        Some(out.as_str())
    );
    out
}

/// Whether the minimal edit gives up (the writer then re-serialises the whole document).
fn falls_back(text: &str, change: impl FnOnce(&mut Value)) -> bool {
    let old = parse_one(text, 1).unwrap();
    let mut new = old.clone();
    change(&mut new);
    rewrite_text(text, &old, &new, false).is_none()
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: polyaxon-api # the API
  labels:
    release: \"polyaxon\"

    # written by Helm
    heritage: 'Helm'
spec:
  template:
    spec:
      containers:
      - name: api
        image: \"polyaxon/polyaxon-api:0.4.2\"
        env:
        - name: A # first
          value: \"1\"
        
        - name: B
          value: '{\"outputs\":{\"mountPath\":\"/outputs\"}}'
";

#[test]
fn a_changed_scalar_is_the_only_changed_line() {
    let out = rewritten(DEPLOYMENT, |v| {
        v["spec"]["template"]["spec"]["containers"][0]["env"][0]["value"] = json!("2");
    });
    assert_eq!(out, DEPLOYMENT.replace("value: \"1\"", "value: \"2\""));
}

#[test]
fn quoting_style_is_kept_where_it_stays_safe() {
    let out = rewritten(DEPLOYMENT, |v| {
        v["metadata"]["name"] = json!("on");
        v["metadata"]["labels"]["release"] = json!("it's \"x\"");
        v["metadata"]["labels"]["heritage"] = json!("it's");
    });
    assert!(out.contains("  name: \"on\" # the API\n"), "{out}");
    assert!(out.contains("    release: \"it's \\\"x\\\"\"\n"), "{out}");
    assert!(out.contains("    heritage: 'it''s'\n"), "{out}");
    assert!(out.contains("\n    # written by Helm\n"), "{out}");
}

#[test]
fn a_json_in_string_config_value_keeps_its_quotes() {
    let out = rewritten(DEPLOYMENT, |v| {
        v["spec"]["template"]["spec"]["containers"][0]["env"][1]["value"] =
            json!("{\"outputs\":{\"mountPath\":\"/out\"}}");
    });
    assert!(
        out.ends_with("          value: '{\"outputs\":{\"mountPath\":\"/out\"}}'\n"),
        "{out}"
    );
    assert_eq!(out.lines().count(), DEPLOYMENT.lines().count());
}

#[test]
fn appended_items_keep_an_indentless_sequence_indentless() {
    let out = rewritten(DEPLOYMENT, |v| {
        let env = v["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_array_mut()
            .unwrap();
        env.push(json!({"name": "C", "value": "on"}));
    });
    let expected = format!("{DEPLOYMENT}        - name: C\n          value: \"on\"\n");
    assert_eq!(out, expected);
}

#[test]
fn appended_items_keep_an_indented_sequence_indented() {
    let text = "spec:\n  args:\n    - --a # one\n    - --b\n  after: 1\n";
    let out = rewritten(text, |v| {
        v["spec"]["args"].as_array_mut().unwrap().push(json!("--c"));
        v["spec"]["args"]
            .as_array_mut()
            .unwrap()
            .push(json!({"k": [1]}));
    });
    assert_eq!(
        out,
        "spec:\n  args:\n    - --a # one\n    - --b\n    - --c\n    - k:\n      - 1\n  after: 1\n"
    );
}

#[test]
fn a_key_added_to_a_nested_map_lands_at_its_indentation() {
    let out = rewritten(DEPLOYMENT, |v| {
        v["metadata"]["labels"]["tier"] = json!("core");
        v["spec"]["template"]["spec"]["containers"][0]["resources"] =
            json!({"limits": {"nvidia.com/gpu": 1}});
    });
    assert!(
        out.contains("    heritage: 'Helm'\n    tier: core\nspec:\n"),
        "{out}"
    );
    assert!(
        out.ends_with(
            "/outputs\"}}'\n        resources:\n          limits:\n            nvidia.com/gpu: 1\n"
        ),
        "{out}"
    );
}

#[test]
fn a_removed_key_takes_its_comment_lines_with_it() {
    let out = rewritten(DEPLOYMENT, |v| {
        v["metadata"]["labels"]
            .as_object_mut()
            .unwrap()
            .remove("heritage");
    });
    assert_eq!(
        out,
        DEPLOYMENT.replace("\n\n    # written by Helm\n    heritage: 'Helm'\n", "\n")
    );
}

#[test]
fn a_removed_first_key_of_an_item_gives_its_dash_to_the_next_key() {
    let text = "env:\n- name: A # first\n  value: x\n- name: B\n";
    let out = rewritten(text, |v| {
        v["env"][0].as_object_mut().unwrap().remove("name");
    });
    assert_eq!(out, "env:\n- value: x\n- name: B\n");
}

#[test]
fn removed_items_and_emptied_collections() {
    let text = "a:\n- 1\n- 2 # two\n- 3\nb:\n  c: 1\nd: x\n";
    let out = rewritten(text, |v| {
        v["a"].as_array_mut().unwrap().truncate(1);
        v["b"] = json!({});
    });
    assert_eq!(out, "a:\n- 1\nb: {}\nd: x\n");
}

/// A trailing comment goes with the scalar it followed when the new value takes several lines.
#[test]
fn type_changes_are_written_at_the_keys_column() {
    let text = "top:\n  s: x # note\n  m:\n    k: 1\n  l: [1, 2]\n";
    let out = rewritten(text, |v| {
        v["top"]["s"] = json!({"k": true});
        v["top"]["m"] = json!("flat");
        v["top"]["l"] = json!([1, 2, 3]);
    });
    assert_eq!(
        out,
        "top:\n  s:\n    k: true\n  m: flat\n  l:\n  - 1\n  - 2\n  - 3\n"
    );
}

#[test]
fn block_scalars_are_replaced_whole_and_keep_chomping_survives_appends() {
    let text = "data:\n  run.sh: |\n    echo hi\n    # done\n\n  keep: |+\n    a\n\n";
    let out = rewritten(text, |v| {
        v["data"]["run.sh"] = json!("echo bye\n");
        v["data"]["new"] = json!("m");
    });
    assert_eq!(
        out,
        "data:\n  run.sh: |\n    echo bye\n  keep: |+\n    a\n\n  new: m\n"
    );
}

#[test]
fn blank_lines_brought_up_to_a_new_keep_chomping_scalar_are_dropped() {
    // They would become part of its string: `|+` keeps every trailing line break.
    let text = "a: 1\nb: 2\n\n  \n# c\nc: 3\n";
    let out = rewritten(text, |v| {
        v["a"] = json!("x\n\n");
        v.as_object_mut().unwrap().remove("b");
    });
    assert_eq!(out, "a: |+\n  x\n\n# c\nc: 3\n");
}

#[test]
fn block_scalar_items_are_found_by_their_dash() {
    let text = "command:\n  - sh # shell\n  - |  # script\n    echo a\n  - -c\n";
    let out = rewritten(text, |v| {
        v["command"][1] = json!("echo b\n");
        v["command"].as_array_mut().unwrap().push(json!("x"));
    });
    assert_eq!(
        out,
        "command:\n  - sh # shell\n  - |\n    echo b\n  - -c\n  - x\n"
    );
}

#[test]
fn an_item_removed_or_inserted_mid_list_changes_only_its_lines() {
    let text = "volumes:\n  # logs\n  - name: logs\n  - name: outputs # default\n    hostPath: {path: /tmp}\n  - name: repos\n";
    let out = rewritten(text, |v| {
        let volumes = v["volumes"].as_array_mut().unwrap();
        volumes.remove(1);
        volumes.insert(0, json!({"name": "first"}));
    });
    assert_eq!(
        out,
        "volumes:\n  # logs\n  - name: first\n  - name: logs\n  - name: repos\n"
    );
    let out = rewritten(text, |v| {
        let volumes = v["volumes"].as_array_mut().unwrap();
        volumes.insert(2, json!({"name": "data"}));
    });
    assert_eq!(
        out,
        text.replace("  - name: repos\n", "  - name: data\n  - name: repos\n")
    );
}

#[test]
fn items_inserted_before_a_first_item_on_a_dash_line() {
    let out = rewritten("m:\n- - a\n  - b\n", |v| {
        v["m"][0].as_array_mut().unwrap().insert(0, json!("z"));
    });
    assert_eq!(out, "m:\n- - z\n  - a\n  - b\n");
    let out = rewritten("m:\n- - a\n  - b\n", |v| {
        v["m"][0].as_array_mut().unwrap().remove(0);
    });
    assert_eq!(out, "m:\n- - b\n");
}

#[test]
fn a_text_without_a_final_newline_gets_one_before_appended_lines() {
    let out = rewritten("a: 1\nb: 2", |v| v["c"] = json!(3));
    assert_eq!(out, "a: 1\nb: 2\nc: 3\n");
}

#[test]
fn crlf_text_gets_crlf_lines() {
    let text = "a: \"1\"\r\nb:\r\n  c: 2\r\n";
    let old = parse_one(text, 1).unwrap();
    let new = json!({"a": "2", "b": {"c": 2, "d": [1]}});
    let out = rewrite_text(text, &old, &new, true).unwrap();
    assert_eq!(out, "a: \"2\"\r\nb:\r\n  c: 2\r\n  d:\r\n  - 1\r\n");
}

#[test]
fn unsupported_documents_fall_back() {
    let set = |v: &mut Value| v["a"] = json!(9);
    assert!(falls_back("x: &n 1\ny: *n\na: 1\n", set));
    assert!(falls_back("x: !!str 1\na: 1\n", set));
    assert!(falls_back("? x\n: 1\na: 1\n", set));
    assert!(falls_back("a: 1\na: 2\n", set));
    assert!(falls_back("a: [1,\n  2]\n", set));
    // The root itself replaced, or every root key removed: nothing to keep.
    assert!(falls_back("a: 1\n", |v| *v = json!({"b": 1})));
    assert!(falls_back("- 1\n", |v| *v = json!("s")));
}

#[test]
fn unchanged_multi_line_flow_and_other_keys_are_kept() {
    let text = "a: [1,\n  2]\nb: 1\n";
    let out = rewritten(text, |v| v["b"] = json!(2));
    assert_eq!(out, "a: [1,\n  2]\nb: 2\n");
}

#[test]
fn nested_sequences_append_at_the_inner_dash() {
    let text = "m:\n- - a\n  - b\n- c\n";
    let out = rewritten(text, |v| v["m"][0].as_array_mut().unwrap().push(json!("z")));
    assert_eq!(out, "m:\n- - a\n  - b\n  - z\n- c\n");
}

// Property: for generated documents written with comments, both sequence styles and mixed
// quoting, and generated edits, the minimal edit is trusted, parses to the new value, and every
// unchanged top-level key keeps its original lines.

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i32>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
        prop::sample::select(vec![
            "x",
            "on",
            "0644",
            "a: b",
            "",
            " lead",
            "# no",
            "it's",
            "multi\nline\n",
            "1.0",
            "{\"j\": [1, 2]}",
            "tab\there",
            "y",
            "~",
            "- dash",
            "---",
            "long text with spaces",
            "kept\n\n",
            "two\nlines",
        ])
        .prop_map(Value::from),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "c", "name", "on", "x.y/z", "k-8", "\"q\""])
        .prop_map(str::to_string)
}

fn tree() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..4)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

fn document() -> impl Strategy<Value = Value> {
    prop::collection::vec((key(), tree()), 1..5)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect()))
}

/// A hand-written rendering of `value` with comments, a per-document sequence style and
/// single-quoted strings where they are safe, so the original is not serde-saphyr's own layout.
struct Writer {
    seq_indent: usize,
    salt: usize,
    /// The last scalar written is a keep-chomping block scalar.
    keep_open: bool,
}

impl Writer {
    fn flip(&mut self) -> bool {
        self.salt = self.salt.wrapping_mul(31).wrapping_add(7);
        self.salt.is_multiple_of(3)
    }

    /// Sometimes a collection in flow style (JSON is YAML flow).
    fn flow(&mut self, value: &Value) -> Option<String> {
        let collection = value.as_object().is_some_and(|m| !m.is_empty())
            || value.as_array().is_some_and(|a| !a.is_empty());
        if !collection || !self.flip() {
            return None;
        }
        self.keep_open = false;
        Some(serde_json::to_string(value).unwrap())
    }

    fn scalar(&mut self, value: &Value, col: usize) -> String {
        self.keep_open = false;
        if let Value::String(s) = value
            && !s.is_empty()
            && quotable(s)
            && self.flip()
        {
            return format!("'{}'", s.replace('\'', "''"));
        }
        let text = shift(&to_yaml(value).unwrap(), col, false);
        let text = text.strip_suffix('\n').unwrap_or(&text).to_string();
        self.keep_open = text.starts_with("|+");
        match !text.contains('\n') && self.flip() {
            true => format!("{text} # note"),
            false => text,
        }
    }

    fn map(&mut self, map: &Map<String, Value>, col: usize, out: &mut String) {
        for (i, (key, value)) in map.iter().enumerate() {
            let pad = if i == 0 && out.ends_with("- ") {
                String::new()
            } else {
                " ".repeat(col)
            };
            // Blank and whitespace-only lines (as Helm leaves them) would be content after `|+`.
            if i > 0 && !self.keep_open && self.flip() {
                out.push_str(&format!("\n{}# about {key}\n", " ".repeat(col)));
            }
            if i > 0 && !self.keep_open && self.flip() {
                out.push_str(&format!("{}  \n", " ".repeat(col)));
            }
            out.push_str(&format!("{pad}{}:", rendered_key(key).unwrap()));
            self.value(value, col, col + 2, out);
        }
    }

    /// The value after `key:` (or `- `): block collections on the next lines at `col`.
    fn value(&mut self, value: &Value, parent: usize, col: usize, out: &mut String) {
        if let Some(flow) = self.flow(value) {
            out.push_str(&format!(" {flow}\n"));
            return;
        }
        match value {
            Value::Object(m) if !m.is_empty() => {
                out.push('\n');
                self.map(m, col, out);
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                self.seq(a, parent + self.seq_indent, out);
            }
            _ => {
                let text = self.scalar(value, parent);
                out.push_str(&format!(" {text}\n"));
            }
        }
    }

    fn seq(&mut self, items: &[Value], col: usize, out: &mut String) {
        for item in items {
            out.push_str(&format!("{}- ", " ".repeat(col)));
            if let Some(flow) = self.flow(item) {
                out.push_str(&format!("{flow}\n"));
                continue;
            }
            match item {
                Value::Object(m) if !m.is_empty() => self.map(m, col + 2, out),
                Value::Array(a) if !a.is_empty() => {
                    // Nested sequence on the dash line: `- - x`.
                    let mut inner = String::new();
                    self.seq(a, col + 2, &mut inner);
                    out.push_str(&inner[col + 2..]);
                }
                _ => {
                    let text = self.scalar(item, col);
                    out.push_str(&format!("{text}\n"));
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Op {
    Replace(Value),
    Remove,
    Add(String, Value),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        tree().prop_map(Op::Replace),
        Just(Op::Remove),
        (key(), tree()).prop_map(|(k, v)| Op::Add(format!("new-{k}"), v)),
    ]
}

/// Apply `op` at the path that `choices` select below a child of `value`.
fn mutate(value: &mut Value, choices: &[usize], op: &Op) {
    let (choice, rest) = match choices.split_first() {
        Some((c, rest)) => (*c, rest),
        None => (0, &[][..]),
    };
    let len = match value {
        Value::Object(m) => m.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    };
    if len > 0 && !rest.is_empty() && choice % 4 != 0 {
        let child = match value {
            Value::Object(m) => m.values_mut().nth(choice % len),
            Value::Array(a) => a.get_mut(choice % len),
            _ => None,
        };
        if let Some(child) = child
            && (child.is_object() || child.is_array())
        {
            return mutate(child, rest, op);
        }
    }
    match (value, op) {
        (Value::Object(m), Op::Remove) if len > 0 => {
            let key = m.keys().nth(choice % len).cloned().unwrap();
            m.shift_remove(&key);
        }
        (Value::Array(a), Op::Remove) if len > 0 => {
            a.remove(choice % len);
        }
        (Value::Object(m), Op::Add(k, v)) => {
            m.insert(k.clone(), v.clone());
        }
        (Value::Array(a), Op::Add(_, v)) => a.insert(choice % (len + 1), v.clone()),
        (Value::Object(m), Op::Replace(v)) if len > 0 => {
            let key = m.keys().nth(choice % len).cloned().unwrap();
            m[&key] = v.clone();
        }
        (Value::Array(a), Op::Replace(v)) if len > 0 => a[choice % len] = v.clone(),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn minimal_edits_parse_to_the_new_value_and_keep_unchanged_keys(
        doc in document(),
        seq_indent in prop::sample::select(vec![0usize, 2]),
        salt in any::<usize>(),
        ops in prop::collection::vec((prop::collection::vec(any::<usize>(), 0..4), op()), 1..4),
    ) {
        let mut text = String::new();
        Writer { seq_indent, salt, keep_open: false }.map(doc.as_object().unwrap(), 0, &mut text);
        let old = parse_one(&text, 1).unwrap();
        prop_assert_eq!(&old, &doc, "{}", text);
        let mut new = old.clone();
        for (choices, op) in &ops {
            mutate(&mut new, choices, op);
        }
        let kept: Vec<&String> = old.as_object().unwrap().iter()
            .filter(|(k, v)| new.get(k.as_str()) == Some(v))
            .map(|(k, _)| k)
            .collect();
        if !old.as_object().unwrap().keys().any(|k| new.get(k).is_some()) {
            // No original root key left: nothing to keep, the writer re-serialises.
            prop_assert!(edit(&text, &old, &new, false).is_err());
            return Ok(());
        }
        let out = edit(&text, &old, &new, false).map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;
        prop_assert_eq!(parse_one(&out, 1).map_err(TestCaseError::fail)?, new.clone(), "{}\n---\n{}", text, out);
        let Kind::Map(entries) = tree::read(&text).unwrap().kind else {
            return Err(TestCaseError::fail("root is not a mapping"));
        };
        for entry in entries.iter().filter(|e| kept.iter().any(|k| **k == e.key(&text))) {
            let lines = &text[line_start(&text, entry.key_start)..line_after(&text, entry.end())];
            prop_assert!(out.contains(lines), "{:?} lost\n{}\n---\n{}", entry.key(&text), text, out);
        }
    }
}

#[test]
fn same_compares_mappings_as_sets_of_entries() {
    let (ab, ba) = (json!({"a": 1, "b": [2]}), json!({"b": [2], "a": 1}));
    assert!(same(&ab, &ba));
    assert!(!same(&ab, &json!({"b": [2], "c": 1})));
    assert!(!same(&ab, &json!({"a": 1, "b": [2], "c": 3})));
    assert!(!same(&ab, &json!({"a": 1, "b": [3]})));
    assert!(!same(&json!([1, 2]), &json!([2, 1])));
    assert!(same(&json!(1.0), &json!(1.0)) && !same(&json!(1), &json!("1")));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// `same` is `==`: on a document and mutations of it, and with its keys in another order.
    #[test]
    fn same_is_value_equality(
        doc in document(),
        ops in prop::collection::vec((prop::collection::vec(any::<usize>(), 0..4), op()), 0..4),
        rotate in any::<usize>(),
    ) {
        let mut new = doc.clone();
        for (choices, op) in &ops {
            mutate(&mut new, choices, op);
        }
        prop_assert_eq!(same(&doc, &new), doc == new);
        prop_assert_eq!(same(&new, &doc), doc == new);
        let mut entries: Vec<_> = doc.as_object().unwrap().iter().collect();
        let by = rotate % entries.len().max(1);
        entries.rotate_left(by);
        let reordered = Value::Object(entries.into_iter().map(|(k, v)| (k.clone(), v.clone())).collect());
        prop_assert!(same(&doc, &reordered));
        prop_assert_eq!(same(&reordered, &new), reordered == new);
    }
}

/// The writer finds each key's new value by position first and by key when the new mapping's
/// order differs: a reordered, edited or shortened mapping keeps the original order and lines.
#[test]
fn reordered_new_mappings_are_edited_in_place() {
    let text = "a: 1 # one\nb: 2\nc: 3\n";
    let edited = |new: Value| edit(text, &parse_one(text, 1).unwrap(), &new, false).unwrap();
    assert_eq!(
        edited(json!({"c": 3, "a": 1, "b": 5})),
        "a: 1 # one\nb: 5\nc: 3\n"
    );
    assert_eq!(edited(json!({"c": 4, "a": 1})), "a: 1 # one\nc: 4\n");
    assert_eq!(
        edited(json!({"b": 2, "d": 0, "a": 1, "c": 3})),
        "a: 1 # one\nb: 2\nc: 3\nd: 0\n"
    );
}
