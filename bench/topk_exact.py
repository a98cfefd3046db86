#!/usr/bin/env python3
"""Is a limited search's top ten the exact top ten? (Whoosh engine)

    python bench/topk_exact.py --index /tmp/scale_bench/ix11k [--queries 200] [--seed 0]
    python bench/topk_exact.py --index DIR --stock     # without newsgrep's AndMaybe fix

Whoosh's top-k search skips blocks and replaces matchers by cheaper ones once a
result can no longer make the top ten (``optimize=True``). This compares, for
two-word queries made of words drawn from the archive's own headlines, two-word
phrases of them (adjacent words; ``--phrases N``) and the fixed queries of
``bench/speed.py``, the scores of ``limit=10`` (as the engine runs it: phrases in
title or body through ``fieldunion.title_first``) with the ten best of a search
that scores every match (``optimize=False``); prints how many differ.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", required=True)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--phrases", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stock", action="store_true", help="Whoosh's own AndMaybeMatcher")
    args = ap.parse_args()
    import newsgrep
    from newsgrep.engine.base import QuerySpec
    from speed import QUERIES

    from whoosh.matching import binary

    stock = {n: getattr(binary.AndMaybeMatcher, n) for n in ("skip_to", "skip_to_quality")}
    archive = newsgrep.open_archive(args.index)  # (opening applies newsgrep's fix)
    engine = archive.engine
    if args.stock:
        for name, method in stock.items():
            setattr(binary.AndMaybeMatcher, name, method)
    s = engine.searcher
    rnd = random.Random(args.seed)
    from newsgrep.engine.whoosh.fieldunion import title_first

    words: list[str] = []
    pairs: list[str] = []
    for doc in rnd.sample(range(s.doc_count_all()), min(400, s.doc_count_all())):
        if not s.reader().is_deleted(doc):
            title = (s.stored_fields(doc).get("title") or "").lower()
            words += [w for w in re.findall(r"[а-яё]{4,}", title)]
            ws = re.findall(r"[а-яё]+", title)
            pairs += [f'"{a} {b}"' for a, b in zip(ws, ws[1:])]
    queries = {q for _, q, _ in QUERIES}
    while len(queries) < args.queries + len(QUERIES) and len(words) > 1:
        queries.add(" ".join(rnd.sample(words, 2)))
    queries |= set(rnd.sample(pairs, min(args.phrases, len(pairs))))
    wrong, spent = [], 0.0
    for text in sorted(queries):
        q, _ = engine._parse(QuerySpec(text=text))
        t0 = time.process_time()
        top = sorted(round(r.score, 6) for r in s.search(title_first(q), limit=10))
        spent += time.process_time() - t0
        full = sorted(round(r.score, 6) for r in s.search(q, limit=None, optimize=False))
        if top != full[-10:]:
            wrong.append(text)
    print(f"{args.index}: {len(wrong)} of {len(queries)} queries with a wrong top ten"
          f"{' (stock Whoosh)' if args.stock else ''}; limited searches {spent:.2f} CPU-s")
    for text in wrong[:10]:
        print("  ", text)


if __name__ == "__main__":
    main()
