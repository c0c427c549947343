#!/usr/bin/env bash
# Fuzzes polyaxon-pr with cargo-fuzz (libFuzzer + AddressSanitizer), one target at a time.
#
#   scripts/fuzz.sh                 # every target for 10 minutes each
#   scripts/fuzz.sh 60 values       # one target for 60 seconds
#   FUZZ_JOBS=2 scripts/fuzz.sh     # more libFuzzer jobs (the CI machine has 2 shared cores)
#
# Targets (fuzz/fuzz_targets/):
#   stream_passthrough  the splitter and writer: no panic; nothing changed -> output == input;
#                       the prefilter agrees with the parser; a re-serialised document reads
#                       back to the same value
#   values              values files (located YAML reader and its fast path, merge), --set
#                       syntax, validation
#   overlay             overlay files: parsing, validation, template references
#   post_render         the whole post-renderer in-process with the GPU and stores values
#   fast_yaml           the fast path of the manifest parser (src/stream/fast.rs) against
#                       serde-saphyr: whatever it accepts reads to the same value, which
#                       fast::matches (the writer's safety net) accepts
#   direct_edits        the direct edits (src/apply/direct.rs) against the general path, with
#                       three rule sets (the first byte picks one; its high bit adds the GPU
#                       values, fuzz/direct_edits/values-gpu.json): the same output byte for
#                       byte and operations, nothing taken where the general path fails
#   checksums           the checksum/config annotations rewritten in a workload's text
#                       (src/apply/direct/checksum.rs) against the general path, every
#                       ConfigMap of the stream changed: the same output, operations, findings
#
# Only a stable toolchain can be installed here, and cargo-fuzz needs nightly flags
# (-Zsanitizer=address and friends): RUSTC_BOOTSTRAP=1 lets stable rustc accept them. This is
# the documented escape hatch of the Rust bootstrap; do not use it for anything shipped.
# cargo-fuzz itself comes from crates.io (`cargo install cargo-fuzz`), done below when missing.
#
# Seeds come from the repository (real renders split into documents, golden streams, values and
# overlay examples); the corpora grow in fuzz/corpus/ and crashes land in fuzz/artifacts/ (both
# gitignored). Every crash becomes a regression test under tests/ and a fix: reproduce one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -O TARGET fuzz/artifacts/TARGET/crash-...
#
# What the targets found became regression tests (tests/regressions/TARGET/, replayed by
# tests/regressions.rs, and for direct_edits and checksums by src/apply.rs): overlay, a rule with
# `volumes: [{}]`; fast_yaml, a comment run longer than the general parser buffers (the fast path
# stays inside that parser's limits); direct_edits, two disagreements in its own comparison (an
# empty stream's placeholder; a stream where another document fails); checksums, two ConfigMaps
# of one name (the later one counts, as on the general path); stream_passthrough, carriage
# returns inside a quoted label (the metadata scanner took them as they are, the parser folds
# them). Run it after changing a reader, the writer, the direct edits or the values.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SECONDS_PER_TARGET=${1:-600}
shift || true
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=(stream_passthrough values overlay post_render fast_yaml direct_edits checksums)
JOBS=${FUZZ_JOBS:-1}
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "==> cargo install cargo-fuzz" >&2
    cargo install --locked cargo-fuzz
fi

# seed DIR FILES...: split each stream at `---` lines into one seed per document.
seed() {
    local dir=$1
    shift
    mkdir -p "$dir"
    python3 - "$dir" "$@" <<'PY'
import hashlib, pathlib, re, sys
out = pathlib.Path(sys.argv[1])
for name in sys.argv[2:]:
    text = pathlib.Path(name).read_text(encoding="utf-8")
    parts = [text] + re.split(r"(?m)^(?=---[ \t]*(?:#.*)?$)", text)
    for part in parts:
        if out.name == "fast_yaml":  # document bodies: the fast path gives up on `---`
            part = re.sub(r"(?m)^---.*\n", "", part)
        if part.strip() and len(part) <= 65536:
            # direct_edits: the first byte picks the rule set.
            prefixes = [b"\0", b"\1", b"\2"] if out.name == "direct_edits" else [b""]
            # checksums: each workload after the chart ConfigMap its pods load.
            if out.name == "checksums":
                prefixes = [b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: polyaxon-polyaxon-config\n---\n"]
            for prefix in prefixes:
                data = prefix + part.encode()
                (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
PY
}

CORPUS=fuzz/corpus
seed "$CORPUS/stream_passthrough" tests/fixtures/polyaxon-0.4.2/helm3/*.yaml \
    tests/fixtures/polyaxon-0.4.2/helm4/defaults.yaml tests/golden/stream/*.yaml
seed "$CORPUS/fast_yaml" tests/fixtures/polyaxon-0.4.2/helm3/*.yaml tests/golden/stream/*.yaml
seed "$CORPUS/direct_edits" tests/fixtures/polyaxon-0.4.2/helm3/*.yaml \
    tests/fixtures/polyaxon-0.4.2/helm4/defaults.yaml
seed "$CORPUS/checksums" tests/fixtures/polyaxon-0.4.2/helm3/*.yaml
seed "$CORPUS/post_render" tests/fixtures/polyaxon-0.4.2/helm3/defaults.yaml \
    tests/fixtures/polyaxon-0.4.2/helm4/gpu.yaml
mkdir -p "$CORPUS/values" "$CORPUS/overlay"
cp tests/fixtures/polyaxon-0.4.2/values/*.values.yaml "$CORPUS/values/"
find chart-overlays -name '*.yaml' -exec cp {} "$CORPUS/overlay/" \;

echo "==> building the fuzz targets (release, debug assertions, ASan)" >&2
(cd fuzz && cargo fuzz build -O)

parallel=()
[[ $JOBS -gt 1 ]] && parallel=(-jobs="$JOBS" -workers="$JOBS")
failed=0
for target in "${TARGETS[@]}"; do
    echo "==> fuzzing $target for ${SECONDS_PER_TARGET}s ($JOBS job(s))" >&2
    mkdir -p "fuzz/artifacts/$target"
    if ! (cd fuzz && cargo fuzz run -O "$target" "corpus/$target" -- \
        -max_total_time="$SECONDS_PER_TARGET" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
        "${parallel[@]}" -print_final_stats=1); then
        echo "fuzz.sh: $target found a crash; see $ROOT/fuzz/artifacts/$target/" >&2
        failed=1
    fi
done
exit "$failed"
