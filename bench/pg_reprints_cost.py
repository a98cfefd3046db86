#!/usr/bin/env python3
"""The cost of reprint groups on the PostgreSQL engine: build time and size, groups on and off.

    python bench/pg_reprints_cost.py                         # the 11k corpus files (bench/speed.py)
    python bench/pg_reprints_cost.py --corpus DIR --rounds 2

Starts a throwaway cluster (tests/pg_cluster.py), builds the same files into two
databases with ``newsgrep index --rebuild``, alternately with NEWSGREP_REPRINTS=0
(no signatures, no group commits: a bench-only switch) and with grouping on (the
default), ``--rounds`` times each, in one run; prints the median wall time, the
database size and the reprint tables' size. Then, on the grouped archive:
``search атака -n 10`` (distinct stories, copies counted), ``-c`` and ``-c --unique``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import pg_cluster  # noqa: E402
import speed  # noqa: E402

if not speed.SHARED.is_dir():  # a git worktree beside the others: ../shared is /work/shared
    speed.SHARED = Path(os.environ.get("NEWSGREP_SHARED", "/work/shared"))

PY = sys.executable
TABLES = ("reprints", "reprint_gone", "reprint_maps")


def ng(url: str, *args: str, grouping: bool = True) -> str:
    env = dict(os.environ, NEWSGREP_INDEX=url, NEWSGREP_REPRINTS="1" if grouping else "0")
    return subprocess.run([PY, "-m", "newsgrep", *args], env=env, capture_output=True,
                          text=True, check=True).stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=None, help="a folder of article files")
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    corpus = args.corpus or speed.make_corpus(args.out, 1)
    cluster = pg_cluster.start()
    try:
        urls = {g: cluster.url(cluster.create_database(f"groups_{'on' if g else 'off'}"))
                for g in (False, True)}
        times: dict[bool, list[float]] = {False: [], True: []}
        for r in range(args.rounds):
            for grouping in (False, True) if r % 2 == 0 else (True, False):
                t = time.monotonic()
                ng(urls[grouping], "index", "--rebuild", "-q", str(corpus), grouping=grouping)
                times[grouping].append(time.monotonic() - t)
                cluster.psql("VACUUM FULL", f"groups_{'on' if grouping else 'off'}")
        size = {g: int(cluster.psql(f"SELECT pg_database_size('groups_{'on' if g else 'off'}')"))
                for g in (False, True)}
        side = int(cluster.psql("SELECT " + " + ".join(
            f"pg_total_relation_size('{t}')" for t in TABLES), "groups_on"))
        on, off = statistics.median(times[True]), statistics.median(times[False])
        print(f"corpus {corpus}: {args.rounds} rounds")
        print("| grouping | build wall (median) | builds | database size |")
        print("|---|---|---|---|")
        print(f"| off | {off:.1f} s | {', '.join(f'{t:.1f}' for t in times[False])} | "
              f"{size[False] / 2**20:.1f} MB |")
        print(f"| on | {on:.1f} s | {', '.join(f'{t:.1f}' for t in times[True])} | "
              f"{size[True] / 2**20:.1f} MB (reprint tables {side / 2**20:.1f} MB) |")
        print(f"ratio on/off: build {on / off:.3f}, size {size[True] / size[False]:.3f}")
        url = urls[True]
        hits = [json.loads(x) for x in ng(url, "search", "атака", "-n", "10", "--json").splitlines()]
        print(f"search атака -n 10: {len(hits)} hits, "
              f"{len({h['group'] or h['id'] for h in hits})} distinct stories, "
              f"copies {[h['copies'] for h in hits]}")
        print(f"-c: {ng(url, 'search', 'атака', '-c').strip()}, "
              f"-c --unique: {ng(url, 'search', 'атака', '-c', '--unique').strip()}, "
              f"groups: {cluster.psql('SELECT count(DISTINCT grp) FROM reprints', 'groups_on')}")
    finally:
        cluster.remove()


if __name__ == "__main__":
    main()
