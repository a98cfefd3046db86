"""The query language: Whoosh's syntax, plus dates, exact forms, fuzzy terms and guards.

On top of Whoosh's words, AND/OR/NOT, (groups), "phrases" and field:
prefixes, newsgrep adds:

* ``date:SPEC`` (also ``дата:``) and ``--since``/``--until``: a day, month,
  year or ISO week, a relative age (``30d``, ``2w``, ``6m``, ``1y``), ``today``
  or ``yesterday``, and ranges of them with ``..`` (open at either end);
* ``=word`` and ``="a phrase"``: the words exactly as written (case and ё
  aside), bypassing morphology, through the form index (see ``forms``);
* ``"a phrase"~N``: the words in order, at most N positions apart;
* ``word*``, ``w?rd``: wildcards over the words as written (the form index);
* ``word~`` and ``word~2``: fuzzy matching of the word's stem;
* ``-word``: the same as ``NOT word``; «guillemets» quote phrases too.

The guards make a query fail fast with a :class:`QueryError` that says what
to change, instead of running for minutes: unbalanced quotes and brackets
are pointed at, a wildcard or fuzzy term may expand to at most
:data:`MAX_EXPANSION` index terms, and a query may hold at most
:data:`MAX_WORDS` words.
"""
from __future__ import annotations

import functools
import re
import time
from calendar import monthrange
from datetime import date, datetime, timedelta

from .errors import NewsgrepError, QueryError
from .schema import FORM_FIELDS, TITLE_BOOST

DEFAULT_FIELDS = ("title", "body")
FORM_PREFIX = "="         # positive_terms: "=body" holds the word forms matched in body
MAX_EXPANSION = 1024      # index terms one wildcard or fuzzy term may stand for
MAX_FUZZY = 2             # the largest edit distance for word~N
MAX_WORDS = 64            # distinct words in one query (Whoosh scores many slowly)
MAX_CHARS = 20_000        # longer queries are refused before parsing
MAX_WORD_CHARS = 256      # Whoosh's parser is quadratic in the length of a word
EXPANSION_SECONDS = 0.5   # time allowed for expanding all wildcards of a query

__all__ = ["parse_query", "date_range", "date_filter", "expand", "check_syntax",
           "phrase_query", "position_groups"]


# ---------------------------------------------------------------- dates

_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})\.(\d{1,2})\.(\d{4})")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})|(\d{1,2})\.(\d{4})")
_YEAR = re.compile(r"\d{4}")
_WEEK = re.compile(r"(\d{4})-?[wW](\d{1,2})")
_AGO = re.compile(r"(\d{1,5})\s*(d|w|m|y|д|н|м|г)", re.IGNORECASE)
_NAMED = {"today": 0, "сегодня": 0, "yesterday": 1, "вчера": 1}
_DATE_HELP = ("a date is 2022, 2022-01, 2022-01-05, 05.01.2022, 2022-W05, an age such as 30d, "
              "2w, 6m, 1y (days, weeks, months, years ago), today or yesterday; "
              "A..B is a range, A.. and ..B are open-ended")


def _period(word: str, now: datetime) -> tuple[datetime, datetime]:
    """The first and last moment of the period one date word names."""
    w = word.strip().lower()
    try:
        if m := _DAY.fullmatch(w):
            y, mo, d = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (
                m.group(6), m.group(5), m.group(4))
            start = datetime(int(y), int(mo), int(d))
            return start, _end(start, days=1)
        if m := _MONTH.fullmatch(w):
            y, mo = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            start = datetime(int(y), int(mo), 1)
            return start, _end(start, days=monthrange(start.year, start.month)[1])
        if _YEAR.fullmatch(w):
            start = datetime(int(w), 1, 1)
            return start, datetime(int(w), 12, 31, 23, 59, 59, 999999)
        if m := _WEEK.fullmatch(w):
            start = datetime.combine(date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1),
                                     datetime.min.time())
            return start, _end(start, days=7)
        if w in _NAMED:
            start = datetime.combine(now.date(), datetime.min.time()) - timedelta(days=_NAMED[w])
            return start, _end(start, days=1)
        if m := _AGO.fullmatch(w):
            n, unit = int(m.group(1)), m.group(2).lower()
            day = now.date()
            if unit in ("d", "д"):
                day -= timedelta(days=n)
            elif unit in ("w", "н"):
                day -= timedelta(weeks=n)
            else:
                months = n * (12 if unit in ("y", "г") else 1)
                y, mo = divmod(day.year * 12 + day.month - 1 - months, 12)
                day = date(y, mo + 1, min(day.day, monthrange(y, mo + 1)[1]))
            start = datetime.combine(day, datetime.min.time())
            return start, _end(start, days=1)
    except (ValueError, OverflowError):
        pass
    raise QueryError(f"{word!r} is not a date: {_DATE_HELP}")


def _end(start: datetime, days: int) -> datetime:
    return start + timedelta(days=days) - timedelta(microseconds=1)


def date_range(spec: str, now: datetime | None = None) -> tuple[datetime | None, datetime | None]:
    """``(first, last)`` moments of a date filter such as ``2022-01..2022-02``; None = open.

    A single date covers its whole period (``2022-01`` is all of January); a
    relative age alone (``30d``) means "since then" (``30d..``).
    """
    now = now or datetime.now()
    spec = spec.strip()
    if ".." in spec:
        a, _, b = spec.partition("..")
        if not a.strip() and not b.strip():
            raise QueryError(f"date range {spec!r} has no ends: {_DATE_HELP}")
        first = _period(a, now)[0] if a.strip() else None
        last = _period(b, now)[1] if b.strip() else None
        if first and last and first > last:
            raise QueryError(f"date range {spec!r} ends before it starts")
        return first, last
    if not spec:
        raise QueryError(f"empty date: {_DATE_HELP}")
    first, last = _period(spec, now)
    if _AGO.fullmatch(spec.lower()):
        return first, None
    return first, last


def date_filter(since: str | None = None, until: str | None = None,
                now: datetime | None = None):
    """A Whoosh query for ``--since``/``--until`` (each a date or age), or None."""
    if not since and not until:
        return None
    first = date_range(since + "..", now)[0] if since else None
    last = date_range(".." + until, now)[1] if until else None
    if first and last and first > last:
        raise QueryError(f"--since {since} is after --until {until}")
    return _date_query(first, last)


def _date_query(first: datetime | None, last: datetime | None):
    from whoosh.query import DateRange

    # Open ends stay open: an undated article has no date term and never matches.
    return DateRange("date", first or datetime(1, 1, 1), last or datetime(9999, 12, 31))


# ---------------------------------------------------------------- syntax checks

def _excerpt(text: str, i: int) -> str:
    """A short piece of the query starting at character ``i``, to point at a problem."""
    piece = text[i:i + 24]
    return piece + ("…" if len(text) > i + 24 else "")


def check_syntax(text: str) -> str:
    """Check quotes and brackets; return the text with «guillemets» as ASCII quotes.

    Raises :class:`QueryError` naming the character where the problem starts.
    """
    if not text.strip():
        raise QueryError("empty query")
    if len(text) > MAX_CHARS:
        raise QueryError(f"the query is {len(text)} characters long; at most {MAX_CHARS} "
                         "(to find articles like a text, use: newsgrep similar FILE)")
    long_word = re.search(r"\S{%d,}" % (MAX_WORD_CHARS + 1), text)
    if long_word:
        raise QueryError(f"the word at character {long_word.start() + 1} is "
                         f"{len(long_word.group())} characters long; at most {MAX_WORD_CHARS}: "
                         f"{_excerpt(text, long_word.start())!r}")
    words = len(set(re.findall(r"\w+", text.casefold())))
    if words > MAX_WORDS:
        raise QueryError(f"the query has {words} words; at most {MAX_WORDS} "
                         "(to find articles like a text, use: newsgrep similar FILE)")
    text = text.replace("«", '"').replace("»", '"')
    opened: list[int] = []
    quote = -1
    for i, c in enumerate(text):
        if c == '"':
            quote = i if quote < 0 else -1
        elif quote >= 0:
            continue
        elif c == "(":
            opened.append(i)
        elif c == ")":
            if not opened:
                raise QueryError(f"the ) at character {i + 1} closes nothing: {_excerpt(text, i)!r}")
            opened.pop()
    if quote >= 0:
        raise QueryError(f"the quote at character {quote + 1} is never closed: "
                         f"{_excerpt(text, quote)!r}")
    if opened:
        i = opened[-1]
        raise QueryError(f"the ( at character {i + 1} is never closed: {_excerpt(text, i)!r}")
    return text


# ---------------------------------------------------------------- the parser

@functools.lru_cache(maxsize=None)
def _plugin_classes():
    """The Whoosh parser plugins newsgrep adds (built once, lazily: whoosh is imported here).

    The date plugin reads "now" from ``parser.newsgrep_now``.
    """
    from whoosh import qparser
    from whoosh.qparser import syntax

    class DateNode(syntax.SyntaxNode):
        has_fieldname = False

        def __init__(self, first, last, original):
            self.first, self.last, self.original = first, last, original

        def r(self):
            return f"date {self.original}"

        def query(self, parser):
            return _date_query(self.first, self.last)

    class DatePlugin(qparser.TaggingPlugin):
        expr = r"(?<![^\s(])(?:date|дата):(?P<spec>[^\s()]*)"
        priority = -10  # before Whoosh's field prefixes

        def create(self, parser, match):
            spec = match.group("spec")
            if not spec:
                raise QueryError(f"date: needs a date, e.g. date:2022-01..2022-02 ({_DATE_HELP})")
            first, last = date_range(spec, parser.newsgrep_now)
            return DateNode(first, last, match.group(0))

    class ExactNode(syntax.TextNode):
        """=word or ="a phrase": the words in these forms (the form index), in title or body."""

        def __init__(self, text, phrase):
            super().__init__(text)
            self.phrase = phrase

        def r(self):
            return f"={self.text!r}"

        def query(self, parser):
            from .analysis import query_forms
            from .forms import FormQuery

            fieldname = self.fieldname or parser.fieldname
            if fieldname not in FORM_FIELDS:
                raise QueryError(f"=word works in title and body, not in {fieldname}:")
            mode = "phrase" if self.phrase else "query"
            forms = query_forms(self.text, mode)
            if not forms:
                return None
            # The documents with the forms are among those with the forms' terms,
            # which rank them: the word's term(s), or the phrase of the words' terms.
            groups = position_groups(parser.schema[fieldname].analyzer, self.text, mode)
            if len(forms) > 1:
                inner = phrase_query(fieldname, groups, boost=self.boost)
            else:
                inner = any_term(fieldname, [t for g in groups for t in g], self.boost)
            return syntax.attach(FormQuery(fieldname, forms, inner, all_forms=True), self)

    class ExactPlugin(qparser.TaggingPlugin):
        # At the start of a word, after a field name, or after the «-» of NOT.
        expr = (r'(?:(?<![^\s(:])|(?<=(?<![^\s(])-))'
                r'=(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s()"*?~^]+)(?=[\s()"~^]|$))')
        priority = -5

        def create(self, parser, match):
            if match.group("phrase") is not None:
                return ExactNode(match.group("phrase"), True)
            return ExactNode(match.group("word"), False)

    class PhraseNode(qparser.PhrasePlugin.PhraseNode):
        """A phrase analysed in "phrase" mode: hyphenated words become their parts."""

        def query(self, parser):
            fieldname = self.fieldname or parser.fieldname
            words, ranges = [], []
            field_ = parser.schema[fieldname] if parser.schema and fieldname in parser.schema else None
            if field_ is not None and field_.analyzer:
                words = position_groups(field_.analyzer, self.text, "phrase", ranges=ranges)
                ranges = [(self.textstartchar + s, self.textstartchar + e) for s, e in ranges]
            else:
                words = [(w,) for w in self.text.split()]
                ranges = [(None, None)] * len(words)
            q = phrase_query(fieldname, words, slop=self.slop, boost=self.boost,
                             char_ranges=ranges)
            return syntax.attach(q, self)

    class PhrasePlugin(qparser.PhrasePlugin):
        class PhraseTagger(qparser.PhrasePlugin.PhraseTagger):
            def create(self, parser, match):
                slop = match.group("slop")
                return PhraseNode(match.group("text"), match.start("text"),
                                  int(slop) if slop else 1)

        def taggers(self, parser):
            return [(self.PhraseTagger(self.expr), 0)]

    class FuzzyTermPlugin(qparser.FuzzyTermPlugin):
        def create(self, parser, match):
            node = super().create(parser, match)
            if node.maxdist > MAX_FUZZY:
                word = re.search(r"\S*$", match.string[:match.start()]).group()
                raise QueryError(f"{word + match.group(0)!r}: at most {MAX_FUZZY} differences "
                                 f"(word~1 or word~{MAX_FUZZY}); more would match almost "
                                 "any word")
            return node

    class Parser(qparser.QueryParser):
        """Whoosh's parser, searching ``fieldnames`` (as its MultifieldParser does)."""

        def __init__(self, fieldnames, schema, fieldboosts=None, **kwargs):
            super().__init__(None, schema, **kwargs)
            self.add_plugin(qparser.MultifieldPlugin(fieldnames, fieldboosts=fieldboosts))

        def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True,
                       removestops=True):
            from whoosh import query
            # A word with several terms at one position (an ambiguous word in
            # lemma mode) stands for any of them; Whoosh would AND them.
            field_ = self.schema[fieldname] if self.schema and fieldname in self.schema else None
            analyzer = field_.analyzer if field_ is not None else None
            if tokenize and termclass is query.Term and getattr(analyzer, "morphology", "") == "lemma":
                groups = position_groups(analyzer, text, "query", removestops=removestops)
                if any(len(g) > 1 for g in groups):
                    subs = [any_term(fieldname, g, boost) for g in groups]
                    if len(subs) == 1:
                        return subs[0]
                    spec = field_.multitoken_query.lower()
                    if spec == "phrase":
                        return phrase_query(fieldname, groups, boost=boost)
                    if spec == "first":
                        return subs[0]
                    return (query.Or if spec == "or" else
                            query.And if spec == "and" else self.group.qclass)(subs)
            return super().term_query(fieldname, text, termclass, boost=boost,
                                      tokenize=tokenize, removestops=removestops)

    return DatePlugin, ExactPlugin, PhrasePlugin, FuzzyTermPlugin, Parser


def any_term(fieldname: str, texts, boost: float = 1.0):
    """A Term of ``fieldname`` for one text; an OR of Terms for several."""
    from whoosh import query

    terms = [query.Term(fieldname, t, boost=boost) for t in texts]
    return terms[0] if len(terms) == 1 else query.Or(terms)


def position_groups(analyzer, text: str, mode: str, ranges: list | None = None,
                    **kwargs) -> list[tuple[str, ...]]:
    """The terms of ``text``, grouped by position: ``[(term, ...), ...]``.

    One term per position in stem mode; in lemma mode an ambiguous word
    gives a group of its readings. ``ranges``, when given, receives each
    group's ``(startchar, endchar)`` in ``text``.
    """
    groups: list[tuple[str, ...]] = []
    last = None
    for t in analyzer(text, mode=mode, positions=True, chars=ranges is not None, **kwargs):
        if groups and t.pos == last:
            if t.text not in groups[-1]:
                groups[-1] += (t.text,)
            continue
        last = t.pos
        groups.append((t.text,))
        if ranges is not None:
            ranges.append((t.startchar, t.endchar))
    return groups


def phrase_query(fieldname: str, groups: list[tuple[str, ...]], *, slop: int = 1,
                 boost: float = 1.0, char_ranges=None):
    """A phrase of ``groups`` (the terms of each position, see :func:`position_groups`).

    Whoosh's Phrase when each position has one term; otherwise a phrase
    whose positions may match any of their terms (:func:`_alt_phrase_class`).
    """
    from whoosh import query

    if all(len(g) == 1 for g in groups):
        return query.Phrase(fieldname, [g[0] for g in groups], slop=slop, boost=boost,
                            char_ranges=char_ranges)
    return _alt_phrase_class()(fieldname, [g if len(g) > 1 else g[0] for g in groups],
                               slop=slop, boost=boost, char_ranges=char_ranges)


@functools.lru_cache(maxsize=None)
def _alt_phrase_class():
    """A Phrase whose words may be tuples of alternative terms (ambiguous words).

    It matches as Whoosh's Phrase does (a SpanNear2 of the positions, in
    order, each within ``slop`` of the previous one), with each position of
    alternatives a union of their postings, which carries the positions of
    all of them.
    """
    from whoosh import matching, query
    from whoosh.matching import binary
    from whoosh.query import SpanNear2
    from whoosh.query.qcore import QueryError as WhooshQueryError
    from whoosh.util import make_binary_tree

    def alternatives(word):
        return word if isinstance(word, tuple) else (word,)

    class AltPhrase(query.Phrase):
        def __str__(self):
            return '%s:"%s"' % (self.fieldname, " ".join(
                "(%s)" % "|".join(w) if isinstance(w, tuple) else w for w in self.words))

        def __hash__(self):
            return super().__hash__()

        def terms(self, phrases=False):
            if phrases and self.field():
                for word in self.words:
                    for w in alternatives(word):
                        yield (self.field(), w)

        def normalize(self):
            if not self.words:
                return query.NullQuery
            if len(self.words) == 1:
                q = any_term(self.fieldname, alternatives(self.words[0]))
                if self.char_ranges:
                    q.startchar, q.endchar = self.char_ranges[0]
                return q
            return self.__class__(self.fieldname, list(self.words), slop=self.slop,
                                  boost=self.boost, char_ranges=self.char_ranges)

        def replace(self, fieldname, oldtext, newtext):
            return self

        def _and_query(self):
            return query.And([any_term(self.fieldname, alternatives(word))
                              for word in self.words])

        def matcher(self, searcher, context=None):
            fieldname = self.fieldname
            if fieldname not in searcher.schema:
                return matching.NullMatcher()
            field_ = searcher.schema[fieldname]
            if not field_.format or not field_.format.supports("positions"):
                raise WhooshQueryError("Phrase search: %r field has no positions" % fieldname)
            reader = searcher.reader()
            subs = []
            for word in self.words:
                terms = []
                for w in alternatives(word):
                    try:
                        btext = field_.to_bytes(w)
                    except ValueError:
                        continue
                    if (fieldname, btext) in reader:
                        terms.append(query.Term(fieldname, btext))
                if not terms:
                    return matching.NullMatcher()
                subs.append(terms)
            ms = []
            for terms in subs:
                tms = [t.matcher(searcher, context) for t in terms]
                ms.append(tms[0] if len(tms) == 1 else make_binary_tree(binary.UnionMatcher, tms))
            m = SpanNear2.SpanNear2Matcher(ms, slop=self.slop, ordered=True, mindist=1)
            if self.boost != 1.0:
                m = matching.WrappingMatcher(m, boost=self.boost)
            return m

    AltPhrase.__module__ = __name__
    AltPhrase.__qualname__ = "AltPhrase"
    return AltPhrase


# Replaced by spaces (keeping character positions): «=» before a wildcard (wildcards
# run over word forms anyway; «-=» becomes « -») and «?» ending a word (a question,
# not a wildcard).
_PUNCTUATION_MARKS = re.compile(
    r'(?:(?<![^\s(:])|(?<![^\s(])-)=(?=[^\s()"]*[*?])|(?<=\w)\?+(?=[\s)"]|$)')


_AUTHOR_FIELD = re.compile(r"(?<![\w.])author:(?=\S)")


def _blank(m: re.Match) -> str:
    mark = m.group()
    return " -" if mark == "-=" else " " * len(mark)


def parse_query(text: str, schema, *, now: datetime | None = None):
    """Parse a query string in newsgrep's query language into a Whoosh query.

    Raises :class:`QueryError` for a query that cannot be parsed, has no
    searchable words, or would match everything (``*``).
    """
    from whoosh import qparser, query

    if schema is not None and "author" not in schema and _AUTHOR_FIELD.search(text):
        # Whoosh would read «author:Петров» as the words «author» and «Петров»
        from .schema import NO_AUTHORS
        raise QueryError(NO_AUTHORS)
    text = _PUNCTUATION_MARKS.sub(_blank, check_syntax(text))
    *plugins, parser_class = _plugin_classes()
    parser = parser_class(
        list(DEFAULT_FIELDS), schema, fieldboosts={"title": TITLE_BOOST},
        group=qparser.AndGroup)
    for plugin in (qparser.PhrasePlugin, qparser.RangePlugin, qparser.EveryPlugin,
                   qparser.OperatorsPlugin):
        parser.remove_plugin_class(plugin)
    # «-word» is NOT word; a hyphen inside a word (Ростов-на-Дону) is not.
    parser.add_plugin(qparser.OperatorsPlugin(
        Not=r"(^|(?<=(\s|[()])))(NOT(?=\s)|-(?=[^\s\-]))", AndMaybe=None, Require=None))
    parser.add_plugins([cls() for cls in plugins])
    parser.newsgrep_now = now or datetime.now()
    try:
        q = parser.parse(text)
    except NewsgrepError:  # QueryError, and lemma mode's MorphologyMismatch/Unavailable
        raise
    except RecursionError:
        raise QueryError("the query is nested too deeply") from None
    except Exception as e:  # Whoosh's parser raises assorted errors on odd input
        raise QueryError(f"cannot parse the query: {e}") from None
    q = _rewrite(q, schema)
    if q is None or q is query.NullQuery:
        raise QueryError("the query has no searchable words")
    _check(q, text)
    return q


def _rewrite(q, schema):
    """Stem fuzzy terms (wildcards stay as typed: :func:`expand` runs them over word forms)."""
    from whoosh import query

    def fix(node):
        if isinstance(node, query.FuzzyTerm) and schema is not None and node.fieldname in schema:
            words = [t.text for t in schema[node.fieldname].analyzer(node.text, mode="query")]
            if words:
                node = node.copy()
                node.text = words[0]
            return node
        return node.apply(fix)

    return fix(q.normalize())


def _check(q, text: str) -> None:
    from whoosh import query

    words = 0
    for node in q.leaves():
        if isinstance(node, query.Every) or (
                isinstance(node, query.Wildcard) and not node.text.strip("*?")):
            raise QueryError(f"{text.strip()[:40]!r} would match every article; add words, or "
                             "use a date filter alone (date:2022-01) to list articles by date")
        if isinstance(node, query.Prefix) and not node.text:
            raise QueryError("a wildcard needs at least one letter before the *")
        if isinstance(node, query.Phrase):
            words += len(node.words)
        elif not isinstance(node, query.NumericRange):
            words += 1
    # Each word is looked up in both title and body.
    words //= len(DEFAULT_FIELDS) if words > 1 else 1
    if words > MAX_WORDS:
        raise QueryError(f"the query has {words} words; at most {MAX_WORDS} "
                         "(to find articles like a text, use: newsgrep similar FILE)")


# ---------------------------------------------------------------- expansion guard
# Whoosh walks its term dictionary in Python (tens of microseconds a term) and
# its fuzzy matching (terms_within) takes seconds on a large vocabulary. The
# expansions here cost a bounded number of lookups or a bounded scan instead.

MAX_SCAN = 50_000   # index terms a wildcard or ~2 may look at
MAX_FUZZY_WORD = 32  # longer words get no fuzzy matching (an automaton grows with the word)
_ALPHABETS = ("абвгдежзийклмнопрстуфхцчшщъыьэюя", "abcdefghijklmnopqrstuvwxyz", "0123456789")


def _edits1(word: str, keep: int = 0) -> set[str]:
    """Every string one edit (delete, swap, replace, insert) from ``word``, its first ``keep``
    characters untouched, in the alphabet of its letters."""
    letters = "".join(a for a in _ALPHABETS if any(c in a for c in word)) or _ALPHABETS[0]
    head, w = word[:keep], word[keep:]
    splits = [(w[:i], w[i:]) for i in range(len(w) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in letters}
    out |= {a + c + b for a, b in splits for c in letters}
    out.discard(w)
    return {head + e for e in out if head + e}


def near_terms(reader, fieldname: str, text: str, maxdist: int, prefix: int = 0) -> list[str]:
    """Terms of ``fieldname`` within ``maxdist`` edits of ``text`` (its first ``prefix``
    characters kept), nearest first.

    One edit: every string one edit away is looked up (a few hundred lookups).
    Two edits: the terms sharing the first ``max(prefix, 2)`` characters are
    scanned, at most :data:`MAX_SCAN` of them, else :class:`QueryError`.
    """
    if not text or len(text) > MAX_FUZZY_WORD:
        return []
    itself = [text] if (fieldname, text) in reader else []
    if maxdist <= 0:
        return itself
    if maxdist == 1:
        found = [t for t in _edits1(text, prefix) if (fieldname, t) in reader]
        return itself + sorted(found, key=lambda t: (distance(text, t), t))
    keep = max(prefix, 2)
    found = []
    for i, btext in enumerate(reader.expand_prefix(fieldname, text[:keep])):
        if i >= MAX_SCAN:
            raise QueryError(f"{text + '~' + str(maxdist)!r} has too many words to compare "
                             "with; use ~1 or a longer word")
        term = btext.decode("utf-8")
        if abs(len(term) - len(text)) <= maxdist and term != text:
            d = distance(text, term, maxdist)
            if d <= maxdist:
                found.append((d, term))
    return itself + [t for _, t in sorted(found)]


def distance(a: str, b: str, limit: int | None = None) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one); stops early past ``limit``."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if limit is not None and min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def expand(q, reader, *, limit: int | None = None, seconds: float | None = None):
    """Replace every wildcard and fuzzy term in ``q`` by the index terms it stands for.

    A wildcard in title or body runs over the words as written (the form
    index) and becomes a :class:`~newsgrep.forms.FormQuery` for the forms it
    matches; other wildcards and fuzzy terms run over the field's terms.
    Raises :class:`QueryError` when one of them would stand for more than
    ``limit`` terms (:data:`MAX_EXPANSION`), would scan more than
    :data:`MAX_SCAN` terms of the vocabulary to find them (a pattern that
    starts with a wildcard), or when expanding them all takes longer than
    ``seconds`` (:data:`EXPANSION_SECONDS`, a last resort). The result holds
    only plain terms and word forms, so searching and highlighting it costs no
    further expansion.
    """
    from whoosh import query

    limit = limit or MAX_EXPANSION
    vocabulary = None
    deadline = time.monotonic() + (seconds or EXPANSION_SECONDS)

    def too_many(node):
        return QueryError(f"{_show(node)} matches more than {limit} words; make it more specific")

    def too_broad(node):
        return QueryError(f"{_show(node)} is too broad: it would compare every word of the "
                          "archive; put more letters before the first wildcard")

    def terms_of(node, reader) -> list[str]:
        if isinstance(node, query.FuzzyTerm):
            out = near_terms(reader, node.fieldname, node.text, node.maxdist, node.prefixlength)
            if len(out) > limit:
                raise too_many(node)
            return out
        if isinstance(node, (query.Wildcard, query.Prefix)):
            if isinstance(node, query.Prefix):
                pattern, prefix = None, node.text
            else:
                pattern = re.compile(node._get_pattern())
                prefix = node._find_prefix(node.text)
            source = (reader.expand_prefix(node.fieldname, prefix) if prefix
                      else reader.lexicon(node.fieldname))
            out = []
            for i, btext in enumerate(source):
                if i >= MAX_SCAN or (not i % 1024 and time.monotonic() > deadline):
                    raise too_broad(node)
                text = btext.decode("utf-8")
                if pattern is None or pattern.match(text):
                    if len(out) >= limit:
                        raise too_many(node)
                    out.append(text)
            return out
        out = []
        for i, btext in enumerate(node._btexts(reader)):
            if len(out) >= limit:
                raise too_many(node)
            if not i % 1024 and time.monotonic() > deadline:
                raise too_broad(node)
            out.append(reader.schema[node.fieldname].from_bytes(btext))
        return out

    def fix(node):
        nonlocal vocabulary
        if isinstance(node, query.MultiTerm) and not isinstance(node, query.Variations):
            forms = (isinstance(node, (query.Wildcard, query.Prefix))
                     and node.fieldname in FORM_FIELDS)
            if forms and vocabulary is None:
                from .forms import Vocabulary
                vocabulary = Vocabulary(reader)
            texts = terms_of(node, vocabulary if forms else reader)
            if not texts:
                return query.NullQuery
            if forms:
                return _forms_query(reader.schema, node.fieldname, texts, node.boost)
            if len(texts) > SCORED_EXPANSION:
                return term_set(node.fieldname, texts, node.boost)
            return any_term(node.fieldname, texts, node.boost)
        return node.apply(fix)

    return fix(q).normalize()


def _forms_query(schema, fieldname: str, forms: list[str], boost: float):
    """Documents with any of the word forms ``forms`` in ``fieldname``.

    A few forms are ranked by their stems (BM25, an OR of the stems' terms);
    more by the number of them a document holds (as :func:`term_set`).
    """
    from .forms import FormQuery

    if len(forms) > SCORED_EXPANSION:
        return FormQuery(fieldname, forms, boost=boost)
    analyzer = schema[fieldname].analyzer
    stems = list(dict.fromkeys(t.text for form in forms for t in analyzer(form, mode="query")))
    return FormQuery(fieldname, forms, any_term(fieldname, stems, boost))


SCORED_EXPANSION = 8  # up to this many terms, an expansion is scored as an OR of its terms
_TERM_SET = None


def term_set(fieldname: str, texts: list[str], boost: float = 1.0):
    """A query for any of many terms of one field, at the cost of reading their postings.

    Whoosh scores an OR of hundreds of terms through a tree of matchers, in
    Python, posting by posting: ``прав*`` (439 word forms) took 2.4 s of CPU on
    the 11k corpus. This query unions the terms' postings into one list
    instead (26 ms) and scores a document by ``boost`` times the number of the
    terms it holds, as Lucene rewrites wildcards into constant-score queries.
    """
    global _TERM_SET
    if _TERM_SET is None:
        _TERM_SET = _term_set_class()
    return _TERM_SET(fieldname, texts, boost)


def _term_set_class():
    from collections import Counter

    from whoosh import query
    from whoosh.matching import NullMatcher

    from .forms import WeightedMatcher

    class TermSet(query.Query):
        def __init__(self, fieldname, texts, boost=1.0):
            self.fieldname = fieldname
            self.texts = tuple(texts)
            self.boost = boost

        def __repr__(self):
            return f"TermSet({self.fieldname!r}, <{len(self.texts)} terms>, boost={self.boost})"

        def __str__(self):
            return f"{self.fieldname}:({' OR '.join(self.texts[:5])}{' …' if len(self.texts) > 5 else ''})"

        def __eq__(self, other):
            return (type(other) is type(self) and other.fieldname == self.fieldname
                    and other.texts == self.texts and other.boost == self.boost)

        def __hash__(self):
            return hash((self.fieldname, self.texts, self.boost))

        def is_leaf(self):
            return True

        def field(self):
            return self.fieldname

        def terms(self, phrases=False):
            return ((self.fieldname, t) for t in self.texts)

        def estimate_size(self, ixreader):
            return sum(ixreader.doc_frequency(self.fieldname, t) for t in self.texts)

        def matcher(self, searcher, context=None):
            reader = searcher.reader()
            counts: Counter = Counter()
            for t in self.texts:
                if (self.fieldname, t) in reader:
                    counts.update(reader.postings(self.fieldname, t).all_ids())
            if not counts:
                return NullMatcher()
            ids = sorted(counts)
            return WeightedMatcher(ids, [self.boost * counts[i] for i in ids])

    return TermSet


def _show(node) -> str:
    from whoosh import query

    text = node.text
    if isinstance(node, query.Prefix):
        text += "*"
    elif isinstance(node, query.FuzzyTerm):
        text += "~" if node.maxdist == 1 else f"~{node.maxdist}"
    return repr(text)
