"""A phrase in title or body, for a limited search: the body's postings pruned by the
whole bar, not the bar less the title's best score.

Each phrase of a query is searched in both fields, ``title:"…"^boost OR body:"…"``.
Whoosh's union prunes each side by what the other could add to it: the body side
may skip only documents whose body score is at most the bar *less the title
side's highest score*. A boosted headline scores higher than any body, so that
bar is below zero and nothing is skipped: «"заявил в"» (two words in most
articles) read the positions of 565k documents at 1.1M articles, 5 s.

But few documents have the phrase in their headline. Here the union walks the
title side, and adds to each of its documents the body's score at that document,
read by a separate probe of the body's postings; those documents are complete.
Every other document has only its body score, so the body side may skip whatever
is not above the whole bar. The title side may still skip a document whose title
score is not above the bar less the body's highest score (what Whoosh's union
passes it). The scores are Whoosh's: the same sums, for the same documents.
"""
from __future__ import annotations

from typing import Any

from whoosh import query
from whoosh.matching import Matcher, NullMatcher

from .blockphrase import BlockPhraseMatcher
from .query import AltPhrase

__all__ = ["title_first"]

_HEADLINE = "title"


def title_first(q: Any) -> Any:
    """``q`` with each OR of a phrase in title and the same phrase in body made a
    :class:`TitleFirstOr` (the rest unchanged)."""
    if type(q) is query.Or and len(q.subqueries) == 2 and q.boost == 1.0 and all(
            type(s) is AltPhrase for s in q.subqueries):
        a, b = q.subqueries
        if a.fieldname != _HEADLINE:
            a, b = b, a
        if a.fieldname == _HEADLINE and b.fieldname != _HEADLINE:
            return TitleFirstOr([a, b])
    if isinstance(q, query.CompoundQuery) and not isinstance(q, TitleFirstOr):
        return q.apply(title_first)
    if type(q) in (query.AndNot, query.AndMaybe, query.Require):
        return q.apply(title_first)
    return q


class TitleFirstOr(query.Or):
    """``Or([title phrase, body phrase])`` whose matcher is a :class:`TitleFirstMatcher`."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        title, body = self.subqueries
        a, b = title.matcher(searcher, context), body.matcher(searcher, context)
        if not a.is_active():
            return b
        if not b.is_active():
            return a
        return TitleFirstMatcher(a, b, body.matcher(searcher, context))


class TitleFirstMatcher(Matcher):  # type: ignore[misc]
    """The union of ``a`` (the title side: few documents) and ``b`` (the body side),
    with ``probe``, a matcher of the body side of its own, giving the body's score at
    each of ``a``'s documents. See the module's note."""

    def __init__(self, a: Any, b: Any, probe: Any, b_max: float | None = None):
        self.a, self.b, self.probe = a, b, probe
        # (b itself may be replaced by an inactive one)
        self.b_max = b.max_quality() if b_max is None else b_max
        self._probed: tuple[int, float] = (-1, 0.0)

    def children(self) -> list[Any]:
        return [self.a, self.b]

    def is_active(self) -> bool:
        return self.a.is_active() or self.b.is_active()

    def id(self) -> int:
        a, b = self.a, self.b
        if not a.is_active():
            return b.id()
        if not b.is_active():
            return a.id()
        return min(a.id(), b.id())

    def _body_at(self, d: int) -> float:
        """The body's score at document ``d`` (0 without the phrase there); ``d`` only grows."""
        if self._probed[0] != d:
            p = self.probe
            if isinstance(p, BlockPhraseMatcher):  # (no walk past d to the next match)
                self._probed = (d, p.score_at(d))
                return self._probed[1]
            if p.is_active() and p.id() < d:
                p.skip_to(d)
            self._probed = (d, p.score() if p.is_active() and p.id() == d else 0.0)
        return self._probed[1]

    def score(self) -> float:
        a, b = self.a, self.b
        d = self.id()
        if a.is_active() and a.id() == d:
            return a.score() + self._body_at(d)
        # (not a title document, or one the title side skipped: it cannot get in then)
        return b.score()

    def weight(self) -> float:
        return self.score()

    def next(self) -> bool:
        d = self.id()
        a, b = self.a, self.b
        moved = False
        if a.is_active() and a.id() == d:
            a.next()
        if b.is_active() and b.id() == d:
            moved = bool(b.next())
        return moved

    def skip_to(self, id: int) -> None:
        for m in (self.a, self.b):
            if m.is_active() and m.id() < id:
                m.skip_to(id)

    def supports_block_quality(self) -> bool:
        return bool(self.a.supports_block_quality() and self.b.supports_block_quality())

    def max_quality(self) -> float:
        a, b = self.a, self.b
        return max(a.max_quality() + self.b_max if a.is_active() else 0.0,
                   b.max_quality() if b.is_active() else 0.0)

    def block_quality(self) -> float:
        a, b = self.a, self.b
        return max(a.block_quality() + self.b_max if a.is_active() else 0.0,
                   b.block_quality() if b.is_active() else 0.0)

    def replace(self, minquality: float = 0) -> Any:
        if not self.is_active():
            return NullMatcher()
        if not minquality:
            return self
        # (a title document has its body's score too; any other, only that)
        a = self.a.replace(minquality - self.b_max) if self.a.is_active() else self.a
        b = self.b.replace(minquality) if self.b.is_active() else self.b
        if not (a.is_active() or b.is_active()):
            return NullMatcher()
        if a is self.a and b is self.b:
            return self
        # (a new matcher, not this one changed: a side replaced by an inactive one moves
        # the union, and a parent aligns its parts only on a new part)
        m = TitleFirstMatcher(a, b, self.probe, self.b_max)
        m._probed = self._probed
        return m

    def skip_to_quality(self, minquality: float) -> int:
        skipped = 0
        if self.a.is_active():
            skipped += self.a.skip_to_quality(minquality - self.b_max)
        if self.b.is_active():
            skipped += self.b.skip_to_quality(minquality)
        return skipped
