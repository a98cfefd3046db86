"""Storage engines behind one interface (:mod:`newsgrep.engine.base`).

``open_engine(location)`` picks the engine by the location's form: a
``postgresql://`` or ``postgres://`` URL -> the PostgreSQL engine
(``newsgrep.engine.postgres``, imported only then); anything else is a
folder -> the Whoosh engine (``newsgrep.engine.whoosh``). Only this package
knows how an index is stored.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Engine

__all__ = ["open_engine", "is_database_url", "DATABASE_SCHEMES"]

DATABASE_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` names a database rather than a folder."""
    return isinstance(location, str) and location.lower().startswith(DATABASE_SCHEMES)


def open_engine(location: str | os.PathLike[str], *, create: bool = False) -> Engine:
    """The engine of the archive at ``location`` (a folder, or a database URL).

    ``create``: the archive may not exist yet (``newsgrep index`` creates it on
    its first commit); otherwise a missing archive raises ``IndexNotFound``.
    Engines are imported lazily, so a search loads only the one it uses.
    """
    if is_database_url(location):
        from .postgres import PostgresEngine  # type: ignore[import-not-found,unused-ignore]

        engine: Engine = PostgresEngine(str(location), create=create)
        return engine
    from .whoosh import WhooshEngine

    return WhooshEngine(Path(location), create=create)
