#!/usr/bin/env python3
"""Do the two engines agree? For the fixed query set of ``bench/pg_speed.py``: is ``-c``
(the count) equal, and how many of the top 10 articles are the same (k/10)?

    python bench/pg_agreement.py --whoosh /tmp/ix11k --postgres postgresql:///news11k?host=...
    python bench/pg_agreement.py ... --show "атака дрон"   # the two top tens side by side

Both archives must index the same files (the ids are the same on both engines).
A difference in the top ten is listed with each article's score on both engines
(``-`` where it is not in that engine's top ten), the scores' order tells whether
it is a tie at the tenth place or a ranking difference.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from pg_speed import QUERIES  # noqa: E402


def top(archive, q: str, n: int) -> list[tuple[str, float, str]]:
    return [(h.id, h.score, h.title) for h in archive.search(q, limit=n, partial=False).hits]


def agreement(whoosh: str, postgres: str, queries: list[str], show: list[str],
              depth: int = 10) -> tuple[int, int, int]:
    """Prints one line per query; returns (counts equal, top-10 sets equal, overlap sum)."""
    from newsgrep.archive import open_archive

    same_count = same_top = overlap = same_order = 0
    with open_archive(whoosh) as w, open_archive(postgres) as p:
        print(f"{'query':34}{'-c W/P':>16}{'top10 ∩':>9}{'same order':>12}")
        for q in queries:
            cw, cp = w.count(q), p.count(q)
            tw, tp = top(w, q, depth), top(p, q, depth)
            inter = len({i for i, *_ in tw} & {i for i, *_ in tp})
            same_count += cw == cp
            same_top += inter == len(tw) == len(tp)
            overlap += inter
            order = [i for i, *_ in tw] == [i for i, *_ in tp]
            same_order += order
            print(f"{q:34}{f'{cw}/{cp}':>16}{f'{inter}/{len(tw)}':>9}{'yes' if order else 'no':>12}")
            if q in show or (show == ["all"] and inter < len(tw)):
                # each engine's own score of the other's articles: a deeper look-up
                sw = {i: s for i, s, _ in top(w, q, 200)}
                sp = {i: s for i, s, _ in top(p, q, 200)}
                for i, _, title in sorted({(i, 0, t) for i, _, t in tw + tp},
                                          key=lambda x: -sw.get(x[0], 0)):
                    mark = ("W" if i in {x for x, *_ in tw} else " ") + \
                           ("P" if i in {x for x, *_ in tp} else " ")
                    print(f"    {mark} {i} W {sw.get(i, float('nan')):8.3f}  "
                          f"P {sp.get(i, float('nan')):8.3f}  {title[:60]}")
    print(f"(the top tens in the same order on {same_order}/{len(queries)} queries)")
    return same_count, same_top, overlap


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--whoosh", required=True, help="the Whoosh archive (a folder)")
    ap.add_argument("--postgres", required=True, help="the PostgreSQL archive (a URL)")
    ap.add_argument("--show", action="append", default=[],
                    help="a query whose top tens to list side by side ('all': every differing one)")
    ap.add_argument("--query", action="append", default=[],
                    help="a query to check instead of the fixed set (repeatable)")
    args = ap.parse_args()
    queries = args.query or QUERIES
    n = len(queries)
    c, t, o = agreement(args.whoosh, args.postgres, queries, args.show)
    print(f"\n-c equal on {c}/{n} queries; top-10 sets equal on {t}/{n}; "
          f"overlap {o}/{10 * n} articles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
