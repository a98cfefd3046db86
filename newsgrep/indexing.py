"""Building and updating an index: walk files, read articles, write Whoosh documents.

Runs are incremental: a file whose size and mtime are unchanged since the
last run is not read again; changed files are re-read; files that vanished
from under the indexed roots lose their documents. One writer at a time holds
``newsgrep.lock`` in the index folder; the last commit always stays readable.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import stat
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import articles
from .errors import ArticleError, IndexLocked, NewsgrepError
from .schema import IndexMeta, build_schema, open_index

LOCK_FILE = "newsgrep.lock"
COMMIT_SECONDS = 60.0  # commit at least this often, so an interrupted run keeps its work

Warn = Callable[[str], None]
Progress = Callable[[int, int, str], None]


@dataclass
class IndexReport:
    """What one ``index_paths`` run did."""

    added: int = 0        # files new to the index
    updated: int = 0      # files re-read because they changed
    removed: int = 0      # files gone from disk whose documents were deleted
    unchanged: int = 0    # files skipped because size and mtime were the same
    articles: int = 0     # articles written in this run
    skipped: Counter = field(default_factory=Counter)  # reason -> number of files
    total: int = 0        # articles in the index after the run
    elapsed: float = 0.0


def article_id(path: str, key: str = "") -> str:
    """The stable id of the article at ``key`` inside the file at ``path``."""
    return hashlib.sha1(f"{path}\0{key}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


def walk(paths: Iterable[str], on_skip: Callable[[str, str], None],
         exclude: Iterable[str | os.PathLike] = ()) -> Iterator[str]:
    """Yield the absolute paths of the article files under ``paths``, sorted per folder.

    Hidden files and folders are skipped (a hidden file named on the command
    line is read), and so are the folders in ``exclude`` (the index itself).
    Symbolic links to folders are followed once: a link loop is safe. Files
    of unsupported types and broken links go to ``on_skip``.
    """
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
            on_skip(directory, f"cannot read folder: {e.strerror or e}")
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()  # follows symlinks
                is_file = not is_dir and entry.is_file()
            except OSError:
                is_dir = is_file = False
            if is_dir:
                yield from visit(entry.path)
            elif is_file:
                if articles.is_supported(entry.name):
                    yield entry.path
                else:
                    on_skip(entry.path, "unsupported type")
            elif entry.is_symlink():
                on_skip(entry.path, "broken symlink")
            else:
                on_skip(entry.path, "not a regular file")

    for p in paths:
        p = os.path.abspath(p)
        if os.path.isdir(p):
            yield from visit(p)
        elif os.path.isfile(p):
            yield p
        elif os.path.islink(p):
            on_skip(p, "broken symlink")
        else:
            raise NewsgrepError(f"{p}: no such file or folder")


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
        yield
    finally:
        os.close(fd)


def _document(article: articles.Article, path: str, st: os.stat_result) -> dict:
    nfc = unicodedata.normalize
    title, body = nfc("NFC", article.title), nfc("NFC", article.body)
    doc = {
        "id": article_id(path, article.key),
        "file": path,
        "key": article.key,
        "path": path,
        "title": title,
        "body": body,
        "exact_title": title,
        "exact_body": body,
        "source": article.source,
        "section": article.section,
        "tags": ",".join(t.replace(",", " ") for t in article.tags),
        "url": article.url,
        "lead": article.lead,
        "encoding": article.encoding,
        "format": article.format,
        "size": st.st_size,
        "mtime": st.st_mtime_ns,
    }
    if article.date is not None:
        doc["date"] = article.date
    return doc


def _indexed_files(ix) -> dict[str, tuple[int, int]]:
    """file -> (size, mtime_ns) of every file with documents in the index."""
    state: dict[str, tuple[int, int]] = {}
    with ix.reader() as r:
        if not r.doc_count():
            return state
        files, sizes, mtimes = (r.column_reader(f) for f in ("file", "size", "mtime"))
        for docnum in r.all_doc_ids():
            state[files[docnum]] = (sizes[docnum], mtimes[docnum])
    return state


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def index_paths(paths: Iterable[str | os.PathLike], directory: Path, *,
                encoding: str | None = None, rebuild: bool = False, morphology: str = "stem",
                wait: bool = False, on_warning: Warn | None = None,
                on_progress: Progress | None = None) -> IndexReport:
    """Index (or refresh) the article files under ``paths`` into the index at ``directory``.

    With no ``paths``, the roots remembered from earlier runs are refreshed.
    Each unreadable file is reported once through ``on_warning`` and counted
    in the report; the rest is indexed and committed.
    """
    from whoosh import index as windex

    started = time.monotonic()
    warn = on_warning or (lambda msg: None)
    report = IndexReport()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)

    with write_lock(directory, wait=wait):
        fresh = rebuild or not windex.exists_in(str(directory))
        if fresh:
            meta = IndexMeta(morphology=morphology)
            if not rebuild:
                try:
                    meta.roots = IndexMeta.load(directory).roots
                except NewsgrepError:
                    pass
        else:
            ix, meta = open_index(directory)

        roots = [os.path.abspath(os.fspath(p)) for p in paths] or list(meta.roots)
        if not roots:
            raise NewsgrepError("nothing to index: give one or more paths "
                                "(newsgrep index PATH...)")

        def skip(path: str, reason: str) -> None:
            report.skipped[reason] += 1
            if reason != "unsupported type":
                warn(f"{path}: {reason}")

        files = list(walk(roots, skip, exclude=[directory]))
        if fresh:
            ix = windex.create_in(str(directory), build_schema(meta.morphology))
            meta.save(directory)
            known: dict[str, tuple[int, int]] = {}
        else:
            known = _indexed_files(ix)

        writer = ix.writer(limitmb=256)
        last_commit = time.monotonic()
        try:
            for n, path in enumerate(files, 1):
                if on_progress:
                    on_progress(n, len(files), path)
                try:
                    st = os.stat(path)
                except OSError as e:
                    skip(path, f"cannot read: {e.strerror or e}")
                    continue
                if not stat.S_ISREG(st.st_mode):
                    skip(path, "not a regular file")
                    continue
                before = known.pop(path, None)
                if before == (st.st_size, st.st_mtime_ns):
                    report.unchanged += 1
                    continue
                count = 0
                try:
                    for article in articles.read_file(
                            path, encoding=encoding, warn=lambda m, p=path: warn(f"{p}: {m}")):
                        if count == 0 and before is not None:
                            writer.delete_by_term("file", path)
                        writer.add_document(**_document(article, path, st))
                        count += 1
                except ArticleError as e:
                    if count == 0:
                        # Keep what an earlier run indexed from this file.
                        skip(path, str(e))
                        continue
                    warn(f"{path}: {e}")
                report.articles += count
                if before is None:
                    report.added += 1
                else:
                    report.updated += 1
                if time.monotonic() - last_commit > COMMIT_SECONDS:
                    writer.commit()
                    writer = ix.writer(limitmb=256)
                    last_commit = time.monotonic()
            # Files that were indexed under these roots and are gone now.
            for path in known:
                if _under(path, roots):
                    writer.delete_by_term("file", path)
                    report.removed += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        meta.created = meta.created or now
        meta.updated = now
        meta.roots = sorted(set(meta.roots) | set(roots))
        meta.save(directory)
        report.total = ix.doc_count()
    report.elapsed = time.monotonic() - started
    return report
