//! The chart's documented parameters, as data: `chart-overlays/polyaxon/parameters.yaml`, compiled
//! into the binary. Validation walks the [`TREE`] built from it; [`docs`] prints it as Markdown and
//! [`schema`] as a JSON Schema, so the three can never disagree.

pub mod docs;
#[cfg(test)]
mod file;
pub mod k8s;
mod kinds;
pub mod schema;

pub use kinds::{Format, Kind};

/// One documented parameter (see the comments of `parameters.yaml` for each field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub path: &'static str,
    pub kind: Kind,
    pub format: Option<Format>,
    /// The allowed strings (`enum` in the file); empty: any.
    pub allowed: &'static [&'static str],
    pub noun: Option<&'static str>,
    pub nullable: bool,
    pub secret: bool,
    /// A key of chart 0.4.2 that the reference does not document: known, typed from the chart's
    /// default, and marked as such in `docs`.
    pub chart: bool,
    pub default: Option<&'static str>,
    pub description: &'static str,
}

/// A group of parameters, as the reference groups them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub title: &'static str,
    pub params: &'static [Param],
}

/// The parameter sections, in the reference's order: `parameters.yaml` transcoded by `build.rs`
/// into static data, so no run parses the table, and the file is checked field by field (unknown
/// keys, types, formats) when the crate builds.
pub static SECTIONS: &[Section] = include!(concat!(env!("OUT_DIR"), "/parameters.rs"));

/// A node of the parameter tree: a parameter (or an implicit container) and what is below it.
#[derive(Debug)]
pub struct Node {
    /// The documented parameter here; `None` for a container implied by deeper paths.
    pub param: Option<&'static Param>,
    /// Named children, in the order of the table.
    pub children: &'static [(&'static str, Node)],
    /// The children of a map of user-chosen names (`persistence.data.<name>`).
    pub named: Option<&'static Node>,
}

impl Node {
    /// What this node holds (containers are objects).
    pub fn kind(&self) -> Kind {
        self.param.map_or(Kind::Object, |p| p.kind)
    }

    pub fn nullable(&self) -> bool {
        self.param.is_some_and(|p| p.nullable)
    }

    /// The child for a key: by name, else the user-chosen-name child.
    pub fn child(&self, key: &str) -> Option<&Node> {
        self.children
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, n)| n)
            .or(self.named)
    }

    /// The child names, for "did you mean".
    pub fn child_names(&self) -> impl Iterator<Item = &str> {
        self.children.iter().map(|(k, _)| *k)
    }
}

/// The tree of all parameters (the root is the values file): their paths split at the dots,
/// `<name>` standing for a map of user-chosen names. `build.rs` builds it from the table.
pub static TREE: Node = include!(concat!(env!("OUT_DIR"), "/tree.rs"));

/// Words that make a key a credential, whose value no message or output shows.
const CREDENTIAL_WORDS: [&str; 5] = ["password", "passwd", "secret", "token", "credential"];

/// Does a values key name a credential (`postgresPassword`, `clientSecret`, `ttl.token`,
/// `apiKey`, or a near miss such as `pasword`)? Broad on purpose: masking a harmless value
/// costs nothing, showing a password cannot be undone.
pub fn is_credential(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    if [
        "apikey",
        "api_key",
        "accesskey",
        "access_key",
        "privatekey",
        "private_key",
    ]
    .iter()
    .any(|w| lower.contains(w))
    {
        return true;
    }
    let chars: Vec<char> = lower.chars().collect();
    CREDENTIAL_WORDS.iter().any(|word| {
        let n = word.chars().count();
        // Every stretch of the key one character shorter, as long or one longer than the word.
        (n - 1..=n + 1).any(|len| {
            chars.windows(len.min(chars.len()).max(1)).any(|w| {
                let w: String = w.iter().collect();
                strsim::levenshtein(&w, word) <= usize::from(n >= 6)
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The data file, as committed, which `build.rs` compiles into [`SECTIONS`].
    const PARAMETERS_YAML: &str = include_str!("../../chart-overlays/polyaxon/parameters.yaml");

    /// The path segment that stands for a user-chosen name.
    const NAME: &str = "<name>";

    /// Every parameter, in order.
    pub(super) fn all() -> impl Iterator<Item = &'static Param> {
        SECTIONS.iter().flat_map(|s| s.params.iter())
    }

    fn tree() -> &'static Node {
        &TREE
    }

    #[test]
    fn table_loads_and_paths_are_unique() {
        let count = all().count();
        let by_path: std::collections::BTreeMap<&str, &Param> =
            all().map(|p| (p.path, p)).collect();
        assert!(count > 80, "{count}");
        assert_eq!(by_path.len(), count, "duplicate paths in parameters.yaml");
    }

    /// `build.rs` transcodes `parameters.yaml` into [`SECTIONS`]; a run-time parse of the same
    /// text with the same file structs gives the same table, field for field.
    #[test]
    fn static_table_is_the_yaml_file() {
        let table: file::TableFile = serde_saphyr::from_str(PARAMETERS_YAML).unwrap();
        assert_eq!(table.sections.len(), SECTIONS.len());
        for (f, s) in table.sections.iter().zip(SECTIONS) {
            assert_eq!(f.title, s.title);
            assert_eq!(f.params.len(), s.params.len(), "{}", s.title);
            for (fp, p) in f.params.iter().zip(s.params) {
                let allowed: Vec<&str> = fp.allowed.iter().map(String::as_str).collect();
                assert_eq!(
                    (fp.path.as_str(), fp.kind, fp.format, allowed.as_slice()),
                    (p.path, p.kind, p.format, p.allowed)
                );
                assert_eq!(
                    (
                        fp.noun.as_deref(),
                        fp.nullable,
                        fp.secret,
                        fp.chart,
                        fp.default.as_deref()
                    ),
                    (p.noun, p.nullable, p.secret, p.chart, p.default),
                    "{}",
                    p.path
                );
                assert_eq!(fp.description, p.description, "{}", p.path);
            }
        }
    }

    #[test]
    fn credentials_and_near_misses() {
        for key in [
            "password",
            "postgresPassword",
            "pasword",
            "passwrd",
            "clientSecret",
            "secretKey",
            "token",
            "polyaxonInternalToken",
            "apiKey",
            "rabbitmq_passwd",
        ] {
            assert!(is_credential(key), "{key}");
        }
        for key in [
            "username",
            "email",
            "mountPath",
            "host",
            "store",
            "bucket",
            "timeZone",
        ] {
            assert!(!is_credential(key), "{key}");
        }
    }

    #[test]
    fn enums_have_a_noun_and_strings_only() {
        for p in all().filter(|p| !p.allowed.is_empty()) {
            assert!(p.noun.is_some(), "{}", p.path);
            assert_eq!(p.kind, Kind::String, "{}", p.path);
            // The values walk accepts an empty string for these lists alone.
            assert!(!k8s::empty_allowed(p.allowed), "{}", p.path);
        }
    }

    /// Every parameter where its path leads, and nothing else in the tree.
    #[test]
    fn the_tree_holds_every_parameter_at_its_path() {
        fn walk(node: &Node, path: &str, seen: &mut Vec<String>) {
            if let Some(param) = node.param {
                assert_eq!(param.path, path);
                seen.push(path.to_string());
            }
            let join = |key: &str| match path {
                "" => key.to_string(),
                _ => format!("{path}.{key}"),
            };
            for (key, child) in node.children {
                assert_ne!(*key, NAME);
                walk(child, &join(key), seen);
            }
            if let Some(named) = node.named {
                walk(named, &join(NAME), seen);
            }
        }
        let mut seen = Vec::new();
        walk(tree(), "", &mut seen);
        let mut paths: Vec<String> = all().map(|p| p.path.to_string()).collect();
        assert_eq!(seen.len(), paths.len());
        seen.sort();
        paths.sort();
        assert_eq!(seen, paths);
        // The root's keys in the order the table first names them.
        let first = |key: &str| all().position(|p| p.path.split('.').next() == Some(key));
        let order: Vec<_> = tree().children.iter().map(|(k, _)| first(k)).collect();
        assert!(
            order.is_sorted(),
            "the root's children are not in table order"
        );
    }

    #[test]
    fn tree_resolves_names_and_containers() {
        let t = tree();
        let store = t
            .child("persistence")
            .and_then(|n| n.child("data"))
            .and_then(|n| n.child("my-data"))
            .and_then(|n| n.child("store"))
            .and_then(|n| n.param)
            .unwrap();
        assert_eq!(store.path, "persistence.data.<name>.store");
        assert_eq!(t.child("dirs").unwrap().kind(), Kind::Object);
        assert!(t.child("persistance").is_none());
    }
}
