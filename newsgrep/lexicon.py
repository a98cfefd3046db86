"""An index's lexicon: its Russian word forms and their lemma-mode terms, beside the index.

Lemma mode needs pymorphy3 to turn a word into terms, and loading its
dictionary costs a search process ~65 ms; re-analysing the shown articles
to highlight them costs ~8 ms an article more. The writer analyses every word
of the archive anyway, so it stores what it found in a SQLite file beside
the index, ``newsgrep-lexicon-<hash of the lemmatizer's signature>.sqlite``:

* ``forms``: key (a Russian word, normalised: see ``analysis.lemma_key``;
  also each lemma itself, so a query in the dictionary form is covered) ->
  its terms;
* ``inverse``: term -> the keys that have it, for highlighting: the words of
  an article that match a query's terms are those whose key is in
  ``forms(terms)``, a set lookup per word instead of an analysis.

It is a cache of a pure function (the lemmatizer of that signature), so
whatever it holds is right: a word missing from it is analysed by
pymorphy3, and a query is never answered from the lexicon of another
signature. Highlighting relies on more: that every Russian word of every
committed article is in it. The writer adds each segment's words before the
commit that makes the segment visible (so a crash leaves the lexicon a
superset, never a subset), and the lexicon says it is ``complete`` only if
it was started with the index (or a rebuild of it); an incomplete one is
used for lookups, and highlighting then analyses the articles instead.

Lexicons of other signatures (after a rebuild with a new dictionary or the
other morphology) are removed when the index's next commit no longer needs
them; a search that has one open keeps reading it.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .errors import MorphologyMismatch

__all__ = ["Lexicon", "LexiconWriter", "lexicon_path", "attach", "lemmatizer", "PREFIX"]

PREFIX = "newsgrep-lexicon-"
SUFFIX = ".sqlite"
FORMAT = 1
_CHUNK = 500  # host parameters per IN (...) query (SQLite allows 999 at least)


def _hash(signature: str) -> str:
    return hashlib.sha1(f"{FORMAT}\0{signature}".encode("utf-8")).hexdigest()[:16]


def lexicon_path(directory: Path | str, signature: str) -> Path:
    """Where the lexicon of an index built with lemmatizer ``signature`` lives."""
    return Path(directory) / f"{PREFIX}{_hash(signature)}{SUFFIX}"


def lexicon_files(directory: Path | str) -> list[Path]:
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    return [Path(directory) / n for n in names if n.startswith(PREFIX) and n.endswith(SUFFIX)]


class Lexicon:
    """A lexicon opened for reading. Any SQLite trouble makes it answer "don't know"."""

    def __init__(self, path: Path, signature: str):
        self.path = path
        self.signature = signature
        self._db: Any = None  # a sqlite3 connection, opened on first use
        self._failed = False
        self._memo: dict[str, tuple[str, ...] | None] = {}
        self._complete: bool | None = None

    @classmethod
    def open(cls, directory: Path | str, signature: str | None) -> Lexicon | None:
        """The lexicon of the index at ``directory`` for ``signature``, or None if it has none."""
        if not signature:
            return None
        path = lexicon_path(directory, signature)
        if not path.is_file():
            return None
        return cls(path, signature)

    def _conn(self):  # -> sqlite3.Connection | None
        if self._db is None and not self._failed:
            import sqlite3
            from urllib.parse import quote

            try:
                db = sqlite3.connect(f"file:{quote(str(self.path))}?mode=ro", uri=True,
                                     timeout=2.0, check_same_thread=False)
                row = db.execute("SELECT value FROM meta WHERE key = 'signature'").fetchone()
                if not row or row[0] != self.signature:
                    db.close()
                    self._failed = True
                    return None
                self._db = db
            except sqlite3.Error:
                self._failed = True
        return self._db

    @property
    def complete(self) -> bool:
        """Whether every Russian word of the index's committed articles is in it."""
        if self._complete is None:
            self._complete = self._meta("complete") == "1"
        return self._complete

    def _meta(self, key: str) -> str | None:
        import sqlite3

        db = self._conn()
        if db is None:
            return None
        try:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        except sqlite3.Error:
            return None
        return row[0] if row else None

    def terms(self, key: str) -> tuple[str, ...] | None:
        """The terms of a key, or None if the lexicon does not hold it."""
        try:
            return self._memo[key]
        except KeyError:
            pass
        import sqlite3

        db = self._conn()
        found = None
        if db is not None:
            try:
                row = db.execute("SELECT terms FROM forms WHERE form = ?", (key,)).fetchone()
            except sqlite3.Error:
                row = None
            if row is not None:
                found = tuple(row[0].split(" "))
        if len(self._memo) < 100_000:
            self._memo[key] = found
        return found

    def forms(self, terms: Iterable[str]) -> set[str] | None:
        """The keys having any of ``terms``; None if the lexicon cannot be read."""
        import sqlite3

        db = self._conn()
        if db is None:
            return None
        terms = sorted(set(terms))
        out: set[str] = set()
        try:
            for i in range(0, len(terms), _CHUNK):
                chunk = terms[i:i + _CHUNK]
                out.update(f for (f,) in db.execute(
                    "SELECT form FROM inverse WHERE term IN (%s)" % ",".join("?" * len(chunk)),
                    chunk))
        except sqlite3.Error:
            return None
        return out

    def __len__(self) -> int:
        db = self._conn()
        return db.execute("SELECT count(*) FROM forms").fetchone()[0] if db is not None else 0

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class LexiconWriter:
    """Adds words to an index's lexicon (creating it); used by the one writer of the index."""

    def __init__(self, directory: Path | str, signature: str, *, fresh_index: bool):
        """Open (or create) the lexicon of ``signature`` at ``directory``.

        ``fresh_index``: the index (or the rebuild) starts with no articles, so a
        lexicon created now will hold every word of it: it is ``complete``.
        """
        import sqlite3

        self.path = lexicon_path(directory, signature)
        self.signature = signature
        existed = self.path.exists()
        try:
            db = self._db = sqlite3.connect(str(self.path), timeout=30.0)
            db.execute("PRAGMA synchronous = NORMAL")
            tables = existed and _has_tables(db)
        except sqlite3.DatabaseError:  # a damaged file: start a new one (not complete
            self._db.close()           # unless the index starts over too)
            for p in (self.path, self.path.with_name(self.path.name + "-journal")):
                p.unlink(missing_ok=True)
            db = self._db = sqlite3.connect(str(self.path), timeout=30.0)
            db.execute("PRAGMA synchronous = NORMAL")
            tables = False
        if not tables:
            with db:
                db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
                db.execute("CREATE TABLE IF NOT EXISTS forms "
                           "(form TEXT PRIMARY KEY, terms TEXT NOT NULL) WITHOUT ROWID")
                db.execute("CREATE TABLE IF NOT EXISTS inverse "
                           "(term TEXT, form TEXT, PRIMARY KEY (term, form)) WITHOUT ROWID")
                db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
                    ("format", str(FORMAT)), ("signature", signature),
                    ("complete", "1" if fresh_index else "0")])
        self.added = 0

    def add(self, words: dict[str, tuple[str, ...]]) -> None:
        """Add key -> terms pairs and commit (before the index commit that needs them)."""
        if not words:
            return
        db = self._db
        with db:
            before = db.total_changes
            db.executemany("INSERT OR IGNORE INTO forms VALUES (?, ?)",
                           ((k, " ".join(t)) for k, t in words.items()))
            self.added += db.total_changes - before
            db.executemany("INSERT OR IGNORE INTO inverse VALUES (?, ?)",
                           ((t, k) for k, ts in words.items() for t in ts))

    def mark_complete(self) -> None:
        """A rebuild wrote every article again, all through this lexicon: it is complete."""
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('complete', '1')")

    def close(self) -> None:
        self._db.close()


def _has_tables(db) -> bool:
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {"meta", "forms", "inverse"} <= names


def remove_others(directory: Path | str, keep_signature: str | None) -> None:
    """Remove the lexicons the index no longer uses (another signature, or stem mode)."""
    keep = lexicon_path(directory, keep_signature).name if keep_signature else None
    for path in lexicon_files(directory):
        if path.name != keep:
            for p in (path, path.with_name(path.name + "-journal")):
                try:
                    p.unlink()
                except OSError:
                    pass


# ---------------------------------------------------------------- query-time look-ups

def lemmatizer(signature: str | None, lex: Lexicon | None = None,
               folder: Path | None = None) -> Callable[[str], tuple[str, ...]]:
    """key -> terms for an index built with ``signature``: its lexicon ``lex`` (the
    archive's, handed over by the engine), else pymorphy3.

    pymorphy3 is loaded only for a word the lexicon lacks, and must then have
    the same signature, else :class:`MorphologyMismatch` (naming ``folder``). Without a
    signature (an analyzer made by hand), pymorphy3 answers unchecked.
    """
    from .analysis import _live_lemmatize

    live: list = []

    def lemmatize(key: str) -> tuple[str, ...]:
        if lex is not None:
            found = lex.terms(key)
            if found is not None:
                return found
        if not live:
            live.append(checked_live(signature, folder))
        return live[0](key)

    return lemmatize if lex is not None or signature else _live_lemmatize()


def checked_live(signature: str | None, folder: Path | None = None
                 ) -> Callable[[str], tuple[str, ...]]:
    """This process's lemmatizer, if its signature is ``signature`` (or that is None)."""
    from .analysis import _live_lemmatize, live_signature

    fn = _live_lemmatize()
    if signature and live_signature() != signature:
        raise MorphologyMismatch(mismatch_message(signature, live_signature(), folder))
    return fn


def mismatch_message(index_signature: str, live: str, directory: Path | None = None) -> str:
    where = f" --index {directory}" if directory is not None else ""
    return (f"the index{' at ' + str(directory) if directory else ''} was built with another "
            f"lemmatizer ({index_signature}) than this newsgrep has ({live}); rebuild it with: "
            f"newsgrep index --rebuild{where} (or install the pymorphy3 and "
            "pymorphy3-dicts-ru versions it was built with)")
