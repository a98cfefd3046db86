"""Walking, incremental updates, locking."""
from __future__ import annotations

import os

import pytest

from newsgrep.errors import IndexLocked
from newsgrep.engine.whoosh.commit import write_lock
from newsgrep.indexing import index_paths, walk
from newsgrep.searching import count


def _write(path, title, body="Текст."):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def test_walk_skips_hidden_and_survives_symlink_loops(tmp_path):
    _write(tmp_path / "a" / "one.txt", "Один")
    _write(tmp_path / "a" / ".hidden" / "two.txt", "Два")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a")
    skipped = []
    files = list(walk([tmp_path / "a"], lambda p, r: skipped.append(r)))
    assert [os.path.basename(f) for f in files] == ["one.txt"]


def test_incremental_runs_add_update_and_remove(tmp_path):
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    _write(docs / "a.txt", "Первая", "про атаку")
    _write(docs / "b.txt", "Вторая", "про мост")
    first = index_paths([docs], ix)
    assert (first.added, first.articles, first.total) == (2, 2, 2)

    same = index_paths([docs], ix)
    assert (same.unchanged, same.articles, same.total) == (2, 0, 2)

    _write(docs / "b.txt", "Вторая", "про атаку и мост")
    st = os.stat(docs / "b.txt")
    os.utime(docs / "b.txt", ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    _write(docs / "c.txt", "Третья", "про погоду")
    (docs / "a.txt").unlink()
    again = index_paths([], ix)  # no paths: refresh the remembered roots
    assert (again.added, again.updated, again.removed, again.unchanged) == (1, 1, 1, 0)
    assert again.total == 2
    assert count(ix, "атака") == 1 and count(ix, "погода") == 1 and count(ix, "первая") == 0


def test_a_workers_share_gives_back_each_job_as_it_was():
    from newsgrep.indexing.workers import Share

    jobs = [("/a/новости за день.txt", 10, 1_700_000_000_123_456_789, ""),
            (os.fsdecode(b"/a/\xff\xfe.txt"), 0, -5, "3f2a"),  # not UTF-8: surrogates
            ("/b/c.txt", 2**40, 0, "")]
    assert list(Share(jobs)) == jobs and len(Share(jobs)) == 3
    assert list(Share(jobs[1:2])) == jobs[1:2]
    assert list(Share([])) == [] and len(Share([])) == 0


def test_workers_index_add_update_and_keep_files_by_their_shares(tmp_path):
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    names = [f"{i:02d}.txt" for i in range(20)] + [os.fsdecode(b"\xff.txt")]
    for i, name in enumerate(names):
        _write(docs / name, f"Заголовок {i}", f"статья номер {i} про мост")
    first = index_paths([docs], ix, jobs=2)
    assert (first.added, first.total) == (21, 21)
    # one changed, one touched with the same content (its old hash: unchanged)
    _write(docs / names[3], "Заголовок 3", "статья про атаку")
    _write(docs / names[-1], "Заголовок 20", "статья номер 20 про мост")
    for name in (names[3], names[-1]):
        st = os.stat(docs / name)
        os.utime(docs / name, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    again = index_paths([docs], ix, jobs=2)
    assert (again.updated, again.unchanged, again.total) == (1, 20, 21)
    assert count(ix, "атака") == 1 and count(ix, "мост") == 20


def test_a_changed_file_that_cannot_be_read_keeps_its_old_articles(tmp_path):
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    _write(docs / "a.txt", "Первая", "про атаку")
    index_paths([docs], ix)
    (docs / "a.txt").write_bytes(b"")
    report = index_paths([docs], ix)
    assert report.skipped["empty file"] == 1
    assert count(ix, "атака") == 1


def test_rebuild_starts_over(tmp_path):
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    _write(docs / "a.txt", "Первая")
    index_paths([docs], ix)
    report = index_paths([docs], ix, rebuild=True)
    assert (report.added, report.total) == (1, 1)


def test_a_second_writer_is_told_the_index_is_busy(tmp_path):
    (tmp_path / "ix").mkdir()
    with write_lock(tmp_path / "ix"):
        with pytest.raises(IndexLocked, match=rf"busy \(pid {os.getpid()}\)"):
            index_paths([tmp_path], tmp_path / "ix")


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_comes_phase_by_phase(tmp_path, jobs):
    from newsgrep.indexing import IndexProgress, Phase

    docs, ix = tmp_path / "docs", tmp_path / "ix"
    for i in range(600):
        _write(docs / f"d{i % 3}" / f"{i}.txt", f"Статья {i}", "про атаку " * 20)
    events: list[IndexProgress] = []
    report = index_paths([docs], ix, jobs=jobs, on_progress=events.append)
    phases = [e.phase for e in events]
    order = [Phase.SCAN, Phase.READ, Phase.WRITE]
    assert sorted(phases, key=order.index) == phases  # in this order, none after the next
    assert set(phases) == set(order)
    scans = [e.files for e in events if e.phase is Phase.SCAN]
    assert scans == sorted(scans) and scans[-1] == 600 and len(scans) > 1  # counts as it goes
    reads = [e for e in events if e.phase is Phase.READ]
    for a, b in zip(reads, reads[1:]):
        assert a.files <= b.files and a.articles <= b.articles and a.bytes <= b.bytes
    size = sum(p.stat().st_size for p in docs.rglob("*.txt"))
    last = reads[-1]
    assert (last.files, last.total_files, last.articles) == (600, 600, report.articles)
    assert last.bytes == last.total_bytes == size
    assert [e.label for e in events if e.phase is Phase.WRITE] == ["writing segments",
                                                                   "committing"]


def test_no_progress_is_drawn_when_stderr_is_not_a_terminal(tmp_path):
    from click.testing import CliRunner

    from newsgrep.cli import cli

    _write(tmp_path / "docs" / "a.txt", "Первая")
    result = CliRunner().invoke(cli, ["index", str(tmp_path / "docs")])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        result.stderr.splitlines()[0], f"index {tmp_path / 'index'} holds 1 articles"]
    assert result.stderr.startswith("indexed 1 articles in ")
    assert "\x1b" not in result.stderr and "\r" not in result.stderr


def test_the_progress_bar_shows_each_phase():
    from newsgrep.cli import _IndexProgressBar
    from newsgrep.indexing import IndexProgress, Phase

    bar = _IndexProgressBar()

    def shown():
        task, = [t for t in bar.progress.tasks if t.visible]
        return task

    bar.update(IndexProgress(Phase.SCAN, files=1234))
    assert (shown().description, shown().total, shown().fields["info"]) == (
        "scanning", None, "1234 files found")
    bar.update(IndexProgress(Phase.READ, files=10, total_files=40, articles=25,
                             bytes=3 << 20, total_bytes=12 << 20))
    assert (shown().description, shown().completed, shown().total) == (
        "reading", 3 << 20, 12 << 20)
    assert shown().fields["info"] == "25 articles, 3.0/12.0 MB, 10/40 files"
    bar.update(IndexProgress(Phase.WRITE, label="writing segments"))
    assert (shown().description, shown().total) == ("writing segments", None)
    bar.update(IndexProgress(Phase.WRITE, label="committing"))
    assert shown().description == "committing"
    bar.update(IndexProgress(Phase.STOP, label="finishing the segments in hand"))
    assert shown().description == "stopping"
