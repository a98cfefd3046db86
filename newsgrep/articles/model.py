"""The Article record every reader produces."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Article:
    """One news article, as pulled out of a file.

    ``path`` is the file it came from; ``key`` tells records of one
    multi-article file apart (a line number, a record id, a tar member) and is
    ``""`` for a file that holds one article. ``id`` is derived from both.
    Readers fill what they find and leave the rest empty: an unknown date is
    ``None``, never a guess. ``source`` is the outlet's name as counted
    (aliases applied, authors split off: see ``sources``), ``source_raw`` the
    value the file gave, ``author`` the authors (``"Анна Петрова, Иван Сидоров"``).
    """

    title: str
    body: str
    date: datetime | None = None
    source: str = ""
    author: str = ""
    source_raw: str = ""
    section: str = ""
    url: str = ""
    lead: str = ""
    tags: list[str] = field(default_factory=list)
    path: str = ""
    key: str = ""
    encoding: str = ""
    format: str = ""
    id: str = ""
