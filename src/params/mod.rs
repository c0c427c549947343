//! The chart's documented parameters, as data: `chart-overlays/polyaxon/parameters.yaml`, compiled
//! into the binary. Validation walks the [`Tree`] built from it; [`docs`] prints it as Markdown and
//! [`schema`] as a JSON Schema, so the three can never disagree.

pub mod docs;
pub mod k8s;
pub mod schema;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The data file, as committed.
pub const PARAMETERS_YAML: &str = include_str!("../../chart-overlays/polyaxon/parameters.yaml");

/// The path segment that stands for a user-chosen name.
pub const NAME: &str = "<name>";

/// What a parameter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A map whose keys are the parameters below it.
    Object,
    /// Any map, passed through unchecked (subcharts, `global`).
    Map,
    Bool,
    String,
    Int,
    /// A list of strings.
    Strings,
    /// A map of strings to strings (node selectors, annotations).
    StringMap,
    /// A list of Kubernetes tolerations.
    Tolerations,
    /// A Kubernetes affinity.
    Affinity,
    /// A Kubernetes quantity (`10Gi`), as a string or a number.
    Quantity,
}

/// A rule on the text of a string (or of each string of a list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    DnsLabel,
    DnsSubdomain,
    AbsPath,
    MountPath,
    HostPath,
    FilePath,
    Timezone,
    Email,
    Host,
    HostPort,
    AllowedHost,
    TlsHost,
    SecretKey,
    /// A map of Kubernetes labels (node selectors): qualified-name keys, label values.
    Labels,
    /// A map of Kubernetes annotations: qualified-name keys, any text.
    Annotations,
}

/// One documented parameter.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    #[serde(default)]
    pub format: Option<Format>,
    #[serde(default, rename = "enum")]
    pub allowed: Vec<String>,
    #[serde(default)]
    pub noun: Option<String>,
    #[serde(default)]
    pub nullable: bool,
    #[serde(default)]
    pub secret: bool,
    #[serde(default)]
    pub default: Option<String>,
    pub description: String,
}

/// A group of parameters, as the reference groups them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub title: String,
    pub params: Vec<Param>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    sections: Vec<Section>,
}

/// The parameter sections, in the reference's order.
pub fn sections() -> &'static [Section] {
    static SECTIONS: OnceLock<Vec<Section>> = OnceLock::new();
    SECTIONS.get_or_init(|| {
        let table: Table = serde_saphyr::from_str(PARAMETERS_YAML)
            .expect("chart-overlays/polyaxon/parameters.yaml is valid (unit-tested)");
        table.sections
    })
}

/// Every parameter, in order.
pub fn all() -> impl Iterator<Item = &'static Param> {
    sections().iter().flat_map(|s| s.params.iter())
}

/// A node of the parameter tree: a parameter (or an implicit container) and what is below it.
#[derive(Debug, Default)]
pub struct Node {
    /// The documented parameter here; `None` for a container implied by deeper paths.
    pub param: Option<&'static Param>,
    /// Named children, in the order of the table.
    pub children: Vec<(String, Node)>,
    /// The children of a map of user-chosen names (`persistence.data.<name>`).
    pub named: Option<Box<Node>>,
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
            .find(|(k, _)| k == key)
            .map(|(_, n)| n)
            .or(self.named.as_deref())
    }

    /// The child names, for "did you mean".
    pub fn child_names(&self) -> impl Iterator<Item = &str> {
        self.children.iter().map(|(k, _)| k.as_str())
    }

    fn insert(&mut self, segments: &[&str], param: &'static Param) {
        let Some((first, rest)) = segments.split_first() else {
            self.param = Some(param);
            return;
        };
        let child = if *first == NAME {
            self.named.get_or_insert_with(Default::default).as_mut()
        } else {
            let i = match self.children.iter().position(|(k, _)| k == first) {
                Some(i) => i,
                None => {
                    self.children.push(((*first).to_string(), Node::default()));
                    self.children.len() - 1
                }
            };
            &mut self.children[i].1
        };
        child.insert(rest, param);
    }
}

/// The tree of all parameters (the root is the values file).
pub fn tree() -> &'static Node {
    static TREE: OnceLock<Node> = OnceLock::new();
    TREE.get_or_init(|| {
        let mut root = Node::default();
        for param in all() {
            let segments: Vec<&str> = param.path.split('.').collect();
            root.insert(&segments, param);
        }
        root
    })
}

/// Parameters by path, for lookups in tests and docs.
pub fn by_path() -> BTreeMap<&'static str, &'static Param> {
    all().map(|p| (p.path.as_str(), p)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_loads_and_paths_are_unique() {
        let count = all().count();
        assert!(count > 80, "{count}");
        assert_eq!(by_path().len(), count, "duplicate paths in parameters.yaml");
    }

    #[test]
    fn enums_have_a_noun_and_strings_only() {
        for p in all().filter(|p| !p.allowed.is_empty()) {
            assert!(p.noun.is_some(), "{}", p.path);
            assert_eq!(p.kind, Kind::String, "{}", p.path);
        }
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
