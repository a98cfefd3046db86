"""Walking the roots for article files, and planning what a run reads.

Engine-neutral: which files there are (:func:`walk`), which of them changed
since the state an engine recorded (:func:`plan`), and what identifies an
article (:func:`article_id`) and a file's content (:func:`content_hash`).
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO

from .. import articles
from ..articles.names import printable_name
from ..engine.base import article_id
from ..errors import NewsgrepError

__all__ = ["walk", "plan", "Plan", "Job", "article_id", "content_hash", "under",
           "SKIPPED"]

# The hash of a file skipped for its content (binary, empty ...) starts with this: it
# has no articles, and is not read again while its size and mtime stay the same.
SKIPPED = "skipped:"
# One unit of work: (path, size, mtime_ns, hash of the indexed content or "").
Job = tuple[str, int, int, str]


def walk(paths: Iterable[str], on_skip: Callable[[str, str], None],
         exclude: Iterable[str | os.PathLike] = (), *, unreadable: list[str] | None = None,
         follow_outside: bool = False,
         prune: Callable[[str], bool] | None = None) -> Iterator[str]:
    """Yield the absolute paths of the article files under ``paths``, sorted per folder.

    Hidden files and folders are skipped (a hidden file named on the command
    line is read), and so are the folders in ``exclude`` (the index itself).
    Symbolic links to folders are followed once: a link loop is safe. A link
    whose target is outside ``paths`` is not followed unless ``follow_outside``.
    Files of unsupported types, special files (FIFOs, devices), broken links
    and links out go to ``on_skip``; so do folders that cannot be read, which
    are also added to ``unreadable`` (their files are not gone). A folder for
    which ``prune`` is true (one left out by the patterns) is not gone into.
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
                    and not under(os.path.realpath(entry.path), inside)):
                on_skip(entry.path, "link out of the indexed folders (--follow-outside follows it)")
                continue
            if is_dir:
                if prune is None or not prune(entry.path):
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


def under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def content_hash(fh: IO[bytes]) -> str:
    """The hash of the content of the binary file ``fh``, read in chunks (a dump may
    be bigger than the memory a run should take)."""
    h = hashlib.blake2b(digest_size=16)
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        h.update(chunk)
    return h.hexdigest()


@dataclass
class Plan:
    """What a run reads: ``todo`` (changed or new files), how many are ``unchanged``, and
    which indexed files are ``gone`` from under the roots."""

    todo: list[Job] = field(default_factory=list)
    unchanged: int = 0
    gone: list[str] = field(default_factory=list)


def plan(files: Collection[str], known: Mapping[str, tuple[int, int, str]], roots: list[str],
         unreadable: list[str], skip: Callable[[str, str], None],
         walk_complete: bool = True) -> Plan:
    """Compare the walked ``files`` (in walk order) with the ``known`` state: a file whose size and mtime
    are the same is unchanged; others are to read (with their old hash, so that a file
    touched but not changed is not re-indexed). Files of ``known`` under ``roots`` that
    were not walked are gone, unless their folder could not be read or the walk was cut
    short (``walk_complete`` False).

    ``known`` is read once, in its own order (``items()``: a table on disk is scanned,
    not looked up a file at a time), the walked files being stat'ed as it meets them;
    then the files it does not hold are stat'ed, and the files to read are listed in
    walk order. Memory: nothing the size of ``known`` is kept (an archive of a million
    files has a million entries); only a mark per walked file."""
    out = Plan()
    # walked path -> None (not met in ``known``), _DONE (unchanged, or nothing to read),
    # or its job's (size, mtime, old hash)
    walked: dict[str, object] = dict.fromkeys(files)

    def stat_of(path: str, was_known: bool) -> os.stat_result | None:
        try:
            st = os.stat(path)
        except OSError as e:
            skip(path, f"cannot read: {e.strerror or e}")
            if e.errno == errno.ENOENT and was_known:  # (other errors: not gone)
                vanished(path)
            return None
        if not stat.S_ISREG(st.st_mode):
            skip(path, articles.special_file(st.st_mode))
            if was_known:
                vanished(path)
            return None
        return st

    def vanished(path: str) -> None:  # walked, but gone (or no longer a regular file) since
        if gone_here(path):
            out.gone.append(path)

    def gone_here(path: str) -> bool:
        return walk_complete and under(path, roots) and not under(path, unreadable)

    for path, before in known.items():
        mark = walked.get(path, _ABSENT)
        if mark is _ABSENT:
            if gone_here(path):
                out.gone.append(path)
            continue
        walked[path] = _DONE
        st = stat_of(path, True)
        if st is None:
            continue
        if before[0] == st.st_size and before[1] == st.st_mtime_ns:
            out.unchanged += 1
        else:
            walked[path] = (st.st_size, st.st_mtime_ns, before[2])
    for path, mark in walked.items():
        if mark is None:  # new
            st = stat_of(path, False)
            if st is not None:
                out.todo.append((path, st.st_size, st.st_mtime_ns, ""))
        elif mark is not _DONE:
            out.todo.append((path, *mark))  # type: ignore[misc]
    return out


_ABSENT, _DONE = object(), object()
