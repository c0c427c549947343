//! Injection through the built binary, against real renders of Polyaxon chart 0.4.2 (issue 4).
//!
//! The contract: `polyaxon-pr -f V < defaults` gives the same objects as the chart rendered with
//! V, in Helm 3 and Helm 4 form, with the documented improvements applied to the expectation
//! explicitly (each in its own function below). Objects are compared after parsing: documents
//! matched by kind and name, ConfigMap values compared as JSON, Secret data and `checksum/*`
//! annotations (random per render) left aside, and lists keyed by name or mount path (volumes,
//! volumeMounts, env, httpHeaders) compared as sets, because Kubernetes does not read their order
//! and the chart interleaves its defaults where a post-renderer appends.

// The helpers below are test code too: a panic is how they report a failure.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use common::{documents, read_fixture, run, stdout_of, values_file};
use polyaxon_pr::stream::{FILENAME_ANNOTATION, HOOK_ANNOTATION, Stream};
use serde_json::{Value, json};

const SETS: [&str; 3] = ["gpu", "stores", "hosts-tz"];
const FORMS: [&str; 2] = ["helm3", "helm4"];

fn key(doc: &Value) -> (String, String) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (text(&doc["kind"]), text(&doc["metadata"]["name"]))
}

/// Documents by kind and name, normalised for comparison.
fn objects(docs: &[Value]) -> BTreeMap<(String, String), Value> {
    docs.iter()
        .map(|d| (key(d), normalise(d.clone())))
        .collect()
}

fn normalise(mut doc: Value) -> Value {
    if doc["kind"] == "Secret"
        && let Some(map) = doc.as_object_mut()
    {
        map.remove("data");
        map.remove("stringData");
    }
    if doc["kind"] == "ConfigMap"
        && let Some(data) = doc.get_mut("data").and_then(Value::as_object_mut)
    {
        for value in data.values_mut() {
            if let Some(parsed) = value
                .as_str()
                .and_then(|s| serde_json::from_str::<Value>(s).ok())
            {
                *value = parsed;
            }
        }
    }
    walk(&mut doc);
    doc
}

/// Drop `checksum/*` annotations and sort keyed lists, everywhere in the document.
fn walk(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(annotations)) = map.get_mut("annotations") {
                annotations.retain(|k, _| !k.starts_with("checksum/"));
            }
            for (field, key) in [
                ("volumes", "name"),
                ("volumeMounts", "mountPath"),
                ("env", "name"),
                ("httpHeaders", "name"),
            ] {
                if let Some(Value::Array(items)) = map.get_mut(field) {
                    items.sort_by(|a, b| a[key].as_str().cmp(&b[key].as_str()));
                }
            }
            map.values_mut().for_each(walk);
        }
        Value::Array(items) => items.iter_mut().for_each(walk),
        _ => {}
    }
}

// ---- the documented improvements, applied to the chart's own render -------------------------

/// Every container of every pod spec of the documents (mutable), with the document's name.
fn for_containers(docs: &mut [Value], mut f: impl FnMut(&str, &mut Value)) {
    for doc in docs {
        let name = doc["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let Some(spec) = doc.pointer_mut("/spec/template/spec") else {
            continue;
        };
        for c in spec
            .get_mut("containers")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            f(&name, c);
        }
    }
}

/// GPU library mounts are read-only.
fn gpu_mounts_read_only(docs: &mut [Value]) {
    for_containers(docs, |_, c| {
        for m in c
            .get_mut("volumeMounts")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if m["name"].as_str().is_some_and(|n| n.starts_with("nvidia-")) {
                m["readOnly"] = json!(true);
            }
        }
    });
}

/// `readOnly` of persistence entries is honoured.
fn read_only_honoured(docs: &mut [Value], values: &Value) {
    let read_only: Vec<String> = ["data", "outputs"]
        .iter()
        .filter_map(|k| values["persistence"][k].as_object())
        .flatten()
        .filter(|(_, e)| e["readOnly"] == true)
        .map(|(n, _)| n.clone())
        .collect();
    for_containers(docs, |_, c| {
        for m in c
            .get_mut("volumeMounts")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if read_only.iter().any(|n| m["name"] == n.as_str()) {
                m["readOnly"] = json!(true);
            }
        }
    });
}

/// One env entry per store secret: the chart's repeated identical entries collapse.
fn store_env_once(docs: &mut [Value], values: &Value) {
    let keys: Vec<Value> = values["persistence"]["outputs"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, e)| e.get("secretKey").cloned())
        .collect();
    for_containers(docs, |_, c| {
        let Some(env) = c.get_mut("env").and_then(Value::as_array_mut) else {
            return;
        };
        let mut seen = Vec::new();
        env.retain(|e| {
            if !keys.contains(&e["name"]) {
                return true;
            }
            let first = !seen.contains(e);
            seen.push(e.clone());
            first
        });
    });
}

/// Data entries without a store are mounted like outputs: api container and scheduler.
fn data_mounted(docs: &mut [Value], values: &Value) {
    let entries = values["persistence"]["data"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for doc in docs.iter_mut() {
        let name = doc["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let api = name.ends_with("-polyaxon-api");
        if doc["kind"] != "Deployment" || !(api || name.ends_with("-polyaxon-scheduler")) {
            continue;
        }
        let spec = doc.pointer_mut("/spec/template/spec").unwrap();
        for (entry, e) in entries.iter().filter(|(_, e)| e.get("store").is_none()) {
            let volume = match e.get("existingClaim") {
                Some(claim) => {
                    json!({"name": entry, "persistentVolumeClaim": {"claimName": claim}})
                }
                None => json!({"name": entry, "hostPath": {"path": e["hostPath"]}}),
            };
            spec["volumes"].as_array_mut().unwrap().push(volume);
            let mut mount = json!({"name": entry, "mountPath": e["mountPath"]});
            if e["readOnly"] == true {
                mount["readOnly"] = json!(true);
            }
            for c in spec["containers"].as_array_mut().unwrap() {
                if !api || c["name"] == "polyaxon-api" {
                    c["volumeMounts"]
                        .as_array_mut()
                        .unwrap()
                        .push(mount.clone());
                }
            }
        }
    }
}

/// `timeZone`: the ConfigMap keys `POLYAXON_TIME_ZONE` and `TZ` (which the hook Jobs load under
/// Helm 3), and `TZ` in every container loading the ConfigMap.
fn time_zone(docs: &mut [Value], values: &Value) {
    let Some(zone) = values["timeZone"].as_str() else {
        return;
    };
    for doc in docs.iter_mut() {
        if doc["kind"] == "ConfigMap" && doc["metadata"]["name"] == "polyaxon-polyaxon-config" {
            doc["data"]["POLYAXON_TIME_ZONE"] = json!(zone);
            doc["data"]["TZ"] = json!(zone);
        }
    }
    for_containers(docs, |_, c| {
        let loads = c["envFrom"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["configMapRef"]["name"] == "polyaxon-polyaxon-config");
        if loads {
            if c.get("env").is_none_or(Value::is_null) {
                c["env"] = json!([]);
            }
            c["env"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "TZ", "value": zone}));
        }
    });
}

fn values_of(set: &str) -> Value {
    serde_saphyr::from_str(&read_fixture(&format!("values/{set}.values.yaml"))).unwrap()
}

/// The chart's render with `set`, improved as documented.
fn expected(form: &str, set: &str) -> Vec<Value> {
    let values = values_of(set);
    let mut docs = documents(&read_fixture(&format!("{form}/{set}.yaml")));
    gpu_mounts_read_only(&mut docs);
    read_only_honoured(&mut docs, &values);
    store_env_once(&mut docs, &values);
    data_mounted(&mut docs, &values);
    time_zone(&mut docs, &values);
    docs
}

fn assert_same_objects(actual: &[Value], expected: &[Value], what: &str) {
    let actual = objects(actual);
    let expected = objects(expected);
    assert_eq!(
        actual.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{what}: documents"
    );
    for (k, want) in &expected {
        let got = &actual[k];
        assert!(
            got == want,
            "{what}: {k:?} differs\n--- got\n{}\n--- want\n{}",
            serde_json::to_string_pretty(got).unwrap(),
            serde_json::to_string_pretty(want).unwrap()
        );
    }
}

// ---- the tests ----------------------------------------------------------------------------------

/// Each values set injected into the render `input(form, set)` names gives the objects of the
/// chart rendered with that set (documented improvements applied).
fn assert_injected_as_rendered(input: fn(&str, &str) -> String, what: &str) {
    for form in FORMS {
        for set in SETS {
            let output = stdout_of(&["-f", &values_file(set)], read_fixture(&input(form, set)));
            assert_same_objects(
                &documents(&output),
                &expected(form, set),
                &format!("{form}/{set}{what}"),
            );
        }
    }
}

#[test]
fn values_injected_into_the_default_render_equal_the_chart_rendered_with_them() {
    assert_injected_as_rendered(|form, _| format!("{form}/defaults.yaml"), "");
}

#[test]
fn a_second_run_changes_nothing() {
    for form in FORMS {
        for set in SETS {
            let args = ["-f", &values_file(set)];
            let once = stdout_of(&args, read_fixture(&format!("{form}/defaults.yaml")));
            let twice = stdout_of(&args, &once);
            assert!(
                once == twice,
                "{form}/{set}: the second run changed the stream"
            );
        }
    }
}

#[test]
fn the_charts_own_render_only_gets_the_documented_improvements() {
    assert_injected_as_rendered(|form, set| format!("{form}/{set}.yaml"), " on itself");
}

#[test]
fn untouched_documents_are_byte_identical_and_keep_their_annotations() {
    for form in FORMS {
        for set in SETS {
            let input = read_fixture(&format!("{form}/defaults.yaml"));
            let output = stdout_of(&["-f", &values_file(set)], &input);
            let (before, after) = (
                Stream::read(&input).unwrap(),
                Stream::read(&output).unwrap(),
            );
            assert_eq!(before.docs.len(), after.docs.len());
            let mut untouched = 0;
            for (b, a) in before.docs.iter().zip(&after.docs) {
                let (bv, av) = (b.value().unwrap(), a.value().unwrap());
                if bv == av {
                    assert_eq!(
                        b.raw(),
                        a.raw(),
                        "{form}/{set}: unchanged document rewritten"
                    );
                    untouched += 1;
                }
                let annotation = |v: Option<&Value>, name: &str| {
                    v.and_then(|v| v.pointer("/metadata/annotations"))
                        .and_then(|a| a.get(name))
                        .cloned()
                };
                for name in [FILENAME_ANNOTATION, HOOK_ANNOTATION] {
                    assert_eq!(
                        annotation(bv, name),
                        annotation(av, name),
                        "{form}/{set}: {name}"
                    );
                }
            }
            assert!(
                untouched > 10,
                "{form}/{set}: only {untouched} documents untouched"
            );
        }
    }
}

#[test]
fn helm4_hook_jobs_get_core_scheduling_and_keep_their_hook_annotations() {
    let output = stdout_of(
        &["-f", &values_file("hosts-tz")],
        read_fixture("helm4/defaults.yaml"),
    );
    let jobs: Vec<Value> = documents(&output)
        .into_iter()
        .filter(|d| d["kind"] == "Job")
        .collect();
    assert_eq!(jobs.len(), 7);
    for job in &jobs {
        assert!(
            job["metadata"]["annotations"][HOOK_ANNOTATION].is_string(),
            "{}",
            job["metadata"]["name"]
        );
        let spec = &job["spec"]["template"]["spec"];
        assert_eq!(spec["nodeSelector"], json!({"polyaxon": "core"}));
        assert_eq!(spec["tolerations"][0]["value"], "core");
    }
}

#[test]
fn no_values_means_byte_identical_output() {
    for form in FORMS {
        let input = read_fixture(&format!("{form}/defaults.yaml"));
        assert!(stdout_of(&[], &input) == input);
        assert!(stdout_of(&["-f", &values_file("defaults")], &input) == input);
    }
}

#[test]
fn checksum_config_follows_the_changed_config_map() {
    let output = stdout_of(
        &["-f", &values_file("hosts-tz")],
        read_fixture("helm3/defaults.yaml"),
    );
    let stream = Stream::read(&output).unwrap();
    let cm = stream
        .docs
        .iter()
        .find(|d| {
            d.value().unwrap().is_some_and(|v| {
                v["kind"] == "ConfigMap" && v["metadata"]["name"] == "polyaxon-polyaxon-config"
            })
        })
        .unwrap();
    // The hash is of the ConfigMap's value in canonical form (the full serialisation), not of
    // its minimally edited text: formatting never rolls pods, and hashes match earlier releases.
    let yaml = polyaxon_pr::stream::emit::to_yaml(cm.value().unwrap().unwrap()).unwrap();
    assert!(
        !cm.raw().contains(&yaml),
        "the ConfigMap is written as a minimal edit, not re-serialised"
    );
    let hash = polyaxon_pr::apply::sha256_hex(&yaml);
    let api = documents(&output)
        .into_iter()
        .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "polyaxon-polyaxon-api")
        .unwrap();
    assert_eq!(
        api["metadata"]["annotations"]["checksum/config"],
        hash.as_str()
    );
    assert_eq!(
        api["spec"]["template"]["metadata"]["annotations"]["checksum/config"],
        hash.as_str()
    );
}

#[test]
fn a_workload_that_cannot_name_the_changed_config_map_is_not_parsed() {
    // Issue 7: documents nothing can touch cost no full parse, not even when the ConfigMap
    // changes and every workload's `checksum/config` is looked at. This one does not parse: were
    // it read, the run would fail; it passes through byte for byte.
    let broken = "---\n# Source: extra/templates/broken.yaml\napiVersion: apps/v1\nkind: Deployment\n\
                  metadata:\n  name: unrelated\nspec:\n  template: {spec: [unclosed\n";
    let mut input = read_fixture("helm3/defaults.yaml");
    input.push_str(broken);
    let output = stdout_of(&["-f", &values_file("hosts-tz")], &input);
    assert!(output.ends_with(broken));
    assert!(output.contains("checksum/config"));
    // One that names it is read, and its syntax error reported.
    let named = broken.replace("[unclosed", "[polyaxon-polyaxon-config");
    let mut input = read_fixture("helm3/defaults.yaml");
    input.push_str(&named);
    let run = run(&["-f", &values_file("hosts-tz")], input.as_bytes());
    assert_eq!(run.code(), Some(2), "{}", run.stderr());
    assert!(run.stdout().is_empty());
    assert!(
        run.stderr().contains("extra/templates/broken.yaml"),
        "{}",
        run.stderr()
    );
}

#[test]
fn conflicts_fail_with_nothing_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let conflicting = dir.path().join("conflict.yaml");
    std::fs::write(&conflicting, "persistence:\n  outputs:\n    logs:\n      hostPath: /elsewhere\n      mountPath: /mnt/logs\n").unwrap();
    let out = run(
        &["-f", conflicting.to_str().unwrap()],
        read_fixture("helm3/defaults.yaml"),
    );
    assert_eq!(out.code(), Some(1));
    assert!(out.stdout().is_empty());
    let stderr = out.stderr();
    assert!(stderr.contains("persistence.outputs.logs"), "{stderr}");
    assert!(
        stderr.contains("polyaxon/templates/api-deployment.yaml"),
        "{stderr}"
    );

    let out = run(
        &[
            "-f",
            &values_file("gpu"),
            "--profile",
            "/nonexistent/profile.yaml",
        ],
        read_fixture("helm3/defaults.yaml"),
    );
    assert_eq!(out.code(), Some(2));
    assert!(out.stdout().is_empty());
}

#[test]
fn strict_turns_the_charts_duplicate_env_into_an_error() {
    let out = run(
        &["-f", &values_file("gpu"), "--strict"],
        read_fixture("helm3/defaults.yaml"),
    );
    assert_eq!(out.code(), Some(1));
    assert!(out.stdout().is_empty());
    assert!(out.stderr().contains("POLYAXON_K8S_NODE_NAME"));
}

#[test]
fn explain_names_the_parameter_behind_each_operation() {
    let out = run(
        &["-f", &values_file("gpu"), "--explain"],
        read_fixture("helm3/defaults.yaml"),
    );
    assert!(out.success());
    let stderr = out.stderr();
    assert!(
        stderr.contains(
            "# Deployment polyaxon-polyaxon-api (polyaxon/templates/api-deployment.yaml)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("\"readOnly\":true}  <- dirs.nvidia.lib"),
        "{stderr}"
    );
    assert!(stderr.contains("<- checksum/config"), "{stderr}");
}

#[test]
fn diff_prints_a_unified_diff() {
    let out = run(
        &["diff", "-f", &values_file("gpu")],
        read_fixture("helm3/defaults.yaml"),
    );
    assert!(out.success());
    let stdout = out.stdout_text();
    assert!(
        stdout.starts_with("--- rendered\n+++ post-rendered\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+        - name: nvidia-lib")
            || stdout.contains("+  - name: nvidia-lib")
            || stdout.contains("name: nvidia-lib"),
        "{stdout}"
    );
}

#[test]
fn the_nfs_provisioner_gets_core_scheduling_and_its_claim_templates_count_as_volumes() {
    let out = run(
        &["-f", &values_file("hosts-tz"), "--strict"],
        read_fixture("helm3/nfs.yaml"),
    );
    let stderr = out.stderr();
    assert!(!stderr.contains("nfs"), "{stderr}");
    let output = stdout_of(
        &["-f", &values_file("hosts-tz")],
        read_fixture("helm3/nfs.yaml"),
    );
    let nfs = documents(&output)
        .into_iter()
        .find(|d| d["kind"] == "StatefulSet")
        .unwrap();
    let spec = &nfs["spec"]["template"]["spec"];
    assert_eq!(spec["nodeSelector"], json!({"polyaxon": "core"}));
    assert_eq!(spec["tolerations"][0]["value"], "core");
}

/// Helm 4's `separate` strategy (used by SDK callers such as Flux) post-renders the hooks alone:
/// no ConfigMap arrives, and the hook Jobs must still get the core scheduling.
#[test]
fn helm4_separate_strategy_hooks_alone_still_get_core_scheduling() {
    let text = read_fixture("helm4/defaults.yaml");
    let stream = Stream::read(&text).unwrap();
    let hooks: String = stream
        .docs
        .iter()
        .filter(|d| d.meta().unwrap().is_some_and(|m| m.is_hook()))
        .map(|d| d.raw())
        .collect();
    let output = run(&["-f", &values_file("hosts-tz")], &hooks);
    let stderr = output.stderr();
    assert!(output.success(), "{stderr}");
    assert!(!stderr.contains("has no effect"), "{stderr}");
    let jobs = documents(output.stdout_utf8());
    assert_eq!(jobs.len(), 7);
    for job in &jobs {
        let spec = &job["spec"]["template"]["spec"];
        assert_eq!(spec["nodeSelector"], json!({"polyaxon": "core"}));
    }
}

/// On a foreign stream the GPU values go to every container that uses `nvidia.com/gpu`; a
/// workload whose text cannot name the resource is not parsed (a broken one passes through).
#[test]
fn a_foreign_stream_gets_gpu_volumes_without_parsing_the_workloads_that_use_no_gpu() {
    let gpu = [
        "---",
        "# Source: other/templates/train.yaml",
        "apiVersion: batch/v1",
        "kind: Job",
        "metadata:",
        "  name: train",
        "spec:",
        "  template:",
        "    spec:",
        "      containers:",
        "      - name: c",
        "        image: x",
        "        resources:",
        "          limits:",
        "            nvidia.com/gpu: 1",
        "",
    ]
    .join("\n");
    let broken = "---\n# Source: other/templates/web.yaml\napiVersion: apps/v1\nkind: Deployment\n\
                  metadata:\n  name: web\nspec:\n  template: {spec: [unclosed\n";
    let stream = format!("{gpu}{broken}");
    let out = run(&["-f", &values_file("gpu")], stream.as_bytes());
    let stderr = out.stderr();
    assert!(out.success(), "{stderr}");
    let output = out.stdout_utf8();
    assert!(output.ends_with(broken), "{output}");
    let job = &documents(&output[..output.len() - broken.len()])[0];
    let mounts = &job["spec"]["template"]["spec"]["containers"][0]["volumeMounts"];
    assert!(mounts.as_array().is_some_and(|m| !m.is_empty()), "{job}");
    // The same broken workload naming the resource is read, and its error reported.
    let named = broken.replace("[unclosed", "[nvidia.com/gpu");
    let out = run(
        &["-f", &values_file("gpu")],
        format!("{gpu}{named}").as_bytes(),
    );
    assert_eq!(out.code(), Some(2), "{}", out.stderr());
    assert!(
        out.stderr().contains("other/templates/web.yaml"),
        "{}",
        out.stderr()
    );
}

/// On a stream that is not the Polyaxon chart only the GPU parameters apply; every other value
/// the user set is named in a warning instead of being ignored silently, and `--strict` fails.
#[test]
fn values_without_effect_on_a_foreign_stream_are_warned_about() {
    let stream = "---\n# Source: other/templates/d.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: x\n";
    let out = run(&["--set", "timeZone=UTC"], stream);
    let stderr = out.stderr();
    assert!(out.success(), "{stderr}");
    assert!(
        stderr.contains("--set #1:1: timeZone: has no effect on this stream"),
        "{stderr}"
    );
    assert_eq!(out.stdout_utf8(), stream);
    let strict = run(&["--strict", "--set", "timeZone=UTC"], stream);
    assert_eq!(strict.code(), Some(1));
    assert!(strict.stdout().is_empty());
}

/// Helm 3 never post-renders the hook Jobs, and chart 0.4.2 reads only `nodeSelectors`: with the
/// reference's spelling alone, a Helm 3 post-render says the hooks go without it (and `--strict`
/// fails, the only way Helm 3 shows it); a Helm 4 stream, whose hooks it edits, does not.
#[test]
fn helm3_streams_warn_that_hooks_miss_the_references_node_selector() {
    let reference = ["--set", "nodeSelector.core.pool=core"];
    let helm3 = read_fixture("helm3/defaults.yaml");
    let out = run(&reference, &helm3);
    assert!(out.success(), "{}", out.stderr());
    assert!(
        out.stderr()
            .contains("under Helm 3 the chart's hook Jobs will not get nodeSelector.core"),
        "{}",
        out.stderr()
    );
    let strict = run(&["--strict", reference[0], reference[1]], &helm3);
    assert_eq!(strict.code(), Some(1), "{}", strict.stderr());
    assert!(strict.stdout().is_empty());

    let helm4 = run(&reference, read_fixture("helm4/defaults.yaml"));
    assert!(helm4.success(), "{}", helm4.stderr());
    assert!(!helm4.stderr().contains("hook Jobs"), "{}", helm4.stderr());

    // The chart's spelling reaches the hooks through the chart itself: nothing to say.
    let chart = run(&["--set", "nodeSelectors.core.pool=core"], &helm3);
    assert!(chart.success(), "{}", chart.stderr());
    assert!(!chart.stderr().contains("hook Jobs"), "{}", chart.stderr());
}

/// `timeZone` is also the ConfigMap key `TZ`: the hook Jobs load the ConfigMap with `envFrom`,
/// and under Helm 3 that is the only way the zone reaches them.
#[test]
fn time_zone_is_a_config_map_key_for_the_hooks() {
    let output = stdout_of(
        &["--set", "timeZone=Europe/Berlin"],
        read_fixture("helm3/defaults.yaml"),
    );
    let docs = documents(&output);
    let cm = docs
        .iter()
        .find(|d| d["kind"] == "ConfigMap" && d["metadata"]["name"] == "polyaxon-polyaxon-config")
        .expect("the config ConfigMap");
    assert_eq!(cm["data"]["TZ"], "Europe/Berlin");
    assert_eq!(cm["data"]["POLYAXON_TIME_ZONE"], "Europe/Berlin");
}
