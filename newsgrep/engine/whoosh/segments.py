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

Beside the segment, the builder writes its form index (see ``forms``): the
words of title and body as written and the documents that hold them. Their
postings go through the same in-memory dicts, runs and merge as the terms'
(under a field name no schema field has), and end in the form index file
instead of Whoosh's.
"""
from __future__ import annotations

import heapq
import itertools
import marshal
import os
import zlib
from array import array
from collections import defaultdict, deque
from collections.abc import Iterator
from typing import Any
from pickle import dumps

from whoosh import formats
from whoosh.codec.whoosh3 import W3Codec, W3TermInfo
from whoosh.filedb.filetables import OrderedHashWriter, _lengths, _pointer
from whoosh.system import pack_int, pack_long, pack_uint, pack_ushort
from whoosh.util.numeric import length_to_byte

from ... import analysis
from .forms import FORMS_EXT, FormsWriter, segment_forms
from .schema import FORM_FIELDS

__all__ = ["SegmentBuilder", "TermsWriter", "INDEX_NAME"]

INDEX_NAME = "MAIN"   # Whoosh's default index name: segment files are MAIN_<id>.*
BLOCK = 128           # postings per block, as Whoosh writes them
COMPRESSION = 1       # zlib level of posting blocks (Whoosh: 3; 1 is much faster, a little larger)
# Smaller blocks are stored as they are: zlib's set-up costs more than it saves there
# (Whoosh meant to do the same below 20 bytes; the block header says which).
COMPRESS_FROM = 256
_MAGIC = b"W3Bl"
_TERMINFO = W3TermInfo._struct.pack

# Block data is pickled with protocol 4: Whoosh uses 2, which pickles each
# bytes value as a call to codecs.encode (slow to write and to read); its
# reader unpickles any protocol.
PROTOCOL = 4
_FLOATS = [float(i) for i in range(4096)]

# How a field's postings are made: by its analyzer's postings(), or by Whoosh.
_FAST_POSITIONS, _FAST_FREQUENCY, _GENERIC = 1, 2, 3
# The postings of the form index go under "\0forms:FIELD" (sorting before any field).
_FORMS = "\0forms:"
# The fast paths that can hand over the words they tokenized (for the form index).
_GIVE_WORDS = (analysis.postings, analysis.lemma_postings)


def _plan(schema, lemma_postings=None) -> list[tuple]:
    plan = []
    for name in sorted(schema.names()):
        field = schema[name]
        kind = 0
        fastfn = None
        if field.indexed:
            fmt = field.format
            fastfn = getattr(field.analyzer, "postings", None) if field.analyzer else None
            if lemma_postings is not None and fastfn is analysis.lemma_postings:
                fastfn = lemma_postings  # (a writer's recording fast path)
            fast = (callable(fastfn) and not field.vector
                    and not field.separate_spelling() and fmt.field_boost == 1.0)
            if fast and type(fmt).__name__ == "Positions32":
                kind = _FAST_POSITIONS
            elif fast and type(fmt) is formats.Frequency:
                kind = _FAST_FREQUENCY
            else:
                kind = _GENERIC
        elif field.vector or field.separate_spelling():
            raise ValueError(f"field {name!r}: vectors and spelling are not supported")
        plan.append((name, field, kind, field.scorable, field.stored, field.column_type,
                     fastfn if kind in (_FAST_POSITIONS, _FAST_FREQUENCY) else None))
    return plan


def _freq(poses: list[int]) -> bytes:
    return pack_uint(len(poses))


class SegmentBuilder:
    """Collects documents in memory and writes them as one new Whoosh segment.

    ``storage`` is where the segment's files go (a ``FileStorage``); the
    segment is not part of any index until a TOC lists it. Call :meth:`spill`
    when :attr:`posting_count` grows too large, :meth:`finish` at the end.
    """

    def __init__(self, schema, storage, indexname: str = INDEX_NAME,
                 form_fields: tuple[str, ...] = FORM_FIELDS, lemma_postings=None):
        self.schema = schema
        self.storage = storage
        self.codec = W3Codec()
        self.segment = self.codec.new_segment(storage, indexname)
        self._perdoc = self.codec.per_document_writer(storage, self.segment)
        # lemma_postings: lemma mode's fast path as a writer records it (LemmaRecorder)
        self._plan = _plan(schema, lemma_postings)
        self._give_words = _GIVE_WORDS + ((lemma_postings,) if lemma_postings else ())
        # Fields whose words as written go to the form index: field -> its postings' name.
        self._form_fields = {f: _FORMS + f for f in form_fields if f in schema}
        # field -> term (str for the fast path, bytes otherwise) -> [doc, weight, value, ...];
        # a form index field -> form -> [doc, doc, ...]
        self._postings: dict[str, dict] = self._empty_postings()
        # field -> length of the field in each document (for block statistics)
        self._lengths: dict[str, array] = {name: array("I") for name, *_ in self._plan}
        self.doc_count = 0
        self.posting_count = 0  # a measure of the memory held
        self._runs: list[str] = []
        # The value of a term that occurs once, by position: most postings.
        positions_format = next((f.format for _, f, kind, *_ in self._plan
                                 if kind == _FAST_POSITIONS), None)
        self._one = [positions_format.encode([p]) for p in range(4096)] if positions_format else []
        self._one_freq = [pack_uint(1)] * 4096

    def _empty_postings(self) -> dict[str, dict]:
        postings: dict[str, dict] = {name: {} for name, *_ in self._plan}
        postings.update((name, defaultdict(list)) for name in self._form_fields.values())
        return postings

    def add(self, doc: dict) -> None:
        """Add one document (field name -> value, as for ``writer.add_document``)."""
        docnum = self.doc_count
        perdoc = self._perdoc
        perdoc.start_doc(docnum)
        npost = 0
        nforms = 0
        form_fields = self._form_fields
        give_words = self._give_words
        for name, field, kind, scorable, stored, column, fastfn in self._plan:
            value = doc.get(name)
            lengths = self._lengths[name]
            if value is None:
                lengths.append(0)
                continue
            length = 0
            # The words as written, for the form index: from the stem fast path's
            # own tokenizing when it runs, else tokenized here.
            words: list[str] | None = [] if name in form_fields else None
            if kind:
                terms = self._postings[name]
                get = terms.get
                if kind == _GENERIC:
                    for term, freq, weight, vbytes in field.index(value):
                        length += freq
                        entry = get(term)
                        if entry is None:
                            terms[term] = [docnum, weight, vbytes]
                        else:
                            entry += (docnum, weight, vbytes)
                        npost += 1
                else:
                    if fastfn in give_words:
                        positions = fastfn(value, words_out=words)
                    else:
                        positions = fastfn(value)
                    encode = field.format.encode if kind == _FAST_POSITIONS else _freq
                    one = self._one if kind == _FAST_POSITIONS else self._one_freq
                    for term, poses in positions.items():
                        n = len(poses)
                        length += n
                        if n == 1 and poses[0] < 4096:
                            weight, vbytes = 1.0, one[poses[0]]
                        else:
                            weight = _FLOATS[n] if n < 4096 else float(n)
                            vbytes = encode(poses)
                        entry = get(term)
                        if entry is None:
                            terms[term] = [docnum, weight, vbytes]
                        else:
                            entry += (docnum, weight, vbytes)
                    npost += len(positions)
                if not scorable:
                    length = 0
            if words is not None:
                if not words and fastfn not in give_words:
                    words = analysis.words(value)
                nforms += self._add_forms(form_fields[name], docnum, words)
            lengths.append(length)
            perdoc.add_field(name, field, value if stored else None, length)
            if column is not None:
                perdoc.add_column_value(name, column, field.to_column_value(value))
        perdoc.finish_doc()
        self.doc_count += 1
        # A form posting is one list slot, a term posting three and its objects.
        self.posting_count += npost + (nforms >> 2)

    def _add_forms(self, name: str, docnum: int, words: list[str]) -> int:
        """Add a document's words as written to the form index postings ``name``."""
        found = analysis.word_forms(words)
        # docs.append(docnum) for the list of each form, in C (a new form gets a new list)
        deque(map(list.append, map(self._postings[name].__getitem__, found),
                  itertools.repeat(docnum)), maxlen=0)
        return len(found)

    @property
    def run_count(self) -> int:
        """The runs spilled so far."""
        return len(self._runs)

    def add_reader(self, reader, spill_postings: int = 1_000_000) -> None:
        """Append the live documents of a segment reader: merging segments.

        Stored fields, field lengths and columns are copied per document,
        postings term by term, skipping deleted documents (as Whoosh's own
        merge does, field lengths come back as Whoosh stores them, to about 6%).
        The form index is copied too; a segment without one (written by
        Whoosh) gets its forms from the stored text.
        """
        perdoc = self._perdoc
        forms = segment_forms(reader, missing_ok=True) if self._form_fields else None
        from_text = self._form_fields if forms is None else {}
        columns = {name: reader.column_reader(name, translate=False)
                   for name, _, _, _, _, column, _ in self._plan
                   if column is not None and reader.has_column(name)}
        docmap: dict[int, int] = {}
        for old in range(reader.doc_count_all()):
            if reader.is_deleted(old):
                continue
            new = docmap[old] = self.doc_count
            stored = reader.stored_fields(old)
            perdoc.start_doc(new)
            for name, field, kind, scorable, is_stored, column, _ in self._plan:
                length = (reader.doc_field_length(old, name) or 0) if kind and scorable else 0
                self._lengths[name].append(length)
                value = stored.get(name) if is_stored else None
                if value is not None or length:
                    perdoc.add_field(name, field, value, length)
                if name in columns:
                    perdoc.add_column_value(name, column, columns[name][old])
                elif column is not None and value is not None:
                    # (a segment written before the field had a column: from the stored value)
                    perdoc.add_column_value(name, column, field.to_column_value(value))
            for field, name in from_text.items():
                if stored.get(field):
                    n = self._add_forms(name, new, analysis.words(stored[field]))
                    self.posting_count += n >> 2
            perdoc.finish_doc()
            self.doc_count += 1
            if self.posting_count >= spill_postings:
                self.spill()
        if forms is not None:
            self._add_reader_forms(forms, docmap, spill_postings)
        postings = self._postings
        for fieldname, btext, docnum, weight, vbytes in reader.iter_postings():
            new = docmap.get(docnum)  # type: ignore[assignment]
            terms = postings.get(fieldname)
            if new is None or terms is None:
                continue
            entry = terms.get(btext)
            if entry is None:
                terms[btext] = [new, weight, vbytes]
            else:
                entry += (new, weight, vbytes)
            self.posting_count += 1
            if self.posting_count >= spill_postings:
                self.spill()
                postings = self._postings

    def _add_reader_forms(self, index, docmap: dict[int, int], spill_postings: int) -> None:
        """The form index postings of a merged segment's live documents (see :meth:`add_reader`)."""
        for field, name in self._form_fields.items():
            old = index.field(field)
            for i in range(len(old) if old is not None else 0):
                docs = [new for new in map(docmap.get, old.docs(i)) if new is not None]
                if not docs:
                    continue
                form = old[i].decode("utf-8")
                held = self._postings[name].get(form)
                if held is None:
                    self._postings[name][form] = docs
                else:
                    held += docs
                self.posting_count += 1 + (len(docs) >> 2)
                if self.posting_count >= spill_postings:
                    self.spill()

    def spill(self) -> None:
        """Write the postings held so far to a sorted run file and free their memory.

        A run holds each term's raw postings (marshal, compressed: see
        :func:`_write_chunk`); :meth:`finish` merges the runs term by term
        (documents only grow from run to run) and encodes each posting list
        once, so a segment can hold any number of documents in bounded memory
        and still get full blocks.
        """
        path = os.path.join(self.storage.folder, f"{self.segment.segment_id()}.run{len(self._runs)}")
        with open(path, "wb") as fh:
            # Records go in chunks, each one marshal object after its length:
            # marshal.load reads a file in small pieces, marshal.loads a buffer at
            # once. A chunk is small (finish holds one of every run at a time).
            chunk: list = []
            size = 0
            for record in self._records():
                chunk.append(record)
                size += len(record[4]) or len(record[2]) >> 2  # values, or form documents
                if len(chunk) == _RUN_CHUNK or size >= _RUN_CHUNK_POSTINGS:
                    _write_chunk(fh, chunk)
                    chunk, size = [], 0
            if chunk:
                _write_chunk(fh, chunk)
        self._runs.append(path)
        self._postings = self._empty_postings()
        self.posting_count = 0

    def _records(self) -> Iterator[tuple]:
        """The held postings as ``(field, term bytes, docs, weights, values)``,
        sorted by field and term, as runs hold them: documents and weights as
        the bytes of arrays (one object each to write, read back, and join
        with the same term's from other runs), values a list."""
        for name in sorted(self._postings):
            terms = self._postings[name]
            if not terms:
                continue
            # (str order is code point order, which is UTF-8 byte order: sorting the
            # keys as they are needs no second copy of them)
            text = isinstance(next(iter(terms)), str)
            if name.startswith(_FORMS):  # form index postings: documents only
                for key in sorted(terms):
                    yield name, key.encode("utf-8"), array("I", terms[key]).tobytes(), b"", []
                continue
            for key in sorted(terms):
                entry = terms[key]
                yield (name, key.encode("utf-8") if text else key,
                       array("I", entry[0::3]).tobytes(), array("f", entry[1::3]).tobytes(),
                       entry[2::3])

    def finish(self):
        """Write the segment's files; return the Whoosh segment object (None if empty)."""
        self._perdoc.close()
        if not self.doc_count:
            for name in self.segment.list_files(self.storage):
                self.storage.delete_file(name)
            self._remove_runs()
            return None
        self.segment.set_doc_count(self.doc_count)
        if self._runs and self.posting_count:
            # The held postings to a run too: the merge gets the memory they free.
            self.spill()
        tindex = TermsWriter(self.segment.create_file(self.storage, W3Codec.TERMS_EXT))
        fieldmap: dict[str, int] = {}
        tindex.extras["fieldmap"] = fieldmap
        postfile = self.segment.create_file(self.storage, W3Codec.POSTS_EXT)
        add = tindex.add
        tell, write = postfile.tell, postfile.write
        fields = {name: (self._lengths[name] if scorable else None,
                         field.format.fixed_value_size() if field.format else None)
                  for name, field, kind, scorable, *_ in self._plan}
        forms = None
        if self._form_fields:
            forms = FormsWriter(os.path.join(self.storage.folder,
                                             self.segment.segment_id() + FORMS_EXT),
                                self.doc_count)
        try:
            sources = [_read_run(path) for path in self._runs] + [self._records()]
            records = heapq.merge(*sources, key=_key) if len(sources) > 1 else sources[0]
            lastfield, prefix, form_field = None, b"", None
            pending = None  # [field, term, docs, weights, values] of the term being gathered
            for rec in itertools.chain(records, [(None,) * 5]):
                if pending is not None:
                    if rec[0] == pending[0] and rec[1] == pending[1]:
                        # The same term from a later run: joined in place (a frequent
                        # term comes from every run; bytes += would copy it each time).
                        if pending[2].__class__ is bytes:
                            pending[2], pending[3] = bytearray(pending[2]), bytearray(pending[3])
                        pending[2] += rec[2]
                        pending[3] += rec[3]
                        pending[4] += rec[4]
                        continue
                    name, tbytes, ids, weights, values = pending
                    if name != lastfield:
                        lastfield = name
                        form_field = name[len(_FORMS):] if name.startswith(_FORMS) else None
                        if form_field is None:
                            fieldmap[name] = len(fieldmap)
                            prefix = pack_ushort(fieldmap[name])
                    if form_field is not None:
                        forms.add(form_field, tbytes, _numbers("I", ids))  # type: ignore[union-attr]
                    else:
                        _write_term(add, tell, write, prefix + tbytes, *fields[name],
                                    _numbers("I", ids), _numbers("f", weights), values)
                pending = list(rec) if rec[0] is not None else None
            if forms is not None:
                forms.close()
                forms = None
        finally:
            tindex.close()
            postfile.close()
            if forms is not None:  # failed
                forms.abort()
            self._remove_runs()
        return self.segment

    def _remove_runs(self) -> None:
        for path in self._runs:
            try:
                os.unlink(path)
            except OSError:
                pass
        self._runs = []


class TermsWriter(OrderedHashWriter):
    """Whoosh's terms table writer, holding what it needs of each key in arrays.

    ``OrderedHashWriter`` keeps a ``(hash, position)`` tuple per key until it
    closes, about 130 bytes each (36 MB for the 280k terms of a 55k-article
    segment); this keeps the same numbers in 12 bytes and writes the same file.
    """

    def __init__(self, dbfile):
        super().__init__(dbfile)
        self.buckets = [(array("I"), array("q")) for _ in range(256)]

    def add(self, key: bytes, value: bytes) -> None:
        if key <= self.lastkey:  # type: ignore[has-type]
            raise ValueError(f"Keys must increase: {self.lastkey!r}..{key!r}")  # type: ignore[has-type]
        dbfile = self.dbfile
        pos = dbfile.tell()
        self.index.append(pos)
        dbfile.write(_lengths.pack(len(key), len(value)))
        dbfile.write(key)
        dbfile.write(value)
        h = self.hashfn(key)
        hashes, positions = self.buckets[h & 255]
        hashes.append(h)
        positions.append(pos)
        self.lastkey = key

    def _write_hashes(self) -> None:
        # As HashWriter's: each bucket an open-addressing table of twice its keys,
        # an empty slot (0, 0) (no key is at position 0: the header is).
        dbfile = self.dbfile
        for hashes, positions in self.buckets:
            numslots = 2 * len(hashes)
            self.directory.append((dbfile.tell(), numslots))
            slot_hashes = [0] * numslots
            slot_positions = [0] * numslots
            for h, pos in zip(hashes, positions):
                slot = (h >> 8) % numslots
                while slot_positions[slot]:
                    slot = (slot + 1) % numslots
                slot_hashes[slot] = h
                slot_positions[slot] = pos
            dbfile.write(b"".join(map(_pointer.pack, slot_hashes, slot_positions)))


def _key(record: tuple) -> tuple:
    return record[0], record[1]


_RUN_CHUNK = 1024           # records per marshal object in a run, at most
_RUN_CHUNK_POSTINGS = 1024  # postings per marshal object, about (~100 KB: finish holds one of every run)


def _write_chunk(fh, chunk: list) -> None:
    # zlib's fastest level takes runs to a third of their size (uncompressed, a
    # segment's runs took twice the disk of the segment) for about 4% of a worker's time.
    data = zlib.compress(marshal.dumps(chunk), 1)
    fh.write(len(data).to_bytes(8, "little"))
    fh.write(data)


def _read_run(path: str) -> Iterator[tuple]:
    with open(path, "rb") as fh:
        while True:
            head = fh.read(8)
            if not head:
                return
            data = fh.read(int.from_bytes(head, "little"))
            yield from marshal.loads(zlib.decompress(data))


def _numbers(typecode: str, data: bytes) -> list:
    numbers = array(typecode)
    numbers.frombytes(data)
    return numbers.tolist()


def _write_term(add, tell, write, key: bytes, lengths, fixedsize, ids, weights, values) -> None:
    df, weight, maxweight, minlen, maxlen, minid, maxid, _, blocks = _encode(
        ids, weights, values, lengths, fixedsize)
    offset = tell()
    write(_MAGIC)
    write(blocks)
    add(key, _TERMINFO(
        0, weight, df, length_to_byte(minlen), length_to_byte(maxlen or 0),
        maxweight, minid, maxid) + pack_long(offset) + pack_int(tell() - offset))


def _encode(ids, weights, values, lengths, fixedsize) -> tuple:
    """One term's postings (documents, weights, values) as Whoosh W3 posting blocks.

    Returns ``(df, total weight, max weight, min length, max length, first id,
    last id, offset of the last block, blocks)``; the last block's length is
    negative, as Whoosh marks it.
    """
    n = len(ids)
    if n == 1:  # most terms: the same block as below, without the loops
        doc, w, v = ids[0], weights[0], values[0]
        mini_v: Any
        if fixedsize is None or fixedsize < 0:
            mini_v = (v,)
        else:
            mini_v = None if fixedsize == 0 else v
        data = dumps(((doc,), None if w == 1.0 else w, mini_v), PROTOCOL)
        comp = 0
        if len(data) >= COMPRESS_FROM:
            comp = COMPRESSION
            data = zlib.compress(data, comp)
        length = lengths[doc] if lengths is not None else None
        lb = length_to_byte(length)
        info = dumps((1, doc, w, comp, lb, lb), 2)
        return (1, w, w, length, length, doc, doc, 0,
                pack_int(-(len(info) + len(data))) + info + data)
    total_weight = 0.0
    maxweight = 0.0
    minlen = maxlen = None
    out = []
    size = last = 0
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
        data = dumps((tuple(deltas), mini_w, mini_v), PROTOCOL)
        comp = 0
        if len(data) >= COMPRESS_FROM:
            comp = COMPRESSION
            data = zlib.compress(data, comp)
        info = dumps((len(bids), bids[-1], mw, comp,
                      length_to_byte(bmin), length_to_byte(bmax)), 2)
        blocklen = len(info) + len(data)
        last = size
        out.append(pack_int(-blocklen if start + BLOCK >= n else blocklen))
        out.append(info)
        out.append(data)
        size += 4 + blocklen
    return (n, total_weight, maxweight, minlen, maxlen, ids[0], ids[-1], last, b"".join(out))
