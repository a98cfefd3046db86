"""Records -> articles: the field names dumps use, and what their values mean.

A record is a mapping of field name -> value (a JSON object, a CSV row).
Names are matched case-insensitively and without ``_``/``-``/spaces
(``publish_date`` = ``publishDate``), in the order of :data:`FIELDS`; values
may be strings, numbers (Unix time in date fields), lists (tags; paragraphs
of a text; Telegram's text parts) or small objects (``{"name": ...}``).
A text that is HTML (RIA's dump) goes through ``html.html_to_text``.
"""
from __future__ import annotations

import ast
import hashlib
import html as _html
import re
from array import array
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache

from ..errors import ArticleError
from . import dates
from .limits import LIMITS
from .model import Article
from .sources import credited, dateline, join_authors, split_source

Warn = Callable[[str], None]

#: Article field -> accepted record field names (normalised), most preferred first.
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "заголовок", "textname", "header", "heading", "name"),
    "body": ("text", "content", "body", "fulltext", "article", "articlebody", "maintext",
             "текст", "message"),
    "lead": ("summary", "subtitle", "lead", "description", "annotation", "abstract", "anons",
             "excerpt", "teaser", "анонс", "подзаголовок", "аннотация"),
    "date": ("date", "datetime", "published", "pubdate", "publishdate", "publishedat",
             "publicationdate", "createdat", "created", "timestamp", "time", "дата"),
    "url": ("url", "link", "href", "uri", "sourceurl", "ссылка"),
    "section": ("topic", "rubric", "category", "section", "topics", "textrubric", "categories",
                "рубрика", "раздел", "категория"),
    "tags": ("tags", "keywords", "теги", "метки", "ключевыеслова"),
    "source": ("source", "site", "publisher", "agency", "edition", "segment", "media", "outlet",
               "источник", "издание"),
    "author": ("author", "authors", "byline", "creator", "writer", "автор", "авторы"),
    "id": ("id", "guid", "uuid", "docid", "articleid", "newsid", "textid"),
}
_TIME_ONLY_FIELDS = ("time",)

TITLE_CHARS = 120
#: Bad records reported one by one in a file; the rest are counted.
MAX_WARNINGS = 20
_EMPTY = frozenset({"", "-", "—", "nan", "NaN", "None", "none", "null", "NULL"})


@lru_cache(maxsize=4096)
def norm_field(name: str) -> str:
    """``"Publish_Date "`` -> ``"publishdate"``: how field names are compared."""
    return re.sub(r"[\s_\-.]+", "", str(name)).lower()


_FIELD_OF = {alias: field for field, aliases in FIELDS.items() for alias in aliases}
_RANK = {alias: i for aliases in FIELDS.values() for i, alias in enumerate(aliases)}


class Layout:
    """Where each Article field is found in records with one set of keys."""

    __slots__ = ("fields", "time_key")

    def __init__(self, keys):
        found: dict[str, list[tuple[int, str]]] = {}
        self.time_key = None
        for key in keys:
            n = norm_field(key)
            field = _FIELD_OF.get(n)
            if field:
                found.setdefault(field, []).append((_RANK[n], key))
            if n in _TIME_ONLY_FIELDS:
                self.time_key = key
        self.fields = {f: tuple(k for _, k in sorted(v)) for f, v in found.items()}

    def has_content(self) -> bool:
        return "title" in self.fields or "body" in self.fields


class Mapper:
    """Turns records (mappings of field name -> value) into articles for one file."""

    def __init__(self, fmt: str, label: str, codec: str, warn: Warn,
                 fix_text: Callable[[str], str] | None = None):
        self.fmt, self.label, self.codec, self.warn = fmt, label, codec, warn
        self.fix_text = fix_text
        self.articles = self.skipped = self.bad = 0
        self._junk = 0  # records in a row that gave no article
        self._layouts: dict[tuple, Layout] = {}
        self._seen = SeenKeys()

    def layout(self, record: Mapping) -> Layout:
        keys = tuple(record)
        lay = self._layouts.get(keys)
        if lay is None:
            if len(self._layouts) > 256:
                self._layouts.clear()
            lay = self._layouts[keys] = Layout(keys)
        return lay

    def looks_like_record(self, record: Mapping) -> bool:
        lay = self.layout(record)
        return any(not _is_empty(record[k]) for f in ("title", "body")
                   for k in lay.fields.get(f, ()))

    def article(self, record: Mapping, fallback_key: str, *, key: str | None = None) -> Article | None:
        """The article for one record; ``None`` (counted) when it has neither title nor text."""
        lay = self.layout(record)
        f = lay.fields
        body = _clean_body(_first_text(record, f.get("body"), "\n"))
        if body and self.fix_text:
            body = self.fix_text(body)
        title = _clean_title(_first_text(record, f.get("title"), " "))
        if not title and not body:
            self.skipped += 1
            self._no_article()
            return None
        self._junk = 0
        if not title:
            title = title_from_text(body)
        url, source = "", ""
        for k in f.get("url", ()):
            url = _as_text(record[k]).strip()
            if url and not _is_empty(url):
                break
        else:
            url = ""
        for k in f.get("source", ()):
            value = _as_text(record[k], " ").strip()
            if _is_empty(value):
                continue
            if _URL.match(value):  # Taiga's «source» column is the article's URL
                url = url or value
                continue
            source = value
            break
        author = _authors(record, f.get("author"))
        if (not source or not author) and body:
            # RIA's dumps: «МОСКВА, 18 окт - РИА Новости, Анастасия Силкина. ...»
            line = dateline(body)
            if line is not None:
                source = source or line.source
                if not author:
                    author = join_authors(split_source(line.source)[1])
        lead = _clean_body(_first_text(record, f.get("lead"), "\n"))
        if lead and self.fix_text:
            lead = self.fix_text(lead)
        if key is None:
            own = _first_text(record, f.get("id"), " ").strip()
            key = self._unique_key(own, fallback_key)
        self.articles += 1
        return credited(Article(
            title=title,
            body=body,
            date=self._date(record, lay, url),
            source=source,
            author=author,
            section=_clean_title(_first_text(record, f.get("section"), ", ")),
            url=url,
            lead=" ".join(lead.split()) if lead else "",
            tags=_tags(record, f.get("tags")),
            key=key,
            encoding=self.codec,
            format=self.fmt,
        ))

    def _unique_key(self, own: str, fallback: str) -> str:
        # The record's own id when it is new in this file, else its line/row number.
        for candidate in (own, fallback):
            if candidate and not _is_empty(candidate) and self._seen.add(candidate):
                return candidate
        n = 2
        while not self._seen.add(f"{fallback}~{n}"):
            n += 1
        return f"{fallback}~{n}"

    def _date(self, record: Mapping, lay: Layout, url: str) -> datetime | None:
        for k in lay.fields.get("date", ()):
            value = record[k]
            d = to_date(value)
            if d is None:
                continue
            t = record.get(lay.time_key) if lay.time_key and lay.time_key != k else None
            if isinstance(t, str) and _BARE_TIME.match(t.strip()) and not (d.hour or d.minute):
                d = _with_time(value, t.strip(), d)
            return d
        from_url = getattr(dates, "date_from_url", None)
        if url and from_url is not None:
            return from_url(url)
        return None

    def _no_article(self) -> None:
        self._junk += 1
        if self._junk > LIMITS.junk_records:
            raise ArticleError(f"over {LIMITS.junk_records:,} records in a row without an article "
                               "(budget): read no further")

    def bad_record(self, line, message: str, *, last: bool = False) -> None:
        """One warning per bad record, up to :data:`MAX_WARNINGS` a file; then only a count.

        ``last``: the damage ends the file, which is always said.
        """
        self.bad += 1
        if not last:
            self._no_article()
        if self.bad <= MAX_WARNINGS or last:
            self.warn(f"{self.label}:{line}: {message}")
        elif self.bad == MAX_WARNINGS + 1:
            self.warn(f"{self.label}: more bad records; their number follows at the end")

    def finish(self) -> None:
        """Report what was skipped; :class:`ArticleError` when nothing came out."""
        if self.bad > MAX_WARNINGS:
            self.warn(f"{self.label}: {self.bad} bad records in all")
        if self.skipped:
            self.warn(f"{self.label}: {self.skipped} record(s) without title or text skipped")
        if not self.articles:
            reason = "no records with a title or text"
            if self.bad:
                reason += f" ({self.bad} bad record(s))"
            raise ArticleError(reason)


class SeenKeys:
    """The keys given out in one file, as 64-bit fingerprints in a flat table.

    16-32 bytes a key (a Python set of the ids costs 70 or more): the
    240,000 keys of a 1 GB news dump take about 8 MB. The fingerprint is
    fixed (blake2b, not Python's per-process ``hash``), so the rare collision
    gives the same keys on every run.
    """

    def __init__(self, capacity: int = 1 << 14):
        self._table = array("Q", bytes(8 * capacity))
        self._mask = capacity - 1
        self._used = 0

    def add(self, key: str) -> bool:
        """Remember ``key``; ``False`` when it was already there."""
        fp = int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                            "little") or 1
        table, mask = self._table, self._mask
        i = fp & mask
        while True:
            slot = table[i]
            if slot == 0:
                break
            if slot == fp:
                return False
            i = (i + 1) & mask
        table[i] = fp
        self._used += 1
        if self._used * 2 > len(table):
            self._grow()
        return True

    def _grow(self) -> None:
        old = self._table
        self._table = table = array("Q", bytes(16 * len(old)))
        self._mask = mask = len(table) - 1
        for fp in old:
            if fp:
                i = fp & mask
                while table[i]:
                    i = (i + 1) & mask
                table[i] = fp


def _is_empty(value) -> bool:
    if isinstance(value, str):
        # Only short strings can be placeholders; never copy a long text to find out.
        return not value or (len(value) <= 6 and value.strip() in _EMPTY) or value.isspace()
    return value is None or value == [] or value == {}


def _as_text(value, sep: str = "\n", depth: int = 0) -> str:
    """A field value as text: lists are joined, ``{"text": ...}`` parts unwrapped."""
    if value is None or isinstance(value, bool) or depth > 8:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        # Telegram exports: «text»: ["plain ", {"type": "bold", "text": "bold"}, ...]
        inline = all(isinstance(v, (str, dict)) for v in value) and any(isinstance(v, dict) for v in value)
        parts = [_as_text(v, sep, depth + 1) for v in value]
        return ("" if inline else sep).join(p for p in parts if p)
    if isinstance(value, dict):
        for k in ("text", "name", "title", "value", "url"):
            if isinstance(value.get(k), str):
                return value[k]
    return ""


def _first_text(record: Mapping, keys, sep: str) -> str:
    for k in keys or ():
        value = record[k]
        if not _is_empty(value):
            text = value if isinstance(value, str) else _as_text(value, sep)
            if not _is_empty(text):
                return text
    return ""


_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
_HTMLISH = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>|&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});")
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_MD_BOLD = re.compile(r"\*\*|__")
_SENTENCE = re.compile(r".{10,}?[.!?…](?=\s|$)")


def _clean_title(text: str) -> str:
    if not text:
        return ""
    if "\x00" in text:  # «\u0000» in JSON: dropped, as NUL bytes are
        text = text.replace("\x00", "")
    if "<" in text and _TAG.search(text):
        text = html_to_text(text)
    elif "&" in text:
        text = _html.unescape(text)
    return " ".join(text.split())


def _looks_html(text: str) -> bool:
    """Tags or entities in a record's text (RIA's dump, embedded players in RT's)."""
    starts = [i for i in (text.find("<"), text.find("&")) if i >= 0]
    return bool(starts) and _HTMLISH.search(text, min(starts)) is not None


def _clean_body(text: str) -> str:
    if not text:
        return ""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if _looks_html(text):
        text = html_to_text(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def title_from_text(text: str) -> str:
    """A headline for a record without one: its first line, or first sentence, ~120 characters."""
    line = next((ln for ln in text.split("\n") if ln.strip()), "")
    line = " ".join(_MD_BOLD.sub("", line).split())
    if len(line) <= TITLE_CHARS:
        return line
    m = _SENTENCE.match(line)
    if m and len(m.group()) <= TITLE_CHARS:
        return m.group()
    cut = line.rfind(" ", 0, TITLE_CHARS)
    if cut < TITLE_CHARS // 3:
        cut = TITLE_CHARS
    return line[:cut].rstrip(" ,;:—–-") + "…"


def _authors(record: Mapping, keys) -> str:
    """An author field: a name, names, or a list of names or ``{"name": ...}`` objects."""
    for k in keys or ():
        value = record[k]
        if _is_empty(value):
            continue
        items = value if isinstance(value, list) else [value]
        names = [_clean_title(_as_text(v, " ")) for v in items[:50]]
        text = ", ".join(n for n in names if n and n not in _EMPTY)
        if text:
            return text
    return ""


def _tags(record: Mapping, keys) -> list[str]:
    for k in keys or ():
        value = record[k]
        if _is_empty(value):
            continue
        if isinstance(value, str):
            s = value.strip()
            if s.startswith("[") and s.endswith("]") and len(s) < 100_000:
                try:  # a Python or JSON list written into a CSV cell
                    value = ast.literal_eval(s)
                except (ValueError, SyntaxError, MemoryError, RecursionError):
                    value = s.strip("[]")
        if isinstance(value, str):
            items = re.split(r"[,;]", value)
        elif isinstance(value, (list, tuple)):
            items = [_as_text(v, " ") for v in value]
        else:
            items = [_as_text(value, " ")]
        out: list[str] = []
        for item in items:
            item = " ".join(str(item).split())
            if item and item not in out and item not in _EMPTY:
                out.append(item)
        if out:
            return out
    return []


# --- dates ------------------------------------------------------------------------

_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_BARE_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(?:Z|[+-]\d{2}:?\d{2}|[A-ZА-Я]{2,4})?$")
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_EPOCH = datetime(1970, 1, 1)
_MIN_TIMESTAMP = 1e8  # 1973: a smaller number is a year, a count or an id, not a date


def to_date(value) -> datetime | None:
    """A dump field's date: Unix time for numbers, else :func:`dates.parse_date`."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _timestamp(value)
    text = _as_text(value, " ").strip()
    if not text or len(text) > 100:
        return None
    if _NUMBER.fullmatch(text):
        return _timestamp(float(text) if "." in text else int(text))
    d = dates.parse_date(text)
    if d is None:
        d = _ymd(text)
    return d


def _timestamp(value: float) -> datetime | None:
    if abs(value) < _MIN_TIMESTAMP:
        return None
    parse = getattr(dates, "parse_timestamp", None)
    if parse is not None:
        return parse(value)
    seconds = value / 1000 if abs(value) >= 1e11 else value
    try:
        d = _EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        return None
    return d if 1900 <= d.year <= 2100 else None


def _ymd(text: str) -> datetime | None:
    # Year-first machine dates (``2019-08-10 06:35:00``, ``1914/09/16``): unambiguous,
    # so read them here too; the offset is dropped (wall-clock time, as dates.py does).
    m = _YMD.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, s) if 1900 <= y <= 2100 else None
    except ValueError:
        return None


def _with_time(date_value, time_text: str, d: datetime) -> datetime:
    """A date field plus a separate time field (Taiga: ``1 января 2010`` + ``02:43``)."""
    combined = dates.parse_date(f"{_as_text(date_value, ' ').strip()} {time_text}")
    if combined is not None and combined.date() == d.date():
        return combined
    m = _BARE_TIME.match(time_text)
    assert m is not None  # the caller matched time_text against _BARE_TIME
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if h < 24 and mi < 60 and s < 60:
        return d.replace(hour=h, minute=mi, second=s)
    return d


# --- HTML in records ----------------------------------------------------------------

_html_to_text: Callable[[str], str] | None = None


def html_to_text(fragment: str) -> str:
    """Text of an HTML fragment, by ``html.html_to_text`` (a crude stand-in until it exists)."""
    global _html_to_text
    if _html_to_text is None:
        try:
            from .html import html_to_text as real
        except ImportError:
            real = _strip_tags
        _html_to_text = real
    return _html_to_text(fragment)


_BLOCK = re.compile(r"<\s*/?\s*(?:br|p|div|h[1-6]|li|tr|blockquote|section|article)\b[^>]*>", re.I)
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)


def _strip_tags(fragment: str) -> str:
    text = _SCRIPT.sub(" ", fragment)
    text = _BLOCK.sub("\n", text)
    text = _html.unescape(_TAG.sub("", text))
    lines = (" ".join(ln.split()) for ln in text.split("\n"))
    return "\n".join(ln for ln in lines if ln)


