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
from dataclasses import dataclass, field

from ... import articles
from ...errors import ArticleError


@dataclass
class Report:
    added: int = 0       # files read and (re)indexed
    unchanged: int = 0
    removed: int = 0
    articles: int = 0    # articles written by this run
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def index_paths(engine, paths: Iterable[str], *, morphology: str = "stem", signature: str = "",
                rebuild: bool = False, commit_files: int = 200,
                warn: Callable[[str], None] | None = None,
                hook: Callable[[str], None] | None = None) -> Report:
    """Index ``paths`` into ``engine`` (a :class:`PostgresEngine`); returns what was done."""
    from ...indexing import article_id, content_hash, walk
    from ..base import Document, FileDocuments, FileState

    warn = warn or (lambda m: None)
    hook = hook or (lambda point: None)
    roots = [os.path.abspath(p) for p in paths]
    report = Report()
    writer = engine.writer(morphology=morphology, signature=signature, rebuild=rebuild)
    try:
        states = {} if rebuild else engine.file_states()
        seen: set[str] = set()
        pending = 0
        for path in walk(roots, lambda p, why: report.skipped.append((p, why))):
            seen.add(path)
            try:
                st = os.stat(path)
            except OSError as e:
                report.skipped.append((path, f"cannot read: {e.strerror or e}"))
                continue
            old = states.get(path)
            if old is not None and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns:
                report.unchanged += 1
                continue
            try:
                with open(path, "rb") as fh:
                    digest = content_hash(fh)
            except OSError as e:
                report.skipped.append((path, f"cannot read: {e.strerror or e}"))
                continue
            state = FileState(path, st.st_size, st.st_mtime_ns, digest)
            docs: list[Document] = []
            if old is None or old.hash != digest:
                try:
                    for a in articles.read_file(path, warn=warn):
                        docs.append(Document(
                            id=article_id(path, a.key), path=path, key=a.key, title=a.title,
                            body=a.body, date=a.date, source=a.source,
                            source_raw=a.source_raw if a.source_raw != a.source else "",
                            author=a.author, section=a.section, tags=list(a.tags), url=a.url,
                            lead=a.lead, encoding=a.encoding, format=a.format,
                            size=st.st_size, mtime_ns=st.st_mtime_ns))
                except ArticleError as e:
                    report.skipped.append((path, str(e)))
                    state = FileState(path, st.st_size, st.st_mtime_ns, "skipped:" + digest)
                writer.add_file(FileDocuments(state, docs))
                report.added += 1
                report.articles += len(docs)
            else:  # the same content under a new mtime: only the state changes
                writer.add_file(FileDocuments(state, engine.documents_of(path)))
            pending += 1
            hook("added")
            if pending >= commit_files:
                writer.commit()
                hook("committed")
                pending = 0
        gone = [p for p in states if p not in seen and _under(p, roots) and not os.path.exists(p)]
        writer.delete_files(gone)
        report.removed = len(gone)
        writer.commit()
        hook("committed")
    finally:
        writer.close()
    if hasattr(engine, "add_roots"):
        engine.add_roots(roots)
    return report
