"""The PostgreSQL engine: a shared archive in a database (``--index postgresql://...``).

Imported only for a database location (psycopg 3 is an optional extra:
``pip install 'newsgrep[postgres]'``). See :mod:`.engine` and ``schema.sql``.
"""
from __future__ import annotations

from .engine import SCHEMA_VERSION, PostgresEngine, PostgresWriter

__all__ = ["PostgresEngine", "PostgresWriter", "SCHEMA_VERSION"]
