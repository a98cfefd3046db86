"""The figures of ``newsgrep stats``, kept at commit time instead of scanning at each call.

Counting the articles per source, section and encoding, and the date range,
means reading every stored document: 12 s at 110k articles. A commit writes
them beside its state, per segment (``newsgrep-figures-N.bin`` for
generation N: segment id -> its number of deleted documents and the figures
of its live ones). A segment's files never change; only its deleted
documents do, so a commit counts a segment again only when it is new (its
own documents: a run's new segments, a merge's) or lost documents since the
last commit (an updated or removed file); every other segment keeps its
figures. ``stats`` then adds up a few dozen numbers per segment.

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

__all__ = ["FIGURES_PREFIX", "SegmentFigures", "figures_name", "segment_figures", "load_figures",
           "write_figures", "remove_old_figures", "archive_figures"]

FIGURES_PREFIX = "newsgrep-figures-"
_VERSION = 1

# (articles, undated, first date, last date (ISO), sources, sections, encodings), each
# dict in the order its keys were first met, so that ties keep a scan's order.
SegmentFigures = tuple


def figures_name(generation: int) -> str:
    return f"{FIGURES_PREFIX}{generation}.bin"


def segment_figures(reader: Any) -> SegmentFigures:
    """The figures of a segment reader's live documents, read from their stored fields."""
    sources: dict[str, int] = {}
    sections: dict[str, int] = {}
    encodings: dict[str, int] = {}
    first = last = None
    undated = articles = 0
    for _docnum, stored in reader.iter_docs():
        articles += 1
        key = stored.get("source") or "(none)"
        sources[key] = sources.get(key, 0) + 1
        if stored.get("section"):
            sections[stored["section"]] = sections.get(stored["section"], 0) + 1
        key = stored.get("encoding") or "(none)"
        encodings[key] = encodings.get(key, 0) + 1
        d = stored.get("date")
        if d is None:
            undated += 1
        else:
            first = d if first is None or d < first else first
            last = d if last is None or d > last else last
    return (articles, undated, first.isoformat() if first else None,
            last.isoformat() if last else None, sources, sections, encodings)


def load_figures(directory: Path, generation: int) -> dict[str, tuple[int, SegmentFigures]]:
    """segment id -> (its deleted documents, its figures) as commit ``generation`` wrote
    them; {} when there are none (or they cannot be read: they are counted again)."""
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
                  segments: dict[str, tuple[int, SegmentFigures]]) -> None:
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


def figures_of(segments: list, known: dict[str, tuple[int, SegmentFigures]],
               open_reader: Any) -> dict[str, tuple[int, SegmentFigures]]:
    """The figures of every segment: ``known`` ones whose deletions are unchanged, the
    others counted through ``open_reader(segment)`` (a reader, closed here)."""
    out = {}
    for segment in segments:
        sid, deleted = segment.segment_id(), segment.deleted_count()
        entry = known.get(sid)
        if entry is None or entry[0] != deleted:
            reader = open_reader(segment)
            try:
                entry = (deleted, segment_figures(reader))
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
    articles = undated = 0
    first = last = None
    sources: Counter[str] = Counter()
    sections: Counter[str] = Counter()
    encodings: Counter[str] = Counter()
    for leaf in leaves:
        segment = leaf.segment()
        entry = known.get(segment.segment_id())
        if entry is None or entry[0] != segment.deleted_count():
            entry = (segment.deleted_count(), segment_figures(leaf))
        n, no_date, lo, hi, src, sec, enc = entry[1]
        articles += n
        undated += no_date
        if lo is not None:
            lo_d, hi_d = datetime.fromisoformat(lo), datetime.fromisoformat(hi)
            first = lo_d if first is None or lo_d < first else first
            last = hi_d if last is None or hi_d > last else last
        sources.update(src)
        sections.update(sec)
        encodings.update(enc)
    return articles, first, last, undated, sources, sections, encodings
