#!/usr/bin/env python3
"""The largest reprint groups of an index, to read by hand (are they one story?).

    python bench/reprints_largest.py /tmp/reprints/ix              # the 20 largest
    python bench/reprints_largest.py /tmp/reprints/ix -n 30 --before

For each group: its size, the span of its dates, and every copy as ``newsgrep reprints``
gives it (date, source, similarity to the lead, headline). ``--before`` also lists the
largest groups the grouping of fe9e7c2 made from the same signatures (connected
components of the near-copy relation with its thresholds of then, dates ignored), to
compare.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from newsgrep import reprints as R  # noqa: E402
from newsgrep.archive import open_archive  # noqa: E402
from newsgrep.engine.base import ArticleRef  # noqa: E402
from newsgrep.reprint_store import ReprintStore  # noqa: E402


def before(store: ReprintStore) -> list[list[str]]:
    """Connected components of ``R.similar`` (J >= 0.5 with leads >= 0.3), undated."""
    saved = R.FULL_THRESHOLD, R.LEAD_AGREE
    R.FULL_THRESHOLD, R.LEAD_AGREE = 0.5, 0.3
    try:
        ix = R.ReprintIndex()
        parent: dict[str, str] = {}

        def find(i: str) -> str:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for aid in sorted(store.meta):
            sig = store.index.signature(aid)
            parent[aid] = aid
            for other in ix.candidates(sig):
                parent[find(other)] = find(aid)  # type: ignore[arg-type]
            ix.add(aid, sig)
    finally:
        R.FULL_THRESHOLD, R.LEAD_AGREE = saved
    comps: dict[str, list[str]] = defaultdict(list)
    for aid in parent:
        comps[find(aid)].append(aid)
    return sorted(comps.values(), key=lambda c: (-len(c), min(c)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("index")
    ap.add_argument("-n", type=int, default=20)
    ap.add_argument("--before", action="store_true")
    args = ap.parse_args()
    archive = open_archive(args.index)
    data = archive.engine.reprint_data()  # type: ignore[attr-defined]
    store = ReprintStore.loads(data)
    groups = sorted((g for g in store.group_list()), key=lambda g: (-len(g), g[0][0]))
    sizes = [len(g) for g in groups]
    print(f"{len(store)} articles, {len(groups)} groups of 2+ ({sum(sizes)} articles); "
          f"sizes of the {args.n} largest: {sizes[:args.n]}")
    for n, g in enumerate(groups[:args.n], 1):
        rows = archive.reprints(g[0][0])
        dated = [r["date"] for r in rows if r["date"]]
        span = f"{min(dated):%Y-%m-%d %H:%M} .. {max(dated):%Y-%m-%d %H:%M}" if dated else "undated"
        print(f"\n#{n}: {len(rows)} copies, {span}")
        for r in rows:
            date = f"{r['date']:%Y-%m-%d %H:%M}" if r["date"] else "-"
            sim = "lead" if r["lead"] else f"{r['similarity']:.2f}"
            print(f"  {date:16} {str(r['source'])[:18]:18} {sim:>5}  {r['title'][:80]}  {r['id']}")
    if args.before:
        comps = before(store)
        print(f"\nBefore (components, J>=0.5, no window): sizes of the {args.n} largest: "
              f"{[len(c) for c in comps[:args.n]]}")
        for n, c in enumerate(comps[:args.n], 1):
            print(f"\n#{n} before: {len(c)}")
            for aid in sorted(c, key=lambda a: (store.meta[a][0] or 0, a)):
                ts, source, _ = store.meta[aid]
                arts = archive.engine.fetch(ArticleRef(id=aid))
                title = arts[0].title if arts else ""
                date = arts[0].date if arts else None
                print(f"  {date:%Y-%m-%d %H:%M}" if date else "  -               ",
                      f"{str(source)[:18]:18} {title[:80]}  {aid}")


if __name__ == "__main__":
    main()
