#!/usr/bin/env python3
"""``newsgrep stats`` as a process, this checkout against another, interleaved.

    python bench/stats.py --index DIR [--before /tmp/old] [--repeat 15]

Runs ``newsgrep stats`` (plain text to a pipe, as a script gets it) on the archive
with this checkout's code and with the code of ``--before``, alternating, and
checks once that both print the same figures with ``--json`` (``updated`` and
``size_bytes`` aside: sidecar files count in the size). Medians of ``--repeat``
runs each; Markdown on stdout. (Earlier runs compared a checkout from before the
figures were kept at commit, which read every stored document.)
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


def run(code: Path, index: Path, *options: str) -> tuple[float, str]:
    env = bench_env(PYTHONPATH=str(code))
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "newsgrep", "stats", *options, "--index",
                           str(index)], capture_output=True, text=True, env=env, cwd=code)
    elapsed = time.perf_counter() - t
    assert proc.returncode == 0, proc.stderr
    return elapsed, proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--before", type=Path, default=REPO.parent.parent / "main",
                    help="another newsgrep checkout [default: ../../main]")
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    index = args.index.resolve()
    codes = {"before": args.before.resolve(), "after": REPO}
    figures = {}
    for label, code in codes.items():
        out = json.loads(run(code, index, "--json")[1])  # (also: bytecode, page cache)
        for key in ("updated", "size_bytes", "index"):
            out.pop(key, None)
        figures[label] = out
    times: dict[str, list[float]] = {label: [] for label in codes}
    for _ in range(args.repeat):
        for label, code in codes.items():
            times[label].append(run(code, index)[0])
    print(f"## `newsgrep stats` as a process, {figures['after']['articles']} articles ({index})\n")
    print("| code | median s | best s | runs | ratio |")
    print("|---|---:|---:|---:|---:|")
    base = statistics.median(times["before"])
    for label, code in codes.items():
        median = statistics.median(times[label])
        print(f"| {label} ({code}) | {median:.3f} | {min(times[label]):.3f} | {args.repeat} "
              f"| {base / median:.2f}x |")
    print(f"\nThe same figures: {figures['before'] == figures['after']}")


if __name__ == "__main__":
    main()
