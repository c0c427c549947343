# Helm 3.18.0: the post-renderer is the binary on PATH (`--post-renderer polyaxon-pr`).

# helm3_template OUT [helm args...]: `helm template` of the test chart into OUT.
helm3_template() {
    local out=$1
    shift
    "$HELM3" template "$RELEASE" "$CHART" -n "$NAMESPACE" "$@" >"$out" ||
        fail "helm template $* failed"
}

test_helm3_passthrough_is_byte_exact() {
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    helm3_template "$dir/plain.yaml"
    helm3_template "$dir/post.yaml" --post-renderer polyaxon-pr
    cmp "$dir/plain.yaml" "$dir/post.yaml" || fail "post-rendering without values changed the output"
}

test_helm3_template_with_values_keeps_every_document_and_its_source() {
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    helm3_template "$dir/plain.yaml"
    mapfile -t args < <(post_render_args "$VALUES/gpu.yaml")
    helm3_template "$dir/post.yaml" --post-renderer polyaxon-pr "${args[@]}"
    assert_eq "$(yq "$dir/post.yaml" objects)" "$(yq "$dir/plain.yaml" objects)" "documents and sources"
    assert_eq "$(grep -c '^# Source: polyaxon-mini/templates/' "$dir/post.yaml")" 9 "# Source: lines"
    k8s_validate "$dir/post.yaml"
}

test_helm3_template_injects_gpu_volumes() {
    needs_injection
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    mapfile -t args < <(post_render_args "$VALUES/gpu.yaml")
    helm3_template "$dir/post.yaml" --post-renderer polyaxon-pr "${args[@]}"
    assert_gpu_injected "$dir/post.yaml"
    k8s_validate "$dir/post.yaml"
}

test_helm3_show_only_keeps_working() {
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    mapfile -t args < <(post_render_args "$VALUES/gpu.yaml")
    helm3_template "$dir/api.yaml" --post-renderer polyaxon-pr "${args[@]}" \
        --show-only templates/api-deployment.yaml
    assert_eq "$(yq "$dir/api.yaml" objects)" \
        "$(printf 'Deployment/polyaxon-polyaxon-api\tpolyaxon-mini/templates/api-deployment.yaml\tmanifest')" \
        "--show-only output"
    if [[ $POLYAXON_E2E_ASSERT_INJECTION == 1 ]]; then
        yq "$dir/api.yaml" has Deployment/polyaxon-polyaxon-api 'spec.template.spec.volumes[name=nvidia-lib]' ||
            fail "--show-only output lacks the injected nvidia-lib volume"
    fi
}

test_helm3_install_dry_run_post_renders_the_manifest_not_the_hooks() {
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    mapfile -t args < <(post_render_args "$VALUES/gpu.yaml" "$VALUES/scheduling.yaml")
    # The fake API server serves no OpenAPI documents, hence --disable-openapi-validation.
    "$HELM3" install "$RELEASE" "$CHART" -n "$NAMESPACE" --dry-run=client -o json \
        --disable-openapi-validation --post-renderer polyaxon-pr "${args[@]}" >"$dir/release.json" || fail "helm install --dry-run failed"
    local objects
    objects=$(yq --release "$dir/release.json" objects)
    assert_contains "$objects" "$(printf 'Job/polyaxon-sync-db\tpolyaxon-mini/templates/hooks/sync-db-job.yaml\thook')" \
        "the release's hooks"
    assert_eq "$(grep -c manifest <<<"$objects")" 8 "manifest documents"
    # Helm 3 never sends hooks to a post-renderer (helm/helm#7891): the hook Job keeps the chart's pod spec.
    ! yq --release "$dir/release.json" has Job/polyaxon-sync-db 'spec.template.spec.tolerations' ||
        fail "Helm 3 is not expected to post-render hooks"
    yq --release "$dir/release.json" stream >"$dir/release.yaml"
    k8s_validate "$dir/release.yaml"
    if [[ $POLYAXON_E2E_ASSERT_INJECTION == 1 ]]; then
        assert_gpu_injected --release "$dir/release.json"
        assert_eq "$(yq --release "$dir/release.json" get Deployment/polyaxon-polyaxon-api \
            'spec.template.spec.tolerations[key=dedicated].value')" '"core"' "api tolerations.core"
    fi
}

test_helm3_unreadable_values_file_fails_the_release() {
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    assert_status 1 "$HELM3" template "$RELEASE" "$CHART" --post-renderer polyaxon-pr \
        --post-renderer-args=-f --post-renderer-args="$dir/missing.yaml"
    assert_contains "$LAST_OUT" "$dir/missing.yaml: cannot read values file" "helm's error"
    assert_contains "$LAST_OUT" "exit status 2" "helm's error"
}

test_helm3_invalid_values_fail_with_the_location() {
    needs_validation
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    mapfile -t args < <(post_render_args "$VALUES/bad-timezone.yaml")
    assert_status 1 "$HELM3" template "$RELEASE" "$CHART" --post-renderer polyaxon-pr "${args[@]}"
    assert_matches "$LAST_OUT" 'bad-timezone\.yaml:3:[0-9]+' "helm's error"
    assert_contains "$LAST_OUT" "timeZone" "helm's error"
    assert_contains "$LAST_OUT" "exit status 1" "helm's error"
}

test_helm3_malformed_values_fail_as_input_error() {
    needs_validation
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    mapfile -t args < <(post_render_args "$VALUES/broken.yaml")
    assert_status 1 "$HELM3" template "$RELEASE" "$CHART" --post-renderer polyaxon-pr "${args[@]}"
    assert_matches "$LAST_OUT" 'broken\.yaml:[0-9]+:[0-9]+' "helm's error"
    assert_contains "$LAST_OUT" "exit status 2" "helm's error"
}

test_helm3_report_flag_writes_the_report_file() {
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    assert_status 1 "$HELM3" template "$RELEASE" "$CHART" --post-renderer polyaxon-pr \
        --post-renderer-args=--report --post-renderer-args="$dir/report.txt" \
        --post-renderer-args=-f --post-renderer-args="$dir/missing.yaml"
    assert_contains "$(cat "$dir/report.txt")" "$dir/missing.yaml: cannot read values file" "the --report file"
    [[ ! -e $XDG_STATE_HOME/polyaxon-pr/last-report.txt ]] ||
        fail "outside a Helm plugin, only --report is written"
}
