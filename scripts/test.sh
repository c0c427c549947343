#!/usr/bin/env bash
# Runs every test: formatting, clippy, the Rust test suites, and the end-to-end tests with the real
# tools (installed, pinned and cached by scripts/ of this repository). `.ci/run` runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --all-targets -- -D warnings
echo "==> cargo test"
cargo test --all-targets
