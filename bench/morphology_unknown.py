#!/usr/bin/env python3
"""Unknown-word policies of lemma mode, on the corpus's real unknown words.

    python bench/morphology_unknown.py [--show 40]

morphbench's dev set comes from the dictionary, so it never exercises the
unknown-word path.  This script takes the corpus's Cyrillic words that
pymorphy3 does not know (names, places, acronyms, neologisms), builds proxy
lexemes from them and scores each policy of newsgrep.morphology.Lemmatizer:

* a proxy lexeme is a frequent unknown word (>= 30 occurrences, >= 4 letters,
  ending in a consonant or а/я) with the corpus words that are it plus a
  regular noun ending (тиллерсон: тиллерсона, тиллерсоне, тиллерсоном ...);
  it is noisy (маск + а = маска is another word), so read the numbers
  side by side, not as absolute truth;
* recall: macro mean over proxy lexemes of the share of forms whose terms
  meet the base word's terms;
* collisions: unknown words having a term that some known corpus word also
  has (ниу -> ни, рубио -> руб): the cost of a policy in false matches.
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

CONSONANT_ENDINGS = ["а", "у", "ом", "е", "ы", "ов", "ам", "ами", "ах", "ым", "ой", "ою",
                     "ых", "ыми", "и", "ей", "ем", "ю", "я"]
A_ENDINGS = ["а", "ы", "и", "е", "у", "ю", "ой", "ою", "ей", "ею", "ам", "ами", "ах",
             "ям", "ями", "ях"]

POLICIES = {
    "stem": dict(unknown="stem"),
    "predict": dict(unknown="predict"),
    "predict>=0.1": dict(unknown="predict", predict_min_score=0.1),
    "predict+stem": dict(unknown="predict+stem"),  # the default
}


def proxy_lexemes(unknown: collections.Counter, counts: collections.Counter):
    used: set[str] = set()
    groups = []
    for base, n in unknown.most_common():
        if n < 30:
            break
        if base in used or "-" in base or len(base) < 4:
            continue
        if base[-1] in "ая":
            root, endings = base[:-1], A_ENDINGS
        elif base[-1] in "бвгджзклмнпрстфхцчшщ":
            root, endings = base, CONSONANT_ENDINGS
        else:
            continue  # vowel-final names are mostly indeclinable
        forms = sorted({root + e for e in endings if counts.get(root + e, 0) >= 2} - {base})
        if forms:
            used.update(forms)
            used.add(base)
            groups.append((base, forms))
    return groups


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--show", type=int, default=0, metavar="N",
                    help="print the terms of the N most frequent unknown words")
    args = ap.parse_args(argv)

    counts: collections.Counter = collections.Counter()
    for text in load_texts(args.corpus):
        counts.update(morphology.normalize(t) for t in morphology._WORD.findall(text))
    ntok = sum(counts.values())
    lem = morphology.Lemmatizer()
    unknown: collections.Counter = collections.Counter()
    known_cyr = 0
    for w, n in counts.items():
        if morphology._CYRILLIC.fullmatch(w):
            parses = lem._parse(w)
            if parses and all(lem._known(p[4]) for p in parses):
                known_cyr += n
            else:
                unknown[w] = n
    print("corpus: %d tokens, %d distinct; Cyrillic known %.1f%% of tokens, unknown %.1f%% "
          "of tokens (%d distinct words)" % (ntok, len(counts), 100 * known_cyr / ntok,
                                             100 * sum(unknown.values()) / ntok, len(unknown)))
    groups = proxy_lexemes(unknown, counts)
    print("proxy lexemes: %d, with %d further forms\n" % (len(groups), sum(len(f) for _, f in groups)))

    known_terms: set[str] = set()
    for w in counts:
        if w not in unknown and morphology._CYRILLIC.fullmatch(w):
            known_terms.update(lem.terms(w))

    print("%-14s %8s %12s %14s %14s" % ("policy", "recall", "terms/token", "collide types",
                                         "collide toks"))
    analyzers = {}
    for name, kw in POLICIES.items():
        a = analyzers[name] = morphology.Lemmatizer(**kw)
        recalls = []
        for base, forms in groups:
            bt = set(a.terms(base))
            recalls.append(sum(bool(bt & set(a.terms(f))) for f in forms) / len(forms))
        nterms = sum(n * len(a.terms(w)) for w, n in unknown.items())
        coll = [(w, n) for w, n in unknown.items()
                if any(t in known_terms and t != w for t in a.terms(w))]
        print("%-14s %8.3f %12.2f %14.3f %14.3f" % (
            name, sum(recalls) / len(recalls), nterms / sum(unknown.values()),
            len(coll) / len(unknown), sum(n for _, n in coll) / sum(unknown.values())))
    if args.show:
        print()
        for w, n in unknown.most_common(args.show):
            print("%-16s %6d  " % (w, n) + "  ".join(
                "%s=%s" % (name, "/".join(analyzers[name].terms(w))) for name in POLICIES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
