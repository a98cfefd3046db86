"""Committing to a Whoosh archive folder: TOCs, the sidecars beside them, the writer's lock.

A commit moves finished segments' files in, marks the old documents of
updated files deleted, writes its changes to the files table (path -> size,
mtime, content hash: ``filetable``) and then a new TOC (an atomic rename),
each made durable in that order; a reader always sees the last TOC. One writer at a time
holds ``newsgrep.lock`` (``flock``: a dead holder never blocks).
"""
from __future__ import annotations

import errno
import fcntl
import marshal
import os
import shutil
import struct
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import IndexCorrupt, IndexLocked, NewsgrepError
from .figures import figures_of, load_figures, remove_old_figures, write_figures
from .filetable import FILES_PREFIX, FileTable
from .schema import file_term, path_of_term, text_analyzer

__all__ = ["Committer", "load_state", "open_state", "write_lock", "has_commit", "Target", "clean",
           "verify", "write_error", "tempdir", "committed_segments", "create_index",
           "close_held_locks", "temp_storage", "DISK_ERRORS", "LOCK_FILE", "STATE_PREFIX",
           "TMP_PREFIX"]

LOCK_FILE = "newsgrep.lock"
STATE_PREFIX = "newsgrep-state-"
# Beside each state: the reprint store and the group map of that commit (reprint_store).
REPRINTS_PREFIX = "newsgrep-reprints-"
GROUPS_PREFIX = "newsgrep-groups-"
# A commit's changes to the reprint store, over the last whole one (see Committer.commit).
DELTA_SUFFIX = ".delta"
# Beside a group map that is an earlier commit's (new articles not grouped yet).
STALE_SUFFIX = ".stale"
TMP_PREFIX = ".newsgrep-tmp-"
_ENTRY = struct.Struct("<qq")


@contextmanager
def write_lock(directory: Path, wait: bool = False) -> Iterator[None]:
    """Hold the index's writer lock; raise :class:`IndexLocked` naming the holder.

    The lock is an ``flock`` on a file, released by the kernel when its holder
    dies, so a crashed run never leaves a stale lock behind.
    """
    fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise IndexLocked(f"index is busy (pid {holder}): another newsgrep is writing to "
                              f"{directory}; use --wait to wait for it") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        HELD_LOCKS.add(fd)
        yield
    finally:
        HELD_LOCKS.discard(fd)
        os.close(fd)


# Lock descriptors this process holds: a forked worker closes its copies, so
# that the lock dies with the parent even if a worker outlived it.
HELD_LOCKS: set[int] = set()


def state_name(generation: int) -> str:
    return f"{STATE_PREFIX}{generation}.bin"


def _legacy_state(directory: Path, generation: int) -> dict[str, tuple[int, int, str]] | None:
    """The state file an older newsgrep wrote for ``generation`` (``newsgrep-state-N.bin``:
    path -> packed ``size, mtime`` and hash, or before that a tuple), or None."""
    try:
        with open(directory / state_name(generation), "rb") as fh:
            raw = marshal.load(fh)
        if not isinstance(raw, dict):
            raise TypeError(f"a {type(raw).__name__}, not the files indexed")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError, TypeError) as e:
        raise IndexCorrupt(f"cannot read {directory / state_name(generation)}: {e}; repair it "
                           f"with: newsgrep index --rebuild --index {directory}") from None
    out = {}
    for path, entry in raw.items():
        if isinstance(entry, bytes):
            size, mtime = _ENTRY.unpack_from(entry)
            entry = (size, mtime, entry[_ENTRY.size:].decode("utf-8", "surrogateescape"))
        out[path] = tuple(entry)
    return out


def _from_lexicon(ix) -> list[tuple[str, tuple[int, int, str]]]:
    # No state for this commit (an index written by other means): rebuilt from the index,
    # with nothing known but the paths, so that every file is read again and replaces its
    # documents.
    with ix.reader() as r:
        if "file" not in r.indexed_field_names():
            return []
        return [(path_of_term(text), (-1, -1, "")) for text in r.lexicon("file")]


def _unreadable_table(directory: Path, e: Exception) -> IndexCorrupt:
    return IndexCorrupt(f"cannot read the files table in {directory}: {e}; repair it with: "
                        f"newsgrep index --rebuild --index {directory}")


def load_state(directory: Path, ix) -> dict[str, tuple[int, int, str]]:
    """The files indexed as of the index's current generation (read only)."""
    import sqlite3

    from whoosh.index import TOC

    from .filetable import read_files

    gen = TOC._latest_generation(ix.storage, ix.indexname)
    try:
        files = read_files(directory, gen)
    except sqlite3.DatabaseError as e:
        raise _unreadable_table(directory, e) from None
    if files is None:
        files = _legacy_state(directory, gen)
    return dict(_from_lexicon(ix)) if files is None else files


def open_state(directory: Path, ix, fresh: bool = False) -> FileTable:
    """The files table a run updates: as of the index's current generation, or for a
    rebuild (``fresh``) a new one, used once its commit is."""
    import sqlite3

    from whoosh.index import TOC

    from .filetable import create_files, open_files

    gen = TOC._latest_generation(ix.storage, ix.indexname)
    try:
        if fresh:
            return create_files(directory, gen + 1)
        table = open_files(directory, gen)
        if table is None:  # an older newsgrep's state file, or none: moved into a table
            rows = _legacy_state(directory, gen)
            table = create_files(directory, gen, _from_lexicon(ix) if rows is None
                                 else rows.items(), generation=gen)
        return table
    except sqlite3.DatabaseError as e:
        raise _unreadable_table(directory, e) from None


def write_state(directory: Path, generation: int, state: FileTable) -> None:
    state.commit(generation)


def reprints_chain(directory: Path, generation: int) -> tuple[int, list[int]] | None:
    """The reprint store of ``generation`` on disk: ``(checkpoint, deltas)``, the generation
    of the whole store (``newsgrep-reprints-B.bin``) and of each delta over it
    (``newsgrep-reprints-G.delta``), in order; None when the commit keeps none."""
    from ...reprint_store import DELTA_HEAD, DELTA_MAGIC

    if (directory / f"{REPRINTS_PREFIX}{generation}.bin").exists():
        return generation, []
    name = directory / f"{REPRINTS_PREFIX}{generation}{DELTA_SUFFIX}"
    try:
        with open(name, "rb") as fh:
            head = fh.read(len(DELTA_MAGIC) + DELTA_HEAD.size)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise _unreadable(directory, name.name, e) from None
    if len(head) < len(DELTA_MAGIC) + DELTA_HEAD.size or not head.startswith(DELTA_MAGIC):
        raise _unreadable(directory, name.name, "not a reprint delta")
    (base,) = DELTA_HEAD.unpack(head[len(DELTA_MAGIC):])
    deltas = list(range(base + 1, generation + 1))
    missing = [f"{REPRINTS_PREFIX}{base}.bin"] if not (
        directory / f"{REPRINTS_PREFIX}{base}.bin").exists() else []
    missing += [f"{REPRINTS_PREFIX}{g}{DELTA_SUFFIX}" for g in deltas
                if not (directory / f"{REPRINTS_PREFIX}{g}{DELTA_SUFFIX}").exists()]
    if base >= generation or missing:
        raise _unreadable(directory, name.name, f"{', '.join(missing) or 'its base'} missing")
    return base, deltas


def _unreadable(directory: Path, name: str, why: object) -> IndexCorrupt:
    return IndexCorrupt(f"cannot read {directory / name}: {why}; repair it with: "
                        f"newsgrep index --rebuild --index {directory}")


def _reprint_parts(directory: Path, generation: int) -> list[bytes] | None:
    """The reprint store of ``generation``: its checkpoint and the deltas over it, in
    order; None when there is none."""
    chain = reprints_chain(directory, generation)
    if chain is None:
        return None
    base, deltas = chain
    names = [f"{REPRINTS_PREFIX}{base}.bin"] + [f"{REPRINTS_PREFIX}{g}{DELTA_SUFFIX}"
                                                for g in deltas]
    parts = []
    for name in names:
        try:
            with open(directory / name, "rb") as fh:
                parts.append(fh.read())
        except OSError as e:
            raise _unreadable(directory, name, e) from None
    return parts


def reprints_bytes(directory: Path, generation: int) -> bytes | None:
    """The reprint store of ``generation`` as one blob ``ReprintStore.loads`` reads (the
    checkpoint alone, or a chain of it and its deltas); None when there is none."""
    from ...reprint_store import CHAIN_MAGIC

    parts = _reprint_parts(directory, generation)
    if parts is None:
        return None
    return parts[0] if len(parts) == 1 else CHAIN_MAGIC + marshal.dumps(parts)


def load_reprints(directory: Path, generation: int) -> Any:
    """The reprint store of ``generation`` (empty when there is none: an archive built
    before newsgrep kept reprint groups, or without them; a rebuild fills it). Read
    part by part, each blob freed once applied (not joined into one blob first)."""
    from ...reprint_store import ReprintStore

    parts = _reprint_parts(directory, generation)
    if parts is None:
        return ReprintStore()
    try:
        return ReprintStore.load_parts(parts)
    except ValueError as e:
        raise _unreadable(directory, f"{REPRINTS_PREFIX}{generation}", e) from None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def write_sidecar(directory: Path, name: str, data: bytes | Callable[[Callable], Any]) -> int:
    """``data`` as ``name``, atomically and durably (like the state); ``data`` may be a
    function that writes it through the write function it is given (part by part).
    Returns the size written."""
    tmp = directory / (name + ".tmp")
    with open(tmp, "wb") as fh:
        if callable(data):
            data(fh.write)
        else:
            fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
        size = fh.tell()
    os.replace(tmp, directory / name)
    return size


def remove_old_states(directory: Path, keep: int,
                      chain: tuple[int, list[int]] | None = None, table: str = "") -> None:
    """Remove the sidecars of other commits than ``keep``, but the reprint store's
    ``chain`` (its checkpoint and deltas, see :func:`reprints_chain`), and the files
    tables but ``table`` (older newsgreps' state files too)."""
    keeping = {f"{REPRINTS_PREFIX}{keep}.bin", f"{GROUPS_PREFIX}{keep}.bin",
               f"{GROUPS_PREFIX}{keep}{STALE_SUFFIX}", table, table + "-journal"}
    if chain is not None:
        keeping.add(f"{REPRINTS_PREFIX}{chain[0]}.bin")
        keeping.update(f"{REPRINTS_PREFIX}{g}{DELTA_SUFFIX}" for g in chain[1])
    for name in os.listdir(directory):
        if (name.startswith((STATE_PREFIX, REPRINTS_PREFIX, GROUPS_PREFIX, FILES_PREFIX))
                and name not in keeping):
            try:
                os.unlink(directory / name)
            except OSError:
                pass


class Committer:
    """Adds finished segments to the index, one TOC generation per commit."""

    def __init__(self, directory: Path, ix: Any, schema: Any, state: FileTable, fresh_toc: bool, *,
                 segment_docs: int, max_small_segments: int,
                 hook: Callable[[str], None] = lambda point: None, reprints: bool = True):
        from whoosh.index import TOC

        self.directory = directory
        self.storage = ix.storage
        self.indexname = ix.indexname
        self.schema = schema
        self.fresh_toc = fresh_toc
        if fresh_toc:
            # A rebuild starts from no segments and commits only at the end; it never
            # reads the old TOC, which may be what it repairs.
            self.generation = TOC._latest_generation(self.storage, self.indexname)
            self.segments = []
        else:
            toc = TOC.read(self.storage, self.indexname)
            self.generation = toc.generation
            self.segments = list(toc.segments)
        self.state = state
        # Reprint groups, kept up to date as files come and go (not kept: keep_reprints
        # False); the store is read on first use (a run that changes nothing never reads it).
        self.keep_reprints = reprints
        self._store: Any = None
        # The store on disk as of the last commit: its checkpoint's generation and size,
        # and the deltas since (generations, bytes); None: none yet (a checkpoint is due).
        self._chain: tuple[int, list[int]] | None = None
        self._base_bytes = self._delta_bytes = 0
        # The group map: whether the last commit's is an earlier one's (stale), and the
        # articles added or removed since it was last written, and how many it grouped.
        self._map_stale = False
        self._changed = 0
        self._map_articles = 0
        if reprints and not fresh_toc:
            self._chain = reprints_chain(directory, self.generation)
            if self._chain is not None:
                base, deltas = self._chain
                self._base_bytes = _size(directory / f"{REPRINTS_PREFIX}{base}.bin")
                self._delta_bytes = sum(_size(directory / f"{REPRINTS_PREFIX}{g}{DELTA_SUFFIX}")
                                        for g in deltas)
            self._map_stale = (directory / f"{GROUPS_PREFIX}{self.generation}"
                                           f"{STALE_SUFFIX}").exists()
        self.segment_docs = segment_docs  # merged segments hold at most this many documents
        self.max_small_segments = max_small_segments  # merged when more are small
        self.hook = hook  # test points
        self._readers: dict = {}
        self._order: dict[str, tuple] = {}  # this run's segments -> (worker, n)
        self._unsynced: list[str] = []  # files moved in since the last commit
        self._figures: dict | None = None  # segment id -> (deleted, figures), as last written

    @property
    def reprints(self) -> Any:
        """The reprint store (read on first use), None when the archive keeps none."""
        if not self.keep_reprints:
            return None
        if self._store is None:
            from ...reprint_store import ReprintStore

            self._store = (ReprintStore() if self._chain is None
                           else load_reprints(self.directory, self.generation))
            self._store.logging = not self.fresh_toc
            self._map_articles = len(self._store)
        return self._store

    def _doc_ids(self, segment, path: str):
        from whoosh.reading import SegmentReader, TermNotFound

        reader = self._readers.get(segment.segment_id())
        if reader is None:
            reader = SegmentReader(self.storage, self.schema, segment)
            self._readers[segment.segment_id()] = reader
        try:
            return list(reader.postings("file", file_term(path)).all_ids())
        except TermNotFound:
            return []

    def delete_files(self, paths: Iterable[str]) -> None:
        """Mark the documents of ``paths`` deleted in the committed segments."""
        paths = list(paths)
        if self.keep_reprints and paths:
            before = len(self.reprints)
            self.reprints.remove_files(paths)
            self._changed += before - len(self.reprints)
        for path in paths:
            for segment in self.segments:
                for docnum in self._doc_ids(segment, path):
                    segment.delete_document(docnum)

    def add_signatures(self, signed: dict[str, list[tuple]]) -> None:
        """The reprint signatures of the articles of files just read (replacing theirs)."""
        if self.keep_reprints and signed:
            for path, items in signed.items():
                self.reprints.replace_file(path, items)
                self._changed += len(items)

    def add_segment(self, segment, tmpdir: str, order: tuple = (0, 0)) -> None:
        """Move a finished segment's files from ``tmpdir`` into the index.

        This run's segments are listed in the order of the files they hold
        (``order``: worker, then sequence), whatever order they finish in, so
        documents are numbered in walk order and equal scores rank the same
        way however many workers there were.
        """
        from .check import record_sizes

        record_sizes(segment, tmpdir)  # committed with it: `newsgrep check` compares them
        prefix = f"{segment.segment_id()}."
        for name in os.listdir(tmpdir):
            if name.startswith(prefix):
                os.replace(os.path.join(tmpdir, name), self.directory / name)
                self._unsynced.append(name)
        self._order[segment.segment_id()] = order
        ours = [s for s in self.segments if s.segment_id() in self._order] + [segment]
        ours.sort(key=lambda s: self._order[s.segment_id()])
        self.segments = [s for s in self.segments if s.segment_id() not in self._order] + ours
        self.hook("segment-moved")

    def commit(self) -> None:
        from whoosh.index import TOC, clean_files

        gen = self.generation + 1
        # Durable in this order: the segments' files, the state, the TOC that names them,
        # the folder (their names): a power cut leaves the last commit or this one.
        for name in self._unsynced:
            fsync(self.directory / name)
        chain = self._chain
        if self.keep_reprints:  # like the state: before the TOC, fsynced
            chain = self._write_reprints(gen)
        write_state(self.directory, gen, self.state)
        self._write_figures(gen)
        self.hook("state-written")
        TOC(self.schema, self.segments, gen).write(SyncedStorage(self.directory),
                                                   self.indexname)
        fsync(self.directory)
        self._unsynced.clear()
        self.hook("committed")
        self.state.committed(gen)
        self.generation = gen
        self._chain = chain
        remove_old_states(self.directory, gen, chain, self.state.path.name)
        remove_old_figures(self.directory, gen)
        if self.fresh_toc:
            # A rebuild: the old index's files go now (a search that has them
            # open keeps them; one that opens them at this very moment fails).
            clean_files(self.storage, self.indexname, gen, self.segments)
        else:
            # Segments a merge dropped stay until the next run starts (see _clean):
            # a search that opened them may still open their columns lazily.
            for name in os.listdir(self.directory):
                if (name.startswith(f"_{self.indexname}_") and name.endswith(".toc")
                        and name != f"_{self.indexname}_{gen}.toc"):
                    try:
                        os.unlink(self.directory / name)
                    except OSError:
                        pass

    # A whole reprint store is written when the deltas since the last one add up to this
    # share of its size (or more): the bytes written over a run stay a few times the
    # store's, and reading it (the checkpoint, then each delta) at most 1.25 times.
    CHECKPOINT_SHARE = 0.25
    # The group map is written again when this share of the articles it grouped came or
    # went since (and at the end of each run, :meth:`finish`).
    GROUP_MAP_SHARE = 0.25
    # At a run's end the store is written whole when its deltas passed this share of the
    # checkpoint: the next run that changes something replays at most that much (replaying
    # a delta groups its articles again, about ten times the cost of loading them).
    FINISH_CHECKPOINT_SHARE = 0.05

    def _write_reprints(self, gen: int) -> tuple[int, list[int]]:
        """The reprint store of commit ``gen``: a delta over the last checkpoint, or a
        checkpoint; and its group map, written or (stale) the last one linked in."""
        d = self.directory
        changed = self._store is not None and bool(self._store.log)
        # (a store loaded from an older grouping and grouped again: written whole, with
        # its map, else every run that loads it groups the whole archive again)
        regrouped = self._store is not None and self._store.regrouped
        delta = self._store.take_delta(self._chain[0]) if (
            self._chain is not None and self._store is not None) else None
        if delta is None and self._chain is not None:  # nothing read, nothing changed
            from ...reprint_store import ReprintStore

            delta = ReprintStore().take_delta(self._chain[0])
        for stale in (f"{REPRINTS_PREFIX}{gen}.bin", f"{REPRINTS_PREFIX}{gen}{DELTA_SUFFIX}",
                      f"{GROUPS_PREFIX}{gen}{STALE_SUFFIX}"):
            _unlink(d / stale)  # (a killed run's, of this generation)
        if (delta is not None and self._chain is not None and not self.fresh_toc
                and not regrouped
                and self._delta_bytes + len(delta) < self.CHECKPOINT_SHARE * self._base_bytes):
            write_sidecar(d, f"{REPRINTS_PREFIX}{gen}{DELTA_SUFFIX}", delta)
            self._delta_bytes += len(delta)
            chain = (self._chain[0], self._chain[1] + [gen])
        else:
            self._write_checkpoint(gen)
            chain = (gen, [])
            if regrouped:
                self.reprints.index.regrouped = False
        last_map = d / f"{GROUPS_PREFIX}{self.generation}.bin"
        due = regrouped or self._changed > self.GROUP_MAP_SHARE * self._map_articles
        if self.fresh_toc or due or not last_map.exists():
            self._write_map(gen)
        else:
            tmp = d / f"{GROUPS_PREFIX}{gen}.bin.tmp"
            _unlink(tmp)
            try:
                os.link(last_map, tmp)
            except OSError:  # (a file system without hard links)
                shutil.copyfile(last_map, tmp)
                fsync(tmp)
            os.replace(tmp, d / f"{GROUPS_PREFIX}{gen}.bin")
            if changed or self._map_stale:
                self._map_stale = True
                write_sidecar(d, f"{GROUPS_PREFIX}{gen}{STALE_SUFFIX}", b"")
        return chain

    def _write_checkpoint(self, gen: int) -> None:
        """The whole reprint store as commit ``gen``'s, written part by part (not
        dumped into one blob first: that took three times the store's memory)."""
        size = write_sidecar(self.directory, f"{REPRINTS_PREFIX}{gen}.bin", self.reprints.dump)
        self.reprints.log.clear()  # (in the checkpoint)
        self._base_bytes, self._delta_bytes = size, 0

    def _write_map(self, gen: int) -> None:
        write_sidecar(self.directory, f"{GROUPS_PREFIX}{gen}.bin", self.reprints.groups_blob())
        self._map_stale = False
        self._changed = 0
        self._map_articles = len(self.reprints)

    def finish(self) -> None:
        """At the end of a run: the group map of the last commit, if it is an earlier
        one's (written in place, atomically; then its stale mark goes); and the reprint
        store of the last commit whole, when its deltas passed ``FINISH_CHECKPOINT_SHARE``
        (beside that commit's delta: the chain reader takes the whole store first)."""
        if (self.keep_reprints and self._store is not None and self._chain is not None
                and self._chain[1]
                and self._delta_bytes > self.FINISH_CHECKPOINT_SHARE * self._base_bytes):
            gen = self.generation
            self._write_checkpoint(gen)
            fsync(self.directory)
            self._chain = (gen, [])
            self.hook("checkpoint-written")
        if self.keep_reprints and self._map_stale:
            self._write_map(self.generation)
            _unlink(self.directory / f"{GROUPS_PREFIX}{self.generation}{STALE_SUFFIX}")
            fsync(self.directory)
            self.hook("map-written")

    def _write_figures(self, generation: int) -> None:
        """The ``stats`` figures of every segment of this commit (see ``figures``): the last
        commit's for segments whose deletions did not change, counted for the others."""
        from whoosh.reading import SegmentReader

        if self._figures is None:
            self._figures = {} if self.fresh_toc else load_figures(self.directory,
                                                                     self.generation)
        self._figures = figures_of(
            self.segments, self._figures,
            lambda segment: SegmentReader(self.storage, self.schema, segment))
        write_figures(self.directory, generation, self._figures)

    def merge_small(self, tmpdir: str, warn: Callable[[str], None] | None = None) -> bool:
        """Merge the small segments when there are too many, or when this run wrote as
        many documents as that many small segments could hold (a big run, such as a
        first build, merges the small segments of its first commits, at a cost under
        its own writing: the next small run does not pay for it), into as few as hold
        at most ``segment_docs`` documents each; True if it did.

        The data is committed before: a disk too full for the merged copy is a
        warning (through ``warn``), and the small segments stay.
        """
        try:
            return self._merge_small(tmpdir, self.segment_docs)
        except OSError as e:
            if e.errno not in DISK_ERRORS or warn is None:
                raise
            reason = "the disk is full" if e.errno != errno.EROFS else e.strerror
            warn(f"the index's small segments were not merged ({reason}); the articles are "
                 "committed, and a later run merges them")
            return False

    def _merge_small(self, tmpdir: str, segment_docs: int) -> bool:
        from whoosh.filedb.filestore import FileStorage
        from whoosh.reading import SegmentReader

        from .segments import SegmentBuilder

        # Under half of segment_docs: a merge packs small segments into ones of at most
        # segment_docs, each (but the last) over half of it, so what it wrote is not
        # small again (a segment of 60% would be re-written alone by every run).
        # By all the documents written, not the live ones: a few changed articles must
        # not make a segment just over the bar small (at 1.1M, a 1% change made most of
        # them so, and the merge re-wrote most of the archive); a segment whose documents
        # were mostly deleted counts as small.
        total = sum(s.doc_count() for s in self.segments)
        bar = min(max(1000, total // 10), segment_docs // 2)
        small = [s for s in self.segments
                 if s.doc_count_all() < bar or s.doc_count() < s.doc_count_all() // 2]
        written = sum(s.doc_count_all() for s in self.segments if s.segment_id() in self._order)
        if len(small) <= self.max_small_segments and (
                len(small) < 2 or written < self.max_small_segments * bar):
            return False
        merged = []
        builder = None
        for segment in small:
            if builder is not None and builder.doc_count + segment.doc_count() > segment_docs:
                merged.append(builder.finish())
                builder = None
            if builder is None:
                builder = SegmentBuilder(self.schema, FileStorage(tmpdir))
            reader = SegmentReader(self.storage, self.schema, segment)
            try:
                builder.add_reader(reader)
            finally:
                reader.close()
        merged.append(builder.finish())  # type: ignore[union-attr]
        self.close()  # readers of the merged segments
        self.segments = [s for s in self.segments if s not in small]
        for n, segment in enumerate(s for s in merged if s is not None):
            self.add_segment(segment, tmpdir, (-1, n))
        return True

    def close(self) -> None:
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()


def fsync(path: Path | str) -> None:
    """Flush a file's (or a folder's) data to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def SyncedStorage(directory: Path):  # noqa: N802 -- a class, built on first use
    """Whoosh's FileStorage, flushing a file to the disk before renaming it into place
    (Whoosh writes the TOC under a temporary name, then renames it)."""
    from whoosh.filedb.filestore import FileStorage

    class SyncedStorage(FileStorage):
        def rename_file(self, oldname, newname, safe=False):
            fsync(self._fpath(oldname))
            super().rename_file(oldname, newname, safe=safe)

    return SyncedStorage(str(directory))


def clean(directory: Path, ix) -> None:
    """Remove what earlier runs left: temp folders, files no commit refers to, and
    lexicons the committed schema does not use."""
    from whoosh.index import TOC, clean_files

    from ... import lexicon

    for name in os.listdir(directory):
        if name.startswith(TMP_PREFIX):
            shutil.rmtree(directory / name, ignore_errors=True)
    try:
        toc = TOC.read(ix.storage, ix.indexname)
    except Exception:  # a damaged TOC, which a rebuild replaces: clean after it
        toc = None
    if toc is not None:
        clean_files(ix.storage, ix.indexname, toc.generation, toc.segments)
        analyzer = text_analyzer(toc.schema)
        lexicon.remove_others(directory, analyzer.signature if getattr(
            analyzer, "morphology", None) == "lemma" else None)
    for name in os.listdir(directory):
        if name.startswith(f"_{ix.indexname}_") and ".toc." in name:  # Whoosh's temp TOCs
            try:
                os.unlink(directory / name)
            except OSError:
                pass


def verify(directory: Path) -> None:
    """Never report success over a damaged archive: the cheap part of `newsgrep check`
    (the TOC reads; every segment's files are there, as long as their commit wrote them)."""
    from .check import check_files

    problems = check_files(directory)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise IndexCorrupt(f"the index at {directory} is damaged: {problems[0]}{more}; "
                           f"repair it with: newsgrep index --rebuild --index {directory}")


# Errors of a disk that cannot take the index's writes, whoever meets them.
DISK_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


def write_error(directory: Path, e: OSError) -> NewsgrepError:
    reason = e.strerror or str(e)
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = "the disk is full"
    elif e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        reason = f"{reason} (is it read-only?)"
    return NewsgrepError(f"cannot write the index at {directory}: {reason}; "
                         "it keeps its last committed state")


def has_commit(directory: Path) -> bool:
    """Whether ``directory`` holds a TOC (readable or not)."""
    from .check import latest_generation

    return latest_generation(directory) >= 0


@dataclass
class Target:
    """What a rebuild needs of the index it replaces: its storage and name."""

    directory: Path

    @property
    def storage(self):
        from whoosh.filedb.filestore import FileStorage
        return FileStorage(str(self.directory))

    indexname: str = "MAIN"


def committed_segments(ix) -> list:
    """The committed segments of an index."""
    from whoosh.index import TOC

    return TOC.read(ix.storage, ix.indexname).segments


def tempdir(directory: Path) -> str:
    import tempfile

    return tempfile.mkdtemp(prefix=TMP_PREFIX, dir=directory)


def close_held_locks() -> None:
    """In a forked worker: close its copies of the lock, so that the lock dies with the
    parent even if a worker outlived it."""
    for fd in list(HELD_LOCKS):
        os.close(fd)
    HELD_LOCKS.clear()


def temp_storage(folder: str) -> Any:
    """A Whoosh storage over a worker's temporary folder (where it writes segments)."""
    from whoosh.filedb.filestore import FileStorage

    return FileStorage(folder)


def create_index(directory: Path, schema: Any) -> Any:
    """A new, empty Whoosh index in ``directory`` with ``schema``."""
    from whoosh import index as windex

    return windex.create_in(str(directory), schema)
