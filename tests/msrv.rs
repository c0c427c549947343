//! `rust-version` in Cargo.toml is the true minimum: at least the `rust-version` of every package
//! in Cargo.lock, read from the registry sources cargo unpacked to build them (`$CARGO_HOME`,
//! default `~/.cargo`). Packages for other platforms are never unpacked and are skipped.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

/// `"1.89"` or `"1.89.0"` as numbers, for comparing.
fn version(text: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = text.split('.').map(|p| p.parse().unwrap()).collect();
    parts.resize(3, 0);
    parts
}

/// The value of `key = "..."` in the `[package]` table of a Cargo.toml.
fn package_field(manifest: &str, key: &str) -> Option<String> {
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().trim_matches('"').to_string());
        }
    }
    None
}

/// `(name, version)` of every package in Cargo.lock.
fn locked_packages() -> Vec<(String, String)> {
    let lock = common::repo_file("Cargo.lock");
    let mut packages = Vec::new();
    for block in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            block.lines().find_map(|l| {
                let (k, v) = l.split_once(" = ")?;
                (k == key).then(|| v.trim_matches('"').to_string())
            })
        };
        if field("source").is_some() {
            packages.push((field("name").unwrap(), field("version").unwrap()));
        }
    }
    packages
}

/// The registry source directories (`registry/src/<index>/`).
fn registry_dirs() -> Vec<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap();
    let Ok(entries) = std::fs::read_dir(home.join("registry/src")) else {
        return Vec::new();
    };
    entries.map(|e| e.unwrap().path()).collect()
}

#[test]
fn rust_version_is_at_least_every_locked_dependencys() {
    let ours = package_field(&common::repo_file("Cargo.toml"), "rust-version").unwrap();
    let registries = registry_dirs();
    let mut checked = 0;
    let mut too_new = Vec::new();
    for (name, ver) in locked_packages() {
        let Some(manifest) = registries
            .iter()
            .find_map(|r| std::fs::read_to_string(r.join(format!("{name}-{ver}/Cargo.toml"))).ok())
        else {
            continue;
        };
        checked += 1;
        if let Some(theirs) = package_field(&manifest, "rust-version")
            && version(&theirs) > version(&ours)
        {
            too_new.push(format!("{name} {ver} needs {theirs}"));
        }
    }
    assert!(
        checked > 20,
        "found only {checked} locked packages' sources under {registries:?}: build first"
    );
    assert!(
        too_new.is_empty(),
        "Cargo.toml says rust-version = \"{ours}\", but: {}; raise it to the highest",
        too_new.join(", ")
    );
}
