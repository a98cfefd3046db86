"""Importing Whoosh without what it does not need (see :func:`light_imports`)."""
from __future__ import annotations

import os
import struct
import sys
import types

_POINTER = struct.Struct("!Iq")  # a hash table's slot: key hash, item position (filetables)
_LENGTHS = struct.Struct("!ii")  # an item's key and value lengths

# Modules Whoosh imports at start-up only for functions a newsgrep search never
# calls: module -> those functions. Together they are about half of Whoosh's
# import time: urllib.request (http, email, ssl ...) for whoosh.compat's
# urlretrieve, and whoosh.lang.morph_en, which compiles a large regular
# expression, for the Variations query.
_LAZY = {
    "urllib.request": ("urlretrieve",),
    "whoosh.lang.morph_en": ("variations",),
}


def _forward(module: str, name: str):
    def call(*args, **kwargs):
        from importlib import import_module
        return getattr(import_module(module), name)(*args, **kwargs)
    call.__name__ = name
    return call


class _cached_property:  # noqa: N801 -- the cached_property package's, for sync methods
    def __init__(self, func):
        self.func = func
        self.__doc__ = func.__doc__

    def __get__(self, obj, cls):
        if obj is None:
            return self
        value = obj.__dict__[self.func.__name__] = self.func(obj)
        return value


def light_imports() -> None:
    """Import Whoosh's core with stand-ins for the modules in ``_LAZY`` and ``cached_property``.

    ``whoosh.reading`` imports the ``cached_property`` package, which imports
    ``asyncio``; a small equivalent for plain methods stands in for it. Each
    stand-in forwards to the real module on first call, and all are removed
    from ``sys.modules`` right after the import, so any later import gets the
    real module.
    """
    if "whoosh.reading" in sys.modules:
        return
    stubs = {}
    for module, names in _LAZY.items():
        if module not in sys.modules:
            stub = types.ModuleType(module)
            for name in names:
                setattr(stub, name, _forward(module, name))
            stubs[module] = stub
    if "cached_property" not in sys.modules:
        stubs["cached_property"] = types.ModuleType("cached_property")
        setattr(stubs["cached_property"], "cached_property", _cached_property)
    sys.modules.update(stubs)
    try:
        import whoosh.compat  # noqa: F401
        import whoosh.query  # noqa: F401
        import whoosh.reading  # noqa: F401
    finally:
        for module, stub in stubs.items():
            if sys.modules.get(module) is stub:
                del sys.modules[module]
            parent, _, child = module.rpartition(".")
            if parent in sys.modules and getattr(sys.modules[parent], child, None) is stub:
                delattr(sys.modules[parent], child)


def lazy_columns() -> None:
    """Read a variable-length column's offsets and lengths per document, not all at once.

    Whoosh's ``VarBytesColumn.Reader`` (the stored fields' column among others)
    reads the lengths of all the segment's documents when it opens, and where
    the offsets were not written (segments of up to 32,768 documents) adds
    them up in a Python loop (6-7 ms at 110k articles in 7 segments, for a
    search that then reads 10 documents; more with more small segments). Here a reader only notes where the two tables are; a
    document's length and offset are unpacked from the (memory-mapped) file
    when it is read, and offsets that must be derived are summed once, in C,
    on the first read. ``_lengths`` and ``_offsets`` still give the whole arrays
    (read on first use) to Whoosh code that asks for them.
    """
    from whoosh.columns import VarBytesColumn

    reader = VarBytesColumn.Reader
    if getattr(reader, "newsgrep_lazy", False):
        return
    reader._read_offsets_and_lengths = _locate_tables
    reader.__getitem__ = _var_bytes_item
    reader._lengths = property(_all_lengths)
    reader._offsets = property(_all_offsets)
    reader.newsgrep_lazy = True


def _locate_tables(self) -> None:
    import struct

    dbfile, doccount = self._dbfile, self._doccount
    lastbyte = self._basepos + self._length - 1
    lens_code = chr(dbfile.get_byte(lastbyte))
    self._offsets_table = None
    if lens_code == "X":  # the offsets were written too, before the two type codes
        self.had_stored_offsets = True
        lens_code = chr(dbfile.get_byte(lastbyte - 2))
        offsets_code = chr(dbfile.get_byte(lastbyte - 1))
        size = struct.calcsize(offsets_code)
        lastbyte = (lastbyte - 2) - doccount * size
        self._offsets_table = (lastbyte, offsets_code, struct.Struct(">" + offsets_code))
    size = struct.calcsize(lens_code)
    self._lengths_table = (lastbyte - size * doccount, lens_code, struct.Struct(">" + lens_code))
    self._derived_offsets = None


def _entry(dbfile, table, docnum: int) -> int:
    start, _, unpack = table
    return unpack.unpack(dbfile.get(start + docnum * unpack.size, unpack.size))[0]


def _var_bytes_item(self, docnum: int) -> bytes:
    dbfile = self._dbfile
    length = _entry(dbfile, self._lengths_table, docnum)
    if not length:
        return b""
    if self._offsets_table is not None:
        offset = _entry(dbfile, self._offsets_table, docnum)
    else:
        if self._derived_offsets is None:
            from array import array
            from itertools import accumulate

            self._derived_offsets = array("Q", accumulate(self._lengths, initial=0))
        offset = self._derived_offsets[docnum]
    return dbfile.get(self._basepos + offset, length)


def _all_lengths(self):
    if "_lengths_array" not in self.__dict__:
        start, code, _ = self._lengths_table
        self.__dict__["_lengths_array"] = self._dbfile.get_array(start, code, self._doccount)
    return self.__dict__["_lengths_array"]


def _all_offsets(self):
    if self._offsets_table is not None:
        if "_offsets_array" not in self.__dict__:
            start, code, _ = self._offsets_table
            self.__dict__["_offsets_array"] = self._dbfile.get_array(start, code,
                                                                     self._doccount)
        return self.__dict__["_offsets_array"]
    if self._derived_offsets is None:
        from array import array
        from itertools import accumulate

        self._derived_offsets = array("Q", accumulate(self._lengths, initial=0))
    return self._derived_offsets


def bisect_skips() -> None:
    """Skip within a block of postings by bisection instead of posting by posting.

    Whoosh's ``W3LeafMatcher.skip_to`` finds the block that may hold the
    target and then calls ``next()`` until it gets there: a word common in
    bodies, intersected with the same word in titles (as the top-k
    optimisation does once only articles with both can still rank), walks
    most of the body's postings in Python. The block's ids are sorted, so
    ``bisect`` finds the same position.
    """
    from whoosh.codec.whoosh3 import W3LeafMatcher

    if getattr(W3LeafMatcher, "newsgrep_bisect", False):
        return
    W3LeafMatcher.skip_to = _skip_to
    W3LeafMatcher.newsgrep_bisect = True


def _skip_to(self, targetid: int) -> None:
    from bisect import bisect_left

    from whoosh.matching import ReadTooFar

    if not self.is_active():
        raise ReadTooFar
    if targetid <= self.id():
        return
    if targetid > self._maxid:  # to the block that would hold it (as Whoosh does)
        self._skip_to_block(lambda: targetid > self._maxid)
        if not self.is_active():
            return
    if self._ids is None:
        self._read_ids()
    i = bisect_left(self._ids, targetid, self._i, self._blocklength)
    if i < self._blocklength:
        self._i = i
    else:  # (a block whose ids end below its recorded maximum: on to the next)
        self._i = self._blocklength - 1
        self.next()
        while self.is_active() and self.id() < targetid:
            self.next()


def exact_and_maybe() -> None:
    """Keep ``AndMaybeMatcher``'s optional side on the document its required side is on.

    The top-k search turns a word's ``title OR body`` into "title required, body
    maybe" once a body match alone can no longer make the top ten. Whoosh's
    ``AndMaybeMatcher.skip_to(id)`` then moves the optional side to ``id`` rather
    than to where the required side landed (at or after ``id``), and its
    ``skip_to_quality`` skips the optional side past the required side's documents:
    either way a document's body score is left out and it can fall out of the top
    ten (13-24 of 125 two-word queries on the 11k corpus had a wrong top ten;
    ``bench/topk_exact.py``). Here the optional side always follows the required one,
    and only the required side skips blocks, against the most the optional side can add.
    """
    from whoosh.matching import binary

    if getattr(binary.AndMaybeMatcher, "newsgrep_exact", False):
        return
    binary.AndMaybeMatcher.skip_to = _and_maybe_skip_to
    binary.AndMaybeMatcher.skip_to_quality = _and_maybe_skip_to_quality
    binary.AndMaybeMatcher.newsgrep_exact = True


def _and_maybe_skip_to(self, id: int) -> bool:
    from whoosh.matching import ReadTooFar

    a, b = self.a, self.b
    if not a.is_active():
        raise ReadTooFar
    moved = a.skip_to(id)
    if a.is_active() and b.is_active() and b.id() < a.id():
        moved = b.skip_to(a.id()) or moved
    return moved


def _and_maybe_skip_to_quality(self, minquality: float) -> int:
    from whoosh.matching import ReadTooFar

    a, b = self.a, self.b
    if not a.is_active():
        raise ReadTooFar
    if not b.is_active():
        return a.skip_to_quality(minquality)
    skipped = a.skip_to_quality(minquality - b.max_quality())
    if a.is_active() and b.is_active() and b.id() < a.id():
        b.skip_to(a.id())
    return skipped


def quick_numbers() -> None:
    """Two of Whoosh's per-posting steps in C: decoding a block's ids, reading a number column.

    A block's document ids are stored as differences, added up by a Python
    generator (``delta_decode``): ``itertools.accumulate`` gives the same sums.
    A numeric column (the field lengths BM25 reads for every scored posting,
    dates) unpacks its value straight from the memory-mapped file instead of
    seeking and reading a copy of it.
    """
    from itertools import accumulate

    from whoosh.codec import whoosh3
    from whoosh.columns import NumericColumn

    if getattr(NumericColumn.Reader, "newsgrep_quick", False):
        return
    whoosh3.delta_decode = accumulate
    NumericColumn.Reader.__getitem__ = _numeric_item
    NumericColumn.Reader.newsgrep_quick = True


def quick_lengths() -> None:
    """BM25's field length of a scored posting in one step: from the whole length column.

    Whoosh's scorer asks the searcher, which asks the reader, which asks its
    per-document reader, which looks the column up by name, reads the byte and
    decodes it: six Python calls for each posting scored, a third of the cost
    of a phrase of two common words. The same numbers, read from the column at
    once (one byte a document), for the length columns of Whoosh's own format.
    """
    from whoosh.scoring import WeightLengthScorer

    if getattr(WeightLengthScorer, "newsgrep_quick", False):
        return
    setup = WeightLengthScorer.setup

    def quick_setup(self, searcher, fieldname, text):
        setup(self, searcher, fieldname, text)
        lengths = field_lengths(searcher.reader(), fieldname)
        if lengths is not None:
            self.dfl = lengths

    WeightLengthScorer.setup = quick_setup
    WeightLengthScorer.newsgrep_quick = True


def field_lengths(reader, fieldname: str):
    """A function of a segment's docnum giving its length of ``fieldname`` as Whoosh's
    ``doc_field_length`` gives it, or None (not a segment of Whoosh's format)."""
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is None or not hasattr(perdoc, "_cached_reader"):
        return None
    known = perdoc.__dict__.setdefault("_newsgrep_lengths", {})
    if fieldname not in known:
        from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
        from whoosh.util.numeric import byte_to_length

        from .docsets import column_numbers

        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            known[fieldname] = None
        else:
            values = column_numbers(column)
            table = [None] + [byte_to_length(b) for b in range(1, 256)]  # (0: None, as Whoosh)
            known[fieldname] = lambda d: table[values[d]]
    return known[fieldname]


def _mapped(dbfile):
    """The memory map a Whoosh ``StructFile`` reads (``schema._storage`` maps index files),
    or None (a file read otherwise)."""
    import mmap

    buf = getattr(dbfile, "file", None)
    return buf if isinstance(buf, mmap.mmap) else None


def _numeric_item(self, docnum: int):
    if docnum >= self._count:
        return self._unpack(self._defaultbytes)[0]
    try:
        unpack_from, buf = self._newsgrep_from
    except AttributeError:
        buf = _mapped(self._dbfile)
        unpack_from = struct.Struct("!" + self._typecode).unpack_from
        self._newsgrep_from = unpack_from, buf
    pos = self._basepos + self._fixedlen * docnum
    if buf is None:
        return self._unpack(self._dbfile.get(pos, self._fixedlen))[0]
    return unpack_from(buf, pos)[0]


def quick_term_lookups() -> None:
    """Look a key up in a segment's term table (an on-disk hash) in a few steps.

    Every term a search names is looked up in every segment: a fuzzy word's
    few hundred spellings, ``similar``'s hundreds of words, in each of 20-odd
    segments at a million articles. Whoosh's ``HashReader`` hashes the key
    (MD5 as hex text, then an int) and reads each slot and key through three
    Python calls (seek, read, unpack) of its file: about 5 µs a look-up. Here
    the slots and keys are read by ``pread`` (or unpacked straight from the
    memory-mapped file: see :func:`_find`) and a key's hash is remembered across
    segments; the table, the probing and the
    answers are Whoosh's (``range_for_key`` and ``in``, the first match, as a
    term table holds each key once; ``[key]`` is its first value).
    """
    from whoosh.filedb.filetables import HashReader

    if getattr(HashReader, "newsgrep_quick", False):
        return
    HashReader.range_for_key = _range_for_key
    HashReader.__contains__ = _hash_contains
    HashReader.__getitem__ = _hash_item
    HashReader.newsgrep_quick = True


_HASHES: dict[bytes, int] = {}  # key -> its MD5 hash, as Whoosh's md5_hash (shared by segments)


def _md5_hash(key: bytes) -> int:
    h = _HASHES.get(key)
    if h is None:
        from hashlib import md5

        if len(_HASHES) >= 1 << 16:
            _HASHES.clear()
        h = _HASHES[key] = int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")
    return h


def _find(self, key: bytes):
    """``(datapos, datalen, value)`` of ``key``'s first value, or None: Whoosh's probing
    of ``ranges_for_key``, read from the map; ``value`` None when it is read from
    there too.

    Where the storage kept the file's descriptor (``schema._storage``), the slots
    and the key's record are read with ``pread`` instead: a read through the map
    maps the 64 KB around it (the kernel's fault-around) into the process. A
    fuzzy word's hundreds of probes in each of 20-odd segments mapped most of
    their tables (about 150 MB at a million articles) to read 12 bytes each, and
    a process's first touch of a page costs more than a ``pread`` of it."""
    try:
        buf, hashfn = self._newsgrep_map
    except AttributeError:
        from whoosh.filedb.filetables import md5_hash

        buf = _mapped(self.dbfile)
        hashfn = _md5_hash if self.hashfn is md5_hash else self.hashfn
        self._newsgrep_map = buf, hashfn
    if buf is None or not isinstance(key, bytes):
        found = next(self.ranges_for_key(key), None)
        return None if found is None else (*found, None)
    fd = getattr(self.dbfile, "newsgrep_fd", None)
    keyhash = hashfn(key)
    tablestart, numslots = self.tables[keyhash & 255]
    if not numslots:
        return None
    size = _SLOT
    end = tablestart + numslots * size
    slotpos = tablestart + ((keyhash >> 8) % numslots) * size
    n = len(key)
    head = _LENGTHS.size + n
    slots, at = b"", 0  # (pread: the slots read, the next one's place in them)
    for _ in range(numslots):
        if fd is None:
            slothash, itempos = _unpack_slot(buf, slotpos)
        else:
            if at == len(slots):  # the next few slots, up to the table's end, by one pread
                slots, at = _pread(fd, min(_PROBE, end - slotpos), slotpos), 0
            slothash, itempos = _unpack_slot(slots, at)
            at += size
        if not itempos:
            return None
        if slothash == keyhash:
            if fd is None:
                keylen, datalen = _LENGTHS.unpack_from(buf, itempos)
                if keylen == n and buf[itempos + _LENGTHS.size:itempos + head] == key:
                    return itempos + head, datalen, None
            else:  # the lengths, the key and (mostly) the value, by one pread
                record = _pread(fd, head + _VALUE, itempos)
                keylen, datalen = _LENGTHS.unpack_from(record)
                if keylen == n and record[_LENGTHS.size:head] == key:
                    value = record[head:head + datalen]
                    return itempos + head, datalen, value if len(value) == datalen else None
        slotpos += size
        if slotpos == end:  # the probe wraps around to the table's start
            slotpos = tablestart
    return None


_SLOT = _POINTER.size
_PROBE = 8 * _SLOT  # slots read by one pread (a probe mostly ends at the first or second)
_unpack_slot = _POINTER.unpack_from
_pread = os.pread
_VALUE = 256  # bytes of a value read with its key (a term's info; a rare term's postings too)


def _range_for_key(self, key: bytes):
    found = _find(self, key)
    if found is None:
        raise KeyError(key)
    return found[:2]


def _hash_contains(self, key: bytes) -> bool:
    return _find(self, key) is not None


def _hash_item(self, key: bytes) -> bytes:
    found = _find(self, key)
    if found is None:
        raise KeyError(key)
    pos, length, value = found
    return self.dbfile.get(pos, length) if value is None else value
