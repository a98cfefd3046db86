"""Counting matching articles per group (-c --by) and per period (the timeline).

Returns data: ``render`` draws the chart. An engine gives the raw counts per
stored value and the dates of the matching articles (from columns, not stored
text); this module groups them (sources by name, authors one by one, periods).
"""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path


__all__ = ["GROUPS", "PERIODS", "Timeline", "group_counts", "timeline", "bucket", "choose_bucket",
           "make_timeline", "sources_counts", "authors_counts"]
PERIODS = ("year", "month", "week", "day")
GROUPS = ("source", "author", "section", *PERIODS)


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


def sources_counts(counts: Counter, aliases: Mapping[str, str | Iterable[str]] | None = None
                   ) -> Counter:
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


def authors_counts(counts: Counter) -> Counter:
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


def make_timeline(dates: list[datetime | None] | Mapping[datetime | None, int],
                  by: str | None = None) -> Timeline:
    """A :class:`Timeline` of ``dates`` (None: undated) per ``by`` period (chosen when None);
    ``dates`` a list of one date per article, or a mapping of date -> articles."""
    per_date = dates if isinstance(dates, Mapping) else Counter(dates)
    undated = per_date.get(None, 0)
    dated = [d for d, n in per_date.items() if d is not None and n]
    if not dated:
        return Timeline(by=by or "month", buckets=[], undated=undated)
    first, last = min(dated), max(dated)
    by = by or choose_bucket(first, last)
    counts: Counter = Counter()
    for d in dated:
        counts[bucket(d, by)] += per_date[d]
    return Timeline(by=by, buckets=[(label, counts.get(label, 0))
                                    for label in _periods(first, last, by)], undated=undated)


# --- one call, one archive (the API before newsgrep.Archive) -------------------------------

def group_counts(directory: Path | str | os.PathLike, query: str, by: str, *,
                 since: str | None = None, until: str | None = None,
                 now: datetime | None = None,
                 source_aliases: Mapping[str, str | Iterable[str]] | None = None,
                 ) -> list[tuple[str | None, int]]:
    """:meth:`newsgrep.Archive.group_counts` on the archive at ``directory``."""
    from .archive import open_archive

    with open_archive(directory) as a:
        return a.group_counts(query, by, since=since, until=until, now=now,
                              source_aliases=source_aliases)


def timeline(directory: Path | str | os.PathLike, query: str, by: str | None = None, *,
             since: str | None = None, until: str | None = None,
             now: datetime | None = None) -> Timeline:
    """:meth:`newsgrep.Archive.timeline` on the archive at ``directory``."""
    from .archive import open_archive

    with open_archive(directory) as a:
        return a.timeline(query, by, since=since, until=until, now=now)
