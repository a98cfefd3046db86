"""Whoosh read paths newsgrep replaces (engine/whoosh/_whoosh.py) give what Whoosh's own give."""
from __future__ import annotations

import mmap
import os
import random
import subprocess
import sys
import zlib
from io import BytesIO
from pathlib import Path

import pytest

from newsgrep.engine.whoosh._whoosh import (bisect_skips, exact_and_maybe, lazy_columns,
                                             light_imports, quick_numbers, quick_term_lookups)

light_imports()
lazy_columns()
bisect_skips()
quick_numbers()
exact_and_maybe()
quick_term_lookups()

from whoosh import columns, fields  # noqa: E402 -- after light_imports()
from whoosh.codec.whoosh3 import W3LeafMatcher  # noqa: E402
from whoosh.filedb.filestore import RamStorage  # noqa: E402
from whoosh.filedb.structfile import BufferFile, StructFile  # noqa: E402


def _values(n: int, seed: int, sparse: bool) -> dict[int, bytes]:
    rnd = random.Random(seed)
    # sparse: documents without a value read as b""; some empty, some long
    return {d: bytes(rnd.randrange(256) for _ in range(rnd.choice((0, 1, 3, 40, 300))))
            for d in range(n) if not sparse or rnd.random() < 0.8}


@pytest.mark.parametrize("n", [1, 7, 1000, 40_000])  # 40,000: above the cutoff, offsets written
@pytest.mark.parametrize("column", [columns.VarBytesColumn(), columns.CompressedBytesColumn()])
@pytest.mark.parametrize("mapped", [False, True])
def test_lazily_read_columns_give_every_document_s_value(tmp_path, n, column, mapped):
    # (Whoosh cannot iterate a compressed column with documents missing: all have one)
    values = _values(n, n, sparse=not isinstance(column, columns.CompressedBytesColumn))
    out = BytesIO()
    writer = column.writer(StructFile(out))
    for d, v in values.items():
        writer.add(d, v)
    writer.finish(n)
    data = b"PREFIX" + out.getvalue()  # (a column starts anywhere in its file)
    if mapped:
        path = tmp_path / "col"
        path.write_bytes(data)
        with open(path, "rb") as fh:
            dbfile = StructFile(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
    else:
        dbfile = BufferFile(data)
    reader = column.reader(dbfile, 6, len(data) - 6, n)
    assert reader.had_stored_offsets == (n > 2**15)
    expected = [values.get(d, b"") for d in range(n)]
    order = list(range(n))
    random.Random(1).shuffle(order)
    assert [reader[d] for d in order] == [expected[d] for d in order]
    assert list(reader) == expected
    # the whole tables, for Whoosh code that reads them: where each value starts
    lengths, offsets = list(reader._lengths), list(reader._offsets)[:n]
    assert len(lengths) == n and offsets[:1] == [0]
    assert all(offsets[d] + lengths[d] == offsets[d + 1] for d in range(n - 1))
    stored = [dbfile.get(6 + o, k) if k else b"" for o, k in zip(offsets, lengths)]
    if isinstance(column, columns.CompressedBytesColumn):
        stored = [zlib.decompress(v) if v else v for v in stored]
    assert stored == expected


def test_bisecting_skips_land_where_walking_does():
    rnd = random.Random(7)
    ix = RamStorage().create_index(fields.Schema(t=fields.TEXT))
    w = ix.writer()
    having = []
    for d in range(3000):
        word = "alpha" if rnd.random() < (0.9 if d < 1500 else 0.05) else "beta"
        if word == "alpha":
            having.append(d)
        w.add_document(t=f"{word} gamma")
    w.commit()
    with ix.searcher() as s:
        for _ in range(200):
            m = s.postings("t", "alpha")
            assert isinstance(m, W3LeafMatcher)
            target = 0
            while m.is_active():
                target += rnd.choice((0, 1, 2, 5, 30, 127, 128, 200, 700))
                # skip_to: the first posting at or after the target and the current one
                want = [d for d in having if d >= max(target, m.id())]
                m.skip_to(target)
                if not want:
                    assert not m.is_active()
                    break
                assert m.is_active() and m.id() == want[0]
                if rnd.random() < 0.3:
                    m.next()


def test_and_maybe_keeps_the_optional_side_on_the_required_side_s_document():
    from whoosh.matching import AndMaybeMatcher, ListMatcher

    m = AndMaybeMatcher(ListMatcher([1, 5, 10], weights=[1.0, 1.0, 1.0]),
                        ListMatcher([2, 4, 5, 10], weights=[2.0, 2.0, 2.0, 2.0]))
    m.skip_to(3)  # the required side has nothing at 3 or 4: it lands on 5, and so must b
    assert m.id() == 5 and m.b.id() == 5 and m.weight() == 3.0
    m.next()
    assert m.id() == 10 and m.weight() == 3.0


def _title_body_index(document):
    """Three segments of 1,500 documents each, ``document()`` a (title, body) pair."""
    ix = RamStorage().create_index(fields.Schema(title=fields.TEXT(stored=False),
                                                 body=fields.TEXT))
    for part in range(3):
        w = ix.writer()
        for _ in range(1500):
            title, body = document()
            w.add_document(title=title, body=body)
        w.commit(merge=False)
    return ix


def _wrong_top_tens(ix, queries, limited=lambda q: q) -> list:
    """The queries whose limited search (block quality, replacing matchers; of
    ``limited(q)``) does not give the scores of the best ten of a full one, or gives a
    document it does not."""
    from whoosh.scoring import BM25F

    wrong = []
    with ix.searcher(weighting=BM25F()) as s:
        for q in queries:
            top = [(round(r.score, 6), r.docnum) for r in s.search(limited(q), limit=10)]
            full = [(round(r.score, 6), r.docnum) for r in s.search(q, limit=None, optimize=False)]
            assert full, q
            if sorted(sc for sc, _ in top) != sorted(sc for sc, _ in full)[-10:] or \
                    not {d for _, d in top} <= {d for _, d in full}:
                wrong.append(q)
    return wrong


def test_top_ten_of_two_words_in_title_or_body_is_the_exact_top_ten():
    """The limited (block-quality, replacing) search gives the scores of a full one."""
    from whoosh import query as Q

    rnd = random.Random(3)
    words = [f"w{i}" for i in range(40)]

    def document():
        common = rnd.sample(words[:8], 2)
        return (" ".join(rnd.choices(words, k=rnd.randint(2, 8)) + common[:1]),
                " ".join(rnd.choices(words, k=rnd.randint(5, 300)) + common))
    ix = _title_body_index(document)
    queries = [Q.And([Q.Or([Q.Term("title", t, boost=2.0), Q.Term("body", t)]) for t in (x, y)])
               for x in words[:8] for y in words[:8] if x < y]
    assert not _wrong_top_tens(ix, queries)


def test_top_ten_of_a_phrase_whose_positions_are_read_lazily_is_the_exact_top_ten():
    """A phrase reads a document's positions only when its score can still get in
    (engine/whoosh/query.LazyPhraseMatcher): the limited search gives the full one's
    scores, for phrases in title (boosted) or body, alone, with a word, with slop."""
    from whoosh import query as Q

    from newsgrep.engine.whoosh.fieldunion import TitleFirstOr, title_first
    from newsgrep.engine.whoosh.query import AltPhrase

    rnd = random.Random(4)
    words = [f"w{i}" for i in range(12)]
    ix = _title_body_index(lambda: (" ".join(rnd.choices(words, k=rnd.randint(2, 8))),
                                    " ".join(rnd.choices(words, k=rnd.randint(5, 300)))))

    def phrase(ws, slop=1):
        return Q.Or([AltPhrase("title", ws, slop=slop, boost=2.0),
                     AltPhrase("body", ws, slop=slop)])
    queries = [phrase([a, b]) for a in words[:5] for b in words[:5] if a != b]
    queries += [phrase([a, b, c]) for a, b, c in zip(words, words[1:], words[2:])]
    queries += [phrase([a, b], slop=3) for a, b in zip(words[:6], words[6:])]
    queries += [Q.And([phrase([a, b]), Q.Or([Q.Term("title", c, boost=2.0), Q.Term("body", c)])])
                for a, b, c in zip(words, words[3:], words[6:])]
    assert not _wrong_top_tens(ix, queries)
    # the title side walked first, the body's pruned by the whole bar (fieldunion)
    assert all(type(title_first(q)) is TitleFirstOr for q in queries[:3])
    assert not _wrong_top_tens(ix, queries, limited=title_first)


def test_phrases_match_the_documents_whooshs_phrase_matches():
    """The phrase matcher's own position check (words next to each other) finds the
    documents Whoosh's span matching finds: repeated words, three words, deleted
    documents, several segments."""
    from whoosh import query as Q

    from newsgrep.engine.whoosh.query import AltPhrase

    rnd = random.Random(6)
    words = [f"w{i}" for i in range(6)]
    ix = RamStorage().create_index(fields.Schema(body=fields.TEXT))
    for part in range(2):
        w = ix.writer()
        for _ in range(800):
            w.add_document(body=" ".join(rnd.choices(words, k=rnd.randint(1, 12))))
        w.commit(merge=False)
    w = ix.writer()
    for d in rnd.sample(range(1600), 200):
        w.delete_document(d)
    w.commit(merge=False)
    phrases = [[a, b] for a in words[:4] for b in words[:4]] + [
        [a, b, c] for a, b, c in zip(words, words[1:], words[2:])] + [["w0", "w0", "w0"]]
    with ix.searcher() as s:
        for ws in phrases:
            ours = {r.docnum for r in s.search(AltPhrase("body", ws), limit=None)}
            whooshs = {r.docnum for r in s.search(Q.Phrase("body", ws), limit=None)}
            assert ours == whooshs and whooshs, ws
            # and Whoosh's scores, boosted (both of newsgrep's phrase matchers: words next to
            # each other, and within a slop)
            for slop, boost in ((1, 2.0), (2, 2.0), (1, 1.0)):
                ours_scored = [(r.docnum, r.score) for r in s.search(
                    AltPhrase("body", ws, slop=slop, boost=boost), limit=None, optimize=False)]
                whooshs_scored = [(r.docnum, r.score) for r in s.search(
                    Q.Phrase("body", ws, slop=slop, boost=boost), limit=None, optimize=False)]
                assert sorted(ours_scored) == sorted(whooshs_scored), (ws, slop, boost)


@pytest.mark.parametrize("typecode", ["B", "i", "Q", "f"])
@pytest.mark.parametrize("mapped", [False, True])
def test_numeric_columns_read_from_the_map_give_the_written_numbers(tmp_path, typecode, mapped):
    rnd = random.Random(3)
    n = 500
    column = columns.NumericColumn(typecode, default=7)
    top = {"B": 255, "i": 2**31 - 1, "Q": 2**64 - 1, "f": 1000}[typecode]
    values = {d: (rnd.randint(0, top) if typecode != "f" else float(rnd.randint(0, top)))
              for d in range(n) if rnd.random() < 0.7}
    out = BytesIO()
    writer = column.writer(StructFile(out))
    for d, v in values.items():
        writer.add(d, v)
    writer.finish(n - 10)  # (the last documents past the column read as the default)
    data = b"PAD" + out.getvalue()
    if mapped:
        path = tmp_path / "col"
        path.write_bytes(data)
        with open(path, "rb") as fh:
            dbfile = StructFile(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
    else:
        dbfile = BufferFile(data)
    reader = column.reader(dbfile, 3, len(data) - 3, n)
    # (documents without a value, and those past the column's end, read as the default)
    assert [reader[d] for d in range(n)] == [values.get(d, 7) for d in range(n)]


def _mapped_kb(path) -> int:
    """Kilobytes of ``path`` mapped into this process (``/proc/self/smaps``)."""
    total, mine = 0, False
    with open("/proc/self/smaps") as fh:
        for line in fh:
            fields_ = line.split()
            if "-" in fields_[0] and len(fields_) >= 5:  # a mapping's header line
                mine = fields_[-1] == str(path)
            elif mine and fields_[0] == "Rss:":
                total += int(fields_[1])
    return total


@pytest.mark.parametrize("hashtype", [0, 1])  # MD5 (Whoosh's term tables), CRC32
@pytest.mark.parametrize("mapped", [False, True, "storage"])  # storage: slots read by pread
def test_term_table_look_ups_find_what_whoosh_s_probing_finds(tmp_path, hashtype, mapped):
    """A key's value and membership, read from the mapped table, are Whoosh's own
    (``ranges_for_key``), for every key written and for keys never written, in
    tables crowded enough that probes wrap past colliding slots."""
    from whoosh.filedb.filetables import HashReader, HashWriter

    from newsgrep.engine.whoosh.schema import _storage

    rnd = random.Random(hashtype)
    words = sorted({"".join(rnd.choice("абвгдеж") for _ in range(rnd.randrange(1, 9))).encode()
                    for _ in range(5000)})
    # (some values longer than what is read with the key)
    values = {k: k[::-1] * rnd.randrange(1, 4) * (60 if rnd.random() < 0.1 else 1) for k in words}
    assert max(map(len, values.values())) > 256
    path = tmp_path / "table.trm"
    with open(path, "wb") as fh:
        fh.write(b"PREFIX")  # (a table starts anywhere in its file)
        w = HashWriter(StructFile(fh), hashtype=hashtype)
        for k in words:
            w.add(k, values[k])
        w.close()
    data = path.read_bytes()
    if mapped == "storage":  # as a search opens a segment's term table
        dbfile = _storage(tmp_path).open_file(path.name)
        assert isinstance(dbfile.newsgrep_fd, int)
    elif mapped:
        with open(path, "rb") as fh:
            dbfile = StructFile(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
    else:
        dbfile = BufferFile(data)
    table = HashReader(dbfile, len(data) - 6, startoffset=6)
    absent = {"".join(rnd.choice("абвгдежз") for _ in range(rnd.randrange(1, 9))).encode()
              for _ in range(5000)} - set(words)
    for k in [*words, *absent]:
        whooshs = next(iter(table.ranges_for_key(k)), None)
        assert (k in table) == (whooshs is not None)
        if whooshs is None:
            for look_up in (table.range_for_key, table.__getitem__):
                with pytest.raises(KeyError):
                    look_up(k)
        else:
            assert table.range_for_key(k) == whooshs
            assert table[k] == dbfile.get(*whooshs) == values[k]
    assert len(absent) > 1000


@pytest.mark.skipif(not Path("/proc/self/smaps").exists(), reason="Linux's /proc/self/smaps")
def test_absent_keys_are_looked_up_without_mapping_the_term_table_s_slots(tmp_path):
    """A search opens a term table as a map, but probes its hash slots by pread: a fuzzy
    word's hundreds of absent spellings leave its slots unmapped (each probe of a map
    maps the 64 KB around it, and a million-article archive's tables are many MB)."""
    from whoosh.filedb.filetables import HashReader, HashWriter

    from newsgrep.engine.whoosh.schema import _storage

    path = tmp_path / "big.trm"
    with open(path, "wb") as fh:
        w = HashWriter(StructFile(fh))
        for i in range(60_000):
            w.add(b"key%d" % i, b"v")
        w.close()
    slots = 2 * 60_000 * 12  # (HashWriter's tables: twice as many slots as keys, 12 bytes each)
    dbfile = _storage(tmp_path).open_file(path.name)
    table = HashReader(dbfile, path.stat().st_size)
    assert (b"key123" in table) and table[b"key59999"] == b"v"
    for i in range(2000):
        assert b"absent%d" % i not in table
    assert _mapped_kb(path) * 1024 < slots / 8, _mapped_kb(path)
    fd = dbfile.newsgrep_fd
    table.close()  # closes the file it reads slots from, and a look-up after it fails
    with pytest.raises(OSError):
        os.fstat(fd)
    with pytest.raises(ValueError):
        b"key123" in table  # noqa: B015
    with open(path, "rb") as fh:
        raw = HashReader(StructFile(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)),
                         path.stat().st_size)
    for i in range(2000):
        assert b"absent%d" % i not in raw
    assert _mapped_kb(path) * 1024 > slots / 2  # (what probing the map maps, the same look-ups)


def test_a_block_s_ids_decode_to_the_running_sums():
    from whoosh.codec import whoosh3
    from whoosh.util.numlists import delta_decode, delta_encode

    ids = sorted(random.Random(5).sample(range(10**6), 300))
    encoded = list(delta_encode(ids))
    assert list(whoosh3.delta_decode(encoded)) == list(delta_decode(encoded)) == ids


def test_a_search_process_leaves_out_what_it_does_not_use(fixture_index):
    """Reprint detection (its regular expressions) is loaded by indexing, not by a
    search, which reads the groups only; the search still finds and prints its hits."""
    code = ("import sys\n"
            "from newsgrep.cli import main\n"
            "try:\n"
            "    main(['search', 'атака', '-n', '3', '--index', sys.argv[1]])\n"
            "except SystemExit as e:\n"
            "    print(e.code, 'newsgrep.reprints' in sys.modules, file=sys.stderr)\n")
    p = subprocess.run([sys.executable, "-c", code, str(fixture_index)],
                       capture_output=True, text=True)
    assert p.stderr.split() == ["0", "False"], p.stderr
    assert "атак" in p.stdout.lower()


def test_field_lengths_from_the_column_are_whooshs_for_every_document(fixture_index):
    """BM25 reads a scored posting's field length from the whole length column
    (``_whoosh.quick_lengths``): the numbers Whoosh's reader gives, for every
    document and field of an archive, and the scorer a search makes uses them."""
    from newsgrep.archive import open_archive
    from newsgrep.engine.whoosh._whoosh import field_lengths
    from newsgrep.engine.whoosh.engine import WhooshEngine

    with open_archive(fixture_index) as a:
        assert isinstance(a.engine, WhooshEngine)
        s = a.engine.searcher
        checked = 0
        for sub, _ in s.leaf_searchers():
            reader = sub.reader()
            for fieldname in ("title", "body", "source"):
                lengths = field_lengths(reader, fieldname)
                want = [reader.doc_field_length(d, fieldname, 1)
                        for d in range(reader.doc_count_all())]
                assert [lengths(d) for d in range(reader.doc_count_all())] == want
                checked += len(set(want))
            term = next(iter(reader.lexicon("body"))).decode()
            assert sub.weighting.scorer(sub, "body", term).dfl is field_lengths(reader, "body")
        assert checked > 5  # (lengths of several sizes)
