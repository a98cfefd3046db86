"""Metadata of saved HTML pages: what a page declares about itself.

Most reliable first: Open Graph and ``article:*`` meta tags, JSON-LD
``NewsArticle`` (also inside ``@graph``), Twitter cards, other meta names and
microdata, and only then the visible ``<h1>``/``<title>``. Dates are kept at
the wall-clock time written: an offset is dropped, not converted.
"""
from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .dates import parse_date

__all__ = ["PageMeta"]

_SPACES = re.compile(r"\s+")
_MAX_TAGS = 100  # a keywords meta can be a dump of the whole site's tags
_MAX_AUTHORS = 20
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:/·•»]{1,2}\s+|:\s+")

# Written so that no two parts can match the same characters: the value comes
# from the page and must not make the match backtrack.
_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"(?:\s*(?:Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT))?",
    re.I,
)
_MAX_DATE = 64  # characters; longer values are not dates
_ARTICLE_TYPES = re.compile(r"(Article|BlogPosting|NewsArticle|Report)$")

_ARTICLE_TYPES = re.compile(r"(Article|BlogPosting|NewsArticle|Report)$")


class PageMeta:
    """What a parsed page declares about itself: meta tags, JSON-LD, <title>, <h1>.

    Built before the body extraction changes the tree; each field is read
    from its sources, most reliable first, when asked for.
    """

    def __init__(self, tree: LexborHTMLParser) -> None:
        self._tags: dict[str, list[str]] = {}
        root = tree.root
        if root is None:
            self._ld: dict = {}
            self._title_tag = self._h1 = self._canonical = self._time = self._itemprop_date = ""
            return
        for node in root.css("meta"):
            attrs = node.attributes
            key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or attrs.get("http-equiv")
            content = attrs.get("content")
            if key and content and content.strip():
                self._tags.setdefault(key.strip().lower(), []).append(_SPACES.sub(" ", content).strip())
        self._ld = _json_ld_article(root)
        found = root.css_first("head title") or root.css_first("title")
        self._title_tag = _SPACES.sub(" ", found.text()).strip() if found else ""
        found = root.css_first("h1")
        self._h1 = _SPACES.sub(" ", found.text()).strip() if found else ""
        found = root.css_first('link[rel="canonical"]')
        self._canonical = (found.attributes.get("href") or "").strip() if found else ""
        # Read before the body extraction removes furniture (<time> often sits in a header).
        self._time = _time_value(root.css_first("article time[datetime]"))
        self._itemprop_date = _time_value(root.css_first('[itemprop="datePublished"]'))

    def _first(self, *keys: str) -> str:
        for key in keys:
            values = self._tags.get(key)
            if values:
                return values[0]
        return ""

    def title(self) -> str:
        return (
            self._first("og:title")
            or _ld_text(self._ld.get("headline"))
            or self._first("twitter:title")
            or self._h1
            or _strip_site(self._title_tag, self._first("og:site_name"))
        )

    def date(self) -> datetime | None:
        for value in (
            self._first("article:published_time"),
            _ld_text(self._ld.get("datePublished")),
            self._time,
            self._first("date", "pubdate", "publishdate", "publish-date", "publish_date", "dc.date",
                        "dc.date.issued", "dcterms.created", "article:published", "sailthru.date",
                        "parsely-pub-date"),
            self._itemprop_date,
        ):
            if value:
                parsed = _parse_datetime(value)
                if parsed is not None:
                    return parsed
        return None

    def source(self) -> str:
        name = self._first("og:site_name") or _ld_name(self._ld.get("publisher"))
        if name:
            return name
        try:
            host = urlsplit(self.url()).hostname or ""
        except ValueError:  # «http://[broken»
            host = ""
        return host.removeprefix("www.")

    def author(self) -> str:
        """The authors a page names: JSON-LD ``author``, else ``author`` meta tags.

        Profile URLs (``article:author`` often holds one) and Twitter handles
        are not names and are skipped.
        """
        names = _ld_names(self._ld.get("author"))
        if not names:
            for key in ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator"):
                names = [v for v in self._tags.get(key, []) if v and not _is_link(v)]
                if names:
                    break
        out: dict[str, None] = {}
        for name in names[:_MAX_AUTHORS]:
            name = _SPACES.sub(" ", name).strip(" ,;")
            if name and len(name) <= 100:
                out[name] = None
        return ", ".join(out)

    def section(self) -> str:
        return self._first("article:section") or _ld_text(self._ld.get("articleSection"))

    def url(self) -> str:
        return (
            self._first("og:url")
            or self._canonical
            or _ld_text(self._ld.get("url"))
            or _ld_text(self._ld.get("mainEntityOfPage"))
        )

    def lead(self) -> str:
        return (
            self._first("og:description", "description", "twitter:description")
            or _ld_text(self._ld.get("description"))
        )

    def tags(self) -> list[str]:
        values = self._tags.get("article:tag") or []
        if not values:
            for key in ("keywords", "news_keywords"):
                for value in self._tags.get(key, []):
                    values = values + value.split(",")
        if not values:
            kw = self._ld.get("keywords")
            values = kw if isinstance(kw, list) else str(kw or "").split(",")
        out: dict[str, None] = {}  # ordered and unique
        for value in values:
            tag = _SPACES.sub(" ", str(value)).strip()
            if tag:
                out[tag] = None
                if len(out) == _MAX_TAGS:
                    break
        return list(out)


def _time_value(node: LexborNode | None) -> str:
    if node is None:
        return ""
    attrs = node.attributes
    return (attrs.get("datetime") or attrs.get("content") or node.text() or "").strip()


def _json_ld_article(root: LexborNode) -> dict:
    """The first JSON-LD object typed as an article (NewsArticle, Article, BlogPosting ...)."""
    for node in root.css('script[type="application/ld+json"]'):
        raw = (node.text() or "").strip()
        raw = raw.removeprefix("<!--").removesuffix("-->").strip()
        if raw.startswith("//<![CDATA["):
            raw = raw[len("//<![CDATA["):].removesuffix("//]]>")
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        found = _find_article(data, 0)
        if found is not None:
            return found
    return {}


def _find_article(data: object, depth: int) -> dict | None:
    if depth > 6:
        return None
    if isinstance(data, list):
        for item in data:
            found = _find_article(item, depth + 1)
            if found is not None:
                return found
    elif isinstance(data, dict):
        kind = data.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if any(isinstance(k, str) and _ARTICLE_TYPES.search(k) for k in kinds):
            return data
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in data:
                found = _find_article(data[key], depth + 1)
                if found is not None:
                    return found
    return None


def _ld_text(value: object) -> str:
    """A JSON-LD value as text: strings as they are, first item of a list, @id/url of an object."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url") or value.get("name") or ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return _SPACES.sub(" ", value).strip() if isinstance(value, str) else ""


def _ld_name(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return _ld_text(value.get("name"))
    return _ld_text(value)


def _is_link(value: str) -> bool:
    return value.startswith(("http://", "https://", "//", "www.", "@"))


def _ld_names(value: object, depth: int = 0) -> list[str]:
    """The names of a JSON-LD ``author``: a string, a Person, or a list of them."""
    if depth > 3:
        return []
    if isinstance(value, str):
        return [value] if value.strip() and not _is_link(value.strip()) else []
    if isinstance(value, dict):
        return _ld_names(value.get("name"), depth + 1)
    if isinstance(value, list):
        return [n for item in value[:_MAX_AUTHORS] for n in _ld_names(item, depth + 1)]
    return []


def _strip_site(title: str, site: str) -> str:
    """«Заголовок - Сайт» / «Заголовок | Сайт» (or «Сайт | Заголовок») -> «Заголовок»."""
    seps = list(_TITLE_SEPARATORS.finditer(title))
    if not seps:
        return title
    first, last = seps[0], seps[-1]
    head, tail = title[: last.start()].strip(), title[last.end():].strip()
    site = site.strip().lower()
    if site:
        if tail.lower() == site:
            return head
        if title[: first.start()].strip().lower() == site:
            return title[first.end():].strip()
    # No site name to compare with: a short last segment after « | » or « - » is the site.
    if last.group().strip() in ("|", "-", "–", "—") and len(tail.split()) <= 3 and len(tail) < len(head):
        return head
    return title


def _parse_datetime(value: str) -> datetime | None:
    """ISO 8601 at the wall-clock time written (offset dropped), else Russian/numeric forms."""
    value = value.strip()
    if len(value) > _MAX_DATE:
        return None
    m = _ISO.fullmatch(value)
    if m:
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
        try:
            return datetime(y, mo, d, h, mi, s)
        except ValueError:
            return None
    try:
        parsed = parse_date(value)
    except Exception:  # a date parser under rewrite must not take the page down with it
        return None
    return parsed.replace(tzinfo=None) if parsed is not None else None
