"""newsgrep.articles.decode: bytes -> str, with the encoding detected or forced."""
from __future__ import annotations

import functools
import gzip
import io
import itertools
import json
import random
import re
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsgrep.articles.decode import LEGACY_ENCODINGS, decode_bytes, resolve_encoding
from newsgrep.errors import ArticleError

# Our own short sentences: headlines of the kinds news files start with.
SENTENCES = [
    "Вчера в Самаре открыли новый мост через Волгу.",
    "Жители Твери жалуются на шумную стройку возле вокзала",
    "ЦЕНТРОБАНК СНИЗИЛ КЛЮЧЕВУЮ СТАВКУ ДО ВОСЬМИ ПРОЦЕНТОВ",
    "в пятницу синоптики обещают сильный ветер и дождь",
    "Ёжик в тумане: старый мультфильм покажут в кино ещё раз",
    "Школьники из Казани победили на олимпиаде по химии",
    "Цены на гречку выросли на треть за месяц, — сообщил Росстат",
    "Объём экспорта зерна через порт Новороссийска увеличился",
    "ТАЙФУН «ХАГИБИС» ОБРУШИЛСЯ НА ЯПОНИЮ",
]
CODE_PAGES = ["cp1251", "koi8-r", "cp866", "mac-cyrillic"]
ASCII_FALLBACK = str.maketrans({"«": '"', "»": '"', "„": '"', "“": '"', "”": '"', "‘": "'",
                                "’": "'", "—": "-", "–": "-", "…": "...", "\xa0": " "})
RUSSIAN = re.compile("[А-Яа-яЁё]")


def encode(text: str, encoding: str) -> bytes:
    """``text`` as a file in ``encoding`` would have it (KOI8-R and cp866 have
    no «» or —: such files used ASCII quotes and dashes)."""
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.translate(ASCII_FALLBACK).encode(encoding, errors="replace")


def same_text_pages(data: bytes, encoding: str) -> set[str]:
    """The pages that read ``data`` exactly as ``encoding`` does (a lowercase
    cp1251 line without я or ё is MacCyrillic too)."""
    want = data.decode(encoding)
    return {name for name in CODE_PAGES if data.decode(name, errors="replace") == want}


# --- detection, table-driven ------------------------------------------------

@pytest.mark.parametrize("sentence", SENTENCES)
@pytest.mark.parametrize("encoding", CODE_PAGES)
def test_code_page_sentence(sentence, encoding):
    data = encode(sentence, encoding)
    text, name = decode_bytes(data)
    assert text == data.decode(encoding)
    assert name in same_text_pages(data, encoding)


# MacCyrillic differs from cp1251 only in capitals, я and ё, and 40 bytes may
# hold a single one: "Ёжик" is "Эжик" in cp1251, and nothing tells which.
# (test_corpus_articles_reencoded measures it.)
@pytest.mark.parametrize("sentence", SENTENCES)
@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r", "cp866"])
def test_code_page_headline_cut_to_40_bytes(sentence, encoding):
    data = encode(sentence, encoding)[:40]
    text, name = decode_bytes(data)
    assert text == data.decode(encoding)


@pytest.mark.parametrize("encoding", CODE_PAGES)
def test_code_page_lines_with_crlf(encoding):
    data = encode("\r\n".join(SENTENCES), encoding)
    assert decode_bytes(data) == (data.decode(encoding), encoding)


@pytest.mark.parametrize("prefix, body_codec, name", [
    (b"", "utf-8", "utf-8"),
    (b"\xef\xbb\xbf", "utf-8", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le", "utf-16"),
    (b"\xfe\xff", "utf-16-be", "utf-16"),
    (b"", "utf-16-le", "utf-16-le"),
    (b"", "utf-16-be", "utf-16-be"),
])
@pytest.mark.parametrize("sentence", SENTENCES[:4])
def test_unicode(prefix, body_codec, name, sentence):
    text = sentence + "\n" + SENTENCES[-1] + "\n"
    assert decode_bytes(prefix + text.encode(body_codec)) == (text, name)


@pytest.mark.parametrize("data, name", [
    (b"", "utf-8"),
    (b"Plain ASCII text.\n", "utf-8"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
])
def test_trivial(data, name):
    assert decode_bytes(data)[1] == name


def test_fidonet_latin_letters_in_cp866():
    # Fidonet habit: Latin H and p typed for Н and р.
    text = "Hовая веpсия GoldED вышла в сpеду, пpовеpьте настpойки\r\nHе забудьте пpо ключи."
    assert decode_bytes(text.encode("cp866")) == (text, "cp866")


def test_cp1251_starting_with_bytes_of_a_utf16_bom():
    # "яю" is FF FE in cp1251: the BOM of UTF-16LE
    text = "яю - так пишут в чатах, а в газетах так не пишут"
    assert decode_bytes(text.encode("cp1251")) == (text, "cp1251")


def test_utf8_bom_before_cp1251():
    text = "Новости региона: в Омске выпал первый снег"
    assert decode_bytes(b"\xef\xbb\xbf" + text.encode("cp1251")) == (text, "cp1251")


# --- UTF-8 with damage --------------------------------------------------------

def test_one_bad_byte_in_100kb_utf8_stays_utf8():
    body = ("\n".join(SENTENCES) + "\n") * 200
    raw = body.encode("utf-8")
    assert len(raw) > 100_000
    cut = raw.index(b"\n", 50_000) + 1          # a character boundary
    text, name = decode_bytes(raw[:cut] + b"\xff" + raw[cut:])
    assert name == "utf-8"
    assert text == body[:len(raw[:cut].decode())] + "\ufffd" + body[len(raw[:cut].decode()):]


def test_cp1251_bytes_in_a_utf8_file_are_replaced():
    body = "Заголовок\n\n" + "Текст новости в кодировке UTF-8. " * 50
    damaged = body.encode() + "подпись".encode("cp1251")
    text, name = decode_bytes(damaged)
    assert name == "utf-8"
    assert text.startswith(body) and text.endswith("\ufffd")


def test_utf8_cut_inside_a_character():
    raw = SENTENCES[0].encode()
    assert decode_bytes(raw[:-1])[1] == "utf-8"   # "." is ASCII: cut the one before
    assert decode_bytes(raw[:raw.rindex(b"\xd0") + 1]) == (
        raw[:raw.rindex(b"\xd0") + 1].decode(errors="replace"), "utf-8")


# --- binary data, control bytes, NULs ------------------------------------------

def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "\n".join(SENTENCES))
    return buf.getvalue()


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
    b"\x7fELF\x02\x01\x01" + bytes(9) + b"\x02\x00>\x00" + bytes(100),
    _zip_bytes(),
    gzip.compress("\n".join(SENTENCES).encode(), mtime=0),
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    random.Random(1).randbytes(4096),
    random.Random(2).randbytes(300),
    bytes(1000),
    b"abc\x00\x01\x02\x03\x04\x05\x06\x07\x08\x10\x11\x12def",
], ids=["png", "elf", "zip", "gzip", "pdf", "random-4k", "random-300", "nul-only", "controls"])
def test_binary_is_refused(data):
    with pytest.raises(ArticleError, match="^binary file$"):
        decode_bytes(data)


@pytest.mark.parametrize("encoding", ["utf-8", *CODE_PAGES])
def test_stray_nuls_are_dropped(encoding):
    text = "\r\n".join(SENTENCES * 5)
    data = encode(text, encoding)
    holed = data[:100] + b"\x00" + data[100:700] + b"\x00\x00" + data[700:]
    assert decode_bytes(holed) == decode_bytes(data)


def test_nul_padding_after_the_text():
    text = "\n".join(SENTENCES)
    assert decode_bytes(text.encode("cp1251") + bytes(4000)) == (text, "cp1251")


@pytest.mark.parametrize("extra", [b"\x1a", b"\x0c", b"\x1b[1mbold\x1b[0m", b"\t\v"])
def test_text_control_bytes(extra):
    text = SENTENCES[0].encode("cp866") + extra + SENTENCES[1].encode("cp866")
    assert decode_bytes(text)[1] == "cp866"


@pytest.mark.parametrize("codec", ["gbk", "shift_jis", "euc_kr"])
def test_cjk_code_pages_are_undecodable(codec):
    text = {"gbk": "今天北京天气很好，我们去公园散步吧。", "shift_jis": "今日は東京の天気がとても良いです。",
            "euc_kr": "오늘 서울의 날씨는 매우 좋습니다."}[codec] * 20
    with pytest.raises(ArticleError, match="^undecodable text$"):
        decode_bytes(text.encode(codec))


def test_a_few_accents_are_not_undecodable():
    # Western text in cp1252: a code page we do not detect, but mostly ASCII,
    # so it is read (with a few wrong letters) rather than refused.
    text, _ = decode_bytes("Le café est très bon à Paris. ".encode("cp1252") * 10)
    assert text.startswith("Le caf")


# --- forcing an encoding --------------------------------------------------------

@pytest.mark.parametrize("name, canonical", [
    ("utf-8", "utf-8"), ("UTF8", "utf-8"), ("ascii", "utf-8"), ("utf-8-sig", "utf-8-sig"),
    ("windows-1251", "cp1251"), ("cp1251", "cp1251"), ("win1251", "cp1251"), ("CP-1251", "cp1251"),
    ("koi8-r", "koi8-r"), ("koi8r", "koi8-r"), ("KOI8_R", "koi8-r"),
    ("866", "cp866"), ("ibm866", "cp866"), ("dos", "cp866"),
    ("x-mac-cyrillic", "mac-cyrillic"), ("maccyrillic", "mac-cyrillic"), ("mac_cyrillic", "mac-cyrillic"),
    ("utf-16", "utf-16"), ("utf16le", "utf-16-le"), ("UTF-16BE", "utf-16-be"),
    ("iso-8859-5", "iso8859-5"), (" Windows-1251 ", "cp1251"),
])
def test_resolve_encoding(name, canonical):
    assert resolve_encoding(name) == canonical


@pytest.mark.parametrize("name", ["klingon", "", "base64", "rot13", "zlib", "utf-9", "idna",
                                  "unicode_escape"])
def test_unknown_encoding_is_a_value_error(name):
    with pytest.raises(ValueError, match=f"^unknown encoding: {re.escape(name)}$"):
        resolve_encoding(name)
    with pytest.raises(ValueError, match="^unknown encoding"):
        decode_bytes(b"text", name)


def test_forced_encoding_wins_over_detection():
    data = SENTENCES[0].encode("cp1251")
    assert decode_bytes(data, "windows-1251") == (SENTENCES[0], "cp1251")
    text, name = decode_bytes(data, "koi8r")
    assert name == "koi8-r" and text == data.decode("koi8-r")


def test_forced_utf8_drops_the_bom_and_replaces_bad_bytes():
    assert decode_bytes(b"\xef\xbb\xbfabc\xff", "utf-8") == ("abc\ufffd", "utf-8")


def test_forced_encoding_still_refuses_binary():
    with pytest.raises(ArticleError, match="binary file"):
        decode_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64), "cp1251")


def test_forced_utf16():
    text = SENTENCES[2]
    assert decode_bytes(text.encode("utf-16-be"), "utf-16-be") == (text, "utf-16-be")


# --- never anything but text or ArticleError --------------------------------------

@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_decode_or_raise_article_error(data):
    try:
        text, name = decode_bytes(data)
    except ArticleError as e:
        assert str(e) in ("binary file", "undecodable text")
    else:
        assert isinstance(text, str) and "\x00" not in text
        assert name in ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", *LEGACY_ENCODINGS)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(SENTENCES + ["\r\n", " ", "\x00", "abc"]), max_size=20),
       st.sampled_from(["utf-8", "utf-16", *CODE_PAGES]), st.binary(max_size=8), st.integers(0, 2000))
def test_text_with_noise_decodes_or_raises_article_error(parts, encoding, noise, at):
    data = encode("".join(parts), encoding)
    data = data[:at] + noise + data[at:]
    try:
        text, _ = decode_bytes(data)
    except ArticleError:
        pass
    else:
        assert isinstance(text, str)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=500), st.sampled_from(["utf-8", "cp1251", "koi8-r", "cp866", "utf-16",
                                                 "latin-1", "gbk", "shift_jis", "utf-32"]))
def test_forced_arbitrary_bytes(data, encoding):
    try:
        text, _ = decode_bytes(data, encoding)
    except ArticleError:
        pass
    else:
        assert isinstance(text, str)


# --- the shared corpus ---------------------------------------------------------------

def _legacy_files(shared):
    """(path, true encoding) of every file in raw/legacy_encodings and derived/."""
    base = shared / "corpus" / "raw" / "legacy_encodings"
    files = []
    for path in sorted(base.glob("*")):
        if path.is_file():
            files.append((path, path.name.split("_")[0]))       # cp866_goldedplus_...
    for path in sorted((base / "derived").glob("*.txt")):
        files.append((path, path.name.split(".")[-2]))          # ria-N.koi8-r.txt
    assert len(files) >= 24
    return files


def test_legacy_files(shared):
    for path, encoding in _legacy_files(shared):
        data = path.read_bytes()
        text, name = decode_bytes(data)
        assert name == encoding, path.name
        assert text == data.decode(encoding), path.name
        if ".utf-8." not in path.name and path.parent.name == "derived":
            original = path.with_name(path.name.replace(f".{encoding}.", ".utf-8."))
            want = original.read_text(encoding="utf-8").replace("\r\n", "\n")
            assert text.replace("\r\n", "\n") == want, path.name


@pytest.mark.parametrize("size", [40, 200])
def test_legacy_file_windows(shared, size):
    """Windows of 40 and 200 bytes anywhere in those files read right when they
    hold enough Russian to tell (a 40-byte run of box drawing does not)."""
    wrong = []
    checked = 0
    for path, encoding in _legacy_files(shared):
        data = path.read_bytes()
        for start in range(0, max(1, len(data) - size + 1), 7):
            window = data[start:start + size]
            want = window.decode(encoding, errors="replace")
            if len(RUSSIAN.findall(want)) < 10:
                continue
            checked += 1
            try:
                text, _ = decode_bytes(window)
            except ArticleError as e:
                text = str(e)
            if text != want:
                wrong.append((path.name, start, want))
    assert checked > 5000
    assert wrong == []


@functools.lru_cache(maxsize=None)
def _corpus_articles(articles_dir, per_file=100):
    """Title, blank line, body of ``per_file`` articles from each corpus file."""
    texts = []
    for path in sorted(articles_dir.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in itertools.islice(fh, 0, per_file * 9, 9):
                rec = json.loads(line)
                text = f"{rec.get('title') or ''}\n\n{rec.get('text') or ''}".strip()
                if text:
                    texts.append(text)
    assert len(texts) >= 290
    return texts


# Share of right answers required on the first N bytes of 300 articles. A
# MacCyrillic headline in capitals is byte for byte a cp866 one, so a few
# 40-byte MacCyrillic starts are undecidable.
REQUIRED = {
    ("utf-8", 40): 1.0, ("cp1251", 40): 1.0, ("koi8-r", 40): 1.0, ("cp866", 40): 1.0,
    ("mac-cyrillic", 40): 0.97,
}


@pytest.mark.parametrize("size", [40, 200, 1000, None])
@pytest.mark.parametrize("encoding", ["utf-8", *CODE_PAGES])
def test_corpus_articles_reencoded(shared, encoding, size):
    """The first 40, 200, 1000 bytes and the whole of 300 corpus articles,
    encoded at test time in each page with the line ends such files had."""
    corpus_articles = _corpus_articles(shared / "corpus" / "articles")
    newline = {"cp1251": "\r\n", "cp866": "\r\n", "mac-cyrillic": "\r"}.get(encoding, "\n")
    right = 0
    wrong = []
    for article in corpus_articles:
        data = encode(article.replace("\n", newline), encoding)
        sample = data[:size] if size else data
        want = sample.decode(encoding, errors="replace")
        if sample.startswith(b"\xef\xbb\xbf"):     # one RIA text starts with U+FEFF
            want = want[1:]
        try:
            got = decode_bytes(sample)[0]
        except ArticleError:
            got = None
        if got == want:
            right += 1
        else:
            wrong.append(want[:60])
    assert right / len(corpus_articles) >= REQUIRED.get((encoding, size), 1.0), wrong[:5]
