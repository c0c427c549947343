#!/usr/bin/env bash
# The install/update hook of the `polyaxon` Helm plugin (plugin.yaml), also usable by hand.
#
# 1. Gets the polyaxon-pr binary for this OS and architecture, the first of:
#    a. $POLYAXON_PR_BINARY, a polyaxon-pr executable (air-gapped: nothing reaches the network);
#    b. $POLYAXON_PR_ARCHIVE, a local release archive polyaxon-pr-<version>-<os>-<arch>.tar.gz
#       (checked against the SHA256SUMS beside it when there is one; no network);
#    c. the binary already in bin/<os>-<arch>/ when it is this version (a release archive,
#       unpacked, holds it);
#    d. a build from source (scripts/build-release.sh, cargo) when POLYAXON_PR_BUILD=1 or when the
#       release has no binary for this platform;
#    e. else the release archive for this platform, downloaded from $POLYAXON_PR_RELEASE_URL
#       (default: this version's GitHub release; set it for a mirror) with curl or wget (bounded
#       retries and timeouts), and checked against the release's SHA256SUMS before anything is
#       unpacked.
# 2. Puts it in bin/<os>-<arch>/ (what the manifests run) and bin/ (a fixed path for Helm 3's
#    --post-renderer), here and in plugins/polyaxon-pr/ (the Helm 4 post-renderer plugin).
# 3. On Helm 4, installs the post-renderer plugin `polyaxon-pr` too (Helm 4 takes only plugins as
#    --post-renderer); `helm plugin uninstall polyaxon polyaxon-pr` removes both. On Helm 3 the
#    post-renderer is the binary itself: put bin/ on PATH.
#
#   scripts/install-binary.sh --fetch DIR   # only 1e into DIR (no build, no plugin); prints the path
#   scripts/install-binary.sh --platform    # prints <os>-<arch>
#
# Any failure stops the install with a message that says what failed and what to do.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
# The version is the one in plugin.yaml (tests/version.rs keeps it equal to Cargo.toml's).
VERSION=$(sed -n 's/^version: *//p' "$HERE/plugin.yaml" 2>/dev/null | tr -d '"' | head -1)
[[ -n $VERSION ]] || {
    echo "polyaxon-pr install: ERROR: no version in $HERE/plugin.yaml: this is not the plugin directory" >&2
    exit 1
}
# Where the release archives live: <base>/SHA256SUMS, <base>/polyaxon-pr-<version>-<os>-<arch>.tar.gz.
RELEASE_URL_DEFAULT=https://github.com/polyaxon-pr/polyaxon-pr/releases/download/v$VERSION
# The platforms the release workflow builds (.github/workflows/release.yml).
RELEASE_PLATFORMS="linux-amd64 linux-arm64 darwin-amd64 darwin-arm64 windows-amd64"

die() {
    echo "polyaxon-pr install: ERROR: $*" >&2
    # Helm keeps a plugin whose install hook failed: say how to retry.
    [[ -z ${HELM_PLUGIN_NAME:-} ]] ||
        echo "polyaxon-pr install: then run 'helm plugin uninstall $HELM_PLUGIN_NAME' and install again" >&2
    exit 1
}
say() {
    echo "polyaxon-pr install: $*" >&2
}

# <os>-<arch> in Go's names, as Helm's platformCommand matches them. POLYAXON_PR_PLATFORM overrides.
platform() {
    if [[ -n ${POLYAXON_PR_PLATFORM:-} ]]; then
        echo "$POLYAXON_PR_PLATFORM"
        return
    fi
    local os arch
    case "$(uname -s)" in
        Linux) os=linux ;;
        Darwin) os=darwin ;;
        MINGW* | MSYS* | CYGWIN* | Windows_NT) os=windows ;;
        *) os=$(uname -s | tr '[:upper:]' '[:lower:]') ;;
    esac
    case "$(uname -m)" in
        x86_64 | amd64) arch=amd64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) arch=$(uname -m) ;;
    esac
    echo "$os-$arch"
}

PLATFORM=$(platform)
EXE=polyaxon-pr
[[ $PLATFORM != windows-* ]] || EXE=polyaxon-pr.exe
ARCHIVE_NAME=polyaxon-pr-$VERSION-$PLATFORM.tar.gz

is_release_platform() {
    [[ " $RELEASE_PLATFORMS " == *" $PLATFORM "* ]]
}

# sha256 FILE: the hex digest, with whichever tool this system has.
sha256() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then
        shasum -a 256 "$1" | cut -d' ' -f1
    elif command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha256 -r "$1" | cut -d' ' -f1
    else
        die "no sha256sum, shasum or openssl to check the download with: install one, or set POLYAXON_PR_BINARY"
    fi
}

# verify FILE NAME SUMS: FILE's digest is the one SUMS (a SHA256SUMS file) gives for NAME.
verify() {
    local file=$1 name=$2 sums=$3 expected actual
    expected=$(awk -v n="$name" '$2 == n || $2 == "*" n {print $1; exit}' "$sums")
    [[ -n $expected ]] || die "$sums lists no checksum for $name: the release is incomplete (or not for version $VERSION)"
    actual=$(sha256 "$file")
    [[ $actual == "$expected" ]] ||
        die "checksum mismatch for $name: SHA256SUMS says $expected, the file is $actual. It is corrupt or not the released file (a broken mirror or proxy?); nothing was installed"
}

# download URL DEST: with curl or wget, a bounded number of tries with timeouts.
download() {
    local url=$1 dest=$2 attempts=${POLYAXON_PR_DOWNLOAD_ATTEMPTS:-4} err
    err=$(mktemp)
    if command -v curl >/dev/null 2>&1; then
        if curl --fail --silent --show-error --location --connect-timeout 10 --max-time 300 \
            --retry $((attempts - 1)) --retry-delay 1 --retry-connrefused -o "$dest" "$url" 2>"$err"; then
            rm -f "$err"
            return
        fi
    elif command -v wget >/dev/null 2>&1; then
        if wget --quiet --tries="$attempts" --waitretry=1 --timeout=10 --retry-connrefused \
            --retry-on-http-error=408,429,500,502,503,504 -O "$dest" "$url" 2>"$err"; then
            rm -f "$err"
            return
        fi
        # wget --quiet says nothing: say what it can.
        [[ -s $err ]] || echo "wget exited with an error (a 4xx such as 404 Not Found is not retried)" >"$err"
    else
        die "neither curl nor wget is installed to download $url: install one, or download it yourself and set POLYAXON_PR_ARCHIVE=/path/to/$ARCHIVE_NAME"
    fi
    local why
    why=$(grep -v '^[[:space:]]*$' "$err" | tail -n 1)
    rm -f "$err" "$dest"
    die "downloading $url failed: $why (refused connections, timeouts and 5xx answers are tried $attempts times, a 404 once). Check the URL (POLYAXON_PR_RELEASE_URL=${POLYAXON_PR_RELEASE_URL:-unset}), proxies (HTTPS_PROXY) and the release; or install without network: POLYAXON_PR_ARCHIVE=/path/to/$ARCHIVE_NAME or POLYAXON_PR_BINARY=/path/to/polyaxon-pr"
}

# unpack ARCHIVE DIR: the binary for this platform out of a release archive; prints its path.
unpack() {
    local archive=$1 dir=$2 member
    member=bin/$PLATFORM/$EXE
    tar -xzf "$archive" -C "$dir" "$member" 2>/dev/null ||
        die "$archive holds no $member: it is not the release archive for $PLATFORM"
    echo "$dir/$member"
}

# fetch DIR: download and check the release archive for this platform; prints the binary's path.
fetch() {
    local dir=$1 base=${POLYAXON_PR_RELEASE_URL:-$RELEASE_URL_DEFAULT}
    base=${base%/}
    is_release_platform ||
        die "the release has no binary for $PLATFORM (only $RELEASE_PLATFORMS): build from source (POLYAXON_PR_BUILD=1, Rust needed) or set POLYAXON_PR_BINARY"
    say "downloading $base/$ARCHIVE_NAME"
    download "$base/SHA256SUMS" "$dir/SHA256SUMS"
    download "$base/$ARCHIVE_NAME" "$dir/$ARCHIVE_NAME"
    verify "$dir/$ARCHIVE_NAME" "$ARCHIVE_NAME" "$dir/SHA256SUMS"
    say "checksum verified: $ARCHIVE_NAME (SHA256SUMS)"
    unpack "$dir/$ARCHIVE_NAME" "$dir"
}

if [[ ${1:-} == --platform ]]; then
    echo "$PLATFORM"
    exit 0
fi
if [[ ${1:-} == --fetch ]]; then
    [[ -n ${2:-} ]] || die "usage: $0 --fetch DIR"
    mkdir -p "$2" || die "cannot create $2"
    fetch "$2"
    exit 0
fi

PLUGIN_DIR=${HELM_PLUGIN_DIR:-$HERE}
[[ -f $PLUGIN_DIR/plugin.yaml ]] || die "$PLUGIN_DIR is not the polyaxon-pr plugin directory (no plugin.yaml)"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/polyaxon-pr-install.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

build_from_source() {
    command -v cargo >/dev/null 2>&1 ||
        die "cargo not found, and building from source needs it. Install Rust (https://rustup.rs), or set POLYAXON_PR_BINARY=/path/to/polyaxon-pr and install again."
    [[ -x $PLUGIN_DIR/scripts/build-release.sh && -f $PLUGIN_DIR/Cargo.toml ]] ||
        die "this plugin directory has no sources to build ($PLUGIN_DIR/Cargo.toml): install from the repository, or set POLYAXON_PR_BINARY"
    say "building from source with scripts/build-release.sh: this takes several minutes (cargo, a release build with LTO)"
    "$PLUGIN_DIR/scripts/build-release.sh" || die "the release build failed (see above)"
}

binary_source() {
    if [[ -n ${POLYAXON_PR_BINARY:-} ]]; then
        [[ -f $POLYAXON_PR_BINARY && -x $POLYAXON_PR_BINARY ]] ||
            die "POLYAXON_PR_BINARY=$POLYAXON_PR_BINARY is not an executable file"
        say "using POLYAXON_PR_BINARY=$POLYAXON_PR_BINARY"
        echo "$POLYAXON_PR_BINARY"
        return
    fi
    if [[ -n ${POLYAXON_PR_ARCHIVE:-} ]]; then
        [[ -f $POLYAXON_PR_ARCHIVE ]] || die "POLYAXON_PR_ARCHIVE=$POLYAXON_PR_ARCHIVE is not a file"
        local sums
        sums=$(dirname "$POLYAXON_PR_ARCHIVE")/SHA256SUMS
        if [[ -f $sums ]]; then
            verify "$POLYAXON_PR_ARCHIVE" "$(basename "$POLYAXON_PR_ARCHIVE")" "$sums"
            say "checksum verified: $(basename "$POLYAXON_PR_ARCHIVE") ($sums)"
        else
            say "no SHA256SUMS beside $POLYAXON_PR_ARCHIVE: its checksum is not checked"
        fi
        unpack "$POLYAXON_PR_ARCHIVE" "$WORK"
        return
    fi
    if [[ ${POLYAXON_PR_BUILD:-0} == 1 ]]; then
        say "POLYAXON_PR_BUILD=1"
        build_from_source
        return
    fi
    # A release archive holds its binary; a checkout keeps the one an earlier install put there,
    # which is reused only while it is still this version.
    if [[ -x $PLUGIN_DIR/bin/$PLATFORM/$EXE &&
        $("$PLUGIN_DIR/bin/$PLATFORM/$EXE" --version 2>/dev/null) == "polyaxon-pr $VERSION "* ]]; then
        say "using the binary the archive holds (bin/$PLATFORM/$EXE)"
        cp "$PLUGIN_DIR/bin/$PLATFORM/$EXE" "$WORK/$EXE" || die "cannot read $PLUGIN_DIR/bin/$PLATFORM/$EXE"
        echo "$WORK/$EXE"
        return
    fi
    if ! is_release_platform; then
        say "no prebuilt binary for $PLATFORM (the release has $RELEASE_PLATFORMS)"
        build_from_source
        return
    fi
    fetch "$WORK"
}

# place SOURCE DEST: copy SOURCE to DEST atomically.
place() {
    local source=$1 dest=$2
    mkdir -p "$(dirname "$dest")" || die "cannot create $(dirname "$dest")"
    if ! cp "$source" "$dest.tmp" || ! chmod +x "$dest.tmp" || ! mv -f "$dest.tmp" "$dest"; then
        die "cannot copy $source to $dest"
    fi
}

install_binary() {
    local source=$1 dir version
    version=$("$source" --version) || die "$source does not run on this machine ($PLATFORM)"
    [[ $version == "polyaxon-pr $VERSION "* ]] ||
        say "note: $source is '$version', this plugin is version $VERSION"
    for dir in "$PLUGIN_DIR" "$PLUGIN_DIR/plugins/polyaxon-pr"; do
        # A directory's own binary is already in place when it comes from the archive.
        [[ $source -ef $dir/bin/$PLATFORM/$EXE ]] || place "$source" "$dir/bin/$PLATFORM/$EXE"
        place "$source" "$dir/bin/$EXE"
    done
    say "installed $version in $PLUGIN_DIR/bin"
}

# The major version of the Helm running this hook. Helm 3 gives hooks HELM_BIN; Helm 4 (4.1) gives
# them no HELM_BIN, only HELM_PLUGIN_NAME and HELM_PLUGIN_DIR. By hand, ask the `helm` on PATH.
helm_major() {
    if [[ -n ${POLYAXON_PR_HELM_MAJOR:-} ]]; then
        echo "$POLYAXON_PR_HELM_MAJOR"
    elif [[ -n ${HELM_BIN:-} ]]; then
        "$HELM_BIN" version --template '{{.Version}}' | sed -E 's/^v([0-9]+).*/\1/'
    elif [[ -n ${HELM_PLUGIN_NAME:-} ]]; then
        echo 4
    elif command -v helm >/dev/null 2>&1; then
        helm version --template '{{.Version}}' | sed -E 's/^v([0-9]+).*/\1/'
    else
        echo none
    fi
}

# Helm 4 runs post-renderers only as plugins: install plugins/polyaxon-pr beside this plugin the
# way `helm plugin install DIR` does (a symlink), since Helm 4 gives the hook no way to call itself.
install_postrenderer_plugin() {
    local major source link
    source=$(cd "$PLUGIN_DIR/plugins/polyaxon-pr" && pwd -P) || die "$PLUGIN_DIR/plugins/polyaxon-pr is missing"
    major=$(helm_major) || die "cannot tell the Helm version (set POLYAXON_PR_HELM_MAJOR=3 or 4)"
    case "$major" in
        4 | 5) ;;
        none)
            say "no helm found: on Helm 4, run 'helm plugin install $source' yourself"
            return
            ;;
        *)
            say "Helm $major: use --post-renderer $PLUGIN_DIR/bin/$EXE (or put $PLUGIN_DIR/bin on PATH)"
            return
            ;;
    esac
    if [[ -z ${HELM_PLUGIN_DIR:-} ]]; then
        helm plugin install "$source" >&2 || die "'helm plugin install $source' failed (see above)"
        return
    fi
    # Not named polyaxon-pr: that is likely the directory of this plugin itself (the repository's name).
    link=$(dirname "$HELM_PLUGIN_DIR")/polyaxon-pr-postrenderer
    if [[ -e $link && ! -L $link ]]; then
        say "Helm 4: $link exists and is not a link; leaving that post-renderer plugin as it is"
        return
    fi
    ln -sfn "$source" "$link" || die "cannot link $link to $source"
    say "Helm 4: installed the post-renderer plugin polyaxon-pr ($link): use --post-renderer polyaxon-pr"
}

# A failure inside $(...) does not stop the script by itself: exit with it.
source=$(binary_source) || exit 1
install_binary "$source"
install_postrenderer_plugin
