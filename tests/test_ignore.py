"""Choosing the files to index: --exclude, --include and .newsgrepignore."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from newsgrep.cli import cli
from newsgrep.ignore import FileFilter
from newsgrep.archive import open_archive
from newsgrep.indexing import index_paths as whoosh_index_paths
from newsgrep.searching import count, search


def _write(path, title, body="Текст про атаку."):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n\n{body}\n", encoding="utf-8")


@pytest.fixture
def docs(tmp_path):
    """Two articles and, beside them, a manifest that would be read as two more."""
    folder = tmp_path / "docs"
    _write(folder / "a.txt", "Первая")
    _write(folder / "sub" / "b.txt", "Вторая")
    (folder / "manifest.tsv").write_text("title\ttext\nФайл a.txt\tстатья про атаку\n"
                                         "Файл b.txt\tстатья про атаку\n", encoding="utf-8")
    return folder


# Every test but the first two runs on each engine (``new_archive``: a fresh folder or
# database, tests/conftest.py): the PostgreSQL indexer honours the same patterns.

def index_paths(paths, location, **options):
    with open_archive(location, create=True) as archive:
        return archive.index(paths, **options)


def _paths(ix) -> set[str]:
    return {h.path for h in search(ix, "атака", limit=None, partial=False).hits}


def _excludes(ix) -> list[str]:
    with open_archive(ix) as archive:
        return archive.info().excludes


def _index(*args):
    return CliRunner().invoke(cli, ["index", *map(str, args)], catch_exceptions=False)


def test_the_manifest_is_read_without_a_pattern(docs, tmp_path):
    # (what the patterns below are about)
    assert whoosh_index_paths([docs], tmp_path / "ix").total == 4


def test_exclude_keeps_a_manifest_out_and_is_remembered(docs, new_archive):
    ix = new_archive
    result = _index(docs, "--index", ix, "--exclude", "*.tsv")
    assert result.exit_code == 0, result.stderr
    assert "excluded 1 files" in result.stderr
    assert "indexed 2 articles" in result.stderr
    assert _paths(ix) == {str(docs / "a.txt"), str(docs / "sub" / "b.txt")}
    assert _excludes(ix) == ["*.tsv"]

    # A plain re-run applies the remembered pattern.
    (docs / "sub" / "other.tsv").write_text("title\ttext\nЕщё\tпро атаку\n", encoding="utf-8")
    result = _index("--index", ix)
    assert result.exit_code == 0, result.stderr
    assert "excluded 2 files" in result.stderr and "2 unchanged" in result.stderr
    assert count(ix, "атака") == 2

    # --exclude '' forgets it: the manifests come in; excluded again, they go.
    assert _index("--index", ix, "--exclude", "").exit_code == 0
    assert count(ix, "атака") == 5 and _excludes(ix) == []
    result = _index("--index", ix, "--exclude", "*.tsv")
    assert "2 removed" in result.stderr and count(ix, "атака") == 2


def test_a_newsgrepignore_keeps_a_manifest_out_relative_to_its_folder(docs, new_archive):
    ix = new_archive
    (docs / ".newsgrepignore").write_text("# data files\nmanifest.tsv\n/b.txt\n",
                                          encoding="utf-8")
    report = index_paths([docs], ix)
    assert report.excluded == 1  # /b.txt is anchored to docs/: sub/b.txt stays
    assert _paths(ix) == {str(docs / "a.txt"), str(docs / "sub" / "b.txt")}

    # A deeper file decides for its folder; a pattern added later removes what it matches.
    (docs / "sub" / ".newsgrepignore").write_text("*.txt\n", encoding="utf-8")
    _write(docs / "sub" / "deeper" / "c.txt", "Третья")
    report = index_paths([docs], ix)
    assert (report.excluded, report.removed) == (3, 1)
    assert _paths(ix) == {str(docs / "a.txt")}


def test_include_keeps_only_the_matching_files(docs, new_archive):
    ix = new_archive
    report = index_paths([docs], ix, include=["sub/"])
    assert report.excluded == 2 and _paths(ix) == {str(docs / "sub" / "b.txt")}
    assert index_paths([], ix).total == 1  # remembered
    assert index_paths([], ix, include=[]).total == 4  # forgotten


def test_negation_and_folders(tmp_path):
    root = tmp_path / "r"
    flt = FileFilter([str(root)], exclude=["*.tsv", "!keep.tsv", "drafts/"])
    assert flt.excluded(str(root / "x" / "m.tsv"))
    assert not flt.excluded(str(root / "x" / "keep.tsv"))
    assert flt.excluded(str(root / "drafts" / "a.txt"))
    assert flt.excluded(str(root / "x" / "drafts" / "a.txt"))
    assert not flt.excluded(str(root / "x" / "drafts.txt"))
    # A file named on the command line is always read.
    assert not FileFilter([str(root / "m.tsv")], exclude=["*.tsv"]).excluded(str(root / "m.tsv"))


def test_an_excluded_folder_is_not_walked_into(docs, tmp_path, monkeypatch):
    """As rg and git: a folder left out is pruned from the walk (its files are never
    listed, so `!` cannot take one back), and its articles leave the index."""
    import os

    from newsgrep.indexing import walking

    ix = tmp_path / "ix"
    for i in range(3):
        _write(docs / "scans" / f"deep{i}" / f"s{i}.txt", f"Скан {i}")
    assert index_paths([docs], ix).total == 7
    listed: list[str] = []
    scandir = os.scandir

    def spy(path):
        listed.append(str(path))
        return scandir(path)

    monkeypatch.setattr(walking.os, "scandir", spy)
    (docs / ".newsgrepignore").write_text("scans/\n!scans/deep0/s0.txt\n", encoding="utf-8")
    report = index_paths([docs], ix)
    assert not [p for p in listed if "scans" in p]
    assert (report.excluded, report.excluded_folders, report.removed) == (0, 1, 3)
    assert _paths(ix) == {str(docs / "a.txt"), str(docs / "sub" / "b.txt"),
                          str(docs / "manifest.tsv")}

    result = _index("--index", ix, "--exclude", "sub")  # (a folder by its bare name too)
    assert result.exit_code == 0, result.stderr
    assert "excluded 0 files and 2 folders" in result.stderr


def test_folder_patterns(tmp_path):
    root = tmp_path / "r"
    (root / "x").mkdir(parents=True)
    (root / "x" / ".newsgrepignore").write_text("old/\n", encoding="utf-8")
    flt = FileFilter([str(root)], exclude=["drafts/", "/top/", "*.tsv"], include=["*.txt"])
    assert flt.excluded_folder(str(root / "drafts"))
    assert flt.excluded_folder(str(root / "x" / "drafts"))
    assert flt.excluded_folder(str(root / "top")) and not flt.excluded_folder(str(root / "x" / "top"))
    assert flt.excluded_folder(str(root / "x" / "old"))  # its own folder's ignore file
    assert not flt.excluded_folder(str(root / "old"))    # (not above it)
    assert not flt.excluded_folder(str(root / "x"))      # --include chooses files only
    assert not flt.excluded_folder(str(root))
