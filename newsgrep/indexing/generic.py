"""Indexing into any engine through its :class:`~newsgrep.engine.base.EngineWriter`.

The Whoosh engine has its own pipeline (worker processes writing segments:
:mod:`newsgrep.indexing.run`); an engine without one (a database) is indexed
here, in one process: walk, plan against the engine's file states, read each
changed file into :class:`~newsgrep.engine.base.FileDocuments`, delete the files
that are gone, commit every ``commit_articles`` articles and at the end.
"""
from __future__ import annotations

import os
import time
import unicodedata
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .. import articles
from ..articles.names import printable_name
from ..engine.base import DEFAULT_MORPHOLOGY, Document, Engine, FileDocuments, FileState
from ..errors import ArticleError, NewsgrepError
from .settings import Settings
from .walking import SKIPPED, article_id, content_hash, plan, walk

if TYPE_CHECKING:
    from .run import IndexReport

__all__ = ["index_with_writer", "documents_of"]


def documents_of(article: articles.Article, path: str, size: int, mtime_ns: int) -> Document:
    """The engine-neutral :class:`Document` of an article read from ``path``."""
    nfc = unicodedata.normalize
    return Document(
        id=article_id(path, article.key), path=path, key=article.key,
        title=nfc("NFC", article.title), body=nfc("NFC", article.body), date=article.date,
        source=article.source,
        source_raw=article.source_raw if article.source_raw != article.source else "",
        author=article.author, section=article.section,
        tags=[t.replace(",", " ") for t in article.tags], url=article.url, lead=article.lead,
        encoding=article.encoding, format=article.format, size=size, mtime_ns=mtime_ns)


def index_with_writer(engine: Engine, paths: Iterable[str | os.PathLike[str]], *,
                      encoding: str | None = None, rebuild: bool = False,
                      morphology: str | None = None, wait: bool = False,
                      on_warning: Callable[[str], None] | None = None,
                      settings: Settings | None = None) -> IndexReport:
    """Index the article files under ``paths`` into ``engine`` (see module docstring)."""
    from .run import IndexReport

    settings = settings or Settings()
    started = time.monotonic()
    report = IndexReport()
    def warn(message: str) -> None:
        if on_warning is not None:
            on_warning(printable_name(message))

    roots = [os.path.abspath(os.fspath(p)) for p in paths]
    if not roots:
        raise NewsgrepError("nothing to index: give one or more paths (newsgrep index PATH...)")

    def skip(path: str, reason: str) -> None:
        report.skipped[reason] += 1
        if reason != "unsupported type":
            warn(f"{path}: {reason}")

    known = {} if rebuild or not engine.exists() else {
        p: (s.size, s.mtime_ns, s.hash) for p, s in engine.file_states().items()}
    unreadable: list[str] = []
    files = list(dict.fromkeys(walk(roots, skip, unreadable=unreadable)))
    planned = plan(files, known, roots, unreadable, skip)
    report.unchanged = planned.unchanged
    writer = engine.writer(morphology=morphology or DEFAULT_MORPHOLOGY, rebuild=rebuild,
                           wait=wait)
    try:
        pending = 0
        for path, size, mtime, old_hash in planned.todo:
            try:
                fh, _ = articles.open_regular(path)
                with fh:
                    digest = content_hash(fh)
            except (OSError, ArticleError) as e:
                skip(path, f"cannot read: {e.strerror or e}" if isinstance(e, OSError) else str(e))
                continue
            if digest == old_hash:
                report.unchanged += 1
                continue
            try:
                docs = [documents_of(a, path, size, mtime)
                        for a in articles.read_file(path, encoding=encoding, warn=warn)]
            except ArticleError as e:
                skip(path, str(e))
                writer.add_file(FileDocuments(FileState(path, size, mtime, SKIPPED + digest), []))
                continue
            writer.add_file(FileDocuments(FileState(path, size, mtime, digest), docs))
            settings.hook("added")
            report.articles += len(docs)
            if path in known and not known[path][2].startswith(SKIPPED):
                report.updated += 1
            else:
                report.added += 1
            pending += len(docs)
            if pending >= settings.limits.commit_articles:
                writer.commit()
                pending = 0
        if planned.gone:
            writer.delete_files(planned.gone)
            report.removed = len(planned.gone)
        writer.commit()
    finally:
        writer.close()
    report.total = engine.doc_count()
    report.elapsed = time.monotonic() - started
    return report
