"""Compressed files and archives (newsgrep/articles/containers.py, formats.py).

Every archive here is built in tmp_path at test time from text written for
the test.
"""
from __future__ import annotations

import bz2
import csv
import gzip
import html
import io
import json
import lzma
import os
import re
import tarfile
import zipfile
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsgrep.articles import ArticleError, dates, formats, is_supported, read_file

COMPRESS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}

JSONL = ('{"id": "n1", "title": "Первая новость", "text": "Текст один.", "date": "2023-10-20T09:20"}\n'
         '{"id": "n2", "title": "Вторая новость", "text": "Текст два."}\n').encode()
CSV = "title,text,date\nЗаголовок CSV,Текст CSV,05.06.2021\n".encode()
TXT = "Заголовок текста\n\nТекст статьи.\n".encode()


def read(path, **kw):
    warnings: list[str] = []
    articles = list(read_file(path, warn=warnings.append, **kw))
    return articles, warnings


def write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def zip_bytes(members: dict[str, bytes], streamed: bool = False) -> bytes:
    buf = io.BytesIO()
    target = _Unseekable(buf) if streamed else buf  # unseekable: data descriptors
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


class _Unseekable(io.RawIOBase):
    def __init__(self, buf):
        self.buf = buf

    def writable(self):
        return True

    def write(self, b):
        return self.buf.write(b)

    def flush(self):
        pass


# --- compressed single files ------------------------------------------------------------

@pytest.mark.parametrize("suffix", COMPRESS)
@pytest.mark.parametrize("inner, data, titles", [
    (".jsonl", JSONL, ["Первая новость", "Вторая новость"]),
    (".csv", CSV, ["Заголовок CSV"]),
    (".txt", TXT, ["Заголовок текста"]),
])
def test_compressed_by_inner_name(tmp_path, suffix, inner, data, titles):
    p = write(tmp_path, f"dump{inner}{suffix}", COMPRESS[suffix](data))
    articles, warnings = read(p)
    assert [a.title for a in articles] == titles
    assert warnings == []
    assert all(a.path == str(p) for a in articles)


def test_compressed_keys_are_the_inner_keys(tmp_path):
    articles, _ = read(write(tmp_path, "d.jsonl.gz", gzip.compress(JSONL)))
    assert [a.key for a in articles] == ["n1", "n2"]
    (a,), _ = read(write(tmp_path, "a.txt.gz", gzip.compress(TXT)))
    assert a.key == ""


@pytest.mark.parametrize("name", ["dump.gz", "dump", "dump.2019.gz"])
def test_compressed_inner_kind_is_sniffed(tmp_path, name):
    articles, _ = read(write(tmp_path, name, gzip.compress(JSONL)))
    assert [a.format for a in articles] == ["jsonl", "jsonl"]


def test_gzip_without_gz_suffix_and_gz_that_is_not_gzip(tmp_path):
    articles, _ = read(write(tmp_path, "d.jsonl", gzip.compress(JSONL)))
    assert len(articles) == 2
    articles, _ = read(write(tmp_path, "plain.jsonl.gz", JSONL))
    assert len(articles) == 2


def test_multi_member_gzip(tmp_path):
    a, b = JSONL.split(b"\n", 1)
    articles, _ = read(write(tmp_path, "d.jsonl.gz", gzip.compress(a + b"\n") + gzip.compress(b)))
    assert [x.title for x in articles] == ["Первая новость", "Вторая новость"]


def test_truncated_gzip_keeps_the_records_before_the_damage(tmp_path):
    data = "".join(json.dumps({"title": f"Новость {i}", "text": "слово " * 50 + str(i)}) + "\n"
                   for i in range(2000)).encode()
    packed = gzip.compress(data)
    p = write(tmp_path, "cut.jsonl.gz", packed[: len(packed) // 2])
    articles, warnings = read(p)
    assert 100 < len(articles) < 2000
    assert [a.title for a in articles] == [f"Новость {i}" for i in range(len(articles))]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{p}: gzip: data ends early") and "read before the damage" in warnings[0]


def test_truncated_gzip_single_article_is_kept_incomplete(tmp_path):
    text = ("Заголовок\n\n" + "Длинный текст статьи. " * 2000).encode()
    packed = gzip.compress(text)
    p = write(tmp_path, "a.txt.gz", packed[: len(packed) * 2 // 3])
    (a,), warnings = read(p)
    assert a.title == "Заголовок" and len(a.body) > 100
    assert warnings and "incomplete" in warnings[0]


def test_garbage_gzip_is_an_error(tmp_path):
    with pytest.raises(ArticleError):
        read(write(tmp_path, "bad.jsonl.gz", b"\x1f\x8b\x08\x00garbage-not-deflate" * 3))


# --- archives -----------------------------------------------------------------------------

MEMBERS = {
    "news/a.txt": TXT,
    "news/b.jsonl": JSONL,
    "news/c.csv.gz": gzip.compress(CSV),
    "news/notes.xml": b"<xml/>",
    "news/empty.txt": b"",
    "__MACOSX/news/._a.txt": b"\x00\x05\x16\x07binary",
    "news/.DS_Store": b"\x00\x00\x00\x01Bud1\x00",
    "news/tagged.txt": b"# newdoc\n# sent_id = 1\n1\tWord\tword\tNOUN\t_\t_\t0\troot\t_\t_\n",
}
EXPECTED = [("news/a.txt", "Заголовок текста"),
            ("news/b.jsonl#n1", "Первая новость"), ("news/b.jsonl#n2", "Вторая новость"),
            ("news/c.csv.gz#2", "Заголовок CSV")]


@pytest.mark.parametrize("name, build", [
    ("a.tar", lambda m: tar_bytes(m)),
    ("a.tar.gz", lambda m: tar_bytes(m, "w:gz")),
    ("a.tgz", lambda m: tar_bytes(m, "w:gz")),
    ("a.tar.bz2", lambda m: tar_bytes(m, "w:bz2")),
    ("a.tar.xz", lambda m: tar_bytes(m, "w:xz")),
    ("a.zip", lambda m: zip_bytes(m)),
    ("a.zip", lambda m: zip_bytes(m, streamed=True)),
])
def test_archive_members(tmp_path, name, build):
    p = write(tmp_path, name, build(MEMBERS))
    articles, warnings = read(p)
    assert [(a.key, a.title) for a in articles] == EXPECTED
    assert all(a.path == str(p) for a in articles)
    assert warnings == [f"{p}:news/empty.txt: empty file"]


def test_zip_read_as_a_stream_inside_a_tar(tmp_path):
    inner = zip_bytes({"x/one.txt": TXT, "x/two.jsonl": JSONL}, streamed=True)
    p = write(tmp_path, "outer.tar.gz", tar_bytes({"dir/inner.zip": inner, "dir/z.txt": TXT}, "w:gz"))
    articles, warnings = read(p)
    assert [a.key for a in articles] == ["dir/inner.zip/x/one.txt", "dir/inner.zip/x/two.jsonl#n1",
                                         "dir/inner.zip/x/two.jsonl#n2", "dir/z.txt"]
    assert warnings == []


def test_nested_archives(tmp_path):
    level3 = tar_bytes({"deep/d.jsonl.xz": lzma.compress(JSONL)}, "w:bz2")
    level2 = zip_bytes({"mid/inner.tar.bz2": level3, "mid/m.txt": TXT})
    p = write(tmp_path, "top.tar.gz", tar_bytes({"top/x.zip": level2}, "w:gz"))
    articles, _ = read(p)
    assert [a.key for a in articles] == [
        "top/x.zip/mid/inner.tar.bz2/deep/d.jsonl.xz#n1", "top/x.zip/mid/inner.tar.bz2/deep/d.jsonl.xz#n2",
        "top/x.zip/mid/m.txt"]


def test_nesting_depth_is_limited(tmp_path):
    data = TXT
    for _ in range(formats.MAX_DEPTH + 3):
        data = gzip.compress(data)
    with pytest.raises(ArticleError, match="nested too deep"):
        read(write(tmp_path, "deep.txt.gz", data))


def test_truncated_tar_gz_keeps_what_came_before(tmp_path):
    members = {f"n/{i:03}.txt": (f"Статья {i}\n\n" + "текст " * 300 + str(i)).encode() for i in range(200)}
    packed = tar_bytes(members, "w:gz")
    p = write(tmp_path, "cut.tar.gz", packed[: len(packed) // 2])
    articles, warnings = read(p)
    assert 10 < len(articles) < 200
    assert [a.title for a in articles] == [f"Статья {i}" for i in range(len(articles))]
    assert len(warnings) >= 1 and "read before the damage" in warnings[-1]


def test_corrupt_zip_member_does_not_stop_the_others(tmp_path):
    data = bytearray(zip_bytes({"a.txt": TXT * 50, "b.txt": "Второй\n\nтекст".encode()}))
    start = data.index(b"a.txt") + 10
    data[start:start + 40] = b"\xff" * 40  # damage a's deflate stream
    articles, warnings = read(write(tmp_path, "d.zip", bytes(data)))
    assert [a.key for a in articles] == ["b.txt"]
    assert len(warnings) == 1 and warnings[0].startswith(f"{tmp_path / 'd.zip'}:a.txt: damaged data")


def test_truncated_zip_is_read_by_its_local_headers(tmp_path):
    members = {f"n/{i:02}.txt": (f"Статья {i}\n\n" + "текст " * 200).encode() for i in range(30)}
    packed = zip_bytes(members)
    p = write(tmp_path, "cut.zip", packed[: len(packed) // 2])
    articles, warnings = read(p)
    assert 5 < len(articles) < 30
    assert [a.key for a in articles] == [f"n/{i:02}.txt" for i in range(len(articles))]
    assert "reading the members in order" in warnings[0]
    assert "read before the damage" in warnings[-1]


def test_archive_without_supported_members_is_an_error(tmp_path):
    with pytest.raises(ArticleError, match="no supported files"):
        read(write(tmp_path, "x.tar", tar_bytes({"a.xml": b"<a/>", "b.png": b"\x89PNG"})))


def test_archive_member_is_streamed(tmp_path, monkeypatch):
    # A JSON Lines member yields its first article before the tar has been read far.
    big = b"".join(json.dumps({"title": f"t{i}", "text": "x" * 2000}).encode() + b"\n" for i in range(3000))
    p = write(tmp_path, "big.tar", tar_bytes({"big.jsonl": big}))
    opened = []
    real_fdopen = os.fdopen

    def spy_fdopen(fd, *args, **kwargs):  # files are opened with os.open (O_NONBLOCK), then this
        f = real_fdopen(fd, *args, **kwargs)
        opened.append(f)
        return f
    monkeypatch.setattr("os.fdopen", spy_fdopen)
    articles = read_file(p)
    assert next(articles).title == "t0"
    assert opened[0].tell() < os.path.getsize(p) // 4
    articles.close()


# --- Taiga ------------------------------------------------------------------------------------

TAIGA_META = ("segment\ttextid\ttextname\ttextrubric\tdate\ttime\ttags\tsource\n"
              "Lenta\t20100101a\tПервый &quot;заголовок&quot;\tРоссия\t01.01.2010\t02:43\t\thttps://lenta.ru/news/2010/01/01/a/\n"
              "Lenta\t20100101b\tВторой заголовок\tМир\t02.01.2010\t10:05\t\thttps://lenta.ru/news/2010/01/02/b/\n").encode()
TAIGA_TEXTS = {"home/x/Lenta/texts/20100101a.txt": "\nПервое предложение текста.\nВторое.\n".encode(),
               "home/x/Lenta/texts/20100101b.txt": "Текст второй статьи.".encode(),
               "home/x/Lenta/texts/nometa.txt": "Сам себе заголовок\nи тело".encode(),
               "home/x/Lenta/tagged_texts/20100101a.txt": b"# newdoc\n# newpar\n1\tx\tx\tX\t_\t_\t0\troot\t_\t_\n"}


@pytest.mark.parametrize("table_first", [True, False])
def test_taiga_texts_take_titles_and_dates_from_the_metadata(tmp_path, table_first):
    members = {"home/x/Lenta/newmetadata.csv": TAIGA_META}
    members = {**members, **TAIGA_TEXTS} if table_first else {**TAIGA_TEXTS, **members}
    articles, warnings = read(write(tmp_path, "Lenta.tar.gz", tar_bytes(members, "w:gz")))
    assert warnings == []
    got = {a.key: a for a in articles}
    assert set(got) == {"home/x/Lenta/texts/20100101a.txt", "home/x/Lenta/texts/20100101b.txt",
                        "home/x/Lenta/texts/nometa.txt"}
    a = got["home/x/Lenta/texts/20100101a.txt"]
    assert (a.title, a.body, a.date, a.section, a.source, a.url, a.format) == (
        'Первый "заголовок"', "Первое предложение текста.\nВторое.", datetime(2010, 1, 1, 2, 43),
        "Россия", "Лента.ру", "https://lenta.ru/news/2010/01/01/a/", "taiga")
    assert got["home/x/Lenta/texts/nometa.txt"].title == "Сам себе заголовок"


def test_taiga_fontanka_ids_and_tags_with_a_url(tmp_path):
    meta = ("segment\ttextid\ttextname\tdate\ttime\ttags\n"
            "Fontanka\t20070101001\tЗаголовок\t01.01.2007\t12:04\tСПб, фонтанка, политикаhttp://www.fontanka.ru/2007/01/01/001/\n").encode()
    members = {"h/Fontanka/metatable_2007.csv": meta, "h/Fontanka/texts/2007/fontanka_20070101001.txt": TXT}
    (a,), _ = read(write(tmp_path, "Fontanka.tar.gz", tar_bytes(members, "w:gz")))
    assert (a.title, a.url, a.tags, a.date) == ("Заголовок", "http://www.fontanka.ru/2007/01/01/001/", [],
                                                datetime(2007, 1, 1, 12, 4))


# --- is_supported and never-crash ---------------------------------------------------------------

def test_is_supported_sniffs_files_without_suffix(tmp_path):
    assert is_supported(write(tmp_path, "dump", gzip.compress(JSONL)))
    assert is_supported(write(tmp_path, "README", b"Just text\n"))
    assert not is_supported(write(tmp_path, "blob", b"\x00\x01\x02\x03"))
    assert not is_supported(write(tmp_path, ".DS_Store", b"\x00\x00\x00\x01Bud1"))
    assert not is_supported(tmp_path / "missing")


SUFFIXES = [".txt", ".html", ".json", ".jsonl", ".csv", ".tsv", ".gz", ".jsonl.gz", ".csv.bz2",
            ".json.xz", ".tar", ".tar.gz", ".tgz", ".zip", ""]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(suffix=st.sampled_from(SUFFIXES),
       data=st.one_of(
           st.binary(max_size=2000),
           st.sampled_from([JSONL, CSV, TXT, b"[", b"{", b'{"a": [', b'["x", {"title": 1}]', b"\xef\xbb\xbf"]),
           st.builds(lambda b, f: f(b), st.binary(max_size=500),
                     st.sampled_from([gzip.compress, bz2.compress, lzma.compress,
                                      lambda b: gzip.compress(b)[:-7],
                                      lambda b: tar_bytes({"m.jsonl": b}),
                                      lambda b: tar_bytes({"m.txt": b}, "w:gz")[:200],
                                      lambda b: zip_bytes({"m.csv": b}),
                                      lambda b: zip_bytes({"m.txt": b}, streamed=True)[:-30]])),
           st.text(max_size=500).map(lambda s: s.encode("utf-8", "surrogatepass")),
           # JSON and CSV punctuation soup: the scanner and the CSV resync on bad structure
           st.text(alphabet='[]{}",:\\ a1\n\t;', max_size=300).map(str.encode)))
def test_arbitrary_bytes_raise_only_article_errors(tmp_path, suffix, data):
    p = tmp_path / f"f{suffix}"
    p.write_bytes(data)
    try:
        for article in read_file(p, warn=lambda m: None):
            assert isinstance(article.title, str) and isinstance(article.body, str)
    except ArticleError:
        pass


# --- the shared corpus: official dump formats --------------------------------------------
# Expectations come from the raw files through csv/json/tarfile/zipfile, not from newsgrep.

CORUS = "corpus/raw/corus_fixtures"
NEW_DATES = hasattr(dates, "date_from_url")
RU_MONTHS = {"янв": 1, "фев": 2, "мар": 3, "апр": 4, "мая": 5, "май": 5, "июн": 6, "июл": 7,
             "авг": 8, "сен": 9, "окт": 10, "ноя": 11, "дек": 12}


def squash(text: str) -> str:
    return " ".join(text.split())


def assert_date(actual, expected, *, words: bool = False):
    """Word and slash dates need the full dates.py; the interim one may return None for them."""
    if words and not NEW_DATES:
        assert actual in (expected, None)
    else:
        assert actual == expected


def csv_rows(text_stream):
    csv.field_size_limit(1 << 30)
    return list(csv.DictReader(text_stream))


@pytest.mark.parametrize("name, opener", [("lenta-ru-news.csv.gz", gzip.open), ("lenta-ru-news.csv.bz2", bz2.open)])
def test_corus_lenta_csv(shared, name, opener):
    path = shared / CORUS / name
    with opener(path, "rt", encoding="utf-8", newline="") as f:
        rows = csv_rows(f)
    articles, warnings = read(path)
    first = rows[0]
    assert len(articles) == len(rows) and warnings == []
    assert articles[0].title == squash(first["title"])
    assert articles[0].url == first["url"] and articles[0].section == first["topic"]
    if first.get("date"):
        assert_date(articles[0].date, datetime.strptime(first["date"], "%Y/%m/%d"))
    else:  # no date column: the date in the URL
        y, m, d = re.search(r"/news/(\d{4})/(\d\d)/(\d\d)/", first["url"]).groups()
        assert_date(articles[0].date, datetime(int(y), int(m), int(d)), words=True)


ODS = ["gazeta.csv.gz", "interfax.csv.gz", "iz.csv.gz", "meduza.csv.gz", "ria.csv.gz", "rt.csv.gz",
       "tass-001.csv.gz"]


@pytest.mark.parametrize("name", ODS)
def test_corus_ods_csv(shared, name):
    path = shared / CORUS / "ods" / name
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        rows = csv_rows(f)
    articles, warnings = read(path)
    assert len(articles) == len(rows) and warnings == []
    assert articles[0].title == squash(rows[0]["title"])
    assert articles[0].date == datetime.strptime(rows[0]["date"], "%Y-%m-%d %H:%M:%S")
    assert articles[0].url == rows[0]["url"]
    assert "\n" in articles[0].body or "n" not in rows[0]["text"]  # the lost newlines are back


def test_corus_ria_json(shared):
    path = shared / CORUS / "ria.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    articles, warnings = read(path)
    assert len(articles) == len(records) and warnings == []
    assert articles[0].title == squash(records[0]["title"])
    assert articles[0].date is None  # the dump has no dates
    assert "<" not in articles[0].body and "риа новости" in articles[0].body


BURIY = ["lenta.tar.bz2", "news-articles-2014.tar.bz2", "news-articles-2015-part1.tar.bz2",
         "news-articles-2015-part2.tar.bz2", "webhose-2016.tar.bz2"]


@pytest.mark.parametrize("name", BURIY)
def test_corus_buriy_tarballs(shared, name):
    path = shared / CORUS / "buriy" / name
    rows, first_member = [], None
    with tarfile.open(path) as tar:
        for member in tar:
            if member.isfile():
                member_rows = csv_rows(io.TextIOWrapper(tar.extractfile(member), "utf-8", newline=""))
                first_member = first_member or member.name
                rows.extend(member_rows)
    articles, warnings = read(path)
    first = rows[0]
    assert len(articles) == len(rows) and warnings == []
    assert articles[0].key == f"{first_member}#2"
    assert articles[0].title == squash(first["title"])
    stamp = first.get("datetime") or first.get("date")
    assert articles[0].date == datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S")


def taiga_expected(path):
    """(number of texts, metadata row of the first text) straight from the tarball."""
    metas, texts = {}, []
    with tarfile.open(path) as tar:
        for member in tar:
            if not member.isfile():
                continue
            base = member.name.rsplit("/", 1)[-1]
            if re.fullmatch(r"(newmetadata|metatable_\d+)\.csv", base):
                f = io.TextIOWrapper(tar.extractfile(member), "utf-8", newline="")
                for row in csv.DictReader(f, delimiter="\t"):
                    metas.setdefault(row["textid"], row)
            elif "/texts/" in member.name and base.endswith(".txt"):
                texts.append(base[:-4])
    first = texts[0]
    return len(texts), metas.get(first) or metas.get(first.split("_", 1)[-1])


def taiga_date(date: str, time: str) -> datetime:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            d = datetime.strptime(date, fmt)
            break
        except ValueError:
            continue
    else:
        day, month, year = re.match(r"(\d+) (\w+)\.? (\d{4})", date).groups()
        d = datetime(int(year), RU_MONTHS[month[:3].lower()], int(day))
    h, m = time[:5].split(":")
    return d.replace(hour=int(h), minute=int(m))


@pytest.mark.parametrize("name", ["Fontanka.tar.gz", "Interfax.tar.gz", "KP.tar.gz", "Lenta.tar.gz", "NPlus1.tar.gz"])
def test_corus_taiga_tarballs(shared, name):
    path = shared / CORUS / "taiga" / name
    count, meta = taiga_expected(path)
    articles, warnings = read(path)
    assert len(articles) == count and warnings == []
    assert articles[0].title == squash(html.unescape(meta["textname"]))
    assert articles[0].section == meta["textrubric"]
    words = bool(re.search(r"[А-Яа-яЁё]", meta["date"]))
    assert_date(articles[0].date, taiga_date(meta["date"], meta["time"]), words=words)


def test_corus_persons_1000_zip(shared):
    path = shared / CORUS / "Persons-1000.zip"
    with zipfile.ZipFile(path) as zf:
        texts = [n for n in zf.namelist() if n.endswith("/text.txt") and "__MACOSX" not in n]
        lines = zf.read(texts[0]).decode("cp1251").splitlines()
    articles, warnings = read(path)
    assert len(articles) == len(texts) and warnings == []
    assert (articles[0].key, articles[0].title, articles[0].encoding) == (texts[0], lines[0].strip(), "cp1251")
    assert_date(articles[0].date, datetime.strptime(lines[2].strip(), "%d/%m/%Y %H:%M"), words=True)


def test_corus_collection5(shared):
    paths = sorted((shared / CORUS / "Collection5").glob("*"))
    supported = [p for p in paths if is_supported(p)]
    assert [p.suffix for p in supported] == [".txt"] * len(supported)  # not the .ann files
    for p in supported:
        lines = p.read_text("utf-8").splitlines()
        (a,), warnings = read(p)
        assert a.title == lines[0].strip() and warnings == []
        assert_date(a.date, datetime.strptime(lines[2].strip(), "%d/%m/%Y %H:%M"), words=True)


def test_corus_bsnlp(shared):
    paths = sorted((shared / CORUS / "bsnlp").rglob("*.txt"))
    assert paths
    for p in paths:
        lines = p.read_text("utf-8").splitlines()
        (a,), _ = read(p)
        assert (a.title, a.url, a.date) == (lines[4].strip(), lines[3].strip(),
                                             datetime.strptime(lines[2], "%Y-%m-%d"))


@pytest.mark.parametrize("name", ["articles/ru_kw_eval_rt_ng.jsonl.gz", "articles/ria_2023_topics.jsonl.gz",
                                  "articles/nerel_wikinews.jsonl.gz", "posts/telegram_news_posts.jsonl.gz"])
def test_corpus_jsonl_gz(shared, name):
    path = shared / "corpus" / name
    count, first = 0, None
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            first = first or record
            count += bool((record["title"] or "").strip() or (record["text"] or "").strip())
    warnings: list[str] = []
    got, a = 0, None
    for article in read_file(path, warn=warnings.append):
        got += 1
        a = a or article
    assert got == count
    assert a.key == first["id"]
    if (first["title"] or "").strip():
        assert a.title == squash(first["title"])
    else:  # no headline: the start of the text
        assert squash(first["text"].strip().split("\n")[0]).startswith(a.title.rstrip("…"))
    expected = datetime.fromisoformat(first["date"]).replace(tzinfo=None) if first["date"] else None
    assert a.date == expected
    assert (a.url, a.section) == (first["url"] or "", first["topic"] or "")


def test_texts_folder_without_metadata_is_read_once_each(tmp_path, monkeypatch):
    from newsgrep.articles import containers
    monkeypatch.setattr(containers, "_MAX_DEFERRED", 3)
    members = {f"a/texts/{i}.txt": f"Заголовок {i}\n\nТекст.".encode() for i in range(8)}
    articles, warnings = read(write(tmp_path, "plain.tar", tar_bytes(members)))
    assert sorted(a.title for a in articles) == [f"Заголовок {i}" for i in range(8)]
    assert len({a.key for a in articles}) == 8 and warnings == []
