"""Which HTML extractor for newsgrep.articles.html: quality, speed, import time.

Run from the repository root, with the candidates installed in the venv:

    .venv/bin/pip install trafilatura readability-lxml lxml_html_clean justext beautifulsoup4
    .venv/bin/python bench/html_extract.py            # all candidates, ../shared/corpus
    .venv/bin/python bench/html_extract.py --only newsgrep --synthetic 50

Data (read from ../shared/corpus, nothing is copied into the repository):

* tgcontest — the 27 real pages of raw/html_tgcontest/. References are read
  from each page with the standard library (regexes and html.parser), not with
  any candidate: title = og:title, date = article:published_time (wall clock),
  body = the text of <article> without its <h1>, <address> (byline) and
  <related> («Related Posts»/«Читайте также» link list).
* synthetic — RT/NG articles of articles/ru_kw_eval_rt_ng.jsonl.gz wrapped in
  four page templates with heavy furniture (menus, cookie banner, share
  buttons, «Читайте также» blocks inside the text, comments with real prose,
  sidebars, footers, inline scripts of ~60 KB); the reference is the record.
* ria — the 20 HTML bodies of raw/ria_news_dataset/ria_20.json through each
  candidate's fragment-to-text path; reference = the <p> elements unescaped.

Columns: title/date = share of pages where the value equals the reference
(date: full datetime; "day" = same calendar day); recall/precision = word
multiset overlap of the body with the reference body; leak = share of pages
where a furniture phrase (or a related-story headline) appears in the body;
pages/s = single-process throughput; import = ms of `python -X importtime`
(sum of all modules the import pulls in, over an empty interpreter).
"""
from __future__ import annotations

import argparse
import gzip
import html
import json
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpus"

WORD = re.compile(r"\w+")
ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d))?)?")


# ------------------------------------------------------------------ candidates
# Each full-page candidate: html -> (title or None, date or None, body).
# None means the library does not extract that field.


def _iso(value) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    m = ISO.match(str(value or ""))
    if not m:
        return None
    return datetime(*(int(g) if g else 0 for g in m.groups()))


def cand_newsgrep():
    from newsgrep.articles.html import parse_html

    def run(page):
        a = parse_html(page)
        return a.title, a.date, a.body
    return run


def cand_trafilatura(fast=False):
    def make():
        import trafilatura

        def run(page):
            d = trafilatura.bare_extraction(
                page, with_metadata=True, include_comments=False, fast=fast,
                date_extraction_params={"original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S"},
            )
            if d is None:
                return "", None, ""
            return d.title or "", _iso(d.date), d.text or ""
        return run
    return make


def cand_readability():
    import lxml.html
    from readability import Document

    def run(page):
        doc = Document(page)
        summary = doc.summary(html_partial=True)
        return doc.short_title(), None, _lxml_text(lxml.html.fragment_fromstring(summary, create_parent="div"))
    return run


_LXML_BLOCKS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "br", "ul",
                "ol", "table", "section", "article", "pre", "dd", "dt"}


def _lxml_text(root) -> str:
    parts = []
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _LXML_BLOCKS:
            parts.append("\n")
        if el.text and isinstance(el.tag, str):
            parts.append(el.text)
        if el.tail:
            parts.append(el.tail)
    return _lines("".join(parts))


def cand_justext():
    import justext
    stop = justext.get_stoplist("Russian")

    def run(page):
        paras = justext.justext(page.encode("utf-8"), stop, encoding="utf-8")
        return None, None, "\n".join(p.text for p in paras if not p.is_boilerplate)
    return run


_BASELINE_DROP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "form", "button",
                  "iframe", "svg", "template", "select", "textarea", "address", "related", "figcaption"}
_BASELINE_BLOCKS = _LXML_BLOCKS | {"address", "figure", "figcaption", "header", "footer", "nav", "aside", "main"}


def _og(page, prop):
    m = re.search(r'<meta[^>]+property="%s"[^>]+content="([^"]*)"' % re.escape(prop), page)
    return html.unescape(m.group(1)) if m else ""


def cand_bs4():
    from bs4 import BeautifulSoup

    def run(page):
        soup = BeautifulSoup(page, "html.parser")
        for tag in soup.find_all(list(_BASELINE_DROP)):
            tag.decompose()
        root = soup.find("article") or soup.body or soup
        for h1 in root.find_all("h1"):
            h1.decompose()
        for br in root.find_all("br"):
            br.replace_with("\n")
        for tag in root.find_all(list(_BASELINE_BLOCKS)):
            tag.insert_before("\n")
            tag.insert_after("\n")
        og = soup.find("meta", property="og:title")
        pub = soup.find("meta", property="article:published_time")
        title = og.get("content", "") if og else (soup.title.get_text() if soup.title else "")
        return title, _iso(pub.get("content")) if pub else None, _lines(root.get_text())
    return run


class _StdlibExtractor(HTMLParser):
    """The no-dependency baseline: stream, skip furniture tags, keep <article> when there is one."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.stack: list[str] = []
        self.parts: list[str] = []
        self.article_parts: list[str] = []
        self.in_article = 0
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "meta":
            a = dict(attrs)
            key = a.get("property") or a.get("name")
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
            return
        if tag in ("br", "img", "hr", "input", "link", "source", "wbr"):
            if tag == "br":
                self._emit("\n")
            return
        self.stack.append(tag)
        if tag in _BASELINE_DROP or tag == "h1":
            self.skip += 1
        if tag == "article":
            self.in_article += 1
        if tag in _BASELINE_BLOCKS:
            self._emit("\n")

    def handle_endtag(self, tag):
        if tag not in self.stack:
            return
        while self.stack:
            top = self.stack.pop()
            if top in _BASELINE_DROP or top == "h1":
                self.skip -= 1
            if top == "article":
                self.in_article -= 1
            if top in _BASELINE_BLOCKS:
                self._emit("\n")
            if top == tag:
                break

    def handle_data(self, data):
        if not self.skip and "title" not in self.stack[-1:]:
            self._emit(data)

    def _emit(self, s):
        self.parts.append(s)
        if self.in_article:
            self.article_parts.append(s)


def cand_stdlib():
    def run(page):
        p = _StdlibExtractor()
        p.feed(page)
        p.close()
        body = _lines("".join(p.article_parts or p.parts))
        return p.meta.get("og:title", ""), _iso(p.meta.get("article:published_time")), body
    return run


CANDIDATES = {
    # name: (factory, import statement measured, fragment-to-text function factory)
    "newsgrep (selectolax/lexbor + own rules)": (
        cand_newsgrep, "from selectolax.lexbor import LexborHTMLParser", "newsgrep"),
    "trafilatura": (cand_trafilatura(False), "import trafilatura", "trafilatura"),
    "trafilatura fast=True": (cand_trafilatura(True), "import trafilatura", None),
    "readability-lxml": (cand_readability, "from readability import Document", "lxml"),
    "justext": (cand_justext, "import justext", None),
    "bs4 + html.parser (tag rules)": (cand_bs4, "from bs4 import BeautifulSoup", "bs4"),
    "stdlib html.parser (tag rules)": (cand_stdlib, "from html.parser import HTMLParser", "stdlib"),
}


def fragment_converter(kind):
    if kind == "newsgrep":
        from newsgrep.articles.html import html_to_text
        return html_to_text
    if kind == "trafilatura":
        import trafilatura
        return lambda frag: trafilatura.extract(frag, include_comments=False) or ""
    if kind == "lxml":
        import lxml.html
        return lambda frag: _lxml_text(lxml.html.fragment_fromstring(frag, create_parent="div"))
    if kind == "bs4":
        from bs4 import BeautifulSoup

        def run(frag):
            soup = BeautifulSoup(frag, "html.parser")
            for tag in soup.find_all(list(_BASELINE_BLOCKS)):
                tag.insert_after("\n")
            return _lines(soup.get_text())
        return run
    if kind == "stdlib":
        def run(frag):
            p = _StdlibExtractor()
            p.feed(frag)
            p.close()
            return _lines("".join(p.parts))
        return run
    return None


def _lines(text: str) -> str:
    out = (re.sub(r"\s+", " ", ln).strip() for ln in text.split("\n"))
    return "\n".join(ln for ln in out if ln)


# ------------------------------------------------------------------ data


class _ArticleRef(HTMLParser):
    """Reference body of a tgcontest page: <article> text minus h1, address, related."""

    SKIP = {"h1", "address", "related", "script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "article":
            self.depth += 1
        elif self.depth and tag in self.SKIP:
            self.skip += 1
        if tag in ("p", "li", "br", "h2", "h3", "h4", "tr", "blockquote", "figure"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag == "article":
            self.depth -= 1
        elif self.depth and tag in self.SKIP:
            self.skip -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)


def tgcontest_pages():
    pages = []
    for path in sorted((CORPUS / "raw" / "html_tgcontest").glob("*.html")):
        page = path.read_text("utf-8")
        ref = _ArticleRef()
        ref.feed(page)
        pages.append({
            "html": page,
            "title": _og(page, "og:title"),
            "date": _iso(_og(page, "article:published_time")),
            "body": _lines("".join(ref.parts)),
            "furniture": ["Related Posts", "Читайте также", "Похожие новости", "Читать также"],
        })
    return pages


FURNITURE = [
    "Мы используем файлы cookie", "Все права защищены", "Поделиться", "Самое читаемое",
    "Войдите, чтобы оставить комментарий", "Читайте также", "Подписаться на рассылку",
    "Реклама на сайте", "Свидетельство о регистрации", "Главная", "Новости партнёров",
    "Одноклассники", "ВКонтакте", "Комментарии", "Версия для печати", "Лента новостей",
    "Политика конфиденциальности", "Полностью согласен", "Поиск по сайту",
]
COMMENTS = [
    "Очень интересно, но хотелось бы больше подробностей о том, кто за этим стоит и сколько это стоило налогоплательщикам.",
    "Читаю уже третий материал на эту тему и каждый раз цифры разные. Кому верить, непонятно совершенно.",
    "Полностью согласен с предыдущим комментатором, журналистам стоило бы перепроверять источники прежде чем публиковать.",
]
SITES = ["Вестник Поволжья", "Новости Сибири", "Городской портал", "Деловой Север"]
MENU = ["Главная", "Политика", "Экономика", "Общество", "Происшествия", "Спорт", "Культура", "Наука", "Лента новостей"]
_SCRIPT = "<script>var cfg=" + json.dumps({"k%d" % i: "значение %d" % i for i in range(2000)},
                                          ensure_ascii=False) + ";</script>"
_STYLE = "<style>" + "".join(".c%d{margin:%dpx;color:#%06x}" % (i, i % 9, i * 997 % 0xFFFFFF) for i in range(800)) + "</style>"


def _e(s):
    return html.escape(s, quote=True)


def _nav(cls="menu"):
    return '<nav class="%s"><ul>%s</ul></nav>' % (cls, "".join('<li><a href="/%d">%s</a></li>' % (i, _e(m)) for i, m in enumerate(MENU)))


def _share():
    return ('<div class="share-buttons"><span>Поделиться</span><a href="#">ВКонтакте</a>'
            '<a href="#">Одноклассники</a><a href="#">Telegram</a></div>')


def _comments():
    return ('<section id="comments" class="comments"><h3>Комментарии (3)</h3>%s'
            '<form><textarea placeholder="Войдите, чтобы оставить комментарий"></textarea></form></section>'
            % "".join('<div class="comment"><b>Читатель %d</b><p>%s</p></div>' % (i, _e(c)) for i, c in enumerate(COMMENTS)))


def _feed(titles, n=60):
    """A news feed below the article, as most sites have: many small elements, no furniture class names."""
    items = []
    for i in range(n):
        t = titles[i % len(titles)]
        items.append(
            '<div class="feed-item" data-id="%d"><a class="feed-item__link" href="/news/%d">'
            '<div class="feed-item__img"><img src="/img/%d.jpg" alt="" loading="lazy"></div></a>'
            '<div class="feed-item__body"><span class="feed-item__time">%02d:%02d</span>'
            '<a class="feed-item__title" href="/news/%d">%s</a>'
            '<span class="feed-item__stats"><svg class="icon"><use href="#eye"></use></svg>%d</span></div></div>'
            % (i, i, i, i % 24, i % 60, i, _e(t), 100 + i * 37))
    sitemap = "".join('<li class="sitemap__item"><a href="/section/%d">%s</a></li>' % (i, _e(MENU[i % len(MENU)]))
                      for i in range(150))
    return ('<div class="feed"><div class="feed__title">Лента новостей</div>%s</div>'
            '<div class="sitemap"><ul class="sitemap__list">%s</ul></div>' % ("".join(items), sitemap))


def _footer():
    return ('<footer><p>© 2024 Редакция. Все права защищены. Свидетельство о регистрации СМИ ЭЛ № ФС77-00000.</p>'
            '<p><a href="/ads">Реклама на сайте</a> | <a href="/privacy">Политика конфиденциальности</a></p></footer>')


def _cookie():
    return ('<div class="cookie-notice">Мы используем файлы cookie для улучшения работы сайта. '
            'Продолжая пользоваться сайтом, вы соглашаетесь с этим. <button>OK</button></div>')


def _related(titles, cls="read-also"):
    return '<div class="%s"><b>Читайте также:</b> <a href="/r/1">%s</a></div>' % (cls, _e(titles[0]))


def _sidebar(titles):
    return ('<aside class="sidebar"><h3>Самое читаемое</h3><ul>%s</ul><div class="banner">Новости партнёров</div></aside>'
            % "".join('<li><a href="/r/%d">%s</a></li>' % (i, _e(t)) for i, t in enumerate(titles)))


def render_page(art, template, related):
    t, paras, site = art["title"], art["paras"], art["site"]
    d = art["date"]
    meta = ('<meta property="og:title" content="%s"><meta property="og:site_name" content="%s">'
            '<meta property="article:published_time" content="%s+03:00">'
            % (_e(t), _e(site), d.isoformat()))
    ps = ["<p>%s</p>" % _e(p).replace(" в ", " в&nbsp;").replace(" — ", "&nbsp;&mdash; ") for p in paras]
    mid = max(1, len(ps) // 2)
    if template == 0:  # semantic HTML5 with <article>
        body = "".join(ps[:mid]) + _related(related) + "".join(ps[mid:])
        page = ("<html><head><meta charset=utf-8><title>%s | %s</title>%s%s%s</head><body>%s<header>%s</header>"
                '<main><article><header><h1>%s</h1><time datetime="%s">%s</time></header><div class="article__text">%s</div>%s'
                "</article>%s%s</main>%s%s</body></html>"
                % (_e(t), _e(site), meta, _STYLE, _SCRIPT, _cookie(), _nav(), _e(t), d.isoformat(), d.strftime("%d.%m.%Y %H:%M"),
                   body, _share(), _comments(), _sidebar(related) + _feed(related), _footer(), _SCRIPT))
    elif template == 1:  # div soup, text with <br>, no og: metadata, date in JSON-LD
        ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": t,
                         "datePublished": d.isoformat() + "+03:00", "publisher": {"@type": "Organization", "name": site}},
                        ensure_ascii=False)
        text = "<br><br>\n".join(_e(p) for p in paras[:mid]) + "<br><br>" + _related(related, "also") + "<br>".join(_e(p) for p in paras[mid:])
        page = ('<html><head><meta charset=utf-8><title>%s - %s</title><script type="application/ld+json">%s</script>%s</head><body>'
                '<div id="top">%s<div class="search">Поиск по сайту <input></div></div><div id="wrap"><div class="left">%s</div>'
                '<div class="center"><div class="news-title">%s</div><div class="news-date">%s</div><div class="news-text">%s</div>'
                '<div class="print"><a href="#">Версия для печати</a></div>%s</div></div><div class="bottom">%s</div>%s</body></html>'
                % (_e(t), _e(site), ld, _SCRIPT, _nav("topmenu"), _sidebar(related) + _feed(related), _e(t), d.strftime("%d.%m.%Y"),
                   text, _share(), _footer(), _cookie()))
    elif template == 2:  # WordPress-like: entry-content, sharedaddy, related posts, long comment thread
        page = ('<html><head><meta charset="utf-8">%s<title>%s</title>%s</head><body class="single comments-open">'
                '<div id="page">%s<div id="content"><div class="post"><h1 class="entry-title">%s</h1>'
                '<div class="entry-meta">%s</div><div class="entry-content">%s<div class="sharedaddy">%s</div>'
                '<div id="jp-relatedposts" class="jp-relatedposts"><h3>Похожие записи</h3>%s</div></div></div>%s</div>'
                '<div id="secondary" class="widget-area">%s</div>%s</div>%s</body></html>'
                % (meta, _e(t), _SCRIPT, _nav("main-navigation"), _e(t), d.strftime("%d.%m.%Y"), "".join(ps), _share(),
                   "".join('<p><a href="/r/%d">%s</a></p>' % (i, _e(x)) for i, x in enumerate(related)),
                   _comments() * 2, _sidebar(related), _feed(related) + _footer(), _SCRIPT))
    else:  # microdata articleBody, inline «Читайте также» paragraph, subscribe line, cookie banner at the end
        body = ("".join(ps[:mid]) + '<p><strong>Читайте также:</strong> <a href="/r/2">%s</a></p>' % _e(related[1])
                + "".join(ps[mid:]) + "<p>Подписаться на рассылку: <a href='/subscribe'>новости дня</a></p>")
        page = ('<html><head><meta charset="utf-8">%s<meta name="keywords" content="новости">%s</head><body>%s'
                '<div class="layout"><div class="col-main" itemscope itemtype="https://schema.org/NewsArticle">'
                '<h1 itemprop="headline">%s</h1><meta itemprop="datePublished" content="%s">'
                '<div class="lenta"><a href="/lenta">Лента новостей</a></div><div itemprop="articleBody">%s</div>%s</div>'
                '<div class="col-side">%s</div></div>%s%s</body></html>'
                % (meta, _STYLE, _nav("navbar"), _e(t), d.isoformat(), body, _share(), _sidebar(related),
                   _feed(related) + _footer(), _cookie()))
    return page


def synthetic_pages(n, seed=1):
    rng = random.Random(seed)
    records = []
    with gzip.open(CORPUS / "articles" / "ru_kw_eval_rt_ng.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            paras = [p.strip() for p in (rec.get("text") or "").split("\n") if len(p.strip()) > 40]
            if rec.get("title") and len(paras) >= 3:
                records.append((rec["title"].strip(), paras[:12]))
            if len(records) >= n * 4:
                break
    rng.shuffle(records)
    pages = []
    for i, (title, paras) in enumerate(records[:n]):
        related = [records[(i + k) % len(records)][0] for k in (101, 202, 303)]
        art = {"title": title, "paras": paras, "site": SITES[i % 4],
               "date": datetime(2024, 1 + i % 12, 1 + i % 28, i % 24, (i * 7) % 60)}
        pages.append({
            "html": render_page(art, i % 4, related), "title": title, "date": art["date"],
            "body": "\n".join(paras), "furniture": FURNITURE + related, "template": i % 4,
        })
    return pages


def ria_fragments():
    out = []
    with open(CORPUS / "raw" / "ria_news_dataset" / "ria_20.json", encoding="utf-8") as fh:
        for line in fh:
            frag = json.loads(line)["text"]
            paras = [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", p))).strip()
                     for p in re.findall(r"<p\b[^>]*>(.*?)</p>", frag, re.S)]
            out.append((frag, [p for p in paras if p]))
    return out


# ------------------------------------------------------------------ measuring


def overlap(out: str, ref: str) -> tuple[float, float]:
    out, ref = out.replace("\xad", ""), ref.replace("\xad", "")
    o, r = Counter(WORD.findall(out.lower())), Counter(WORD.findall(ref.lower()))
    common = sum((o & r).values())
    return common / max(1, sum(r.values())), (common / sum(o.values())) if o else 0.0


def leaked(body: str, phrases, ref: str) -> bool:
    """A furniture phrase in the body that the article text itself does not contain."""
    low, ref = body.lower(), ref.lower()
    return any(p.lower() in low and p.lower() not in ref for p in phrases)


def norm(s: str) -> str:
    return " ".join((s or "").split())


def evaluate(run, pages):
    n = len(pages)
    title = date = day = leak = 0
    rec, prec, errors = [], [], 0
    has_title = has_date = False
    for page in pages:
        try:
            t, d, body = run(page["html"])
        except Exception:
            errors += 1
            t, d, body = "", None, ""
        has_title |= t is not None
        has_date |= d is not None
        title += norm(t) == norm(page["title"])
        d = _iso(d) if d is not None else None
        date += d == page["date"]
        day += bool(d and page["date"] and d.date() == page["date"].date())
        r, p = overlap(body, page["body"])
        rec.append(r)
        prec.append(p)
        leak += leaked(body, page["furniture"], page["body"])
    return {
        "title": title / n if has_title else None, "date": date / n if has_date else None,
        "day": day / n if has_date else None,
        "recall": statistics.mean(rec), "precision": statistics.mean(prec), "leak": leak / n, "errors": errors,
    }


def speed(run, pages, min_seconds=2.0, rounds=3):
    """Pages per CPU second of this process, best of a few rounds (other load on the machine only slows a round down)."""
    best = 0.0
    for _ in range(rounds):
        done, start = 0, time.process_time()
        while True:
            for page in pages:
                try:
                    run(page["html"])
                except Exception:
                    pass
                done += 1
            elapsed = time.process_time() - start
            if elapsed >= min_seconds / rounds:
                break
        best = max(best, done / elapsed)
    return best


def import_ms(statement: str, runs: int = 15) -> float:
    def total(stmt):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-c", stmt], capture_output=True, text=True)
        return sum(int(m.group(1)) for m in re.finditer(r"import time:\s+(\d+) \|", proc.stderr))
    # Fastest of several runs: other load on the machine only ever adds time.
    base = min(total("pass") for _ in range(runs))
    return max(0.0, min(total(statement) for _ in range(runs)) - base) / 1000


def ria_quality(convert, frags):
    exact = entities = 0
    recalls = []
    for frag, paras in frags:
        out = convert(frag)
        lines = [ln for ln in out.split("\n") if ln.strip()]
        exact += [re.sub(r"\s+", " ", ln).strip() for ln in lines] == paras
        entities += bool(re.search(r"&[a-z]+;|&#\d+;|\xa0|<[a-z/]", out))
        recalls.append(overlap(out, "\n".join(paras))[0])
    return exact, entities, statistics.mean(recalls)


def _date_cell(q):
    return "—" if q["date"] is None else f"{q['date']:.2f} (day {q['day']:.2f})"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--synthetic", type=int, default=200, help="synthetic pages (default 200)")
    ap.add_argument("--only", help="run only candidates whose name contains this")
    ap.add_argument("--seconds", type=float, default=2.0, help="time per speed measurement")
    args = ap.parse_args(argv)
    if not CORPUS.is_dir():
        sys.exit(f"no corpus at {CORPUS}")
    tg, syn, ria = tgcontest_pages(), synthetic_pages(args.synthetic), ria_fragments()
    avg_kb = statistics.mean(len(p["html"].encode()) for p in syn) / 1024
    print(f"pages: tgcontest {len(tg)}, synthetic {len(syn)} (mean {avg_kb:.0f} KB), ria fragments {len(ria)}\n")
    head = ("| candidate | tg title | tg date | tg recall | tg prec | tg leak | syn title | syn date | syn recall"
            " | syn prec | syn leak | ria exact/entities left | tg pages/s | syn pages/s | import ms |")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for name, (factory, stmt, frag_kind) in CANDIDATES.items():
        if args.only and args.only not in name:
            continue
        try:
            run = factory()
        except ImportError as e:
            print(f"| {name} | not installed: {e} |")
            continue
        q_tg, q_syn = evaluate(run, tg), evaluate(run, syn)
        conv = fragment_converter(frag_kind) if frag_kind else None
        ria_cell = "%d/20, %d" % ria_quality(conv, ria)[:2] if conv else "—"
        fmt = lambda v: "—" if v is None else f"{v:.2f}"  # noqa: E731
        print("| " + " | ".join([
            name, fmt(q_tg["title"]), _date_cell(q_tg), fmt(q_tg["recall"]),
            fmt(q_tg["precision"]), fmt(q_tg["leak"]), fmt(q_syn["title"]),
            _date_cell(q_syn), fmt(q_syn["recall"]), fmt(q_syn["precision"]),
            fmt(q_syn["leak"]), ria_cell,
            f"{speed(run, tg, args.seconds):.0f}", f"{speed(run, syn, args.seconds):.0f}", f"{import_ms(stmt):.0f}",
        ]) + " |", flush=True)
        if q_tg["errors"] or q_syn["errors"]:
            print(f"  ({name}: {q_tg['errors'] + q_syn['errors']} pages raised)")


if __name__ == "__main__":
    main()
