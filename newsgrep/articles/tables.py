"""CSV and TSV dumps: one article per row, the header names the fields.

The delimiter is sniffed from the header; tab-separated files are checked
for writers that never quote. Rows are read from a line source that
remembers which lines made each row, so a broken row (an unclosed quote
swallows the lines after it) is reported with its line number and re-read
from its second line on: one bad line costs one row.
"""
from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Callable, Generator, Iterator
from typing import Literal

from ..errors import ArticleError
from .fields import Layout, Mapper, norm_field
from .formats import MAX_RECORD_CHARS, TSV, Peekable, Warn, numbered_lines, text_stream
from .model import Article


_DELIMITERS = (",", "\t", ";", "|")
_SAMPLE_LINES = 200
# The Open Data Science news dumps (gazeta, interfax, meduza, ria, rt, tass ...) write
# line breaks as a literal «\n»; in the samples we have even the backslash is gone:
# «Новости.nВосемнадцать». Both are repaired, in files with that header only.
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
        self._lines = numbered_lines(text, 0, label, warn, universal=True)
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


_Quoting = Literal[0, 1, 2, 3]  # csv.QUOTE_*


def _sniff_dialect(sample: list[str], kind: str) -> tuple[str, _Quoting]:
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
    scores: dict[_Quoting, int] = {}
    parsed: dict[_Quoting, list[list[str]]] = {}
    quoting: _Quoting
    for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_NONE):
        rows: list[list[str]] = []
        parsed[quoting] = rows
        try:
            for row in csv.reader(body, delimiter=delimiter, quoting=quoting):
                rows.append(row)
        except csv.Error:
            pass
        width = len(rows[0]) if rows else 0
        scores[quoting] = sum(1 if len(r) == width else -1 for r in rows[1:] if r)
    if scores[csv.QUOTE_NONE] != scores[csv.QUOTE_MINIMAL]:
        return delimiter, max(scores, key=lambda q: scores[q])
    # A tie: quoting writers wrap whole fields («"a b"») or double quotes inside them.
    quoted = any((len(f) >= 2 and f[0] == f[-1] == '"') or '""' in f
                 for row in parsed[csv.QUOTE_NONE] for f in row)
    quoting = csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE
    return delimiter, quoting


def read_table(stream: Peekable, kind: str, label: str, encoding: str | None,
              warn: Warn) -> Generator[Article, None, Mapper]:
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
            mapper.bad_record(lines[0][0] if lines else "?", f"broken CSV row: {e}")
            source.push_back(lines[1:])
            continue
        lines = source.take()
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        start = lines[0][0]
        if header is None:
            header = [h.strip().lstrip("\ufeff") for h in row]
            if not Layout(header).has_content():
                raise ArticleError("no title or text column in the header: "  # (on one line)
                                   + ", ".join(" ".join(h.split()) for h in header[:12] if h))
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
                mapper.bad_record(start, f"broken CSV row ({len(row)} fields, expected {width})")
                source.push_back(lines[1:])
                continue
        article = mapper.article(dict(zip(header, row)), str(start))
        if article is not None:
            yield article
    if header is None:
        raise ArticleError("empty file")
    return mapper
