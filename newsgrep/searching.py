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
from .query import DEFAULT_FIELDS, FORM_PREFIX, parse_query
from .schema import TITLE_BOOST, open_index, text_analyzer

__all__ = ["Hit", "SearchResult", "ArticleView", "search", "count", "fetch", "similar", "stats",
           "parse_query", "QueryError"]
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


@dataclass
class SearchResult:
    hits: list[Hit]
    query: str  # the parsed query, as Whoosh prints it


def positive_terms(q, reader) -> dict[str, set[str]]:
    """field -> the index terms a hit may match, skipping negated parts.

    Word forms (``=word``, wildcards) come under ``"=" + field``. Wildcards and
    fuzzy terms are expanded against the index.
    """
    from whoosh import query as Q

    from .forms import FormQuery

    out: dict[str, set[str]] = {}

    def visit(node) -> None:
        if isinstance(node, Q.Not):
            return
        if isinstance(node, (Q.AndNot, Q.Require)):
            visit(node.a)  # AndNot: not the excluded part; Require: b only filters
            return
        if isinstance(node, FormQuery):
            out.setdefault(FORM_PREFIX + node.fieldname, set()).update(node.forms)
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
    """Spans of the words of ``text`` whose terms are in ``wanted``, merged, in order
    (stem mode; :class:`Marker` for an index of either mode)."""
    # A part inside a matched hyphenated whole is not marked again.
    return matching_spans(text, wanted)


class Marker:
    """Finds the words of an index's articles whose terms a query wants (for highlighting).

    Stem mode analyses only the words that can match (:func:`matching_spans`).
    Lemma mode cannot tell that from a word's first letter (шёл -> идти), so
    it asks the index's lexicon for the Russian words that have the wanted
    terms, once per query, and then looks each word of the text up in that
    set (:func:`~newsgrep.analysis.lemma_matching_spans`): no pymorphy3. An
    index whose lexicon is missing or incomplete gets its articles analysed.
    """

    def __init__(self, directory: Path, schema):
        analyzer = text_analyzer(schema)
        self.lemma = getattr(analyzer, "morphology", "stem") == "lemma"
        self.analyzer = analyzer
        self.lexicon = None
        self._forms: dict[frozenset, set[str] | None] = {}
        if self.lemma:
            from . import lexicon

            lex = lexicon.attach(directory, analyzer.signature)
            self.lexicon = lex if lex is not None and lex.complete else None

    def spans(self, text: str, wanted: set[str]) -> list[Span]:
        if not self.lemma:
            return matching_spans(text, wanted)
        if not wanted or not text:
            return []
        from .analysis import _analyze_lemma, lemma_matching_spans

        if self.lexicon is not None:
            key = frozenset(wanted)
            if key not in self._forms:
                self._forms[key] = self.lexicon.forms(key)
            forms = self._forms[key]
            if forms is not None:
                return lemma_matching_spans(text, wanted, forms, self.analyzer.lemmatizer())
        spans: list[Span] = []
        for term, _, s, e in _analyze_lemma(text, "index", self.analyzer.lemmatizer()):
            if term in wanted and not (spans and s < spans[-1][1]):
                spans.append((s, e))
        return spans


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


def _spans(text: str, terms: dict[str, set[str]], fieldname: str, marker: Marker) -> list[Span]:
    """Spans of the words of ``text`` matched through ``fieldname``'s terms or word forms."""
    stems = marker.spans(text, terms.get(fieldname, set()))
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


def _hit(stored: dict, score: float, rank: int, terms: dict[str, set[str]],
         context: int, fragments: int, marker: Marker) -> Hit:
    body = stored.get("body", "")
    title = stored.get("title", "")
    snippet, spans = make_snippet(body, _spans(body, terms, "body", marker),
                                  context=context, fragments=fragments)
    return Hit(
        id=stored.get("id", ""), path=stored.get("path", ""), key=stored.get("key", ""),
        title=title, date=stored.get("date"), source=stored.get("source", ""),
        section=stored.get("section", ""), url=stored.get("url", ""),
        score=float(score), rank=rank, snippet=snippet, spans=spans,
        title_spans=_spans(title, terms, "title", marker),
        encoding=stored.get("encoding", ""), format=stored.get("format", ""),
        tags=_tags(stored), author=stored.get("author", "") or "",
    )


def _tags(stored: dict) -> list[str]:
    return [t for t in stored.get("tags", "").split(",") if t]


class _Query:
    """A parsed, expanded query with its date filter, ready for one searcher."""

    def __init__(self, ix, searcher, text: str, since: str | None, until: str | None,
                 now: datetime | None):
        from .query import date_filter, expand

        self.text = text
        self.query = expand(parse_query(text, ix.schema, now=now), searcher.reader())
        self.filter = date_filter(since, until, now)

    def combined(self):
        """The query and the filter as one query (for counting)."""
        from whoosh.query import And

        return And([self.query, self.filter]).normalize() if self.filter else self.query

    def docnums(self, searcher) -> list[int]:
        from whoosh.query import NullQuery

        q = self.combined()
        return [] if q is NullQuery else list(q.docs(searcher))


def _sort_facet(sort: str):
    """Whoosh sort keys for ``--sort``; undated articles come last either way."""
    from whoosh import sorting

    if sort == "relevance":
        return None, False
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
    if sort == "oldest":
        # An undated article's column value is the largest number: last already.
        return sorting.FieldFacet("date"), False
    return sorting.TranslateFacet(lambda v: -1 if v >= _NO_DATE else v,
                                  sorting.FieldFacet("date")), True


_NO_DATE = (1 << 64) - 1  # what Whoosh's date column holds for an article without a date


def search(directory: Path | str | os.PathLike, query: str, *, limit: int | None = 10,
           context: int = CONTEXT, fragments: int = FRAGMENTS, partial: bool = True,
           since: str | None = None, until: str | None = None, sort: str = "relevance",
           now: datetime | None = None) -> SearchResult:
    """Run ``query`` against the index at ``directory``; the best ``limit`` hits, ranked.

    ``since``/``until`` are date filters (see :func:`newsgrep.query.date_range`);
    ``sort`` is ``relevance``, ``newest`` or ``oldest``.

    When fewer than ``limit`` articles match all the words of a query
    (``partial=True``), the list is filled up with the best articles that match
    some of them, marked ``partial``: one word in a form the stemmer does not
    conflate should not hide the article a user is looking for. Negated
    words and date filters stay required.
    """
    from whoosh.query import NullQuery

    ix, _meta = open_index(Path(directory))
    facet, reverse = _sort_facet(sort)
    with ix.searcher() as s:
        prepared = _Query(ix, s, query, since, until, now)
        q = prepared.query
        if q is NullQuery:
            return SearchResult(hits=[], query=str(q))
        results = s.search(q, limit=limit, filter=prepared.filter, sortedby=facet,
                           reverse=reverse)
        terms = positive_terms(q, s.reader())
        marker = Marker(Path(directory), s.schema)
        hits = [_hit(r.fields(), r.score or 0.0, i, terms, context, fragments, marker)
                for i, r in enumerate(results, 1)]
        relaxed = _relaxed(q) if partial and limit and len(hits) < limit else None
        if relaxed is not None:
            clauses, loose = relaxed
            strict = {r.docnum for r in results}
            more = [r for r in s.search(loose, limit=limit + len(strict), filter=prepared.filter,
                                        sortedby=facet, reverse=reverse)
                    if r.docnum not in strict]
            more = more[:limit - len(hits)]
            docnums = {r.docnum for r in more}
            having = [set(s.search(c, filter=docnums, limit=None).docs()) for c in clauses]
            for r in more:
                hit = _hit(r.fields(), r.score or 0.0, len(hits) + 1, terms, context, fragments,
                           marker)
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
    dates = [c for c in q.children() if isinstance(c, Q.NumericRange) and c.fieldname == "date"]
    clauses = [c for c in q.children() if not isinstance(c, Q.Not) and c not in dates]
    negated = [c.query for c in q.children() if isinstance(c, Q.Not)]
    if len(clauses) < 2:
        return None
    loose = Q.Or(clauses)
    if dates:  # a date filter in the query stays a filter
        loose = Q.And([loose, *dates])
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


def count(directory: Path | str | os.PathLike, query: str, *, since: str | None = None,
          until: str | None = None, now: datetime | None = None) -> int:
    """The number of articles matching ``query`` (and the date filters)."""
    ix, _meta = open_index(Path(directory))
    with ix.searcher() as s:
        return len(_Query(ix, s, query, since, until, now).docnums(s))


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


ID_PREFIX_MIN = 4    # an id may be shortened to a unique prefix of this many digits or more
AMBIGUOUS_SHOWN = 5  # candidates named when a prefix is ambiguous


def _ids_with_prefix(searcher, prefix: str, limit: int) -> list[str]:
    """Ids of live articles starting with ``prefix`` (the lexicon keeps deleted ones a while)."""
    from itertools import islice

    from whoosh.query import Term

    ids = (t.decode() if isinstance(t, bytes) else t
           for t in searcher.reader().expand_prefix("id", prefix))
    return list(islice((i for i in ids if any(True for _ in Term("id", i).docs(searcher))), limit))


def ids_with_prefix(directory: Path | str | os.PathLike, prefix: str, limit: int = 100) -> list[str]:
    """The article ids of the index that start with ``prefix`` (for shell completion)."""
    ix, _meta = open_index(Path(directory))
    with ix.searcher() as s:
        return _ids_with_prefix(s, prefix, limit)


def _find_docnums(searcher, ref: str) -> list[int]:
    """Document numbers of ``ref``: an article id, a file path, or PATH#KEY."""
    import re
    from whoosh.query import Term

    ref = ref.strip()
    if re.fullmatch(r"[0-9a-f]{16}", ref):
        found = list(Term("id", ref).docs(searcher))
        if found:
            return found
    elif re.fullmatch(r"[0-9a-f]{%d,15}" % ID_PREFIX_MIN, ref) and not os.path.exists(ref):
        ids = _ids_with_prefix(searcher, ref, AMBIGUOUS_SHOWN + 1)
        if len(ids) > 1:
            from .errors import NewsgrepError
            shown = ", ".join(ids[:AMBIGUOUS_SHOWN]) + (", …" if len(ids) > AMBIGUOUS_SHOWN else "")
            raise NewsgrepError(f"{ref}: ambiguous id prefix, candidates: {shown} "
                                "(give more digits)")
        if ids:
            return list(Term("id", ids[0]).docs(searcher))
    path, key = ref, None
    if not os.path.exists(ref) and "#" in ref:
        path, _, key = ref.rpartition("#")
    from .schema import file_term
    docnums = list(Term("file", file_term(os.path.abspath(path))).docs(searcher))
    if key is not None:
        docnums = [d for d in docnums if str(searcher.stored_fields(d).get("key", "")) == key]
    return sorted(docnums)  # the order they were read in: the file's order


def fetch(directory: Path | str | os.PathLike, ref: str, query: str | None = None, *,
             now: datetime | None = None) -> list[ArticleView]:
    """The whole article(s) ``ref`` names (an id, a path, PATH#KEY), with ``query`` spans.

    A path of a multi-article file names all of its articles. Raises
    :class:`~newsgrep.errors.NewsgrepError` when ``ref`` names none.
    """
    from .errors import NewsgrepError

    ix, _meta = open_index(Path(directory))
    with ix.searcher() as s:
        docnums = _find_docnums(s, ref)
        if not docnums:
            raise NewsgrepError(f"{ref}: no such article in the index (give an id from "
                                "newsgrep search --json, or the path of an indexed file)")
        terms: dict[str, set[str]] = {}
        if query:
            from .query import expand
            terms = positive_terms(expand(parse_query(query, ix.schema, now=now), s.reader()),
                                   s.reader())
        marker = Marker(Path(directory), s.schema)
        views = []
        for d in docnums:
            st = s.stored_fields(d)
            title, body = st.get("title", ""), st.get("body", "")
            views.append(ArticleView(
                id=st.get("id", ""), path=st.get("path", ""), key=st.get("key", "") or "",
                title=title, body=body, date=st.get("date"), source=st.get("source", ""),
                section=st.get("section", ""), url=st.get("url", "") or "",
                lead=st.get("lead", "") or "",
                tags=_tags(st),
                encoding=st.get("encoding", "") or "", format=st.get("format", "") or "",
                title_spans=_spans(title, terms, "title", marker),
                body_spans=_spans(body, terms, "body", marker),
                author=st.get("author", "") or "",
                source_raw=st.get("source_raw") or st.get("source", "") or ""))
    return views


SIMILAR_TERMS = 12  # key terms of an article that a similar one is searched by


def similar(directory: Path | str | os.PathLike, ref: str, *, limit: int | None = 10,
            context: int = CONTEXT, fragments: int = FRAGMENTS, since: str | None = None,
            until: str | None = None, now: datetime | None = None) -> SearchResult:
    """The articles most like ``ref`` (an id, an indexed path, or any article file).

    More-like-this: the article's key terms (frequent in it, rare in the
    archive; Whoosh's Bo1 model) are searched for, weighted, the article
    itself excluded.
    """
    from whoosh import query as Q

    from .errors import NewsgrepError
    from .query import date_filter

    ix, _meta = open_index(Path(directory))
    with ix.searcher() as s:
        docnums = _find_docnums(s, ref)
        if len(docnums) > 1:
            ids = ", ".join(s.stored_fields(d)["id"] for d in docnums[:5])
            raise NewsgrepError(f"{ref} holds {len(docnums)} articles; name one by its id "
                                f"({ids}{', …' if len(docnums) > 5 else ''}) or as PATH#KEY")
        if docnums:
            st = s.stored_fields(docnums[0])
            text = f"{st.get('title', '')}\n{st.get('body', '')}"
            own = {st.get("id")}
        else:
            text, own = _read_article_file(ref), set()
        keys = s.key_terms_from_text("body", text, numterms=SIMILAR_TERMS)
        if not keys and not s.doc_count():  # an empty archive: nothing is like it
            return SearchResult(hits=[], query="")
        if not keys:
            raise NewsgrepError(f"{ref}: no words to compare by")
        top = max(w for _, w in keys) or 1.0
        q = Q.Or([Q.Term(f, t, boost=(TITLE_BOOST if f == "title" else 1.0) * w / top)
                  for t, w in keys for f in DEFAULT_FIELDS])
        mask = Q.Or([Q.Term("id", i) for i in own]) if own else None
        results = s.search(q, limit=limit, filter=date_filter(since, until, now), mask=mask)
        terms = {f: {t for t, _ in keys} for f in DEFAULT_FIELDS}
        marker = Marker(Path(directory), s.schema)
        hits = [_hit(r.fields(), r.score or 0.0, i, terms, context, fragments, marker)
                for i, r in enumerate(results, 1)]
    return SearchResult(hits=hits, query=str(q))


def _read_article_file(ref: str) -> str:
    from . import articles as readers
    from .errors import NewsgrepError

    if not os.path.isfile(ref):
        raise NewsgrepError(f"{ref}: no such article in the index, and no such file")
    texts = [f"{a.title}\n{a.body}" for a in readers.read_file(ref)]
    return "\n".join(texts)


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
        "analyzer": _describe_analyzer(meta.morphology),
        "exact_forms": True,
        "roots": meta.roots,
        "index": str(directory.resolve()),
        "size_bytes": size,
        "updated": meta.updated or None,
    }


def _describe_analyzer(morphology: str) -> str:
    """A one-line description of how the index's words are analysed."""
    words = {
        "stem": "Snowball stems (Russian for Cyrillic words, English for Latin ones)",
        "lemma": "dictionary lemmas (OpenCorpora), stems for unknown words",
    }.get(morphology, morphology)
    return words + "; word forms as written too (for =word, wildcards, did-you-mean)"
