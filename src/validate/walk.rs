//! The structural walk: every key of the values against the parameter tree (unknown keys with
//! "did you mean"), every value against its type and format, tolerations and affinities against
//! the Kubernetes shapes.

use serde_json::{Map, Value};

use super::{Ctx, formats, show, suggest};
use crate::params::k8s::{self, Shape};
use crate::params::{self, Format, Kind, Node, Param};
use crate::report::Origin;
use crate::values::yaml::{escape_pointer, kind_name};

pub fn walk(ctx: &mut Ctx<'_>) {
    // The values are borrowed for 'a, not from `ctx`: no copy of the tree to walk it.
    let values = ctx.values;
    if let Value::Object(map) = &values.root {
        object(ctx, &params::TREE, map, "");
    }
}

fn child_pointer(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", escape_pointer(key))
}

fn node(ctx: &mut Ctx<'_>, node: &Node, value: &Value, pointer: &str) {
    if value.is_null() {
        if !node.nullable() {
            ctx.warning(
                pointer,
                "null deletes the chart's default for this parameter",
                "remove the key to keep the chart's default",
            );
        }
        return;
    }
    let param = node.param;
    match (node.kind(), value) {
        (Kind::Object, Value::Object(map)) => object(ctx, node, map, pointer),
        (Kind::Object | Kind::Map, _) if !value.is_object() => {
            type_error(ctx, pointer, "a map", value, param)
        }
        (kind, _) => leaf(ctx, kind, param, value, pointer),
    }
}

fn object(ctx: &mut Ctx<'_>, parent: &Node, map: &Map<String, Value>, pointer: &str) {
    for (key, value) in map {
        let child = child_pointer(pointer, key);
        let named = !parent.children.iter().any(|(k, _)| k == key);
        match parent.child(key) {
            Some(n) => {
                if named {
                    volume_name(ctx, key, &child);
                }
                node(ctx, n, value, &child);
            }
            None => unknown_key(ctx, key, parent.child_names(), &child),
        }
    }
}

/// A user-chosen name becomes a volume name.
fn volume_name(ctx: &mut Ctx<'_>, name: &str, pointer: &str) {
    if let Err(p) = formats::dns_label(name) {
        ctx.error(
            pointer,
            format!("{} (the name becomes a volume name)", p.message),
            p.hint,
        );
    }
}

fn unknown_key<'a>(
    ctx: &mut Ctx<'_>,
    key: &str,
    candidates: impl Iterator<Item = &'a str>,
    pointer: &str,
) {
    let mut message = format!("unknown parameter \"{key}\"");
    let names: Vec<&str> = candidates.collect();
    let hint = match suggest(key, names.iter().copied()) {
        Some(near) => {
            message.push_str(&format!("; did you mean \"{near}\"?"));
            format!("rename it to \"{near}\"")
        }
        None if names.is_empty() => "remove it".to_string(),
        // More than a dozen (the top level has 70) are read better as a table.
        None if names.len() > 12 => {
            "remove it; `polyaxon-pr docs` lists the parameters".to_string()
        }
        None => format!("expected one of {}", names.join(", ")),
    };
    ctx.error(pointer, message, hint);
}

fn type_error(ctx: &mut Ctx<'_>, pointer: &str, want: &str, got: &Value, param: Option<&Param>) {
    let key = pointer.rsplit('/').next().unwrap_or_default();
    let secret = param.is_some_and(|p| p.secret) || params::is_credential(key);
    let shown = match got {
        Value::Array(_) | Value::Object(_) | Value::Null => kind_name(got).to_string(),
        _ if secret => kind_name(got).to_string(),
        other => format!("{} {}", kind_name(other), show(other)),
    };
    // A value flag's item is fixed on the command line, not by quoting.
    let flag = match ctx.values.origin(pointer) {
        Origin::Set { flag, .. } => Some(flag),
        _ => None,
    };
    let hint = match (want, got, flag.as_deref()) {
        ("a string", Value::Bool(_) | Value::Number(_), Some("--set")) => {
            "give it with --set-string: --set reads true, false and numbers as non-strings"
        }
        ("a boolean" | "an integer", Value::String(_), Some("--set-string" | "--set-literal")) => {
            "give it with --set: --set-string and --set-literal make every value a string"
        }
        ("a boolean", Value::String(_), _) => "write true or false without quotes",
        ("a string", Value::Bool(_) | Value::Number(_), _) => {
            "quote it: YAML reads yes/no/on/off and numbers as non-strings"
        }
        _ => "see `polyaxon-pr docs` for the expected type",
    };
    ctx.error(pointer, format!("expected {want}, got {shown}"), hint);
}

fn leaf(ctx: &mut Ctx<'_>, kind: Kind, param: Option<&Param>, value: &Value, pointer: &str) {
    match kind {
        Kind::Bool if !value.is_boolean() => type_error(ctx, pointer, "a boolean", value, param),
        Kind::Int if !(value.is_i64() || value.is_u64()) => {
            type_error(ctx, pointer, "an integer", value, param);
        }
        Kind::String => match value.as_str() {
            Some(text) => string(ctx, param, text, pointer),
            None => type_error(ctx, pointer, "a string", value, param),
        },
        Kind::Strings => strings(ctx, param, value, pointer),
        Kind::StringMap => {
            shape(ctx, &Shape::StringMap, value, pointer);
            if let (Some(format), Value::Object(map)) = (param.and_then(|p| p.format), value) {
                string_map(ctx, format, map, pointer);
            }
        }
        Kind::Quantity => quantity(ctx, value, pointer),
        Kind::Tolerations => shape(ctx, &k8s::TOLERATIONS, value, pointer),
        Kind::Affinity => shape(ctx, &k8s::AFFINITY, value, pointer),
        Kind::Resources => shape(ctx, &k8s::RESOURCES, value, pointer),
        Kind::Bool | Kind::Int | Kind::Object | Kind::Map | Kind::Any => {}
    }
}

fn string(ctx: &mut Ctx<'_>, param: Option<&Param>, text: &str, pointer: &str) {
    let Some(param) = param else { return };
    // An empty string is the chart's "unset" where that is its default.
    if text.is_empty() && param.default == Some("") {
        return;
    }
    if !param.allowed.is_empty() {
        let noun = param.noun.unwrap_or("a valid value");
        return enumerated(ctx, noun, param.allowed, text, pointer);
    }
    if let Some(format) = param.format {
        ctx.problem(pointer, formats::check(format, text));
    }
}

/// Label and annotation keys (and label values) follow Kubernetes' syntax.
fn string_map(ctx: &mut Ctx<'_>, format: Format, map: &Map<String, Value>, pointer: &str) {
    for (key, value) in map {
        let child = child_pointer(pointer, key);
        ctx.problem(&child, formats::check(format, key));
        if format == Format::Labels
            && let Some(text) = value.as_str()
        {
            ctx.problem(&child, formats::label_value(text));
        }
    }
}

fn strings(ctx: &mut Ctx<'_>, param: Option<&Param>, value: &Value, pointer: &str) {
    let Value::Array(items) = value else {
        // The reference's `ingress.tls.hosts` default is `{}`: read as the empty list it means.
        if value.as_object().is_some_and(Map::is_empty) {
            return;
        }
        return type_error(ctx, pointer, "a list of strings", value, param);
    };
    for (i, item) in items.iter().enumerate() {
        let item_pointer = format!("{pointer}/{i}");
        match item.as_str() {
            Some(text) => string(ctx, param, text, &item_pointer),
            None => type_error(ctx, &item_pointer, "a string", item, param),
        }
    }
}

fn quantity(ctx: &mut Ctx<'_>, value: &Value, pointer: &str) {
    match value {
        Value::String(text) => ctx.problem(pointer, formats::quantity(text)),
        Value::Number(n) if n.as_f64().is_some_and(|f| f >= 0.0) => {}
        other => type_error(ctx, pointer, "a quantity such as 10Gi", other, None),
    }
}

fn shape(ctx: &mut Ctx<'_>, shape: &Shape, value: &Value, pointer: &str) {
    match (shape, value) {
        (Shape::String, Value::String(_)) => {}
        (Shape::Int, v) if v.is_i64() => {}
        (Shape::Weight, v) => weight(ctx, v, pointer),
        (Shape::Strings, Value::Array(_)) => {
            self::shape(ctx, &Shape::List(&Shape::String), value, pointer)
        }
        (Shape::StringMap, Value::Object(_)) => {
            self::shape(ctx, &Shape::MapOf(&Shape::String), value, pointer)
        }
        (Shape::Labels, Value::Object(map)) => {
            self::shape(ctx, &Shape::StringMap, value, pointer);
            string_map(ctx, Format::Labels, map, pointer);
        }
        (Shape::Enum(noun, allowed), Value::String(text)) => {
            enumerated(ctx, noun, allowed, text, pointer)
        }
        (Shape::Quantity, v) => quantity(ctx, v, pointer),
        (Shape::MapOf(item), Value::Object(map)) => {
            for (k, v) in map {
                self::shape(ctx, item, v, &child_pointer(pointer, k));
            }
        }
        (Shape::List(item), Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                self::shape(ctx, item, v, &format!("{pointer}/{i}"));
            }
        }
        (Shape::Object(fields), Value::Object(map)) => object_shape(ctx, fields, map, pointer),
        (shape, value) => type_error(ctx, pointer, shape_name(shape), value, None),
    }
}

fn shape_name(shape: &Shape) -> &'static str {
    match shape {
        Shape::String | Shape::Enum(..) => "a string",
        Shape::Int | Shape::Weight => "an integer",
        Shape::Strings => "a list of strings",
        Shape::StringMap | Shape::Labels => "a map of strings",
        Shape::Quantity => "a quantity such as 10Gi",
        Shape::MapOf(_) => "a map",
        Shape::List(_) => "a list",
        Shape::Object(_) => "a map",
    }
}

fn weight(ctx: &mut Ctx<'_>, value: &Value, pointer: &str) {
    match value.as_i64() {
        Some(1..=100) => {}
        Some(n) => ctx.error(
            pointer,
            format!("weight {n} is out of range"),
            "a scheduling weight is from 1 to 100",
        ),
        None => type_error(ctx, pointer, "an integer", value, None),
    }
}

/// `text` is one of `allowed`, or empty where Kubernetes gives empty a meaning
/// ([`k8s::empty_allowed`]: a toleration's operator or effect, never a parameter's enum).
fn enumerated(ctx: &mut Ctx<'_>, noun: &str, allowed: &[&str], text: &str, pointer: &str) {
    if allowed.contains(&text) || (text.is_empty() && k8s::empty_allowed(allowed)) {
        return;
    }
    let hint = suggest(text, allowed.iter().copied())
        .map(|near| format!("did you mean \"{near}\"?"))
        .unwrap_or_default();
    ctx.error(
        pointer,
        format!(
            "\"{text}\" is not {noun}; expected one of {}",
            allowed.join(", ")
        ),
        hint,
    );
}

fn object_shape(ctx: &mut Ctx<'_>, fields: &[k8s::Field], map: &Map<String, Value>, pointer: &str) {
    for (key, value) in map {
        let child = child_pointer(pointer, key);
        match fields.iter().find(|f| f.name == key) {
            Some(f) => shape(ctx, f.shape, value, &child),
            None => unknown_key(ctx, key, fields.iter().map(|f| f.name), &child),
        }
    }
    for f in fields
        .iter()
        .filter(|f| f.required && !map.contains_key(f.name))
    {
        ctx.error(
            pointer,
            format!("missing required field \"{}\"", f.name),
            "see the Kubernetes API reference for this object",
        );
    }
    operator_rules(ctx, fields, map, pointer);
}

/// What Kubernetes checks beyond the shape: values vs operators, tolerations.
fn operator_rules(
    ctx: &mut Ctx<'_>,
    fields: &[k8s::Field],
    map: &Map<String, Value>,
    pointer: &str,
) {
    let Some(Shape::Enum(_, operators)) = fields
        .iter()
        .find(|f| f.name == "operator")
        .map(|f| f.shape)
    else {
        return;
    };
    let operator = map.get("operator").and_then(Value::as_str);
    if *operators == k8s::TOLERATION_OPERATORS {
        toleration(ctx, map, operator, pointer);
    } else if let Some(op) = operator {
        requirement(ctx, map, op, pointer);
    }
}

fn toleration(ctx: &mut Ctx<'_>, map: &Map<String, Value>, op: Option<&str>, pointer: &str) {
    let text = |k: &str| map.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let exists = op == Some("Exists");
    if exists && text("value").is_some() {
        ctx.error(
            pointer,
            "a toleration with operator Exists must not have a value",
            "remove value, or use operator Equal",
        );
    }
    if text("key").is_none() && !exists {
        ctx.error(
            pointer,
            "a toleration without a key must use operator Exists",
            "add a key, or set operator: Exists to tolerate every taint",
        );
    }
    if let Some(key) = text("key") {
        ctx.problem(&child_pointer(pointer, "key"), formats::qualified_name(key));
    }
    if let Some(value) = text("value") {
        ctx.problem(
            &child_pointer(pointer, "value"),
            formats::label_value(value),
        );
    }
    if map.contains_key("tolerationSeconds") && text("effect") != Some("NoExecute") {
        ctx.error(
            pointer,
            "tolerationSeconds needs effect NoExecute",
            "set effect: NoExecute or remove tolerationSeconds",
        );
    }
}

fn requirement(ctx: &mut Ctx<'_>, map: &Map<String, Value>, op: &str, pointer: &str) {
    let count = map
        .get("values")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let (ok, want) = match op {
        "In" | "NotIn" => (count > 0, "at least one value"),
        "Exists" | "DoesNotExist" => (count == 0, "no values"),
        "Gt" | "Lt" => (
            count == 1
                && map["values"][0]
                    .as_str()
                    .is_some_and(|s| s.parse::<i64>().is_ok()),
            "exactly one integer value (as a string)",
        ),
        _ => (true, ""),
    };
    if !ok {
        ctx.error(
            pointer,
            format!("operator {op} takes {want}"),
            "fix values to match the operator",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::validate;
    use crate::values::Values;
    use serde_json::json;

    /// Each finding's `path: hint`, for values from the value flags `set` and `string`.
    fn hints(set: &[&str], string: &[&str]) -> Vec<String> {
        let sets = crate::values::Sets {
            set: set.iter().map(|s| s.to_string()).collect(),
            string: string.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        let (values, _) = Values::from_sources(&[], &sets).unwrap();
        validate(&values)
            .into_iter()
            .map(|f| format!("{}: {}", f.path, f.hint))
            .collect()
    }

    #[test]
    fn type_hints_name_the_value_flag_that_fixes_them() {
        assert_eq!(
            hints(
                &["nodeSelectors.core.gpu=true"],
                &["adminViewEnabled=false"]
            ),
            [
                "nodeSelectors.core.gpu: give it with --set-string: --set reads true, false and \
                 numbers as non-strings",
                "adminViewEnabled: give it with --set: --set-string and --set-literal make every \
                 value a string",
            ]
        );
        let files = validate(&Values::from_json(
            json!({"nodeSelectors": {"core": {"gpu": true}}, "adminViewEnabled": "false"}),
        ));
        let files: Vec<_> = files.iter().map(|f| f.hint.as_str()).collect();
        assert_eq!(
            files,
            [
                "write true or false without quotes",
                "quote it: YAML reads yes/no/on/off and numbers as non-strings",
            ]
        );
    }

    #[test]
    fn an_unknown_key_lists_a_few_names_or_points_to_the_docs() {
        let found = validate(&Values::from_json(
            json!({"anchors": 1, "nodeSelectors": {"x": {}}}),
        ));
        let hints: Vec<_> = found.iter().map(|f| f.hint.as_str()).collect();
        assert_eq!(
            hints[0],
            "remove it; `polyaxon-pr docs` lists the parameters"
        );
        assert!(
            hints[1].starts_with("expected one of core, experiments"),
            "{}",
            hints[1]
        );
    }

    fn messages(v: serde_json::Value) -> Vec<String> {
        validate(&Values::from_json(v))
            .into_iter()
            .map(|f| format!("{}: {}", f.path, f.message))
            .collect()
    }

    #[test]
    fn unknown_keys_get_suggestions() {
        assert_eq!(
            messages(json!({"persistance": {}})),
            ["persistance: unknown parameter \"persistance\"; did you mean \"persistence\"?"]
        );
        let m = messages(
            json!({"persistence": {"data": {"d": {"mountpath": "/d", "hostPath": "/d"}}}}),
        );
        assert!(
            m.iter().any(|m| m.contains("did you mean \"mountPath\"")),
            "{m:?}"
        );
    }

    #[test]
    fn types_are_checked() {
        assert_eq!(
            messages(json!({"adminViewEnabled": "true"})),
            ["adminViewEnabled: expected a boolean, got a string \"true\""]
        );
        assert_eq!(
            messages(json!({"nodeSelector": {"core": {"gpu": true}}})),
            ["nodeSelector.core.gpu: expected a string, got a boolean true"]
        );
    }

    #[test]
    fn secret_values_are_never_shown() {
        let m = messages(json!({"user": {"password": 12345678}}));
        assert_eq!(m, ["user.password: expected a string, got an integer"]);
    }

    #[test]
    fn tolerations_follow_kubernetes() {
        let m = messages(json!({"tolerations": {"core": [
            {"key": "a", "operator": "Exists", "value": "x", "effect": "NoSchedule"},
            {"operator": "Equal", "effect": "NoSchedul"},
            {"key": "b", "tolerationSeconds": 3, "effect": "NoSchedule"}
        ]}}));
        assert_eq!(m.len(), 4, "{m:?}");
        assert!(
            m[2].contains("\"NoSchedul\" is not a taint effect"),
            "{m:?}"
        );
    }

    #[test]
    fn node_selectors_are_labels() {
        let m = messages(json!({"nodeSelector": {"jobs": {"pool": "gpu nodes", "a/b/c": "x"}}}));
        assert_eq!(m.len(), 2, "{m:?}");
        let has = |text: &str| m.iter().any(|m| m.contains(text));
        assert!(has("\"gpu nodes\" is not a valid label value"), "{m:?}");
        assert!(
            has("\"a/b/c\" is not a valid label or annotation key"),
            "{m:?}"
        );
        let ok = json!({"ingress": {"annotations": {"kubernetes.io/ingress.class": "polyaxon ingress"}}});
        assert!(messages(ok).is_empty());
    }

    #[test]
    fn toleration_keys_and_values_are_label_syntax() {
        let m = messages(
            json!({"tolerations": {"jobs": [{"key": "a b", "operator": "Equal", "value": "x y"}]}}),
        );
        assert_eq!(m.len(), 2, "{m:?}");
    }

    #[test]
    fn empty_toleration_effect_means_all_effects() {
        let m = messages(
            json!({"tolerations": {"jobs": [{"key": "a", "operator": "", "effect": ""}]}}),
        );
        assert!(m.is_empty(), "{m:?}");
    }

    #[test]
    fn affinity_shape_and_operators() {
        let m = messages(json!({"affinity": {"jobs": {"nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                {"matchExpressions": [{"key": "gpu", "operator": "In"}]}
            ]},
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 200, "preference": {}}]
        }, "podAfinity": {}}}}));
        assert_eq!(m.len(), 3, "{m:?}");
        assert!(m.iter().any(|m| m.contains("did you mean \"podAffinity\"")));
        assert!(
            m.iter()
                .any(|m| m.contains("operator In takes at least one value"))
        );
        assert!(m.iter().any(|m| m.contains("weight 200 is out of range")));
    }

    #[test]
    fn volume_names_are_dns_labels() {
        let m = messages(
            json!({"persistence": {"outputs": {"Out_1": {"mountPath": "/o", "hostPath": "/o"}}}}),
        );
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].starts_with("persistence.outputs.Out_1: \"Out_1\" is not a DNS-1123 label"));
    }

    #[test]
    fn subcharts_and_global_pass_through() {
        assert!(
            messages(
                json!({"postgresql": {"anything": [1]}, "global": {"x": 1}, "docker-registry": {}})
            )
            .is_empty()
        );
        assert_eq!(
            messages(json!({"redis": "no"})),
            ["redis: expected a map, got a string \"no\""]
        );
    }
}
