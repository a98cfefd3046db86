"""Reading files into :class:`Article` records.

``read_file`` is the one entry point: it picks the reader by the file's name
and content and yields every article the file holds. Supported: single
articles (plain text, HTML), multi-article dumps (JSON, JSON Lines, CSV,
TSV), any of these compressed (``.gz``, ``.bz2``, ``.xz``), and archives of
them (``.tar`` with any compression, ``.zip``), nested.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from ..errors import ArticleError
from .files import open_regular, special_file
from .limits import LIMITS, BudgetExceeded, Limits
from .model import Article
from .names import printable_name

# The readers (and gzip, tarfile, zipfile ...) load on first use: a search that
# only needs Article should not pay for them.

__all__ = ["LIMITS", "Article", "ArticleError", "BudgetExceeded", "Limits", "is_supported", "open_regular",
           "read_file", "special_file"]

Warn = Callable[[str], None]


def is_supported(name: str | os.PathLike) -> bool:
    """Whether ``read_file`` can read a file of this name.

    Decided by the suffix; a name without one (``README``, ``lenta-2019``)
    is looked into when it is an existing file (text, JSON, HTML, an archive
    are supported; binary data is not).
    """
    from .formats import HEAD_SIZE, kind_from_name, sniff
    name = os.fspath(name)
    base = os.path.basename(name)
    if base.startswith("._"):
        return False  # macOS AppleDouble metadata next to the real file
    kind = kind_from_name(base)
    if kind != "":
        return kind is not None
    try:
        fh, _ = open_regular(name)
        with fh:
            head = fh.read(HEAD_SIZE)
    except (OSError, ArticleError):
        return False
    return sniff(head) is not None


def read_file(path: str | os.PathLike, *, encoding: str | None = None,
              warn: Warn | None = None, limits: Limits | None = None) -> Iterator[Article]:
    """Yield the articles in the file at ``path``.

    ``encoding`` forces a text encoding. Problems with single records of a
    multi-article file (or members of an archive) go to ``warn``, as messages
    that begin with the file's path, and the rest is read; a file that yields nothing usable raises :class:`ArticleError`
    with the reason. Each article's ``key`` tells it apart within the file
    (``""`` for a one-article file). ``limits`` are the budgets of
    decompression, nesting, archive members and HTML (default :data:`LIMITS`);
    past one, the file ends with :class:`BudgetExceeded`, after the articles
    read before it. Only regular files are read (a FIFO or a device is an
    ArticleError, never a blocking open).
    """
    from .formats import HEAD_SIZE, Budget, Peekable, Source, read_source
    path = os.fspath(path)
    warn = warn or _ignore
    fh, st = open_regular(path)
    budget = Budget(limits or LIMITS, st.st_size)
    with fh:
        stream = Peekable(fh)
        try:
            head = stream.peek(HEAD_SIZE)
        except OSError as e:
            raise ArticleError(f"cannot read: {e.strerror or e}") from None
        if not head.strip():
            raise ArticleError("empty file")
        src = Source(path, printable_name(path), stream, reopen=lambda: open_regular(path)[0],
                     path=path, budget=budget)
        _, articles = read_source(src, encoding=encoding, warn=warn)
        count = 0
        for article in articles:
            article.path = path
            count += 1
            yield article
        if not count:
            raise ArticleError("no articles")


def _ignore(message: str) -> None:
    pass
