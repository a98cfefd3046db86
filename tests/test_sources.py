"""Sources as a newsroom counts them: authors split off, one spelling per outlet,
the value as read kept; stored, searchable (author:) and counted (-c --by)."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys

import pytest

from newsgrep.articles import read_file
from newsgrep.articles.model import Article
from newsgrep.articles.plaintext import parse_text
from newsgrep.articles.sources import (credited, dateline, name_key, source_name, split_source,
                                       using_aliases)
from newsgrep.counting import group_counts
from newsgrep.errors import QueryError
from newsgrep.indexing import index_paths
from newsgrep.searching import count, fetch, search


@pytest.mark.parametrize("value,source,authors", [
    ("РИА Новости, Анастасия Силкина", "РИА Новости", ["Анастасия Силкина"]),
    ("РИА Новости, Анастасия Силкина и Юлия Зачетова", "РИА Новости",
     ["Анастасия Силкина", "Юлия Зачетова"]),
    ("РИА Новости, Ксения Нака", "РИА Новости", ["Ксения Нака"]),  # a surname the dictionary lacks
    ("Анастасия Силкина, РИА Новости", "РИА Новости", ["Анастасия Силкина"]),
    ("Интерфакс, А. Петров", "Интерфакс", ["А. Петров"]),
    ("Вечерний Бишкек; Петров И.В.", "Вечерний Бишкек", ["Петров И.В."]),
    ("Вечерний Бишкек, Иван Петров", "Вечерний Бишкек", ["Иван Петров"]),
    ("Reuters, John Smith", "Reuters", ["John Smith"]),  # Latin names only after a known agency
    ("ТАСС, фото: Иван Петров", "ТАСС", []),             # a photo credit is nobody's byline
    ("Вечерний Бишкек, автор: Иван Петров", "Вечерний Бишкек", ["Иван Петров"]),
    ("Автор: Иван Петров", "", ["Иван Петров"]),
    # commas that belong to the name: nothing is split
    ("Библиотека питониста | Python, Django, Flask", "Библиотека питониста | Python, Django, Flask", []),
    ("Библиотека программиста | программирование, кодинг, разработка",
     "Библиотека программиста | программирование, кодинг, разработка", []),
    ("Комсомольская Правда, Новосибирск", "Комсомольская Правда, Новосибирск", []),
    ("РИА Новости, Северный Кавказ", "РИА Новости, Северный Кавказ", []),
    ("Some Blog, John Smith", "Some Blog, John Smith", []),
    ("Раньше всех. Ну почти.", "Раньше всех. Ну почти.", []),
    ("  РИА   Новости ", "РИА Новости", []),
    ("", "", []),
])
def test_split_source(value, source, authors):
    assert split_source(value) == (source, authors)


@pytest.mark.parametrize("name,expected", [
    ("РИА новости", "РИА Новости"),
    ("риа новости", "РИА Новости"),
    ("RIA Novosti", "РИА Новости"),
    ("ria.ru", "РИА Новости"),
    ("https://www.ria.ru/", "РИА Новости"),
    ("РИА «Новости»", "РИА Новости"),
    ("tass.ru", "ТАСС"),
    ("/ТАСС/", "ТАСС"),
    ("INTERFAX.RU", "Интерфакс"),
    ("russian.rt.com", "RT"),
    ("ru.sputnik.kz", "Sputnik Казахстан"),
    ("sputnik казахстан", "Sputnik Казахстан"),
    ("lenta.ru", "Лента.ру"),
    ("Лёнта.ру", "Лента.ру"),   # ё and е are one letter in names too
    ("Sputnik", "Sputnik"),      # not every Sputnik is Kazakhstan's
    ("РИА Недвижимость", "РИА Недвижимость"),
    ("www.example.org", "example.org"),
    ("Вечерний  Бишкек", "Вечерний Бишкек"),
])
def test_source_name(name, expected):
    assert source_name(name) == expected


def test_extra_aliases_win_and_extend():
    extra = {"Вечерний Бишкек": ["vb.kg", "Вечерка"], "РИА": "РИА Новости"}
    assert source_name("vb.kg", extra) == "Вечерний Бишкек"
    assert source_name("ВЕЧЕРКА", extra) == "Вечерний Бишкек"
    assert source_name("ria.ru", extra) == "РИА"  # renames a built-in name too
    assert source_name("ria.ru") == "РИА Новости"
    with using_aliases({"Вечерний Бишкек": "vb.kg"}):
        assert source_name("vb.kg") == "Вечерний Бишкек"
        a = credited(Article(title="t", body="b", source="vb.kg, Иван Петров"))
        assert (a.source, a.author, a.source_raw) == ("Вечерний Бишкек", "Иван Петров", "vb.kg, Иван Петров")
    assert source_name("vb.kg") == "vb.kg"
    assert name_key("РИА «Новости»") == name_key("риа новости")


@pytest.mark.parametrize("text,place,source", [
    ("МОСКВА, 18 окт - РИА Новости. Текст", "МОСКВА", "РИА Новости"),
    ("АЛМАТЫ, 18 мар – РИА Новости, Анастасия Силкина. Текст", "АЛМАТЫ", "РИА Новости, Анастасия Силкина"),
    ("С.-ПЕТЕРБУРГ, 1 дек — РИА Новости. Текст", "С.-ПЕТЕРБУРГ", "РИА Новости"),
    ("МАКЕЕВКА (ДНР), 1 ноя - РИА Новости. Текст", "МАКЕЕВКА (ДНР)", "РИА Новости"),
    ("БУХТА КАПСЕЛЬ, СУДАК (Крым), 28 окт - РИА Новости. Т", "БУХТА КАПСЕЛЬ, СУДАК (Крым)", "РИА Новости"),
    ("МОСКВА, 15 окт — РИА Новости Американская актриса", "МОСКВА", "РИА Новости"),  # no full stop
    ("МОСКВА, 3 декабря/ Радио Sputnik. Текст", "МОСКВА", "Радио Sputnik"),
    ("БИШКЕК, 9 февраля 2022 – Sputnik. Текст", "БИШКЕК", "Sputnik"),
    ("КРАСНОЯРСК, 10 августа. /ТАСС/. Текст", "КРАСНОЯРСК", "ТАСС"),
    ("БИШКЕК, 5 августа /Новости-Грузия/. Текст", "БИШКЕК", "Новости-Грузия"),
    ("ТАСС, 10 августа. Текст", "", "ТАСС"),
    ("Москва. 30 апреля. INTERFAX.RU - Текст", "Москва", "INTERFAX.RU"),
])
def test_dateline(text, place, source):
    line = dateline(text)
    assert line is not None and (line.place, line.source) == (place, source)
    assert text[line.end:].lstrip(" .-–—").startswith(("Текст", "Т", "Американская"))


@pytest.mark.parametrize("text", [
    "МОСКВА, 5 мая - Власти города заявили о новых мерах поддержки малого бизнеса в столице. Далее",
    "МОСКВА, 10 августа. Текст без агентства.",
    "Обычное начало статьи, 5 мая - РИА Новости. Текст",
    "",
])
def test_no_dateline(text):
    assert dateline(text) is None


def test_plain_text_dateline_gives_source_author_and_raw():
    a = parse_text("Заголовок\n2023-12-02\n\nМОСКВА, 2 дек - РИА Новости, Анастасия Силкина. "
                   "Режиссер рассказал о новом фильме.\n")
    assert (a.source, a.author, a.source_raw) == ("РИА Новости", "Анастасия Силкина",
                                                  "РИА Новости, Анастасия Силкина")
    b = parse_text("Заголовок\n\nМОСКВА, 2 дек - РИА новости. Текст.\n")
    assert (b.source, b.author, b.source_raw) == ("РИА Новости", "", "РИА новости")


def test_headers_layout_reads_the_author():
    a = parse_text("Заголовок: Турнир\nИсточник: Вечерний Бишкек\nАвтор: Иван Петров\n\nТекст.\n")
    assert (a.source, a.author) == ("Вечерний Бишкек", "Иван Петров")


def test_html_page_author_from_json_ld_and_meta(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(
        '<html><head><meta property="og:title" content="Заголовок">'
        '<meta property="og:site_name" content="РИА новости">'
        '<meta property="article:author" content="https://ria.ru/author_silkina/">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "author": '
        '[{"@type": "Person", "name": "Анастасия Силкина"}, {"name": "Юлия Зачетова"}]}</script>'
        '</head><body><article><p>Текст статьи о кино, достаточно длинный, чтобы быть статьей.</p>'
        '</article></body></html>', encoding="utf-8")
    [a] = read_file(page)
    assert (a.source, a.author, a.source_raw) == ("РИА Новости", "Анастасия Силкина, Юлия Зачетова",
                                                  "РИА новости")
    page.write_text('<html><head><meta property="og:title" content="З">'
                    '<meta name="author" content="Иван Петров"></head>'
                    '<body><article><p>Текст статьи.</p></article></body></html>', encoding="utf-8")
    [b] = read_file(page)
    assert b.author == "Иван Петров"


# --- the index ---------------------------------------------------------------------------

ARTICLES = {
    # name: (dateline source, how many files)
    "ria": ("РИА Новости", 3),
    "ria_case": ("РИА новости", 1),
    "silkina": ("РИА Новости, Анастасия Силкина", 2),
    "pair": ("РИА Новости, Анастасия Силкина и Юлия Зачетова", 1),
    "tass": ("ТАСС", 1),
    "none": (None, 4),
}


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    """Articles of one story from several sources, bylines and spellings; and their index."""
    root = tmp_path_factory.mktemp("news")
    for name, (source, n) in ARTICLES.items():
        for i in range(n):
            head = f"МОСКВА, 5 мая - {source}. " if source else ""
            (root / f"{name}{i}.txt").write_text(
                f"Паводок в Подмосковье ({name} {i})\n2023-05-05\n\n"
                f"{head}Паводок затопил дороги в Подмосковье, сообщили спасатели.\n", encoding="utf-8")
    index = tmp_path_factory.mktemp("index")
    index_paths([root], index)
    return root, index


def test_counts_by_source_are_one_row_per_outlet_and_none_in_its_place(news):
    _, index = news
    rows = group_counts(index, "паводок", "source")
    assert rows == [("РИА Новости", 7), (None, 4), ("ТАСС", 1)]


def test_counts_by_author(news):
    _, index = news
    rows = group_counts(index, "паводок", "author")
    assert rows == [(None, 9), ("Анастасия Силкина", 3), ("Юлия Зачетова", 1)]


def test_author_is_searchable_stored_and_shown(news):
    root, index = news
    assert count(index, "author:Силкина") == 3
    assert count(index, "author:Зачетова паводок") == 1
    assert count(index, 'author:"Анастасия Силкина"') == 3
    assert count(index, 'source:"РИА Новости"') == 7
    [hit] = search(index, "author:Зачетова").hits
    assert hit.author == "Анастасия Силкина, Юлия Зачетова" and hit.source == "РИА Новости"
    [view] = fetch(index, str(root / "ria_case0.txt"))
    assert (view.source, view.author, view.source_raw) == ("РИА Новости", "", "РИА новости")
    [view] = fetch(index, str(root / "tass0.txt"))
    assert (view.source, view.source_raw) == ("ТАСС", "ТАСС")


def test_cli_json_show_and_counts(news):
    from click.testing import CliRunner

    from newsgrep.cli import cli

    root, index = news
    runner = CliRunner()

    def run(*args):
        return runner.invoke(cli, [*args, "--index", str(index)], catch_exceptions=False)

    result = run("search", "паводок", "-c", "--by", "source")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["РИА Новости\t7", "(no source)\t4", "ТАСС\t1"]
    hits = [json.loads(line) for line in run("search", "паводок", "--json", "-n", "20").stdout.splitlines()]
    assert all("author" in h for h in hits)
    assert {h["author"] for h in hits} == {None, "Анастасия Силкина", "Анастасия Силкина, Юлия Зачетова"}
    shown = run("show", str(root / "silkina0.txt"), "--json")
    obj = json.loads(shown.stdout)
    assert (obj["source"], obj["author"], obj["source_raw"]) == (
        "РИА Новости", "Анастасия Силкина", "РИА Новости, Анастасия Силкина")
    plain = run("show", str(root / "silkina0.txt"), "--no-pager").stdout.splitlines()
    assert "author   Анастасия Силкина" in plain
    by_author = run("search", "паводок", "-c", "--by", "author")
    assert by_author.stdout.splitlines()[:2] == ["(no author)\t9", "Анастасия Силкина\t3"]


def test_extra_aliases_at_index_and_count_time(tmp_path):
    root = tmp_path / "a"
    root.mkdir()
    for i, source in enumerate(["vb.kg", "Вечерний Бишкек", "ВЕЧЕРНИЙ БИШКЕК", "Вечерка"]):
        (root / f"{i}.txt").write_text(f"Заголовок: Мост {i}\nИсточник: {source}\n\nМост открыли.\n",
                                       encoding="utf-8")
    aliases = {"Вечерний Бишкек": ["vb.kg", "Вечерка"]}
    index_paths([root], tmp_path / "ix", source_aliases=aliases)
    assert group_counts(tmp_path / "ix", "мост", "source") == [("Вечерний Бишкек", 4)]
    index_paths([root], tmp_path / "plain")
    # without the aliases: letter case still merges; the config's aliases apply when counting
    assert group_counts(tmp_path / "plain", "мост", "source") == [
        ("Вечерний Бишкек", 2), ("vb.kg", 1), ("Вечерка", 1)]
    assert group_counts(tmp_path / "plain", "мост", "source", source_aliases=aliases) == [
        ("Вечерний Бишкек", 4)]


def test_an_index_built_before_authors_keeps_working(tmp_path, monkeypatch):
    """An index whose schema has no author field (built by an older newsgrep): searches,
    counts and updates work; author: and --by author say to rebuild."""
    import newsgrep.indexing.run as indexing
    from newsgrep.engine.whoosh import schema

    root = tmp_path / "a"
    root.mkdir()
    (root / "1.txt").write_text("Паводок\n2023-05-05\n\nМОСКВА, 5 мая - РИА Новости, Анастасия Силкина. "
                                "Паводок затопил дороги.\n", encoding="utf-8")
    (root / "2.txt").write_text("Паводок 2\n2023-05-05\n\nМОСКВА, 5 мая - РИА Новости. Паводок.\n",
                                encoding="utf-8")

    def old_schema(*args, **kw):
        s = schema.build_schema(*args, **kw)
        s.remove("author")
        s.remove("source_raw")
        return s

    monkeypatch.setattr(indexing, "build_schema", old_schema)
    index_paths([root], tmp_path / "ix")
    monkeypatch.undo()
    assert "author" not in schema.open_index(tmp_path / "ix")[0].schema
    assert count(tmp_path / "ix", "паводок") == 2
    [hit] = search(tmp_path / "ix", "затопил").hits
    assert hit.author == ""
    assert group_counts(tmp_path / "ix", "паводок", "source") == [("РИА Новости", 2)]
    with pytest.raises(QueryError, match="rebuild"):
        count(tmp_path / "ix", "author:Силкина")
    with pytest.raises(QueryError, match="rebuild"):
        group_counts(tmp_path / "ix", "паводок", "author")
    (root / "3.txt").write_text("Паводок 3\n\nТекст о паводке.\n", encoding="utf-8")
    warnings = []
    index_paths([root], tmp_path / "ix", on_warning=warnings.append)
    assert count(tmp_path / "ix", "паводок") == 3
    assert any("before newsgrep kept authors" in w for w in warnings)
    index_paths([root], tmp_path / "ix", rebuild=True)
    assert count(tmp_path / "ix", "author:Силкина") == 1


# --- the corpus --------------------------------------------------------------------------

def test_ria_corpus_counts_one_ria_and_finds_its_authors(tmp_path, shared):
    """The 1,445 RIA articles of the shared corpus, as one file each: one «РИА Новости»
    row (not one per byline or spelling), and the bylines searchable as author:."""
    dump = shared / "corpus" / "articles" / "ria_2023_topics.jsonl.gz"
    if not dump.exists():
        pytest.skip("the RIA dump is not in ../shared/corpus")
    files = tmp_path / "files"
    subprocess.run([sys.executable, str(shared / "corpus" / "make_files.py"), str(dump),
                    "-o", str(files), "--per-dir", "500"], check=True, capture_output=True)
    bylines = 0
    with gzip.open(dump, "rt", encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line)["text"] or ""
            bylines += text[:80].count("РИА Новости, Анастасия Силкина")
    index = tmp_path / "index"
    report = index_paths([files], index, jobs=2)
    assert report.total == 1445
    rows = group_counts(index, "date:2000..2030", "source")
    names = [k for k, _ in rows]
    assert names.count("РИА Новости") == 1
    assert not [k for k in names if k and k != "РИА Новости" and k.casefold().startswith("риа новости")]
    ria = dict(rows)["РИА Новости"]
    assert ria > 1400 and ria == max(n for _, n in rows)
    assert bylines and count(index, "author:Силкина") == bylines
    authors = dict(group_counts(index, "date:2000..2030", "author"))
    assert authors["Анастасия Силкина"] == bylines and len(authors) > 10
