#!/usr/bin/env python3
"""``newsgrep stats`` as a process: figures kept at commit against counting every article.

    python bench/stats.py --index DIR [--before /work/main] [--repeat 5]

Runs ``newsgrep stats --json`` on the archive (built by this newsgrep, so
its commit has figures) with this checkout's code, and with the code of
``--before`` (a checkout of newsgrep from before the figures, which reads
every stored document), in one run, and checks that both print the same
figures (``updated`` and ``size_bytes`` aside: the figures file counts in
the size). Medians of ``--repeat`` runs; Markdown on stdout.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

from batch import bench_env  # noqa: E402 (this folder is on sys.path: a script's own)


def run(code: Path, index: Path) -> tuple[float, dict]:
    env = bench_env(PYTHONPATH=str(code))
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "newsgrep", "stats", "--json", "--index",
                           str(index)], capture_output=True, text=True, env=env, cwd=code)
    elapsed = time.perf_counter() - t
    assert proc.returncode == 0, proc.stderr
    return elapsed, json.loads(proc.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--before", type=Path, default=REPO.parent.parent / "main",
                    help="a newsgrep checkout from before the figures [default: ../../main]")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    index = args.index.resolve()
    rows = []
    figures = {}
    for label, code, repeat in (("before: every stored document read", args.before.resolve(),
                                 max(1, args.repeat // 2)),
                                ("after: figures kept at commit", REPO, args.repeat)):
        times = []
        run(code, index)  # (bytecode cached, files in the page cache)
        for _ in range(repeat):
            elapsed, out = run(code, index)
            times.append(elapsed)
        for key in ("updated", "size_bytes", "index"):
            out.pop(key, None)
        figures[label] = out
        rows.append((label, statistics.median(times), min(times), repeat))
    before, after = figures.values()
    print(f"## `newsgrep stats` as a process, {after['articles']} articles ({index})\n")
    print("| code | median s | best s | runs | ratio |")
    print("|---|---:|---:|---:|---:|")
    for label, median, best, repeat in rows:
        print(f"| {label} | {median:.3f} | {best:.3f} | {repeat} | {rows[0][1] / median:.1f}x |")
    print(f"\nThe same figures: {before == after}")


if __name__ == "__main__":
    main()
