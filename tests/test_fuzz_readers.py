"""Fuzzing the readers: arbitrary bytes in every supported format -> articles or ArticleError.

Each property feeds bytes that look more or less like one format (random bytes,
mutated valid files, truncated compressed streams, archives with odd member
names) to ``read_file`` and checks that it raises nothing but ArticleError,
within a time budget per example (hypothesis ``deadline``) and a memory budget
(Python allocations, traced). The example counts are fixed, so the file runs
in the same time in CI: about 1,200 examples in all.
"""
from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import tarfile
import tempfile
import tracemalloc
import zipfile
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsgrep.articles import ArticleError, Limits, read_file

# Per example: hypothesis fails one that takes longer, and tracemalloc one that allocates more.
DEADLINE = timedelta(milliseconds=3000)
MEMORY = 64 << 20
# Budgets small enough that the fuzzer reaches them, and cheap to reach.
LIMITS = Limits(unpack_min=4 << 20, members=200, html_chars=256 << 10, html_tags=5_000)

FUZZ = settings(deadline=DEADLINE, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])

pytestmark = [pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning"),  # zipfile, writing
              pytest.mark.filterwarnings("ignore:Generating overly large repr")]

_DIR = tempfile.mkdtemp(prefix="newsgrep-fuzz-")


def _read(name: str, data: bytes) -> list:
    """The articles of ``data`` as a file named ``name``; only ArticleError may come out."""
    path = os.path.join(_DIR, name)
    with open(path, "wb") as fh:
        fh.write(data)
    warnings: list[str] = []
    tracemalloc.start()
    try:
        try:
            articles = list(read_file(path, warn=warnings.append, limits=LIMITS))
        except ArticleError as e:
            assert str(e)
            articles = []
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        os.unlink(path)
    assert peak < MEMORY, f"{name}: {peak >> 20} MB allocated"
    for a in articles:
        assert isinstance(a.title, str) and isinstance(a.body, str)
        assert "\x00" not in a.title + a.body
    for w in warnings:
        assert w.startswith(path.rsplit("/", 1)[0]) and "\n" not in w
    return articles


# --- building blocks ----------------------------------------------------------------------

_WORDS = ["атака", "полиция", "Москва", "title", "text", "date", "2022-01-05", "05.01.2022",
          "<p>", "</p>", "&nbsp;", "\\n", "\"", ",", ";", "\t", "\n", "\r\n", " ", "{", "}", "[", "]",
          ":", "\x00", "\ufeff", "\x1b[2J"]
_text = st.lists(st.sampled_from(_WORDS) | st.text(max_size=20), max_size=80).map("".join)
_CODECS = ["utf-8", "utf-16", "utf-16-le", "cp1251", "koi8-r", "cp866", "mac-cyrillic"]


@st.composite
def _encoded(draw, text=_text):
    codec = draw(st.sampled_from(_CODECS))
    return draw(text).encode(codec, errors="replace")


@st.composite
def _mutated(draw, base):
    """``base`` bytes with a few random changes: flips, cuts, inserted junk."""
    data = bytearray(draw(base))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "cut":
            del data[i:i + draw(st.integers(1, 64))]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[i:]
    return bytes(data)


_json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(
        st.sampled_from(["title", "text", "body", "date", "url", "tags", "source", "id", "x"])
        | st.text(max_size=8), inner, max_size=6),
    max_leaves=20)
_records = st.lists(st.dictionaries(
    st.sampled_from(["title", "text", "date", "url", "tags", "source", "id", "rubric", "x"]),
    _json_value, max_size=6), max_size=8)


def _jsonl(records: list) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


_csv_cell = _text | st.sampled_from(['"', '""', '"a,b"', "\n", "", "Заголовок", "2022-01-05"])


@st.composite
def _csv(draw):
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = draw(st.lists(st.sampled_from(["title", "text", "date", "url", "x", ""]), min_size=1, max_size=5))
    rows = draw(st.lists(st.lists(_csv_cell, max_size=6), max_size=10))
    return "\n".join(delimiter.join(r) for r in [header, *rows]).encode(draw(st.sampled_from(["utf-8", "cp1251"])),
                                                                        errors="replace")


_TAGS = ["html", "head", "body", "title", "meta", "article", "div", "p", "a", "script", "style", "nav",
         "footer", "h1", "time", "span", "table", "td", "li", "ul", "br", "!--", "![CDATA["]
_ATTRS = ['', ' class="share"', ' itemprop="articleBody"', ' property="og:title" content="Заголовок"',
          ' property="article:published_time" content="2022-01-05T10:00"', ' hidden', ' href="x"',
          ' type="application/ld+json"', ' charset="windows-1251"', ' style="display:none"']


@st.composite
def _html(draw):
    parts = []
    for _ in range(draw(st.integers(0, 60))):
        tag = draw(st.sampled_from(_TAGS))
        kind = draw(st.integers(0, 3))
        if kind == 0:
            parts.append(f"<{tag}{draw(st.sampled_from(_ATTRS))}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        else:
            parts.append(draw(_text))
    return "".join(parts).encode(draw(st.sampled_from(["utf-8", "cp1251", "utf-16"])), errors="replace")


_any_article = _encoded() | _html() | _csv() | _records.map(_jsonl) | st.binary(max_size=3000)


def _tar(members: list[tuple[bytes, bytes]], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.GNU_FORMAT,
                      encoding="utf-8", errors="surrogateescape") as tf:
        for name, data in members:
            info = tarfile.TarInfo(name.decode("utf-8", "surrogateescape") or "x")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _zip(members: list[tuple[bytes, bytes]], deflate: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED) as zf:
        for name, data in members:
            zf.writestr(name.decode("cp437") or "x", data)
    return buf.getvalue()


_member_names = st.sampled_from([b"a.txt", b"b.jsonl", b"c.csv", b"d.html", b"e.json.gz", b"f.zip",
                                 b"\xcd\xee\xe2.txt", b"dir/", b"../up.txt", b"__MACOSX/._a.txt",
                                 b"texts/1.txt", b"newmetadata.csv", b"x.xml"])
_members = st.lists(st.tuples(_member_names, _any_article), max_size=6)


# --- the properties -----------------------------------------------------------------------

@settings(FUZZ, max_examples=250)
@given(data=_mutated(_encoded()) | st.binary(max_size=5000),
       name=st.sampled_from(["a.txt", "README", "a.rus"]))
def test_text(name, data):
    _read(name, data)


@settings(FUZZ, max_examples=200)
@given(data=_mutated(_html()) | _html())
def test_html(data):
    _read("a.html", data)


@settings(FUZZ, max_examples=200)
@given(data=_mutated(_records.map(_jsonl)) | _json_value.map(lambda v: json.dumps(v).encode())
       | st.text(alphabet='[]{}",:\\ a1\n\t', max_size=400).map(str.encode),
       name=st.sampled_from(["a.json", "a.jsonl", "noext"]))
def test_json(name, data):
    _read(name, data)


@settings(FUZZ, max_examples=200)
@given(data=_mutated(_csv()) | _csv(), name=st.sampled_from(["a.csv", "a.tsv"]))
def test_csv(name, data):
    _read(name, data)


_COMPRESS = {".gz": lambda b: gzip.compress(b, mtime=0), ".bz2": bz2.compress, ".xz": lzma.compress}


@settings(FUZZ, max_examples=150)
@given(inner=st.sampled_from([".txt", ".jsonl", ".csv", ".html"]), ext=st.sampled_from(list(_COMPRESS)),
       data=_any_article, cut=st.integers(0, 40), flip=st.booleans())
def test_compressed(inner, ext, data, cut, flip):
    packed = bytearray(_COMPRESS[ext](data))
    if flip and len(packed) > 20:
        packed[len(packed) // 2] ^= 0x55
    _read("a" + inner + ext, bytes(packed[:len(packed) - cut] if cut else packed))


@settings(FUZZ, max_examples=200)
@given(members=_members, kind=st.sampled_from(["zip", "zip-stored", "tar", "tar.gz"]),
       cut=st.integers(0, 200), nested=st.booleans())
def test_archives(members, kind, cut, nested):
    def pack(ms):
        if kind.startswith("zip"):
            return _zip(ms, deflate=kind == "zip")
        return _tar(ms, "w:gz" if kind == "tar.gz" else "w")
    data = pack(members)
    if nested:
        data = pack([(b"inner." + kind.split("-")[0].encode(), data), *members[:1]])
    if cut:
        data = data[:max(1, len(data) - cut)]
    _read("a." + kind.split("-")[0], data)


@pytest.fixture(scope="module", autouse=True)
def _cleanup():
    yield
    import shutil
    shutil.rmtree(_DIR, ignore_errors=True)
