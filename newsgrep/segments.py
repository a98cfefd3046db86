"""Writing Whoosh segments fast: invert documents in memory, write the files once.

Whoosh's own ``SegmentWriter`` sends every posting through a pickled,
externally sorted pool and, at commit, re-reads each document's field length
from disk for every posting; profiled, that and its ``Token`` objects cost
more than reading and analysing the articles. :class:`SegmentBuilder` keeps
the postings of a batch of documents in dicts, then writes the segment's
files (terms, postings, columns, stored fields) in one pass, in exactly the
format Whoosh's W3 codec reads. Fields whose analyzer has a ``postings(text)``
method (``NewsAnalyzer``) take a fast path that never builds ``Token``
objects; every other field (ids, dates, keywords, any field added later) goes
through the field's own ``index()``, so the result is the same as Whoosh's.
"""
from __future__ import annotations

import zlib
from array import array
from pickle import dumps

from whoosh import formats
from whoosh.codec.whoosh3 import W3Codec, W3TermInfo
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte

__all__ = ["SegmentBuilder", "INDEX_NAME"]

INDEX_NAME = "MAIN"   # Whoosh's default index name: segment files are MAIN_<id>.*
BLOCK = 128           # postings per block, as Whoosh writes them
COMPRESSION = 3       # zlib level of posting blocks (Whoosh's default)
# Smaller blocks are stored as they are: zlib's set-up costs more than it saves there
# (Whoosh meant to do the same below 20 bytes; the block header says which).
COMPRESS_FROM = 256
_MAGIC = b"W3Bl"
_TERMINFO = W3TermInfo._struct.pack
_NO_ID = 0xFFFFFFFF

# The encoded positions of a term that occurs once, by position: most postings.
_ONE = [pack_uint(1) + dumps([p], 2) for p in range(4096)]


def encode_positions(poses: list[int]) -> bytes:
    """``formats.Positions.encode``, with the common single position cached."""
    if len(poses) == 1 and poses[0] < 4096:
        return _ONE[poses[0]]
    deltas = [poses[0]]
    deltas += [b - a for a, b in zip(poses, poses[1:])]
    return pack_uint(len(deltas)) + dumps(deltas, 2)


# How a field's postings are made: by its analyzer's postings(), or by Whoosh.
_FAST_POSITIONS, _FAST_FREQUENCY, _GENERIC = 1, 2, 3


def _plan(schema) -> list[tuple]:
    plan = []
    for name in sorted(schema.names()):
        field = schema[name]
        kind = 0
        if field.indexed:
            fmt = field.format
            fast = (hasattr(field.analyzer, "postings") and not field.vector
                    and not field.separate_spelling() and fmt.field_boost == 1.0)
            if fast and type(fmt) is formats.Positions:
                kind = _FAST_POSITIONS
            elif fast and type(fmt) is formats.Frequency:
                kind = _FAST_FREQUENCY
            else:
                kind = _GENERIC
        elif field.vector or field.separate_spelling():
            raise ValueError(f"field {name!r}: vectors and spelling are not supported")
        plan.append((name, field, kind, field.scorable, field.stored, field.column_type))
    return plan


class SegmentBuilder:
    """Collects documents in memory and writes them as one new Whoosh segment.

    ``storage`` is where the segment's files go (a ``FileStorage``); the
    segment is not part of any index until a TOC lists it.
    """

    def __init__(self, schema, storage, indexname: str = INDEX_NAME):
        self.schema = schema
        self.storage = storage
        self.codec = W3Codec()
        self.segment = self.codec.new_segment(storage, indexname)
        self._perdoc = self.codec.per_document_writer(storage, self.segment)
        self._plan = _plan(schema)
        # field -> term (str for the fast path, bytes otherwise) -> [doc, weight, value, ...]
        self._postings: dict[str, dict] = {name: {} for name, *_ in self._plan}
        # field -> length of the field in each document (for block statistics)
        self._lengths: dict[str, array] = {name: array("I") for name, *_ in self._plan}
        self.doc_count = 0
        self.posting_count = 0  # a measure of the memory held

    def add(self, doc: dict) -> None:
        """Add one document (field name -> value, as for ``writer.add_document``)."""
        docnum = self.doc_count
        perdoc = self._perdoc
        perdoc.start_doc(docnum)
        npost = 0
        for name, field, kind, scorable, stored, column in self._plan:
            value = doc.get(name)
            lengths = self._lengths[name]
            if value is None:
                lengths.append(0)
                continue
            length = 0
            if kind:
                terms = self._postings[name]
                if kind == _GENERIC:
                    items = [(t, w, v) for t, f, w, v in field.index(value)]
                    if scorable:
                        length = sum(f for _, f, _, _ in field.index(value))
                else:
                    positions = field.analyzer.postings(value)
                    if kind == _FAST_POSITIONS:
                        items = [(t, float(len(p)), encode_positions(p))
                                 for t, p in positions.items()]
                    else:
                        items = [(t, float(len(p)), pack_uint(len(p)))
                                 for t, p in positions.items()]
                    if scorable:
                        length = sum(map(len, positions.values()))
                for term, weight, vbytes in items:
                    entry = terms.get(term)
                    if entry is None:
                        terms[term] = [docnum, weight, vbytes]
                    else:
                        entry += (docnum, weight, vbytes)
                npost += len(items)
            lengths.append(length)
            perdoc.add_field(name, field, value if stored else None, length)
            if column is not None:
                perdoc.add_column_value(name, column, field.to_column_value(value))
        perdoc.finish_doc()
        self.doc_count += 1
        self.posting_count += npost

    def finish(self):
        """Write the segment's files; return the Whoosh segment object (None if empty)."""
        self._perdoc.close()
        if not self.doc_count:
            for name in self.segment.list_files(self.storage):
                self.storage.delete_file(name)
            return None
        self.segment.set_doc_count(self.doc_count)
        tindex = OrderedHashWriter(self.segment.create_file(self.storage, W3Codec.TERMS_EXT))
        fieldmap = tindex.extras["fieldmap"] = {}
        postfile = self.segment.create_file(self.storage, W3Codec.POSTS_EXT)
        try:
            for name, field, kind, scorable, *_ in self._plan:
                terms = self._postings.pop(name)
                if not terms:
                    continue
                fieldmap[name] = fieldid = len(fieldmap)
                self._write_field(tindex, postfile, pack_ushort(fieldid), field, terms,
                                  self._lengths[name] if scorable else None)
        finally:
            tindex.close()
            postfile.close()
        return self.segment

    def _write_field(self, tindex, postfile, prefix: bytes, field, terms: dict, lengths):
        fixedsize = field.format.fixed_value_size()
        add = tindex.add
        tell, write = postfile.tell, postfile.write
        if terms and isinstance(next(iter(terms)), str):
            keyed = sorted((t.encode("utf-8"), v) for t, v in terms.items())
        else:
            keyed = sorted(terms.items())
        for tbytes, entry in keyed:
            ids = entry[0::3]
            weights = entry[1::3]
            values = entry[2::3]
            offset = tell()
            write(_MAGIC)
            n = len(ids)
            total_weight = 0.0
            maxweight = 0.0
            minlen = maxlen = None
            for start in range(0, n, BLOCK):
                bids = ids[start:start + BLOCK]
                bw = weights[start:start + BLOCK]
                bv = values[start:start + BLOCK]
                w0 = bw[0]
                if all(w == w0 for w in bw):
                    mw = w0
                    mini_w = None if w0 == 1.0 else w0
                else:
                    mw = max(bw)
                    mini_w = tuple(bw)
                total_weight += sum(bw)
                maxweight = max(maxweight, mw)
                if lengths is not None:
                    blens = [lengths[d] for d in bids]
                    bmin, bmax = min(blens), max(blens)
                    minlen = bmin if minlen is None else min(minlen, bmin)
                    maxlen = bmax if maxlen is None else max(maxlen, bmax)
                else:
                    bmin = bmax = None
                if fixedsize is None or fixedsize < 0:
                    mini_v = tuple(bv)
                elif fixedsize == 0:
                    mini_v = None
                else:
                    mini_v = b"".join(bv)
                deltas = [bids[0]]
                deltas += [b - a for a, b in zip(bids, bids[1:])]
                data = dumps((tuple(deltas), mini_w, mini_v), 2)
                comp = 0
                if len(data) >= COMPRESS_FROM:
                    comp = COMPRESSION
                    data = zlib.compress(data, comp)
                info = dumps((len(bids), bids[-1], mw, comp,
                              length_to_byte(bmin), length_to_byte(bmax)), 2)
                blocklen = len(info) + len(data)
                write(pack_int(-blocklen if start + BLOCK >= n else blocklen))
                write(info)
                write(data)
            add(prefix + tbytes, _TERMINFO(
                0, total_weight, n, length_to_byte(minlen), length_to_byte(maxlen or 0),
                maxweight, ids[0], ids[-1]) + pack_long(offset) + pack_int(tell() - offset))
