"""Indexing files into a PostgreSQL archive, incrementally, over the engine's writer.

A simple, single-process pipeline over :meth:`PostgresEngine.writer`: walk the
roots, skip files whose size and mtime are unchanged, re-read the rest (a file
whose content hash is unchanged only gets its new state), replace each changed
file's articles, remove the files gone from under the roots given, and commit
every ``commit_files`` files (each commit one transaction). Used where the
archive's generic pipeline is not (the tests, ``bench/pg_speed.py``).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from ... import articles
from ...errors import ArticleError


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def index_paths(engine, paths: Iterable[str], *, morphology: str | None = None,
                signature: str = "", rebuild: bool = False, commit_files: int = 200,
                encoding: str | None = None, on_warning: Callable[[str], None] | None = None,
                follow_outside: bool = False, exclude=None, include=None,
                hook: Callable[[str], None] | None = None, **_ignored):
    """Index ``paths`` into ``engine`` (a :class:`PostgresEngine`); returns an ``IndexReport``.

    ``paths`` empty: the archive's recorded roots. ``wait``, ``jobs``, ``private``
    and ``on_progress`` of the Whoosh pipeline mean nothing here (no lock, one
    process) and are ignored. ``exclude``/``include`` patterns and ``.newsgrepignore``
    files work as in the Whoosh pipeline (:mod:`newsgrep.ignore`): ``None`` applies the
    archive's recorded patterns, a list replaces them; the files they leave out are not
    read, and their articles leave the archive.
    """
    import json
    import time

    from ...errors import NewsgrepError
    from ...indexing import IndexReport, content_hash, walk
    from ...ignore import FileFilter
    from ...indexing.generic import documents_of
    from ..base import Document, FileDocuments, FileState

    started = time.monotonic()
    warn = on_warning or (lambda m: None)
    hook = hook or (lambda point: None)
    if not paths and engine.exists():
        paths = engine.info().roots
    if not paths:
        raise NewsgrepError("nothing to index: give one or more paths (newsgrep index PATH...)")
    roots = [os.path.abspath(p) for p in paths]
    if morphology is None:
        morphology = engine.info().morphology if engine.exists() else "stem"
    if morphology == "lemma" and not signature:
        from ...analysis import live_signature
        signature = live_signature()
    report = IndexReport()
    info = engine.info() if engine.exists() else None
    excludes = [p for p in exclude if p] if exclude is not None else list(
        info.excludes if info else [])
    includes = [p for p in include if p] if include is not None else list(
        info.includes if info else [])
    chooser = FileFilter(set(roots) | set(info.roots if info else []), excludes, includes)

    def skip(path: str, reason: str) -> None:
        if chooser.excluded(path):
            report.excluded += 1
            return
        report.skipped[reason.split(":")[0]] += 1
        if reason != "unsupported type":  # counted, not warned: as the Whoosh pipeline
            warn(f"{path}: {reason}")

    writer = engine.writer(morphology=morphology, signature=signature, rebuild=rebuild)
    writer.groups.enabled = getattr(_ignored.get("settings"), "reprints", True)  # groups.py
    try:
        # remembered with the roots, committed with the first commit (written only when
        # they change: two writers with the same patterns never wait for each other here)
        for key, patterns in (("excludes", excludes), ("includes", includes)):
            if info is None or patterns != list(getattr(info, key)):
                writer.set_meta(key, json.dumps(patterns, ensure_ascii=False))
        states = {} if rebuild else engine.file_states()
        seen: set[str] = set()
        pending = 0
        for path in walk(roots, skip, follow_outside=follow_outside):
            if chooser.excluded(path):
                report.excluded += 1
                continue
            seen.add(path)
            try:
                st = os.stat(path)
            except OSError as e:
                skip(path, f"cannot read: {e.strerror or e}")
                continue
            old = states.get(path)
            if old is not None and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns:
                report.unchanged += 1
                continue
            try:
                fh, _ = articles.open_regular(path)  # never blocks on a FIFO swapped in
                with fh:
                    digest = content_hash(fh)
            except (OSError, ArticleError) as e:
                skip(path, f"cannot read: {e.strerror or e}" if isinstance(e, OSError) else str(e))
                continue
            state = FileState(path, st.st_size, st.st_mtime_ns, digest)
            if old is not None and old.hash == digest:
                # the same content under a new mtime: only the state changes
                writer.add_file(FileDocuments(state, engine.documents_of(path)))
                report.unchanged += 1
            else:
                docs: list[Document] = []
                try:
                    for a in articles.read_file(path, encoding=encoding, warn=warn):
                        docs.append(documents_of(a, path, st.st_size, st.st_mtime_ns))
                except ArticleError as e:
                    if docs:
                        warn(f"{path}: {e}")
                    else:
                        skip(path, str(e))
                        state = FileState(path, st.st_size, st.st_mtime_ns, "skipped:" + digest)
                writer.add_file(FileDocuments(state, docs))
                if old is None:
                    report.added += 1
                else:
                    report.updated += 1
                report.articles += len(docs)
            pending += 1
            hook("added")
            if pending >= commit_files:
                writer.commit(more=True)  # the run's last commit checkpoints the groups
                hook("committed")
                pending = 0
        gone = [p for p in states if p not in seen and _under(p, roots)
                and (not os.path.lexists(p) or chooser.excluded(p))]
        writer.delete_files(gone)
        report.removed = len(gone)
        writer.commit()
        hook("committed")
    finally:
        writer.close()
    engine.add_roots(roots)
    if report.articles + report.removed >= 1000:
        # fresh planner statistics: right after a big load autovacuum may not have
        # run yet, and a search planned without them can take seconds
        engine.analyze_tables()
    report.total = engine.doc_count()
    report.elapsed = time.monotonic() - started
    return report
