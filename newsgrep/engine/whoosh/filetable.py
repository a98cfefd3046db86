"""The files an archive has indexed (path -> size, mtime_ns, content hash), on disk.

A run asks of each file walked whether it changed since the last commit, and
records what it read. A million files held as a dict cost about 220 MB in the
parent for the whole run, and writing them whole at every commit about 100 MB
each time. So they are kept in SQLite (``newsgrep-files-L.sqlite``), read a
file at a time and written a commit's changes at a time; a run holds only the
changes it has not written yet (at most ``FLUSH`` of them).

The table must say what the last commit (the newest TOC, generation ``T``)
holds, even after a crash between writing the table and writing the TOC. So a
change written for the commit to come (``T + 1``) first saves the row it
replaces in ``undo``, tagged with that generation; the table's ``generation``
is set in the same transaction as a commit's last changes, before its TOC. On
opening for a run, the changes of generations after ``T`` are undone (a run
that died before its commit, or between the table and the TOC); the undo rows
of ``T`` and before are committed, and dropped at the next write once ``T``'s TOC
is durable (the table notes up to which generation they were dropped: a table
at ``T + 1`` whose undo rows are gone cannot say what ``T`` held). A reader
(``read_files``) sees the same without writing: the saved rows in place of the
later changes.

``L`` names a lineage: a rebuild writes a new database (the generation its one
commit will have), which a TOC older than it never uses; a commit removes the
other lineages and the state files of older newsgreps (``newsgrep-state-N.bin``,
a marshalled dict, read once and moved into a new table).
"""
from __future__ import annotations

import errno
import os
import re
import sqlite3
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["FileTable", "FILES_PREFIX", "table_name", "lineages", "open_files", "read_files",
           "create_files"]

FILES_PREFIX = "newsgrep-files-"
_NAME = re.compile(rf"^{FILES_PREFIX}(\d+)\.sqlite$")
#: Changes held in memory before they are written (about 200 bytes each).
FLUSH = 20_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (path BLOB PRIMARY KEY, size INTEGER NOT NULL,
                                  mtime INTEGER NOT NULL, digest BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS undo (path BLOB PRIMARY KEY, gen INTEGER NOT NULL, size INTEGER,
                                 mtime INTEGER, digest BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID;
"""
# The rows as of generation ? (the changes of later ones undone; size NULL: not a row then)
_AS_OF = """
SELECT path, size, mtime, digest FROM files WHERE path NOT IN (SELECT path FROM undo WHERE gen > ?1)
UNION ALL SELECT path, size, mtime, digest FROM undo WHERE gen > ?1 AND size IS NOT NULL
"""


def table_name(lineage: int) -> str:
    return f"{FILES_PREFIX}{lineage}.sqlite"


def _b(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")  # (a name that is not UTF-8: its bytes)


def _s(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def lineages(directory: Path) -> list[int]:
    """The lineages of the tables in ``directory``, newest first."""
    return sorted((int(m.group(1)) for m in map(_NAME.match, os.listdir(directory)) if m),
                  reverse=True)


def _connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    if read_only and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        # (a reader that may write rolls back the journal a killed writer left: SQLite does
        # it on reading, and only when no writer holds the table; read-only, it could not)
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    else:
        conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        conn.execute("PRAGMA synchronous=FULL")
    return conn


@contextmanager
def _transaction(conn: sqlite3.Connection, begin: str = "BEGIN IMMEDIATE") -> Iterator[None]:
    conn.execute(begin)
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _meta(conn: sqlite3.Connection, key: str) -> int | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def _generation(conn: sqlite3.Connection) -> int | None:
    return _meta(conn, "generation")


def _find(directory: Path, generation: int,
          read_only: bool) -> tuple[sqlite3.Connection, Path] | None:
    """The table that can say what commit ``generation`` holds: of a lineage not after
    it, at that generation or the one after (its changes then undone). Raises
    ``sqlite3.DatabaseError`` for a table that cannot be read."""
    for lineage in lineages(directory):
        if lineage > generation:
            continue  # (a rebuild that did not commit)
        path = directory / table_name(lineage)
        conn = _connect(path, read_only)
        try:
            gen = _generation(conn)
            # (the generation after: only while its changes can be undone)
            if gen == generation or (gen == generation + 1
                                     and (_meta(conn, "dropped") or -1) < gen):
                return conn, path
        except sqlite3.DatabaseError:
            conn.close()
            raise
        conn.close()
    return None


class FileTable(MutableMapping):
    """The files indexed as of the last commit, then as changed by this run: path ->
    ``(size, mtime_ns, content hash)``. Changes are held until ``FLUSH`` of them (or a
    commit), then written with the rows they replace saved for undoing."""

    def __init__(self, conn: sqlite3.Connection, path: Path, generation: int | None):
        self.conn = conn
        self.path = path
        # the last commit's generation (None: a new lineage, not committed yet)
        self.generation = generation
        self.pending: dict[str, tuple[int, int, str] | None] = {}  # None: removed
        self._durable = generation  # the undo rows of this generation and before are done

    # --- reading ------------------------------------------------------------------------

    def get(self, path: str, default: Any = None) -> Any:
        if path in self.pending:
            entry = self.pending[path]
            return default if entry is None else entry
        row = self.conn.execute("SELECT size, mtime, digest FROM files WHERE path = ?",
                                (_b(path),)).fetchone()
        return default if row is None else (row[0], row[1], _s(row[2]))

    def __getitem__(self, path: str) -> tuple[int, int, str]:
        entry = self.get(path)
        if entry is None:
            raise KeyError(path)
        return entry

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self.get(path) is not None

    def __iter__(self) -> Iterator[str]:
        return (path for path, _ in self.items())

    def items(self) -> Iterator[tuple[str, tuple[int, int, str]]]:  # type: ignore[override]
        """Every file and its entry, in one scan of the table (not a look-up each)."""
        self.flush()
        cursor = self.conn.execute("SELECT path, size, mtime, digest FROM files")
        while rows := cursor.fetchmany(10_000):
            for path, size, mtime, digest in rows:
                yield _s(path), (size, mtime, _s(digest))

    def __len__(self) -> int:
        self.flush()
        return self.conn.execute("SELECT count(*) FROM files").fetchone()[0]

    # --- writing ------------------------------------------------------------------------

    def __setitem__(self, path: str, value: tuple[int, int, str]) -> None:
        size, mtime, digest = value
        self.pending[path] = (size, mtime, digest)
        if len(self.pending) >= FLUSH:
            self.flush()

    def __delitem__(self, path: str) -> None:
        if path not in self:
            raise KeyError(path)
        self.pending[path] = None
        if len(self.pending) >= FLUSH:
            self.flush()

    def flush(self, generation: int | None = None) -> None:
        """Write the changes held (and, given, set the table's generation: a commit), in
        one transaction."""
        if not self.pending and generation is None:
            return
        conn, coming = self.conn, (self.generation or 0) + 1
        try:
            with _transaction(conn):
                self._write(conn, coming, generation)
        except sqlite3.OperationalError as e:  # a full disk, a read-only folder
            raise _os_error(e) from e
        self.pending.clear()
        if generation is not None:
            self.generation = generation

    def _write(self, conn: sqlite3.Connection, coming: int, generation: int | None) -> None:
        """The changes held, each replaced row saved first (once per generation)."""
        if self._durable is not None:
            conn.execute("DELETE FROM undo WHERE gen <= ?", (self._durable,))
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('dropped', ?)",
                         (self._durable,))
        keys = [(_b(p),) for p in self.pending]
        if self.generation is not None:  # (a new lineage is used only once committed)
            conn.executemany("INSERT OR IGNORE INTO undo SELECT path, ?, size, mtime, digest"
                             " FROM files WHERE path = ?", ((coming, k) for k, in keys))
            conn.executemany("INSERT OR IGNORE INTO undo (path, gen) VALUES (?, ?)",
                             ((k, coming) for k, in keys))
        conn.executemany("DELETE FROM files WHERE path = ?",
                         ((_b(p),) for p, e in self.pending.items() if e is None))
        conn.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                         ((_b(p), e[0], e[1], _b(e[2]))
                          for p, e in self.pending.items() if e is not None))
        if generation is not None:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)",
                         (generation,))

    def commit(self, generation: int) -> None:
        """Make this run's changes commit ``generation``'s (durably), before its TOC."""
        self.flush(generation)

    def committed(self, generation: int) -> None:
        """Commit ``generation``'s TOC is durable: its undo rows can go (at the next write)."""
        self._durable = generation

    def close(self) -> None:
        self.conn.close()


def _os_error(e: sqlite3.OperationalError) -> OSError:
    """SQLite's error as the ``OSError`` a write of any other index file raises."""
    text = str(e)
    code = (errno.ENOSPC if "full" in text else errno.EROFS if "readonly" in text
            else errno.EIO)
    return OSError(code, os.strerror(code) if code != errno.EIO else text)


def _undo_after(conn: sqlite3.Connection, generation: int) -> None:
    """Put back the rows the changes after ``generation`` replaced; that generation."""
    with _transaction(conn):
        conn.execute("DELETE FROM files WHERE path IN (SELECT path FROM undo WHERE gen > ?)",
                     (generation,))
        conn.execute("INSERT INTO files SELECT path, size, mtime, digest FROM undo"
                     " WHERE gen > ? AND size IS NOT NULL", (generation,))
        conn.execute("DELETE FROM undo")
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", (generation,))


def create_files(directory: Path, lineage: int,
                 rows: Any = (), generation: int | None = None) -> FileTable:
    """A new table (lineage ``lineage``; any old one of that name replaced) holding
    ``rows`` (path, (size, mtime, digest)), committed as ``generation`` if given."""
    path = directory / table_name(lineage)
    for suffix in ("", "-journal"):
        try:
            os.unlink(str(path) + suffix)
        except FileNotFoundError:
            pass
    conn = _connect(path)
    conn.executescript(_SCHEMA)
    table = FileTable(conn, path, None)
    with _transaction(conn, "BEGIN"):
        conn.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                         ((_b(p), s, m, _b(d)) for p, (s, m, d) in rows))
    if generation is not None:
        table.commit(generation)
    return table


def open_files(directory: Path, generation: int) -> FileTable | None:
    """The table as of commit ``generation``, for a run (the changes of a run that did not
    commit undone); None when there is none (an older newsgrep's state file, or none)."""
    found = _find(directory, generation, read_only=False)
    if found is None:
        return None
    conn, path = found
    if conn.execute("SELECT 1 FROM undo WHERE gen > ? LIMIT 1", (generation,)).fetchone() \
            or _generation(conn) != generation:
        _undo_after(conn, generation)
    return FileTable(conn, path, generation)


def read_files(directory: Path, generation: int) -> dict[str, tuple[int, int, str]] | None:
    """What commit ``generation`` holds, read only (a run may be writing the table); None
    when no table says."""
    found = _find(directory, generation, read_only=True)
    if found is None:
        return None
    conn = found[0]
    try:
        return {_s(p): (s, m, _s(d)) for p, s, m, d in conn.execute(_AS_OF, (generation,))}
    finally:
        conn.close()
