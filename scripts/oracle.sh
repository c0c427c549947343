#!/usr/bin/env bash
# Builds the Kubernetes YAML decoder oracle (tests/oracle/main.go: sigs.k8s.io/yaml over go-yaml v2,
# the reader Kubernetes and Helm use) into .cache/oracle/k8s-yaml-oracle, for the conformance tests
# in tests/yaml11.rs. Offline: Debian's golang-go and golang-k8s-sigs-yaml-dev, built in GOPATH mode
# against /usr/share/gocode. Installs the packages with apt-get if they are missing (pass
# --no-install to only build, failing when they are missing). Prints the oracle's path.
set -euo pipefail
cd "$(dirname "$0")/.."

GOPATH_DIR=/usr/share/gocode
OUT=.cache/oracle/k8s-yaml-oracle
install=1
[[ "${1:-}" == "--no-install" ]] && install=0

have_sources() {
    command -v go >/dev/null 2>&1 && [[ -f "$GOPATH_DIR/src/sigs.k8s.io/yaml/yaml.go" ]] \
        && [[ -f "$GOPATH_DIR/src/gopkg.in/yaml.v2/yaml.go" ]]
}

if ! have_sources; then
    if [[ $install == 0 ]]; then
        echo "oracle.sh: golang-go or golang-k8s-sigs-yaml-dev is not installed" >&2
        exit 1
    fi
    sudo=()
    [[ $(id -u) != 0 ]] && sudo=(sudo)
    echo "==> installing golang-go golang-k8s-sigs-yaml-dev (apt)" >&2
    "${sudo[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq golang-go golang-k8s-sigs-yaml-dev >&2
fi

if [[ -x $OUT && $OUT -nt tests/oracle/main.go ]]; then
    echo "$OUT"
    exit 0
fi
mkdir -p "$(dirname "$OUT")"
tmp=$(mktemp "$OUT.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# GOPATH mode: the Debian packages are plain GOPATH sources, and nothing is fetched.
GO111MODULE=off GOPATH="$GOPATH_DIR" GOFLAGS= GOCACHE="$PWD/.cache/go-build" \
    go build -o "$tmp" ./tests/oracle
mv -f "$tmp" "$OUT"
trap - EXIT
echo "$OUT"
