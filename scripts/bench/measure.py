#!/usr/bin/env python3
"""Runs a command several times with stdin from a file and reports wall time and peak memory.

hyperfine-style: WARMUP unmeasured runs, then RUNS measured ones; the median wall time is the
result. Peak resident memory comes from wait4(2)'s rusage of each child, so it is the command's
own (not a shell's). The last run's stdout is kept in OUT, its stderr in OUT.err. Debian bookworm's hyperfine (1.15)
has neither --input nor memory figures, hence this small runner.

    measure.py --runs 5 --warmup 1 --stdin IN --stdout OUT [--timeout S] -- CMD ARGS...

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
import time


def run_once(cmd, stdin_path, stdout_path, timeout):
    """One run: (wall seconds, peak RSS KiB, exit status or None on timeout)."""
    rss_file = stdout_path + ".rss"
    cmd = ["/usr/bin/time", "-f", "%M", "-o", rss_file, *cmd]
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, stdin_path, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, stdout_path + ".err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    start = time.perf_counter()
    pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=actions, setpgroup=0)
    deadline = start + timeout
    while True:
        done, status, _ = os.wait4(pid, os.WNOHANG)
        if done:
            wall = time.perf_counter() - start
            return wall, read_rss(rss_file), os.waitstatus_to_exitcode(status)
        if time.perf_counter() > deadline:
            os.killpg(pid, signal.SIGKILL)
            os.wait4(pid, 0)
            return time.perf_counter() - start, 0, None
        time.sleep(0.0005)


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
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        sys.exit("measure.py: no command")
    for _ in range(args.warmup):
        _, _, code = run_once(cmd, args.stdin, args.stdout, args.timeout)
        if code != 0:
            break
    walls, peak, code = [], 0, 0
    for _ in range(args.runs):
        wall, rss, code = run_once(cmd, args.stdin, args.stdout, args.timeout)
        walls.append(wall)
        peak = max(peak, rss)
        if code != 0:
            break
    result = {
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "runs": len(walls),
        "peak_rss_kib": peak,
        "exit": code,
    }
    if code is None:
        result["timed_out"] = True
    print(json.dumps(result))


if __name__ == "__main__":
    main()
