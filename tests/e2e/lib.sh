# Helpers for the end-to-end tests (sourced by run.sh and by every test process).
#
# Each test is a bash function `test_*` in a `t_*.sh` file, run by run.sh in its own bash process
# with `set -euo pipefail`: any failing command fails the test, `fail` says why, `skip` (exit 77)
# marks a test whose feature has not landed yet, with the reason. run.sh exports:
#   E2E_ROOT (the repository), E2E_TMP (scratch, removed at the end), E2E_BIN (dir with the
#   polyaxon-pr binary, on PATH), HELM3, HELM317, HELM4, TOOLS_VENV, E2E_PLUGIN_SRC (a copy of the plugin
#   files), POLYAXON_E2E_ASSERT_INJECTION / _VALIDATION / _LINT / _OVERLAYS_LINT (1 or 0, see run.sh).

# shellcheck disable=SC2034 # used by the t_*.sh files sourced after this one
CHART=${E2E_ROOT:-.}/tests/charts/polyaxon-mini
# shellcheck disable=SC2034
VALUES=${E2E_ROOT:-.}/tests/e2e/values
# shellcheck disable=SC2034
RELEASE=polyaxon
# shellcheck disable=SC2034
NAMESPACE=polyaxon

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

skip() {
    echo "SKIP: $*" >&2
    exit 77
}

# A fresh directory for this test.
scratch() {
    mktemp -d "$E2E_TMP/t.XXXXXX"
}

# yq FILE|--release FILE ARGS...: see yamlq.py.
yq() {
    "$TOOLS_VENV/bin/python" "$E2E_ROOT/tests/e2e/yamlq.py" "$@"
}

assert_eq() {
    local actual=$1 expected=$2 what=${3:-value}
    [[ $actual == "$expected" ]] || fail "$what: expected [$expected], got [$actual]"
}

assert_contains() {
    local haystack=$1 needle=$2 what=${3:-output}
    [[ $haystack == *"$needle"* ]] || fail "$what does not contain [$needle]: [$haystack]"
}

assert_not_contains() {
    local haystack=$1 needle=$2 what=${3:-output}
    [[ $haystack != *"$needle"* ]] || fail "$what contains [$needle]: [$haystack]"
}

assert_matches() {
    local text=$1 regex=$2 what=${3:-output}
    [[ $text =~ $regex ]] || fail "$what does not match /$regex/: [$text]"
}

# assert_status EXPECTED CMD...: run CMD (stdout and stderr to $LAST_OUT), check its exit code.
assert_status() {
    local expected=$1 status=0
    shift
    LAST_OUT=$("$@" 2>&1) || status=$?
    [[ $status == "$expected" ]] || fail "exit code $status, expected $expected, from: $* ; output: $LAST_OUT"
}

# Isolated Helm homes for one major version inside DIR: each test has its own plugins. Helm 4.1
# installs plugins into $HELM_DATA_HOME/plugins whatever HELM_PLUGINS says, so keep them equal.
helm_home() {
    local dir=$1
    export HELM_DATA_HOME=$dir/data HELM_CONFIG_HOME=$dir/config HELM_CACHE_HOME=$dir/cache
    export HELM_PLUGINS=$HELM_DATA_HOME/plugins XDG_STATE_HOME=$dir/state
    mkdir -p "$HELM_PLUGINS" "$HELM_CONFIG_HOME" "$HELM_CACHE_HOME"
}

# install_plugin HELM: `helm plugin install` of the plugin files with the prebuilt test binary.
install_plugin() {
    POLYAXON_PR_BINARY=$E2E_BIN/polyaxon-pr "$1" plugin install "$E2E_PLUGIN_SRC" >/dev/null 2>&1 ||
        fail "helm plugin install $E2E_PLUGIN_SRC failed: $(POLYAXON_PR_BINARY=$E2E_BIN/polyaxon-pr "$1" plugin install "$E2E_PLUGIN_SRC" 2>&1)"
}

# plugin_copy DIR: a copy of the plugin files with no binary in it (installs that link
# E2E_PLUGIN_SRC itself leave their binary in its bin/).
plugin_copy() {
    cp -r "$E2E_PLUGIN_SRC" "$1"
    rm -rf "${1:?}/bin" "${1:?}"/plugins/*/bin
}

# post_render_args FILE...: the --post-renderer-args for `-f FILE...`.
post_render_args() {
    local file
    for file in "$@"; do
        printf -- '--post-renderer-args=-f\n--post-renderer-args=%s\n' "$file"
    done
}

# k8s_validate FILE: strict schema validation of every document (kubernetes-validate).
k8s_validate() {
    local out
    out=$("$TOOLS_VENV/bin/kubernetes-validate" --strict --quiet "$1" 2>&1) ||
        fail "kubernetes-validate --strict rejected $1: $out"
}

needs_injection() {
    [[ ${POLYAXON_E2E_ASSERT_INJECTION:-0} == 1 ]] ||
        skip "POLYAXON_E2E_ASSERT_INJECTION=0"
}

needs_validation() {
    [[ ${POLYAXON_E2E_ASSERT_VALIDATION:-0} == 1 ]] ||
        skip "POLYAXON_E2E_ASSERT_VALIDATION=0"
}

needs_lint() {
    [[ ${POLYAXON_E2E_ASSERT_LINT:-0} == 1 ]] ||
        skip "POLYAXON_E2E_ASSERT_LINT=0"
}

needs_overlays_lint() {
    [[ ${POLYAXON_E2E_ASSERT_OVERLAYS_LINT:-0} == 1 ]] ||
        skip "POLYAXON_E2E_ASSERT_OVERLAYS_LINT=0"
}

# GPU injection in a stream or release (yq's first arguments): volumes and mounts where chart 0.4
# puts them (api container polyaxon-api, scheduler, resources), nowhere else.
assert_gpu_injected() {
    local api=Deployment/polyaxon-polyaxon-api sched=Deployment/polyaxon-polyaxon-scheduler
    local ds=DaemonSet/polyaxon-polyaxon-resources obj
    for obj in "$api" "$sched" "$ds"; do
        assert_eq "$(yq "$@" get "$obj" 'spec.template.spec.volumes[name=nvidia-lib].hostPath.path')" \
            '"/usr/lib/nvidia-384"' "$obj nvidia-lib volume"
        assert_eq "$(yq "$@" get "$obj" 'spec.template.spec.volumes[name=nvidia-libcuda].hostPath.path')" \
            '"/usr/lib/x86_64-linux-gnu/libcuda.so.1"' "$obj nvidia-libcuda volume"
        assert_eq "$(yq "$@" get "$obj" 'spec.template.spec.containers[0].volumeMounts[name=nvidia-bin].mountPath')" \
            '"/usr/lib/nvidia-384/bin"' "$obj nvidia-bin mount"
    done
    assert_eq "$(yq "$@" get "$api" 'spec.template.spec.containers[name=polyaxon-api].volumeMounts[name=nvidia-lib].mountPath')" \
        '"/usr/lib/nvidia-384"' "api polyaxon-api nvidia-lib mount"
    ! yq "$@" has "$api" 'spec.template.spec.containers[name=polyaxon-streams].volumeMounts[name=nvidia-lib]' ||
        fail "the polyaxon-streams container got the nvidia-lib mount (chart 0.4 mounts it in polyaxon-api only)"
    ! yq "$@" has Deployment/polyaxon-polyaxon-beat 'spec.template.spec.volumes[name=nvidia-lib]' ||
        fail "the beat Deployment got the nvidia-lib volume (only api, scheduler and resources get it)"
    local dirs
    dirs=$(yq "$@" get ConfigMap/polyaxon-polyaxon-config 'data.POLYAXON_DIRS_NVIDIA')
    assert_contains "$dirs" '/usr/lib/nvidia-384/bin' "ConfigMap POLYAXON_DIRS_NVIDIA"
}

# The release artifacts of scripts/release.sh for the binary under test, signed with a throwaway
# key made here (gpg): made once per run in $E2E_TMP/release; prints that directory. The keyrings
# are in the legacy format Helm reads: $E2E_TMP/keys/pubring.gpg and secring.gpg.
release_dir() {
    local dir=$E2E_TMP/release keys=$E2E_TMP/keys
    if [[ ! -f $dir/.complete ]]; then
        command -v gpg >/dev/null 2>&1 || fail "gpg is missing: scripts/fetch-tools.sh installs it (Debian gnupg)"
        mkdir -p "$keys/home"
        chmod 700 "$keys/home"
        GNUPGHOME=$keys/home gpg --batch --quiet --passphrase '' \
            --quick-gen-key 'polyaxon-pr e2e <e2e@example.invalid>' rsa2048 sign never 2>/dev/null ||
            fail "gpg could not make the test key"
        GNUPGHOME=$keys/home gpg --batch --export >"$keys/pubring.gpg"
        GNUPGHOME=$keys/home gpg --batch --export-secret-keys >"$keys/secring.gpg"
        GNUPGHOME=$keys/home gpgconf --kill all 2>/dev/null || true
        HELM=$HELM4 POLYAXON_PR_BIN=$E2E_BIN/polyaxon-pr POLYAXON_PR_RELEASE_DIR=$dir \
            POLYAXON_PR_SIGN_KEY='polyaxon-pr e2e' POLYAXON_PR_SIGN_KEYRING=$keys/secring.gpg \
            "$E2E_ROOT/scripts/release.sh" >"$E2E_TMP/release.log" 2>&1 ||
            fail "scripts/release.sh failed: $(cat "$E2E_TMP/release.log")"
        touch "$dir/.complete"
    fi
    echo "$dir"
}

# The version of this tree (Cargo.toml).
project_version() {
    sed -n 's/^version *= *"\(.*\)"/\1/p' "$E2E_ROOT/Cargo.toml" | head -1
}

# A PATH with the system's tools and no cargo or rustc (nor the binary under test): one directory
# of links, made once per run.
nocargo_path() {
    local dir=$E2E_TMP/nocargo-path
    if [[ ! -f $dir.complete ]]; then
        without_tool "$dir" cargo rustc rustup polyaxon-pr >/dev/null
        touch "$dir.complete"
    fi
    ! PATH=$dir command -v cargo >/dev/null 2>&1 || fail "cargo is still on the no-cargo PATH $dir"
    echo "$dir"
}

# without_tool DIR TOOL...: DIR gets a link to every program of the system's PATH but TOOL...;
# prints DIR (a PATH without those tools).
without_tool() {
    local dir=$1 file name
    shift
    mkdir -p "$dir"
    for file in /usr/local/bin/* /usr/bin/* /bin/*; do
        name=${file##*/}
        [[ -x $file && ! -e $dir/$name ]] || continue
        [[ " $* " != *" $name "* ]] || continue
        ln -s "$file" "$dir/$name"
    done
    echo "$dir"
}

# start_release_server ROOT: serve ROOT on 127.0.0.1 (tests/e2e/release_server.py); sets
# RELEASE_SERVER_URL and RELEASE_SERVER_LOG, and stops the server when the test's shell exits.
start_release_server() {
    local root=$1 state
    state=$(mktemp -d "$E2E_TMP/server.XXXXXX")
    "$TOOLS_VENV/bin/python" "$E2E_ROOT/tests/e2e/release_server.py" "$root" "$state/port" "$state/log" &
    RELEASE_SERVER_PID=$!
    trap 'kill "$RELEASE_SERVER_PID" 2>/dev/null || true' EXIT
    local _
    for _ in $(seq 100); do [[ -s $state/port ]] && break; sleep 0.1; done
    [[ -s $state/port ]] || fail "the release server did not start"
    RELEASE_SERVER_URL=http://127.0.0.1:$(cat "$state/port")
    RELEASE_SERVER_LOG=$state/log
    touch "$RELEASE_SERVER_LOG"
}
