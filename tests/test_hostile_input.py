"""Hostile and damaged input on the reading side (issue 16): names in any bytes,
decompression and HTML budgets, NUL bytes, unreadable folders, special files,
remembered skips, links out of the indexed folders."""
from __future__ import annotations

import json
import os

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


# --- item 5: budgets on decompression -------------------------------------------------------

def _zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _gzip_of(head: bytes, filler: bytes, size: int) -> bytes:
    import zlib
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip
    out = [z.compress(head)]
    block = filler * ((1 << 20) // len(filler))
    for _ in range(size // len(block)):
        out.append(z.compress(block))
    out.append(z.flush())
    return b"".join(out)


RECORD = json.dumps({"title": "Первая запись", "text": "Текст про атаку."}, ensure_ascii=False).encode() + b"\n"


def _bomb_folder(tmp_path, name: str, data: bytes):
    d = tmp_path / "d"
    d.mkdir()
    (d / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (d / name).write_bytes(data)
    return d


def test_a_nested_zip_bomb_stops_at_the_budget_with_one_warning(tmp_path):
    l0 = _zip({"a.txt": b"\n" * (16 << 20)})
    l2 = _zip({f"{i}.zip": _zip({f"{j}.zip": l0 for j in range(16)}) for i in range(16)})
    assert len(l2) < 16_000  # 4 GB unpacked
    d = _bomb_folder(tmp_path, "bomb.zip", l2)
    report, warnings = _index([d], tmp_path / "ix")
    assert report.added == 1 and report.total == 1  # good.txt; the run went on
    assert len(warnings) == 1
    assert "bomb.zip" in warnings[0] and "unpacking budget" in warnings[0]


@pytest.mark.parametrize("name", ["nl.jsonl.bz2", "nl.txt.bz2"])
def test_a_bz2_of_newlines_stops_at_the_budget_keeping_what_came_before(tmp_path, name):
    import bz2
    data = bz2.compress((RECORD if name.endswith(".jsonl.bz2") else b"") + b"\n" * (100 << 20), 9)
    assert len(data) < 200
    d = _bomb_folder(tmp_path, name, data)
    report, warnings = _index([d], tmp_path / "ix")
    assert len(warnings) == 1 and name in warnings[0] and "unpacking budget" in warnings[0]
    assert report.total == (2 if name.endswith(".jsonl.bz2") else 1)  # the record before the flood


def test_a_jsonl_gz_of_newlines_stops_at_the_budget(tmp_path):
    d = _bomb_folder(tmp_path, "nl.jsonl.gz", _gzip_of(RECORD, b"\n", 64 << 20))
    report, warnings = _index([d], tmp_path / "ix")
    assert report.total == 2
    assert len(warnings) == 1 and "nl.jsonl.gz" in warnings[0] and "unpacking budget" in warnings[0]


def test_records_that_give_no_article_stop_the_dump_at_their_budget(tmp_path):
    from newsgrep.articles import LIMITS, ArticleError, read_file
    p = tmp_path / "junk.jsonl.gz"
    p.write_bytes(_gzip_of(RECORD, b"{}\n", 1 << 20))  # 350,000 empty records
    assert LIMITS.junk_records < 350_000
    articles = read_file(p)
    assert next(articles).title == "Первая запись"
    with pytest.raises(ArticleError, match="records in a row without an article"):
        list(articles)


def test_the_members_budget_ends_the_archive_keeping_what_was_read(tmp_path):
    from newsgrep.articles import ArticleError, Limits, read_file
    p = tmp_path / "many.zip"
    p.write_bytes(_zip({f"{i}.txt": f"Статья {i}\n\nТекст.".encode() for i in range(30)}))
    warnings: list[str] = []
    got = []
    with pytest.raises(ArticleError, match="more than 10 members"):
        for a in read_file(p, warn=warnings.append, limits=Limits(members=10)):
            got.append(a)
    assert len(got) == 10


def test_an_archive_of_many_empty_members_gives_a_summary_not_a_line_each(tmp_path):
    from newsgrep.articles.containers import MEMBER_WARNINGS
    members = {f"e/{i}.txt": b"" for i in range(20_000)}
    members["z.txt"] = ARTICLE.encode()
    d = _bomb_folder(tmp_path, "empty.zip", _zip(members))
    report, warnings = _index([d], tmp_path / "ix")
    assert report.total == 2
    assert len(warnings) == MEMBER_WARNINGS + 1
    assert "19,997 more members not read (empty file: 19,997)" in warnings[-1]


def test_a_garbage_zip_gets_a_warning(tmp_path):
    d = _bomb_folder(tmp_path, "junk.zip", os.urandom(5000))
    report, warnings = _index([d], tmp_path / "ix")
    assert report.total == 1
    assert len(warnings) == 1 and "junk.zip: not a zip file" in warnings[0]


# --- item 10: an unreadable folder is not a deleted one -------------------------------------

def test_a_folder_that_cannot_be_read_keeps_its_articles(tmp_path, monkeypatch):
    d = tmp_path / "d"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (d / "sub" / "b.txt").write_text(ARTICLE.replace("атаку", "штурм"), encoding="utf-8")
    ix = tmp_path / "ix"
    report, _ = _index([d], ix)
    assert report.total == 2

    real_scandir = os.scandir

    def scandir(path="."):  # what chmod 000 does to a normal user (the tests run as root)
        if isinstance(path, str) and path.endswith(os.sep + "sub"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)
    monkeypatch.setattr(os, "scandir", scandir)
    report, warnings = _index([d], ix)
    assert (report.removed, report.total) == (0, 2)
    assert len(warnings) == 1 and "sub: cannot read folder: Permission denied" in warnings[0]


# --- item 11: special files are never opened blocking ---------------------------------------

def test_a_fifo_swapped_in_after_the_walk_is_skipped_not_waited_for(tmp_path, monkeypatch):
    import newsgrep.indexing.run as indexing
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (d / "b.txt").write_text(ARTICLE, encoding="utf-8")
    real_stat = os.stat

    def walk_then_swap(*args, **kwargs):
        found = list(real_walk(*args, **kwargs))
        os.unlink(d / "b.txt")
        os.mkfifo(d / "b.txt")
        return iter(found)
    real_walk = indexing.walk
    monkeypatch.setattr(indexing, "walk", walk_then_swap)
    # ... and the stat before the read still sees a regular file (the swap comes after it)
    monkeypatch.setattr(indexing.os, "stat", lambda p, *a, **k: real_stat(d / "a.txt") if os.fspath(p) == os.fspath(d / "b.txt") else real_stat(p, *a, **k))
    report, warnings = _index([d], tmp_path / "ix")
    assert report.total == 1
    assert warnings == [f"{d / 'b.txt'}: special file (FIFO)"]


def test_special_files_are_named_as_such(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text(ARTICLE, encoding="utf-8")
    os.mkfifo(d / "fifo.txt")
    os.symlink("/dev/zero", d / "zero.txt")
    os.symlink(d / "missing.txt", d / "broken.txt")
    os.mkfifo(tmp_path / "named.txt")
    report, warnings = _index([d, tmp_path / "named.txt"], tmp_path / "ix")
    assert report.total == 1
    assert sorted(warnings) == sorted([f"{d / 'broken.txt'}: broken symlink",
                                       f"{d / 'fifo.txt'}: special file (FIFO)",
                                       f"{d / 'zero.txt'}: special file (character device)",
                                       f"{tmp_path / 'named.txt'}: special file (FIFO)"])


def test_read_file_refuses_a_fifo_without_blocking(tmp_path):
    from newsgrep.articles import ArticleError, is_supported, read_file
    os.mkfifo(tmp_path / "f.txt")
    os.mkfifo(tmp_path / "noext")
    with pytest.raises(ArticleError, match=r"special file \(FIFO\)"):
        list(read_file(tmp_path / "f.txt"))
    assert not is_supported(tmp_path / "noext")


# --- item 12: skipped files are remembered -------------------------------------------------

def test_a_skipped_file_is_not_read_again_while_unchanged(tmp_path, monkeypatch):
    import newsgrep.indexing.workers as indexing
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (d / "bin.txt").write_bytes(bytes(range(256)) * 64)
    (d / "empty.txt").write_bytes(b"\n\n")
    ix = tmp_path / "ix"
    report, warnings = _index([d], ix)
    assert report.skipped == {"binary file": 1, "empty file": 1} and len(warnings) == 2

    hashed = []
    real_hash = indexing.content_hash
    monkeypatch.setattr(indexing, "content_hash", lambda fh: hashed.append(fh.name) or real_hash(fh))
    report, warnings = _index([d], ix)
    assert (report.unchanged, hashed, warnings) == (3, [], [])

    (d / "bin.txt").write_bytes(bytes(range(256)) * 65)  # changed: read again, warned again
    report, warnings = _index([d], ix)
    assert len(hashed) == 1 and report.skipped == {"binary file": 1}
    (d / "bin.txt").write_text(ARTICLE, encoding="utf-8")  # now an article
    report, _ = _index([d], ix)
    assert (report.added, report.total) == (1, 2)


# --- item 13: links out of the indexed folders ---------------------------------------------

def test_links_out_of_the_indexed_folders_are_not_followed_unless_asked(tmp_path):
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.txt").write_text(ARTICLE.replace("атаку", "тайну"), encoding="utf-8")
    d = tmp_path / "d"
    (d / "in").mkdir(parents=True)
    (d / "in" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    os.symlink(outside / "secret.txt", d / "file-link.txt")
    os.symlink(outside, d / "dir-link")
    os.symlink(d / "in", d / "inner-link")  # inside: followed (once)
    ix = tmp_path / "ix"
    report, warnings = _index([d], ix)
    assert report.total == 1  # in/a.txt (inner-link leads to the same folder: seen once)
    assert sorted(w.split(": ", 1)[0] for w in warnings) == [str(d / "dir-link"), str(d / "file-link.txt")]
    assert all("link out of the indexed folders" in w for w in warnings)

    res = _runner().invoke(cli, ["index", str(d), "--index", str(tmp_path / "ix2"), "--follow-outside"])
    assert res.exit_code == 0, res.stderr
    assert "link out" not in res.stderr
    res = _runner().invoke(cli, ["search", "тайну", "-c", "--index", str(tmp_path / "ix2")])
    assert res.stdout.strip() == "2"


# --- item 7: HTML memory bounded ------------------------------------------------------------

def _page(paragraphs: int) -> str:
    return ('<html><head><title>Большая страница</title></head><body><article>'
            + "".join(f"<p>Абзац номер {i} про атаку на здание.</p>\n" for i in range(paragraphs))
            + "<p>ПОСЛЕДНИЙ абзац.</p></article></body></html>")


def test_an_html_page_over_the_parsing_budget_is_cut_with_a_warning(tmp_path):
    from newsgrep.articles import LIMITS, read_file
    page = _page(LIMITS.html_chars // 40 + 1000)
    assert len(page) > LIMITS.html_chars
    p = tmp_path / "big.html"
    p.write_text(page, encoding="utf-8")
    warnings: list[str] = []
    [article] = read_file(p, warn=warnings.append)
    assert article.title == "Большая страница" and article.body.startswith("Абзац номер 0 ")
    assert "ПОСЛЕДНИЙ" not in article.body and len(article.body) <= LIMITS.html_chars
    assert len(warnings) == 1 and "big.html: HTML page over 4M characters (parsing budget)" in warnings[0]


def test_an_html_page_over_the_tag_budget_is_cut_with_a_warning(tmp_path):
    from newsgrep.articles import Limits, read_file
    p = tmp_path / "tags.html"
    p.write_text(_page(3000), encoding="utf-8")
    warnings: list[str] = []
    [article] = read_file(p, warn=warnings.append, limits=Limits(html_tags=1000))
    assert "Абзац номер 400 " in article.body and "Абзац номер 600 " not in article.body
    assert len(warnings) == 1 and "over 1,000 tags" in warnings[0]
    [whole] = read_file(p)  # the default budget holds it
    assert "ПОСЛЕДНИЙ" in whole.body


def test_a_file_that_cannot_be_looked_at_keeps_its_articles(tmp_path, monkeypatch):
    import newsgrep.indexing.run as indexing
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (d / "b.txt").write_text(ARTICLE, encoding="utf-8")
    ix = tmp_path / "ix"
    assert _index([d], ix)[0].total == 2
    real_stat = os.stat

    def stat(path, *args, **kwargs):  # a folder with read but no search permission, for b.txt
        if os.fspath(path).endswith("b.txt"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)
    monkeypatch.setattr(indexing.os, "stat", stat)
    report, warnings = _index([d], ix)
    assert (report.removed, report.total) == (0, 2)
    assert warnings == [f"{d / 'b.txt'}: cannot read: Permission denied"]


def test_files_with_names_not_utf8_are_listed_by_their_bytes(tmp_path, monkeypatch):
    d = tmp_path / "d"
    d.mkdir()
    away = tmp_path / "a" / "b"  # (paths two folders up are shown whole, wherever the
    away.mkdir(parents=True)     # checkout is: one folder up would be ../d/...)
    monkeypatch.chdir(away)
    with open(os.path.join(os.fsencode(d), CP1251_NAME), "w", encoding="utf-8") as fh:
        fh.write(ARTICLE)
    ix = tmp_path / "ix"
    _index([d], ix)
    res = _runner().invoke(cli, ["search", "атаку", "-l", "-0", "--index", str(ix)])
    assert res.exit_code == 0
    assert res.stdout_bytes == os.path.join(os.fsencode(d), CP1251_NAME) + b"\0"
    res = _runner().invoke(cli, ["search", "атаку", "-l", "--index", str(ix)])
    assert res.stdout.endswith("\\xcd\\xee\\xe2.txt\n")
