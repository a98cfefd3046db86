"""newsgrep: full-text search for archives of Russian-language news.

The Python API (see README, "From Python")::

    import newsgrep

    with newsgrep.open_archive("~/news-index") as archive:
        for hit in archive.search("атака", limit=3).hits:
            print(hit.title)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "open_archive", "Archive", "Article", "Hit"]

if TYPE_CHECKING:
    from .archive import Archive, open_archive
    from .articles.model import Article
    from .searching import Hit

# Imported on first use: `newsgrep search` imports this package at every start.
_LAZY = {"open_archive": "archive", "Archive": "archive", "Article": "articles.model",
         "Hit": "searching"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
