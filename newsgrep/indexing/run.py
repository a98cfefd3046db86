"""Building and updating an index: walk files, read articles, write Whoosh segments.

Runs are incremental: a file whose size and mtime are unchanged since the
last run is not read again; a file whose size or mtime changed is read and
hashed, and re-indexed only if its content changed; files that vanished from
under the indexed roots lose their documents.

What is indexed is recorded in a files table beside the commits
(``newsgrep-files-L.sqlite``: path -> size, mtime, content hash, see
``engine.whoosh.filetable``), its changes for generation N written before
the TOC that makes generation N current and undone if that TOC never comes,
so the table read at the start of a run never claims a file whose documents
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
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

from ..articles.names import printable_name
from ..articles.sources import using_aliases
from ..engine.whoosh.commit import (Committer, Target, clean, committed_segments,
                                    create_index, has_commit, open_state, tempdir, verify,
                                    write_error, write_lock)
from ..engine.whoosh.schema import (DEFAULT_MORPHOLOGY, NO_AUTHORS, IndexMeta, build_schema,
                                    has_authors, open_index, text_analyzer)
from ..errors import MorphologyMismatch, NewsgrepError
from .messages import FilesDone, Message, Progress, Skipped, Unchanged, Warning
from .settings import Settings
from .walking import SKIPPED, plan, walk
from .workers import Stop, execute

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


OnProgress = Callable[[IndexProgress], None]


@dataclass
class IndexReport:
    """What one ``index_paths`` run did."""

    added: int = 0        # files new to the index
    updated: int = 0      # files re-read because they changed
    removed: int = 0      # files gone from disk whose documents were deleted
    unchanged: int = 0    # files not re-indexed: same size and mtime, or the same content
    articles: int = 0     # articles written in this run
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> number of files
    total: int = 0        # articles in the index after the run
    excluded: int = 0     # files left out by --exclude/--include or .newsgrepignore
    excluded_folders: int = 0  # folders left out (not walked into) by --exclude or .newsgrepignore
    interrupted: int = 0  # the signal that stopped the run early (its work is committed)
    elapsed: float = 0.0


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
                on_progress: OnProgress | None = None,
                follow_outside: bool = False,
                source_aliases: Mapping[str, str | Iterable[str]] | None = None,
                exclude: Iterable[str] | None = None,
                include: Iterable[str] | None = None,
                settings: Settings | None = None) -> IndexReport:
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

    On SIGINT, SIGTERM or SIGHUP (in the main thread) the run commits what its
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
    (``articles.sources.ALIASES``). ``settings``: the limits of the run, and for the
    tests, its hooks (:mod:`newsgrep.indexing.settings`).
    """
    settings = settings or Settings()
    started = time.monotonic()
    # File and member names that are not UTF-8 are shown with \xNN escapes.
    warn = (lambda msg: on_warning(printable_name(msg))) if on_warning else (lambda msg: None)
    report = IndexReport()
    directory = Path(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise write_error(directory, e) from None

    try:
        lock = write_lock(directory, wait=wait)
        lock.__enter__()
    except OSError as e:
        raise write_error(directory, e) from None
    try:
        with using_aliases(source_aliases), \
                Stop(graceful=not (rebuild and has_commit(directory))) as stop:
            report = _run(paths, directory, encoding=encoding, rebuild=rebuild,
                          morphology=morphology, jobs=jobs, warn=warn, on_progress=on_progress,
                          report=report, started=started, settings=settings,
                          follow_outside=follow_outside, exclude=exclude, include=include,
                          stop=stop)
        verify(directory)
        return report
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
            raise write_error(directory, e) from None
        raise
    finally:
        lock.__exit__(None, None, None)


def _run(paths: Iterable[str | os.PathLike[str]], directory: Path, *, encoding: str | None,
         rebuild: bool, morphology: str | None, jobs: int | None, warn: Warn,
         on_progress: OnProgress | None, report: IndexReport, started: float,
         settings: Settings, follow_outside: bool = False, exclude: Iterable[str] | None = None,
         include: Iterable[str] | None = None, stop: Stop | None = None) -> IndexReport:
    from .. import lexicon

    if morphology is not None:
        from ..analysis import _check_morphology
        _check_morphology(morphology)
    exists = has_commit(directory)  # (whether it reads or not: a rebuild repairs it)
    ix: Any
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
            from ..analysis import live_signature
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
            from ..analysis import live_signature
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
    stop = stop if stop is not None else Stop()
    emit_progress = on_progress or (lambda p: None)

    def skip(path: str, reason: str) -> None:
        report.skipped[reason] += 1
        if reason != "unsupported type":
            warn(f"{path}: {reason}")

    from ..ignore import FileFilter

    chooser = FileFilter(set(roots) | set(meta.roots), meta.excludes, meta.includes)

    def skip_walked(path: str, reason: str) -> None:
        if chooser.excluded(path):
            report.excluded += 1
        else:
            skip(path, reason)

    def prune(folder: str) -> bool:
        if chooser.excluded_folder(folder):
            report.excluded_folders += 1
            return True
        return False

    found: dict[str, None] = {}  # (a dict: a file named twice is read once)
    unreadable: list[str] = []  # folders that could not be read: their files are not gone
    for path in walk(roots, skip_walked, exclude=[directory], unreadable=unreadable,
                     follow_outside=follow_outside, prune=prune):
        if chooser.excluded(path):
            report.excluded += 1
            continue
        found[path] = None
        if len(found) % 256 == 0:
            emit_progress(IndexProgress(Phase.SCAN, files=len(found)))
            if stop:
                break
    emit_progress(IndexProgress(Phase.SCAN, files=len(found)))
    settings.hook("walked")

    fresh_toc = False
    if ix is None:
        if exists:  # --rebuild: build beside the old index, swap in at the end
            ix = Target(directory)  # (not opened: its TOC may be what is repaired)
            fresh_toc = True
        else:
            meta.save(directory)  # first: a Whoosh index without it would not open
            ix = create_index(directory, build_schema(mode, signature))
    schema = build_schema(mode, signature) if fresh_toc else ix.schema
    if fresh_toc:
        # A rebuild commits once, at its end: its workers need not end segments early for
        # commits (the first ones' 5k, 10k, 20k articles, or every COMMIT_SECONDS),
        # which would only leave small segments for the next small run to merge.
        limits = settings.limits
        settings = replace(settings, limits=replace(
            limits, commit_articles=limits.segment_docs, commit_seconds=float("inf")))
    if not has_authors(schema):
        warn(f"{directory}: {NO_AUTHORS}")
    clean(directory, ix)
    lexwriter = None
    if mode == "lemma":
        # Every Russian word of the index with its terms, for searches (see lexicon.py).
        lexwriter = lexicon.LexiconWriter(directory, signature or "", fresh_index=(
            fresh_toc or not exists or not sum(s.doc_count_all() for s in committed_segments(ix))))
    # The files indexed, as of the last commit and then as of this run: one table, updated
    # in place (a path is read, skipped or found unchanged at most once in a run, so
    # "in the state when its message comes" is "known before the run").
    state = open_state(directory, ix, fresh=fresh_toc)

    # Remember the roots now: a run that is interrupted can be resumed by `newsgrep index`.
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    meta.created = meta.created or now
    meta.roots = sorted(set(meta.roots) | set(roots))
    if not fresh_toc:
        meta.save(directory)

    # (a walk cut short by a signal does not tell which files are gone)
    planned = plan(found, state, roots, unreadable, skip, walk_complete=not stop)
    todo, gone = planned.todo, planned.gone
    report.unchanged += planned.unchanged
    total_files = len(found)
    del found, planned  # memory: the workers are forked from this process

    committer = Committer(directory, ix, schema, state, fresh_toc,
                          segment_docs=settings.limits.segment_docs,
                          max_small_segments=settings.limits.max_small_segments,
                          hook=settings.hook, reprints=settings.reprints)
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

    def handle(msg: Message) -> None:
        nonlocal dirty
        if stop and not stop.announced:
            stop.announced = True
            emit_progress(IndexProgress(Phase.STOP, label="finishing the segments in hand"))
        if isinstance(msg, Warning):
            warn(msg.text)
        elif isinstance(msg, Progress):
            read[0] += msg.files
            read[1] += msg.articles
            read[2] += msg.bytes
            progress()
        elif isinstance(msg, Skipped):
            skip(msg.path, msg.reason)
            if msg.state is not None:  # skipped for its content: remembered by size and time
                state[msg.path] = msg.state
                dirty = True
        elif isinstance(msg, Unchanged):
            state[msg.path] = (msg.size, msg.mtime, msg.digest)
            report.unchanged += 1
            dirty = True
        elif isinstance(msg, FilesDone):
            if lexwriter is not None:
                lexwriter.add(msg.words)  # before the commit that makes these articles visible
            # (one look-up a file: the table is on disk)
            befores = {path: state.get(path) for path, *_ in msg.files}
            if not fresh_toc:
                committer.delete_files(p for p, before in befores.items() if before is not None)
            for segment, order in msg.segments:
                committer.add_segment(segment, msg.tmpdir, order)
            committer.add_signatures(msg.signed)
            for path, size, mtime, digest, n in msg.files:
                before = befores[path]
                state[path] = (size, mtime, digest)
                report.articles += n
                if before is not None and not before[2].startswith(SKIPPED):
                    report.updated += 1
                else:
                    report.added += 1
            dirty = True
            if not fresh_toc:
                committer.commit()
                dirty = False

    work = tempdir(directory)
    try:
        if todo and not stop:
            progress()
            execute(todo, schema, work, encoding, jobs, handle, stop, settings)
        if gone:
            committer.delete_files(gone)
            for path in gone:
                state.pop(path, None)
            report.removed = len(gone)
            dirty = True
        if dirty or not stop:
            emit_progress(IndexProgress(Phase.WRITE, label="committing"))
        if not fresh_toc and not stop and committer.merge_small(work, warn):
            dirty = True
        if dirty or fresh_toc:
            committer.commit()
        if not stop:
            committer.finish()  # the group map of the last commit, if it was put off
        if fresh_toc and lexwriter is not None:
            lexwriter.mark_complete()
    finally:
        committer.close()
        state.close()
        if lexwriter is not None:
            lexwriter.close()
        shutil.rmtree(work, ignore_errors=True)
    if fresh_toc:
        clean(directory, ix)

    meta.updated = datetime.now(timezone.utc).isoformat(timespec="seconds")
    meta.authors = has_authors(schema)
    meta.save(directory)
    report.interrupted = stop.signum
    report.total = sum(s.doc_count() for s in committer.segments)
    report.elapsed = time.monotonic() - started
    return report

