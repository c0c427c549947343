#!/usr/bin/env bash
# Benchmarks the post-renderer on synthetic Helm-like streams of 100, 1,000 and 10,000 Deployments
# (each with a `# Source:` header, two containers, env and labels; every other one labelled
# `role: experiments`), written to .cache/bench/. Builds the release binary, then prints the wall
# time and peak resident memory (/usr/bin/time -v) of `polyaxon-pr [ARGS...] < stream` for each.
# Timings are for people: no test asserts them.
#
# Usage: scripts/bench.sh [ARGS...]   (ARGS are passed to polyaxon-pr, e.g. -f values.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x /usr/bin/time ]]; then
    echo "==> installing GNU time (apt)" >&2
    sudo=()
    [[ $(id -u) != 0 ]] && sudo=(sudo)
    "${sudo[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq time >&2
fi

echo "==> cargo build --release" >&2
cargo build --release --quiet
BIN=target/release/polyaxon-pr
DIR=.cache/bench
mkdir -p "$DIR"

# One Helm 3 form stream of N Deployments.
generate() {
    awk -v n="$1" 'BEGIN {
        for (i = 0; i < n; i++) {
            role = (i % 2 == 0) ? "experiments" : "core"
            printf "---\n# Source: polyaxon/templates/deployment-%d.yaml\n", i
            printf "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n"
            printf "  name: polyaxon-worker-%d\n  namespace: polyaxon\n", i
            printf "  labels:\n    app: polyaxon-worker-%d\n    role: %s\n", i, role
            printf "    chart: \"polyaxon-0.4.2\"\n    release: \"polyaxon\"\n    heritage: \"Helm\"\n"
            printf "spec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: polyaxon-worker-%d\n", i
            printf "  template:\n    metadata:\n      labels:\n        app: polyaxon-worker-%d\n", i
            printf "        role: %s\n    spec:\n      containers:\n", role
            for (c = 0; c < 2; c++) {
                printf "      - name: container-%d\n        image: \"polyaxon/polyaxon-api:0.4.2\"\n", c
                printf "        imagePullPolicy: IfNotPresent\n"
                printf "        command: [\"/bin/bash\", \"-c\"]\n        args: [\"uwsgi --http :80\"]\n"
                printf "        env:\n        - name: POLYAXON_ROLE\n          value: \"worker\"\n"
                printf "        - name: POLYAXON_DEBUG\n          value: \"false\"\n"
                printf "        - name: POLYAXON_DIRS_NVIDIA\n"
                printf "          value: \"{\\\"bin\\\":\\\"\\\",\\\"lib\\\":\\\"\\\"}\"\n"
                printf "        - name: POD_IP\n          valueFrom: {fieldRef: {fieldPath: status.podIP}}\n"
                printf "        resources:\n          requests:\n            cpu: 300m\n            memory: 312Mi\n"
            }
        }
    }'
}

printf '%-13s %12s %10s %14s\n' deployments "stream bytes" "wall (s)" "peak RSS (MiB)"
for n in 100 1000 10000; do
    stream="$DIR/deployments-$n.yaml"
    [[ -s $stream ]] || generate "$n" > "$stream"
    report=$(mktemp)
    if ! /usr/bin/time -v "$BIN" "$@" < "$stream" > /dev/null 2> "$report"; then
        echo "bench.sh: polyaxon-pr failed on $stream:" >&2
        cat "$report" >&2
        rm -f "$report"
        exit 1
    fi
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, t, ":"); s = 0
        for (i = 1; i <= n; i++) s = s * 60 + t[i]
        printf "%.3f", s
    }' "$report")
    rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$report")
    rm -f "$report"
    printf '%-13s %12s %10s %14s\n' "$n" "$(wc -c < "$stream")" "$wall" "$rss"
done
