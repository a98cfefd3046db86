"""Incremental runs: exactly the right files are read, and exactly the right documents stay."""
from __future__ import annotations

import functools
import os

import pytest

from newsgrep.engine.whoosh.commit import load_state
from newsgrep.indexing import Limits, Settings, index_paths
from newsgrep.indexing import index_paths as _index_paths
from newsgrep.engine.whoosh.schema import open_index
from newsgrep.searching import count


def _write(path, title, body="Текст."):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def _bump_mtime(path, seconds=5):
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 10**9))


def _documents(ix_dir) -> dict[str, int]:
    """path -> number of live documents from it."""
    ix, _ = open_index(ix_dir)
    out: dict[str, int] = {}
    with ix.searcher() as s:
        for stored in s.all_stored_fields():
            out[stored["path"]] = out.get(stored["path"], 0) + 1
    return out


def _counts(report):
    return report.added, report.updated, report.removed, report.unchanged


@pytest.fixture(params=[1, 2], ids=["in-process", "two-workers"])
def jobs(request):
    return request.param


def test_touched_added_deleted_and_identical_files(tmp_path, jobs):
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    for i in range(6):
        _write(docs / f"d{i % 2}" / f"a{i}.txt", f"Статья {i}", f"про атаку номер {i}")
    first = index_paths([docs], ix, jobs=jobs)
    assert _counts(first) == (6, 0, 0, 0) and first.total == 6

    # Nothing changed: nothing is read.
    assert _counts(index_paths([docs], ix, jobs=jobs)) == (0, 0, 0, 6)

    # Touched, same content: not re-indexed, and not even re-hashed next time.
    _bump_mtime(docs / "d0" / "a0.txt")
    report = index_paths([docs], ix, jobs=jobs)
    assert _counts(report) == (0, 0, 0, 6) and report.articles == 0
    state = load_state(ix, open_index(ix)[0])
    st = os.stat(docs / "d0" / "a0.txt")
    assert state[str(docs / "d0" / "a0.txt")][:2] == (st.st_size, st.st_mtime_ns)

    # Changed content (same size, new mtime), a new file, a deleted file.
    _write(docs / "d1" / "a1.txt", "Статья 1", "про мосты номер 1")
    _bump_mtime(docs / "d1" / "a1.txt")
    _write(docs / "d1" / "new.txt", "Новая", "про погоду")
    (docs / "d0" / "a2.txt").unlink()
    report = index_paths([docs], ix, jobs=jobs)
    assert _counts(report) == (1, 1, 1, 4) and report.articles == 2 and report.total == 6
    assert _documents(ix) == {str(p): 1 for p in docs.rglob("*.txt")}
    assert count(ix, "мост") == 1 and count(ix, "погода") == 1
    assert count(ix, "атака") == 4  # a1 no longer mentions it, a2 is gone

    # A folder removed: its files' documents go.
    for p in (docs / "d1").iterdir():
        p.unlink()
    (docs / "d1").rmdir()
    report = index_paths([], ix, jobs=jobs)  # the remembered roots
    assert _counts(report) == (0, 0, 4, 2)  # a1, a3, a5, new.txt
    assert _documents(ix) == {str(p): 1 for p in docs.rglob("*.txt")}


def test_files_outside_the_given_roots_are_kept(tmp_path):
    a, b, ix = tmp_path / "a", tmp_path / "b", tmp_path / "ix"
    _write(a / "1.txt", "Один")
    _write(b / "2.txt", "Два")
    index_paths([a, b], ix)
    (b / "2.txt").unlink()
    report = index_paths([a], ix)  # b is not refreshed in this run
    assert _counts(report) == (0, 0, 0, 1) and report.total == 2
    report = index_paths([], ix)  # both remembered roots
    assert _counts(report) == (0, 0, 1, 1) and report.total == 1


def test_rebuild_replaces_everything_at_once(tmp_path):
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    _write(docs / "a.txt", "Первая", "про атаку")
    _write(docs / "b.txt", "Вторая", "про мост")
    index_paths([docs], ix)
    (docs / "b.txt").unlink()
    report = index_paths([docs], ix, rebuild=True, jobs=2)
    assert (report.added, report.total) == (1, 1)
    assert _documents(ix) == {str(docs / "a.txt"): 1}
    names = os.listdir(ix)
    assert len([n for n in names if n.endswith(".toc")]) == 1
    assert len([n for n in names if n.startswith("newsgrep-files-")]) == 1
    assert not [n for n in names if n.startswith(".newsgrep-tmp")]


def test_many_runs_keep_exactly_one_document_per_file(tmp_path):
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    for run in range(4):
        for i in range(3):
            _write(docs / f"{i}.txt", f"Заголовок {i}", f"версия {run} " * (run + 1))
            _bump_mtime(docs / f"{i}.txt", run + 1)
        report = index_paths([docs], ix)
        assert report.total == 3
    assert _documents(ix) == {str(docs / f"{i}.txt"): 1 for i in range(3)}
    assert count(ix, "версия") == 3


def test_small_segments_of_many_runs_are_merged(tmp_path):
    from newsgrep.indexing.settings import MAX_SMALL_SEGMENTS

    docs, ix = tmp_path / "docs", tmp_path / "ix"
    for i in range(5):
        _write(docs / f"{i}.txt", f"Заголовок {i}", "про атаку")
    index_paths([docs], ix)
    for run in range(MAX_SMALL_SEGMENTS + 3):
        _write(docs / f"{run % 5}.txt", f"Заголовок {run % 5}", f"про атаку, правка {run}")
        _bump_mtime(docs / f"{run % 5}.txt", run + 1)
        assert index_paths([docs], ix).updated == 1
        whoosh_ix, _ = open_index(ix)
        assert len(whoosh_ix._segments()) <= MAX_SMALL_SEGMENTS + 1
        assert _documents(ix) == {str(docs / f"{i}.txt"): 1 for i in range(5)}
        assert count(ix, "атака") == 5 and count(ix, "правка") == min(run + 1, 5)


def test_a_big_run_merges_the_small_segments_of_its_first_commits(tmp_path):
    """A run that wrote as many documents as MAX_SMALL_SEGMENTS small segments hold
    merges the small ones at its end (a first build's first commits: 1, 2, 4 articles
    here), though they are not too many; the next small run then merges nothing."""
    from newsgrep.indexing.settings import MAX_SMALL_SEGMENTS

    limits = Limits(commit_articles=1, segment_docs=16)  # small: under 8 documents
    index_paths = functools.partial(_index_paths, settings=Settings(limits))
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    n = MAX_SMALL_SEGMENTS * 8 + 12
    for i in range(n):
        _write(docs / f"{i:03d}.txt", f"Статья {i}", "про атаку")
    assert index_paths([docs], ix, jobs=1).total == n
    whoosh_ix, _ = open_index(ix)
    assert whoosh_ix.latest_generation() >= 6  # (committed as it went)
    sizes = [s.doc_count_all() for s in whoosh_ix._segments()]
    assert sum(sizes) == n and len([k for k in sizes if k < 8]) <= 1, sizes
    assert _documents(ix) == {str(docs / f"{i:03d}.txt"): 1 for i in range(n)}
    assert count(ix, "атака") == n

    before = {s.segment_id() for s in whoosh_ix._segments()}
    _write(docs / "000.txt", "Статья 0", "про мост")
    _bump_mtime(docs / "000.txt")
    assert index_paths([docs], ix, jobs=1).updated == 1
    assert before <= {s.segment_id() for s in open_index(ix)[0]._segments()}
    assert count(ix, "атака") == n - 1 and count(ix, "мост") == 1


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_rebuild_writes_full_segments(tmp_path, jobs):
    """A rebuild commits once, at its end: its segments are full (but each worker's last),
    not those of a run that commits as it goes (by time here: one article each)."""
    # (small segments never merged here: what each run wrote stays as it wrote it)
    limits = Limits(commit_articles=1, segment_docs=16, max_small_segments=1000,
                    commit_seconds=0.0)  # (a run that commits as it goes: every file)
    index_paths = functools.partial(_index_paths, settings=Settings(limits))
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    n = 70
    for i in range(n):
        _write(docs / f"{i:03d}.txt", f"Статья {i}", "про атаку")
    index_paths([docs], ix, jobs=jobs)
    first = sorted(s.doc_count_all() for s in open_index(ix)[0]._segments())
    assert max(first) == 1, first  # (the premise)
    assert index_paths([docs], ix, jobs=jobs, rebuild=True).total == n
    sizes = [s.doc_count_all() for s in open_index(ix)[0]._segments()]
    assert sum(sizes) == n and len([k for k in sizes if k < 16]) <= jobs, sizes
    assert _documents(ix) == {str(docs / f"{i:03d}.txt"): 1 for i in range(n)}
    assert count(ix, "атака") == n


def test_a_run_with_nothing_to_do_rewrites_no_segment(tmp_path):
    """Segments a merge cannot combine (two would not fit in one) are not merged again
    by every later run: an archive past ten segments' worth of articles re-wrote them all."""
    from newsgrep.indexing.settings import MAX_SMALL_SEGMENTS

    index_paths = functools.partial(_index_paths, settings=Settings(Limits(segment_docs=4)))
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    for run in range(MAX_SMALL_SEGMENTS + 2):  # a segment of 3 articles per run
        _write_records(docs / f"{run}.jsonl", [(f"r{run}-{i}", f"Заголовок {run} {i}", "про атаку")
                                               for i in range(3)])
        index_paths([docs], ix)
    before = sorted(s.segment_id() for s in open_index(ix)[0]._segments())
    assert index_paths([docs], ix).unchanged == MAX_SMALL_SEGMENTS + 2
    assert sorted(s.segment_id() for s in open_index(ix)[0]._segments()) == before
    assert count(ix, "атака") == 3 * (MAX_SMALL_SEGMENTS + 2)


def test_a_few_changed_articles_do_not_make_a_segment_small(tmp_path):
    """A segment is small (merged) by the documents it holds, not the live ones: a run
    that changes one article in each of many segments just over the bar re-writes none
    of them (at 1.1M articles a 1% change re-wrote most of the archive). A segment whose
    documents were mostly deleted is small."""
    from newsgrep.indexing.settings import MAX_SMALL_SEGMENTS

    index_paths = functools.partial(_index_paths, settings=Settings(Limits(segment_docs=8)))
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    runs = MAX_SMALL_SEGMENTS + 2
    for run in range(runs):  # a segment of 4 articles (the bar: half of 8) per run, 4 files
        for f in range(4):
            _write_records(docs / f"{run}" / f"{f}.jsonl",
                           [(f"r{run}-{f}", f"Заголовок {run} {f}", "про атаку")])
        index_paths([docs], ix)
    segments = {s.segment_id() for s in open_index(ix)[0]._segments()}
    assert len(segments) == runs
    for run in range(runs - 1):  # one article of each segment but one changes
        _write_records(docs / f"{run}" / "0.jsonl", [(f"r{run}-0", f"Новый {run}", "про мост")])
    assert index_paths([docs], ix).updated == runs - 1
    assert segments <= {s.segment_id() for s in open_index(ix)[0]._segments()}
    assert count(ix, "атака") == 3 * (runs - 1) + 4 and count(ix, "мост") == runs - 1
    for run in range(runs - 1):  # now most of each: those segments are small, and merged
        for f in (1, 2):
            _write_records(docs / f"{run}" / f"{f}.jsonl",
                           [(f"r{run}-{f}", f"Новый {run} {f}", "про мост")])
    index_paths([docs], ix)
    assert len(segments & {s.segment_id() for s in open_index(ix)[0]._segments()}) == 1
    assert count(ix, "атака") == (runs - 1) + 4 and count(ix, "мост") == 3 * (runs - 1)


def _write_records(path, records):
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"id": key, "title": title, "text": body},
                                       ensure_ascii=False) + "\n"
                            for key, title, body in records), encoding="utf-8")


def _keys_in_order(ix_dir) -> list[tuple[str, str]]:
    """(path, key) of each live document, in document order."""
    ix, _ = open_index(ix_dir)
    with ix.searcher() as s:
        return [(stored["path"], stored["key"]) for stored in s.all_stored_fields()]


def test_a_file_bigger_than_a_segment_spans_several_committed_together(tmp_path, monkeypatch,
                                                                       jobs):
    index_paths = functools.partial(_index_paths, settings=Settings(Limits(segment_docs=3)))
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    big = docs / "b" / "big.jsonl"
    records = [(f"r{i}", f"Заголовок {i}", f"про атаку номер {i}" + (" и мост" if i % 2 else ""))
               for i in range(10)]
    _write_records(big, records)
    _write(docs / "a" / "one.txt", "Один", "про атаку")
    _write(docs / "c" / "two.txt", "Два", "про погоду")
    first = index_paths([docs], ix, jobs=jobs)
    assert _counts(first) == (3, 0, 0, 0) and first.articles == 12 and first.total == 12
    whoosh_ix, _ = open_index(ix)
    assert len(whoosh_ix._segments()) >= 4  # 10 documents of big.jsonl, 3 to a segment
    assert all(s.doc_count_all() <= 3 for s in whoosh_ix._segments())
    # Every document once, in walk order and the file's order; the same from a rebuild.
    expected = ([(str(docs / "a" / "one.txt"), "")] + [(str(big), key) for key, *_ in records]
                + [(str(docs / "c" / "two.txt"), "")])
    assert _keys_in_order(ix) == expected
    assert count(ix, "атака") == 11 and count(ix, "мост") == 5 and count(ix, "погода") == 1
    assert index_paths([docs], ix, jobs=jobs, rebuild=True).total == 12
    assert _keys_in_order(ix) == expected

    # The file changes: fewer records, one rewritten; exactly the new ones stay.
    records = records[:6]
    records[2] = ("r2", "Заголовок 2", "про снег")
    _write_records(big, records)
    _bump_mtime(big)
    report = index_paths([docs], ix, jobs=jobs)
    assert _counts(report) == (0, 1, 0, 2) and report.articles == 6 and report.total == 8
    assert sorted(_keys_in_order(ix)) == sorted(
        [(str(docs / "a" / "one.txt"), ""), (str(docs / "c" / "two.txt"), "")]
        + [(str(big), key) for key, *_ in records])
    assert count(ix, "атака") == 6 and count(ix, "снег") == 1 and count(ix, "мост") == 3

    # The file goes: so do all its documents, in every segment.
    big.unlink()
    report = index_paths([docs], ix, jobs=jobs)
    assert _counts(report) == (0, 0, 1, 2) and report.total == 2
    assert _documents(ix) == {str(docs / "a" / "one.txt"): 1, str(docs / "c" / "two.txt"): 1}
    assert count(ix, "атака") == 1 and count(ix, "снег") == 0


def test_long_articles_end_a_segment_by_its_runs(tmp_path, monkeypatch, jobs):
    """A segment also ends when it has spilled SEGMENT_RUNS runs (long articles),
    with every document once, in order, and each one found."""
    index_paths = functools.partial(_index_paths,
                                    settings=Settings(Limits(spill_postings=40, segment_runs=2)))
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    words = [f"слово{i}" for i in range(60)]
    records = [(f"r{i}", f"Заголовок {i}", " ".join(words) + f" метка{i} про атаку")
               for i in range(8)]
    _write_records(docs / "long.jsonl", records)
    report = index_paths([docs], ix, jobs=jobs)
    assert report.articles == 8 and report.total == 8
    whoosh_ix, _ = open_index(ix)
    assert len(whoosh_ix._segments()) >= 3
    assert _keys_in_order(ix) == [(str(docs / "long.jsonl"), key) for key, *_ in records]
    assert count(ix, "атака") == 8 and count(ix, "слово59") == 8
    assert all(count(ix, f"метка{i}") == 1 for i in range(8))


def test_merged_segments_keep_to_the_segment_bound(tmp_path, monkeypatch):
    index_paths = functools.partial(_index_paths, settings=Settings(Limits(segment_docs=4)))
    from newsgrep.indexing.settings import MAX_SMALL_SEGMENTS

    docs, ix = tmp_path / "docs", tmp_path / "ix"
    big = docs / "big.jsonl"
    _write_records(big, [(f"r{i}", f"Запись {i}", "про атаку") for i in range(9)])
    index_paths([docs], ix)
    for run in range(MAX_SMALL_SEGMENTS + 4):
        _write(docs / f"{run % 5}.txt", f"Заголовок {run % 5}", f"про атаку, правка {run}")
        _bump_mtime(docs / f"{run % 5}.txt", run + 1)
        index_paths([docs], ix)
        segments = open_index(ix)[0]._segments()
        assert all(s.doc_count() <= 4 for s in segments)
        assert len([s for s in segments if s.doc_count() < 4]) <= MAX_SMALL_SEGMENTS + 1
        assert _documents(ix) == {str(big): 9, **{str(docs / f"{i}.txt"): 1
                                                  for i in range(min(run + 1, 5))}}
        assert count(ix, "атака") == 9 + min(run + 1, 5)

    # The big file rewritten, again and again: its old segments do not pile up.
    for run in range(3):
        _write_records(big, [(f"r{i}", f"Запись {i}", f"версия {run}") for i in range(9)])
        _bump_mtime(big, 100 + run)
        index_paths([docs], ix)
        assert count(ix, f"версия {run}") == 9 and count(ix, "атака") == 5
    assert sum(s.doc_count_all() for s in open_index(ix)[0]._segments()) < 2 * (9 + 5)


def test_commits_come_by_size_each_segment_twice_the_last(tmp_path, monkeypatch):
    """A run commits every COMMIT_ARTICLES articles (then 2x, 4x ...), not only at its end."""
    index_paths = functools.partial(_index_paths, settings=Settings(Limits(commit_articles=10)))
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    for i in range(100):
        _write(docs / f"{i:03d}.txt", f"Статья {i}", "про атаку")
    assert index_paths([docs], ix, jobs=1).total == 100
    whoosh_ix, _ = open_index(ix)
    assert [s.doc_count() for s in whoosh_ix._segments()] == [10, 20, 40, 30]
    assert whoosh_ix.latest_generation() >= 4  # one commit each
    assert count(ix, "атака") == 100


def test_plan_against_the_state(tmp_path):
    """What changed, what is new, what is gone: a file that vanished after the walk is
    gone, one in a folder that could not be read keeps its articles, and the state is
    read, never modified."""
    from newsgrep.indexing.walking import plan

    root = tmp_path / "r"
    (root / "locked").mkdir(parents=True)
    same, changed, new = root / "same.txt", root / "changed.txt", root / "new.txt"
    for p in (same, changed, new):
        p.write_text("x", encoding="utf-8")
    st = os.stat(same)

    class OnePass(dict):  # the known files are read in one pass, not looked up a file each
        def get(self, *args):
            raise AssertionError("looked up a file at a time")
        __getitem__ = __contains__ = get

    known = OnePass({str(same): (st.st_size, st.st_mtime_ns, "h1"),
             str(changed): (99, 1, "h2"),
             str(root / "vanished.txt"): (1, 1, "h3"),    # walked, deleted before the plan
             str(root / "unwalked.txt"): (1, 1, "h4"),    # not walked: gone
             str(root / "locked" / "a.txt"): (1, 1, "h5"),  # in an unreadable folder: kept
             "/elsewhere/b.txt": (1, 1, "h6")})             # outside the roots: kept
    before = dict(known.items())
    skipped: list[tuple[str, str]] = []
    walked = [str(same), str(changed), str(new), str(root / "vanished.txt")]
    out = plan(walked, known, [str(root)], [str(root / "locked")],
               lambda p, r: skipped.append((p, r)))
    assert dict(known.items()) == before
    assert out.unchanged == 1
    assert [(p, h) for p, _, _, h in out.todo] == [(str(changed), "h2"), (str(new), "")]
    assert [j[0] for j in plan(walked[::-1], known, [str(root)], [], lambda p, r: None).todo] \
        == [str(new), str(changed)]  # in walk order
    assert sorted(out.gone) == sorted([str(root / "vanished.txt"), str(root / "unwalked.txt")])
    assert [p for p, _ in skipped] == [str(root / "vanished.txt")]
    assert plan(walked, known, [str(root)], [], lambda p, r: None,
                walk_complete=False).gone == []


def test_the_files_table_keeps_each_file_and_takes_an_older_newsgreps_state_file(tmp_path):
    """The files table (path -> size, mtime, hash) through writes, deletions and names that
    are not UTF-8; a state file an older newsgrep wrote (entries packed, or tuples before
    that) is moved into a table, and the next run is a no-op."""
    import marshal
    import struct

    from newsgrep.engine.whoosh import filetable
    from newsgrep.engine.whoosh.check import latest_generation

    table = filetable.create_files(tmp_path, 0, generation=0)
    odd = os.fsdecode(b"/a/\xff.txt")
    entries = {"/a/новое.txt": (12, 1_700_000_000_123_456_789, "0f" * 16),
               odd: (0, -1, "skipped:" + "ab" * 16), "/b/old.txt": (-1, -1, "")}
    for path, entry in entries.items():
        table[path] = entry
    assert dict(table) == entries and len(table) == 3 and "/b/old.txt" in table
    assert table.get("/nope") is None and table.get("/b/old.txt") == (-1, -1, "")
    del table["/b/old.txt"]
    assert table.pop("/a/новое.txt") == entries["/a/новое.txt"] and len(table) == 1
    table.commit(1)
    table.close()
    assert filetable.read_files(tmp_path, 1) == {odd: entries[odd]}

    docs, ix = tmp_path / "docs", tmp_path / "ix"
    for i in range(3):
        _write(docs / f"a{i}.txt", f"Статья {i}", "про атаку")
    index_paths([docs], ix)
    state = load_state(ix, open_index(ix)[0])
    assert len(state) == 3
    packed = {p: struct.pack("<qq", s, m) + d.encode() for p, (s, m, d) in state.items()}
    for old in (state, packed):  # as older newsgreps wrote the state file
        for name in os.listdir(ix):
            if name.startswith(filetable.FILES_PREFIX):
                os.unlink(ix / name)
        gen = latest_generation(ix)
        (ix / f"newsgrep-state-{gen}.bin").write_bytes(marshal.dumps(old))
        assert load_state(ix, open_index(ix)[0]) == state
        assert _counts(index_paths([docs], ix)) == (0, 0, 0, 3)
        assert load_state(ix, open_index(ix)[0]) == state
        assert filetable.lineages(ix) == [gen]


def test_changes_written_after_a_commit_are_undone_until_its_toc_comes(tmp_path, monkeypatch):
    """A run's changes reach the table before their commit (FLUSH at a time) and the
    commit's generation before its TOC: what a TOC's generation reads is what it holds."""
    from newsgrep.engine.whoosh import filetable

    monkeypatch.setattr(filetable, "FLUSH", 2)
    first = {"/a": (1, 1, "x"), "/b": (2, 2, "y")}
    table = filetable.create_files(tmp_path, 3, first.items(), generation=3)
    table["/a"] = (5, 5, "z")
    table["/c"] = (6, 6, "w")  # (written: two changes held)
    assert not table.pending and filetable.read_files(tmp_path, 3) == first
    del table["/b"]
    table.commit(4)  # the table says 4; its TOC is not written
    second = {"/a": (5, 5, "z"), "/c": (6, 6, "w")}
    assert filetable.read_files(tmp_path, 3) == first
    assert filetable.read_files(tmp_path, 4) == second
    table.close()

    table = filetable.open_files(tmp_path, 3)  # the TOC of 4 never came: undone
    assert dict(table) == first and table.generation == 3
    table["/a"] = (7, 7, "q")
    table.commit(4)
    table.committed(4)
    table["/d"] = (8, 8, "r")
    table.commit(5)
    table.committed(5)
    table["/e"] = (9, 9, "s")
    table.flush()  # a run that dies before its commit
    table.close()
    third = {"/a": (7, 7, "q"), "/b": (2, 2, "y"), "/d": (8, 8, "r")}
    assert filetable.read_files(tmp_path, 5) == third
    assert filetable.read_files(tmp_path, 4) is None  # (no table says what 4 held)

    rebuilt = filetable.create_files(tmp_path, 6, [("/z", (1, 1, "z"))])
    rebuilt.commit(6)  # a rebuild whose TOC never came: its table is not used
    rebuilt.close()
    table = filetable.open_files(tmp_path, 5)
    assert dict(table) == third and table.path.name == filetable.table_name(3)
    table.close()
    assert filetable.read_files(tmp_path, 6) == {"/z": (1, 1, "z")}


def test_a_reader_after_a_writer_killed_in_a_transaction_sees_the_last_commit(tmp_path):
    """A writer killed in the middle of writing leaves SQLite's journal behind: a reader
    (check, file_states) rolls it back and reads what the last commit holds."""
    import signal
    import sqlite3

    from newsgrep.engine.whoosh import filetable

    rows = {f"/p{i}": (i, i, "h") for i in range(2000)}
    filetable.create_files(tmp_path, 0, rows.items(), generation=0).close()
    pid = os.fork()
    if pid == 0:  # (the child dies by the signal, whatever happens)
        conn = sqlite3.connect(tmp_path / filetable.table_name(0), isolation_level=None)
        conn.execute("PRAGMA cache_size=2")  # pages written to the table mid-transaction
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                         ((f"/q{i}".encode(), i, i, b"h") for i in range(20000)))
        os.kill(os.getpid(), signal.SIGKILL)
    os.waitpid(pid, 0)
    assert (tmp_path / (filetable.table_name(0) + "-journal")).exists()
    assert filetable.read_files(tmp_path, 0) == rows
