#!/usr/bin/env python3
"""What the lemma threshold costs and saves on real text.

    python bench/morphology_ambiguity.py [--top 30]

For every known Cyrillic word of the corpus, pymorphy3 gives a distribution
over lemmas (summed parse scores, P(tag|word) from the OpenCorpora corpus
where it has one).  Taking that distribution as the truth, for each way of
choosing the lemmas to index:

* terms/token: postings written per known token;
* noise/1k: expected postings, per 1,000 tokens, of a lemma that is not the
  token's reading (a search for сталь that finds стали = "became");
* missed/1k: expected tokens, per 1,000, whose reading is not indexed
  (a search for сталь that misses стали = "of steel").

"all" is alternative (a), "top" (b), a number is (d) with that threshold.
morphbench's dev set cannot show this: its lemmas are sampled from the
dictionary, not weighted by how often each reading occurs in news.
"""
from __future__ import annotations

import argparse
import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from morphology_speed import DEFAULT_CORPUS, load_texts  # noqa: E402

from newsgrep import morphology  # noqa: E402

CHOICES = ["all", 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, "top"]


def choose(dist: dict[str, float], how) -> set[str]:
    if how == "top":
        return {max(dist, key=dist.get)}
    floor = 0.0 if how == "all" else how
    best = max(dist.values())
    return {k for k, v in dist.items() if v >= floor or v == best}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--top", type=int, default=0, metavar="N",
                    help="print the N most frequent ambiguous words and their lemma distributions")
    args = ap.parse_args(argv)

    counts: collections.Counter = collections.Counter()
    for text in load_texts(args.corpus):
        counts.update(morphology._WORD.findall(morphology.normalize(text)))
    lem = morphology.Lemmatizer()
    dists: dict[str, tuple[int, dict[str, float]]] = {}
    for w, n in counts.items():
        if not morphology._CYRILLIC.fullmatch(w):
            continue
        parses = lem._parse(w)
        if not parses or not all(lem._known(p[4]) for p in parses):
            continue
        d: dict[str, float] = collections.defaultdict(float)
        for p in parses:
            d[morphology._fold(p[2])] += p[3]
        total = sum(d.values()) or 1.0
        dists[w] = (n, {k: v / total for k, v in d.items()})
    ntok = sum(n for n, _ in dists.values())
    amb = sum(n for n, d in dists.values() if len(d) > 1)
    print("known Cyrillic tokens: %d (%d distinct); with more than one lemma: %.1f%% of tokens"
          % (ntok, len(dists), 100 * amb / ntok))
    print("%-6s %10s %10s %10s" % ("choice", "terms/tok", "noise/1k", "missed/1k"))
    for how in CHOICES:
        terms = noise = missed = 0.0
        for n, d in dists.values():
            k = choose(d, how)
            p_in = sum(d[x] for x in k)
            terms += n * len(k)
            noise += n * (len(k) - p_in)
            missed += n * (1 - p_in)
        print("%-6s %10.3f %10.1f %10.2f" % (how, terms / ntok, 1000 * noise / ntok,
                                             1000 * missed / ntok))
    if args.top:
        print()
        top = sorted(((n, w, d) for w, (n, d) in dists.items() if len(d) > 1), reverse=True)
        for n, w, d in top[:args.top]:
            print("%7d %-12s %s" % (n, w, "  ".join(
                "%s %.3f" % kv for kv in sorted(d.items(), key=lambda kv: -kv[1]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
