"""Kept for existing indexes: their pickled schema names ``newsgrep.schema.Positions32``.

The Whoosh schema lives in :mod:`newsgrep.engine.whoosh.schema`; unpickling an
index's TOC finds the positions format here (Whoosh is imported only then).
"""
from __future__ import annotations


def __getattr__(name: str) -> object:
    if name == "Positions32":
        from .engine.whoosh import schema

        return schema.Positions32
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
