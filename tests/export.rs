//! `polyaxon-pr export kustomize` through the built binary, on real renders of Polyaxon chart
//! 0.4.2: applying the exported patches to their targets (as kustomize does, RFC 6902) must give
//! the objects the post-renderer writes. The end-to-end tests do the same with the real kustomize.

// Test code: a panic is how a helper reports a failure.
#![allow(clippy::unwrap_used)]

mod common;

use common::{documents, read_fixture, stdout_of, values_file};
use serde_json::Value;

/// Whether a kustomize patch target selects the object.
fn selects(target: &Value, object: &Value) -> bool {
    let api_version = match target["group"].as_str() {
        Some(group) => format!("{group}/{}", target["version"].as_str().unwrap()),
        None => target["version"].as_str().unwrap().to_string(),
    };
    object["apiVersion"] == api_version.as_str()
        && object["kind"] == target["kind"]
        && object["metadata"]["name"] == target["name"]
        && (target["namespace"].is_null() || object["metadata"]["namespace"] == target["namespace"])
}

/// Apply the exported patches to `objects` as kustomize does: each patch to every object its
/// target selects. Returns how many objects each patch matched.
fn apply(patches_yaml: &str, objects: &mut [Value]) -> Vec<usize> {
    let doc = polyaxon_pr::stream::parse_one(patches_yaml, 1).unwrap();
    let mut matched = Vec::new();
    for entry in doc["patches"].as_array().unwrap() {
        let ops = polyaxon_pr::stream::parse_one(entry["patch"].as_str().unwrap(), 1).unwrap();
        let patch: json_patch::Patch = serde_json::from_value(ops).unwrap();
        let mut count = 0;
        for object in objects.iter_mut().filter(|o| selects(&entry["target"], o)) {
            json_patch::patch(object, &patch).unwrap();
            count += 1;
        }
        matched.push(count);
    }
    matched
}

fn export_and_compare(stream_rel: &str, values: &[&str]) {
    let stream = read_fixture(stream_rel);
    let files: Vec<String> = values.iter().map(|set| values_file(set)).collect();
    let mut args: Vec<&str> = Vec::new();
    for file in &files {
        args.extend(["-f", file.as_str()]);
    }
    let post_rendered = stdout_of(&args, &stream);
    let mut export_args = vec!["export", "kustomize"];
    export_args.extend(&args);
    let exported = stdout_of(&export_args, &stream);

    let mut patched = documents(&stream);
    let matched = apply(&exported, &mut patched);
    assert!(!matched.is_empty(), "nothing exported:\n{exported}");
    assert!(matched.iter().all(|&n| n == 1), "{matched:?}");
    assert_eq!(patched, documents(&post_rendered));
}

#[test]
fn exported_patches_give_the_post_rendered_objects_for_gpu_values() {
    export_and_compare("helm3/defaults.yaml", &["gpu"]);
}

#[test]
fn exported_patches_give_the_post_rendered_objects_for_stores_and_hosts() {
    export_and_compare("helm3/defaults.yaml", &["stores", "hosts-tz"]);
}

#[test]
fn hooks_in_a_helm4_stream_are_listed_and_not_exported() {
    let stream = read_fixture("helm4/defaults.yaml");
    let values = values_file("hosts-tz");
    let text = stdout_of(&["export", "kustomize", "-f", &values], &stream);
    let header: String = text.lines().take_while(|l| l.starts_with('#')).collect();
    assert!(header.contains("Not exported (Helm hooks"), "{header}");
    let doc = polyaxon_pr::stream::parse_one(&text, 1).unwrap();
    for entry in doc["patches"].as_array().unwrap() {
        assert_ne!(entry["target"]["kind"], "Job", "{entry}");
    }
}
