"""Which reader a file needs, told by its name and its first bytes.

A file is read as a *source*: a binary stream with a name (for the suffix),
a label (for messages) and a nesting depth. :func:`read_source` sniffs the
kind, opens the reader for it and yields articles whose ``key`` is relative to
that source; containers call it again for each member, so a ``.jsonl.gz``
inside a ``.tar`` inside a ``.zip`` goes through the same code as a plain
``.jsonl`` on disk.

The name decides between formats that look alike (``.csv`` vs text); the
content overrides the name where the name is known to lie (a ``.txt`` that is
an HTML page, a ``.json`` that is JSON Lines, a gzip file without ``.gz``).
"""
from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import re
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol, cast

from ..errors import ArticleError
from .decode import decode_bytes
from .limits import (LIMITS, MAX_DEPTH, Budget, BudgetExceeded, Limits, Metered,  # noqa: F401 (re-exported)
                     cut_html)
from .model import Article

Warn = Callable[[str], None]

#: Errors that mean "the compressed or archived data is damaged or ends early".
CORRUPT = (EOFError, OSError, zlib.error, lzma.LZMAError, tarfile.TarError,
           zipfile.BadZipFile, struct.error)

HEAD_SIZE = 64 * 1024
#: One article is at most this many bytes; more is not an article (or is a bomb).
MAX_ARTICLE_BYTES = 32 * 1024 * 1024
#: A JSON line, JSON value or CSV field longer than this is not a record.
MAX_RECORD_CHARS = 32 * 1024 * 1024

TEXT, HTML, JSON, JSONL, CSV, TSV = "text", "html", "json", "jsonl", "csv", "tsv"
GZIP, BZ2, XZ, TAR, ZIP = "gzip", "bz2", "xz", "tar", "zip"
COMPRESSED = (GZIP, BZ2, XZ)
ARCHIVES = (TAR, ZIP)

_BY_SUFFIX = {
    ".txt": TEXT, ".text": TEXT, ".rus": TEXT,  # .rus: Russian text of the DOS and Fidonet era
    ".html": HTML, ".htm": HTML, ".xhtml": HTML, ".shtml": HTML,
    ".json": JSON,
    ".jsonl": JSONL, ".ndjson": JSONL, ".jsonlines": JSONL, ".jl": JSONL,
    ".csv": CSV, ".tsv": TSV, ".tab": TSV,
    ".gz": GZIP, ".gzip": GZIP, ".bz2": BZ2, ".xz": XZ, ".lzma": XZ,
    ".tar": TAR, ".tgz": TAR, ".tbz": TAR, ".tbz2": TAR, ".tb2": TAR, ".txz": TAR,
    ".zip": ZIP,
}
# ``x.tgz`` holds ``x.tar``: what a compressed file's inner name ends with.
_INNER_SUFFIX = {".tgz": ".tar", ".tbz": ".tar", ".tbz2": ".tar", ".tb2": ".tar", ".txz": ".tar"}

_NO_SUFFIX = ""  # kind_from_name(): the name gives no hint, sniff the content


def kind_from_name(name: str) -> str | None:
    """The kind a file name promises: a kind, ``""`` (no suffix: sniff), or ``None`` (unsupported)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, ext = os.path.splitext(base)
    ext = ext.lower()
    if not ext or not stem or ext[1:].isdigit():
        return _NO_SUFFIX  # «README», «.DS_Store», «lenta.2019»: no real suffix
    kind = _BY_SUFFIX.get(ext)
    if kind in COMPRESSED:
        inner = kind_from_name(stem)
        if inner is None:
            return None  # «notes.xml.gz»
    return kind


def inner_name(name: str) -> str:
    """The name of what a compressed file holds: ``a.csv.gz`` -> ``a.csv``, ``a.tgz`` -> ``a.tar``."""
    stem, ext = os.path.splitext(name)
    ext = ext.lower()
    if ext in _INNER_SUFFIX:
        return stem + _INNER_SUFFIX[ext]
    if _BY_SUFFIX.get(ext) in COMPRESSED:
        return stem
    return name


# --- content sniffing ---------------------------------------------------------

_HTML_START = re.compile(
    rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|article)\b",
    re.I | re.S)
_HTML_TAGS = re.compile(rb"<(?:html|head|body|article|div|p|br|meta|title)\b[^>]*>", re.I)
_CONLLU = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:#[^\n]*\n)*\s*1\t[^\t\n]*\t[^\t\n]*\t[^\t\n]*\t")
_CONLLU_HEAD = re.compile(rb"\A(?:\xef\xbb\xbf)?# (?:newdoc|newpar|sent_id|text)\b")
_CSV_HEADER_WORDS = re.compile(
    rb"^[^\n]{0,2000}?\b(?:title|text|headline|content|body|url|date|datetime)\b[^\n]{0,2000}$",
    re.I | re.M)


def is_binary(head: bytes) -> bool:
    """Binary data, not text: NUL bytes, unless they are UTF-16's or a few stray ones
    in text (which are dropped when it is read)."""
    from .decode import looks_binary
    return looks_binary(head[:8192])


def sniff(head: bytes) -> str | None:
    """The kind of data from its first bytes, or ``None`` when it is no known kind."""
    if head.startswith(b"\x1f\x8b"):
        return GZIP
    if head.startswith(b"BZh") and head[3:4].isdigit():
        return BZ2
    if head.startswith((b"\xfd7zXZ\x00", b"\x5d\x00\x00")):
        return XZ
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return ZIP
    if len(head) >= 262 and head[257:262] == b"ustar":
        return TAR
    if not head.strip() or is_binary(head):
        return None
    if _CONLLU_HEAD.match(head) or _CONLLU.match(head):
        return None  # a CoNLL-U annotation (Taiga's tagged_texts), not an article
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body[:1] in (b"{", b"["):
        return JSON
    if _HTML_START.match(body) or len(_HTML_TAGS.findall(head[:8192])) >= 3:
        return HTML
    first = body.split(b"\n", 1)[0]
    if _CSV_HEADER_WORDS.match(first):
        for delim, kind in ((b"\t", TSV), (b",", CSV), (b";", CSV), (b"|", CSV)):
            if first.count(delim) >= 1:
                return kind
    return TEXT


def resolve_kind(name: str, head: bytes) -> str | None:
    """The reader for data named ``name`` that starts with ``head``; ``None``: unsupported."""
    by_name = kind_from_name(name)
    if by_name is None:
        return None  # an unsupported suffix (.xml, .docx -- a zip inside) is never read
    by_content = sniff(head)
    if by_content in COMPRESSED or by_content in ARCHIVES:
        return by_content  # magic numbers do not lie; names sometimes do
    if by_name in COMPRESSED:
        return resolve_kind(inner_name(name), head)  # named .gz but not compressed
    if by_content is None:
        if by_name == TAR and head.strip():
            return TAR  # an old (v7) tar has no magic number; tarfile will tell
        # Blank data of a known kind goes to its reader, which says "empty";
        # binary data and CoNLL-U annotations are not articles.
        return (by_name or None) if not head.strip() else None
    if by_name in (_NO_SUFFIX, TAR, ZIP):
        return by_content
    if by_name == TEXT:
        return HTML if by_content == HTML else TEXT  # a .txt page saved from a browser
    return by_name


# --- streams ------------------------------------------------------------------

class Readable(Protocol):
    """What :class:`Peekable` reads from: a file, a decompressor, an archive member."""

    def read(self, size: int = ..., /) -> bytes | None: ...


class Peekable(io.RawIOBase):
    """A read-only binary stream whose first bytes can be looked at before reading."""

    def __init__(self, raw: Readable):
        self._raw = raw
        # read1: one step of the decompressor at a time, so the bytes before a
        # damaged block come out before the error does.
        # (blocking streams: None, "no bytes yet", never comes)
        self._read = cast("Callable[[int], bytes]", getattr(raw, "read1", raw.read))
        self._buf = b""
        self._error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def peek(self, size: int = HEAD_SIZE) -> bytes:
        """Up to ``size`` bytes from the current position, without consuming them.

        Damaged data after some bytes is reported by the read that reaches it,
        not by the peek: what comes before the damage can still be read.
        """
        while len(self._buf) < size and self._error is None:
            try:
                more = self._read(size - len(self._buf))
            except CORRUPT as e:
                if not self._buf:
                    raise
                self._error = e
                break
            if not more:
                break
            self._buf += more
        return self._buf[:size]

    def unread(self, data: bytes) -> None:
        """Put bytes back in front of the stream (read past the end of a zip member)."""
        self._buf = data + self._buf

    def readinto(self, b) -> int:
        if self._buf:
            n = min(len(b), len(self._buf))
            b[:n] = self._buf[:n]
            self._buf = self._buf[n:]
            return n
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        data = self._read(len(b))
        n = len(data)
        b[:n] = data
        return n

    def read_all(self, limit: int, parts: list[bytes] | None = None) -> bytes:
        """Everything left, or :class:`ArticleError` past ``limit`` bytes.

        The chunks read go to ``parts`` as well, so a caller keeps what came
        before an error.
        """
        parts = [] if parts is None else parts
        size = 0
        while True:
            chunk = self.read(1 << 20)
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)
            size += len(chunk)
            if size > limit:
                raise ArticleError(f"too large for one article (over {limit >> 20} MB)")


class _NoNul(io.RawIOBase):
    """A binary stream without its NUL bytes (dropped from text, as decode_bytes does)."""

    def __init__(self, raw: io.RawIOBase):
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while True:
            data = self._raw.read(len(b))
            if not data:
                return 0
            if b"\x00" in data:
                data = data.replace(b"\x00", b"")
            if data:
                b[:len(data)] = data
                return len(data)


def utf8_boundary(data: bytes) -> bytes:
    """``data`` without a UTF-8 character cut off at its end (a sample, a truncated file)."""
    for cut in range(4):
        try:
            (data[:len(data) - cut] if cut else data).decode("utf-8")
        except UnicodeDecodeError:
            continue
        return data[:len(data) - cut] if cut else data
    return data  # not UTF-8 at all: any cut is as good


def codec_for(data: bytes, encoding: str | None) -> str:
    """The codec for a stream that starts with ``data``: decode.py decides on the sample."""
    if data.startswith(b"\xef\xbb\xbf") and not encoding:
        return "utf-8-sig"
    _, name = decode_bytes(utf8_boundary(data), encoding)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def text_stream(stream: Peekable, encoding: str | None, newline: str | None = "\n") -> tuple[io.TextIOWrapper, str]:
    """Decode a binary stream incrementally; returns the text stream and the codec used."""
    head = stream.peek(HEAD_SIZE)
    if not head.strip():
        raise ArticleError("empty file")
    codec = codec_for(head, encoding)
    raw = stream if codec.startswith(("utf-16", "utf-32")) else _NoNul(stream)
    text = io.TextIOWrapper(io.BufferedReader(raw, 256 * 1024), encoding=codec,
                            errors="replace", newline=newline)
    text._CHUNK_SIZE = 256 * 1024  # type: ignore[attr-defined]  # fewer, larger decode steps
    return text, codec


def numbered_lines(text, start: int, label: str, warn: Warn,
                   universal: bool = False) -> Iterator[tuple[int, str]]:
    """``(line number, line)``; a line over the record limit is skipped with a warning.

    After a blank line the blank lines that follow are passed over in bulk (their
    numbers counted): a file of a billion newlines costs no billion steps.
    ``universal``: the text keeps ``\\r`` and ``\\r\\n`` as line ends (opened with
    ``newline=""``).
    """
    n = start
    lines = text if isinstance(text, LineReader) else LineReader(text, universal)
    readline = lines.readline
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
        if line.isspace():
            n += lines.skip_blank()


_NON_BLANK = re.compile(r"\S")
_LINE_END = re.compile(r"\r\n?|\n")


class LineReader:
    """``readline`` and ``read`` over a text stream, with blank lines skipped in chunks
    on request (:func:`numbered_lines`); read from it, not from the stream, after that."""

    def __init__(self, text, universal: bool):
        self._text = text
        self._universal = universal
        self._pending = ""  # read ahead; starts at the start of a line

    def _count(self, s: str) -> int:
        if self._universal:
            return s.count("\n") + s.count("\r") - s.count("\r\n")
        return s.count("\n")

    def readline(self, limit: int) -> str:
        p = self._pending
        if not p:
            return self._text.readline(limit)
        if self._universal:
            m = _LINE_END.search(p, 0, limit + 1)
            end = m.end() if m else -1
        else:
            end = p.find("\n", 0, limit) + 1 or -1
        if end > 0:
            self._pending = p[end:]
            return p[:end]
        if len(p) >= limit:
            self._pending = p[limit:]
            return p[:limit]
        self._pending = ""
        return p + self._text.readline(limit - len(p))

    def read(self, n: int) -> str:
        p = self._pending
        if not p:
            return self._text.read(n)
        self._pending = p[n:]
        return p[:n]

    def skip_blank(self) -> int:
        """Pass over the blank lines ahead; return how many there were."""
        skipped = 0
        while True:
            if not self._pending:
                self._pending = self._text.read(1 << 18)
                if not self._pending:
                    return skipped
            m = _NON_BLANK.search(self._pending)
            if m is None:
                skipped += self._count(self._pending)
                self._pending = ""
                continue
            head = self._pending[:m.start()]
            cut = max(head.rfind("\n"), head.rfind("\r") if self._universal else -1) + 1
            skipped += self._count(head[:cut])
            self._pending = self._pending[cut:]
            return skipped


def describe(error: BaseException) -> str:
    """A short reason for damaged data."""
    if isinstance(error, EOFError):
        return "data ends early (truncated file?)"
    msg = str(error) or type(error).__name__
    return f"damaged data ({msg})"


# --- dispatch -----------------------------------------------------------------

@dataclass
class Source:
    """Bytes to read articles from.

    ``name`` gives the suffix hint (a member's path, ``x.csv`` inside
    ``x.csv.gz``); ``label`` names it in warnings (``dump.tar:a/b.jsonl``);
    ``reopen`` returns a fresh stream of the same bytes, when that is cheap
    (a file on disk), for readers that need a second pass; ``path`` is set
    when the bytes are exactly a file on disk (a zip is then read through its
    central directory).
    """

    name: str
    label: str
    stream: Peekable
    depth: int = 0
    reopen: Callable[[], BinaryIO | io.RawIOBase] | None = None
    path: str | None = None
    budget: Budget = field(default_factory=Budget)


def read_source(src: Source, *, encoding: str | None, warn: Warn,
                kind: str | None = None) -> tuple[str, Iterator[Article]]:
    """Pick the reader for ``src``; return its kind and the articles it yields.

    Raises :class:`ArticleError` when the data is of no supported kind.
    """
    if kind is None:
        try:
            head = src.stream.peek(HEAD_SIZE)
        except CORRUPT as e:
            raise ArticleError(describe(e)) from None
        kind = resolve_kind(src.name, head)
        if kind is None:
            by_name = kind_from_name(src.name)
            if by_name in ARCHIVES or by_name in COMPRESSED:
                raise ArticleError(f"not a {by_name} file (damaged?)")  # its name promised one
            raise ArticleError("binary file" if is_binary(head) and by_name == TEXT
                               else "unsupported type")
    if src.depth > src.budget.limits.depth:
        raise ArticleError(f"nested too deep (budget: {src.budget.limits.depth} levels)")
    if kind in COMPRESSED:
        return _open_compressed(src, kind, encoding=encoding, warn=warn)
    if kind in ARCHIVES:
        from . import containers
        return kind, containers.read_archive(src, kind, encoding=encoding, warn=warn,
                                             read_member=read_source)
    if kind in (JSON, JSONL, CSV, TSV):
        from . import records
        return kind, records.read_records(src.stream, kind, label=src.label,
                                          encoding=encoding, warn=warn)
    return kind, _read_single(src, kind, encoding=encoding, warn=warn)


def _read_single(src: Source, kind: str, *, encoding: str | None, warn: Warn) -> Iterator[Article]:
    parts: list[bytes] = []
    try:
        src.stream.read_all(MAX_ARTICLE_BYTES, parts)
    except CORRUPT as e:
        if not b"".join(parts).strip():
            raise ArticleError(describe(e)) from None
        # A truncated article is still worth finding: keep what was read.
        warn(f"{src.label}: {describe(e)}; the article is incomplete")
        parts = [utf8_boundary(b"".join(parts))]
    data = b"".join(parts)
    if not data.strip():
        raise ArticleError("empty file")
    text, used = decode_bytes(data, encoding)
    del data, parts  # memory: the page's tree is next
    if kind == HTML:
        text, why = cut_html(text, src.budget.limits)
        if why:
            warn(f"{src.label}: HTML page {why} (parsing budget): only its first part is read")
        article = _html().parse_html(text)
    else:
        from .plaintext import parse_text
        article = parse_text(text)
    if not (article.title or article.body):
        raise ArticleError("no text")
    article.encoding = used
    yield article


def _html():
    """The HTML reader module (imported late: it is optional for everything else)."""
    try:
        from . import html
    except ImportError:  # pragma: no cover - html.py is being written alongside
        raise ArticleError("HTML pages are not supported yet") from None
    return html


_OPENERS = {
    GZIP: lambda f: gzip.GzipFile(fileobj=f, mode="rb"),
    BZ2: lambda f: bz2.BZ2File(f, "rb"),
    XZ: lambda f: lzma.LZMAFile(f, "rb"),
}


def _open_compressed(src: Source, kind: str, *, encoding: str | None,
                     warn: Warn) -> tuple[str, Iterator[Article]]:
    """One compressed stream: the inner kind from the name without the suffix, or sniffed.

    Returns the kind of what is inside (a ``.tar.gz`` is a tar), so keys join right.
    """
    opener = _OPENERS[kind]
    inner = Peekable(Metered(opener(src.stream), src.budget))
    # (a second pass is charged as well: it is work too)
    src_reopen = src.reopen
    reopen = (lambda: Metered(opener(src_reopen()), src.budget)) if src_reopen else None
    name = inner_name(src.name)
    try:
        head = inner.peek(HEAD_SIZE)
    except CORRUPT as e:
        raise ArticleError(f"{kind}: {describe(e)}") from None
    inner_kind = resolve_kind(name, head)
    if inner_kind is None:
        raise ArticleError(f"unsupported type inside {kind}")
    sub = Source(name, src.label, inner, src.depth + 1, reopen, budget=src.budget)
    inner_kind, articles = read_source(sub, encoding=encoding, warn=warn, kind=inner_kind)
    return inner_kind, _guard(src, kind, articles, warn)


def _guard(src: Source, kind: str, articles: Iterator[Article], warn: Warn) -> Iterator[Article]:
    count = 0
    try:
        for article in articles:
            count += 1
            yield article
    except CORRUPT as e:
        if not count:
            raise ArticleError(f"{kind}: {describe(e)}") from None
        warn(f"{src.label}: {kind}: {describe(e)}; {count} article(s) read before the damage")
