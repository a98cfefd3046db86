"""The id column (engine/whoosh/schema.py, docsets.segment_ids): the ids of many matches
(``-c --unique``, ``--by ... --unique``, ``--timeline --unique``) come from a column, not
from each article's stored fields; the same ids and counts as the stored fields give, and
an archive built before the column existed still answers (from its stored fields)."""
from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from newsgrep.archive import DateFilter, open_archive
from newsgrep.indexing import index_paths

from .test_docsets import DATES, QUERIES
from .test_reprint_groups import COPY_LATE, COPY_LEAD, COPY_TASS, LIB, ORIGINAL, OTHER

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
BY = (None, "date", "source", "author", "section")


def _news(folder: Path) -> Path:
    """The samples and a reprinted story (four copies of it) in ``folder``."""
    shutil.copytree(SAMPLES, folder)
    for name, text in [("ria.txt", ORIGINAL), ("tass.txt", COPY_TASS), ("lead.txt", COPY_LEAD),
                       ("late.txt", COPY_LATE), ("other.txt", OTHER), ("lib.txt", LIB)]:
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _two_runs(news: Path, ix: Path) -> None:
    """Two runs: the second changes one file and removes another (two segments, deletions)."""
    index_paths([news], ix)
    texts = sorted(news.rglob("*.txt"))
    texts[0].write_text("Алматы и Бишкек\n\nНовая статья про Алматы и атака дрона.\n",
                        encoding="utf-8")
    texts[1].unlink()
    index_paths([news], ix)


@pytest.fixture(scope="module")
def archives(tmp_path_factory) -> tuple[Path, Path]:
    """``(with the column, without it: as built before newsgrep kept one)``, of the same
    files in the same two runs."""
    tmp = tmp_path_factory.mktemp("idcolumn")
    new = tmp / "new"
    _two_runs(_news(tmp / "news_new"), new)
    mp = pytest.MonkeyPatch()
    try:
        from newsgrep.indexing import run

        original = run.build_schema

        def old_schema(*args, **kwargs):
            schema = original(*args, **kwargs)
            schema["id"].column_type = None  # (the id field before the column)
            return schema
        mp.setattr(run, "build_schema", old_schema)
        old = tmp / "old"
        _two_runs(_news(tmp / "news_old"), old)
    finally:
        mp.undo()
    return new, old


def _stored_path(engine, spec, by) -> Counter:
    """``(id, value)`` pairs walked with Whoosh's matchers and the stored fields."""
    from whoosh.util.times import long_to_datetime

    from newsgrep.engine.whoosh.engine import NO_DATE

    docs = engine._docnums(spec)
    ids = [engine.reader.stored_fields(d)["id"] for d in docs]
    if by is None:
        return Counter((i, None) for i in ids)
    if by == "date":
        col = engine.reader.column_reader("date", translate=False)
        return Counter((i, None if col[d] >= NO_DATE else long_to_datetime(col[d]))
                       for i, d in zip(ids, docs))
    col = engine.reader.column_reader(by, translate=True)
    return Counter((i, col[d] or None) for i, d in zip(ids, docs))


def test_each_segment_has_the_id_column_and_it_holds_the_stored_ids(archives):
    from newsgrep.engine.whoosh.docsets import segment_ids
    from newsgrep.engine.whoosh.schema import has_id_column

    new, old = archives
    with open_archive(new) as a:
        assert has_id_column(a.engine.schema)
        leaves = a.engine.reader.leaf_readers()
        assert len(leaves) > 1
        for reader, _ in leaves:
            assert reader.has_column("id")
            docs = list(range(reader.doc_count_all()))
            assert segment_ids(reader, docs) == [reader.stored_fields(d)["id"] for d in docs]
    with open_archive(old) as a:
        assert not has_id_column(a.engine.schema)
        assert not any(r.has_column("id") for r, _ in a.engine.reader.leaf_readers())


@pytest.mark.parametrize("which", [0, 1], ids=["column", "old-archive"])
def test_ids_and_values_are_those_of_the_stored_fields(archives, which):
    with open_archive(archives[which]) as a:
        e = a.engine
        assert e.reader.has_deletions()
        found = 0
        for text in QUERIES:
            for since, until in DATES:
                spec = DateFilter(since, until).spec(text)
                for by in BY:
                    pairs = e.id_values(spec, by)
                    assert Counter(pairs) == _stored_path(e, spec, by), (text, by)
                    found += bool(pairs)
        assert found > len(QUERIES)


def test_story_counts_are_the_same_with_and_without_the_column(archives):
    new, old = archives
    with open_archive(new) as a, open_archive(old) as b:
        assert len(a.reprint_groups()) > 0
        # (the second run removed lead.txt and rewrote late.txt: ria and tass are one story)
        assert a.count("мост", unique=True) == b.count("мост", unique=True) == 4
        assert a.count("мост") == b.count("мост") == 5
        for text in ("мост", "Алматы", "мост OR Алматы", "NOT Алматы"):
            assert a.count(text, unique=True) == b.count(text, unique=True), text
            for by in ("source", "section", "day", "month"):
                assert a.group_counts(text, by, unique=True) == \
                    b.group_counts(text, by, unique=True), (text, by)
            assert a.timeline(text, "day", unique=True) == b.timeline(text, "day", unique=True)


def test_an_old_archive_stays_without_the_column_and_checks_clean(archives, tmp_path):
    from newsgrep.engine.whoosh.schema import has_id_column

    _, old = archives
    copy = tmp_path / "old"
    shutil.copytree(old, copy)
    news = tmp_path / "more"
    news.mkdir()
    (news / "x.txt").write_text(ORIGINAL.replace("РИА Новости", "Интерфакс"), encoding="utf-8")
    index_paths([news], copy)  # (an incremental run keeps the archive's own schema)
    with open_archive(copy) as a:
        assert not has_id_column(a.engine.schema)
        assert a.count("мост", unique=True) == 4 and a.count("мост") == 6
        assert a.check() == []
        assert a.stats()["articles"] == a.count("NOT ыврапролджэ")


def test_a_merge_under_the_new_schema_fills_the_column_from_the_stored_ids(archives, tmp_path):
    """Segments written without the column, merged by a builder whose schema has it
    (segments.SegmentBuilder.add_reader): the column holds each article's stored id."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    from newsgrep.engine.whoosh.docsets import segment_ids
    from newsgrep.engine.whoosh.schema import _index, _storage, build_schema
    from newsgrep.engine.whoosh.segments import SegmentBuilder

    _, old = archives
    copy = tmp_path / "old"
    shutil.copytree(old, copy)
    ix = _index(_storage(copy), copy)
    schema = build_schema("stem")
    builder = SegmentBuilder(schema, FileStorage(str(copy)))
    with ix.reader() as r:
        expected = sorted(r.stored_fields(d)["id"] for d in r.all_doc_ids())
        for leaf, _ in r.leaf_readers():
            builder.add_reader(leaf)
    segment = builder.finish()
    TOC(schema, [segment], ix.latest_generation() + 1).write(ix.storage, ix.indexname)
    with _index(_storage(copy), copy).reader() as r:
        assert r.has_column("id") and not r.has_deletions()
        docs = list(range(r.doc_count_all()))
        assert segment_ids(r, docs) == [r.stored_fields(d)["id"] for d in docs]
        assert sorted(segment_ids(r, docs)) == expected
