"""The best articles for a few weighted terms (``similar``), without walking every posting;
the key terms of a text, without looking every word up in every segment.

``similar`` searches an article's key terms, an OR of a dozen terms in title and
body. Whoosh's own search walks the postings of every one of them through a
tree of Python matchers (a few µs a posting): a key term as common as «путин»
(18k articles at 110k) makes that about a second, ten at a million articles.

Here the same BM25F scores (Whoosh's scorer for each term and segment, the
term's boost applied as Whoosh's wrapping matcher applies it) are summed the
MaxScore way: terms are read in order of their highest possible score; once
the highest score a document could still get from the terms left is below the
k-th best score so far, no document not yet seen can get into the best k, and
the remaining (common, low-scoring) terms are read only in the posting blocks
that hold a document already seen (a block's largest id is in its header: the
others are skipped without being decompressed). The result is the same top k
as Whoosh's (same scores, ties by document number; tests compare them).
"""
from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any

from .docsets import query_docs, query_filter

__all__ = ["best_for_terms", "key_terms"]

_SLOP = 1e-9  # (sums of bounds and of scores may differ in the last bits)


def key_terms(searcher: Any, fieldname: str, text: str, number: int
              ) -> list[tuple[str, float]]:
    """Whoosh's ``key_terms_from_text`` (the Bo1 model, weights normalised): the same
    terms and weights, with fewer look-ups in an archive of several segments.

    Whoosh looks each distinct word of ``text`` up in every segment for its
    frequency in the archive (at a million articles, 450 words in 26 segments).
    A word's score falls as its frequency grows up to a point and then rises
    (very common words), so its frequency in the largest segment alone (a lower
    bound) and the field's length (an upper bound) bound its score. Here words
    are looked up everywhere in order of that bound, until the ``number``-th best
    score found is above the bound of the words left: they cannot be among the best.
    """
    from whoosh.classify import Expander

    reader = searcher.reader()
    expander = Expander(reader, fieldname)
    expander.add_text(text)
    leaves = [r for r, _ in reader.leaf_readers()]
    if len(leaves) < 2 or not expander.topN_weight:
        return list(expander.expanded_terms(number))
    model, total = expander.model, expander.top_total
    field = reader.schema[fieldname]
    largest = max(leaves, key=lambda r: r.doc_count_all())
    most = reader.field_length(fieldname)  # (no word is more frequent than the field is long)
    bounded = []
    for word, weight in expander.topN_weight.items():
        btext = field.to_bytes(word)
        low = largest.frequency(fieldname, btext)
        bound = max(model.score(weight, low, total) if low else float("inf"),
                    model.score(weight, most, total) if most else float("inf"))
        bounded.append((bound, word, btext, weight))
    bounded.sort(key=lambda b: -b[0])
    scored: list[tuple[float, str]] = []  # (score, word) as Whoosh lists them
    best: list[float] = []  # a heap of the `number` best scores
    for bound, word, btext, weight in bounded:
        if len(best) >= number and best[0] > bound:
            break  # (this word and the rest score below the number-th best)
        cf = reader.frequency(fieldname, btext)
        if not cf:
            continue  # (not in the archive: Whoosh's `in` leaves it out)
        score = model.score(weight, cf, total)
        scored.append((score, word))
        if len(best) < number:
            heapq.heappush(best, score)
        elif score > best[0]:
            heapq.heapreplace(best, score)
    if not scored:
        return []
    norm = model.normalizer(max(score for score, _ in scored), total)
    ranked = sorted(((score / norm, word) for score, word in scored),
                    key=lambda x: (0 - x[0], x[1]))
    return [(word, weight) for weight, word in ranked[:number]]


def best_for_terms(searcher: Any, q: Any, limit: int | None, *, mask: Any = None,
                   filter: Any = None, story: Callable[[int], Hashable] | None = None
                   ) -> list[tuple[float, int]] | None:
    """``(score, docnum)`` of the best ``limit`` live documents for ``q``, an OR of
    terms, best first (equal scores: smaller docnum first, as Whoosh keeps them),
    without those ``mask`` matches and only those ``filter`` matches (queries, or
    None). With ``story`` (a docnum's story, see ``stories``): of the best ``limit``
    stories, each at its best document. None when it cannot score as the searcher
    would (not BM25F, not an OR of terms, no limit): search with Whoosh then."""
    from whoosh import query as Q
    from whoosh.scoring import BM25F, BM25FScorer

    if not limit or not isinstance(searcher.weighting, BM25F) or type(q) is not Q.Or \
            or any(type(c) is not Q.Term for c in q.children()):
        return None
    clauses = [(c.fieldname, c.text, c.boost) for c in q.children()]
    segments: list[_Segment] = []
    bounds = [0.0] * len(clauses)  # each clause's highest score in any segment
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if not reader.doc_count_all():
            continue
        seg = _Segment(sub, offset, reader, mask, filter)
        for i, (fieldname, text, boost) in enumerate(clauses):
            if fieldname not in sub.schema:
                continue
            btext = sub.schema[fieldname].to_bytes(text)
            if (fieldname, btext) not in reader:
                continue
            scorer = sub.weighting.scorer(sub, fieldname, btext)
            if type(scorer) is not BM25FScorer:
                return None
            seg.terms[i] = (fieldname, btext, scorer, boost)
            bounds[i] = max(bounds[i], scorer.max_quality() * boost)
        segments.append(seg)
    if story is not None:
        story = _remembering(story)
    order = sorted(range(len(clauses)), key=lambda i: (-bounds[i], i))
    scored: list[dict[int, float]] = [{} for _ in clauses]  # clause -> global docnum -> score
    partial: dict[int, float] = {}           # global docnum -> the sum so far (a lower bound)
    rest = sum(bounds)
    cands: set[int] | None = None            # once set: the only documents that can get in
    theta: float | None = None
    for i in order:
        having = [seg for seg in segments if i in seg.terms]
        if not having:
            continue  # (a term of no segment: nothing to add)
        if cands is not None:
            # Only candidates can be above the last bar (the others are below it even with
            # every term left), and sums only grow: the best stories among the candidates
            # are the best of all, or the bar stays.
            now = _threshold(partial, limit, story, cands)
            theta = theta if now is None or theta is None else max(theta, now)
        elif partial and rest * (1 + _SLOP) < max(partial.values()):
            # (before the candidates are set, the bar only matters once it can beat `rest`,
            # and it is at most the best sum so far: no need to find it before then)
            theta = _threshold(partial, limit, story)
        if cands is None and theta is not None and rest * (1 + _SLOP) < theta:
            # no document not seen yet can get in
            cands = set(partial)
        if cands is not None and theta is not None:
            cands = {d for d in cands if (partial[d] + rest) * (1 + _SLOP) >= theta}
        ordered = None if cands is None else sorted(cands)
        for seg in having:
            seg.add(i, scored[i], partial, ordered)
        rest -= bounds[i]
    best: list[tuple[float, int]] = []  # a heap of (score, -docnum): its first is the worst
    held: dict[Hashable, tuple[float, int]] = {}  # story -> its best item so far
    by_segment = iter(segments)
    at: _Segment | None = next(by_segment, None)
    for d in sorted(partial if cands is None else cands):  # (Whoosh's order: the first stays)
        if len(best) >= limit and partial[d] * (1 + _SLOP) < best[0][0]:
            continue  # (cannot get in: not added up Whoosh's way)
        while at is not None and d >= at.offset + at.count:
            at = next(by_segment, None)
        assert at is not None
        item = (at.total(q, clauses, {i: sc[d] for i, sc in enumerate(scored) if d in sc}), -d)
        if len(best) >= limit and item <= best[0]:
            continue
        if story is not None:
            s = story(d)
            had = held.get(s)
            if had is not None:
                if item <= had:
                    continue  # the story has a copy as good, found first
                if had in best:
                    best.remove(had)
                    heapq.heapify(best)
            held[s] = item
        if len(best) < limit:
            heapq.heappush(best, item)
        else:
            heapq.heapreplace(best, item)
    return [(score, -neg) for score, neg in sorted(best, reverse=True)]


def _remembering(story: Callable[[int], Hashable]) -> Callable[[int], Hashable]:
    known: dict[int, Hashable] = {}

    def of(d: int) -> Hashable:
        s = known.get(d)
        if s is None:
            s = known[d] = story(d)
        return s
    return of


class _Segment:
    """One segment's part: its live, allowed documents and its terms' scorers."""

    def __init__(self, sub: Any, offset: int, reader: Any, mask: Any, filter: Any):
        self.sub, self.offset, self.reader = sub, offset, reader
        self.count = reader.doc_count_all()
        self.banned = set(reader.deleted_docs_set) if reader.has_deletions() else set()
        if mask is not None:
            self.banned |= query_docs(mask, sub, reader)
        self.allowed = query_filter(filter, sub, reader) if filter is not None else None
        self.terms: dict[int, tuple[str, bytes, Any, float]] = {}
        self._total: Any = None

    def add(self, i: int, scored: dict[int, float], partial: dict[int, float],
            cands: list[int] | None) -> None:
        """Add clause ``i``'s scores to ``scored`` (its own) and ``partial`` (the sums), of
        ``cands`` only (sorted global numbers) unless None."""
        fieldname, btext, scorer, boost = self.terms[i]
        lo, hi = self.offset, self.offset + self.count
        only = None
        if cands is not None:
            only = [d - lo for d in cands[bisect_left(cands, lo):bisect_left(cands, hi)]]
            if not only:
                return
        score, dfl = scorer._score, scorer.dfl  # (the length column's, see _whoosh.quick_lengths)
        banned, allowed, offset = self.banned, self.allowed, self.offset
        known: dict[tuple[float, int], float] = {}  # (weight, length) -> score
        for d, w in _postings(self.reader, fieldname, btext, only):
            if d in banned or (allowed is not None and d not in allowed):
                continue
            fl = dfl(d)
            s = known.get((w, fl))
            if s is None:
                s = known[(w, fl)] = score(w, fl) * boost if boost != 1.0 else score(w, fl)
            g = offset + d
            scored[g] = s
            partial[g] = partial.get(g, 0.0) + s

    def total(self, q: Any, clauses: list[tuple[str, str, float]],
              scores: dict[int, float]) -> float:
        if self._total is None:
            self._total = _summing(self.sub, q, clauses)
        return float(self._total(scores))


def _summing(sub: Any, q: Any, clauses: list[tuple[str, str, float]]) -> Any:
    """A function adding a document's clause scores up as Whoosh's OR matcher for this
    segment adds them, so that the sums are equal to the last bit (and the order of
    equal scores the same): in clause order for a small segment (Whoosh preloads
    its scores), else along Whoosh's own tree of unions for the segment (built from
    the terms' frequencies in it: ``make_weighted_tree``), read off the matcher."""
    from whoosh.matching import ArrayUnionMatcher, NullMatcherClass, WrappingMatcher
    from whoosh.matching.binary import BiMatcher

    where = {(f, t): i for i, (f, t, _) in enumerate(clauses)}
    m = q.matcher(sub, sub.context(weighting=sub.weighting))  # (as TopCollector gets it)

    def tree(node: Any) -> Any:
        if isinstance(node, BiMatcher):
            return (tree(node.a), tree(node.b))
        if isinstance(node, WrappingMatcher):
            return tree(node.child)
        if isinstance(node, NullMatcherClass):
            return None
        fieldname, btext = node._term  # (a W3LeafMatcher)
        return where[(fieldname, sub.schema[fieldname].from_bytes(btext))]

    if isinstance(m, ArrayUnionMatcher) or len(clauses) == 1:
        n = len(clauses)

        def in_order(parts: dict[int, float]) -> float:
            score = 0.0
            for i in range(n):
                if i in parts:
                    score += parts[i]
            return score
        return in_order
    root = tree(m)

    def add(node: Any, parts: dict[int, float]) -> float:
        if node is None:
            return 0.0
        if isinstance(node, int):
            return parts.get(node, 0.0)
        return add(node[0], parts) + add(node[1], parts)

    return lambda parts: add(root, parts)


def _threshold(partial: dict[int, float], limit: int,
               story: Callable[[int], Hashable] | None = None,
               docs: Iterable[int] | None = None) -> float | None:
    """The ``limit``-th best score known to be reached by ``docs`` (default: all of
    ``partial``), or None (fewer documents). With ``story``: the lowest score at
    which ``limit`` stories have a document, or None (fewer stories); the stories of
    the best documents only are looked up, best first, until there are enough."""
    scores = partial.__getitem__
    if story is None:
        best = heapq.nlargest(limit, map(scores, partial if docs is None else docs))
        return best[-1] if len(best) >= limit else None
    seen: set[Hashable] = set()
    for d in sorted(partial if docs is None else docs, key=scores, reverse=True):
        s = story(d)
        if s not in seen:
            seen.add(s)
            if len(seen) >= limit:
                return scores(d)
    return None


def _postings(reader: Any, fieldname: str, btext: bytes,
              only: list[int] | None) -> Iterator[tuple[int, float]]:
    """``(docnum, weight)`` of a term's postings; with ``only`` (sorted), of those
    documents only, reading only the blocks that may hold them."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    m = reader.postings(fieldname, btext)
    while hasattr(m, "child") and not isinstance(m, W3LeafMatcher):  # (the deletions filter)
        m = m.child
    if not isinstance(m, W3LeafMatcher):
        wanted = set(only) if only is not None else None
        while m.is_active():
            d = m.id()
            if wanted is None or d in wanted:
                yield d, m.weight()
            m.next()
        return
    j = 0
    while m.is_active():
        if only is None:
            m._read_ids()
            m._read_weights()
            yield from zip(m._ids, m._weights)
        elif j >= len(only):
            return
        elif only[j] <= m._maxid:  # (else no wanted document in this block: not even read)
            k = bisect_right(only, m._maxid, j)
            m._read_ids()
            m._read_weights()
            ids, weights = m._ids, m._weights
            for d in only[j:k]:  # (each looked for in the block's sorted ids)
                x = bisect_left(ids, d)
                if x < len(ids) and ids[x] == d:
                    yield d, weights[x]
            j = k
        m._next_block()
