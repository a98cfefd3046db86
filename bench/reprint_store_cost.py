#!/usr/bin/env python3
"""The cost of keeping reprint groups up to date: removing articles from groups, and
loading an archive's store, as a re-index of changed files does both.

    python bench/reprint_store_cost.py --files /tmp/ru_news --stories 300 --copies 100
    python bench/reprint_store_cost.py ... --index ARCHIVE --code before=/tmp/before --code after=.

Removal: signs ``--stories`` articles of ``--files`` (article files, one per file) and
adds each ``--copies`` times (exact copies, as the ×N benchmark corpora hold them, each a
group of ``--copies``) to a ``newsgrep.reprints.ReprintIndex``; then removes one copy of
``--removed`` of the stories and adds it back (a changed file), and reports the CPU time
of that, and checks that all the codes end with the same groups.

Load (with ``--index``, a Whoosh archive folder): ``load_reprints`` of its last
generation, with the peak and the final size of the Python heap (``tracemalloc``) per
article.

Each ``--code LABEL=DIR`` runs in its own process with that checkout's ``newsgrep``
(default: this one), interleaved ``--rounds`` times; medians and the last/first ratio.
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

LOAD = r"""
import json, sys, tracemalloc
from pathlib import Path
from newsgrep.engine.whoosh.commit import load_reprints

folder = Path(sys.argv[1])
generation = max(int(p.name[len("_MAIN_"):-len(".toc")]) for p in folder.glob("_MAIN_*.toc"))
tracemalloc.start()
store = load_reprints(folder, generation)
now, peak = tracemalloc.get_traced_memory()
print(json.dumps({"articles": len(store), "final": now / len(store), "peak": peak / len(store)}))
"""


def _run(code: Path, script: str, *args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code))
    out = subprocess.run([sys.executable, "-c", script, *args], env=env, cwd=code,
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def _ratio(values: dict[str, list[float]], codes: list[tuple[str, Path]]) -> str:
    first, last = codes[0][0], codes[-1][0]
    return f"{statistics.median(values[last]) / statistics.median(values[first]):.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", required=True, help="a folder of article files")
    ap.add_argument("--stories", type=int, default=300)
    ap.add_argument("--copies", type=int, default=100)
    ap.add_argument("--removed", type=int, default=100, help="stories with one copy changed")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--index", help="also: load this Whoosh archive's reprint store")
    ap.add_argument("--code", action="append", default=[], metavar="LABEL=DIR")
    args = ap.parse_args()
    codes = [(c.partition("=")[0], Path(c.partition("=")[2]).resolve()) for c in args.code] \
        or [("this", HERE.parent)]
    times: dict[str, list[float]] = {label: [] for label, _ in codes}
    peaks: dict[str, list[float]] = {label: [] for label, _ in codes}
    finals: dict[str, list[float]] = {label: [] for label, _ in codes}
    groups: dict[str, object] = {}
    for _ in range(args.rounds):
        for label, code in codes:
            r = _run(code, CHILD, args.files, str(args.stories), str(args.copies),
                     str(args.removed))
            times[label].append(r["cpu"])
            groups[label] = r["groups"]
            n = r["articles"]
            if args.index:
                r = _run(code, LOAD, args.index)
                peaks[label].append(r["peak"])
                finals[label].append(r["final"])
                loaded = r["articles"]
    print(f"{n:,} articles in groups of {args.copies}; {args.removed} changed "
          f"(removed and added back); CPU seconds, median of {args.rounds}:\n")
    print("| code | CPU (s) | per changed article (ms) |")
    print("|---|---:|---:|")
    for label, _ in codes:
        t = statistics.median(times[label])
        print(f"| {label} | {t:.3f} | {1000 * t / args.removed:.2f} |")
    if len(codes) > 1:
        print(f"\n{codes[-1][0]}/{codes[0][0]}: {_ratio(times, codes)}")
        print("same groups:", all(g == groups[codes[0][0]] for g in groups.values()))
    if args.index:
        print(f"\nLoading the reprint store of {args.index} ({loaded:,} articles), Python "
              "heap per article (bytes):\n")
        print("| code | peak while loading | loaded |")
        print("|---|---:|---:|")
        for label, _ in codes:
            print(f"| {label} | {statistics.median(peaks[label]):,.0f} | "
                  f"{statistics.median(finals[label]):,.0f} |")
        if len(codes) > 1:
            print(f"\npeak {codes[-1][0]}/{codes[0][0]}: {_ratio(peaks, codes)}")


if __name__ == "__main__":
    main()
