#!/usr/bin/env python3
"""One full build by two checkouts, interleaved, measured as bench/speed.py measures.

    git worktree add /tmp/before 013ba2b
    python bench/build_ab.py --files /tmp/scale_bench/corpus110k \
        --code before=/tmp/before --code after=. --rounds 2

Each round builds ``--files`` into a fresh folder under ``--out`` with each
``--code LABEL=DIR`` in turn (``DIR`` on ``PYTHONPATH``, bytecode cached, no
config file), through ``speed.run_measured``: wall and CPU time of the process
tree, peak summed RSS and PSS, temporary disk and index size. The machine's speed
varies from day to day, so a change in build time is a ratio within one run.
Markdown on stdout: each build, then each label's medians and their ratio to the
first label's.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import speed  # noqa: E402

FIGURES = [("wall", "s", 1), ("cpu", "CPU-s", 1), ("pss", "MB PSS", 1e6), ("rss", "MB RSS", 1e6),
           ("temp", "MB temp", 1e6), ("size", "MB index", 1e6)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=Path, required=True, help="a folder of article files")
    ap.add_argument("--code", action="append", required=True, metavar="LABEL=DIR")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("/tmp/build_ab"))
    args = ap.parse_args()
    codes = [c.split("=", 1) for c in args.code]
    results: dict[str, list[dict]] = {label: [] for label, _ in codes}
    print("| round | code | " + " | ".join(unit for _, unit, _ in FIGURES) + " |")
    print("|---|---|" + "---:|" * len(FIGURES))
    for rnd in range(args.rounds):
        for label, code in codes:
            ix = args.out / label
            shutil.rmtree(ix, ignore_errors=True)
            env = dict(os.environ)
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPATH"] = str(Path(code).resolve())
            env["NEWSGREP_CONFIG"] = os.devnull
            r = speed.run_measured([sys.executable, "-m", "newsgrep", "index", str(args.files),
                                    "--index", str(ix)], watch=ix, env=env)
            results[label].append(r)
            print(f"| {rnd + 1} | {label} | " +
                  " | ".join(f"{r[k] / scale:,.1f}" for k, _, scale in FIGURES) + " |", flush=True)
            shutil.rmtree(ix, ignore_errors=True)
    print()
    first = codes[0][0]
    base = {k: statistics.median(r[k] for r in results[first]) for k, _, _ in FIGURES}
    print("| code (median) | " + " | ".join(unit for _, unit, _ in FIGURES) + " |")
    print("|---|" + "---:|" * len(FIGURES))
    for label, _ in codes:
        med = {k: statistics.median(r[k] for r in results[label]) for k, _, _ in FIGURES}
        print(f"| {label} | " + " | ".join(
            f"{med[k] / scale:,.1f} ({med[k] / base[k]:.2f}x)" if base[k] else f"{med[k] / scale:,.1f}"
            for k, _, scale in FIGURES) + " |")


if __name__ == "__main__":
    main()
