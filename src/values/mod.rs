//! The user's values: `-f` files and `--set` merged as Helm merges them, every value with the place
//! it came from.
//!
//! Files are read from parser events ([`yaml`]) so each key and value keeps its `file:line:column`,
//! then merged in order (maps deep-merged, later wins, `null` kept: it deletes the chart's
//! default when Helm coalesces with the chart). `--set` and then `--set-string` are applied on top
//! with Helm's syntax ([`strvals`]). Only the user's values are held, never the chart's defaults.

pub mod strvals;
pub mod yaml;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::cli::ValuesArgs;
use crate::error::{Error, Result};
use crate::report::{Finding, Origin};

/// Names values files when no `-f` is given (`:`-separated), e.g. in a Helm 4 plugin setup.
pub const VALUES_ENV: &str = "POLYAXON_PR_VALUES";

/// The merged values.
#[derive(Debug, Clone, Default)]
pub struct Values {
    /// The merged user values (no chart defaults): maps deep-merged, later files win. As in
    /// Helm, a `null` is kept here: it deletes the chart's default when coalesced with the chart.
    pub root: Value,
    /// Where each value came from, keyed by JSON pointer (`/persistence/data/d1/store`). A scalar
    /// points at the value, a list or map at its key.
    pub origins: BTreeMap<String, Origin>,
}

/// One values file's text and the name to show for it (`-` for stdin).
#[derive(Debug, Clone)]
pub struct Source {
    pub label: String,
    pub text: String,
}

impl Source {
    /// Read a file from disk (exit code 2 when it cannot be read).
    pub fn read(path: &Path) -> Result<Source> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::input(format!(
                "{}: cannot read values file: {e}; pass an existing file with -f",
                path.display()
            ))
        })?;
        Ok(Source {
            label: path.display().to_string(),
            text,
        })
    }
}

impl Values {
    /// Values from an in-memory JSON object (tests, KRM functionConfig).
    pub fn from_json(root: Value) -> Values {
        Values {
            root,
            origins: BTreeMap::new(),
        }
    }

    /// The value at a JSON pointer (`""` is the root).
    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.root.pointer(pointer)
    }

    /// Where the value at `pointer` (or its nearest recorded ancestor) came from.
    pub fn origin(&self, pointer: &str) -> Origin {
        let mut p = pointer;
        loop {
            if let Some(origin) = self.origins.get(p) {
                return origin.clone();
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Origin::None,
            }
        }
    }

    /// Load and merge values files in order (findings of reading them are dropped; see [`load`]).
    pub fn load_files(files: &[impl AsRef<Path>]) -> Result<Values> {
        let sources = files
            .iter()
            .map(|f| Source::read(f.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        Ok(Values::from_sources(&sources, &[], &[])?.0)
    }

    /// Merge files in order, then apply `--set` and `--set-string` as Helm does. The findings are
    /// what reading found (duplicate keys, the `nodeSelectors` spelling).
    pub fn from_sources(
        sources: &[Source],
        set: &[String],
        set_string: &[String],
    ) -> Result<(Values, Vec<Finding>)> {
        let mut values = Values::from_json(Value::Object(Default::default()));
        let mut findings = Vec::new();
        for source in sources {
            let parsed = yaml::parse(&source.text, &source.label)?;
            findings.extend(parsed.findings);
            values.merge_located(parsed.root, parsed.origins);
        }
        for arg in set {
            values.apply_set(arg, false)?;
        }
        for arg in set_string {
            values.apply_set(arg, true)?;
        }
        findings.extend(values.canonical_node_selector());
        Ok((values, findings))
    }

    /// Merge another source's values over these, keeping the origins of whatever wins.
    /// An origin recorded earlier is forgotten when the overlay replaces a subtree above it: it
    /// sets that pointer to something other than a mapping. Only the earlier origins' ancestors
    /// are looked up (the first file has none), not every pointer of the overlay.
    fn merge_located(&mut self, overlay: Value, origins: BTreeMap<String, Origin>) {
        let replaces = |above: &str| {
            origins.contains_key(above) && !matches!(overlay.pointer(above), Some(Value::Object(_)))
        };
        self.origins
            .retain(|pointer, _| !ancestors(pointer).any(replaces));
        self.origins.extend(origins);
        merge(&mut self.root, overlay);
    }

    fn forget_below(&mut self, pointer: &str) {
        let prefix = format!("{pointer}/");
        self.origins.retain(|p, _| !p.starts_with(&prefix));
    }

    /// One `--set` (or `--set-string`) argument: applied into the merged values, and every value it
    /// gives recorded as coming from it.
    fn apply_set(&mut self, arg: &str, string_values: bool) -> Result<()> {
        let flag = if string_values {
            "--set-string"
        } else {
            "--set"
        };
        let shown = mask_secrets(arg);
        let fail = |why: String| Error::input(format!("{flag} {shown}: {why}"));
        strvals::parse_into(arg, &mut self.root, string_values).map_err(fail)?;
        let mut alone = Value::Object(Default::default());
        strvals::parse_into(arg, &mut alone, string_values).map_err(fail)?;
        let origin = Origin::Set {
            arg: format!("{flag} {shown}"),
        };
        let mut leaves = Vec::new();
        collect_leaves(&alone, String::new(), &mut leaves);
        for pointer in leaves {
            self.forget_below(&pointer);
            self.record_ancestors(&pointer, &origin);
            self.origins.insert(pointer, origin.clone());
        }
        Ok(())
    }

    /// Maps a `--set` created have no place of their own: they come from the argument too.
    fn record_ancestors(&mut self, pointer: &str, origin: &Origin) {
        let mut p = pointer;
        while let Some(i) = p.rfind('/') {
            p = &p[..i];
            if self.origins.contains_key(p) {
                return;
            }
            self.origins.insert(p.to_string(), origin.clone());
        }
    }

    /// Chart 0.4.x spells the scheduling map `nodeSelectors`; the reference and later charts say
    /// `nodeSelector`. Accept the old spelling (warning) and hold only the canonical one.
    fn canonical_node_selector(&mut self) -> Vec<Finding> {
        let origin = self.origin("/nodeSelectors");
        let Some(map) = self.root.as_object_mut() else {
            return Vec::new();
        };
        let Some(old) = map.shift_remove("nodeSelectors") else {
            return Vec::new();
        };
        if map.contains_key("nodeSelector") {
            map.insert("nodeSelectors".to_string(), old);
            return vec![
                Finding::error(
                    "nodeSelectors",
                    origin,
                    "both nodeSelector and nodeSelectors (the chart 0.4.x spelling) are set",
                )
                .with_hint("keep only nodeSelector"),
            ];
        }
        map.insert("nodeSelector".to_string(), old);
        let moved: Vec<(String, Origin)> = self
            .origins
            .iter()
            .filter(|(p, _)| *p == "/nodeSelectors" || p.starts_with("/nodeSelectors/"))
            .map(|(p, o)| (p.replacen("/nodeSelectors", "/nodeSelector", 1), o.clone()))
            .collect();
        self.forget_below("/nodeSelectors");
        self.origins.remove("/nodeSelectors");
        self.origins.extend(moved);
        vec![
            Finding::warning(
                "nodeSelectors",
                origin,
                "nodeSelectors is the chart 0.4.x spelling; read as nodeSelector",
            )
            .with_hint("rename it to nodeSelector, the spelling of the reference"),
        ]
    }
}

/// A `--set` argument as it may be shown: the values of secret parameters (`user.password`)
/// replaced by `***`, since the argument is the location of every finding about them.
fn mask_secrets(arg: &str) -> String {
    let secrets: Vec<&str> = crate::params::all()
        .filter(|p| p.secret)
        .map(|p| p.path)
        .collect();
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in arg.chars() {
        if c == ',' && !escaped {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
        escaped = c == '\\' && !escaped;
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|part| match part.split_once('=') {
            Some((key, _)) if secrets.contains(&key) => format!("{key}=***"),
            _ => part,
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Pointers of the values an argument gives (list holes it did not set are skipped).
fn collect_leaves(value: &Value, pointer: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                collect_leaves(v, format!("{pointer}/{}", yaml::escape_pointer(k)), out);
            }
        }
        Value::Array(items) if items.iter().any(|v| v.is_object() || v.is_array()) => {
            for (i, v) in items.iter().enumerate() {
                if !v.is_null() {
                    collect_leaves(v, format!("{pointer}/{i}"), out);
                }
            }
        }
        _ => out.push(pointer),
    }
}

/// The values files to read: `-f` in order, else those named by `POLYAXON_PR_VALUES`.
pub fn value_files(args: &ValuesArgs) -> Vec<std::path::PathBuf> {
    if !args.values.is_empty() {
        return args.values.clone();
    }
    std::env::var_os(VALUES_ENV)
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Load the values given on the command line (`-f`, else `POLYAXON_PR_VALUES`; `--set`,
/// `--set-string`), with the findings of reading them.
pub fn load(args: &ValuesArgs) -> Result<(Values, Vec<Finding>)> {
    let sources = value_files(args)
        .iter()
        .map(|f| Source::read(f))
        .collect::<Result<Vec<_>>>()?;
    Values::from_sources(&sources, &args.set, &args.set_string)
}

/// The pointers strictly above `pointer`, root (`""`) first: `/a/b` → `""`, `/a`.
fn ancestors(pointer: &str) -> impl Iterator<Item = &str> {
    pointer.match_indices('/').map(|(at, _)| &pointer[..at])
}

/// Helm's merge of user values files: maps deep-merged, anything else (including `null`) replaced.
pub fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                if let Some(existing) = base.get_mut(&key) {
                    merge(existing, value);
                } else {
                    base.insert(key, value);
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn source(label: &str, text: &str) -> Source {
        Source {
            label: label.to_string(),
            text: text.to_string(),
        }
    }

    #[test]
    fn later_files_win_and_maps_deep_merge() {
        let (v, _) = Values::from_sources(
            &[
                source("a.yaml", "x:\n  keep: 1\n  over: 1\nl: [1, 2]\n"),
                source("b.yaml", "x:\n  over: 2\nl: [3]\n"),
            ],
            &[],
            &[],
        )
        .unwrap();
        assert_eq!(v.root, json!({"x": {"keep": 1, "over": 2}, "l": [3]}));
        assert_eq!(v.origin("/x/keep").to_string(), "a.yaml:2:9");
        assert_eq!(v.origin("/x/over").to_string(), "b.yaml:2:9");
        assert_eq!(v.origin("/l/0").to_string(), "b.yaml:3:5");
        assert!(!v.origins.contains_key("/l/1"));
    }

    /// Origins after merging `texts` in order, with `merge_located` and with the pointer-by-
    /// pointer version it replaced (its reference).
    fn origins_both_ways(texts: &[&str]) -> (Vec<String>, Vec<String>) {
        let (mut ours, mut reference) =
            (Values::from_json(json!({})), Values::from_json(json!({})));
        for (i, text) in texts.iter().enumerate() {
            let parsed = yaml::parse(text, &format!("f{i}")).unwrap();
            ours.merge_located(parsed.root.clone(), parsed.origins.clone());
            let replaced: Vec<String> = parsed
                .origins
                .keys()
                .filter(|p| !matches!(parsed.root.pointer(p), Some(Value::Object(_))))
                .cloned()
                .collect();
            for pointer in replaced {
                reference.forget_below(&pointer);
            }
            reference.origins.extend(parsed.origins);
            merge(&mut reference.root, parsed.root);
        }
        assert_eq!(ours.root, reference.root);
        let show = |v: &Values| v.origins.iter().map(|(p, o)| format!("{p} {o}")).collect();
        (show(&ours), show(&reference))
    }

    #[test]
    fn a_replaced_subtree_forgets_the_origins_below_it() {
        for texts in [
            &[
                "x:\n  a:\n    b: 1\n  c: 2\n",
                "x:\n  a: 5\n",
                "x:\n  a:\n    d: 1\n",
            ][..],
            &["x:\n  a:\n    b: 1\n", "x: [1, {a: 2}]\n", "x:\n  a: 1\n"],
            &[
                "a~b:\n  'c/d':\n    e: 1\n",
                "a~b:\n  'c/d': null\n",
                "a~b: {}\n",
            ],
            &[
                "x:\n  y:\n    z: 1\n",
                "x: null\n",
                "x:\n  y: 2\n",
                "x:\n  y:\n    w: 3\n",
            ],
            &["{}\n", "l:\n  - a: 1\n", "l:\n  - b: 2\n  - c\n"],
        ] {
            let (ours, reference) = origins_both_ways(texts);
            assert_eq!(ours, reference, "{texts:?}");
        }
        let (ours, _) = origins_both_ways(&["x:\n  a:\n    b: 1\n  c: 2\n", "x:\n  a: 5\n"]);
        // `/x/a/b` is gone with the mapping `x.a` was; `/x/c` was not replaced.
        assert_eq!(
            ours,
            [" f1:1:1", "/x f1:1:1", "/x/a f1:2:6", "/x/c f0:4:6"].map(String::from)
        );
    }

    #[test]
    fn null_is_kept_between_user_files() {
        let (v, _) = Values::from_sources(
            &[
                source("a", "p:\n  logs:\n    hostPath: /x\n"),
                source("b", "p:\n  logs: null\n"),
            ],
            &[],
            &[],
        )
        .unwrap();
        assert_eq!(v.root, json!({"p": {"logs": null}}));
        assert_eq!(v.origin("/p/logs/hostPath").to_string(), "b:2:9");
    }

    #[test]
    fn set_applies_after_files_and_is_located() {
        let (v, _) = Values::from_sources(
            &[source("a.yaml", "timeZone: UTC\nuser:\n  username: root\n")],
            &["timeZone=Europe/Berlin,user.email=a@b.c".to_string()],
            &["adminViewEnabled=true".to_string()],
        )
        .unwrap();
        assert_eq!(v.root["timeZone"], "Europe/Berlin");
        assert_eq!(v.root["adminViewEnabled"], "true");
        assert_eq!(
            v.root["user"],
            json!({"username": "root", "email": "a@b.c"})
        );
        assert_eq!(
            v.origin("/user/email").to_string(),
            "--set timeZone=Europe/Berlin,user.email=a@b.c"
        );
        assert_eq!(v.origin("/user/username").to_string(), "a.yaml:3:13");
        assert_eq!(v.origin("/user").to_string(), "a.yaml:2:1");
        let (v, _) = Values::from_sources(&[], &["a.b.c=1".to_string()], &[]).unwrap();
        assert_eq!(v.origin("/a/b").to_string(), "--set a.b.c=1");
    }

    #[test]
    fn set_locations_never_show_a_password() {
        let (v, _) = Values::from_sources(
            &[],
            &["user.password=hunter2,user.email=a@b.c".to_string()],
            &[],
        )
        .unwrap();
        assert_eq!(
            v.origin("/user/password").to_string(),
            "--set user.password=***,user.email=a@b.c"
        );
        let err = Values::from_sources(&[], &["user.password=hunter2,bad".to_string()], &[]);
        assert!(!err.unwrap_err().to_string().contains("hunter2"));
    }

    #[test]
    fn bad_set_is_an_input_error() {
        let err = Values::from_sources(&[], &["a".to_string()], &[]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().starts_with("--set a: "), "{err}");
    }

    #[test]
    fn node_selectors_is_renamed_with_a_warning() {
        let (v, findings) = Values::from_sources(
            &[source("a", "nodeSelectors:\n  core:\n    x: z\n")],
            &[],
            &[],
        )
        .unwrap();
        assert_eq!(v.root, json!({"nodeSelector": {"core": {"x": "z"}}}));
        assert_eq!(v.origin("/nodeSelector/core/x").to_string(), "a:3:8");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, crate::report::Severity::Warning);
    }

    #[test]
    fn merge_replaces_non_maps() {
        let mut base = json!({"a": {"b": 1}, "c": [1]});
        merge(&mut base, json!({"a": {"d": 2}, "c": null}));
        assert_eq!(base, json!({"a": {"b": 1, "d": 2}, "c": null}));
    }
}
