#!/usr/bin/env python3
"""Writes BENCHMARKS.md and its log-log chart from the results scripts/bench.sh collected.

    report.py RESULTS.jsonl MACHINE.txt PROFILE.txt CHART.svg NOTES.md > BENCHMARKS.md

NOTES.md (scripts/bench/notes.md) is the hand-written part: how each job is measured, what the
ratios mean, and where the time goes.

RESULTS.jsonl has one object per measurement (see bench.sh). The chart is plain SVG written by
hand: time against N for both tools and both jobs on log-log axes, so quadratic and linear growth read as
straight lines of slope 2 and 1.
"""
import json
import math
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def fmt_s(s):
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def fmt_mib(kib):
    return f"{kib / 1024:.1f} MiB"


def fmt_axis(s):
    return f"{s * 1000:g} ms" if s < 1 else f"{s:g} s"


def status(ok):
    return "met" if ok else "**not met**"


def find(results, **want):
    for r in results:
        if all(r.get(k) == v for k, v in want.items()):
            return r
    return None


def synthetic_table(results, ns, case="synthetic"):
    lines = [
        "| Deployments | stream | polyaxon-pr | peak RSS (× input) | kustomize | peak RSS | kustomize ÷ polyaxon-pr |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in ns:
        ours = find(results, case=case, tool="polyaxon-pr", n=n)
        theirs = find(results, case=case, tool="kustomize", n=n)
        if not ours:
            continue
        size = ours["bytes"]
        rss = ours["peak_rss_kib"] * 1024 / size
        row = [f"{n:,}", f"{size / 1e6:.2f} MB", fmt_s(ours["median_s"]),
               f"{fmt_mib(ours['peak_rss_kib'])} ({rss:.1f}×)"]
        if theirs and not theirs.get("timed_out"):
            row += [fmt_s(theirs["median_s"]), fmt_mib(theirs["peak_rss_kib"]),
                    f"{theirs['median_s'] / ours['median_s']:,.0f}×"]
        elif theirs:
            row += [f"> {fmt_s(theirs['median_s'])} (stopped)", "–", f"> {theirs['median_s'] / ours['median_s']:,.0f}×"]
        else:
            row += ["not run", "–", "–"]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def ratio_of(theirs, ours):
    """kustomize ÷ polyaxon-pr, and whether kustomize was stopped (then a lower bound)."""
    return theirs["median_s"] / ours["median_s"], bool(theirs.get("timed_out"))


def targets(results, ns):
    """The targets as table rows: (target, measured, met)."""
    rows = []

    def row(target, measured, ok):
        rows.append((target, measured, status(ok)))

    def missing(target, why):
        rows.append((target, why, "**not met**"))

    for case, job, wants in (("synthetic", "the overlay job", ((1000, 300),)),
                             ("gpu", "the generic GPU job", ((1000, 300), (100, 100)))):
        for n, want in wants:
            ours = find(results, case=case, tool="polyaxon-pr", n=n)
            theirs = find(results, case=case, tool="kustomize", n=n)
            target = f"{job}, {n:,} Deployments: at least {want}× faster than `kubectl kustomize`"
            if ours and theirs:
                ratio, stopped = ratio_of(theirs, ours)
                row(target, f"{'> ' if stopped else ''}{ratio:,.0f}×", ratio >= want)
            else:
                missing(target, "not run")
    many = {r["n"]: r for r in results if r.get("case") == "releases"}
    target = "300 Polyaxon releases in one stream: at most 15× the time of 30"
    if 30 in many and 300 in many:
        if many[300].get("timed_out"):
            missing(target, f"stopped after {many[300]['median_s']:.0f} s")
        else:
            growth = many[300]["median_s"] / many[30]["median_s"]
            row(target, f"{growth:.1f}×", growth <= 15)
    else:
        missing(target, "not run")
    ours = {n: find(results, case="synthetic", tool="polyaxon-pr", n=n) for n in ns}
    target = "the overlay job, 10,000 Deployments: at most 12× the time of 1,000"
    if ours.get(1000) and ours.get(10000):
        growth = ours[10000]["median_s"] / ours[1000]["median_s"]
        row(target, f"{growth:.1f}×", growth <= 12)
    else:
        missing(target, "not run")
    post = find(results, case="subcommands", tool="post-render")
    for tool in ("diff", "export"):
        sub = find(results, case="subcommands", tool=tool)
        name = "`diff`" if tool == "diff" else "`export kustomize`"
        if tool == "diff":
            target = f"{name} of {post['n']:,} Deployments: at most 4× the post-render's time" if post else f"{name}: at most 4× the post-render's time"
            wrong = any(r.get("case") == "compare" and r.get("job") == "subcommands" and r.get("ok") is False
                        for r in results)
            if post and sub and not sub.get("timed_out"):
                ratio = sub["median_s"] / post["median_s"]
                note = "; its output is not the post-render: see below" if wrong else ""
                row(target, f"{ratio:.1f}× ({fmt_s(sub['median_s'])} against {fmt_s(post['median_s'])}{note})",
                    ratio <= 4 and not wrong)
            elif sub:
                missing(target, f"stopped after {sub['median_s']:.0f} s")
            else:
                missing(target, "not run")
        target = f"{name} peak memory at most 4× the input (a stream over 1 MB)"
        if sub and not sub.get("timed_out"):
            ratio = sub["peak_rss_kib"] * 1024 / sub["bytes"]
            row(target, f"{ratio:.1f}× ({fmt_mib(sub['peak_rss_kib'])} for {sub['bytes'] / 1e6:.1f} MB)", ratio <= 4)
        elif sub:
            missing(target, f"stopped after {sub['median_s']:.0f} s, memory not measured")
        else:
            missing(target, "not run")
    big = ours.get(max(ns)) if ns else None
    if big:
        ratio = big["peak_rss_kib"] * 1024 / big["bytes"]
        row(f"the overlay job, {max(ns):,} Deployments: peak memory at most 4× the input", f"{ratio:.1f}×", ratio <= 4)
    for tool in ("passthrough", "overlay"):
        large = find(results, case="large", tool=tool)
        if large:
            ratio = large["peak_rss_kib"] * 1024 / large["bytes"]
            row(f"{large['bytes'] / 1e6:.0f} MB stream ({tool}): peak memory at most 4× the input",
                f"{ratio:.1f}×", ratio <= 4)
    pr = find(results, case="polyaxon", tool="polyaxon-pr")
    cat = find(results, case="polyaxon", tool="cat")
    if pr and cat:
        ratio = pr["median_s"] / cat["median_s"]
        row("the Polyaxon stream: at most 3× `cat`, process start included", f"{ratio:.1f}×", ratio <= 3)
    lines = ["| target | measured | |", "|---|---:|---|"]
    lines += [f"| {t} | {m} | {ok} |" for t, m, ok in rows]
    return "\n".join(lines)


def releases_section(results, same):
    rows = sorted((r for r in results if r.get("case") == "releases"), key=lambda r: r["n"])
    if not rows:
        return ""
    lines = [
        "## Many releases in one stream",
        "",
        "Copies of the Polyaxon stream, each renamed into a release of its own (`rNNN-polyaxon-...`"
        " objects, `release: rNNN` labels, its own config ConfigMap), concatenated and post-rendered"
        " with the GPU and stores values. The output is checked to be each release's own"
        " post-render, one after the other, byte for byte.",
        "",
        "| releases | stream | polyaxon-pr | per release | peak RSS (× input) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        stopped = r.get("timed_out")
        time = f"> {fmt_s(r['median_s'])} (stopped)" if stopped else fmt_s(r["median_s"])
        rss = "–" if stopped else f"{fmt_mib(r['peak_rss_kib'])} ({r['peak_rss_kib'] * 1024 / r['bytes']:.1f}×)"
        each = "–" if stopped else fmt_s(r["median_s"] / r["n"])
        lines.append(f"| {r['n']:,} | {r['bytes'] / 1e6:.1f} MB | {time} | {each} | {rss} |")
    lines += ["", f"Same result: {same}."]
    return "\n".join(lines)


def subcommands_section(results, same):
    post = find(results, case="subcommands", tool="post-render")
    if not post:
        return ""
    lines = [
        "## `diff` and `export kustomize`",
        "",
        f"The overlay job's stream of {post['n']:,} Deployments ({post['bytes'] / 1e6:.1f} MB) with the"
        " overlay: the post-render (median of 3), `polyaxon-pr diff` and `polyaxon-pr export kustomize`"
        " (one run each, under GNU time), each stopped if it runs past the bench's timeout (`BENCH_TIMEOUT`, 300 s by default). The diff, applied to the"
        " input with `patch`, is checked to give the post-render's output.",
        "",
        "| command | time | × post-render | peak RSS (× input) |",
        "|---|---:|---:|---:|",
    ]
    for tool in ("post-render", "diff", "export"):
        r = find(results, case="subcommands", tool=tool)
        if not r:
            continue
        name = {"post-render": "post-render", "diff": "`diff`", "export": "`export kustomize`"}[tool]
        if r.get("timed_out"):
            lines.append(f"| {name} | > {fmt_s(r['median_s'])} (stopped) | > {r['median_s'] / post['median_s']:.0f}× | – |")
        else:
            lines.append(f"| {name} | {fmt_s(r['median_s'])} | {r['median_s'] / post['median_s']:.1f}× | "
                         f"{fmt_mib(r['peak_rss_kib'])} ({r['peak_rss_kib'] * 1024 / r['bytes']:.1f}×) |")
    lines += ["", f"Same result: {same}."]
    return "\n".join(lines)


def large_section(results):
    rows = [r for r in (find(results, case="large", tool=t) for t in ("passthrough", "overlay")) if r]
    if not rows:
        return ""
    lines = [
        "## Memory on a ~100 MB stream",
        "",
        f"{rows[0]['n']:,} synthetic Deployments, polyaxon-pr alone (one run each): passed through "
        "unchanged (no values, no overlay), and with the overlay above.",
        "",
        "| run | stream | time | peak RSS (× input) |",
        "|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['tool']} | {r['bytes'] / 1e6:.0f} MB | {fmt_s(r['median_s'])} | "
                     f"{fmt_mib(r['peak_rss_kib'])} ({r['peak_rss_kib'] * 1024 / r['bytes']:.1f}×) |")
    return "\n".join(lines)


# Each series' label goes below its point where the other job's point for the same tool is above.
PARTNER = {"polyaxon-pr": "polyaxon-pr, GPU", "polyaxon-pr, GPU": "polyaxon-pr",
           "kustomize": "kustomize, GPU", "kustomize, GPU": "kustomize"}


def chart(results, ns, path):
    series = {
        "polyaxon-pr": [(n, find(results, case="synthetic", tool="polyaxon-pr", n=n)) for n in ns],
        "kustomize": [(n, find(results, case="synthetic", tool="kustomize", n=n)) for n in ns],
        "polyaxon-pr, GPU": [(n, find(results, case="gpu", tool="polyaxon-pr", n=n)) for n in ns],
        "kustomize, GPU": [(n, find(results, case="gpu", tool="kustomize", n=n)) for n in ns],
    }
    points = {k: [(n, r["median_s"], bool(r.get("timed_out"))) for n, r in v if r] for k, v in series.items()}
    values = [t for pts in points.values() for _, t, _ in pts]
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = 10 ** math.ceil(math.log10(max(values)))
    w, h, left, right, top, bottom = 640, 420, 80, 150, 40, 60
    pw, ph = w - left - right, h - top - bottom
    xmin, xmax = math.log10(min(ns)) - 0.15, math.log10(max(ns)) + 0.15

    def x(n):
        return left + (math.log10(n) - xmin) / (xmax - xmin) * pw

    def y(t):
        return top + (math.log10(hi) - math.log10(t)) / (math.log10(hi) - math.log10(lo)) * ph

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left + pw / 2}" y="22" text-anchor="middle" font-size="14">Wall time against N Deployments (log-log)</text>']
    decade = lo
    while decade <= hi * 1.0001:
        yy = y(decade)
        svg.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{left + pw}" y2="{yy:.1f}" stroke="#ddd"/>')
        svg.append(f'<text x="{left - 8}" y="{yy + 4:.1f}" text-anchor="end">{fmt_axis(decade)}</text>')
        decade *= 10
    for n in ns:
        svg.append(f'<line x1="{x(n):.1f}" y1="{top}" x2="{x(n):.1f}" y2="{top + ph}" stroke="#eee"/>')
        svg.append(f'<text x="{x(n):.1f}" y="{top + ph + 18}" text-anchor="middle">{n:,}</text>')
    svg.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>')
    svg.append(f'<text x="{left + pw / 2}" y="{h - 18}" text-anchor="middle">Deployments in the stream</text>')
    colours = {"polyaxon-pr": "#1f77b4", "kustomize": "#d62728",
               "polyaxon-pr, GPU": "#17becf", "kustomize, GPU": "#ff7f0e"}
    points = {k: v for k, v in points.items() if v}
    for i, (name, pts) in enumerate(points.items()):
        colour = colours[name]
        dash = ' stroke-dasharray="6 4"' if name.endswith("GPU") else ""
        if len(pts) > 1:
            path_d = " ".join(f"{'M' if j == 0 else 'L'}{x(n):.1f},{y(t):.1f}" for j, (n, t, _) in enumerate(pts))
            svg.append(f'<path d="{path_d}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for n, t, stopped in pts:
            fill = "white" if stopped else colour
            svg.append(f'<circle cx="{x(n):.1f}" cy="{y(t):.1f}" r="4" fill="{fill}" stroke="{colour}" stroke-width="2"/>')
            partner = points.get(PARTNER[name], [])
            below = any(pn == n and pt > t for pn, pt, _ in partner)  # the other job's point is above
            ty = y(t) + 16 if below else y(t) - 7
            svg.append(f'<text x="{x(n) + 7:.1f}" y="{ty:.1f}" fill="{colour}">{"> " if stopped else ""}{fmt_s(t)}</text>')
        ly = top + 20 + i * 20
        svg.append(f'<line x1="{left + pw + 15}" y1="{ly}" x2="{left + pw + 40}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/>')
        svg.append(f'<text x="{left + pw + 45}" y="{ly + 4}">{name}</text>')
    svg.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(svg) + "\n")


def main():
    results_path, machine_path, profile_path, svg_path, notes_path = sys.argv[1:6]
    results = load(results_path)
    ns = sorted({r["n"] for r in results if r.get("case") in ("synthetic", "gpu")})
    synthetic_ns = sorted({r["n"] for r in results if r.get("case") == "synthetic"})
    gpu_ns = sorted({r["n"] for r in results if r.get("case") == "gpu"})
    chart(results, ns, svg_path)
    with open(machine_path, encoding="utf-8") as f:
        machine = f.read().rstrip()
    with open(profile_path, encoding="utf-8") as f:
        profile = f.read().rstrip()
    with open(notes_path, encoding="utf-8") as f:
        notes = f.read().rstrip()

    def compares(job):
        found = [r["message"] for r in results if r.get("case") == "compare" and r.get("job", "synthetic") == job]
        return "; ".join(found) or "not compared"

    pr = find(results, case="polyaxon", tool="polyaxon-pr")
    cat = find(results, case="polyaxon", tool="cat")
    meta = find(results, case="meta") or {}
    polyaxon = ""
    if pr and cat:
        polyaxon = f"""## The real Polyaxon stream

`polyaxon-pr -f gpu.values.yaml -f stores.values.yaml < tests/fixtures/polyaxon-0.4.2/helm3/defaults.yaml`
(the chart's 56 KB Helm 3 stream, GPU and stores injected) against `cat` of the same file, both
including process start, run in turns (30 each, medians): polyaxon-pr {fmt_s(pr['median_s'])} ({fmt_mib(pr['peak_rss_kib'])}),
`cat` {fmt_s(cat['median_s'])} ({fmt_mib(cat['peak_rss_kib'])}): {pr['median_s'] / cat['median_s']:.1f}×."""
    gpu = ""
    if gpu_ns:
        gpu = f"""## The generic GPU job: polyaxon-pr (values) against kustomize

The same synthetic streams, except that the containers of every other Deployment (the
`role: experiments` ones) ask for a GPU (`resources.limits` `nvidia.com/gpu: 1`). polyaxon-pr
runs with `--set dirs.nvidia.lib=/usr/lib/nvidia --set dirs.nvidia.bin=/usr/lib/nvidia/bin
--set dirs.nvidia.libcuda=/usr/lib/x86_64-linux-gnu/libcuda.so.1`: its generic profile gives
each of those Deployments the hostPath volumes `nvidia-lib`, `nvidia-bin` and `nvidia-libcuda`,
and each container that asks for a GPU their read-only mounts and `LD_LIBRARY_PATH`. kustomize
runs one strategic-merge patch with the same volumes, mounts and env entry, targeted by
`labelSelector: role=experiments`.

{synthetic_table(results, gpu_ns, case="gpu")}

Same result (every Deployment compared whole, named lists by name, against the other tool and
against the input plus the job): {compares('gpu')}."""
    print(f"""# Benchmarks

Generated by `scripts/bench.sh` ({meta.get('date', '')}); every figure below comes from one run of
it on the machine described at the end. Wall time is the median of several runs (hyperfine-style:
a warm-up, then N measured runs, each started directly and waited for with wait4); peak memory is
the process's maximum resident set, measured by GNU time in the warm-up runs (in the timed runs
when there is no warm-up: kustomize from 1,000 Deployments on, `diff` and `export`).
Numbers are for people: no test asserts them. The machine is shared (2 cores, other jobs running),
so expect ±30% between runs; the ratios are measured in the same run. polyaxon-pr is the binary
as it ships, built by `scripts/build-release.sh` (a static PIE on Linux with glibc: see Machine).

## Targets

{targets(results, synthetic_ns)}

## The overlay job: polyaxon-pr (an overlay) against kustomize as a post-renderer

Synthetic Helm 3 streams of N Deployments (`# Source:` headers, two containers each with env,
every other one labelled `role: experiments`). The job: a `hostPath` volume and its mount in every
container of the `role: experiments` Deployments, plus `TZ=UTC` in every container (of every
Deployment, so every document is edited). polyaxon-pr runs `--overlays` with two rules
({meta.get('overlay', '')}); kustomize runs `kubectl kustomize` ({meta.get('kubectl', '')}) over a
kustomization holding the stream and two strategic-merge patches, one targeted by
`labelSelector: role=experiments`, one by `kind: Deployment`.

{synthetic_table(results, synthetic_ns)}

![time against N, log-log](BENCHMARKS.svg)

Same result: {compares('synthetic')}.
{meta.get('note', '')}

{gpu}

{polyaxon}

{releases_section(results, compares('releases'))}

{subcommands_section(results, compares('subcommands'))}

{large_section(results)}

## Where the time goes

{profile}

{notes}

## Machine

```
{machine}
```""")


if __name__ == "__main__":
    main()
