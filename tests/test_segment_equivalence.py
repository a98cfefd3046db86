"""The segment writer's equivalence gate: newsgrep's segments against Whoosh's own writer.

A synthetic Russian-like archive (fixed seed; frequent terms in enough
documents to fill several 128-posting blocks; dates, sources, sections,
tags, some missing) is indexed by ``index_paths`` (the code ``newsgrep
index`` runs: one process spilling runs, or worker processes with small
segments) and by Whoosh's ``IndexWriter`` with the same schema and the same
documents, cut into the same segments. Then, segment by segment, everything
Whoosh reads is compared: the field map, the term list, each term's info
(flags, total weight, document frequency, min/max length bytes, max weight,
first/last id), each posting block's header (count, last id, max weight,
min/max length bytes) and contents (ids, weights, values), the extent of
the posting list, hash lookups of every term, per-document field lengths,
stored fields, field length totals, and every column of the schema (date,
source, section). After an incremental update (files changed, deleted,
added, one only touched) the same, plus what a searcher sees: document
counts, deleted documents, postings of live documents, columns, ranked,
sorted and grouped results.

The mutation tests at the end corrupt the writer on purpose (dropped
columns, wrong block headers, wrong term infos, other block sizes, lost
deletions ...) and check that the comparison reports each of them, and
that a legitimate difference (compression) is not reported.
"""
from __future__ import annotations

import functools
import io
import itertools
import json
import os
import pickle
import random
import shutil
import struct
import zlib
from datetime import datetime
from pathlib import Path

import pytest

from newsgrep import indexing
from newsgrep.engine.whoosh import segments
from newsgrep.articles import read_file
from newsgrep.engine.whoosh.schema import document as _document
from newsgrep.indexing import Limits, Settings, index_paths, walk

# ------------------------------------------------------------------ the archive

_SYLLABLES = "ка ро ми ст на ле бо ту за пе ри го вя шу дё лы ёж ци фа хо".split()
_ENDINGS = ["", "а", "ы", "ой", "ов", "ами", "е", "ий", "ого", "ей", "ом", "ую"]
_EXTRA = ["Ростов-на-Дону", "COVID-19", "iPhone", "2022", "ёлка", "HОВОСТИ", "Нур-Султане",
          "ви\u0301ски", "кто-то", "США", "Москва", "москве", "road", "roads", "17"]
_SOURCES = ["ТАСС", "РИА Новости", "Вечерний Бишкек", "Sputnik Казахстан", "Коммерсантъ"]
_SECTIONS = ["Мир", "Спорт", "Экономика", "Общество", "Наука и техника"]
_AUTHORS = ["Анна Петрова", "Игорь Смирнов", "Дина Ахметова"]
_TAGS = ["погода", "Бишкек", "выборы", "спорт", "ЦБ", "нефть"]


class Archive:
    """Article files at ``root`` in two stages: the first index run, and the update.

    Stage 2 changes some files (records dropped, edited, added), deletes
    some, adds some, and only touches one (new mtime, same content).
    ``stage(n)`` writes the files of stage n exactly (content and mtime), so
    the same stage can be indexed again by another writer.
    """

    def __init__(self, root: Path, n: int, seed: int = 7):
        self.root = root
        rng = self.rng = random.Random(seed)
        stems: set[str] = set()
        while len(stems) < 700:
            stems.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))))
        self.stems = sorted(stems)
        self.dates = [datetime(rng.randint(1998, 2023), rng.randint(1, 12), rng.randint(1, 28),
                               *((rng.randint(1, 23), rng.randint(0, 59)) if rng.random() < 0.7
                                 else (0, 0)))
                      for _ in range(250)]
        # Zipf: the first stems are in nearly every article (many blocks), most in few
        self._cum = list(itertools.accumulate(1 / (i + 1) for i in range(len(self.stems))))
        files: dict[str, list[dict]] = {}
        left, k = n, 0
        while left > 0:
            if k < 3 or rng.random() < 0.3:  # one article per file, with headers
                files[f"d{k % 3}/t{k:03d}.txt"] = [self.record()]
                left -= 1
            else:
                size = min(left, rng.randint(10, max(20, n // 10)))
                files[f"d{k % 3}/j{k:03d}.jsonl"] = [self.record() for _ in range(size)]
                left -= size
            k += 1
        self.stages = {1: {name: self.render(name, recs) for name, recs in files.items()}}
        stage2 = dict(self.stages[1])
        names = sorted(files)
        jsonl = [x for x in names if x.endswith(".jsonl")]
        txt = [x for x in names if x.endswith(".txt")]
        self.changed = [jsonl[1], jsonl[-2], txt[0], txt[-1]]
        self.deleted = [jsonl[2], txt[1]]
        self.added = ["d0/zz-new.jsonl", "d2/a-new.txt"]
        self.touched = jsonl[0]
        for name in self.changed:
            recs = [r if rng.random() < 0.5 else self.record() for r in files[name]
                    if rng.random() < 0.8] + [self.record()]
            stage2[name] = self.render(name, recs if name.endswith(".jsonl") else recs[-1:])
        for name in self.deleted:
            del stage2[name]
        stage2[self.added[0]] = self.render(self.added[0], [self.record() for _ in range(40)])
        stage2[self.added[1]] = self.render(self.added[1], [self.record()])
        self.stages[2] = stage2
        self.mtimes = {name: 1_600_000_000_000_000_000 + i * 1_000_000_007
                       for i, name in enumerate(sorted(set(self.stages[1]) | set(self.stages[2])))}

    def words(self, k: int) -> list[str]:
        rng = self.rng
        stems = rng.choices(self.stems, cum_weights=self._cum, k=k)
        out = [w + rng.choice(_ENDINGS) for w in stems]
        for i in range(0, k, 23):
            out[i] = rng.choice(_EXTRA)
        for i in range(5, k, 17):
            out[i] = out[i].capitalize() + "."
        return out

    def record(self) -> dict:
        rng = self.rng
        # lengths from a few words to ~1500 (length bytes over most of their range)
        k = min(int(rng.lognormvariate(3.5, 1.0)) + 1, 1500)
        rec: dict = {"title": " ".join(self.words(rng.randint(1, 9))).capitalize(),
                     "text": "\n\n".join(" ".join(self.words(k))[i:i + 900]
                                         for i in range(0, k * 8, 900)).strip()}
        if rng.random() < 0.85:  # (from a few hundred dates: a date is many terms)
            d = self.dates[rng.randrange(len(self.dates))]
            rec["date"] = d.isoformat() if d.hour else d.strftime("%Y-%m-%d")
        if rng.random() < 0.8:
            rec["source"] = rng.choice(_SOURCES)
        if rng.random() < 0.75:
            rec["section"] = rng.choice(_SECTIONS)
        if rng.random() < 0.3:
            rec["author"] = rng.choice(_AUTHORS)
        if rng.random() < 0.4:
            rec["tags"] = rng.sample(_TAGS, rng.randint(1, 3))
        if rng.random() < 0.5:
            rec["url"] = f"https://example.ru/{rng.randrange(10**6)}"
        return rec

    @staticmethod
    def render(name: str, recs: list[dict]) -> bytes:
        if name.endswith(".jsonl"):
            return "\n".join(json.dumps(r, ensure_ascii=False) for r in recs).encode("utf-8")
        (rec,) = recs
        head = [f"Заголовок: {rec['title']}"]
        for key, label in (("date", "Дата"), ("source", "Источник"), ("section", "Рубрика"),
                           ("author", "Автор")):
            if key in rec:
                head.append(f"{label}: {rec[key].replace('T', ' ')}")
        if "tags" in rec:
            head.append("Теги: " + ", ".join(rec["tags"]))
        return ("\n".join(head) + "\n\n" + rec["text"] + "\n").encode("utf-8")

    def stage(self, n: int) -> None:
        files = self.stages[n]
        for name in set(self.stages[1]) | set(self.stages[2]):
            path = self.root / name
            if name not in files:
                path.unlink(missing_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_bytes() != files[name]:
                path.write_bytes(files[name])
            mtime = self.mtimes[name] + (10**9 if n == 2 and name == self.touched else 0)
            os.utime(path, ns=(mtime, mtime))

    def documents(self, names=None) -> list[dict]:
        """The documents of the files on disk (or of ``names``), in walk order,
        as ``index_paths`` makes them."""
        wanted = None if names is None else {str(self.root / x) for x in names}
        docs = []
        for path in walk([str(self.root)], lambda *a: None):
            if wanted is not None and path not in wanted:
                continue
            st = os.stat(path)
            docs.extend(_document(a, path, st.st_size, st.st_mtime_ns) for a in read_file(path))
        return docs


# ------------------------------------------------------------------ what Whoosh reads

# W3TermInfo: flags, weight, df, min length byte, max length byte, max weight, min id, max id
_TI = struct.Struct("!BfIBBfII")


def _blocks(data: bytes, fixedsize) -> list:
    """The posting blocks of one term (W3 format), decoded as Whoosh's reader does."""
    assert data[:4] == b"W3Bl", data[:4]
    pos, out = 4, []
    while True:
        (n,) = struct.unpack("!i", data[pos:pos + 4])
        pos += 4
        end = pos + abs(n)
        buf = io.BytesIO(data[pos:end])
        count, lastid, maxweight, comp, minlen, maxlen = pickle.load(buf)
        raw = buf.read()
        ids, weights, values = pickle.loads(zlib.decompress(raw) if comp else raw)
        ids = list(itertools.accumulate(ids))
        if weights is None:
            weights = [1.0] * count
        elif isinstance(weights, float):
            weights = [weights] * count
        weights = list(weights)
        if fixedsize is None or fixedsize < 0:
            values = list(values)
        elif fixedsize == 0:
            values = None
        else:
            values = [values[i:i + fixedsize] for i in range(0, len(values), fixedsize)]
        out.append(("count", count, "last id", lastid, "max weight", maxweight,
                    "min length byte", minlen, "max length byte", maxlen,
                    "ids", ids, "weights", weights, "values", values))
        pos = end
        if n < 0:
            break
    out.append(("trailing bytes", len(data) - pos))
    return out


def _read(fn, *args):
    """What ``fn(*args)`` reads, or the error it raises (a difference like any other)."""
    try:
        return fn(*args)
    except Exception as e:
        return f"cannot read: {e!r}"


def _postings(reader, fieldname, text) -> list:
    m = reader.postings(fieldname, text)
    items = []
    while m.is_active():
        items.append((m.id(), m.weight(), m.value()))
        m.next()
    return items


def _translate(field, value):
    try:
        return field.from_column_value(value)
    except OverflowError:  # a DATETIME column's default (no date): no datetime
        return "(none)"


def segment_dump(directory: Path, segment, schema) -> dict:
    """Everything of one segment that Whoosh reads, keyed (kind, ...)."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    from whoosh.filedb.filestore import FileStorage
    from whoosh.reading import SegmentReader

    out: dict = {}
    r = SegmentReader(FileStorage(str(directory)), schema, segment)
    try:
        terms = r._terms
        out["fieldmap",] = dict(terms._fieldmap)
        keys = []
        for key, value in terms._tindex.items():
            fieldname, text = terms._keydecoder(key)
            keys.append((fieldname, text))
            info = _TI.unpack(value[:_TI.size])
            out["terminfo", fieldname, text] = info
            # the hash table finds it
            out["lookup", fieldname, text] = terms._tindex.get(key) == value
            if info[0]:  # inlined (Whoosh inlines nothing with its defaults)
                out["inlined", fieldname, text] = pickle.loads(value[_TI.size:])
                continue
            offset, length = struct.unpack("!qi", value[_TI.size:_TI.size + 12])
            fixedsize = schema[fieldname].format.fixed_value_size()
            out["blocks", fieldname, text] = _read(_blocks, terms._postfile.get(offset, length),
                                                   fixedsize)
        out["terms",] = keys
        out["doc count",] = (segment.doc_count_all(), sorted(segment.deleted_docs()))
        names = schema.names()
        for docnum in range(segment.doc_count_all()):
            out["stored", docnum] = r.stored_fields(docnum)
        for f in names:  # each document's length byte (Whoosh's own column of them)
            lengths = r._perdoc._cached_reader(_lenfield(f), LENGTHS_COLUMN)
            out["lengths", f] = None if lengths is None else list(lengths)
        for f in names:
            if schema[f].scorable and out["lengths", f] is None:
                # no document has the field: Whoosh wrote no lengths (and cannot
                # read their min/max), as newsgrep does not
                out["field length", f] = (r.field_length(f), None, None)
            elif schema[f].scorable:
                out["field length", f] = (r.field_length(f), r.min_field_length(f),
                                          r.max_field_length(f))
            if schema[f].column_type is not None:
                has = r.has_column(f)
                raw = list(r.column_reader(f, translate=False)) if has else None
                out["column", f] = (has, raw, raw and [_translate(schema[f], v) for v in raw])
    finally:
        r.close()
    return out


def searcher_dump(directory: Path, queries) -> dict:
    """What a searcher of the whole index sees: counts, deletions, live postings,
    live documents, columns and results."""
    from whoosh import index
    from whoosh.sorting import FieldFacet

    from newsgrep.engine.whoosh.query import parse_query

    out: dict = {}
    ix = index.open_dir(str(directory))
    schema = ix.schema  # (each ix.schema reads the TOC)
    with ix.searcher() as s:
        r = s.reader()
        out["searcher doc count",] = (s.doc_count(), s.doc_count_all())
        live = [d for d in range(s.doc_count_all()) if not r.is_deleted(d)]
        out["searcher deleted",] = sorted(set(range(s.doc_count_all())) - set(live))
        for fieldname, text in r.all_terms():
            out["searcher postings", fieldname, text] = _read(_postings, r, fieldname, text)
        scorable = schema.scorable_names()
        for d in live:
            out["searcher stored", d] = r.stored_fields(d)
            out["searcher lengths", d] = {f: r.doc_field_length(d, f) for f in scorable}
        for f in schema.names():
            if schema[f].column_type is not None:
                # (Whoosh cannot read a column that some segments lack)
                has = [leaf.has_column(f) for leaf, _ in r.leaf_readers()]
                values = None
                if all(has):
                    column = r.column_reader(f, translate=False)
                    values = [_translate(schema[f], column[d]) for d in live]
                out["searcher column", f] = (has, values)
        for q in queries:
            query = parse_query(q, schema) if isinstance(q, str) else q
            res = s.search(query, limit=None)
            out["searcher results", str(q)] = [(h.docnum, round(h.score, 6)) for h in res]
            res = s.search(query, limit=None, sortedby=["date", "source"], reverse=True,
                           groupedby=[FieldFacet("source"), FieldFacet("section")])
            out["searcher sorted", str(q)] = [h.docnum for h in res]
            out["searcher groups", str(q)] = {g: res.groups(g) for g in ("source", "section")}
    ix.close()
    return out


def index_dump(directory: Path, schema) -> dict:
    out = {}
    for i, segment in enumerate(_toc_segments(directory)):
        out.update({(key[0], f"segment {i}") + key[1:]: value
                    for key, value in segment_dump(directory, segment, schema).items()})
    return out


def _short(value, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def differences(ours: dict, theirs: dict) -> list[tuple]:
    """``(kind, key, what)`` for each key whose value differs between the dumps."""
    diffs = []
    for key in ours.keys() | theirs.keys():
        if key not in theirs:
            diffs.append((key[0], key, f"only newsgrep has it: {_short(ours[key])}"))
        elif key not in ours:
            diffs.append((key[0], key, f"only Whoosh has it: {_short(theirs[key])}"))
        elif ours[key] != theirs[key]:
            a, b = ours[key], theirs[key]
            if isinstance(a, list) and isinstance(b, list):
                i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
                x, y = a[i:i + 1], b[i:i + 1]
                if x and y and _labelled(x[0]) and _labelled(y[0]) and len(x[0]) == len(y[0]):
                    # a block: only what differs in it
                    x, y = ({x[0][j]: v[0][j + 1] for j in range(0, len(x[0]), 2)
                             if x[0][j + 1] != y[0][j + 1]} for v in (x, y))
                a, b = f"[{i}] {_short(x)} of {len(a)}", f"[{i}] {_short(y)} of {len(b)}"
            diffs.append((key[0], key, f"newsgrep {_short(a)} != Whoosh {_short(b)}"))
    return sorted(diffs, key=repr)


def _labelled(value) -> bool:
    return isinstance(value, tuple) and all(isinstance(k, str) for k in value[::2])


def _report(diffs: list[tuple], limit: int = 15) -> str:
    kinds = sorted({d[0] for d in diffs})
    lines = [f"{len(diffs)} differences, kinds {kinds}:"]
    lines += [f"  {key}: {what}" for _, key, what in diffs[:limit]]
    return "\n".join(lines)


def _queries(archive: Archive) -> list:
    from whoosh.query import DateRange

    top = archive.stems
    return [top[0], f"{top[1]} {top[3]}", f"{top[0]} OR {top[40]}", f'"{top[0]} {top[1]}"',
            f"{top[5]} -{top[2]}", "source:тасс", "section:спорт", "Ростове-на-Дону", "covid",
            f"title:{top[0]}", "tags:погода", "москва",
            DateRange("date", datetime(2005, 1, 1), datetime(2015, 6, 30))]



# ------------------------------------------------------------------ the two writers

def _toc_segments(directory: Path) -> list:
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    return TOC.read(FileStorage(str(directory)), "MAIN").segments


def _dump(directory: Path, schema, queries=None) -> dict:
    """The segments, and with ``queries`` what a searcher sees."""
    out = index_dump(directory, schema)
    if queries is not None:
        out.update(searcher_dump(directory, queries))
    return out


def build_ours(archive: Archive, directory: Path, jobs: int, schema, queries,
               queries1=None, update: bool = True, morphology: str = "stem"):
    """Index stage 1, then update to stage 2, with ``index_paths`` (what ``newsgrep
    index`` runs). Returns the dump of each stage (stage 1: the segments, and the
    searcher's with ``queries1``) and the document counts of the segments each run
    added (for Whoosh to cut its segments the same)."""
    archive.stage(1)
    index_paths([archive.root], directory, jobs=jobs, morphology=morphology)
    first = _toc_segments(directory)
    dump1 = _dump(directory, schema, queries1)
    if not update:
        return dump1, None, None
    archive.stage(2)
    index_paths([archive.root], directory, jobs=jobs, morphology=morphology)
    old = {s.segment_id() for s in first}
    now = _toc_segments(directory)
    assert old <= {s.segment_id() for s in now}, "the update merged segments"
    added = [s for s in now if s.segment_id() not in old]
    cuts = ([s.doc_count_all() for s in first], [s.doc_count_all() for s in added])
    return dump1, _dump(directory, schema, queries), cuts


def build_whoosh(archive: Archive, directory: Path, schema, cuts, queries, queries1=None,
                 morphology: str = "stem"):
    """The same documents through Whoosh's own IndexWriter, one writer per segment
    (no merging): stage 1, then an update that deletes the documents of the changed
    and deleted files by their ``file`` term and adds the changed and new files'."""
    from whoosh import index
    from whoosh.writing import NO_MERGE

    def add(ix, docs, sizes):
        assert sum(sizes) == len(docs), (sizes, len(docs))
        start = 0
        for size in sizes:
            with ix.writer() as w:
                w.mergetype = NO_MERGE
                for doc in docs[start:start + size]:
                    w.add_document(**doc)
            start += size

    archive.stage(1)
    directory.mkdir()
    # (a schema of its own: build_schema makes a new Positions32 class each time,
    # and a schema whose class is not the current one cannot be pickled into a TOC)
    ix = index.create_in(str(directory), _schema(morphology))
    add(ix, archive.documents(), cuts[0])
    dump1 = _dump(directory, schema, queries1)
    archive.stage(2)
    with ix.writer() as w:
        w.mergetype = NO_MERGE
        for name in archive.changed + archive.deleted:
            w.delete_by_term("file", str(archive.root / name))
    add(ix, archive.documents(archive.changed + archive.added), cuts[1])
    return dump1, _dump(directory, schema, queries)


def _schema(morphology: str = "stem"):
    from newsgrep.analysis import live_signature
    from newsgrep.engine.whoosh.schema import build_schema

    return build_schema(morphology, live_signature() if morphology == "lemma" else None)


# ------------------------------------------------------------------ the gate

VARIANTS = {
    # one process, one segment; postings spilled to runs and merged (as for any big
    # segment): the most frequent terms span 6-7 blocks
    "serial-spilling": (1, 800, {"spill_postings": 8000}, "stem"),
    # two worker processes; segments of at most 200 documents (files span segments)
    "workers": (2, 500, {"segment_docs": 200}, "stem"),
    # (lemma mode works here too, but costs seconds: pymorphy3 guesses every made-up
    # word; test_segments.py compares it on its fixtures)
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_segments_are_whooshs(tmp_path, monkeypatch, variant):
    jobs, n, limits, morphology = VARIANTS[variant]
    # (merging small segments is compared in test_segments.py; here it would make
    # the segments of the two indexes differ)
    settings = Settings(Limits(**limits, max_small_segments=1000))
    monkeypatch.setitem(globals(), "index_paths",
                        functools.partial(index_paths, settings=settings))
    spills = []
    spill = segments.SegmentBuilder.spill
    monkeypatch.setattr(segments.SegmentBuilder, "spill",
                        lambda self: spills.append(1) or spill(self))
    archive = Archive(tmp_path / "files", n)
    schema, queries = _schema(morphology), _queries(archive)
    ours1, ours2, cuts = build_ours(archive, tmp_path / "ours", jobs, schema, queries,
                                    morphology=morphology)
    theirs1, theirs2 = build_whoosh(archive, tmp_path / "whoosh", schema, cuts, queries,
                                    morphology=morphology)

    # the archive is what the gate needs (as Whoosh wrote it): several segments in
    # the workers' case, frequent terms over several blocks, weights that differ
    # within a block, documents without a date or a source, deletions, hits
    if variant == "workers":
        assert len(cuts[0]) >= 3 and len(cuts[1]) == 2
    elif variant == "serial-spilling":
        assert len(spills) >= 4  # (in this process: runs merged into one segment)
    blocks = [v for k, v in theirs1.items() if k[0] == "blocks" and k[2] == "body"]
    assert max(len(b) - 1 for b in blocks) >= max(2, max(cuts[0]) // 160)
    weights = [b[13] for bl in blocks for b in bl[:-1]]
    assert max(map(max, weights)) > 10 and max(len(set(w)) for w in weights) > 5
    dates = theirs2["searcher column", "date"][1]
    assert "(none)" in dates and len(set(dates)) > 150
    sources = theirs2["searcher column", "source"][1]
    assert "" in sources and len(set(sources)) > 3
    assert any(v for k, v in theirs1.items() if k[0] == "lengths" and k[-1] == "author")  # bylines
    assert theirs2["searcher doc count",][0] < theirs2["searcher doc count",][1]
    assert sum(1 for k in theirs2 if k[0] == "searcher results" and theirs2[k]) >= 10

    for stage, ours, theirs in ((1, ours1, theirs1), (2, ours2, theirs2)):
        diffs = differences(ours, theirs)
        assert not diffs, f"stage {stage}: " + _report(diffs)


# ------------------------------------------------------------------ the gate bites
# Each mutation corrupts newsgrep's writer in one way; the comparison must report
# a difference of the kinds named. (Whoosh's index is built once, before any.)

@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mutations")
    archive = Archive(tmp / "files", 200, seed=11)
    schema, queries = _schema(), _queries(archive)
    ours1, ours2, cuts = build_ours(archive, tmp / "ours", 1, schema, queries, queries)
    theirs = build_whoosh(archive, tmp / "whoosh", schema, cuts, queries, queries)
    # unmutated, the two agree (so what the mutations find, they caused)
    assert not differences(ours1, theirs[0]) + differences(ours2, theirs[1])
    return archive, schema, queries, theirs


def _mutated_plan(monkeypatch, change):
    plan = segments._plan

    def mutated(schema, *args):
        return [change(list(entry)) for entry in plan(schema, *args)]
    monkeypatch.setattr(segments, "_plan", mutated)


def _drop_columns(*names):
    def mutate(monkeypatch):
        def change(entry):  # (name, field, kind, scorable, stored, column, fastfn)
            if entry[0] in names:
                entry[5] = None
            return tuple(entry)
        _mutated_plan(monkeypatch, change)
    return mutate


def _unstore(name):
    def mutate(monkeypatch):
        def change(entry):
            if entry[0] == name:
                entry[4] = False
            return tuple(entry)
        _mutated_plan(monkeypatch, change)
    return mutate


def _block_header(change):
    """Rewrite the header (count, last id, max weight, compression, min length byte,
    max length byte) of every posting block newsgrep writes."""
    def mutate(monkeypatch):
        dumps = segments.dumps

        def mutated(obj, protocol=None):
            if protocol == 2 and isinstance(obj, tuple) and len(obj) == 6:
                obj = change(list(obj))
            return dumps(obj, protocol)
        monkeypatch.setattr(segments, "dumps", mutated)
    return mutate


def _terminfo(index, change):
    """Rewrite one field of every term info newsgrep writes (see ``_TI``)."""
    def mutate(monkeypatch):
        pack = segments._TERMINFO

        def mutated(*args):
            args = list(args)
            args[index] = change(args[index])
            return pack(*args)
        monkeypatch.setattr(segments, "_TERMINFO", mutated)
    return mutate


def _builder(change):
    """Change each SegmentBuilder after it is made."""
    def mutate(monkeypatch):
        init = segments.SegmentBuilder.__init__

        def mutated(self, *args, **kwargs):
            init(self, *args, **kwargs)
            change(self)
        monkeypatch.setattr(segments.SegmentBuilder, "__init__", mutated)
    return mutate


def _lengths_plus_one(builder):
    add_field = builder._perdoc.add_field
    builder._perdoc.add_field = lambda name, field, value, length: add_field(
        name, field, value, length + 1 if length else 0)


def _positions_plus_one(builder):
    # the positions of words that occur once in a document: most postings
    builder._one = [builder._one[p + 1] for p in range(len(builder._one) - 1)]


def _weights(monkeypatch):
    floats = list(segments._FLOATS)
    floats[2] = 3.0  # a word twice in a document weighs 3
    monkeypatch.setattr(segments, "_FLOATS", floats)


def _blocks_of_64(monkeypatch):
    monkeypatch.setattr(segments, "BLOCK", 64)


def _bad_hashes(monkeypatch):
    hashfn = segments.TermsWriter.add

    def add(self, key, value):
        hashfn(self, key, value)
        hashes, positions = self.buckets[self.hashfn(key) & 255]
        hashes[-1] ^= 1 << 9  # the bucket is right, the slot and hash are not
    monkeypatch.setattr(segments.TermsWriter, "add", add)


def _lost_deletions(monkeypatch):
    from newsgrep.engine.whoosh.commit import Committer

    monkeypatch.setattr(Committer, "delete_files", lambda self, paths: None)


# mutation -> (how, the kinds of difference it must show, whether it is about the update)
MUTATIONS = {
    "source and section columns dropped": (_drop_columns("source", "section"),
                                           {"column", "searcher column", "searcher groups"}, False),
    "date column dropped": (_drop_columns("date"), {"column", "searcher column"}, False),
    "url not stored": (_unstore("url"), {"stored", "searcher stored"}, False),
    "block max weight + 1": (_block_header(lambda h: h[:2] + [h[2] + 1] + h[3:]), {"blocks"},
                             False),
    "block min length byte = max": (_block_header(lambda h: h[:4] + [h[5], h[5]]), {"blocks"},
                                    False),
    "block count - 1": (_block_header(lambda h: [h[0] - 1] + h[1:]), {"blocks"}, False),
    "term info max weight + 1": (_terminfo(5, lambda w: w + 1), {"terminfo"}, False),
    "term info min length byte 0": (_terminfo(3, lambda b: 0), {"terminfo"}, False),
    "term info doc frequency + 1": (_terminfo(2, lambda n: n + 1),
                                    {"terminfo", "searcher results"}, False),
    "blocks of 64 postings": (_blocks_of_64, {"blocks"}, False),
    "weight 3 for 2 occurrences": (_weights, {"blocks", "terminfo", "searcher postings"}, False),
    "field lengths + 1": (_builder(_lengths_plus_one),
                          {"lengths", "field length", "searcher lengths", "searcher results"},
                          False),
    "positions + 1": (_builder(_positions_plus_one), {"blocks", "searcher postings"}, False),
    "term hash table wrong": (_bad_hashes, {"lookup", "searcher postings"}, False),
    "deletions of changed files lost": (_lost_deletions,
                                        {"searcher doc count", "searcher deleted"}, True),
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_the_gate_reports_a_corrupted_writer(reference, tmp_path, monkeypatch, mutation):
    archive, schema, queries, theirs = reference
    mutate, kinds, update = MUTATIONS[mutation]
    mutate(monkeypatch)
    # (what a searcher sees of stage 1 only where the mutation should show there)
    searcher1 = not update and any(k.startswith("searcher") for k in kinds)
    ours1, ours2, _ = build_ours(archive, tmp_path / "ours", 1, schema, queries,
                                 queries if searcher1 else None, update)
    diffs = differences(ours1, {k: v for k, v in theirs[0].items()
                                if searcher1 or not k[0].startswith("searcher")})
    if update:
        assert not diffs  # (stage 1 has no update to get wrong)
        diffs = differences(ours2, theirs[1])
    found = {d[0] for d in diffs}
    assert kinds <= found, _report(diffs)


def test_the_gate_ignores_what_may_differ(reference, tmp_path, monkeypatch):
    """Compression (none, another level, every block) and the pickle protocol of
    block data are newsgrep's choice: Whoosh reads them all the same."""
    archive, schema, queries, theirs = reference
    monkeypatch.setattr(segments, "COMPRESSION", 6)
    monkeypatch.setattr(segments, "COMPRESS_FROM", 0)
    monkeypatch.setattr(segments, "PROTOCOL", 2)
    ours1, _, _ = build_ours(archive, tmp_path / "ours", 1, schema, queries, queries, False)
    assert not differences(ours1, theirs[0])
