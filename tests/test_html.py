"""newsgrep.articles.html: metadata, body extraction, fragments, charset, robustness."""
from __future__ import annotations

import html
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsgrep.articles.html import declared_charset, html_to_text, parse_html
from newsgrep.errors import ArticleError

PAGES = Path(__file__).resolve().parent / "fixtures" / "html"


def page(name: str) -> str:
    data = (PAGES / name).read_bytes()
    return data.decode(declared_charset(data) or "utf-8")


def assert_absent(body: str, phrases: list[str]) -> None:
    leaked = [p for p in phrases if p.lower() in body.lower()]
    assert not leaked, f"furniture in body: {leaked}"


# ---------------------------------------------------------------- own fixture pages


def test_modern_page_metadata():
    a = parse_html(page("modern.html"))
    assert a.format == "html"
    assert a.title == "Мост через Волгу откроют на месяц раньше срока"  # og:title, not JSON-LD/twitter
    assert a.date == datetime(2024, 6, 14, 8, 15)  # wall clock, +03:00 dropped
    assert a.source == "Волжская правда"
    assert a.section == "Общество"
    assert a.url == "https://volga-pravda.example/news/2024/06/14/most-cherez-volgu"
    assert a.lead == "Строители завершили надвижку последнего пролёта, движение запустят в августе."
    assert a.tags == ["мосты", "строительство", "Самара"]


def test_modern_page_body():
    body = parse_html(page("modern.html")).body
    lines = body.split("\n")
    assert lines[0] == "Строители завершили надвижку последнего пролёта, движение запустят в августе."
    assert lines[-1] == "Торжественное открытие запланировано на 15 августа."
    assert "«Мы опережаем график почти на месяц. Осталось уложить асфальт и смонтировать освещение», " \
           "— сказал Малинин журналистам." in lines
    assert "Что изменится для водителей" in lines
    assert "проезд для грузовиков массой свыше 40 тонн будет закрыт;" in lines
    assert "Строительство обошлось бюджету в 18,6 миллиарда рублей." in lines
    assert "&" not in body and "\xa0" not in body and "<" not in body
    assert_absent(body, [
        "Мост через Волгу откроют",  # the headline is the title, not body
        "cookie", "Политика", "Экономика", "Поиск по сайту", "Главная", "14 июня 2024", "Ирина Соколова",
        "12 345", "Читайте также", "Пробки на старом мосту", "Фото:", "Подписывайтесь", "ВКонтакте",
        "Одноклассники", "Поделиться", "Комментарии", "Наконец-то", "обещаниям", "Самое читаемое",
        "Синоптики", "Кредит за 5 минут", "Все права защищены", "Реклама", "18+", "metrika", "dataLayer",
    ])


def test_wordpress_page_with_json_ld_only():
    a = parse_html(page("jsonld_only.html"))
    assert a.title == "Учёные нашли в Байкале новый вид рачков"
    assert a.date == datetime(2023, 11, 2, 17, 5)  # "Z" handled
    assert a.source == "Наука и жизнь Сибири"
    assert a.section == "Наука"
    assert a.tags == ["Байкал", "биология", "эндемики"]
    assert a.url == "https://www.sib-nauka.example/2023/11/02/baikal-rachki/"
    assert a.lead == "Рачок-бокоплав обитает на глубине более километра."
    assert len(a.body.split("\n")) == 3
    assert a.body.startswith("Сотрудники Лимнологического института обнаружили в Байкале")
    # The comment thread has more prose than the article: it must not win.
    assert_absent(a.body, [
        "Листвянки", "юрами", "Спасибо за статью", "Обсуждение", "Оставить комментарий", "Поделиться",
        "Телеграм", "Похожие записи", "Омуля", "нерп", "Свежие записи", "Ольхону", "WordPress",
        "Мария Лебедева", "2 ноября 2023", "Контакты",
    ])


def test_legacy_cp1251_table_layout():
    data = (PAGES / "legacy_cp1251.html").read_bytes()
    assert declared_charset(data) == "cp1251"
    a = parse_html(data.decode("cp1251"))
    assert a.title == "В Заречном районе открылась новая школа"  # <h1> before <title>
    assert a.date == datetime(2008, 9, 1)  # <meta name="date" content="01.09.2008">
    assert a.tags == ["школа", "Заречный район", "образование"]
    assert a.source == "" and a.url == ""
    lines = a.body.split("\n")
    assert len(lines) == 4
    assert lines[2] == "«Район ждал эту школу почти двадцать лет», — отметил глава администрации района Виктор Ермолаев."
    assert_absent(a.body, [
        "Главная", "Архив номеров", "Опрос", "пешком", "01.09.2008", "Все новости", "Версия для печати",
        "Отправить другу", "Другие новости", "Трамвайное", "300 лип", "При перепечатке", "Пиксель",
        "Ежедневная городская газета",
    ])


def test_page_without_metadata():
    a = parse_html(page("no_metadata.html"))
    assert a.title == "Паводок в Приамурье пошёл на спад"
    assert a.date is None
    assert (a.source, a.section, a.url, a.lead, a.tags) == ("", "", "", "", [])
    assert a.body.split("\n") == [
        "Уровень воды в Амуре у Благовещенска за сутки снизился на 12 сантиметров и составил 5,9 метра.",
        "Спасатели продолжают откачивать воду из подвалов в прибрежных сёлах, к работам привлечены "
        "300 человек и 80 единиц техники.",
        "Жителям подтопленных домов выплатят по 10 тысяч рублей на первоочередные нужды.",
    ]


def test_malformed_page():
    a = parse_html(page("malformed.html"))
    assert a.title == "Фермеры Кубани начали уборку озимого ячменя"
    assert a.date == datetime(2022, 6, 28, 15, 3)
    assert a.body.split("\n") == [
        "В Краснодарском крае начали уборку озимого ячменя",
        "Первые гектары обмолотили в Ейском районе — урожайность пока выше прошлогодней.",
        "Аграрии ожидают собрать не менее 1,2 млн тонн ячменя в этом сезоне && рассчитывают на погоду.",
        "Район Урожайность, ц/га",
        "Ейский 62,4",
        "Щербиновский 58,1",
        "Уборку планируется завершить к середине июля.",
    ]
    assert_absent(a.body, ["Главная", "Агро\n", "Все права защищены", "внутри комментария"])


# ---------------------------------------------------------------- metadata fallbacks


def doc(head: str = "", body: str = "<p>Текст заметки достаточной длины для тела статьи.</p>") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def ld(obj: object) -> str:
    return '<script type="application/ld+json">%s</script>' % json.dumps(obj, ensure_ascii=False)


@pytest.mark.parametrize("head, body, title", [
    ('<meta property="og:title" content="Из OG"><meta name="twitter:title" content="Из Twitter">', "", "Из OG"),
    (ld({"@type": "NewsArticle", "headline": "Из JSON-LD"}) + '<meta name="twitter:title" content="Из Twitter">',
     "<h1>Из H1</h1>", "Из JSON-LD"),
    (ld([{"@type": "Organization", "name": "x"}, {"@type": ["Article"], "headline": "Из списка"}]), "", "Из списка"),
    ('<meta name="twitter:title" content="Из Twitter">', "<h1>Из H1</h1>", "Из Twitter"),
    ("<title>Из title - Сайт</title>", "<h1>Из  <b>H1</b></h1>", "Из H1"),
    ("<title>Погода на выходные - Вести Приморья</title>", "", "Погода на выходные"),
    ("<title>Погода на выходные | Вести</title>", "", "Погода на выходные"),
    ('<title>Вести Приморья: Погода на выходные</title><meta property="og:site_name" content="Вести Приморья">',
     "", "Погода на выходные"),
    ("<title>Россия - Бразилия: 2 - 1 в товарищеском матче сборных</title>", "",
     "Россия - Бразилия: 2 - 1 в товарищеском матче сборных"),
    ('<meta property="og:title" content="Кавычки &laquo;ёлочки&raquo;&nbsp;и&nbsp;тире &mdash; в заголовке">', "",
     "Кавычки «ёлочки» и тире — в заголовке"),
])
def test_title_fallbacks(head, body, title):
    assert parse_html(doc(head, body + "<p>Текст заметки достаточной длины для тела статьи.</p>")).title == title


@pytest.mark.parametrize("head, body, date", [
    ('<meta property="article:published_time" content="2024-03-01T23:30:00-05:00">'
     + ld({"@type": "NewsArticle", "datePublished": "2020-01-01"}), "", datetime(2024, 3, 1, 23, 30)),
    (ld({"@type": "NewsArticle", "datePublished": "2023-12-31T23:59:59.123+03:00"}), "",
     datetime(2023, 12, 31, 23, 59, 59)),
    (ld({"@graph": [{"@type": "WebPage"}, {"@type": "ReportageNewsArticle", "datePublished": "2021-05-09T10:00Z"}]}),
     "", datetime(2021, 5, 9, 10, 0)),
    ("", '<article><time datetime="2019-07-04T06:07:08+0300">4 июля</time><p>Текст.</p></article>',
     datetime(2019, 7, 4, 6, 7, 8)),
    ('<meta name="pubdate" content="2018-02-03">', "", datetime(2018, 2, 3)),
    ('<meta name="DC.date" content="2017-10-11 12:13">', "", datetime(2017, 10, 11, 12, 13)),
    ('<meta itemprop="datePublished" content="2016-01-02T03:04:05Z">', "", datetime(2016, 1, 2, 3, 4, 5)),
    ('<meta name="date" content="15.04.2015">', "", datetime(2015, 4, 15)),
    ('<meta property="article:published_time" content="2024-02-30T10:00:00">', "", None),  # impossible date
    ('<meta property="article:published_time" content="вчера">', "", None),
    ("", "", None),
])
def test_date_fallbacks(head, body, date):
    assert parse_html(doc(head, body + "<p>Текст заметки достаточной длины для тела статьи.</p>")).date == date


def test_source_section_url_tags_fallbacks():
    a = parse_html(doc(
        ld({"@type": "NewsArticle", "publisher": {"@type": "Organization", "name": "Редакция"},
            "articleSection": "Спорт", "url": "https://example.org/a/1"})
        + '<meta name="keywords" content="футбол, Кубок России ,  ,финал">'
    ))
    assert (a.source, a.section, a.url) == ("Редакция", "Спорт", "https://example.org/a/1")
    assert a.tags == ["футбол", "Кубок России", "финал"]
    a = parse_html(doc('<meta property="og:url" content="https://www.gazeta-example.ru/news/1">'))
    assert a.source == "gazeta-example.ru"
    assert a.url == "https://www.gazeta-example.ru/news/1"
    a = parse_html(doc('<link rel="canonical" href="https://news.example.com/x"><meta name="description" content="Лид">'))
    assert (a.source, a.url, a.lead) == ("news.example.com", "https://news.example.com/x", "Лид")


def test_broken_json_ld_is_ignored():
    a = parse_html(doc('<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>'
                       '<meta name="twitter:title" content="Запасной заголовок">'))
    assert a.title == "Запасной заголовок"


# ---------------------------------------------------------------- robustness


@pytest.mark.parametrize("text", [
    "", "   \n\t ", "<html></html>", "<html><head><title></title></head><body>\n</body></html>",
    "<script>var a = 'только скрипт';</script><style>p{}</style>", "<!-- только комментарий -->",
])
def test_no_text_raises_article_error(text):
    with pytest.raises(ArticleError):
        parse_html(text)


def test_hidden_body_is_still_read():
    # Saved pages often hide <body> until their scripts run.
    a = parse_html('<body hidden aria-hidden="true" role="navigation" class="menu" style="display:none">'
                   "<p>Текст статьи вполне достаточной длины для теста.</p></body>")
    assert a.body == "Текст статьи вполне достаточной длины для теста."


def test_title_only_page_has_empty_body():
    a = parse_html(doc('<meta property="og:title" content="Только заголовок">', ""))
    assert (a.title, a.body) == ("Только заголовок", "")


def test_binary_junk_does_not_crash():
    junk = bytes(range(256)) * 64 + b"\x00\xff<p\x00>\xfe\xfe</" * 100
    for text in (junk.decode("latin-1"), junk.decode("utf-8", "replace"), junk.decode("cp1251", "replace")):
        try:
            parse_html(text)
        except ArticleError:
            pass


def test_lone_surrogates_and_nul():
    a = parse_html("<h1>Заголовок\ud800</h1><p>Текст\x00 с нулём и суррогатом \udfff внутри абзаца.</p>")
    assert a.title.startswith("Заголовок")
    assert "Текст" in a.body


def test_five_megabyte_page():
    para = "<p>Абзац номер %d: в городе продолжается строительство новой линии метро, " \
           "работы идут круглосуточно&nbsp;&mdash; сообщили в мэрии.</p>\n"
    furniture = '<div class="share"><a href="#">ВКонтакте</a></div><nav><a href="/">Главная</a></nav>'
    parts = [furniture]
    i = size = 0
    while size < 5_000_000:
        parts.append(para % i)
        size += len(parts[-1])
        i += 1
    a = parse_html(doc('<meta property="og:title" content="Большая страница">', "<article>%s</article>" % "".join(parts)))
    lines = a.body.split("\n")
    assert len(lines) == i
    assert lines[-1].startswith("Абзац номер %d:" % (i - 1))
    assert_absent(a.body, ["ВКонтакте", "Главная"])


@pytest.mark.parametrize("opening, closing", [
    ("<div class='x'>", "</div>"), ("<section><div>", ""), ("<ul><li><blockquote>", "</blockquote></li></ul>"),
])
def test_deeply_nested_page(opening, closing):
    # The tree builder is quadratic in nesting depth; such pages are flattened first.
    depth = 50_000
    text = (
        '<meta property="og:title" content="Вложенность">' + opening * depth
        + "<p>Глубоко вложенный абзац</p><p>с достаточным количеством текста внутри.</p>" + closing * depth
    )
    a = parse_html(text)
    assert a.title == "Вложенность"
    assert a.body == "Глубоко вложенный абзац\nс достаточным количеством текста внутри."


@pytest.mark.parametrize("junk", [
    "<a " * 300_000,                              # tag starts that never end
    '<div title=<<<<>' * 60_000,                  # nesting hidden from a naive tag scan
    '<div title="<p>">' * 60_000,
    "<div class=x>" * 2_999 + "<p>текст</p>" * 5_000,  # just under the flattening depth
    "<p>x" * 300_000,                             # more elements than the per-element passes take
])
def test_junk_markup_finishes(junk):
    # Each of these once took minutes (quadratic work); now a second or two.
    try:
        parse_html(junk)
    except ArticleError:
        pass
    html_to_text(junk)


HTML_BITS = st.sampled_from([
    "<p>", "</p>", "<div class='share'>", "<div>", "</div>", "<article>", "</article>", "<br>", "<a href=x>",
    "</a>", "<script>", "</script>", "<title>", "</title>", "<h1>", "</h1>", "&nbsp;", "&mdash;", "&",
    "<!--", "-->", "<meta property='og:title' content='", "<meta property='article:published_time' content='",
    "'>", "<time datetime='", "<script type='application/ld+json'>", "{\"@type\": \"NewsArticle\", \"headline\": ",
    "\"datePublished\": \"2024-13-45T99:99\"", "<table><tr><td>", "<ul><li>", "Читайте также:", "Поделиться",
    "2024-02-29T12:00:00+03:00", "<nav>", "</nav>", "<footer>", "<", ">", "\"", "\x00",
])


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_only_raises_article_error(text):
    try:
        a = parse_html(text)
    except ArticleError:
        return
    assert a.title or a.body


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(HTML_BITS, st.text(max_size=30)), max_size=60).map("".join))
def test_arbitrary_markup_only_raises_article_error(text):
    try:
        parse_html(text)
    except ArticleError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(HTML_BITS, st.text(max_size=30)), max_size=40).map("".join))
def test_html_to_text_never_raises(text):
    assert isinstance(html_to_text(text), str)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=5000))
def test_declared_charset_never_raises(data):
    result = declared_charset(data)
    assert result is None or isinstance(result, str)


# ---------------------------------------------------------------- html_to_text


@pytest.mark.parametrize("fragment, text", [
    ("<p>москва, 1 дек&nbsp;&mdash; риа новости.</p>", "москва, 1 дек — риа новости."),
    ("<p><strong></strong></p>\n<p>первый</p>\n<p>второй&nbsp;абзац</p>", "первый\nвторой абзац"),
    ("строка<br>ещё строка<br/><br/>третья", "строка\nещё строка\nтретья"),
    ("<div>а <b>жирный</b> и <i>курсив</i></div><ul><li>пункт 1</li><li>пункт 2</li></ul>",
     "а жирный и курсив\nпункт 1\nпункт 2"),
    ("<table><tr><td>Москва</td><td>+5</td></tr><tr><td>Сочи</td><td>+17</td></tr></table>", "Москва +5\nСочи +17"),
    ("<p>текст<script>alert(1)</script> <style>p{}</style>дальше</p>", "текст дальше"),
    ("&laquo;цитата&raquo; &amp; &lt;тег&gt; &#8470; 5", "«цитата» & <тег> № 5"),
    ("простой текст\nбез разметки", "простой текст\nбез разметки"),
    ("", ""),
    ("<p>  </p>", ""),
])
def test_html_to_text(fragment, text):
    assert html_to_text(fragment) == text


def test_html_to_text_ria_fragments(shared):
    path = shared / "corpus" / "raw" / "ria_news_dataset" / "ria_20.json"
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    assert len(records) == 20
    dateline = re.compile(r"^[а-яё\- ]+, \d{1,2} [а-я]{3}\.?\s*[—–-]\s*[а-яё\- ]+[.,] ")  # «москва, 1 дек — риа новости.»
    for rec in records:
        fragment = rec["text"]
        text = html_to_text(fragment)
        paragraphs = [p for p in re.findall(r"<p\b[^>]*>(.*?)</p>", fragment, re.S)
                      if re.sub(r"<[^>]+>|&nbsp;|\s", "", p)]
        lines = text.split("\n")
        assert len(lines) == len(paragraphs), rec["title"]
        assert dateline.match(lines[0]), lines[0]
        assert not re.search(r"&[a-z]+;|&#\d+;|<|>|\xa0", text)
        for line, para in zip(lines, paragraphs):
            expected = " ".join(html.unescape(re.sub(r"<[^>]+>", "", para)).split())
            assert line == expected


# ---------------------------------------------------------------- declared_charset


@pytest.mark.parametrize("head, charset", [
    (b'<meta charset="windows-1251">', "cp1251"),
    (b"<META CHARSET=KOI8-R>", "koi8-r"),
    (b'<meta http-equiv="Content-Type" content="text/html; charset=cp866">', "cp866"),
    (b"<meta content='text/html;charset=utf-8' http-equiv='content-type'>", "utf-8"),
    (b'<?xml version="1.0" encoding="windows-1251"?><html>', "cp1251"),
    (b'<meta charset="x-mac-cyrillic">', "mac-cyrillic"),
    (b'<meta charset="UTF-16">', "utf-8"),  # as browsers read it
    (b'<meta charset="iso-8859-1">', "cp1252"),
    (b'<meta charset="no-such-charset">', None),
    (b"<html><head><title>x</title>", None),
    (b"", None),
    (b" " * 4096 + b'<meta charset="koi8-r">', None),  # past the first 4 KB
])
def test_declared_charset(head, charset):
    assert declared_charset(head + b"<body></body>") == charset


# ---------------------------------------------------------------- real pages (../shared)

OG_TITLE = re.compile(r'<meta property="og:title" content="([^"]*)"')
PUBLISHED = re.compile(r'<meta property="article:published_time" content="(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)')


def tgcontest(shared):
    pages = sorted((shared / "corpus" / "raw" / "html_tgcontest").glob("*.html"))
    assert len(pages) == 27
    return pages


def test_tgcontest_title_and_date(shared):
    for path in tgcontest(shared):
        text = path.read_text("utf-8")
        a = parse_html(text)
        og_title = " ".join(html.unescape(OG_TITLE.search(text).group(1)).split())  # &nbsp; -> space
        assert a.title == og_title, path.name
        assert a.date == datetime(*map(int, PUBLISHED.search(text).groups())), path.name
        assert a.body and a.title not in a.body.split("\n")[:1], path.name


@pytest.mark.parametrize("name, kept, furniture", [
    ("4332889711150328570.html",
     ["Матчи в Копенгагене могут совпасть с велогонками Тур де Франс.",
      "Ранее сообщалось, что количество стран, принимающих Евро-2020 может сократиться."],
     ["Related Posts", "Сергей Игнатьев", "27 Apr 2020", "by ",
      "Дания сомневается в возможности принять матчи Евро-2020"]),  # the <h1>
    ("4321729651476034929.html",
     ["Габариты с подставкой в положении максимальной высоты равны 807 х 538 х 307 мм, масса — 9,38 кг.",
      "Экран характеризуется максимальной яркостью 300 кд/м2, статической контрастностью 3000:1, "
      "временем реакции пикселя 1 мс и углами обзора 178°."],
     ["Читайте также", "facebook.com", "tabakovd", "27 Apr 2020",
      "изогнутый монитор разрешением 4К и частотой 144 Гц"]),  # the <h1>
])
def test_tgcontest_furniture_left_out(shared, name, kept, furniture):
    # These contest pages carry no menus or share widgets; their furniture is
    # the <h1> headline, the byline/date <address> and the <related> link list.
    a = parse_html((shared / "corpus" / "raw" / "html_tgcontest" / name).read_text("utf-8"))
    lines = a.body.split("\n")
    for line in kept:
        assert line in lines
    assert_absent(a.body, furniture)


def test_marker_characters_in_the_page_are_text():
    a = parse_html(doc('<meta property="og:title" content="Т">',
                       "<article><p>Первый\x1eабзац \x1fс управляющими символами внутри.</p></article>"))
    assert a.body == "Первый абзац с управляющими символами внутри."


def test_broken_url_gives_no_source():
    a = parse_html(doc('<meta property="og:url" content="http://[не-адрес/новость">'))
    assert (a.source, a.url) == ("", "http://[не-адрес/новость")
