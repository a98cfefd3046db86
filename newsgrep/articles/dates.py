"""Russian and numeric date forms -> datetime. (Interim; to be replaced.)"""
from __future__ import annotations

import re
from datetime import datetime

_NUMERIC = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")


def parse_date(text: str, *, default_year: int | None = None) -> datetime | None:
    """Parse a string that is a date; ``None`` when it is not one."""
    m = _NUMERIC.fullmatch(text.strip())
    return _build(m) if m else None


def find_date(text: str, *, default_year: int | None = None) -> datetime | None:
    """The first date written anywhere in ``text``; ``None`` when there is none."""
    m = _NUMERIC.search(text)
    return _build(m) if m else None


def _build(m: re.Match) -> datetime | None:
    d, mo, y = (int(g) for g in m.groups())
    try:
        return datetime(y, mo, d)
    except ValueError:
        return None
