//! One version number: `Cargo.toml`, the Helm plugin manifests and `polyaxon-pr --version` agree,
//! and `--version` names the commit the binary was built from.

use std::process::Command;

/// The value of the first top-level `version:` line of a plugin manifest.
fn manifest_version(path: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .find_map(|line| line.strip_prefix("version:"))
        .map(|v| v.trim().trim_matches('"').to_string())
        .unwrap_or_else(|| panic!("{path} has no top-level `version:` line"))
}

#[test]
fn plugin_manifests_carry_the_cargo_version() {
    let cargo = env!("CARGO_PKG_VERSION");
    for path in [
        "plugin.yaml",
        "plugins/polyaxon-pr/plugin.yaml",
        "plugins/polyaxon/plugin.yaml",
    ] {
        assert_eq!(
            manifest_version(path),
            cargo,
            "{path}: its version must be Cargo.toml's ({cargo}); change both together"
        );
    }
}

#[test]
fn version_flag_prints_the_version_and_the_commit() {
    let out = Command::new(env!("CARGO_BIN_EXE_polyaxon-pr"))
        .arg("--version")
        .output()
        .expect("polyaxon-pr runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let rest = text
        .trim_end()
        .strip_prefix(&format!("polyaxon-pr {} (", env!("CARGO_PKG_VERSION")))
        .unwrap_or_else(|| panic!("unexpected --version output: {text:?}"));
    let commit = rest
        .strip_suffix(')')
        .unwrap_or_else(|| panic!("unexpected --version output: {text:?}"));
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "the commit in --version is neither a short hash nor `unknown`: {text:?}"
    );
}
