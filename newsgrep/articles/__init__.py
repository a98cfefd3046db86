"""Reading files into :class:`Article` records.

``read_file`` is the one entry point: it picks the reader by the file's name
and content and yields every article the file holds.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from ..errors import ArticleError
from .decode import decode_bytes
from .model import Article
from .plaintext import parse_text

__all__ = ["Article", "ArticleError", "is_supported", "read_file"]

Warn = Callable[[str], None]

TEXT_SUFFIXES = (".txt", ".text")


def is_supported(name: str) -> bool:
    """Whether a file name looks like something ``read_file`` can read."""
    return name.lower().endswith(TEXT_SUFFIXES)


def read_file(path: str | os.PathLike, *, encoding: str | None = None,
              warn: Warn | None = None) -> Iterator[Article]:
    """Yield the articles in the file at ``path``.

    ``encoding`` forces a text encoding. Problems with single records of a
    multi-article file go to ``warn`` and the rest is read; a file that
    yields nothing usable raises :class:`ArticleError` with the reason.
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as e:
        raise ArticleError(f"cannot read: {e.strerror or e}") from None
    if not data.strip():
        raise ArticleError("empty file")
    text, used = decode_bytes(data, encoding)
    article = parse_text(text)
    if not (article.title or article.body):
        raise ArticleError("no text")
    article.path, article.encoding = path, used
    yield article
