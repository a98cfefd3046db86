"""The Python API: the README's example script, and Archive used directly."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

import newsgrep
from newsgrep.errors import IndexNotFound, QueryError

from .conftest import REPO

MARKER = "<!-- python example: tests/test_api.py runs this script -->"


def readme_script() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text[text.index(MARKER):]
    block = block[block.index("```python\n") + 10:]
    return block[:block.index("```")]


def test_the_readme_script_runs_against_an_archive(samples_archive, tmp_path):
    script = tmp_path / "example.py"
    script.write_text(readme_script(), encoding="utf-8")
    out = subprocess.run([sys.executable, str(script), str(samples_archive)], capture_output=True,
                         text=True, cwd=REPO, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    with newsgrep.open_archive(samples_archive) as archive:
        hits = archive.search("атака", limit=3).hits
        n = archive.count("Алматы")
        months = archive.group_counts("Алматы", "month")
    assert hits and len(lines) == len(hits) + 1 + len(months)
    for line, hit in zip(lines, hits):
        assert line.startswith(f"{hit.rank} ") and hit.title in line and hit.path in line
    assert lines[len(hits)] == f"{n} articles name Алматы" and n > 0
    assert lines[len(hits) + 1:] == [f"{m} {k}" for m, k in months]


def test_the_public_names(samples_archive):
    assert set(newsgrep.__all__) >= {"open_archive", "Archive", "Article", "Hit"}
    archive = newsgrep.open_archive(samples_archive)
    assert isinstance(archive, newsgrep.Archive)
    hit = archive.search("атака", limit=1).hits[0]
    assert isinstance(hit, newsgrep.Hit)
    view = archive.fetch(hit.id, "атака")[0]
    assert view.id == hit.id and view.body_spans
    assert archive.stats()["articles"] == archive.count("атака OR NOT атака")
    assert archive.timeline("Алматы").total + archive.timeline("Алматы").undated == \
        archive.count("Алматы")
    archive.close()


def test_one_archive_serves_many_calls_with_the_cli_s_results(samples_archive):
    from newsgrep.searching import search

    with newsgrep.open_archive(samples_archive) as archive:
        for query in ("атака", '"здание полиции"', "Алматы NOT полиция", "атак*"):
            ours = archive.search(query, limit=5)
            assert [h.id for h in ours.hits] == [h.id for h in search(samples_archive, query,
                                                                        limit=5).hits]
        with pytest.raises(QueryError):
            archive.search('"unclosed')


def test_hits_without_text_are_the_same_hits_without_snippets_or_bodies(samples_archive):
    """``text=False`` (``-l``): the same hits in the same order, without the work of
    snippets and spans; the engine leaves each article's body and lead out (``read``)."""
    from newsgrep.engine.base import QuerySpec, SearchRequest

    with newsgrep.open_archive(samples_archive) as archive:
        for query, sort in (("атака", "relevance"), ('"здание полиции"', "relevance"),
                            ("Алматы", "newest")):
            full = archive.search(query, limit=None, sort=sort)
            light = archive.search(query, limit=None, sort=sort, text=False)
            assert full.hits and any(h.snippet and h.spans for h in full.hits)
            assert [(h.id, h.path, h.title, h.date, h.score, h.group) for h in light.hits] == \
                [(h.id, h.path, h.title, h.date, h.score, h.group) for h in full.hits]
            assert all(not (h.snippet or h.spans or h.title_spans) for h in light.hits)
            head = archive.engine.search(SearchRequest(QuerySpec(query), limit=None,
                                                       sort=sort, read="head"))
            ids = archive.engine.search(SearchRequest(QuerySpec(query), limit=None,
                                                      sort=sort, read="id"))
            assert [h.article.id for h in head.hits] == [h.article.id for h in ids.hits] == \
                [h.id for h in full.hits]
            assert all(h.article.path and h.article.title and not (h.article.body or
                                                                   h.article.lead)
                       for h in head.hits)
            assert all(not h.article.body for h in ids.hits)


def test_every_hit_as_a_stream_is_every_hit_of_a_search(samples_archive):
    """``search_iter`` (``search -n 0``): the engine ranks without texts, which are read
    as the hits are made; the hits are those of ``search(limit=None)``, snippets and all."""
    with newsgrep.open_archive(samples_archive) as archive:
        for query, sort, dups in (("атака", "relevance", "all"), ("Алматы", "newest", "group"),
                                  ('"здание полиции"', "relevance", "group"),
                                  ("крокодил", "relevance", "all")):
            whole = archive.search(query, limit=None, sort=sort, dups=dups)
            stream = archive.search_iter(query, sort=sort, dups=dups)
            assert stream.total == len(whole.hits) and stream.query == whole.query
            assert list(stream) == whole.hits
            assert any(h.snippet and h.spans for h in whole.hits) == (query != "крокодил")
            # (all hits are ranked by ids, their texts read after: as a long list reads them)
            assert whole.hits == archive.search(query, limit=1000, sort=sort, dups=dups,
                                                partial=False).hits
        for dups in ("all", "group"):
            one = archive.search("атака", limit=1).hits[0].id
            assert archive.similar(one, limit=None, dups=dups).hits == \
                archive.similar(one, limit=1000, dups=dups).hits


def test_articles_by_id_in_order_either_way(samples_archive, monkeypatch):
    """``Engine.articles``: each id's article in the order asked (None for no such id),
    the same whether the ids are looked up one by one or found in one pass."""
    from newsgrep.engine.base import ArticleRef
    from newsgrep.engine.whoosh import engine as whoosh_engine

    with newsgrep.open_archive(samples_archive) as archive:
        ids = [h.id for h in archive.search("атака OR NOT атака", limit=None).hits]
        asked = ids[::-1][:7] + ["0" * 16, ids[0]]
        expected = [archive.engine.fetch(ArticleRef(id=i)) for i in asked]
        expected = [found[0] if found else None for found in expected]
        assert expected[7] is None and expected[0] is not None
        for share in (1, 10**9):  # (one pass; one by one)
            monkeypatch.setattr(whoosh_engine, "ONE_PASS_SHARE", share)
            assert list(archive.engine.articles(asked)) == expected
            assert list(archive.engine.articles([])) == []


def test_a_missing_archive_is_an_error_that_says_how_to_build_one(tmp_path):
    with pytest.raises(IndexNotFound, match=re.escape("newsgrep index PATH")):
        newsgrep.open_archive(tmp_path / "none")


def test_did_you_mean_policy_lives_in_the_library(samples_archive):
    from newsgrep.archive import FEW

    with newsgrep.open_archive(samples_archive) as archive:
        assert archive.did_you_mean("fnfrf", 0) is not None  # «атака» in the wrong layout
        assert archive.did_you_mean("атака", FEW) is None    # found enough
        assert archive.did_you_mean("атака", 1) is None      # found some, no Latin word
