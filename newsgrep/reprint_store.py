"""Reprint groups of an archive, kept beside its commits (engine-neutral).

An engine stores two blobs with each commit, written atomically with it (see
``Engine.reprint_data`` / ``Engine.reprint_groups`` in ``engine/base.py``):

* the *store* (:meth:`ReprintStore.dumps`): the :class:`~newsgrep.reprints.ReprintIndex`
  of every article (signatures, LSH bands, groups), which articles each file
  holds (to remove them when the file changes or goes), and each article's
  date, source and length (to choose a group's lead);
* the *groups* (:meth:`ReprintStore.groups_blob`): only the groups of two or
  more articles, each as ``(id, date, source, words)`` in time order, lead
  first. Searches read only this (small) blob.

The indexer computes ``reprints.signature(title, body)`` for each article in
its workers and calls :meth:`ReprintStore.replace_file` / :meth:`remove_files`
before each commit. Groups are the connected components of the near-copy
relation, so any sequence of runs gives the groups a ``--rebuild`` gives.
"""
from __future__ import annotations

import marshal
from collections.abc import Iterable
from datetime import datetime, timezone

from . import reprints

FORMAT = 1
MAGIC = b"NGRS"
GROUPS_MAGIC = b"NGRG"

# (article id, signature bytes, date as POSIX seconds or None, source)
SignedArticle = tuple


def date_key(date: datetime | None) -> float | None:
    if date is None:
        return None
    if date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
    return date.timestamp()


def _date(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc).replace(tzinfo=None)


class ReprintStore:
    """The reprint groups of an archive and what is needed to keep them up to date."""

    def __init__(self) -> None:
        self.index = reprints.ReprintIndex()
        self.files: dict[str, list[str]] = {}
        self.meta: dict[str, tuple] = {}  # id -> (date ts | None, source, words)

    def __len__(self) -> int:
        return len(self.index)

    # changes
    def remove_files(self, paths: Iterable[str]) -> None:
        for path in paths:
            for aid in self.files.pop(path, ()):
                if aid in self.index:
                    self.index.remove(aid)
                self.meta.pop(aid, None)

    def replace_file(self, path: str, items: Iterable[SignedArticle]) -> None:
        self.remove_files([path])
        ids = []
        for aid, sig_bytes, ts, source in items:
            sig = reprints.Signature.from_bytes(sig_bytes)
            self.index.add(aid, sig)
            self.meta[aid] = (ts, source, sig.words)
            ids.append(aid)
        self.files[path] = ids
        if self.index.removed > max(1024, len(self.index) // 4):
            self.index.compact()

    # storage
    def dumps(self) -> bytes:
        return MAGIC + marshal.dumps((FORMAT, self.index.dumps(), self.files, self.meta))

    @classmethod
    def loads(cls, data: bytes) -> ReprintStore:
        """Raises ValueError for anything but a store of this format."""
        if not data.startswith(MAGIC):
            raise ValueError("not a reprint store")
        try:
            fmt, ix, files, meta = marshal.loads(data[len(MAGIC):])
        except (EOFError, TypeError, ValueError) as e:
            raise ValueError(f"broken reprint store: {e}") from None
        if fmt != FORMAT:
            raise ValueError("reprint store of another format")
        store = cls()
        store.index = reprints.ReprintIndex.loads(ix)
        store.files, store.meta = files, meta
        return store

    def group_list(self) -> list[list[tuple]]:
        """Groups of 2+: ``[(id, ts, source, words), ...]`` in time order (lead first)."""
        by_group: dict[str, list[str]] = {}
        for aid, gid in self.index.group_ids().items():
            by_group.setdefault(gid, []).append(aid)  # type: ignore[arg-type]
        out = []
        for ids in by_group.values():
            if len(ids) > 1:
                out.append(order_group([(i, *self.meta.get(i, (None, "", 0))) for i in ids]))
        out.sort()
        return out

    def groups_blob(self) -> bytes:
        return GROUPS_MAGIC + marshal.dumps((FORMAT, self.group_list()))


def order_group(members: list[tuple]) -> list[tuple]:
    """``(id, ts, source, words)`` rows lead first (:func:`reprints.choose_lead`), then by
    date (undated last), then id."""
    lead, _ = reprints.choose_lead((m[0], m[1], m[3]) for m in members)
    rest = sorted((m for m in members if m[0] != lead),
                  key=lambda m: (m[1] is None, m[1] or 0, m[0]))
    return [next(m for m in members if m[0] == lead)] + rest


class Groups:
    """What searches need: article id -> its group (2+ articles), lead first."""

    def __init__(self, groups: list[list[tuple]] | None = None):
        self.groups = groups or []
        self.of: dict[str, list[tuple]] = {}
        for g in self.groups:
            for m in g:
                self.of[m[0]] = g

    @classmethod
    def loads(cls, data: bytes | None) -> Groups:
        if not data:
            return cls()
        if not data.startswith(GROUPS_MAGIC):
            raise ValueError("not a reprint group map")
        fmt, groups = marshal.loads(data[len(GROUPS_MAGIC):])
        if fmt != FORMAT:
            raise ValueError("reprint group map of another format")
        return cls(groups)

    def group_id(self, aid: str) -> str | None:
        """The group's name (its smallest id), None for an article without copies."""
        g = self.of.get(aid)
        return None if g is None else min(m[0] for m in g)

    def members(self, aid: str) -> list[tuple]:
        """``(id, date, source)`` of the group, lead first; [] without copies."""
        return [(m[0], _date(m[1]), m[2]) for m in self.of.get(aid, [])]

    def reason(self, aid: str) -> str:
        """Why the lead of ``aid``'s group is its lead ("earliest", ...)."""
        g = self.of.get(aid)
        if g is None:
            return ""
        return reprints.choose_lead((m[0], m[1], m[3]) for m in g)[1]

    def lead(self, aid: str) -> str:
        g = self.of.get(aid)
        return aid if g is None else g[0][0]
