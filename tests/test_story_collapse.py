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
               f"title:{words[2]}"])


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
