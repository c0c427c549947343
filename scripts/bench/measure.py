#!/usr/bin/env python3
"""Runs a command several times with stdin from a file and reports wall time and peak memory.

hyperfine-style: WARMUP unmeasured runs, then RUNS measured ones; the median wall time is the
result. Peak resident memory is GNU time's figure for the command (`/usr/bin/time -f %M`: the
rusage of wait4(2) in the parent would also count the pre-exec copy of this Python process); it
is taken in the warmup runs, so that the timed runs start the command itself, without GNU time's
extra fork and exec, and the runner blocks in wait4(2) instead of polling (together about 2 ms
that belonged to neither tool). Without warmup runs (the slow cases), the timed runs measure the
memory too. The last run's stdout is kept in OUT, its stderr in OUT.err. Debian bookworm's
hyperfine (1.15) has neither --input nor memory figures, hence this small runner.

    measure.py --runs 5 --warmup 1 --stdin IN --stdout OUT [--timeout S] [--against PROG] \
        -- CMD ARGS...

With `--against PROG` (a program run without arguments on the same stdin, `cat`), the two are
run in turns, CMD then PROG, so that both meet the machine in the same state (its speed drifts
by tens of percent over minutes on a shared VM); PROG's figures are printed as "against".

Needs GNU time at /usr/bin/time (Debian package `time`).

Prints one JSON object: {"median_s", "min_s", "max_s", "runs", "peak_rss_kib", "exit"}; on a
timeout "timed_out": true and the partial figures.
"""
import argparse
import json
import os
import signal
import statistics
import sys
import threading
import time


def run_once(cmd, stdin_path, stdout_path, timeout, memory):
    """One run: (wall seconds, peak RSS KiB or 0, exit status or None on timeout). With `memory`,
    under GNU time."""
    rss_file = stdout_path + ".rss"
    if memory:
        cmd = ["/usr/bin/time", "-f", "%M", "-o", rss_file, *cmd]
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, stdin_path, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, stdout_path + ".err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    timed_out = threading.Event()

    def stop():
        timed_out.set()
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    # The last run's output is emptied before the clock starts: truncating a file of a few MB
    # (the kernel frees its pages and blocks) belongs to neither tool.
    for path in (stdout_path, stdout_path + ".err"):
        with open(path, "wb"):
            pass
    start = time.perf_counter()
    pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=actions, setpgroup=0)
    timer = threading.Timer(timeout, stop)
    timer.start()
    _, status, _ = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    timer.cancel()
    if timed_out.is_set():
        return wall, 0, None
    rss = read_rss(rss_file) if memory else 0
    return wall, rss, os.waitstatus_to_exitcode(status)


def read_rss(path):
    """GNU time's output file: the last line is %M (KiB); earlier lines note a signal."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split()
        os.unlink(path)
        return int(lines[-1])
    except (OSError, ValueError, IndexError):
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--stdin", required=True)
    ap.add_argument("--stdout", required=True)
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--against")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        sys.exit("measure.py: no command")
    cmds = [(cmd, args.stdout)]
    if args.against:
        cmds.append(([args.against], args.stdout + ".against"))
    peaks, codes = [0] * len(cmds), [0] * len(cmds)
    for _ in range(args.warmup):
        for i, (c, out) in enumerate(cmds):
            _, rss, codes[i] = run_once(c, args.stdin, out, args.timeout, memory=True)
            peaks[i] = max(peaks[i], rss)
        if codes[0] != 0:
            break
    walls = [[] for _ in cmds]
    for _ in range(args.runs):
        for i, (c, out) in enumerate(cmds):
            if walls[i] and codes[i] != 0:
                continue
            wall, rss, codes[i] = run_once(
                c, args.stdin, out, args.timeout, memory=args.warmup == 0
            )
            walls[i].append(wall)
            peaks[i] = max(peaks[i], rss)
        if codes[0] != 0:
            break
    results = [
        {
            "median_s": statistics.median(w),
            "min_s": min(w),
            "max_s": max(w),
            "runs": len(w),
            "peak_rss_kib": peak,
            "exit": code,
            **({"timed_out": True} if code is None else {}),
        }
        for w, peak, code in zip(walls, peaks, codes)
    ]
    result = results[0]
    if args.against:
        result["against"] = results[1]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
