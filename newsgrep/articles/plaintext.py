"""Plain-text article files.

Layouts recognised, most specific first:

* the scraped-page layout of ``../shared/seed`` (a photo caption ending in
  ``- SOURCE, WIDTH, DD.MM.YYYY``, story title and description, headline,
  ``Подписаться``, body, trailing related-story link, ``Лента новостей``, a
  counter);
* the BSNLP shared-task raw layout: document id, language code, ``YYYY-MM-DD``
  date and URL on the first four lines, then the title and the body;
* e-mail style ``Key: value`` headers (``Title:``/``Заголовок:``, ``Date:`` ...)
  followed by a blank line and the body;
* anything else: the first non-empty line is the headline, a date written
  near the top is the date, and the rest is the body. A news-agency dateline
  («МОСКВА, 18 окт - РИА Новости, Анастасия Силкина.», «МОСКВА, 5 мая. /ТАСС/.»)
  gives the source and the authors, and the date when it carries one.

Every layout's source goes through ``sources.credited``: authors split off,
aliases applied, the value as written kept in ``source_raw``.
"""
from __future__ import annotations

import re
from datetime import datetime

from .dates import find_date, parse_date
from .model import Article
from .sources import credited, dateline

_CAPTION = re.compile(
    r"\s[-–—]\s+(?P<source>[^,\n]{2,80}?),\s*(?P<width>\d{2,5}),\s*(?P<date>\d{1,2}\.\d{1,2}\.\d{4})\s*$"
)
_SUBSCRIBE = "Подписаться"
_FEED = "Лента новостей"
_MORE = re.compile(r"^(Подробнее|Читайте также|Читайте подробнее)\b.*(здесь|по ссылке|материале)?\s*:\s*$", re.I)
_COUNTER = re.compile(r"^\d{1,7}$")

_HEADER = re.compile(r"^(?P<key>[A-Za-zА-Яа-яЁё][\w -]{0,30}?)\s*:\s*(?P<value>.*)$")
_HEADER_KEYS = {
    "title": "title", "headline": "title", "subject": "title", "заголовок": "title", "тема": "title",
    "date": "date", "published": "date", "дата": "date",
    "source": "source", "from": "source", "источник": "source", "издание": "source",
    "section": "section", "rubric": "section", "category": "section", "рубрика": "section", "раздел": "section",
    "url": "url", "link": "url", "ссылка": "url",
    "tags": "tags", "keywords": "tags", "теги": "tags", "метки": "tags",
    "author": "author", "автор": "author",
}

_LINES_FOR_DATE = 4
_DATE_LINE_CHARS = 60

# BSNLP raw documents: «ru-ryanair-new-extra-1 / ru / 2019-01-10 / https://... / title / body».
_BSNLP_ID = re.compile(r"^\S{1,200}$")
_BSNLP_LANG = re.compile(r"^[a-z]{2}$")
_BSNLP_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BSNLP_URL = re.compile(r"^(?:https?://\S+)?$")


def parse_text(text: str) -> Article:
    """Turn the text of one article file into an :class:`Article`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = [ln.strip() for ln in text.split("\n")]
    return (_parse_scraped(lines) or _parse_bsnlp(lines) or _parse_headers(lines)
            or _parse_generic(lines))


def _parse_scraped(lines: list[str]) -> Article | None:
    first = next((i for i, ln in enumerate(lines) if ln), None)
    if first is None:
        return None
    caption = _CAPTION.search(lines[first])
    if not caption:
        return None
    try:
        sub = lines.index(_SUBSCRIBE, first + 1)
    except ValueError:
        return None
    top = [ln for ln in lines[first + 1:sub] if ln]
    if not top:
        return None
    title, story = top[-1], top[:-1]
    body = _strip_trailer(lines[sub + 1:])
    return credited(Article(
        title=title,
        body="\n".join(ln for ln in body if ln),
        date=parse_date(caption["date"]),
        source=caption["source"].strip(),
        section=story[0] if story else "",
        lead=" ".join(story[1:]),
        format="scraped-page",
    ))


def _strip_trailer(body: list[str]) -> list[str]:
    """Drop the page furniture after the story: counter, feed link, related-story link."""
    body = list(body)
    while body and (not body[-1] or _COUNTER.match(body[-1]) or body[-1] == _FEED):
        body.pop()
    # «Подробнее ... читайте здесь:» and the related headline(s) that follow it.
    for i in range(len(body) - 1, max(len(body) - 4, -1), -1):
        if _MORE.match(body[i]):
            del body[i:]
            break
    return [ln for ln in body if ln not in (_SUBSCRIBE, _FEED)]


def _parse_bsnlp(lines: list[str]) -> Article | None:
    if len(lines) < 5 or not (_BSNLP_ID.match(lines[0]) and _BSNLP_LANG.match(lines[1])
                              and _BSNLP_DATE.match(lines[2]) and _BSNLP_URL.match(lines[3])):
        return None
    content = [ln for ln in lines[4:] if ln]
    if not content:
        return None
    try:
        date = datetime.strptime(lines[2], "%Y-%m-%d")  # the form is fixed by the layout
    except ValueError:
        date = None
    return Article(title=content[0], body="\n".join(content[1:]), date=date, url=lines[3],
                   format="bsnlp")


def _parse_headers(lines: list[str]) -> Article | None:
    fields: dict[str, str] = {}
    i = 0
    while i < len(lines) and lines[i]:
        m = _HEADER.match(lines[i])
        if not m:
            return None
        key = _HEADER_KEYS.get(m["key"].strip().lower())
        if key:
            fields.setdefault(key, m["value"].strip())
        i += 1
    if "title" not in fields or len(fields) < 2:
        return None
    return credited(Article(
        title=fields["title"],
        body="\n".join(ln for ln in lines[i:] if ln),
        date=parse_date(fields.get("date", "")),
        source=fields.get("source", ""),
        author=fields.get("author", ""),
        section=fields.get("section", ""),
        url=fields.get("url", ""),
        tags=[t.strip() for t in re.split(r"[,;]", fields.get("tags", "")) if t.strip()],
        format="headers",
    ))


def _parse_generic(lines: list[str]) -> Article:
    content = [ln for ln in lines if ln]
    # The headline is the first line with a letter: rules of dashes and
    # underscores above it are decoration.
    first = next((i for i, ln in enumerate(content) if any(c.isalpha() for c in ln)), None)
    if first is None:
        return Article(title="", body="\n".join(content), format="text")
    title, rest = content[first], content[first + 1:]
    date = None
    # A line near the top that is only a date (the «Title / date / body» layout).
    for j, ln in enumerate(rest[:_LINES_FOR_DATE]):
        d = parse_date(ln)
        if d:
            date = d
            del rest[j]
            break
    source = ""
    if rest:
        m = dateline(rest[0])
        if m:
            source = m.source
            date = date or parse_date(m.date)  # a yearless dateline alone gives no date
    if date is None:
        # A short line near the top that carries a date («Опубликовано 5 января
        # 2022 г., 14:30»). Sentences of the story are not searched: a date they
        # mention is what the story is about, not when it was written.
        for ln in rest[:_LINES_FOR_DATE - 1]:
            if len(ln) <= _DATE_LINE_CHARS and (date := find_date(ln)):
                break
    return credited(Article(title=title, body="\n".join(rest), date=date, source=source,
                            format="text"))
