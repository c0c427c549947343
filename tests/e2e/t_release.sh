# The release artifacts (scripts/release.sh) and every way of installing them, with the real Helm
# 3.18, 3.17 and 4.1 and no cargo on PATH: the signed Helm 4 packages, the install hook downloading
# from a release server on 127.0.0.1 (retries, a wrong checksum, a 404), air-gapped installs, and
# the build from source.

# release_www DIR: the release under DIR/good (all of it), DIR/badsum (SHA256SUMS with a wrong
# digest for the archive) and DIR/missing (SHA256SUMS only: the archive is a 404).
release_www() {
    local www=$1 r v archive
    r=$(release_dir)
    v=$(project_version)
    archive=polyaxon-pr-$v-linux-amd64.tar.gz
    mkdir -p "$www/good" "$www/badsum" "$www/missing"
    cp "$r"/* "$www/good/"
    cp "$r/$archive" "$www/badsum/"
    sed "s/^[0-9a-f]\{64\}  $archive\$/$(printf '0%.0s' $(seq 64))  $archive/" "$r/SHA256SUMS" >"$www/badsum/SHA256SUMS"
    ! cmp -s "$r/SHA256SUMS" "$www/badsum/SHA256SUMS" || fail "could not make the bad SHA256SUMS"
    cp "$r/SHA256SUMS" "$www/missing/"
}

# A git repository of the plugin's files, as a clone of this project has them.
plugin_repo() {
    local repo=$1
    plugin_copy "$repo"
    git -C "$repo" init -q
    git -C "$repo" add -A
    git -C "$repo" -c user.name=e2e -c user.email=e2e@example.invalid commit -q -m plugin
}

test_release_artifacts_are_complete_checksummed_and_signed() {
    local r v f
    r=$(release_dir)
    v=$(project_version)
    for f in SHA256SUMS "polyaxon-pr-$v-linux-amd64" "polyaxon-pr-$v-linux-amd64.tar.gz" \
        "polyaxon-pr-$v.tgz" "polyaxon-pr-$v.tgz.prov" "polyaxon-$v.tgz" "polyaxon-$v.tgz.prov"; do
        [[ -f $r/$f ]] || fail "the release has no $f: $(ls "$r")"
    done
    (cd "$r" && sha256sum --quiet --strict -c SHA256SUMS) || fail "SHA256SUMS does not match the files"
    assert_eq "$(wc -l <"$r/SHA256SUMS")" 6 "files in SHA256SUMS"
    assert_matches "$("$r/polyaxon-pr-$v-linux-amd64" --version)" "^polyaxon-pr $v \\(" "the binary's --version"
    local list
    list=$(tar -tzf "$r/polyaxon-pr-$v-linux-amd64.tar.gz")
    for f in plugin.yaml scripts/install-binary.sh plugins/polyaxon-pr/plugin.yaml bin/linux-amd64/polyaxon-pr; do
        grep -qx "$f" <<<"$list" || fail "the plugin archive has no $f at its root: $list"
    done
    assert_not_contains "$list" "Cargo.toml" "the plugin archive (nothing to build)"
    # The same inputs give the same plugin archive.
    local again
    again=$(scratch)/release
    HELM=$HELM4 POLYAXON_PR_BIN=$E2E_BIN/polyaxon-pr POLYAXON_PR_RELEASE_DIR=$again POLYAXON_PR_UNSIGNED=1 \
        "$E2E_ROOT/scripts/release.sh" >/dev/null 2>&1 || fail "scripts/release.sh (unsigned) failed"
    cmp -s "$r/polyaxon-pr-$v-linux-amd64.tar.gz" "$again/polyaxon-pr-$v-linux-amd64.tar.gz" ||
        fail "two runs of scripts/release.sh made different plugin archives"
    [[ ! -e $again/polyaxon-pr-$v.tgz.prov ]] || fail "POLYAXON_PR_UNSIGNED=1 still wrote a .prov"
    for f in polyaxon-pr polyaxon; do
        assert_contains "$(tar -tzf "$r/$f-$v.tgz")" "$f/bin/linux-amd64/polyaxon-pr" "$f-$v.tgz"
        "$HELM4" plugin verify "$r/$f-$v.tgz" --keyring "$E2E_TMP/keys/pubring.gpg" >/dev/null 2>&1 ||
            fail "helm plugin verify $f-$v.tgz failed: $("$HELM4" plugin verify "$r/$f-$v.tgz" --keyring "$E2E_TMP/keys/pubring.gpg" 2>&1)"
    done
}

# README: `helm plugin install ./polyaxon-pr-<v>.tgz --keyring ...` with Helm 4's verification on.
test_helm4_signed_packages_install_verified_without_cargo() {
    local dir r v out nocargo
    dir=$(scratch)
    helm_home "$dir/helm"
    r=$(release_dir)
    v=$(project_version)
    nocargo=$(nocargo_path)
    mkdir "$dir/dl"
    cp "$r/polyaxon-pr-$v.tgz" "$r/polyaxon-pr-$v.tgz.prov" "$r/polyaxon-$v.tgz" "$r/polyaxon-$v.tgz.prov" "$dir/dl/"
    # README: `gpg --export >keyring.gpg`, then install with --keyring keyring.gpg.
    GNUPGHOME=$E2E_TMP/keys/home gpg --batch --export >"$dir/dl/keyring.gpg"
    GNUPGHOME=$E2E_TMP/keys/home gpgconf --kill all 2>/dev/null || true
    for f in polyaxon-pr polyaxon; do
        out=$(cd "$dir/dl" && PATH=$nocargo "$HELM4" plugin install "./$f-$v.tgz" --keyring keyring.gpg 2>&1) ||
            fail "helm plugin install ./$f-$v.tgz failed: $out"
        assert_contains "$out" "Plugin Hash Verified" "helm plugin install ./$f-$v.tgz"
    done
    local list
    list=$("$HELM4" plugin list)
    assert_matches "$list" $'polyaxon-pr[ \t]+0\\.1\\.0[ \t]+postrenderer/v1[ \t]+v1[ \t]+signed' "helm plugin list"
    assert_matches "$list" $'polyaxon[ \t]+0\\.1\\.0[ \t]+cli/v1[ \t]+v1[ \t]+signed' "helm plugin list"
    assert_matches "$(PATH=$nocargo "$HELM4" polyaxon --version)" "^polyaxon-pr $v \\(" "helm polyaxon --version"
    PATH=$nocargo "$HELM4" template "$RELEASE" "$CHART" -n "$NAMESPACE" --post-renderer polyaxon-pr \
        --post-renderer-args=-f --post-renderer-args="$VALUES/gpu.yaml" >"$dir/out.yaml" ||
        fail "helm template with the signed post-renderer plugin failed"
    [[ $POLYAXON_E2E_ASSERT_INJECTION != 1 ]] || assert_gpu_injected "$dir/out.yaml"
    if [[ $POLYAXON_E2E_ASSERT_LINT == 1 ]]; then
        assert_status 1 env PATH="$nocargo" "$HELM4" polyaxon lint "$VALUES/bad-timezone.yaml"
    fi
}

test_helm4_refuses_tampered_unsigned_or_foreign_packages() {
    local dir r v name
    dir=$(scratch)
    helm_home "$dir/helm"
    r=$(release_dir)
    v=$(project_version)
    name=polyaxon-pr-$v.tgz
    # Tampered: the binary replaced, the archive repacked under the same name, the .prov kept.
    mkdir -p "$dir/tampered/x"
    tar -xzf "$r/$name" -C "$dir/tampered/x"
    printf '#!/bin/sh\necho pwned\n' >"$dir/tampered/x/polyaxon-pr/bin/linux-amd64/polyaxon-pr"
    tar -czf "$dir/tampered/$name" -C "$dir/tampered/x" polyaxon-pr
    cp "$r/$name.prov" "$dir/tampered/"
    assert_status 1 "$HELM4" plugin install "$dir/tampered/$name" --keyring "$E2E_TMP/keys/pubring.gpg"
    assert_contains "$LAST_OUT" "sha256 sum does not match" "the tampered install's error"
    # Unsigned: no .prov beside the archive.
    mkdir "$dir/unsigned"
    cp "$r/$name" "$dir/unsigned/"
    assert_status 1 "$HELM4" plugin install "$dir/unsigned/$name" --keyring "$E2E_TMP/keys/pubring.gpg"
    assert_matches "$LAST_OUT" "prov" "the unsigned install's error"
    # Signed by a key the keyring does not trust.
    mkdir -p "$dir/other/home"
    chmod 700 "$dir/other/home"
    GNUPGHOME=$dir/other/home gpg --batch --quiet --passphrase '' \
        --quick-gen-key 'someone else <else@example.invalid>' rsa2048 sign never 2>/dev/null
    GNUPGHOME=$dir/other/home gpg --batch --export >"$dir/other/pubring.gpg"
    GNUPGHOME=$dir/other/home gpgconf --kill all 2>/dev/null || true
    assert_status 1 "$HELM4" plugin install "$r/$name" --keyring "$dir/other/pubring.gpg"
    assert_contains "$LAST_OUT" "verification failed" "the foreign-key install's error"
    assert_not_contains "$("$HELM4" plugin list)" "polyaxon-pr" "helm plugin list after the refusals"
    [[ ! -e $HELM_PLUGINS/polyaxon-pr ]] || fail "a refused package left $HELM_PLUGINS/polyaxon-pr"
}

# url_install HELM [FLAG...]: install the plugin repository by its URL (a file:// git URL: Helm
# clones it) with the hook downloading from the release server (its /flaky/ path: the first try
# of each file gets a 503), with no cargo on PATH.
url_install() {
    local helm=$1 dir v log
    shift
    dir=$(scratch)
    helm_home "$dir/helm"
    v=$(project_version)
    release_www "$dir/www"
    start_release_server "$dir/www"
    plugin_repo "$dir/polyaxon-pr"
    log=$(PATH=$(nocargo_path) POLYAXON_PR_RELEASE_URL=$RELEASE_SERVER_URL/flaky/good \
        "$helm" plugin install "file://$dir/polyaxon-pr" "$@" 2>&1) || fail "helm plugin install failed: $log"
    assert_contains "$log" "downloading $RELEASE_SERVER_URL/flaky/good/polyaxon-pr-$v-linux-amd64.tar.gz" "the hook's output"
    assert_contains "$log" "checksum verified: polyaxon-pr-$v-linux-amd64.tar.gz" "the hook's output"
    # One 503, then the retry got it.
    assert_contains "$(cat "$RELEASE_SERVER_LOG")" "GET /flaky/good/polyaxon-pr-$v-linux-amd64.tar.gz 503" "the server log"
    assert_contains "$(cat "$RELEASE_SERVER_LOG")" "GET /flaky/good/polyaxon-pr-$v-linux-amd64.tar.gz 200" "the server log"
    assert_matches "$(PATH=$(nocargo_path) "$helm" polyaxon --version)" "^polyaxon-pr $v \\(" "helm polyaxon --version"
    URL_INSTALL_DIR=$dir
}

test_helm3_repository_install_downloads_and_verifies_the_release() {
    url_install "$HELM3"
    local dir=$URL_INSTALL_DIR
    # Helm 3's post-renderer is the binary, at a fixed path in the plugin directory.
    PATH=$(nocargo_path) "$HELM3" template "$RELEASE" "$CHART" -n "$NAMESPACE" \
        --post-renderer "$HELM_PLUGINS/polyaxon-pr/bin/polyaxon-pr" \
        --post-renderer-args=-f --post-renderer-args="$VALUES/gpu.yaml" >"$dir/out.yaml" ||
        fail "helm template with the downloaded binary failed"
    [[ $POLYAXON_E2E_ASSERT_INJECTION != 1 ]] || assert_gpu_injected "$dir/out.yaml"
}

test_helm4_repository_install_downloads_and_verifies_the_release() {
    url_install "$HELM4" --verify=false
    local dir=$URL_INSTALL_DIR
    PATH=$(nocargo_path) "$HELM4" template "$RELEASE" "$CHART" -n "$NAMESPACE" --post-renderer polyaxon-pr \
        --post-renderer-args=-f --post-renderer-args="$VALUES/gpu.yaml" >"$dir/out.yaml" ||
        fail "helm template with the post-renderer plugin failed"
    [[ $POLYAXON_E2E_ASSERT_INJECTION != 1 ]] || assert_gpu_injected "$dir/out.yaml"
}

# Helm 3 installs the platform's plugin archive by its URL (Helm downloads it; the hook finds the
# binary inside and downloads nothing).
test_helm3_installs_the_platform_archive_by_url() {
    local dir v log
    dir=$(scratch)
    helm_home "$dir/helm"
    v=$(project_version)
    release_www "$dir/www"
    start_release_server "$dir/www"
    log=$(PATH=$(without_tool "$dir/path" curl wget cargo rustc) \
        "$HELM3" plugin install "$RELEASE_SERVER_URL/good/polyaxon-pr-$v-linux-amd64.tar.gz" 2>&1) ||
        fail "helm plugin install of the archive URL failed: $log"
    assert_contains "$log" "using the binary the archive holds" "the hook's output"
    assert_matches "$("$HELM3" polyaxon --version)" "^polyaxon-pr $v \\(" "helm polyaxon --version"
    "$HELM3" template "$RELEASE" "$CHART" -n "$NAMESPACE" --post-renderer "$HELM_PLUGINS/polyaxon-pr/bin/polyaxon-pr" \
        --post-renderer-args=-f --post-renderer-args="$VALUES/gpu.yaml" >"$dir/out.yaml" ||
        fail "helm template with the archive's binary failed"
    [[ $POLYAXON_E2E_ASSERT_INJECTION != 1 ]] || assert_gpu_injected "$dir/out.yaml"
    assert_eq "$(grep -c "SHA256SUMS" "$RELEASE_SERVER_LOG" || true)" 0 "SHA256SUMS requests (the hook downloads nothing)"
}

test_install_hook_refuses_a_wrong_checksum() {
    local dir v
    dir=$(scratch)
    helm_home "$dir/helm"
    v=$(project_version)
    release_www "$dir/www"
    start_release_server "$dir/www"
    plugin_repo "$dir/polyaxon-pr"
    assert_status 1 env PATH="$(nocargo_path)" POLYAXON_PR_RELEASE_URL="$RELEASE_SERVER_URL/badsum" \
        "$HELM3" plugin install "file://$dir/polyaxon-pr"
    assert_contains "$LAST_OUT" "checksum mismatch for polyaxon-pr-$v-linux-amd64.tar.gz" "the install error"
    assert_contains "$LAST_OUT" "nothing was installed" "the install error"
    assert_contains "$LAST_OUT" "helm plugin uninstall polyaxon" "the install error"
    [[ -d $HELM_PLUGINS/polyaxon-pr ]] || fail "the clone is not in $HELM_PLUGINS/polyaxon-pr"
    [[ ! -e $HELM_PLUGINS/polyaxon-pr/bin ]] || fail "a binary was installed despite the checksum mismatch"
}

test_install_hook_reports_a_404_and_an_unreachable_server() {
    local dir v start
    dir=$(scratch)
    helm_home "$dir/helm"
    v=$(project_version)
    release_www "$dir/www"
    start_release_server "$dir/www"
    plugin_repo "$dir/polyaxon-pr"
    assert_status 1 env PATH="$(nocargo_path)" POLYAXON_PR_RELEASE_URL="$RELEASE_SERVER_URL/missing" \
        "$HELM4" plugin install "file://$dir/polyaxon-pr" --verify=false
    assert_contains "$LAST_OUT" "downloading $RELEASE_SERVER_URL/missing/polyaxon-pr-$v-linux-amd64.tar.gz failed" "the install error"
    assert_contains "$LAST_OUT" "404" "the install error"
    assert_contains "$LAST_OUT" "POLYAXON_PR_ARCHIVE" "the install error (the offline way)"
    # A 404 is final: asked once, not retried.
    assert_eq "$(grep -c "GET /missing/polyaxon-pr-$v-linux-amd64.tar.gz 404" "$RELEASE_SERVER_LOG")" 1 "tries of the 404"
    # Nothing listens: bounded retries, then the same kind of message.
    helm_home "$dir/helm2"
    start=$SECONDS
    assert_status 1 env PATH="$(nocargo_path)" POLYAXON_PR_RELEASE_URL=http://127.0.0.1:9/release \
        "$HELM4" plugin install "$dir/polyaxon-pr"
    assert_contains "$LAST_OUT" "downloading http://127.0.0.1:9/release/SHA256SUMS failed: curl: (7)" "the install error"
    ((SECONDS - start < 60)) || fail "the retries took $((SECONDS - start)) s"
}

test_install_hook_downloads_with_wget_when_curl_is_missing() {
    local dir v log path
    dir=$(scratch)
    helm_home "$dir/helm"
    v=$(project_version)
    release_www "$dir/www"
    start_release_server "$dir/www"
    plugin_repo "$dir/polyaxon-pr"
    command -v wget >/dev/null 2>&1 || fail "wget is not installed"
    path=$(without_tool "$dir/path" curl cargo rustc)
    log=$(PATH=$path POLYAXON_PR_RELEASE_URL=$RELEASE_SERVER_URL/flaky/good \
        "$HELM3" plugin install "$dir/polyaxon-pr" 2>&1) || fail "helm plugin install with wget failed: $log"
    assert_contains "$log" "checksum verified" "the hook's output"
    assert_contains "$(cat "$RELEASE_SERVER_LOG")" "GET /flaky/good/polyaxon-pr-$v-linux-amd64.tar.gz 200" "the server log"
}

# Air-gapped: no curl or wget on PATH and no release server; every way still installs.
test_airgapped_installs_need_no_network() {
    local dir r v path helm log
    dir=$(scratch)
    r=$(release_dir)
    v=$(project_version)
    path=$(without_tool "$dir/path" curl wget cargo rustc)
    # The plugin archive, unpacked: its binary is inside (Helm 3.17, 3.18 and 4.1).
    for helm in "$HELM317" "$HELM3" "$HELM4"; do
        helm_home "$dir/helm-$(basename "$(dirname "$helm")")"
        rm -rf "$dir/unpacked"
        mkdir "$dir/unpacked"
        log=$(cd "$dir/unpacked" && mkdir polyaxon-pr &&
            tar -xzf "$r/polyaxon-pr-$v-linux-amd64.tar.gz" -C polyaxon-pr &&
            PATH=$path "$helm" plugin install ./polyaxon-pr 2>&1) ||
            fail "$helm plugin install of the unpacked archive failed: $log"
        assert_contains "$log" "using the binary the archive holds" "the hook's output"
        assert_matches "$(PATH=$path "$helm" polyaxon --version)" "^polyaxon-pr $v \\(" "$helm polyaxon --version"
    done
    # POLYAXON_PR_ARCHIVE: the downloaded archive, checked against the SHA256SUMS beside it.
    helm_home "$dir/helm-archive"
    plugin_copy "$dir/src"
    log=$(PATH=$path POLYAXON_PR_ARCHIVE=$r/polyaxon-pr-$v-linux-amd64.tar.gz \
        "$HELM3" plugin install "$dir/src" 2>&1) || fail "install with POLYAXON_PR_ARCHIVE failed: $log"
    assert_contains "$log" "checksum verified: polyaxon-pr-$v-linux-amd64.tar.gz ($r/SHA256SUMS)" "the hook's output"
    assert_matches "$(PATH=$path "$HELM3" polyaxon --version)" "^polyaxon-pr $v \\(" "helm polyaxon --version"
    release_www "$dir/www"
    helm_home "$dir/helm-archive-bad"
    assert_status 1 env PATH="$path" POLYAXON_PR_ARCHIVE="$dir/www/badsum/polyaxon-pr-$v-linux-amd64.tar.gz" \
        "$HELM3" plugin install "$E2E_PLUGIN_SRC"
    assert_contains "$LAST_OUT" "checksum mismatch" "the install error"
    # POLYAXON_PR_BINARY, on Helm 4 (it installs the post-renderer plugin too).
    helm_home "$dir/helm-binary"
    log=$(PATH=$path POLYAXON_PR_BINARY=$r/polyaxon-pr-$v-linux-amd64 \
        "$HELM4" plugin install "$E2E_PLUGIN_SRC" 2>&1) || fail "install with POLYAXON_PR_BINARY failed: $log"
    assert_matches "$("$HELM4" plugin list)" $'polyaxon-pr[ \t]+0\\.1\\.0[ \t]+postrenderer/v1' "helm plugin list"
}

# The build from source: announced before cargo starts (a fake cargo here; the real build is
# test_install_hook_builds_with_cargo).
test_build_from_source_is_announced_before_it_starts() {
    local dir fake
    dir=$(scratch)
    fake=$dir/fakebin
    mkdir -p "$fake"
    printf '#!/bin/sh\necho "host: x86_64-unknown-linux-gnu"\n' >"$fake/rustc"
    printf '#!/bin/sh\necho "FAKE CARGO $*" >&2\nexit 101\n' >"$fake/cargo"
    chmod +x "$fake/rustc" "$fake/cargo"
    plugin_copy "$dir/src"
    touch "$dir/src/Cargo.toml"
    helm_home "$dir/helm"
    assert_status 1 env PATH="$fake:$(nocargo_path)" POLYAXON_PR_PLATFORM=linux-riscv64 "$HELM3" plugin install "$dir/src"
    assert_matches "$LAST_OUT" "no prebuilt binary for linux-riscv64.*building from source .*several minutes.*FAKE CARGO.*the release build failed" "the install output"
    helm_home "$dir/helm2"
    assert_status 1 env PATH="$fake:$(nocargo_path)" POLYAXON_PR_BUILD=1 "$HELM3" plugin install "$dir/src"
    assert_matches "$LAST_OUT" "POLYAXON_PR_BUILD=1.*building from source .*several minutes.*FAKE CARGO" "the install output"
    # No cargo at all: say what to install.
    helm_home "$dir/helm3"
    assert_status 1 env PATH="$(nocargo_path)" POLYAXON_PR_PLATFORM=linux-riscv64 "$HELM3" plugin install "$dir/src"
    assert_contains "$LAST_OUT" "cargo not found" "the install error"
}

test_workflows_pass_actionlint() {
    local dir
    dir=$(scratch)
    # Every workflow, with the pinned shellcheck for the `run:` scripts, whatever else is on PATH.
    "$TOOLS_VENV/bin/actionlint" -oneline -shellcheck "$TOOLS_VENV/bin/shellcheck" \
        "$E2E_ROOT"/.github/workflows/*.yml >"$dir/out" 2>&1 ||
        fail "actionlint: $(cat "$dir/out")"
    # The linter does read the file: a broken copy fails.
    sed 's/\${{ matrix.exe }}/${{ matrix.nope }}/' "$E2E_ROOT/.github/workflows/release.yml" >"$dir/broken.yml"
    assert_status 1 "$TOOLS_VENV/bin/actionlint" -oneline "$dir/broken.yml"
    assert_contains "$LAST_OUT" "nope" "actionlint on a broken workflow"
}

test_distribution_scripts_pass_shellcheck() {
    local out
    out=$(cd "$E2E_ROOT" && "$TOOLS_VENV/bin/shellcheck" -x -s bash scripts/install-binary.sh \
        scripts/release.sh scripts/run-prebuilt.sh scripts/build-release.sh scripts/fetch-tools.sh 2>&1) ||
        fail "shellcheck: $out"
}

# The release workflow's call: a binary for every platform (fakes but Linux x86_64's). Each lands
# where the manifests' platformCommand for that OS and architecture runs it, in the platform's
# archive and in both Helm 4 packages; the hook unpacks each platform's archive to that place.
test_release_of_every_platform_puts_each_binary_where_the_manifests_run_it() {
    local dir v p exe out
    dir=$(scratch)
    v=$(project_version)
    mkdir "$dir/bins"
    local args=()
    for p in linux-amd64 linux-arm64 darwin-amd64 darwin-arm64 windows-amd64; do
        exe=polyaxon-pr
        [[ $p != windows-* ]] || exe=polyaxon-pr.exe
        mkdir "$dir/bins/$p"
        if [[ $p == linux-amd64 ]]; then
            cp "$E2E_BIN/polyaxon-pr" "$dir/bins/$p/$exe"
        else
            printf '#!/bin/sh\necho "polyaxon-pr %s (%s)"\n' "$v" "$p" >"$dir/bins/$p/$exe"
        fi
        args+=("$p=$dir/bins/$p/$exe")
    done
    HELM=$HELM4 POLYAXON_PR_RELEASE_DIR=$dir/out POLYAXON_PR_UNSIGNED=1 \
        "$E2E_ROOT/scripts/release.sh" "${args[@]}" >"$dir/log" 2>&1 || fail "scripts/release.sh failed: $(cat "$dir/log")"
    assert_eq "$(wc -l <"$dir/out/SHA256SUMS")" 12 "files in SHA256SUMS (5 binaries, 5 archives, 2 packages)"
    for p in linux-amd64 linux-arm64 darwin-amd64 darwin-arm64 windows-amd64; do
        exe=polyaxon-pr
        [[ $p != windows-* ]] || exe=polyaxon-pr.exe
        [[ -f $dir/out/polyaxon-pr-$v-$p${exe#polyaxon-pr} ]] || fail "no binary for $p"
        grep -qx "bin/$p/$exe" <<<"$(tar -tzf "$dir/out/polyaxon-pr-$v-$p.tar.gz")" ||
            fail "the $p archive has no bin/$p/$exe"
        for name in polyaxon-pr polyaxon; do
            assert_contains "$(tar -tzf "$dir/out/$name-$v.tgz")" "$name/bin/$p/$exe" "$name-$v.tgz"
        done
        # The hook, as on that platform, from that platform's archive.
        mkdir -p "$dir/hook-$p"
        cp -r "$E2E_PLUGIN_SRC/plugin.yaml" "$E2E_PLUGIN_SRC/scripts" "$E2E_PLUGIN_SRC/plugins" "$dir/hook-$p/"
        rm -rf "$dir/hook-$p/bin" "$dir/hook-$p"/plugins/*/bin
        out=$(POLYAXON_PR_PLATFORM=$p POLYAXON_PR_HELM_MAJOR=3 POLYAXON_PR_ARCHIVE=$dir/out/polyaxon-pr-$v-$p.tar.gz \
            "$dir/hook-$p/scripts/install-binary.sh" 2>&1) || fail "the hook as $p failed: $out"
        [[ -x $dir/hook-$p/bin/$p/$exe && -x $dir/hook-$p/plugins/polyaxon-pr/bin/$p/$exe ]] ||
            fail "the hook as $p did not install bin/$p/$exe: $out"
    done
    # Each manifest runs, for each platform, the binary at exactly that place.
    "$TOOLS_VENV/bin/python" - "$E2E_ROOT" <<'PY' || fail "a manifest runs a binary the release does not put there"
import sys, yaml
root = sys.argv[1]
want = {
    (os, arch): f"bin/{os}-{arch}/polyaxon-pr" + (".exe" if os == "windows" else "")
    for os, arch in [("linux", "amd64"), ("linux", "arm64"), ("darwin", "amd64"), ("darwin", "arm64"), ("windows", "amd64")]
}
for path in ["plugin.yaml", "plugins/polyaxon-pr/plugin.yaml", "plugins/polyaxon/plugin.yaml"]:
    doc = yaml.safe_load(open(f"{root}/{path}"))
    cmds = doc.get("platformCommand") or doc["runtimeConfig"]["platformCommand"]
    got = {(c.get("os"), c.get("arch")): c["command"].replace("\\", "/") for c in cmds if c.get("arch")}
    for key, rel in want.items():
        if not got.get(key, "").endswith("/" + rel):
            sys.exit(f"{path}: {key} runs {got.get(key)!r}, the release puts the binary at {rel}")
PY
}
