//! Which rendered objects are which part of the chart: the config ConfigMap, the api Deployment
//! and its container, the scheduler, the resources DaemonSet, hpsearch, the core workloads.
//!
//! The answer is data, not code: label and name selectors in `chart-overlays/polyaxon-0.4.yaml`,
//! compiled in and replaceable with `--profile FILE`, so that another chart version is a data
//! change. Selection reads only each document's metadata. The chart profile applies when the stream
//! holds the chart's config ConfigMap, else the generic one ([`Choice`]).

use std::collections::BTreeMap;
use std::path::Path;

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::stream::Meta;

/// The profile compiled into the binary.
pub const BUILTIN: &str = include_str!("../chart-overlays/polyaxon-0.4.yaml");

/// [`BUILTIN`] as JSON (by `build.rs`), read into the same structs: no run parses YAML at start-up.
const BUILTIN_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/polyaxon-0.4.json"));

/// Where the built-in profile comes from, in errors.
const BUILTIN_ORIGIN: &str = "chart-overlays/polyaxon-0.4.yaml";

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
    labels: Vec<(String, Pattern)>,
    name: Option<Pattern>,
}

/// A profile's regular expression, matched against a whole value. Nearly all are a literal
/// (`polyaxon-core`) or `.*` and a literal (`.*-polyaxon-config`): those are matched as text, with
/// the regex's answer, as compiling a regex costs more than the few matches a run needs.
#[derive(Debug, Clone)]
pub enum Pattern {
    /// `^(?:text)$` for a pattern without metacharacters: equality.
    Literal(String),
    /// `^(?:.*text)$`: ends with `text`, and `.` (any character but a newline) covers the rest.
    AnyThen(String),
    Regex(Regex),
}

impl Pattern {
    fn new(pattern: &str, origin: &str) -> Result<Pattern> {
        // Outside a class and without flags, only these characters are not themselves.
        let literal = |text: &str| {
            !text.contains([
                '\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$',
            ])
        };
        if literal(pattern) {
            return Ok(Pattern::Literal(pattern.to_string()));
        }
        if let Some(rest) = pattern.strip_prefix(".*")
            && literal(rest)
        {
            return Ok(Pattern::AnyThen(rest.to_string()));
        }
        whole(pattern, origin).map(Pattern::Regex)
    }

    pub fn is_match(&self, text: &str) -> bool {
        match self {
            Pattern::Literal(literal) => text == literal,
            Pattern::AnyThen(suffix) => text
                .strip_suffix(suffix.as_str())
                .is_some_and(|head| !head.contains('\n')),
            Pattern::Regex(re) => re.is_match(text),
        }
    }
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
    pub api_container: Pattern,
    /// The ConfigMap key holding the api Service name (the probes' `Host` header).
    pub api_host_key: String,
    /// Chart defaults replaced when `persistence.<kind>` is given.
    pub defaults: BTreeMap<String, DefaultMount>,
}

impl ChartProfile {
    /// The compiled-in profile for Polyaxon chart 0.4.
    pub fn builtin() -> Result<ChartProfile> {
        let file: ProfileFile = serde_json::from_str(BUILTIN_JSON).map_err(|e| {
            Error::input(format!(
                "{BUILTIN_ORIGIN} (built in): not a valid profile: {e}; rebuild polyaxon-pr"
            ))
        })?;
        ChartProfile::compile(file, BUILTIN_ORIGIN)
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
        ChartProfile::compile(file, origin)
    }

    fn compile(file: ProfileFile, origin: &str) -> Result<ChartProfile> {
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
            api_container: Pattern::new(&file.api_container, origin)?,
            api_host_key: file.api_host_key,
            defaults: file.defaults,
        })
    }

    #[cfg(test)]
    /// Whether an object plays `role`.
    pub fn is(&self, role: Role, meta: &Meta) -> bool {
        self.roles
            .get(&role)
            .is_some_and(|selectors| selectors.iter().any(|s| s.matches(meta)))
    }

    /// The roles an object plays, in role order.
    pub fn roles_of<'a>(&'a self, meta: &'a Meta) -> impl Iterator<Item = Role> + 'a {
        self.roles
            .iter()
            .filter(|(_, selectors)| selectors.iter().any(|s| s.matches(meta)))
            .map(|(role, _)| *role)
    }
}

fn compile_selector(file: SelectorFile, origin: &str) -> Result<Selector> {
    let labels = file
        .labels
        .into_iter()
        .map(|(k, v)| Ok((k, Pattern::new(&v, origin)?)))
        .collect::<Result<Vec<_>>>()?;
    let name = file.name.map(|n| Pattern::new(&n, origin)).transpose()?;
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

#[cfg(test)]
/// Classify the stream's documents by their metadata, as the driver's index pass does
/// ([`crate::driver::Spool::index`]).
pub fn choose(stream: &crate::stream::Stream<'_>, profile: &ChartProfile) -> Result<Choice> {
    let mut targets = Targets::default();
    for doc in &stream.docs {
        let Some(meta) = doc.meta_ref()? else {
            continue;
        };
        for role in profile.roles_of(meta) {
            targets.roles.entry(role).or_default().push(doc.index);
        }
    }
    if targets.roles.values().all(Vec::is_empty) {
        return Ok(Choice::Generic);
    }
    Ok(Choice::Chart(targets))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::Stream;

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

    /// `build.rs` transcodes the built-in profile to JSON; reading the YAML at run time gives the
    /// same profile (key order of the default volumes included).
    #[test]
    fn builtin_json_is_the_yaml_file() {
        let from_yaml = ChartProfile::parse(BUILTIN, BUILTIN_ORIGIN).unwrap();
        let from_json = ChartProfile::builtin().unwrap();
        assert_eq!(format!("{from_yaml:?}"), format!("{from_json:?}"));
    }

    /// Literal and `.*literal` patterns are matched as text, with the regex's answer.
    #[test]
    fn text_patterns_match_as_the_regex_does() {
        let patterns = [
            "polyaxon-core",
            ".*-polyaxon-config",
            ".*",
            "",
            "a.b",
            ".*a.b",
            "(x|y)",
            ".*é",
            "a-b #c &~",
            ".*a-b #c",
            "x{2}",
            "^x$",
            "a\\.b",
        ];
        let texts = [
            "",
            "polyaxon-core",
            "polyaxon-core-x",
            "xpolyaxon-core",
            "rel-polyaxon-config",
            "-polyaxon-config",
            "rel\n-polyaxon-config",
            "re\nl-polyaxon-config\n",
            "polyaxon-config",
            "a.b",
            "axb",
            "za.b",
            "x",
            "\n",
            "é",
            "xé",
            "a-b #c &~",
            "za-b #c",
            "xx",
        ];
        for pattern in patterns {
            let ours = Pattern::new(pattern, "t").unwrap();
            let regex = whole(pattern, "t").unwrap();
            for text in texts {
                assert_eq!(
                    ours.is_match(text),
                    regex.is_match(text),
                    "{pattern} {text:?}"
                );
            }
        }
        assert!(matches!(
            Pattern::new(".*-polyaxon-config", "t"),
            Ok(Pattern::AnyThen(_))
        ));
        assert!(matches!(Pattern::new("a.b", "t"), Ok(Pattern::Regex(_))));
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
