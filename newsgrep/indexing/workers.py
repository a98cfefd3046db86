"""The worker processes of an indexing run: read, analyse and invert files into segments.

Each worker reads a contiguous share of the files (so segment order follows
walk order), writes its segments in a private temporary folder and tells the
parent what it did through typed messages (:mod:`~newsgrep.indexing.messages`);
the parent commits. :class:`Stop` is how a run answers SIGINT and SIGTERM.
"""
from __future__ import annotations

import functools
import os
import signal
import sys
import threading
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .. import articles
from ..engine.whoosh.commit import DISK_ERRORS
from ..errors import ArticleError, Interrupted, NewsgrepError
from .messages import (FilesDone, Message, Progress, Skipped, Tick, Unchanged, Warning,
                       WorkerDone, WorkerFailed)
from .settings import PARALLEL_BYTES, Settings
from .walking import SKIPPED, Job, content_hash

__all__ = ["process", "execute", "split", "Share", "Stop"]


class Share:
    """A worker's jobs in four flat objects instead of a tuple (and three objects) each:
    about 80 bytes a file instead of 250, and a forked worker iterating it touches no
    reference count of the parent's objects, so its pages stay shared."""

    def __init__(self, jobs: list[Job]):
        self._paths = b"\0".join(os.fsencode(j[0]) for j in jobs)  # (no path holds a NUL)
        self._sizes = array("q", [j[1] for j in jobs])
        self._mtimes = array("q", [j[2] for j in jobs])
        self._hashes = {i: j[3] for i, j in enumerate(jobs) if j[3]}  # (new files have none)

    def __len__(self) -> int:
        return len(self._sizes)

    def __iter__(self) -> Iterator[Job]:
        paths, start, hashes = self._paths, 0, self._hashes
        for i, (size, mtime) in enumerate(zip(self._sizes, self._mtimes)):
            end = paths.find(b"\0", start)
            if end < 0:
                end = len(paths)
            yield os.fsdecode(paths[start:end]), size, mtime, hashes.get(i, "")
            start = end + 1


def process(jobs: Iterable[Job], schema: Any, tmpdir: str, encoding: str | None,
            emit: Callable[[Message], None], settings: Settings = Settings(), worker: int = 0,
            stopped: Callable[[], bool] = lambda: False) -> None:
    """Read, analyse and invert ``jobs`` into segments under ``tmpdir``; report through ``emit``.

    Once ``stopped()`` is true, the file being read is finished (a big one is
    dropped after its next 1024 articles, with the files read since the last
    report), the segment written and reported, and the rest of ``jobs`` left for
    the next run.

    Messages (:mod:`~newsgrep.indexing.messages`): ``Warning``, ``Progress`` (done
    since the last one), ``Unchanged`` for a file whose content did not change,
    ``Skipped``, and ``FilesDone`` when the files listed are read, with the segments
    (the worker's n-th ...) that hold their documents, to be committed together:
    usually one, several when a file spans segments.
    """
    from .. import analysis
    from ..engine.whoosh.commit import temp_storage
    from ..engine.whoosh.schema import text_analyzer
    from ..engine.whoosh.segments import SegmentBuilder

    lemma = getattr(text_analyzer(schema), "morphology", None) == "lemma"
    if lemma:  # the Russian words analysed, for the archive's lexicon
        recorder = analysis.LemmaRecorder()
        builder: Any = functools.partial(SegmentBuilder, lemma_postings=recorder.postings)
        _process_jobs(jobs, schema, temp_storage(tmpdir), tmpdir, encoding, emit, settings,
                      worker, builder, recorder.take, stopped, recorder.clear_cache)
    else:
        _process_jobs(jobs, schema, temp_storage(tmpdir), tmpdir, encoding, emit, settings,
                      worker, SegmentBuilder, dict, stopped)


def _process_jobs(jobs: Iterable[Job], schema: Any, storage: Any, tmpdir: str, encoding: str | None,
                  emit: Callable[[Message], None], settings: Settings, worker: int,
                  SegmentBuilder: Any, words: Callable[[], dict[str, tuple[str, ...]]],  # noqa: N803
                  stopped: Callable[[], bool],
                  clear_cache: Callable[[], None] = lambda: None) -> None:
    from .. import analysis
    from ..engine.whoosh.schema import document

    limits, hook = settings.limits, settings.hook
    spill_postings, commit_seconds = limits.spill_postings, limits.commit_seconds
    segment_docs, segment_runs = limits.segment_docs, limits.segment_runs
    commit_articles = limits.commit_articles

    builder: Any = None
    segments: list[tuple[Any, tuple[int, int]]] = []  # written, not yet reported: (segment, (worker, n))
    done: list[tuple[str, int, int, str, int]] = []
    signed: dict[str, list[tuple]] = {}  # path -> reprint signatures of its articles
    sign = _reprint_signer() if settings.reprints else None
    started = time.monotonic()
    progress = [0, 0, 0]  # files, articles, bytes since the last progress message
    nseg = 0
    commit_at = commit_articles

    def finish() -> None:
        nonlocal builder, nseg
        # Writing the segment needs the memory more than the word caches do:
        # they fill again within a few hundred articles.
        analysis.free_caches()
        clear_cache()
        segment = builder.finish()
        builder = None
        if segment is not None:
            segments.append((segment, (worker, nseg)))
            nseg += 1
            hook("segment-written")

    def report() -> None:
        nonlocal segments, done, started, commit_at, signed
        if builder is not None:
            finish()
        if segments or done:
            emit(FilesDone(segments, done, tmpdir, words(), signed))
        segments, done, started, signed = [], [], time.monotonic(), {}
        commit_at = min(2 * commit_at, segment_docs)

    for path, size, mtime, old_hash in jobs:
        if stopped():
            break
        if progress[0] == 64:
            emit(Progress(*progress))
            progress = [0, 0, 0]
        progress[0] += 1
        progress[2] += size
        try:
            fh, _ = articles.open_regular(path)  # never blocks on a FIFO swapped in since the walk
            with fh:
                digest = content_hash(fh)
        except OSError as e:
            emit(Skipped(path, f"cannot read: {e.strerror or e}"))
            continue
        except ArticleError as e:
            emit(Skipped(path, str(e)))
            continue
        if digest == old_hash:
            emit(Unchanged(path, size, mtime, digest))
            continue
        # Documents go to the builder as they are read: a container file may
        # hold millions of articles.
        count = 0
        abandon = False
        file_sigs: list[tuple] = []
        try:
            for article in articles.read_file(
                    path, encoding=encoding, warn=lambda m: emit(Warning(m))):  # readers name the file
                if builder is None:
                    builder = SegmentBuilder(schema, storage)
                doc = document(article, path, size, mtime)
                builder.add(doc)
                if sign is not None:
                    file_sigs.append(sign(doc))
                count += 1
                progress[1] += 1
                if builder.posting_count >= spill_postings:
                    builder.spill()
                    hook("spilled")
                if builder.doc_count >= segment_docs or builder.run_count >= segment_runs:
                    finish()  # reported when this file ends
                if count % 1024 == 0:  # a big file: show it move, and stop within seconds
                    emit(Progress(*progress))
                    progress = [0, 0, 0]
                    if stopped():
                        abandon = True
                        break
        except ArticleError as e:
            if not count:
                # Keep what an earlier run indexed from this file. A file skipped for
                # its content is remembered, and not read again until it changes.
                reason = str(e)
                emit(Skipped(path, reason) if reason.startswith("cannot read") else
                     Skipped(path, reason, (size, mtime, SKIPPED + digest)))
                continue
            emit(Warning(f"{path}: {e}"))
        if abandon:
            # Leave the file, and the files read since the last report (their documents
            # share its segments), to the next run: at most a commit's worth of work.
            builder, segments, done, signed = None, [], [], {}
            break
        hook("added")
        done.append((path, size, mtime, digest, count))
        signed[path] = file_sigs
        if (segments or time.monotonic() - started >= commit_seconds
                or (builder is not None and builder.doc_count >= commit_at)):
            report()
    if progress[0]:
        emit(Progress(*progress))
    report()


def _reprint_signer() -> Callable[[dict], tuple]:
    """document -> (id, signature bytes, date, source), for the reprint groups."""
    from .. import reprints
    from ..reprint_store import date_key

    def sign(doc: dict) -> tuple:
        sig = reprints.signature(doc["title"], doc["body"])
        return (doc["id"], sig.to_bytes(), date_key(doc.get("date")), doc["source"])

    return sign


def _die_with_parent(parent: int) -> None:
    from ..engine.whoosh.commit import close_held_locks

    close_held_locks()
    try:  # Linux: SIGKILL this worker when the parent dies, however it dies
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def _worker_main(jobs: Share, schema: Any, tmpdir: str, encoding: str | None, queue: Any,
                 settings: Settings, parent: int, worker: int, stop: Any) -> None:
    # The parent handles Ctrl-C, SIGTERM and SIGHUP (sent to the whole group by a terminal
    # or a service manager) and tells the workers to stop through ``stop``.
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    _die_with_parent(parent)
    try:
        process(jobs, schema, tmpdir, encoding, queue.put, settings, worker=worker,
                stopped=lambda: stop.value != 0)
    except BaseException as e:  # report, so the parent stops instead of waiting forever
        import traceback
        queue.put(WorkerFailed(f"{type(e).__name__}: {e}", traceback.format_exc(),
                               e.errno if isinstance(e, OSError) else None))
    else:
        queue.put(WorkerDone())
    queue.close()
    queue.join_thread()


def split(jobs: list[Job], n: int) -> list[list[Job]]:
    """``n`` contiguous shares of about equal bytes, so segment order follows walk order."""
    total = sum(j[1] for j in jobs) or 1
    shares: list[list[Job]] = [[] for _ in range(n)]
    acc = 0
    for job in jobs:
        shares[min(n - 1, acc * n // total)].append(job)
        acc += job[1]
    return [s for s in shares if s]


# The signals that stop a run as Ctrl-C does: SIGHUP is a closed terminal (or an
# ssh session gone), sent to the whole foreground group like SIGINT.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class Stop:
    """How a run answers SIGINT, SIGTERM and SIGHUP.

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
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Stop:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
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


def execute(todo: list[Job], schema: Any, tmpdir: str, encoding: str | None, jobs: int | None,
            handle: Callable[[Message], None], stop: Stop | None = None,
            settings: Settings = Settings()) -> None:
    """Run the jobs in worker processes (or here, for small runs); ``handle`` each message.

    With workers, ``todo`` is emptied once it is packed into their shares
    (:class:`Share`): the parent keeps no job, and the state it builds reuses
    their memory.
    """
    stop = stop if stop is not None else Stop()
    if jobs is None:
        jobs = os.cpu_count() or 1
        if sum(j[1] for j in todo) < PARALLEL_BYTES:
            jobs = 1
    jobs = max(1, min(jobs, len(todo)))
    if jobs == 1:
        process(todo, schema, tmpdir, encoding, handle, settings, stopped=stop.__bool__)
        return

    import multiprocessing as mp

    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else None)
    queue = ctx.Queue(maxsize=1024)
    flag = stop.shared(ctx)
    workers: list[tuple[Any, str]] = []
    # The workers share this process's objects copy-on-write; keep their
    # garbage collector from touching (and so copying) them all.
    import gc
    shares = [Share(share) for share in split(todo, jobs)]
    todo.clear()
    gc.freeze()
    for share in shares:
        wdir = os.path.join(tmpdir, f"w{len(workers)}")
        os.mkdir(wdir)
        proc = ctx.Process(target=_worker_main,
                           args=(share, schema, wdir, encoding, queue, settings, os.getpid(),
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
                handle(Tick())
                continue
            if isinstance(msg, WorkerDone):
                running -= 1
            elif isinstance(msg, WorkerFailed):
                if settings.debug:
                    sys.stderr.write(msg.traceback)
                if msg.errno in DISK_ERRORS:  # a full disk: said as such
                    raise OSError(msg.errno, os.strerror(msg.errno))
                raise NewsgrepError(f"indexing failed: {msg.error}")
            else:
                handle(msg)
    finally:
        for proc, _ in workers:
            if proc.is_alive():
                proc.kill()  # (they ignore SIGTERM)
        for proc, _ in workers:
            proc.join()
        queue.close()

