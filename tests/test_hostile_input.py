"""Hostile and damaged input on the reading side (issue 16): names in any bytes,
decompression and HTML budgets, NUL bytes, unreadable folders, special files,
remembered skips, links out of the indexed folders."""
from __future__ import annotations

import json
import os
import stat

import pytest
from click.testing import CliRunner

from newsgrep.cli import cli
from newsgrep.indexing import index_paths

ARTICLE = "Заголовок статьи\n\nТекст статьи про атаку на здание полиции в Ростове.\n"
CP1251_NAME = b"\xcd\xee\xe2.txt"  # «Нов.txt» in cp1251: not UTF-8


def _index(paths, ix, **kw):
    warnings: list[str] = []
    report = index_paths([os.fspath(p) for p in paths], ix, on_warning=warnings.append, jobs=1, **kw)
    return report, warnings


def _runner():
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:  # click 8.2 keeps them apart by itself
        return CliRunner()


# --- item 2: file names that are not UTF-8 -------------------------------------------------

def test_a_file_name_that_is_not_utf8_is_indexed_updated_and_removed(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text(ARTICLE, encoding="utf-8")
    bad = os.path.join(os.fsencode(d), CP1251_NAME)
    with open(bad, "wb") as fh:
        fh.write(ARTICLE.replace("атаку", "штурм").encode("utf-8"))
    ix = tmp_path / "ix"
    report, warnings = _index([d], ix)
    assert (report.added, report.articles, report.total) == (2, 2, 2)
    assert not warnings

    res = _runner().invoke(cli, ["search", "штурм", "--json", "--index", str(ix)])
    assert res.exit_code == 0, res.stderr
    hit = json.loads(res.stdout)
    assert os.fsencode(hit["path"]) == bad  # the name's own bytes come back
    res = _runner().invoke(cli, ["search", "штурм", "--index", str(ix)])
    assert res.exit_code == 0 and "\\xcd\\xee\\xe2.txt" in res.stdout

    with open(bad, "ab") as fh:
        fh.write("Дополнение.\n".encode())
    os.utime(bad, ns=(1, 10**18))
    report, _ = _index([d], ix)
    assert (report.updated, report.total) == (1, 2)  # the old documents were found and replaced

    os.unlink(bad)
    report, _ = _index([d], ix)
    assert (report.removed, report.total) == (1, 1)


def test_a_name_that_is_not_utf8_is_shown_with_escapes_in_warnings(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text(ARTICLE, encoding="utf-8")
    with open(os.path.join(os.fsencode(d), CP1251_NAME), "wb") as fh:
        fh.write(b"\x00\x01\x02\x03" * 3000)  # binary
    report, warnings = _index([d], tmp_path / "ix")
    assert report.added == 1
    assert len(warnings) == 1 and "\\xcd\\xee\\xe2.txt: binary file" in warnings[0]
    warnings[0].encode("utf-8")  # printable


def test_an_indexed_root_whose_name_is_not_utf8(tmp_path):
    root = os.path.join(os.fsencode(tmp_path), b"\xef\xf0\xe8")
    os.mkdir(root)
    with open(os.path.join(root, b"a.txt"), "w", encoding="utf-8") as fh:
        fh.write(ARTICLE)
    ix = tmp_path / "ix"
    report, _ = _index([os.fsdecode(root)], ix)
    assert report.added == 1
    report = index_paths([], ix, jobs=1)  # the roots remembered in the meta file
    assert report.unchanged == 1
