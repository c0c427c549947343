//! Unit tests of the overlay rules: the format checks, the edits and the `expect` failures.

use serde_json::{Value, json};

use super::*;
use crate::report::Severity;

const HEAD: &str = "apiVersion: polyaxon-pr/v1\nkind: Overlay\nmetadata: {name: t}\nrules:\n";

fn rules(body: &str) -> Overlays {
    let (overlays, findings) = parse_str(&format!("{HEAD}{body}"), "o.yaml", &values()).unwrap();
    assert!(findings.is_empty(), "{findings:#?}");
    overlays
}

fn findings(body: &str) -> Vec<String> {
    let (_, findings) = parse_str(&format!("{HEAD}{body}"), "o.yaml", &values()).unwrap();
    findings.iter().map(ToString::to_string).collect()
}

fn values() -> Value {
    json!({"timeZone": "Europe/Berlin", "scratch": {"path": "/mnt/s"}})
}

fn workload(kind: &str, name: &str, labels: Value, containers: &[&str]) -> String {
    let containers: Vec<Value> = containers
        .iter()
        .map(|c| json!({"name": c, "image": "i"}))
        .collect();
    let doc = json!({"apiVersion": if kind == "Job" { "batch/v1" } else { "apps/v1" },
        "kind": kind, "metadata": {"name": name, "labels": labels},
        "spec": {"template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": containers}}}});
    format!("---\n{}", crate::stream::emit::to_yaml(&doc).unwrap())
}

/// Apply to a stream; the documents after, in order.
fn run(overlays: &Overlays, text: &str) -> Result<Vec<Value>> {
    let stream = Stream::read(text)?;
    let applied = apply(&stream, &BTreeMap::new(), overlays)?;
    Ok(stream
        .docs
        .iter()
        .map(|d| {
            applied
                .docs
                .get(&d.index)
                .cloned()
                .unwrap_or_else(|| d.value().unwrap().cloned().unwrap_or(Value::Null))
        })
        .collect())
}

fn write(docs: &[Value]) -> String {
    docs.iter()
        .map(|d| format!("---\n{}", crate::stream::emit::to_yaml(d).unwrap()))
        .collect()
}

fn error_messages(result: Result<Vec<Value>>) -> Vec<String> {
    match result {
        Err(Error::Validation { findings, .. }) => {
            findings.iter().map(ToString::to_string).collect()
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

const SCRATCH: &str = "  - match: {labels: {role: experiments}}
    volumes: [{name: scratch, hostPath: {path: '{{ .Values.scratch.path }}'}}]
    volumeMounts: [{name: scratch, mountPath: /scratch}]
    env: [{name: TZ, value: '{{ .Values.timeZone }}'}]
";

#[test]
fn every_container_of_one_two_and_three_container_workloads() {
    let text = [
        workload("Deployment", "one", json!({"role": "experiments"}), &["a"]),
        workload(
            "StatefulSet",
            "two",
            json!({"role": "experiments"}),
            &["a", "b"],
        ),
        workload(
            "Job",
            "three",
            json!({"role": "experiments"}),
            &["a", "b", "c"],
        ),
    ]
    .concat();
    let docs = run(&rules(SCRATCH), &text).unwrap();
    for (doc, n) in docs.iter().zip([1, 2, 3]) {
        let spec = &doc["spec"]["template"]["spec"];
        assert_eq!(
            spec["volumes"],
            json!([{"name": "scratch", "hostPath": {"path": "/mnt/s"}}])
        );
        let containers = spec["containers"].as_array().unwrap();
        assert_eq!(containers.len(), n, "no container created or lost");
        for c in containers {
            assert_eq!(
                c["volumeMounts"],
                json!([{"name": "scratch", "mountPath": "/scratch"}])
            );
            assert_eq!(c["env"], json!([{"name": "TZ", "value": "Europe/Berlin"}]));
        }
    }
    assert_eq!(
        run(&rules(SCRATCH), &write(&docs)).unwrap(),
        docs,
        "idempotent"
    );
}

#[test]
fn existing_lists_keep_their_entries() {
    let doc = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"role": "experiments"}},
        "spec": {"volumes": [{"name": "own", "emptyDir": {}}],
                 "containers": [{"name": "c", "env": [{"name": "TZ", "value": "UTC"}, {"name": "A", "value": "1"}]}]}});
    let docs = run(&rules(SCRATCH), &write(&[doc])).unwrap();
    let spec = &docs[0]["spec"];
    assert_eq!(spec["volumes"][0]["name"], "own");
    assert_eq!(spec["volumes"][1]["name"], "scratch");
    assert_eq!(
        spec["containers"][0]["env"],
        json!([{"name": "TZ", "value": "Europe/Berlin"}, {"name": "A", "value": "1"}]),
        "replaced by name, in place"
    );
}

#[test]
fn a_different_volume_under_the_same_name_is_a_conflict() {
    let doc = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"role": "experiments"}},
        "spec": {"volumes": [{"name": "scratch", "emptyDir": {}}], "containers": [{"name": "c"}]}});
    let messages = error_messages(run(&rules(SCRATCH), &write(&[doc])));
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let m = &messages[0];
    assert!(
        m.starts_with("error: o.yaml:5:5: rules[0]: overlay t rule 1: volume"),
        "{m}"
    );
    assert!(
        m.contains("volume \"scratch\" already exists in Pod p in document 1"),
        "{m}"
    );
}

#[test]
fn a_selector_typo_fails_naming_the_near_miss() {
    let overlays = rules("  - match: {labels: {role: experiment}}\n    labels: {x: z}\n");
    let text = [
        workload("Deployment", "api", json!({"role": "api"}), &["a"]),
        workload("Deployment", "exp", json!({"role": "experiments"}), &["a"]),
    ]
    .concat();
    let messages = error_messages(run(&overlays, &text));
    let m = &messages[0];
    assert!(
        m.contains("matched 0 document(s); it expects at least 1"),
        "{m}"
    );
    assert!(
        m.contains("Nearest: Deployment exp in document 2 (stream line"),
        "{m}"
    );
    assert!(
        m.contains("label role is \"experiments\", not \"experiment\""),
        "{m}"
    );
}

#[test]
fn a_container_regex_that_matches_nothing_creates_nothing() {
    let overlays = rules(
        "  - match: {containers: '^sidecar$'}\n    env: [{name: A, value: b}]\n    expect: 0+\n",
    );
    let text = workload("Deployment", "d", json!({}), &["main"]);
    let docs = run(&overlays, &text).unwrap();
    assert_eq!(
        docs[0]["spec"]["template"]["spec"]["containers"],
        json!([{"name": "main", "image": "i"}])
    );
    let strict = rules("  - match: {containers: '^sidecar$'}\n    env: [{name: A, value: b}]\n");
    let m = &error_messages(run(&strict, &text))[0];
    assert!(
        m.contains("no container name matches /^sidecar$/ (its containers: main)"),
        "{m}"
    );
}

#[test]
fn exact_expectations_list_the_extra_matches() {
    let overlays = rules("  - match: {kinds: [Deployment]}\n    labels: {x: z}\n    expect: 1\n");
    let text = [
        workload("Deployment", "a", json!({}), &["c"]),
        workload("Deployment", "b", json!({}), &["c"]),
    ]
    .concat();
    let m = &error_messages(run(&overlays, &text))[0];
    assert!(
        m.contains("matched 2 document(s); it expects exactly 1: Deployment a"),
        "{m}"
    );
}

#[test]
fn labels_go_on_the_object_and_its_pod_template() {
    let overlays = rules(
        "  - labels: {team: ml}\n    annotations: {a/b: c}\n    nodeSelector: {gpu: 'true'}\n    tolerations: [{key: gpu, operator: Exists, effect: NoSchedule}]\n",
    );
    let docs = run(&overlays, &workload("Deployment", "d", json!({}), &["c"])).unwrap();
    let d = &docs[0];
    assert_eq!(d["metadata"]["labels"]["team"], "ml");
    assert_eq!(
        d["spec"]["template"]["metadata"]["labels"],
        json!({"app": "d", "team": "ml"})
    );
    assert_eq!(d["spec"]["template"]["metadata"]["annotations"]["a/b"], "c");
    let spec = &d["spec"]["template"]["spec"];
    assert_eq!(spec["nodeSelector"], json!({"gpu": "true"}));
    assert_eq!(
        spec["tolerations"],
        json!([{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}])
    );
}

#[test]
fn tolerations_are_replaced_by_key_and_effect() {
    let doc = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [], "tolerations": [
            {"key": "gpu", "effect": "NoSchedule", "operator": "Equal", "value": "a"},
            {"key": "gpu", "effect": "NoExecute", "operator": "Exists"}]}});
    let overlays = rules("  - tolerations: [{key: gpu, effect: NoSchedule, operator: Exists}]\n");
    let docs = run(&overlays, &write(&[doc])).unwrap();
    assert_eq!(
        docs[0]["spec"]["tolerations"],
        json!([{"key": "gpu", "effect": "NoSchedule", "operator": "Exists"},
               {"key": "gpu", "effect": "NoExecute", "operator": "Exists"}])
    );
}

#[test]
fn patch_and_merge_are_relative_to_the_document_and_idempotent() {
    let overlays = rules(
        "  - match: {kinds: [Service]}
    merge: {spec: {type: NodePort}, metadata: {annotations: {gone: null}}}
    patch:
      - {op: add, path: /spec/ports/-, value: {port: 9, name: extra}}
      - {op: remove, path: /metadata/labels/old}
      - {op: replace, path: /spec/ports/0/port, value: 81}
",
    );
    let svc = json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "s", "labels": {"old": "x", "keep": "y"}, "annotations": {"gone": "z"}},
        "spec": {"ports": [{"port": 80}]}});
    let docs = run(&overlays, &write(&[svc])).unwrap();
    assert_eq!(
        docs[0],
        json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "s", "labels": {"keep": "y"}, "annotations": {}},
            "spec": {"ports": [{"port": 81}, {"port": 9, "name": "extra"}], "type": "NodePort"}})
    );
    assert_eq!(run(&overlays, &write(&docs)).unwrap(), docs);
}

#[test]
fn a_patch_that_cannot_apply_names_path_document_and_reason() {
    let overlays = rules(
        "  - patch: [{op: replace, path: /spec/template/spec/containers/2/image, value: x}]\n",
    );
    let m = &error_messages(run(
        &overlays,
        &workload("Deployment", "d", json!({}), &["a", "b"]),
    ))[0];
    assert!(
        m.starts_with("error: o.yaml:5:13: rules[0].patch[0]:"),
        "{m}"
    );
    assert!(
        m.contains("`replace /spec/template/spec/containers/2/image` cannot apply to Deployment d"),
        "{m}"
    );
    assert!(
        m.contains("is a list of 2 entries; it has no entry 2"),
        "{m}"
    );
    let insert =
        rules("  - patch: [{op: add, path: /spec/template/spec/containers/0, value: {name: x}}]\n");
    let m = &error_messages(run(
        &insert,
        &workload("Deployment", "d", json!({}), &["a"]),
    ))[0];
    assert!(m.contains("a second run would do it again"), "{m}");
}

#[test]
fn a_rule_that_fails_half_way_leaves_nothing_for_the_next_rules() {
    // The first rule adds its volume, then its patch fails: the second rule must see the
    // document without that volume (no second, misleading conflict).
    let overlays = rules(
        "  - volumes: [{name: v, emptyDir: {}}]
    patch: [{op: replace, path: /spec/nothere/x, value: 1}]
  - volumes: [{name: v, hostPath: {path: /x}}]
",
    );
    let messages = error_messages(run(
        &overlays,
        &workload("Deployment", "d", json!({}), &["a"]),
    ));
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(messages[0].contains("rules[0].patch[0]"), "{}", messages[0]);
}

#[test]
fn documents_the_selector_excludes_by_their_metadata_are_not_parsed() {
    // The second document does not parse, but its kind (read by the stream's line scanner)
    // already excludes it, so the rule never needs its content.
    let text = format!(
        "{}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n c: d\n",
        workload("Deployment", "d", json!({"role": "experiments"}), &["a"])
    );
    let stream = Stream::read(&text).unwrap();
    let applied = apply(&stream, &BTreeMap::new(), &rules(SCRATCH)).unwrap();
    assert_eq!(applied.docs.keys().copied().collect::<Vec<_>>(), [0]);
    assert!(
        stream.docs[1].value().is_err(),
        "the test needs a malformed document"
    );
}

#[test]
fn hooks_can_be_excluded_or_targeted() {
    let hook = json!({"apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "sync", "annotations": {"helm.sh/hook": "pre-upgrade",
                                                      "postrenderer.helm.sh/postrender-filename": "c/templates/j.yaml"}},
        "spec": {"template": {"spec": {"containers": [{"name": "c"}]}}}});
    let text = format!(
        "{}{}",
        write(&[hook]),
        workload("Deployment", "d", json!({}), &["c"])
    );
    let count = |hooks: &str| {
        let o = rules(&format!(
            "  - match: {{hooks: {hooks}}}\n    labels: {{x: z}}\n"
        ));
        let docs = run(&o, &text).unwrap();
        docs.iter()
            .filter(|d| d["metadata"]["labels"]["x"] == "z")
            .map(|d| d["kind"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(count("include"), ["Job", "Deployment"]);
    assert_eq!(count("exclude"), ["Deployment"]);
    assert_eq!(count("only"), ["Job"]);
}

#[test]
fn unknown_keys_are_located_with_a_suggestion() {
    let m = findings(
        "  - match: {lables: {a: b}}\n    volumeMount: []\n    env: [{name: A, valu: b}]\n",
    );
    assert_eq!(m.len(), 3, "{m:#?}");
    assert!(
        m[0].starts_with("error: o.yaml:5:13: rules[0].match.lables: unknown key \"lables\""),
        "{}",
        m[0]
    );
    assert!(m[0].contains("did you mean \"labels\"?"), "{}", m[0]);
    assert!(
        m[1].contains("rules[0].volumeMount: unknown key") && m[1].contains("\"volumeMounts\""),
        "{}",
        m[1]
    );
    assert!(
        m[2].contains("o.yaml:7:21: rules[0].env[0].valu") && m[2].contains("\"value\""),
        "{}",
        m[2]
    );
}

#[test]
fn format_errors_are_located() {
    let m = findings(
        "  - match: {name: '(', hooks: skip}
    env: [{name: A, value: 1}]
    patch: [{op: ad, path: /x}, {op: add, path: x, value: 1}]
    expect: some
    labels: {a: '{{ .Values.nope }}'}
",
    );
    let all = m.join("\n");
    assert!(
        all.contains("o.yaml:5:19: rules[0].match.name: invalid regular expression /(/"),
        "{all}"
    );
    assert!(
        all.contains("rules[0].match.hooks: hooks is \"skip\""),
        "{all}"
    );
    assert!(
        all.contains("o.yaml:6:28: rules[0].env[0].value: expected a string, found an integer"),
        "{all}"
    );
    assert!(
        all.contains("unknown operation \"ad\"") && all.contains("did you mean \"add\"?"),
        "{all}"
    );
    assert!(all.contains("\"x\" is not a JSON pointer"), "{all}");
    assert_eq!(m.len(), 7, "one finding per problem: {all}");
    assert!(all.contains("expect is \"some\""), "{all}");
    assert!(
        all.contains("o.yaml:9:17: rules[0].labels.a: `.Values.nope` is not set"),
        "{all}"
    );
}

#[test]
fn the_file_header_is_checked() {
    let (_, f) = parse_str(
        "apiVersion: v1\nkind: Overlay\nrules: []\n",
        "o.yaml",
        &json!({}),
    )
    .unwrap();
    assert!(
        f[0].to_string()
            .contains("apiVersion is \"v1\", not \"polyaxon-pr/v1\""),
        "{f:?}"
    );
    let err = parse_str(
        &format!("{HEAD}  - {{}}\n---\n{HEAD}"),
        "o.yaml",
        &json!({}),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("o.yaml:7:1: a second YAML document"),
        "{err}"
    );
}

#[test]
fn directories_are_walked_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["b.yaml", "a/z.yml", "a/y.txt", ".hidden/x.yaml", "c.yaml"] {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, HEAD).unwrap();
    }
    let found = files(&[dir.path().to_path_buf(), dir.path().join("c.yaml")]).unwrap();
    let names: Vec<String> = found
        .iter()
        .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
        .collect();
    assert_eq!(names, ["a/z.yml", "b.yaml", "c.yaml", "c.yaml"]);
    let empty = tempfile::tempdir().unwrap();
    assert!(files(&[empty.path().to_path_buf()]).is_err());
}

#[test]
fn a_rule_that_sets_a_label_another_selects_on_is_a_warning() {
    let (_, f) = parse_str(
        &format!("{HEAD}  - match: {{labels: {{tier: gpu}}}}\n  - labels: {{tier: cpu}}\n"),
        "o.yaml",
        &json!({}),
    )
    .unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Warning);
}

#[test]
fn kinds_without_pods_cannot_take_pod_edits() {
    let m = findings("  - match: {kinds: [Service, Deploymnet]}\n    env: [{name: A, value: b}]\n");
    assert_eq!(m.len(), 2, "{m:#?}");
    assert!(
        m[0].starts_with("error: o.yaml:5:21: rules[0].match.kinds[0]: Service holds no pod spec"),
        "{}",
        m[0]
    );
    assert!(
        m[1].contains("kinds[1]: Deploymnet holds no pod spec")
            && m[1].contains("did you mean \"Deployment\"?"),
        "{}",
        m[1]
    );
    let m = findings("  - match: {kinds: [Service, Deploymnet]}\n    labels: {a: b}\n");
    assert_eq!(m.len(), 1, "{m:#?}");
    assert!(
        m[0].starts_with("warning: o.yaml:5:30: rules[0].match.kinds[1]: Deploymnet is not"),
        "{}",
        m[0]
    );
}

#[test]
fn an_unknown_key_with_a_scalar_value_is_located_at_the_key() {
    let m = findings("  - labels: {a: b}\n    expct: 1+\n");
    assert_eq!(m.len(), 1, "{m:#?}");
    assert!(
        m[0].starts_with("error: o.yaml:6:5: rules[0].expct: unknown key \"expct\""),
        "{}",
        m[0]
    );
    assert!(m[0].contains("did you mean \"expect\"?"), "{}", m[0]);
}
