"""What a worker tells the parent of a run: typed messages, one class per kind.

Workers put them on a queue (pickled); a run without workers hands them to
the parent's handler directly. See :func:`newsgrep.indexing.workers.process`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Message", "Warning", "Progress", "Unchanged", "Skipped", "FilesDone", "WorkerDone",
           "WorkerFailed", "Tick"]


@dataclass(frozen=True)
class Warning:  # noqa: A001 -- the message's name, inside this module only
    """A warning about a file (the text names it)."""

    text: str


@dataclass(frozen=True)
class Progress:
    """Files, articles and bytes gone through since the last ``Progress``."""

    files: int
    articles: int
    bytes: int


@dataclass(frozen=True)
class Unchanged:
    """A file whose size or mtime changed but whose content did not."""

    path: str
    size: int
    mtime: int
    digest: str


@dataclass(frozen=True)
class Skipped:
    """A file not indexed; with ``state``, one skipped for its content, remembered by
    ``(size, mtime, "skipped:" + hash)`` so it is not read again until it changes."""

    path: str
    reason: str
    state: tuple[int, int, str] | None = None


@dataclass
class FilesDone:
    """Files read to their end, with the segments that hold their documents, to be
    committed together: ``segments`` are ``(segment, (worker, n))``, their files in
    ``tmpdir``; ``files`` are ``(path, size, mtime, hash, articles)``; ``words`` (lemma
    mode) the Russian words analysed for them and their terms, for the lexicon."""

    segments: list[tuple[Any, tuple[int, int]]]
    files: list[tuple[str, int, int, str, int]]
    tmpdir: str
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class WorkerDone:
    """A worker has gone through all of its jobs."""


@dataclass(frozen=True)
class WorkerFailed:
    """A worker raised: the error, its traceback, and its errno for an ``OSError``."""

    error: str
    traceback: str
    errno: int | None = None


@dataclass(frozen=True)
class Tick:
    """(The parent's own, once a second while it waits: a chance to notice signals.)"""


Message = Warning | Progress | Unchanged | Skipped | FilesDone | WorkerDone | WorkerFailed | Tick
