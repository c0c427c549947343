//! Overlay rules through the built binary (and, for the property test, the library): the shipped
//! examples on the real chart render, and the kustomize failure cases of issue 5 — workloads with
//! one, two and three containers, a workload without a `volumes` list, a container regex that
//! matches nothing, a selector typo, hooks under the Helm 4 stream form — each doing the right
//! thing or failing loudly with nothing on stdout.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{Run, documents, repo, repo_file, run_in};
use polyaxon_pr::overlay;
use polyaxon_pr::stream::{Stream, emit};
use proptest::prelude::*;
use serde_json::{Value, json};

const HELM4: &str = "tests/fixtures/polyaxon-0.4.2/helm4/defaults.yaml";
const HELM3: &str = "tests/fixtures/polyaxon-0.4.2/helm3/defaults.yaml";
const HEAD: &str = "apiVersion: polyaxon-pr/v1\nkind: Overlay\nmetadata: {name: test}\nrules:\n";

/// Write overlay files into a fresh directory.
fn overlays(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// Run the post-renderer in `dir` with `args` on `stream`.
fn render(dir: &Path, args: &[&str], stream: &str) -> Run {
    run_in(dir, args, stream.as_bytes())
}

fn docs(run: &Run) -> Vec<Value> {
    documents(run.stdout_utf8())
}

fn find<'d>(docs: &'d [Value], kind: &str, name: &str) -> &'d Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

/// A failed run: the exit code, nothing on stdout, and the stderr to check.
fn fails(run: &Run, code: i32) -> String {
    run.assert_code(code);
    assert!(run.stdout().is_empty(), "{run}");
    run.stderr()
}

/// A second run on the output changes nothing.
fn assert_idempotent(dir: &Path, args: &[&str], first: &Run) {
    let output = String::from_utf8(first.stdout().to_vec()).unwrap();
    let second = render(dir, args, &output);
    second.assert_code(0);
    assert!(
        second.stdout() == first.stdout(),
        "second run changed the output\n{second}"
    );
}

/// A Helm 4 document: annotated with its template, as Helm 4 pipes it.
fn helm4_doc(mut doc: Value, template: &str) -> String {
    doc["metadata"]["annotations"]["postrenderer.helm.sh/postrender-filename"] = json!(template);
    format!("---\n{}", emit::to_yaml(&doc).unwrap())
}

fn workload(kind: &str, name: &str, containers: &[&str], volumes: Option<Value>) -> Value {
    let containers: Vec<Value> = containers
        .iter()
        .map(|c| json!({"name": c, "image": "busybox"}))
        .collect();
    let mut spec = json!({"containers": containers});
    if let Some(volumes) = volumes {
        spec["volumes"] = volumes;
    }
    let api = if kind == "Job" { "batch/v1" } else { "apps/v1" };
    json!({"apiVersion": api, "kind": kind,
           "metadata": {"name": name, "labels": {"role": "experiments"}},
           "spec": {"template": {"metadata": {"labels": {"app": name}}, "spec": spec}}})
}

const SCRATCH: &str = "  - match: {labels: {role: experiments}}
    volumes: [{name: scratch, hostPath: {path: /mnt/scratch, type: DirectoryOrCreate}}]
    volumeMounts: [{name: scratch, mountPath: /scratch}]
    env: [{name: TZ, value: '{{ .Values.timeZone }}'}]
";

#[test]
fn every_container_of_workloads_with_one_two_and_three_containers() {
    let stream = [
        helm4_doc(
            workload("Deployment", "one", &["a"], None),
            "c/templates/one.yaml",
        ),
        helm4_doc(
            workload(
                "StatefulSet",
                "two",
                &["a", "b"],
                Some(json!([{"name": "own", "emptyDir": {}}])),
            ),
            "c/templates/two.yaml",
        ),
        helm4_doc(
            workload("Job", "three", &["a", "b", "c"], Some(json!([]))),
            "c/templates/three.yaml",
        ),
    ]
    .concat();
    let dir = overlays(&[("scratch.yaml", &format!("{HEAD}{SCRATCH}"))]);
    let args = ["--overlays", "scratch.yaml", "--set", "timeZone=Asia/Tokyo"];
    let run = render(dir.path(), &args, &stream);
    run.assert_code(0);
    let docs = docs(&run);
    for (doc, n) in docs.iter().zip([1, 2, 3]) {
        let spec = &doc["spec"]["template"]["spec"];
        let containers = spec["containers"].as_array().unwrap();
        assert_eq!(containers.len(), n, "no container is created or lost");
        for c in containers {
            assert_eq!(
                c["volumeMounts"],
                json!([{"name": "scratch", "mountPath": "/scratch"}]),
                "{doc}"
            );
            assert_eq!(c["env"], json!([{"name": "TZ", "value": "Asia/Tokyo"}]));
        }
        let names: Vec<&str> = spec["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap())
            .collect();
        let expected: &[&str] = if n == 2 {
            &["own", "scratch"]
        } else {
            &["scratch"]
        };
        assert_eq!(
            names, expected,
            "the workload's own volumes are kept; a missing list is created"
        );
    }
    assert_idempotent(dir.path(), &args, &run);
}

#[test]
fn a_container_regex_that_matches_no_container_fails_and_creates_nothing() {
    let stream = helm4_doc(
        workload(
            "Deployment",
            "api",
            &["polyaxon-api", "polyaxon-streams"],
            None,
        ),
        "c/t.yaml",
    );
    let rule = "  - match: {containers: '^polyaxon-apii$'}\n    env: [{name: A, value: b}]\n";
    let dir = overlays(&[("o.yaml", &format!("{HEAD}{rule}"))]);
    let err = fails(&render(dir.path(), &["--overlays", "o.yaml"], &stream), 1);
    assert!(err.contains("error: o.yaml:5:5: rules[0]: overlay test rule 1 matched 0 document(s); it expects at least 1"), "{err}");
    assert!(err.contains("no container name matches /^polyaxon-apii$/ (its containers: polyaxon-api, polyaxon-streams)"), "{err}");
    let tolerant = format!("{HEAD}{rule}    expect: '0+'\n");
    let dir = overlays(&[("o.yaml", &tolerant)]);
    let run = render(dir.path(), &["--overlays", "o.yaml"], &stream);
    run.assert_code(0);
    assert!(
        run.stdout() == stream.as_bytes(),
        "nothing matched, nothing changed: {run}"
    );
}

#[test]
fn a_selector_typo_fails_naming_the_near_miss() {
    let rule = "  - match: {labels: {role: polyaxon-worker}}\n    env: [{name: A, value: b}]\n";
    let dir = overlays(&[("typo.yaml", &format!("{HEAD}{rule}"))]);
    let err = fails(
        &render(dir.path(), &["--overlays", "typo.yaml"], &repo_file(HELM4)),
        1,
    );
    assert!(
        err.contains("error: typo.yaml:5:5: rules[0]: overlay test rule 1 matched 0 document(s)"),
        "{err}"
    );
    assert!(
        err.contains(
            "Nearest: Deployment polyaxon-polyaxon-beat in polyaxon/templates/beat-deployment.yaml"
        ),
        "{err}"
    );
    assert!(
        err.contains("label role is \"polyaxon-workers\", not \"polyaxon-worker\""),
        "{err}"
    );
}

/// The hook Jobs a rule labelled, under the Helm 4 stream form (which carries the hooks).
fn labelled(hooks: &str, stream: &str) -> Run {
    let rule = format!(
        "  - match: {{kinds: [Job, Deployment], labels: {{type: polyaxon-core}}, hooks: {hooks}}}\n    labels: {{touched: 'yes'}}\n"
    );
    let dir = overlays(&[("h.yaml", &format!("{HEAD}{rule}"))]);
    render(dir.path(), &["--overlays", "h.yaml"], stream)
}

#[test]
fn hooks_are_included_excluded_or_targeted_under_helm4() {
    let stream = repo_file(HELM4);
    let count = |hooks: &str| {
        let run = labelled(hooks, &stream);
        run.assert_code(0);
        let docs = docs(&run);
        let touched = |kind: &str| {
            docs.iter()
                .filter(|d| d["kind"] == kind && d["metadata"]["labels"]["touched"] == "yes")
                .count()
        };
        (touched("Job"), touched("Deployment"))
    };
    assert_eq!(count("include"), (7, 7));
    assert_eq!(count("exclude"), (0, 7));
    assert_eq!(count("only"), (7, 0));
}

#[test]
fn hooks_only_under_helm3_explains_that_helm3_passes_no_hooks() {
    let err = fails(&labelled("only", &repo_file(HELM3)), 1);
    assert!(
        err.contains("it is not a Helm hook and the rule has `hooks: only`"),
        "{err}"
    );
    assert!(
        err.contains("Helm 3 does not pass hooks to a post-renderer"),
        "{err}"
    );
}

#[test]
fn a_conflict_names_the_file_the_rule_and_the_document() {
    let rule = "  - name: own scratch\n    match: {name: scheduler}\n    volumes: [{name: logs, emptyDir: {}}]\n";
    let dir = overlays(&[("conflict.yaml", &format!("{HEAD}{rule}"))]);
    let err = fails(
        &render(
            dir.path(),
            &["--overlays", "conflict.yaml"],
            &repo_file(HELM4),
        ),
        1,
    );
    let line = err
        .lines()
        .find(|l| l.contains("already exists"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(line.starts_with("error: conflict.yaml:5:5: rules[0]: overlay test rule 1 \"own scratch\": volume \"logs\""), "{line}");
    assert!(line.contains("in Deployment polyaxon-polyaxon-scheduler in polyaxon/templates/scheduler-deployment.yaml"), "{line}");
}

#[test]
fn files_apply_in_sorted_order_and_explain_names_each_rule() {
    let set = |value: &str| {
        format!(
            "{HEAD}  - match: {{name: '-api$', kinds: [Deployment]}}\n    env: [{{name: STAGE, value: {value}}}]\n"
        )
    };
    let dir = overlays(&[
        ("d/b/late.yaml", &set("late")),
        ("d/a.yml", &set("early")),
        ("d/c.txt", "not an overlay"),
    ]);
    let args = ["--overlays", "d", "--explain"];
    let run = render(dir.path(), &args, &repo_file(HELM4));
    run.assert_code(0);
    let api = find(&docs(&run), "Deployment", "polyaxon-polyaxon-api").clone();
    let env = &api["spec"]["template"]["spec"]["containers"][0]["env"];
    let stage: Vec<&Value> = env
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "STAGE")
        .collect();
    assert_eq!(
        stage,
        [&json!({"name": "STAGE", "value": "late"})],
        "the later file wins, once"
    );
    let err = run.stderr();
    assert!(
        err.contains("<- overlay test rule 1 (d/a.yml:5:5)"),
        "{err}"
    );
    assert!(
        err.contains("<- overlay test rule 1 (d/b/late.yaml:5:5)"),
        "{err}"
    );
}

#[test]
fn lint_reports_overlay_errors_with_location_and_suggestion() {
    let bad = format!(
        "{HEAD}  - match: {{lables: {{role: x}}}}\n    volumeMount: [{{name: s, mountPath: /s}}]\n"
    );
    let dir = overlays(&[
        ("bad.yaml", &bad),
        ("good.yaml", &format!("{HEAD}  - labels: {{a: b}}\n")),
    ]);
    let run = run_in(
        dir.path(),
        &["lint", "--overlays", "bad.yaml", "--overlays", "good.yaml"],
        b"",
    );
    run.assert_code(1);
    let out = String::from_utf8(run.stdout().to_vec()).unwrap();
    assert!(
        out.contains("bad.yaml:5:13: rules[0].match.lables: unknown key \"lables\" in `match`"),
        "{out}"
    );
    assert!(out.contains("did you mean \"labels\"?"), "{out}");
    assert!(
        out.contains("bad.yaml:6:5: rules[0].volumeMount: unknown key \"volumeMount\" in a rule"),
        "{out}"
    );
    assert!(out.contains("did you mean \"volumeMounts\"?"), "{out}");
    // As pre-commit calls it: every file after one `--overlays` is an overlay file (a values
    // file with `apiVersion`, `kind` and `rules` would have unknown parameters).
    let clean = run_in(
        dir.path(),
        &["lint", "--overlays", "good.yaml", "good.yaml"],
        b"",
    );
    clean.assert_code(0);
}

#[test]
fn invalid_overlay_files_fail_the_post_renderer_before_it_writes() {
    let dir = overlays(&[(
        "o.yaml",
        &format!("{HEAD}  - match: {{name: '['}}\n    patch: [{{op: add, path: spec}}]\n"),
    )]);
    let err = fails(
        &render(dir.path(), &["--overlays", "o.yaml"], &repo_file(HELM4)),
        1,
    );
    assert!(
        err.contains("o.yaml:5:19: rules[0].match.name: invalid regular expression /[/"),
        "{err}"
    );
    assert!(
        err.contains("rules[0].patch[0]: a `add` operation needs `value`"),
        "{err}"
    );
    let missing = fails(
        &render(dir.path(), &["--overlays", "nope"], &repo_file(HELM4)),
        2,
    );
    assert!(missing.contains("nope: cannot read overlays"), "{missing}");
}

/// Every file under chart-overlays/examples runs on the real render, and does what it says.
#[test]
fn every_shipped_example_runs() {
    let examples = repo().join("chart-overlays/examples");
    let mut names: Vec<String> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 4, "{names:?}");
    for name in names {
        let path = examples.join(&name);
        let args = [
            "--overlays",
            path.to_str().unwrap(),
            "--set",
            "timeZone=Europe/Berlin",
        ];
        let run = render(&repo(), &args, &repo_file(HELM4));
        run.assert_code(0);
        check_example(&name, &docs(&run));
        assert_idempotent(&repo(), &args, &run);
    }
}

fn check_example(name: &str, docs: &[Value]) {
    let spec = |kind, object| &find(docs, kind, object)["spec"]["template"]["spec"];
    match name {
        "scratch-space.yaml" => {
            for c in spec("Deployment", "polyaxon-polyaxon-beat")["containers"]
                .as_array()
                .unwrap()
            {
                assert!(
                    c["volumeMounts"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|m| m["mountPath"] == "/scratch")
                );
            }
            assert!(
                spec("Deployment", "polyaxon-polyaxon-api")["volumes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|v| v["name"] != "scratch")
            );
        }
        "time-zone.yaml" => {
            let env = &spec("Deployment", "polyaxon-postgresql")["containers"][0]["env"];
            assert!(
                env.as_array()
                    .unwrap()
                    .contains(&json!({"name": "TZ", "value": "Europe/Berlin"})),
                "{env}"
            );
        }
        "gpu-nodes.yaml" => {
            let tolerations = &spec("DaemonSet", "polyaxon-polyaxon-resources")["tolerations"];
            assert_eq!(
                tolerations.as_array().map(Vec::len),
                Some(2),
                "{tolerations}"
            );
        }
        "hooks-excluded.yaml" => {
            let key = "cluster-autoscaler.kubernetes.io/safe-to-evict";
            let api = find(docs, "Deployment", "polyaxon-polyaxon-api");
            assert_eq!(
                api["spec"]["template"]["metadata"]["annotations"][key],
                "false"
            );
            let hook = find(docs, "Job", "polyaxon-sync-db");
            assert!(
                hook["spec"]["template"]["metadata"]["annotations"]
                    .get(key)
                    .is_none(),
                "hooks are excluded"
            );
        }
        "api-load-balancer.yaml" => {
            let svc = find(docs, "Service", "polyaxon-polyaxon-api");
            assert_eq!(svc["spec"]["externalTrafficPolicy"], "Local");
            assert_eq!(svc["spec"]["type"], "LoadBalancer");
        }
        other => panic!("chart-overlays/examples/{other}: add what it must do to check_example"),
    }
}

// Property: applying any generated rule set twice equals applying it once. Volume and mount
// definitions are fixed by their name and path (two rules never define one differently: that
// is a conflict, tested above), and selectors read the `app` label and the hook annotation,
// which no rule changes: a rule that changes what selectors read is not idempotent (README).

fn stream_strategy() -> impl Strategy<Value = String> {
    let doc = (
        prop::sample::select(vec![
            "Deployment",
            "StatefulSet",
            "Job",
            "DaemonSet",
            "Service",
        ]),
        prop::sample::select(vec!["web", "worker", "db"]),
        0usize..4,
        any::<bool>(),
        any::<bool>(),
    );
    prop::collection::vec(doc, 1..5).prop_map(|docs| {
        docs.into_iter()
            .enumerate()
            .map(|(i, (kind, app, containers, volumes, hook))| {
                let names: Vec<String> = (0..containers).map(|c| format!("c{c}")).collect();
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                let mut doc = workload(
                    kind,
                    &format!("{app}-{i}"),
                    &names,
                    volumes.then(|| json!([{"name": "own", "emptyDir": {}}])),
                );
                doc["metadata"]["labels"] = json!({"app": app});
                doc["metadata"]["finalizers"] = json!([]);
                if kind == "Service" {
                    doc["apiVersion"] = json!("v1");
                    doc["spec"] = json!({"ports": [{"port": 80}]});
                }
                if hook {
                    doc["metadata"]["annotations"] = json!({"helm.sh/hook": "pre-install"});
                }
                format!("---\n{}", emit::to_yaml(&doc).unwrap())
            })
            .collect()
    })
}

fn rule_strategy() -> impl Strategy<Value = Value> {
    let volumes = prop::sample::subsequence(vec!["v1", "v2"], 0..=2).prop_map(|names| {
        names
            .into_iter()
            .map(|n| json!({"name": n, "hostPath": {"path": format!("/mnt/{n}")}}))
            .collect::<Vec<_>>()
    });
    let mounts = prop::sample::subsequence(vec![("/a", "v1"), ("/b", "v2")], 0..=2).prop_map(|m| {
        m.into_iter()
            .map(|(p, n)| json!({"name": n, "mountPath": p}))
            .collect::<Vec<_>>()
    });
    let env = prop::collection::btree_map(
        prop::sample::select(vec!["X", "Y"]),
        prop::sample::select(vec!["1", "2"]),
        0..3,
    )
    .prop_map(|m| {
        m.into_iter()
            .map(|(n, v)| json!({"name": n, "value": v}))
            .collect::<Vec<_>>()
    });
    let taint = (
        prop::sample::select(vec!["gpu", "spot"]),
        prop::sample::select(vec!["NoSchedule", "NoExecute"]),
    );
    let tolerations = prop::collection::btree_map(taint, any::<bool>(), 0..3).prop_map(|m| {
        m.into_iter()
            .map(|((k, e), exists)| {
                if exists {
                    json!({"key": k, "effect": e, "operator": "Exists"})
                } else {
                    json!({"key": k, "effect": e, "value": "1"})
                }
            })
            .collect::<Vec<_>>()
    });
    let patch = prop::sample::select(vec![
        json!({"op": "add", "path": "/metadata/finalizers", "value": ["example.com/keep"]}),
        json!({"op": "add", "path": "/metadata/finalizers/-", "value": "example.com/other"}),
        json!({"op": "add", "path": "/metadata/labels/patched", "value": "yes"}),
        json!({"op": "remove", "path": "/metadata/labels/patched"}),
    ]);
    (
        (prop::option::of(prop::sample::select(vec!["web", "worker", "db"])), prop::sample::select(vec!["include", "exclude", "only"]), prop::option::of(prop::sample::select(vec!["^c0$", "c[12]", "x"])), any::<bool>()),
        volumes,
        mounts,
        env,
        tolerations,
        prop::option::of(prop::sample::select(vec!["a", "b"])),
        prop::collection::vec(patch, 0..2),
        any::<bool>(),
    )
        .prop_map(|((app, hooks, containers, init), volumes, mounts, env, tolerations, label, patch, merge)| {
            let mut select = json!({"hooks": hooks, "initContainers": init});
            if let Some(app) = app {
                select["labels"] = json!({"app": app});
            }
            if let Some(c) = containers {
                select["containers"] = json!(c);
            }
            let mut rule = json!({"match": select, "volumes": volumes, "volumeMounts": mounts, "env": env,
                                  "tolerations": tolerations, "patch": patch, "expect": "0+",
                                  "nodeSelector": {"pool": "p"}});
            if let Some(label) = label {
                rule["labels"] = json!({"tier": label});
            }
            if merge {
                rule["merge"] = json!({"metadata": {"annotations": {"merged": "1"}}});
            }
            rule
        })
}

/// Apply `rules` to `text`: the output stream and the number of operations, or `None` when the
/// rules cannot apply there.
fn apply_once(text: &str, overlays: &overlay::Overlays) -> Option<(String, usize)> {
    let stream = Stream::read(text).unwrap();
    let applied = overlay::apply(&stream, &BTreeMap::new(), overlays).ok()?;
    let ops = applied.ops.values().map(Vec::len).sum();
    Some((emit::write(&stream, &applied.docs).unwrap(), ops))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn applying_rules_twice_equals_applying_them_once(
        text in stream_strategy(),
        rules in prop::collection::vec(rule_strategy(), 1..4),
    ) {
        let file = json!({"apiVersion": "polyaxon-pr/v1", "kind": "Overlay", "rules": rules});
        let (overlays, findings) = overlay::parse_str(&file.to_string(), "p.yaml", &json!({})).unwrap();
        prop_assert!(findings.is_empty(), "{:?}", findings);
        let (once, _) = apply_once(&text, &overlays).expect("generated rules apply");
        let (twice, ops) = apply_once(&once, &overlays).expect("what applied once applies again");
        prop_assert_eq!(&twice, &once);
        prop_assert_eq!(ops, 0, "the second run has nothing to do");
    }
}

/// Documents the overlay rules edit as text (volumes, mounts and env entries only) are listed by
/// `--explain` with the operations the general path gives them, and written the same.
#[test]
fn explain_lists_the_operations_of_documents_edited_as_text() {
    let rule = format!(
        "{HEAD}  - match: {{kinds: [Deployment]}}\n    volumes: [{{name: scratch, emptyDir: {{}}}}]\n    volumeMounts: [{{name: scratch, mountPath: /scratch}}]\n    env: [{{name: TZ, value: UTC}}]\n"
    );
    let dir = overlays(&[("o.yaml", &rule)]);
    let stream = format!(
        "---\n{}",
        serde_saphyr::to_string(&workload("Deployment", "web", &["a", "b"], None)).unwrap()
    );
    let plain = render(dir.path(), &["--overlays", "o.yaml"], &stream);
    plain.assert_code(0);
    let explained = render(dir.path(), &["--overlays", "o.yaml", "--explain"], &stream);
    explained.assert_code(0);
    assert_eq!(explained.stdout_utf8(), plain.stdout_utf8());
    let err = explained.stderr();
    for op in [
        "add /spec/template/spec/volumes []",
        "add /spec/template/spec/volumes/- {\"name\":\"scratch\",\"emptyDir\":{}}",
        "add /spec/template/spec/containers/1/env/- {\"name\":\"TZ\",\"value\":\"UTC\"}",
    ] {
        assert!(err.contains(op), "{op}\n{err}");
    }
}
