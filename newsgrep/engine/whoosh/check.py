"""Checking an archive: is every file a commit refers to there, whole and readable?

``newsgrep check`` runs :func:`check_archive`; ``newsgrep index`` runs its cheap
part (:func:`check_files`: the files exist and have the lengths their commit
wrote) after every run, so that it never reports success over a damaged
archive. Every problem is one :class:`Problem`; ``newsgrep index --rebuild``
repairs any of them.

What is checked: the metadata file (``newsgrep.json``), the TOC of the current
generation, every segment's files (present, and the lengths recorded when
they were committed: see :func:`record_sizes`), the segment readable (its
terms, the postings they point at, its stored fields and columns), the form
index of each segment, the state file, and in lemma mode the lexicon.
"""
from __future__ import annotations

import marshal
import os
from pathlib import Path

from ..base import Problem
from ...errors import IndexNotFound
from .schema import INDEX_NAME, latest_generation

__all__ = ["Problem", "check_archive", "check_files", "record_sizes", "SIZES_ATTR",
           "latest_generation"]

STATE_PREFIX = "newsgrep-state-"  # (indexing.STATE_PREFIX, without importing the writer)
# Each committed segment carries the lengths of its files (name -> bytes) in this
# attribute, pickled with it into the TOC: the TOC and the lengths it expects are
# written together, atomically.
SIZES_ATTR = "_newsgrep_sizes"


def record_sizes(segment, folder: Path | str) -> None:
    """Remember the lengths of ``segment``'s files in ``folder`` on the segment itself."""
    prefix = f"{segment.segment_id()}."
    sizes = {name: os.path.getsize(os.path.join(folder, name))
             for name in os.listdir(folder) if name.startswith(prefix)}
    setattr(segment, SIZES_ATTR, sizes)


def _toc_name(generation: int) -> str:
    return f"_{INDEX_NAME}_{generation}.toc"


def _read_toc(directory: Path, problems: list[Problem]):
    """The current TOC, or None (with a problem) when there is none or it cannot be read."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    from . import schema as _schema  # noqa: F401 -- builds Positions32 for the pickled schema

    for attempt in range(20):
        gen = latest_generation(directory)
        if gen < 0:
            problems.append(Problem(str(directory), "no TOC (_MAIN_N.toc): no commit to read"))
            return None
        try:
            return TOC.read(FileStorage(str(directory)), INDEX_NAME, gen)
        except FileNotFoundError:  # a writer committed the next one meanwhile
            if attempt == 19:
                raise
        except Exception as e:  # Whoosh raises many kinds for a damaged TOC
            problems.append(Problem(_toc_name(gen), f"unreadable ({_reason(e)})"))
            return None
    return None


def _reason(e: BaseException) -> str:
    text = str(e).strip()
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _segment_files(directory: Path, toc, problems: list[Problem]) -> None:
    """Every segment's files are there, with the lengths its commit recorded."""
    from .forms import FORMS_EXT

    names = set(os.listdir(directory))
    for segment in toc.segments:
        sizes = getattr(segment, SIZES_ATTR, None)
        segid = segment.segment_id()
        if sizes is None:  # committed by an older newsgrep: the files it must have
            sizes = {f"{segid}{ext}": None for ext in (".trm", ".pst", FORMS_EXT)}
        for name, size in sorted(sizes.items()):
            if name not in names:
                problems.append(Problem(name, "missing"))
                continue
            if size is not None:
                actual = os.path.getsize(directory / name)
                if actual != size:
                    problems.append(Problem(name, f"{actual} bytes, its commit wrote {size}"))


def check_files(directory: Path | str) -> list[Problem]:
    """The cheap check: the TOC reads, every segment's files exist with their lengths."""
    directory = Path(directory)
    problems: list[Problem] = []
    toc = _read_toc(directory, problems)
    if toc is not None:
        _segment_files(directory, toc, problems)
    return problems


def check_archive(directory: Path | str) -> list[Problem]:
    """Everything :func:`check_files` checks, then reads each segment, the state file and
    the lexicon. An empty list: the archive is healthy. Raises
    :class:`~newsgrep.errors.IndexNotFound` when there is no archive at all."""
    from .schema import META_FILE, SCHEMA_VERSION, IndexMeta

    directory = Path(directory)
    if not directory.is_dir() or (not (directory / META_FILE).exists()
                                  and latest_generation(directory) < 0):
        raise IndexNotFound(f"no index at {directory} (build one with: newsgrep index PATH... "
                            f"--index {directory})")
    problems: list[Problem] = []
    meta = None
    try:
        meta = IndexMeta.load(directory)
        if meta.schema_version != SCHEMA_VERSION:
            problems.append(Problem(META_FILE, f"format {meta.schema_version}, this newsgrep "
                                               f"reads {SCHEMA_VERSION}"))
    except Exception as e:
        problems.append(Problem(META_FILE, f"unreadable ({_reason(e)})"))
    toc = _read_toc(directory, problems)
    if toc is None:
        return problems
    before = len(problems)
    _segment_files(directory, toc, problems)
    if len(problems) == before:  # the files are whole: are they readable?
        for segment in toc.segments:
            problems.extend(_read_segment(directory, toc.schema, segment))
    problems.extend(_check_state(directory, toc.generation))
    if meta is not None and meta.morphology == "lemma":
        problems.extend(_check_lexicon(directory, toc.schema))
    return problems


def _read_segment(directory: Path, schema, segment) -> list[Problem]:
    """Open a segment and read what a search reads: terms, the extent of their postings,
    the last stored document and column value, the form index."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.reading import SegmentReader

    from .forms import FORMS_EXT, FormIndex

    segid = segment.segment_id()
    problems = []
    try:
        reader = SegmentReader(FileStorage(str(directory)), schema, segment)
    except Exception as e:
        return [Problem(segid, f"cannot be opened ({_reason(e)})")]
    try:
        postings = os.path.getsize(directory / f"{segid}.pst")
        end = 0
        for _term, info in reader:
            if not info.is_inlined():
                offset, length = info.extent()
                if isinstance(length, tuple):  # (as newsgrep's segment writer stores it)
                    length = length[0]
                end = max(end, offset + length)
        if end > postings:
            problems.append(Problem(f"{segid}.pst", f"{postings} bytes, its terms point "
                                                    f"up to byte {end}"))
        last = segment.doc_count_all() - 1
        if last >= 0:
            reader.stored_fields(last)
            for name in schema.names():
                if schema[name].column_type is not None and reader.has_column(name):
                    reader.column_reader(name, translate=False)[last]
    except Exception as e:
        problems.append(Problem(segid, f"unreadable ({_reason(e)})"))
    finally:
        reader.close()
    try:
        FormIndex(str(directory / f"{segid}{FORMS_EXT}"))
    except Exception as e:
        problems.append(Problem(f"{segid}{FORMS_EXT}", f"unreadable ({_reason(e)})"))
    return problems


def _check_state(directory: Path, generation: int) -> list[Problem]:
    import sqlite3

    from .filetable import lineages, read_files, table_name

    try:
        if read_files(directory, generation) is not None:
            return []
    except sqlite3.DatabaseError as e:
        # (the tables are read newest first: the one that failed)
        lineage = next(n for n in lineages(directory) if n <= generation)
        return [Problem(table_name(lineage), f"unreadable ({_reason(e)})")]
    # (an older newsgrep's state file)
    name = f"{STATE_PREFIX}{generation}.bin"
    try:
        with open(directory / name, "rb") as fh:
            state = marshal.load(fh)
    except FileNotFoundError:
        return []  # (an index written by other means: the next run reads every file)
    except Exception as e:
        return [Problem(name, f"unreadable ({_reason(e)})")]
    if not isinstance(state, dict):
        return [Problem(name, f"holds a {type(state).__name__}, not the files indexed")]
    return []


def _check_lexicon(directory: Path, schema) -> list[Problem]:
    import sqlite3

    from ...lexicon import lexicon_path
    from .schema import text_analyzer

    signature = getattr(text_analyzer(schema), "signature", None)
    if not signature:
        return []
    path = lexicon_path(directory, signature)
    if not path.exists():
        return [Problem(path.name, "missing (highlighting analyses articles instead)")]
    try:
        from urllib.parse import quote

        db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
        try:
            row = db.execute("PRAGMA quick_check").fetchone()
        finally:
            db.close()
        if not row or row[0] != "ok":
            return [Problem(path.name, f"damaged ({row[0] if row else 'no answer'})")]
    except sqlite3.Error as e:
        return [Problem(path.name, f"unreadable ({_reason(e)})")]
    return []
