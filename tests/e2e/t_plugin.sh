# `helm plugin install` of the repository on Helm 3 and 4, the install hook, `helm polyaxon ...`.

# A CLI plugin of someone else's, to check ours does not break the others.
other_plugin() {
    local dir=$1/other-plugin
    mkdir -p "$dir"
    cat >"$dir/plugin.yaml" <<'EOF'
name: other
version: 1.0.0
usage: another plugin
description: another plugin
platformCommand:
  - os: linux
    command: "echo other plugin runs"
  - os: darwin
    command: "echo other plugin runs"
EOF
    echo "$dir"
}

test_helm3_plugin_install_keeps_other_plugins_working() {
    local dir list
    dir=$(scratch)
    helm_home "$dir/helm"
    "$HELM3" plugin install "$(other_plugin "$dir")" >/dev/null
    install_plugin "$HELM3"
    list=$("$HELM3" plugin list 2>&1)
    assert_matches "$list" $'other[ \t]+1\\.0\\.0' "helm plugin list"
    assert_matches "$list" $'polyaxon[ \t]+0\\.1\\.0' "helm plugin list"
    assert_not_contains "$list" "failed to load" "helm plugin list"
    assert_eq "$("$HELM3" other)" "other plugin runs" "helm other"
    assert_matches "$("$HELM3" polyaxon --version)" '^polyaxon-pr 0\.1\.0 \(' "helm polyaxon --version"
    # No v1 manifest where Helm 3 looks (it would make Helm 3 load no plugin at all).
    ! grep -rqs '^apiVersion: v1' "$HELM_PLUGINS"/*/plugin.yaml || fail "a v1 plugin manifest is in Helm 3's plugin directory"
    [[ -x $HELM_PLUGINS/polyaxon-pr/bin/polyaxon-pr ]] || fail "the binary is not in \$HELM_PLUGIN_DIR/bin"
}

test_helm3_post_renderer_from_the_plugin_bin_dir() {
    local dir
    dir=$(scratch)
    helm_home "$dir/helm"
    install_plugin "$HELM3"
    "$HELM3" template "$RELEASE" "$CHART" --post-renderer "$HELM_PLUGINS/polyaxon-pr/bin/polyaxon-pr" \
        --post-renderer-args=-f --post-renderer-args="$VALUES/gpu.yaml" >"$dir/out.yaml" ||
        fail "helm template with the plugin's binary as post-renderer failed"
    assert_eq "$(grep -c '^# Source:' "$dir/out.yaml")" 9 "documents"
}

test_helm4_plugin_install_keeps_other_plugins_working() {
    local dir list
    dir=$(scratch)
    helm_home "$dir/helm"
    "$HELM4" plugin install "$(other_plugin "$dir")" >/dev/null 2>&1
    install_plugin "$HELM4"
    list=$("$HELM4" plugin list 2>&1)
    assert_matches "$list" $'other[ \t]+1\\.0\\.0' "helm plugin list"
    assert_eq "$("$HELM4" other)" "other plugin runs" "helm other"
    assert_matches "$("$HELM4" polyaxon --version)" '^polyaxon-pr 0\.1\.0 \(' "helm polyaxon --version"
    # A second install (an update) must not fail on the post-renderer plugin already being there.
    "$HELM4" plugin uninstall polyaxon >/dev/null 2>&1 || fail "helm plugin uninstall polyaxon failed"
    install_plugin "$HELM4"
    "$HELM4" plugin uninstall polyaxon polyaxon-pr >/dev/null 2>&1 || fail "helm plugin uninstall of both failed"
    list=$("$HELM4" plugin list 2>&1)
    assert_not_contains "$list" "polyaxon" "helm plugin list after uninstall"
}

test_install_hook_without_cargo_or_binary_fails_loudly() {
    local dir fakebin
    dir=$(scratch)
    helm_home "$dir/helm"
    # A PATH with what the hook needs but no cargo, curl or wget.
    fakebin=$dir/fakebin
    mkdir -p "$fakebin"
    local tool
    for tool in bash sh env cat cp mv mkdir dirname uname sed awk grep ln rm mktemp tr head cut chmod; do
        ln -s "$(command -v "$tool")" "$fakebin/$tool"
    done
    plugin_copy "$dir/src"
    assert_status 1 env -u POLYAXON_PR_BINARY PATH="$fakebin" "$HELM3" plugin install "$dir/src"
    assert_contains "$LAST_OUT" "neither curl nor wget is installed" "the install error"
    assert_contains "$LAST_OUT" "POLYAXON_PR_ARCHIVE=" "the install error"
    helm_home "$dir/helm-riscv"
    assert_status 1 env -u POLYAXON_PR_BINARY PATH="$fakebin" POLYAXON_PR_PLATFORM=linux-riscv64 \
        "$HELM3" plugin install "$dir/src"
    assert_contains "$LAST_OUT" "cargo not found" "the install error"
    assert_not_contains "$LAST_OUT" "does not run" "the install error (it stops at the first one)"
    helm_home "$dir/helm-again"
    assert_status 1 env POLYAXON_PR_BINARY="$dir/nope" "$HELM3" plugin install "$E2E_PLUGIN_SRC"
    assert_contains "$LAST_OUT" "is not an executable file" "the install error"
}

test_install_hook_builds_with_cargo() {
    [[ ${POLYAXON_E2E_CARGO_INSTALL:-1} == 1 ]] ||
        skip "POLYAXON_E2E_CARGO_INSTALL=0: the cargo build --release path of the install hook is not tested"
    local dir src
    dir=$(scratch)
    helm_home "$dir/helm"
    # A copy of the working tree as a clone has it (the hook builds in the plugin directory),
    # sharing the repository's target dir so the release build is reused between runs.
    src=$dir/polyaxon-pr
    mkdir -p "$src"
    (cd "$E2E_ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$src") || fail "cannot copy the sources"
    CARGO_TARGET_DIR=$E2E_ROOT/target POLYAXON_PR_BUILD=1 env -u POLYAXON_PR_BINARY "$HELM4" plugin install "$src" >"$dir/log" 2>&1 ||
        fail "helm plugin install with cargo build failed: $(cat "$dir/log")"
    assert_matches "$(cat "$dir/log")" "building from source .*several minutes.*Finished" "the install output"
    assert_matches "$("$HELM4" polyaxon --version)" '^polyaxon-pr 0\.1\.0 \(' "helm polyaxon --version"
    assert_matches "$("$HELM4" plugin list)" $'polyaxon-pr[ \t]+0\\.1\\.0[ \t]+postrenderer/v1' "helm plugin list"
}

# helm polyaxon lint: Helm passes the plugin's exit code through (0 clean, 1 findings, 2 input).
lint_exit_codes() {
    local helm=$1 dir
    dir=$(scratch)
    helm_home "$dir/helm"
    install_plugin "$helm"
    assert_status 0 "$helm" polyaxon lint "$VALUES/gpu.yaml"
    assert_status 1 "$helm" polyaxon lint "$VALUES/bad-timezone.yaml"
    assert_matches "$LAST_OUT" 'bad-timezone\.yaml:3:[0-9]+' "helm polyaxon lint output"
    assert_status 2 "$helm" polyaxon lint "$dir/missing.yaml"
}

test_helm3_polyaxon_lint_exit_codes() {
    needs_lint
    lint_exit_codes "$HELM3"
}

test_helm4_polyaxon_lint_exit_codes() {
    needs_lint
    lint_exit_codes "$HELM4"
}

test_helm317_plugin_install_post_render_and_lint() {
    local dir list
    dir=$(scratch)
    helm_home "$dir/helm"
    "$HELM317" plugin install "$(other_plugin "$dir")" >/dev/null
    install_plugin "$HELM317"
    list=$("$HELM317" plugin list 2>&1)
    assert_matches "$list" $'polyaxon[ \t]+0\\.1\\.0' "helm 3.17 plugin list"
    assert_eq "$("$HELM317" other)" "other plugin runs" "helm other"
    assert_matches "$("$HELM317" polyaxon --version)" '^polyaxon-pr 0\.1\.0 \(' "helm polyaxon --version"
    "$HELM317" template "$RELEASE" "$CHART" -n "$NAMESPACE" --post-renderer polyaxon-pr \
        --post-renderer-args=-f --post-renderer-args="$VALUES/gpu.yaml" >"$dir/out.yaml" ||
        fail "helm 3.17 template with the post-renderer failed"
    if [[ $POLYAXON_E2E_ASSERT_INJECTION == 1 ]]; then
        assert_gpu_injected "$dir/out.yaml"
    fi
    if [[ $POLYAXON_E2E_ASSERT_LINT == 1 ]]; then
        assert_status 1 "$HELM317" polyaxon lint "$VALUES/bad-timezone.yaml"
        assert_status 2 "$HELM317" polyaxon lint "$dir/missing.yaml"
    fi
}
