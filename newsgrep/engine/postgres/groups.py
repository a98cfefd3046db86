"""Reprint groups in a PostgreSQL archive: ``ReprintGroups`` for the PostgreSQL engine.

What is stored (``schema.sql``):

* ``reprints``: one row per article: its id, file, near-copy signature
  (``reprints.Signature.to_bytes``), date and source (to choose a lead), ``grp``,
  its group's name (the smallest id of the group, as ``--json``'s ``group``; NULL
  for an article without copies), and ``gen``, the group commit that wrote it.
  These rows are always as of the last commit.
* ``reprint_maps``: ``head`` (the latest group commit's number, and how many
  articles changed since the last checkpoint), ``store`` and ``groups``: the
  checkpoint, ``ReprintStore.dumps`` (signatures, LSH bands, groups: what the next
  commit updates) and ``ReprintStore.groups_blob`` (the group map searches read),
  with the commit number they are of.
* ``reprint_gone``: the files whose rows a commit deleted since the checkpoint.

The groups are kept on the client with :mod:`newsgrep.reprints`: the writer signs
each article where it analyses it (:meth:`GroupWriter.add_file`) and, at each
commit, *inside the commit's transaction*, takes an advisory lock (one group update
at a time per archive), brings its store up to the latest commit (its own cached
store plus the rows and ``reprint_gone`` entries of other writers' commits since, or
the checkpoint plus those), applies its changes, and writes the changed rows. A kill
-9 at any point leaves articles and groups of the same commit; two writers (different
folders) apply their changes one after the other, each on the other's groups. The
checkpoint (a whole-archive blob) is rewritten at a run's last commit and, within a
long run, once a quarter of the archive has changed since the last one, so a run of
many commits costs O(N) for it in all, not O(N) per commit. A reader whose checkpoint
is older than the head (a run in progress, or one killed) catches up the same way.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ... import reprints
from ...reprint_store import ReprintStore, date_key

#: pg_advisory_xact_lock(LOCK_CLASS, LOCK_GROUPS): held from a commit's group update to its end
LOCK_CLASS, LOCK_GROUPS = 7260737, 2
_ROW_COLUMNS = ("id", "path", "sig", "date", "source", "grp", "gen")


def _read_store(cur: Any, have: tuple[ReprintStore, int] | None = None
                ) -> tuple[ReprintStore, int, int, int]:
    """The store as of the latest group commit, read through ``cur`` (inside a transaction
    that sees one snapshot, or holds the lock): ``(store, head, changes since the
    checkpoint, checkpoint)``. ``have``: a store already known as of some commit, to
    catch up from when the entries since it are still kept."""
    cur.execute("SELECT name, generation, changes FROM reprint_maps WHERE name IN "
                "('head', 'store')")
    rows = {name: (gen, changes) for name, gen, changes in cur.fetchall()}
    head, changes = rows.get("head", (0, 0))
    checkpoint = rows.get("store", (0, 0))[0]
    if have is not None and checkpoint <= have[1] <= head:
        store, since = have
    else:
        cur.execute("SELECT data FROM reprint_maps WHERE name = 'store'")
        row = cur.fetchone()
        try:
            store = ReprintStore.loads(bytes(row[0])) if row and row[0] else ReprintStore()
            since = checkpoint
        except ValueError:  # unreadable (damaged, another format): rebuilt from the rows
            store, since = ReprintStore(), 0
    if since < head:
        _replay(cur, store, since)
    return store, head, changes, checkpoint


def _replay(cur: Any, store: ReprintStore, since: int) -> None:
    """Apply to ``store`` the group commits after ``since``: files whose rows went, then
    the rows written (a file's rows are all of its articles: it replaces the file)."""
    cur.execute("SELECT DISTINCT path FROM reprint_gone WHERE gen > %s", (since,))
    store.remove_files([r[0] for r in cur.fetchall()])
    cur.execute("SELECT path, id, sig, date, source FROM reprints WHERE gen > %s "
                "ORDER BY path, id", (since,))
    by_path: dict[str, list[tuple]] = {}
    for path, aid, sig, ts, source in cur.fetchall():
        by_path.setdefault(path, []).append((aid, bytes(sig), ts, source))
    for path, items in by_path.items():
        store.replace_file(path, items)


def _names(store: ReprintStore, ids: Iterable[str]) -> dict[str, str | None]:
    """Each id's group name (its group's smallest id; None alone), one group look-up each."""
    out: dict[str, str | None] = {}
    for aid in ids:
        if aid in out or aid not in store.index:
            continue
        group = store.index.group(aid)
        name = str(group[0]) if len(group) > 1 else None
        for m in group:
            out[str(m)] = name
    return out


class GroupWriter:
    """The reprint part of one :class:`~.engine.PostgresWriter` session."""

    def __init__(self, rebuild: bool = False, enabled: bool = True) -> None:
        # enabled=False: no signatures, no group commits (NEWSGREP_REPRINTS=0: to measure
        # the cost, bench only; the archive's groups are then out of date)
        self.enabled = enabled
        self.rebuild = rebuild
        self.changed: dict[str, list[tuple]] = {}   # db path -> its articles, signed
        self.gone: set[str] = set()                  # db paths removed
        self._cache: tuple[ReprintStore, int] | None = None
        self._pending: tuple[ReprintStore, int] | None = None

    def add_file(self, path: str, documents: Iterable[Any]) -> None:
        """Sign the articles of the file at ``path`` (as stored) that replace its old ones."""
        if not self.enabled:
            return
        self.gone.discard(path)
        self.changed[path] = [
            (d.id, reprints.signature(d.title, d.body).to_bytes(), date_key(d.date), d.source)
            for d in documents]

    def remove_files(self, paths: Iterable[str]) -> None:
        if not self.enabled:
            return
        for p in paths:
            self.changed.pop(p, None)
            self.gone.add(p)

    def commit(self, conn: Any, *, more: bool = False) -> None:
        """Update the groups in ``conn``'s open transaction (the writer commits it, then
        calls :meth:`committed`). ``more``: other commits of this run follow, so the
        checkpoint may wait (see the module)."""
        self._pending = None
        if not self.enabled:
            return
        cur = conn.cursor()
        if not (self.changed or self.gone or self.rebuild):
            if more:
                return
            # a run's end with nothing of its own: still refresh a checkpoint left behind
            cur.execute("SELECT changes FROM reprint_maps WHERE name = 'head'")
            row = cur.fetchone()
            if not row or not row[0]:
                return
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_CLASS, LOCK_GROUPS))
        if self.rebuild:
            cur.execute("DELETE FROM reprints")
            cur.execute("DELETE FROM reprint_gone")
            cur.execute("SELECT generation FROM reprint_maps WHERE name = 'head'")
            row = cur.fetchone()
            store, head, changes = ReprintStore(), row[0] if row else 0, 0
        else:
            store, head, changes, _ = _read_store(cur, self._cache)
        self._cache = None  # the store is changed below: good again only once committed
        gen = head + 1
        touched: set[str] = set()
        old_ids: list[str] = []
        paths = list(self.gone) + list(self.changed)
        held = {p: store.ids_of(p) for p in paths}
        had = [p for p, ids in held.items() if ids]
        for path in had:
            for aid in held[path]:
                old_ids.append(aid)
                touched.update(str(m) for m in store.index.group(aid))
        store.remove_files(self.gone)
        for path, items in self.changed.items():
            store.replace_file(path, items)
        added = {str(item[0]) for items in self.changed.values() for item in items}
        names = _names(store, list(touched) + sorted(added))
        if old_ids:
            cur.execute("DELETE FROM reprints WHERE id = ANY(%s)", (old_ids,))
        if had:
            with cur.copy("COPY reprint_gone (gen, path) FROM STDIN") as copy:
                for path in had:
                    copy.write_row((gen, path))
        if added:
            with cur.copy(f"COPY reprints ({', '.join(_ROW_COLUMNS)}) FROM STDIN") as copy:
                for path, items in self.changed.items():
                    for aid, sig, ts, source in items:
                        copy.write_row((aid, path, sig, ts, source, names.get(aid), gen))
        renamed = [(aid, name) for aid, name in names.items() if aid not in added]
        if renamed:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS reprint_names (id text, grp text) "
                        "ON COMMIT DELETE ROWS")
            with cur.copy("COPY reprint_names (id, grp) FROM STDIN") as copy:
                for row in renamed:
                    copy.write_row(row)
            cur.execute("UPDATE reprints r SET grp = n.grp FROM reprint_names n "
                        "WHERE r.id = n.id AND r.grp IS DISTINCT FROM n.grp")
            cur.execute("TRUNCATE reprint_names")
        changes += max(1, len(added) + len(old_ids))
        if self.rebuild or not more or changes * 4 >= max(1, len(store)):
            for name, data in (("store", store.dumps()), ("groups", store.groups_blob())):
                cur.execute("INSERT INTO reprint_maps (name, generation, data) VALUES (%s, %s, %s) "
                            "ON CONFLICT (name) DO UPDATE SET generation = excluded.generation, "
                            "data = excluded.data", (name, gen, data))
            cur.execute("DELETE FROM reprint_gone WHERE gen <= %s", (gen,))
            changes = 0
        cur.execute("INSERT INTO reprint_maps (name, generation, changes) VALUES ('head', %s, %s) "
                    "ON CONFLICT (name) DO UPDATE SET generation = excluded.generation, "
                    "changes = excluded.changes", (gen, changes))
        self._pending = (store, gen)

    def committed(self) -> None:
        """The transaction of the last :meth:`commit` is committed: start the next one."""
        self.changed, self.gone, self.rebuild = {}, set(), False
        if self._pending is not None:
            self._cache, self._pending = self._pending, None

    def failed(self) -> None:
        self._cache = self._pending = None


class GroupReading:
    """The reading side of ``ReprintGroups`` (``engine/base.py``), mixed into
    :class:`~.engine.PostgresEngine` (which gives ``_run``, ``_translate``, ``conn``)."""

    _reprint_blobs: dict[str, bytes | None] | None = None

    def _reprint_blob(self, name: str) -> bytes | None:
        """The ``store`` or ``groups`` blob as of the latest group commit (read once per
        open engine, in one snapshot; None: the archive keeps no groups yet)."""
        from .connection import explain, psycopg

        if self._reprint_blobs is None:
            self._reprint_blobs = {}
        if name in self._reprint_blobs:
            return self._reprint_blobs[name]
        pg = psycopg()
        conn = self.conn  # type: ignore[attr-defined]
        try:
            cur = conn.cursor()
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cur.execute("SELECT name, generation FROM reprint_maps")
            gens = dict(cur.fetchall())
            head = gens.get("head", 0)
            if name not in gens and not head:
                blob = None
            elif gens.get(name) == head:
                cur.execute("SELECT data FROM reprint_maps WHERE name = %s", (name,))
                row = cur.fetchone()
                blob = bytes(row[0]) if row and row[0] is not None else None
            else:  # a run in progress, or killed, since the checkpoint: catch up
                store = _read_store(cur)[0]
                self._reprint_blobs["store"] = store.dumps()
                self._reprint_blobs["groups"] = store.groups_blob()
                blob = self._reprint_blobs[name]
            conn.rollback()
        except pg.Error as e:
            self._drop()  # type: ignore[attr-defined]
            raise explain(e, self._dsn, "cannot read the reprint groups") from None  # type: ignore[attr-defined]
        self._reprint_blobs[name] = blob
        return blob

    def reprint_groups(self) -> bytes | None:
        return self._reprint_blob("groups")

    def reprint_data(self) -> bytes | None:
        return self._reprint_blob("store")

    def id_values(self, query: Any, by: str | None) -> list[tuple[str, object]]:
        from ...errors import QueryError
        from ..base import GROUP_FIELDS

        if by is None:
            column = "NULL"
        elif by == "date":
            column = "date"
        elif by in GROUP_FIELDS:
            column = f"NULLIF({by}, '')"
        else:
            raise QueryError(f"cannot count by {by!r}")
        _, _, where = self._translate(query)  # type: ignore[attr-defined]
        rows = self._run(f"SELECT id, {column} FROM articles WHERE {where.sql}",  # type: ignore[attr-defined]
                         where.params)
        return [(r[0], r[1]) for r in rows]


def check_groups(engine: Any) -> list[tuple[str, str]]:
    """``(what, why)`` of what is wrong between the articles and their group rows."""
    problems = []
    missing = engine._run("SELECT count(*) FROM articles a WHERE NOT EXISTS "
                          "(SELECT 1 FROM reprints r WHERE r.id = a.id)")[0][0]
    if missing:
        problems.append(("reprints", f"{missing} articles without a reprint signature"))
    stale = engine._run("SELECT count(*) FROM reprints r WHERE NOT EXISTS "
                        "(SELECT 1 FROM articles a WHERE a.id = r.id)")[0][0]
    if stale:
        problems.append(("reprints", f"{stale} reprint signatures of no article"))
    return problems
