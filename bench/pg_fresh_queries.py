#!/usr/bin/env python3
"""The fixed query set (bench/pg_speed.py) on one PostgreSQL archive, each query in a fresh
engine (no cached document frequencies, as a process that searches once): ranked search
(top 10) and ``-c``, median of ``--runs``, ms; writes the counts and top-ten ids to ``--out``.

    python bench/pg_fresh_queries.py --index 'postgresql://...' [--out FILE.json]

To compare two versions of the code, run each checkout's copy of this script against an
archive built by that checkout, one after the other (docs/performance.md).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> None:
    from pg_speed import QUERIES

    from newsgrep.engine.base import QuerySpec, SearchRequest
    from newsgrep.engine.postgres import PostgresEngine

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", required=True, help="a postgresql:// URL")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    out = {}
    for q in QUERIES:
        searched, counted, n, ids = [], [], 0, []
        for _ in range(args.runs):
            engine = PostgresEngine(args.index)
            t = time.perf_counter()
            ids = [h.article.id for h in engine.search(SearchRequest(QuerySpec(q), limit=10)).hits]
            searched.append(time.perf_counter() - t)
            engine.close()
            engine = PostgresEngine(args.index)
            t = time.perf_counter()
            n = engine.count(QuerySpec(q))
            counted.append(time.perf_counter() - t)
            engine.close()
        out[q] = {"search_ms": statistics.median(searched) * 1000,
                  "count_ms": statistics.median(counted) * 1000, "count": n, "top10": ids}
        print(f"{q:32} search {out[q]['search_ms']:8.0f} ms   -c {out[q]['count_ms']:8.0f} ms"
              f"   {n} hits", flush=True)
    print(f"{'sum':32} search {sum(v['search_ms'] for v in out.values()):8.0f} ms   "
          f"-c {sum(v['count_ms'] for v in out.values()):8.0f} ms")
    if args.out:
        args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
