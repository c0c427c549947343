//! The user's values: `-f` files and `--set` merged as Helm does, each value with its origin.
//!
//! Files are read from parser events ([`yaml`]) so each key and value keeps its `file:line:column`,
//! then merged in order ([`merge`]; a `null` is kept: [`Values::root`]). The value flags are
//! applied on top in Helm's order ([`Sets`]) with Helm's syntax ([`strvals`]).

pub mod strvals;
pub mod yaml;

use strvals::Mode;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::report::{Finding, Origin};

/// Names values files when no `-f` is given (`:`-separated), e.g. in a Helm 4 plugin setup.
pub const VALUES_ENV: &str = "POLYAXON_PR_VALUES";

#[derive(Debug, Clone, Default)]
pub struct Values {
    /// The user values, [`merge`]d; as in Helm, a `null` stays, to delete the chart's default.
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

/// The value flags, as Helm applies them after the `-f` files: every `--set-json`, then every
/// `--set`, `--set-string`, `--set-file` and `--set-literal`, each kind in the order given.
#[derive(Debug, Clone, Default)]
pub struct Sets {
    pub json: Vec<String>,
    pub set: Vec<String>,
    pub string: Vec<String>,
    pub file: Vec<String>,
    pub literal: Vec<String>,
}

impl Sets {
    pub fn is_empty(&self) -> bool {
        self.in_order().next().is_none()
    }

    /// Every argument in Helm's order: its mode, flag, 1-based number among its flag's, text.
    fn in_order(&self) -> impl Iterator<Item = (Mode, &'static str, usize, &str)> {
        [
            (Mode::Json, "--set-json", &self.json),
            (Mode::Typed, "--set", &self.set),
            (Mode::Text, "--set-string", &self.string),
            (Mode::File, "--set-file", &self.file),
            (Mode::Literal, "--set-literal", &self.literal),
        ]
        .into_iter()
        .flat_map(|(mode, flag, args)| {
            args.iter()
                .enumerate()
                .map(move |(i, arg)| (mode, flag, i + 1, arg.as_str()))
        })
    }
}

impl Source {
    /// Read a file from disk (exit code 2 when it cannot be read).
    pub fn read(path: &Path) -> Result<Source> {
        if path.as_os_str() == "-" {
            return Err(Error::input(
                "-f -: values are not read from stdin (a post-renderer's stdin is the manifest \
                 stream); write them to a file and pass it with -f (`lint -` reads one from stdin)",
            ));
        }
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

    pub fn read_all(paths: &[std::path::PathBuf]) -> Result<Vec<Source>> {
        paths.iter().map(|path| Source::read(path)).collect()
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
        origin_at(&self.origins, pointer)
    }

    /// Merge files in order, then apply the value flags as Helm does. The findings are what
    /// reading found (duplicate keys).
    pub fn from_sources(sources: &[Source], sets: &Sets) -> Result<(Values, Vec<Finding>)> {
        let mut values = Values::from_json(Value::Object(Default::default()));
        let mut findings = Vec::new();
        for source in sources {
            let parsed = yaml::parse(&source.text, &source.label)?;
            findings.extend(parsed.findings);
            values.merge_located(parsed.root, parsed.origins);
        }
        for (mode, flag, number, arg) in sets.in_order() {
            let origin = |column| Origin::Set {
                flag: flag.to_string(),
                number,
                column,
            };
            if mode == Mode::Json && arg.trim().starts_with('{') {
                values.apply_json_object(arg, &origin)?;
            } else {
                values.apply_set(arg, mode, &origin)?;
            }
        }
        Ok((values, findings))
    }

    /// Merge another source's values over these, keeping the origins of whatever wins: an origin
    /// recorded earlier is forgotten when the overlay sets one of its ancestors to something
    /// other than a mapping (so only the earlier origins are walked, none for the first file).
    fn merge_located(&mut self, overlay: Value, origins: BTreeMap<String, Origin>) {
        let replaces = |above: &str| {
            origins.contains_key(above) && !matches!(overlay.pointer(above), Some(Value::Object(_)))
        };
        self.origins
            .retain(|pointer, _| !ancestors(pointer).any(replaces));
        self.origins.extend(origins);
        merge(&mut self.root, overlay);
    }

    /// Apply a value flag's argument; each value it sets gets its item's origin ([`Origin::Set`]).
    fn apply_set(&mut self, arg: &str, mode: Mode, origin: &dyn Fn(usize) -> Origin) -> Result<()> {
        let read_file = |path: &str| {
            std::fs::read_to_string(path).map_err(|e| format!("cannot read the file {path}: {e}"))
        };
        let mut given = Vec::new();
        strvals::items(arg, &mut self.root, mode, &read_file, |column, item| {
            given.push((column, item));
        })
        .map_err(|e| {
            let at = origin(e.column);
            Error::input(format!(
                "{at}: {}; see `helm install --help` for the syntax",
                e.message
            ))
        })?;
        for (column, item) in given {
            self.record(&item, &origin(column));
        }
        Ok(())
    }

    /// `--set-json '{...}'`: a whole JSON object, merged as a values file is.
    fn apply_json_object(&mut self, arg: &str, origin: &dyn Fn(usize) -> Origin) -> Result<()> {
        let object: serde_json::Map<String, Value> = serde_json::from_str(arg.trim())
            .map_err(|e| Error::input(format!("{}: not a JSON object: {e}", origin(1))))?;
        let object = Value::Object(object);
        self.record(&object, &origin(1));
        merge(&mut self.root, object);
        Ok(())
    }

    /// Record `origin` for every value `given` sets (replacing what was recorded below them).
    fn record(&mut self, given: &Value, origin: &Origin) {
        let mut leaves = Vec::new();
        collect_leaves(given, String::new(), &mut leaves);
        for pointer in leaves {
            forget_below(&mut self.origins, &pointer);
            // Maps a `--set` created have no place of their own: they come from the argument too.
            for p in ancestors(&pointer).rev() {
                if self.origins.contains_key(p) {
                    break;
                }
                self.origins.insert(p.to_string(), origin.clone());
            }
            self.origins.insert(pointer, origin.clone());
        }
    }
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
pub fn value_files(files: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    if !files.is_empty() {
        return files.to_vec();
    }
    std::env::var_os(VALUES_ENV)
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The values of the [`value_files`] and the value flags, with the findings of reading them.
pub fn load(files: &[std::path::PathBuf], sets: &Sets) -> Result<(Values, Vec<Finding>)> {
    Values::from_sources(&Source::read_all(&value_files(files))?, sets)
}

/// The origin `origins` records for `pointer`, else for its nearest recorded ancestor.
pub fn origin_at(origins: &BTreeMap<String, Origin>, pointer: &str) -> Origin {
    let mut up = std::iter::once(pointer).chain(ancestors(pointer).rev());
    up.find_map(|p| origins.get(p))
        .cloned()
        .unwrap_or(Origin::None)
}

/// The pointers strictly above `pointer`, root (`""`) first: `/a/b` → `""`, `/a`.
fn ancestors(pointer: &str) -> impl DoubleEndedIterator<Item = &str> {
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

/// Forget the origins recorded below `pointer`, whose value was replaced.
fn forget_below(origins: &mut BTreeMap<String, Origin>, pointer: &str) {
    let prefix = format!("{pointer}/");
    origins.retain(|p, _| !p.starts_with(&prefix));
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
            &Sets::default(),
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
                forget_below(&mut reference.origins, &pointer);
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
            &Sets::default(),
        )
        .unwrap();
        assert_eq!(v.root, json!({"p": {"logs": null}}));
        assert_eq!(v.origin("/p/logs/hostPath").to_string(), "b:2:9");
    }

    fn sets(set: &[&str], string: &[&str]) -> Sets {
        Sets {
            set: set.iter().map(|s| s.to_string()).collect(),
            string: string.iter().map(|s| s.to_string()).collect(),
            ..Sets::default()
        }
    }

    #[test]
    fn set_applies_after_files_and_is_located() {
        let (v, _) = Values::from_sources(
            &[source("a.yaml", "timeZone: UTC\nuser:\n  username: root\n")],
            &sets(
                &["timeZone=Europe/Berlin,user.email=a@b.c"],
                &["adminViewEnabled=true"],
            ),
        )
        .unwrap();
        assert_eq!(v.root["timeZone"], "Europe/Berlin");
        assert_eq!(v.root["adminViewEnabled"], "true");
        assert_eq!(
            v.root["user"],
            json!({"username": "root", "email": "a@b.c"})
        );
        assert_eq!(v.origin("/timeZone").to_string(), "--set #1:1");
        assert_eq!(v.origin("/user/email").to_string(), "--set #1:24");
        assert_eq!(
            v.origin("/adminViewEnabled").to_string(),
            "--set-string #1:1"
        );
        assert_eq!(v.origin("/user/username").to_string(), "a.yaml:3:13");
        assert_eq!(v.origin("/user").to_string(), "a.yaml:2:1");
        let (v, _) = Values::from_sources(&[], &sets(&["x=1", "a.b.c=1"], &[])).unwrap();
        assert_eq!(v.origin("/a/b").to_string(), "--set #2:1");
    }

    /// Helm's order: files, --set-json, --set, --set-string, --set-file, --set-literal, whatever
    /// the order on the command line.
    #[test]
    fn flags_apply_in_helms_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("v.txt");
        std::fs::write(&file, "from file").unwrap();
        let all = Sets {
            json: vec![r#"{"a": 1, "b": 1, "c": 1, "d": 1, "e": {"x": [1]}}"#.to_string()],
            set: vec!["b=2,c=2,d=2".to_string()],
            string: vec!["c=3,d=3".to_string()],
            file: vec![format!("d={},f={}", file.display(), file.display())],
            literal: vec!["e.x=a,b\\c".to_string()],
        };
        let (v, _) = Values::from_sources(&[source("a", "a: 0\nz: 0\n")], &all).unwrap();
        assert_eq!(
            v.root,
            json!({"a": 1, "z": 0, "b": 2, "c": "3", "d": "from file",
                "e": {"x": "a,b\\c"}, "f": "from file"})
        );
        assert_eq!(v.origin("/a").to_string(), "--set-json #1:1");
        assert_eq!(
            v.origin("/f").to_string(),
            "--set-file #1:{}".replace(
                "{}",
                &(file.display().to_string().chars().count() + 4).to_string()
            )
        );
        assert_eq!(v.origin("/e/x").to_string(), "--set-literal #1:1");
    }

    #[test]
    fn set_null_is_kept_as_helm_keeps_it() {
        let (v, _) = Values::from_sources(
            &[source("a", "persistence:\n  logs:\n    hostPath: /x\n")],
            &sets(&["persistence.logs=null"], &[]),
        )
        .unwrap();
        assert_eq!(v.root, json!({"persistence": {"logs": null}}));
    }

    #[test]
    fn values_from_stdin_are_refused() {
        let err = Source::read(Path::new("-")).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.to_string().contains("values are not read from stdin"),
            "{err}"
        );
    }

    #[test]
    fn set_locations_never_show_the_argument() {
        for arg in [
            "postgresql.postgresPassword=S3CRET,timeZone=Mars/X",
            "user.pasword=S3CRET",
            "user.password[0]=S3CRET",
            "user.password.x=S3CRET",
            "user={password:S3CRET}",
        ] {
            let (v, _) = Values::from_sources(&[], &sets(&[arg], &[])).unwrap();
            for origin in v.origins.values() {
                assert!(!origin.to_string().contains("S3CRET"), "{arg}: {origin}");
            }
        }
        for arg in ["user.password=S3CRET,bad", "user.password=S3CRET,a[x]=1"] {
            let err = Values::from_sources(&[], &sets(&[arg], &[])).unwrap_err();
            assert!(!err.to_string().contains("S3CRET"), "{err}");
            assert!(err.to_string().starts_with("--set #1:"), "{err}");
        }
    }

    #[test]
    fn bad_set_is_an_input_error() {
        let err = Values::from_sources(&[], &sets(&["a"], &[])).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().starts_with("--set #1:1: "), "{err}");
    }

    #[test]
    fn node_selectors_is_kept_as_written() {
        let (v, findings) = Values::from_sources(
            &[source("a", "nodeSelectors:\n  core:\n    x: z\n")],
            &Sets::default(),
        )
        .unwrap();
        assert_eq!(v.root, json!({"nodeSelectors": {"core": {"x": "z"}}}));
        assert_eq!(v.origin("/nodeSelectors/core/x").to_string(), "a:3:8");
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn merge_replaces_non_maps() {
        let mut base = json!({"a": {"b": 1}, "c": [1]});
        merge(&mut base, json!({"a": {"d": 2}, "c": null}));
        assert_eq!(base, json!({"a": {"b": 1, "d": 2}, "c": null}));
    }
}
