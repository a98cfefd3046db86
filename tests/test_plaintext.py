"""Plain-text layouts: the seed's scraped page, headers, «Title / date / body», datelines."""
from __future__ import annotations

from datetime import datetime

from hypothesis import given, strategies as st

from newsgrep.articles import read_file
from newsgrep.articles.plaintext import parse_text

from .conftest import FIXTURES

BOILERPLATE = ("Подписаться", "Лента новостей", "читайте здесь")


def _searchable(article) -> str:
    return "\n".join((article.title, article.body, article.source, article.section, article.lead))


def test_seed_article(shared):
    [a] = read_file(shared / "seed" / "000_0a8e81f1e8901318.txt")
    assert a.title == ("Отбили 27 атак: как отвоевывали главное здание полиции Алматы "
                       "у террористов - видео")
    assert a.date == datetime(2022, 2, 21)
    assert a.source == "Sputnik Казахстан"
    assert a.section == "Январская трагедия в Казахстане"
    assert a.body.startswith("Официальный представитель департамента полиции Алматы")
    assert a.body.rstrip().endswith("смотрите на видео.")
    for word in BOILERPLATE:
        assert word not in _searchable(a)
    assert not _searchable(a).rstrip().endswith("0")


def test_scraped_page_fixture():
    [a] = read_file(FIXTURES / "articles" / "scraped_page.txt")
    assert a.title == "Спасатели вывели 14 туристов с перевала после ночной метели"
    assert a.date == datetime(2022, 2, 9)
    assert a.source == "Sputnik Казахстан"
    assert a.section == "Зима в горах Алматы"
    assert a.body.startswith("Сотрудники горноспасательной службы Алматы")
    assert a.body.endswith("никто серьезно не пострадал\", - сказал Жолдасов.")
    assert a.format == "scraped-page"
    for word in BOILERPLATE + ("Какие тропы у Медеу",):
        assert word not in _searchable(a)


def test_scraped_page_without_a_story():
    text = ("Вид на город, 1 марта 2022 г. - Sputnik Кыргызстан, 1920, 02.03.2022\n\n"
            "В Бишкеке открыли каток\n\nПодписаться\nКаток работает до конца марта.\n"
            "Лента новостей\n0\n")
    a = parse_text(text)
    assert (a.title, a.section, a.source) == ("В Бишкеке открыли каток", "", "Sputnik Кыргызстан")
    assert a.date == datetime(2022, 3, 2)
    assert a.body == "Каток работает до конца марта."


def test_title_date_body_layout():
    [a] = read_file(FIXTURES / "articles" / "plain_layout.txt")
    assert a.title == "Аким открыл новый мост через Большую Алматинку"
    assert a.date == datetime(2022, 3, 14)
    assert a.body.startswith("Новый автомобильный мост")
    assert "2022" not in a.body


def test_numeric_date_line_is_not_part_of_the_body():
    a = parse_text("Заголовок\n21.02.2022\n\nТекст.\n")
    assert (a.title, a.date, a.body) == ("Заголовок", datetime(2022, 2, 21), "Текст.")


def test_no_date_is_better_than_a_wrong_one():
    a = parse_text("Отбили 27 атак\n\nБой длился 10 часов, 25 нападавших задержаны.\n")
    assert a.date is None


def test_headers_layout():
    [a] = read_file(FIXTURES / "articles" / "headers.txt")
    assert a.title == "В Бишкеке прошел турнир по шахматам среди школьников"
    assert a.date == datetime(2022, 4, 5)
    assert (a.source, a.section, a.author) == ("Вечерний Бишкек", "Спорт", "Айгуль Садыкова")
    assert a.tags == ["шахматы", "дети", "Бишкек"]
    assert a.body.startswith("В турнире участвовали")


def test_dateline_gives_the_source():
    [a] = read_file(FIXTURES / "articles" / "dateline.txt")
    assert a.title == "Курс тенге укрепился к концу недели"
    assert a.source == "РИА Новости"
    assert a.date == datetime(2022, 3, 18)


def test_crlf_and_nul_bytes():
    a = parse_text("Заголовок\r\n\r\nПервая строка\x00\r\nВторая строка\r\n")
    assert (a.title, a.body) == ("Заголовок", "Первая строка\nВторая строка")


@given(st.text())
def test_parser_never_crashes(text):
    a = parse_text(text)
    assert isinstance(a.title, str) and isinstance(a.body, str)


def test_decoration_above_the_headline_is_skipped():
    a = parse_text("_______________\n--- === ---\nGoldED+ FAQ\n\nВопросы и ответы.\n")
    assert (a.title, a.body) == ("GoldED+ FAQ", "Вопросы и ответы.")


def test_fidonet_rus_files_are_read(shared):
    from newsgrep.articles import is_supported
    folder = shared / "corpus" / "raw" / "legacy_encodings"
    for path in folder.glob("*.rus"):
        assert is_supported(path)
        [a] = read_file(path)
        assert a.encoding == "cp866" and a.title and "GoldED" in a.title + a.body


def test_a_date_in_the_story_is_not_the_article_date():
    a = parse_text("Как начиналась революция\n\nВ воскресенье 9 января 1905 года рабочие "
                   "Петербурга пошли к Зимнему дворцу с петицией.\n")
    assert a.date is None
    b = parse_text("Заголовок\nОпубликовано 5 января 2022 г., 14:30\n\nТекст.\n")
    assert b.date == datetime(2022, 1, 5, 14, 30)
