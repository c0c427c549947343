# GitOps recipes (README): the commands an Argo CD Config Management Plugin and Flux run.

# The non-hook stream, as a kustomize post-renderer (Flux) sees it.
manifest_stream() {
    "$HELM3" template "$RELEASE" "$CHART" -n "$NAMESPACE" --no-hooks >"$1" || fail "helm template failed"
}

test_export_kustomize_applied_by_kustomize_equals_the_post_renderer() {
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    mkdir -p "$dir/k"
    manifest_stream "$dir/k/stream.yaml"
    polyaxon-pr export kustomize -f "$VALUES/gpu.yaml" -f "$VALUES/scheduling.yaml" \
        <"$dir/k/stream.yaml" >"$dir/patches.yaml" || fail "polyaxon-pr export kustomize failed"
    { echo "resources: [stream.yaml]"; cat "$dir/patches.yaml"; } >"$dir/k/kustomization.yaml"
    # kubectl's embedded kustomize (1.35) applies the patches as Flux's kustomize does.
    "$KUBECTL" kustomize "$dir/k" >"$dir/kustomized.yaml" || fail "kubectl kustomize rejected the patches"
    polyaxon-pr -f "$VALUES/gpu.yaml" -f "$VALUES/scheduling.yaml" <"$dir/k/stream.yaml" \
        >"$dir/post-rendered.yaml" || fail "polyaxon-pr failed"
    assert_eq "$(yq "$dir/kustomized.yaml" canonical)" "$(yq "$dir/post-rendered.yaml" canonical)" \
        "objects from kustomize + exported patches vs polyaxon-pr"
    if [[ $POLYAXON_E2E_ASSERT_INJECTION == 1 ]]; then
        assert_gpu_injected "$dir/kustomized.yaml"
        assert_matches "$(cat "$dir/patches.yaml")" 'kind: DaemonSet' "the exported patches"
    fi
    k8s_validate "$dir/kustomized.yaml"
}

test_export_kustomize_leaves_hooks_out_and_says_so() {
    needs_injection
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    "$HELM3" template "$RELEASE" "$CHART" -n "$NAMESPACE" >"$dir/stream.yaml"
    polyaxon-pr export kustomize -f "$VALUES/scheduling.yaml" <"$dir/stream.yaml" >"$dir/patches.yaml" ||
        fail "polyaxon-pr export kustomize failed"
    assert_contains "$(head -5 "$dir/patches.yaml")" "Not exported (Helm hooks" "the header"
    assert_contains "$(head -5 "$dir/patches.yaml")" "Job/polyaxon-sync-db" "the header"
    assert_not_contains "$(grep -A4 'target:' "$dir/patches.yaml")" "kind: Job" "the patch targets"
}

# The generate command of the README's Argo CD ConfigManagementPlugin, run as Argo CD runs it:
# `sh -c` in the application's directory, ARGOCD_APP_* set, the plugin's env as ARGOCD_ENV_*.
# shellcheck disable=SC2016 # expanded by the sh -c that runs it, as in Argo CD
ARGOCD_GENERATE='helm template "$ARGOCD_APP_NAME" . -n "$ARGOCD_APP_NAMESPACE" -f "$ARGOCD_ENV_VALUES" | polyaxon-pr -f "$ARGOCD_ENV_VALUES"'

test_argocd_cmp_generate_command() {
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    cp -R "$CHART" "$dir/app"
    cp "$VALUES/timezone.yaml" "$dir/app/values-polyaxon.yaml"
    mkdir -p "$dir/bin"
    ln -s "$HELM3" "$dir/bin/helm"
    grep -qF "$ARGOCD_GENERATE" "$E2E_ROOT/README.md" ||
        fail "the README's Argo CD recipe is not the command tested here"
    (cd "$dir/app" && PATH=$dir/bin:$PATH ARGOCD_APP_NAME=$RELEASE ARGOCD_APP_NAMESPACE=$NAMESPACE \
        ARGOCD_ENV_VALUES=values-polyaxon.yaml sh -c "$ARGOCD_GENERATE") >"$dir/out.yaml" ||
        fail "the Argo CD generate command failed"
    assert_eq "$(grep -c '^# Source:' "$dir/out.yaml")" 9 "documents"
    if [[ $POLYAXON_E2E_ASSERT_INJECTION == 1 ]]; then
        assert_eq "$(yq "$dir/out.yaml" get ConfigMap/polyaxon-polyaxon-config 'data.POLYAXON_TIME_ZONE')" \
            '"Europe/Berlin"' "ConfigMap POLYAXON_TIME_ZONE"
    fi
    k8s_validate "$dir/out.yaml"
}

# kpt runs `polyaxon-pr krm` as an exec function (the README's kpt recipe). No registry this
# project uses carries kpt; the machine image may have it (Google Cloud SDK's kpt component).
kpt_package() {
    local dir=$1 values=$2
    mkdir -p "$dir/pkg"
    "$HELM3" template "$RELEASE" "$CHART" -n "$NAMESPACE" --no-hooks >"$dir/pkg/polyaxon.yaml"
    {
        printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: polyaxon-values\ndata:\n  values: |\n'
        sed 's/^/    /' "$values"
    } >"$dir/polyaxon-values.yaml"
}

test_kpt_runs_the_krm_function() {
    command -v kpt >/dev/null 2>&1 || skip "kpt is not installed (no package registry used here carries it)"
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    kpt_package "$dir" "$VALUES/gpu.yaml"
    (cd "$dir" && kpt fn eval pkg --exec "$E2E_BIN/polyaxon-pr krm" --fn-config polyaxon-values.yaml) \
        >"$dir/log" 2>&1 || fail "kpt fn eval failed: $(cat "$dir/log")"
    if [[ $POLYAXON_E2E_ASSERT_INJECTION == 1 ]]; then
        assert_gpu_injected "$dir/pkg/polyaxon.yaml"
    fi
    k8s_validate "$dir/pkg/polyaxon.yaml"
}

test_kpt_shows_the_krm_function_results_on_failure() {
    needs_validation
    command -v kpt >/dev/null 2>&1 || skip "kpt is not installed (no package registry used here carries it)"
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    kpt_package "$dir" "$VALUES/bad-timezone.yaml"
    cp "$dir/pkg/polyaxon.yaml" "$dir/before.yaml"
    assert_status 1 bash -c "cd '$dir' && kpt fn eval pkg --exec '$E2E_BIN/polyaxon-pr krm' \
        --fn-config polyaxon-values.yaml --results-dir results"
    assert_contains "$LAST_OUT" "[FAIL]" "kpt's output"
    assert_matches "$LAST_OUT" 'functionConfig data\.values:3:[0-9]+' "kpt's output"
    assert_contains "$(cat "$dir/results/results.yaml")" "severity: error" "kpt's results file"
    cmp -s "$dir/before.yaml" "$dir/pkg/polyaxon.yaml" || fail "kpt changed the package although the function failed"
}
