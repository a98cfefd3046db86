"""Syntax checks of the query language, before any engine parses it.

Quotes and brackets are checked and pointed at, and a query's size is bounded
(:data:`MAX_CHARS`, :data:`MAX_WORD_CHARS`, :data:`MAX_WORDS`), so a query fails
fast with a :class:`~newsgrep.errors.QueryError` that says what to change.
"""
from __future__ import annotations

import re

from ..errors import QueryError

__all__ = ["check_syntax", "DEFAULT_FIELDS", "FORM_PREFIX", "MAX_CHARS", "MAX_WORDS",
           "MAX_WORD_CHARS", "MAX_EXPANSION", "MAX_FUZZY", "EXPANSION_SECONDS"]

DEFAULT_FIELDS = ("title", "body")
FORM_PREFIX = "="         # matched terms: "=body" holds the word forms matched in body
MAX_EXPANSION = 1024      # index terms one wildcard or fuzzy term may stand for
MAX_FUZZY = 2             # the largest edit distance for word~N
MAX_WORDS = 64            # distinct words in one query (Whoosh scores many slowly)
MAX_CHARS = 20_000        # longer queries are refused before parsing
MAX_WORD_CHARS = 256      # Whoosh's parser is quadratic in the length of a word
EXPANSION_SECONDS = 0.5   # time allowed for expanding all wildcards of a query


def _excerpt(text: str, i: int) -> str:
    """A short piece of the query starting at character ``i``, to point at a problem."""
    piece = text[i:i + 24]
    return piece + ("…" if len(text) > i + 24 else "")


def check_syntax(text: str) -> str:
    """Check quotes and brackets; return the text with «guillemets» as ASCII quotes.

    Raises :class:`QueryError` naming the character where the problem starts.
    """
    if not text.strip():
        raise QueryError("empty query")
    if len(text) > MAX_CHARS:
        raise QueryError(f"the query is {len(text)} characters long; at most {MAX_CHARS} "
                         "(to find articles like a text, use: newsgrep similar FILE)")
    long_word = re.search(r"\S{%d,}" % (MAX_WORD_CHARS + 1), text)
    if long_word:
        raise QueryError(f"the word at character {long_word.start() + 1} is "
                         f"{len(long_word.group())} characters long; at most {MAX_WORD_CHARS}: "
                         f"{_excerpt(text, long_word.start())!r}")
    words = len(set(re.findall(r"\w+", text.casefold())))
    if words > MAX_WORDS:
        raise QueryError(f"the query has {words} words; at most {MAX_WORDS} "
                         "(to find articles like a text, use: newsgrep similar FILE)")
    text = text.replace("«", '"').replace("»", '"')
    opened: list[int] = []
    quote = -1
    for i, c in enumerate(text):
        if c == '"':
            quote = i if quote < 0 else -1
        elif quote >= 0:
            continue
        elif c == "(":
            opened.append(i)
        elif c == ")":
            if not opened:
                raise QueryError(f"the ) at character {i + 1} closes nothing: {_excerpt(text, i)!r}")
            opened.pop()
    if quote >= 0:
        raise QueryError(f"the quote at character {quote + 1} is never closed: "
                         f"{_excerpt(text, quote)!r}")
    if opened:
        i = opened[-1]
        raise QueryError(f"the ( at character {i + 1} is never closed: {_excerpt(text, i)!r}")
    return text
