"""Russian and numeric date forms -> :class:`~datetime.datetime`.

Three readers of dates written by people and programs:

* :func:`parse_date` -- a string that *is* a date (a ``Date:`` header, the date
  line under a headline, a CSV field);
* :func:`find_date` -- the first date written anywhere in a text (the top lines
  of an article, a photo caption, a news-agency dateline);
* :func:`date_from_url` -- the date in a news URL (``/20231020/``,
  ``/2023/10/20/``, ``/2023-10-20/``);

and :func:`parse_timestamp` for Unix timestamps in dump fields, which is kept
apart because a bare number in a text is far more often not a date.

Forms understood
----------------
* numeric, day first: ``21.02.2022``, ``21/02/2022``, ``1.2.2022``; with a
  two-digit year only as ``DD.MM.YY`` with dots and two-digit day and month
  (``21.02.22``, ``12.01.15, 14:00:51``). The century is fixed, not guessed
  from today: ``00``-``69`` -> 20xx, ``70``-``99`` -> 19xx (the POSIX ``%y``
  rule), so results never depend on when the code runs. Slashes are read day
  first (Russian usage): ``02/03/2022`` is 2 March; an American ``02/21/2022``
  is rejected (month 21), not flipped.
* ISO 8601: ``2022-02-21``, ``2022-02-21T11:10``, ``2022-02-21 11:10:05``,
  fractional seconds, ``Z``, ``+03:00`` / ``+0300`` / ``+03`` offsets.
* words: ``5 января 2022 г.``, ``5 января 2022 года, 14:30``, ``5 янв. 2022``,
  ``18 окт``, ``1-го мая``; month names in any grammatical case and any letter
  case, ``ё`` or ``е``, abbreviations (янв, фев, февр, мар, апр, май/мая, июн,
  июл, авг, сен, сент, окт, ноя, нояб, дек); English ``21 February 2022``,
  ``Feb 21, 2022``, ``Январь 5, 2022`` (month first needs a year), RFC 2822
  ``Mon, 21 Feb 2022 11:10:00 +0600``.
* a time before or after the date: ``11:10 21.02.2022`` (the RIA CSV form),
  ``21.02.2022 в 14:30``, ``14:30:05``, ``2:30 PM``, a trailing zone
  (``+0300``, ``GMT``, ``МСК``).

Policy
------
* **Never invent a date.** ``None`` is better than a wrong date: day and month
  ranges are checked (no 31.02), years outside 1900-2100 are rejected, and a
  date written without a year (``18 окт``) takes ``default_year`` when the
  caller knows it (from the URL, the file's folder, a header) and is otherwise
  not a date at all -- :func:`find_date` then goes on to the next date in the
  text that is complete.
* **Wall-clock time, naive.** The result is a naive datetime at the time as
  written; a zone or offset is checked for form and then dropped, never used to
  convert (``2022-02-21T23:30:00-05:00`` -> 2022-02-21 23:30). Users filter by
  the calendar day printed on the article, and converting to UTC would move
  late-evening articles to the next day.
* Midnight when no time is given. A time that is not a valid time (``25:70``)
  is not read as one.

Speed: the patterns are compiled once. :func:`find_date` makes one pass over
the text: it jumps from digit run to digit run and tries one combined pattern
anchored there, so its cost is linear in the text; callers should still pass
only the top of an article (a few hundred characters). ``bench/dates.py``
measures it on real articles.
"""
from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

__all__ = ["parse_date", "find_date", "date_from_url", "parse_timestamp", "MIN_YEAR", "MAX_YEAR"]

MIN_YEAR = 1900
MAX_YEAR = 2100

# A string longer than this is not "a date" for parse_date (guards the
# fullmatch against pathological inputs; real date strings are < 80 chars).
_MAX_DATE_STRING = 200

# --- month names --------------------------------------------------------------

# Russian: stem + case ending (им. -ь/-й, род. -я, пр. -е, дат. -ю, тв. -ем/-ём;
# март/август: -, -а, -е, -у, -ом) or a customary abbreviation.
_RU_END = r"(?:ь|я|е|ю|[её]м)"
_MONTH_RU = (
    rf"январ{_RU_END}|янв"
    rf"|феврал{_RU_END}|февр?"
    r"|март(?:а|е|у|ом)?|мар"
    rf"|апрел{_RU_END}|апр"
    r"|ма(?:й|я|е|ю|[её]м)"
    rf"|июн{_RU_END}?"
    rf"|июл{_RU_END}?"
    r"|август(?:а|е|у|ом)?|авг"
    rf"|сентябр{_RU_END}|сент?"
    rf"|октябр{_RU_END}|окт"
    rf"|ноябр{_RU_END}|нояб?"
    rf"|декабр{_RU_END}|дек"
)
_MONTH_EN = (
    r"january|jan|february|feb|march|mar|april|apr|may|june|jun|july|jul"
    r"|august|aug|september|sept|sep|october|oct|november|nov|december|dec"
)
# A month word ends at a dot or where the word ends («5 марок» is not March).
_MONTH = rf"(?:{_MONTH_RU}|{_MONTH_EN})(?:\.|(?![а-яёa-z]))"
# Month first («Январь 5, 2022») is a calque of English; only the nominative
# and the abbreviations are read there, so «30 февраля 21 2023» stays garbage.
_MONTH_RU_NOM = (
    r"январь|янв|февраль|февр?|март|мар|апрель|апр|май|июнь|июн|июль|июл"
    r"|август|авг|сентябрь|сент?|октябрь|окт|ноябрь|нояб?|декабрь|дек"
)
_MONTH_NOM = rf"(?:{_MONTH_RU_NOM}|{_MONTH_EN})(?:\.|(?![а-яёa-z]))"

_MONTH_BY_PREFIX = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7, "авг": 8,
    "сен": 9, "окт": 10, "ноя": 11, "дек": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7,
    "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}


def _month_number(word: str) -> int | None:
    # casefold, not lower: re.IGNORECASE lets «ſep» (long s) and «ᲂкт» (rounded о)
    # match, and only casefold brings them back to «sep» and «окт».
    w = word.casefold().replace("ё", "е").rstrip(".")
    if w.startswith("ма") and not w.startswith("мар"):
        return 5  # май, мая, мае, маю, маем
    return _MONTH_BY_PREFIX.get(w[:3])


# --- building blocks ----------------------------------------------------------

def _time(p: str) -> str:
    """HH:MM[:SS[.fff]] [am|pm] [zone]; group names prefixed with ``p``."""
    return (
        rf"(?P<{p}H>[01]?\d|2[0-3]):(?P<{p}M>[0-5]\d)"
        rf"(?::(?P<{p}S>[0-5]\d|60)(?:[.,](?P<{p}F>\d{{1,9}}))?)?(?!\d)"
        rf"(?:\s?(?P<{p}P>[ap])\.?m\.?(?![a-zа-яё]))?"
        # The zone is recognised so it is consumed, and then dropped (see the policy).
        r"(?:Z(?![a-zа-яё])"
        r"|\s?[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?(?![\d:])"
        r"|\s?(?:GMT|UTC|UT)(?:[+-]\d{1,2}(?::?\d{2})?)?(?![a-zа-яё])"
        r"|\s?\(?(?:мск|msk)\)?(?![a-zа-яё]))?"
    )


def _time_after(p: str) -> str:
    """A time following a date: «, 14:30», « в 14:30», « at 2:30 pm»."""
    return rf"(?:(?:\s*,\s*|\s+)(?:(?:в|at)\s+)?{_time(p)})?"


def _time_before(p: str) -> str:
    """A time written before the date: «11:10 21.02.2022», «14:30, 5 мая»."""
    return rf"(?:{_time(p)}\s*,?\s+)?"


_YEAR_WORD = r"(?:\s*г(?:од|ода)?(?![а-яёa-z])\.?)?"  # г. / г / год / года
_ORDINAL = r"(?:-?(?:го|ого|е|ое)|st|nd|rd|th)?"   # 1-го мая, 21st February

# Each alternative is wrapped in a named group so the caller knows which matched.
_ISO = (
    r"(?P<iso>(?<![\d.-])(?P<iY>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
    rf"(?:(?:T|\s+)(?:в\s+)?{_time('it')})?(?![\d])"
    r")"
)
# Day-first forms share one optional leading time («11:10 21.02.2022»), so a
# time is read once per position, not once per form.
_DMY4 = (
    r"(?P<dmy>(?P<nd>\d{1,2})(?P<nsep>[./])(?P<nm>\d{1,2})(?P=nsep)(?P<nY>\d{4})(?!\d|[.,/]\d)"
    + _YEAR_WORD + _time_after("na") + r")"
)
_DMY2 = (
    r"(?P<dmy2>(?P<sd>\d{2})\.(?P<sm>\d{2})\.(?P<sy>\d{2})(?!\d|[.,/]\d)"
    + _YEAR_WORD + _time_after("sa") + r")"
)
_WORDS = (
    rf"(?P<words>(?P<wd>\d{{1,2}}){_ORDINAL}\s*(?P<wmon>{_MONTH})"
    + r"(?:,?\s*(?P<wY>\d{4})(?!\d)" + _YEAR_WORD + r")?"
    + _time_after("wa") + r")"
)
_DAY_FIRST = rf"(?<![\d.,/:-]){_time_before('b')}(?:{_DMY4}|{_DMY2}|{_WORDS})"
# Month first (English «Feb 21, 2022», rare Russian «Январь 5, 2022»): a year is required.
_MONTH_FIRST = (
    rf"(?P<mfirst>(?<![\w])(?P<fmon>{_MONTH_NOM})\s*(?P<fd>\d{{1,2}}){_ORDINAL},?\s+(?P<fY>\d{{4}})(?!\d)"
    + _YEAR_WORD + _time_after("fa") + r")"
)

_CORE = "|".join((_ISO, _DAY_FIRST, _MONTH_FIRST))

# find_date does not run _CORE over every position of the text: a pattern that
# opens with look-behinds and case-insensitive letters gets no fast prefix scan
# from the regex engine, which then sets up a match attempt at every character
# (~1,400-3,500 articles/s over 500 chars). Every form but «Feb 21, 2022» begins with
# a digit, so the scan jumps from digit run to digit run (done in C) and tries
# the combined pattern anchored there (10-20x faster, same results).
_AT_DIGITS = re.compile(f"{_ISO}|{_DAY_FIRST}", re.IGNORECASE)
_DIGIT_RUN = re.compile(r"\d+")
# Month first: the month word must end right before the digit run.
_MONTH_FIRST_AT = re.compile(_MONTH_FIRST, re.IGNORECASE)
_MONTH_BEFORE = re.compile(rf"(?<![\w])(?:{_MONTH_NOM})\s*$", re.IGNORECASE)
_MONTH_LOOKBACK = 14  # «september.» and a few spaces fit

_WEEKDAY = (
    r"(?:понедельник|вторник|сред[ауы]|четверг|пятниц[ауы]|суббот[ауы]|воскресенье"
    r"|пн|вт|ср|чт|пт|сб|вс"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\.?(?![\w])"
)
_NOISE = r"[\s\W_]*"
_PARSE = re.compile(
    rf"{_NOISE}(?:{_WEEKDAY}{_NOISE})?(?:{_CORE}){_NOISE}(?:{_WEEKDAY}{_NOISE})?",
    re.IGNORECASE,
)

# URL forms: /20231020/, /2023/10/20/ (a whole path segment, or the start of
# one), /2023-10-20/ (also /slug-2023-10-20.html, ?date=2023-10-20).
_URL_END = r"(?=[/_.?#&-]|$)"
_URL = re.compile(
    rf"(?<=[/=])(?P<cY>(?:19|20|21)\d\d)(?P<cm>\d\d)(?P<cd>\d\d){_URL_END}"
    rf"|(?<=/)(?P<sY>(?:19|20|21)\d\d)/(?P<sm>\d\d?)/(?P<sd>\d\d?){_URL_END}"
    rf"|(?<=[/=_-])(?P<hY>(?:19|20|21)\d\d)-(?P<hm>\d\d)-(?P<hd>\d\d){_URL_END}"
)


# --- assembling the result ----------------------------------------------------

def _make(year: int | None, month: int | None, day: int, m: re.Match | None = None,
          tp: tuple[str, ...] = ()) -> datetime | None:
    """A checked datetime, with the time from the first of the prefixes ``tp`` that matched."""
    if year is None or month is None or not MIN_YEAR <= year <= MAX_YEAR:
        return None
    hour = minute = second = micro = 0
    if m is not None:
        for p in tp:
            h = m.group(p + "H")
            if h is None:
                continue
            hour, minute = int(h), int(m.group(p + "M"))
            s = m.group(p + "S")
            second = min(int(s), 59) if s else 0  # a leap second is kept in its minute
            f = m.group(p + "F")
            micro = int(f[:6].ljust(6, "0")) if f else 0
            ampm = m.group(p + "P")
            if ampm:
                if not 1 <= hour <= 12:
                    return None
                hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
            break
    try:
        return datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        return None


def _from_match(m: re.Match, default_year: int | None) -> datetime | None:
    # Each form is one named group around the whole form, so it closes last.
    kind, g = m.lastgroup, m.group
    if kind == "iso":
        return _make(int(g("iY")), int(g("im")), int(g("id")), m, ("it",))
    if kind == "dmy":
        return _make(int(g("nY")), int(g("nm")), int(g("nd")), m, ("b", "na"))
    if kind == "dmy2":
        yy = int(g("sy"))
        return _make(yy + (2000 if yy < 70 else 1900), int(g("sm")), int(g("sd")), m, ("b", "sa"))
    if kind == "words":
        # No year written and none known: None, never an invented year.
        year = int(g("wY")) if g("wY") else default_year
        return _make(year, _month_number(g("wmon")), int(g("wd")), m, ("b", "wa"))
    if kind == "mfirst":
        return _make(int(g("fY")), _month_number(g("fmon")), int(g("fd")), m, ("fa",))
    return None


# --- public API ---------------------------------------------------------------

def parse_date(text: str, *, default_year: int | None = None) -> datetime | None:
    """Parse a string that is a date; ``None`` when it is not one.

    Surrounding whitespace and punctuation, «г.»/«года», a weekday name
    («понедельник, 21 февраля 2022», «Mon, 21 Feb 2022 ...») and a time are
    allowed; anything else around the date makes the string not a date.
    ``default_year`` is used only when no year is written (``18 окт``).
    """
    if not text or len(text) > _MAX_DATE_STRING:
        return None
    m = _PARSE.fullmatch(text)
    return _from_match(m, default_year) if m else None


def find_date(text: str, *, default_year: int | None = None) -> datetime | None:
    """The first date written anywhere in ``text``; ``None`` when there is none.

    A date without a year counts only when ``default_year`` is given;
    otherwise the search goes on to the next complete date. Pass the top of an
    article, not all of it: the scan is linear in the text.
    """
    if not text:
        return None
    for run in _DIGIT_RUN.finditer(text):
        start = run.start()
        # Look back for a month word only where a word ends before the run
        # («Feb 21», «янв. 5»): the search costs more than the rest of the step.
        j = start - 1
        while j >= 0 and text[j].isspace() and start - j < _MONTH_LOOKBACK:
            j -= 1
        if j > 0 and text[j] == ".":
            j -= 1
        if j >= 0 and text[j].isalpha():
            mb = _MONTH_BEFORE.search(text, max(0, start - _MONTH_LOOKBACK), start)
            if mb:
                m = _MONTH_FIRST_AT.match(text, mb.start())
                if m:
                    d = _from_match(m, default_year)
                    if d is not None:
                        return d
        m = _AT_DIGITS.match(text, start)
        if m:
            d = _from_match(m, default_year)
            if d is not None:
                return d
    return None


def date_from_url(url: str) -> datetime | None:
    """The date in a news URL's path or query, at midnight; ``None`` when there is none.

    Forms: ``/20231020/`` (ria.ru), ``/2023/10/20/`` (lenta.ru, gazeta.ru,
    meduza.io), ``/2023-10-20/`` (ng.ru). A year and month without a day
    (``/2023/10/``) is not a date. The host name is never read.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    rest = parts.path
    if not parts.scheme and not parts.netloc and not rest.startswith("/"):
        # «ng.ru/politics/2022-02-21/...»: urlsplit reads a bare host as part
        # of the path; drop it so a host name is never read as a date.
        head, sep, tail = rest.partition("/")
        rest = sep + tail if "." in head else "/" + rest
    if parts.query:
        rest += "?" + parts.query
    for m in _URL.finditer(rest):
        for p in "csh":
            if m.group(p + "Y"):
                d = _make(int(m.group(p + "Y")), int(m.group(p + "m")), int(m.group(p + "d")))
                if d is not None:
                    return d
                break
    return None


_EPOCH = datetime(1970, 1, 1)
_MS_THRESHOLD = 1e11  # 1e11 seconds is the year 5138: anything larger is milliseconds
_NUMBER = re.compile(r"\s*[-+]?\d{1,16}(?:\.\d{1,9})?\s*")  # 16 digits: ms up to year 2100 and more


def parse_timestamp(value: int | float | str | None) -> datetime | None:
    """A Unix timestamp from a dump field -> naive UTC datetime; ``None`` when not one.

    Seconds or milliseconds (told apart by size: a magnitude of 1e11 or more
    is milliseconds), as int, float or a numeric string. A timestamp carries
    no wall clock, so the result is UTC. Only the years 1900-2100 are
    accepted, and ``bool`` is not a number here.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not _NUMBER.fullmatch(value):
            return None
        value = float(value) if "." in value else int(value)
    if not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        seconds = value / 1000 if abs(value) >= _MS_THRESHOLD else value
        # timedelta arithmetic, not utcfromtimestamp: no platform limits, no local zone.
        d = _EPOCH + timedelta(seconds=seconds)
    except OverflowError:
        return None
    return d if MIN_YEAR <= d.year <= MAX_YEAR else None

