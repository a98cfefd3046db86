"""Counting matching articles per group (-c --by) and per period (the timeline).

Returns data: ``render`` draws the chart. Dates are read from the index's
date column, not from stored fields, so counting costs no article text.
"""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .errors import QueryError
from .schema import NO_AUTHORS, has_authors, open_index
from .searching import _NO_DATE, _Query

__all__ = ["GROUPS", "PERIODS", "Timeline", "group_counts", "timeline", "bucket", "choose_bucket"]
PERIODS = ("year", "month", "week", "day")
GROUPS = ("source", "author", "section", *PERIODS)


def _dates(searcher, docnums: list[int]) -> list[datetime | None]:
    from whoosh.util.times import long_to_datetime

    if not docnums:  # (an index of no segments has no columns to read)
        return []
    column = searcher.reader().column_reader("date", translate=False)
    out = []
    for d in docnums:
        v = column[d]
        out.append(None if v >= _NO_DATE else long_to_datetime(v))
    return out


def bucket(d: datetime, by: str) -> str:
    """The label of the period of ``by`` (year, month, week, day) that holds ``d``."""
    if by == "year":
        return f"{d.year:04d}"
    if by == "month":
        return f"{d.year:04d}-{d.month:02d}"
    if by == "week":
        y, w, _ = d.isocalendar()
        return f"{y:04d}-W{w:02d}"
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def group_counts(directory: Path | str | os.PathLike, query: str, by: str, *,
                 since: str | None = None, until: str | None = None,
                 now: datetime | None = None,
                 source_aliases: Mapping[str, str | Iterable[str]] | None = None,
                 ) -> list[tuple[str | None, int]]:
    """Matching articles per source, author, section, year, month, week or day: ``[(key, n)]``.

    Dates come in time order, the others by count (largest first, ties by
    name); the key None counts articles without a date (or source, author,
    section), in its place by count. An article with two authors counts for
    each. Sources are counted by name as :func:`~newsgrep.articles.sources.source_name`
    gives it (with ``source_aliases`` too), and names that differ only in
    letter case are one group, under its most frequent spelling: so an index
    built before sources were normalised counts them the same way.
    """
    if by not in GROUPS:
        raise QueryError(f"cannot group by {by!r}; use one of: {', '.join(GROUPS)}")
    ix, _meta = open_index(Path(directory))
    if by == "author" and not has_authors(ix.schema):
        raise QueryError(NO_AUTHORS)
    with ix.searcher() as s:
        docnums = _Query(ix, s, query, since, until, now).docnums(s)
        if by in ("source", "author", "section") and docnums:
            column = s.reader().column_reader(by, translate=True)
            counts = Counter((column[d] or None) for d in docnums)
            if by == "source":
                counts = _sources(counts, source_aliases)
            elif by == "author":
                counts = _authors(counts)
            return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, kv[0] or ""))
        counts = Counter(bucket(d, by) if d else None for d in _dates(s, docnums))
    return sorted(counts.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))


def _sources(counts: Counter, aliases) -> Counter:
    """Counts per source value -> per source name, spellings that differ in case merged."""
    from .articles.sources import name_key, source_name, split_source

    named: Counter = Counter()
    for value, n in counts.items():
        name = source_name(split_source(value)[0], aliases) if value else ""
        named[name or None] += n
    groups: dict[str | None, Counter] = {}
    for name, n in named.items():
        groups.setdefault(name_key(name) if name else None, Counter())[name] += n
    # each group under its most frequent spelling; on a tie, one in mixed case
    # («Вечерний Бишкек» before «ВЕЧЕРНИЙ БИШКЕК»), then the first in name order
    def spelling(g: Counter):
        return min(g, key=lambda k: (-g[k], bool(k) and (k.isupper() or k.islower()), k or ""))

    return Counter({spelling(g): sum(g.values()) for g in groups.values()})


def _authors(counts: Counter) -> Counter:
    """Counts per author value («Анна Петрова, Иван Сидоров») -> per author."""
    out: Counter = Counter()
    for value, n in counts.items():
        for name in (value.split(", ") if value else [None]):
            out[name or None] += n
    return out


@dataclass
class Timeline:
    """Matching articles per period, every period of the range present (zeros too)."""

    by: str                           # year, month, week or day
    buckets: list[tuple[str, int]]    # (label, count) in time order
    undated: int = 0                  # matching articles without a date

    @property
    def total(self) -> int:
        return sum(n for _, n in self.buckets)


def choose_bucket(first: datetime, last: datetime) -> str:
    """The period for a timeline from ``first`` to ``last``: from about 6 to 70 bars."""
    days = (last - first).days
    if days <= 45:
        return "day"
    if days <= 180:
        return "week"
    if (last.year - first.year) * 12 + last.month - first.month < 72:
        return "month"
    return "year"


def _periods(first: datetime, last: datetime, by: str) -> list[str]:
    """Every period label from the one holding ``first`` to the one holding ``last``."""
    labels: list[str] = []
    if by == "year":
        return [f"{y:04d}" for y in range(first.year, last.year + 1)]
    if by == "month":
        y, m = first.year, first.month
        while (y, m) <= (last.year, last.month):
            labels.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return labels
    step = timedelta(days=7 if by == "week" else 1)
    d = datetime(first.year, first.month, first.day)
    if by == "week":
        d -= timedelta(days=d.weekday())
    while d <= last:
        labels.append(bucket(d, by))
        d += step
    return labels


def timeline(directory: Path | str | os.PathLike, query: str, by: str | None = None, *,
             since: str | None = None, until: str | None = None,
             now: datetime | None = None) -> Timeline:
    """Matching articles per ``by`` period (chosen from the dates found when None)."""
    if by is not None and by not in PERIODS:
        raise QueryError(f"a timeline goes by year, month, week or day, not {by!r}")
    ix, _meta = open_index(Path(directory))
    with ix.searcher() as s:
        dates = _dates(s, _Query(ix, s, query, since, until, now).docnums(s))
    dated = [d for d in dates if d is not None]
    undated = len(dates) - len(dated)
    if not dated:
        return Timeline(by=by or "month", buckets=[], undated=undated)
    first, last = min(dated), max(dated)
    by = by or choose_bucket(first, last)
    counts = Counter(bucket(d, by) for d in dated)
    return Timeline(by=by, buckets=[(label, counts.get(label, 0))
                                    for label in _periods(first, last, by)], undated=undated)
