"""Reprint detection: near-duplicate signatures and incremental reprint groups.

An agency story is republished by many sites, lightly edited: a new headline, an
attribution line ("сообщает РИА Новости"), the last paragraphs cut, a photo caption
or a "Читайте также" block added, or only the lead kept. This module gives every
article a small fixed-size *signature* and keeps *reprint groups*: near copies of
one lead, published within ``WINDOW_DAYS`` of it (the same text: at any date).

How (numbers measured by ``bench/reprints_eval.py``):

* **Normalisation** (:func:`words`): the body's first ``MAX_WORDS`` words (the
  title only when the body is nearly empty, because reprints rewrite headlines),
  lower case, ё→е, digits kept, punctuation, quotes, Markdown and URLs dropped; known boilerplate lines (captions,
  photo credits, "Читайте также", "Подписывайтесь", bare links, legal footnotes such
  as "* ... запрещенная в России"), agency datelines
  (``МОСКВА, 20 окт – РИА Новости.``) and attribution phrases (``сообщает ТАСС``)
  removed, so that a copy that adds or drops them normalises to the same words.
* **Signature** (:func:`signature`): MinHash over word 3-shingles, computed by
  one-permutation hashing (one 32-bit hash per shingle, ``FULL_K`` bins, the minimum
  of each bin; empty bins of short texts filled by rotation), plus a second small
  MinHash of the first ``LEAD_WORDS`` words (the *lead sketch*): a lead-only reprint
  or a copy with its last paragraphs cut keeps the lead, while its whole-text
  similarity falls with the share of the text that was cut. Hashes are crc32 of
  the shingles (no Python ``hash``), so signatures are the same in every process.
  Cost: one crc32 per shingle and one ``sorted`` per article; 4 bytes per bin.
* **Near-copy relation** (:func:`similar`): estimated Jaccard similarity of the
  whole texts ``>= FULL_STRONG``; or ``>= FULL_THRESHOLD`` with leads that agree
  (``>= LEAD_AGREE``), so that a follow-up re-using a story's paragraphs under its
  own lead, or a report of the same event that quotes the same people in its own
  words, is not a copy; or the lead of one contained in the other's
  (``>= LEAD_THRESHOLD``) with a whole-text estimate consistent with containment
  (``CONTAINED``), so that a shared template opening is not a copy either.
* **Candidates** (:class:`ReprintIndex`): LSH banding of both sketches (16 bands
  of 2 bins, 4 of 2 lead bins), kept as 4096 sorted ``array('Q')`` of ``band key
  << 24 | slot`` words, a new word inserted in place (8 bytes per band and article,
  no big transient lists); every candidate is checked with :func:`similar`.
* **Groups** (:class:`ReprintIndex`): two articles are *linked* when they are
  :func:`similar` and dated within ``WINDOW_DAYS`` (an undated article: by text
  alone), or, at any dates, the same text (whole-text similarity ``>= SAME_TEXT``: a
  story printed again weeks later, a post re-posted). Connected components of the
  links would chain (A~B and B~C put A and C together: a month of follow-ups, each
  near the one before); instead each
  component is clustered around centres: in lead order (earliest, then longest,
  then smallest key) an article joins the earlier centre it is linked to most
  closely, or becomes a centre. So every member is a near copy of its group's
  centre, which is its lead, and is dated within the window of it (or is the same
  text). The result depends only on the set of articles, not on the order of adds
  and removes: a rebuild gives the groups of any sequence of incremental runs.
"""
from __future__ import annotations

import marshal
import math
import re
import struct
from array import array
from bisect import bisect_left, insort
from dataclasses import dataclass
from itertools import chain
from operator import eq
from datetime import datetime, timezone
from typing import Any, Callable, Hashable, Iterable, Iterator, cast
from zlib import crc32

#: Words per shingle.
SHINGLE = 3
#: Bins of the whole-text MinHash.
FULL_K = 32
#: Bins of the lead MinHash, and how many leading words it covers.
LEAD_K = 8
LEAD_WORDS = 25
#: Rows per LSH band (``FULL_K / FULL_ROWS`` + ``LEAD_K / LEAD_ROWS`` bands).
FULL_ROWS = 2
LEAD_ROWS = 2
#: Estimated Jaccard similarity of the whole texts at which two articles are copies
#: whatever their leads, and at which they are if their leads agree somewhat.
FULL_STRONG = 0.75
FULL_THRESHOLD = 0.6
LEAD_AGREE = 0.5
#: Estimated containment of the shorter text in the longer one needed by a lead match.
CONTAINED = 0.6
#: Estimated containment of one lead in the other at which two articles are copies
#: (0.85 is 6 of 8 equal bins for two full-length leads).
LEAD_THRESHOLD = 0.85
#: A lead match needs this many words in the shorter text (below, the lead is too
#: short to tell a copy from a stock phrase); the whole text is used alone.
LEAD_MIN_WORDS = 15
#: Days between an article and its group's lead beyond which it is not a copy of it:
#: the natural copies of the Telegram posts appear within 48 hours, while RIA follow-ups
#: written on the previous story's template come 4-9 days later (bench/reprints.md).
WINDOW_DAYS = 3.0
#: Whole-text similarity at which two articles are copies whatever their dates: a story
#: printed again verbatim weeks later, a promotional post re-posted (bench/reprints.md).
SAME_TEXT = 0.9

#: Changes whenever signatures or band words would come out differently (bump the
#: number when the normalisation changes): an index dumped with other settings is
#: rebuilt, not mixed.
FORMAT = ("reprints", 1, SHINGLE, FULL_K, LEAD_K, LEAD_WORDS, FULL_ROWS, LEAD_ROWS)
MAGIC = b"newsgrep-reprints\n"
#: A dump in frames (:meth:`ReprintIndex.parts`, :func:`write_frames`); MAGIC: one marshal.
FRAMED_MAGIC = b"newsgrep-reprints-framed\n"
_FRAME = struct.Struct("<Q")
_EMPTY = 0xFFFFFFFF
_FILLED = 0x80000000

# --- normalisation -------------------------------------------------------------------------

#: Only this much of a body is read (about ``MAX_WORDS`` words): a copy keeps the
#: beginning of its story, and the cost per article stays bounded.
MAX_CHARS = 2400
MAX_WORDS = 300
#: Below this many body words, the title's words are put in front of them.
TITLE_WORDS = 8

_DATELINE = re.compile(
    r"^\s*[A-ZА-ЯЁ][A-ZА-ЯЁ .\-]{1,40},\s*\d{1,2}\s+[а-яё]{3,9}\.?\s*(?:\d{4}\s*)?"
    r"(?:[-–—]\s*[^.\n]{1,40}?\.|/[^/\n]{1,30}/\.?)\s*")  # "– РИА Новости." or "/ТАСС/."
_BOILERPLATE = re.compile(
    r"\W*(?:читайте\s+(?:также|тоже|нас|еще|ещё)|смотрите\s+также|см\.\s+также|"
    r"по\s+теме|подписывайтесь|подписаться|подпишись|подпишитесь|фото|видео|источник|"
    r"иллюстрация|архивное\s+фото|реклама|erid)\b|\W*https?://\S+\W*$",
    re.IGNORECASE)
_URL = re.compile(r"https?://\S+|www\.\S+|\]\([^)]*\)")
_WORD = re.compile(r"[0-9a-zа-я]+")
#: Lines with fewer words than this (photo credits, sub-headings) are dropped
#: unless nothing else is left.
_SHORT_LINE = 4
#: Notices that stand on a line of their own (under ``_NOTICE_WORDS`` words) in many
#: unrelated articles: legal footnotes ("* ИГ — террористическая группировка,
#: запрещенная в России", foreign-agent labels) and subscription calls split over
#: lines. RT pages whose scraped body is only such a notice were grouped as copies.
_NOTICE = re.compile(
    # a footnote: "* ..." or "«Name» (ABBR) — ..." that says banned, extremist, foreign agent
    r"(?:\s*\*(?!\*)|\s*«[^»]{1,60}»\s*(?:\([^)]{1,30}\)\s*)?[-–—])"
    r".*(?:запрещен|экстремист|террорист|иностранн\w*\s+агент|иноагент|нежелательн)|"
    # a call to subscribe
    r".*(?:быть\s+в\s+курсе\s+(?:самых|всех|главных|последних)|нажать\s+кнопку)",
    re.IGNORECASE)
_NOTICE_WORDS = 30

# News agencies and outlets named in attribution phrases, as word tuples; the
# names are dropped wherever they stand, and so is a reporting verb next to one.
_AGENCY_NAMES = (
    "риа новости", "тасс", "интерфакс", "рбк", "rt", "reuters", "рейтер", "afp", "ap",
    "bloomberg", "прайм", "известия", "коммерсант", "коммерсантъ", "ведомости", "lenta ru",
    "лента ру", "газета ru", "regnum", "ura ru", "mash", "shot", "baza", "readovka",
    "агентство", "агентства", "издание", "издания", "телеканал", "телеканала",
)
_AGENCY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _name in _AGENCY_NAMES:
    _AGENCY_FIRST.setdefault(_name.split()[0], []).append(tuple(_name.split()))
_REPORTING = frozenset(
    "сообщает сообщают сообщило сообщил сообщила сообщили передает передают пишет пишут "
    "информирует рассказали ссылкой со на по данным сообщению информации как".split())


def _drop_attribution(ws: list[str]) -> list[str]:
    if _AGENCY_FIRST.keys().isdisjoint(ws):
        return ws
    hits = [i for i, w in enumerate(ws) if w in _AGENCY_FIRST]
    if not hits:
        return ws
    drop: set[int] = set()
    for i in hits:
        for name in _AGENCY_FIRST[ws[i]]:
            if tuple(ws[i:i + len(name)]) == name:
                drop.update(range(i, i + len(name)))
                j = i - 1  # the reporting words before it: "как сообщает", "со ссылкой на"
                while j >= 0 and i - j <= 3 and (ws[j] in _REPORTING or j in drop):
                    drop.add(j)
                    j -= 1
                break
    return [w for i, w in enumerate(ws) if i not in drop] if drop else ws


def _line_words(text: str) -> list[list[str]]:
    out = []
    for line in text.splitlines():
        if not line or line.isspace() or _BOILERPLATE.match(line) or "©" in line:
            continue
        if line.count(";") + line.count("{") >= 3:  # embedded script (RT pages have some)
            continue
        tail = line[-16:].lower()
        if "фото" in tail and tail.rstrip(" .").endswith("фото"):  # "Архивное фото"
            continue
        ws = _WORD.findall(line.lower())
        if len(ws) < _NOTICE_WORDS and _NOTICE.match(line):
            continue
        out.append(ws)
    return out


def words(title: str, body: str) -> list[str]:
    """The normalised words an article's signature is made of.

    The body's first ``MAX_WORDS`` words without boilerplate lines, datelines and
    attribution phrases; lower case, ``ё`` as ``е``, digits kept, everything else a
    separator. The title is used only when the body has fewer than ``TITLE_WORDS``
    words (a headline-only item), since reprints rewrite headlines.
    """
    body = body or ""
    if len(body) > MAX_CHARS:
        body = body[:MAX_CHARS].rsplit(None, 1)[0]
    body = _DATELINE.sub("", body, count=1)
    if "/" in body:
        body = _URL.sub(" ", body)
    lines = _line_words(body.replace("ё", "е").replace("Ё", "Е"))
    long_lines = [ln for ln in lines if len(ln) >= _SHORT_LINE]
    if sum(map(len, long_lines)) >= TITLE_WORDS:
        lines = long_lines
    result = _drop_attribution(list(chain.from_iterable(lines)))[:MAX_WORDS]
    if len(result) < TITLE_WORDS and title:
        head = _WORD.findall(_URL.sub(" ", title[:MAX_CHARS]).lower().replace("ё", "е"))
        if head and result[:len(head)] != head:
            result = head + result
    return result


# --- signatures ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Signature:
    """A near-duplicate signature: ``full`` (``FULL_K`` MinHash bins of the whole
    text), ``lead`` (``LEAD_K`` bins of its first ``LEAD_WORDS`` words) and
    ``words`` (the number of normalised words, capped at 65535)."""

    full: tuple[int, ...]
    lead: tuple[int, ...]
    words: int

    def to_bytes(self) -> bytes:
        """``4 * (FULL_K + LEAD_K) + 2`` bytes, little-endian."""
        return struct.pack(f"<{FULL_K + LEAD_K}IH", *self.full, *self.lead, self.words)

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        """The inverse of :meth:`to_bytes`."""
        values = struct.unpack(f"<{FULL_K + LEAD_K}IH", data)
        return cls(values[:FULL_K], values[FULL_K:FULL_K + LEAD_K], values[-1])

    @property
    def empty(self) -> bool:
        """True for a text with no words: it is nobody's copy."""
        return self.words == 0


SIGNATURE_BYTES = 4 * (FULL_K + LEAD_K) + 2

def _shingles(ws: list[str]) -> list[int]:
    """crc32 of each run of ``SHINGLE`` words in order (a text shorter than that: of
    itself)."""
    if len(ws) < SHINGLE:
        return [crc32(" ".join(ws).encode())] if ws else []
    return [crc32(f"{a} {b} {c}".encode()) for a, b, c in zip(ws, ws[1:], ws[2:])]


def _minhash(shingles: Iterable[int], k: int) -> tuple[int, ...]:
    """One-permutation MinHash with ``k`` (a power of two) bins: bin ``h % k``, value
    ``h // k``, the smallest value in each bin, found walking the sorted hashes
    until every bin is full. An empty bin (a short text) takes the value of the
    next full bin on its right, mixed with the distance and marked by the top bit
    (rotation densification), so two equal sets still agree bin by bin."""
    shift = k.bit_length() - 1
    bins = [_EMPTY] * k
    left = k
    for h in sorted(set(shingles)):
        i = h & (k - 1)
        if bins[i] == _EMPTY:
            bins[i] = h >> shift
            left -= 1
            if not left:
                break
    if left and left < k:
        for i in range(k):
            if bins[i] == _EMPTY:
                j = 1
                while bins[(i + j) % k] == _EMPTY or bins[(i + j) % k] & _FILLED:
                    j += 1
                bins[i] = ((bins[(i + j) % k] + j * 0x9E3779B1) & 0x7FFFFFFF) | _FILLED
    return tuple(bins)


def signature_of_words(ws: list[str]) -> Signature:
    """The signature of already normalised words (see :func:`words`)."""
    hashes = _shingles(ws)
    full = _minhash(hashes, FULL_K)
    # the lead's shingles are the first ones (a text too short to shingle: the same)
    lead = _minhash(hashes[:LEAD_WORDS - SHINGLE + 1] if len(ws) >= SHINGLE else hashes, LEAD_K)
    return Signature(full, lead, min(len(ws), 0xFFFF))


def signature(title: str, body: str) -> Signature:
    """The near-duplicate signature of an article (deterministic across processes)."""
    return signature_of_words(words(title, body))


def full_similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    return sum(map(eq, a.full, b.full)) / FULL_K


def lead_similarity(a: Signature, b: Signature) -> float:
    """Estimated containment of the shorter lead in the longer one (0..1).

    The leads are the first ``LEAD_WORDS`` words, or fewer when a text is
    shorter (a lead-only copy): from the Jaccard estimate ``j`` (the share of
    equal bins) and the two leads' shingle counts ``m <= n``, containment is
    ``j * (m + n) / ((1 + j) * m)``."""
    j = sum(map(eq, a.lead, b.lead)) / LEAD_K
    m, n = sorted(max(1, min(w, LEAD_WORDS) - SHINGLE + 1) for w in (a.words, b.words))
    return min(1.0, j * (m + n) / ((1 + j) * m))


def containment(a: Signature, b: Signature) -> float:
    """Estimated share of the shorter text's shingles found in the longer one (0..1),
    from the whole-text Jaccard estimate and the two texts' sizes (as for the lead)."""
    j = full_similarity(a, b)
    m, n = sorted(max(1, min(w, MAX_WORDS) - SHINGLE + 1) for w in (a.words, b.words))
    return min(1.0, j * (m + n) / ((1 + j) * m))


def similarity(a: Signature, b: Signature) -> float:
    """How much of the shorter article is in the longer one, 0..1 (0 when they are
    not near copies): what ``newsgrep reprints`` shows as the similarity to the lead."""
    return containment(a, b) if similar(a, b) else 0.0


def similar(a: Signature, b: Signature) -> bool:
    """Whether one article is a near copy of the other (symmetric).

    Copies are: texts with nearly the same shingles (``FULL_STRONG``); texts with
    half of them (``FULL_THRESHOLD``) that also begin alike (``LEAD_AGREE``) -- a
    follow-up that re-uses the previous story's paragraphs under its own lead is
    not a copy; and a text whose lead is contained in the other's
    (``LEAD_THRESHOLD``) while most of its words are too (``CONTAINED``) -- a
    lead-only copy, not a story that only shares a template opening.
    """
    if a.empty or b.empty:
        return False
    full = full_similarity(a, b)
    if full >= FULL_STRONG:
        return True
    lead = lead_similarity(a, b)
    if full >= FULL_THRESHOLD and lead >= LEAD_AGREE:
        return True
    if min(a.words, b.words) < LEAD_MIN_WORDS or lead < LEAD_THRESHOLD:
        return False
    # Were the shorter text contained in the longer, the whole-text estimate would
    # be about r = m / n; below CONTAINED * r by more than two standard deviations
    # of the estimate, it is not (a shared template opening, say). For a short
    # copy of a long text r is small and the estimate too noisy to say no.
    m, n = sorted(max(1, min(w, MAX_WORDS) - SHINGLE + 1) for w in (a.words, b.words))
    r = m / n
    return full >= CONTAINED * r - 2 * math.sqrt(r * (1 - r) / FULL_K)


#: The grouping an index dump was made with (version 1 was connected components, no
#: dates; 2 had no SAME_TEXT): a dump made with other settings is grouped again from its
#: signatures.
GROUPING = (3, FULL_STRONG, FULL_THRESHOLD, LEAD_AGREE, CONTAINED, LEAD_THRESHOLD,
            LEAD_MIN_WORDS, WINDOW_DAYS, SAME_TEXT)

# --- the group index -----------------------------------------------------------------------

_SLOT_BITS = 24
_KEY_BITS = 32
_SLOT_MASK = (1 << _SLOT_BITS) - 1
_BUCKET_MASK = (1 << 12) - 1
_BANDS = FULL_K // FULL_ROWS + LEAD_K // LEAD_ROWS  # fits in 64 - 32 - 24 = 8 bits


_PACK_FULL = struct.Struct(f"<{FULL_ROWS}I").pack
_PACK_LEAD = struct.Struct(f"<{LEAD_ROWS}I").pack


def _band_keys(sig: Signature) -> list[int]:
    """One key per LSH band: ``band << 32 | crc32(the band's rows)``, the lead's
    bands only for texts long enough for the lead rule of :func:`similar`."""
    if sig.empty:
        return []
    full = sig.full
    keys = [(b << _KEY_BITS) | crc32(_PACK_FULL(*full[i:i + FULL_ROWS]))
            for b, i in enumerate(range(0, FULL_K, FULL_ROWS))]
    if sig.words >= LEAD_MIN_WORDS:
        lead, b0 = sig.lead, FULL_K // FULL_ROWS
        keys += [((b0 + b) << _KEY_BITS) | crc32(_PACK_LEAD(*lead[i:i + LEAD_ROWS]))
                 for b, i in enumerate(range(0, LEAD_K, LEAD_ROWS))]
    return keys


_WINDOW = WINDOW_DAYS * 86400.0
_NO_DATE = float("nan")


def _when(date: float | datetime | None) -> float:
    """POSIX seconds of a date (naive: UTC), NaN for none."""
    if date is None:
        return _NO_DATE
    if isinstance(date, datetime):
        if date.tzinfo is None:
            date = date.replace(tzinfo=timezone.utc)
        return date.timestamp()
    return float(date)


def near_in_time(a: float, b: float) -> bool:
    """Whether two dates (POSIX seconds, NaN: undated) are within ``WINDOW_DAYS``: an
    undated article is near every date (its text alone decides)."""
    return not abs(a - b) > _WINDOW  # NaN compares False


def linked(a: Signature, when_a: float, b: Signature, when_b: float) -> bool:
    """Whether two articles (signatures, dates as :func:`near_in_time` takes them) go in
    one group: near copies dated within ``WINDOW_DAYS``, or, whatever their dates, the
    same text (whole-text similarity ``>= SAME_TEXT``)."""
    if near_in_time(when_a, when_b):
        return similar(a, b)
    return not (a.empty or b.empty) and full_similarity(a, b) >= SAME_TEXT


def _array(typecode: str, data: Any) -> array:
    """An array of ``data``'s bytes (bytes or a memoryview: ``array(typecode, view)``
    would take a view as a sequence of numbers)."""
    out = array(typecode)
    out.frombytes(data)
    return out


def write_frames(parts: Iterable[Any], write: Callable[[Any], Any]) -> int:
    """Each part (bytes or an array) through ``write`` as its length (8 bytes) and its
    bytes, an array without a copy; the bytes written."""
    n = 0
    for part in parts:
        with memoryview(part) as view:
            size = view.nbytes
        write(_FRAME.pack(size))
        write(part)
        n += _FRAME.size + size
    return n


def read_frames(data: Any, start: int = 0) -> list[memoryview]:
    """The parts :func:`write_frames` wrote, from ``start`` to the end of ``data``, as
    views of it; ``ValueError`` for truncated data."""
    view = memoryview(data)
    out, i, end = [], start, len(view)
    while i < end:
        if i + _FRAME.size > end:
            raise ValueError("truncated reprint data")
        (size,) = _FRAME.unpack_from(view, i)
        i += _FRAME.size
        if size > end - i:
            raise ValueError("truncated reprint data")
        out.append(view[i:i + size])
        i += size
    return out


class ReprintIndex:
    """Reprint groups over a changing set of articles, kept incrementally.

    Articles are identified by any hashable, orderable key (an article id) and may
    carry a date (:meth:`add`). Two articles are *linked* when they are
    :func:`similar` and within ``WINDOW_DAYS`` of each other (an undated one: by
    text alone), or the same text at any dates (:func:`linked`). Groups are not the connected components of that relation, which
    chain (A~B and B~C would put A and C together although they are different
    stories), but a clustering inside each component that depends only on the
    articles present: the articles are taken in *lead order* -- earliest date first
    (undated last), then the longest text, then the smallest key, as
    :func:`choose_lead` picks a lead -- and each joins the group of the earlier
    centre it is linked to with the highest similarity, or becomes the centre of a
    new group. So every member of a group is a near copy of its centre, dated
    within the window of it (or the same text), and the centre is the group's lead. Since the result
    depends only on the set of articles (not on the order of the calls),
    :meth:`add` and :meth:`remove` give the groups a rebuild gives. A new article
    re-clusters only the members of its component that come after it in lead
    order (the earlier ones cannot change); a removal re-clusters the component it
    leaves (split into its new components). Memory: ``SIGNATURE_BYTES`` plus
    ``8 * (number of bands)`` plus 12 (the date and tag) bytes per article, plus the keys,
    components and group lists.
    """

    def __init__(self) -> None:
        self._keys: list[Hashable | None] = []   # slot -> key (None: removed)
        self._values = array("I")                # slot -> FULL_K + LEAD_K bins
        self._words = array("H")                 # slot -> words
        self._dates = array("d")                 # slot -> POSIX seconds (NaN: undated)
        self._tags = array("I")                  # slot -> the caller's number (add's tag)
        self._slot: dict[Hashable, int] = {}
        # band key << 24 | slot, in buckets by the key's low bits: sorted arrays (a
        # removed slot's words stay until compact(); look-ups skip them)
        self._bands = [array("Q") for _ in range(_BUCKET_MASK + 1)]
        self._comp = array("q")                  # slot -> component number
        self._comps: dict[int, list[int]] = {}   # component number -> slots
        self._next_comp = 0
        self._group = array("q")                 # slot -> group number
        self._members: dict[int, list[int]] = {}  # group number -> slots
        self._centres: set[int] = set()          # the slots that are a group's centre
        self._next_group = 0
        #: True for an index loaded from a dump made before dates were kept (its
        #: articles are undated: re-add them with their dates).
        self.undated_dump = False
        #: True for an index grouped again on loading (a dump of another GROUPING): its
        #: keeper should write it whole, or every later load pays the regrouping again.
        self.regrouped = False

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._slot

    def _sig(self, slot: int) -> Signature | None:
        if self._keys[slot] is None:
            return None
        o = slot * (FULL_K + LEAD_K)
        v = self._values
        return Signature(tuple(v[o:o + FULL_K]), tuple(v[o + FULL_K:o + FULL_K + LEAD_K]),
                         self._words[slot])

    def _order(self, slot: int) -> tuple:
        """Lead order: dated before undated, earliest, longest, smallest key."""
        d = self._dates[slot]
        undated = d != d
        return (undated, 0.0 if undated else d, -self._words[slot], self._keys[slot])

    # candidates
    def _slots_of(self, key: int) -> list[int]:
        arr = self._bands[key & _BUCKET_MASK]
        lo = key << _SLOT_BITS
        i = bisect_left(arr, lo)
        j = bisect_left(arr, lo + (1 << _SLOT_BITS), i)
        return [w & _SLOT_MASK for w in arr[i:j]] if j > i else []

    def _neighbours(self, slot: int, sig: Signature, when: float = _NO_DATE,
                    keys: list[int] | None = None, within: set[int] | None = None) -> set[int]:
        """The live slots (other than ``slot``; of ``within`` only, unless None) that
        share a band with ``sig`` and that it is linked to (:func:`similar`, within the
        window of ``when``)."""
        seen: set[int] = {slot}
        out: set[int] = set()
        dates = self._dates
        for key in _band_keys(sig) if keys is None else keys:
            for other in self._slots_of(key):
                if other in seen or (within is not None and other not in within):
                    continue
                seen.add(other)
                osig = self._sig(other)
                if osig is not None and linked(sig, when, osig, dates[other]):
                    out.add(other)
        return out

    def _insert(self, key: int, slot: int) -> None:
        # a memmove within the bucket (about len/4096 of the words): no re-sorting, no
        # buffer of unsorted words to scan on every look-up
        insort(self._bands[key & _BUCKET_MASK], key << _SLOT_BITS | slot)

    def _cluster(self, slots: list[int], start: int | None = None) -> None:
        """Re-cluster one component (``slots``): the members from ``start`` on in lead
        order (all of them when None) leave their groups and each joins the earlier
        centre it is linked to with the highest similarity, or starts a group."""
        order = sorted(slots, key=self._order)
        p = 0 if start is None else order.index(start)
        centres = [s for s in order[:p] if s in self._centres]
        if start is not None:
            # A new article that joins an earlier centre changes no one else's choice
            # (the centres stay the same): the usual case, decided without the tail.
            best = self._best_centre(start, centres)
            if best >= 0:
                g = self._group[best]
                self._members[g].append(start)
                self._group[start] = g
                return
        tail = order[p:]
        tail_set = set(tail)
        for g in {self._group[s] for s in tail if self._group[s] >= 0}:
            keep = [s for s in self._members.pop(g) if s not in tail_set]
            if keep:
                self._members[g] = keep
        self._centres.difference_update(tail)
        sigs = {s: cast(Signature, self._sig(s)) for s in centres}
        dates = self._dates
        for s in tail:
            sig, when = cast(Signature, self._sig(s)), dates[s]
            best, best_sim = -1, -1.0
            for c in centres:
                csig = sigs[c]
                if linked(sig, when, csig, dates[c]):
                    sim = full_similarity(sig, csig)
                    if sim > best_sim:
                        best, best_sim = c, sim
            if best < 0:
                g = self._next_group
                self._next_group += 1
                self._members[g] = [s]
                centres.append(s)
                sigs[s] = sig
                self._centres.add(s)
            else:
                g = self._group[best]
                self._members[g].append(s)
            self._group[s] = g

    def _best_centre(self, slot: int, centres: list[int]) -> int:
        """The centre of ``centres`` that ``slot`` is linked to most closely (the first
        of equals), -1 for none."""
        sig, when, dates = cast(Signature, self._sig(slot)), self._dates[slot], self._dates
        best, best_sim = -1, -1.0
        for c in centres:
            csig = cast(Signature, self._sig(c))
            if linked(sig, when, csig, dates[c]):
                sim = full_similarity(sig, csig)
                if sim > best_sim:
                    best, best_sim = c, sim
        return best

    # changes
    def add(self, key: Hashable, sig: Signature, date: float | datetime | None = None,
            tag: int = 0) -> None:
        """Add an article (replacing one with the same key), dated ``date`` (POSIX
        seconds or a datetime, naive meaning UTC; None: undated), and re-cluster
        the component it links. ``tag``: a number the caller keeps with the article
        (:meth:`tag`; a reprint store's source), 4 bytes instead of a dict entry."""
        if key in self._slot:
            self.remove(key)
        slot = len(self._keys)
        if slot >= 1 << _SLOT_BITS:
            raise OverflowError("too many articles for one reprint index; compact() it")
        when = _when(date)
        self._keys.append(key)
        self._values.extend(sig.full)
        self._values.extend(sig.lead)
        self._words.append(sig.words)
        self._dates.append(when)
        self._tags.append(tag)
        self._slot[key] = slot
        self._group.append(-1)
        keys = _band_keys(sig)
        neighbours = self._neighbours(slot, sig, when, keys)
        for k in keys:
            self._insert(k, slot)
        comps = sorted({self._comp[n] for n in neighbours}, key=lambda c: -len(self._comps[c]))
        if not comps:
            c = self._next_comp
            self._next_comp += 1
            self._comp.append(c)
            self._comps[c] = [slot]
        else:
            c = comps[0]
            self._comp.append(c)
            members = self._comps[c]
            members.append(slot)
            for other in comps[1:]:  # relabel the smaller components
                for s in self._comps.pop(other):
                    self._comp[s] = c
                    members.append(s)
        self._cluster(self._comps[c], slot)

    def remove(self, key: Hashable) -> None:
        """Remove an article; its component is re-clustered (and split if it held it
        together)."""
        slot = self._slot.pop(key)
        g = self._group[slot]
        rest_of_group = [s for s in self._members.pop(g) if s != slot]
        if rest_of_group:
            self._members[g] = rest_of_group
        self._centres.discard(slot)
        self._group[slot] = -1
        c = self._comp[slot]
        rest = [s for s in self._comps.pop(c) if s != slot]
        self._comp[slot] = -1
        self._keys[slot] = None
        # Components of the rest: links never leave a component, so search only it,
        # and test only the links to members not reached yet (a group of n copies: n
        # tests, not n * n).
        todo = set(rest)
        dates = self._dates
        while todo:
            start = todo.pop()
            comp = [start]
            stack = [start]
            while stack and todo:  # (all reached: the rest of the stack is in comp)
                s = stack.pop()
                for n in self._neighbours(s, self._sig(s), dates[s],  # type: ignore[arg-type]
                                          within=todo):
                    todo.discard(n)
                    comp.append(n)
                    stack.append(n)
            nc = self._next_comp
            self._next_comp += 1
            self._comps[nc] = comp
            for s in comp:
                self._comp[s] = nc
            self._cluster(comp)

    def update(self, items: Iterable[tuple]) -> None:
        """:meth:`add` each ``(key, signature)``, ``(key, signature, date)`` or
        ``(key, signature, date, tag)``."""
        for item in items:
            self.add(*item)

    def date(self, key: Hashable) -> float | None:
        """The date an article was added with (POSIX seconds), None if undated."""
        d = self._dates[self._slot[key]]
        return None if d != d else d

    def tag(self, key: Hashable) -> int:
        """The ``tag`` an article was added with."""
        return self._tags[self._slot[key]]

    def set_tag(self, key: Hashable, tag: int) -> None:
        self._tags[self._slot[key]] = tag

    def keys(self) -> Iterator[Hashable]:
        """The keys of the articles held."""
        return iter(self._slot)

    def key(self, key: Hashable) -> Hashable:
        """The key object held for ``key`` (``key`` itself if absent): for sharing it."""
        slot = self._slot.get(key)
        return key if slot is None else self._keys[slot]

    def words(self, key: Hashable) -> int:
        """The words of the text an article was signed from (:attr:`Signature.words`)."""
        return self._words[self._slot[key]]

    def compact(self) -> None:
        """Drop removed articles' slots and band words (same groups, less memory)."""
        # a slot with a key always has a signature (_sig is None only for removed slots)
        items = [(k, cast(Signature, self._sig(s)), self._dates[s], self._tags[s])
                 for s, k in enumerate(self._keys) if k is not None]
        self.__init__()  # type: ignore[misc]
        self.update(items)

    @property
    def removed(self) -> int:
        """Slots held by removed articles (:meth:`compact` frees them)."""
        return len(self._keys) - len(self._slot)

    # storage
    def parts(self) -> list[Any]:
        """The whole state, in parts (bytes or arrays, the arrays themselves: writing
        them copies nothing): signatures, dates, tags, band words, components and
        groups, so that loading needs no re-computation. About ``SIGNATURE_BYTES + 8 *
        bands + 28`` bytes per slot, plus the keys (which must be str or int)."""
        head = marshal.dumps((FORMAT, self._keys, self._next_group, GROUPING, self._next_comp))
        return [head, self._values, self._words, self._group, self._dates,
                self._comp, array("q", sorted(self._centres)), self._tags,
                *self._bands]

    def dumps(self) -> bytes:
        """:meth:`parts` as one blob (:meth:`loads` reads it)."""
        out: list[bytes] = [FRAMED_MAGIC]
        write_frames(self.parts(), out.append)
        return b"".join(out)

    @classmethod
    def loads(cls, data: bytes | list[bytes]) -> ReprintIndex:
        """The index :meth:`dumps` wrote (or, before, one marshal: ``MAGIC``). Raises
        ``ValueError`` for other data or for an index made with other signature settings
        (then rebuild it). A dump made before dates and centres were kept (connected
        components) is re-grouped from its signatures, undated (``undated_dump`` is then
        True). ``data`` may be given in a one-item list, which is emptied: the dump is
        then freed once decoded."""
        if isinstance(data, list):
            data = data.pop()
        if data[:len(FRAMED_MAGIC)] == FRAMED_MAGIC:
            return cls.from_parts(read_frames(data, len(FRAMED_MAGIC)))
        if not data.startswith(MAGIC):
            raise ValueError("not a reprint index")
        try:
            with memoryview(data) as view:
                state = list(marshal.loads(view[len(MAGIC):]))
            del data
        except (EOFError, TypeError, ValueError) as e:
            raise ValueError(f"broken reprint index: {e}") from None
        return cls._from_state(state)

    @classmethod
    def from_parts(cls, parts: list[Any]) -> ReprintIndex:
        """The index of :meth:`parts` (each part bytes-like: read back from frames)."""
        if len(parts) != 8 + _BUCKET_MASK + 1:
            raise ValueError("broken reprint index")
        try:
            fmt, keys, next_group, grouping, next_comp = marshal.loads(parts[0])
        except (EOFError, TypeError, ValueError) as e:
            raise ValueError(f"broken reprint index: {e}") from None
        return cls._from_state([fmt, keys, parts[1], parts[2], parts[3], next_group,
                                list(parts[8:]), (grouping, parts[4], parts[5], next_comp,
                                                  parts[6]), parts[7]])

    @classmethod
    def _from_state(cls, state: list[Any]) -> ReprintIndex:
        """The index of a dump's state: ``[format, keys, values, words, group, next group,
        bands, (grouping, dates, comp, next comp, centres), tags]``, the arrays as bytes
        (each part is dropped from ``state`` once it is an array)."""
        if len(state) < 7:
            raise ValueError("broken reprint index")
        fmt, keys, group, next_group = state[0], state[1], state[4], state[5]
        if fmt != FORMAT:
            raise ValueError("reprint index made with other settings")
        ix = cls()
        ix._keys = keys
        # (each part dropped once it is an array: a one-marshal dump's is then freed)
        ix._values = _array("I", state[2])
        state[2] = None
        ix._words = _array("H", state[3])
        state[3] = None
        bands, state[6] = state[6], None
        ix._bands = []
        for i in range(len(bands)):
            ix._bands.append(_array("Q", bands[i]))
            bands[i] = None
        del bands
        ix._group = _array("q", group)
        if len(ix._bands) != _BUCKET_MASK + 1 or len(ix._group) != len(keys):
            raise ValueError("broken reprint index")
        # (a dump made before tags were kept: every tag 0)
        tags = _array("I", state[8] if len(state) >= 9 else bytes(4 * len(keys)))
        if len(tags) != len(keys):
            raise ValueError("broken reprint index")
        if len(state) < 8 or tuple(state[7][0]) != GROUPING:
            # an older grouping: keep the signatures (and dates), group them again
            old = _array("d", state[7][1]) if len(state) >= 8 else None
            items = [(k, cast(Signature, ix._sig(s)), None if old is None else old[s], tags[s])
                     for s, k in enumerate(keys) if k is not None]
            again = cls()
            again.update(items)
            again.undated_dump = old is None
            again.regrouped = True
            return again
        _, dates, comp, next_comp, centres = state[7]
        del state
        ix._next_group = next_group
        ix._dates = _array("d", dates)
        ix._tags = tags
        ix._comp = _array("q", comp)
        ix._next_comp = next_comp
        ix._centres = set(_array("q", centres))
        if len(ix._dates) != len(keys) or len(ix._comp) != len(keys):
            raise ValueError("broken reprint index")
        for slot, key in enumerate(keys):
            if key is not None:
                ix._slot[key] = slot
                ix._members.setdefault(ix._group[slot], []).append(slot)
                ix._comps.setdefault(ix._comp[slot], []).append(slot)
        return ix

    # questions
    def signature(self, key: Hashable) -> Signature:
        """The signature an article was added with."""
        return self._sig(self._slot[key])  # type: ignore[return-value]

    def group(self, key: Hashable) -> list[Hashable]:
        """The keys of the group of ``key`` (itself included), sorted."""
        g = self._group[self._slot[key]]
        return sorted(self._keys[s] for s in self._members[g])  # type: ignore[type-var]

    def group_id(self, key: Hashable) -> Hashable:
        """A name for the group of ``key`` that does not depend on the order of
        adds: its smallest key."""
        return self.group(key)[0]

    def centre(self, key: Hashable) -> Hashable:
        """The centre of the group of ``key``: the member first in lead order, of which
        every other member is a near copy (the group's lead)."""
        g = self._group[self._slot[key]]
        return self._keys[min(self._members[g], key=self._order)]

    def groups(self) -> list[list[Hashable]]:
        """Every group (singletons too), each sorted, in order of their first key."""
        out = [sorted(self._keys[s] for s in m) for m in self._members.values()]  # type: ignore[type-var]
        return sorted(out)

    def copy_groups(self) -> list[list[Hashable]]:
        """The keys of each group of two or more articles (in no order)."""
        keys = self._keys
        return [[keys[s] for s in m] for m in self._members.values() if len(m) > 1]

    def group_ids(self) -> dict[Hashable, Hashable]:
        """Every key's :meth:`group_id` at once (for writing them beside the index)."""
        out = {}
        for members in self._members.values():
            keys = [self._keys[s] for s in members]
            first = min(keys)  # type: ignore[type-var]
            for k in keys:
                out[k] = first
        return out

    def copies(self, key: Hashable) -> int:
        """How many other articles are in the group of ``key``."""
        return len(self._members[self._group[self._slot[key]]]) - 1

    def candidates(self, sig: Signature, date: float | datetime | None = None) -> list[Hashable]:
        """The keys of the articles present that ``sig`` (dated ``date``) is linked to
        (a look-up, nothing is added)."""
        return sorted(self._keys[s] for s in self._neighbours(-1, sig, _when(date)))  # type: ignore[type-var]


def choose_lead(copies: Iterable[tuple[Hashable, datetime | None, int]]) -> tuple[Hashable, str]:
    """The lead of a group given ``(key, date, words)`` of its members, and why:
    the earliest-dated copy; among equal (or no) dates the longest text (the
    original, not a cut copy); then the smallest key. Undated copies come after
    dated ones."""
    items = list(copies)
    dated = [c for c in items if c[1] is not None]
    pool = dated or items
    if dated:
        first = min(c[1] for c in dated)  # type: ignore[type-var]
        pool = [c for c in dated if c[1] == first]
    best = min(pool, key=lambda c: (-c[2], c[0]))
    if len(pool) == 1:
        return best[0], "earliest"
    if any(c[2] != best[2] for c in pool):
        return best[0], "earliest, longest" if dated else "longest (no dates)"
    return best[0], "earliest, first by id" if dated else "first by id (no dates)"
