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
