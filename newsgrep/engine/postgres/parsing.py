"""The one place the PostgreSQL engine reaches newsgrep's query parser.

The query language is parsed by the same parser as the Whoosh engine's (its
plugins, analyser and guards), which builds a tree of Whoosh query objects;
:mod:`.translate` turns that tree into SQL. Whoosh is used here as a parser
only: no Whoosh index is opened.
"""
from __future__ import annotations

import functools
from datetime import datetime


@functools.lru_cache(maxsize=None)
def _modules():
    from ..whoosh import forms, query, schema

    return query, schema, forms


@functools.lru_cache(maxsize=8)
def parser_schema(morphology: str, signature: str):
    """The Whoosh schema whose analysers the parser uses (the archive's morphology)."""
    _, schema, _ = _modules()
    return schema.build_schema(morphology, signature or None)


def parse(text: str, morphology: str, signature: str = "", now: datetime | None = None):
    """``text`` parsed into a query tree (raises ``QueryError`` as the Whoosh engine does)."""
    query, _, _ = _modules()
    return query.parse_query(text, parser_schema(morphology, signature), now=now)


def form_query_class():
    return _modules()[2].FormQuery


def limits() -> tuple[int, int]:
    """(MAX_EXPANSION, MAX_FUZZY_WORD) of the query language."""
    query = _modules()[0]
    return query.MAX_EXPANSION, getattr(query, "MAX_FUZZY_WORD", 32)


def fuzzy_helpers():
    """(edits1, distance): the fuzzy-matching helpers of the query language."""
    try:
        from ...query import fuzzy  # after the engine split
        return fuzzy._edits1, fuzzy.distance
    except (ImportError, AttributeError):
        query = _modules()[0]
        return query._edits1, query.distance


def source_text(q, text: str) -> str:
    """The part of ``text`` a parsed clause came from (what a partial hit lacks)."""
    return _modules()[0].source_text(q, text)
