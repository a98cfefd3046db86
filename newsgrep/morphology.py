"""Russian morphology for the index: one word -> its index terms.

:class:`Lemmatizer` maps a word to its dictionary lemma(s) with pymorphy3
(OpenCorpora), folds ё to е, and falls back to a Snowball stemmer for words
the dictionary does not know.  The analyzer chain calls :meth:`Lemmatizer.terms`
once per token, so the result is memoized in a dict: news text is Zipfian and
nearly every token after the first few thousand articles is a cache hit.

Contract with the caller (the tokenizer in ``analysis``):

* pass one token: a run of letters and/or digits, possibly with inner
  hyphens (``северо-западный``, ``кто-то``); already lower-cased with ё
  folded to е is the fast path, but other spellings give the same terms
  (they are normalised on a cache miss, and cached under the spelling given);
* the script is classified here, not by the caller: Cyrillic words go to the
  dictionary, Latin words to the English Snowball stemmer, anything else
  (numbers, mixed scripts, underscores) is indexed as it is.

The same word always yields the same terms in the same order, whatever was
analysed before: a highlighter re-analyses stored text with this function and
marks the tokens whose terms meet the query's terms.
"""
from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable

from .errors import MorphologyUnavailable

__all__ = [
    "Lemmatizer",
    "MorphologyUnavailable",
    "available",
    "get_lemmatizer",
    "normalize",
    "terms_for_bench",
]

# pymorphy3 is a dependency of newsgrep; this only happens in a broken or hand-made environment
INSTALL_HINT = "pip install 'pymorphy3>=2.0,<3' 'pymorphy3-dicts-ru>=2.4,<3' (or reinstall newsgrep)"

#: Default cap on cached words.  11k news articles (8.7M tokens) have 305k
#: distinct lower-cased tokens: ~57 MB of cache, 3.5% of tokens missing it.
#: The cap bounds memory on bigger archives (~95 MB); when it is reached the
#: oldest quarter of the entries is dropped (bench/morphology.md has the numbers).
DEFAULT_CACHE_SIZE = 500_000

#: Default score threshold for keeping a secondary lemma (strategy "threshold").
DEFAULT_MIN_SCORE = 0.1

#: Bump when a change here changes the terms of some word.
ALGORITHM_VERSION = 1

_CYRILLIC = re.compile(r"[а-яё]+(?:-[а-яё]+)*")
_LATIN = re.compile(r"[a-z]+(?:['’-][a-z]+)*")
_YO = str.maketrans("ёЁ", "еЕ")

STRATEGIES = ("all", "top", "stem", "threshold")
UNKNOWN_POLICIES = ("stem", "predict", "predict+stem")


def normalize(word: str) -> str:
    """Lower-case and fold ё to е: the spelling :meth:`Lemmatizer.terms` expects."""
    return word.lower().translate(_YO)


def available() -> bool:
    """Whether pymorphy3 and its Russian dictionary can be imported."""
    try:
        import pymorphy3  # noqa: F401
        import pymorphy3_dicts_ru  # noqa: F401
    except ImportError:
        return False
    return True


def _load_morph():
    try:
        import pymorphy3
    except ImportError as e:
        raise MorphologyUnavailable(
            "lemma mode needs pymorphy3, which is not installed: " + INSTALL_HINT) from e
    try:
        try:
            # naming the dictionary skips pymorphy3's entry-point scan
            # (importlib.metadata: ~17 ms of a ~75 ms start-up)
            import pymorphy3_dicts_ru
            path = pymorphy3_dicts_ru.get_path()
        except ImportError:
            path = None
        # result_type=None: plain tuples, no Parse objects
        return pymorphy3.MorphAnalyzer(path=path, lang="ru", result_type=None)
    except (ImportError, ValueError, OSError) as e:
        raise MorphologyUnavailable(
            "pymorphy3 cannot load its Russian dictionary (%s): %s" % (e, INSTALL_HINT)) from e


def _stemmer(language: str) -> Callable[[str], str]:
    import Stemmer  # PyStemmer, a hard dependency
    # PyStemmer's own cache is redundant behind ours
    return Stemmer.Stemmer(language, 0).stemWord


class Lemmatizer:
    """Word -> index terms (dictionary lemmas, or a stem for unknown words).

    ``strategy`` says what to do with an ambiguous known word:

    * ``"threshold"`` (default): every lemma whose summed parse score is at
      least ``min_score``, most probable first (стали -> стать; мыла -> мыло, мыть);
    * ``"all"``: every lemma pymorphy3 offers;
    * ``"top"``: the most probable lemma only;
    * ``"stem"``: every lemma plus the Snowball stem of the word.

    ``unknown`` says what to do with a Cyrillic word that is not in the
    dictionary (names, neologisms, typos):

    * ``"predict+stem"`` (default): pymorphy3's guessed lemmas (by suffix
      analogy and unknown prefixes) plus the Russian Snowball stem: the
      guesses join forms the stemmer splits (Скрипаль: скрипаля -> скрипал
      but скрипали -> скрипа), the stem joins forms the guesses split
      (Ракки / Ракке);
    * ``"predict"``: the guessed lemmas only;
    * ``"stem"``: the Snowball stem only.

    With a guess policy, an unknown word shaped like a Russian surname
    (-ов/-ев/-ин/-ын plus a case ending) also gets its masculine base:
    Черчесов, Черчесова, Черчесовым -> черчесов (the stemmer gives черчес for
    the first, the guesser a plural genitive).
    Guessed lemmas scoring below ``predict_min_score`` are dropped (default
    0: keep all; their scores are suffix statistics, not P(lemma|word)).
    Unknown words of at most ``short_unknown`` letters (ВКС, ЛНР, НИУ) are
    kept whole: stemming them only produces collisions (ниу -> ни).
    Words pymorphy3 analyses through a known prefix or a hyphenated particle
    count as known.

    Results are cached by the word as given (and by its normalised spelling);
    equal term tuples are shared.  At most ``cache_size`` words are kept: past
    that the oldest-inserted quarter is dropped, which keeps memory bounded and
    never changes a result.
    """

    def __init__(self, *, strategy: str = "threshold", min_score: float = DEFAULT_MIN_SCORE,
                 unknown: str = "predict+stem", predict_min_score: float = 0.0,
                 short_unknown: int = 3, cache_size: int = DEFAULT_CACHE_SIZE,
                 morph=None) -> None:
        if strategy not in STRATEGIES:
            raise ValueError("strategy must be one of %s, not %r" % (STRATEGIES, strategy))
        if unknown not in UNKNOWN_POLICIES:
            raise ValueError("unknown must be one of %s, not %r" % (UNKNOWN_POLICIES, unknown))
        self.strategy = strategy
        self.min_score = min_score
        self.unknown = unknown
        self.predict_min_score = predict_min_score
        self.short_unknown = short_unknown
        self.cache_size = cache_size
        self._morph = morph if morph is not None else _load_morph()
        self._parse = self._morph.parse
        from pymorphy3.units import DictionaryAnalyzer
        # FakeDictionary (the suffix predictor) subclasses DictionaryAnalyzer,
        # so "known" is an exact type check
        self._dictionary_unit = DictionaryAnalyzer
        self._ru_stem = _stemmer("russian")
        self._en_stem = _stemmer("english")
        self._cache: dict[str, tuple[str, ...]] = {}
        self._shared: dict[tuple[str, ...], tuple[str, ...]] = {}
        self.misses = 0

    # ------------------------------------------------------------ the API

    def terms(self, word: str) -> tuple[str, ...]:
        """The index terms of one token (see the module docstring for the contract).

        Most probable lemma first; never contains ё or upper case; the same
        word always gets the same tuple.
        """
        try:
            return self._cache[word]
        except KeyError:
            pass
        cache = self._cache
        norm = normalize(word)
        result = cache.get(norm) if norm != word else None
        if result is None:
            self.misses += 1
            result = self._analyse(norm)
            result = self._shared.setdefault(result, result)
            self._store(norm, result)
        if norm != word:
            self._store(word, result)
        return result

    def _store(self, key: str, result: tuple[str, ...]) -> None:
        cache = self._cache
        if len(cache) >= self.cache_size:
            if self.cache_size <= 0:
                return
            # FIFO: drop the oldest quarter; frequent words come back on their next hit
            try:
                for old in list(itertools.islice(cache, max(1, self.cache_size // 4))):
                    cache.pop(old, None)
            except RuntimeError:  # another thread changed the dict meanwhile
                cache.clear()
            if len(self._shared) > self.cache_size:
                self._shared.clear()
        cache[key] = result

    __call__ = terms

    def analyse_text(self, text: str) -> list[str]:
        """All terms of a text: normalised, split into ``\\w+(-\\w+)*`` tokens, each analysed.

        A reference chain for benchmarks and tests; the index's analyzer
        does the same with Whoosh filters.
        """
        out: list[str] = []
        terms = self.terms
        for tok in _WORD.findall(normalize(text)):
            out.extend(terms(tok))
        return out

    @property
    def signature(self) -> str:
        """What decides the terms: store it with an index, and re-index when it changes.

        A query analysed under another dictionary revision or policy can miss
        terms the index holds, so the index should refuse or warn on a mismatch.
        """
        import pymorphy3
        meta = getattr(self._morph.dictionary, "meta", {}) or {}
        return ("newsgrep-lemma/%d pymorphy3=%s opencorpora=%s corpus=%s strategy=%s:%g "
                "unknown=%s:%g/%d" % (
                    ALGORITHM_VERSION, getattr(pymorphy3, "__version__", "?"),
                    meta.get("source_revision", "?"), meta.get("corpus_revision", "?"),
                    self.strategy, self.min_score, self.unknown, self.predict_min_score,
                    self.short_unknown))

    @property
    def cache_len(self) -> int:
        return len(self._cache)

    def clear_cache(self) -> None:
        self._cache.clear()
        self._shared.clear()
        self.misses = 0

    # ------------------------------------------------------------ internals

    def _analyse(self, word: str) -> tuple[str, ...]:
        if not word:
            return ()
        if _CYRILLIC.fullmatch(word):
            return self._russian(word)
        if _LATIN.fullmatch(word):
            return (self._en_stem(word),)
        return (word,)

    def _russian(self, word: str) -> tuple[str, ...]:
        parses = self._parse(word)
        known = bool(parses) and all(self._known(p[4]) for p in parses)
        if known:
            lemmas = self._choose(parses)
            if self.strategy == "stem":
                lemmas = _add(lemmas, self._ru_stem(word))
            return lemmas
        if len(word) <= self.short_unknown:
            return (word,)
        stem = self._ru_stem(word)
        if self.unknown == "stem":
            return (stem,)
        guessed = _ranked_lemmas([p for p in parses if not _is_unkn(p[4])],
                                 self.predict_min_score)
        surname = _SURNAME.fullmatch(word)
        if surname:
            guessed = _add(guessed, surname.group(1))
        if self.unknown == "predict+stem" or not guessed:
            guessed = _add(guessed, stem)
        return guessed

    def _known(self, methods_stack) -> bool:
        # a dictionary word, or a dictionary word behind a known prefix or a
        # hyphenated particle (контрсанкции, смотри-ка); not a guess by
        # suffix or unknown prefix, and not HyphenatedWordsAnalyzer (its
        # parts may themselves be guesses)
        if len(methods_stack) == 1:
            return type(methods_stack[0][0]) is self._dictionary_unit
        return (type(methods_stack[-1][0]).__name__ in _KNOWN_COMPOSITES
                and all(type(m[0]) is self._dictionary_unit for m in methods_stack[:-1]))

    def _choose(self, parses) -> tuple[str, ...]:
        if self.strategy == "top":
            return (_fold(parses[0][2]),) if parses else ()
        return _ranked_lemmas(parses, self.min_score if self.strategy == "threshold" else 0.0)


_WORD = re.compile(r"\w+(?:-\w+)*")
# Russian surnames of the possessive type (Черчесов, Черчесова, Черчесовым ...):
# the guesser reads the bare -ов/-ин form as a genitive plural, so an unknown
# word with these endings also gets the masculine base as a term
_SURNAME = re.compile(r"([а-я]{3,}(?:ов|ев|ин|ын))(?:а|у|ым|ом|е|ой|ою|ы|ых|ыми)?")
_KNOWN_COMPOSITES = {"KnownPrefixAnalyzer", "HyphenSeparatedParticleAnalyzer",
                     "HyphenAdverbAnalyzer"}


def _ranked_lemmas(parses, min_score: float) -> tuple[str, ...]:
    """Distinct ё-folded lemmas, most probable first, those below min_score dropped.

    A lemma's score is the sum of its parses' scores; the best lemma is always
    kept.  Ties keep pymorphy3's parse order, so the result is deterministic.
    """
    if not parses:
        return ()
    scores: dict[str, float] = {}
    for p in parses:
        lemma = _fold(p[2])
        scores[lemma] = scores.get(lemma, 0.0) + p[3]
    best = max(scores.values())
    keep = [w for w, s in scores.items() if s >= min_score or s == best]
    keep.sort(key=lambda w: -scores[w])  # stable
    return tuple(keep)


def _fold(lemma: str) -> str:
    return lemma.translate(_YO)


def _is_unkn(methods_stack) -> bool:
    return type(methods_stack[0][0]).__name__ == "UnknAnalyzer"


def _add(terms: tuple[str, ...], extra: str) -> tuple[str, ...]:
    return terms if extra in terms else terms + (extra,)


# ---------------------------------------------------------------- shared instance

_default: Lemmatizer | None = None
_lock = threading.Lock()


def get_lemmatizer() -> Lemmatizer:
    """The process-wide :class:`Lemmatizer`, created (and its dictionary loaded) on first use.

    Raises :class:`MorphologyUnavailable` when pymorphy3 is not installed.
    """
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Lemmatizer()
    return _default


def loaded_lemmatizer() -> Lemmatizer | None:
    """The process-wide :class:`Lemmatizer` if it is loaded already, else None."""
    return _default


# ---------------------------------------------------------------- morphbench

def terms_for_bench(text: str) -> list[str]:
    """morphbench analyzer: the default lemma mode over a text (or a single word)."""
    return get_lemmatizer().analyse_text(text)
