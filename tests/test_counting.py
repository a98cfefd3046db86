"""Counting per group and per period: the data behind -c --by and the timeline."""
from __future__ import annotations

from datetime import datetime

import pytest

from newsgrep.counting import group_counts, timeline
from newsgrep.errors import QueryError
from newsgrep.searching import count, search


def _all(index, query, **kw):
    return search(index, query, limit=None, **kw).hits


def test_group_counts_add_up(samples_archive):
    total = count(samples_archive, "Алматы")
    for by in ("source", "section", "year", "month", "week", "day"):
        rows = group_counts(samples_archive, "Алматы", by)
        assert sum(n for _, n in rows) == total
    months = group_counts(samples_archive, "Алматы", "month")
    dated = [k for k, _ in months if k is not None]
    assert dated == sorted(dated) and all(len(k) == 7 for k in dated)
    by_hits = {}
    for h in _all(samples_archive, "Алматы"):
        key = h.date.strftime("%Y-%m") if h.date else None
        by_hits[key] = by_hits.get(key, 0) + 1
    assert dict(months) == by_hits
    sources = group_counts(samples_archive, "Алматы", "source")
    assert ("Sputnik Казахстан", sum(1 for h in _all(samples_archive, "Алматы")
                                     if h.source == "Sputnik Казахстан")) in sources
    with pytest.raises(QueryError):
        group_counts(samples_archive, "Алматы", "colour")


def test_timeline_has_every_period_and_the_same_counts(samples_archive):
    tl = timeline(samples_archive, "Алматы", "month")
    labels = [label for label, _ in tl.buckets]
    assert labels == sorted(labels) and len(labels) == len(set(labels))
    y, m = map(int, labels[0].split("-"))
    for label in labels[1:]:  # consecutive months, none skipped
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        assert label == f"{y:04d}-{m:02d}"
    nonzero = {k: n for k, n in tl.buckets if n}
    grouped = dict(group_counts(samples_archive, "Алматы", "month"))
    assert tl.undated == grouped.pop(None, 0)
    assert nonzero == grouped


def test_timeline_chooses_its_period_from_the_dates():
    from newsgrep.counting import _periods, choose_bucket
    assert choose_bucket(datetime(2022, 1, 1), datetime(2022, 1, 20)) == "day"
    assert choose_bucket(datetime(2022, 1, 1), datetime(2022, 5, 1)) == "week"
    assert choose_bucket(datetime(2022, 1, 1), datetime(2022, 8, 1)) == "month"
    assert choose_bucket(datetime(2021, 11, 1), datetime(2023, 1, 20)) == "month"
    assert choose_bucket(datetime(2001, 1, 1), datetime(2023, 1, 20)) == "year"
    assert _periods(datetime(2021, 12, 30), datetime(2022, 1, 2), "week") == ["2021-W52"]
    assert _periods(datetime(2022, 1, 2), datetime(2022, 1, 3), "week") == ["2021-W52", "2022-W01"]
    assert _periods(datetime(2021, 11, 5), datetime(2022, 2, 1), "month") == [
        "2021-11", "2021-12", "2022-01", "2022-02"]
