"""Multi-article dumps: JSON, JSON Lines, CSV, TSV (records.py, fields.py, tables.py)."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsgrep.articles import ArticleError, dates, is_supported, read_file
from newsgrep.articles.formats import Peekable, resolve_kind
from newsgrep.articles.fields import _EMPTY, title_from_text
from newsgrep.articles.records import read_records

NEW_DATES = pytest.mark.skipif(not hasattr(dates, "date_from_url"),
                               reason="the interim dates.py has no date_from_url")


def read(path, **kw):
    warnings: list[str] = []
    articles = list(read_file(path, warn=warnings.append, **kw))
    return articles, warnings


def write(tmp_path, name, content, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return p


def jsonl(*records) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


ONE = {"id": "a1", "title": "Банк России снизил ставку", "text": "Первый абзац.\nВторой абзац.",
       "date": "2023-10-20T09:20", "url": "https://example.ru/20231020/a1.html",
       "topic": "economy", "tags": ["ЦБ", "ставка"], "source": "example.ru",
       "summary": "Коротко о главном"}


# --- JSON Lines ---------------------------------------------------------------------

def test_jsonl_maps_every_field(tmp_path):
    p = write(tmp_path, "dump.jsonl", jsonl(ONE))
    (a,), warnings = read(p)
    assert warnings == []
    assert (a.title, a.body) == ("Банк России снизил ставку", "Первый абзац.\nВторой абзац.")
    assert a.date == datetime(2023, 10, 20, 9, 20)
    assert (a.url, a.section, a.source, a.lead) == (ONE["url"], "economy", "example.ru", "Коротко о главном")
    assert a.tags == ["ЦБ", "ставка"]
    assert (a.key, a.path, a.format, a.encoding) == ("a1", str(p), "jsonl", "utf-8")


def test_jsonl_bad_lines_are_warnings_with_line_numbers(tmp_path):
    lines = [jsonl({"title": "Первая", "text": "раз"}).strip(),
             '{"title": "Сломанная", "text": ',
             "",
             '["не", "объект"]',
             jsonl({"title": "Вторая", "text": "два"}).strip()]
    p = write(tmp_path, "news.jsonl", "\n".join(lines) + "\n")
    articles, warnings = read(p)
    assert [a.title for a in articles] == ["Первая", "Вторая"]
    assert [a.key for a in articles] == ["1", "5"]  # no id field: the line number
    assert len(warnings) == 2
    assert warnings[0].startswith(f"{p}:2: bad JSON: ")
    assert warnings[1] == f"{p}:4: not a JSON object"


def test_jsonl_keys_use_ids_only_while_unique(tmp_path):
    p = write(tmp_path, "d.jsonl", jsonl({"id": 7, "title": "a"}, {"id": 7, "title": "b"},
                                         {"title": "c"}, {"_id": "x", "title": "d"}))
    articles, _ = read(p)
    assert [a.key for a in articles] == ["7", "2", "3", "x"]


def test_jsonl_without_usable_records_is_an_error(tmp_path):
    p = write(tmp_path, "d.jsonl", "{broken\n{\"views\": 3}\n")
    with pytest.raises(ArticleError, match="no records"):
        read(p)


def test_records_without_title_or_text_are_skipped_with_one_warning(tmp_path):
    p = write(tmp_path, "d.jsonl", jsonl({"title": "a"}, {"views": 1}, {"text": " "}))
    articles, warnings = read(p)
    assert [a.title for a in articles] == ["a"]
    assert warnings == [f"{p}: 2 record(s) without title or text skipped"]


def test_jsonl_streams_without_reading_everything_first():
    # The first article comes out long before the stream is exhausted.
    data = jsonl(*({"title": f"t{i}", "text": "x" * 1000} for i in range(5000))).encode()
    raw = io.BytesIO(data)
    articles = read_records(Peekable(raw), "jsonl", label="mem")
    first = next(articles)
    assert first.title == "t0"
    assert raw.tell() < len(data) // 4


def test_huge_jsonl_line_is_skipped(tmp_path, monkeypatch):
    from newsgrep.articles import formats
    monkeypatch.setattr(formats, "MAX_RECORD_CHARS", 1000)
    p = write(tmp_path, "d.jsonl", jsonl({"title": "a"}, {"title": "b", "text": "y" * 5000}, {"title": "c"}))
    articles, warnings = read(p)
    assert [a.title for a in articles] == ["a", "c"]
    assert warnings == [f"{p}:2: line longer than 0M characters skipped"]


# --- JSON documents -------------------------------------------------------------------

def test_json_array_pretty_printed(tmp_path):
    docs = [{"headline": "Первая", "content": "раз"}, {"headline": "Вторая", "content": "два"}]
    p = write(tmp_path, "a.json", json.dumps(docs, ensure_ascii=False, indent=2))
    articles, warnings = read(p)
    assert [(a.title, a.body, a.key, a.format) for a in articles] == [
        ("Первая", "раз", "1", "json"), ("Вторая", "два", "2", "json")]
    assert warnings == []


def test_json_array_bad_element_is_skipped_with_its_line(tmp_path):
    text = '[\n {"title": "a"},\n {"title": "b" "text": 1},\n {"title": "c"},\n 5\n]\n'
    p = write(tmp_path, "a.json", text)
    articles, warnings = read(p)
    assert [a.title for a in articles] == ["a", "c"]
    assert warnings[0].startswith(f"{p}:3: bad JSON: Expecting ','")
    assert warnings[1] == f"{p}:5: not a JSON object"


def test_json_array_cut_short_keeps_what_came_before(tmp_path):
    p = write(tmp_path, "a.json", '[{"title": "a"}, {"title": "b"}, {"title": "c", "text": "обре')
    articles, warnings = read(p)
    assert [a.title for a in articles] == ["a", "b"]
    assert warnings == [f"{p}:1: bad JSON: the data ends inside a value"]


def test_json_array_with_long_strings_across_chunks(tmp_path):
    # Strings with escapes and brackets longer than the scanner's chunk.
    body = ('абв \\"кавычки\\" [скобки] {фигурные} \\\\ ' * 20000)
    text = "[" + ",".join(f'{{"title": "t{i}", "text": "{body}"}}' for i in range(3)) + "]"
    p = write(tmp_path, "big.json", text)
    articles, warnings = read(p)
    assert [a.title for a in articles] == ["t0", "t1", "t2"]
    assert articles[0].body == json.loads(f'"{body}"').strip()
    assert warnings == []


def test_json_object_mapping_keys_to_records(tmp_path):
    p = write(tmp_path, "m.json", json.dumps({"n1": {"title": "a", "text": "x"},
                                              "n2": {"title": "b", "text": "y"}}))
    articles, _ = read(p)
    assert [(a.key, a.title) for a in articles] == [("n1", "a"), ("n2", "b")]


def test_json_wrapper_object(tmp_path):
    p = write(tmp_path, "w.json", json.dumps({"total": 2, "articles": [{"title": "a"}, {"title": "b"}]},
                                             indent=1))
    articles, _ = read(p)
    assert [(a.key, a.title) for a in articles] == [("1", "a"), ("2", "b")]


@pytest.mark.parametrize("indent", [None, 2])
def test_json_single_object_is_one_article(tmp_path, indent):
    p = write(tmp_path, "one.json", json.dumps(ONE, ensure_ascii=False, indent=indent))
    (a,), _ = read(p)
    assert (a.title, a.key, a.url) == (ONE["title"], "", ONE["url"])


def test_telegram_export_text_parts(tmp_path):
    export = {"name": "Канал", "type": "public_channel", "id": 1, "messages": [
        {"id": 10, "type": "message", "date": "2024-01-02T10:00:00", "date_unixtime": "1704189600",
         "text": ["Срочно: ", {"type": "bold", "text": "новость"}, " дня"]},
        {"id": 11, "type": "service", "text": ""}]}
    p = write(tmp_path, "result.json", json.dumps(export, ensure_ascii=False, indent=1))
    (a,), _ = read(p)
    assert (a.title, a.key, a.date) == ("Срочно: новость дня", "10", datetime(2024, 1, 2, 10))


def test_json_that_is_json_lines_and_jsonl_without_suffix(tmp_path):
    text = jsonl({"title": "a"}, {"title": "b"})
    for name in ("dump.json", "dump"):
        articles, _ = read(write(tmp_path, name, text))
        assert [(a.title, a.key, a.format) for a in articles] == [("a", "1", "jsonl"), ("b", "2", "jsonl")]
    assert is_supported(tmp_path / "dump")


# --- field mapping ----------------------------------------------------------------

@pytest.mark.parametrize("record, field, expected", [
    ({"Headline": "Заг", "text": "т"}, "title", "Заг"),
    ({"заголовок": "Заг", "текст": "т"}, "body", "т"),
    ({"title": "З", "full_text": "полный", "text": ""}, "body", "полный"),
    ({"title": "З", "Body": "тело"}, "body", "тело"),
    ({"title": "З", "annotation": "лид"}, "lead", "лид"),
    ({"title": "З", "Description": "  много   пробелов "}, "lead", "много пробелов"),
    ({"title": "З", "link": "https://x.ru/1"}, "url", "https://x.ru/1"),
    ({"title": "З", "href": "https://x.ru/2"}, "url", "https://x.ru/2"),
    ({"title": "З", "рубрика": "Спорт"}, "section", "Спорт"),
    ({"title": "З", "Category": "Наука"}, "section", "Наука"),
    ({"title": "З", "agency": "ТАСС"}, "source", "ТАСС"),
    ({"title": "З", "publisher": {"name": "РБК"}}, "source", "РБК"),
    ({"title": "З", "source": "https://lenta.ru/news/1", "segment": "Lenta"}, "source", "Лента.ру"),
    ({"title": "З", "source": "https://lenta.ru/news/1", "segment": "Lenta"}, "source_raw", "Lenta"),
    ({"title": "З", "source": "РИА Новости, Анастасия Силкина"}, "source", "РИА Новости"),
    ({"title": "З", "source": "РИА Новости, Анастасия Силкина"}, "author", "Анастасия Силкина"),
    ({"title": "З", "source": "РИА Новости, Анастасия Силкина"}, "source_raw",
     "РИА Новости, Анастасия Силкина"),
    ({"title": "З", "authors": ["Иван Петров", {"name": "Анна Смирнова"}]}, "author",
     "Иван Петров, Анна Смирнова"),
    ({"title": "З", "Автор": "И. Петров и А. Смирнова"}, "author", "И. Петров, А. Смирнова"),
    ({"title": "З", "byline": "Текст: Иван Петров"}, "author", "Иван Петров"),
    ({"title": "З", "text": "МОСКВА, 5 мая - РИА Новости, Юлия Зачетова. Текст."}, "source", "РИА Новости"),
    ({"title": "З", "text": "МОСКВА, 5 мая - РИА Новости, Юлия Зачетова. Текст."}, "author", "Юлия Зачетова"),
    ({"title": "З", "site": "ria.ru", "text": "МОСКВА, 5 мая - РИА Новости, Юлия Зачетова. Т."},
     "source_raw", "ria.ru"),
    ({"title": "З", "author": "Юлия Зачетова", "text": "МОСКВА, 5 мая - РИА Новости, Юлия Зачетова. Т."},
     "author", "Юлия Зачетова"),
    ({"title": "З", "author": "Анна Смирнова", "text": "МОСКВА, 5 мая - РИА Новости, Юлия Зачетова. Т."},
     "author", "Анна Смирнова, Юлия Зачетова"),
    ({"title": "З", "channel": "x", "source": "Библиотека питониста | Python, Django, Flask"},
     "source", "Библиотека питониста | Python, Django, Flask"),
    ({"title": "З", "source": "https://lenta.ru/news/1"}, "url", "https://lenta.ru/news/1"),
    ({"title": "З", "keywords": "газ, нефть; уголь"}, "tags", ["газ", "нефть", "уголь"]),
    ({"title": "З", "tags": "['Китай', 'Экономика']"}, "tags", ["Китай", "Экономика"]),
    ({"title": "З", "tags": ["a", "a", " b "]}, "tags", ["a", "b"]),
    ({"title": "З", "publish_date": 1704189600}, "date", datetime(2024, 1, 2, 10, 0)),
    ({"title": "З", "timestamp": 1704189600123}, "date", datetime(2024, 1, 2, 10, 0, 0, 123000)),
    ({"title": "З", "created_at": "1704189600"}, "date", datetime(2024, 1, 2, 10, 0)),
    ({"title": "З", "pubDate": "2019-08-10 06:35:00"}, "date", datetime(2019, 8, 10, 6, 35)),
    ({"title": "З", "datetime": "2024-05-01T10:00:00+03:00"}, "date", datetime(2024, 5, 1, 10)),
    ({"title": "З", "date": "1914/09/16"}, "date", datetime(1914, 9, 16)),
    ({"title": "З", "date": "2016-12-13", "time": "10:50:00+03:00"}, "date", datetime(2016, 12, 13, 10, 50)),
    ({"title": "З", "date": "2019", "views": 5}, "date", None),
    ({"title": "З", "date": "не дата"}, "date", None),
    ({"title": "&quot;Газпром&quot; и\xa0<b>газ</b>"}, "title", '"Газпром" и газ'),
    ({"title": "-", "text": "Первая строка.\nвторая"}, "title", "Первая строка."),
    ({"name": "Имя как заголовок"}, "title", "Имя как заголовок"),
    ({"title": None, "message": "**Жирный** пост\nдальше"}, "title", "Жирный пост"),
])
def test_field_mapping(tmp_path, record, field, expected):
    (a,), _ = read(write(tmp_path, "r.jsonl", jsonl(record)))
    assert getattr(a, field) == expected


@NEW_DATES
def test_missing_date_comes_from_the_url(tmp_path):
    (a,), _ = read(write(tmp_path, "r.jsonl", jsonl({"title": "З", "url": "https://lenta.ru/news/2018/12/14/x/"})))
    assert a.date == datetime(2018, 12, 14)


@NEW_DATES
def test_russian_date_and_separate_time(tmp_path):
    (a,), _ = read(write(tmp_path, "r.jsonl", jsonl({"title": "З", "date": "1 января 2010", "time": "02:43"})))
    assert a.date == datetime(2010, 1, 1, 2, 43)


def test_html_text_is_turned_into_text(tmp_path):
    rec = {"title": "т", "text": "<p><strong>москва, 31 янв - риа новости.</strong> текст&nbsp;статьи &mdash; "
                                 "<a href=\"http://x\">ссылка</a></p>\n<p>второй</p>"}
    (a,), _ = read(write(tmp_path, "r.jsonl", jsonl(rec)))
    assert "<" not in a.body and "&nbsp;" not in a.body and "&mdash;" not in a.body
    assert "москва, 31 янв - риа новости." in a.body and "ссылка" in a.body and "второй" in a.body


def test_plain_text_with_ampersand_is_left_alone(tmp_path):
    rec = {"title": "т", "text": "AT&T и Procter & Gamble: 3 < 5"}
    (a,), _ = read(write(tmp_path, "r.jsonl", jsonl(rec)))
    assert a.body == rec["text"]


@pytest.mark.parametrize("text, title", [
    ("Короткая строка\nтело", "Короткая строка"),
    ("Первое предложение достаточно длинное. " + "Второе " * 40, "Первое предложение достаточно длинное."),
    ("слово " * 60, ("слово " * 20).strip() + "…"),
])
def test_title_from_text(text, title):
    result = title_from_text(text)
    assert result == title
    assert len(result) <= 121


# --- CSV and TSV ---------------------------------------------------------------------

def test_csv_with_multiline_fields_and_row_keys(tmp_path):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["url", "Title", "text", "topic", "tags", "date"])
    w.writerow(["https://lenta.ru/news/1914/09/16/a/", "Первая", "Строка 1\nстрока 2, с запятой", "Мир", "Война", "16.09.1914"])
    w.writerow(["https://lenta.ru/news/1914/09/17/b/", "Вторая", 'Кавычки "внутри"', "Мир", "", ""])
    p = write(tmp_path, "lenta.csv", buf.getvalue())
    articles, warnings = read(p)
    assert warnings == []
    assert [(a.key, a.title, a.body, a.section, a.tags) for a in articles] == [
        ("2", "Первая", "Строка 1\nстрока 2, с запятой", "Мир", ["Война"]),
        ("4", "Вторая", 'Кавычки "внутри"', "Мир", [])]
    assert articles[0].date == datetime(1914, 9, 16)
    assert articles[0].format == "csv"


def test_csv_broken_quote_costs_one_row(tmp_path):
    text = ("title,text,date\n"
            "Первая,раз,01.02.2020\n"
            'Сломанная,"незакрытая кавычка,01.02.2020\n'
            "Третья,три,01.02.2020\n"
            'Четвёртая,"четыре, с запятой",01.02.2020\n')
    p = write(tmp_path, "b.csv", text)
    articles, warnings = read(p)
    assert [a.title for a in articles] == ["Первая", "Третья", "Четвёртая"]
    assert [a.key for a in articles] == ["2", "4", "5"]
    assert len(warnings) == 1 and warnings[0].startswith(f"{p}:3: broken CSV row")


def test_csv_row_with_extra_fields_is_reported(tmp_path):
    p = write(tmp_path, "b.csv", "title,text\nа,б\nв,г,д\nе,ж,\n")
    articles, warnings = read(p)
    assert [a.title for a in articles] == ["а", "е"]  # a trailing empty cell is fine
    assert warnings == [f"{p}:3: broken CSV row (3 fields, expected 2)"]


def test_csv_huge_field(tmp_path):
    big = "слово " * 100_000  # 600 K characters: over csv's default 128 K limit
    p = write(tmp_path, "h.csv", f'title,text\nБольшой,"{big}"\nМаленький,текст\n')
    articles, warnings = read(p)
    assert [len(a.body) for a in articles] == [len(big.strip()), 5]
    assert warnings == []


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_csv_delimiter_is_sniffed(tmp_path, delimiter):
    text = delimiter.join(["Заголовок", "Текст", "Дата"]) + "\n" + delimiter.join(["Раз", "два, три", "05.06.2021"]) + "\n"
    (a,), _ = read(write(tmp_path, "x.csv", text))
    assert (a.title, a.body, a.date) == ("Раз", "два, три", datetime(2021, 6, 5))


def test_tsv_without_quoting(tmp_path):
    # A TSV writer that never quotes: a field that starts with «"» is still one field.
    text = 'textid\ttextname\ttext\n1\t"Газпром" и Белоруссия\tтело один\n2\tВторой\tтело "два"\n'
    articles, warnings = read(write(tmp_path, "meta.tsv", text))
    assert [(a.key, a.title, a.body) for a in articles] == [
        ("1", '"Газпром" и Белоруссия', "тело один"), ("2", "Второй", 'тело "два"')]
    assert warnings == []


def test_csv_cp1251_crlf_bom(tmp_path):
    text = "title;text\r\nЗаголовок;Текст статьи\r\n"
    (a,), _ = read(write(tmp_path, "w.csv", text, encoding="cp1251"))
    assert (a.title, a.body, a.encoding) == ("Заголовок", "Текст статьи", "cp1251")
    (b,), _ = read(write(tmp_path, "u.csv", "\ufefftitle,text\nЗ,Т\n"))
    assert (b.title, b.body) == ("З", "Т")


def test_csv_without_title_or_text_column(tmp_path):
    with pytest.raises(ArticleError, match="no title or text column"):
        read(write(tmp_path, "n.csv", "a,b\n1,2\n"))


def test_ods_lost_newlines_are_restored(tmp_path):
    header = ("date,url,edition,topics,authors,title,text,reposts_fb,reposts_vk,reposts_ok,"
              "reposts_twi,reposts_lj,reposts_tg,likes,views,comm_count")
    row = ('2019-08-10 06:35:00,https://ria.ru/20190810/1.html,ria.ru,Происшествия,,Туристы,'
           '"ВЛАДИВОСТОК, 10 авг – РИА Новости.nВосемнадцать туристов застряли.nn""На пляже"", — сказали.",'
           '-,-,-,-,-,-,-,-,-')
    (a,), _ = read(write(tmp_path, "ria.csv", header + "\n" + row + "\n"))
    assert a.body == 'ВЛАДИВОСТОК, 10 авг – РИА Новости.\nВосемнадцать туристов застряли.\n\n"На пляже", — сказали.'
    assert (a.source, a.section, a.date) == ("РИА Новости", "Происшествия", datetime(2019, 8, 10, 6, 35))
    assert (a.source_raw, a.author) == ("ria.ru", "")


# --- sniffing -------------------------------------------------------------------------

@pytest.mark.parametrize("name, head, kind", [
    ("a.txt", b"<!DOCTYPE html><html><head><title>x</title>", "html"),
    ("a.txt", b"\xef\xbb\xbf  <html lang=ru>", "html"),
    ("a.txt", b"Title\n\n{\"not\": \"json\"}", "text"),
    ("a.txt", b"# newdoc\n# sent_id = 1\n1\tWord\tword\tNOUN\t_\n", None),
    ("a.json", b'{"a": 1}\n{"a": 2}\n', "json"),
    ("a.jsonl", b'[1, 2]\n', "jsonl"),
    ("noext", b'{"title": "x"}\n', "json"),
    ("noext", b"title,text\nx,y\n", "csv"),
    ("noext", b"title\ttext\nx\ty\n", "tsv"),
    ("noext", b"Plain text article\nbody", "text"),
    ("noext", b"\x00\x01binary", None),
    ("a.csv", b"\x1f\x8b\x08\x00", "gzip"),
    ("a.xml", b"<xml/>", None),
    ("a.csv.gz", b"title,text\nx,y\n", "csv"),
    (".DS_Store", b"\x00\x00\x00\x01Bud1", None),
])
def test_resolve_kind(name, head, kind):
    assert resolve_kind(name, head) == kind


@pytest.mark.parametrize("name, ok", [
    ("a.txt", True), ("a.JSONL", True), ("a.ndjson", True), ("a.csv", True), ("a.tsv", True),
    ("a.json.gz", True), ("a.csv.bz2", True), ("a.jsonl.xz", True), ("a.tar.gz", True),
    ("a.tgz", True), ("a.tar.bz2", True), ("a.zip", True), ("a.html", True),
    ("a.xml", False), ("a.ann", False), ("a.xml.gz", False), ("a.png", False), ("._a.txt", False),
])
def test_is_supported_by_name(name, ok):
    assert is_supported(name) is ok


def test_txt_that_is_html_goes_to_the_html_reader(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from newsgrep.articles import formats
    from newsgrep.articles.model import Article
    seen = []
    stub = SimpleNamespace(parse_html=lambda text: seen.append(text) or Article(title="из HTML", body="b"))
    monkeypatch.setattr(formats, "_html", lambda: stub)
    (a,), _ = read(write(tmp_path, "page.txt", "<!doctype html><html><body><p>x</p></body></html>"))
    assert a.title == "из HTML" and seen


def test_plain_txt_is_read_as_before(tmp_path):
    (a,), _ = read(write(tmp_path, "a.txt", "Заголовок\n\nТело статьи.\n"))
    assert (a.title, a.body, a.key, a.format) == ("Заголовок", "Тело статьи.", "", "text")


def test_bsnlp_layout(tmp_path):
    text = "ru-doc-1\nru\n2019-01-10\nhttps://example.ru/1\nЗаголовок документа\n\nТело.\n"
    (a,), _ = read(write(tmp_path, "x.txt", text))
    assert (a.title, a.date, a.url, a.body) == ("Заголовок документа", datetime(2019, 1, 10),
                                                "https://example.ru/1", "Тело.")


# --- the JSON scanner agrees with json on valid documents ----------------------------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30))
_values = st.recursive(_scalars, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                         st.dictionaries(st.text(max_size=8), kids, max_size=4)),
                       max_leaves=12)
# Placeholders («-», «None», «nan» ...) are missing values by design, not titles.
# «<» and «&» are left out: titles with markup are cleaned, which is tested elsewhere.
# (no NUL: «\u0000» is dropped from titles, as NUL bytes are)
_titles = st.text(st.characters(blacklist_characters="<&\x00", blacklist_categories=("Cs",)),
                  min_size=1, max_size=40).filter(lambda t: t.strip() and t.strip() not in _EMPTY)
_records = st.fixed_dictionaries({"title": _titles},
                                 optional={"text": st.text(max_size=80), "extra": _values})


@settings(max_examples=200, deadline=None)
@given(docs=st.lists(_records, min_size=1, max_size=6), indent=st.sampled_from([None, 1, 4]),
       ascii_only=st.booleans(), chunk=st.integers(1, 50))
def test_json_scanner_agrees_with_json(docs, indent, ascii_only, chunk):
    from newsgrep.articles import records
    text = json.dumps(docs, indent=indent, ensure_ascii=ascii_only)
    old, records._CHUNK_CHARS = records._CHUNK_CHARS, chunk
    try:
        warnings: list[str] = []
        stream = Peekable(io.BytesIO(("\n" + text).encode()))
        got = list(read_records(stream, "json", label="mem", warn=warnings.append))
    finally:
        records._CHUNK_CHARS = old
    expected = [" ".join(d["title"].split()) for d in docs]
    assert [a.title for a in got] == [t for t in expected]
    assert not [w for w in warnings if "bad JSON" in w]


def test_deeply_nested_json_is_a_bad_record(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    p = write(tmp_path, "d.jsonl", jsonl({"title": "a"}) + deep + "\n" + jsonl({"title": "b", "text": [[["x"]]]}))
    articles, warnings = read(p)
    assert [(a.title, a.body) for a in articles] == [("a", ""), ("b", "x")]
    assert warnings == [f"{p}:2: bad JSON: nested too deep"]
    p = write(tmp_path, "d.json", f'[{{"title": "a"}}, {deep}, {{"title": "b"}}]')
    articles, warnings = read(p)
    assert [a.title for a in articles] == ["a", "b"]
    assert warnings == [f"{p}:1: bad JSON: nested too deep"]


@pytest.mark.parametrize("text, titles, warning", [
    ('[{"title": "a"}, }', ["a"], ":1: bad JSON: unexpected '}'; the rest of the file is skipped"),
    ('{"a": {"title": "x"} : 5}', ["x"], ":1: bad JSON: expected a key; the rest of the file is skipped"),
    ('[{"title": "a"},\n' + "x,\n" * 50 + "]", ["a"], ":22: bad JSON: too many bad values in a row; "
                                                        "the rest of the file is skipped"),
])
def test_broken_json_structure_stops_with_one_warning(tmp_path, text, titles, warning):
    p = write(tmp_path, "x.json", text)
    articles, warnings = read(p)
    assert [a.title for a in articles] == titles
    assert f"{p}{warning}" in warnings


def test_seen_keys_grow_and_stay_exact():
    from newsgrep.articles.fields import SeenKeys
    seen = SeenKeys(capacity=4)
    assert all(seen.add(f"k{i}") for i in range(5000))
    assert not any(seen.add(f"k{i}") for i in range(0, 5000, 7))
    assert seen.add("new")


def test_warnings_stop_after_twenty_bad_records(tmp_path):
    p = write(tmp_path, "x.jsonl", jsonl({"title": "a"}) + "{bad\n" * 50 + jsonl({"title": "b"}))
    articles, warnings = read(p)
    assert [a.title for a in articles] == ["a", "b"]
    assert len(warnings) == 22
    assert warnings[-2] == f"{p}: more bad records; their number follows at the end"
    assert warnings[-1] == f"{p}: 50 bad records in all"


@pytest.mark.parametrize("indent", [None, 2])
def test_jsonl_name_on_a_json_document(tmp_path, indent):
    docs = [{"title": "a"}, {"title": "b"}]
    text = json.dumps(docs, indent=indent) if indent else "[" + ",\n".join(map(json.dumps, docs)) + "]"
    articles, warnings = read(write(tmp_path, "x.jsonl", text))
    assert [a.title for a in articles] == ["a", "b"] and warnings == []
    articles, _ = read(write(tmp_path, "y.jsonl", json.dumps({"title": "c", "text": "d"}, indent=2)))
    assert [(a.title, a.key) for a in articles] == [("c", "")]
