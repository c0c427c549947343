# The pre-commit hooks of .pre-commit-hooks.yaml, run by the real pre-commit (`try-repo`).

# A hooks repository at this working tree's state (try-repo reads hooks from a git repository)
# and a project repository with a good and a bad values file.
precommit_repos() {
    local dir=$1
    mkdir -p "$dir/hooks" "$dir/project"
    (cd "$E2E_ROOT" && git ls-files -z --cached --others --exclude-standard |
        xargs -0 cp --parents -t "$dir/hooks") 2>/dev/null || true
    git_commit "$dir/hooks"
    cp "$VALUES/gpu.yaml" "$dir/project/values.yaml"
    cp "$VALUES/bad-timezone.yaml" "$dir/project/values-bad.yaml"
    echo "not: [a values file" >"$dir/project/notes.yaml"
    git_commit "$dir/project"
}

git_commit() {
    git -C "$1" init -q
    git -C "$1" add -A
    git -C "$1" -c user.name=e2e -c user.email=e2e@example.invalid commit -q -m files
}

# try_hook DIR HOOK-ID FILE...: `pre-commit try-repo` in the project repository.
try_hook() {
    local dir=$1 hook=$2
    shift 2
    (cd "$dir/project" && PRE_COMMIT_HOME=$dir/pre-commit-home \
        "$TOOLS_VENV/bin/pre-commit" try-repo "$dir/hooks" "$hook" --verbose --files "$@")
}

test_precommit_lint_system_hook_passes_good_and_fails_bad_values() {
    needs_lint
    local dir
    dir=$(scratch)
    precommit_repos "$dir"
    assert_status 0 try_hook "$dir" polyaxon-lint-system values.yaml
    assert_status 1 try_hook "$dir" polyaxon-lint-system values.yaml values-bad.yaml
    assert_matches "$LAST_OUT" 'values-bad\.yaml:3:[0-9]+' "pre-commit output"
    assert_contains "$LAST_OUT" "timeZone" "pre-commit output"
}

test_precommit_hooks_select_values_files_only() {
    local dir
    dir=$(scratch)
    precommit_repos "$dir"
    # notes.yaml is not a values file: the hook must not run on it (nothing to run: skipped).
    assert_status 0 try_hook "$dir" polyaxon-lint-system notes.yaml
    assert_contains "$LAST_OUT" "(no files to check)" "pre-commit output"
}

test_precommit_rust_hook_builds_and_lints() {
    needs_lint
    [[ ${POLYAXON_E2E_CARGO_INSTALL:-1} == 1 ]] ||
        skip "POLYAXON_E2E_CARGO_INSTALL=0: the language: rust hook (cargo install) is not tested"
    local dir
    dir=$(scratch)
    precommit_repos "$dir"
    # pre-commit builds the hook with `cargo install`; the shared target dir keeps that incremental.
    CARGO_TARGET_DIR=$E2E_ROOT/target assert_status 1 try_hook "$dir" polyaxon-lint-cargo values.yaml values-bad.yaml
    assert_matches "$LAST_OUT" 'values-bad\.yaml:3:[0-9]+' "pre-commit output"
}

test_precommit_overlays_hook_checks_overlay_files() {
    needs_overlays_lint
    local dir
    dir=$(scratch)
    precommit_repos "$dir"
    mkdir -p "$dir/project/chart-overlays"
    cp "$E2E_ROOT/chart-overlays/examples/scratch-space.yaml" "$dir/project/chart-overlays/"
    git_commit "$dir/project"
    assert_status 0 try_hook_system_overlays "$dir" chart-overlays/scratch-space.yaml
    mkdir -p "$dir/project/chart-overlays/broken"
    echo "rules: [unclosed" >"$dir/project/chart-overlays/broken/bad.yaml"
    git_commit "$dir/project"
    assert_status 1 try_hook_system_overlays "$dir" chart-overlays/broken/bad.yaml
    assert_matches "$LAST_OUT" 'bad\.yaml:[0-9]+:[0-9]+' "pre-commit output"
    assert_contains "$LAST_OUT" "exit code: 2" "pre-commit output"
}

# The overlays hook (scripts/run-prebuilt.sh) with the binary under test on PATH.
try_hook_system_overlays() {
    local dir=$1
    shift
    try_hook "$dir" polyaxon-overlays-lint "$@"
}

# The default hook on a machine with neither polyaxon-pr nor cargo: it downloads the release
# binary (from the release server on 127.0.0.1), checks it against SHA256SUMS, caches it, and a
# second run uses the cache.
test_precommit_default_hook_fetches_the_release_binary() {
    needs_lint
    local dir v start path
    dir=$(scratch)
    v=$(project_version)
    precommit_repos "$dir"
    mkdir -p "$dir/www"
    cp -r "$(release_dir)" "$dir/www/good"
    start_release_server "$dir/www"
    path=$(nocargo_path)
    start=$SECONDS
    PATH=$path POLYAXON_PR_RELEASE_URL=$RELEASE_SERVER_URL/flaky/good POLYAXON_PR_CACHE_DIR=$dir/cache \
        assert_status 1 try_hook "$dir" polyaxon-lint values.yaml values-bad.yaml
    assert_matches "$LAST_OUT" 'values-bad\.yaml:3:[0-9]+' "pre-commit output"
    assert_contains "$LAST_OUT" "checksum verified" "pre-commit output"
    ((SECONDS - start < 60)) || fail "the first run took $((SECONDS - start)) s"
    [[ -x $dir/cache/$v/linux-amd64/polyaxon-pr ]] || fail "the binary is not cached in $dir/cache/$v/linux-amd64"
    PATH=$path POLYAXON_PR_RELEASE_URL=http://127.0.0.1:9/unreachable POLYAXON_PR_CACHE_DIR=$dir/cache \
        assert_status 0 try_hook "$dir" polyaxon-lint values.yaml
    assert_eq "$(grep -c "polyaxon-pr-$v-linux-amd64.tar.gz" "$RELEASE_SERVER_LOG")" 2 "archive requests (a 503, then one download)"
}

test_precommit_default_hook_refuses_a_wrong_checksum() {
    local dir path
    dir=$(scratch)
    precommit_repos "$dir"
    mkdir -p "$dir/www/bad"
    cp -r "$(release_dir)"/* "$dir/www/bad/"
    sed -i "s/^[0-9a-f]\{64\}/$(printf '0%.0s' $(seq 64))/" "$dir/www/bad/SHA256SUMS"
    start_release_server "$dir/www"
    path=$(nocargo_path)
    PATH=$path POLYAXON_PR_RELEASE_URL=$RELEASE_SERVER_URL/bad POLYAXON_PR_CACHE_DIR=$dir/cache \
        assert_status 1 try_hook "$dir" polyaxon-lint values.yaml
    assert_contains "$LAST_OUT" "checksum mismatch" "pre-commit output"
    [[ ! -e $dir/cache/$(project_version)/linux-amd64/polyaxon-pr ]] || fail "a binary that failed its check was cached"
}
