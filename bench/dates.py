"""Speed of newsgrep.articles.dates on real articles.

    python bench/dates.py                       # ../shared/corpus, top 500 chars
    python bench/dates.py --chars 2000 --repeat 5

Reads every record of ``corpus/articles/*.jsonl.gz``, keeps the top ``--chars``
characters of each text (what a reader passes to ``find_date``), and times
``find_date`` over all of them, best of ``--repeat`` rounds; then the same for
``date_from_url`` on the URLs and ``parse_date`` on the records' ``date`` fields.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsgrep.articles.dates import date_from_url, find_date, parse_date  # noqa: E402


def best_of(repeat: int, fn, items) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for x in items:
            fn(x)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    shared = Path(os.environ.get("NEWSGREP_SHARED", REPO.parent / "shared"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=shared / "corpus")
    ap.add_argument("--chars", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    files = sorted((args.corpus / "articles").glob("*.jsonl.gz"))
    if not files:
        sys.exit(f"no {args.corpus}/articles/*.jsonl.gz")
    records = []
    for f in files:
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            records += [json.loads(line) for line in fh]
    tops = [(r.get("text") or "")[: args.chars] for r in records]
    urls = [r["url"] for r in records if r.get("url")]
    dates = [r["date"] for r in records if r.get("date")]

    found = sum(find_date(t) is not None for t in tops)
    t = best_of(args.repeat, find_date, tops)
    n_chars = sum(map(len, tops))
    print(f"find_date     {len(tops):6d} articles x top {args.chars} chars: "
          f"{len(tops) / t:9.0f} articles/s  {n_chars / t / 1e6:5.1f} M chars/s  "
          f"({found} with a complete date, no default_year)")
    t = best_of(args.repeat, lambda x: find_date(x, default_year=2023), tops)
    print(f"  default_year=2023:                        {len(tops) / t:9.0f} articles/s")
    t = best_of(args.repeat, date_from_url, urls)
    print(f"date_from_url {len(urls):6d} URLs:                     {len(urls) / t:9.0f} URLs/s  "
          f"({sum(date_from_url(u) is not None for u in urls)} with a date)")
    t = best_of(args.repeat, parse_date, dates)
    print(f"parse_date    {len(dates):6d} date fields:              {len(dates) / t:9.0f} fields/s  "
          f"({sum(parse_date(d) is not None for d in dates)} parsed)")


if __name__ == "__main__":
    main()
