# Helm 4.1.4: the post-renderer is the installed plugin `polyaxon-pr` (type postrenderer/v1).

# helm4_setup DIR: isolated Helm 4 homes in DIR with the plugins installed.
helm4_setup() {
    helm_home "$1/helm"
    install_plugin "$HELM4"
}

helm4_template() {
    local out=$1
    shift
    "$HELM4" template "$RELEASE" "$CHART" -n "$NAMESPACE" "$@" >"$out" ||
        fail "helm template $* failed"
}

report_file() {
    echo "$XDG_STATE_HOME/polyaxon-pr/last-report.txt"
}

test_helm4_plugin_install_registers_both_plugins() {
    local dir list
    dir=$(scratch)
    helm4_setup "$dir"
    list=$("$HELM4" plugin list)
    assert_matches "$list" $'polyaxon[ \t]+0\\.1\\.0[ \t]+cli/v1' "helm plugin list"
    assert_matches "$list" $'polyaxon-pr[ \t]+0\\.1\\.0[ \t]+postrenderer/v1' "helm plugin list"
    assert_matches "$("$HELM4" polyaxon --version)" '^polyaxon-pr 0\.1\.0 \(' "helm polyaxon --version"
}

test_helm4_template_keeps_every_document_its_source_and_hooks() {
    local dir
    dir=$(scratch)
    helm4_setup "$dir"
    helm4_template "$dir/plain.yaml"
    mapfile -t args < <(post_render_args "$VALUES/gpu.yaml" "$VALUES/scheduling.yaml")
    helm4_template "$dir/post.yaml" --post-renderer polyaxon-pr "${args[@]}"
    assert_eq "$(yq "$dir/post.yaml" objects)" "$(yq "$dir/plain.yaml" objects)" "documents, sources, hooks"
    assert_not_contains "$(cat "$dir/post.yaml")" "generated-by-postrender" "helm template output"
    assert_not_contains "$(cat "$dir/post.yaml")" "postrenderer.helm.sh/postrender-filename" "helm template output"
    k8s_validate "$dir/post.yaml"
    assert_contains "$(cat "$(report_file)")" "the last run succeeded" "the report file"
}

test_helm4_install_dry_run_keeps_hooks_as_hooks() {
    local dir
    dir=$(scratch)
    helm4_setup "$dir"
    mapfile -t args < <(post_render_args "$VALUES/gpu.yaml" "$VALUES/scheduling.yaml")
    "$HELM4" install "$RELEASE" "$CHART" -n "$NAMESPACE" --dry-run=client -o json \
        --post-renderer polyaxon-pr "${args[@]}" >"$dir/release.json" || fail "helm install --dry-run failed"
    local objects
    objects=$(yq --release "$dir/release.json" objects)
    assert_contains "$objects" "$(printf 'Job/polyaxon-sync-db\tpolyaxon-mini/templates/hooks/sync-db-job.yaml\thook')" \
        "the release's hooks"
    assert_eq "$(grep -c manifest <<<"$objects")" 8 "manifest documents"
    local annotations
    annotations=$(yq --release "$dir/release.json" get Job/polyaxon-sync-db 'metadata.annotations')
    assert_contains "$annotations" '"helm.sh/hook": "post-install,post-upgrade"' "hook annotations"
    assert_not_contains "$annotations" "postrender-filename" "hook annotations"
}

test_helm4_install_dry_run_injects_manifest_and_hooks() {
    needs_injection
    local dir
    dir=$(scratch)
    helm4_setup "$dir"
    mapfile -t args < <(post_render_args "$VALUES/gpu.yaml" "$VALUES/scheduling.yaml")
    "$HELM4" install "$RELEASE" "$CHART" -n "$NAMESPACE" --dry-run=client -o json \
        --post-renderer polyaxon-pr "${args[@]}" >"$dir/release.json" || fail "helm install --dry-run failed"
    assert_gpu_injected --release "$dir/release.json"
    yq --release "$dir/release.json" stream >"$dir/release.yaml"
    k8s_validate "$dir/release.yaml"
    # Helm 4 sends hooks too: tolerations.core lands in the hook Job, which is still a hook.
    assert_eq "$(yq --release "$dir/release.json" get Job/polyaxon-sync-db \
        'spec.template.spec.tolerations[key=dedicated].value')" '"core"' "hook Job tolerations.core"
    assert_contains "$(yq --release "$dir/release.json" objects)" $'Job/polyaxon-sync-db\tpolyaxon-mini/templates/hooks/sync-db-job.yaml\thook' \
        "the injected hook"
}

test_helm4_template_injects_gpu_volumes() {
    needs_injection
    local dir
    dir=$(scratch)
    helm4_setup "$dir"
    mapfile -t args < <(post_render_args "$VALUES/gpu.yaml")
    helm4_template "$dir/post.yaml" --post-renderer polyaxon-pr "${args[@]}"
    assert_gpu_injected "$dir/post.yaml"
    k8s_validate "$dir/post.yaml"
}

test_helm4_failure_is_in_the_report_file() {
    local dir
    dir=$(scratch)
    helm4_setup "$dir"
    assert_status 1 "$HELM4" template "$RELEASE" "$CHART" --post-renderer polyaxon-pr \
        --post-renderer-args=-f --post-renderer-args="$dir/missing.yaml"
    # What Helm 4 itself shows: nothing of the plugin's stderr.
    assert_contains "$LAST_OUT" 'plugin "polyaxon-pr" exited with error' "helm's error"
    local report
    report=$(cat "$(report_file)") || fail "no report file at $(report_file)"
    assert_contains "$report" "the last run failed" "the report file"
    assert_contains "$report" "$dir/missing.yaml: cannot read values file" "the report file"
}

test_helm4_invalid_values_are_located_in_the_report_file() {
    needs_validation
    local dir report
    dir=$(scratch)
    helm4_setup "$dir"
    mapfile -t args < <(post_render_args "$VALUES/bad-timezone.yaml")
    assert_status 1 "$HELM4" template "$RELEASE" "$CHART" --post-renderer polyaxon-pr "${args[@]}"
    report=$(cat "$(report_file)") || fail "no report file at $(report_file)"
    assert_matches "$report" 'bad-timezone\.yaml:3:[0-9]+' "the report file"
    assert_contains "$report" "timeZone" "the report file"
}

test_helm4_rejects_an_executable_as_post_renderer() {
    local dir
    dir=$(scratch)
    helm4_setup "$dir"
    # Documents why Helm 4 needs the plugin: a path is not accepted (helm/helm#31340).
    assert_status 1 "$HELM4" template "$RELEASE" "$CHART" --post-renderer "$E2E_BIN/polyaxon-pr"
    assert_contains "$LAST_OUT" "not found" "helm's error"
}

test_helm4_failure_is_shown_on_the_terminal() {
    command -v script >/dev/null 2>&1 || skip "no script(1) to give Helm a terminal"
    local dir
    dir=$(scratch)
    helm4_setup "$dir"
    # script(1) runs Helm on a pseudo-terminal, as a user's shell does.
    printf '%q ' "$HELM4" template "$RELEASE" "$CHART" --post-renderer polyaxon-pr \
        --post-renderer-args=-f --post-renderer-args="$dir/missing.yaml" >"$dir/cmd"
    script -qec "bash $dir/cmd" /dev/null >"$dir/terminal" 2>&1 </dev/null || true
    local terminal
    terminal=$(tr -d '\r' <"$dir/terminal")
    assert_contains "$terminal" "$dir/missing.yaml: cannot read values file" "what the terminal shows"
    assert_contains "$terminal" "report saved to $(report_file)" "what the terminal shows"
    assert_contains "$terminal" 'plugin "polyaxon-pr" exited with error' "what the terminal shows"
}

test_helm4_polyaxon_lint_on_a_terminal_shows_findings_once() {
    needs_lint
    command -v script >/dev/null 2>&1 || skip "no script(1) to give Helm a terminal"
    local dir
    dir=$(scratch)
    helm4_setup "$dir"
    printf '%q ' "$HELM4" polyaxon lint "$VALUES/bad-timezone.yaml" >"$dir/cmd"
    script -qec "bash $dir/cmd" /dev/null >"$dir/terminal" 2>&1 </dev/null || true
    local count
    count=$(grep -c 'bad-timezone\.yaml:3:' "$dir/terminal" || true)
    assert_eq "$count" 1 "times the finding is shown on the terminal ($(cat "$dir/terminal"))"
}
