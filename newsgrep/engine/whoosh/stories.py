"""One hit per story in a limited search: the best ``limit`` stories, not ``limit`` copies.

A search that shows each reprint group once (``SearchRequest.story``) used to ask
for more and more hits until ``limit`` distinct stories were among them (10, 40,
160, ...): where every story has many copies, five searches, each reading the
stored fields of every hit. Here the search collects stories directly: a
document enters the best ``limit`` only if its story is not there with a copy
as good, so one search with the same pruning (the ``limit``-th best story's
score is the bar) gives what the first hits of the story-blind list are, each
story at its best copy (equal scores: the smaller document number, as Whoosh
orders them). A document's story is looked up only when its score would get
it in: its id from the id column, then ``story(id)``.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable
from typing import Any

__all__ = ["segment_story", "global_story", "story_collector"]

Story = Callable[[str], Hashable]


def segment_story(reader: Any, story: Story) -> Callable[[int], Hashable]:
    """The story of a segment's document number: its id from the id column (or, in a
    segment written without one, its stored fields), then ``story``."""
    if reader.has_column("id"):
        column = reader.column_reader("id", translate=False)
        return lambda d: story(column[d].decode())
    stored = reader.stored_fields
    return lambda d: story(stored(d)["id"])


def global_story(searcher: Any, story: Story) -> Callable[[int], Hashable]:
    """The story of a document number of the whole (multi-segment) searcher."""
    leaves = searcher.leaf_searchers()
    offsets = [offset for _, offset in leaves]
    per: dict[int, Callable[[int], Hashable]] = {}

    def of(d: int) -> Hashable:
        i = bisect_right(offsets, d) - 1
        f = per.get(i)
        if f is None:
            f = per[i] = segment_story(leaves[i][0].reader(), story)
        return f(d - offsets[i])
    return of


def story_collector(child: Any, story: Story, allow: Any = None, restrict: Any = None) -> Any:
    """A collector keeping the best ``child.limit`` stories (``child`` a Whoosh
    ``TopCollector``), with ``allow`` and ``restrict`` (sets of global document
    numbers, or queries) applied as Whoosh's ``FilterCollector`` applies them (that
    one cannot wrap a collapsing collector: it bypasses it)."""
    from whoosh.collectors import WrappingCollector

    class Collector(WrappingCollector):  # type: ignore[misc]
        def prepare(self, top_searcher: Any, q: Any, context: Any) -> None:
            super().prepare(top_searcher, q, context)
            comb = top_searcher._filter_to_comb
            self._allow = comb(allow) if allow is not None else None
            self._restrict = comb(restrict) if restrict is not None else None
            self._best: dict[Hashable, tuple[float, int]] = {}

        def set_subsearcher(self, subsearcher: Any, offset: int) -> None:
            super().set_subsearcher(subsearcher, offset)
            self._story = segment_story(subsearcher.reader(), story)

        def collect_matches(self) -> None:
            top, offset, best = self.child, self.child.offset, self._best
            allowed, banned = self._allow, self._restrict
            items, limit, story_of = top.items, top.limit, self._story
            for d in top.matches():
                g = offset + d
                if (allowed is not None and g not in allowed) or \
                        (banned is not None and g in banned):
                    continue
                score = top.matcher.score()
                if len(items) >= limit and score <= items[0][0]:
                    continue  # not in the best `limit` (ties: the smaller number stays)
                s = story_of(d)
                had = best.get(s)
                if had is not None:
                    if score <= had[0]:
                        continue  # the story has a copy as good, found first
                    top.remove(had[1])
                best[s] = (score, g)
                top.collect(d)
                if had is not None:
                    # (Whoosh's remove() set the bar from the heap less one item: too high)
                    top.minscore = items[0][0] if len(items) >= limit else 0

    return Collector(child)
