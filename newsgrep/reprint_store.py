"""Reprint groups of an archive, kept beside its commits (engine-neutral).

An engine stores two blobs with each commit, written atomically with it (see
``Engine.reprint_data`` / ``Engine.reprint_groups`` in ``engine/base.py``):

* the *store* (:meth:`ReprintStore.dumps`): the :class:`~newsgrep.reprints.ReprintIndex`
  of every article (signatures, LSH bands, groups), which articles each file
  holds (to remove them when the file changes or goes: listed only for a file
  whose articles are not just the one its path names, ``article_id(path)``), and
  each article's date, source and length (to choose a group's lead);
* the *groups* (:meth:`ReprintStore.groups_blob`): only the groups of two or
  more articles, each as ``(id, date, source, words)`` in time order, lead
  first, in a map a search looks ids up in without reading it whole
  (:func:`encode_groups`, :class:`Groups`). Searches read only this blob.

The indexer computes ``reprints.signature(title, body)`` for each article in
its workers and calls :meth:`ReprintStore.replace_file` / :meth:`remove_files`
before each commit. Groups (``ReprintIndex``: near copies of a centre, the lead, within
``reprints.WINDOW_DAYS`` of it) depend only on the articles present, so any sequence
of runs gives the groups a ``--rebuild`` gives.
"""
from __future__ import annotations

import marshal
import mmap
import re
import struct
import sys
from array import array
from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable
from datetime import datetime, timezone
from typing import Any, cast

from .engine.base import article_id

# (newsgrep.reprints is imported where it is used: a search reads groups without it)

FORMAT = 1
# A whole store (ReprintStore.dump), format 2: FRAMED_MAGIC, then frames (reprints.write_frames):
# marshal of (STORE_FORMAT, sources, n), the n parts of the index (ReprintIndex.parts), and
# the listed files in chunks (marshal of dicts). Written and read part by part: no copy of the
# whole. Format 1 was MAGIC and one marshal of (1, the index's dump, files, a dict id ->
# (date, source, words)); each article's source is now the index's tag, a place in sources.
STORE_FORMAT = 2
FRAMED_MAGIC = b"NGRF"
MAGIC = b"NGRS"
_FILES_CHUNK = 65536
# A commit's changes to the store (ReprintStore.take_delta): magic, the generation of the
# checkpoint (a whole store) it applies over, then marshal of (FORMAT, ops).
DELTA_MAGIC = b"NGRD"
DELTA_HEAD = struct.Struct("<q")
# A checkpoint and its deltas in order, as one blob (what an engine hands ReprintStore.loads).
CHAIN_MAGIC = b"NGRC"
GROUPS_MAGIC = b"NGRG"

# (article id, signature bytes, date as POSIX seconds or None, source)
SignedArticle = tuple


def _unmarshal(data: bytes | memoryview, what: str) -> object:
    try:
        return marshal.loads(data)
    except (EOFError, TypeError, ValueError) as e:
        raise ValueError(f"broken {what}: {e}") from None


def distinct(ranked: Iterable[Any], story_of: Callable[[Any], Hashable],
             limit: int | None) -> list[Any]:
    """The first item of each story in ``ranked`` (best first), up to ``limit`` stories
    (``story_of``: an item's story, such as :meth:`Groups.story` of its id)."""
    seen: set[Hashable] = set()
    out = []
    for item in ranked:
        s = story_of(item)
        if s not in seen:
            seen.add(s)
            out.append(item)
            if limit is not None and len(out) >= limit:
                break
    return out


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
        from . import reprints

        self.index = reprints.ReprintIndex()
        # path -> its articles' ids, for a file whose ids are not [article_id(path)] (the
        # one article of most files: not listed, about 200 bytes an article less)
        self.listed: dict[str, list[str]] = {}
        # the sources named, each once: an article's tag in the index is its source's place
        self.sources: list[str] = []
        self._source_tag: dict[str, int] = {}
        # The changes since the last take_delta, when logging (an incremental run's
        # commits write them as a delta instead of the whole store).
        self.logging = False
        self.log: list[tuple] = []

    def __len__(self) -> int:
        return len(self.index)

    # changes
    def remove_files(self, paths: Iterable[str]) -> None:
        paths = list(paths)
        if self.logging and paths:
            self.log.append(("r", paths))
        self._remove(paths)

    def _remove(self, paths: Iterable[str]) -> None:
        for path in paths:
            for aid in self.ids_of(path):
                self.index.remove(aid)
            self.listed.pop(path, None)

    def ids_of(self, path: str) -> list[str]:
        """The ids of the articles of ``path`` in the store."""
        ids = self.listed.get(path)
        if ids is None:
            ids = [article_id(path)]
        return [aid for aid in ids if aid in self.index]

    def replace_file(self, path: str, items: Iterable[SignedArticle]) -> None:
        from . import reprints

        self._remove([path])
        items = list(items)
        if self.logging:
            self.log.append(("a", path, items))
        ids = []
        for aid, sig_bytes, ts, source in items:
            self.index.add(aid, reprints.Signature.from_bytes(sig_bytes), ts,
                           self._tag(source))
            ids.append(aid)
        if ids and ids != [article_id(path)]:
            self.listed[path] = ids
        if self.index.removed > max(1024, len(self.index) // 4):
            self.index.compact()

    def _tag(self, source: str) -> int:
        tag = self._source_tag.get(source)
        if tag is None:
            tag = self._source_tag[source] = len(self.sources)
            self.sources.append(source)
        return tag

    def info(self, aid: str) -> tuple:
        """``(date ts | None, source, words)`` of an article of the store."""
        index = self.index
        return index.date(aid), self.sources[index.tag(aid)], index.words(aid)

    @property
    def meta(self) -> dict[str, tuple]:
        """Every article's :meth:`info` (builds a dict: for tests and tools)."""
        return {aid: self.info(aid) for aid in cast("Iterable[str]", self.index.keys())}

    # storage
    def dump(self, write: Callable[[Any], Any]) -> int:
        """The whole store (format 2) through ``write`` (a file's), part by part; the
        bytes written."""
        from itertools import islice

        from .reprints import write_frames

        index = self.index.parts()
        items = iter(self.listed.items())

        def parts() -> Iterable[Any]:
            yield marshal.dumps((STORE_FORMAT, self.sources, len(index)))
            yield from index
            while chunk := dict(islice(items, _FILES_CHUNK)):
                yield marshal.dumps(chunk)

        write(FRAMED_MAGIC)
        return len(FRAMED_MAGIC) + write_frames(parts(), write)

    def dumps(self) -> bytes:
        out: list[Any] = []
        self.dump(out.append)
        return b"".join(out)

    def take_delta(self, base: int) -> bytes:
        """The changes logged since the last call, as a delta over checkpoint ``base``."""
        ops, self.log = self.log, []
        return DELTA_MAGIC + DELTA_HEAD.pack(base) + marshal.dumps((FORMAT, ops))

    def apply_delta(self, data: bytes) -> None:
        """Replay a delta (:meth:`take_delta`); raises ValueError for a broken one."""
        if not data.startswith(DELTA_MAGIC):
            raise ValueError("not a reprint delta")
        try:
            fmt, ops = marshal.loads(data[len(DELTA_MAGIC) + DELTA_HEAD.size:])
        except (EOFError, TypeError, ValueError) as e:
            raise ValueError(f"broken reprint delta: {e}") from None
        if fmt != FORMAT:
            raise ValueError("reprint delta of another format")
        logging, self.logging = self.logging, False
        try:
            for op in ops:
                if op[0] == "r":
                    self.remove_files(op[1])
                else:
                    self.replace_file(op[1], op[2])
        finally:
            self.logging = logging

    @classmethod
    def loads(cls, data: bytes) -> ReprintStore:
        """Raises ValueError for anything but a store of this format: a whole store, or
        a chain (``CHAIN_MAGIC``: a checkpoint and the deltas over it, in order)."""
        if data.startswith(CHAIN_MAGIC):
            with memoryview(data) as view:
                parts = _unmarshal(view[len(CHAIN_MAGIC):], "reprint store")
            if not isinstance(parts, list) or not parts:
                raise ValueError("broken reprint store")
            return cls.load_parts(parts)
        return cls._load_whole([data])

    @classmethod
    def load_parts(cls, parts: list[bytes]) -> ReprintStore:
        """A checkpoint and the deltas over it, in order (``parts`` is emptied: each blob
        is dropped once read, so a large store does not sit in memory twice)."""
        parts.reverse()
        store = cls._load_whole([parts.pop()])
        while parts:
            store.apply_delta(parts.pop())
        return store

    @classmethod
    def _load_whole(cls, holder: list[bytes]) -> ReprintStore:
        """The store in ``holder``'s one blob (a whole store, framed or of format 1);
        ``holder`` is emptied, and the blob freed once its parts are arrays and dicts."""
        data = holder.pop()
        from . import reprints

        store = cls()
        if data[:len(FRAMED_MAGIC)] == FRAMED_MAGIC:
            frames = reprints.read_frames(data, len(FRAMED_MAGIC))
            del data
            head = _unmarshal(frames[0], "reprint store") if frames else None
            if not isinstance(head, tuple) or len(head) != 3:
                raise ValueError("broken reprint store")
            if head[0] != STORE_FORMAT:
                raise ValueError("reprint store of another format")
            _, store.sources, n = head
            store._source_tag = {source: tag for tag, source in enumerate(store.sources)}
            store.index = ix = reprints.ReprintIndex.from_parts(frames[1:1 + n])
            for frame in frames[1 + n:]:
                chunk = _unmarshal(frame, "reprint store")
                if not isinstance(chunk, dict):
                    raise ValueError("broken reprint store")
                store._list(chunk)
            frames.clear()
            store._share_keys()
            return store
        if not data.startswith(MAGIC):
            raise ValueError("not a reprint store")
        with memoryview(data) as view:
            state = _unmarshal(view[len(MAGIC):], "reprint store")
        del data
        if not isinstance(state, tuple) or len(state) != 4:
            raise ValueError("broken reprint store")
        if state[0] != 1:
            raise ValueError("reprint store of another format")
        files, named, index = state[2], state[3], [state[1]]
        del state
        store.index = ix = reprints.ReprintIndex.loads(index)
        store._list(files)
        store._share_keys()
        # format 1: named is {id: (date ts, source, words)}; the sources become tags
        if ix.undated_dump:  # grouped before dates were kept: group again, dated
            old, store.index = ix, reprints.ReprintIndex()
            for ids in files.values():
                for aid in ids:
                    if aid in old:
                        ts, source, _ = named.get(aid, (None, "", 0))
                        store.index.add(aid, old.signature(aid), ts, store._tag(source))
            store.index.regrouped = True
        else:
            for aid, (_, source, _) in named.items():
                if aid in ix:
                    ix.set_tag(aid, store._tag(source))
        return store

    def _list(self, files: dict[str, list[str]]) -> None:
        """Add loaded files' ids to :attr:`listed`, but those that name one article,
        ``article_id(path)`` (a store written before: it listed every file)."""
        self.listed.update((path, ids) for path, ids in files.items()
                           if ids and ids != [article_id(path)])

    def _share_keys(self) -> None:
        """The listed ids as the index's key strings, not a copy of each."""
        key = self.index.key
        for ids in self.listed.values():
            ids[:] = [cast(str, key(aid)) for aid in ids]

    @property
    def regrouped(self) -> bool:
        """Whether the store was grouped again on loading (made with an older grouping):
        write it whole (a checkpoint) at the next commit, or each load regroups it."""
        return bool(self.index.regrouped)

    def group_list(self) -> list[list[tuple]]:
        """Groups of 2+: ``[(id, ts, source, words), ...]`` in time order (lead first)."""
        return [self._rows(ids) for ids in self._ordered_groups()]

    def _rows(self, ids: list[str]) -> list[tuple]:
        return [(i, *self.info(i)) for i in ids]

    def _ordered_groups(self) -> list[list[str]]:
        """The ids of each group of 2+ in time order (lead first), the groups in the order
        of their leads' ids (as the lists of :meth:`group_list` sort)."""
        out = [[m[0] for m in order_group(self._rows(cast(list[str], ids)))]
               for ids in self.index.copy_groups()]
        out.sort(key=lambda ids: ids[0])
        return out

    def groups_blob(self) -> bytes:
        """The group map searches read (format 2, see :func:`encode_groups`): each group's
        rows made as it is written, not all of them first."""
        return encode_groups(self._ordered_groups(), self._rows)


def order_group(members: list[tuple]) -> list[tuple]:
    """``(id, ts, source, words)`` rows lead first (:func:`reprints.choose_lead`), then by
    date (undated last), then id."""
    from . import reprints

    lead, _ = reprints.choose_lead((m[0], m[1], m[3]) for m in members)
    rest = sorted((m for m in members if m[0] != lead),
                  key=lambda m: (m[1] is None, m[1] or 0, m[0]))
    return [next(m for m in members if m[0] == lead)] + rest


GROUP_MAP_MAGIC = b"NGRGMAP2"  # format 2 of the group map (format 1: GROUPS_MAGIC + marshal)
_HEAD = struct.Struct("<BBxxII")  # hex keys?, key width, keys, groups
_HEX = re.compile(r"[0-9a-f]{16}\Z")


def encode_groups(groups: list[list[Any]],
                  rows: Callable[[list[Any]], list[tuple]] | None = None) -> bytes:
    """The group map file (format 2): looked up in place, one group decoded at a time.
    ``groups``: each group's rows, or (with ``rows``, which makes a group's rows from
    it) each group's ids, in the same order.

    Layout (little-endian)::

        b"NGRGMAP2"
        header   uint8 hex (1: every id is 16 hex digits, a key is their 8 bytes;
                 0: a key is the id in UTF-8, NUL-padded), uint8 key width,
                 2 pad bytes, uint32 keys (member ids), uint32 groups
        keys     the member ids of every group, sorted, fixed width
        index    uint32 per key: its group's number
        offsets  uint64 per group + 1: where each group's record starts in records
        records  each group's ``[(id, ts, source, words), ...]`` (marshal), lead first
    """

    def ids_of(g: list[Any]) -> Iterable[Any]:
        return g if rows else (m[0] for m in g)

    ids = [i for g in groups for i in ids_of(g)]
    hexed = all(isinstance(i, str) and _HEX.match(i) for i in ids)
    n = len(ids)
    if hexed:  # (memory: one number a member, keys and owners sorted together)
        width = 8
        del ids
        keyed = sorted(int(i, 16) << 32 | k for k, g in enumerate(groups) for i in ids_of(g))
        keys = array("Q", (x >> 32 for x in keyed))
        if sys.byteorder == "little":
            keys.byteswap()  # (big-endian: the ids' bytes)
        table = keys.tobytes()
        owner = array("I", (x & 0xFFFFFFFF for x in keyed))
        del keyed, keys
    else:
        raw = [str(i).encode("utf-8") for i in ids]
        width = max((len(r) for r in raw), default=1)
        if width > 255 or any(b"\0" in r for r in raw):
            raise ValueError("article ids unfit for a group map")
        raw = [r.ljust(width, b"\0") for r in raw]
        owned = [k for k, g in enumerate(groups) for _ in g]
        order = sorted(range(n), key=raw.__getitem__)
        table = b"".join(raw[i] for i in order)
        owner = array("I", (owned[i] for i in order))
    if sys.byteorder != "little":
        owner.byteswap()
    records = bytearray()
    offsets = array("Q", [0])
    for g in groups:
        records += marshal.dumps(rows(g) if rows else g)
        offsets.append(len(records))
    if sys.byteorder != "little":
        offsets.byteswap()
    return b"".join([GROUP_MAP_MAGIC, _HEAD.pack(hexed, width, n, len(groups)), table,
                     owner, offsets, records])


class Groups:
    """What searches need: article id -> its group (2+ articles), lead first.

    Reads the group map in place (``bytes`` or an ``mmap``): a look-up is a binary
    search over the sorted ids and decodes only that id's group, so opening the map
    costs the same for any number of groups. A map of format 1 (``GROUPS_MAGIC`` +
    marshal, before the index was updated) is read whole, as before, and the next
    index run writes format 2.
    """

    def __init__(self, groups: list[list[tuple]] | None = None, *,
                 data: bytes | mmap.mmap | None = None):
        if data is None:
            data = encode_groups(groups or [])
        m = len(GROUP_MAP_MAGIC)
        if len(data) < m + _HEAD.size or data[:m] != GROUP_MAP_MAGIC:
            raise ValueError("not a reprint group map")
        hexed, self._width, self._n, self._ngroups = _HEAD.unpack(data[m:m + _HEAD.size])
        self._hex = bool(hexed)
        self._data = data
        self._keys = m + _HEAD.size
        self._index = self._keys + self._width * self._n
        self._offsets = self._index + 4 * self._n
        self._records = self._offsets + 8 * (self._ngroups + 1)
        if len(data) < self._records:
            raise ValueError("truncated reprint group map")
        self._cache: dict[int, list[tuple]] = {}

    @classmethod
    def loads(cls, data: bytes | mmap.mmap | None) -> Groups:
        if not data:
            return cls()
        if data[:len(GROUP_MAP_MAGIC)] == GROUP_MAP_MAGIC:
            return cls(data=data)
        if data[:len(GROUPS_MAGIC)] != GROUPS_MAGIC:
            raise ValueError("not a reprint group map")
        fmt, groups = marshal.loads(data[len(GROUPS_MAGIC):])  # format 1: whole
        if fmt != FORMAT:
            raise ValueError("reprint group map of another format")
        return cls(groups)

    def __len__(self) -> int:
        """The number of groups."""
        return self._ngroups

    def _key(self, aid: str) -> bytes | None:
        if self._hex:
            return bytes.fromhex(aid) if _HEX.match(aid) else None
        raw = aid.encode("utf-8")
        return raw.ljust(self._width, b"\0") if len(raw) <= self._width else None

    CACHED = 1024  # decoded groups kept (a long-lived process, --batch, would keep them all)

    def _group(self, n: int) -> list[tuple]:
        g = self._cache.get(n)
        if g is None:
            a, b = struct.unpack_from("<QQ", self._data, self._offsets + 8 * n)
            g = marshal.loads(self._data[self._records + a:self._records + b])
            if len(self._cache) >= self.CACHED:
                self._cache.clear()
            self._cache[n] = g
        return g

    def group(self, aid: str) -> list[tuple] | None:
        """``aid``'s group as ``[(id, ts, source, words), ...]``, lead first; None without copies."""
        n = self._number(aid)
        return None if n is None else self._group(n)

    def story(self, aid: str) -> str | int:
        """A key equal for the articles of one story: its group's number, or the id of an
        article without copies (nothing decoded: for many look-ups in a search)."""
        n = self._number(aid)
        return aid if n is None else n

    def _number(self, aid: str) -> int | None:
        """The number of ``aid``'s group (a binary search over the sorted ids), or None."""
        key = self._key(aid)
        if key is None or not self._n:
            return None
        data, w, base = self._data, self._width, self._keys
        lo, hi = 0, self._n
        while lo < hi:
            mid = (lo + hi) // 2
            if data[base + mid * w:base + mid * w + w] < key:
                lo = mid + 1
            else:
                hi = mid
        if lo == self._n or data[base + lo * w:base + lo * w + w] != key:
            return None
        (n,) = struct.unpack_from("<I", self._data, self._index + 4 * lo)
        return int(n)

    def numbers_of(self, ids: Iterable[str]) -> dict[str, int]:
        """The group number of each of ``ids`` that has copies (nothing decoded): for
        many ids, one pass over the keys instead of a binary search each."""
        ids = list(ids)
        if len(ids) * max(1, self._n.bit_length()) < self._n:
            found = {}
            for aid in ids:
                n = self._number(aid)
                if n is not None:
                    found[aid] = n
            return found
        w, base, n = self._width, self._keys, self._n
        numbers = array("I", self._data[self._index:self._index + 4 * n])
        if sys.byteorder != "little":
            numbers.byteswap()
        found = {}
        if w == 8:  # (ids of 16 hex digits: the sorted keys as big-endian numbers, searched in C)
            keys = array("Q", self._data[base:base + 8 * n])
            if sys.byteorder == "little":
                keys.byteswap()
            hexed, is_hex = self._hex, _HEX.match
            for aid in ids:
                if hexed:
                    if not is_hex(aid):
                        continue
                    k = int(aid, 16)
                else:
                    key = self._key(aid)
                    if key is None:
                        continue
                    k = int.from_bytes(key, "big")
                i = bisect_left(keys, k)
                if i < n and keys[i] == k:
                    found[aid] = numbers[i]
            return found
        table = bytes(self._data[base:base + w * n])
        where = {table[i * w:i * w + w]: i for i in range(n)}
        for aid in ids:
            key = self._key(aid)
            j = where.get(key) if key is not None else None
            if j is not None:
                found[aid] = numbers[j]
        return found

    def order_in_group(self, n: int) -> dict[str, int]:
        """Each member of group ``n`` -> its place in the group's time order (lead: 0)."""
        return {m[0]: i for i, m in enumerate(self._group(n))}

    @property
    def groups(self) -> list[list[tuple]]:
        """Every group (decodes them all: for tests and tools, not searches)."""
        return [self._group(n) for n in range(self._ngroups)]

    def group_id(self, aid: str) -> str | None:
        """The group's name (its smallest id), None for an article without copies."""
        g = self.group(aid)
        return None if g is None else min(m[0] for m in g)

    def members(self, aid: str) -> list[tuple]:
        """``(id, date, source)`` of the group, lead first; [] without copies."""
        return [(m[0], _date(m[1]), m[2]) for m in self.group(aid) or []]

    def reason(self, aid: str) -> str:
        """Why the lead of ``aid``'s group is its lead ("earliest", ...)."""
        from . import reprints

        g = self.group(aid)
        if g is None:
            return ""
        return reprints.choose_lead((m[0], m[1], m[3]) for m in g)[1]

    def lead(self, aid: str) -> str:
        g = self.group(aid)
        return aid if g is None else g[0][0]
