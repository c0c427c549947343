//! Overlay files checked against their format and compiled into [`Rule`]s.
//!
//! Files are read with the values reader ([`crate::values::yaml`]), so every finding carries the
//! `file:line:col` of the key or value it is about, and YAML 1.1 scalars, duplicate keys and
//! alias bombs are handled as for values files. Every problem is collected (unknown keys with the
//! nearest known one, wrong types, invalid regexes, malformed RFC 6902 operations, unset values
//! references) before the caller decides to fail; a rule with an error is not compiled.

use std::collections::BTreeSet;

use json_patch::PatchOperation;
use serde_json::{Map, Value};

use super::check::{Ctx, describe, one_of};
use super::select::{Expression, Hooks, Operator, Selector};
use super::{Edits, Expect, PatchStep, Rule, RuleId};
use crate::error::{Error, Result};
use crate::podspec::{self, join};
use crate::report::Finding;
use crate::stream::Stream;
use crate::validate::suggest;
use crate::values::yaml::{self, pointer_to_path};

pub const API_VERSION: &str = "polyaxon-pr/v1";
pub const KIND: &str = "Overlay";

const TOP: &[&str] = &["apiVersion", "kind", "metadata", "rules"];
const METADATA: &[&str] = &["name", "description"];
const RULE: &[&str] = &[
    "name",
    "match",
    "volumes",
    "volumeMounts",
    "env",
    "envFrom",
    "nodeSelector",
    "tolerations",
    "labels",
    "annotations",
    "merge",
    "patch",
    "expect",
];
const MATCH: &[&str] = &[
    "kinds",
    "name",
    "namespace",
    "labels",
    "matchExpressions",
    "annotations",
    "hooks",
    "containers",
    "initContainers",
];
const EXPRESSION: &[&str] = &["key", "operator", "values"];
const MOUNT: &[&str] = &[
    "name",
    "mountPath",
    "readOnly",
    "subPath",
    "subPathExpr",
    "mountPropagation",
    "recursiveReadOnly",
];
const ENV: &[&str] = &["name", "value", "valueFrom"];
const ENV_FROM: &[&str] = &["configMapRef", "secretRef", "prefix"];
const TOLERATION: &[&str] = &["key", "operator", "value", "effect", "tolerationSeconds"];
const PATCH_OP: &[&str] = &["op", "path", "value", "from"];
const PATCH_OPS: &[&str] = &["add", "remove", "replace", "move", "copy", "test"];

/// How the entries of one list edit are checked.
struct ListShape {
    key: &'static str,
    noun: &'static str,
    /// The fields allowed (`None`: any, as for volume sources).
    fields: Option<&'static [&'static str]>,
    required: &'static [&'static str],
    /// Fields that must be strings when present (Kubernetes rejects numbers and booleans there).
    strings: &'static [&'static str],
    /// The fields that identify an entry (duplicates within a rule are an error).
    identity: &'static [&'static str],
}

const VOLUMES: ListShape = ListShape {
    key: "volumes",
    noun: "a volume",
    fields: None,
    required: &["name"],
    strings: &["name"],
    identity: &["name"],
};
const MOUNTS: ListShape = ListShape {
    key: "volumeMounts",
    noun: "a volume mount",
    fields: Some(MOUNT),
    required: &["name", "mountPath"],
    strings: &[
        "name",
        "mountPath",
        "subPath",
        "subPathExpr",
        "mountPropagation",
    ],
    identity: &["mountPath"],
};
const ENVS: ListShape = ListShape {
    key: "env",
    noun: "an env entry",
    fields: Some(ENV),
    required: &["name"],
    strings: &["name", "value"],
    identity: &["name"],
};
const ENVS_FROM: ListShape = ListShape {
    key: "envFrom",
    noun: "an envFrom entry",
    fields: Some(ENV_FROM),
    required: &[],
    strings: &["prefix"],
    identity: &[],
};
const TOLERATIONS: ListShape = ListShape {
    key: "tolerations",
    noun: "a toleration",
    fields: Some(TOLERATION),
    required: &[],
    strings: &["key", "operator", "value", "effect"],
    identity: &["key", "effect"],
};

/// Parse one overlay file. `label` names it in locations; `values` resolves references. An
/// unreadable YAML is an input error; everything else is a finding.
pub fn parse(text: &str, label: &str, values: &Value) -> Result<(Vec<Rule>, Vec<Finding>)> {
    one_document(text, label)?;
    let parsed = yaml::parse(text, label)?;
    let mut ctx = Ctx {
        origins: &parsed.origins,
        lines: text.lines().collect(),
        findings: parsed.findings,
    };
    let mut root = parsed.root;
    if let Some(rules) = root.get_mut("rules") {
        ctx.resolve(rules, "/rules", values);
    }
    let rules = ctx.file(&root, label);
    let mut findings = ctx.findings;
    findings.sort_by(|a, b| a.origin.cmp(&b.origin));
    Ok((rules, findings))
}

/// The values reader reads only the first document, as Helm does for values; an overlay file
/// with a second one would lose its rules silently.
fn one_document(text: &str, label: &str) -> Result<()> {
    let stream = Stream::read(text)?;
    let mut docs = stream.docs.iter().filter(|d| !d.body().trim().is_empty());
    if let (Some(_), Some(second)) = (docs.next(), docs.next()) {
        return Err(Error::input(format!(
            "{label}:{}:1: a second YAML document; an overlay file holds one Overlay (add rules \
             to its `rules` list, or use another file)",
            second.chunk.body_line
        )));
    }
    Ok(())
}

impl Ctx<'_> {
    fn file(&mut self, root: &Value, label: &str) -> Vec<Rule> {
        let Some(map) = root.as_object() else {
            return Vec::new();
        };
        self.keys(map, "", TOP, "an overlay file");
        self.constant(map, "apiVersion", API_VERSION);
        self.constant(map, "kind", KIND);
        let name = self.overlay_name(map.get("metadata"), label);
        let Some(rules) = map.get("rules") else {
            self.error(
                "",
                "an overlay file needs `rules`",
                "add `rules:` with a list of rules",
            );
            return Vec::new();
        };
        let mut positions = 0..;
        self.items(Some(rules), "/rules", |ctx, rule, _| {
            ctx.rule(rule, positions.next()?, &name)
        })
    }

    fn constant(&mut self, map: &Map<String, Value>, key: &str, wanted: &str) {
        let (pointer, message) = match map.get(key) {
            Some(Value::String(s)) if s == wanted => return,
            Some(other) => (
                join("", key),
                format!("{key} is {}, not \"{wanted}\"", describe(other)),
            ),
            None => (
                String::new(),
                format!("an overlay file needs `{key}: {wanted}`"),
            ),
        };
        let hint =
            format!("an overlay file starts with `apiVersion: {API_VERSION}` and `kind: {KIND}`");
        self.error(&pointer, message, hint);
    }

    fn overlay_name(&mut self, metadata: Option<&Value>, label: &str) -> String {
        let fallback = std::path::Path::new(label)
            .file_stem()
            .map_or_else(|| label.to_string(), |s| s.to_string_lossy().into_owned());
        let Some(map) = metadata.and_then(|m| self.map(m, "/metadata")) else {
            return fallback;
        };
        self.keys(map, "/metadata", METADATA, "metadata");
        self.opt_string(map, "/metadata", "description");
        self.opt_string(map, "/metadata", "name")
            .unwrap_or(fallback)
    }

    fn rule(&mut self, value: &Value, index: usize, overlay: &str) -> Option<Rule> {
        let pointer = format!("/rules/{index}");
        let map = self.map(value, &pointer)?;
        let before = self.errors();
        self.keys(map, &pointer, RULE, "a rule");
        let id = RuleId {
            overlay: overlay.to_string(),
            index,
            name: self.opt_string(map, &pointer, "name"),
            origin: self.origin(&pointer),
        };
        let select = self.selector(map.get("match"), &join(&pointer, "match"));
        let edits = self.edits(map, &pointer);
        let expect = self.expect(map.get("expect"), &join(&pointer, "expect"));
        self.kinds(&select.kinds, &edits, &join(&pointer, "match"));
        (self.errors() == before).then_some(Rule {
            id,
            select,
            edits,
            expect,
        })
    }

    fn selector(&mut self, value: Option<&Value>, pointer: &str) -> Selector {
        let Some(map) = value.and_then(|v| self.map(v, pointer)) else {
            return Selector::default();
        };
        self.keys(map, pointer, MATCH, "`match`");
        Selector {
            kinds: self.strings(map.get("kinds"), &join(pointer, "kinds")),
            name: self.regex(map.get("name"), &join(pointer, "name")),
            namespace: self.opt_string(map, pointer, "namespace"),
            labels: self.string_map(map.get("labels"), &join(pointer, "labels")),
            expressions: self.items(
                map.get("matchExpressions"),
                &join(pointer, "matchExpressions"),
                Self::expression,
            ),
            annotations: self.string_map(map.get("annotations"), &join(pointer, "annotations")),
            hooks: self.hooks(map.get("hooks"), &join(pointer, "hooks")),
            containers: self.regex(map.get("containers"), &join(pointer, "containers")),
            init_containers: self.boolean(map.get("initContainers"), pointer),
        }
    }

    /// A kind without a pod spec cannot take pod edits; a near miss of a pod-bearing kind is
    /// most likely a typo (another kind may be a custom resource, so it stays a warning).
    fn kinds(&mut self, kinds: &[String], edits: &Edits, parent: &str) {
        for (i, kind) in kinds.iter().enumerate() {
            if kind == "List" || podspec::pod_bearing_kinds().any(|k| k == kind) {
                continue;
            }
            let pointer = format!("{parent}/kinds/{i}");
            let near = suggest(kind, podspec::pod_bearing_kinds());
            let hint = near.map_or_else(String::new, |k| format!("did you mean \"{k}\"?"));
            if edits.touch_pods() {
                let message = format!(
                    "{kind} holds no pod spec, so this rule's volumes, mounts, env, envFrom, \
                     nodeSelector or tolerations cannot apply to it"
                );
                self.error(&pointer, message, hint);
            } else if near.is_some() {
                let message = format!("{kind} is not a Kubernetes kind that holds pods");
                let finding =
                    Finding::warning(pointer_to_path(&pointer), self.origin(&pointer), message);
                self.findings.push(finding.with_hint(hint));
            }
        }
    }

    fn expression(&mut self, value: &Value, pointer: &str) -> Option<Expression> {
        let map = self.map(value, pointer)?;
        self.keys(map, pointer, EXPRESSION, "a match expression");
        let key = self.required_string(map, pointer, "key")?;
        let operator = self.required_string(map, pointer, "operator")?;
        let values = self.strings(map.get("values"), &join(pointer, "values"));
        let Some(operator) = Operator::parse(&operator) else {
            let hint = one_of(&operator, Operator::NAMES, "one of");
            self.error(
                &join(pointer, "operator"),
                format!("unknown operator \"{operator}\""),
                hint,
            );
            return None;
        };
        let needs_values = matches!(operator, Operator::In | Operator::NotIn);
        if needs_values == values.is_empty() {
            let message = if needs_values {
                "In and NotIn need a non-empty `values` list"
            } else {
                "Exists and DoesNotExist take no `values`"
            };
            self.error(pointer, message, "as in a Kubernetes label selector");
        }
        Some(Expression {
            key,
            operator,
            values,
        })
    }

    fn hooks(&mut self, value: Option<&Value>, pointer: &str) -> Hooks {
        let Some(text) = value.and_then(|v| self.string(v, pointer)) else {
            return Hooks::default();
        };
        Hooks::parse(&text).unwrap_or_else(|| {
            self.error(
                pointer,
                format!("hooks is \"{text}\""),
                one_of(&text, Hooks::NAMES, "one of"),
            );
            Hooks::default()
        })
    }

    fn edits(&mut self, map: &Map<String, Value>, pointer: &str) -> Edits {
        Edits {
            volumes: self.entries(map, pointer, &VOLUMES),
            volume_mounts: self.entries(map, pointer, &MOUNTS),
            env: self.entries(map, pointer, &ENVS),
            env_from: self.entries(map, pointer, &ENVS_FROM),
            node_selector: self.string_map(map.get("nodeSelector"), &join(pointer, "nodeSelector")),
            tolerations: self.entries(map, pointer, &TOLERATIONS),
            labels: self.string_map(map.get("labels"), &join(pointer, "labels")),
            annotations: self.string_map(map.get("annotations"), &join(pointer, "annotations")),
            merge: self.merge(map.get("merge"), &join(pointer, "merge")),
            patch: self.items(map.get("patch"), &join(pointer, "patch"), Self::patch_op),
        }
    }

    fn merge(&mut self, value: Option<&Value>, pointer: &str) -> Option<Value> {
        let map = self.map(value?, pointer)?;
        (!map.is_empty()).then(|| Value::Object(map.clone()))
    }

    /// The entries of a list edit, checked against `shape`.
    fn entries(&mut self, map: &Map<String, Value>, parent: &str, shape: &ListShape) -> Vec<Value> {
        let mut seen = BTreeSet::new();
        self.items(
            map.get(shape.key),
            &join(parent, shape.key),
            |ctx, item, at| {
                let entry = ctx.entry(item, at, shape)?;
                let identity: Vec<Option<&Value>> =
                    shape.identity.iter().map(|k| entry.get(*k)).collect();
                if !shape.identity.is_empty()
                    && !seen.insert(serde_json::to_string(&identity).unwrap_or_default())
                {
                    ctx.error(
                        at,
                        format!("{} given twice in this rule", shape.noun),
                        "keep one",
                    );
                }
                Some(Value::Object(entry.clone()))
            },
        )
    }

    fn entry<'v>(
        &mut self,
        item: &'v Value,
        pointer: &str,
        shape: &ListShape,
    ) -> Option<&'v Map<String, Value>> {
        let map = self.map(item, pointer)?;
        if let Some(fields) = shape.fields {
            self.keys(map, pointer, fields, shape.noun);
        }
        for key in shape.required {
            self.required_string(map, pointer, key);
        }
        for key in shape.strings {
            if let Some(v) = map.get(*key).filter(|v| !v.is_string()) {
                self.type_error(&join(pointer, key), "a string", v);
            }
        }
        Some(map)
    }

    fn patch_op(&mut self, value: &Value, pointer: &str) -> Option<PatchStep> {
        let map = self.map(value, pointer)?;
        self.keys(map, pointer, PATCH_OP, "an RFC 6902 operation");
        let before = self.errors();
        let op = self.required_string(map, pointer, "op")?;
        if !PATCH_OPS.contains(&op.as_str()) {
            self.error(
                &join(pointer, "op"),
                format!("unknown operation \"{op}\""),
                one_of(&op, PATCH_OPS, "one of"),
            );
            return None;
        }
        let needs_value = matches!(op.as_str(), "add" | "replace" | "test");
        let needs_from = matches!(op.as_str(), "move" | "copy");
        for (key, needed) in [("value", needs_value), ("from", needs_from)] {
            if needed && !map.contains_key(key) {
                self.error(
                    pointer,
                    format!("a `{op}` operation needs `{key}`"),
                    "see RFC 6902",
                );
            }
        }
        for key in ["path", "from"] {
            if let Some(v) = map.get(key) {
                self.json_pointer(v, &join(pointer, key));
            }
        }
        self.required_string(map, pointer, "path")?;
        if self.errors() > before {
            return None;
        }
        match serde_json::from_value::<PatchOperation>(value.clone()) {
            Ok(op) => Some(PatchStep {
                op,
                origin: self.origin(pointer),
            }),
            Err(e) => {
                self.error(pointer, format!("not a valid RFC 6902 operation: {e}"), "");
                None
            }
        }
    }

    fn json_pointer(&mut self, value: &Value, pointer: &str) {
        let Some(text) = value.as_str() else { return };
        if !text.is_empty() && !text.starts_with('/') {
            self.error(
                pointer,
                format!("\"{text}\" is not a JSON pointer"),
                format!(
                    "paths are JSON pointers relative to the document: \"/{}\"",
                    text.replace('.', "/")
                ),
            );
        }
    }

    fn expect(&mut self, value: Option<&Value>, pointer: &str) -> Expect {
        let parsed = match value {
            None => return Expect::AtLeast(1),
            Some(Value::Number(n)) => n.as_u64().map(|n| Expect::Exactly(n as usize)),
            Some(Value::String(s)) => Expect::parse(s),
            Some(_) => None,
        };
        parsed.unwrap_or_else(|| {
            let found = value.map(describe).unwrap_or_default();
            self.error(
                pointer,
                format!("expect is {found}"),
                "write \"0+\" (any number), \"1+\" (at least one, the default), \"N+\" or a number N (exactly N)",
            );
            Expect::AtLeast(1)
        })
    }
}

impl Expect {
    /// `"0+"`, `"1+"`, `"N+"` or `"N"`.
    fn parse(text: &str) -> Option<Expect> {
        match text.strip_suffix('+') {
            Some(n) => n.trim().parse().ok().map(Expect::AtLeast),
            None => text.trim().parse().ok().map(Expect::Exactly),
        }
    }
}
