"""The figures of ``newsgrep stats``, kept at commit time instead of scanning at each call.

Counting the articles per source, section and encoding, and the date range,
means reading every stored document: 12 s at 110k articles. A commit writes
them beside its state, per segment (``newsgrep-figures-N.bin`` for
generation N: segment id -> the figures of its live documents and the list
of its deleted ones). A segment's files never change; only its deleted
documents do, so a commit counts the documents of its new segments (a run's,
a merge's), and for a segment that lost documents since the last commit (an
updated or removed file) reads those documents only and takes them off;
every other segment keeps its figures. ``stats`` then adds up a few dozen
numbers per segment.

An archive whose commit has no figures (built by an older newsgrep), or a
segment missing from them, is counted from its stored documents, as before:
the figures are the same either way (tests compare them).
"""
from __future__ import annotations

import marshal
import os
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["FIGURES_PREFIX", "SegmentFigures", "figures_name", "segment_figures",
           "updated_figures", "figures_of", "load_figures", "write_figures", "remove_old_figures",
           "archive_figures", "committed_figures"]

FIGURES_PREFIX = "newsgrep-figures-"
_VERSION = 2

# [articles, undated, first date, last date (ISO or None), sources, sections, encodings,
#  deleted]: each count table is value -> [documents, the first live one's number], so
# that values equal in count come in a scan's order (the order first met); ``deleted``
# lists the segment's deleted documents the figures leave out.
SegmentFigures = list
#: The date column's value for an undated article (``engine.NO_DATE``: the commit, which
#: imports this module, is imported by the engine).
_NO_DATE = (1 << 64) - 1
_TABLES = (("source", 4, "(none)"), ("section", 5, None), ("encoding", 6, "(none)"))


def figures_name(generation: int) -> str:
    return f"{FIGURES_PREFIX}{generation}.bin"


def _key(stored: dict, field: str, missing: str | None) -> str | None:
    return stored.get(field) or missing


def segment_figures(reader: Any) -> SegmentFigures:
    """The figures of a segment reader's live documents, read from their stored fields."""
    tables: list[dict[str, list[int]]] = [{}, {}, {}]
    first = last = None
    undated = articles = 0
    for docnum in reader.all_doc_ids():
        stored = reader.stored_fields(docnum)
        articles += 1
        for table, (field, _, missing) in zip(tables, _TABLES):
            key = _key(stored, field, missing)
            if key is not None:
                entry = table.get(key)
                if entry is None:
                    table[key] = [1, docnum]
                else:
                    entry[0] += 1
        d = stored.get("date")
        if d is None:
            undated += 1
        else:
            first = d if first is None or d < first else first
            last = d if last is None or d > last else last
    return [articles, undated, first.isoformat() if first else None,
            last.isoformat() if last else None, *tables,
            sorted(reader.segment().deleted_docs())]


def updated_figures(reader: Any, figures: SegmentFigures) -> SegmentFigures:
    """``figures`` less the documents deleted since they were counted: only those are
    read (and, when one was the first of its value, the documents up to the next one;
    when one held the first or last date, the date column)."""
    deleted = set(reader.segment().deleted_docs())
    gone = sorted(deleted - set(figures[7]))
    if not gone or len(deleted) < len(figures[7]):
        return segment_figures(reader) if gone else figures
    out = [*figures[:4], *({k: list(v) for k, v in t.items()} for t in figures[4:7]),
           sorted(deleted)]
    refirst: list[tuple[int, str | None, int]] = []  # (table, value, from document)
    dates_touched = False
    for docnum in gone:
        stored = reader.stored_fields(docnum)
        out[0] -= 1
        for field, i, missing in _TABLES:
            key = _key(stored, field, missing)
            entry = out[i].get(key) if key is not None else None
            if entry is None:
                continue
            entry[0] -= 1
            if entry[0] <= 0:
                del out[i][key]
            elif entry[1] == docnum:
                refirst.append((i, key, docnum))
        d = stored.get("date")
        if d is None:
            out[1] -= 1
        elif d.isoformat() in (out[2], out[3]):
            dates_touched = True
    if refirst:
        _find_firsts(reader, out, refirst, deleted)
    if dates_touched:
        _dates_from_column(reader, out, deleted)
    return out


def _find_firsts(reader: Any, out: SegmentFigures, refirst: list, deleted: set[int]) -> None:
    """The new first live document of each value whose first one was deleted."""
    wanted = {(i, key) for i, key, _ in refirst if key in out[i]}
    docnum = min(d for _, _, d in refirst)
    end = reader.doc_count_all()
    while wanted and docnum < end:
        docnum += 1
        if docnum in deleted or docnum >= end:
            continue
        stored = reader.stored_fields(docnum)
        for field, i, missing in _TABLES:
            key = _key(stored, field, missing)
            if (i, key) in wanted:
                entry = out[i][key]
                if entry[1] in deleted:  # (a later one in the list may have set it already)
                    entry[1] = docnum
                wanted.discard((i, key))
    for i, key in wanted:  # (cannot happen: a value with documents left has a first one)
        out[i][key][1] = end


def _dates_from_column(reader: Any, out: SegmentFigures, deleted: set[int]) -> None:
    from whoosh.util.times import long_to_datetime

    column = reader.column_reader("date", translate=False)
    values = [v for d, v in enumerate(column) if d not in deleted and v < _NO_DATE]
    out[2] = long_to_datetime(min(values)).isoformat() if values else None
    out[3] = long_to_datetime(max(values)).isoformat() if values else None


def load_figures(directory: Path, generation: int) -> dict[str, SegmentFigures]:
    """segment id -> its figures as commit ``generation`` wrote them; {} when there are
    none (or they cannot be read: they are counted again)."""
    try:
        with open(Path(directory) / figures_name(generation), "rb") as fh:
            data = marshal.load(fh)
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not isinstance(data, dict) or data.get("version") != _VERSION:
        return {}
    segments = data.get("segments")
    return segments if isinstance(segments, dict) else {}


def write_figures(directory: Path, generation: int,
                  segments: dict[str, SegmentFigures]) -> None:
    path = Path(directory) / figures_name(generation)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        marshal.dump({"version": _VERSION, "segments": segments}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def remove_old_figures(directory: Path, keep: int) -> None:
    for name in os.listdir(directory):
        if name.startswith(FIGURES_PREFIX) and name != figures_name(keep):
            try:
                os.unlink(Path(directory) / name)
            except OSError:
                pass


def figures_of(segments: list, known: dict[str, SegmentFigures],
               open_reader: Any) -> dict[str, SegmentFigures]:
    """The figures of every segment: ``known`` ones whose deletions are unchanged, updated
    for the documents deleted since, counted for new segments; ``open_reader(segment)``
    gives a reader (closed here)."""
    out = {}
    for segment in segments:
        sid = segment.segment_id()
        entry = known.get(sid)
        if entry is None or len(entry[7]) != segment.deleted_count():
            reader = open_reader(segment)
            try:
                entry = (segment_figures(reader) if entry is None
                         else updated_figures(reader, entry))
            finally:
                reader.close()
        out[sid] = entry
    return out


def archive_figures(directory: Path, reader: Any) -> tuple[int, datetime | None,
                                                           datetime | None, int, Counter,
                                                           Counter, Counter]:
    """``(articles, first, last, undated, sources, sections, encodings)`` of the archive
    ``reader`` reads, from its commit's figures (segments without them are counted)."""
    leaves = [r for r, _ in reader.leaf_readers() if r.segment() is not None]
    known = load_figures(directory, reader.generation()) if leaves else {}
    entries = []
    for leaf in leaves:
        segment = leaf.segment()
        entry = known.get(segment.segment_id())
        if entry is None or len(entry[7]) != segment.deleted_count():
            entry = segment_figures(leaf)
        entries.append(entry)
    return _added_up(entries)


def committed_figures(directory: Path) -> tuple | None:
    """:func:`archive_figures` from the newest commit's figures alone, without opening the
    index (no Whoosh import: ``stats`` as a process); None when that commit has none (an
    archive built by an older newsgrep, or empty)."""
    from .schema import latest_generation

    known = load_figures(directory, latest_generation(directory))
    # (a commit writes the figures of exactly its segments, in its TOC's order)
    return _added_up(list(known.values())) if known else None


def _added_up(entries: list[SegmentFigures]) -> tuple:
    articles = undated = 0
    first = last = None
    sources: Counter[str] = Counter()
    sections: Counter[str] = Counter()
    encodings: Counter[str] = Counter()
    for entry in entries:
        n, no_date, lo, hi = entry[:4]
        articles += n
        undated += no_date
        if lo is not None:
            lo_d, hi_d = datetime.fromisoformat(lo), datetime.fromisoformat(hi)
            first = lo_d if first is None or lo_d < first else first
            last = hi_d if last is None or hi_d > last else last
        for total, table in zip((sources, sections, encodings), entry[4:7]):
            # in the order a scan meets them: by their first document
            for key, (count, _) in sorted(table.items(), key=lambda kv: kv[1][1]):
                total[key] += count
    return articles, first, last, undated, sources, sections, encodings
