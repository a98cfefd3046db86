"""bytes -> str for article files: detect the encoding, or use the one forced.

Encodings detected, and the names reported for them:

=================  ============================================================
``utf-8``          UTF-8 without a BOM (pure ASCII is reported as ``utf-8``)
``utf-8-sig``      UTF-8 with a BOM (the BOM is not part of the text)
``utf-16``         UTF-16 with a BOM, little- or big-endian
``utf-16-le/-be``  UTF-16 without a BOM, recognised by its NUL pattern
``cp1251``         Windows Cyrillic
``koi8-r``         KOI8-R
``cp866``          DOS Cyrillic ("alternative" code page)
``mac-cyrillic``   Mac OS Cyrillic
=================  ============================================================

How the choice is made, cheapest test first:

1. A BOM decides; without one, UTF-16 is recognised by its NUL pattern. A
   file signature (PNG, ELF, zip ...) or many control bytes in the first KB
   mean a binary file; trailing NUL padding and a few stray NULs do not (NUL
   bytes are dropped from the text).
2. Data that is valid UTF-8 is UTF-8. This is the common case and costs one
   ``bytes.decode``.
3. Data that is *mostly* UTF-8 -- many good multi-byte sequences per bad byte
   around the first error -- is UTF-8 with the bad bytes replaced by U+FFFD:
   one damaged byte must not make the whole file be read as a legacy code page,
   which would garble every other letter.
4. Otherwise each legacy code page reads a window of at most 64 KB from
   there and gets a score, a rough log-likelihood of being Russian text: the
   letter frequencies; junk characters (Serbian or Ukrainian letters and
   symbols amid Russian words, box drawing touching letters, undefined
   bytes); the case pattern (KOI8-R and cp1251 put the same letters in
   opposite cases, so one read as the other gives ``пРИВЕТ`` or words all in
   capitals); runs of four consonants or three vowels, which real Russian
   hardly has and a misread page has dozens of; and, when two readings are
   close, a short list of frequent bigrams. A small prior prefers cp1251,
   then KOI8-R and cp866, then MacCyrillic. Text whose best reading is still
   mostly junk (Chinese, Japanese, random bytes) is refused as undecodable.

The scoring works on whole windows with ``bytes.translate`` and ``bytes.count``
so that it runs at C speed rather than once per character in Python, and a
first look at 1 KB usually settles it.
"""
from __future__ import annotations

import codecs
import math
import operator
from functools import lru_cache

from ..errors import ArticleError

__all__ = ["decode_bytes", "resolve_encoding", "LEGACY_ENCODINGS"]

#: the single-byte code pages the detector chooses among, most common first
#: (ties, such as lowercase-only text that cp1251 and MacCyrillic decode
#: alike, go to the earlier one).
LEGACY_ENCODINGS = ("cp1251", "koi8-r", "cp866", "mac-cyrillic")

# Log prior of each code page, in nats: on a 40-byte headline the evidence can
# be thin, and a cp1251 file is far more likely than a MacCyrillic one.
_PRIOR = {"cp1251": 0.0, "koi8-r": -1.0, "cp866": -1.0, "mac-cyrillic": -2.5}

# Bytes looked at for the binary test before trying UTF-8: little, to keep the
# common case cheap. Binary data is hardly ever valid UTF-8, and the legacy
# path tests its whole window again.
_CONTROL_WINDOW = 1024
_SNIFF_WINDOW = 8 * 1024     # bytes looked at for BOM-less UTF-16
_WINDOW = 64 * 1024          # bytes looked at to choose a legacy code page
_PROBE = 256                 # bytes each side of the first bad one: a quick look

_BINARY_SIGNATURES = (
    b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"\x7fELF", b"MZ\x90\x00",
    b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08", b"\x1f\x8b", b"BZh91AY&SY",
    b"\xfd7zXZ\x00", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"%PDF-",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe",
    b"\xce\xfa\xed\xfe", b"SQLite format 3\x00", b"\x28\xb5\x2f\xfd", b"\x00asm",
    b"OggS", b"ID3", b"fLaC", b"wOFF", b"wOF2",
)
_SIGNATURES: dict[bytes, tuple[bytes, ...]] = {}
for _sig in _BINARY_SIGNATURES:
    _SIGNATURES[_sig[:1]] = _SIGNATURES.get(_sig[:1], ()) + (_sig,)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Control bytes that do occur in text files: TAB LF VT FF CR, DOS end-of-file
# (^Z) and ESC (ANSI colour codes in old BBS and Fidonet texts).
_TEXT_CONTROLS = b"\t\n\x0b\x0c\r\x1a\x1b"
_NOT_CONTROLS = bytes(b for b in range(256) if b >= 0x20 or b in _TEXT_CONTROLS)

# Spellings people use that Python's codec registry does not know.
_ALIASES = {
    "koi8r": "koi8-r", "koi8": "koi8-r",
    "win1251": "cp1251", "win-1251": "cp1251", "windows1251": "cp1251",
    "cp-1251": "cp1251", "ansi-1251": "cp1251",
    "dos": "cp866", "cp-866": "cp866", "ibm-866": "cp866", "dos-866": "cp866", "alt": "cp866",
    "mac": "mac-cyrillic", "x-mac-cyrillic": "mac-cyrillic", "maccyr": "mac-cyrillic",
    "utf8-sig": "utf-8-sig", "utf-8-bom": "utf-8-sig",
    "utf16": "utf-16", "utf16le": "utf-16-le", "utf16be": "utf-16-be",
    "ascii": "utf-8", "us-ascii": "utf-8",
}
_NOT_FILE_ENCODINGS = {"idna", "punycode", "unicode-escape", "raw-unicode-escape", "undefined"}
# Python codec name -> the name reported.
_CANONICAL = {
    "utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16",
    "utf-16-le": "utf-16-le", "utf-16-be": "utf-16-be", "cp1251": "cp1251",
    "koi8-r": "koi8-r", "cp866": "cp866", "mac-cyrillic": "mac-cyrillic",
}


def resolve_encoding(name: str) -> str:
    """Return the canonical name for an encoding name a user typed.

    Accepts the names in the module docstring, Python's own codec names and
    aliases (``windows-1251``, ``866``, ``KOI8_R`` ...) and a few common
    spellings Python does not know (``koi8r``, ``win1251``, ``x-mac-cyrillic``).
    Any other text encoding Python has (``iso8859-5``, ``cp1252`` ...) is
    accepted under Python's name. ``ascii`` is read as UTF-8, its superset.

    Raises :class:`ValueError` ``"unknown encoding: NAME"`` for anything else.
    It is a ValueError rather than an :class:`ArticleError` because a wrong
    name is a usage error, the same for every file: the CLI should call this
    once when it parses its options and report a bad parameter, instead of
    failing each file in turn.
    """
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    key = _ALIASES.get(key, key)
    try:
        info = codecs.lookup(key)
    except LookupError:
        raise ValueError(f"unknown encoding: {name}") from None
    # base64, rot13, zlib ... are not text encodings; idna and the escape
    # codecs are, but not ones a file is written in
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_FILE_ENCODINGS:
        raise ValueError(f"unknown encoding: {name}")
    return _CANONICAL.get(info.name, info.name)


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode a file's bytes; return ``(text, encoding_name)``.

    ``encoding`` forces a codec (any name :func:`resolve_encoding` accepts);
    bytes it cannot decode become U+FFFD. Without it the encoding is detected
    as the module docstring describes. NUL bytes are dropped from the text.

    Raises :class:`ArticleError` with a short reason (``"binary file"``,
    ``"undecodable text"``) for data that is not text, also when an encoding
    is forced. Raises :class:`ValueError` for an unknown ``encoding`` name.
    """
    if encoding is not None:
        return _decode_forced(data, resolve_encoding(encoding))

    if data[:2] in _UTF16_BOMS and _looks_utf16(data):
        return _decode_wide(data, "utf-16"), "utf-16"
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[3:]
    elif b"\x00" in data:
        found = _sniff_utf16(data[:_SNIFF_WINDOW])
        if found:
            return _decode_wide(data, found), found
    data = _text_bytes(data)
    try:
        return data.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError as e:
        bad_at = e.start
    # The evidence is taken where the trouble starts: an HTML page or a
    # mostly-English file may be plain ASCII for its first 64 KB.
    start = max(0, bad_at - 1024)
    window = data[start:start + _WINDOW]
    _check_controls(window)
    if _mostly_utf8(data, bad_at, start):
        return data.decode("utf-8", errors="replace"), "utf-8-sig" if bom else "utf-8"
    # (a UTF-8 BOM before cp1251 text: some converters add one blindly)
    name = _choose_legacy(window)
    return data.decode(name, errors="replace"), name


def looks_binary(sample: bytes) -> bool:
    """Whether the first bytes of a file with NUL bytes in them are binary data.

    Text keeps its NULs few: stray ones (dropped when decoding), or padding at
    the end. UTF-16 (NULs in every other byte) is text; so is nothing else with
    many NULs, or with other control bytes among a few.
    """
    if sample[:2] in _UTF16_BOMS or b"\x00" not in sample:
        return False
    if _sniff_utf16(sample):
        return False
    signatures = _SIGNATURES.get(sample[:1])
    if signatures and sample.startswith(signatures):
        return True
    data = sample.rstrip(b"\x00")
    if not data or data.count(0) > 1 + len(data) // 64:
        return True
    controls = len(data.translate(None, _NOT_CONTROLS)) - data.count(0)
    return controls > len(data) // 200


def _decode_forced(data: bytes, name: str) -> tuple[str, str]:
    if name.startswith(("utf-16", "utf-32")):
        return _decode_wide(data, name), name
    data = _text_bytes(data)
    _check_controls(data[:_WINDOW])
    if name == "utf-8" and data.startswith(codecs.BOM_UTF8):
        data = data[3:]     # a BOM is not text, whether or not the user knew it was there
    try:
        return data.decode(name, errors="replace"), name
    except UnicodeError:    # a multi-byte codec that gives up despite "replace"
        raise ArticleError("undecodable text") from None


def _text_bytes(data: bytes) -> bytes:
    """``data`` without NUL bytes; raise ArticleError if it looks binary."""
    signatures = _SIGNATURES.get(data[:1])
    if signatures and data.startswith(signatures):
        raise ArticleError("binary file")
    nul = b"\x00" in data
    if nul:
        data = data.rstrip(b"\x00")       # NUL padding after the text is common
        if not data:
            raise ArticleError("binary file")
    _check_controls(data[:_CONTROL_WINDOW])
    return data.replace(b"\x00", b"") if nul else data


def _decode_wide(data: bytes, codec: str) -> str:
    """Decode UTF-16 (or -32): NULs are part of the encoding, not binary."""
    text = data.decode(codec, errors="replace").rstrip("\x00")
    # control characters are below U+0100, so latin-1 keeps them all
    _check_controls(text[:_CONTROL_WINDOW].encode("latin-1", errors="ignore"))
    return text.replace("\x00", "") if "\x00" in text else text


def _looks_utf16(data: bytes) -> bool:
    """Whether data that starts with a UTF-16 BOM is UTF-16 text.

    ``FF FE`` is also "яю" in cp1251: UTF-16 text has some ASCII (a space, a
    newline: a NUL byte) or else is Cyrillic all through.
    """
    head = data[2:_SNIFF_WINDOW]
    if b"\x00" in head:
        return True
    high = head[1::2] if data[:1] == b"\xff" else head[0::2]
    return high.count(4) * 10 >= len(high) * 9


def _sniff_utf16(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` if ``head`` has UTF-16's NUL pattern, else None.

    Russian UTF-16 text has a high byte of 0x00 (ASCII: spaces, digits,
    punctuation) or 0x04 (Cyrillic) in almost every code unit, and hardly
    any NUL low bytes.
    """
    head = head[:len(head) & ~1]
    if len(head) < 8:
        return None
    for codec, high, low in (("utf-16-le", head[1::2], head[0::2]),
                             ("utf-16-be", head[0::2], head[1::2])):
        units = len(high)
        ascii_units = high.count(0)
        if (ascii_units * 10 >= units and (ascii_units + high.count(4)) * 10 >= units * 9
                and low.count(0) * 20 <= units):
            try:
                head.decode(codec)
            except UnicodeDecodeError as e:
                if e.start < len(head) - 4:     # not just a pair cut at the end
                    continue
            return codec
    return None


def _check_controls(sample: bytes) -> None:
    """Raise ``ArticleError("binary file")`` if ``sample`` has many control bytes."""
    controls = len(sample.translate(None, _NOT_CONTROLS))
    if controls > 2 + len(sample) // 200:
        raise ArticleError("binary file")


def _mostly_utf8(data: bytes, bad_at: int, start: int) -> bool:
    """Whether UTF-8 with a few bad bytes is a better reading than any code page.

    ``bad_at`` is the first bad byte, ``start`` where the window begins.
    """
    # A look around the first bad byte is cheap and tells legacy text, in
    # which almost every letter is a bad byte, at once.
    probe = max(0, bad_at - _PROBE)
    good, bad = _utf8_evidence(data[probe:bad_at + _PROBE], cut=probe > 0)
    if good < 4 * bad:
        return False
    good, bad = _utf8_evidence(data[start:start + _WINDOW], cut=start > 0)
    return good >= 4 * bad and good > 0


def _utf8_evidence(chunk: bytes, cut: bool) -> tuple[int, int]:
    """``(good non-ASCII characters, bad bytes)`` of ``chunk`` read as UTF-8.

    ``cut``: the chunk starts inside the data, perhaps inside a character.
    """
    # A character cut by the start or end of the chunk is no evidence: skip
    # continuation bytes at a cut start, and let the incremental decoder hold
    # back an incomplete sequence at the end.
    if cut:
        skip = len(chunk) - len(chunk.lstrip(_CONTINUATION))
        chunk = chunk[skip:] if skip <= 3 else chunk
    text = _utf8_decoder("replace").decode(chunk, False)
    bad = text.count("\ufffd")
    return len(text) - len(text.encode("ascii", errors="ignore")) - bad, bad


_CONTINUATION = bytes(range(0x80, 0xC0))
_utf8_decoder = codecs.getincrementaldecoder("utf-8")


# --------------------------------------------------------------------------
# Choosing among the legacy code pages.

# Letter frequencies in Russian news text, per mille (ё counted with е).
_FREQ = {
    "о": 108, "е": 83, "а": 81, "и": 80, "н": 68, "т": 64, "с": 58, "р": 55,
    "в": 46, "л": 40, "к": 34, "м": 31, "п": 30, "д": 30, "у": 23, "я": 18,
    "ы": 18, "г": 17, "б": 16, "з": 15, "ь": 14.5, "ч": 13, "й": 12.6, "х": 8.7,
    "ж": 8.2, "ю": 6.2, "ш": 6.2, "ц": 5.9, "э": 3.7, "ф": 3.6, "щ": 3.2,
    "ъ": 0.3, "ё": 2.0,
}
# The 60 most frequent letter pairs in Russian news, most frequent first: half
# of all pairs in real text, a few per cent in text read with the wrong page.
_BIGRAMS = (
    "ст то ен но ра на ро ни по ов ко ре пр ан ос ер та не го ор "
    "ли ал во ва ет от од ол ти ка ом ит ск те ри он де ат ны ле "
    "ль ес ин за ть ме ел ла ог да ве об тр ки ак ло ой ил ед че "
).split()
# Non-ASCII characters other than Russian letters that news text often has.
_PUNCT = "«»—–…№“”„‘’\xa0©°€±·•"
# Of those, the ones that hardly ever touch the next letter: "—слово", "•слово".
# (MacCyrillic's uppercase letters are these in cp1251: "Депутат" -> "„епутат".)
_GLUED = "—–…•€‚’™°±·„“‘"
_BOX = "".join(chr(c) for c in range(0x2500, 0x25A0))   # box drawing, blocks, shades
# cp866 bytes that DOS texts repeat to draw lines (─ ═ █ ▄ ▀). In cp1251 and
# KOI8-R they are letters, and Russian has no letter four times in a row.
_LINES = b"\xc4\xcd\xdb\xdc\xdf"

_JUNK = -9.0          # score of a character Russian text hardly ever has
_UNDEFINED = -12.0    # a byte the code page does not define
_PUNCT_SCORE = -6.0
_BOX_SCORE = -6.0     # pseudographics: DOS and KOI8 texts did draw tables
_CASE_FLIP = -4.0     # case changing inside a word: "пРИВЕТ", "ПРИВет" (not "Привет")
_VOWELS = "аеиоуыэюяё"
_CONSONANTS = -3.0    # four consonants in a row: 3 per 1000 letters, 50-75 in KOI8-R
                      # read as cp1251 or the other way round
_VOWEL_RUN = -4.0     # three vowels in a row: 0.1 per 1000 letters, 7-10 misread
_CAPS_WORD = -0.5     # a word in capitals (KOI8-R and cp1251 swap the case)
_GLUED_SCORE = -3.0   # _GLUED punctuation right before a letter
_BOX_TOUCH = -3.0     # box drawing right next to a letter: "РЕЖИСС▌Р", "╟ЯБЛОКО╚"
_BAD_START = -4.0     # a word that starts with ь, ъ or ы
_LINE_SCORE = -6.0    # a letter four times in a row
_LINE_BOX_SCORE = 16.0  # four box characters in a row: a drawn line, not junk
_BIGRAM_SCORE = 1.0   # a pair from _BIGRAMS
_CLOSE = 12.0         # readings this close (nats) are compared by bigrams too
_BIGRAM_WINDOW = 4096
_FIRST_LOOK = 512     # bytes scored first; more only if that is not enough
_SURE = 30.0          # a lead (nats) after the first look that settles it
# Mean score per non-ASCII byte below which text is refused as undecodable:
# Russian text scores about -3.1 (-3.9 at worst in a 40-byte headline), text
# in Chinese, Japanese, Korean or Arabic code pages and random bytes -4.6 to
# -5.8 in their best reading. Greek and Hebrew score like Russian in KOI8-R
# (all capitals) and are let through; so is text with few non-ASCII bytes.
_MIN_SCORE = -4.5


class _Page:
    """Translation tables that score one code page with C-speed byte operations.

    ``bucket`` maps each non-ASCII byte to a small number (one of ``keys``)
    that stands for its score (``weights``); ASCII maps to 0, unscored.
    ``case`` maps Russian letters to ``a`` (lowercase) or ``A`` (uppercase),
    _GLUED punctuation to ``d`` and the rest to a space; ``start`` maps ь/ъ/ы
    to ``b``, box drawing to ``g``, ASCII non-letters to a space and the rest
    to ``x``; ``sounds`` maps vowels to ``V`` and consonants to ``C``. ``fold``
    maps Russian letters to their lowercase cp1251 byte and the rest to a
    space, so that one list of bigrams serves every page.
    """

    def __init__(self, codec: str):
        self.codec = codec
        case = bytearray(b" " * 256)
        start = bytearray(b" " * 256)
        sounds = bytearray(b" " * 256)
        fold = bytearray(b" " * 256)
        bucket = bytearray(256)
        values: dict[int, float] = {}
        for b in range(128):
            if chr(b).isalnum():
                start[b] = ord("x")
        for b in range(128, 256):
            start[b] = ord("x")
            try:
                ch = bytes([b]).decode(codec)
            except UnicodeDecodeError:
                ch = ""
            low = ch.lower()
            if ch and low in _FREQ:
                case[b] = ord("a" if ch == low else "A")
                if low in "ьъы":
                    start[b] = ord("b")
                sounds[b] = ord("V" if low in _VOWELS else " " if low in "ьъ" else "C")
                fold[b] = low.encode("cp1251")[0]
                score = math.log(_FREQ[low] / 1000)
            elif ch and ch in _PUNCT:
                if ch in _GLUED:
                    case[b] = ord("d")
                score = _PUNCT_SCORE
            elif ch and ch in _BOX:
                start[b] = ord("g")
                score = _BOX_SCORE
            else:
                score = _JUNK if ch else _UNDEFINED
            bucket[b] = key = 1 + round(-score)
            values[key] = -float(key - 1)
        self.case, self.start, self.fold = bytes(case), bytes(start), bytes(fold)
        self.sounds = bytes(sounds)
        self.bucket = bytes(bucket)
        self.keys, self.weights = tuple(values), tuple(values.values())
        # what a run of the bytes DOS texts draw lines with is worth here
        if all(case[b] != 32 for b in _LINES):
            self.line_score = _LINE_SCORE
        elif all(bucket[b] == 1 + round(-_BOX_SCORE) for b in _LINES):
            self.line_score = _LINE_BOX_SCORE
        else:
            self.line_score = 0.0

    def letters_score(self, sample: bytes) -> tuple[float, int]:
        """``(score, non-ASCII bytes)`` of the characters of ``sample`` one by one."""
        counts = list(map(sample.translate(self.bucket).count, self.keys))
        return sum(map(operator.mul, counts, self.weights)), sum(counts)

    def shape_score(self, sample: bytes, lines: int) -> float:
        """The score of how the letters of ``sample`` go together, at most
        ``lines * max(0, self.line_score)``.

        ``lines`` is how many runs of four _LINES bytes the sample has.
        """
        case = sample.translate(self.case)
        flips = case.count(b"aA") + case.count(b"AAa")
        caps = case.count(b" AA") + (case[:2] == b"AA")
        glued = case.count(b"da") + case.count(b"dA")
        sounds = sample.translate(self.sounds)
        clusters = sounds.count(b"CCCC") * _CONSONANTS + sounds.count(b"VVV") * _VOWEL_RUN
        starts = sample.translate(self.start)
        bad_starts = starts.count(b" b") + (starts[:1] == b"b")
        boxed = starts.count(b"xg") + starts.count(b"gx")
        return (flips * _CASE_FLIP + caps * _CAPS_WORD + glued * _GLUED_SCORE
                + bad_starts * _BAD_START + boxed * _BOX_TOUCH + clusters
                + lines * self.line_score)

    def bigram_score(self, sample: bytes) -> float:
        folded = sample[:_BIGRAM_WINDOW].translate(self.fold)
        return _BIGRAM_SCORE * sum(folded.count(bg) for bg in _BIGRAM_BYTES)


_BIGRAM_BYTES = tuple(bg.encode("cp1251") for bg in _BIGRAMS)
_LINE_MARKS = bytes(b"L"[0] if b in _LINES else 32 for b in range(256))


@lru_cache(maxsize=None)
def _page(codec: str) -> _Page:
    return _Page(codec)


def _choose_legacy(window: bytes) -> str:
    """The legacy code page that reads ``window`` as the most Russian text.

    A first look at ``_FIRST_LOOK`` bytes settles most files; the whole
    window is read only when that look leaves two pages close.
    """
    for size in (_FIRST_LOOK, len(window)):
        sample = window[:size]
        scores, high = _scores(sample)
        ranked = sorted(scores.values(), reverse=True)
        if ranked[0] - ranked[1] >= _SURE or size >= len(window):
            break
    best = ranked[0]
    close = [name for name in LEGACY_ENCODINGS if scores[name] >= best - _CLOSE]
    # MacCyrillic's lowercase letters are cp1251's but for я: bigrams cannot
    # tell those two apart, so they are not counted for them alone.
    if len(close) > 1 and set(close) != {"cp1251", "mac-cyrillic"}:
        for name in close:
            scores[name] += _page(name).bigram_score(sample)
        best = max(scores[name] for name in close)
    if high >= 32 and high * 10 >= len(sample) * 3 and best < _MIN_SCORE * high:
        raise ArticleError("undecodable text")
    # max() keeps the first of equal scores: the more common page
    return max(LEGACY_ENCODINGS, key=scores.__getitem__)


def _scores(sample: bytes) -> tuple[dict[str, float], int]:
    """Each page's score for ``sample`` (or an upper bound, for a page that
    cannot win), and the number of non-ASCII bytes.

    Every page gets its letters scored; the shape of the words, which only
    takes away (but for drawn lines), is scored best page first, and not at
    all for a page whose letters alone already score too low to matter.
    """
    lines = sample.translate(_LINE_MARKS).count(b"LLLL")
    bounds = {}
    high = 0
    for name in LEGACY_ENCODINGS:
        page = _page(name)
        score, high = page.letters_score(sample)
        bounds[name] = score + _PRIOR[name] + lines * max(0.0, page.line_score)
    scores = {}
    best = -math.inf
    for name in sorted(bounds, key=bounds.__getitem__, reverse=True):
        if bounds[name] < best - max(_SURE, _CLOSE):
            scores[name] = bounds[name]
            continue
        page = _page(name)
        scores[name] = bounds[name] - lines * max(0.0, page.line_score) + page.shape_score(sample, lines)
        best = max(best, scores[name])
    return scores, high
