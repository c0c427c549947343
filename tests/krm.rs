//! `polyaxon-pr krm` through the built binary, against the KRM Functions Specification
//! (kubernetes-sigs/kustomize, `cmd/config/docs/api-conventions/functions-spec.md`): a
//! `ResourceList` (or any `List`) in, the same kind out with the items changed and findings in
//! `results`, YAML and JSON input, non-zero exit on failure. The injection must equal the
//! post-renderer's on the same documents (real renders of Polyaxon chart 0.4.2).

// Test code: a panic is how a helper reports a failure.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Run, documents, read_fixture, run, values_file};
use serde_json::{Value, json};

fn stdout_value(output: &Run) -> Value {
    polyaxon_pr::stream::parse_one(output.stdout_utf8(), 1).unwrap()
}

fn helm3_defaults() -> String {
    read_fixture("helm3/defaults.yaml")
}

fn gpu_values() -> String {
    read_fixture("values/gpu.values.yaml")
}

fn resource_list(items: Vec<Value>, function_config: Value) -> Value {
    json!({
        "apiVersion": "config.kubernetes.io/v1",
        "kind": "ResourceList",
        "items": items,
        "functionConfig": function_config,
    })
}

fn values_config_map(values: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "polyaxon-values"},
        "data": {"values": values},
    })
}

#[test]
fn krm_injects_what_the_post_renderer_injects_from_json_input() {
    let stream = helm3_defaults();
    let gpu = values_file("gpu");
    let post_rendered = run(&["-f", &gpu], &stream);
    assert!(post_rendered.success(), "{post_rendered}");
    let expected = documents(post_rendered.stdout_utf8());

    let input = resource_list(documents(&stream), values_config_map(&gpu_values()));
    let output = run(&["krm"], serde_json::to_string(&input).unwrap());
    assert!(output.success(), "{output}");
    let list = stdout_value(&output);
    assert_eq!(list["apiVersion"], "config.kubernetes.io/v1");
    assert_eq!(list["kind"], "ResourceList");
    assert_eq!(list["items"], Value::Array(expected));
    assert_eq!(list["functionConfig"], input["functionConfig"]);
}

#[test]
fn krm_reads_a_values_map_function_config_from_yaml_input() {
    let input = "\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
functionConfig:
  apiVersion: polyaxon-pr.example/v1
  kind: PolyaxonValues
  metadata:
    name: values
  values:
    timeZone: Europe/Berlin
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: polyaxon-polyaxon-config
    labels: {app: polyaxon-polyaxon, type: polyaxon-core, role: polyaxon-config}
    annotations:
      config.kubernetes.io/index: '0'
      internal.config.kubernetes.io/path: polyaxon/cm.yaml
  data:
    POLYAXON_K8S_NAMESPACE: polyaxon
";
    let output = run(&["krm"], input);
    assert!(output.success(), "{output}");
    let list = stdout_value(&output);
    let item = &list["items"][0];
    assert_eq!(item["data"]["POLYAXON_TIME_ZONE"], "Europe/Berlin");
    assert_eq!(item["data"]["POLYAXON_K8S_NAMESPACE"], "polyaxon");
    // The orchestrator's annotations are kept (the spec lets functions change them; we do not).
    assert_eq!(
        item["metadata"]["annotations"]["internal.config.kubernetes.io/path"],
        "polyaxon/cm.yaml"
    );
    assert_eq!(
        item["metadata"]["annotations"]["config.kubernetes.io/index"],
        "0"
    );
}

#[test]
fn krm_failure_exits_non_zero_and_still_writes_the_list_with_located_results() {
    let bad = "apiHost: polyaxon.example.com\ntimeZone: Mars/Olympus_Mons\n";
    let items = documents(&helm3_defaults());
    let input = resource_list(items.clone(), values_config_map(bad));
    let output = run(&["krm"], serde_json::to_string(&input).unwrap());
    assert_eq!(output.code(), Some(1), "{output}");
    let list = stdout_value(&output);
    assert_eq!(
        list["items"],
        Value::Array(items),
        "items must be left as they were"
    );
    let results = list["results"].as_array().unwrap();
    let error = results.iter().find(|r| r["severity"] == "error").unwrap();
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("functionConfig data.values:2:"),
        "{message}"
    );
    assert_eq!(error["field"]["path"], "timeZone");
    let stderr = output.stderr();
    assert!(
        stderr.contains("timeZone"),
        "errors also go to stderr: {stderr}"
    );
}

#[test]
fn krm_takes_a_plain_v1_list_and_values_from_the_command_line() {
    let gpu = values_file("gpu");
    let input = json!({"apiVersion": "v1", "kind": "List", "items": documents(&helm3_defaults())});
    let output = run(&["krm", "-f", &gpu], serde_json::to_string(&input).unwrap());
    assert!(output.success(), "{output}");
    let list = stdout_value(&output);
    assert_eq!(list["kind"], "List");
    assert!(list.get("functionConfig").is_none());
    let api = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| {
            item["kind"] == "Deployment" && item["metadata"]["name"] == "polyaxon-polyaxon-api"
        })
        .unwrap();
    let volumes = api["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .unwrap();
    assert!(
        volumes.iter().any(|v| v["name"] == "nvidia-lib"),
        "{volumes:?}"
    );
}

#[test]
fn krm_rejects_input_that_is_not_a_list() {
    let output = run(
        &["krm"],
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    );
    assert_eq!(output.code(), Some(2), "{output}");
    assert!(output.stdout().is_empty(), "{output}");
    assert!(
        output.stderr().contains("expected a ResourceList"),
        "{output}"
    );
}
