#!/usr/bin/env bash
# Makes the release artifacts in one directory (default dist/<version>/), for every platform it is
# given a binary for:
#
#   polyaxon-pr-<v>-<os>-<arch>[.exe]     the binary
#   polyaxon-pr-<v>-<os>-<arch>.tar.gz    the Helm plugin for that platform, binary included
#                                         (bin/<os>-<arch>/), files at the root: what the install
#                                         hook downloads, what Helm 3 installs by URL, and an
#                                         air-gapped install (its hook then needs no network)
#   polyaxon-pr-<v>.tgz, .tgz.prov        Helm 4: the post-renderer plugin, every binary inside,
#   polyaxon-<v>.tgz, .tgz.prov           and the CLI plugin: `helm plugin package --sign` output
#   SHA256SUMS                            of every file above
#
#   scripts/release.sh                              # builds this machine's binary (build-release.sh)
#   scripts/release.sh linux-arm64=path/polyaxon-pr windows-amd64=path/polyaxon-pr.exe ...
#
# Environment:
#   POLYAXON_PR_SIGN_KEY        the signing key's name (user ID), as `helm plugin package --key`
#   POLYAXON_PR_SIGN_KEYRING    the secret keyring holding it, in the legacy format Helm reads
#                               (`gpg --export-secret-keys > secring.gpg`)
#   POLYAXON_PR_SIGN_PASSPHRASE_FILE   the key's passphrase, when it has one
#   POLYAXON_PR_UNSIGNED=1      package without provenance files (for a trial run only)
#   POLYAXON_PR_RELEASE_DIR     the output directory;  HELM: a Helm 4 binary (default: helm on PATH)
#   POLYAXON_PR_BIN             this machine's binary, instead of building it
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

die() {
    echo "release: ERROR: $*" >&2
    exit 1
}
say() {
    echo "release: $*" >&2
}

PLATFORMS="linux-amd64 linux-arm64 darwin-amd64 darwin-arm64 windows-amd64"

VERSION=$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -1)
[[ -n $VERSION ]] || die "no version in Cargo.toml"
for manifest in plugin.yaml plugins/polyaxon-pr/plugin.yaml plugins/polyaxon/plugin.yaml; do
    v=$(sed -n 's/^version: *//p' "$manifest" | tr -d '"' | head -1)
    [[ $v == "$VERSION" ]] || die "$manifest has version '$v', Cargo.toml $VERSION: make them equal"
done

OUT=${POLYAXON_PR_RELEASE_DIR:-$ROOT/dist/$VERSION}
HELM=${HELM:-helm}
"$HELM" version --template '{{.Version}}' 2>/dev/null | grep -q '^v4\.' ||
    die "'$HELM' is not Helm 4 (helm plugin package needs it): set HELM=/path/to/helm4 (scripts/fetch-tools.sh fetches one)"

# The binaries: PLATFORM=PATH arguments, or this machine's.
declare -A BINARY=()
if (($# == 0)); then
    host=$(scripts/install-binary.sh --platform)
    [[ " $PLATFORMS " == *" $host "* ]] || die "this machine ($(uname -s) $(uname -m)) is not a release platform ($PLATFORMS)"
    if [[ -n ${POLYAXON_PR_BIN:-} ]]; then
        BINARY[$host]=$POLYAXON_PR_BIN
    else
        say "building the $host binary (scripts/build-release.sh)"
        BINARY[$host]=$(scripts/build-release.sh) || die "the release build failed (see above)"
    fi
else
    for arg in "$@"; do
        platform=${arg%%=*}
        [[ $arg == *=* && " $PLATFORMS " == *" $platform "* ]] ||
            die "'$arg': expected PLATFORM=BINARY with PLATFORM one of $PLATFORMS"
        BINARY[$platform]=${arg#*=}
    done
fi
for platform in "${!BINARY[@]}"; do
    [[ -f ${BINARY[$platform]} ]] || die "$platform: ${BINARY[$platform]} is not a file"
done

if [[ ${POLYAXON_PR_UNSIGNED:-0} == 1 ]]; then
    sign=(--sign=false)
    say "POLYAXON_PR_UNSIGNED=1: the Helm 4 packages get no provenance file"
else
    [[ -n ${POLYAXON_PR_SIGN_KEY:-} && -f ${POLYAXON_PR_SIGN_KEYRING:-} ]] ||
        die "signing needs POLYAXON_PR_SIGN_KEY (the key's name) and POLYAXON_PR_SIGN_KEYRING (a secret keyring: gpg --export-secret-keys > secring.gpg); POLYAXON_PR_UNSIGNED=1 skips signing"
    sign=(--sign --key "$POLYAXON_PR_SIGN_KEY" --keyring "$POLYAXON_PR_SIGN_KEYRING")
    [[ -z ${POLYAXON_PR_SIGN_PASSPHRASE_FILE:-} ]] || sign+=(--passphrase-file "$POLYAXON_PR_SIGN_PASSPHRASE_FILE")
fi

rm -rf "$OUT"
mkdir -p "$OUT"
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/polyaxon-pr-release.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT

exe_name() {
    [[ $1 == windows-* ]] && echo polyaxon-pr.exe || echo polyaxon-pr
}

# The archive's files get one owner and time (the commit's, when known), so the same inputs give
# the same archive.
MTIME=$(git log -1 --format=%ct 2>/dev/null || echo 0)
# tar_gz DEST DIR: DIR's files at the archive's root (Helm 3 installs an archive by URL only so).
tar_gz() {
    local dest=$1 dir=$2
    # shellcheck disable=SC2046 # the names in DIR, which this script made
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$MTIME" -C "$dir" -cf - \
        $(cd "$dir" && LC_ALL=C ls -A) | gzip -9n >"$dest" || die "cannot write $dest"
}

for platform in $(printf '%s\n' "${!BINARY[@]}" | sort); do
    exe=$(exe_name "$platform")
    suffix=${exe#polyaxon-pr}
    cp "${BINARY[$platform]}" "$OUT/polyaxon-pr-$VERSION-$platform$suffix"
    chmod 755 "$OUT/polyaxon-pr-$VERSION-$platform$suffix"
    plugin=$STAGE/$platform/polyaxon-pr
    mkdir -p "$plugin/scripts" "$plugin/plugins/polyaxon-pr" "$plugin/bin/$platform"
    cp plugin.yaml README.md "$plugin/"
    cp scripts/install-binary.sh "$plugin/scripts/"
    cp plugins/polyaxon-pr/plugin.yaml "$plugin/plugins/polyaxon-pr/"
    install -m 755 "${BINARY[$platform]}" "$plugin/bin/$platform/$exe"
    tar_gz "$OUT/polyaxon-pr-$VERSION-$platform.tar.gz" "$plugin"
    say "$platform: polyaxon-pr-$VERSION-$platform.tar.gz"
done

# Helm 4 packages: one per plugin, with every binary (Helm runs the one for its OS and architecture).
for name in polyaxon-pr polyaxon; do
    plugin=$STAGE/helm4/$name
    mkdir -p "$plugin"
    cp "plugins/$name/plugin.yaml" "$plugin/"
    for platform in "${!BINARY[@]}"; do
        install -D -m 755 "${BINARY[$platform]}" "$plugin/bin/$platform/$(exe_name "$platform")"
    done
    "$HELM" plugin package "$plugin" -d "$OUT" "${sign[@]}" >&2 ||
        die "helm plugin package $name failed (see above)"
    [[ -f $OUT/$name-$VERSION.tgz ]] || die "helm plugin package wrote no $OUT/$name-$VERSION.tgz"
done

(cd "$OUT" && find . -maxdepth 1 -type f -printf '%f\n' | LC_ALL=C sort | xargs sha256sum >"$STAGE/SHA256SUMS" &&
    mv "$STAGE/SHA256SUMS" SHA256SUMS) || die "cannot write $OUT/SHA256SUMS"
say "platforms: $(printf '%s\n' "${!BINARY[@]}" | sort | tr '\n' ' ')"
say "wrote $OUT:"
ls -1 "$OUT" >&2
echo "$OUT"
