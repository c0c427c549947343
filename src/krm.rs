//! KRM function mode (`polyaxon-pr krm`): the same injection for kustomize and kpt exec
//! functions, which exchange a `ResourceList` instead of a Helm stream.
//!
//! Per the KRM Functions Specification (kubernetes-sigs/kustomize,
//! `cmd/config/docs/api-conventions/functions-spec.md`), the input is a `ResourceList` (or any
//! `List`) of `items` and an optional `functionConfig`; the output is the same list with the items
//! changed and the findings in `results`, written even when the run fails (exit non-zero) so the
//! orchestrator can show them. The values come from `-f` files, then from the functionConfig: a
//! ConfigMap whose `data.values` is a values file's text, or any object with a `values` (or
//! `spec.values`) map. Items keep their order; unchanged ones are left as they were, except for
//! their comments (the list is re-serialised as one document).

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::driver::View;
use crate::error::{Error, Result};
use crate::profile::ChartProfile;
use crate::report::{Finding, Origin};
use crate::stream::{self, Stream, emit};
use crate::validate;
use crate::values::{Source, Values};

/// The findings' label of functionConfig values (every such label starts with `functionConfig`).
pub const CONFIG_VALUES_LABEL: &str = "functionConfig.values";

/// What a KRM run produced: the list to write to stdout, and whether the run failed.
#[derive(Debug)]
pub struct KrmOutput {
    pub text: String,
    pub failed: bool,
    pub findings: Vec<Finding>,
    /// With `explain`, each patch operation and the parameter behind it (for stderr).
    pub explained: Option<String>,
}

/// The command line's part of a KRM run: its values, the overlay files, and what to report.
pub struct Settings<'a> {
    pub sources: Vec<Source>,
    pub sets: crate::values::Sets,
    pub profile: &'a ChartProfile,
    /// `--overlays`: their rules apply after the built-in injection, as for the post-renderer.
    pub overlays: &'a [PathBuf],
    pub strict: bool,
    /// `--explain`: describe each change in [`KrmOutput::explained`].
    pub explain: bool,
}

pub fn run(input: &str, settings: Settings<'_>) -> Result<KrmOutput> {
    let mut list = parse_list(input)?;
    let mut sources = settings.sources;
    sources.extend(config_values(&list["functionConfig"])?);
    let (values, mut findings) = Values::from_sources(&sources, &settings.sets)?;
    findings.extend(validate::validate(&values));
    let (overlays, overlay_findings) = crate::overlay::load(settings.overlays, &values.root)?;
    findings.extend(overlay_findings);
    let mut findings = validate::sorted(findings);
    let strict = settings.strict;
    let mut explained = None;
    let mut failed = crate::report::fails(&findings, strict);
    if !failed {
        match inject_items(&mut list, &values, settings.profile, &overlays, strict) {
            Ok((more, explanation)) => {
                findings.extend(more);
                explained = settings.explain.then_some(explanation);
            }
            Err(Error::Validation { findings: more, .. }) => {
                findings.extend(more);
                failed = true;
            }
            Err(err) => return Err(err),
        }
    }
    set_results(&mut list, &findings);
    Ok(KrmOutput {
        text: emit::to_yaml(&list)?,
        failed,
        findings,
        explained,
    })
}

/// The input list: a YAML (or JSON) object of a `List` kind with an `items` sequence.
fn parse_list(input: &str) -> Result<Value> {
    // One YAML document for the whole package: bounded as a list, not as one object.
    let list = stream::parse_large(input, 1, stream::MAX_LIST_NODES)
        .map_err(|e| Error::input(format!("stdin: the ResourceList: {e}")))?;
    let kind = list["kind"].as_str().unwrap_or_default();
    if !kind.ends_with("List") {
        return Err(Error::input(format!(
            "stdin: expected a ResourceList (KRM function input), got kind {:?}; run \
             `polyaxon-pr krm` from kustomize or kpt, or pipe a ResourceList in",
            kind
        )));
    }
    match &list["items"] {
        Value::Array(_) | Value::Null => Ok(list),
        _ => Err(Error::input(
            "stdin: the ResourceList's items is not a list",
        )),
    }
}

/// The values a functionConfig carries, as a values source.
fn config_values(config: &Value) -> Result<Option<Source>> {
    if config["kind"] == "ConfigMap" {
        return Ok(config["data"]["values"].as_str().map(|text| Source {
            label: "functionConfig data.values".to_string(),
            text: text.to_string(),
        }));
    }
    let values = match (&config["values"], &config["spec"]["values"]) {
        (Value::Object(map), _) | (Value::Null, Value::Object(map)) => map,
        (Value::Null, Value::Null) => return Ok(None),
        _ => {
            return Err(Error::input(
                "functionConfig: `values` must be a map of Polyaxon values",
            ));
        }
    };
    Ok(Some(Source {
        label: CONFIG_VALUES_LABEL.to_string(),
        text: emit::to_yaml(&Value::Object(values.clone()))?,
    }))
}

/// Inject into the list's items in place; the warnings that did not fail the run, and the
/// `--explain` text of the changes. The items become a stream (each written as a document, its
/// value dropped, and read back at the end), so the package is held once, not twice.
fn inject_items(
    list: &mut Value,
    values: &Values,
    profile: &ChartProfile,
    overlays: &crate::overlay::Overlays,
    strict: bool,
) -> Result<(Vec<Finding>, String)> {
    let Some(items) = list["items"].as_array_mut() else {
        return Ok(Default::default());
    };
    let count = items.len();
    let mut text = String::new();
    for item in std::mem::take(items) {
        text.push_str("---\n");
        text.push_str(&emit::to_yaml(&item)?);
    }
    // The items as the stream the post-renderer reads, through the same driver.
    let injected = crate::driver::read(&mut text.as_bytes(), crate::driver::window_bytes()?)
        .and_then(|mut spool| {
            spool.index(true, Some(profile), Some(overlays))?;
            spool.inject(values, profile, overlays, strict, true, View::Stream)
        });
    let injected = match injected {
        Ok(injected) => injected,
        Err(err) => {
            // The list is written with its results even so: its items as they came.
            *items = read_items(&text)?;
            return Err(err);
        }
    };
    let mut output = Vec::new();
    let mut explained = Vec::new();
    injected
        .output_to(&mut output)
        .and_then(|()| injected.explain_to(&mut explained))
        .map_err(|e| Error::io("cannot hold the injected items", e))?;
    let output = String::from_utf8(output)
        .map_err(|e| Error::input(format!("internal: the injected items are not UTF-8: {e}")))?;
    *items = read_items(&output)?;
    if items.len() != count {
        return Err(Error::input(format!(
            "the ResourceList's {count} items read back as {} documents",
            items.len()
        )));
    }
    Ok((
        injected.findings,
        String::from_utf8_lossy(&explained).into_owned(),
    ))
}

fn read_items(text: &str) -> Result<Vec<Value>> {
    let mut stream = Stream::read(text)?;
    let mut items = Vec::with_capacity(stream.docs.len());
    for doc in stream.docs.iter_mut() {
        doc.value()?;
        items.push(doc.take_value().unwrap_or(Value::Null));
    }
    Ok(items)
}

/// `results`: one entry per finding, in the shape kustomize and kpt read.
fn set_results(list: &mut Value, findings: &[Finding]) {
    let Some(map) = list.as_object_mut() else {
        return;
    };
    if findings.is_empty() {
        map.shift_remove("results");
        return;
    }
    let results = findings.iter().map(result).collect();
    map.insert("results".to_string(), Value::Array(results));
}

fn result(finding: &Finding) -> Value {
    let mut message = String::new();
    // Writing to a String cannot fail.
    let _ = finding.write_text(&mut message, "  ");
    let mut entry = json!({"message": message, "severity": finding.severity.as_str()});
    if !finding.path.is_empty() {
        entry["field"] = json!({ "path": finding.path });
    }
    // Only a real file: `file.path` names a file of the package to orchestrators.
    if let Origin::File { file, .. } = &finding.origin
        && !file.starts_with("functionConfig")
    {
        entry["file"] = json!({ "path": file });
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(profile: &ChartProfile) -> Settings<'_> {
        Settings {
            sources: Vec::new(),
            sets: Default::default(),
            profile,
            overlays: &[],
            strict: false,
            explain: false,
        }
    }

    fn run_on(input: &str) -> KrmOutput {
        let profile = ChartProfile::builtin().unwrap();
        run(input, settings(&profile)).unwrap()
    }

    fn output_list(output: &KrmOutput) -> Value {
        stream::parse_one(&output.text, 1).unwrap()
    }

    #[test]
    fn a_list_without_function_config_comes_back_unchanged() {
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n\
                     - apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: other\n";
        let output = run_on(input);
        assert!(!output.failed);
        let list = output_list(&output);
        assert_eq!(list["kind"], "ResourceList");
        assert_eq!(list["items"][0]["metadata"]["name"], "other");
        assert!(list.get("results").is_none());
    }

    #[test]
    fn invalid_values_fail_with_located_results() {
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n\
                     functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    \
                     name: polyaxon-values\n  data:\n    values: |\n      apiHost: a.example.com\n      \
                     timeZone: Mars/Olympus_Mons\n";
        let output = run_on(input);
        assert!(output.failed);
        let list = output_list(&output);
        let results = list["results"].as_array().unwrap();
        let error = results.iter().find(|r| r["severity"] == "error").unwrap();
        let message = error["message"].as_str().unwrap();
        assert!(
            message.contains("functionConfig data.values:2:"),
            "{message}"
        );
        assert_eq!(error["field"]["path"], "timeZone");
        assert!(
            error.get("file").is_none(),
            "the functionConfig is not a package file"
        );
    }

    #[test]
    fn a_values_map_is_read_from_any_function_config() {
        let config = json!({"kind": "PolyaxonValues", "values": {"timeZone": "Mars/Olympus"}});
        let source = config_values(&config).unwrap().unwrap();
        assert_eq!(source.label, CONFIG_VALUES_LABEL);
        assert_eq!(source.text, "timeZone: Mars/Olympus\n");
        let nested = json!({"kind": "X", "spec": {"values": {"apiHost": "h"}}});
        assert_eq!(
            config_values(&nested).unwrap().unwrap().text,
            "apiHost: h\n"
        );
        assert!(config_values(&json!({"kind": "X", "values": [1]})).is_err());
        assert!(config_values(&json!({"kind": "X"})).unwrap().is_none());
    }

    /// A run that fails in the injection still writes every item, as it came, with the results.
    #[test]
    fn a_failed_injection_writes_the_items_unchanged() {
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n\
                     - {apiVersion: v1, kind: ConfigMap, metadata: {name: first}}\n\
                     - apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    \
                     containers:\n    - name: c\n      resources: {limits: {nvidia.com/gpu: 1}}\n      \
                     env: [{name: LD_LIBRARY_PATH, value: /other}]\n\
                     functionConfig:\n  kind: PolyaxonValues\n  values:\n    dirs:\n      \
                     nvidia: {lib: /usr/lib/nvidia, bin: /usr/bin/nvidia, libcuda: /usr/lib/libcuda.so.1}\n";
        let output = run_on(input);
        assert!(output.failed, "{output:?}");
        let list = output_list(&output);
        assert_eq!(list["items"][0]["metadata"]["name"], "first");
        let container = &list["items"][1]["spec"]["containers"][0];
        assert_eq!(container["env"][0]["value"], "/other");
        assert!(container.get("volumeMounts").is_none(), "{container}");
        assert!(list["results"].as_array().is_some_and(|r| !r.is_empty()));
    }

    #[test]
    fn a_non_list_input_is_an_input_error() {
        let profile = ChartProfile::builtin().unwrap();
        let err = run("kind: Deployment\n", settings(&profile)).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("expected a ResourceList"), "{err}");
    }
}
