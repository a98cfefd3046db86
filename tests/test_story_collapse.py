"""A search that shows each reprint group once asks the Whoosh engine for the best
``limit`` *stories* (``SearchRequest.story``): one search, not more and more hits
until ``limit`` distinct stories are among them. What it shows must be what the
story-blind list gives, each story at its first copy in that list: the same
articles, scores and order, for every kind of query, sort and date range.

The archive is written for this test: 40 stories of made-up words, each printed 2-6
times on the same day with different headlines, leads and tails (so that its
copies score differently and its best copy is not always its first), indexed in
two runs (two segments)."""
from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pytest

from newsgrep.archive import open_archive

from .test_reprint_groups import _stories, article

STORIES = 40


@pytest.fixture(scope="module")
def archive_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("stories")
    first, later = root / "first", root / "later"
    first.mkdir()
    later.mkdir()
    rng = random.Random(3)
    texts = _stories(STORIES, seed=11)
    for i, text in enumerate(texts):
        day = f"20{20 + i % 4}-0{i % 9 + 1}-1{i % 10}"
        for c in range(rng.randint(2, 6)):
            head = " ".join(text.split()[c:c + 3])  # a headline of the story's own words
            lead = "Как сообщает агентство. " * rng.randint(0, 2)
            tail = "\nЧитайте также: другие новости" * rng.randint(0, 3)
            folder = first if c < 2 else later
            (folder / f"s{i:02}_{c}.txt").write_text(
                article(f"{head} {c}", f"{day} {8 + c:02}:00", f"Сайт {c}", lead + text + tail),
                encoding="utf-8")
    ix = root / "ix"
    with open_archive(ix, create=True) as a:
        a.index([str(first)])
    with open_archive(ix) as a:
        a.index([str(later)])
    return ix


def _queries(texts: list[str]) -> list[str]:
    """Words of several stories, pairs of them, a phrase, a prefix, a negation."""
    from collections import Counter

    seen = Counter(w for t in texts for w in set(t.replace(".", "").split()))
    common = sorted(w for w, n in seen.items() if n >= 4)
    rng = random.Random(5)
    words = rng.sample(common, 12)
    first = texts[0].replace(".", "").split()
    return (words + [f"{a} {b}" for a, b in zip(words, words[1:])]
            + [f"{a} OR {b}" for a, b in zip(words[::2], words[1::2])]
            + [f'"{first[0]} {first[1]}"', words[0][:2] + "*", f"{words[0]} NOT {words[1]}",
               f"title:{words[2]}"]
            # phrases in headlines (the first words) and in bodies only
            + [f'"{" ".join(t.replace(".", "").split()[k:k + 2])}"' for t, k in
               zip(texts[1:7], (0, 1, 4, 0, 2, 6))])


def test_the_best_stories_are_the_story_blind_lists_first_copies(archive_dir):
    texts = _stories(STORIES, seed=11)
    with open_archive(archive_dir) as a:
        groups = a.reprint_groups()
        assert len(groups) >= STORIES - 2  # (the copies are grouped)
        real = a.engine.search
        calls: list[object] = []

        def counted(request):
            calls.append(request)
            return real(request)
        checked = 0
        for q in _queries(texts):
            for options in ({}, {"sort": "newest"}, {"sort": "oldest"},
                            {"since": "2021-01-01", "until": "2022-12-31"}):
                for limit in (1, 3, 10):
                    a.engine.search = counted
                    calls.clear()
                    got = a.search(q, limit=limit, dups="group", **options)
                    searches = len(calls)
                    a.engine.search = lambda r: real(dataclasses.replace(r, story=None))
                    want = a.search(q, limit=limit, dups="group", **options)
                    assert [(h.id, h.score, h.partial) for h in got.hits] == \
                        [(h.id, h.score, h.partial) for h in want.hits], (q, options, limit)
                    stories = {groups.story(h.id) for h in got.hits}
                    assert len(stories) == len(got.hits)
                    if len(got.hits) == limit and not any(h.partial for h in got.hits):
                        assert searches == 1, (q, options, limit)  # no search for more
                    checked += len(got.hits) > 1
        assert checked > 100  # (the queries find several stories)


def test_copies_take_no_places_in_the_engines_answer(archive_dir):
    """Asked for 5 stories, the engine returns 5 articles of 5 stories; asked
    story-blind, some of its 5 are copies of one story (the test's premise)."""
    from newsgrep.archive import DateFilter
    from newsgrep.engine.base import SearchRequest

    texts = _stories(STORIES, seed=11)
    with open_archive(archive_dir) as a:
        groups = a.reprint_groups()
        blind_repeats = 0
        for q in _queries(texts)[:12]:
            spec = DateFilter(None, None, None).spec(q)
            by_story = a.engine.search(SearchRequest(spec, limit=5, story=groups.story)).hits
            blind = a.engine.search(SearchRequest(spec, limit=5)).hits
            stories = [groups.story(h.article.id) for h in by_story]
            assert len(set(stories)) == len(stories) == min(5, a.count(q, unique=True))
            blind_repeats += len(blind) > len({groups.story(h.article.id) for h in blind})
        assert blind_repeats >= 6


def test_a_story_s_better_copy_does_not_raise_the_bar_above_the_worst_kept():
    """When a better copy of a kept story replaces it, the bar a limited search prunes
    by is the worst score kept, not that of the others only: a document between the
    two still gets in (a phrase's matcher skips whatever is not above the bar)."""
    from whoosh import fields
    from whoosh.collectors import TopCollector
    from whoosh.filedb.filestore import RamStorage

    from newsgrep.engine.whoosh.query import AltPhrase
    from newsgrep.engine.whoosh.stories import story_collector

    filler = " ".join(f"x{i}" for i in range(30))
    docs = [("x1", f"wa wb {filler}"),          # story X, low
            ("y", "wa wb wa wb wa wb"),         # story Y, the best
            ("x2", f"wa wb wa wb {filler[:40]}"),  # story X again, better than its first
            ("z", f"wa wb wa wb {filler[:20]}")]   # story Z, between X's copy and Y
    ix = RamStorage().create_index(fields.Schema(id=fields.ID(stored=True), body=fields.TEXT))
    with ix.writer() as w:
        for i, body in docs:
            w.add_document(id=i, body=body)
    q = AltPhrase("body", ["wa", "wb"])
    with ix.searcher() as s:
        full = [(r.score, r["id"]) for r in s.search(q, limit=None)]
        scores = dict((i, sc) for sc, i in full)
        assert scores["x1"] < scores["x2"] < scores["z"] < scores["y"]  # (the case above)
        collector = story_collector(TopCollector(limit=2), lambda i: i[0])
        s.search_with_collector(q, collector)
        got = [r["id"] for r in collector.results()]
    assert got == ["y", "z"]


@pytest.mark.parametrize("limit", [1, 3, 10])
def test_similar_s_best_stories_are_the_story_blind_lists_first_copies(archive_dir, limit):
    """The key terms' best stories (moreterms.best_for_terms with a story, whose bar is
    the ``limit``-th story's score) are the first copies of the stories in Whoosh's
    story-blind list of every match, with its scores, for every article."""
    from whoosh import query as Q

    from newsgrep.engine.whoosh.moreterms import best_for_terms
    from newsgrep.engine.whoosh.stories import global_story

    with open_archive(archive_dir) as a:
        e, groups = a.engine, a.reprint_groups()
        s = e.searcher
        story = global_story(s, groups.story)
        compared = full = 0
        for d in range(e.reader.doc_count_all()):
            st = s.stored_fields(d)
            keys = e.key_terms(f"{st['title']}\n{st['body']}", 12)
            top = max(t.weight for t in keys)
            q = Q.Or([Q.Term(f, t.term, boost=(2.0 if f == "title" else 1.0) * t.weight / top)
                      for t in keys for f in ("title", "body")])
            mask = Q.Or([Q.Term("id", st["id"])])
            firsts: dict[object, tuple[float, int]] = {}
            for h in s.search(q, limit=None, mask=mask):
                firsts.setdefault(story(h.docnum), (h.score, h.docnum))
            want = list(firsts.values())[:limit]
            assert best_for_terms(s, q, limit, mask=mask, story=story) == want, (d, limit)
            compared += bool(want)
            full += len(want) == limit
        assert compared > 100 and full > 5


def test_key_terms_are_whooshs_with_fewer_look_ups(archive_dir, monkeypatch):
    """An article's key terms (moreterms.key_terms) are Whoosh's key_terms_from_text,
    terms and weights in the same order, for every article and several counts, in an
    archive of two segments; words that cannot be among them are not looked up in
    every segment."""
    from whoosh.reading import MultiReader

    from newsgrep.engine.whoosh.moreterms import key_terms

    looked = [0]
    frequency = MultiReader.frequency

    def counted(self, *args):
        looked[0] += 1
        return frequency(self, *args)
    with open_archive(archive_dir) as a:
        s = a.engine.searcher
        assert len(s.reader().leaf_readers()) == 2
        monkeypatch.setattr(MultiReader, "frequency", counted)
        compared = words = 0
        for d in range(s.reader().doc_count_all()):
            st = s.stored_fields(d)
            text = f"{st['title']}\n{st['body']}"
            for number in (1, 5, 12, 40):
                looked[0] = 0
                ours = key_terms(s, "body", text, number)
                mine = looked[0]
                assert ours == s.key_terms_from_text("body", text, numterms=number), (d, number)
                if number == 5:
                    words += looked[0] - mine  # (Whoosh's own: every word)
                    compared += mine
        assert 0 < compared < words
        assert key_terms(s, "body", "", 5) == s.key_terms_from_text("body", "", numterms=5) == []


def test_key_terms_bound_a_very_common_word_from_above():
    """A word more frequent than one a document scores higher the more frequent it
    is (Bo1): one that is rare in the largest segment and everywhere in another is
    still among the key terms, as Whoosh finds it."""
    from whoosh import fields
    from whoosh.filedb.filestore import RamStorage

    from newsgrep.engine.whoosh.moreterms import key_terms

    ix = RamStorage().create_index(fields.Schema(body=fields.TEXT))
    w = ix.writer()
    for i in range(30):  # the largest segment: every word about once a document
        w.add_document(body=f"alpha beta gamma{i} delta{i % 3} omega")
    w.commit()
    w = ix.writer()
    for _ in range(10):  # a small one, where omega is everywhere
        w.add_document(body="omega " * 400 + "beta")
    w.commit(merge=False)
    with ix.searcher() as s:
        assert len(s.reader().leaf_readers()) == 2
        text = "alpha beta delta1 omega gamma7"
        for number in range(1, 6):
            want = s.key_terms_from_text("body", text, numterms=number)
            assert key_terms(s, "body", text, number) == want, number
        assert "omega" in dict(s.key_terms_from_text("body", text, numterms=2))
