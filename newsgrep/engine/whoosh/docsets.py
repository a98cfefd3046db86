"""Matching articles as sets of document numbers, and counts from columns.

``-c``, ``--timeline`` and ``-c --by`` need which articles match, not their
scores or order: a query's matcher walked one posting at a time (several
Python calls per match, through the union and deletion wrappers) costs about
5 µs a match, which is seconds for a common word in a million articles. Here
a query of terms, ``OR``, ``AND``, ``NOT`` and a date range is evaluated
per segment on sets: a term's postings are read a block at a time (a set
update per block of ids), ``OR`` is a union, ``AND`` an intersection, a date
range a filter on the date column; any other query (a phrase, ``=word``
forms, ...) falls back to its own matcher. Counting per value reads the
column's raw data once per segment and counts with ``map``/``Counter``, not a
column look-up per match. The results are those of the matchers (tests).
"""
from __future__ import annotations

import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import accumulate
from operator import add
from typing import Any

__all__ = ["segment_docsets", "count_docs", "column_counts", "query_docs", "query_filter",
           "column_numbers", "global_docnums", "global_filter", "id_values", "segment_ids"]


def segment_docsets(q: Any, searcher: Any) -> Iterator[tuple[Any, int, Any, set[int]]]:
    """``(segment searcher, its first docnum, its reader, its live matching document
    numbers)`` for each segment."""
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        docs = query_docs(q, sub, reader)
        if docs and reader.has_deletions():
            docs -= reader.deleted_docs_set
        yield sub, offset, reader, docs


def count_docs(q: Any, searcher: Any) -> int:
    return sum(len(docs) for _, _, _, docs in segment_docsets(q, searcher))


def column_counts(q: Any, searcher: Any, fieldname: str) -> Counter:
    """Matching live documents per raw column value of ``fieldname`` (untranslated)."""
    out: Counter = Counter()
    for _, _, reader, docs in segment_docsets(q, searcher):
        if docs:
            out.update(_values(reader.column_reader(fieldname, translate=False), docs))
    return out


def id_values(q: Any, searcher: Any, by: str | None) -> list[tuple[str, Any]]:
    """``(id, raw column value of by)`` of each matching live document (value None when
    ``by`` is None): ids from the id column, or the stored fields of a segment written
    without one (an archive built before newsgrep kept the column)."""
    out: list[tuple[str, Any]] = []
    for _, _, reader, docs in segment_docsets(q, searcher):
        if not docs:
            continue
        ordered = sorted(docs)
        ids = segment_ids(reader, ordered)
        if by is None:
            out.extend((i, None) for i in ids)
        else:
            column = reader.column_reader(by, translate=False)
            out.extend(zip(ids, _raw_values(column, ordered)))
    return out


def segment_ids(reader: Any, docs: list[int]) -> list[str]:
    """The ids of a segment's documents ``docs``: from its id column (the column's bytes
    read once, a slice per document), else from their stored fields."""
    if not docs:
        return []
    if reader.has_column("id"):
        column = reader.column_reader("id", translate=False)
        return list(map(bytes.decode, _raw_values(column, docs)))
    stored = reader.stored_fields
    return [stored(d)["id"] for d in docs]


def _raw_values(column: Any, docs: Iterable[int]) -> list[Any]:
    """The raw value of ``column`` for each of ``docs``, in their order (the column's bytes
    read once; each value a slice of them, no call per document)."""
    from whoosh.columns import VarBytesColumn

    if type(column) is VarBytesColumn.Reader and hasattr(column, "_offsets"):
        offsets, lengths = column._offsets, column._lengths
        data = bytes(column._dbfile.get(column._basepos, _data_length(offsets, lengths)))
        starts = list(map(offsets.__getitem__, docs))
        ends = map(add, starts, map(lengths.__getitem__, docs))
        return list(map(data.__getitem__, map(slice, starts, ends)))
    numbers = column_numbers(column)
    return list(map(numbers.__getitem__, docs))


# --- queries -> sets ---------------------------------------------------------------------

def query_docs(q: Any, sub: Any, reader: Any) -> set[int]:
    from whoosh import query as Q

    kind = type(q)
    if q is Q.NullQuery or kind is Q.NullQuery.__class__:
        return set()
    if kind is Q.Term:
        return _term_docs(reader, q.fieldname, q.text)
    if kind is Q.Or and not getattr(q, "minmatch", 0):
        out: set[int] = set()
        for child in q.children():
            out |= query_docs(child, sub, reader)
        return out
    if kind is Q.And:
        children = list(q.children())
        ranges = [c for c in children if _column_range(c, reader) is not None]
        negated = [c.query for c in children if type(c) is Q.Not]
        positive = [c for c in children if c not in ranges and type(c) is not Q.Not]
        if positive:
            sets = sorted((query_docs(c, sub, reader) for c in positive), key=len)
            acc = sets[0]
            for s in sets[1:]:
                if not acc:
                    break
                acc &= s
        else:
            acc = set(range(reader.doc_count_all()))
        for c in ranges:
            if acc:
                acc = _in_range(c, reader, acc)
        for c in negated:
            if acc:
                acc -= query_docs(c, sub, reader)
        return acc
    if kind is Q.AndNot:
        acc = query_docs(q.a, sub, reader)
        return acc - query_docs(q.b, sub, reader) if acc else acc
    if kind is Q.Not:
        return set(range(reader.doc_count_all())) - query_docs(q.query, sub, reader)
    if _column_range(q, reader) is not None:
        return _in_range(q, reader, None)
    return set(q.matcher(sub).all_ids())  # (a phrase, word forms, ...: the matcher's answer)


def query_filter(q: Any, sub: Any, reader: Any) -> Any:
    """What ``d in`` answers for the documents ``q`` matches in a segment: for a range of
    a numeric column (a date range), the column's test of ``d`` (a set of every
    document in range costs a pass over the whole column: about 0.1 µs a document,
    a tenth of a second at a million articles, where a search asks about the few
    thousand it scores); else :func:`query_docs`."""
    bounds = _column_range(q, reader)
    if bounds is None or not reader.doc_count_all():
        return query_docs(q, sub, reader)
    return _InRange(column_numbers(reader.column_reader(q.fieldname, translate=False)), *bounds)


class _InRange:
    """Whether a document's column value is within ``low``..``high``."""

    __slots__ = ("values", "low", "high")

    def __init__(self, values: Any, low: int, high: int):
        self.values, self.low, self.high = values, low, high

    def __contains__(self, d: int) -> bool:
        return self.low <= self.values[d] <= self.high


def _term_docs(reader: Any, fieldname: str, text: Any) -> set[int]:
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.reading import TermNotFound

    try:
        m = reader.postings(fieldname, text)
    except TermNotFound:
        return set()
    while hasattr(m, "child") and not isinstance(m, W3LeafMatcher):  # (the deletions filter)
        m = m.child
    if not isinstance(m, W3LeafMatcher):
        return set(m.all_ids())
    out: set[int] = set()
    while m.is_active():  # a block of ids at a time (as W3LeafMatcher._read_ids reads them)
        if m._data is None:
            m._read_data()
        ids = m._data[0]
        out.update(ids if m._byteids else accumulate(ids))  # (delta-coded)
        m._next_block()
    return out


def _column_range(q: Any, reader: Any) -> tuple[int, int] | None:
    """``(low, high)`` of a numeric range on a field with a numeric column, or None."""
    from whoosh import columns
    from whoosh.query import NumericRange

    if not isinstance(q, NumericRange) or not isinstance(q.start, int) \
            or not isinstance(q.end, int):
        return None
    field = reader.schema[q.fieldname] if q.fieldname in reader.schema else None
    if field is None or not isinstance(field.column_type, columns.NumericColumn):
        return None
    return (q.start + 1 if q.startexcl else q.start, q.end - 1 if q.endexcl else q.end)


def _in_range(q: Any, reader: Any, docs: set[int] | None) -> set[int]:
    low, high = _column_range(q, reader)  # type: ignore[misc]
    if not reader.doc_count_all():
        return set()
    values = column_numbers(reader.column_reader(q.fieldname, translate=False))
    if docs is None:
        return {d for d, v in enumerate(values) if low <= v <= high}
    return {d for d in docs if low <= values[d] <= high}


def global_filter(q: Any, searcher: Any) -> Any:
    """:func:`global_docnums` as Whoosh's collectors use a filter (``in``), for a range
    of a numeric column (a date range): each document asked about is tested on its
    segment's column (:func:`query_filter`) instead of every document in range
    listed first; for other queries, the set."""
    from bisect import bisect_right

    from whoosh.idsets import DocIdSet

    leaves = searcher.leaf_searchers()
    if not leaves or any(_column_range(q, sub.reader()) is None for sub, _ in leaves):
        return global_docnums(q, searcher)
    offsets = [offset for _, offset in leaves]
    tests = [query_filter(q, sub, sub.reader()) for sub, _ in leaves]

    class InRange(DocIdSet):  # (a DocIdSet: what Whoosh takes as a filter besides a set)
        def __contains__(self, g: object) -> bool:
            i = bisect_right(offsets, g) - 1  # type: ignore[call-overload]
            return (g - offsets[i]) in tests[i]  # type: ignore[operator]

        def __bool__(self) -> bool:
            return True  # (a filter: "allow only these", even if none are)

    return InRange()


def global_docnums(q: Any, searcher: Any) -> set[int]:
    """The live documents ``q`` matches, by global number (a filter for Whoosh's search:
    a date range from the date column rather than the range's terms walked)."""
    return {offset + d for _, offset, _, docs in segment_docsets(q, searcher) for d in docs}


# --- columns -----------------------------------------------------------------------------

def column_numbers(column: Any) -> Any:
    """Every document's value of a numeric column, as an array (or the reader itself)."""
    from whoosh.columns import NumericColumn

    if type(column) is not NumericColumn.Reader or column._typecode not in "bBhHiIlLqQ":
        return column
    count, size = column._count, column._fixedlen
    values = array(column._typecode)
    if values.itemsize != size:
        return column
    values.frombytes(bytes(column._dbfile.get(column._basepos, count * size)))
    if sys.byteorder == "little" and size > 1:
        values.byteswap()  # (stored big-endian)
    if count < column._doccount:
        values.extend([column._default] * (column._doccount - count))
    return values


def _values(column: Any, docs: set[int]) -> Counter:
    """Documents per raw value of ``column`` among ``docs``."""
    return Counter(_raw_values(column, docs))


def _data_length(offsets: Any, lengths: Any) -> int:
    """The length of a VarBytes column's data: the end of its last value (offsets grow)."""
    return int(offsets[-1] + lengths[-1]) if len(lengths) else 0
