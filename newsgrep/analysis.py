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
from typing import Any

import Stemmer

from .morphology import get_lemmatizer, loaded_lemmatizer

__all__ = ["MORPHOLOGIES", "terms", "word_spans", "normalize", "words",
           "exact_form", "exact_terms", "word_forms", "query_forms", "form_spans", "lemma_key",
           "lemma_postings", "lemma_matching_spans"]

# A word: letters/digits (with any combining marks, e.g. stress accents),
# optionally joined by hyphens (not by dashes).
_WORD = re.compile(r"(?:[^\W_][\u0300-\u036f]*)+(?:[-\u2010\u2011](?:[^\W_][\u0300-\u036f]*)+)*")
# The same for text without combining marks (nearly all), which is twice as fast.
_WORD_PLAIN = re.compile(r"[^\W_]+(?:[-\u2010\u2011][^\W_]+)*")
_HYPHENS = re.compile(r"[-\u2010\u2011]")
_MARKS = re.compile(r"[\u0300-\u036f]")
_CYRILLIC = re.compile(r"[а-яё]")
_LATIN = re.compile(r"[a-z]")
# Latin letters that look like Cyrillic ones, as in the Fidonet «HОВОСТИ» habit.
_LOOKALIKES = str.maketrans("aceopxykmhtbABCEHKMOPTXY", "асеорхукмнтвАВСЕНКМОРТХУ")

_LOOKALIKE_CHARS = {chr(k): chr(v) for k, v in _LOOKALIKES.items()}

_RU = Stemmer.Stemmer("russian")
_EN = Stemmer.Stemmer("english")

# Word as written -> term. Bounded so that memory does not grow with the archive
# (about 250 bytes a word form); 2**18 forms cover nearly every token of news text.
_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 1 << 18


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
        form = normalize(word)
        # «Атака» after «атака»: the normalised form is often cached as written.
        term = _CACHE.get(form)
        if term is None:
            term = _stem(form)
            if len(_CACHE) < _CACHE_LIMIT:
                _CACHE[form] = term
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


# Word as written -> its index-mode entry: the term of a plain word, or for a
# hyphenated word the tuple (whole, part, part, ...). For the indexing fast path.
# Bounded at about 25 MB: 2**17 word forms cover nearly all tokens of news text.
_ENTRIES_LIMIT = 1 << 17
_ENTRIES: dict[str, str | tuple[str, ...]] = {}


def _stem_uncached(word: str) -> str:
    """The stem of one word, using but not filling _CACHE (_ENTRIES holds it)."""
    term = _CACHE.get(word)
    if term is None:
        form = normalize(word)
        term = _ENTRIES.get(form)  # type: ignore[assignment]  # «Атака» after «атака»
        if term is None or term.__class__ is not str:
            term = _stem(form)
            if len(_ENTRIES) < _ENTRIES_LIMIT:
                _ENTRIES[form] = term
    return term


def _entry(word: str) -> str | tuple[str, ...]:
    parts = _HYPHENS.split(word)
    if len(parts) == 1:
        entry: str | tuple[str, ...] = _stem_uncached(word)
    else:
        stems = [_term(p) for p in parts]
        entry = ("-".join(stems), *stems)
    if len(_ENTRIES) < _ENTRIES_LIMIT:
        _ENTRIES[word] = entry
    return entry


def words(text: str) -> list[str]:
    """The words of ``text`` as written, in order (hyphenated words whole)."""
    return (_WORD if _MARKS.search(text) else _WORD_PLAIN).findall(text)


def postings(text: str, words_out: list[str] | None = None) -> dict[str, list[int]]:
    """term -> its positions in ``text``, exactly as index-mode analysis gives them.

    The indexing fast path: one ``findall`` and a dict lookup per word, no
    token objects. The sum of the lists' lengths is the field length.
    ``words_out``, when given, receives the words as written (see
    :func:`words`), so that a caller that needs them too tokenizes once.
    """
    return _postings(text, _ENTRIES, _entry, words_out, lemma=False)


def _postings(text: str, cache: dict, make_entry: Callable[[str], str | tuple],
              words_out: list[str] | None, lemma: bool) -> dict[str, list[int]]:
    """:func:`postings` and :func:`lemma_postings`: the words' entries (``cache``, else
    ``make_entry``) inverted. An entry is a word's one term, or a tuple: in stem mode
    ``(whole, part, part, ...)`` of a hyphenated word, in lemma mode ``(positions
    taken, term, offset, term, offset, ...)``."""
    out: dict[str, list[int]] = {}
    get = out.get
    words = (_WORD if _MARKS.search(text) else _WORD_PLAIN).findall(text)
    if words_out is not None:
        words_out += words
    found: list[Any] = list(map(cache.get, words))
    if None in found:
        found = [e if e is not None else make_entry(w) for w, e in zip(words, found)]
    pos = 0
    for entry in found:
        if entry.__class__ is str:
            lst = get(entry)
            if lst is None:
                out[entry] = [pos]
            else:
                lst.append(pos)
            pos += 1
            continue
        if lemma:
            width, pairs = entry[0], zip(entry[1::2], entry[2::2])
        else:  # the whole at the first part's position, then each part at its own
            width, pairs = len(entry) - 1, zip(entry, (0, *range(len(entry) - 1)))
        for term, offset in pairs:
            lst = get(term)
            if lst is None:
                out[term] = [pos + offset]
            else:
                lst.append(pos + offset)
        pos += width
    return out


# Word as written -> its exact form; hyphenated words -> (whole, part, part ...).
# Bounded like _ENTRIES.
_FORMS: dict[str, str] = {}
_HYPHENATED_FORMS: dict[str, tuple[str, ...]] = {}


def word_forms(words: list[str]) -> set[str]:
    """The distinct exact forms of ``words`` (as :func:`words` gives them), as index-mode
    analysis gives them: a hyphenated word's whole form and the forms of its parts.

    The set of :func:`exact_terms` of the text, at the cost of a few C-level set
    operations per text: the indexing fast path of the form index.
    """
    unique = set(words)
    missing = unique.difference(_FORMS)
    if missing:
        unique -= missing
    forms = set(map(_FORMS.__getitem__, unique))
    for word in missing:
        entry = _form_entry(word)
        if entry.__class__ is str:
            forms.add(entry)
        else:
            forms.update(entry)
    return forms


def _form_entry(word: str) -> str | tuple[str, ...]:
    """The exact form of a word as written, or (whole, part, ...) for a hyphenated one."""
    entry = _FORMS.get(word) or _HYPHENATED_FORMS.get(word)
    if entry is not None:
        return entry
    parts = _HYPHENS.split(word)
    if len(parts) == 1:
        entry = exact_form(word)
        if len(_FORMS) < _ENTRIES_LIMIT:
            _FORMS[word] = entry
    else:
        forms = [exact_form(p) for p in parts]
        entry = ("-".join(forms), *forms)
        if len(_HYPHENATED_FORMS) < _ENTRIES_LIMIT:
            _HYPHENATED_FORMS[word] = entry
    return entry


def matching_spans(text: str, wanted: set[str] | frozenset[str],
                   forms: bool = False) -> list[tuple[int, int]]:
    """Spans of the words of ``text`` whose index terms are in ``wanted``, in order;
    with ``forms``, whose exact forms are.

    A hyphenated word whose whole term is wanted gives one span (its parts are
    inside it); otherwise each wanted part gives its own. The same as
    filtering :func:`word_spans` (:func:`form_spans`), but a word is analysed
    only if its first letter can begin a wanted term (stemming only ever cuts
    endings, and keeps the first letter up to case, ё/е and Latin
    look-alikes), so highlighting a long article costs little more than
    scanning it.
    """
    spans: list[tuple[int, int]] = []
    if not wanted or not text:
        return spans
    if _MARKS.search(text):
        for s, e, term in (form_spans if forms else word_spans)(text):
            if term in wanted and not (spans and s < spans[-1][1]):
                spans.append((s, e))
        return spans
    cache, entry_of = (_FORMS, _form_entry) if forms else (_ENTRIES, _entry)
    firsts = {t[:1] for t in wanted}
    firsts |= {_LOOKALIKE_CHARS.get(c, c) for c in firsts}
    may_match: dict[str, bool] = {}  # first character as written -> can begin a wanted term
    for m in _WORD_PLAIN.finditer(text):
        word = m.group()
        ok = may_match.get(word[0])
        if ok is None:
            c = word[0].casefold()[:1]
            c2 = "е" if c == "ё" else _LOOKALIKE_CHARS.get(c, c)
            ok = may_match[word[0]] = c in firsts or c2 in firsts
        if not ok and word.isalnum():  # (not alphanumeric: hyphenated, parts may match)
            continue
        entry = cache.get(word)
        if entry is None:
            entry = entry_of(word)
        s = m.start()
        if entry.__class__ is str:
            if entry in wanted:
                spans.append((s, m.end()))
        elif entry[0] in wanted:
            spans.append((s, m.end()))
        else:
            for part, term in zip(_HYPHENS.split(word), entry[1:]):
                if term in wanted:
                    spans.append((s, s + len(part)))
                s += len(part) + 1
    return spans


MORPHOLOGIES = ("stem", "lemma")


def _check_morphology(morphology: str) -> None:
    if morphology not in MORPHOLOGIES:
        raise ValueError(f"morphology must be one of {MORPHOLOGIES}, not {morphology!r}")


def terms(text: str, morphology: str = "stem") -> list[str]:
    """The index terms the body field gets for ``text``, in order.

    ``morphology="stem"``: one Snowball stem per word. ``morphology="lemma"``:
    the dictionary lemma(s) of each Russian word (several for an ambiguous
    word, at the same position), stems for other words (see :mod:`newsgrep.morphology`).
    """
    _check_morphology(morphology)
    if morphology == "lemma":
        return [t for t, _, _, _ in _analyze_lemma(text, "index", _live_lemmatize())]
    return [t for t, _, _, _ in _analyze(text, "index")]


def word_spans(text: str, morphology: str = "stem") -> Iterator[tuple[int, int, str]]:
    """Yield ``(startchar, endchar, term)`` for every term of ``text`` (index mode).

    A hyphenated word yields its whole span with the whole term(s), then each
    part's span with the part's term(s); in lemma mode an ambiguous word
    yields its span once per term. Offsets index into ``text`` as given.
    """
    _check_morphology(morphology)
    if morphology == "lemma":
        for term, _, s, e in _analyze_lemma(text, "index", _live_lemmatize()):
            yield s, e, term
        return
    for term, _, s, e in _analyze(text, "index"):
        yield s, e, term


def lemma_terms(text: str) -> list[str]:
    """``terms(text, morphology="lemma")``: a ``module:function`` for morphbench."""
    return terms(text, "lemma")


def stem_terms(text: str) -> list[str]:
    """``terms(text, morphology="stem")``: a ``module:function`` for morphbench."""
    return terms(text, "stem")


# ---------------------------------------------------------------- lemma mode
#
# A Russian word (after normalising: lower case, ё -> е, Latin look-alikes
# folded) gets the terms of ``morphology.Lemmatizer``: its dictionary lemmas,
# or for a word the dictionary does not know, guesses plus the Snowball stem.
# Every other word (Latin, numbers, mixed scripts, Cyrillic of other
# languages) gets the term stem mode gives it. A hyphenated word made of
# Russian words is lemmatised as a whole (Ростове-на-Дону -> ростов-на-дону)
# and its parts one by one; otherwise its whole is its parts' first terms
# joined by «-». Several terms of one word share its position.
#
# Only the Russian words need pymorphy3, so only they go into an index's
# lexicon (``newsgrep.lexicon``): the "key" of such a word is its normalised
# spelling, the argument ``lemmatize`` functions below take.

_RUSSIAN = re.compile(r"[а-я]+(?:-[а-я]+)*")


def lemma_key(word: str) -> str:
    """The normalised spelling lemma mode looks a word up by (no hyphens inside)."""
    return exact_form(word)


def is_russian(key: str) -> bool:
    """Whether a normalised word (or hyphen-joined words) goes to the lemmatizer."""
    return _RUSSIAN.fullmatch(key) is not None


def _live_lemmatize() -> Callable[[str], tuple[str, ...]]:
    """The process's :class:`~newsgrep.morphology.Lemmatizer` (loaded on first use)."""
    return get_lemmatizer().terms


def live_signature() -> str:
    """The signature of this process's lemmatizer (loads pymorphy3)."""
    return get_lemmatizer().signature


def _lemma_word(word: str, lemmatize: Callable[[str], tuple[str, ...]]) -> tuple[str, ...]:
    """The terms of one word (no hyphens) as written."""
    key = exact_form(word)
    if _RUSSIAN.fullmatch(key):
        return lemmatize(key)
    return (_term(word),)


def _lemma_whole(parts: list[str], part_terms: list[tuple[str, ...]],
                 lemmatize: Callable[[str], tuple[str, ...]]) -> tuple[str, ...]:
    """The terms of a hyphenated word as a whole."""
    key = "-".join(exact_form(p) for p in parts)
    if _RUSSIAN.fullmatch(key):
        return lemmatize(key)
    return ("-".join(t[0] for t in part_terms),)


def _analyze_lemma(text: str, mode: str, lemmatize: Callable[[str], tuple[str, ...]]
                   ) -> Iterator[tuple[str, int, int, int]]:
    """:func:`_analyze` for lemma mode: a word may yield several terms at one position."""
    pos = 0
    for m in _WORD.finditer(text):
        word = m.group()
        start = m.start()
        parts = _HYPHENS.split(word)
        if len(parts) == 1:
            for t in _lemma_word(word, lemmatize):
                yield t, pos, start, m.end()
            pos += 1
            continue
        part_terms = [_lemma_word(p, lemmatize) for p in parts]
        if mode != "phrase":
            for t in _lemma_whole(parts, part_terms, lemmatize):
                yield t, pos, start, m.end()
        if mode == "query":
            pos += 1
            continue
        for part, pterms in zip(parts, part_terms):
            for t in pterms:
                yield t, pos, start, start + len(part)
            start += len(part) + 1
            pos += 1


# Word as written -> its lemma-mode entry for the fast path: the term of a
# word with one term (most), else ``(positions taken, term, offset, term,
# offset, ...)`` in the analyzer's order.
_LEMMA_ENTRIES: dict[str, str | tuple] = {}


def free_caches() -> None:
    """Empty the word caches of index-mode analysis (and the lemmatizer's).

    A writer calls this before it writes a segment, which needs the memory
    more; the caches fill again within a few hundred articles (news text is
    Zipfian). (A :class:`LemmaRecorder` has its own cache: ``clear_cache``.)
    """
    for cache in (_CACHE, _ENTRIES, _FORMS, _HYPHENATED_FORMS, _LEMMA_ENTRIES):
        cache.clear()
    lemmatizer = loaded_lemmatizer()
    if lemmatizer is not None:
        lemmatizer.clear_cache()


class LemmaRecorder:
    """Records the Russian words the lemma fast path analyses, with their terms, for an
    archive's lexicon (see :mod:`newsgrep.lexicon`).

    A writer makes one for its work and indexes through :meth:`postings` (the fast path
    with a cache of its own, so that every word of the work is analysed, and recorded,
    once whatever this process analysed before), and takes the words with :meth:`take`
    with each segment.
    """

    def __init__(self) -> None:
        self.recorded: dict[str, tuple[str, ...]] = {}
        self.entries: dict[str, str | tuple] = {}

    def postings(self, text: str, words_out: list[str] | None = None) -> dict[str, list[int]]:
        """:func:`lemma_postings`, recording the words it analyses."""
        return _postings(text, self.entries, self._entry, words_out, lemma=True)

    def _entry(self, word: str) -> str | tuple:
        entry = _make_lemma_entry(word, self.recorded)
        if len(self.entries) < _ENTRIES_LIMIT:
            self.entries[word] = entry
        return entry

    def clear_cache(self) -> None:
        """Empty the cache (words analysed again are recorded again)."""
        self.entries.clear()

    def take(self, with_lemmas: bool = True) -> dict[str, tuple[str, ...]]:
        """The words recorded since the last take (key -> terms), and a fresh record.

        ``with_lemmas`` adds each Russian term itself as a key (the lemma's own
        terms), so that a query typed in the dictionary form finds its terms in
        the lexicon even when the archive never has that form.
        """
        taken, self.recorded = self.recorded, {}
        if with_lemmas and taken:
            lemmatize = _live_lemmatize()
            for terms_ in list(taken.values()):
                for t in terms_:
                    if t not in taken and _RUSSIAN.fullmatch(t):
                        taken[t] = lemmatize(t)
        return taken


def _lemma_entry(word: str) -> str | tuple:
    entry = _make_lemma_entry(word, None)
    if len(_LEMMA_ENTRIES) < _ENTRIES_LIMIT:
        _LEMMA_ENTRIES[word] = entry
    return entry


def _make_lemma_entry(word: str, recorded: dict[str, tuple[str, ...]] | None) -> str | tuple:
    """A word's lemma-mode entry (see ``_LEMMA_ENTRIES``); its Russian keys go to
    ``recorded`` when given."""
    lemmatize = _live_lemmatize()
    parts = _HYPHENS.split(word)
    if len(parts) == 1:
        key = exact_form(word)
        if _RUSSIAN.fullmatch(key):
            found = lemmatize(key)
            if recorded is not None:
                recorded[key] = found
        else:
            found = (_term(word),)
        entry: str | tuple = found[0] if len(found) == 1 else (
            1, *[x for t in found for x in (t, 0)])
    else:
        keys = [exact_form(p) for p in parts]
        part_terms = []
        for part, key in zip(parts, keys):
            if _RUSSIAN.fullmatch(key):
                found = lemmatize(key)
                if recorded is not None:
                    recorded[key] = found
            else:
                found = (_term(part),)
            part_terms.append(found)
        whole_key = "-".join(keys)
        if _RUSSIAN.fullmatch(whole_key):
            whole = lemmatize(whole_key)
            if recorded is not None:
                recorded[whole_key] = whole
        else:
            whole = ("-".join(t[0] for t in part_terms),)
        flat: list = [len(parts)]
        for t in whole:
            flat += (t, 0)
        for i, pterms in enumerate(part_terms):
            for t in pterms:
                flat += (t, i)
        entry = tuple(flat)
    return entry


def lemma_postings(text: str, words_out: list[str] | None = None) -> dict[str, list[int]]:
    """:func:`postings` for lemma mode: term -> positions, exactly as the analyzer gives them."""
    return _postings(text, _LEMMA_ENTRIES, _lemma_entry, words_out, lemma=True)


def lemma_matching_spans(text: str, wanted: set[str] | frozenset[str], forms: set[str],
                         lemmatize: Callable[[str], tuple[str, ...]]) -> list[tuple[int, int]]:
    """:func:`matching_spans` for lemma mode, without analysing the Russian words.

    ``forms`` must hold exactly the keys (see :func:`lemma_key`) of the
    Russian words of ``text`` whose terms meet ``wanted`` (an index's lexicon,
    inverted, gives them: ``Lexicon.forms``); other words are analysed as in
    stem mode, which is cheap. ``lemmatize`` is needed only for the whole of
    a hyphenated word mixing Russian and other words (rare). The result is
    what filtering :func:`word_spans` in lemma mode by ``wanted`` gives.
    """
    spans: list[tuple[int, int]] = []
    if not (wanted or forms) or not text:
        return spans
    firsts = {t[:1] for t in wanted} | {f[:1] for f in forms}
    firsts |= {_LOOKALIKE_CHARS.get(c, c) for c in firsts}
    may_match: dict[str, bool] = {}
    plain = not _MARKS.search(text)
    for m in (_WORD_PLAIN if plain else _WORD).finditer(text):
        word = m.group()
        if plain:
            ok = may_match.get(word[0])
            if ok is None:
                c = word[0].casefold()[:1]
                c2 = "е" if c == "ё" else _LOOKALIKE_CHARS.get(c, c)
                ok = may_match[word[0]] = c in firsts or c2 in firsts
            if not ok and word.isalnum():
                continue
        s = m.start()
        parts = _HYPHENS.split(word)
        if len(parts) == 1:
            key = exact_form(word)
            if (key in forms) if _RUSSIAN.fullmatch(key) else (_term(word) in wanted):
                spans.append((s, m.end()))
            continue
        keys = [exact_form(p) for p in parts]
        whole_key = "-".join(keys)
        if _RUSSIAN.fullmatch(whole_key):
            whole = whole_key in forms
        else:
            whole = any(t in wanted for t in _lemma_whole(
                parts, [_lemma_word(p, lemmatize) for p in parts], lemmatize))
        if whole:
            spans.append((s, m.end()))
            continue
        for part, key in zip(parts, keys):
            if (key in forms) if _RUSSIAN.fullmatch(key) else (_term(part) in wanted):
                spans.append((s, s + len(part)))
            s += len(part) + 1
    return spans


def exact_terms(text: str) -> list[str]:
    """The index terms the exact-form fields get for ``text``, in order."""
    return [t for t, _, _, _ in _analyze(text, "index", exact_form)]


def form_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """Like :func:`word_spans`, with exact-form terms instead of stems."""
    for term, _, s, e in _analyze(text, "index", exact_form):
        yield s, e, term


def query_forms(text: str, mode: str = "query") -> list[str]:
    """The exact forms of a query's words: ``mode`` ``"query"`` keeps hyphenated words
    whole, ``"phrase"`` splits them into their parts (as the stems of a phrase)."""
    return [t for t, _, _, _ in _analyze(text, mode, exact_form)]


def __getattr__(name: str) -> object:
    # Indexes pickle their analyzer as newsgrep.analysis.NewsAnalyzer (and format-2
    # indexes ExactAnalyzer): a Whoosh class, which lives in engine/whoosh; unpickling
    # finds it here, importing Whoosh only then.
    if name in ("NewsAnalyzer", "ExactAnalyzer"):
        from .engine.whoosh import analyzer

        return getattr(analyzer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
