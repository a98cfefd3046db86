"""Multi-article files: JSON, JSON Lines, CSV and TSV (one file -> many articles).

Everything is streamed: JSON Lines and CSV are read line by line from an
incrementally decoded stream, and a JSON document (an array of records, an
object mapping keys to records, or ``{"articles": [...]}``) is cut into its
top-level values, each parsed by :mod:`json` straight from a buffer that
holds little more than the current record. A 1 GB dump is read in bounded
memory.

A bad record (malformed JSON line, broken CSV row) costs one warning naming
the file and line; the other records still come through. How fields map to
an :class:`Article` is :mod:`.fields`; CSV and TSV are :mod:`.tables`.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator, Iterator
from typing import cast

from ..errors import ArticleError
from .fields import Mapper, norm_field
from .formats import (CSV, JSON, JSONL, MAX_RECORD_CHARS, TSV, LineReader, Peekable, Warn,
                      numbered_lines, text_stream)
from .model import Article


#: Keys of a wrapper object whose list value holds the records: ``{"articles": [...]}``.
WRAPPER_KEYS = frozenset({"data", "items", "articles", "news", "results", "docs", "documents",
                          "records", "posts", "entries", "hits", "rows", "messages"})

_CHUNK_CHARS = 1 << 18  # the JSON scanner reads this much at a time
_DECODER = json.JSONDecoder(strict=False)


def read_records(stream: Peekable, kind: str, *, label: str, encoding: str | None = None,
                 warn: Warn | None = None) -> Iterator[Article]:
    """Yield one :class:`Article` per record of a JSON, JSON Lines, CSV or TSV stream.

    ``kind`` is what the name or a sniff said (``json`` and ``jsonl`` are told
    apart again from the content). ``label`` names the file in warnings.
    Raises :class:`ArticleError` when the data yields no article at all.
    """
    warn = warn or (lambda message: None)
    if kind in (CSV, TSV):
        from .tables import read_table
        mapper = yield from read_table(stream, kind, label, encoding, warn)
    elif kind in (JSON, JSONL):
        mapper = yield from _read_json(stream, kind, label, encoding, warn)
    else:
        raise ValueError(f"not a records kind: {kind}")
    mapper.finish()


# --- JSON and JSON Lines ------------------------------------------------------------

def _bad_json(e: Exception) -> str:
    if isinstance(e, json.JSONDecodeError):
        return f"bad JSON: {e.msg} (column {e.colno})"
    if isinstance(e, RecursionError):
        return "bad JSON: nested too deep"
    return f"bad JSON: {e}"


def _read_json(stream: Peekable, kind: str, label: str, encoding: str | None,
               warn: Warn) -> Generator[Article, None, Mapper]:
    decoded, codec = text_stream(stream, encoding, newline="\n")
    text = LineReader(decoded, universal=False)  # (the scanner reads on from where the lines stop)
    lines = numbered_lines(text, 0, label, warn)
    first = next(((n, ln) for n, ln in lines if ln.strip()), None)
    if first is None:
        raise ArticleError("empty file")
    n1, line1 = first
    stripped = line1.strip().lstrip("\ufeff")
    obj1 = None
    if stripped.startswith(("{", "[")):
        try:
            obj1 = _DECODER.decode(stripped)
        except (ValueError, RecursionError):
            obj1 = None
    # JSON Lines (by name or because the first line is a whole object), unless a
    # «.jsonl» is really a JSON document: a first line «[», «{» or «[{...},».
    document = obj1 is None and (stripped.startswith("[") or stripped == "{")
    if (kind == JSONL and not document) or isinstance(obj1, dict):
        if kind != JSONL:
            second = next(((n, ln) for n, ln in lines if ln.strip()), None)
            if second is None:  # one object on one line: a one-article file (or a wrapper)
                mapper = Mapper(JSON, label, codec, warn)
                # kind != JSONL here, so the condition above held by isinstance(obj1, dict)
                yield from _from_object_value(mapper, cast(dict, obj1), label, warn)
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
            mapper.bad_record(n, _bad_json(e))
            continue
        if not isinstance(obj, dict):
            mapper.bad_record(n, "not a JSON object")
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


def _end(pattern: re.Pattern[str], s: str, pos: int) -> int:
    """Where ``pattern`` (one of the above: they match the empty string too) ends from ``pos``."""
    m = pattern.match(s, pos)
    assert m is not None
    return m.end()


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
            self.pos = _end(_WS, self.buf, self.pos)
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
                end = _end(_SCALAR, self.buf, self.pos)
                if end < len(self.buf):
                    self.pos = end
                    break
                self.pos = end
                if not self.more():
                    break
        return self.buf[self.mark:self.pos]

    def _string(self, i: int) -> None:
        while True:
            j = _end(_STR_BODY, self.buf, i)
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
                j = _end(_STR_BODY, buf, i)
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
        mapper.bad_record(sc.line_at(sc.mark), "bad JSON: the data ends inside a value", last=True)
    except _TooLarge:
        mapper.bad_record(sc.line_at(sc.mark), f"a JSON value over {MAX_RECORD_CHARS >> 20}M "
                          "characters; the rest of the file is skipped", last=True)
    except _Lost as e:
        mapper.bad_record(sc.line_at(sc.pos), f"bad JSON: {e}; the rest of the file is skipped", last=True)


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
        sc.errors += 1
        if sc.errors > _MAX_ERRORS_IN_A_ROW:
            raise _Lost("too many bad values in a row") from None
        where = line + (e.lineno - 1 if isinstance(e, json.JSONDecodeError) else 0)
        mapper.bad_record(where, _bad_json(e))
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
            mapper.bad_record(line, "not a JSON object")


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
