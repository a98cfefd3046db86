"""morphbench analyzers for the lemma-mode alternatives of newsgrep.morphology.

Each function is a factory for bench.py (``module:factory()``).  From the
repository root, with pymorphy3 installed:

    PYTHONPATH=.:bench python3 ../shared/morphbench/bench.py --match overlap \\
        --analyzer 'morphology_variants:stemmer()' \\
        --analyzer 'morphology_variants:top()' \\
        --analyzer 'morphology_variants:all_lemmas()' \\
        --analyzer 'morphology_variants:lemmas_stem()' \\
        --analyzer 'morphology_variants:threshold()'

The dev set is a sample of the OpenCorpora dictionary, so every word in it is
known and the unknown-word path is never taken.  The ``unknown_*`` factories
build a pymorphy3 analyzer without its DictionaryAnalyzer unit, which sends
every word through the guesser, to compare the unknown-word policies:

    PYTHONPATH=.:bench python3 ../shared/morphbench/bench.py --match overlap --no-speed \\
        --analyzer 'morphology_variants:unknown_stem()' \\
        --analyzer 'morphology_variants:unknown_predict()' \\
        --analyzer 'morphology_variants:unknown_predict_stem()'

(The guesser's suffix statistics were built from the whole dictionary, these
words included, so this flatters the guesser; bench/morphology_unknown.py
measures the policies on the corpus's real unknown words.)
"""
from __future__ import annotations

from newsgrep.morphology import (_CYRILLIC, _LATIN, _WORD, DEFAULT_MIN_SCORE,
                                 Lemmatizer, _stemmer, normalize)


def _lemma(**kw):
    return Lemmatizer(**kw).analyse_text


def stemmer():
    """Baseline: Snowball (PyStemmer) Russian / English behind the same tokenizer and cache."""
    ru, en = _stemmer("russian"), _stemmer("english")
    cache: dict[str, tuple[str, ...]] = {}

    def one(w: str) -> tuple[str, ...]:
        if _CYRILLIC.fullmatch(w):
            return (ru(w),)
        if _LATIN.fullmatch(w):
            return (en(w),)
        return (w,)

    def analyse(text: str) -> list[str]:
        out: list[str] = []
        for tok in _WORD.findall(normalize(text)):
            t = cache.get(tok)
            if t is None:
                t = cache[tok] = one(tok)
            out.extend(t)
        return out
    return analyse


def all_lemmas():
    """(a) every lemma pymorphy3 offers"""
    return _lemma(strategy="all")


def top():
    """(b) the most probable lemma only"""
    return _lemma(strategy="top")


def lemmas_stem():
    """(c) every lemma plus the Snowball stem"""
    return _lemma(strategy="stem")


def threshold(min_score: float = DEFAULT_MIN_SCORE):
    """(d) lemmas whose summed parse score >= min_score (the default mode)"""
    return _lemma(strategy="threshold", min_score=min_score)


def threshold_05():
    return threshold(0.05)


def threshold_20():
    return threshold(0.2)


# ---------------------------------------------------------------- unknown words

def _guesser_only():
    import pymorphy3
    from pymorphy3 import units
    return pymorphy3.MorphAnalyzer(lang="ru", result_type=None, units=[
        [units.UnknownPrefixAnalyzer(), units.KnownSuffixAnalyzer()],
        units.UnknAnalyzer(),
    ])


def _unknown(unknown, predict_min_score=0.0):
    return Lemmatizer(unknown=unknown, predict_min_score=predict_min_score,
                      morph=_guesser_only()).analyse_text


def unknown_stem():
    """every word treated as unknown -> Snowball stem"""
    return _unknown("stem")


def unknown_predict():
    """every word treated as unknown -> all guessed lemmas"""
    return _unknown("predict")


def unknown_predict_thr():
    """every word treated as unknown -> guessed lemmas scoring >= 0.1"""
    return _unknown("predict", 0.1)


def unknown_predict_stem():
    """every word treated as unknown -> all guessed lemmas + stem (the default policy)"""
    return _unknown("predict+stem")


def unknown_predict_thr_stem():
    """every word treated as unknown -> guessed lemmas scoring >= 0.1 + stem"""
    return _unknown("predict+stem", 0.1)
