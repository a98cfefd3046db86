"""Archives of article files: ``.tar`` (any compression) and ``.zip``.

Members are read as they come off the stream, never unpacked to disk: a tar
in streaming mode (``r|*``), a zip through its central directory when it is a
file on disk and by its local headers otherwise (a zip inside a tar, or one
whose end was cut off). Memory holds one member at a time, and only as much
of it as its reader needs (a whole single-article file; a line of a JSON
Lines dump). Each member goes back through :func:`formats.read_source`, so a
member can be any supported kind, a ``.gz`` or another archive.

An article's ``key`` is the member path, plus ``#<record key>`` for a record
of a multi-article member; members of a nested archive are ``outer/inner``.

Damaged data (a truncated download, a corrupt block) costs a warning; every
article read before the damage has been yielded by then.

Taiga (Tatiana Shavrina's corpus) ships texts without titles and a metadata
table (``newmetadata.csv``, ``metatable_*.csv``) that has them: texts under
``texts/`` are joined with their row by text id, so titles, dates, rubrics
and URLs come from the table.
"""
from __future__ import annotations

import re
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing
from functools import partial
from typing import cast

from ..errors import ArticleError
from .formats import (ARCHIVES, CORRUPT, CSV, MAX_ARTICLE_BYTES, TAR, Budget, BudgetExceeded, Metered,
                      Peekable, Readable, Source, Warn, describe, kind_from_name)
from .model import Article

ReadMember = Callable[..., tuple[str, Iterator[Article]]]
#: At most this many member names wait for a Taiga metadata table that comes late.
_MAX_DEFERRED = 10_000
#: Problems with single members are warned one by one up to this many an archive;
#: the rest are summed up in one line when the archive ends.
MEMBER_WARNINGS = 3
# (name, open it) -- the opener is None for an entry that holds no file (a folder, a link).
Member = tuple[str, Callable[[], Readable] | None]


def read_archive(src: Source, kind: str, *, encoding: str | None, warn: Warn,
                 read_member: ReadMember) -> Iterator[Article]:
    """Yield the articles of every supported member of a tar or zip archive."""
    return _Archive(src, kind, encoding, warn, read_member).articles()


def join_key(member: str, key: str, nested: bool) -> str:
    """The key of an article from ``member``: ``a/b.jsonl#17``, ``x.zip/y.txt``, ``a/b.txt``."""
    if not key:
        return member
    return f"{member}/{key}" if nested else f"{member}#{key}"


def _skipped(name: str) -> bool:
    parts = name.split("/")
    base = parts[-1]
    return (not base or "__MACOSX" in parts or base.startswith("._")
            or kind_from_name(name) is None)


class _Archive:
    def __init__(self, src: Source, kind: str, encoding: str | None, warn: Warn,
                 read_member: ReadMember):
        self.src, self.kind, self.encoding, self.warn = src, kind, encoding, warn
        self.read_member = read_member
        self.count = 0
        self.members = 0
        self.problems = 0
        self.unsaid: dict[str, int] = {}  # reason -> members not warned about one by one
        self.taiga = _Taiga()

    def articles(self) -> Iterator[Article]:
        try:
            yield from self._articles()
        finally:
            self._summary()

    def _articles(self) -> Iterator[Article]:
        src = self.src
        deferred: set[str] = set()
        last = ""
        random_access = False
        try:
            members, random_access = self._members(src.stream)
            for name, open_member in members:
                last = name
                self.members += 1
                if self.members > src.budget.limits.members:
                    raise BudgetExceeded(f"more than {src.budget.limits.members:,} members in the "
                                         f"{self.kind} archive (budget); the rest is skipped")
                if open_member is None or _skipped(name):
                    continue
                if self.taiga.is_table(name):
                    yield from self._guarded(
                        lambda: self.taiga.load(self._source(name, open_member()), self.read_member,
                                                self.encoding, self.warn),
                        name, random_access)
                    continue
                if (self.taiga.text_id(name) is not None and not self.taiga.meta and src.reopen
                        and len(deferred) < _MAX_DEFERRED):
                    # Texts before their table (real Taiga archives put it first): read them
                    # again after it, in a second pass that stops at the last of them.
                    deferred.add(name)
                    continue
                yield from self._guarded(lambda: self._member(name, open_member), name, random_access)
        except CORRUPT as e:
            self._damaged(e, last)
            return
        if deferred:
            yield from self._second_pass(deferred)
        if not self.count:
            raise ArticleError(f"no supported files in the {self.kind} archive")

    def _second_pass(self, wanted: set[str]) -> Iterator[Article]:
        last = ""
        reopen = self.src.reopen
        assert reopen is not None  # names are deferred only when the source can be reopened
        try:
            with closing(reopen()) as raw:
                members, random_access = self._members(Peekable(raw))
                for name, open_member in members:
                    if name in wanted:
                        wanted.discard(name)
                        last = name
                        # (deferred in the first pass, where it had an opener)
                        opener = cast("Callable[[], Readable]", open_member)
                        yield from self._guarded(lambda: self._member(name, opener), name,
                                                 random_access)
                        if not wanted:
                            break
        except CORRUPT as e:
            self._damaged(e, last)

    def _problem(self, name: str, reason: str) -> None:
        """A member that gave no article: a warning, or a count for the summary."""
        self.problems += 1
        if self.problems <= MEMBER_WARNINGS:
            self.warn(f"{self.src.label}:{name}: {reason}")
        else:
            if len(self.unsaid) < 20 or reason in self.unsaid:
                self.unsaid[reason] = self.unsaid.get(reason, 0) + 1
            else:
                self.unsaid["other problems"] = self.unsaid.get("other problems", 0) + 1

    def _summary(self) -> None:
        if self.unsaid:
            n = sum(self.unsaid.values())
            reasons = ", ".join(f"{k}: {v:,}" for k, v in sorted(self.unsaid.items(), key=lambda kv: -kv[1]))
            self.warn(f"{self.src.label}: {n:,} more members not read ({reasons})")
            self.unsaid = {}

    def _damaged(self, e: BaseException, last: str) -> None:
        if not self.count:
            raise ArticleError(f"{self.kind}: {describe(e)}") from None
        where = f" after {last}" if last else ""
        self.warn(f"{self.src.label}: {self.kind}: {describe(e)}{where}; "
                  f"{self.count} article(s) read before the damage")

    def _guarded(self, produce: Callable, name: str, random_access: bool):
        """Run a member's reader; a member's own problem is a warning, not the archive's end."""
        try:
            result = produce()
            if isinstance(result, Iterator):
                for article in result:
                    self.count += 1
                    yield article
        except BudgetExceeded:
            raise  # the file's budget, not the member's: the whole file stops
        except ArticleError as e:
            if str(e) != "unsupported type":
                self._problem(name, str(e))
        except CORRUPT as e:
            if not random_access:
                raise  # a stream cannot go on past damage
            self._problem(name, describe(e))

    def _source(self, name: str, stream: Readable) -> Source:
        return Source(name, f"{self.src.label}:{name}", Peekable(stream), self.src.depth + 1,
                      budget=self.src.budget)

    def _member(self, name: str, open_member: Callable[[], Readable]) -> Iterator[Article]:
        msrc = self._source(name, open_member())
        tid = self.taiga.text_id(name)
        if tid is not None and self.taiga.meta:
            article = self.taiga.text(msrc, tid, self.encoding, self.warn)
            if article is not None:
                article.key = name
                yield article
                return
        kind, articles = self.read_member(msrc, encoding=self.encoding, warn=self.warn)
        nested = kind in ARCHIVES
        for article in articles:
            article.key = join_key(name, article.key, nested)
            yield article

    def _members(self, stream: Peekable) -> tuple[Iterator[Member], bool]:
        budget = self.src.budget
        if self.kind == TAR:
            return _tar_members(stream), False
        # The central directory is read whole: not when it lists more members than the budget.
        if self.src.path is not None and _zip_entries(self.src.path) <= budget.limits.members:
            try:
                zf = zipfile.ZipFile(self.src.path)
            except (zipfile.BadZipFile, OSError) as e:
                self.warn(f"{self.src.label}: zip: {describe(e)}; reading the members in order")
            else:
                return _zip_members(zf, budget), True
        return _zip_stream_members(stream, budget), False


# --- tar ----------------------------------------------------------------------------

def _tar_members(stream: Peekable) -> Iterator[Member]:
    tar = tarfile.open(fileobj=stream, mode="r|*")
    while True:
        info = tar.next()
        if info is None:
            return
        # streaming mode would otherwise keep every header (members: not in the stubs)
        tar.members = []  # type: ignore[attr-defined]
        if info.isfile():
            f = tar.extractfile(info)
            assert f is not None  # a regular file's member always has data
            yield info.name, _returning(f)
        else:
            yield info.name, None


# --- zip ----------------------------------------------------------------------------

def _zip_entries(path: str) -> int:
    """The number of members a zip file's end record announces (0 when it has none)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - (1 << 16) - 22))
            tail = fh.read()
    except OSError:
        return 0
    i = tail.rfind(b"PK\x05\x06")
    if i < 0 or len(tail) < i + 12:
        return 0
    n = struct.unpack("<H", tail[i + 10:i + 12])[0]
    return 1 << 62 if n == 0xFFFF else n  # zip64: tens of thousands at least; stream it


def _zip_members(zf: zipfile.ZipFile, budget: Budget) -> Iterator[Member]:
    with zf:
        for info in zf.infolist():
            if info.is_dir():
                yield info.filename, None
                continue
            if info.flag_bits & 0x1:
                yield info.filename, _refuse("encrypted member")
                continue
            if info.compress_type == zipfile.ZIP_STORED:
                yield info.filename, partial(zf.open, info)
            else:
                yield info.filename, partial(_open_metered, zf, info, budget)


def _returning(stream: Readable) -> Callable[[], Readable]:
    return lambda: stream


def _open_metered(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget) -> Metered:
    return Metered(zf.open(info), budget)


def _refuse(reason: str) -> Callable[[], Readable]:
    def fail() -> Readable:
        raise ArticleError(reason)
    return fail


_LOCAL = b"PK\x03\x04"
_CENTRAL = (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06", b"PK\x06\x07", b"PK\x07\x08")


def _read_exact(stream: Peekable, n: int) -> bytes:
    data = stream.read(n) or b""
    while len(data) < n:
        more = stream.read(n - len(data))
        if not more:
            raise EOFError("zip data ends inside a header")
        data += more
    return data


class _Bounded:
    """The next ``size`` bytes of a stream, as a file."""

    def __init__(self, stream: Peekable, size: int):
        self._stream, self._left = stream, size

    def read(self, n: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        n = self._left if n is None or n < 0 else min(n, self._left)
        data = self._stream.read(n)
        if not data:
            raise EOFError("zip member data ends early")
        self._left -= len(data)
        return data


class _Inflating:
    """A deflated zip member read straight off the stream (its size may be unknown)."""

    def __init__(self, stream: Peekable):
        self._stream = stream
        self._z = zlib.decompressobj(-15)
        self._out = b""

    def read(self, n: int = -1) -> bytes:
        n = 1 << 20 if n is None or n < 0 else n
        z = self._z
        while len(self._out) < n and not z.eof:
            data = z.unconsumed_tail or self._stream.read(64 * 1024)
            if not data:
                raise EOFError("zip member data ends early")
            self._out += z.decompress(data, n)  # bounded: a zip bomb cannot flood memory
            if z.eof and z.unused_data:
                self._stream.unread(z.unused_data)
        data, self._out = self._out[:n], self._out[n:]
        return data


def _zip_stream_members(stream: Peekable, budget: Budget) -> Iterator[Member]:
    """Zip members in the order of their local headers, from a stream that cannot seek."""
    while True:
        sig = stream.read(4) or b""
        if not sig or sig in _CENTRAL:
            return  # the central directory: every member has been seen
        if sig != _LOCAL:
            raise zipfile.BadZipFile("no local file header where one should be")
        (_, flags, method, _, _, _, csize, _, nlen, xlen) = struct.unpack(
            "<HHHHHIIIHH", _read_exact(stream, 26))
        raw_name = _read_exact(stream, nlen)
        extra = _read_exact(stream, xlen)
        name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
        zip64 = _has_zip64(extra)
        if csize == 0xFFFFFFFF:
            csize = _zip64_size(extra)
        descriptor = bool(flags & 0x8)
        member: Metered | _Bounded
        if method == 8 and not flags & 0x1:
            member = Metered(_Inflating(stream), budget)  # drained or read: unpacked all the same
        elif not descriptor or csize:
            member = _Bounded(stream, csize)
        else:
            raise zipfile.BadZipFile(f"{name}: stored with an unknown size; cannot stream past it")
        if flags & 0x1 or method not in (0, 8) or name.endswith("/"):
            if name.endswith("/"):
                yield name, None
            _drain(member)
        else:
            yield name, _returning(member)
            _drain(member)
        if descriptor:
            head = _read_exact(stream, 4)
            if head != b"PK\x07\x08":
                stream.unread(head)
            _read_exact(stream, 20 if zip64 else 12)


def _has_zip64(extra: bytes) -> bool:
    i = 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack("<HH", extra[i:i + 4])
        if tag == 0x0001:
            return True
        i += 4 + size
    return False


def _zip64_size(extra: bytes) -> int:
    i = 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack("<HH", extra[i:i + 4])
        if tag == 0x0001 and size >= 16:
            return struct.unpack("<Q", extra[i + 12:i + 20])[0]
        i += 4 + size
    raise zipfile.BadZipFile("zip64 member without its sizes")


def _drain(member) -> None:
    while member.read(1 << 20):
        pass


# --- Taiga ----------------------------------------------------------------------------

_TAIGA_TABLE = re.compile(r"(?:^|/)(?:(?:new)?metadata|metatable)[^/]*\.(?:csv|tsv)$", re.I)
_TAIGA_TEXT = re.compile(r"(?:^|/)texts/(?:[^/]+/)*([^/]+)\.txt$", re.I)
_MAX_TAGS = 20  # Fontanka's «tags» are the site's keyword boilerplate, not the article's


class _Taiga:
    """Taiga metadata tables and the texts they describe."""

    def __init__(self):
        self.meta: dict[str, Article] = {}

    @staticmethod
    def is_table(name: str) -> bool:
        return bool(_TAIGA_TABLE.search(name))

    @staticmethod
    def text_id(name: str) -> str | None:
        m = _TAIGA_TEXT.search(name)
        return m.group(1) if m else None

    def load(self, src: Source, read_member: ReadMember, encoding: str | None, warn: Warn) -> None:
        _, rows = read_member(src, encoding=encoding, warn=warn, kind=CSV)
        for row in rows:
            if len(row.tags) > _MAX_TAGS or (row.tags and "://" in row.tags[-1]):
                row.url = row.url or _trailing_url(row.tags[-1])
                row.tags = []
            row.body = ""
            self.meta.setdefault(row.key, row)

    def text(self, src: Source, tid: str, encoding: str | None, warn: Warn) -> Article | None:
        meta = self.meta.get(tid)
        if meta is None and "_" in tid:  # Fontanka: texts/2007/fontanka_20070101001.txt
            meta = self.meta.get(tid.split("_", 1)[1])
        if meta is None:
            return None
        from .decode import decode_bytes
        data = src.stream.read_all(MAX_ARTICLE_BYTES)
        text, used = decode_bytes(data, encoding)
        body = text.replace("\r\n", "\n").replace("\r", "\n").strip()
        if not body:
            raise ArticleError("empty file")
        return Article(title=meta.title, body=body, date=meta.date, source=meta.source,
                       author=meta.author, source_raw=meta.source_raw,
                       section=meta.section, url=meta.url, lead=meta.lead, tags=list(meta.tags),
                       encoding=used, format="taiga")


def _trailing_url(tag: str) -> str:
    i = tag.find("http")
    return tag[i:].strip() if i >= 0 else ""
