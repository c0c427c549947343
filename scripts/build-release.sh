#!/usr/bin/env bash
# Builds the release binary the way it ships, and prints its path on stdout.
#
#   scripts/build-release.sh            # target/release/polyaxon-pr (or $CARGO_TARGET_DIR)
#   POLYAXON_PR_DYNAMIC=1 scripts/build-release.sh   # a plain `cargo build --release`
#
# On Linux with glibc the binary is linked statically, as a static PIE (`crt-static`): no shared
# libraries to load and relocate at start-up (about 0.35 ms of a post-renderer run of the Polyaxon
# stream), address-space layout
# randomisation kept, and one binary that runs on any Linux of the last decade whatever its glibc.
# polyaxon-pr resolves no user or host names (glibc's NSS, which a static glibc cannot load).
#
# The flag is given to the binary's own compilation only (`cargo rustc -- ...`): as RUSTFLAGS it
# would reach the proc-macro crates too, which cannot be linked statically. Where the static link
# is not available (another OS or libc, or glibc's static libraries missing), the plain build is
# used and the script says so.
set -euo pipefail
cd "$(dirname "$0")/.."

say() {
    echo "build-release: $*" >&2
}

target_dir=${CARGO_TARGET_DIR:-$PWD/target}
exe=polyaxon-pr
case "$(uname -s)" in
    MINGW* | MSYS* | CYGWIN*) exe=polyaxon-pr.exe ;;
esac
host=$(rustc -vV | sed -n 's/^host: //p')

if [[ ${POLYAXON_PR_DYNAMIC:-0} != 1 && $host == *-linux-gnu ]]; then
    if cargo rustc --release --locked --bin polyaxon-pr -- -C target-feature=+crt-static >&2 &&
        "$target_dir/release/$exe" --version >/dev/null; then
        echo "$target_dir/release/$exe"
        exit 0
    fi
    say "the static link failed (see above; glibc's static libraries come with libc6-dev or glibc-static): building the dynamically linked binary instead"
fi
cargo build --release --locked >&2
echo "$target_dir/release/$exe"
