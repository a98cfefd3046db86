"""``Archive``: newsgrep's public Python API, opened once per command.

    import newsgrep

    with newsgrep.open_archive("~/news-index") as archive:
        for hit in archive.search("атака", limit=3).hits:
            print(hit.date, hit.title)

An archive is an engine (``newsgrep.engine``: a Whoosh folder, or later a
database) plus the policy that is the same whatever stores it: snippets and
highlighting, partial matches, did-you-mean and its thresholds, timelines,
how sources and authors are grouped, what an article reference means.
Every ``newsgrep`` command makes one ``Archive`` call.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .engine import open_engine
from .engine.base import (DUPS, NO_AUTHORS, SORTS, ArticleRef, Engine, EngineHit, EngineInfo, Problem,
                          QuerySpec, SearchOutcome, SearchRequest, StoredArticle)
from .errors import IndexCorrupt, NewsgrepError, QueryError

if TYPE_CHECKING:
    from .batch import BatchAnswer
    from .counting import Timeline
    from .indexing import IndexReport
    from .searching import ArticleView, Hit, HitStream, SearchResult
    from .suggest import Suggestion

__all__ = ["Archive", "open_archive", "DateFilter", "ID_PREFIX_MIN", "FEW", "DUPS"]

ID_PREFIX_MIN = 4    # an id may be shortened to a unique prefix of this many digits or more
AMBIGUOUS_SHOWN = 5  # candidates named when a prefix is ambiguous
SIMILAR_TERMS = 12   # key terms of an article that a similar one is searched by
#: A search with fewer hits than this may still get a did-you-mean (almaty -> Алматы).
FEW = 5


@dataclass(frozen=True)
class DateFilter:
    """``--since``/``--until`` (a date or an age each, see ``newsgrep.query.dates``) and
    "today" for relative dates; shared by every operation that takes a query."""

    since: str | None = None
    until: str | None = None
    now: datetime | None = None

    def spec(self, text: str) -> QuerySpec:
        from .query.dates import date_bounds

        start, end = date_bounds(self.since, self.until, self.now)
        return QuerySpec(text, start, end, self.now)


def _reading(limit: int | None, text: bool) -> Literal["all", "head", "id"]:
    """What of each hit's article an engine is asked for (SearchRequest.read): all hits
    (``limit`` None) are ranked by ids and only those shown read whole, so that the copies
    a collapse drops are never read."""
    return "head" if not text else "id" if limit is None else "all"


def open_archive(location: str | os.PathLike[str], *, create: bool = False) -> Archive:
    """Open the archive at ``location`` (a folder; ``~`` is expanded).

    Raises :class:`~newsgrep.errors.IndexNotFound` when there is none (unless
    ``create``: ``index`` creates it).
    """
    if isinstance(location, str) and "://" in location:
        return Archive(open_engine(location, create=create))
    return Archive(open_engine(Path(location).expanduser(), create=create))


class Archive:
    """An open archive: search it, count in it, show its articles, index into it."""

    _groups: Any = None

    def __init__(self, engine: Engine):
        self.engine = engine

    @property
    def location(self) -> str:
        return self.engine.location

    def info(self) -> EngineInfo:
        return self.engine.info()

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<newsgrep.Archive {self.location}>"

    # --- writing -----------------------------------------------------------------------

    def index(self, paths: Iterable[str | os.PathLike[str]] = (), **options: Any) -> IndexReport:
        """Index (or refresh) the article files under ``paths`` (none: the roots indexed
        before); ``options`` as :func:`newsgrep.indexing.index_paths` takes them. An engine
        without its own pipeline is written through its ``EngineWriter``
        (:func:`newsgrep.indexing.generic.index_with_writer`)."""
        from .engine.base import BulkIndexing

        if isinstance(self.engine, BulkIndexing):  # the Whoosh engine's worker processes
            report: IndexReport = self.engine.index_paths(  # type: ignore[assignment]
                [os.fspath(p) for p in paths], **options)
            return report
        from .indexing.generic import index_with_writer

        generic = ("encoding", "rebuild", "morphology", "wait", "on_warning", "settings")
        return index_with_writer(self.engine, paths,
                                 **{k: v for k, v in options.items() if k in generic})

    # --- queries -------------------------------------------------------------------------

    def search(self, query: str, *, limit: int | None = 10, context: int | None = None,
               fragments: int | None = None, partial: bool = True, sort: str = "relevance",
               since: str | None = None, until: str | None = None,
               now: datetime | None = None, dups: str = "all", text: bool = True
               ) -> SearchResult:
        """The best ``limit`` hits for ``query`` (None: all), ranked (``sort``: relevance,
        newest, oldest), with snippets of ``context`` characters around matches.
        ``text=False``: without snippets and match spans, and without reading more of
        each article than its head (a list of files or ids: fast and small however many
        hits there are).

        When fewer than ``limit`` articles match all the words of a query
        (``partial=True``), the list is filled up with the best articles that match
        some of them, marked ``partial``: one word in a form the stemmer does not
        conflate should not hide the article a user is looking for. Negated
        words and date filters stay required.

        ``dups="group"``: each reprint group shows once over the whole result set, at
        the rank of its best copy, as its lead (the earliest-dated copy, see
        :func:`newsgrep.reprints.choose_lead`; ``hit.lead_reason`` says why) with the
        other copies in ``hit.copies``; more hits are fetched until ``limit`` stories
        are found. ``"all"``: every copy (``hit.group`` still tells its group).
        """
        from .searching import SearchResult

        read = _reading(limit, text)
        run = self._searching(query, sort, since, until, now, partial, read)
        hits, outcome = self._ranked(run, limit, dups, context, fragments, text, read == "id")
        return SearchResult(hits=hits, query=outcome.understood)

    def search_iter(self, query: str, *, context: int | None = None,
                    fragments: int | None = None, sort: str = "relevance",
                    since: str | None = None, until: str | None = None,
                    now: datetime | None = None, dups: str = "all") -> HitStream:
        """Every hit of ``query``, as ``search(query, limit=None)`` gives them, but made
        as they are read: the engine ranks the matches without their texts, which are
        then read a few at a time for the snippets. For all the hits of a common word in
        an archive of millions (``search -n 0``), in memory that does not grow with them.
        ``stream.total`` is their number, known before the first is read."""
        from .searching import HitStream

        run = self._searching(query, sort, since, until, now, False, _reading(None, True))
        picked, outcome, collapse = self._pick(run, None, dups)
        return HitStream(total=len(picked), query=outcome.understood,
                         hits=self._hits(picked, outcome, collapse, context, fragments,
                                         read_text=True))

    def _searching(self, query: str, sort: str, since: str | None, until: str | None,
                   now: datetime | None, partial: bool, read: Literal["all", "head", "id"]
                   ) -> Callable[[int | None, Any], SearchOutcome]:
        """``run(limit, story)``: the engine's search for ``query`` and these options."""
        if sort not in SORTS:
            raise QueryError(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
        spec = DateFilter(since, until, now).spec(query)

        def run(want: int | None, story: Any) -> SearchOutcome:
            return self.engine.search(SearchRequest(
                spec, limit=want, sort=sort, partial=partial,  # type: ignore[arg-type,unused-ignore]
                story=story, read=read))
        return run

    def _ranked(self, run: Callable[[int | None, Any], SearchOutcome], limit: int | None,
                 dups: str, context: int | None, fragments: int | None, text: bool = True,
                 read_text: bool = False) -> tuple[list[Hit], SearchOutcome]:
        """The hits of ``run(limit, story)`` (an engine's search), each reprint group once
        (``dups="group"``: see :meth:`search`) at its lead, or every copy (``"all"``)."""
        picked, outcome, collapse = self._pick(run, limit, dups)
        return list(self._hits(picked, outcome, collapse, context, fragments, text,
                               read_text)), outcome

    def _pick(self, run: Callable[[int | None, Any], SearchOutcome], limit: int | None,
              dups: str) -> tuple[list[EngineHit], SearchOutcome, bool]:
        """The engine's hits to show, each reprint group once when ``collapse``d."""
        from .reprint_store import distinct

        if dups not in DUPS:
            raise QueryError(f"unknown dups {dups!r}; use one of: {', '.join(DUPS)}")
        groups = self.reprint_groups()
        collapse = dups == "group" and len(groups) > 0
        want = limit
        while True:
            # (the engine may collect stories itself, see SearchRequest.story: then once)
            outcome = run(want, groups.story if collapse else None)
            picked = outcome.hits
            if not collapse:
                break
            picked = distinct(outcome.hits, lambda h: groups.story(h.article.id), None)
            if (limit is None or want is None or len(picked) >= limit
                    or len(outcome.hits) < want):
                break
            want = want * 4  # copies took places: fetch more until `limit` stories
        return (picked[:limit] if limit is not None else picked), outcome, collapse

    def _hits(self, picked: list[EngineHit], outcome: SearchOutcome, collapse: bool,
              context: int | None, fragments: int | None, text: bool = True,
              read_text: bool = False) -> Iterator[Hit]:
        """The hits of ``picked``, made one at a time (``read_text``: the engine's hits came
        without their texts, which are read now, a few at a time: each shown article's,
        the lead's when copies are collapsed)."""
        from .searching import CONTEXT, FRAGMENTS, make_hit

        groups = self.reprint_groups()
        texts = self.engine.articles([groups.lead(h.article.id) if collapse else h.article.id
                                      for h in picked]) if read_text else None
        for rank, h in enumerate(picked, 1):
            article, lead_reason, copies = h.article, "", []
            members = groups.members(article.id) if collapse else []
            if texts is not None:
                article = next(texts) or article
            if members:
                lead = members[0][0]
                if lead != article.id:
                    found = self.engine.fetch(ArticleRef(id=lead))
                    article = found[0] if found else article
                lead_reason = groups.reason(lead)
                copies = [(i, src) for i, _, src in members if i != article.id]
            hit = make_hit(self.engine, article, h.score, rank, outcome.matched,
                           CONTEXT if context is None else context,
                           FRAGMENTS if fragments is None else fragments, text)
            hit.partial, hit.missing = h.partial, list(h.missing)
            hit.group = groups.group_id(article.id)
            hit.copies, hit.lead_reason = copies, lead_reason
            yield hit

    def search_many(self, queries: Iterable[str | Mapping[str, Any]], **defaults: Any
                    ) -> Iterator[BatchAnswer]:
        """Answer many queries with this one open archive, in order, one answer at a time.

        Each query is a string (a query, or a JSON line as ``newsgrep search --batch``
        reads them) or a mapping of the same keys (``query``, ``limit``, ``sort``,
        ``since``, ``until``, ``context``, ``snippets``, ``count``); ``defaults``
        hold the options a query does not set. A bad query is answered with an
        error and the rest still run (see :mod:`newsgrep.batch`).
        """
        from .batch import run_batch

        return run_batch(self, queries, **defaults)

    def reprint_groups(self) -> Any:
        """The archive's reprint groups (``newsgrep.reprint_store.Groups``), read once."""
        from .reprint_store import Groups

        from .engine.base import ReprintGroups

        if self._groups is None:
            if not isinstance(self.engine, ReprintGroups):
                self._groups = Groups()
                return self._groups
            try:
                self._groups = Groups.loads(self.engine.reprint_groups())
            except (ValueError, EOFError, TypeError) as e:
                raise IndexCorrupt(f"{self.location}: unreadable reprint groups ({e}); "
                                   f"repair them with: newsgrep index --rebuild") from None
        return self._groups

    def _stories(self, spec: QuerySpec, by: str | None) -> list[object]:
        """The value of ``by`` for each story among the matching articles: of its copy
        that comes first in the group's time order (the lead when it matches)."""
        from .engine.base import ReprintGroups

        if not isinstance(self.engine, ReprintGroups):
            raise NewsgrepError(f"{self.location}: this engine keeps no reprint groups")
        groups = self.reprint_groups()
        pairs = self.engine.id_values(spec, by)
        number = groups.numbers_of(aid for aid, _ in pairs)
        out: list[object] = []
        copies: dict[int, list[tuple[str, object]]] = {}  # group -> its matching copies
        for aid, value in pairs:
            n = number.get(aid)
            if n is None:
                out.append(value)  # (no copies: a story of its own)
            else:
                copies.setdefault(n, []).append((aid, value))
        for n, found in copies.items():
            first = found[0][1]
            if len(found) == 1 or all(value == first for _, value in found):
                out.append(first)  # (whichever copy comes first, the value is this)
            else:  # (the group decoded once, only when its matching copies differ)
                place = groups.order_in_group(n)
                out.append(min(found, key=lambda item: place[item[0]])[1])
        return out

    def reprints(self, ref: str) -> list[dict[str, Any]]:
        """The reprint group of the article ``ref`` names (one article: ID, a unique id
        prefix, PATH or PATH#KEY), in time order (lead first): ``id``, ``date``,
        ``source``, ``title``, ``path``, ``key``, ``similarity`` to the lead
        (:func:`newsgrep.reprints.similarity`: the estimated share of the shorter text
        found in the other), ``lead`` (bool), ``lead_reason``,
        ``asked`` (the article ``ref`` names). A single article without copies: a
        group of one."""
        from . import reprints
        from .engine.base import ReprintGroups
        from .reprint_store import date_key

        found = self._refs(ref)
        if len(found) != 1:
            raise NewsgrepError(f"{ref}: names {len(found)} articles; give one (PATH#KEY or ID)")
        asked = found[0]
        if not isinstance(self.engine, ReprintGroups) or self.engine.reprint_groups() is None:
            raise NewsgrepError(f"{self.location}: this index keeps no reprint groups; "
                                f"rebuild it: newsgrep index --rebuild")
        # (the group map, as searches read it: one group decoded, not the whole store)
        members = self.reprint_groups().group(asked.id) or [(asked.id, date_key(asked.date),
                                                             asked.source, 0)]
        lead = members[0][0]
        _, reason = reprints.choose_lead((m[0], m[1], m[3]) for m in members)
        ids = [m[0] for m in members]
        articles = dict(zip(ids, self.engine.articles(ids)))
        # (signatures from the stored texts: the indexer signs the same title and body)
        signs = {i: reprints.signature(a.title, a.body) for i, a in articles.items() if a}
        out = []
        for m in members:
            a = articles[m[0]]
            sim = 1.0 if m[0] == lead else (round(reprints.similarity(signs[lead], signs[m[0]]), 3)
                                            if lead in signs and m[0] in signs else None)
            out.append({
                "id": m[0], "date": a.date if a else None, "source": a.source if a else m[2],
                "title": a.title if a else "", "path": a.path if a else "",
                "key": a.key if a else "", "similarity": sim,
                "lead": m[0] == lead, "lead_reason": reason if m[0] == lead else None,
                "asked": m[0] == asked.id,
            })
        return out

    def count(self, query: str, *, since: str | None = None, until: str | None = None,
              now: datetime | None = None, unique: bool = False) -> int:
        """The number of articles matching ``query`` (and the date filters); with
        ``unique``, of stories (a reprint group counts once)."""
        spec = DateFilter(since, until, now).spec(query)
        if unique:
            return len(self._stories(spec, None))
        return self.engine.count(spec)

    def group_counts(self, query: str, by: str, *, since: str | None = None,
                     until: str | None = None, now: datetime | None = None,
                     source_aliases: Mapping[str, str | Iterable[str]] | None = None,
                     unique: bool = False) -> list[tuple[str | None, int]]:
        """Matching articles per source, author, section, year, month, week or day.

        Dates come in time order, the others by count (largest first, ties by
        name); the key None counts articles without a date (or source, author,
        section), in its place by count. An article with two authors counts for
        each. Sources are counted by name as :func:`~newsgrep.articles.sources.source_name`
        gives it (with ``source_aliases`` too), and names that differ only in
        letter case are one group, under its most frequent spelling. With ``unique``,
        stories are counted: each reprint group once, under the value of its matching
        copy that comes first in time (the lead when it matches).
        """
        from .counting import GROUPS, authors_counts, bucket, sources_counts

        if by not in GROUPS:
            raise QueryError(f"cannot group by {by!r}; use one of: {', '.join(GROUPS)}")
        if by == "author" and not self.engine.info().has_authors:
            raise QueryError(NO_AUTHORS)
        spec = DateFilter(since, until, now).spec(query)
        if by in ("source", "author", "section"):
            counts: Counter[str | None] = (
                Counter(self._stories(spec, by)) if unique  # type: ignore[arg-type]
                else Counter(self.engine.group_counts(spec, by)))
            if by == "source":
                counts = sources_counts(counts, source_aliases)
            elif by == "author":
                counts = authors_counts(counts)
            return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))
        dated: Counter[str | None] = Counter()
        for d, n in self._date_counts(spec, unique).items():
            dated[bucket(d, by) if d else None] += n
        return sorted(dated.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))

    def _date_counts(self, spec: QuerySpec, unique: bool) -> Mapping[datetime | None, int]:
        """Matching articles (``unique``: stories) per date, None for undated."""
        from .engine.base import DateCounts

        if not unique and isinstance(self.engine, DateCounts):
            return self.engine.date_counts(spec)
        dates = self._stories(spec, "date") if unique else self.engine.dates(spec)
        return Counter(dates)  # type: ignore[arg-type]

    def timeline(self, query: str, by: str | None = None, *, since: str | None = None,
                 until: str | None = None, now: datetime | None = None,
                 unique: bool = False) -> Timeline:
        """Matching articles (``unique``: stories, each at its first matching copy's
        date) per ``by`` period (chosen from the dates found when None)."""
        from .counting import PERIODS, make_timeline

        if by is not None and by not in PERIODS:
            raise QueryError(f"a timeline goes by year, month, week or day, not {by!r}")
        spec = DateFilter(since, until, now).spec(query)
        return make_timeline(self._date_counts(spec, unique), by)

    def suggest(self, query: str, *, found: int = 0, since: str | None = None,
                until: str | None = None, now: datetime | None = None) -> Suggestion | None:
        """A corrected form of ``query`` that finds something (more), or None (see
        :func:`newsgrep.suggest.suggest_with`)."""
        from .suggest import suggest_with

        return suggest_with(self.engine, query, found=found,
                            dates=DateFilter(since, until, now))

    def did_you_mean(self, query: str, found: int, *, since: str | None = None,
                     until: str | None = None, now: datetime | None = None) -> Suggestion | None:
        """The suggestion a search that found ``found`` articles gets, or None.

        Nothing (0) or little (fewer than :data:`FEW`) found: a correction is looked
        for; with a few hits, only for a query with a Latin word (a transliteration
        worth asking about).
        """
        if found >= FEW or (found and not re.search(r"[A-Za-z]", query)):
            return None
        return self.suggest(query, found=found, since=since, until=until, now=now)

    # --- articles ------------------------------------------------------------------------

    def _refs(self, ref: str) -> list[StoredArticle]:
        """The articles ``ref`` names: an article id (or a unique prefix of one), a file
        path, or PATH#KEY."""
        ref = ref.strip()
        if re.fullmatch(r"[0-9a-f]{16}", ref):
            found = self.engine.fetch(ArticleRef(id=ref))
            if found:
                return found
        elif re.fullmatch(r"[0-9a-f]{%d,15}" % ID_PREFIX_MIN, ref) and not os.path.exists(ref):
            ids = self.engine.ids_with_prefix(ref, AMBIGUOUS_SHOWN + 1)
            if len(ids) > 1:
                shown = ", ".join(ids[:AMBIGUOUS_SHOWN]) + (", …" if len(ids) > AMBIGUOUS_SHOWN
                                                            else "")
                raise NewsgrepError(f"{ref}: ambiguous id prefix, candidates: {shown} "
                                    "(give more digits)")
            if ids:
                return self.engine.fetch(ArticleRef(id=ids[0]))
        path, key = ref, None
        if not os.path.exists(ref) and "#" in ref:
            path, _, key = ref.rpartition("#")
        return self.engine.fetch(ArticleRef(path=os.path.abspath(path), key=key))

    def fetch(self, ref: str, query: str | None = None, *,
              now: datetime | None = None) -> list[ArticleView]:
        """The whole article(s) ``ref`` names (an id, a path, PATH#KEY), with ``query`` spans.

        A path of a multi-article file names all of its articles. Raises
        :class:`~newsgrep.errors.NewsgrepError` when ``ref`` names none.
        """
        from .searching import article_view

        found = self._refs(ref)
        if not found:
            raise NewsgrepError(f"{ref}: no such article in the index (give an id from "
                                "newsgrep search --json, or the path of an indexed file)")
        terms = self.engine.matched_terms(QuerySpec(query, now=now)) if query else {}
        return [article_view(self.engine, a, terms) for a in found]

    show = fetch

    def similar(self, ref: str, *, limit: int | None = 10, context: int | None = None,
                fragments: int | None = None, since: str | None = None,
                until: str | None = None, now: datetime | None = None,
                dups: str = "all", text: bool = True) -> SearchResult:
        """The articles most like ``ref`` (an id, an indexed path, or any article file).

        More-like-this: the article's key terms (frequent in it, rare in the
        archive) are searched for, weighted, the article itself excluded.
        ``dups="group"``: each other story once, as :meth:`search` shows them, and
        not the article's own copies (``reprints`` lists those); ``"all"``: every
        article but ``ref``'s. ``text``: as in :meth:`search`.
        """
        from .searching import SearchResult

        found = self._refs(ref)
        if len(found) > 1:
            ids = ", ".join(a.id for a in found[:5])
            raise NewsgrepError(f"{ref} holds {len(found)} articles; name one by its id "
                                f"({ids}{', …' if len(found) > 5 else ''}) or as PATH#KEY")
        if found:
            words, own = f"{found[0].title}\n{found[0].body}", frozenset({found[0].id})
            if dups == "group":
                own |= {m[0] for m in self.reprint_groups().members(found[0].id)}
        else:
            words, own = _read_article_file(ref), frozenset()
        keys = self.engine.key_terms(words, SIMILAR_TERMS)
        if not keys and not self.engine.doc_count():  # an empty archive: nothing is like it
            return SearchResult(hits=[], query="")
        if not keys:
            raise NewsgrepError(f"{ref}: no words to compare by")
        spec = DateFilter(since, until, now).spec("")

        read = _reading(limit, text)

        def run(want: int | None, story: Any) -> SearchOutcome:
            return self.engine.search_terms(keys, limit=want, exclude_ids=own, query=spec,
                                            story=story, read=read)
        hits, outcome = self._ranked(run, limit, dups, context, fragments, text, read == "id")
        return SearchResult(hits=hits, query=outcome.understood)

    # --- the whole archive ---------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Figures about the archive: articles, date range, sources, sections, size."""
        st = self.engine.stats()
        info = self.engine.info()
        return {
            "articles": st.articles,
            "first_date": st.first_date.isoformat() if st.first_date else None,
            "last_date": st.last_date.isoformat() if st.last_date else None,
            "undated": st.undated,
            "sources": dict(st.sources),
            "sections": dict(st.sections),
            "encodings": dict(st.encodings),
            "morphology": info.morphology,
            "analyzer": _describe_analyzer(info.morphology),
            "exact_forms": True,
            "roots": info.roots,
            "index": str(Path(self.location).resolve()) if "://" not in self.location
            else self.location,
            "size_bytes": st.size_bytes,
            "updated": info.updated or None,
        }

    def check(self) -> list[Problem]:
        """What is damaged in the archive ([] when it is whole)."""
        return self.engine.check(deep=True)

    def analyze(self, text: str, morphology: str | None = None) -> list[dict[str, Any]]:
        """How ``text`` is indexed: per word its stem, lemma(s) and the terms this archive
        (or ``morphology``) indexes."""
        return analyze(text, morphology or self.engine.info().morphology)


def analyze(text: str, morphology: str) -> list[dict[str, Any]]:
    """Per word of ``text``: ``word``, ``stem``, ``lemmas``, ``terms`` (in ``morphology``)."""
    from .analysis import word_spans

    stems: dict[tuple[int, int], list[str]] = {}
    for s, e, term in word_spans(text, "stem"):
        stems.setdefault((s, e), []).append(term)
    lemmas: dict[tuple[int, int], list[str]] = {}
    for s, e, term in word_spans(text, "lemma"):
        if term not in lemmas.setdefault((s, e), []):
            lemmas[(s, e)].append(term)
    rows = []
    for span, stem in stems.items():
        lemma = lemmas.get(span, [])
        rows.append({"word": text[span[0]:span[1]], "stem": stem[0], "lemmas": lemma,
                     "terms": lemma if morphology == "lemma" else stem,
                     "morphology": morphology})
    return rows


def check_archive(location: str | os.PathLike[str]) -> list[Problem]:
    """:meth:`Archive.check` for an archive that may not open at all (a damaged TOC)."""
    from .engine import open_engine

    return open_engine(location, create=True).check(deep=True)


def check_files(location: str | os.PathLike[str]) -> list[Problem]:
    """The cheap part of ``check``: are the files the last commit names all there?"""
    from .engine import open_engine

    return open_engine(location, create=True).check(deep=False)


def _read_article_file(ref: str) -> str:
    from . import articles as readers

    if not os.path.isfile(ref):
        raise NewsgrepError(f"{ref}: no such article in the index, and no such file")
    return "\n".join(f"{a.title}\n{a.body}" for a in readers.read_file(ref))


def _describe_analyzer(morphology: str) -> str:
    """A one-line description of how the archive's words are analysed."""
    words = {
        "stem": "Snowball stems (Russian for Cyrillic words, English for Latin ones)",
        "lemma": "dictionary lemmas (OpenCorpora), stems for unknown words",
    }.get(morphology, morphology)
    return words + "; word forms as written too (for =word, wildcards, did-you-mean)"
