#!/usr/bin/env bash
# End-to-end tests with the real tools: Helm 3.18.0 and 4.1.4 (and 3.17.0 for the plugin manifest),
# pre-commit and kubernetes-validate
# (pinned, fetched into .cache/ by scripts/fetch-tools.sh). Each `test_*` function of
# tests/e2e/t_*.sh runs in its own bash process with isolated Helm homes; the last line is
# `N passed, N failed, N skipped`, and the exit code is non-zero when a test failed.
#
#   tests/e2e/run.sh [PATTERN]     # only tests whose name contains PATTERN
#
# Switches (default 1; set to 0 to skip the tests that need the feature):
#   POLYAXON_E2E_ASSERT_INJECTION, POLYAXON_E2E_ASSERT_VALIDATION, POLYAXON_E2E_ASSERT_LINT,
#   POLYAXON_E2E_ASSERT_OVERLAYS_LINT
# POLYAXON_E2E_CARGO_INSTALL=0 skips the two tests that build with cargo (install hook, pre-commit).
# POLYAXON_PR_BIN=path uses that binary instead of building one with `cargo build`.
set -euo pipefail
cd "$(dirname "$0")/../.."
export E2E_ROOT=$PWD
PATTERN=${1:-}

eval "$(scripts/fetch-tools.sh --env)"
export HELM3 HELM317 HELM4 KUBECTL TOOLS_VENV
for tool in "$HELM3" "$HELM317" "$HELM4" "$TOOLS_VENV/bin/pre-commit" "$TOOLS_VENV/bin/kubernetes-validate" \
    "$TOOLS_VENV/bin/actionlint" "$TOOLS_VENV/bin/shellcheck"; do
    [[ -x $tool ]] || { echo "e2e: $tool is missing: run scripts/fetch-tools.sh" >&2; exit 1; }
done

E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/polyaxon-pr-e2e.XXXXXX")
export E2E_TMP
FAKE_APISERVER_PID=
trap '[[ -z $FAKE_APISERVER_PID ]] || kill "$FAKE_APISERVER_PID" 2>/dev/null; rm -rf "$E2E_TMP"' EXIT

# Helm 3's `install --dry-run=client` insists on a reachable cluster (see fake_apiserver.py).
"$TOOLS_VENV/bin/python" tests/e2e/fake_apiserver.py "$E2E_TMP/apiserver.port" &
FAKE_APISERVER_PID=$!
for _ in $(seq 50); do [[ -s $E2E_TMP/apiserver.port ]] && break; sleep 0.1; done
[[ -s $E2E_TMP/apiserver.port ]] || { echo "e2e: the fake API server did not start" >&2; exit 1; }
export KUBECONFIG=$E2E_TMP/kubeconfig
cat >"$KUBECONFIG" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster: {server: "http://127.0.0.1:$(cat "$E2E_TMP/apiserver.port")"}
contexts:
- name: fake
  context: {cluster: fake, user: fake}
current-context: fake
users:
- name: fake
  user: {}
KUBECONFIG

# The binary under test, alone in a directory on PATH (Helm 3 looks a bare --post-renderer up there).
export E2E_BIN=$E2E_TMP/bin
mkdir -p "$E2E_BIN"
if [[ -z ${POLYAXON_PR_BIN:-} ]]; then
    echo "e2e: cargo build"
    cargo build --quiet --bin polyaxon-pr
    POLYAXON_PR_BIN=$(cargo metadata --format-version 1 --no-deps |
        "$TOOLS_VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/debug/polyaxon-pr
fi
cp "$POLYAXON_PR_BIN" "$E2E_BIN/polyaxon-pr"
export PATH=$E2E_BIN:$PATH

# The plugin's files as a user's checkout has them (installing them must not write into this tree).
export E2E_PLUGIN_SRC=$E2E_TMP/plugin-src/polyaxon-pr
mkdir -p "$E2E_PLUGIN_SRC/scripts" "$E2E_PLUGIN_SRC/plugins/polyaxon-pr"
cp plugin.yaml "$E2E_PLUGIN_SRC/"
cp scripts/install-binary.sh scripts/build-release.sh "$E2E_PLUGIN_SRC/scripts/"
cp plugins/polyaxon-pr/plugin.yaml "$E2E_PLUGIN_SRC/plugins/polyaxon-pr/"

# No test reaches the network: an install hook that would download from the real release location
# (a test that forgot to set it) gets a refused connection on 127.0.0.1 instead.
export POLYAXON_PR_RELEASE_URL=http://127.0.0.1:9/no-release-server
# The tests' servers are on 127.0.0.1: never through a proxy.
export NO_PROXY=127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY} no_proxy=127.0.0.1,localhost${no_proxy:+,$no_proxy}

# Every feature the switches guard has landed, so their tests always run: a switch defaults to 1
# (an auto-detection would silently skip the tests of a feature that regressed). Set one to 0 to
# skip those tests explicitly.
for name in POLYAXON_E2E_ASSERT_INJECTION POLYAXON_E2E_ASSERT_VALIDATION POLYAXON_E2E_ASSERT_LINT \
    POLYAXON_E2E_ASSERT_OVERLAYS_LINT; do
    export "$name=${!name:-1}"
    echo "e2e: $name=${!name}"
done

passed=0 failed=0 skipped=0 failures=()
for file in tests/e2e/t_*.sh; do
    for test in $(bash -c "source '$file'; declare -F" | awk '{print $3}' | grep '^test_'); do
        [[ -z $PATTERN || $test == *"$PATTERN"* ]] || continue
        log=$E2E_TMP/$test.log
        start=$SECONDS
        status=0
        bash -c "source tests/e2e/lib.sh; source '$file'; set -euo pipefail; $test" >"$log" 2>&1 </dev/null || status=$?
        case $status in
            0)
                passed=$((passed + 1))
                echo "ok      $test ($((SECONDS - start))s)"
                ;;
            77)
                skipped=$((skipped + 1))
                echo "skipped $test: $(grep '^SKIP:' "$log" | tail -1 | cut -c7-)"
                ;;
            *)
                failed=$((failed + 1))
                failures+=("$test")
                echo "FAILED  $test (exit $status, $((SECONDS - start))s); its output:"
                sed 's/^/    | /' "$log"
                ;;
        esac
    done
done

echo
if ((failed > 0)); then
    echo "e2e: FAILED: ${failures[*]}"
fi
echo "e2e: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
