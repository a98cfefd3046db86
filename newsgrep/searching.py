"""Search results: hits with snippets and match spans, built from what an engine returns.

Returns data, never markup: a :class:`Hit` carries the snippet text and the
character spans of the matched word forms inside it; ``render`` styles them.
The operations themselves are :class:`newsgrep.Archive`'s; the functions at
the end of this module (``search(directory, ...)`` ...) open an archive for
one call each, as before the Archive existed.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .analysis import matching_spans
from .errors import QueryError
from .query.syntax import DEFAULT_FIELDS, FORM_PREFIX

if TYPE_CHECKING:
    from .engine.base import Engine, StoredArticle

__all__ = ["Hit", "SearchResult", "ArticleView", "search", "count", "fetch", "similar", "stats",
           "QueryError"]
SORTS = ("relevance", "newest", "oldest")
CONTEXT = 80      # characters shown on each side of a match in a snippet
FRAGMENTS = 2     # snippet fragments per hit
ELLIPSIS = "…"
Span = tuple[int, int]


@dataclass
class Hit:
    """One matching article, with its snippet and the spans of the matched words."""

    id: str
    path: str
    key: str
    title: str
    date: datetime | None
    source: str
    section: str
    url: str
    score: float
    rank: int
    snippet: str = ""
    spans: list[Span] = field(default_factory=list)
    title_spans: list[Span] = field(default_factory=list)
    encoding: str = ""
    format: str = ""
    tags: list[str] = field(default_factory=list)
    # A partial match has only some of the query's words (see ``search``);
    # ``missing`` lists the parts of the query it lacks, as the user typed them.
    partial: bool = False
    missing: list[str] = field(default_factory=list)
    author: str = ""
    # Reprints (see Archive.search's ``dups``): the hit's group (None: no copies), the
    # other copies as (id, source) in time order, and why this one is shown (the lead).
    group: str | None = None
    copies: list[tuple[str, str]] = field(default_factory=list)
    lead_reason: str = ""


@dataclass
class SearchResult:
    hits: list[Hit]
    query: str  # the parsed query, as the engine prints it


@dataclass
class HitStream:
    """Every hit of a search, made as it is read (``Archive.search_iter``)."""

    total: int  # how many hits there are
    query: str  # the parsed query, as the engine prints it
    hits: Iterator[Hit]

    def __iter__(self) -> Iterator[Hit]:
        return self.hits


def match_spans(text: str, wanted: set[str]) -> list[Span]:
    """Spans of the words of ``text`` whose terms are in ``wanted``, merged, in order
    (stem mode; ``Engine.mark`` for an archive of either mode)."""
    # A part inside a matched hyphenated whole is not marked again.
    return matching_spans(text, wanted)


def make_snippet(text: str, spans: list[Span], *, context: int = CONTEXT,
                 fragments: int = FRAGMENTS) -> tuple[str, list[Span]]:
    """Cut the best fragments of ``text`` around ``spans``; return the snippet and its spans.

    Fragments are windows of ``context`` characters around matches, merged
    when they touch (up to ``3 * context`` characters), ranked by how many
    matches they hold, shown in text order
    and joined by «…». Without matches, the snippet is the start of the text.
    """
    # (str.replace is many times faster than translate with a table on long text)
    text = text.replace("\n", " ").replace("\r", " ").replace("\t", " ")
    if not spans:
        end = _cut_end(text, 2 * context, 0)
        return text[:end].rstrip() + (ELLIPSIS if end < len(text) else ""), []
    windows: list[list] = []  # [start, end, spans]
    for s, e in spans:
        ws, we = max(0, s - context), min(len(text), e + context)
        # Touching windows merge, up to a few contexts' length: a query that
        # matches most words (атак*, а*) still gets snippets, not the whole text.
        if windows and ws <= windows[-1][1] and we - windows[-1][0] <= 3 * context:
            windows[-1][1] = max(windows[-1][1], we)
            windows[-1][2].append((s, e))
        elif windows and s < windows[-1][1]:
            continue  # inside the previous fragment's text, which is long enough already
        else:
            windows.append([max(ws, windows[-1][1]) if windows else ws, we, [(s, e)]])
    best = sorted(windows, key=lambda w: -len(w[2]))[:max(1, fragments)]
    best.sort(key=lambda w: w[0])
    out, out_spans = "", []
    for ws, we, wspans in best:
        ws = _cut_start(text, ws, wspans[0][0])
        we = _cut_end(text, we, wspans[-1][1])
        while ws < wspans[0][0] and text[ws] == " ":
            ws += 1
        if ws > 0:
            out += " " + ELLIPSIS + " " if out else ELLIPSIS
        elif out:
            out += " "
        base = len(out) - ws
        out += text[ws:we].rstrip()
        out_spans += [(base + s, base + e) for s, e in wspans]
    if best[-1][1] < len(text):
        out += ELLIPSIS
    return out, out_spans


def _cut_start(text: str, i: int, first_match: int) -> int:
    """Move a fragment's start forward to a word boundary, never past its first match."""
    if i <= 0 or text[i - 1] == " ":
        return max(i, 0)
    j = text.find(" ", i, first_match)
    return j + 1 if j != -1 else i


def _cut_end(text: str, i: int, last_match_end: int) -> int:
    """Move a fragment's end back to a word boundary, never before its last match."""
    if i >= len(text):
        return len(text)
    if text[i] == " ":
        return i
    j = text.rfind(" ", last_match_end, i)
    return j if j != -1 else i


def field_spans(engine: Engine, text: str, terms: dict[str, set[str]],
                fieldname: str) -> list[Span]:
    """Spans of the words of ``text`` matched through ``fieldname``'s terms or word forms."""
    stems = engine.mark(text, terms.get(fieldname, set()))
    forms = terms.get(FORM_PREFIX + fieldname)
    if not forms:
        return stems
    return _merge(stems + matching_spans(text, forms, forms=True))


def _merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


def make_hit(engine: Engine, a: StoredArticle, score: float, rank: int,
             terms: dict[str, set[str]], context: int, fragments: int, text: bool = True) -> Hit:
    """A :class:`Hit` for a stored article: its snippet and the spans of matched words
    (``text=False``: neither)."""
    snippet, spans = make_snippet(a.body, field_spans(engine, a.body, terms, "body"),
                                  context=context, fragments=fragments) if text else ("", [])
    return Hit(
        id=a.id, path=a.path, key=a.key, title=a.title, date=a.date, source=a.source,
        section=a.section, url=a.url, score=float(score), rank=rank, snippet=snippet,
        spans=spans, title_spans=field_spans(engine, a.title, terms, "title") if text else [],
        encoding=a.encoding, format=a.format, tags=list(a.tags), author=a.author)


@dataclass
class ArticleView:
    """One whole article from the index, with the spans of a query's words in it."""

    id: str
    path: str
    key: str
    title: str
    body: str
    date: datetime | None
    source: str
    section: str
    url: str
    lead: str
    tags: list[str]
    encoding: str
    format: str
    title_spans: list[Span] = field(default_factory=list)
    body_spans: list[Span] = field(default_factory=list)
    author: str = ""
    source_raw: str = ""  # the source as the file gave it (byline and all)


def article_view(engine: Engine, a: StoredArticle, terms: dict[str, set[str]]) -> ArticleView:
    return ArticleView(
        id=a.id, path=a.path, key=a.key, title=a.title, body=a.body, date=a.date,
        source=a.source, section=a.section, url=a.url, lead=a.lead, tags=list(a.tags),
        encoding=a.encoding, format=a.format,
        title_spans=field_spans(engine, a.title, terms, "title"),
        body_spans=field_spans(engine, a.body, terms, "body"),
        author=a.author, source_raw=a.source_raw or a.source)


# --- one call, one archive (the API before newsgrep.Archive) -------------------------------

def _open(directory: Path | str | os.PathLike[str]) -> Any:
    from .archive import open_archive

    return open_archive(directory)


def search(directory: Path | str | os.PathLike[str], query: str, *, limit: int | None = 10,
           context: int = CONTEXT, fragments: int = FRAGMENTS, partial: bool = True,
           since: str | None = None, until: str | None = None, sort: str = "relevance",
           now: datetime | None = None) -> SearchResult:
    """:meth:`newsgrep.Archive.search` on the archive at ``directory``."""
    with _open(directory) as a:
        result: SearchResult = a.search(query, limit=limit, context=context,
                                        fragments=fragments, partial=partial, since=since,
                                        until=until, sort=sort, now=now)
        return result


def count(directory: Path | str | os.PathLike[str], query: str, *, since: str | None = None,
          until: str | None = None, now: datetime | None = None) -> int:
    """:meth:`newsgrep.Archive.count` on the archive at ``directory``."""
    with _open(directory) as a:
        n: int = a.count(query, since=since, until=until, now=now)
        return n


def ids_with_prefix(directory: Path | str | os.PathLike[str], prefix: str,
                    limit: int = 100) -> list[str]:
    """The article ids of the archive that start with ``prefix`` (for shell completion)."""
    with _open(directory) as a:
        ids: list[str] = a.engine.ids_with_prefix(prefix, limit)
        return ids


def fetch(directory: Path | str | os.PathLike[str], ref: str, query: str | None = None, *,
          now: datetime | None = None) -> list[ArticleView]:
    """:meth:`newsgrep.Archive.fetch` on the archive at ``directory``."""
    with _open(directory) as a:
        views: list[ArticleView] = a.fetch(ref, query, now=now)
        return views


def similar(directory: Path | str | os.PathLike[str], ref: str, *, limit: int | None = 10,
            context: int = CONTEXT, fragments: int = FRAGMENTS, since: str | None = None,
            until: str | None = None, now: datetime | None = None) -> SearchResult:
    """:meth:`newsgrep.Archive.similar` on the archive at ``directory``."""
    with _open(directory) as a:
        result: SearchResult = a.similar(ref, limit=limit, context=context, fragments=fragments,
                                         since=since, until=until, now=now)
        return result


def stats(directory: Path | str | os.PathLike[str]) -> dict[str, Any]:
    """:meth:`newsgrep.Archive.stats` on the archive at ``directory``."""
    with _open(directory) as a:
        figures: dict[str, Any] = a.stats()
        return figures
