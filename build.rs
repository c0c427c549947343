//! Build-time transcoding of the two YAML data files compiled into the binary, so that a run does
//! not parse YAML before it reads its input (parsing them at start-up cost about 2 ms, against
//! about 3 ms for the whole `cat` of a Polyaxon stream):
//!
//! - `chart-overlays/polyaxon/parameters.yaml` becomes static Rust data (`$OUT_DIR/parameters.rs`,
//!   included by `src/params/mod.rs`), and so does the tree of its paths that validation walks
//!   (`$OUT_DIR/tree.rs`): no parsing and no allocation at run time;
//! - `chart-overlays/polyaxon-0.4.yaml` (the built-in chart profile) becomes JSON
//!   (`$OUT_DIR/polyaxon-0.4.json`), which `src/profile.rs` reads with serde_json in microseconds
//!   and with the same typed, `deny_unknown_fields` structs as a `--profile` file.
//!
//! The YAML files stay the one source of truth; both are read with serde-saphyr, as at run time,
//! and the crate's tests compare the transcoded data with a run-time parse of the YAML.
//!
//! It also sets `POLYAXON_PR_COMMIT` for `polyaxon-pr --version`: the abbreviated commit of the
//! git checkout being built, or `unknown` outside one (a source tarball builds all the same).

// Cargo reads a build script's instructions from its stdout.
#![allow(clippy::print_stdout)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "src/params/kinds.rs"]
mod kinds;

#[path = "src/params/file.rs"]
mod file;

use kinds::{Format, Kind};

const PARAMETERS: &str = "chart-overlays/polyaxon/parameters.yaml";
const PROFILE: &str = "chart-overlays/polyaxon-0.4.yaml";

fn main() {
    for path in [
        PARAMETERS,
        PROFILE,
        "src/params/kinds.rs",
        "src/params/file.rs",
    ] {
        println!("cargo::rerun-if-changed={path}");
    }
    println!("cargo::rustc-env=POLYAXON_PR_COMMIT={}", git_commit());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("Cargo sets OUT_DIR"));
    let table: file::TableFile = serde_saphyr::from_str(&read(PARAMETERS)).unwrap_or_else(|e| {
        panic!("{PARAMETERS}: not a valid parameter table: {e}; fix the file (see its comments)")
    });
    write(&out.join("parameters.rs"), &parameters_rs(&table));
    write(&out.join("tree.rs"), &tree_rs(&table));
    write(
        &out.join("polyaxon-0.4.json"),
        &profile_json(&read(PROFILE)),
    );
}

/// The short commit hash of HEAD, or `unknown` when git or the repository is not there. Reruns
/// when HEAD moves (the files git keeps HEAD and the current branch in, worktrees included).
fn git_commit() -> String {
    println!("cargo::rerun-if-env-changed=POLYAXON_PR_COMMIT");
    if let Ok(commit) = std::env::var("POLYAXON_PR_COMMIT") {
        return commit;
    }
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git").args(args).output().ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
    };
    let Some(commit) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return "unknown".to_string();
    };
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    watched.extend(git(&["symbolic-ref", "-q", "HEAD"]));
    for name in watched {
        let path = git(&["rev-parse", "--path-format=absolute", "--git-path", &name]);
        if let Some(path) = path.filter(|p| Path::new(p).exists()) {
            println!("cargo::rerun-if-changed={path}");
        }
    }
    commit
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: cannot read it: {e}"))
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text)
        .unwrap_or_else(|e| panic!("{}: cannot write it: {e}", path.display()));
}

/// The parameter table as a Rust expression of type `&'static [Section]`.
fn parameters_rs(table: &file::TableFile) -> String {
    let mut rs = String::from("&[\n");
    for section in &table.sections {
        let _ = writeln!(
            rs,
            "    Section {{\n        title: {:?},\n        params: &[",
            section.title
        );
        for p in &section.params {
            let _ = writeln!(
                rs,
                "            Param {{ path: {:?}, kind: {}, format: {}, allowed: &{:?}, noun: {:?}, \
                 nullable: {}, secret: {}, chart: {}, default: {:?}, description: {:?} }},",
                p.path,
                kind(p.kind),
                format(p.format),
                p.allowed,
                p.noun,
                p.nullable,
                p.secret,
                p.chart,
                p.default,
                p.description,
            );
        }
        rs.push_str("        ],\n    },\n");
    }
    rs.push_str("]\n");
    rs
}

/// A node of the parameter tree being built: the parameter there (section and position in it),
/// the children by key in table order, and the child for user-chosen names (`<name>`).
#[derive(Default)]
struct TreeNode {
    param: Option<(usize, usize)>,
    children: Vec<(String, TreeNode)>,
    named: Option<Box<TreeNode>>,
}

impl TreeNode {
    fn insert(&mut self, segments: &[&str], param: (usize, usize)) {
        let Some((first, rest)) = segments.split_first() else {
            self.param = Some(param);
            return;
        };
        let child = if *first == "<name>" {
            self.named.get_or_insert_with(Default::default).as_mut()
        } else {
            let i = match self.children.iter().position(|(k, _)| k == first) {
                Some(i) => i,
                None => {
                    self.children.push((first.to_string(), TreeNode::default()));
                    self.children.len() - 1
                }
            };
            &mut self.children[i].1
        };
        child.insert(rest, param);
    }

    /// As a Rust expression of type `Node`, its parameters referring into `SECTIONS`.
    fn rs(&self, rs: &mut String) {
        match self.param {
            Some((s, p)) => {
                let _ = write!(rs, "Node {{ param: Some(&SECTIONS[{s}].params[{p}]), ");
            }
            None => rs.push_str("Node { param: None, "),
        }
        rs.push_str("children: &[");
        for (key, child) in &self.children {
            let _ = write!(rs, "({key:?}, ");
            child.rs(rs);
            rs.push_str("), ");
        }
        rs.push_str("], named: ");
        match &self.named {
            Some(named) => {
                rs.push_str("Some(&");
                named.rs(rs);
                rs.push_str(") }");
            }
            None => rs.push_str("None }"),
        }
    }
}

/// The parameter tree (each path split at its dots) as a Rust expression of type `Node`.
fn tree_rs(table: &file::TableFile) -> String {
    let mut root = TreeNode::default();
    for (s, section) in table.sections.iter().enumerate() {
        for (p, param) in section.params.iter().enumerate() {
            let segments: Vec<&str> = param.path.split('.').collect();
            root.insert(&segments, (s, p));
        }
    }
    let mut rs = String::new();
    root.rs(&mut rs);
    rs
}

/// `Kind::StringMap`: the variant's Rust path (its Debug name is the variant name).
fn kind(kind: Kind) -> String {
    format!("Kind::{kind:?}")
}

fn format(format: Option<Format>) -> String {
    match format {
        Some(f) => format!("Some(Format::{f:?})"),
        None => "None".to_string(),
    }
}

/// The profile as JSON: the same data model (serde-saphyr into `serde_json::Value`, keys in file
/// order), checked against the profile's structs when the crate reads it.
fn profile_json(yaml: &str) -> String {
    let value: serde_json::Value = serde_saphyr::from_str(yaml).unwrap_or_else(|e| {
        panic!("{PROFILE}: not valid YAML: {e}; fix the file (see its comments)")
    });
    serde_json::to_string(&value).expect("a JSON value serialises")
}
