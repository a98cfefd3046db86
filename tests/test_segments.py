"""The fast segment writer gives the index Whoosh's own writer gives: same terms,
postings, positions, lengths, stored fields and scores."""
from __future__ import annotations

import pytest
from newsgrep.indexing import _document
from newsgrep.articles import read_file
from newsgrep.schema import build_schema

from .conftest import FIXTURES

QUERIES = ["атака", "туристы", "Алматы", "мост OR турист", '"спасательной станции"',
           "title:мост", "source:sputnik", "path:headers", "Бишкек", "метель NOT мост",
           "Ростове-на-Дону", "Дону", '"Ростове на Дону"']


def _docs():
    docs = []
    for path in sorted(FIXTURES.glob("articles/**/*.txt")):
        for article in read_file(path):
            docs.append(_document(article, str(path), 1, 2))
    extra = {"id": "x1", "file": "/x", "path": "/x/a.txt", "title": "Погода в Ростове-на-Дону",
             "body": "В Ростове-на-Дону тепло, а в Нур-Султане снег. " * 40 + "Атака атаки атак.",
             "tags": "погода,юг"}
    return docs + [extra] * 3


def _whoosh_index(directory, docs):
    from whoosh import index

    directory.mkdir()
    ix = index.create_in(str(directory), build_schema())
    with ix.writer() as w:
        for doc in docs:
            w.add_document(**doc)
    return ix


def _our_index(directory, docs, spill_every=0):
    from whoosh import index
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    from newsgrep.segments import SegmentBuilder

    directory.mkdir()
    ix = index.create_in(str(directory), build_schema())
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
            for f in ("title", "body", "path", "source", "section"):
                out["len", docnum, f] = r.doc_field_length(docnum, f)
            out["stored", docnum] = r.stored_fields(docnum)
        for f in ("title", "body", "path"):
            out["total", f] = r.field_length(f)
            out["minmax", f] = (r.min_field_length(f), r.max_field_length(f))
    return out


def _results(ix):
    from newsgrep.searching import parse_query

    out = {}
    with ix.searcher() as s:
        for q in QUERIES:
            out[q] = [(hit.docnum, round(hit.score, 5)) for hit in s.search(parse_query(q, ix.schema), limit=None)]
    return out


@pytest.mark.parametrize("spill_every", [0, 1, 4])
def test_same_index_as_whooshs_writer(tmp_path, spill_every):
    docs = _docs()
    theirs = _whoosh_index(tmp_path / "whoosh", docs)
    ours = _our_index(tmp_path / "ours", docs, spill_every)
    a, b = _dump(theirs), _dump(ours)
    assert a.keys() == b.keys()
    assert a == b
    assert _results(theirs) == _results(ours)
    assert any(_results(ours).values())
