//! Which documents a rule reaches, and, when it reaches too few, which document came nearest.
//!
//! A selector is evaluated as a list of [`Miss`]es, none when the document matches. Their edit
//! distances (between the label value asked for and the one found, a kind and the kinds listed...)
//! rank the near-misses an `expect` failure names, so the message points at the typo.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::Value;
use strsim::levenshtein as distance;

use crate::podspec::{self, ContainerRef, PodSpecRef};
use crate::stream::Meta;

/// What a rule's `match` asks of a document.
#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// Kinds by name; empty means every pod-bearing kind.
    pub kinds: Vec<String>,
    /// Searched in `metadata.name` (unanchored, as `grep` does).
    pub name: Option<Regex>,
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub expressions: Vec<Expression>,
    pub annotations: BTreeMap<String, String>,
    pub hooks: Hooks,
    /// Searched in container names; `None` means every container.
    pub containers: Option<Regex>,
    pub init_containers: bool,
}

/// A label requirement, as in a Kubernetes label selector's `matchExpressions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expression {
    pub key: String,
    pub operator: Operator,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl Operator {
    pub const NAMES: &[&str] = &["In", "NotIn", "Exists", "DoesNotExist"];

    /// The operator [`Operator::NAMES`] spells `text`.
    pub fn parse(text: &str) -> Option<Operator> {
        let all = [Self::In, Self::NotIn, Self::Exists, Self::DoesNotExist];
        Some(all[Self::NAMES.iter().position(|n| *n == text)?])
    }
}

/// How a rule treats Helm hooks (`helm.sh/hook`; only Helm 4 passes them to a post-renderer).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Hooks {
    #[default]
    Include,
    Exclude,
    Only,
}

impl Hooks {
    pub const NAMES: &[&str] = &["include", "exclude", "only"];

    /// The treatment [`Hooks::NAMES`] spells `text`.
    pub fn parse(text: &str) -> Option<Hooks> {
        let all = [Self::Include, Self::Exclude, Self::Only];
        Some(all[Self::NAMES.iter().position(|n| *n == text)?])
    }
}

/// One failed criterion: how far off (for ranking near-misses) and why, for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    pub cost: usize,
    pub why: String,
}

/// The cost of a miss that no edit distance measures (a hook, a label expression).
const FIXED_COST: usize = 5;
/// A document the rule's kinds exclude by default is hardly a near miss.
const NOT_A_WORKLOAD: usize = 100;

impl Selector {
    /// Every criterion `doc` fails; empty when it matches.
    pub fn misses(&self, doc: &Value, meta: &Meta) -> Vec<Miss> {
        let mut out = self.meta_misses(meta);
        self.container_miss(doc, &mut out);
        out
    }

    /// The criteria the identifying fields fail (all but `containers`): decided without parsing.
    pub fn meta_misses(&self, meta: &Meta) -> Vec<Miss> {
        let mut out = Vec::new();
        self.kind(meta, &mut out);
        if let Some(re) = &self.name
            && !re.is_match(&meta.name)
        {
            out.push(Miss {
                cost: distance(&literal(re.as_str()), &meta.name),
                why: format!("its name does not match /{}/", re.as_str()),
            });
        }
        if let Some(ns) = &self.namespace
            && *ns != meta.namespace
        {
            out.push(namespace_miss(ns, &meta.namespace));
        }
        pairs("label", &self.labels, &meta.labels, &mut out);
        for e in &self.expressions {
            expression(e, &meta.labels, &mut out);
        }
        pairs("annotation", &self.annotations, &meta.annotations, &mut out);
        out.extend(self.hook_miss(meta));
        out
    }

    /// Whether the identifying fields pass ([`Selector::meta_misses`] is empty), without
    /// describing the misses (each costs a message and an edit distance).
    pub fn meta_matches(&self, meta: &Meta) -> bool {
        let kind = match self.kinds.is_empty() {
            true => podspec::spec_pointer(&meta.api_version, &meta.kind).is_some(),
            false => self.kinds.contains(&meta.kind),
        };
        let pairs = |wanted: &BTreeMap<String, String>, found: &BTreeMap<String, String>| {
            wanted.iter().all(|(k, v)| found.get(k) == Some(v))
        };
        kind && self.name.as_ref().is_none_or(|re| re.is_match(&meta.name))
            && self
                .namespace
                .as_ref()
                .is_none_or(|ns| *ns == meta.namespace)
            && pairs(&self.labels, &meta.labels)
            && self.expressions.iter().all(|e| holds(e, &meta.labels))
            && pairs(&self.annotations, &meta.annotations)
            && self.hook_miss(meta).is_none()
    }

    /// Whether the containers regex (if any) reaches a container of `doc`.
    pub fn reaches_containers(&self, doc: &Value) -> bool {
        let mut out = Vec::new();
        self.container_miss(doc, &mut out);
        out.is_empty()
    }

    fn kind(&self, meta: &Meta, out: &mut Vec<Miss>) {
        if self.kinds.is_empty() {
            if podspec::spec_pointer(&meta.api_version, &meta.kind).is_none() {
                out.push(Miss {
                    cost: NOT_A_WORKLOAD,
                    why: format!(
                        "{} {} holds no pod spec (without `kinds`, a rule reaches the \
                         pod-bearing kinds)",
                        meta.api_version, meta.kind
                    ),
                });
            }
            return;
        }
        if !self.kinds.contains(&meta.kind) {
            let cost = self
                .kinds
                .iter()
                .map(|k| distance(k, &meta.kind))
                .min()
                .unwrap_or(NOT_A_WORKLOAD);
            out.push(Miss {
                cost,
                why: format!("its kind is not one of {}", self.kinds.join(", ")),
            });
        }
    }

    fn hook_miss(&self, meta: &Meta) -> Option<Miss> {
        let why = match (
            self.hooks,
            meta.annotations.get(crate::stream::HOOK_ANNOTATION),
        ) {
            (Hooks::Exclude, Some(hook)) => {
                format!("it is a Helm hook ({hook}) and the rule has `hooks: exclude`")
            }
            (Hooks::Only, None) => "it is not a Helm hook and the rule has `hooks: only`".into(),
            _ => return None,
        };
        Some(Miss {
            cost: FIXED_COST,
            why,
        })
    }

    fn container_miss(&self, doc: &Value, out: &mut Vec<Miss>) {
        let Some(re) = &self.containers else { return };
        let specs = podspec::pod_specs(doc);
        let names: Vec<String> = specs
            .iter()
            .flat_map(|spec| podspec::containers(doc, spec, self.init_containers))
            .map(|c| c.name)
            .collect();
        if specs.is_empty() || names.iter().any(|n| re.is_match(n)) {
            return;
        }
        let target = literal(re.as_str());
        out.push(Miss {
            cost: names
                .iter()
                .map(|n| distance(&target, n))
                .min()
                .unwrap_or(FIXED_COST),
            why: format!(
                "no container name matches /{}/ (its containers: {})",
                re.as_str(),
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ),
        });
    }

    /// The containers of a pod spec that the rule's container edits go into.
    pub fn containers(&self, doc: &Value, spec: &PodSpecRef) -> Vec<ContainerRef> {
        podspec::containers(doc, spec, self.init_containers)
            .into_iter()
            .filter(|c| {
                self.containers
                    .as_ref()
                    .is_none_or(|re| re.is_match(&c.name))
            })
            .collect()
    }
}

fn namespace_miss(wanted: &str, found: &str) -> Miss {
    if found.is_empty() {
        return Miss {
            cost: FIXED_COST,
            why: format!(
                "it has no metadata.namespace (asked for \"{wanted}\"; a chart that does not \
                 write the namespace leaves it to Helm at install time)"
            ),
        };
    }
    Miss {
        cost: distance(wanted, found),
        why: format!("its namespace is \"{found}\", not \"{wanted}\""),
    }
}

/// Equality on labels or annotations: a wrong value is measured against the value found, a
/// missing key against the nearest key the document has.
fn pairs(
    noun: &str,
    wanted: &BTreeMap<String, String>,
    found: &BTreeMap<String, String>,
    out: &mut Vec<Miss>,
) {
    for (key, value) in wanted {
        match found.get(key) {
            Some(v) if v == value => {}
            Some(v) => out.push(Miss {
                cost: distance(value, v),
                why: format!("{noun} {key} is \"{v}\", not \"{value}\""),
            }),
            None => out.push(missing_key(noun, key, value, found)),
        }
    }
}

fn missing_key(noun: &str, key: &str, value: &str, found: &BTreeMap<String, String>) -> Miss {
    let nearest = found
        .iter()
        .map(|(k, v)| (distance(key, k) + distance(value, v), k, v))
        .min_by_key(|(d, _, _)| *d);
    match nearest {
        Some((cost, k, v)) => Miss {
            cost,
            why: format!("it has no {noun} {key} (nearest: {k}=\"{v}\")"),
        },
        None => Miss {
            cost: key.len() + value.len(),
            why: format!("it has no {noun}s"),
        },
    }
}

fn holds(e: &Expression, labels: &BTreeMap<String, String>) -> bool {
    let value = labels.get(&e.key);
    match e.operator {
        Operator::In => value.is_some_and(|v| e.values.contains(v)),
        Operator::NotIn => value.is_none_or(|v| !e.values.contains(v)),
        Operator::Exists => value.is_some(),
        Operator::DoesNotExist => value.is_none(),
    }
}

fn expression(e: &Expression, labels: &BTreeMap<String, String>, out: &mut Vec<Miss>) {
    if holds(e, labels) {
        return;
    }
    let value = labels.get(&e.key);
    let found = value.map_or_else(|| "absent".to_string(), |v| format!("\"{v}\""));
    let cost = match (e.operator, value) {
        (Operator::In, Some(v)) => e.values.iter().map(|w| distance(w, v)).min(),
        _ => None,
    };
    out.push(Miss {
        cost: cost.unwrap_or(FIXED_COST),
        why: format!(
            "label {} {:?} [{}] fails (the label is {found})",
            e.key,
            e.operator,
            e.values.join(", ")
        ),
    });
}

/// A regex's literal text, roughly: anchors and `.*` dropped, escapes undone. Only for ranking.
fn literal(pattern: &str) -> String {
    pattern
        .trim_start_matches('^')
        .trim_end_matches('$')
        .replace(".*", "")
        .replace(".+", "")
        .replace('\\', "")
}

/// Of the documents that missed, the one that came nearest: the smallest total distance, then
/// the fewest failed criteria, then stream order.
pub fn nearest<T>(candidates: impl IntoIterator<Item = (T, Vec<Miss>)>) -> Option<(T, Vec<Miss>)> {
    candidates
        .into_iter()
        .filter(|(_, misses)| !misses.is_empty())
        .min_by_key(|(_, misses)| {
            let total: usize = misses.iter().map(|m| m.cost).sum();
            (total, misses.len())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// Each spelling of an overlay file reads as its own variant, and nothing else reads.
    #[test]
    fn names_parse_to_their_variants() {
        let operators = ["In", "NotIn", "Exists", "DoesNotExist", "in", ""].map(Operator::parse);
        let expected = [
            Operator::In,
            Operator::NotIn,
            Operator::Exists,
            Operator::DoesNotExist,
        ];
        assert_eq!(operators[..4], expected.map(Some));
        assert_eq!(operators[4..], [None, None]);
        let hooks = ["include", "exclude", "only", "Only"].map(Hooks::parse);
        let expected = [Hooks::Include, Hooks::Exclude, Hooks::Only].map(Some);
        assert_eq!(hooks, [expected[0], expected[1], expected[2], None]);
    }

    /// A small map over a few keys and values, so that selectors and documents meet often.
    fn pairs_of(keys: &'static [&'static str]) -> impl Strategy<Value = BTreeMap<String, String>> {
        prop::collection::btree_map(
            prop::sample::select(keys).prop_map(str::to_string),
            prop::sample::select(&["x", "y"][..]).prop_map(str::to_string),
            0..3,
        )
    }

    fn selector() -> impl Strategy<Value = Selector> {
        let expression = (
            prop::sample::select(&["a", "b"][..]),
            prop::sample::select(vec![
                Operator::In,
                Operator::NotIn,
                Operator::Exists,
                Operator::DoesNotExist,
            ]),
            prop::collection::vec(prop::sample::select(&["x", "y"][..]), 0..2),
        )
            .prop_map(|(key, operator, values)| Expression {
                key: key.to_string(),
                operator,
                values: values.into_iter().map(str::to_string).collect(),
            });
        (
            prop::collection::vec(prop::sample::select(&["Deployment", "Service"][..]), 0..2),
            prop::option::of(prop::sample::select(&["^a", "b"][..])),
            prop::option::of(prop::sample::select(&["", "ns"][..])),
            pairs_of(&["a", "b"]),
            prop::collection::vec(expression, 0..2),
            pairs_of(&["note", crate::stream::HOOK_ANNOTATION]),
            prop::sample::select(vec![Hooks::Include, Hooks::Exclude, Hooks::Only]),
        )
            .prop_map(
                |(kinds, name, namespace, labels, expressions, annotations, hooks)| Selector {
                    kinds: kinds.into_iter().map(str::to_string).collect(),
                    name: name.map(|n| Regex::new(n).unwrap()),
                    namespace: namespace.map(str::to_string),
                    labels,
                    expressions,
                    annotations,
                    hooks,
                    ..Selector::default()
                },
            )
    }

    fn meta() -> impl Strategy<Value = Meta> {
        (
            prop::sample::select(&["Deployment", "Service", "Job"][..]),
            prop::sample::select(&["ab", "b", "c"][..]),
            prop::sample::select(&["", "ns"][..]),
            pairs_of(&["a", "b"]),
            pairs_of(&["note", crate::stream::HOOK_ANNOTATION]),
        )
            .prop_map(|(kind, name, namespace, labels, annotations)| Meta {
                api_version: if kind == "Service" { "v1" } else { "apps/v1" }.to_string(),
                kind: kind.to_string(),
                name: name.to_string(),
                namespace: namespace.to_string(),
                labels,
                annotations,
            })
    }

    proptest! {
        #[test]
        fn meta_matches_is_meta_misses_empty(sel in selector(), meta in meta()) {
            prop_assert_eq!(sel.meta_matches(&meta), sel.meta_misses(&meta).is_empty());
        }
    }

    fn deployment(name: &str, labels: Value, containers: &[&str]) -> Value {
        let containers: Vec<Value> = containers.iter().map(|c| json!({"name": c})).collect();
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": name, "labels": labels},
               "spec": {"template": {"spec": {"containers": containers}}}})
    }

    fn misses(sel: &Selector, doc: &Value) -> Vec<Miss> {
        sel.misses(doc, &Meta::of(doc))
    }

    #[test]
    fn default_selector_reaches_pod_bearing_kinds_only() {
        let sel = Selector::default();
        assert!(misses(&sel, &deployment("a", json!({}), &["c"])).is_empty());
        let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}});
        assert_eq!(misses(&sel, &svc)[0].cost, NOT_A_WORKLOAD);
    }

    #[test]
    fn label_typo_is_measured_against_the_value_found() {
        let sel = Selector {
            labels: [("role".to_string(), "experiment".to_string())].into(),
            ..Selector::default()
        };
        let doc = deployment("a", json!({"role": "experiments"}), &["c"]);
        let m = misses(&sel, &doc);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].cost, 1);
        assert!(
            m[0].why.contains("is \"experiments\", not \"experiment\""),
            "{m:?}"
        );
        let doc = deployment("a", json!({"rol": "experiment"}), &["c"]);
        assert!(
            misses(&sel, &doc)[0]
                .why
                .contains("nearest: rol=\"experiment\"")
        );
    }

    #[test]
    fn expressions_follow_kubernetes() {
        let labels: BTreeMap<String, String> = [("a".to_string(), "x".to_string())].into();
        let e = |operator, values: &[&str]| Expression {
            key: "a".into(),
            operator,
            values: values.iter().map(|s| s.to_string()).collect(),
        };
        let ok = |e: Expression| {
            let mut out = Vec::new();
            expression(&e, &labels, &mut out);
            out.is_empty()
        };
        assert!(ok(e(Operator::In, &["x", "y"])));
        assert!(!ok(e(Operator::In, &["y"])));
        assert!(ok(e(Operator::NotIn, &["y"])));
        assert!(ok(e(Operator::Exists, &[])));
        assert!(!ok(e(Operator::DoesNotExist, &[])));
    }

    #[test]
    fn containers_regex_must_reach_a_container() {
        let sel = Selector {
            containers: Some(Regex::new("^sidecar$").unwrap()),
            ..Selector::default()
        };
        let doc = deployment("a", json!({}), &["main", "sidecr"]);
        let m = misses(&sel, &doc);
        assert!(m[0].why.contains("its containers: main, sidecr"), "{m:?}");
        assert_eq!(m[0].cost, 1);
        let spec = &podspec::pod_specs(&doc)[0];
        assert!(sel.containers(&doc, spec).is_empty());
    }

    #[test]
    fn hooks_are_included_excluded_or_only() {
        let hook = json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "j", "annotations": {"helm.sh/hook": "post-install"}},
            "spec": {"template": {"spec": {"containers": []}}}});
        let with = |hooks| Selector {
            hooks,
            ..Selector::default()
        };
        assert!(misses(&with(Hooks::Include), &hook).is_empty());
        assert!(misses(&with(Hooks::Only), &hook).is_empty());
        assert!(
            misses(&with(Hooks::Exclude), &hook)[0]
                .why
                .contains("post-install")
        );
        let plain = deployment("a", json!({}), &["c"]);
        assert!(!misses(&with(Hooks::Only), &plain).is_empty());
    }

    #[test]
    fn nearest_prefers_smaller_then_fewer_misses() {
        let miss = |cost| Miss {
            cost,
            why: String::new(),
        };
        let best = nearest([
            ("two", vec![miss(1), miss(1)]),
            ("far", vec![miss(9)]),
            ("near", vec![miss(2)]),
            ("match", vec![]),
        ]);
        assert_eq!(best.map(|(n, _)| n), Some("near"));
    }
}
