"""Sources as a newsroom counts them: the outlet's name, its authors apart.

A source value as files give it often carries more than the outlet: a byline
(«РИА Новости, Анастасия Силкина»), a photo credit («ТАСС, фото: ...»), a
host name (``ria.ru``), another spelling («РИА новости», «RIA Novosti»).

* :func:`split_source` takes the authors (and credits) off a value;
* :func:`source_name` gives a name its one spelling, through :data:`ALIASES`
  and the caller's own aliases (``extra``, or :func:`using_aliases` for a
  whole index run);
* :func:`credited` does both for an :class:`Article` a reader made, keeping
  the value as read in ``source_raw``;
* :func:`dateline` reads the agency dateline that opens a story
  («МОСКВА, 18 окт - РИА Новости, Анастасия Силкина.», «МОСКВА, 5 мая. /ТАСС/.»,
  «Москва. 30 апреля. INTERFAX.RU -»).

Authors are told from other words by their shape (two or three capitalised
words, or initials and a surname) and, for Russian names, by the morphology
dictionary knowing a first name among them: «Sputnik, Казахстан» or
«Комсомольская правда, Новосибирск» are left whole.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from .model import Article

__all__ = ["ALIASES", "Dateline", "alias_table", "credited", "dateline", "is_known", "join_authors",
           "name_key", "source_name", "split_authors", "split_source", "using_aliases"]

#: Canonical name -> other spellings of one outlet (host names, Latin names,
#: old names). Letter case, ё/е, quotes and a ``www.`` do not matter.
ALIASES: dict[str, tuple[str, ...]] = {
    "РИА Новости": ("ria.ru", "RIA Novosti", "RIA", "РИА", "РИА-Новости", "РИА «Новости»",
                    "RIA News", "ria novosti ru"),
    "ТАСС": ("tass.ru", "tass.com", "TASS", "ИТАР-ТАСС", "ITAR-TASS"),
    "Интерфакс": ("interfax.ru", "Interfax", "INTERFAX.RU", "Интерфакс.ру"),
    "RT": ("russian.rt.com", "rt.com", "RT на русском", "Russia Today", "RT Russian"),
    "Sputnik Казахстан": ("ru.sputnik.kz", "sputnik.kz", "Sputnik Kazakhstan"),
    "Sputnik Кыргызстан": ("ru.sputnik.kg", "sputnik.kg", "Sputnik Kyrgyzstan",
                           "Sputnik Киргизия"),
    "Лента.ру": ("lenta.ru", "Lenta", "Lenta.ru", "Лента ру", "Lenta.Ru"),
    "Независимая газета": ("ng.ru", "Nezavisimaya Gazeta"),
    "Газета.Ru": ("gazeta.ru", "Газета.ру", "Gazeta.ru"),
    "Известия": ("iz.ru", "Izvestia", "Izvestiya"),
    "Коммерсантъ": ("kommersant.ru", "Коммерсант", "Kommersant"),
    "Ведомости": ("vedomosti.ru", "Vedomosti"),
    "Медуза": ("meduza.io", "Meduza"),
    "Фонтанка.ру": ("fontanka.ru", "Fontanka", "Фонтанка", "Fontanka.ru"),
    "Комсомольская правда": ("kp.ru", "KP", "КП"),
    "РБК": ("rbc.ru", "RBC", "РосБизнесКонсалтинг"),
    "ПРАЙМ": ("1prime.ru", "Prime", "Прайм", "Агентство ПРАЙМ"),
    "N + 1": ("nplus1.ru", "NPlus1", "N+1"),
    # foreign agencies, for bylines in Latin («Reuters, John Smith»)
    "Reuters": ("Рейтер", "Рейтерс", "reuters.com"),
    "AFP": ("Франс Пресс", "Agence France-Presse", "afp.com"),
    "Associated Press": ("AP", "Ассошиэйтед Пресс", "apnews.com"),
    "Bloomberg": ("Блумберг", "bloomberg.com"),
}

# Longest accepted source name (after the authors are split off), in characters and words:
# a longer «source» in a dateline is the story's first sentence.
MAX_NAME_CHARS = 60
MAX_NAME_WORDS = 6
_MAX_SOURCE_CHARS = 200
_MAX_AUTHORS = 50

_QUOTES = re.compile(r"[«»\"“”„‘’']")
_SPACES = re.compile(r"\s+")
_HOST = re.compile(r"^(?:https?://)?(?:(?:www|m|amp)\.)?((?:[a-z0-9-]+\.)+[a-z]{2,})/?$")


def name_key(name: str) -> str:
    """How source names are compared: letter case, ё/е, quotes, spaces, ``www.`` ignored."""
    s = _SPACES.sub(" ", _QUOTES.sub("", name)).strip(" /.,;:").casefold().replace("ё", "е")
    host = _HOST.match(s)
    return host.group(1) if host else s


def alias_table(extra: Mapping[str, str | Iterable[str]] | None = None) -> dict[str, str]:
    """``{name_key(alias): canonical}`` for ``extra``: canonical name -> its aliases.

    A value may be one alias (a string) or a list of them. The canonical name
    is an alias of itself, so a table entry also fixes its letter case.
    """
    table: dict[str, str] = {}
    for canonical, aliases in (extra or {}).items():
        canonical = " ".join(str(canonical).split())
        if not canonical:
            continue
        if isinstance(aliases, str):
            aliases = (aliases,)
        table[name_key(canonical)] = canonical
        for alias in aliases:
            if str(alias).strip():
                table[name_key(str(alias))] = canonical
    return table


_BUILTIN = alias_table(ALIASES)
# The extra aliases of the current index run (see using_aliases); forked workers inherit them.
_extra: dict[str, str] = {}


@contextmanager
def using_aliases(extra: Mapping[str, str | Iterable[str]] | None) -> Iterator[None]:
    """Within the block, :func:`source_name` also applies ``extra`` (canonical -> aliases).

    For an index run: readers called inside (and worker processes forked
    inside) name sources with the caller's aliases too; they win over
    :data:`ALIASES`.
    """
    global _extra
    previous = _extra
    _extra = alias_table(extra)
    _split.cache_clear()  # what is a known source changes with them
    try:
        yield
    finally:
        _extra = previous
        _split.cache_clear()


def source_name(name: str, extra: Mapping[str, str | Iterable[str]] | None = None) -> str:
    """The one spelling of a source name: «ria.ru», «РИА новости» -> «РИА Новости».

    ``extra`` (canonical -> aliases) is looked up first, then the aliases of
    :func:`using_aliases`, then :data:`ALIASES`; a name in none of them is
    returned with its spaces tidied (a bare host name without ``www.``).
    """
    name = " ".join(name.split()).strip(" ,;/")
    if not name:
        return ""
    key = name_key(name)
    table = alias_table(extra) if extra else _extra
    found = table.get(key) or _extra.get(key) or _BUILTIN.get(key)
    if found:
        # an extra alias may name a built-in canonical name («РИА Новости» -> «РИА»)
        return table.get(name_key(found)) or _extra.get(name_key(found)) or found
    host = _HOST.match(name.lower())
    return host.group(1) if host and name.lower() == name else name


def is_known(name: str) -> bool:
    """Whether ``name`` is a source of :data:`ALIASES` (or of the run's extra aliases)."""
    key = name_key(name)
    return key in _BUILTIN or key in _extra


# --- authors ----------------------------------------------------------------------------

_WORD = r"[A-ZА-ЯЁ][a-zа-яё]+(?:['’][A-Za-zА-Яа-яЁё]+)?(?:-[A-ZА-ЯЁа-яёa-z][a-zа-яё]+)?"
_INITIALS = r"(?:[A-ZА-ЯЁ]\.\s?){1,2}"
_NAME_SHAPE = re.compile(rf"{_WORD}(?:\s+{_WORD}){{1,2}}")
_INITIALS_NAME = re.compile(rf"{_INITIALS}\s?{_WORD}|{_WORD}\s+{_INITIALS}")
_LABEL = re.compile(r"^(?:автор[ыа]?|текст|author|authors|by|корреспондент)\b\s*:?\s*", re.I)
_CREDIT = re.compile(r"^(?:©\s*)?(?:фото|фотография|photo|видео|video|иллюстрация|инфографика|"
                     r"коллаж|карта|графика)\b\s*[:©]?", re.I)
_PARTS = re.compile(r"\s*(?:[,;]|\s/\s)\s*")
_AND = re.compile(r"\s+(?:и|and)\s+|\s*&\s*")
_CYRILLIC = re.compile(r"[а-яё]", re.I)

_morph: Any = None  # a pymorphy3 MorphAnalyzer once loaded; False: unavailable


def _first_name_in(words: list[str]) -> bool | None:
    """Whether the dictionary knows one of ``words`` as a first name (None: no dictionary)."""
    global _morph
    if _morph is None:
        try:
            from ..morphology import _load_morph
            _morph = _load_morph()
        except Exception:  # MorphologyUnavailable: a broken environment
            _morph = False
    if _morph is False:
        return None
    # parses are (word, tag, normal form, score, methods) with result_type=None
    return any("Name" in parse[1] for w in words for parse in _morph.parse(w))


@lru_cache(maxsize=8192)
def _is_person(text: str, after_known: bool) -> bool:
    """«Анастасия Силкина», «А. Силкина», «Силкина А.В.»; «John Smith» after a known source."""
    text = text.strip()
    if len(text) > 60:
        return False
    if _INITIALS_NAME.fullmatch(text):
        return True
    if not _NAME_SHAPE.fullmatch(text):
        return False
    words = text.split()
    if not _CYRILLIC.search(text):
        return after_known
    known = _first_name_in(words)
    return after_known if known is None else known


def split_authors(text: str, after_known: bool = False) -> list[str] | None:
    """The persons of «Анастасия Силкина и Юлия Зачетова» (or None: not only persons)."""
    text = _LABEL.sub("", text.strip(), count=1)
    names = [n for n in _AND.split(text.strip()) if n]
    if names and all(_is_person(n, after_known) for n in names):
        return names
    return None


@lru_cache(maxsize=8192)
def _split(value: str) -> tuple[str, tuple[str, ...]]:
    parts = [p for p in _PARTS.split(value) if p]
    if len(parts) < 2:
        return value, ()
    # photo and video credits belong to neither the source nor the story's authors
    kept = [p for p in parts if not _CREDIT.match(p)]
    credits_dropped = len(kept) < len(parts)
    if not kept:
        return "", ()
    first, rest = kept[0], kept[1:]
    authors: list[str] = []
    for part in rest:
        labelled = bool(_LABEL.match(part))
        names = split_authors(part, after_known=is_known(first) or labelled)
        if names is None:
            break
        authors += names
    else:
        if authors or credits_dropped:
            return first, tuple(authors)
    # «Анастасия Силкина, РИА Новости»: the byline before a known source
    if len(kept) >= 2 and is_known(kept[-1]):
        authors = []
        for part in kept[:-1]:
            names = split_authors(part, after_known=True)
            if names is None:
                return value, ()
            authors += names
        return kept[-1], tuple(authors)
    return value, ()


def split_source(value: str) -> tuple[str, list[str]]:
    """``(source, authors)`` of a source value: «РИА Новости, Анастасия Силкина» ->
    («РИА Новости», [«Анастасия Силкина»]).

    Only a value whose other parts are all persons (or credits, which are
    dropped) is split; anything else is one source name, commas and all
    («Библиотека питониста | Python, Django, Flask»).
    """
    value = " ".join(value.split())
    if not value:
        return "", []
    if len(value) > _MAX_SOURCE_CHARS:  # not a source and its byline: a broken cell
        return value, []
    if "," not in value and ";" not in value and " / " not in value:
        if _LABEL.match(value) and (names := split_authors(value)):
            return "", names  # «Автор: Иван Петров» given as the source
        return value, []
    source, authors = _split(value)
    return source, list(authors)


def join_authors(authors: Iterable[str]) -> str:
    """Authors as stored and shown: ``"Анастасия Силкина, Юлия Зачетова"`` (each once)."""
    out: list[str] = []
    for a in authors:
        a = " ".join(a.split()).strip(" ,;")
        if a and a not in out:
            out.append(a)
    return ", ".join(out)


def credited(article: Article) -> Article:
    """``article`` with its source named and its authors apart; the value read in ``source_raw``.

    ``article.source`` is taken as the value the file gave; authors found in
    it are added after those the file named (``article.author``). An article
    that names no source is credited to the host of its URL (``iz.ru`` ->
    «Известия»), as a saved page is.
    """
    raw = " ".join(article.source.split())
    if not article.source_raw:
        article.source_raw = raw
    source, authors = split_source(raw)
    if not source and article.url:
        source = _url_host(article.url)
    if len(source) > _MAX_SOURCE_CHARS:  # a broken CSV cell, not a name
        source = source[:_MAX_SOURCE_CHARS]
    article.source = source_name(source)
    article.author = join_authors([*_split_list(article.author), *authors])
    return article


def _url_host(url: str) -> str:
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:  # «http://[broken»
        return ""
    return host.removeprefix("www.") if "." in host else ""


def _split_list(author: str) -> list[str]:
    """A file's author value as a list: «Иван Петров, Анна Смирнова», «И. Петров и А. Смирнова»."""
    author = " ".join(_LABEL.sub("", author.strip(), count=1).split()) if author else ""
    if not author:
        return []
    parts = [p[:_MAX_SOURCE_CHARS] for p in _PARTS.split(author, maxsplit=_MAX_AUTHORS)[:_MAX_AUTHORS]
             if p and not _CREDIT.match(p)]
    out: list[str] = []
    for part in parts:
        out += split_authors(part, after_known=True) or [part]
    return out


# --- datelines --------------------------------------------------------------------------

_PLACE = r"[A-ZА-ЯЁ][A-ZА-ЯЁ.\-’' ]{1,40}?(?:\s*\([^()\n]{1,40}\))?"
_PLACES = rf"{_PLACE}(?:\s*,\s*{_PLACE})?"
_DATE = r"\d{1,2}\s+[а-яё]{3,9}\.?(?:\s+\d{4}(?:\s+г(?:ода|\.)?)?)?"
# «МОСКВА, 18 окт - РИА Новости.» «АСТАНА, 5 января – Sputnik.» «МОСКВА, 3 декабря/ Радио Sputnik.»
_AGENCY = re.compile(
    rf"^(?P<place>{_PLACES})\s*,\s*(?P<date>{_DATE})\s*(?:[-–—]|/)\s*"
    r"(?P<source>[^.\n]{2,100}?)\.(?=\s|$)")
# «МОСКВА, 5 мая. /ТАСС/.», «БИШКЕК, 5 августа /Новости-Грузия/.»
_TASS = re.compile(
    rf"^(?P<place>{_PLACES})\s*,\s*(?P<date>{_DATE})\s*/(?P<source>[^/\n]{{2,40}})/\.?(?=\s|$)")
# «Москва. 30 апреля. INTERFAX.RU -»
_INTERFAX = re.compile(
    rf"^(?P<place>[А-ЯЁA-Z][\w\-’' ]{{1,40}}?)\.\s+(?P<date>{_DATE})\.\s+"
    r"(?P<source>[A-Z][A-Z\-]{1,20}\.[A-Z]{2,3}|Интерфакс(?:-[А-ЯЁ][\w]+)?)\s*[-–—]\s")
# «ТАСС, 10 августа.»: a known agency in place of the city
_AGENCY_FIRST = re.compile(rf"^(?P<source>[^\W\d_][^,\n]{{1,30}}),\s*(?P<date>{_DATE})\.\s")
# «МОСКВА, 15 окт — РИА Новости Американская ...»: the full stop forgotten
_HEAD = re.compile(rf"^(?P<place>{_PLACES})\s*,\s*(?P<date>{_DATE})\s*(?:[-–—]|/)\s*")


@dataclass
class Dateline:
    """The dateline opening a story: «МОСКВА, 18 окт - РИА Новости, Анастасия Силкина.»"""

    place: str
    date: str      # as written: «18 окт», «5 января 2022»
    source: str    # the value as written: «РИА Новости, Анастасия Силкина»
    end: int       # where the story's text begins


def dateline(text: str) -> Dateline | None:
    """The agency dateline at the start of ``text``, or None.

    The source of a dateline must look like a name once its authors are
    split off (at most :data:`MAX_NAME_WORDS` words): «МОСКВА, 5 мая - Власти
    города заявили о ...» is a story without one.
    """
    head = text[:400]
    if not head or not (head[0].isupper() or head[0].isdigit()):
        return None
    for pattern in (_TASS, _AGENCY, _INTERFAX):
        m = pattern.match(head)
        if m and _looks_like_source(m["source"]):
            return Dateline(m["place"].strip(), m["date"].rstrip(". "), " ".join(m["source"].split()),
                            m.end())
    m = _AGENCY_FIRST.match(head)
    if m and is_known(m["source"]):
        return Dateline("", m["date"], m["source"].strip(), m.end())
    m = _HEAD.match(head)
    if m:
        rest = head[m.end():]
        name = _known_prefix(rest)
        if name:
            return Dateline(m["place"].strip(), m["date"], name, m.end() + len(name))
    return None


def _looks_like_source(value: str) -> bool:
    source, _authors = split_source(value)
    return bool(source) and len(source) <= MAX_NAME_CHARS and len(source.split()) <= MAX_NAME_WORDS


@lru_cache(maxsize=1)
def _spellings() -> tuple[str, ...]:
    names = set(ALIASES)
    for aliases in ALIASES.values():
        names.update(a for a in aliases if "." not in a)
    return tuple(sorted(names, key=len, reverse=True))


def _known_prefix(text: str) -> str:
    """A known source name that ``text`` starts with, followed by a space (or None)."""
    low = text[:40].casefold()
    for name in _spellings():
        n = len(name)
        if low.startswith(name.casefold()) and n < len(text) and text[n].isspace():
            return text[:n]
    return ""
