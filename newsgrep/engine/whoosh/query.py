"""The query language as Whoosh queries: Whoosh's parser with newsgrep's plugins and classes.

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

import re
import time
from collections import Counter
from datetime import datetime
from typing import Any

from ...errors import NewsgrepError, QueryError
from ...query.dates import DATE_HELP as _DATE_HELP
from ...query.dates import date_bounds, date_range
from ...query.fuzzy import MAX_FUZZY_WORD, MAX_SCAN, distance, near_terms  # noqa: F401
from ...query.syntax import (DEFAULT_FIELDS, EXPANSION_SECONDS, FORM_PREFIX,  # noqa: F401
                             MAX_EXPANSION, MAX_FUZZY, MAX_WORDS, check_syntax)
from ..base import TITLE_BOOST
from ._whoosh import light_imports
from .schema import FORM_FIELDS

light_imports()
from whoosh import matching, qparser, query  # noqa: E402 -- after light_imports()
from whoosh.matching import NullMatcher, binary  # noqa: E402
from whoosh.qparser import syntax  # noqa: E402
from whoosh.query import DateRange, SpanNear2  # noqa: E402
from whoosh.query.qcore import QueryError as WhooshQueryError  # noqa: E402
from whoosh.util import make_binary_tree  # noqa: E402

from .forms import FormQuery, Vocabulary, WeightedMatcher  # noqa: E402

__all__ = ["parse_query", "date_range", "date_filter", "expand", "check_syntax",
           "phrase_query", "position_groups"]


def _date_query(first: datetime | None, last: datetime | None):
    # Open ends stay open: an undated article has no date term and never matches.
    return DateRange("date", first or datetime(1, 1, 1), last or datetime(9999, 12, 31))


def date_filter(since: str | None = None, until: str | None = None,
                now: datetime | None = None):
    """A Whoosh query for ``--since``/``--until`` (each a date or age), or None."""
    if not since and not until:
        return None
    return _date_query(*date_bounds(since, until, now))


def bounds_filter(first: datetime | None, last: datetime | None):
    """A Whoosh query for resolved date bounds, or None when both are open."""
    if first is None and last is None:
        return None
    return _date_query(first, last)


# ---------------------------------------------------------------- the parser

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
        first, last = date_range(spec, parser.now)
        return DateNode(first, last, match.group(0))

class ExactNode(syntax.TextNode):
    """=word or ="a phrase": the words in these forms (the form index), in title or body."""

    def __init__(self, text, phrase):
        super().__init__(text)
        self.phrase = phrase

    def r(self):
        return f"={self.text!r}"

    def query(self, parser):
        from ...analysis import query_forms

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
        words: list[tuple[str, ...]] = []
        ranges: list[tuple[int | None, int | None]] = []
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
            word = re.search(r"\S*$", match.string[:match.start()]).group()  # type: ignore[union-attr]
            raise QueryError(f"{word + match.group(0)!r}: at most {MAX_FUZZY} differences "
                             f"(word~1 or word~{MAX_FUZZY}); more would match almost "
                             "any word")
        return node

class Parser(qparser.QueryParser):
    """Whoosh's parser, searching ``fieldnames`` (as its MultifieldParser does)."""

    def __init__(self, fieldnames, schema, fieldboosts=None, now=None, **kwargs):
        super().__init__(None, schema, **kwargs)
        self.now = now or datetime.now()  # "today" for the date plugin
        self.add_plugin(qparser.MultifieldPlugin(fieldnames, fieldboosts=fieldboosts))

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True,
                   removestops=True):
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
                spec = field_.multitoken_query.lower()  # type: ignore[union-attr]
                if spec == "phrase":
                    return phrase_query(fieldname, groups, boost=boost)
                if spec == "first":
                    return subs[0]
                return (query.Or if spec == "or" else
                        query.And if spec == "and" else self.group.qclass)(subs)
        return super().term_query(fieldname, text, termclass, boost=boost,
                                  tokenize=tokenize, removestops=removestops)


def any_term(fieldname: str, texts, boost: float = 1.0):
    """A Term of ``fieldname`` for one text; an OR of Terms for several."""
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

    Its positions may match any of their terms (:class:`AltPhrase`); with one term
    each, it matches as Whoosh's Phrase does.
    """
    return AltPhrase(fieldname, [g if len(g) > 1 else g[0] for g in groups],
                     slop=slop, boost=boost, char_ranges=char_ranges)


def alternatives(word):
    return word if isinstance(word, tuple) else (word,)


class AltPhrase(query.Phrase):
    """A Phrase whose words may be tuples of alternative terms (ambiguous words).

    It matches as Whoosh's Phrase does (a SpanNear2 of the positions, in
    order, each within ``slop`` of the previous one), with each position of
    alternatives a union of their postings, which carries the positions of
    all of them.
    """

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
        if self.slop == 1 and all(len(terms) == 1 for terms in subs):
            from .blockphrase import block_phrase

            m = block_phrase(ms, self.boost)  # (words next to each other, one term each)
            if m is not None:
                return m
        return LazyPhraseMatcher(ms, slop=self.slop, boost=self.boost)


class LazyPhraseMatcher(SpanNear2.SpanNear2Matcher):
    """Whoosh's phrase matcher, but the positions of a document are read only when its
    score can still get it into a limited search's best.

    A phrase's score is its words' (the intersection's), whatever their positions,
    so a top-k search (``TopCollector``) that tells this matcher the score a document
    must exceed (``replace`` / ``skip_to_quality``, with what the other parts of the
    query can add already taken off, as Whoosh's unions and intersections pass it
    down) lets it pass over the documents below it without reading their positions:
    their total could not beat the collector's worst, so the results are the same.
    Checking positions is most of a phrase's cost: «"заявил в"» holds two words
    found in most articles. Whoosh's own matcher checks every document that holds
    the words, and moves on a ``skip_to_quality`` without checking the positions
    of the document it lands on. A document below the bar in a block whose best
    possible score is below it too skips the rest of the block («"сообщил в"» at
    1.1M articles: 2.5 -> 0.43 s; Whoosh's collector asks for that only when its
    matcher says it entered a new block, which a phrase never says).

    Words next to each other, one term each, are scored by :mod:`.blockphrase`
    instead; this matcher takes phrases with a slop and ambiguous words (lemma
    mode's alternatives).
    """

    def __init__(self, ms, slop=1, boost=1.0):
        self._minquality = 0.0  # (so the first _find_next, in __init__, reads no boost)
        super().__init__(ms, slop=slop, ordered=True, mindist=1)
        # The boost is applied here, not by a wrapping matcher (Whoosh's passes
        # ``replace`` its threshold unscaled but ``skip_to_quality`` scaled), and set
        # after Whoosh's WrappingMatcher.__init__, which sets it to 1.0.
        self.boost = boost

    def copy(self):
        m = self.__class__([m.copy() for m in self.ms], slop=self.slop, boost=self.boost)
        m._minquality = self._minquality
        return m

    def score(self):
        return self.child.score() * self.boost

    def weight(self):
        return self.child.weight() * self.boost

    def max_quality(self):
        return self.child.max_quality() * self.boost

    def block_quality(self):
        return self.child.block_quality() * self.boost

    def replace(self, minquality=0):
        if not self.is_active():
            return NullMatcher()
        # (only remembered: a replacement must stay where it is, its parent relies on it)
        self._minquality = max(self._minquality, minquality)
        return self

    def skip_to_quality(self, minquality):
        # (not remembered: a parent's bar for this part drops again as its other parts
        # move on to better blocks; ``replace`` passes the bar for good)
        skipped = self.child.skip_to_quality(minquality / self.boost)
        self._find_next()
        return skipped

    def _passes(self) -> bool:
        return not self._minquality or self.score() > self._minquality

    def _find_next(self):
        child = self.child
        r = False
        while child.is_active():
            if self._passes():
                spans = self._get_spans()
                if spans:
                    self._spans = spans
                    return r
            else:
                bar = self._minquality / self.boost
                if child.block_quality() <= bar:  # nor can the rest of the block get in
                    at = child.id()
                    child.skip_to_quality(bar)
                    r = True
                    if not child.is_active() or child.id() != at:
                        continue
            r = child.next() or r
        return True


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
    if schema is not None and "author" not in schema and _AUTHOR_FIELD.search(text):
        # Whoosh would read «author:Петров» as the words «author» and «Петров»
        from ..base import NO_AUTHORS
        raise QueryError(NO_AUTHORS)
    text = _PUNCTUATION_MARKS.sub(_blank, check_syntax(text))
    plugins = (DatePlugin, ExactPlugin, PhrasePlugin, FuzzyTermPlugin)
    parser = Parser(
        list(DEFAULT_FIELDS), schema, fieldboosts={"title": TITLE_BOOST},
        group=qparser.AndGroup, now=now)
    for plugin in (qparser.PhrasePlugin, qparser.RangePlugin, qparser.EveryPlugin,
                   qparser.OperatorsPlugin):
        parser.remove_plugin_class(plugin)
    # «-word» is NOT word; a hyphen inside a word (Ростов-на-Дону) is not.
    parser.add_plugin(qparser.OperatorsPlugin(
        Not=r"(^|(?<=(\s|[()])))(NOT(?=\s)|-(?=[^\s\-]))", AndMaybe=None, Require=None))
    parser.add_plugins([cls() for cls in plugins])
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
    if len(forms) > SCORED_EXPANSION:
        return FormQuery(fieldname, forms, boost=boost)
    analyzer = schema[fieldname].analyzer
    stems = list(dict.fromkeys(t.text for form in forms for t in analyzer(form, mode="query")))
    return FormQuery(fieldname, forms, any_term(fieldname, stems, boost))


SCORED_EXPANSION = 8  # up to this many terms, an expansion is scored as an OR of its terms


def term_set(fieldname: str, texts: list[str], boost: float = 1.0):
    """A query for any of many terms of one field, at the cost of reading their postings.

    Whoosh scores an OR of hundreds of terms through a tree of matchers, in
    Python, posting by posting: ``прав*`` (439 word forms) took 2.4 s of CPU on
    the 11k corpus. This query unions the terms' postings into one list
    instead (26 ms) and scores a document by ``boost`` times the number of the
    terms it holds, as Lucene rewrites wildcards into constant-score queries.
    """
    return TermSet(fieldname, texts, boost)


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


def _show(node) -> str:
    text = node.text
    if isinstance(node, query.Prefix):
        text += "*"
    elif isinstance(node, query.FuzzyTerm):
        text += "~" if node.maxdist == 1 else f"~{node.maxdist}"
    return repr(text)


def source_text(q: Any, text: str) -> str:
    """The part of the query string a parsed clause came from (``without WORD``)."""
    spans = []
    for n in (q, *q.leaves()):
        if getattr(n, "startchar", None) is not None and getattr(n, "endchar", None):
            spans.append((n.startchar, n.endchar))
        for s, e in getattr(n, "char_ranges", None) or ():  # phrases: their words
            if s is not None and e:
                spans.append((s, e))
    if not spans:
        return str(q)
    start, end = min(s for s, _ in spans), max(e for _, e in spans)
    if 0 < start and end < len(text) and text[start - 1] == text[end] == '"':
        start, end = start - 1, end + 1
    return text[start:end]
