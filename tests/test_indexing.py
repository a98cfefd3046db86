"""Walking, incremental updates, locking."""
from __future__ import annotations

import os

import pytest

from newsgrep.errors import IndexLocked
from newsgrep.indexing import index_paths, walk, write_lock
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
