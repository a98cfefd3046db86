"""The form index: which documents hold each word of title and body as written.

Words are searched by their stems. ``=атак`` (that form only), wildcards over
word forms (``атак*``) and did-you-mean (suggesting whole words) need the words
as written instead: normalised as :func:`newsgrep.analysis.exact_form` does
(case, ё, stress marks, Latin look-alikes), never stemmed. Whoosh fields for
them (as this index once had) more than double the terms a segment writes and
grow the index by three quarters, since news text has 2.4 times as many
word forms as stems and Whoosh spends some 30 µs and 100 bytes on each term.

So each segment has a small file beside it, ``MAIN_<segment id>.frm``,
written with the segment (``segments.SegmentBuilder``) and committed and
removed with it (Whoosh deletes every file named after a segment no commit
lists): for each field of :data:`newsgrep.schema.FORM_FIELDS`, the sorted
word forms and, for each, the segment's documents that hold it. It is read
through ``mmap`` with binary searches, so opening it costs the same for any
number of forms.

A form query (:class:`FormQuery`) matches the stems of its words (whose
postings score the documents) and keeps the documents the form index lists
for the forms.

File layout (integers are little-endian uint32, document numbers uint16 in
a segment of up to 65,536 documents)::

    b"NGFORMS1"
    docs        the document numbers of every form, form after form, ascending per form
    per field   forms    each form in UTF-8 followed by b"\\n", in code point order
                starts   n + 1 byte offsets of the forms in ``forms``
                firsts   n + 1 offsets in ``docs`` of each form's first document
    footer      JSON: {"docs": offset, "doc_type": "H" or "I",
                       "fields": {name: [forms, n, starts, firsts offsets]}}
    uint32      length of the footer
    b"NGFORMS1"
"""
from __future__ import annotations

import heapq
import itertools
import json
import mmap
import os
import struct
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from ._whoosh import light_imports

light_imports()
from whoosh import query as _query  # noqa: E402 -- after light_imports()
from whoosh.matching import (ListMatcher, MultiMatcher, NullMatcher,  # noqa: E402
                             RequireMatcher)

__all__ = ["FORMS_EXT", "FormsWriter", "FormIndex", "Vocabulary", "FormQuery",
           "segment_forms"]

FORMS_EXT = ".frm"
MAGIC = b"NGFORMS1"
_LITTLE = sys.byteorder == "little"


def _le(a: array) -> bytes:
    if not _LITTLE:
        a = array(a.typecode, a)
        a.byteswap()
    return a.tobytes()


class FormsWriter:
    """Writes one segment's form index; forms must come field by field, each field's
    forms in code point order (as ``SegmentBuilder.finish`` merges its records)."""

    def __init__(self, path: str, doc_count: int):
        self.path = path
        self._fh = open(path, "wb")
        self._fh.write(MAGIC)
        self._doc_type = "H" if doc_count <= 1 << 16 else "I"
        self._docs = array(self._doc_type)  # not yet written
        self._written = 0        # documents written
        # field -> (forms, starts, firsts)
        self._fields: dict[str, tuple[bytearray, array, array]] = {}
        self._field: str | None = None  # the field being written

    def _end_field(self) -> None:
        if self._field is not None:
            forms, starts, firsts = self._fields[self._field]
            starts.append(len(forms))
            firsts.append(self._written + len(self._docs))
            self._field = None

    def add(self, field: str, form: bytes, docs: list[int]) -> None:
        if field != self._field:
            if field in self._fields:
                raise ValueError(f"the forms of {field!r} must come together")
            self._end_field()
            self._field = field
            self._fields[field] = (bytearray(), array("I"), array("I"))
        forms, starts, firsts = self._fields[field]
        starts.append(len(forms))
        forms += form
        forms += b"\n"
        firsts.append(self._written + len(self._docs))
        self._docs.extend(docs)
        if len(self._docs) >= 1 << 16:
            self._flush()

    def _flush(self) -> None:
        self._fh.write(_le(self._docs))
        self._written += len(self._docs)
        self._docs = array(self._doc_type)

    def close(self) -> None:
        self._end_field()
        self._flush()
        fh = self._fh
        footer: dict = {"docs": len(MAGIC), "doc_type": self._doc_type, "fields": {}}
        for field, (forms, starts, firsts) in self._fields.items():
            at = fh.tell()
            fh.write(forms)
            at_starts = fh.tell()
            fh.write(_le(starts))
            at_firsts = fh.tell()
            fh.write(_le(firsts))
            footer["fields"][field] = [at, len(starts) - 1, at_starts, at_firsts]
        data = json.dumps(footer).encode("ascii")
        fh.write(data)
        fh.write(struct.pack("<I", len(data)))
        fh.write(MAGIC)
        fh.close()

    def abort(self) -> None:
        self._fh.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass


def _ints(buffer, offset: int, n: int, typecode: str = "I"):
    """A read-only array of ``n`` unsigned integers in a mapped file (a copy on
    big-endian machines)."""
    size = array(typecode).itemsize
    view = memoryview(buffer)[offset:offset + size * n]
    if _LITTLE:
        return view.cast(typecode)  # type: ignore[call-overload]
    a = array(typecode, view.tobytes())
    a.byteswap()
    return a


class FieldForms:
    """The forms of one field of one segment: a sorted sequence of UTF-8 byte strings."""

    def __init__(self, mm, docs_at: int, doc_type: str, forms_at: int, n: int, starts_at: int,
                 firsts_at: int):
        self._mm = mm
        self._forms_at = forms_at
        self._n = n
        self._starts = _ints(mm, starts_at, n + 1)
        self._firsts = _ints(mm, firsts_at, n + 1)
        self._docs_at = docs_at
        self._doc_type = doc_type
        self._doc_size = array(doc_type).itemsize

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> bytes:
        at = self._forms_at
        return self._mm[at + self._starts[i]:at + self._starts[i + 1] - 1]

    def find(self, form: bytes) -> int:
        """The index of ``form``, or -1."""
        i = self.from_prefix(form)
        return i if i < self._n and self[i] == form else -1

    def from_prefix(self, prefix: bytes) -> int:
        """The index of the first form not below ``prefix`` (a binary search over the
        mapped forms, inline: did-you-mean looks up hundreds of spellings in each
        segment, and ``bisect`` over this sequence calls ``__getitem__`` each step)."""
        mm, at, starts = self._mm, self._forms_at, self._starts
        lo, hi = 0, self._n
        while lo < hi:
            mid = (lo + hi) >> 1
            if mm[at + starts[mid]:at + starts[mid + 1] - 1] < prefix:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def df(self, i: int) -> int:
        """The number of documents (deleted ones included) holding form ``i``."""
        return self._firsts[i + 1] - self._firsts[i]

    def docs(self, i: int) -> list[int]:
        """The segment's documents holding form ``i``, ascending (deleted ones included)."""
        a, b = self._firsts[i], self._firsts[i + 1]
        return _ints(self._mm, self._docs_at + self._doc_size * a, b - a, self._doc_type).tolist()


class FormIndex:
    """The form index of one segment, mapped."""

    def __init__(self, path: str):
        with open(path, "rb") as fh:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        if len(mm) < 2 * len(MAGIC) + 4 or mm[:len(MAGIC)] != MAGIC or mm[-len(MAGIC):] != MAGIC:
            raise ValueError(f"{path}: not a form index")
        (length,) = struct.unpack("<I", mm[-len(MAGIC) - 4:-len(MAGIC)])
        end = len(mm) - len(MAGIC) - 4
        footer = json.loads(mm[end - length:end])
        self.fields = {name: FieldForms(mm, footer["docs"], footer["doc_type"], *where)
                       for name, where in footer["fields"].items()}

    def field(self, name: str) -> FieldForms | None:
        return self.fields.get(name)


class _NoForms:
    """The form index of no segment: no field has any form."""

    def field(self, name: str) -> None:
        return None


_NO_FORMS = _NoForms()


def segment_forms(reader, missing_ok: bool = False) -> FormIndex | None:
    """The form index of a segment reader (opened once per reader).

    Raises :class:`~newsgrep.errors.IndexCorrupt` when the segment has none
    (or returns None, with ``missing_ok``).
    """
    if reader.segment() is None:  # the reader of an index of no segments
        return _NO_FORMS  # type: ignore[return-value]
    forms = reader.__dict__.get("_newsgrep_forms")
    if forms is None:
        from ...errors import IndexCorrupt

        storage = reader.storage()
        # (a compound segment's storage overlays the folder's)
        folder = getattr(storage, "folder", None) or getattr(getattr(storage, "b", None),
                                                             "folder", "")
        path = os.path.join(folder, reader.segment().segment_id() + FORMS_EXT)  # type: ignore[arg-type]
        try:
            forms = FormIndex(path)
        except (OSError, ValueError) as e:
            if missing_ok:
                return None
            raise IndexCorrupt(f"cannot read the word forms of the index ({e}); rebuild it "
                               "with: newsgrep index --rebuild") from None
        reader.__dict__["_newsgrep_forms"] = forms
    return forms


def _segments(reader) -> list:
    # (an index of no segments has one empty reader, of no segment)
    return [r for r, _ in reader.leaf_readers() if r.segment() is not None]


class Vocabulary:
    """The word forms of the form fields over all segments of an index reader.

    Offers the part of Whoosh's reader interface that the expansion of
    wildcards and fuzzy words uses (``(field, form) in vocabulary``,
    ``expand_prefix``, ``lexicon``, ``doc_frequency``), so they run over word
    forms the way they run over a field's terms.
    """

    def __init__(self, reader):
        self.reader = reader
        self._segments = [(r, segment_forms(r)) for r in _segments(reader)]

    def _fields(self, fieldname: str) -> list[tuple[Any, FieldForms]]:
        out = []
        for r, forms in self._segments:
            f = forms.field(fieldname)  # type: ignore[union-attr]
            if f is not None and len(f):
                out.append((r, f))
        return out

    def __contains__(self, pair: tuple[str, str]) -> bool:
        fieldname, form = pair
        b = form.encode("utf-8")
        return any(f.find(b) >= 0 for _, f in self._fields(fieldname))

    def doc_frequency(self, fieldname: str, form: str, live: bool = True) -> int:
        """Live documents holding ``form`` in ``fieldname`` (deleted ones too, an
        estimate counted without reading their lists, unless ``live``)."""
        b = form.encode("utf-8")
        n = 0
        for r, f in self._fields(fieldname):
            i = f.find(b)
            if i >= 0:
                if live and r.has_deletions():
                    n += sum(1 for d in f.docs(i) if not r.is_deleted(d))
                else:
                    n += f.df(i)
        return n

    def expand_prefix(self, fieldname: str, prefix: str) -> Iterator[bytes]:
        """The forms that start with ``prefix``, in order, each once (as UTF-8)."""
        p = prefix.encode("utf-8")

        def run(f: FieldForms) -> Iterator[bytes]:
            for i in range(f.from_prefix(p), len(f)):
                form = f[i]
                if not form.startswith(p):
                    return
                yield form

        last = None
        for form in heapq.merge(*[run(f) for _, f in self._fields(fieldname)]):
            if form != last:
                yield form
                last = form

    def lexicon(self, fieldname: str) -> Iterator[bytes]:
        return self.expand_prefix(fieldname, "")

    def docs(self, fieldname: str, form: str) -> Iterator[int]:
        """The live documents (numbered as in the reader) holding ``form``, ascending."""
        b = form.encode("utf-8")
        for r, offset in self.reader.leaf_readers():
            f = segment_forms(r).field(fieldname)  # type: ignore[union-attr]
            i = f.find(b) if f is not None else -1
            if i >= 0:
                for d in f.docs(i):  # type: ignore[union-attr]
                    if not r.is_deleted(d):
                        yield d + offset


def _segment_lists(reader, fieldname: str, forms: tuple[str, ...],
                   all_forms: bool) -> list[list[int]]:
    """The documents of one segment holding each of ``forms`` in ``fieldname`` (the forms
    the segment has; none at all when ``all_forms`` and one is missing)."""
    f = segment_forms(reader).field(fieldname)  # type: ignore[union-attr]
    if f is None:
        return []
    lists = []
    for form in forms:
        i = f.find(form.encode("utf-8"))
        if i >= 0:
            lists.append(f.docs(i))
        elif all_forms:
            return []
    return lists


class FormQuery(_query.Query):
    """Documents whose ``fieldname`` holds the word forms ``forms``: all of them
    (``all_forms``), or any.

    ``inner``, when given, is what the forms stand for in the field's terms:
    the stems of the words, or their phrase. Every document holding the forms
    matches it, so it scores them (BM25 on the stems); the form index says
    which of its documents hold the forms. Without ``inner`` (a wildcard's
    many forms), a document scores ``boost`` times the number of the forms it
    holds, as Lucene scores wildcards.
    """

    def __init__(self, fieldname: str, forms: Iterable[str], inner=None, all_forms: bool = False,
                 boost: float = 1.0):
        self.fieldname = fieldname
        self.forms = tuple(forms)
        self.inner = inner
        self.all_forms = all_forms
        self.boost = boost

    def __repr__(self):
        return (f"FormQuery({self.fieldname!r}, {self.forms[:5]!r}{'…' if len(self.forms) > 5 else ''}, "
                f"{self.inner!r}, all_forms={self.all_forms}, boost={self.boost})")

    def __str__(self):
        forms = self.forms if len(self.forms) <= 5 else (*self.forms[:5], "…")
        joined = (" " if self.all_forms else " OR ").join(forms)
        return f"{self.fieldname}:={joined if len(forms) == 1 else '(' + joined + ')'}"

    def __eq__(self, other):
        return (type(other) is type(self) and other.fieldname == self.fieldname
                and other.forms == self.forms and other.inner == self.inner
                and other.all_forms == self.all_forms and other.boost == self.boost)

    def __hash__(self):
        return hash((type(self).__name__, self.fieldname, self.forms, self.all_forms))

    def is_leaf(self):
        return True

    def field(self):
        return self.fieldname

    def terms(self, phrases=False):
        return self.inner.terms(phrases=phrases) if self.inner is not None else iter(())

    def estimate_size(self, ixreader):
        if self.inner is not None:
            return self.inner.estimate_size(ixreader)
        vocabulary = Vocabulary(ixreader)
        return sum(vocabulary.doc_frequency(self.fieldname, f, live=False) for f in self.forms)

    def matcher(self, searcher, context=None):
        if not searcher.is_atomic():
            leaves = searcher.leaf_searchers()
            matchers = [self.matcher(s, context) for s, _ in leaves]
            return MultiMatcher(matchers, [offset for _, offset in leaves])
        reader = searcher.reader()
        lists = _segment_lists(reader, self.fieldname, self.forms, self.all_forms)
        if not lists:
            return NullMatcher()
        if self.inner is None:
            counts: dict[int, int] = (Counter(lists[0]) if len(lists) == 1
                                      else Counter(itertools.chain(*lists)))
            if self.all_forms:
                counts = {d: n for d, n in counts.items() if n == len(self.forms)}
            if reader.has_deletions():
                counts = {d: n for d, n in counts.items() if not reader.is_deleted(d)}
            if not counts:
                return NullMatcher()
            docs = sorted(counts)
            return WeightedMatcher(docs, [self.boost * counts[d] for d in docs])
        if len(lists) == 1:
            docs = lists[0]
        else:
            docs = sorted(set(lists[0]).intersection(*lists[1:]) if self.all_forms
                          else set().union(*lists))
        if not docs:
            return NullMatcher()
        scored = self.inner.matcher(searcher, context)
        if not scored.is_active():
            return NullMatcher()
        # The inner matcher leaves out deleted documents; the intersection does too.
        return _KeepMatcher(scored, ListMatcher(docs))


class WeightedMatcher(ListMatcher):
    """A list of documents scored by their weights, and the largest weight computed
    once (Whoosh's ListMatcher computes it on every call: quadratic in a union).

    Its blocks of ``BLOCK`` documents have their largest weight as their quality,
    so a limited search skips the blocks that cannot beat its bar, as it skips a
    term's: most of a common wildcard's documents hold one of its forms, and
    once the best hold more, a whole block of ones is passed over unscored.
    """

    BLOCK = 128
    _i: int  # (ListMatcher's place in the list)

    def __init__(self, ids, weights, tops=None):
        super().__init__(ids, weights=weights)
        b = self.BLOCK
        self._tops = tops if tops is not None else [max(weights[i:i + b])
                                                    for i in range(0, len(weights), b)]
        self._top = max(self._tops)

    def copy(self):
        m = WeightedMatcher(self._ids, self._weights, self._tops)
        m._i = self._i
        return m

    def block_max_weight(self):
        return self._top

    def supports_block_quality(self):
        return True

    def next(self):
        """To the next document; True when it begins a block (a collector then checks
        the block's quality against its bar)."""
        self._i += 1
        return self._i % self.BLOCK == 0

    def block_quality(self):
        i = self._i
        return self._tops[i // self.BLOCK] if i < len(self._ids) else 0.0

    def skip_to_quality(self, minquality):
        i, b, n, tops = self._i, self.BLOCK, len(self._ids), self._tops
        skipped = 0
        while i < n and tops[i // b] <= minquality:
            i = (i // b + 1) * b
            skipped += 1
        self._i = i
        return skipped


class _KeepMatcher(RequireMatcher):
    """The documents of matcher ``a`` that matcher ``b`` has, scored by ``a``.

    Without block quality: ``RequireMatcher.skip_to_quality`` can leave both
    sides on the same document, which its intersection then asserts against.
    """

    def supports_block_quality(self):
        return False
