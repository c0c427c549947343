#!/usr/bin/env bash
# Benchmarks polyaxon-pr, side by side with kustomize, and writes BENCHMARKS.md + BENCHMARKS.svg.
#
# In one run, on the same inputs:
#   - synthetic Helm 3 streams of 100, 1,000 and 10,000 Deployments (each with a `# Source:`
#     header, two containers, env and labels; every other one labelled `role: experiments`),
#     written to .cache/bench/. The job "a hostPath volume and its mount in every container of
#     the role: experiments Deployments, plus TZ=UTC in every container" (every container of
#     every Deployment: the issue's wording; so every document is edited) is done by polyaxon-pr
#     (two overlay rules, --overlays) and by kustomize as a post-renderer (`kubectl kustomize` over
#     a kustomization holding the stream and two strategic-merge patches);
#     scripts/bench/compare.py checks both outputs carry the same injected objects;
#   - memory on a ~100 MB stream (BENCH_LARGE Deployments, default 62,500): polyaxon-pr alone,
#     passing it through and with the overlay (peak RSS against the input size);
#   - the real Polyaxon stream with the GPU and stores values, against `cat` of the same file.
# Wall time is the median of several runs, peak memory the maximum RSS (scripts/bench/measure.py);
# the ratios come from the same run. Finally `perf record` profiles polyaxon-pr on the largest
# stream ("where the time goes"). Timings are for people: no test asserts them.
#
#   scripts/bench.sh                 # everything; writes BENCHMARKS.md and BENCHMARKS.svg
#   BENCH_SIZES="100 1000" scripts/bench.sh
#   KUSTOMIZE_TIMEOUT=600 scripts/bench.sh   # stop kustomize after 600 s on one stream (default 1200)
#   POLYAXON_PR_BIN=path/to/polyaxon-pr scripts/bench.sh   # an already built binary
#   scripts/bench.sh --report-only  # rewrite BENCHMARKS.md from the last run's .cache/bench/
#
# Needs: cargo, python3, GNU time, and kubectl + a venv with PyYAML from scripts/fetch-tools.sh
# (run here when missing). perf (Debian `linux-perf`) is optional: without it the profile
# section says so.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
read -ra SIZES <<<"${BENCH_SIZES:-100 1000 10000}"
read -ra GPU_SIZES <<<"${BENCH_GPU_SIZES-100 1000}"   # empty: no GPU job
read -ra RELEASES <<<"${BENCH_RELEASES-30 300}"       # empty: no releases job
DIR=$ROOT/.cache/bench

write_report() {
    python3 scripts/bench/report.py "$DIR/results.jsonl" "$DIR/machine.txt" "$DIR/profile.md" \
        BENCHMARKS.svg scripts/bench/notes.md > BENCHMARKS.md
    echo "==> wrote BENCHMARKS.md and BENCHMARKS.svg" >&2
    grep -A18 '^## Targets' BENCHMARKS.md >&2
}

if [[ ${1:-} == --report-only ]]; then
    write_report
    exit 0
fi
KUSTOMIZE_TIMEOUT=${KUSTOMIZE_TIMEOUT:-1200}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}

if [[ ! -x /usr/bin/time ]]; then
    echo "==> installing GNU time (apt)" >&2
    sudo=()
    [[ $(id -u) != 0 ]] && sudo=(sudo)
    "${sudo[@]}" apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq time >&2
fi

if [[ -n ${POLYAXON_PR_BIN:-} ]]; then
    BIN=$(realpath "$POLYAXON_PR_BIN")
else
    echo "==> scripts/build-release.sh (the binary as it ships)" >&2
    BIN=$(scripts/build-release.sh)
fi
scripts/fetch-tools.sh >&2
# shellcheck source=/dev/null
source <(scripts/fetch-tools.sh --env)
PY=$TOOLS_VENV/bin/python
mkdir -p "$DIR"
RESULTS=$DIR/results.jsonl
: > "$RESULTS"

# One Helm 3 form stream of N Deployments; generate N gpu: the role: experiments ones (every
# other one) ask for a GPU (resources.limits nvidia.com/gpu: 1 in both containers).
generate() {
    awk -v n="$1" -v gpu="${2:-0}" 'BEGIN {
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
                if (gpu && i % 2 == 0) printf "          limits:\n            nvidia.com/gpu: 1\n"
            }
        }
    }'
}

# The job as a polyaxon-pr overlay.
cat > "$DIR/overlay.yaml" <<'EOF'
apiVersion: polyaxon-pr/v1
kind: Overlay
metadata:
  name: bench-scratch
rules:
  - name: scratch space for the experiments
    match:
      kinds: [Deployment]
      labels: {role: experiments}
    volumes: [{name: scratch, hostPath: {path: /mnt/scratch, type: DirectoryOrCreate}}]
    volumeMounts: [{name: scratch, mountPath: /scratch}]
    expect: "1+"
  - name: UTC everywhere
    match:
      kinds: [Deployment]
    env: [{name: TZ, value: UTC}]
    expect: "1+"
EOF

# The same job as kustomize patches (containers are merged by name: both are named in each patch).
kustomization() {
    cat <<'EOF'
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - stream.yaml
patches:
  - target:
      kind: Deployment
      labelSelector: role=experiments
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: any
      spec:
        template:
          spec:
            volumes:
              - {name: scratch, hostPath: {path: /mnt/scratch, type: DirectoryOrCreate}}
            containers:
              - name: container-0
                volumeMounts: [{name: scratch, mountPath: /scratch}]
              - name: container-1
                volumeMounts: [{name: scratch, mountPath: /scratch}]
  - target:
      kind: Deployment
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: any
      spec:
        template:
          spec:
            containers:
              - name: container-0
                env: [{name: TZ, value: UTC}]
              - name: container-1
                env: [{name: TZ, value: UTC}]
EOF
}

# The generic GPU job: what polyaxon-pr adds with the dirs.nvidia values to each Deployment whose
# containers ask for nvidia.com/gpu (the role: experiments ones of a `generate N gpu` stream).
GPU_SET=(--set dirs.nvidia.lib=/usr/lib/nvidia --set dirs.nvidia.bin=/usr/lib/nvidia/bin
    --set dirs.nvidia.libcuda=/usr/lib/x86_64-linux-gnu/libcuda.so.1)

# The same job as a kustomize patch on those Deployments.
gpu_kustomization() {
    cat <<'EOF'
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - stream.yaml
patches:
  - target:
      kind: Deployment
      labelSelector: role=experiments
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: any
      spec:
        template:
          spec:
            volumes:
              - {name: nvidia-lib, hostPath: {path: /usr/lib/nvidia}}
              - {name: nvidia-bin, hostPath: {path: /usr/lib/nvidia/bin}}
              - {name: nvidia-libcuda, hostPath: {path: /usr/lib/x86_64-linux-gnu/libcuda.so.1}}
            containers:
              - name: container-0
                volumeMounts: &mounts
                  - {name: nvidia-lib, mountPath: /usr/lib/nvidia, readOnly: true}
                  - {name: nvidia-bin, mountPath: /usr/lib/nvidia/bin, readOnly: true}
                  - {name: nvidia-libcuda, mountPath: /usr/lib/x86_64-linux-gnu/libcuda.so.1, readOnly: true}
                env: &env
                  - {name: LD_LIBRARY_PATH, value: "/usr/lib/nvidia:/usr/lib/x86_64-linux-gnu/libcuda.so.1"}
              - name: container-1
                volumeMounts: *mounts
                env: *env
EOF
}

OVERLAY_ARGS=()
NOTE=""
if "$BIN" --help | grep -q -- '--overlays'; then
    OVERLAY_ARGS=(--overlays "$DIR/overlay.yaml")
else
    NOTE="This binary has no --overlays yet: polyaxon-pr passed the streams through unchanged, so the comparison is not like for like."
    echo "bench.sh: WARNING: $NOTE" >&2
fi

# measure JSON_FIELDS RUNS STDIN STDOUT [--timeout S] -- CMD...: one result line into RESULTS.
measure() {
    local fields=$1 runs=$2 input=$3 output=$4
    shift 4
    local result
    result=$(python3 scripts/bench/measure.py --runs "$runs" --warmup 1 --stdin "$input" \
        --stdout "$output" "$@")
    echo "{$fields, ${result#\{}" >> "$RESULTS"
    echo "    $fields -> $result" >&2
}

runs_for() { # polyaxon-pr's runs: milliseconds each, so enough for a steady median (kustomize's: below)
    case $1 in 100 | 1000) echo 30 ;; *) echo 10 ;; esac
}

# kustomize_case CASE N BYTES KDIR OUT: `kubectl kustomize KDIR` timed (one run from 1,000
# Deployments up, stopped after KUSTOMIZE_TIMEOUT), one result line; prints the result.
kustomize_case() {
    local case=$1 n=$2 bytes=$3 kdir=$4 out=$5 kruns kwarm result
    kruns=$([[ $n -ge 1000 ]] && echo 1 || echo 3)
    kwarm=$([[ $n -ge 1000 ]] && echo 0 || echo 1)
    result=$(python3 scripts/bench/measure.py --runs "$kruns" --warmup "$kwarm" --stdin /dev/null \
        --stdout "$out" --timeout "$KUSTOMIZE_TIMEOUT" -- "$KUBECTL" kustomize "$kdir")
    echo "{\"case\": \"$case\", \"tool\": \"kustomize\", \"n\": $n, \"bytes\": $bytes, ${result#\{}" >> "$RESULTS"
    echo "    kustomize -> $result" >&2
    echo "$result"
}

# compared JOB N MESSAGE: a comparison's verdict into RESULTS.
compared() {
    echo "{\"case\": \"compare\", \"job\": \"$1\", \"n\": $2, \"message\": \"$2: ${3#compare: }\"}" >> "$RESULTS"
    echo "    $3" >&2
}

for n in "${SIZES[@]}"; do
    stream=$DIR/deployments-$n.yaml
    [[ -s $stream ]] || generate "$n" > "$stream"
    bytes=$(wc -c < "$stream")
    echo "==> $n Deployments ($bytes bytes)" >&2
    measure "\"case\": \"synthetic\", \"tool\": \"polyaxon-pr\", \"n\": $n, \"bytes\": $bytes" \
        "$(runs_for "$n")" "$stream" "$DIR/polyaxon-pr-$n.out" -- "$BIN" "${OVERLAY_ARGS[@]}"
    kdir=$DIR/kustomize-$n
    mkdir -p "$kdir"
    cp "$stream" "$kdir/stream.yaml"
    kustomization > "$kdir/kustomization.yaml"
    result=$(kustomize_case synthetic "$n" "$bytes" "$kdir" "$DIR/kustomize-$n.out")
    if grep -q '"timed_out"' <<<"$result"; then
        compared synthetic "$n" "kustomize stopped after ${KUSTOMIZE_TIMEOUT}s, not compared"
    elif message=$("$PY" scripts/bench/compare.py "$DIR/polyaxon-pr-$n.out" "$DIR/kustomize-$n.out"); then
        compared synthetic "$n" "$message"
    else
        echo "bench.sh: the outputs differ at $n Deployments:" >&2
        echo "$message" >&2
        exit 1
    fi
done

# The generic GPU job, by polyaxon-pr (--set dirs.nvidia.*) and by kustomize (gpu_kustomization).
for n in "${GPU_SIZES[@]}"; do
    stream=$DIR/gpu-deployments-$n.yaml
    [[ -s $stream ]] || generate "$n" gpu > "$stream"
    bytes=$(wc -c < "$stream")
    echo "==> the generic GPU job: $n Deployments, half asking for a GPU ($bytes bytes)" >&2
    measure "\"case\": \"gpu\", \"tool\": \"polyaxon-pr\", \"n\": $n, \"bytes\": $bytes" \
        "$(runs_for "$n")" "$stream" "$DIR/gpu-polyaxon-pr-$n.out" -- "$BIN" "${GPU_SET[@]}"
    kdir=$DIR/gpu-kustomize-$n
    mkdir -p "$kdir"
    cp "$stream" "$kdir/stream.yaml"
    gpu_kustomization > "$kdir/kustomization.yaml"
    result=$(kustomize_case gpu "$n" "$bytes" "$kdir" "$DIR/gpu-kustomize-$n.out")
    if grep -q '"timed_out"' <<<"$result"; then
        compared gpu "$n" "kustomize stopped after ${KUSTOMIZE_TIMEOUT}s, not compared"
    elif message=$("$PY" scripts/bench/compare.py --gpu "$stream" "$DIR/gpu-polyaxon-pr-$n.out" \
        "$DIR/gpu-kustomize-$n.out"); then
        compared gpu "$n" "$message"
    else
        echo "bench.sh: the outputs of the GPU job differ at $n Deployments:" >&2
        echo "$message" >&2
        exit 1
    fi
done

LARGE=${BENCH_LARGE:-62500}
if [[ $LARGE -gt 0 ]]; then
    stream=$DIR/deployments-$LARGE.yaml
    [[ -s $stream ]] || generate "$LARGE" > "$stream"
    bytes=$(wc -c < "$stream")
    echo "==> memory: $LARGE Deployments ($bytes bytes)" >&2
    measure "\"case\": \"large\", \"tool\": \"passthrough\", \"n\": $LARGE, \"bytes\": $bytes" \
        1 "$stream" "$DIR/large-passthrough.out" -- "$BIN"
    cmp -s "$stream" "$DIR/large-passthrough.out" || { echo "bench.sh: passthrough changed the stream" >&2; exit 1; }
    measure "\"case\": \"large\", \"tool\": \"overlay\", \"n\": $LARGE, \"bytes\": $bytes" \
        1 "$stream" "$DIR/large-overlay.out" -- "$BIN" "${OVERLAY_ARGS[@]}"
    rm -f "$DIR/large-passthrough.out" "$DIR/large-overlay.out"
fi

echo "==> the Polyaxon stream against cat" >&2
F=tests/fixtures/polyaxon-0.4.2
# In turns (polyaxon-pr, then cat), so that the ratio is of runs on the machine in one state.
result=$(python3 scripts/bench/measure.py --runs 30 --warmup 3 --stdin "$F/helm3/defaults.yaml" \
    --stdout "$DIR/polyaxon.out" --against cat \
    -- "$BIN" -f "$F/values/gpu.values.yaml" -f "$F/values/stores.values.yaml")
python3 -c 'import json, sys
r = json.loads(sys.argv[1]); cat = r.pop("against")
print(json.dumps({"case": "polyaxon", "tool": "polyaxon-pr", **r}))
print(json.dumps({"case": "polyaxon", "tool": "cat", **cat}))' "$result" >> "$RESULTS"
echo "    polyaxon-pr and cat in turns -> $result" >&2

# release NAME: the Polyaxon stream as the release NAME (its objects, labels and ConfigMaps renamed).
release() {
    sed -e "s/polyaxon-polyaxon/$1-polyaxon/g" \
        -e "s/polyaxon-\(postgresql\|rabbitmq\|redis\|docker-registry\)/$1-\1/g" \
        -e "s/release: \"polyaxon\"/release: \"$1\"/" -e "s/redis-config/$1-redis-config/g" \
        "$F/helm3/defaults.yaml"
}

# Many releases in one stream: copies of the Polyaxon stream, each its own release with its own
# config ConfigMap, post-rendered with the GPU and stores values. The output must be the
# releases' own post-renders, one after the other.
POLYAXON_VALUES=(-f "$F/values/gpu.values.yaml" -f "$F/values/stores.values.yaml")
for n in "${RELEASES[@]}"; do
    stream=$DIR/releases-$n.yaml
    : > "$stream"
    : > "$DIR/releases-$n.each"
    for i in $(seq -f '%03g' 1 "$n"); do
        release "r$i" > "$DIR/release.yaml"
        cat "$DIR/release.yaml" >> "$stream"
        "$BIN" "${POLYAXON_VALUES[@]}" < "$DIR/release.yaml" >> "$DIR/releases-$n.each" 2> /dev/null
    done
    bytes=$(wc -c < "$stream")
    configs=$(grep -c '^  name: r[0-9]*-polyaxon-config$' "$stream")
    [[ $configs == "$n" ]] || { echo "bench.sh: $n releases hold $configs config ConfigMaps" >&2; exit 1; }
    echo "==> $n Polyaxon releases in one stream ($bytes bytes)" >&2
    measure "\"case\": \"releases\", \"tool\": \"polyaxon-pr\", \"n\": $n, \"bytes\": $bytes" \
        "$([[ $n -ge 100 ]] && echo 3 || echo 10)" "$stream" "$DIR/releases-$n.out" \
        --timeout "$BENCH_TIMEOUT" -- "$BIN" "${POLYAXON_VALUES[@]}"
    if ! tail -n1 "$RESULTS" | grep -q '"timed_out"'; then
        cmp -s "$DIR/releases-$n.out" "$DIR/releases-$n.each" || {
            echo "bench.sh: $n releases in one stream are not post-rendered as each release alone" >&2
            exit 1
        }
        compared releases "$n" "each of the $n releases post-rendered as it is alone (byte for byte)"
    else
        compared releases "$n" "stopped after ${BENCH_TIMEOUT}s, not compared"
    fi
    rm -f "$DIR/release.yaml" "$DIR/releases-$n.each"
done

# diff and export kustomize on a stream of BENCH_DIFF Deployments with the overlay, against the
# post-render of the same stream; each run stopped after BENCH_TIMEOUT seconds. The diff, applied
# to the input with patch(1), must give the post-render's output.
n=${BENCH_DIFF:-8000}
if [[ $n -gt 0 ]]; then
    stream=$DIR/deployments-$n.yaml
    [[ -s $stream ]] || generate "$n" > "$stream"
    bytes=$(wc -c < "$stream")
    echo "==> diff and export kustomize: $n Deployments ($bytes bytes)" >&2
    measure "\"case\": \"subcommands\", \"tool\": \"post-render\", \"n\": $n, \"bytes\": $bytes" \
        3 "$stream" "$DIR/sub-post-render.out" --timeout "$BENCH_TIMEOUT" -- "$BIN" "${OVERLAY_ARGS[@]}"
    # One run each of the subcommands, under GNU time for the peak RSS.
    finished=()
    for sub in diff export; do
        args=("$sub")
        [[ $sub == export ]] && args=(export kustomize)
        result=$(python3 scripts/bench/measure.py --runs 1 --warmup 0 --stdin "$stream" \
            --stdout "$DIR/sub-$sub.out" --timeout "$BENCH_TIMEOUT" -- "$BIN" "${args[@]}" "${OVERLAY_ARGS[@]}")
        echo "{\"case\": \"subcommands\", \"tool\": \"$sub\", \"n\": $n, \"bytes\": $bytes, ${result#\{}" >> "$RESULTS"
        echo "    $sub -> $result" >&2
        grep -q '"timed_out"' <<<"$result" || finished+=("$sub")
    done
    if [[ " ${finished[*]} " == *" diff "* ]]; then
        # A diff that does not give the post-render is a finding of the run: reported, not fatal.
        if failed=$(patch -s -o "$DIR/sub-patched.out" "$stream" < "$DIR/sub-diff.out" 2>&1) &&
            cmp -s "$DIR/sub-patched.out" "$DIR/sub-post-render.out"; then
            compared subcommands "$n" "the diff applied to the input (patch) is the post-render, byte for byte"
        else
            failed=$(head -n1 <<<"$failed" | sed 's/ -- saving.*//; s/"/'"'"'/g')
            echo "bench.sh: WARNING: the diff of $n Deployments applied to the input is not the post-render" >&2
            compared subcommands "$n" "MISMATCH: the diff applied to the input (patch) is not the post-render (patch: ${failed:-applied, output differs})"
            sed -i '$ s/}$/, "ok": false}/' "$RESULTS"
        fi
        rm -f "$DIR/sub-patched.out.rej" "$DIR/sub-patched.out.orig"
    else
        compared subcommands "$n" "diff stopped after ${BENCH_TIMEOUT}s, not compared"
    fi
    rm -f "$DIR"/sub-*.out*
fi

echo "==> profile" >&2
# profile TITLE INPUT REPEAT CMD...: perf record of CMD run REPEAT times on INPUT, grouped by stage.
profile() {
    local title=$1 input=$2 repeat=$3
    shift 3
    # shellcheck disable=SC2016 # the loop's variables are the inner shell's
    if perf record -q -F 999 -g -o "$DIR/perf.data" -- bash -c \
        'in=$1 k=$2; shift 2; for ((i = 0; i < k; i++)); do "$@" < "$in" > /dev/null; done' \
        _ "$input" "$repeat" "$@" 2> "$DIR/perf.log"; then
        { echo "### $title"; echo
          perf report -i "$DIR/perf.data" --stdio --no-children --sort sym 2>/dev/null |
              python3 scripts/bench/profile.py "polyaxon-pr"; echo; } >> "$DIR/profile.md"
    else
        echo "perf record failed on $title (see $DIR/perf.log)." >> "$DIR/profile.md"
    fi
}
commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }
largest=${SIZES[${#SIZES[@]}-1]}
: > "$DIR/profile.md"
if command -v perf >/dev/null; then
    profile "The overlay job, $(commas "$largest") Deployments" "$DIR/deployments-$largest.yaml" 1 \
        "$BIN" "${OVERLAY_ARGS[@]}"
    if [[ ${#GPU_SIZES[@]} -gt 0 ]]; then
        profile "The generic GPU job, $(commas "${GPU_SIZES[-1]}") Deployments (20 runs)" \
            "$DIR/gpu-deployments-${GPU_SIZES[-1]}.yaml" 20 "$BIN" "${GPU_SET[@]}"
    fi
    if [[ ${#RELEASES[@]} -gt 0 ]]; then
        profile "${RELEASES[-1]} Polyaxon releases in one stream, GPU and stores values" \
            "$DIR/releases-${RELEASES[-1]}.yaml" 1 timeout "$BENCH_TIMEOUT" "$BIN" "${POLYAXON_VALUES[@]}"
    fi
else
    echo "perf is not available here (Debian package linux-perf), so no profile was taken." > "$DIR/profile.md"
fi

{
    echo "\$ nproc; lscpu; free -m; uname -srm"
    nproc
    lscpu | grep -E '^(Model name|Architecture|CPU\(s\)|Thread|Core|Socket|L2|L3)' || true
    free -m
    uname -srm
    echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "rustc: $(rustc --version)"
    if command -v file >/dev/null; then
        echo "polyaxon-pr: $(file -b "$BIN" | tr ',' '\n' | grep -E 'executable|linked' | paste -sd, -)"
    fi
} > "$DIR/machine.txt"
kubectl_version=$("$KUBECTL" version --client 2>/dev/null | sed -n 1p)
printf '{"case": "meta", "date": "%s", "kubectl": "%s", "overlay": "%s", "note": "%s"}\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$kubectl_version" \
    "rule 1: kinds Deployment + label role=experiments: volumes, volumeMounts; rule 2: kinds Deployment: env TZ" "$NOTE" >> "$RESULTS"

write_report
