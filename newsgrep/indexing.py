"""Building and updating an index: walk files, read articles, write Whoosh segments.

Runs are incremental: a file whose size and mtime are unchanged since the
last run is not read again; a file whose size or mtime changed is read and
hashed, and re-indexed only if its content changed; files that vanished from
under the indexed roots lose their documents.

What is indexed is recorded in a state file beside each commit
(``newsgrep-state-N.bin`` for Whoosh's generation N: path -> size, mtime,
content hash), written before the TOC that makes generation N current, so
the state read at the start of a run never claims a file whose documents
were not committed.

Work is done by worker processes, each reading, analysing and inverting a
contiguous share of the files into its own segments (see ``segments``),
written in a private temporary folder. A segment holds at most
``SEGMENT_DOCS`` documents (or ``SEGMENT_RUNS`` spilled runs), so that
memory and temporary disk stay bounded however big a file or an archive
is; a file with more spans several segments, which the worker reports
together when the file ends. The parent commits what a worker reports: it
moves the segments' files in, marks the old documents of updated files
deleted, writes the state and then a new TOC (an atomic rename). A reader
always sees the last TOC; a run killed at any point leaves the last commit
intact, and the next run picks up the files that were not committed. A
``--rebuild`` commits once, at the end, so a failed rebuild leaves the old
index. One writer at a time holds ``newsgrep.lock`` (``flock``: a dead
holder never blocks).
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import marshal
import os
import shutil
import signal
import stat
import sys
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

from . import articles
from .articles.names import printable_name
from .articles.sources import using_aliases
from .errors import (ArticleError, IndexCorrupt, IndexLocked, Interrupted, MorphologyMismatch,
                     NewsgrepError)
from .engine.whoosh.schema import (DEFAULT_MORPHOLOGY, NO_AUTHORS, IndexMeta, build_schema,
                                   file_term, has_authors, open_index, path_of_term,
                                   text_analyzer)

LOCK_FILE = "newsgrep.lock"
STATE_PREFIX = "newsgrep-state-"
TMP_PREFIX = ".newsgrep-tmp-"
# A worker finishes a segment (and the parent commits it) this often, so an
# interrupted run keeps its work; fewer, larger segments make searches faster.
COMMIT_SECONDS = 300.0
# ... and when its segment holds this many articles, so that a crash loses little (about
# half a minute of one worker's work on news articles), twice as many for each next
# segment: a big run adds a few segments more, not one per 5000 articles, which would
# slow searches or cost a merge at the end (measured: README, "Speed").
COMMIT_ARTICLES = 5000
# A worker spills its postings to a sorted run when it holds this many (about 17 MB).
SPILL_POSTINGS = 200_000
# A segment holds at most this many documents: the memory of writing one grows with
# them (and the form index numbers them in 16 bits up to here). A file with more
# spans several segments, committed together when the file ends.
SEGMENT_DOCS = 1 << 16
# ... and at most this many spilled runs (so long articles also end a segment): writing
# it holds a piece of each run in memory, and the runs (about 2 MB each) are the temp disk.
SEGMENT_RUNS = 192
# Incremental runs add small segments; when more than this many are small
# (under a tenth of the index and of SEGMENT_DOCS), they are merged.
MAX_SMALL_SEGMENTS = 6
# Below this much work (bytes of files to read), one process does it all.
PARALLEL_BYTES = 4 << 20

Warn = Callable[[str], None]


class Phase(str, Enum):
    """The phases of a run, in the order they come."""

    SCAN = "scan"    # walking the roots: ``files`` found so far
    READ = "read"    # reading and analysing: files, articles and bytes done
    STOP = "stop"    # a signal came: the workers finish the segments they hold
    WRITE = "write"  # writing the last segments, merging, committing: ``label`` says which


@dataclass(frozen=True)
class IndexProgress:
    """One progress report of a run (see :class:`Phase`)."""

    phase: Phase
    files: int = 0        # SCAN: found so far; READ: gone through (read, unchanged or skipped)
    total_files: int = 0  # READ: files found
    articles: int = 0     # READ: articles read
    bytes: int = 0        # READ: bytes of changed or new files read
    total_bytes: int = 0  # READ: bytes of the changed or new files to read
    label: str = ""       # WRITE: what is being written


Progress = Callable[[IndexProgress], None]


@dataclass
class IndexReport:
    """What one ``index_paths`` run did."""

    added: int = 0        # files new to the index
    updated: int = 0      # files re-read because they changed
    removed: int = 0      # files gone from disk whose documents were deleted
    unchanged: int = 0    # files not re-indexed: same size and mtime, or the same content
    articles: int = 0     # articles written in this run
    skipped: Counter = field(default_factory=Counter)  # reason -> number of files
    total: int = 0        # articles in the index after the run
    excluded: int = 0     # files left out by --exclude/--include or .newsgrepignore
    interrupted: int = 0  # the signal that stopped the run early (its work is committed)
    elapsed: float = 0.0


def article_id(path: str, key: str = "") -> str:
    """The stable id of the article at ``key`` inside the file at ``path``."""
    return hashlib.sha1(f"{path}\0{key}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def walk(paths: Iterable[str], on_skip: Callable[[str, str], None],
         exclude: Iterable[str | os.PathLike] = (), *, unreadable: list[str] | None = None,
         follow_outside: bool = False) -> Iterator[str]:
    """Yield the absolute paths of the article files under ``paths``, sorted per folder.

    Hidden files and folders are skipped (a hidden file named on the command
    line is read), and so are the folders in ``exclude`` (the index itself).
    Symbolic links to folders are followed once: a link loop is safe. A link
    whose target is outside ``paths`` is not followed unless ``follow_outside``.
    Files of unsupported types, special files (FIFOs, devices), broken links
    and links out go to ``on_skip``; so do folders that cannot be read, which
    are also added to ``unreadable`` (their files are not gone).
    """
    paths = list(paths)
    inside = [os.path.realpath(p) for p in paths]
    seen: set[tuple[int, int]] = set()
    for folder in exclude:
        try:
            st = os.stat(folder)
            seen.add((st.st_dev, st.st_ino))
        except OSError:
            pass

    def visit(directory: str) -> Iterator[str]:
        try:
            st = os.stat(directory)
            if (st.st_dev, st.st_ino) in seen:
                return
            seen.add((st.st_dev, st.st_ino))
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as e:
            on_skip(directory, f"cannot read folder: {e.strerror or e}; its files keep their articles")
            if unreadable is not None:
                unreadable.append(directory)
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()  # follows symlinks
                is_file = not is_dir and entry.is_file()
            except OSError:
                is_dir = is_file = False
            if ((is_dir or is_file) and not follow_outside and entry.is_symlink()
                    and not _under(os.path.realpath(entry.path), inside)):
                on_skip(entry.path, "link out of the indexed folders (--follow-outside follows it)")
                continue
            if is_dir:
                yield from visit(entry.path)
            elif is_file:
                if articles.is_supported(entry.name):
                    yield entry.path
                else:
                    on_skip(entry.path, "unsupported type")
            else:
                reason = _not_a_file(entry.path)
                if reason.startswith("cannot read") and unreadable is not None:
                    unreadable.append(entry.path)  # (a folder readable but not searchable)
                on_skip(entry.path, reason)

    for p in paths:
        p = os.path.abspath(p)
        if os.path.isdir(p):
            yield from visit(p)
        elif os.path.isfile(p):
            yield p
        elif os.path.lexists(p):
            on_skip(p, _not_a_file(p))
        else:
            raise NewsgrepError(f"{printable_name(p)}: no such file or folder")


def _not_a_file(path: str) -> str:
    """Why ``path``, neither a folder nor a regular file, is skipped."""
    try:
        return articles.special_file(os.stat(path).st_mode)  # a FIFO, a device, or a link to one
    except FileNotFoundError:
        return "broken symlink" if os.path.islink(path) else "cannot read: no such file"
    except OSError as e:
        return f"cannot read: {e.strerror or e}"


@contextmanager
def write_lock(directory: Path, wait: bool = False):
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
        _HELD_LOCKS.add(fd)
        yield
    finally:
        _HELD_LOCKS.discard(fd)
        os.close(fd)


# Lock descriptors this process holds: a forked worker closes its copies, so
# that the lock dies with the parent even if a worker outlived it.
_HELD_LOCKS: set[int] = set()


def _test_hook(point: str) -> None:
    """Crash and pause points for the tests; nothing unless their variables are set.

    ``NEWSGREP_TEST_KILL=point:n`` kills the whole process group with SIGKILL
    the n-th time ``point`` is reached; ``NEWSGREP_TEST_PAUSE=point:FLAG``
    creates ``FLAG.reached`` there and waits until ``FLAG`` exists (the n-th
    time it is reached in a process, with ``NEWSGREP_TEST_PAUSE_AT=n``).
    """
    kill = os.environ.get("NEWSGREP_TEST_KILL")
    if kill and kill.rpartition(":")[0] == point:
        _HOOK_COUNTS[point] = _HOOK_COUNTS.get(point, 0) + 1
        if _HOOK_COUNTS[point] >= int(kill.rpartition(":")[2]):
            os.killpg(os.getpgrp(), signal.SIGKILL)
    pause = os.environ.get("NEWSGREP_TEST_PAUSE")
    if pause and pause.partition(":")[0] == point:
        _HOOK_COUNTS["pause"] = _HOOK_COUNTS.get("pause", 0) + 1
        if _HOOK_COUNTS["pause"] != int(os.environ.get("NEWSGREP_TEST_PAUSE_AT", 1)):
            return
        flag = pause.partition(":")[2]
        open(flag + ".reached", "w").close()
        while not os.path.exists(flag):
            time.sleep(0.02)


_HOOK_COUNTS: dict[str, int] = {}



def _document(article: articles.Article, path: str, size: int, mtime: int) -> dict:
    nfc = unicodedata.normalize
    title, body = nfc("NFC", article.title), nfc("NFC", article.body)
    doc = {
        "id": article_id(path, article.key),
        "file": file_term(path),
        "key": article.key,
        "path": path,
        "title": title,
        "body": body,
        "source": article.source,
        "author": article.author,
        "section": article.section,
        "tags": ",".join(t.replace(",", " ") for t in article.tags),
        "url": article.url,
        "lead": article.lead,
        "encoding": article.encoding,
        "format": article.format,
        "size": size,
        "mtime": mtime,
    }
    if article.date is not None:
        doc["date"] = article.date
    if article.source_raw and article.source_raw != article.source:
        doc["source_raw"] = article.source_raw  # else the same as source: not stored twice
    return doc


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def content_hash(fh) -> str:
    """The hash of the content of the binary file ``fh``, read in chunks (a dump may
    be bigger than the memory a run should take)."""
    h = hashlib.blake2b(digest_size=16)
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        h.update(chunk)
    return h.hexdigest()


# --- the state of a commit ---------------------------------------------------------------

State = dict  # path -> (size, mtime_ns, content hash)
# The hash of a file skipped for its content (binary, empty ...) starts with this: it
# has no articles, and is not read again while its size and mtime stay the same.
SKIPPED = "skipped:"


def _state_name(generation: int) -> str:
    return f"{STATE_PREFIX}{generation}.bin"


def load_state(directory: Path, ix) -> State:
    """The files indexed as of the index's current generation."""
    from whoosh.index import TOC

    gen = TOC._latest_generation(ix.storage, ix.indexname)
    try:
        with open(directory / _state_name(gen), "rb") as fh:
            return marshal.load(fh)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, EOFError, TypeError) as e:
        raise IndexCorrupt(f"cannot read {directory / _state_name(gen)}: {e}; repair it with: "
                           f"newsgrep index --rebuild --index {directory}") from None
    # No state for this commit (an index written by other means): rebuild it
    # from the index, with nothing known but the paths, so that every file
    # is read again and replaces its documents.
    state: State = {}
    with ix.reader() as r:
        if "file" in r.indexed_field_names():
            for text in r.lexicon("file"):
                state[path_of_term(text)] = (-1, -1, "")
    return state


def _write_state(directory: Path, generation: int, state: State) -> None:
    path = directory / _state_name(generation)
    tmp = directory / (_state_name(generation) + ".tmp")
    with open(tmp, "wb") as fh:
        marshal.dump(state, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _remove_old_states(directory: Path, keep: int) -> None:
    for name in os.listdir(directory):
        if name.startswith(STATE_PREFIX) and name != _state_name(keep):
            try:
                os.unlink(directory / name)
            except OSError:
                pass


# --- workers -----------------------------------------------------------------------------

# One unit of work: (path, size, mtime_ns, hash of the indexed content or "").
Job = tuple


def _process(jobs: list[Job], schema, tmpdir: str, encoding: str | None, emit,
             spill_postings: int = SPILL_POSTINGS, commit_seconds: float = COMMIT_SECONDS,
             segment_docs: int = SEGMENT_DOCS, segment_runs: int = SEGMENT_RUNS,
             commit_articles: int = COMMIT_ARTICLES, worker: int = 0,
             stopped: Callable[[], bool] = lambda: False) -> None:
    """Read, analyse and invert ``jobs`` into segments under ``tmpdir``; report through ``emit``.

    Once ``stopped()`` is true, the file being read is finished (a big one is
    dropped after its next 1024 articles, with the files read since the last
    report), the segment written and reported, and the rest of ``jobs`` left for
    the next run.

    Messages: ``("warn", text)``, ``("progress", n_files, n_articles, n_bytes)``
    (done since the last one), ``("same", path,
    size, mtime, hash)`` for a file whose content did not change, ``("skip", path,
    reason)``, and ``("segment", [(segment, (worker, n)), ...], [(path, size, mtime, hash,
    n), ...], tmpdir, words)`` when the files listed are read, with the segments (the
    worker's n-th ...) that hold their documents, to be committed together: usually
    one, several when a file spans segments (their files are then in ``tmpdir``;
    ``words``: in lemma mode, the Russian words analysed for them and their terms,
    for the index's lexicon).
    """
    from whoosh.filedb.filestore import FileStorage

    from . import analysis
    from .engine.whoosh.segments import SegmentBuilder

    lemma = getattr(text_analyzer(schema), "morphology", None) == "lemma"
    if lemma:
        analysis.record_lemmas(True)
    try:
        _process_jobs(jobs, schema, FileStorage(tmpdir), tmpdir, encoding, emit, spill_postings,
                      commit_seconds, segment_docs, segment_runs, commit_articles, worker,
                      SegmentBuilder, analysis.take_recorded_lemmas if lemma else dict, stopped)
    finally:
        if lemma:
            analysis.record_lemmas(False)


def _process_jobs(jobs, schema, storage, tmpdir, encoding, emit, spill_postings, commit_seconds,
                  segment_docs, segment_runs, commit_articles, worker, SegmentBuilder, words,
                  stopped) -> None:
    from . import analysis

    builder = None
    segments: list[tuple] = []  # written, not yet reported: (segment, (worker, n))
    done: list[tuple] = []
    started = time.monotonic()
    progress = [0, 0, 0]  # files, articles, bytes since the last progress message
    nseg = 0
    commit_at = commit_articles

    def finish() -> None:
        nonlocal builder, nseg
        # Writing the segment needs the memory more than the word caches do:
        # they fill again within a few hundred articles.
        analysis.free_caches()
        segment = builder.finish()
        builder = None
        if segment is not None:
            segments.append((segment, (worker, nseg)))
            nseg += 1
            _test_hook("segment-written")

    def report() -> None:
        nonlocal segments, done, started, commit_at
        if builder is not None:
            finish()
        if segments or done:
            emit(("segment", segments, done, tmpdir, words()))
        segments, done, started = [], [], time.monotonic()
        commit_at = min(2 * commit_at, segment_docs)

    for path, size, mtime, old_hash in jobs:
        if stopped():
            break
        if progress[0] == 64:
            emit(("progress", *progress))
            progress = [0, 0, 0]
        progress[0] += 1
        progress[2] += size
        try:
            fh, _ = articles.open_regular(path)  # never blocks on a FIFO swapped in since the walk
            with fh:
                digest = content_hash(fh)
        except OSError as e:
            emit(("skip", path, f"cannot read: {e.strerror or e}"))
            continue
        except ArticleError as e:
            emit(("skip", path, str(e)))
            continue
        if digest == old_hash:
            emit(("same", path, size, mtime, digest))
            continue
        # Documents go to the builder as they are read: a container file may
        # hold millions of articles.
        count = 0
        abandon = False
        try:
            for article in articles.read_file(
                    path, encoding=encoding, warn=lambda m: emit(("warn", m))):  # readers name the file
                if builder is None:
                    builder = SegmentBuilder(schema, storage)
                builder.add(_document(article, path, size, mtime))
                count += 1
                progress[1] += 1
                if builder.posting_count >= spill_postings:
                    builder.spill()
                    _test_hook("spilled")
                if builder.doc_count >= segment_docs or builder.run_count >= segment_runs:
                    finish()  # reported when this file ends
                if count % 1024 == 0:  # a big file: show it move, and stop within seconds
                    emit(("progress", *progress))
                    progress = [0, 0, 0]
                    if stopped():
                        abandon = True
                        break
        except ArticleError as e:
            if not count:
                # Keep what an earlier run indexed from this file. A file skipped for
                # its content is remembered, and not read again until it changes.
                reason = str(e)
                emit(("skip", path, reason) if reason.startswith("cannot read") else
                     ("skip", path, reason, size, mtime, SKIPPED + digest))
                continue
            emit(("warn", f"{path}: {e}"))
        if abandon:
            # Leave the file, and the files read since the last report (their documents
            # share its segments), to the next run: at most a commit's worth of work.
            builder, segments, done = None, [], []
            break
        _test_hook("added")
        done.append((path, size, mtime, digest, count))
        if (segments or time.monotonic() - started >= commit_seconds
                or (builder is not None and builder.doc_count >= commit_at)):
            report()
    if progress[0]:
        emit(("progress", *progress))
    report()


def _die_with_parent(parent: int) -> None:
    for fd in list(_HELD_LOCKS):
        os.close(fd)
    _HELD_LOCKS.clear()
    try:  # Linux: SIGKILL this worker when the parent dies, however it dies
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def _worker_main(jobs, schema, tmpdir, encoding, queue, limits, parent, worker, stop) -> None:
    # The parent handles Ctrl-C and SIGTERM (sent to the whole group by a terminal or a
    # service manager) and tells the workers to stop through ``stop``.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent(parent)
    try:
        _process(jobs, schema, tmpdir, encoding, queue.put, *limits, worker=worker,
                 stopped=lambda: stop.value != 0)
    except BaseException as e:  # report, so the parent stops instead of waiting forever
        import traceback
        queue.put(("error", f"{type(e).__name__}: {e}", traceback.format_exc(),
                   e.errno if isinstance(e, OSError) else None))
    else:
        queue.put(("done",))
    queue.close()
    queue.join_thread()


def _split(jobs: list[Job], n: int) -> list[list[Job]]:
    """``n`` contiguous shares of about equal bytes, so segment order follows walk order."""
    total = sum(j[1] for j in jobs) or 1
    shares: list[list[Job]] = [[] for _ in range(n)]
    acc = 0
    for job in jobs:
        shares[min(n - 1, acc * n // total)].append(job)
        acc += job[1]
    return [s for s in shares if s]


# --- committing --------------------------------------------------------------------------

class _Committer:
    """Adds finished segments to the index, one TOC generation per commit."""

    def __init__(self, directory: Path, ix, schema, state: State, fresh_toc: bool):
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
        self._readers: dict = {}
        self._order: dict[str, tuple] = {}  # this run's segments -> (worker, n)
        self._unsynced: list[str] = []  # files moved in since the last commit

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
        for path in paths:
            for segment in self.segments:
                for docnum in self._doc_ids(segment, path):
                    segment.delete_document(docnum)

    def add_segment(self, segment, tmpdir: str, order: tuple = (0, 0)) -> None:
        """Move a finished segment's files from ``tmpdir`` into the index.

        This run's segments are listed in the order of the files they hold
        (``order``: worker, then sequence), whatever order they finish in, so
        documents are numbered in walk order and equal scores rank the same
        way however many workers there were.
        """
        from .engine.whoosh.check import record_sizes

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
        _test_hook("segment-moved")

    def commit(self) -> None:
        from whoosh.index import TOC, clean_files

        gen = self.generation + 1
        # Durable in this order: the segments' files, the state, the TOC that names them,
        # the folder (their names): a power cut leaves the last commit or this one.
        for name in self._unsynced:
            _fsync(self.directory / name)
        _write_state(self.directory, gen, self.state)
        _test_hook("state-written")
        TOC(self.schema, self.segments, gen).write(_SyncedStorage(self.directory),
                                                   self.indexname)
        _fsync(self.directory)
        self._unsynced.clear()
        _test_hook("committed")
        self.generation = gen
        _remove_old_states(self.directory, gen)
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

    def merge_small(self, tmpdir: str, segment_docs: int = SEGMENT_DOCS,
                    warn: Warn | None = None) -> bool:
        """Merge the small segments when there are too many, into as few as hold at
        most ``segment_docs`` documents each; True if it did.

        The data is committed before: a disk too full for the merged copy is a
        warning (through ``warn``), and the small segments stay.
        """
        try:
            return self._merge_small(tmpdir, segment_docs)
        except OSError as e:
            if e.errno not in _DISK_ERRORS or warn is None:
                raise
            reason = "the disk is full" if e.errno != errno.EROFS else e.strerror
            warn(f"the index's small segments were not merged ({reason}); the articles are "
                 "committed, and a later run merges them")
            return False

    def _merge_small(self, tmpdir: str, segment_docs: int) -> bool:
        from whoosh.filedb.filestore import FileStorage
        from whoosh.reading import SegmentReader

        from .engine.whoosh.segments import SegmentBuilder

        # Live documents: a segment whose documents were mostly deleted counts as small.
        total = sum(s.doc_count() for s in self.segments)
        small = [s for s in self.segments
                 if s.doc_count() < min(max(1000, total // 10), segment_docs)]
        if len(small) <= MAX_SMALL_SEGMENTS:
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
        merged.append(builder.finish())
        self.close()  # readers of the merged segments
        self.segments = [s for s in self.segments if s not in small]
        for n, segment in enumerate(s for s in merged if s is not None):
            self.add_segment(segment, tmpdir, (-1, n))
        return True

    def close(self) -> None:
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()


def _fsync(path: Path | str) -> None:
    """Flush a file's (or a folder's) data to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _SyncedStorage(directory: Path):  # noqa: N802 -- a class, built on first use
    """Whoosh's FileStorage, flushing a file to the disk before renaming it into place
    (Whoosh writes the TOC under a temporary name, then renames it)."""
    from whoosh.filedb.filestore import FileStorage

    class SyncedStorage(FileStorage):
        def rename_file(self, oldname, newname, safe=False):
            _fsync(self._fpath(oldname))
            super().rename_file(oldname, newname, safe=safe)

    return SyncedStorage(str(directory))


def _clean(directory: Path, ix) -> None:
    """Remove what earlier runs left: temp folders, files no commit refers to, and
    lexicons the committed schema does not use."""
    from whoosh.index import TOC, clean_files

    from . import lexicon

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


def _verify(directory: Path) -> None:
    """Never report success over a damaged archive: the cheap part of `newsgrep check`
    (the TOC reads; every segment's files are there, as long as their commit wrote them)."""
    from .engine.whoosh.check import check_files

    problems = check_files(directory)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise IndexCorrupt(f"the index at {directory} is damaged: {problems[0]}{more}; "
                           f"repair it with: newsgrep index --rebuild --index {directory}")


# Errors of a disk that cannot take the index's writes, whoever meets them.
_DISK_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


def _write_error(directory: Path, e: OSError) -> NewsgrepError:
    reason = e.strerror or str(e)
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = "the disk is full"
    elif e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        reason = f"{reason} (is it read-only?)"
    return NewsgrepError(f"cannot write the index at {directory}: {reason}; "
                         "it keeps its last committed state")


# --- the run -----------------------------------------------------------------------------

# New index files are private (0600, folders 0700) unless the index is shared.
PRIVATE_UMASK = 0o077


def _private_files(index_paths):
    """``private`` for :func:`index_paths`: True makes the files and folders the run
    creates private to the user (0600/0700: the process umask is 0o077 meanwhile, workers
    included); False leaves them to the umask; None (the default) decides by the index
    folder: private unless it exists and is open to the group or others (a shared index,
    made with ``private=False``, ``newsgrep index --shared``, or ``chmod``)."""
    import functools

    @functools.wraps(index_paths)
    def run(paths, directory, *args, private: bool | None = None, **kwargs):
        if private is None:
            try:
                private = not os.stat(directory).st_mode & 0o077
            except OSError:
                private = True
        umask = os.umask(PRIVATE_UMASK) if private else None
        try:
            return index_paths(paths, directory, *args, **kwargs)
        finally:
            if umask is not None:
                os.umask(umask)
    return run


@_private_files
def index_paths(paths: Iterable[str | os.PathLike], directory: Path, *,
                encoding: str | None = None, rebuild: bool = False, morphology: str | None = None,
                wait: bool = False, jobs: int | None = None, on_warning: Warn | None = None,
                on_progress: Progress | None = None,
                follow_outside: bool = False,
                source_aliases: Mapping[str, str | Iterable[str]] | None = None,
                exclude: Iterable[str] | None = None,
                include: Iterable[str] | None = None) -> IndexReport:
    """Index (or refresh) the article files under ``paths`` into the index at ``directory``.

    With no ``paths``, the roots remembered from earlier runs are refreshed.
    Each unreadable file is reported once through ``on_warning`` and counted
    in the report; the rest is indexed and committed. ``jobs`` is the number
    of worker processes (default: one per CPU; small runs use none).
    ``follow_outside``: follow symbolic links whose targets are outside ``paths``.
    ``on_progress`` gets :class:`IndexProgress` reports, phase by phase.

    ``exclude`` and ``include`` are gitignore-style patterns (see
    :mod:`newsgrep.ignore`), remembered with the roots: ``None`` applies the
    remembered ones, a list replaces them (an empty one forgets them). Files
    they leave out (and those a ``.newsgrepignore`` leaves out) are not read,
    and their articles leave the index.

    On SIGINT or SIGTERM (in the main thread) the run commits what its
    workers have read, and returns early with ``interrupted`` set to the
    signal; a second signal raises :class:`~newsgrep.errors.Interrupted`.

    ``morphology`` (``"stem"`` or ``"lemma"``) is chosen when the index is
    created (default :data:`~newsgrep.schema.DEFAULT_MORPHOLOGY`) or rebuilt
    (default: the index's own); asking an existing index for the other one
    without ``rebuild`` is an error, and so is updating a lemma-mode index
    with a lemmatizer of another signature (a dictionary upgrade).

    ``private`` (keyword): whether the files created are private to the user
    (see :func:`_private_files`; by default, unless the index folder is shared).
    ``source_aliases`` (canonical source name -> its other spellings, e.g.
    from the config file) name sources beside the built-in table
    (``articles.sources.ALIASES``).
    """
    from whoosh import index as windex

    started = time.monotonic()
    # File and member names that are not UTF-8 are shown with \xNN escapes.
    warn = (lambda msg: on_warning(printable_name(msg))) if on_warning else (lambda msg: None)
    report = IndexReport()
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _write_error(directory, e) from None

    try:
        lock = write_lock(directory, wait=wait)
        lock.__enter__()
    except OSError as e:
        raise _write_error(directory, e) from None
    try:
        with using_aliases(source_aliases), \
                _Stop(graceful=not (rebuild and _has_commit(directory))) as stop:
            report = _run(paths, directory, encoding=encoding, rebuild=rebuild,
                          morphology=morphology, jobs=jobs, warn=warn, on_progress=on_progress,
                          report=report, started=started, windex=windex,
                          follow_outside=follow_outside, exclude=exclude, include=include,
                          stop=stop)
        _verify(directory)
        return report
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
            raise _write_error(directory, e) from None
        raise
    finally:
        lock.__exit__(None, None, None)


def _run(paths, directory: Path, *, encoding, rebuild, morphology, jobs, warn, on_progress,
         report: IndexReport, started: float, windex, follow_outside: bool = False,
         exclude=None, include=None, stop: _Stop | None = None) -> IndexReport:
    from . import lexicon

    if morphology is not None:
        from .analysis import _check_morphology
        _check_morphology(morphology)
    exists = _has_commit(directory)  # (whether it reads or not: a rebuild repairs it)
    if exists and not rebuild:
        ix, meta = open_index(directory)
        analyzer = text_analyzer(ix.schema)
        mode = getattr(analyzer, "morphology", meta.morphology)
        if morphology is not None and morphology != mode:
            raise NewsgrepError(
                f"the index at {directory} is built with {mode} morphology; to switch to "
                f"{morphology}, rebuild it: newsgrep index --rebuild --morphology {morphology} "
                f"--index {directory}")
        signature = analyzer.signature if mode == "lemma" else None
        if mode == "lemma":
            from .analysis import live_signature
            if signature != live_signature():
                raise MorphologyMismatch(lexicon.mismatch_message(
                    signature or "unknown", live_signature(), directory))
    else:
        previous = None
        if exists:
            try:
                previous = IndexMeta.load(directory)
            except NewsgrepError:
                pass
        mode = morphology or (previous.morphology if previous else DEFAULT_MORPHOLOGY)
        signature = None
        if mode == "lemma":
            from .analysis import live_signature
            signature = live_signature()  # loads pymorphy3 here: forked workers share it
        meta = IndexMeta(morphology=mode, morphology_signature=signature or "")
        if previous is not None:
            meta.roots = previous.roots if not paths else []
            meta.excludes, meta.includes = previous.excludes, previous.includes
        ix = None

    roots = [os.path.abspath(os.fspath(p)) for p in paths] or list(meta.roots)
    if not roots:
        raise NewsgrepError("nothing to index: give one or more paths (newsgrep index PATH...)")
    if exclude is not None:
        meta.excludes = [p for p in exclude if p]
    if include is not None:
        meta.includes = [p for p in include if p]
    stop = stop if stop is not None else _Stop()
    emit_progress = on_progress or (lambda p: None)

    def skip(path: str, reason: str) -> None:
        report.skipped[reason] += 1
        if reason != "unsupported type":
            warn(f"{path}: {reason}")

    from .ignore import FileFilter

    chooser = FileFilter(set(roots) | set(meta.roots), meta.excludes, meta.includes)

    def skip_walked(path: str, reason: str) -> None:
        if chooser.excluded(path):
            report.excluded += 1
        else:
            skip(path, reason)

    found: dict[str, None] = {}  # (a dict: a file named twice is read once)
    unreadable: list[str] = []  # folders that could not be read: their files are not gone
    for path in walk(roots, skip_walked, exclude=[directory], unreadable=unreadable,
                     follow_outside=follow_outside):
        if chooser.excluded(path):
            report.excluded += 1
            continue
        found[path] = None
        if len(found) % 256 == 0:
            emit_progress(IndexProgress(Phase.SCAN, files=len(found)))
            if stop:
                break
    emit_progress(IndexProgress(Phase.SCAN, files=len(found)))
    files = list(found)
    del found
    _test_hook("walked")

    fresh_toc = False
    if ix is None:
        if exists:  # --rebuild: build beside the old index, swap in at the end
            ix = _Target(directory)  # (not opened: its TOC may be what is repaired)
            fresh_toc = True
        else:
            meta.save(directory)  # first: a Whoosh index without it would not open
            ix = windex.create_in(str(directory), build_schema(mode, signature))
    schema = build_schema(mode, signature) if fresh_toc else ix.schema
    if not has_authors(schema):
        warn(f"{directory}: {NO_AUTHORS}")
    _clean(directory, ix)
    lexwriter = None
    if mode == "lemma":
        # Every Russian word of the index with its terms, for searches (see lexicon.py).
        lexwriter = lexicon.LexiconWriter(directory, signature, fresh_index=(
            fresh_toc or not exists or not sum(s.doc_count_all() for s in _segments(ix))))
    known: State = {} if fresh_toc else load_state(directory, ix)
    state: State = {} if fresh_toc else dict(known)

    # Remember the roots now: a run that is interrupted can be resumed by `newsgrep index`.
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    meta.created = meta.created or now
    meta.roots = sorted(set(meta.roots) | set(roots))
    if not fresh_toc:
        meta.save(directory)

    todo: list[Job] = []
    previous = dict(known)
    for path in files:
        try:
            st = os.stat(path)
        except OSError as e:
            skip(path, f"cannot read: {e.strerror or e}")
            if e.errno != errno.ENOENT:
                previous.pop(path, None)  # not gone: keep its articles
            continue
        if not stat.S_ISREG(st.st_mode):
            skip(path, articles.special_file(st.st_mode))
            continue
        before = previous.pop(path, None)
        if before is not None and before[0] == st.st_size and before[1] == st.st_mtime_ns:
            report.unchanged += 1
            continue
        todo.append((path, st.st_size, st.st_mtime_ns, before[2] if before else ""))
    # (a walk cut short by a signal does not tell which files are gone)
    gone = ([p for p in previous if _under(p, roots) and not _under(p, unreadable)]
            if not stop else [])
    total_files = len(files)
    del files, previous  # memory: the workers are forked from this process

    committer = _Committer(directory, ix, schema, state, fresh_toc)
    todo_files, todo_bytes = len(todo), sum(j[1] for j in todo)
    read = [0, 0, 0]  # files, articles, bytes of todo done

    def progress() -> None:
        if stop.announced:
            return  # the phases come in order: no more reading once stopping
        emit_progress(IndexProgress(
            Phase.READ, files=min(report.unchanged + read[0], total_files),
            total_files=total_files, articles=read[1], bytes=read[2], total_bytes=todo_bytes))
        if read[0] >= todo_files and not stop:
            emit_progress(IndexProgress(Phase.WRITE, label="writing segments"))

    dirty = False

    def handle(msg: tuple) -> None:
        nonlocal dirty
        kind = msg[0]
        if stop and not stop.announced:
            stop.announced = True
            emit_progress(IndexProgress(Phase.STOP, label="finishing the segments in hand"))
        if kind == "warn":
            warn(msg[1])
        elif kind == "progress":
            for i in range(3):
                read[i] += msg[1 + i]
            progress()
        elif kind == "skip":
            skip(msg[1], msg[2])
            if len(msg) > 3:  # skipped for its content: remembered by size and time
                state[msg[1]] = msg[3:]
                dirty = True
        elif kind == "same":
            _, path, size, mtime, digest = msg
            state[path] = (size, mtime, digest)
            report.unchanged += 1
            dirty = True
        elif kind == "segment":
            _, segments, done, segdir, words = msg
            if lexwriter is not None:
                lexwriter.add(words)  # before the commit that makes these articles visible
            if not fresh_toc:
                committer.delete_files(p for p, *_ in done if p in known)
            for segment, order in segments:
                committer.add_segment(segment, segdir, order)
            for path, size, mtime, digest, n in done:
                state[path] = (size, mtime, digest)
                report.articles += n
                if path in known and not known[path][2].startswith(SKIPPED):
                    report.updated += 1
                else:
                    report.added += 1
            dirty = True
            if not fresh_toc:
                committer.commit()
                dirty = False

    tmpdir = _tempdir(directory)
    try:
        if todo and not stop:
            progress()
            _execute(todo, schema, tmpdir, encoding, jobs, handle, stop)
        if gone:
            committer.delete_files(gone)
            for path in gone:
                state.pop(path, None)
            report.removed = len(gone)
            dirty = True
        if dirty or not stop:
            emit_progress(IndexProgress(Phase.WRITE, label="committing"))
        if not fresh_toc and not stop and committer.merge_small(tmpdir, _limits()[2], warn):
            dirty = True
        if dirty or fresh_toc:
            committer.commit()
        if fresh_toc and lexwriter is not None:
            lexwriter.mark_complete()
    finally:
        committer.close()
        if lexwriter is not None:
            lexwriter.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
    if fresh_toc:
        _clean(directory, ix)

    meta.updated = datetime.now(timezone.utc).isoformat(timespec="seconds")
    meta.save(directory)
    report.interrupted = stop.signum
    report.total = sum(s.doc_count() for s in committer.segments)
    report.elapsed = time.monotonic() - started
    return report


def _has_commit(directory: Path) -> bool:
    """Whether ``directory`` holds a TOC (readable or not)."""
    from .engine.whoosh.check import _latest_generation

    return _latest_generation(directory) >= 0


@dataclass
class _Target:
    """What a rebuild needs of the index it replaces: its storage and name."""

    directory: Path

    @property
    def storage(self):
        from whoosh.filedb.filestore import FileStorage
        return FileStorage(str(self.directory))

    indexname: str = "MAIN"


def _segments(ix) -> list:
    """The committed segments of an index."""
    from whoosh.index import TOC

    return TOC.read(ix.storage, ix.indexname).segments


def _tempdir(directory: Path) -> str:
    import tempfile

    return tempfile.mkdtemp(prefix=TMP_PREFIX, dir=directory)


def _limits() -> tuple[int, float, int, int, int]:
    """SPILL_POSTINGS, COMMIT_SECONDS, SEGMENT_DOCS, SEGMENT_RUNS and COMMIT_ARTICLES,
    or what the environment sets instead (for the tests)."""
    return (int(os.environ.get("NEWSGREP_SPILL_POSTINGS", SPILL_POSTINGS)),
            float(os.environ.get("NEWSGREP_COMMIT_SECONDS", COMMIT_SECONDS)),
            int(os.environ.get("NEWSGREP_SEGMENT_DOCS", SEGMENT_DOCS)),
            int(os.environ.get("NEWSGREP_SEGMENT_RUNS", SEGMENT_RUNS)),
            int(os.environ.get("NEWSGREP_COMMIT_ARTICLES", COMMIT_ARTICLES)))


class _Stop:
    """How a run answers SIGINT and SIGTERM.

    The first signal asks the workers to stop (through ``flag``, a byte they
    share with this process): each finishes the file it reads and reports its
    segment, which is committed, and the run ends early with ``signum`` set. A
    second signal (or the first, in a run that may not commit before its end:
    a rebuild) raises :class:`~newsgrep.errors.Interrupted` at once; the last
    commit stays intact.
    """

    def __init__(self, graceful: bool = True):
        self.graceful = graceful
        self.signum = 0
        self.announced = False
        self.flag = None  # a multiprocessing RawValue, when there are workers
        self._previous: dict[int, object] = {}

    def __enter__(self) -> _Stop:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum, frame) -> None:
        if self.signum or not self.graceful:
            raise Interrupted(self.signum or signum)
        self.signum = signum
        if self.flag is not None:
            self.flag.value = 1

    def __bool__(self) -> bool:
        return self.signum != 0

    def shared(self, ctx):
        """The flag the forked workers read (set already if a signal came)."""
        self.flag = ctx.RawValue("b", 1 if self.signum else 0)
        return self.flag


def _execute(todo: list[Job], schema, tmpdir: str, encoding, jobs: int | None, handle,
             stop: _Stop | None = None) -> None:
    """Run the jobs in worker processes (or here, for small runs); ``handle`` each message.

    With workers, ``todo`` is emptied once they have their shares: the
    parent keeps no job, and the state it builds reuses their memory.
    """
    limits = _limits()
    stop = stop if stop is not None else _Stop()
    if jobs is None:
        jobs = os.cpu_count() or 1
        if sum(j[1] for j in todo) < PARALLEL_BYTES:
            jobs = 1
    jobs = max(1, min(jobs, len(todo)))
    if jobs == 1:
        _process(todo, schema, tmpdir, encoding, handle, *limits, stopped=stop.__bool__)
        return

    import multiprocessing as mp

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else None)
    queue = ctx.Queue(maxsize=1024)
    flag = stop.shared(ctx)
    workers = []
    # The workers share this process's objects copy-on-write; keep their
    # garbage collector from touching (and so copying) them all.
    import gc
    gc.freeze()
    shares = _split(todo, jobs)
    todo.clear()
    for share in shares:
        wdir = os.path.join(tmpdir, f"w{len(workers)}")
        os.mkdir(wdir)
        proc = ctx.Process(target=_worker_main,
                           args=(share, schema, wdir, encoding, queue, limits, os.getpid(),
                                 len(workers), flag),
                           daemon=True)
        proc.start()
        workers.append((proc, wdir))
    del shares, share  # (a started Process keeps no reference to its arguments)
    gc.unfreeze()
    running = len(workers)
    try:
        while running:
            try:
                msg = queue.get(timeout=1.0)
            except Exception:  # queue.Empty: check that the workers are alive
                if any(p.exitcode not in (None, 0) for p, _ in workers):
                    raise NewsgrepError("a worker process died; the index keeps its last commit")
                handle(("tick",))
                continue
            if msg[0] == "done":
                running -= 1
            elif msg[0] == "error":
                if os.environ.get("NEWSGREP_DEBUG"):
                    sys.stderr.write(msg[2])
                if len(msg) > 3 and msg[3] in _DISK_ERRORS:  # a full disk: said as such
                    raise OSError(msg[3], os.strerror(msg[3]))
                raise NewsgrepError(f"indexing failed: {msg[1]}")
            else:
                handle(msg)
    finally:
        for proc, _ in workers:
            if proc.is_alive():
                proc.kill()  # (they ignore SIGTERM)
        for proc, _ in workers:
            proc.join()
        queue.close()
