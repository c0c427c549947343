//! Which rendered objects are which part of the chart: the config ConfigMap, the api Deployment
//! and its container, the scheduler, the resources DaemonSet, hpsearch, the core workloads.
//!
//! The answer is data, not code: label and name selectors in `chart-overlays/polyaxon-0.4.yaml`,
//! compiled in and replaceable with `--profile FILE`, so that another chart version is a data
//! change. Selection reads only each document's metadata. The chart profile applies when the
//! stream holds the chart's config ConfigMap; otherwise the generic profile does (GPU volumes for
//! containers that use `nvidia.com/gpu`, nothing else).

use std::collections::BTreeMap;
use std::path::Path;

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::stream::{Meta, Stream};

/// The profile compiled into the binary.
pub const BUILTIN: &str = include_str!("../chart-overlays/polyaxon-0.4.yaml");

/// A part of the chart that parameters are injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Role {
    ConfigMap,
    Api,
    Scheduler,
    ResourcesDaemon,
    Hpsearch,
    Core,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProfileFile {
    name: String,
    roles: BTreeMap<Role, Vec<SelectorFile>>,
    api_container: String,
    api_host_key: String,
    #[serde(default)]
    defaults: BTreeMap<String, DefaultMount>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SelectorFile {
    #[serde(default)]
    kinds: Vec<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    name: Option<String>,
}

/// A volume and mount the chart renders by default for a `persistence` kind.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultMount {
    pub volume: Value,
    pub mount: Value,
}

/// One way to recognise an object.
#[derive(Debug, Clone)]
pub struct Selector {
    kinds: Vec<String>,
    labels: Vec<(String, Regex)>,
    name: Option<Regex>,
}

impl Selector {
    pub fn matches(&self, meta: &Meta) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&meta.kind))
            && self.name.as_ref().is_none_or(|re| re.is_match(&meta.name))
            && self
                .labels
                .iter()
                .all(|(key, re)| meta.labels.get(key).is_some_and(|v| re.is_match(v)))
    }
}

/// A chart profile, compiled.
#[derive(Debug, Clone)]
pub struct ChartProfile {
    pub name: String,
    roles: BTreeMap<Role, Vec<Selector>>,
    /// The api Deployment's container that gets GPU, persistence and probe headers.
    pub api_container: Regex,
    /// The ConfigMap key holding the api Service name (the probes' `Host` header).
    pub api_host_key: String,
    /// Chart defaults replaced when `persistence.<kind>` is given.
    pub defaults: BTreeMap<String, DefaultMount>,
}

impl ChartProfile {
    /// The compiled-in profile for Polyaxon chart 0.4.
    pub fn builtin() -> Result<ChartProfile> {
        ChartProfile::parse(BUILTIN, "chart-overlays/polyaxon-0.4.yaml")
    }

    /// `--profile FILE`, else the compiled-in profile.
    pub fn load(path: Option<&Path>) -> Result<ChartProfile> {
        let Some(path) = path else {
            return ChartProfile::builtin();
        };
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::input(format!("{}: cannot read the profile: {e}", path.display()))
        })?;
        ChartProfile::parse(&text, &path.display().to_string())
    }

    /// Parse and compile a profile; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<ChartProfile> {
        let file: ProfileFile = serde_saphyr::from_str(text).map_err(|e| {
            let first = e.to_string().lines().next().unwrap_or_default().to_string();
            Error::input(format!(
                "{origin}: not a valid profile: {first}; see chart-overlays/polyaxon-0.4.yaml"
            ))
        })?;
        let mut roles = BTreeMap::new();
        for (role, selectors) in file.roles {
            let compiled = selectors
                .into_iter()
                .map(|s| compile_selector(s, origin))
                .collect::<Result<Vec<_>>>()?;
            roles.insert(role, compiled);
        }
        if !roles.contains_key(&Role::ConfigMap) {
            return Err(Error::input(format!(
                "{origin}: the profile has no `roles.configMap` selector; it is how the profile \
                 recognises the chart"
            )));
        }
        Ok(ChartProfile {
            name: file.name,
            roles,
            api_container: whole(&file.api_container, origin)?,
            api_host_key: file.api_host_key,
            defaults: file.defaults,
        })
    }

    /// Whether an object plays `role`.
    pub fn is(&self, role: Role, meta: &Meta) -> bool {
        self.roles
            .get(&role)
            .is_some_and(|selectors| selectors.iter().any(|s| s.matches(meta)))
    }
}

fn compile_selector(file: SelectorFile, origin: &str) -> Result<Selector> {
    let labels = file
        .labels
        .into_iter()
        .map(|(k, v)| Ok((k, whole(&v, origin)?)))
        .collect::<Result<Vec<_>>>()?;
    let name = file.name.map(|n| whole(&n, origin)).transpose()?;
    Ok(Selector {
        kinds: file.kinds,
        labels,
        name,
    })
}

/// A regex that must match the whole value.
fn whole(pattern: &str, origin: &str) -> Result<Regex> {
    Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
        Error::input(format!(
            "{origin}: invalid regular expression `{pattern}`: {e}"
        ))
    })
}

/// The documents (stream indices) playing each role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    pub roles: BTreeMap<Role, Vec<usize>>,
}

impl Targets {
    /// The documents playing `role`, in stream order.
    pub fn of(&self, role: Role) -> &[usize] {
        self.roles.get(&role).map_or(&[], Vec::as_slice)
    }
}

/// Which profile applies to a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// The stream holds the chart's ConfigMap: inject by role.
    Chart(Targets),
    /// Any other stream: only the generic GPU rule.
    Generic,
}

/// Classify the stream's documents by their metadata.
pub fn choose(stream: &Stream<'_>, profile: &ChartProfile) -> Result<Choice> {
    let mut targets = Targets::default();
    for doc in &stream.docs {
        let Some(meta) = doc.meta()? else { continue };
        for role in profile.roles.keys() {
            if profile.is(*role, &meta) {
                targets.roles.entry(*role).or_default().push(doc.index);
            }
        }
    }
    // The ConfigMap selects the chart; so does any other object of a chart role, because Helm 4's
    // `separate` strategy (Flux) post-renders the hooks alone, without the ConfigMap, and the hook
    // Jobs still take the core scheduling.
    if targets.roles.values().all(Vec::is_empty) {
        return Ok(Choice::Generic);
    }
    Ok(Choice::Chart(targets))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(kind: &str, name: &str, labels: &[(&str, &str)]) -> Meta {
        Meta {
            kind: kind.into(),
            name: name.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Meta::default()
        }
    }

    #[test]
    fn builtin_profile_recognises_the_chart() {
        let p = ChartProfile::builtin().unwrap();
        let core = [("type", "polyaxon-core")];
        let cm = meta(
            "ConfigMap",
            "rel-polyaxon-config",
            &[("type", "polyaxon-core"), ("role", "polyaxon-config")],
        );
        assert!(p.is(Role::ConfigMap, &cm));
        let sched = meta(
            "Deployment",
            "rel-polyaxon-scheduler",
            &[
                ("type", "polyaxon-core"),
                ("role", "polyaxon-workers"),
                ("app", "rel-polyaxon-scheduler"),
            ],
        );
        assert!(p.is(Role::Scheduler, &sched) && p.is(Role::Core, &sched));
        assert!(!p.is(Role::Hpsearch, &sched));
        assert!(p.is(Role::Core, &meta("Job", "rel-admin-user", &core)));
        assert!(!p.is(
            Role::Core,
            &meta("DaemonSet", "rel-polyaxon-resources", &core)
        ));
        assert!(p.is(Role::Core, &meta("StatefulSet", "rel-polyaxon-nfs", &[])));
        assert!(!p.is(Role::Core, &meta("Deployment", "rel-postgresql", &[])));
        assert!(p.api_container.is_match("polyaxon-api"));
        assert!(!p.api_container.is_match("polyaxon-api-x"));
    }

    #[test]
    fn generic_profile_without_the_config_map() {
        let p = ChartProfile::builtin().unwrap();
        let stream = Stream::read("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n").unwrap();
        assert_eq!(choose(&stream, &p).unwrap(), Choice::Generic);
    }

    #[test]
    fn a_profile_file_replaces_the_builtin_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.yaml");
        let text = BUILTIN.replace("apiContainer: 'polyaxon-api'", "apiContainer: 'api-.*'");
        std::fs::write(&path, text).unwrap();
        let p = ChartProfile::load(Some(&path)).unwrap();
        assert!(p.api_container.is_match("api-server"));
        assert!(!p.api_container.is_match("polyaxon-api"));
        let missing = ChartProfile::load(Some(Path::new("/nonexistent/p.yaml")));
        assert_eq!(missing.unwrap_err().exit_code(), 2);
    }

    #[test]
    fn a_bad_profile_is_an_input_error() {
        let err = ChartProfile::parse("name: x\nroles: {}\nbogus: 1\n", "p.yaml").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().starts_with("p.yaml:"), "{err}");
        let err = ChartProfile::parse(
            "name: x\nroles: {api: [{}]}\napiContainer: a\napiHostKey: K\n",
            "p.yaml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("configMap"), "{err}");
    }
}
