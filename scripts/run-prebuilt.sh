#!/usr/bin/env bash
# Runs polyaxon-pr with the given arguments, without building it: the pre-commit hooks'
# entry point (.pre-commit-hooks.yaml). The binary is the first of:
#   1. $POLYAXON_PR_BINARY;
#   2. the polyaxon-pr on PATH, when it is this version;
#   3. the release binary cached in ${POLYAXON_PR_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/polyaxon-pr}/<version>/<os>-<arch>/;
#   4. else the release archive for this platform, downloaded and checked against SHA256SUMS by
#      scripts/install-binary.sh --fetch (POLYAXON_PR_RELEASE_URL for a mirror), then cached.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

die() {
    echo "polyaxon-pr (pre-commit): ERROR: $*" >&2
    exit 2
}

version=$(sed -n 's/^version: *//p' "$here/../plugin.yaml" | tr -d '"' | head -1)
[[ -n $version ]] || die "no version in $here/../plugin.yaml"

if [[ -n ${POLYAXON_PR_BINARY:-} ]]; then
    exec "$POLYAXON_PR_BINARY" "$@"
fi
if command -v polyaxon-pr >/dev/null 2>&1 &&
    [[ $(polyaxon-pr --version 2>/dev/null) == "polyaxon-pr $version "* ]]; then
    exec polyaxon-pr "$@"
fi

platform=$("$here/install-binary.sh" --platform) || exit 2
exe=polyaxon-pr
[[ $platform != windows-* ]] || exe=polyaxon-pr.exe
cache=${POLYAXON_PR_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/polyaxon-pr}/$version/$platform
if [[ ! -x $cache/$exe ]]; then
    mkdir -p "$cache" || die "cannot create the cache directory $cache (set POLYAXON_PR_CACHE_DIR)"
    work=$(mktemp -d "$cache/fetch.XXXXXX")
    trap 'rm -rf "$work"' EXIT
    fetched=$("$here/install-binary.sh" --fetch "$work") ||
        die "could not get polyaxon-pr $version (see above); or use the hook polyaxon-lint-system with polyaxon-pr on PATH"
    "$fetched" --version >/dev/null || die "$fetched does not run on this machine ($platform)"
    # Atomic: hooks running in parallel may fetch at the same time.
    mv -f "$fetched" "$cache/$exe" || die "cannot write $cache/$exe"
    rm -rf "$work"
    trap - EXIT
fi
exec "$cache/$exe" "$@"
