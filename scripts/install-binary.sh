#!/usr/bin/env bash
# The install/update hook of the `polyaxon` Helm plugin (plugin.yaml), also usable by hand.
#
# 1. Gets the binary: $POLYAXON_PR_BINARY (a prebuilt polyaxon-pr) when set, else the release
#    build of this repository (scripts/build-release.sh: statically linked on Linux/glibc).
# 2. Copies it into $HELM_PLUGIN_DIR/bin/ (the CLI plugin `helm polyaxon`) and
#    $HELM_PLUGIN_DIR/plugins/polyaxon-pr/bin/ (the Helm 4 post-renderer plugin).
# 3. On Helm 4, installs the post-renderer plugin `polyaxon-pr` too (Helm 4 takes only plugins as
#    --post-renderer); `helm plugin uninstall polyaxon polyaxon-pr` removes both. On Helm 3 the
#    post-renderer is the binary itself: put bin/ on PATH.
# Any failure stops the install with a message that says what to do.
set -euo pipefail

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

PLUGIN_DIR=${HELM_PLUGIN_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
[[ -f $PLUGIN_DIR/plugin.yaml ]] || die "$PLUGIN_DIR is not the polyaxon-pr plugin directory (no plugin.yaml)"
EXE=polyaxon-pr
case "$(uname -s)" in
    MINGW* | MSYS* | CYGWIN*) EXE=polyaxon-pr.exe ;;
esac

binary_source() {
    if [[ -n ${POLYAXON_PR_BINARY:-} ]]; then
        [[ -f $POLYAXON_PR_BINARY && -x $POLYAXON_PR_BINARY ]] ||
            die "POLYAXON_PR_BINARY=$POLYAXON_PR_BINARY is not an executable file"
        echo "$POLYAXON_PR_BINARY"
        return
    fi
    command -v cargo >/dev/null 2>&1 ||
        die "cargo not found and no prebuilt binary given. Install Rust (https://rustup.rs) or set POLYAXON_PR_BINARY=/path/to/polyaxon-pr and install again."
    say "building with scripts/build-release.sh (cargo, a few minutes the first time)"
    "$PLUGIN_DIR/scripts/build-release.sh" || die "the release build failed (see above)"
}

install_binary() {
    local source=$1 dest
    "$source" --version >/dev/null || die "$source does not run"
    for dest in "$PLUGIN_DIR/bin" "$PLUGIN_DIR/plugins/polyaxon-pr/bin"; do
        mkdir -p "$dest" || die "cannot create $dest"
        if ! cp "$source" "$dest/$EXE.tmp" || ! mv -f "$dest/$EXE.tmp" "$dest/$EXE"; then
            die "cannot copy $source to $dest/$EXE"
        fi
    done
    say "installed $("$PLUGIN_DIR/bin/$EXE" --version) in $PLUGIN_DIR/bin"
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
