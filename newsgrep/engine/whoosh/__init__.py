"""The Whoosh engine: the only package that knows Whoosh's files and private APIs.

``engine`` (the :class:`~newsgrep.engine.base.Engine`), ``schema`` (schema,
opening, memory-mapped files, the folder's metadata), ``query`` (the query
language as Whoosh queries; custom query classes), ``forms`` (the form index
and its query), ``segments`` (segment files written directly), ``analyzer``
(the pickled analyzer), ``check`` (reading TOCs and segments for damage),
``commit`` (TOCs, the sidecars, the writer's lock), ``filetable`` (the files indexed), ``_whoosh`` (importing
only what is needed).
"""
from __future__ import annotations

from .engine import WhooshEngine

__all__ = ["WhooshEngine"]
