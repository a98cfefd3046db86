"""Date specs of the query language: ``date:SPEC``, ``--since``/``--until``.

A day, month, year or ISO week, a relative age (``30d``, ``2w``, ``6m``,
``1y``), ``today`` or ``yesterday``, and ranges of them with ``..`` (open at
either end). Engine-neutral: specs become ``datetime`` bounds.
"""
from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, datetime, timedelta

from ..errors import QueryError

__all__ = ["date_range", "date_bounds", "DATE_HELP"]

_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})\.(\d{1,2})\.(\d{4})")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})|(\d{1,2})\.(\d{4})")
_YEAR = re.compile(r"\d{4}")
_WEEK = re.compile(r"(\d{4})-?[wW](\d{1,2})")
_AGO = re.compile(r"(\d{1,5})\s*(d|w|m|y|д|н|м|г)", re.IGNORECASE)
_NAMED = {"today": 0, "сегодня": 0, "yesterday": 1, "вчера": 1}
_DATE_HELP = ("a date is 2022, 2022-01, 2022-01-05, 05.01.2022, 2022-W05, an age such as 30d, "
              "2w, 6m, 1y (days, weeks, months, years ago), today or yesterday; "
              "A..B is a range, A.. and ..B are open-ended")


def _period(word: str, now: datetime) -> tuple[datetime, datetime]:
    """The first and last moment of the period one date word names."""
    w = word.strip().lower()
    try:
        if m := _DAY.fullmatch(w):
            y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (
                m.group(6), m.group(5), m.group(4))
            start = datetime(int(y), int(mo), int(d))
            return start, _end(start, days=1)
        if m := _MONTH.fullmatch(w):
            y, mo = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            start = datetime(int(y), int(mo), 1)
            return start, _end(start, days=monthrange(start.year, start.month)[1])
        if _YEAR.fullmatch(w):
            start = datetime(int(w), 1, 1)
            return start, datetime(int(w), 12, 31, 23, 59, 59, 999999)
        if m := _WEEK.fullmatch(w):
            start = datetime.combine(date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1),
                                     datetime.min.time())
            return start, _end(start, days=7)
        if w in _NAMED:
            start = datetime.combine(now.date(), datetime.min.time()) - timedelta(days=_NAMED[w])
            return start, _end(start, days=1)
        if m := _AGO.fullmatch(w):
            n, unit = int(m.group(1)), m.group(2).lower()
            day = now.date()
            if unit in ("d", "д"):
                day -= timedelta(days=n)
            elif unit in ("w", "н"):
                day -= timedelta(weeks=n)
            else:
                months = n * (12 if unit in ("y", "г") else 1)
                y, mo = divmod(day.year * 12 + day.month - 1 - months, 12)
                day = date(y, mo + 1, min(day.day, monthrange(y, mo + 1)[1]))
            start = datetime.combine(day, datetime.min.time())
            return start, _end(start, days=1)
    except (ValueError, OverflowError):
        pass
    raise QueryError(f"{word!r} is not a date: {_DATE_HELP}")


def _end(start: datetime, days: int) -> datetime:
    return start + timedelta(days=days) - timedelta(microseconds=1)


def date_range(spec: str, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
    """``(first, last)`` moments of a date filter such as ``2022-01..2022-02``; None = open.

    A single date covers its whole period (``2022-01`` is all of January); a
    relative age alone (``30d``) means "since then" (``30d..``).
    """
    now = now or datetime.now()
    spec = spec.strip()
    if ".." in spec:
        a, _, b = spec.partition("..")
        if not a.strip() and not b.strip():
            raise QueryError(f"date range {spec!r} has no ends: {_DATE_HELP}")
        first = _period(a, now)[0] if a.strip() else None
        last = _period(b, now)[1] if b.strip() else None
        if first and last and first > last:
            raise QueryError(f"date range {spec!r} ends before it starts")
        return first, last
    if not spec:
        raise QueryError(f"empty date: {_DATE_HELP}")
    first, last = _period(spec, now)
    if _AGO.fullmatch(spec.lower()):
        return first, None
    return first, last


DATE_HELP = _DATE_HELP


def date_bounds(since: str | None = None, until: str | None = None,
                now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
    """``(first, last)`` for ``--since``/``--until`` (each a date or age); None = open."""
    first = date_range(since + "..", now)[0] if since else None
    last = date_range(".." + until, now)[1] if until else None
    if first and last and first > last:
        raise QueryError(f"--since {since} is after --until {until}")
    return first, last
