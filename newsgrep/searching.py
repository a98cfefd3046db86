"""Searching an index: parse the query, rank, and return hits with match spans.

Returns data, never markup: a :class:`Hit` carries the snippet text and the
character spans of the matched word forms inside it; ``render`` styles them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .analysis import matching_spans
from .errors import QueryError
from .schema import TITLE_BOOST, open_index

DEFAULT_FIELDS = ("title", "body")
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


@dataclass
class SearchResult:
    hits: list[Hit]
    query: str  # the parsed query, as Whoosh prints it


def parse_query(text: str, schema):
    """Parse a query string in newsgrep's query language into a Whoosh query."""
    from whoosh import qparser

    if not text.strip():
        raise QueryError("empty query")
    parser = qparser.MultifieldParser(
        list(DEFAULT_FIELDS), schema, fieldboosts={"title": TITLE_BOOST}, group=qparser.AndGroup)
    parser.remove_plugin_class(qparser.PhrasePlugin)
    parser.add_plugin(_PhrasePlugin())
    try:
        q = parser.parse(text)
    except Exception as e:  # Whoosh's parser raises assorted errors on odd input
        raise QueryError(f"cannot parse query {text!r}: {e}") from None
    from whoosh.query import NullQuery
    if q is NullQuery or q is None:
        raise QueryError(f"query {text!r} has no searchable words")
    return q


def _phrase_plugin_class():
    from whoosh.qparser import PhrasePlugin, attach

    class PhraseNode(PhrasePlugin.PhraseNode):
        """A phrase analysed in "phrase" mode: hyphenated words become their parts."""

        def query(self, parser):
            fieldname = self.fieldname or parser.fieldname
            words, ranges = [], []
            field_ = parser.schema[fieldname] if parser.schema and fieldname in parser.schema else None
            if field_ is not None and field_.analyzer:
                for t in field_.tokenize(self.text, mode="phrase", chars=True):
                    words.append(t.text)
                    ranges.append((self.textstartchar + t.startchar, self.textstartchar + t.endchar))
            else:
                words = self.text.split()
                ranges = [(None, None)] * len(words)
            q = parser.phraseclass(fieldname, words, slop=self.slop, boost=self.boost,
                                   char_ranges=ranges)
            return attach(q, self)

    class Plugin(PhrasePlugin):
        class PhraseTagger(PhrasePlugin.PhraseTagger):
            def create(self, parser, match):
                slop = match.group("slop")
                return PhraseNode(match.group("text"), match.start("text"), int(slop) if slop else 1)

        def taggers(self, parser):
            return [(self.PhraseTagger(self.expr), 0)]

    return Plugin


def _PhrasePlugin():
    return _phrase_plugin_class()()


def positive_terms(q, reader) -> dict[str, set[str]]:
    """field -> the index terms a hit may match, skipping negated parts.

    Wildcards and fuzzy terms are expanded against the index.
    """
    from whoosh import query as Q

    out: dict[str, set[str]] = {}

    def visit(node) -> None:
        if isinstance(node, Q.Not):
            return
        if isinstance(node, Q.AndNot):
            visit(node.a)
            return
        if node.is_leaf() or isinstance(node, Q.Phrase):
            for fieldname, text in node.existing_terms(reader, phrases=True, expand=True):
                if isinstance(text, bytes):
                    text = text.decode("utf-8", "replace")
                out.setdefault(fieldname, set()).add(text)
            return
        for child in node.children():
            visit(child)

    visit(q)
    return out


def match_spans(text: str, wanted: set[str]) -> list[Span]:
    """Spans of the words of ``text`` whose terms are in ``wanted``, merged, in order."""
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
        if windows and ws <= windows[-1][1] and we - windows[-1][0] <= 3 * context:
            windows[-1][1] = max(windows[-1][1], we)
            windows[-1][2].append((s, e))
        else:
            windows.append([ws, we, [(s, e)]])
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


def _hit(stored: dict, score: float, rank: int, terms: dict[str, set[str]],
         context: int, fragments: int) -> Hit:
    body = stored.get("body", "")
    title = stored.get("title", "")
    snippet, spans = make_snippet(body, match_spans(body, terms.get("body", set())),
                                  context=context, fragments=fragments)
    return Hit(
        id=stored.get("id", ""), path=stored.get("path", ""), key=stored.get("key", ""),
        title=title, date=stored.get("date"), source=stored.get("source", ""),
        section=stored.get("section", ""), url=stored.get("url", ""),
        score=float(score), rank=rank, snippet=snippet, spans=spans,
        title_spans=match_spans(title, terms.get("title", set())),
        encoding=stored.get("encoding", ""), format=stored.get("format", ""),
        tags=[t for t in stored.get("tags", "").split(",") if t],
    )


def search(directory: Path | str | os.PathLike, query: str, *, limit: int | None = 10,
           context: int = CONTEXT, fragments: int = FRAGMENTS, partial: bool = True) -> SearchResult:
    """Run ``query`` against the index at ``directory``; the best ``limit`` hits, ranked.

    When fewer than ``limit`` articles match all the words of a query
    (``partial=True``), the list is filled up with the best articles that match
    some of them, marked ``partial``: one word in a form the stemmer does not
    conflate should not hide the article a user is looking for. Negated
    words stay excluded.
    """
    ix, _meta = open_index(Path(directory))
    q = parse_query(query, ix.schema)
    with ix.searcher() as s:
        results = s.search(q, limit=limit)
        terms = positive_terms(q, s.reader())
        hits = [_hit(r.fields(), r.score or 0.0, i, terms, context, fragments)
                for i, r in enumerate(results, 1)]
        relaxed = _relaxed(q) if partial and limit and len(hits) < limit else None
        if relaxed is not None:
            clauses, loose = relaxed
            strict = {r.docnum for r in results}
            more = [r for r in s.search(loose, limit=limit + len(strict)) if r.docnum not in strict]
            more = more[:limit - len(hits)]
            docnums = {r.docnum for r in more}
            having = [set(s.search(c, filter=docnums, limit=None).docs()) for c in clauses]
            for r in more:
                hit = _hit(r.fields(), r.score or 0.0, len(hits) + 1, terms, context, fragments)
                hit.partial = True
                hit.missing = [_source_text(c, query) for c, docs in zip(clauses, having)
                               if r.docnum not in docs]
                hits.append(hit)
    return SearchResult(hits=hits, query=str(q))


def _relaxed(q):
    """``(clauses, query)``: a top-level AND of words loosened to OR; None if not one.

    Negated clauses stay required-absent. Scoring an OR sums the scores of the
    clauses a document matches, so articles with more of the words rank first.
    """
    from whoosh import query as Q

    if not isinstance(q, Q.And):
        return None
    clauses = [c for c in q.children() if not isinstance(c, Q.Not)]
    negated = [c.query for c in q.children() if isinstance(c, Q.Not)]
    if len(clauses) < 2:
        return None
    loose = Q.Or(clauses)
    return clauses, (Q.AndNot(loose, Q.Or(negated)) if negated else loose)


def _source_text(q, text: str) -> str:
    """The part of the query string a parsed clause came from."""
    spans = []
    for n in (q, *q.leaves()):
        if getattr(n, "startchar", None) is not None and getattr(n, "endchar", None):
            spans.append((n.startchar, n.endchar))
        for s, e in getattr(n, "char_ranges", None) or ():  # phrases: their words
            if s is not None and e:
                spans.append((s, e))
    if not spans:
        return str(q)
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    if 0 < start and end < len(text) and text[start - 1] == text[end] == '"':
        start, end = start - 1, end + 1
    return text[start:end]


def count(directory: Path | str | os.PathLike, query: str) -> int:
    """The number of articles matching ``query``."""
    ix, _meta = open_index(Path(directory))
    q = parse_query(query, ix.schema)
    with ix.searcher() as s:
        return sum(1 for _ in q.docs(s))


def stats(directory: Path | str | os.PathLike) -> dict:
    """Figures about the index: articles, date range, sources, sections, size."""
    from collections import Counter

    directory = Path(directory)
    ix, meta = open_index(directory)
    sources: Counter = Counter()
    sections: Counter = Counter()
    encodings: Counter = Counter()
    first = last = None
    undated = 0
    with ix.searcher() as s:
        r = s.reader()
        n = r.doc_count()
        for docnum, stored in r.iter_docs():
            sources[stored.get("source") or "(none)"] += 1
            if stored.get("section"):
                sections[stored["section"]] += 1
            encodings[stored.get("encoding") or "(none)"] += 1
            d = stored.get("date")
            if d is None:
                undated += 1
            else:
                first = d if first is None or d < first else first
                last = d if last is None or d > last else last
    size = sum(f.stat().st_size for f in directory.iterdir() if f.is_file())
    return {
        "articles": n,
        "first_date": first.isoformat() if first else None,
        "last_date": last.isoformat() if last else None,
        "undated": undated,
        "sources": dict(sources.most_common()),
        "sections": dict(sections.most_common()),
        "encodings": dict(encodings.most_common()),
        "morphology": meta.morphology,
        "roots": meta.roots,
        "index": str(directory.resolve()),
        "size_bytes": size,
        "updated": meta.updated or None,
    }
