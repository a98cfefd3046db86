"""The Whoosh engine: an archive folder of Whoosh segments, read with one searcher.

Implements :class:`newsgrep.engine.base.Engine`. The index is opened once
(memory-mapped files, see ``schema``) and one searcher serves every call until
:meth:`WhooshEngine.close`. Queries are parsed here into Whoosh queries
(``query``), expanded against the index, and run; dates, sources, authors
and sections are read from the index's columns, not from stored fields.
"""
from __future__ import annotations

import mmap
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, Literal

from ...errors import IndexCorrupt
from ..base import (GROUP_FIELDS, TEXT_FIELDS, TITLE_BOOST, ArticleRef, EngineHit, EngineInfo,
                    EngineStats, FileState, Problem, QuerySpec, SearchOutcome, SearchRequest,
                    StoredArticle, TermWeight)

__all__ = ["WhooshEngine", "NO_DATE"]

# articles(ids) reads the id columns of the whole archive once (~0.3 µs an article) rather
# than looking each id up (~300 µs at 1.1M articles) for more ids than 1 in this many
ONE_PASS_SHARE = 1000

#: What Whoosh's date column holds for an article without a date.
NO_DATE = (1 << 64) - 1


def stored_article(st: dict[str, Any], text: bool = True) -> StoredArticle:
    """A Whoosh document's stored fields as a :class:`StoredArticle` (``text=False``:
    without its body and lead)."""
    return StoredArticle(
        id=st.get("id", ""), path=st.get("path", ""), key=str(st.get("key", "") or ""),
        title=st.get("title", ""), body=st.get("body", "") if text else "", date=st.get("date"),
        source=st.get("source", ""), source_raw=st.get("source_raw") or "",
        author=st.get("author", "") or "", section=st.get("section", ""),
        tags=[t for t in st.get("tags", "").split(",") if t], url=st.get("url", "") or "",
        lead=(st.get("lead", "") or "") if text else "", encoding=st.get("encoding", "") or "",
        format=st.get("format", "") or "")


class WhooshEngine:
    """An archive folder (``newsgrep.json`` and Whoosh's files) as an :class:`Engine`."""

    def __init__(self, directory: Path, *, create: bool = False):
        self.directory = Path(directory)
        self.location = str(self.directory)
        self._ix: Any = None
        self._meta: Any = None
        self._searcher: Any = None
        self._lexicon: Any = None
        self._marker: Any = None
        self._create = create
        if not create:
            # Checked now (a missing index, an older format); opened on first use, so that
            # what needs no segment (stats, info) imports no Whoosh.
            from .schema import index_meta

            self._meta = index_meta(self.directory)

    # --- opening ---------------------------------------------------------------------

    def _open(self) -> None:
        from .schema import open_index

        self._ix, self._meta = open_index(self.directory)

    @property
    def ix(self) -> Any:
        if self._ix is None:
            self._open()
        return self._ix

    @property
    def schema(self) -> Any:
        return self.ix.schema

    @property
    def searcher(self) -> Any:
        """The one searcher of this engine (opened on first use)."""
        if self._searcher is None:
            self._searcher = self.ix.searcher()
        return self._searcher

    @property
    def reader(self) -> Any:
        return self.searcher.reader()

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None

    def __enter__(self) -> WhooshEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def exists(self) -> bool:
        from .schema import META_FILE

        return (self.directory / META_FILE).exists()

    def info(self) -> EngineInfo:
        from .schema import has_authors

        meta = self._meta if self._meta is not None else self._load_meta()
        return EngineInfo(
            location=self.location, morphology=meta.morphology,
            morphology_signature=meta.morphology_signature, roots=list(meta.roots),
            excludes=list(meta.excludes), includes=list(meta.includes),
            created=meta.created, updated=meta.updated,
            has_authors=self._has_authors(meta))

    def _has_authors(self, meta: Any) -> bool:
        from .schema import has_authors

        if self._ix is None:
            if self._create:
                return True  # (a new archive keeps them)
            if meta.authors is not None:
                return meta.authors
        return has_authors(self.schema)

    def _load_meta(self) -> Any:
        from .schema import IndexMeta

        return IndexMeta.load(self.directory)

    # --- writing -----------------------------------------------------------------------

    def file_states(self) -> dict[str, FileState]:
        from .commit import load_state

        return {path: FileState(path, size, mtime, digest)
                for path, (size, mtime, digest) in load_state(self.directory, self.ix).items()}

    def writer(self, *, morphology: str, signature: str = "", rebuild: bool = False,
               wait: bool = False) -> Any:
        raise NotImplementedError(
            "the Whoosh engine writes segments in worker processes: use index_paths")

    def index_paths(self, paths: Any, **options: Any) -> Any:
        """The Whoosh engine's own pipeline (:func:`newsgrep.indexing.index_paths`)."""
        from ...indexing import index_paths

        self.close()
        report = index_paths(paths, self.directory, **options)
        self._ix = self._meta = None
        return report

    # --- queries -------------------------------------------------------------------------

    def _parse(self, spec: QuerySpec) -> tuple[Any, Any]:
        """``(query, filter)``: the expanded Whoosh query and the date filter (or None)."""
        from .query import bounds_filter, expand, parse_query

        q = expand(parse_query(spec.text, self.schema, now=spec.now), self.reader)
        return q, bounds_filter(spec.start, spec.end)

    def _docnums(self, spec: QuerySpec) -> list[int]:
        """The matching live documents by Whoosh's matchers, one at a time (the reference
        the set evaluation of ``docsets`` is tested against)."""
        from whoosh.query import NullQuery

        combined = self._combined(spec)
        return [] if combined is NullQuery else list(combined.docs(self.searcher))

    def search(self, request: SearchRequest) -> SearchOutcome:
        from whoosh import query as Q

        from .query import source_text
        from .stories import global_story

        s = self.searcher
        article = self._reading(request.read)
        q, flt = self._parse(request.query)
        if q is Q.NullQuery:
            return SearchOutcome(hits=[], understood=str(q))
        facet, reverse = _sort_facet(request.sort)
        limit = request.limit
        mask = (Q.Or([Q.Term("id", i) for i in sorted(request.exclude_ids)])
                if request.exclude_ids else None)
        story = request.story if limit else None  # (one hit per story: see stories)
        if request.sort != "relevance":
            # (by date: the matching set and the date column, not a sort key per match)
            by_date = self._by_date(q, flt, mask, request.sort, limit, story)
            if not (request.partial and limit and len(by_date) < limit and _relaxed(q)):
                return SearchOutcome(
                    hits=[EngineHit(article(d), key or 0.0)
                          for key, d in by_date],
                    understood=str(q), matched=positive_terms(q, s.reader()))
        if request.sort == "relevance" and limit:
            # a word (an OR of terms): Whoosh's scores, the MaxScore way (see moreterms)
            from .moreterms import best_for_terms

            best = best_for_terms(s, q, limit, mask=mask, filter=flt,
                                  story=global_story(s, story) if story else None)
            if best is not None and (len(best) >= limit or not _relaxed(q)):
                return SearchOutcome(
                    hits=[EngineHit(article(d), score)
                          for score, d in best],
                    understood=str(q), matched=positive_terms(q, s.reader()))
        if flt is not None:  # (the dates in range tested on the date column)
            from .docsets import global_filter

            flt = global_filter(flt, s) or {-1}  # (an empty set would filter nothing)
        from whoosh.collectors import FilterCollector, TopCollector

        from .fieldunion import title_first
        from .stories import story_collector

        collector = s.collector(limit=limit, sortedby=facet, reverse=reverse)
        if story and type(collector) is TopCollector:
            collector = story_collector(collector, story, allow=flt, restrict=mask)
        elif flt is not None or mask is not None:
            collector = FilterCollector(collector, flt, mask)
        # (a limited search prunes by the bar: a phrase's body side by the whole bar)
        s.search_with_collector(title_first(q) if limit and request.sort == "relevance"
                                else q, collector)
        results = collector.results()
        hits = [EngineHit(article(r.docnum), r.score or 0.0) for r in results]
        relaxed = _relaxed(q) if request.partial and limit and len(hits) < limit else None
        if relaxed is not None and limit:
            clauses, loose = relaxed
            strict = {r.docnum for r in results}
            more = [r for r in s.search(loose, limit=limit + len(strict), filter=flt,
                                        sortedby=facet, reverse=reverse, mask=mask)
                    if r.docnum not in strict]
            more = more[:limit - len(hits)]
            docnums = {r.docnum for r in more}
            having = [set(s.search(c, filter=docnums, limit=None).docs()) for c in clauses]
            for r in more:
                hits.append(EngineHit(
                    article(r.docnum), r.score or 0.0, partial=True,
                    missing=[source_text(c, request.query.text)
                             for c, docs in zip(clauses, having) if r.docnum not in docs]))
        return SearchOutcome(hits=hits, understood=str(q), matched=positive_terms(q, s.reader()))

    def _reading(self, read: str) -> Callable[[int], StoredArticle]:
        """A document number's article, as much of it as SearchRequest.read asks for."""
        if read == "id":  # (from the id column: no stored document read)
            from .stories import global_story

            ident = global_story(self.searcher, str)
            return lambda d: StoredArticle(
                id=str(ident(d)), path="", key="", title="", body="", date=None, source="",
                source_raw="", author="", section="", tags=[], url="", lead="", encoding="",
                format="")
        stored, text = self.searcher.stored_fields, read == "all"
        return lambda d: stored_article(stored(d), text)

    def _by_date(self, q: Any, flt: Any, mask: Any, sort: str, limit: int | None,
                 story: Any = None) -> list[tuple[int, int]]:
        """``(sort key, docnum)`` of the first ``limit`` matches in ``sort`` order (newest,
        oldest), as Whoosh's sorting collector with :func:`_sort_facet` orders them: by
        key, then docnum (both descending for newest; an undated article's key -1).
        With ``story``: of the first ``limit`` stories, each at its first match."""
        import heapq

        from whoosh.query import And

        from ...reprint_store import distinct
        from .docsets import column_numbers, segment_docsets
        from .stories import global_story

        combined = And([q, flt]).normalize() if flt else q
        masked = ({offset + d for _, offset, _, docs in segment_docsets(mask, self.searcher)
                   for d in docs} if mask is not None else set())
        items: list[tuple[int, int]] = []
        for _, offset, reader, docs in segment_docsets(combined, self.searcher):
            if not docs:
                continue
            values = column_numbers(reader.column_reader("date", translate=False))
            if sort == "newest":
                items.extend((-1 if values[d] >= NO_DATE else values[d], offset + d)
                             for d in docs)
            else:
                items.extend((values[d], offset + d) for d in docs)
        if masked:
            items = [it for it in items if it[1] not in masked]
        if limit is None:
            return sorted(items, reverse=sort == "newest")
        if story is None:
            return (heapq.nlargest if sort == "newest" else heapq.nsmallest)(limit, items)
        of = global_story(self.searcher, story)
        return distinct(_best_first(items, sort == "newest"), lambda it: of(it[1]), limit)

    def search_terms(self, weighted: list[TermWeight], *, limit: int | None,
                     query: QuerySpec, exclude_ids: frozenset[str],
                     story: Any = None, read: Literal["all", "head", "id"] = "all"
                     ) -> SearchOutcome:
        """Articles holding weighted terms in title or body (more-like-this)."""
        from whoosh import query as Q

        from .moreterms import best_for_terms
        from .query import bounds_filter
        from .stories import global_story

        top = max(t.weight for t in weighted) or 1.0
        q = Q.Or([Q.Term(f, t.term, boost=(TITLE_BOOST if f == "title" else 1.0) * t.weight / top)
                  for t in weighted for f in TEXT_FIELDS])
        mask = Q.Or([Q.Term("id", i) for i in sorted(exclude_ids)]) if exclude_ids else None
        flt = bounds_filter(query.start, query.end)
        s = self.searcher
        # (Whoosh's scores, without walking every posting of the common terms: moreterms)
        best = best_for_terms(s, q, limit, mask=mask, filter=flt,
                              story=global_story(s, story) if story and limit else None)
        article = self._reading(read)
        if best is not None:
            hits = [EngineHit(article(d), score) for score, d in best]
        else:
            results = s.search(q, limit=limit, filter=flt, mask=mask)
            hits = [EngineHit(article(r.docnum), r.score or 0.0) for r in results]
        terms = {f: {t.term for t in weighted} for f in TEXT_FIELDS}
        return SearchOutcome(hits=hits, understood=str(q), matched=terms)

    def _combined(self, spec: QuerySpec) -> Any:
        """The query and its date filter as one Whoosh query (NullQuery: nothing)."""
        from whoosh.query import And

        q, flt = self._parse(spec)
        return And([q, flt]).normalize() if flt else q

    # (counts and dates from sets of document numbers and the columns, see docsets)

    def count(self, query: QuerySpec) -> int:
        from .docsets import count_docs

        return count_docs(self._combined(query), self.searcher)

    def group_counts(self, query: QuerySpec, by: str) -> dict[str | None, int]:
        from .docsets import column_counts

        if by not in GROUP_FIELDS:
            raise ValueError(by)
        raw = column_counts(self._combined(query), self.searcher, by)
        translate = self.schema[by].from_column_value
        out: Counter[str | None] = Counter()
        for value, n in raw.items():
            out[translate(value) or None] += n
        return dict(out)

    def date_counts(self, query: QuerySpec) -> dict[datetime | None, int]:
        from whoosh.util.times import long_to_datetime

        from .docsets import column_counts

        out: Counter[datetime | None] = Counter()
        for v, n in column_counts(self._combined(query), self.searcher, "date").items():
            out[None if v >= NO_DATE else long_to_datetime(v)] += n
        return dict(out)

    def dates(self, query: QuerySpec) -> list[datetime | None]:
        return [d for d, n in self.date_counts(query).items() for _ in range(n)]

    def matched_terms(self, query: QuerySpec) -> dict[str, set[str]]:
        q, _ = self._parse(query)
        return positive_terms(q, self.reader)

    # --- articles ------------------------------------------------------------------------

    def _live(self, fieldname: str, text: str) -> list[int]:
        from whoosh.query import Term

        return list(Term(fieldname, text).docs(self.searcher))

    def fetch(self, ref: ArticleRef) -> list[StoredArticle]:
        from .schema import file_term

        s = self.searcher
        if ref.id is not None:
            docnums = self._live("id", ref.id)
        elif ref.path is not None:
            docnums = self._live("file", file_term(ref.path))
            if ref.key is not None:
                docnums = [d for d in docnums if str(s.stored_fields(d).get("key", "")) == ref.key]
            docnums.sort()  # the order they were read in: the file's order
        else:
            docnums = []
        return [stored_article(s.stored_fields(d)) for d in docnums]

    def articles(self, ids: Sequence[str]) -> Iterator[StoredArticle | None]:
        from .docsets import segment_ids

        s = self.searcher
        where: dict[str, int] = {}
        leaves = [(sub.reader(), offset) for sub, offset in s.leaf_searchers()]
        if len(ids) * ONE_PASS_SHARE < s.doc_count_all() or not all(
                reader.has_column("id") for reader, _ in leaves):  # (a few: each looked up)
            for i in ids:
                found = self._live("id", i)
                if found:
                    where[i] = found[0]
        else:  # (many: one pass over the id column of each segment)
            wanted = set(ids)
            for reader, offset in leaves:
                gone = set(reader.deleted_docs_set) if reader.has_deletions() else ()
                live = [d for d in range(reader.doc_count_all()) if d not in gone]
                for d, i in zip(live, segment_ids(reader, live)):
                    if i in wanted:
                        where[i] = offset + d
        for i in ids:
            at = where.get(i)
            yield None if at is None else stored_article(s.stored_fields(at))

    def ids_with_prefix(self, prefix: str, limit: int) -> list[str]:
        # (the term dictionary keeps deleted articles' ids a while: only live ones)
        ids = (t.decode() if isinstance(t, bytes) else t
               for t in self.reader.expand_prefix("id", prefix))
        return list(islice((i for i in ids if self._live("id", i)), limit))

    def key_terms(self, text: str, count: int) -> list[TermWeight]:
        from .moreterms import key_terms

        return [TermWeight(t, w) for t, w in key_terms(self.searcher, "body", text, count)]

    def doc_count(self) -> int:
        return int(self.searcher.doc_count())

    # --- look-ups for did-you-mean and highlighting ----------------------------------------

    def _vocabulary(self) -> Any:
        from .forms import Vocabulary

        if getattr(self, "_forms", None) is None:
            self._forms = Vocabulary(self.reader)
        return self._forms

    def word_frequency(self, word: str, exact: bool = False) -> int | None:
        if exact:
            from ...analysis import query_forms

            source = self._vocabulary()
            groups: list[tuple[str, ...]] = [(f,) for f in query_forms(word)]
        else:
            from .query import position_groups
            from .schema import text_analyzer

            source = self.reader
            groups = position_groups(text_analyzer(self.schema), word, "query")
        if not groups:
            return None
        return min(sum(source.doc_frequency(f, t) for t in terms for f in ("body", "title"))
                   for terms in groups)

    def form_frequency(self, field: str, form: str) -> int:
        return int(self._vocabulary().doc_frequency(field, form))

    def has_form(self, field: str, form: str) -> bool:
        return (field, form) in self._vocabulary()

    def near_forms(self, field: str, form: str, maxdist: int, prefix: int = 0) -> list[str]:
        from ...query.fuzzy import near_terms

        return near_terms(self._vocabulary(), field, form, maxdist, prefix=prefix)

    def articles_with_form(self, field: str, form: str, limit: int) -> list[StoredArticle]:
        return [stored_article(self.searcher.stored_fields(d))
                for d in islice(self._vocabulary().docs(field, form), limit)]

    def mark(self, text: str, wanted: set[str]) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = self.marker().spans(text, wanted)
        return spans

    def marker(self) -> Any:
        """The :class:`~newsgrep.highlight.Marker` of this archive (its lexicon in lemma mode)."""
        if self._marker is None:
            from ...highlight import Marker
            from .schema import text_analyzer

            analyzer = text_analyzer(self.schema)
            lexicon = None
            if getattr(analyzer, "morphology", "stem") == "lemma":
                from ...lexicon import Lexicon

                lex = Lexicon.open(self.directory, analyzer.signature)
                lexicon = lex if lex is not None and lex.complete else None
                self._marker = Marker("lemma", analyzer.lemmatizer(), lexicon)
            else:
                self._marker = Marker("stem")
        return self._marker

    # --- the whole archive ---------------------------------------------------------------

    def stats(self) -> EngineStats:
        from .figures import archive_figures, committed_figures

        # (kept per segment at commit: see figures; not a scan of every stored document)
        figures = committed_figures(self.directory) if self._ix is None else None
        n, first, last, undated, sources, sections, encodings = (
            figures or archive_figures(self.directory, self.reader))
        with os.scandir(self.directory) as entries:  # (one stat a file)
            size = sum(e.stat().st_size for e in entries if e.is_file())
        return EngineStats(articles=n, first_date=first, last_date=last, undated=undated,
                           sources=dict(sources.most_common()),
                           sections=dict(sections.most_common()),
                           encodings=dict(encodings.most_common()), size_bytes=size)

    # --- reprint groups (written by indexing._Committer beside each state) -------------

    def _sidecar(self, prefix: str, mapped: bool = False) -> Any:
        from whoosh.index import TOC

        gen = TOC._latest_generation(self.ix.storage, self.ix.indexname)
        try:
            with open(self.directory / f"{prefix}{gen}.bin", "rb") as fh:
                if mapped and os.fstat(fh.fileno()).st_size:
                    return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                return fh.read()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise IndexCorrupt(f"cannot read {self.directory / f'{prefix}{gen}.bin'}: {e}; "
                               f"repair it with: newsgrep index --rebuild --index "
                               f"{self.directory}") from None

    def reprint_groups(self) -> bytes | mmap.mmap | None:
        # mapped: a search looks up the groups of its hits only (reprint_store.Groups)
        return self._sidecar("newsgrep-groups-", mapped=True)  # (indexing.GROUPS_PREFIX)

    def reprint_data(self) -> bytes | None:
        from whoosh.index import TOC

        from .commit import reprints_bytes  # a checkpoint and the deltas over it

        return reprints_bytes(self.directory,
                              TOC._latest_generation(self.ix.storage, self.ix.indexname))

    def id_values(self, query: QuerySpec, by: str | None) -> list[tuple[str, object]]:
        from whoosh.query import NullQuery

        from .docsets import id_values

        if by is not None and by != "date" and by not in GROUP_FIELDS:
            raise ValueError(by)
        combined = self._combined(query)
        if combined is NullQuery:
            return []
        # (ids from the id column: no stored document read; see docsets.segment_ids)
        pairs = id_values(combined, self.searcher, by)
        if by is None:
            return pairs  # type: ignore[return-value]
        if by == "date":
            from whoosh.util.times import long_to_datetime

            return [(i, None if v >= NO_DATE else long_to_datetime(v)) for i, v in pairs]
        translate = self.schema[by].from_column_value
        return [(i, translate(v) or None) for i, v in pairs]

    def check(self, deep: bool = True) -> list[Problem]:
        from .check import check_archive, check_files

        return check_archive(self.directory) if deep else check_files(self.directory)


# --- Whoosh queries ----------------------------------------------------------------------

def positive_terms(q: Any, reader: Any) -> dict[str, set[str]]:
    """field -> the index terms a hit may match, skipping negated parts.

    Word forms (``=word``, wildcards) come under ``"=" + field``. Wildcards and
    fuzzy terms are expanded against the index.
    """
    from whoosh import query as Q

    from ...query.syntax import FORM_PREFIX
    from .forms import FormQuery

    out: dict[str, set[str]] = {}

    def visit(node: Any) -> None:
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


def _best_first(items: list[tuple[int, int]], largest: bool) -> Iterator[tuple[int, int]]:
    """``items`` in ascending order (``largest``: descending), as far as they are read: a
    heap popped one at a time, not a sort of them all (a story's first matches are
    read until enough stories are found)."""
    import heapq

    heap = [(-k, -d) for k, d in items] if largest else list(items)
    heapq.heapify(heap)
    while heap:
        k, d = heapq.heappop(heap)
        yield (-k, -d) if largest else (k, d)


def _sort_facet(sort: str) -> tuple[Any, bool]:
    """Whoosh sort keys for ``--sort``; undated articles come last either way."""
    from whoosh import sorting

    from ...errors import QueryError
    from ..base import SORTS

    if sort == "relevance":
        return None, False
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
    if sort == "oldest":
        # An undated article's column value is the largest number: last already.
        return sorting.FieldFacet("date"), False
    return sorting.TranslateFacet(lambda v: -1 if v >= NO_DATE else v,
                                  sorting.FieldFacet("date")), True


def _relaxed(q: Any) -> tuple[list[Any], Any] | None:
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
