#!/usr/bin/env python3
"""Known-item relevance check: does a search for an article's distinctive words,
typed in dictionary or other inflected forms, find that article in the top 10?

    python bench/known_item.py --files /tmp/corpus11k --index /tmp/ix11k [--build]
    python bench/known_item.py ... --morphology lemma --queries 500 --seed 7
    python bench/known_item.py --files /tmp/corpus11k --index postgresql:///news?host=/run/postgresql

``--index`` is any archive location: a folder (the Whoosh engine) or a
``postgresql://`` URL (the PostgreSQL engine); ``--build`` works with both.

``--files`` is a folder made by ``../shared/corpus/make_files.py ... --manifest``
(it holds ``manifest.tsv``, or give ``--manifest FILE``). ``--build`` indexes
the folder without its manifest: newsgrep reads a ``.tsv`` as records, and
the manifest's 11k title-only records would compete with the articles. For each sampled article, the query takes the 2-3
rarest words of its headline (by document frequency in the corpus) and puts
each in a different grammatical form than the headline's: its dictionary form,
or another case/number (pymorphy3 inflects; ``pip install pymorphy3
pymorphy3-dicts-ru``). The score is the share of queries whose article is in
the top 10. Reference: Whoosh, Tantivy and Xapian with Snowball stemming over
title and body score 0.86 on such a check.
"""
from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

WORD = re.compile(r"[А-Яа-яЁё]{4,}")
STOP = set("""этот которые который которая также после более может будет были было быть
когда если чтобы только свою своих свой своего глава между через против около время""".split())
CASES = ["nomn", "gent", "datv", "accs", "ablt", "loct"]


def load_manifest(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [r for r in rows if r["title"].strip()]


def other_form(morph, word: str, rng: random.Random) -> str:
    """The word as a user would type it, but not as the headline has it: nouns and
    adjectives in their dictionary form or another case of the same number, verbs
    and participles in the infinitive."""
    parse = morph.parse(word.lower())[0]
    tag = parse.tag
    forms = {parse.normal_form}
    if tag.POS in ("NOUN", "ADJF"):
        number = tag.number or "sing"
        for case in CASES:
            f = parse.inflect({case, number})
            if f:
                forms.add(f.word)
    forms.discard(word.lower())
    if not forms:
        return word
    # Half the time the dictionary form (how people type), else any other form.
    if parse.normal_form in forms and rng.random() < 0.5:
        return parse.normal_form
    return rng.choice(sorted(forms))


def make_queries(rows: list[dict], n: int, seed: int, words: int) -> list[tuple[str, str]]:
    import pymorphy3

    morph = pymorphy3.MorphAnalyzer()
    df: Counter = Counter()
    for r in rows:
        df.update({w.lower() for w in WORD.findall(r["title"])})
    rng = random.Random(seed)
    picked = rng.sample(rows, min(n, len(rows)))
    queries = []
    for r in picked:
        cands = [w for w in dict.fromkeys(WORD.findall(r["title"])) if w.lower() not in STOP]
        if len(cands) < 2:
            continue
        cands.sort(key=lambda w: df[w.lower()])
        chosen = cands[:words]
        queries.append((" ".join(other_form(morph, w, rng) for w in chosen), r["path"]))
    return queries


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=Path, required=True, help="folder with manifest.tsv")
    ap.add_argument("--manifest", type=Path, help="the manifest, if not FILES/manifest.tsv")
    ap.add_argument("--index", required=True,
                    help="the archive: a folder or a postgresql:// URL")
    ap.add_argument("--build", action="store_true", help="(re)build the index first")
    ap.add_argument("--morphology", default=None,
                    help="stem or lemma (with --build; default: newsgrep's default)")
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--words", type=int, default=3)
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--show-misses", type=int, default=0)
    args = ap.parse_args()

    from newsgrep.archive import open_archive

    if args.build:
        t = time.monotonic()
        paths = [str(p) for p in sorted(args.files.iterdir()) if p.name != "manifest.tsv"]
        with open_archive(args.index, create=True) as a:
            a.index(paths, rebuild=True, morphology=args.morphology)
        print(f"built {args.index} in {time.monotonic() - t:.1f} s", file=sys.stderr)

    archive = open_archive(args.index)
    mode = archive.info().morphology
    rows = load_manifest(args.manifest or args.files / "manifest.tsv")
    queries = make_queries(rows, args.queries, args.seed, args.words)
    found, rr, misses = 0, 0.0, []
    t = time.monotonic()
    for q, rel in queries:
        target = str((args.files / rel).resolve())
        hits = archive.search(q, limit=10).hits
        ranks = [h.rank for h in hits if str(Path(h.path).resolve()) == target]
        if ranks:
            found += 1
            rr += 1 / ranks[0]
        else:
            misses.append((q, rel))
    n = len(queries)
    print(f"known-item: {found}/{n} in top 10 = {found / n:.3f}; MRR@10 {rr / n:.3f}; "
          f"{(time.monotonic() - t) / n * 1000:.0f} ms/query (morphology={mode}, "
          f"seed={args.seed}, words={args.words})")
    archive.close()
    for q, rel in misses[:args.show_misses]:
        print(f"  miss: {q!r} -> {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
