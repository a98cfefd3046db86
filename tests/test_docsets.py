"""Counts, timelines and ``similar`` read the index in bulk (engine/whoosh/docsets.py and
moreterms.py): the same answers as walking Whoosh's matchers and as Whoosh's search."""
from __future__ import annotations

import shutil
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from newsgrep.archive import DateFilter, open_archive
from newsgrep.counting import make_timeline
from newsgrep.indexing import index_paths

SAMPLES = Path(__file__).resolve().parent.parent / "samples"

QUERIES = ["Алматы", "атака", "атака NOT учения", "Алматы OR Бишкек", "NOT Алматы",
           '"Вечерний Бишкек"', "=Алматы", "алмат*", "Алматв~", "title:Алматы",
           "source:Sputnik", "(Алматы OR Бишкек) NOT title:Алматы", "ыврапролджэ",
           "Алматы date:2022", "date:2021..2022"]
DATES = [(None, None), ("2022-01-01", None), (None, "2021-12-31"), ("2021-06-01", "2022-06-30")]


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """The samples in two runs: the second changes one file and removes another, so the
    archive has two segments and deleted documents."""
    tmp = tmp_path_factory.mktemp("docsets")
    news, ix = tmp / "news", tmp / "ix"
    shutil.copytree(SAMPLES, news)
    index_paths([news], ix)
    texts = sorted(news.rglob("*.txt"))
    texts[0].write_text("Алматы и Бишкек\n\nНовая статья про Алматы и атака дрона.\n",
                        encoding="utf-8")
    texts[1].unlink()
    index_paths([news], ix)
    return ix


def test_counts_groups_and_dates_are_the_matchers(archive):
    from whoosh.util.times import long_to_datetime

    from newsgrep.engine.whoosh.engine import NO_DATE

    with open_archive(archive) as a:
        e = a.engine
        assert e.reader.has_deletions() and len(e.reader.leaf_readers()) > 1
        nonzero = 0
        for text in QUERIES:
            for since, until in DATES:
                spec = DateFilter(since, until).spec(text)
                docs = e._docnums(spec)  # (Whoosh's matchers, one document at a time)
                assert e.count(spec) == len(docs), text
                nonzero += bool(docs)
                for by in ("source", "author", "section"):
                    column = e.reader.column_reader(by, translate=True)
                    assert e.group_counts(spec, by) == dict(
                        Counter(column[d] or None for d in docs)), (text, by)
                column = e.reader.column_reader("date", translate=False)
                walked = Counter(None if column[d] >= NO_DATE else long_to_datetime(column[d])
                                 for d in docs)
                assert Counter(e.date_counts(spec)) == walked, text
                assert Counter(e.dates(spec)) == walked
        assert nonzero > len(QUERIES)  # (the queries find something)


def test_timeline_from_counts_per_date_is_the_timeline_of_the_dates():
    dates = [datetime(2022, 1, 3), datetime(2022, 1, 3), None, datetime(2022, 3, 30),
             datetime(2021, 12, 31)]
    for by in (None, "day", "week", "month", "year"):
        assert make_timeline(Counter(dates), by) == make_timeline(dates, by)
    assert make_timeline({None: 2}).undated == 2


@pytest.mark.parametrize("matcher", ["AUTO_MATCHER", "DEFAULT_MATCHER", "ARRAY_MATCHER"])
def test_similar_terms_score_as_whoosh_searches(archive, monkeypatch, matcher):
    """The best documents for an article's key terms (moreterms.best_for_terms) are
    Whoosh's best, with Whoosh's scores to the last bit, whichever OR matcher Whoosh
    uses (a tree of unions for a large segment, a preloaded array for a small one)."""
    from whoosh import query as Q

    from newsgrep.engine.whoosh.moreterms import best_for_terms
    from newsgrep.engine.whoosh.query import bounds_filter

    monkeypatch.setattr(Q.Or, "matcher_type", getattr(Q.Or, matcher))
    with open_archive(archive) as a:
        e = a.engine
        s = e.searcher
        live = [d for d in range(e.reader.doc_count_all()) if not e.reader.is_deleted(d)]
        compared = 0
        for d in live:
            st = s.stored_fields(d)
            keys = e.key_terms(f"{st['title']}\n{st['body']}", 12)
            if not keys:
                continue
            top = max(t.weight for t in keys)
            q = Q.Or([Q.Term(f, t.term, boost=(2.0 if f == "title" else 1.0) * t.weight / top)
                      for t in keys for f in ("title", "body")])
            mask = Q.Or([Q.Term("id", st["id"])])
            for since, until in DATES[:2]:
                spec = DateFilter(since, until).spec("")
                flt = bounds_filter(spec.start, spec.end)
                for limit in (1, 3, 10):
                    want = [(h.score, h.docnum) for h in s.search(q, limit=limit, mask=mask,
                                                                  filter=flt)]
                    assert best_for_terms(s, q, limit, mask=mask, filter=flt) == want, (d, limit)
                    compared += bool(want)
        assert compared > 30


def test_similar_keeps_its_hits(archive):
    with open_archive(archive) as a:
        hit = a.search("Алматы", limit=1).hits[0]
        similar = a.similar(hit.id, limit=5)
        assert similar.hits and hit.id not in {h.id for h in similar.hits}
        assert [h.rank for h in similar.hits] == list(range(1, len(similar.hits) + 1))
        scores = [h.score for h in similar.hits]
        assert scores == sorted(scores, reverse=True)


def test_search_by_date_is_whooshs_sorted_search(archive):
    """``--sort newest|oldest`` from the matching set and the date column: the hits (and
    their keys) of Whoosh's sorting collector, undated articles last either way."""
    from whoosh import query as Q

    from newsgrep.engine.whoosh.engine import _sort_facet

    with open_archive(archive) as a:
        e = a.engine
        s = e.searcher
        seen = 0
        for text in QUERIES:
            for since, until in DATES[:2]:
                q, flt = e._parse(DateFilter(since, until).spec(text))
                if q is Q.NullQuery:
                    continue
                for sort in ("newest", "oldest"):
                    facet, reverse = _sort_facet(sort)
                    for limit in (1, 5, None):
                        for mask in (None, Q.Or([Q.Term("id", s.stored_fields(0)["id"])])):
                            want = [(r.score, r.docnum) for r in s.search(
                                q, limit=limit, filter=flt, sortedby=facet, reverse=reverse,
                                mask=mask)]
                            assert e._by_date(q, flt, mask, sort, limit) == want, (text, sort)
                            seen += len(want) > 1
        assert seen > 20


def test_a_date_range_tested_on_the_column_holds_what_the_range_matches(archive):
    """A word search's date filter asks the date column whether a document is in range
    (``query_filter``) instead of listing every one: the same documents, for ranges
    whose bounds are articles' own dates (inclusive) and one past them."""
    from whoosh import query as Q

    from newsgrep.engine.whoosh.docsets import column_numbers, query_docs, query_filter

    with open_archive(archive) as a:
        s = a.engine.searcher
        tested = 0
        for sub, _ in s.leaf_searchers():
            reader = sub.reader()
            dates = sorted(set(column_numbers(reader.column_reader("date", translate=False))))
            if len(dates) < 4:
                continue  # (the second run's segment)
            every = (dates[0], dates[-1])
            for low, high in [every, (dates[1], dates[-2]), (dates[1] + 1, dates[-2]),
                              (dates[1], dates[-2] - 1), (0, dates[len(dates) // 2])]:
                q = Q.NumericRange("date", low, high)
                test = query_filter(q, sub, reader)
                assert not isinstance(test, set)  # (tested on the column, not listed)
                docs = query_docs(q, sub, reader)
                assert {d for d in range(reader.doc_count_all()) if d in test} == docs
                assert 0 < len(docs) < reader.doc_count_all() or (low, high) == every
                tested += 1
        assert tested >= 5
        # ... and over the whole archive, as Whoosh's collectors ask (global numbers)
        from newsgrep.engine.whoosh.docsets import global_docnums, global_filter

        everyone = range(s.doc_count_all())
        for since, until in DATES[1:] + [("1900-01-01", "1900-12-31")]:
            _, flt = a.engine._parse(DateFilter(since, until).spec("атака"))
            test = global_filter(flt, s)
            assert not isinstance(test, set) and test
            live = s.reader()
            assert {g for g in everyone if g in test and not live.is_deleted(g)} \
                == global_docnums(flt, s), (since, until)


def test_a_date_filter_from_the_column_filters_as_the_range_query(archive):
    """--since/--until: the documents in range taken from the date column give the hits
    (and scores) of Whoosh's search filtered by the date range query; a range holding
    nothing finds nothing."""
    from whoosh import query as Q

    from newsgrep.engine.base import SearchRequest

    with open_archive(archive) as a:
        e = a.engine
        s = e.searcher
        seen = 0
        for text in QUERIES:
            for since, until in DATES[1:] + [("1900-01-01", "1900-12-31")]:
                spec = DateFilter(since, until).spec(text)
                q, flt = e._parse(spec)
                if q is Q.NullQuery:
                    continue
                want = [(r["id"], r.score) for r in s.search(q, limit=10, filter=flt)]
                got = e.search(SearchRequest(spec, limit=10, partial=False)).hits
                assert [(h.article.id, h.score) for h in got] == want, (text, since, until)
                seen += bool(want)
        assert seen > 10


def test_a_word_search_is_whooshs_best(archive):
    """A query of one word (an OR of its terms in title and body) is scored the MaxScore
    way: Whoosh's scores and order (its unlimited search's: its limited one may drop a
    document of a score equal to its last hit's)."""
    from whoosh import query as Q

    from newsgrep.engine.base import SearchRequest

    with open_archive(archive) as a:
        e = a.engine
        s = e.searcher
        seen = 0
        for text in QUERIES + ["Бишкек", "полиция", "Алматв~", "Алматы OR Бишкек OR Астана"]:
            for since, until in DATES[:2]:
                spec = DateFilter(since, until).spec(text)
                q, flt = e._parse(spec)
                if type(q) is not Q.Or:
                    continue
                for limit in (1, 3, 10):
                    want = [(r["id"], r.score) for r in s.search(q, limit=None, filter=flt)]
                    got = e.search(SearchRequest(spec, limit=limit, partial=False)).hits
                    assert [(h.article.id, h.score) for h in got] == want[:limit], text
                    seen += bool(want)
        assert seen > 20
