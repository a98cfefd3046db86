#!/usr/bin/env python3
"""The cost of removing articles from reprint groups, as a re-index of changed files does.

    python bench/reprint_removal.py --files /tmp/ru_news --stories 300 --copies 100
    python bench/reprint_removal.py ... --code before=/tmp/before --code after=.

Signs ``--stories`` articles of ``--files`` (article files, one per file) and adds each
``--copies`` times (exact copies, as the ×N benchmark corpora hold them, each a group of
``--copies``) to a ``newsgrep.reprints.ReprintIndex``; then removes one copy of
``--removed`` of the stories and adds it back (a changed file), and reports the CPU time
of that. Each ``--code LABEL=DIR`` runs in its own process with that checkout's
``newsgrep`` (default: this one), interleaved ``--rounds`` times; it prints the median
and after/before ratio, and checks that all the codes end with the same groups.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, random, sys, time
from pathlib import Path
from newsgrep import reprints
from newsgrep.articles import read_file

files, stories, copies, removed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
sigs = []
for path in sorted(Path(files).rglob("*.txt")):
    for a in read_file(str(path)):
        sig = reprints.signature(a.title, a.body)
        if not sig.empty:
            sigs.append(sig)
        break
    if len(sigs) >= stories:
        break
ix = reprints.ReprintIndex()
for i, sig in enumerate(sigs):
    for c in range(copies):
        ix.add(f"{i:06}-{c:03}", sig, 1.6e9 + i * 86400)
rnd = random.Random(1)
changed = [f"{i:06}-{rnd.randrange(copies):03}" for i in rnd.sample(range(len(sigs)), removed)]
t = time.process_time()
for key in changed:
    sig, when = ix.signature(key), ix.date(key)
    ix.remove(key)
    ix.add(key, sig, when)
cpu = time.process_time() - t
print(json.dumps({"cpu": cpu, "articles": len(ix), "groups": sorted(map(sorted, ix.groups()))}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", required=True, help="a folder of article files")
    ap.add_argument("--stories", type=int, default=300)
    ap.add_argument("--copies", type=int, default=100)
    ap.add_argument("--removed", type=int, default=100, help="stories with one copy changed")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--code", action="append", default=[], metavar="LABEL=DIR")
    args = ap.parse_args()
    codes = [(c.partition("=")[0], Path(c.partition("=")[2]).resolve()) for c in args.code] \
        or [("this", HERE.parent)]
    times: dict[str, list[float]] = {label: [] for label, _ in codes}
    groups: dict[str, object] = {}
    for _ in range(args.rounds):
        for label, code in codes:
            env = dict(os.environ, PYTHONPATH=str(code))
            out = subprocess.run([sys.executable, "-c", CHILD, args.files, str(args.stories),
                                  str(args.copies), str(args.removed)], env=env, cwd=code,
                                 check=True, capture_output=True, text=True).stdout
            r = json.loads(out)
            times[label].append(r["cpu"])
            groups[label] = r["groups"]
            n = r["articles"]
    print(f"{n:,} articles in groups of {args.copies}; {args.removed} changed "
          f"(removed and added back); CPU seconds, median of {args.rounds}:\n")
    print("| code | CPU (s) | per changed article (ms) |")
    print("|---|---:|---:|")
    for label, _ in codes:
        t = statistics.median(times[label])
        print(f"| {label} | {t:.3f} | {1000 * t / args.removed:.2f} |")
    if len(codes) > 1:
        first, last = codes[0][0], codes[-1][0]
        print(f"\n{last}/{first}: {statistics.median(times[last]) / statistics.median(times[first]):.3f}")
        print("same groups:", all(g == groups[first] for g in groups.values()))


if __name__ == "__main__":
    main()
