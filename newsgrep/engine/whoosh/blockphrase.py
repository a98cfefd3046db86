"""A phrase of adjacent words scored a block of postings at a time, for a limited search.

A phrase's score is its words' BM25 scores added up (Whoosh's intersection of
them), whatever their positions. Whoosh walks the intersection one document at
a time through a tree of matchers, about twenty Python calls a document, and
its block bounds do not help a phrase of common words: `в`'s bound is its
highest score in every one of its blocks. «"заявил в"» at 1.1M articles scored
600k documents that way, 3.7 s.

Here the rarest word drives (its postings read a block at a time, the block's
scores computed in one pass): a document is looked at only if its driver's
score plus the other words' highest scores can beat the bar the collector
passes down (``replace``), so for «"заявил в"» only the articles where «заявил»
scores high. Only those move the other words' postings (a skip to the
document, which also skips the driver's documents before their next one) and
read positions. The scores are Whoosh's to the last bit: each word's scorer,
added up along Whoosh's tree (``make_binary_tree``), times the boost.
"""
from __future__ import annotations

from bisect import bisect_left
from typing import Any

from whoosh.matching import Matcher, NullMatcher

__all__ = ["block_phrase"]

_SLOP = 1e-9  # (a bound added up in another order may differ in the last bits)


def block_phrase(ms: list[Any], boost: float) -> BlockPhraseMatcher | None:
    """The matcher of the adjacent words whose postings are ``ms`` (phrase order), or None
    when they are not plain postings of Whoosh's format scored by BM25F."""
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.matching import FilterMatcher
    from whoosh.scoring import BM25FScorer

    leaves, deleted = [], None
    for m in ms:
        if type(m) is FilterMatcher:
            if not m._exclude or (deleted is not None and m._ids is not deleted):
                return None
            deleted, m = m._ids, m.child
        if type(m) is not W3LeafMatcher or type(m.scorer) is not BM25FScorer:
            return None
        leaves.append(m)
    if len(leaves) < 2 or not all(m.is_active() for m in leaves):
        return None
    return BlockPhraseMatcher(leaves, deleted, boost)


def _tree_sum(xs: list[float]) -> float:
    """``xs`` added up as Whoosh's ``make_binary_tree`` of intersections adds them."""
    if len(xs) == 1:
        return xs[0]
    half = len(xs) // 2
    return _tree_sum(xs[:half]) + _tree_sum(xs[half:])


class BlockPhraseMatcher(Matcher):  # type: ignore[misc]
    def __init__(self, leaves: list[Any], deleted: Any, boost: float):
        self.leaves, self.deleted, self.boost = leaves, deleted, boost
        self.k = max(range(len(leaves)), key=lambda i: leaves[i].scorer.idf)  # the rarest
        tops = [m.scorer.max_quality() for m in leaves]
        self.rest = sum(t for i, t in enumerate(tops) if i != self.k)
        self._max = _tree_sum(tops) * boost
        self._bar = 0.0       # (boosted) a document must score above it: from replace()
        self._block: tuple[int, float | None, Any, list[int], list[float]] | None = None
        self._id: int | None = None
        self._score = 0.0
        self._find()

    def __repr__(self) -> str:
        return f"BlockPhraseMatcher({self.leaves!r}, boost={self.boost})"

    # --- the walk ------------------------------------------------------------------

    def _candidates(self, need: float | None) -> tuple[Any, list[int], list[float]]:
        """The driver's current block: its ids, and the places and driver's scores of the
        postings that may score above ``need`` (all of them when None). A posting's score
        grows with its weight and falls with its length, so one whose score at the block's
        shortest length is not above ``need`` is left out before its length is read."""
        a = self.leaves[self.k]
        block = self._block
        if block is None or block[0] != a._dataoffset or (
                block[1] is not None and (need is None or need < block[1])):
            if a._ids is None:
                a._read_ids()
            if a._weights is None:
                a._read_weights()
            ids, weights = a._ids, a._weights
            score, dfl = a.scorer._score, a.scorer.dfl
            if need is None:
                places = list(range(len(ids)))
            else:
                shortest = a.block_min_length()
                ok: dict[float, bool] = {}  # weight -> whether it can beat the bar
                places = []
                for i, w in enumerate(weights):
                    good = ok.get(w)
                    if good is None:
                        good = ok[w] = score(w, shortest) > need
                    if good:
                        places.append(i)
            block = self._block = (a._dataoffset, need, ids, places,
                                   [score(weights[i], dfl(ids[i])) for i in places])
        return block[2], block[3], block[4]

    def _find(self) -> None:
        """From the driver's current posting on, to the first document of the phrase that
        scores above the bar (inactive when there is none)."""
        leaves, k, boost, deleted = self.leaves, self.k, self.boost, self.deleted
        a = leaves[k]
        # (the driver's score a document needs to beat the bar, the others at their best)
        need = (self._bar / boost - self.rest) / (1 + _SLOP) if self._bar else None
        while a.is_active():
            if need is not None and a.block_quality() <= need:
                a._next_block()  # (no document of this block can get in)
                continue
            ids, places, scores = self._candidates(need)
            c, n = bisect_left(places, a._i), len(places)
            while c < n:
                if need is not None and scores[c] <= need:
                    c += 1
                    continue
                i = places[c]
                d = ids[i]
                if deleted is not None and d in deleted:
                    c += 1
                    continue
                parts = []
                for j, m in enumerate(leaves):
                    if j == k:
                        parts.append(scores[c])
                        continue
                    if m.id() < d:
                        m.skip_to(d)
                        if not m.is_active():  # no later document has this word
                            self._id = None
                            return
                    if m.id() != d:
                        break
                    parts.append(m.scorer._score(m.weight(), m.scorer.dfl(d)))
                else:
                    score = (parts[0] + parts[1] if len(parts) == 2  # (the usual phrase)
                             else _tree_sum(parts)) * boost
                    if (not self._bar or score > self._bar) and self._adjacent(i):
                        a._i = i
                        self._id, self._score = d, score
                        return
                    c += 1
                    continue
                # (none before the other word's next document has it)
                c = bisect_left(places, bisect_left(ids, m.id(), i + 1), c + 1)
            a._i = len(ids) - 1
            a.next()  # (to the next block)
        self._id = None

    def score_at(self, d: int) -> float:
        """The phrase's score at document ``d`` (0 when it is not there), for a probe: the
        words' postings move to ``d`` and no further, whatever the bar. ``d`` only grows;
        the matcher is then for such probes only."""
        leaves, k = self.leaves, self.k
        if self.deleted is not None and d in self.deleted:
            return 0.0
        parts = []
        for m in leaves:
            if m.is_active() and m.id() < d:
                m.skip_to(d)
            if not m.is_active() or m.id() != d:
                return 0.0
            parts.append(m.scorer._score(m.weight(), m.scorer.dfl(d)))
        self._id = None  # (its walk is over)
        return _tree_sum(parts) * self.boost if self._adjacent(leaves[k]._i) else 0.0

    def _adjacent(self, i: int) -> bool:
        """Whether the words follow each other somewhere in the document at the driver's
        ``i``-th posting (the others are on it)."""
        leaves = self.leaves
        a = leaves[self.k]
        a._i = i
        starts = [p - self.k for p in a.value_as("positions")]
        for j, m in enumerate(leaves):
            if j != self.k:
                here = set(m.value_as("positions"))
                starts = [p for p in starts if p + j in here]
                if not starts:
                    return False
        return True

    # --- Whoosh's matcher protocol ---------------------------------------------------

    def is_active(self) -> bool:
        return self._id is not None

    def id(self) -> int:
        assert self._id is not None
        return self._id

    def score(self) -> float:
        return self._score

    def weight(self) -> float:
        return self._score

    def supports_block_quality(self) -> bool:
        return True

    def max_quality(self) -> float:
        return self._max

    def block_quality(self) -> float:
        a = self.leaves[self.k]
        return (a.block_quality() + self.rest) * (1 + _SLOP) * self.boost if a.is_active() else 0.0

    def next(self) -> bool:
        if self._id is None:
            from whoosh.matching import ReadTooFar
            raise ReadTooFar
        self.leaves[self.k].next()
        self._find()
        return False

    def skip_to(self, id: int) -> None:
        if self._id is not None and id > self._id:
            self.leaves[self.k].skip_to(id)
            self._find()

    def replace(self, minquality: float = 0) -> Any:
        if self._id is None or (minquality and self._max <= minquality):
            return NullMatcher()
        # (only remembered: a replacement must stay where it is, its parent relies on it)
        self._bar = max(self._bar, minquality)
        return self

    def skip_to_quality(self, minquality: float) -> int:
        """Skip the driver's blocks whose documents cannot score above ``minquality`` (this
        once: a parent's bar for this part may drop again as its other parts move on)."""
        a = self.leaves[self.k]
        skipped = 0
        while a.is_active() and self.block_quality() <= minquality:
            a._next_block()
            skipped += 1
        if skipped:
            self._find()
        return skipped
