#!/usr/bin/env python3
"""A full build, a no-op re-index and a 1%-changed re-index of one folder, measured as
bench/speed.py measures them, by one checkout: for archives too large to build twice.

    git worktree add /tmp/buildcode HEAD
    python bench/build_steps.py --files /tmp/scale_bench/corpus1100k \\
        --index /tmp/scale_bench/ix1100k-d --code /tmp/buildcode --json build1m_d.json

``--index`` must not exist yet. Each step is ``python -m newsgrep index FILES --index
INDEX`` with ``--code`` on ``PYTHONPATH`` (bytecode cached, no config file), through
``speed.run_measured``: wall and CPU time of the process tree, peak summed RSS and PSS
(sampled every 50 ms, every second past 100 s), temporary disk and index size. The 1%
step first appends a line to every 100th ``.txt`` file of ``--files``
(``speed.change_one_percent``: the folder is changed). Each step's figures are printed
as it ends and kept in ``--json``; the machine's speed varies from day to day, so
compare build times within one run (``bench/build_ab.py``), memory across runs.
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=Path, required=True, help="a folder of article files")
    ap.add_argument("--index", type=Path, required=True, help="a new archive folder")
    ap.add_argument("--code", type=Path, default=HERE.parent, help="a newsgrep checkout")
    ap.add_argument("--json", type=Path, help="write each step's figures here")
    args = ap.parse_args()
    if args.index.exists():
        sys.exit(f"{args.index} exists: give a new folder")
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(args.code.resolve())
    env["NEWSGREP_CONFIG"] = os.devnull
    cmd = [sys.executable, "-m", "newsgrep", "index", str(args.files), "--index", str(args.index)]
    results: dict[str, dict] = {}
    for step in ("full build", "no-op re-index", "1% changed re-index"):
        if step.startswith("1%"):
            step += f" ({speed.change_one_percent(args.files, str(time.time()))} files)"
        r = speed.run_measured(cmd, watch=args.index, env=env)
        results[step] = r
        print(step, {k: v for k, v in r.items() if k != "stderr"}, r["stderr"][-300:],
              flush=True)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
