"""The analyzer: text -> index terms, the same for indexing, queries and highlighting.

One pass over the text with one regular expression finds the words; each word
is normalised (Unicode NFC, case folding, ё -> е, Latin look-alike letters in
Cyrillic words -> Cyrillic) and stemmed: Cyrillic words with the Snowball
Russian stemmer, Latin words with the Snowball English stemmer (a Russian
stemmer never touches a Latin word), numbers kept whole. Stems are cached per
word form, since news text is Zipfian and most tokens repeat.

A hyphenated word («Ростов-на-Дону», «COVID-19») is indexed as a whole (the
parts' stems joined by «-») at the position of its first part, and as its
parts at consecutive positions, so it is found as a whole, by any part, and
by a phrase of its parts. In a query, a hyphenated word stands for the whole
term only (exact), and inside a phrase for its parts.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

import Stemmer
from whoosh.analysis import Analyzer, Token

__all__ = ["NewsAnalyzer", "ExactAnalyzer", "terms", "word_spans", "normalize",
           "exact_form", "exact_terms", "form_spans"]

# A word: letters/digits (with any combining marks, e.g. stress accents),
# optionally joined by hyphens (not by dashes).
_WORD = re.compile(r"(?:[^\W_][\u0300-\u036f]*)+(?:[-\u2010\u2011](?:[^\W_][\u0300-\u036f]*)+)*")
_HYPHENS = re.compile(r"[-\u2010\u2011]")
_MARKS = re.compile(r"[\u0300-\u036f]")
_CYRILLIC = re.compile(r"[а-яё]")
_LATIN = re.compile(r"[a-z]")
# Latin letters that look like Cyrillic ones, as in the Fidonet «HОВОСТИ» habit.
_LOOKALIKES = str.maketrans("aceopxykmhtbABCEHKMOPTXY", "асеорхукмнтвАВСЕНКМОРТХУ")

_RU = Stemmer.Stemmer("russian")
_EN = Stemmer.Stemmer("english")

# Word as written -> term. Bounded so that a pathological input cannot grow it
# without limit; 2**20 entries cover the vocabulary of a large news archive.
_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 1 << 20


def normalize(word: str) -> str:
    """Case-fold a word, fold ё to е (й stays й) and drop combining marks (stress accents)."""
    if not word.isascii() and _MARKS.search(word):
        # Compose first (и + breve -> й, е + diaeresis -> ё), then drop what is left.
        word = _MARKS.sub("", unicodedata.normalize("NFC", word))
    return word.casefold().replace("ё", "е")


def _stem(form: str) -> str:
    """The term for one normalised word without hyphens."""
    if form.isdigit():
        return form
    if _CYRILLIC.search(form):
        if _LATIN.search(form):
            form = form.translate(_LOOKALIKES)
            if _LATIN.search(form):
                return form  # truly mixed script: keep it whole
        return _RU.stemWord(form)
    if form.isascii():
        return _EN.stemWord(form)
    return form


def _term(word: str) -> str:
    """The term for one word as written (no hyphens), through the cache."""
    term = _CACHE.get(word)
    if term is None:
        term = _stem(normalize(word))
        if len(_CACHE) < _CACHE_LIMIT:
            _CACHE[word] = term
    return term


def exact_form(word: str) -> str:
    """The exact-form term for one word as written (no hyphens): normalised, never stemmed.

    Case, ё/е, stress accents and Latin look-alikes in Cyrillic words are
    folded as for the stemmed terms; the ending stays, so «атак» and «атака»
    are different terms.
    """
    form = normalize(word)
    if _CYRILLIC.search(form) and _LATIN.search(form):
        folded = form.translate(_LOOKALIKES)
        if not _LATIN.search(folded):
            return folded
    return form


def _analyze(text: str, mode: str, term: Callable[[str], str] | None = None
             ) -> Iterator[tuple[str, int, int, int]]:
    """Yield ``(term, position, startchar, endchar)`` for ``text``.

    ``mode`` is ``"index"`` (wholes and parts of hyphenated words), ``"query"``
    (wholes only) or ``"phrase"`` (parts only). Offsets index into ``text``.
    ``term`` maps one word to its term (default: the stem, through the cache).
    """
    to_term = term or _term
    pos = 0
    for m in _WORD.finditer(text):
        word = m.group()
        start = m.start()
        parts = _HYPHENS.split(word)
        if len(parts) == 1:
            yield to_term(word), pos, start, m.end()
            pos += 1
            continue
        stems = [to_term(p) for p in parts]
        if mode != "phrase":
            yield "-".join(stems), pos, start, m.end()
        if mode == "query":
            pos += 1
            continue
        for part, stem in zip(parts, stems):
            yield stem, pos, start, start + len(part)
            start += len(part) + 1
            pos += 1


def terms(text: str) -> list[str]:
    """The index terms the body field gets for ``text``, in order."""
    return [t for t, _, _, _ in _analyze(text, "index")]


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Yield ``(startchar, endchar, term)`` for every term of ``text`` (index mode).

    A hyphenated word yields its whole span with the whole term, then each
    part's span with the part's term. Offsets index into ``text`` as given.
    """
    for term, _, s, e in _analyze(text, "index"):
        yield s, e, term


def exact_terms(text: str) -> list[str]:
    """The index terms the exact-form fields get for ``text``, in order."""
    return [t for t, _, _, _ in _analyze(text, "index", exact_form)]


def form_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Like :func:`word_spans`, with exact-form terms instead of stems."""
    for term, _, s, e in _analyze(text, "index", exact_form):
        yield s, e, term


class NewsAnalyzer(Analyzer):
    """The Whoosh analyzer for title and body: see the module docstring.

    Pickled into the index schema, so its import path must stay stable.
    """

    def __init__(self, morphology: str = "stem"):
        self.morphology = morphology

    def __eq__(self, other):
        return type(other) is type(self) and other.morphology == self.morphology

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = normalize(value)
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        amode = "phrase" if mode == "phrase" else "query" if mode == "query" else "index"
        for term, pos, s, e in _analyze(value, amode):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[s:e]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char + s, start_char + e
            yield token


class ExactAnalyzer(Analyzer):
    """The analyzer of the exact-form fields: words as written, normalised, never stemmed.

    Pickled into the index schema, so its import path must stay stable.
    """

    def __eq__(self, other):
        return type(other) is type(self)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True,
                 mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            words = [(exact_form(value), 0, 0, len(value))]
        else:
            amode = "phrase" if mode == "phrase" else "query" if mode == "query" else "index"
            words = _analyze(value, amode, exact_form)
        for term, pos, s, e in words:
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[s:e]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char + s, start_char + e
            yield token
