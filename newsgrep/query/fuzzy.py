"""Fuzzy matching, shared by the query language (``word~``) and did-you-mean.

Engine-neutral: :func:`near_terms` looks words up in any :class:`TermSource`
(an engine's term dictionary or its form index).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from ..errors import QueryError

__all__ = ["TermSource", "near_terms", "distance", "MAX_SCAN", "MAX_FUZZY_WORD"]


class TermSource(Protocol):
    """What :func:`near_terms` reads: membership of ``(field, text)`` and the terms
    (UTF-8 bytes, sorted) of a field starting with a prefix."""

    def __contains__(self, item: object) -> bool: ...

    def expand_prefix(self, fieldname: str, prefix: str) -> Iterable[bytes]: ...


MAX_SCAN = 50_000   # index terms a wildcard or ~2 may look at
MAX_FUZZY_WORD = 32  # longer words get no fuzzy matching (an automaton grows with the word)
_ALPHABETS = ("абвгдежзийклмнопрстуфхцчшщъыьэюя", "abcdefghijklmnopqrstuvwxyz", "0123456789")


def _edits1(word: str, keep: int = 0) -> set[str]:
    """Every string one edit (delete, swap, replace, insert) from ``word``, its first ``keep``
    characters untouched, in the alphabet of its letters."""
    letters = "".join(a for a in _ALPHABETS if any(c in a for c in word)) or _ALPHABETS[0]
    head, w = word[:keep], word[keep:]
    splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in letters}
    out |= {a + c + b for a, b in splits for c in letters}
    out.discard(w)
    return {head + e for e in out if head + e}


def near_terms(reader: TermSource, fieldname: str, text: str, maxdist: int, prefix: int = 0) -> list[str]:
    """Terms of ``fieldname`` within ``maxdist`` edits of ``text`` (its first ``prefix``
    characters kept), nearest first.

    One edit: every string one edit away is looked up (a few hundred lookups).
    Two edits: the terms sharing the first ``max(prefix, 2)`` characters are
    scanned, at most :data:`MAX_SCAN` of them, else :class:`QueryError`.
    """
    if not text or len(text) > MAX_FUZZY_WORD:
        return []
    itself = [text] if (fieldname, text) in reader else []
    if maxdist <= 0:
        return itself
    if maxdist == 1:
        near = [t for t in _edits1(text, prefix) if (fieldname, t) in reader]
        return itself + sorted(near, key=lambda t: (distance(text, t), t))
    keep = max(prefix, 2)
    found: list[tuple[int, str]] = []
    for i, btext in enumerate(reader.expand_prefix(fieldname, text[:keep])):
        if i >= MAX_SCAN:
            raise QueryError(f"{text + '~' + str(maxdist)!r} has too many words to compare "
                             "with; use ~1 or a longer word")
        term = btext.decode("utf-8")
        if abs(len(term) - len(text)) <= maxdist and term != text:
            d = distance(text, term, maxdist)
            if d <= maxdist:
                found.append((d, term))
    return itself + [t for _, t in sorted(found)]


def distance(a: str, b: str, limit: int | None = None) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one); stops early past ``limit``."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if limit is not None and min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]
