"""Did you mean: a corrected query for a query that found nothing.

Three kinds of mistakes are corrected, each only into words the index holds:

* the wrong keyboard layout: ``fnfrf`` typed for «атака» on a ЙЦУКЕН
  keyboard left in the QWERTY layout, and ``шзрщту`` for «iphone» the other
  way round;
* Latin transliteration: ``almaty`` for «Алматы», in the common schemes
  (``ya``/``ja``/``ia``, ``sh``, ``ch``, ``zh``/``j``, ``kh``/``h``,
  ``ts``/``tz``/``c``, ``y``/``j``/``i`` ...);
* spelling: ``призидент`` for «президент», within two edits of a word form
  in the archive (the form index, so whole words are suggested, not stems).

A word of the query is corrected only when the index does not know it; the
corrected query is checked to find something before it is suggested.
"""
from __future__ import annotations

import heapq
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .archive import DateFilter
    from .engine.base import Engine

__all__ = ["Change", "Suggestion", "suggest", "layout_to_cyrillic", "layout_to_latin",
           "transliterations"]

# ---------------------------------------------------------------- keyboard layouts

_QWERTY = "`qwertyuiop[]asdfghjkl;'zxcvbnm,./" + '~QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>?' + "@#$^&"
_JCUKEN = "ёйцукенгшщзхъфывапролджэячсмитьбю." + "ЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ," + '"№;:?'
_TO_CYRILLIC = str.maketrans(_QWERTY, _JCUKEN)
# Back from Cyrillic: only the letters, so that «.» and «,» typed as such stay.
_TO_LATIN = str.maketrans({c: q for q, c in zip(_QWERTY, _JCUKEN) if c.isalpha()})


def layout_to_cyrillic(text: str) -> str:
    """What ``text`` typed on a QWERTY layout would be on ЙЦУКЕН: ``ghbdtn`` -> ``привет``."""
    return text.translate(_TO_CYRILLIC)


def layout_to_latin(text: str) -> str:
    """What ``text`` typed on a ЙЦУКЕН layout would be on QWERTY: ``шзрщту`` -> ``iphone``."""
    return text.translate(_TO_LATIN)


# ---------------------------------------------------------------- transliteration

# Latin letter groups -> the Cyrillic they stand for in the common schemes
# (BGN/PCGN, ISO 9 without diacritics, passports, everyday chat), most
# likely first. Longer groups are tried before shorter ones.
_TRANSLIT: dict[str, tuple[str, ...]] = {
    "shch": ("щ",), "sch": ("щ", "сч"), "tsch": ("ч",),
    "zh": ("ж",), "kh": ("х",), "ch": ("ч", "х"), "sh": ("ш",), "ts": ("ц", "тс"),
    "tz": ("ц",), "cz": ("ч",), "ja": ("я",), "ya": ("я", "ья", "ыа"), "ia": ("ия", "я"),
    "ju": ("ю",), "yu": ("ю", "ью"), "iu": ("ию", "ю"), "jo": ("ё", "йо"), "yo": ("ё", "йо", "ьо"),
    "je": ("е",), "ye": ("е", "ье", "ые"), "ie": ("ие", "ье"), "yi": ("ый", "ий", "ьи"),
    "iy": ("ий", "ый"), "ii": ("ий", "ии"), "ei": ("ей",), "ey": ("ей",), "ai": ("ай",),
    "ay": ("ай",), "oi": ("ой",), "oy": ("ой",), "ui": ("уй",), "uy": ("уй",), "x": ("кс",),
    "ck": ("к",), "ph": ("ф",), "th": ("т",), "''": ("ъ",),
    "a": ("а",), "b": ("б",), "c": ("ц", "к", "с"), "d": ("д",), "e": ("е", "э"), "f": ("ф",),
    "g": ("г",), "h": ("х", "г"), "i": ("и", "ы", "й"), "j": ("й", "ж", "дж"), "k": ("к",),
    "l": ("л",), "m": ("м",), "n": ("н",), "o": ("о",), "p": ("п",), "q": ("к",), "r": ("р",),
    "s": ("с",), "t": ("т",), "u": ("у",), "v": ("в",), "w": ("в",), "y": ("ы", "й", "и"),
    "z": ("з",), "'": ("ь",), "`": ("ь",), "-": ("-",),
}
_LONGEST = max(map(len, _TRANSLIT))


def transliterations(word: str, limit: int = 2000) -> list[str]:
    """Cyrillic spellings ``word`` (Latin) may transliterate, most likely first, at most ``limit``.

    ``almaty`` gives ``алматы`` among others. Words with characters outside
    the Latin alphabet (and ``'``/``-``) give none.
    """
    w = word.lower()
    if not w or not re.fullmatch(r"[a-z'`\-]+", w):
        return []
    # Split into the groups that may stand for one Cyrillic piece: every way of
    # splitting, shorter pieces of a group being the fallback options.
    out: list[str] = []
    seen: set[str] = set()

    def walk(i: int, acc: str) -> None:
        if len(out) >= limit:
            return
        if i == len(w):
            if acc not in seen:
                seen.add(acc)
                out.append(acc)
            return
        for n in range(min(_LONGEST, len(w) - i), 0, -1):
            options = _TRANSLIT.get(w[i:i + n])
            if options:
                for o in options:
                    walk(i + n, acc + o)
                    if len(out) >= limit:
                        return

    walk(0, "")
    # e at the start of a word is more often э (экономика, Эрдоган), ie/ye after a vowel е.
    return sorted(out, key=lambda s: _rank(w, s))


def _rank(latin: str, cyr: str) -> int:
    """A small penalty for unlikely spellings, so the first candidates are the usual ones."""
    penalty = 0
    if cyr.startswith("е") and latin.startswith("e"):
        penalty += 1
    penalty += cyr.count("ь") + cyr.count("дж") + cyr.count("тс")
    return penalty


# ---------------------------------------------------------------- did you mean

@dataclass
class Change:
    """One word of a query replaced: ``original`` -> ``replacement``, and why."""

    original: str
    replacement: str
    kind: str  # "keyboard layout", "transliteration" or "spelling"


@dataclass
class Suggestion:
    """A corrected query and what was changed; ``count`` articles match it."""

    query: str
    changes: list[Change] = field(default_factory=list)
    count: int = 0


_OPERATORS = {"AND", "OR", "NOT", "ANDNOT"}
# A chunk of the query: prefix (field:, -, =, brackets, quotes), the word, suffix.
_CHUNK = re.compile(r"\S+")
_AFFIX = re.compile(
    r"^(?P<pre>(?:[\w]+:)?[-=(\"«]*)(?P<word>.*?)(?P<post>[)\"»]*(?:~\d?(?:/\d+)?|\^[\d.]+)?[)\"»]*)$")
_KINDS_ORDER = {"keyboard layout": 0, "transliteration": 0, "spelling": 1}


RARE = 3           # a word in at most this many articles may be a mistake even if found
MORE = 10          # ... when its correction is in this many times more articles
# Budgets: the work of a suggestion stays bounded however long the query is.
MAX_CORRECTED = 20  # words of a query that may need correcting; with more, no suggestion
MAX_OPTIONS = 3     # corrections tried per word (its best ones)
MAX_TRIES = 27      # corrected queries run (the likeliest combinations first)
MAX_SECONDS = 1.0   # ... for at most this long (long queries of common words are slow)


def suggest(directory: Path | str | os.PathLike, query: str, *, found: int = 0,
            since: str | None = None, until: str | None = None,
            now: datetime | None = None) -> Suggestion | None:
    """:meth:`newsgrep.Archive.suggest` on the archive at ``directory``."""
    from .archive import open_archive

    with open_archive(directory) as a:
        return a.suggest(query, found=found, since=since, until=until, now=now)


def suggest_with(engine: Engine, query: str, *, found: int = 0,
                 dates: DateFilter | None = None) -> Suggestion | None:
    """A corrected form of ``query`` that finds something (more), or None.

    For a query that found nothing (``found=0``), the words the index does
    not know are corrected (layout, transliteration, spelling); a query whose
    words are all known gets no suggestion. For a query that found a few
    articles, only a rare word (in at most :data:`RARE` articles) typed in
    the wrong layout or in transliteration is corrected, into a word :data:`MORE`
    times as frequent (and the query must find that many times more): the
    «Almaty» of a club's name -> «Алматы».

    The work is bounded: a query with more than :data:`MAX_CORRECTED` words to
    correct gets no suggestion, each word keeps its :data:`MAX_OPTIONS` best
    corrections, and at most :data:`MAX_TRIES` combinations of them are run,
    best first (the sum of the options' ranks), never all of them, for at most
    :data:`MAX_SECONDS`.
    """
    import time

    from .archive import DateFilter
    from .errors import NewsgrepError

    dates = dates or DateFilter()
    if True:  # (the body kept its indentation, from when it held a searcher open)
        vocab = _Vocabulary(engine)
        # First the words that may be mistakes (cheap: their frequency), then their
        # corrections (a look-up of near words each), only when there are few enough.
        wrong: list[tuple[int, str, bool, int]] = []  # start, word, exact, frequency
        for m in _CHUNK.finditer(query):
            chunk = m.group()
            if chunk in _OPERATORS:
                continue
            a = _AFFIX.match(chunk)
            word = a.group("word") if a else ""
            pre = a.group("pre") if a else ""
            if not word or any(c in word for c in "*?") or pre[:5].lower() in ("date:", "дата:"):
                continue
            if ":" in pre and pre.split(":")[0].lower() not in ("title", "body"):
                continue
            exact = pre.endswith("=")
            if not vocab.has_terms(word, exact):
                continue
            frequency = vocab.frequency(word, exact)
            if frequency > (RARE if found else 0):
                continue
            wrong.append((m.start() + a.start("word"), word, exact, frequency))  # type: ignore[union-attr]
            if len(wrong) > MAX_CORRECTED:
                return None
        slots: list[tuple[int, int, str, list[tuple[str, str]]]] = []  # start, end, word, options
        for start, word, exact, frequency in wrong:
            options = vocab.corrections(word, exact, at_least=max(1, MORE * frequency),
                                        spelling=not found)
            if options:
                slots.append((start, start + len(word), word, options[:MAX_OPTIONS]))
        if not slots:
            return None
        shown_as: dict[tuple[str, str], str] = {}
        deadline = time.monotonic() + MAX_SECONDS
        for combo in _best_first([len(opts) for *_, opts in slots], MAX_TRIES):
            if time.monotonic() > deadline:
                break
            text = query
            changes = []
            for (start, end, word, opts), i in sorted(zip(slots, combo), key=lambda x: -x[0][0]):
                replacement, kind = opts[i]
                if (replacement, word) not in shown_as:
                    shown_as[replacement, word] = vocab.as_written(replacement, word)
                shown = shown_as[replacement, word]
                text = text[:start] + shown + text[end:]
                changes.append(Change(word, shown, kind))
            try:
                n = engine.count(dates.spec(text))
            except NewsgrepError:
                continue
            if n and n >= MORE * found:
                return Suggestion(query=text, changes=changes[::-1], count=n)
    return None


def _best_first(sizes: list[int], limit: int) -> Iterator[tuple[int, ...]]:
    """Up to ``limit`` index tuples into lists of ``sizes`` options, by increasing sum of
    the indexes (all the best options first, then one second-best, ...).

    A best-first walk from ``(0, 0, ...)``: it holds at most ``limit * len(sizes)``
    tuples, where listing every combination would hold ``prod(sizes)`` of them.
    """
    if not sizes or not all(sizes):
        return
    start = (0,) * len(sizes)
    heap = [(0, start)]
    seen = {start}
    for _ in range(limit):
        if not heap:
            return
        total, combo = heapq.heappop(heap)
        yield combo
        for k, size in enumerate(sizes):
            if combo[k] + 1 < size:
                nxt = combo[:k] + (combo[k] + 1,) + combo[k + 1:]
                if nxt not in seen:
                    seen.add(nxt)
                    heapq.heappush(heap, (total + 1, nxt))


class _Vocabulary:
    """The words of one archive: whether a word is known, and what it may have meant."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._frequencies: dict[tuple[str, bool], int | None] = {}

    def _frequency(self, word: str, exact: bool) -> int | None:
        key = (word, exact)
        if key not in self._frequencies:
            self._frequencies[key] = self.engine.word_frequency(word, exact)
        return self._frequencies[key]

    def frequency(self, word: str, exact: bool = False) -> int:
        """Articles holding every position of ``word`` in any of its readings (an upper
        bound: the rarest position's count)."""
        return self._frequency(word, exact) or 0

    def has_terms(self, word: str, exact: bool = False) -> bool:
        return self._frequency(word, exact) is not None
    def corrections(self, word: str, exact: bool, at_least: int = 1,
                    spelling: bool = True) -> list[tuple[str, str]]:
        """``[(replacement, kind)]`` for a word, best first: words in ``at_least`` articles."""
        from .analysis import exact_form

        scored: dict[str, tuple[int, int, int, str]] = {}

        def consider(candidate: str, kind: str, distance: int = 0) -> None:
            if not candidate or candidate.lower() == word.lower():
                return
            df = self.frequency(candidate, exact)
            if df >= at_least:
                key = (_KINDS_ORDER[kind], distance, -df, kind)
                if candidate not in scored or key < scored[candidate]:
                    scored[candidate] = key

        has_latin = bool(re.search(r"[A-Za-z]", word))
        has_cyrillic = bool(re.search(r"[А-Яа-яЁё]", word))
        if has_latin and not has_cyrillic:
            consider(layout_to_cyrillic(word), "keyboard layout")
            stripped = word.rstrip(".,;")
            if stripped != word:
                consider(layout_to_cyrillic(stripped), "keyboard layout")
            candidates = transliterations(word, limit=300)
            for candidate in candidates:
                if self._form_exists(exact_form(candidate)):
                    consider(candidate, "transliteration")
            if not scored and spelling:
                # Near misses of the usual spellings: nur-sultan -> нур-султане.
                for candidate in candidates[:3]:
                    for near, distance in self.spellings(candidate):
                        consider(near, "transliteration", distance)
        elif has_cyrillic and not has_latin:
            consider(layout_to_latin(word), "keyboard layout")
        if not scored and spelling:
            for candidate, distance in self.spellings(word):
                consider(candidate, "spelling", distance)
        return [(c, key[3]) for c, key in sorted(scored.items(), key=lambda kv: kv[1])]

    def _form_exists(self, form: str) -> bool:
        return self.engine.has_form("body", form) or self.engine.has_form("title", form)

    def spellings(self, word: str) -> list[tuple[str, int]]:
        """Words of the archive one edit from ``word``, else two (for words of 7+ letters)."""
        from .analysis import exact_form
        from .errors import QueryError
        from .query.fuzzy import MAX_FUZZY_WORD, distance

        form = exact_form(word)
        if not 4 <= len(form) <= MAX_FUZZY_WORD or not form.replace("-", "").isalpha():
            return []
        found = [t for t in self.engine.near_forms("body", form, 1) if t != form]
        if not found and len(form) >= 7:
            try:
                found = [t for t in self.engine.near_forms("body", form, 2, prefix=3)
                         if t != form]
            except QueryError:
                found = []
        return [(t, distance(form, t)) for t in found[:20]]

    def as_written(self, term: str, typed: str) -> str:
        """``term`` as the archive usually writes it («алматы» -> «Алматы»), for showing."""
        if not term.replace("-", "").isalpha() or term.lower() != term:
            return term
        from .analysis import form_spans

        seen: dict[str, int] = {}
        for article in self.engine.articles_with_form("body", term, 5):
            body = article.body
            for s, e, form in form_spans(body):
                if form == term:
                    seen[body[s:e]] = seen.get(body[s:e], 0) + 1
        if not seen:
            return term
        if typed[:1].islower() and any(form.islower() for form in seen):
            return term  # a common word, capitalised only at the start of sentences
        # A name as the archive writes it: «Москва» rather than the «МОСКВА» of datelines.
        best = max(seen.items(), key=lambda kv: (not kv[0].isupper() or len(kv[0]) == 1,
                                                 kv[1], kv[0].islower()))[0]
        return best if not typed[:1].isupper() else best[:1].upper() + best[1:]
