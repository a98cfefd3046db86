"""Multi-article files: JSON, JSON Lines, CSV and TSV (one file -> many articles).

Everything is streamed: JSON Lines and CSV are read line by line from an
incrementally decoded stream, and a JSON document (an array of records, an
object mapping keys to records, or ``{"articles": [...]}``) is split into its
top-level values by a small scanner that only holds the current record. A 1 GB
dump is read in bounded memory.

Field names are matched case-insensitively and without ``_``/``-``/spaces
(``publish_date`` = ``publishDate``), in the order of :data:`FIELDS`. A bad
record (malformed JSON line, broken CSV row) costs one warning naming the file
and line; the other records still come through.
"""
from __future__ import annotations

import ast
import csv
import hashlib
import html as _html
import json
import re
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from functools import lru_cache

from ..errors import ArticleError
from . import dates
from .formats import CSV, JSON, JSONL, TSV, Peekable, text_stream
from .model import Article

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
    "id": ("id", "guid", "uuid", "docid", "articleid", "newsid", "textid"),
}
_TIME_ONLY_FIELDS = ("time",)
#: Keys of a wrapper object whose list value holds the records: ``{"articles": [...]}``.
WRAPPER_KEYS = frozenset({"data", "items", "articles", "news", "results", "docs", "documents",
                          "records", "posts", "entries", "hits", "rows", "messages"})

#: A JSON line / JSON value / CSV field longer than this is not a record.
MAX_RECORD_CHARS = 32 * 1024 * 1024
TITLE_CHARS = 120
_CHUNK_CHARS = 1 << 18  # the JSON scanner reads this much at a time
_EMPTY = frozenset({"", "-", "—", "nan", "NaN", "None", "none", "null", "NULL"})
_DECODER = json.JSONDecoder(strict=False)


@lru_cache(maxsize=4096)
def norm_field(name: str) -> str:
    """``"Publish_Date "`` -> ``"publishdate"``: how field names are compared."""
    return re.sub(r"[\s_\-.]+", "", str(name)).lower()


_FIELD_OF = {alias: field for field, aliases in FIELDS.items() for alias in aliases}
_RANK = {alias: i for aliases in FIELDS.values() for i, alias in enumerate(aliases)}


def read_records(stream: Peekable, kind: str, *, label: str, encoding: str | None = None,
                 warn: Warn | None = None) -> Iterator[Article]:
    """Yield one :class:`Article` per record of a JSON, JSON Lines, CSV or TSV stream.

    ``kind`` is what the name or a sniff said (``json`` and ``jsonl`` are told
    apart again from the content). ``label`` names the file in warnings.
    Raises :class:`ArticleError` when the data yields no article at all.
    """
    warn = warn or (lambda message: None)
    if kind in (CSV, TSV):
        mapper = yield from _read_csv(stream, kind, label, encoding, warn)
    elif kind in (JSON, JSONL):
        mapper = yield from _read_json(stream, kind, label, encoding, warn)
    else:
        raise ValueError(f"not a records kind: {kind}")
    mapper.finish()


# --- record -> Article ----------------------------------------------------------

class _Layout:
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
        self._layouts: dict[tuple, _Layout] = {}
        self._seen = SeenKeys()

    def layout(self, record: Mapping) -> _Layout:
        keys = tuple(record)
        lay = self._layouts.get(keys)
        if lay is None:
            if len(self._layouts) > 256:
                self._layouts.clear()
            lay = self._layouts[keys] = _Layout(keys)
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
            return None
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
        lead = _clean_body(_first_text(record, f.get("lead"), "\n"))
        if lead and self.fix_text:
            lead = self.fix_text(lead)
        if key is None:
            own = _first_text(record, f.get("id"), " ").strip()
            key = self._unique_key(own, fallback_key)
        self.articles += 1
        return Article(
            title=title,
            body=body,
            date=self._date(record, lay, url),
            source=source,
            section=_clean_title(_first_text(record, f.get("section"), ", ")),
            url=url,
            lead=" ".join(lead.split()) if lead else "",
            tags=_tags(record, f.get("tags")),
            key=key,
            encoding=self.codec,
            format=self.fmt,
        )

    def _unique_key(self, own: str, fallback: str) -> str:
        # The record's own id when it is new in this file, else its line/row number.
        for candidate in (own, fallback):
            if candidate and not _is_empty(candidate) and self._seen.add(candidate):
                return candidate
        n = 2
        while not self._seen.add(f"{fallback}~{n}"):
            n += 1
        return f"{fallback}~{n}"

    def _date(self, record: Mapping, lay: _Layout, url: str) -> datetime | None:
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

    def finish(self) -> None:
        """Report what was skipped; :class:`ArticleError` when nothing came out."""
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


# --- JSON and JSON Lines ------------------------------------------------------------

def _bad_json(e: Exception) -> str:
    if isinstance(e, json.JSONDecodeError):
        return f"bad JSON: {e.msg} (column {e.colno})"
    if isinstance(e, RecursionError):
        return "bad JSON: nested too deep"
    return f"bad JSON: {e}"


def _numbered_lines(text, start: int, label: str, warn: Warn) -> Iterator[tuple[int, str]]:
    """``(line number, line)``; a line over the record limit is skipped with a warning."""
    n = start
    readline = text.readline
    while True:
        line = readline(MAX_RECORD_CHARS)
        if not line:
            return
        n += 1
        if len(line) >= MAX_RECORD_CHARS and not line.endswith("\n"):
            warn(f"{label}:{n}: line longer than {MAX_RECORD_CHARS >> 20}M characters skipped")
            while line and not line.endswith("\n"):
                line = readline(MAX_RECORD_CHARS)
            continue
        yield n, line


def _read_json(stream: Peekable, kind: str, label: str, encoding: str | None,
               warn: Warn) -> Iterator[Article]:
    text, codec = text_stream(stream, encoding, newline="\n")
    lines = _numbered_lines(text, 0, label, warn)
    first = next(((n, ln) for n, ln in lines if ln.strip()), None)
    if first is None:
        raise ArticleError("empty file")
    n1, line1 = first
    stripped = line1.strip().lstrip("\ufeff")
    obj1 = None
    if stripped.startswith("{"):
        try:
            obj1 = _DECODER.decode(stripped)
        except (ValueError, RecursionError):
            obj1 = None
    if kind == JSONL or isinstance(obj1, dict):
        if kind != JSONL:
            second = next(((n, ln) for n, ln in lines if ln.strip()), None)
            if second is None:  # one object on one line: a one-article file (or a wrapper)
                mapper = Mapper(JSON, label, codec, warn)
                yield from _from_object_value(mapper, obj1, label, warn)
                return mapper
            pending = [first, second]
        else:
            pending = [first]
        mapper = Mapper(JSONL, label, codec, warn)
        yield from _json_lines(mapper, _chain(pending, lines), label, warn)
        return mapper
    mapper = Mapper(JSON, label, codec, warn)
    if not stripped.startswith(("{", "[")):
        raise ArticleError("not JSON")
    scanner = _Scanner(lambda: text.read(_CHUNK_CHARS), line1.lstrip("\ufeff"), n1)
    yield from _json_document(mapper, scanner, label, warn)
    return mapper


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest


def _json_lines(mapper: Mapper, lines, label: str, warn: Warn) -> Iterator[Article]:
    decode = _DECODER.decode
    for n, line in lines:
        s = line.strip()
        if not s:
            continue
        try:
            obj = decode(s)
        except (ValueError, RecursionError) as e:
            mapper.bad += 1
            warn(f"{label}:{n}: {_bad_json(e)}")
            continue
        if not isinstance(obj, dict):
            mapper.bad += 1
            warn(f"{label}:{n}: not a JSON object")
            continue
        article = mapper.article(obj, str(n))
        if article is not None:
            yield article


def _from_object_value(mapper: Mapper, obj: dict, label: str, warn: Warn) -> Iterator[Article]:
    """One JSON object that is a whole file: a record, a wrapper or a mapping of records."""
    if mapper.looks_like_record(obj):
        article = mapper.article(obj, "", key="")
        if article is not None:
            yield article
        return
    for k, v in obj.items():
        if isinstance(v, list) and norm_field(k) in WRAPPER_KEYS:
            for i, item in enumerate(v, 1):
                if isinstance(item, dict):
                    article = mapper.article(item, str(i))
                    if article is not None:
                        yield article
        elif isinstance(v, dict) and mapper.looks_like_record(v):
            article = mapper.article(v, str(k))
            if article is not None:
                yield article


class _Unterminated(Exception):
    """The data ended inside a JSON value."""


class _TooLarge(Exception):
    """A JSON value is longer than :data:`MAX_RECORD_CHARS`."""


class _Lost(Exception):
    """The structure is broken beyond finding the next value."""


_MAX_ERRORS_IN_A_ROW = 20


_STRUCT = re.compile(r'["{}\[\]]')
_STR_BODY = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.S)
_SCALAR = re.compile(r'[^,\]}\s]*')
_WS = re.compile(r"\s*")


class _Scanner:
    """Splits a JSON text, read in chunks, into values without parsing them.

    Holds only the text from the start of the current value (``mark``); the
    values themselves are parsed by :mod:`json`, one at a time.
    """

    def __init__(self, read: Callable[[], str], initial: str, line: int):
        self._read = read
        self.buf = initial
        self.pos = 0
        self.mark = 0
        self.errors = 0  # bad values since the last good one
        self._line, self._line_pos = line, 0  # line number at buf[_line_pos]

    def more(self) -> bool:
        chunk = self._read()
        if not chunk:
            return False
        if self.mark > (1 << 20) or self.mark > len(self.buf) // 2:
            cut = self.mark
            self.line_at(cut)
            self.buf = self.buf[cut:]
            self.pos -= cut
            self.mark = 0
            self._line_pos -= cut
        if len(self.buf) - self.mark > MAX_RECORD_CHARS:
            raise _TooLarge
        self.buf += chunk
        return True

    def line_at(self, pos: int) -> int:
        if pos > self._line_pos:
            self._line += self.buf.count("\n", self._line_pos, pos)
            self._line_pos = pos
        return self._line

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end)."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            self.mark = self.pos
            if not self.more():
                return ""

    def value(self) -> str:
        """The text of the JSON value at ``pos`` (after :meth:`peek`); moves past it."""
        self.mark = start = self.pos
        if start >= len(self.buf):
            raise _Unterminated
        c = self.buf[start]
        if c == '"':
            self._string(start + 1)
        elif c in "{[":
            self._nested(start)
        else:
            while True:
                end = _SCALAR.match(self.buf, self.pos).end()
                if end < len(self.buf):
                    self.pos = end
                    break
                self.pos = end
                if not self.more():
                    break
        return self.buf[self.mark:self.pos]

    def _string(self, i: int) -> None:
        while True:
            j = _STR_BODY.match(self.buf, i).end()
            if j < len(self.buf) and self.buf[j] == '"':
                self.pos = j + 1
                return
            self.pos = j
            if not self.more():
                raise _Unterminated
            i = self.pos

    def _nested(self, i: int) -> None:
        depth, in_string = 0, False
        while True:
            buf = self.buf
            if in_string:
                j = _STR_BODY.match(buf, i).end()
                if j < len(buf) and buf[j] == '"':
                    i, in_string = j + 1, False
                    continue
                i = j
            else:
                m = _STRUCT.search(buf, i)
                if m is not None:
                    c, i = m.group(), m.end()
                    if c == '"':
                        in_string = True
                    elif c in "{[":
                        depth += 1
                    else:
                        depth -= 1
                        if depth == 0:
                            self.pos = i
                            return
                    continue
                i = len(buf)
            self.pos = i
            if not self.more():
                raise _Unterminated
            i = self.pos


def _json_document(mapper: Mapper, sc: _Scanner, label: str, warn: Warn) -> Iterator[Article]:
    """A JSON document: an array of records, or an object (record, mapping or wrapper)."""
    try:
        c = sc.peek()
        if c == "[":
            sc.pos += 1
            yield from _json_array(mapper, sc, label, warn, "")
        elif c == "{":
            sc.pos += 1
            yield from _json_object(mapper, sc, label, warn)
        else:
            raise ArticleError("not JSON")
        if sc.peek():
            warn(f"{label}:{sc.line_at(sc.pos)}: extra data after the JSON document ignored")
    except _Unterminated:
        mapper.bad += 1
        warn(f"{label}:{sc.line_at(sc.mark)}: bad JSON: the data ends inside a value")
    except _TooLarge:
        mapper.bad += 1
        warn(f"{label}:{sc.line_at(sc.mark)}: a JSON value over {MAX_RECORD_CHARS >> 20}M "
             "characters; the rest of the file is skipped")
    except _Lost as e:
        mapper.bad += 1
        warn(f"{label}:{sc.line_at(sc.pos)}: bad JSON: {e}; the rest of the file is skipped")


def _parse_value(mapper: Mapper, sc: _Scanner, label: str, warn: Warn):
    """Parse the value at the cursor and move past it; ``(value, line)``, value ``None`` when bad.

    ``json`` parses straight from the buffer; only a value that fails (cut
    off by the end of the buffer, or malformed) is scanned for its end, so a
    bad record is skipped without losing the ones after it.
    """
    line = sc.line_at(sc.pos)
    sc.mark = sc.pos
    try:
        value, end = _DECODER.raw_decode(sc.buf, sc.pos)
    except (ValueError, RecursionError):
        pass
    else:
        # A number or literal that touches the end of the buffer may continue in the next chunk.
        if end < len(sc.buf) or isinstance(value, (dict, list, str)):
            sc.pos = end
            sc.errors = 0
            return value, line
    text = sc.value()
    if not text:
        raise _Lost(f"unexpected {sc.buf[sc.pos]!r}")
    try:
        return _DECODER.decode(text), line
    except (ValueError, RecursionError) as e:
        mapper.bad += 1
        sc.errors += 1
        if sc.errors > _MAX_ERRORS_IN_A_ROW:
            raise _Lost("too many bad values in a row") from None
        where = line + (e.lineno - 1 if isinstance(e, json.JSONDecodeError) else 0)
        warn(f"{label}:{where}: {_bad_json(e)}")
        return None, line


def _json_array(mapper: Mapper, sc: _Scanner, label: str, warn: Warn, prefix: str) -> Iterator[Article]:
    index = 0
    while True:
        c = sc.peek()
        if c == "]":
            sc.pos += 1
            return
        if c == ",":
            sc.pos += 1
            continue
        if c == "":
            raise _Unterminated
        index += 1
        value, line = _parse_value(mapper, sc, label, warn)
        if isinstance(value, dict):
            article = mapper.article(value, f"{prefix}{index}")
            if article is not None:
                yield article
        elif value is not None:
            mapper.bad += 1
            warn(f"{label}:{line}: not a JSON object")


def _json_object(mapper: Mapper, sc: _Scanner, label: str, warn: Warn) -> Iterator[Article]:
    fields: dict = {}
    yielded = False
    while True:
        c = sc.peek()
        if c == "}":
            sc.pos += 1
            break
        if c == ",":
            sc.pos += 1
            continue
        if c != '"':
            if c == "":
                raise _Unterminated
            raise _Lost("expected a key")
        key, _ = _parse_value(mapper, sc, label, warn)
        if sc.peek() != ":":
            raise _Lost("expected ':'")
        sc.pos += 1
        c = sc.peek()
        if c == "[" and isinstance(key, str) and norm_field(key) in WRAPPER_KEYS:
            sc.pos += 1
            before = mapper.articles
            yield from _json_array(mapper, sc, label, warn, "")
            yielded = yielded or mapper.articles > before
            continue
        value, line = _parse_value(mapper, sc, label, warn)
        if isinstance(value, dict) and mapper.looks_like_record(value):
            # {"a1": {...}, "a2": {...}}: a mapping of keys to records
            article = mapper.article(value, str(key))
            yielded = True
            if article is not None:
                yield article
        elif key is not None:
            fields[key] = value
    if not yielded and fields:
        yield from _from_object_value(mapper, fields, label, warn)


# --- CSV and TSV ----------------------------------------------------------------------

_DELIMITERS = (",", "\t", ";", "|")
_SAMPLE_LINES = 200
# Open Data Science news dumps (gazeta, interfax, meduza, ria, rt, tass ...) lost the
# backslash of every «\n» on the way: «Новости.nВосемнадцать». Repaired only there.
_ODS_COLUMNS = frozenset({"repostsfb", "repostsvk", "commcount"})
_ODS_NEWLINE = re.compile(r"(?<=[А-Яа-яЁё.,!?:;»\"”)…—–\xa0])n{1,2}(?=[А-Яа-яЁё«\"“„(—–\xa0])")


def _ods_text(text: str) -> str:
    text = text.replace("\\n", "\n")
    return _ODS_NEWLINE.sub(lambda m: "\n" * len(m.group()), text)


class _LineSource:
    """Lines for :func:`csv.reader`, remembering which lines made the current row.

    A broken row (an unclosed quote swallows the lines after it) is re-read
    from its second line on, so one bad line costs one row.
    """

    def __init__(self, text, label: str, warn: Warn):
        self._lines = _numbered_lines(text, 0, label, warn)
        self.pending: deque[tuple[int, str]] = deque()
        self.current: list[tuple[int, str]] = []
        self.fix: Callable[[str], str] | None = None

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.pending:
            item = self.pending.popleft()
        else:
            item = next(self._lines)
            if self.fix is not None:
                item = (item[0], self.fix(item[1]))
        self.current.append(item)
        return item[1]

    def take(self) -> list[tuple[int, str]]:
        lines, self.current = self.current, []
        return lines

    def push_back(self, lines: list[tuple[int, str]]) -> None:
        self.pending.extendleft(reversed(lines))


def _raise_field_limit() -> None:
    # csv's limit is process-wide; only ever raise it (article texts exceed the default 128 KB).
    if csv.field_size_limit() < MAX_RECORD_CHARS:
        csv.field_size_limit(MAX_RECORD_CHARS)


def _sniff_dialect(sample: list[str], kind: str) -> tuple[str, int]:
    header = next((ln for ln in sample if ln.strip()), "")
    counts = {d: header.count(d) for d in _DELIMITERS}
    if kind == TSV and counts["\t"]:
        delimiter = "\t"
    else:
        delimiter = max(_DELIMITERS, key=lambda d: counts[d])
        if not counts[delimiter]:
            delimiter = "\t" if kind == TSV else ","
    # Many TSV dumps do not quote at all, and a field that starts with «"» then
    # swallows the lines after it: for tabs, take the quoting under which rows fit
    # the header. (Comma and semicolon files always quote; a broken quote there is
    # a broken row, not a dialect.)
    if delimiter != "\t":
        return delimiter, csv.QUOTE_MINIMAL
    body = sample[:-1] if len(sample) >= _SAMPLE_LINES else sample
    scores, parsed = {}, {}
    for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_NONE):
        rows = parsed[quoting] = []
        try:
            for row in csv.reader(body, delimiter=delimiter, quoting=quoting):
                rows.append(row)
        except csv.Error:
            pass
        width = len(rows[0]) if rows else 0
        scores[quoting] = sum(1 if len(r) == width else -1 for r in rows[1:] if r)
    if scores[csv.QUOTE_NONE] != scores[csv.QUOTE_MINIMAL]:
        return delimiter, max(scores, key=scores.get)
    # A tie: quoting writers wrap whole fields («"a b"») or double quotes inside them.
    quoted = any((len(f) >= 2 and f[0] == f[-1] == '"') or '""' in f
                 for row in parsed[csv.QUOTE_NONE] for f in row)
    quoting = csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE
    return delimiter, quoting


def _read_csv(stream: Peekable, kind: str, label: str, encoding: str | None,
              warn: Warn) -> Iterator[Article]:
    _raise_field_limit()
    text, codec = text_stream(stream, encoding, newline="")
    source = _LineSource(text, label, warn)
    sample = []
    for _ in range(_SAMPLE_LINES):
        try:
            sample.append(next(source))
        except StopIteration:
            break
    lines = source.take()
    source.push_back(lines)
    delimiter, quoting = _sniff_dialect(sample, kind)
    reader = csv.reader(source, delimiter=delimiter, quoting=quoting)
    header: list[str] | None = None
    mapper = Mapper(kind, label, codec, warn)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            lines = source.take()
            mapper.bad += 1
            warn(f"{label}:{lines[0][0] if lines else '?'}: broken CSV row: {e}")
            source.push_back(lines[1:])
            continue
        lines = source.take()
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        start = lines[0][0]
        if header is None:
            header = [h.strip().lstrip("\ufeff") for h in row]
            if not _Layout(header).has_content():
                raise ArticleError("no title or text column in the header: "
                                   + ", ".join(h for h in header[:12] if h))
            if _ODS_COLUMNS & {norm_field(h) for h in header}:
                mapper.fix_text = _ods_text
                source.fix = lambda line: line.replace('\\"', '""')
            width = len(header)
            continue
        if len(row) != width:
            if len(row) > width and not any(c.strip() for c in row[width:]):
                row = row[:width]  # a trailing delimiter
            elif len(row) < width and len(lines) == 1:
                row = row + [""] * (width - len(row))  # missing trailing cells
            else:
                mapper.bad += 1
                warn(f"{label}:{start}: broken CSV row ({len(row)} fields, expected {width})")
                source.push_back(lines[1:])
                continue
        article = mapper.article(dict(zip(header, row)), str(start))
        if article is not None:
            yield article
    if header is None:
        raise ArticleError("empty file")
    return mapper
