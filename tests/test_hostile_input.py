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


# --- item 6: NUL bytes are dropped in every format -----------------------------------------

def test_a_text_file_with_a_nul_in_its_head_is_read(tmp_path):
    from newsgrep.articles import read_file
    p = tmp_path / "a.txt"
    p.write_bytes(ARTICLE.encode("utf-8").replace("Текст".encode(), b"\x00\xd0\xa2\xd0\xb5\x00\xd0\xba\xd1\x81\xd1\x82"))
    [article] = read_file(p)
    assert "\x00" not in article.body and "Текст статьи" in article.body


@pytest.mark.parametrize("name, data", [
    ("d.jsonl", "".join(json.dumps({"title": f"Статья {i}", "text": f"Текст номер {i}"},
                                   ensure_ascii=False) + "\n" for i in range(50)).encode()),
    ("d.csv", ("title,text\n" + "".join(f"Статья {i},Текст номер {i}\n" for i in range(50))).encode()),
])
def test_a_dump_with_a_nul_is_read_with_all_its_articles(tmp_path, name, data):
    from newsgrep.articles import read_file
    p = tmp_path / name
    cut = data.index(b"\n", 200) + 1
    p.write_bytes(data[:cut - 3] + b"\x00" + data[cut - 3:])  # inside a record, near the start
    warnings: list[str] = []
    articles = list(read_file(p, warn=warnings.append))
    assert len(articles) == 50 and not warnings
    assert all("\x00" not in a.title + a.body for a in articles)


@pytest.mark.parametrize("data", [
    b"\x00\x01\x02\x03" * 100, bytes(1000), b"abc\x00\x01\x02def" * 10,
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), b"\x7fELF\x02\x01\x01" + bytes(100),
])
def test_binary_data_is_still_binary(tmp_path, data):
    from newsgrep.articles import ArticleError, read_file
    p = tmp_path / "a.txt"
    p.write_bytes(data)
    with pytest.raises(ArticleError, match="binary file"):
        list(read_file(p))
