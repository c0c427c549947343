#!/usr/bin/env bash
# Compiles the code of the release's other platforms (.github/workflows/release.yml: Windows and
# macOS) with `cargo clippy --all-targets --target T -D warnings`, so that what is gated by
# `cfg(unix)` or by OS (dependencies in Cargo.toml included) is caught here, not on a release tag.
# Nothing is linked: mimalloc's C sources, which its build script compiles, go to a stub compiler
# that writes empty objects. A target whose standard library rustup cannot install (no network to
# static.rust-lang.org) is skipped with a message; any error in the check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(x86_64-pc-windows-msvc aarch64-apple-darwin)
stub=$PWD/.cache/stub-cc
mkdir -p "$stub"
cat >"$stub/cc" <<'EOF'
#!/bin/sh
# Writes an empty file where the compiler or archiver would write one: `-o FILE`, `-oFILE`,
# `-FoFILE`, `-out:FILE`, or an `ar` command's archive (`ar cq FILE ...`).
case $1 in
[a-z]*) : >"$2"; exit 0 ;;
esac
out=
while [ $# -gt 0 ]; do
    case $1 in
    -o) out=$2; shift ;;
    -Fo*) out=${1#-Fo} ;;
    -out:*) out=${1#-out:} ;;
    -o*) out=${1#-o} ;;
    esac
    shift
done
[ -z "$out" ] || : >"$out"
EOF
chmod +x "$stub/cc"

installed=$(rustup target list --installed 2>/dev/null || true)
for target in "${targets[@]}"; do
    if ! grep -qx "$target" <<<"$installed" && ! timeout 120 rustup target add "$target" >/dev/null 2>&1; then
        echo "check-platforms.sh: SKIPPED $target: rustup cannot install its standard library here" >&2
        continue
    fi
    env_target=${target//-/_}
    echo "--> $target"
    env "CC_$env_target=$stub/cc" "AR_$env_target=$stub/cc" CARGO_TARGET_DIR=target/platforms \
        cargo clippy --quiet --all-targets --target "$target" -- -D warnings
done
