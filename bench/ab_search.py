#!/usr/bin/env python3
"""Each search of bench/scale.py's set (and ``similar``/``show ID``) as a process, by two
checkouts interleaved: CPU time and peak RSS, per query.

    python bench/ab_search.py --index /tmp/scale_bench/ix1100k \\
        --code before=/tmp/before --code after=. --runs 9 --id ID

``bench/scale.py`` reports the largest RSS of all the searches and the wall time of
each; this one reports each query's own peak RSS (``wait4``'s ``ru_maxrss``) and CPU
time (user + system: steadier than wall time on a shared machine), the median of
``--runs`` processes, and the ratio of the second code to the first. Markdown on
stdout.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from batch import bench_env  # noqa: E402
from scale import SEARCHES  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--code", action="append", required=True, metavar="LABEL=DIR")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--id", help="an article id for similar and show")
    args = ap.parse_args()
    codes = [tuple(c.split("=", 1)) for c in args.code]
    cases = [["search", *q] for _, q in SEARCHES]
    if args.id:
        cases += [["similar", args.id], ["show", args.id]]
    labels = [label for label, _ in codes]
    print(f"| cost | {' | '.join(f'{x} CPU s' for x in labels)} | ratio "
          f"| {' | '.join(f'{x} MB' for x in labels)} |")
    print("|---|" + "---:|" * (2 * len(codes) + 1))
    for case in cases:
        cpu: dict[str, list[float]] = {label: [] for label in labels}
        rss: dict[str, list[int]] = {label: [] for label in labels}
        for _ in range(args.runs):
            for label, code in codes:
                env = bench_env(PYTHONPATH=str(Path(code).resolve()), NEWSGREP_CONFIG=os.devnull)
                p = subprocess.Popen([sys.executable, "-m", "newsgrep", *case, "--index",
                                      str(args.index)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, env=env)
                _, status, usage = os.wait4(p.pid, 0)
                if os.waitstatus_to_exitcode(status) not in (0, 1):
                    sys.exit(f"{' '.join(case)}: exit status {status}")
                cpu[label].append(usage.ru_utime + usage.ru_stime)
                rss[label].append(usage.ru_maxrss // 1024)
        times = [statistics.median(cpu[x]) for x in labels]
        mbs = [statistics.median(rss[x]) for x in labels]
        print(f"| `{' '.join(case)}` | {' | '.join(f'{t:.3f}' for t in times)} "
              f"| {times[-1] / times[0]:.2f} | {' | '.join(f'{m:.0f}' for m in mbs)} |",
              flush=True)


if __name__ == "__main__":
    main()
