"""``stats`` figures kept at commit time: the same as counting every stored document."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest

import newsgrep
from newsgrep.engine.whoosh import figures
from newsgrep.engine.whoosh.schema import open_index
from newsgrep.indexing import index_paths

from .conftest import FIXTURES


def _write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))


def _bump_mtime(path, seconds):
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 10**9))


def scanned(ix_dir) -> dict:
    """The figures as ``stats`` counted them before: every stored document read."""
    ix, _ = open_index(ix_dir)
    sources, sections, encodings = Counter(), Counter(), Counter()
    dates, undated = [], 0
    with ix.searcher() as s:
        for stored in s.all_stored_fields():
            sources[stored.get("source") or "(none)"] += 1
            if stored.get("section"):
                sections[stored["section"]] += 1
            encodings[stored.get("encoding") or "(none)"] += 1
            if stored.get("date") is None:
                undated += 1
            else:
                dates.append(stored["date"])
        n = s.doc_count()
    return {"articles": n, "undated": undated,
            "first_date": min(dates).isoformat() if dates else None,
            "last_date": max(dates).isoformat() if dates else None,
            "sources": list(sources.most_common()), "sections": list(sections.most_common()),
            "encodings": list(encodings.most_common())}


def kept(ix_dir) -> dict:
    with newsgrep.open_archive(ix_dir) as archive:
        st = archive.stats()
    return {"articles": st["articles"], "undated": st["undated"],
            "first_date": st["first_date"], "last_date": st["last_date"],
            "sources": list(st["sources"].items()), "sections": list(st["sections"].items()),
            "encodings": list(st["encodings"].items())}


@pytest.fixture
def no_scan(monkeypatch):
    """Reading stored documents for the figures fails the test."""
    def fail(reader):
        raise AssertionError("stats read the stored documents")
    monkeypatch.setattr(figures, "segment_figures", fail)


def test_figures_are_kept_through_updates_removals_and_merges(tmp_path, monkeypatch):
    from newsgrep.indexing.settings import MAX_SMALL_SEGMENTS

    docs, ix = tmp_path / "docs", tmp_path / "ix"
    _write(docs / "a.txt", "Заголовок\n\nИсточник: РИА Новости\nДата: 2022-03-01\n\nТекст про атаку.\n")
    _write(docs / "b.txt", "Старый заголовок\n\nТекст без даты.\n", "cp1251")
    index_paths([FIXTURES / "articles", docs], ix)
    assert [n for n in os.listdir(ix) if n.startswith(figures.FIGURES_PREFIX)] == [
        figures.figures_name(1)]
    expected = scanned(ix)
    assert expected["articles"] > 5 and expected["undated"] >= 1
    assert kept(ix) == expected

    for run in range(MAX_SMALL_SEGMENTS + 3):  # updates, then merges of small segments
        _write(docs / "a.txt", f"Заголовок {run}\n\nИсточник: ТАСС\nДата: 2023-0{run % 9 + 1}-01"
                               f"\n\nТекст, правка {run}.\n")
        _bump_mtime(docs / "a.txt", run + 1)
        _write(docs / f"new{run}.txt", f"Новый {run}\n\nТекст {run}.\n")
        index_paths([FIXTURES / "articles", docs], ix)
        with monkeypatch.context() as m:
            m.setattr(figures, "segment_figures", _fail)
            assert kept(ix) == scanned(ix), run
    (docs / "b.txt").unlink()
    for run in range(3):
        (docs / f"new{run}.txt").unlink()
    index_paths([FIXTURES / "articles", docs], ix)
    with monkeypatch.context() as m:
        m.setattr(figures, "segment_figures", _fail)
        after = kept(ix)
    assert after == scanned(ix)
    assert after["articles"] == expected["articles"] + MAX_SMALL_SEGMENTS + 3 - 4
    assert dict(after["encodings"]).get("cp1251") is None
    assert len([n for n in os.listdir(ix) if n.startswith(figures.FIGURES_PREFIX)]) == 1


def _fail(reader):
    raise AssertionError("stats read the stored documents")


def test_an_archive_without_figures_is_counted_as_before(tmp_path):
    ix = tmp_path / "ix"
    index_paths([FIXTURES / "articles"], ix)
    for name in os.listdir(ix):
        if name.startswith(figures.FIGURES_PREFIX):
            (ix / name).write_bytes(b"garbage")  # unreadable: counted again
    assert kept(ix) == scanned(ix)
    for name in os.listdir(ix):
        if name.startswith(figures.FIGURES_PREFIX):
            (ix / name).unlink()
    assert kept(ix) == scanned(ix)


def test_a_commit_counts_its_new_segments(tmp_path, no_scan):
    ix = tmp_path / "ix"
    with pytest.raises(AssertionError):  # a commit counts new segments
        index_paths([FIXTURES / "articles"], ix)


def test_an_empty_archive(tmp_path):
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    _write(docs / "a.txt", "Заголовок\n\nТекст.\n")
    index_paths([docs], ix)
    (docs / "a.txt").unlink()
    index_paths([docs], ix)
    assert kept(ix) == scanned(ix) == {"articles": 0, "undated": 0, "first_date": None,
                                       "last_date": None, "sources": [], "sections": [],
                                       "encodings": []}


def test_values_equal_in_count_keep_the_order_a_scan_meets_them(tmp_path, monkeypatch):
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    for i, (source, section, day) in enumerate([("Альфа", "Спорт", 1), ("Бета", "Мир", 5),
                                                ("Бета", "Мир", 6), ("Альфа", "Спорт", 7),
                                                ("Альфа", "Спорт", 9)]):
        _write(docs / f"f{i}.txt", f"Заголовок: Статья {i}\nДата: {day} апреля 2022\n"
                                   f"Источник: {source}\nРубрика: {section}\n\nТекст {i}.\n")
    index_paths([docs], ix)
    assert kept(ix) == scanned(ix)
    assert kept(ix)["sources"] == [("Альфа", 3), ("Бета", 2)]
    # The first Альфа goes (and with it the first date), then the last date: Бета is met
    # first now, and the range shrinks at both ends.
    (docs / "f0.txt").unlink()
    index_paths([docs], ix)
    with monkeypatch.context() as m:
        m.setattr(figures, "segment_figures", _fail)
        after = kept(ix)
    assert after == scanned(ix)
    assert after["sources"] == [("Бета", 2), ("Альфа", 2)]
    assert after["first_date"].startswith("2022-04-05")
    (docs / "f4.txt").unlink()
    index_paths([docs], ix)
    with monkeypatch.context() as m:
        m.setattr(figures, "segment_figures", _fail)
        after = kept(ix)
    assert after == scanned(ix) and after["last_date"].startswith("2022-04-07")


def test_stats_reads_the_commits_figures_without_opening_the_index(tmp_path):
    ix = tmp_path / "ix"
    index_paths([FIXTURES / "articles"], ix)
    code = ("import json, sys, newsgrep\n"
            "with newsgrep.open_archive(sys.argv[1]) as archive:\n"
            "    st = archive.stats()\n"
            "print(json.dumps([st, sorted(m for m in sys.modules if m.startswith('whoosh'))]))")
    out = subprocess.run([sys.executable, "-c", code, str(ix)], capture_output=True, text=True,
                         check=True)
    st, whoosh_modules = json.loads(out.stdout)
    assert whoosh_modules == [] and st["articles"] == 5
    with newsgrep.open_archive(ix) as archive:
        assert archive.engine.ix is not None  # opened: summed over its reader's segments
        assert archive.stats() == st


def test_an_archive_that_does_not_say_whether_it_keeps_authors_is_opened_to_tell(tmp_path):
    ix = tmp_path / "ix"
    index_paths([FIXTURES / "articles"], ix)
    meta = json.loads((ix / "newsgrep.json").read_text(encoding="utf-8"))
    assert meta["authors"] is True  # recorded by the run
    for recorded in (False, None):  # what the meta says, else what the schema says
        meta["authors"] = recorded
        (ix / "newsgrep.json").write_text(json.dumps(meta), encoding="utf-8")
        with newsgrep.open_archive(ix) as archive:
            assert archive.info().has_authors is (recorded is None)
