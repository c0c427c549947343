#!/usr/bin/env python3
"""Groups a `perf report` of polyaxon-pr into the stages a reader cares about (Markdown table).

    perf report -i perf.data --stdio --no-children --sort sym | profile.py "what was profiled"
"""
import re
import sys

# First match wins: (stage, substrings of the symbol).
STAGES = [
    ("YAML writing (serde-saphyr serializer)", ["serde_saphyr::ser"]),
    ("YAML parsing (serde-saphyr, granit-parser)", ["granit_parser", "serde_saphyr", "saphyr"]),
    ("building JSON values (serde_json, indexmap)", ["serde_json", "indexmap", "hashbrown", "core::hash"]),
    ("splitting the stream", ["stream::split"]),
    ("prefilter (kind/metadata line scanner)", ["stream::prefilter"]),
    ("direct edits (overlay rules applied to the text)", ["apply::direct"]),
    ("the driver (windows, spool, workers)", ["driver::", "apply::window", "window::"]),
    ("overlays, plan, patches, checks", ["overlay::", "plan::", "apply::", "podspec", "checks::", "json_patch", "regex"]),
    ("minimal-edit writer", ["stream::surgical"]),
    ("fast YAML reader and position tree (edited documents)", ["stream::fast", "stream::tree"]),
    ("other polyaxon-pr code", ["polyaxon_pr"]),
    ("allocation, copying, comparing (malloc, free, memmove, memcmp)", ["malloc", "free", "memmove", "memcpy", "memset", "memcmp", "_int_", "realloc", "alloc::", "_mi_", "mi_page"]),
    ("kernel (process start, page faults, I/O)", ["[k]"]),
]


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else "polyaxon-pr"
    totals = {}
    top = []
    for line in sys.stdin:
        m = re.match(r"\s+([0-9.]+)%\s+(.*)$", line)
        if not m:
            continue
        pct, sym = float(m.group(1)), m.group(2).strip()
        stage = next((s for s, keys in STAGES if any(k in sym for k in keys)), "other")
        totals[stage] = totals.get(stage, 0.0) + pct
        if len(top) < 8:
            top.append((pct, re.sub(r"^\[\.\]\s*", "", sym)[:90]))
    print(f"`perf record` (cpu-clock sampling) of {what}, grouped by stage:\n")
    print("| stage | share of samples |\n|---|---:|")
    for stage, pct in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"| {stage} | {pct:.1f}% |")
    print("\nHottest symbols:\n")
    for pct, sym in top:
        print(f"- {pct:.1f}% `{sym}`")


if __name__ == "__main__":
    main()
