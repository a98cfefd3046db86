"""The fast segment writer gives the index Whoosh's own writer gives: same terms,
postings, positions, lengths, stored fields and scores."""
from __future__ import annotations

import pytest
from newsgrep.engine.whoosh.schema import document as _document
from newsgrep.articles import read_file
from newsgrep.engine.whoosh.schema import build_schema

from .conftest import FIXTURES

QUERIES = ["атака", "туристы", "Алматы", "мост OR турист", '"спасательной станции"',
           "title:мост", "source:sputnik", "path:headers", "Бишкек", "метель NOT мост",
           "Ростове-на-Дону", "Дону", '"Ростове на Дону"', "стали", '"руки мыла"', "идти",
           "author:силкина", 'author:"Юлия Зачетова"', "author:петров OR source:риа"]
MORPHOLOGIES = ["stem", "lemma"]


def _schema(morphology="stem"):
    from newsgrep.analysis import live_signature

    return build_schema(morphology, live_signature() if morphology == "lemma" else None)


def _docs():
    docs = []
    for path in sorted(FIXTURES.glob("articles/**/*.txt")):
        for article in read_file(path):
            docs.append(_document(article, str(path), 1, 2))
    extra = {"id": "x1", "file": "/x", "path": "/x/a.txt", "title": "Погода в Ростове-на-Дону",
             "body": "В Ростове-на-Дону тепло, а в Нур-Султане снег. " * 40 + "Атака атаки атак. "
                     "Стали мыть руки: руки мыла, шла домой, iPhone-версия.",
             "tags": "погода,юг"}
    byline = {"id": "x2", "file": "/x", "path": "/x/b.txt", "title": "Кино недели",
              "body": "МОСКВА, 2 дек - РИА Новости, Анастасия Силкина и Юлия Зачетова. Фильмы недели.",
              "source": "РИА Новости", "author": "Анастасия Силкина, Юлия Зачетова",
              "source_raw": "РИА Новости, Анастасия Силкина и Юлия Зачетова"}
    petrov = {"id": "x3", "file": "/x", "path": "/x/c.txt", "title": "Мост", "body": "Мост открыли.",
              "source": "Вечерний Бишкек", "author": "И. Петров"}
    assert any(doc.get("author") for doc in docs), "a fixture article names its author"
    return docs + [extra] * 3 + [byline, petrov, byline]


def _whoosh_index(directory, docs, morphology="stem"):
    from whoosh import index

    directory.mkdir()
    ix = index.create_in(str(directory), _schema(morphology))
    with ix.writer() as w:
        for doc in docs:
            w.add_document(**doc)
    return ix


def _our_index(directory, docs, spill_every=0, morphology="stem"):
    from whoosh import index
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    from newsgrep.engine.whoosh.segments import SegmentBuilder

    directory.mkdir()
    ix = index.create_in(str(directory), _schema(morphology))
    builder = SegmentBuilder(ix.schema, FileStorage(str(directory)))
    for n, doc in enumerate(docs, 1):
        builder.add(doc)
        if spill_every and n % spill_every == 0:
            builder.spill()
    segment = builder.finish()
    TOC(ix.schema, [segment], 1).write(ix.storage, ix.indexname)
    return index.open_dir(str(directory))


def _dump(ix):
    out = {}
    with ix.reader() as r:
        for fieldname, text in r.all_terms():
            m = r.postings(fieldname, text)
            items = []
            while m.is_active():
                items.append((m.id(), m.weight(), m.value()))
                m.next()
            out[fieldname, text] = (items, r.doc_frequency(fieldname, text),
                                    r.frequency(fieldname, text))
        for docnum in range(r.doc_count_all()):
            for f in ("title", "body", "path", "source", "author", "section"):
                out["len", docnum, f] = r.doc_field_length(docnum, f)
            out["stored", docnum] = r.stored_fields(docnum)
        for f in ("title", "body", "path", "author"):
            out["total", f] = r.field_length(f)
            out["minmax", f] = (r.min_field_length(f), r.max_field_length(f))
    return out


def _results(ix):
    from newsgrep.engine.whoosh.query import parse_query

    out = {}
    with ix.searcher() as s:
        for q in QUERIES:
            out[q] = [(hit.docnum, round(hit.score, 5)) for hit in s.search(parse_query(q, ix.schema), limit=None)]
    return out


@pytest.mark.parametrize("morphology", MORPHOLOGIES)
@pytest.mark.parametrize("spill_every,run_chunk", [(0, 1024), (1, 1024), (4, 1024), (4, 3)])
def test_same_index_as_whooshs_writer(tmp_path, monkeypatch, spill_every, run_chunk, morphology):
    from newsgrep.engine.whoosh import segments

    # (a run is written in chunks of records: small chunks make runs of several)
    monkeypatch.setattr(segments, "_RUN_CHUNK", run_chunk)
    docs = _docs()
    theirs = _whoosh_index(tmp_path / "whoosh", docs, morphology)
    ours = _our_index(tmp_path / "ours", docs, spill_every, morphology)
    a, b = _dump(theirs), _dump(ours)
    assert a.keys() == b.keys()
    assert a == b
    assert _results(theirs) == _results(ours)
    assert any(_results(ours).values())
    assert len(_results(ours)["author:силкина"]) == 2 and _results(ours)["author:петров OR source:риа"]


def test_merging_segments_gives_what_whooshs_merge_gives(tmp_path):
    from whoosh import index
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC
    from whoosh.writing import NO_MERGE

    from newsgrep.engine.whoosh.segments import SegmentBuilder

    docs = _docs()
    parts = [docs[:3], docs[3:6], docs[6:]]
    for name in ("whoosh", "ours"):
        (tmp_path / name).mkdir()
        ix = index.create_in(str(tmp_path / name), build_schema())
        for part in parts:
            with ix.writer() as w:
                w.mergetype = NO_MERGE
                for doc in part:
                    w.add_document(**doc)
        with ix.writer() as w:
            w.mergetype = NO_MERGE
            w.delete_document(1)
            w.delete_document(4)
    theirs = index.open_dir(str(tmp_path / "whoosh"))
    theirs.optimize()
    ours = index.open_dir(str(tmp_path / "ours"))
    builder = SegmentBuilder(ours.schema, FileStorage(str(tmp_path / "ours")))
    with ours.reader() as r:
        assert len(r.leaf_readers()) == 3
        for leaf, _ in r.leaf_readers():
            builder.add_reader(leaf, spill_postings=7)
    segment = builder.finish()
    TOC(ours.schema, [segment], 9).write(ours.storage, ours.indexname)
    ours = index.open_dir(str(tmp_path / "ours"))
    a, b = _dump(theirs), _dump(ours)
    assert a == b
    assert _results(theirs) == _results(ours)


@pytest.mark.parametrize("morphology", MORPHOLOGIES)
def test_search_results_on_real_news_are_those_of_whooshs_writer(tmp_path, shared, morphology):
    """Ranks, scores, snippets and spans on 300 corpus articles, built by newsgrep's
    parallel pipeline and by Whoosh's own writer from the same documents.

    In lemma mode, newsgrep's index highlights from its lexicon and the other
    (which has none) by analysing the articles: the spans must agree."""
    import subprocess
    import sys

    from newsgrep.indexing import index_paths
    from newsgrep.engine.whoosh.schema import IndexMeta
    from newsgrep.searching import search

    files = tmp_path / "files"
    subprocess.run([sys.executable, str(shared / "corpus" / "make_files.py"),
                    str(shared / "corpus" / "articles" / "ru_kw_eval_rt_ng.jsonl.gz"),
                    "-o", str(files), "--limit", "300", "--per-dir", "100"],
                   check=True, capture_output=True)
    ours = tmp_path / "ours"
    index_paths([files], ours, jobs=2, morphology=morphology)
    docs = []
    for path in sorted(files.rglob("*.txt")):
        for article in read_file(path):
            docs.append(_document(article, str(path), 1, 2))
    theirs = tmp_path / "theirs"
    _whoosh_index(theirs, docs, morphology)
    IndexMeta(morphology=morphology,
              morphology_signature=IndexMeta.load(ours).morphology_signature).save(theirs)
    queries = ["россия", "заявил", '"белый дом"', "санкции США", "title:путин", "nato OR нато",
               "президент -путин", "Москва", "ракета", "Сирии", "люди", "идти", "стали",
               '"стали известны"', "лучший"]
    for q in queries:
        a = search(ours, q, limit=20).hits
        b = search(theirs, q, limit=20).hits
        assert [(h.path, round(h.score, 4), h.snippet, h.spans, h.title_spans) for h in a] == \
               [(h.path, round(h.score, 4), h.snippet, h.spans, h.title_spans) for h in b], q
    assert sum(len(search(ours, q, limit=20).hits) for q in queries) > 50


def test_terms_writer_writes_whooshs_terms_file(tmp_path):
    """The compact terms table is byte for byte Whoosh's, and reads back."""
    import random

    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.filetables import OrderedHashReader, OrderedHashWriter

    from newsgrep.engine.whoosh.segments import TermsWriter

    rng = random.Random(7)
    keys = sorted({bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12)))
                   for _ in range(5000)})
    items = [(k, b"v%d" % i * (i % 3)) for i, k in enumerate(keys)]
    storage = FileStorage(str(tmp_path))
    for name, cls in (("whoosh.trm", OrderedHashWriter), ("ours.trm", TermsWriter)):
        writer = cls(storage.create_file(name))
        writer.extras["fieldmap"] = {"body": 0}
        for key, value in items:
            writer.add(key, value)
        writer.close()
    assert (tmp_path / "ours.trm").read_bytes() == (tmp_path / "whoosh.trm").read_bytes()
    reader = OrderedHashReader(storage.open_file("ours.trm"))
    assert all(reader[key] == value for key, value in items)
    assert reader.closest_key(keys[100] + b"\0") == keys[101]
    with pytest.raises(ValueError):
        TermsWriter(storage.create_file("bad.trm")).add(b"", b"x")


def test_schemas_share_one_positions_format_class():
    """Two schemas built in one process pickle: their format class is the module's one."""
    import pickle

    from newsgrep.engine.whoosh.schema import build_schema

    first, second = build_schema(), build_schema()
    assert type(first["body"].format) is type(second["body"].format)
    pickle.loads(pickle.dumps(first))
    pickle.loads(pickle.dumps(second))
