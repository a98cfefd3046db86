"""newsgrep's query language -> SQL over the ``articles`` table, with bound parameters only.

The query text is parsed by newsgrep's own parser (the same plugins, analyser
and guards as the Whoosh engine), and the parsed tree is translated here:

* a word of ``title``/``body`` is a lexeme of the ``tsv`` column with weight A
  (title) or D (body); of ``source``/``author``/``section``/``path`` a lexeme
  of ``meta_tsv`` with weight A/B/C/D; AND/OR/NOT of one column stay inside one
  tsquery (one GIN search), mixed columns become SQL AND/OR/NOT;
* a phrase is ``<->`` between its words; ``"..."~N`` (in order, each word at
  most N positions after the previous, as Whoosh's ``SpanNear``) an OR of
  ``<1>`` .. ``<N>``;
* ``=word`` and wildcards use the word forms (``title_forms``/``body_forms``
  arrays; wildcards expanded through the ``vocabulary`` table, at most
  ``MAX_EXPANSION`` forms); ``word~N`` the vocabulary's terms within N edits;
* ``date:`` is a range on the ``date`` column.

Every value reaches the server as a parameter: a tsquery is sent as text
(each lexeme quoted, quotes doubled, backslashes escaped) and cast with
``::tsquery``, which does not analyse it again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...errors import QueryError

FIELDS = {"title": ("tsv", "A"), "body": ("tsv", "D"), "source": ("meta_tsv", "A"),
          "author": ("meta_tsv", "B"), "section": ("meta_tsv", "C"), "path": ("meta_tsv", "D")}
FORM_COLUMNS = {"title": "title_forms", "body": "body_forms"}
MAX_PHRASE_ALTERNATIVES = 4096  # "a b c"~N is N**2 phrases: past this many, refused
MAX_SCAN = 50_000


def lexeme(term: str, weights: str = "", prefix: bool = False) -> str:
    """A tsquery operand for ``term``, quoted (``'`` doubled, ``\\`` escaped)."""
    text = "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
    if prefix or weights:
        text += ":" + ("*" if prefix else "") + weights
    return text


@dataclass
class TS:
    """A tsquery over one tsvector column."""

    column: str
    query: str


@dataclass
class Pred:
    """A SQL boolean expression and its parameters."""

    sql: str
    params: list = field(default_factory=list)


NOTHING = Pred("FALSE")


def as_pred(x) -> Pred:
    if isinstance(x, Pred):
        return x
    return Pred(f"{x.column} @@ %s::tsquery", [x.query])


class Translator:
    """Translates one parsed query; ``vocabulary(kind, like, limit)`` and ``terms_in(kind,
    words)`` look words up in the archive (for wildcards and fuzzy words)."""

    def __init__(self, lookup):
        self.lookup = lookup
        self.matched: dict[str, set[str]] = {}
        self.rank_terms: dict[str, set[str]] = {}  # weight -> terms, for ranking

    def _note(self, fieldname: str, terms) -> None:
        self.matched.setdefault(fieldname, set()).update(terms)
        if fieldname in ("title", "body"):
            self.rank_terms.setdefault(FIELDS[fieldname][1], set()).update(terms)

    def translate(self, node, negated: bool = False):
        from whoosh import query as Q

        from .parsing import form_query_class

        FormQuery = form_query_class()
        if node is Q.NullQuery or isinstance(node, Q.NullQuery.__class__):
            return NOTHING
        if isinstance(node, Q.AndNot):
            return self._combine("AND", [self.translate(node.a, negated),
                                         self._not(self.translate(node.b, not negated))])
        if isinstance(node, Q.Not):
            return self._not(self.translate(node.query, not negated))
        if isinstance(node, FormQuery):
            return self._forms(node, negated)
        if isinstance(node, (Q.And, Q.Or)):
            op = "AND" if isinstance(node, Q.And) else "OR"
            return self._combine(op, [self.translate(c, negated) for c in node.children()])
        if isinstance(node, Q.Phrase):
            return self._phrase(node, negated)
        if isinstance(node, Q.DateRange) or (isinstance(node, Q.NumericRange)
                                             and node.fieldname == "date"):
            start = getattr(node, "startdate", None)
            end = getattr(node, "enddate", None)
            return Pred("date BETWEEN %s AND %s", [start, end])
        if isinstance(node, Q.FuzzyTerm):
            return self._fuzzy(node, negated)
        if isinstance(node, (Q.Wildcard, Q.Prefix)):
            return self._wildcard(node, negated)
        if isinstance(node, Q.Term):
            return self._term(node.fieldname, node.text, negated)
        raise QueryError(f"the PostgreSQL engine cannot search {node}")

    # -- leaves

    def _term(self, fieldname: str, text, negated: bool):
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        if fieldname in FIELDS:
            if not negated:
                self._note(fieldname, [text])
            column, weight = FIELDS[fieldname]
            return TS(column, lexeme(text, weight))
        if fieldname == "tags":
            return Pred("EXISTS (SELECT 1 FROM unnest(tags) AS t WHERE lower(t) = %s)",
                        [text.lower()])
        if fieldname == "id":
            return Pred("id = %s", [text])
        raise QueryError(f"unknown field {fieldname}:")

    def _alternatives(self, fieldname: str, word, negated: bool) -> str:
        words = word if isinstance(word, tuple) else (word,)
        if not negated:
            self._note(fieldname, words)
        weight = FIELDS[fieldname][1]
        if len(words) == 1:
            return lexeme(words[0], weight)
        return "(" + " | ".join(lexeme(w, weight) for w in words) + ")"

    def _phrase(self, node, negated: bool):
        if node.fieldname not in FIELDS:
            raise QueryError(f"unknown field {node.fieldname}:")
        column = FIELDS[node.fieldname][0]
        words = [self._alternatives(node.fieldname, w, negated) for w in node.words]
        if not words:
            return NOTHING
        slop = max(1, int(node.slop or 1))
        if slop > 1 and slop ** (len(words) - 1) > MAX_PHRASE_ALTERNATIVES:
            raise QueryError(f"the phrase {' '.join(map(str, node.words))!r} with ~{slop} is too "
                             "loose for a PostgreSQL archive; use a smaller ~N or fewer words")
        expr = words[0]
        for w in words[1:]:
            if slop == 1:
                expr = f"({expr} <-> {w})"
            else:
                expr = "(" + " | ".join(f"({expr} <{d}> {w})" for d in range(1, slop + 1)) + ")"
        return TS(column, expr)

    def _forms(self, node, negated: bool):
        column = FORM_COLUMNS.get(node.fieldname)
        if column is None:
            raise QueryError(f"=word works in title and body, not in {node.fieldname}:")
        forms = list(node.forms)
        if not negated:
            self.matched.setdefault("=" + node.fieldname, set()).update(forms)
        pred = Pred(f"{column} {'@>' if node.all_forms else '&&'} %s", [forms])
        if node.inner is None:
            return pred
        # the inner stems rank the forms but are not highlighted (as the Whoosh engine)
        shown = {k: set(v) for k, v in self.matched.items()}
        inner = self.translate(node.inner, negated)
        self.matched = shown
        return self._combine("AND", [inner, pred])

    def _wildcard(self, node, negated: bool):
        from whoosh import query as Q

        text = node.text if isinstance(node, Q.Wildcard) else node.text + "*"
        like = re.sub(r"([%_\\])", r"\\\1", text).replace("*", "%").replace("?", "_")
        if node.fieldname in FORM_COLUMNS:
            from .parsing import limits

            MAX_EXPANSION = limits()[0]
            head = re.split(r"[*?]", text)[0]
            if not head and len(self.lookup("f", "%", MAX_SCAN + 1)) > MAX_SCAN:
                # as the Whoosh engine: a leading wildcard compares every word, so only
                # in a vocabulary of at most MAX_SCAN words
                raise QueryError(f"{text!r} is too broad: it would compare every word of the "
                                 "archive; put more letters before the first wildcard")
            forms = self.lookup("f", like, MAX_EXPANSION + 1)
            if len(forms) > MAX_EXPANSION:
                raise QueryError(f"{text!r} matches more than {MAX_EXPANSION} words; make it "
                                 "more specific")
            if not forms:
                return NOTHING
            if not negated:
                self.matched.setdefault("=" + node.fieldname, set()).update(forms)
            return Pred(f"{FORM_COLUMNS[node.fieldname]} && %s", [forms])
        if node.fieldname in FIELDS and isinstance(node, Q.Prefix):
            column, weight = FIELDS[node.fieldname]
            return TS(column, lexeme(node.text.lower(), weight, prefix=True))
        raise QueryError(f"wildcards work in title and body, not in {node.fieldname}:")

    def _fuzzy(self, node, negated: bool):
        from .parsing import fuzzy_helpers, limits

        MAX_EXPANSION, MAX_FUZZY_WORD = limits()
        _edits1, distance = fuzzy_helpers()

        text, maxdist, keep = node.text, node.maxdist, node.prefixlength
        if node.fieldname not in FIELDS or not text or len(text) > MAX_FUZZY_WORD:
            return NOTHING if node.fieldname in FIELDS else self._term(node.fieldname, text, negated)
        if maxdist <= 1:
            candidates = sorted(_edits1(text, keep) | {text})
            found = self.lookup("t", candidates, None)
        else:
            head = text[:max(keep, 2)]
            like = re.sub(r"([%_\\])", r"\\\1", head) + "%"
            scanned = self.lookup("t", like, MAX_SCAN + 1)
            if len(scanned) > MAX_SCAN:
                raise QueryError(f"{text + '~' + str(maxdist)!r} has too many words to compare "
                                 "with; use ~1 or a longer word")
            found = [t for t in scanned if abs(len(t) - len(text)) <= maxdist
                     and distance(text, t, maxdist) <= maxdist]
        if len(found) > MAX_EXPANSION:
            raise QueryError(f"{text + '~'!r} matches more than {MAX_EXPANSION} words; "
                             "make it more specific")
        if not found:
            return NOTHING
        return self._combine("OR", [self._term(node.fieldname, t, negated) for t in found])

    # -- combining

    @staticmethod
    def _not(x):
        if x is NOTHING:
            return Pred("TRUE")
        if isinstance(x, TS):
            return TS(x.column, f"!({x.query})")
        return Pred(f"NOT ({x.sql})", x.params)

    @staticmethod
    def _combine(op: str, parts: list):
        if op == "AND" and any(p is NOTHING for p in parts):
            return NOTHING
        parts = [p for p in parts if p is not NOTHING]
        if not parts:
            return NOTHING
        joiner = " & " if op == "AND" else " | "
        by_column: dict[str, list[str]] = {}
        preds: list[Pred] = []
        for p in parts:
            if isinstance(p, TS):
                by_column.setdefault(p.column, []).append(p.query)
            else:
                preds.append(p)
        merged = [TS(c, qs[0] if len(qs) == 1 else "(" + joiner.join(qs) + ")")
                  for c, qs in by_column.items()]
        if not preds and len(merged) == 1:
            return merged[0]
        all_parts = [as_pred(p) for p in merged] + preds
        if len(all_parts) == 1:
            return all_parts[0]
        return Pred("(" + f" {op} ".join(p.sql for p in all_parts) + ")",
                    [v for p in all_parts for v in p.params])


def rank_query(rank_terms: dict[str, set[str]]) -> str | None:
    """A tsquery OR-ing every positive title/body term, for ``ts_rank_cd``."""
    lexemes = sorted({lexeme(t, w) for w, ts in rank_terms.items() for t in ts})
    return " | ".join(lexemes) if lexemes else None
