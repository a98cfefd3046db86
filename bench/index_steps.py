#!/usr/bin/env python3
"""Re-index runs of one existing archive by several checkouts, in the order given,
measured as bench/build_steps.py measures them: for archives too large to build twice.

    git worktree add /tmp/old aad5fb1; git worktree add /tmp/new HEAD
    python bench/index_steps.py --files /tmp/scale_bench/corpus1100k \\
        --index /tmp/scale_bench/ix1100k --json steps.json \\
        /tmp/old:noop /tmp/old:1pct /tmp/new:noop /tmp/new:noop /tmp/new:1pct

Each step is ``CHECKOUT:noop`` (``newsgrep index FILES --index INDEX`` as it is) or
``CHECKOUT:1pct`` (first a line appended to every 100th ``.txt`` file of ``--files``,
``speed.change_one_percent``), run with the checkout on ``PYTHONPATH`` through
``speed.run_measured``: wall and CPU time of the process tree, peak summed RSS and PSS,
temporary disk. Steps change the archive, so order them so that each checkout can read
what the one before it left (a newer format is not read by an older checkout).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import speed  # noqa: E402
from batch import bench_env  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=Path, required=True, help="the archive's folder of files")
    ap.add_argument("--index", type=Path, required=True, help="an existing archive folder")
    ap.add_argument("--json", type=Path, help="write each step's figures here")
    ap.add_argument("steps", nargs="+", help="CHECKOUT:noop or CHECKOUT:1pct")
    args = ap.parse_args()
    results: dict[str, dict] = {}
    for step in args.steps:
        code, _, what = step.rpartition(":")
        if what not in ("noop", "1pct") or not code:
            sys.exit(f"{step}: give CHECKOUT:noop or CHECKOUT:1pct")
        env = bench_env(PYTHONPATH=str(Path(code).resolve()), NEWSGREP_CONFIG=os.devnull)
        label = step
        if what == "1pct":
            label += f" ({speed.change_one_percent(args.files, str(time.time()))} files)"
        cmd = [sys.executable, "-m", "newsgrep", "index", str(args.files),
               "--index", str(args.index)]
        r = speed.run_measured(cmd, watch=args.index, env=env)
        results[label] = r
        shown = {k: round(v / 2**20) if k in ("rss", "pss", "size", "temp") else round(v, 1)
                 for k, v in r.items() if k != "stderr"}
        print(label, shown, "MB" if shown else "", r["stderr"][-200:], flush=True)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
