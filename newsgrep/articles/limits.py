"""The budgets of reading one file: what a hostile file may cost at most.

Kept apart from the readers so that importing them stays cheap.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from ..errors import ArticleError

#: Containers and compression layers nest at most this deep.
MAX_DEPTH = 6


@dataclass(frozen=True)
class Limits:
    """The budgets for reading one file (documented in the README, "Budgets").

    Past one, the file stops with one warning that names it and the budget;
    the articles read before are kept. Give ``read_file(limits=...)`` others.
    """

    #: Bytes unpacked (by every compression layer and zip member, nested ones
    #: too) per byte of the file ...
    unpack_ratio: int = 100
    #: ... but at least this many (a tiny file of a long article) ...
    unpack_min: int = 16 << 20
    #: ... and at most this many, however big the file.
    unpack_max: int = 32 << 30
    #: Archives and compression layers inside one another.
    depth: int = MAX_DEPTH
    #: Members of one archive (files, folders, links: every entry).
    members: int = 1_000_000
    #: Records of a dump in a row that give no article (bad, or without title and text).
    junk_records: int = 100_000
    #: Characters of an HTML page parsed (the tree takes 20-50 times its size) ...
    html_chars: int = 4 << 20
    #: ... and its tags at most this many.
    html_tags: int = 100_000


LIMITS = Limits()


class BudgetExceeded(ArticleError):
    """A file went over one of its :class:`Limits`: reading it stops."""


def _size(n: int) -> str:
    for unit, shift in (("GB", 30), ("MB", 20), ("KB", 10)):
        if n >= 1 << shift:
            return f"{n / (1 << shift):.3g} {unit}"
    return f"{n} bytes"


class Budget:
    """What one file may still cost: the bytes unpacked so far, against :class:`Limits`."""

    def __init__(self, limits: Limits = LIMITS, file_size: int = 0):
        self.limits = limits
        self.allowed = min(max(limits.unpack_ratio * file_size, limits.unpack_min), limits.unpack_max)
        self.unpacked = 0

    def charge(self, n: int) -> None:
        self.unpacked += n
        if self.unpacked > self.allowed:
            raise BudgetExceeded(
                f"over the unpacking budget ({self.limits.unpack_ratio}x the file's size, at least "
                f"{_size(self.limits.unpack_min)}, at most {_size(self.limits.unpack_max)}): "
                "read no further")


class Metered(io.RawIOBase):
    """A decompressing stream whose output is charged to a :class:`Budget`."""

    def __init__(self, raw, budget: Budget):
        self._raw = raw
        self._budget = budget
        self._read1 = getattr(raw, "read1", raw.read)

    def readable(self) -> bool:
        return True

    def read1(self, n: int = -1) -> bytes:
        data = self._read1(n if n is not None and n >= 0 else 1 << 20)
        self._budget.charge(len(data))
        return data

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = []
            while chunk := self.read1(1 << 20):
                parts.append(chunk)
            return b"".join(parts)
        return self.read1(n)

    def readinto(self, b) -> int:
        data = self.read1(len(b))
        b[:len(data)] = data
        return len(data)

    def close(self) -> None:
        close = getattr(self._raw, "close", None)
        if close is not None:
            close()
        super().close()


def cut_html(text: str, limits: Limits = LIMITS) -> tuple[str, str]:
    """An HTML page cut to its parsing budget: ``(text, why)``; ``why`` is ``""`` when whole.

    The cut falls before a tag, so the metadata in the head and the start of
    the article are kept.
    """
    why = ""
    if len(text) > limits.html_chars:
        cut = text.rfind("<", limits.html_chars // 2, limits.html_chars)
        text = text[:cut if cut > 0 else limits.html_chars]
        why = f"over {_chars(limits.html_chars)}"
    if text.count("<") > limits.html_tags:
        pos = -1
        for _ in range(limits.html_tags + 1):
            pos = text.find("<", pos + 1)
        text = text[:pos]
        why = why or f"over {limits.html_tags:,} tags"
    return text, why


def _chars(n: int) -> str:
    return f"{n / (1 << 20):.3g}M characters" if n >= 1 << 20 else f"{n:,} characters"
