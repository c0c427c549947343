//! `polyaxon-pr export kustomize` through the built binary, on real renders of Polyaxon chart
//! 0.4.2: applying the exported patches to their targets (as kustomize does, RFC 6902) must give
//! the objects the post-renderer writes. The end-to-end tests do the same with the real kustomize.

// Test code: a panic is how a helper reports a failure, and the binary's stderr is shown for it.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use polyaxon_pr::stream::Stream;
use serde_json::Value;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/polyaxon-0.4.2")
        .join(rel)
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_polyaxon-pr"))
        .args(args)
        .env_remove("HELM_PLUGIN_NAME")
        .env_remove("POLYAXON_PR_VALUES")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    eprintln!(
        "polyaxon-pr {args:?}: {}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success());
    output
}

fn objects(text: &str) -> Vec<Value> {
    let stream = Stream::read(text).unwrap();
    stream
        .docs
        .iter()
        .filter_map(|doc| doc.value().unwrap().cloned())
        .collect()
}

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
    let stream = std::fs::read_to_string(fixture(stream_rel)).unwrap();
    let files: Vec<String> = values
        .iter()
        .map(|set| {
            fixture(&format!("values/{set}.values.yaml"))
                .display()
                .to_string()
        })
        .collect();
    let mut args: Vec<&str> = Vec::new();
    for file in &files {
        args.extend(["-f", file.as_str()]);
    }
    let post_rendered = run(&args, &stream);
    let mut export_args = vec!["export", "kustomize"];
    export_args.extend(&args);
    let exported = String::from_utf8(run(&export_args, &stream).stdout).unwrap();

    let mut patched = objects(&stream);
    let matched = apply(&exported, &mut patched);
    assert!(!matched.is_empty(), "nothing exported:\n{exported}");
    assert!(matched.iter().all(|&n| n == 1), "{matched:?}");
    assert_eq!(
        patched,
        objects(&String::from_utf8(post_rendered.stdout).unwrap())
    );
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
    let stream = std::fs::read_to_string(fixture("helm4/defaults.yaml")).unwrap();
    let values = fixture("values/hosts-tz.values.yaml");
    let exported = run(
        &["export", "kustomize", "-f", values.to_str().unwrap()],
        &stream,
    );
    let text = String::from_utf8(exported.stdout).unwrap();
    let header: String = text.lines().take_while(|l| l.starts_with('#')).collect();
    assert!(header.contains("Not exported (Helm hooks"), "{header}");
    let doc = polyaxon_pr::stream::parse_one(&text, 1).unwrap();
    for entry in doc["patches"].as_array().unwrap() {
        assert_ne!(entry["target"]["kind"], "Job", "{entry}");
    }
}
