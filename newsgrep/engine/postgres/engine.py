"""The PostgreSQL engine: an archive in a database, searched with tsvector/GIN.

See ``schema.sql`` for the tables. Reading connections prefer a standby (a
location with several hosts sends searches to a replica); a writer connects
with ``target_session_attrs=read-write`` (the primary). Each commit of a
writer is one transaction: a writer killed at any point leaves the last
commit, whole. Several writers may index different folders into one archive
at once (each file's rows are replaced under the lock of its ``files`` row).

Ranking: BM25, as the Whoosh engine scores (whoosh.scoring.BM25F, K1 1.2, B 0.75, a
bare word's title term boosted by TITLE_BOOST): per query term and field (title, body),
idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average length)), with Whoosh's
idf log(N / (df + 1)) + 1 of the term in that field (df from the ``term_df`` table, N and
the average lengths from ``totals``: one indexed look-up per query, kept by every
commit, see ``PostgresWriter``). The field lengths are stored per
article (``title_len``, ``body_len``, rounded as Whoosh stores them); a term's frequency
in the title and in the body is read back from ``ts_rank`` of the term alone (see
``_TF``), two calls per term and article, computed in SQL with bound parameters. =word
forms and wildcards score as Whoosh's FormQuery: up to 8 forms by their stems' BM25 in a
field that holds one of the forms, more by the number of the forms a field holds. Equal
scores go in file order (path, place in the file), as Whoosh's index order after one
build. On the 11k corpus the fixed benchmark queries' top-10 sets are the same as the
Whoosh engine's (bench/pg_agreement.py). Scoring every match costs about 15% more than
the one ``ts_rank`` call per term of version 1 for a common word (docs/performance.md).
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timezone
from importlib import resources

from ...errors import IndexCorrupt, IndexNotFound, QueryError
from .connection import connect, explain, psycopg, redact
from .groups import GroupReading, GroupWriter, check_groups
from .translate import NOTHING, Pred, Translator, as_pred, lexeme

SCHEMA_VERSION = 3  # 2: reprint groups (groups.py), title/body lengths for BM25;
                    # 3: stored document frequencies and totals (term_df, totals)
MAX_POSITION = 16383       # PostgreSQL's largest tsvector position
MAX_POSITIONS = 256        # positions kept per lexeme (PostgreSQL keeps no more)
MAX_LEXEME_BYTES = 2046    # longer words are not indexed (PostgreSQL's limit)
WEIGHTS = "{0.5, 0.5, 0.5, 1.0}"  # D (body), C, B, A (title)
BM25_K1, BM25_B = 1.2, 0.75       # as whoosh.scoring.BM25F, the Whoosh engine's weighting
SCORED_EXPANSION = 8              # as engine/whoosh/query.py: more forms are counted, not scored
ZETA2 = 1.64493406685             # sum of 1/j**2, j = 1.. (PostgreSQL's ts_rank divides by it)
# A term's frequency from ts_rank of the term alone (normalization 0): for tf positions
# of weight 1 first (title positions precede body positions), ts_rank is
# (1 + 1/4 + ... + 1/tf**2) / ZETA2, and 1 / (ZETA2 - ZETA2 * rank) - 1/2 rounds to tf
# (to 0 when the term is absent); exact to the 256 positions a tsvector keeps per term.
_TF = "round(1.0 / (%(z)s - %(z)s * ts_rank('{weights}', tsv, %%s::tsquery)) - 0.5)" % {"z": ZETA2}
_COLUMNS = ("id", "path", "key", "title", "body", "lead", "date", "source", "source_raw",
            "author", "section", "url", "tags", "encoding", "format", "size", "mtime_ns",
            "tsv", "meta_tsv", "title_forms", "body_forms", "ord", "title_len", "body_len")
_STORED = ("id", "path", "key", "title", "body", "date", "source", "source_raw", "author",
           "section", "tags", "url", "lead", "encoding", "format")
_NOT_UTF8 = "\uffff"
_FORMS = re.compile(r"\b(?:title|body)_forms (?:&&|@>) ")  # translate.py's form conditions


def _columns(read: str = "all") -> str:
    """The stored columns to select (without the body and lead unless SearchRequest.read
    asks for ``"all"``; the rest is read for ``"id"`` too)."""
    return ", ".join(c if read == "all" or c not in ("body", "lead") else f"'' AS {c}"
                     for c in _STORED)


def _base():
    from .. import base
    return base


def schema_sql() -> str:
    return resources.files(__package__).joinpath("schema.sql").read_text(encoding="utf-8")


# --- values in and out ------------------------------------------------------------------

def db_path(path: str) -> str:
    """A path as stored: itself, or for a name that is not UTF-8, U+FFFF and its bytes' hex."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return _NOT_UTF8 + path.encode("utf-8", "surrogateescape").hex()


def real_path(stored: str) -> str:
    if stored.startswith(_NOT_UTF8):
        return bytes.fromhex(stored[1:]).decode("utf-8", "surrogateescape")
    return stored


def clean(text: str) -> str:
    """Text PostgreSQL can store: no NUL, no lone surrogates."""
    if not text:
        return ""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def tsvector_text(fields: list[tuple[dict[str, list[int]], str]]) -> str:
    """A tsvector literal from ``[(term -> positions, weight), ...]``, each field's
    positions after the previous field's (positions 1-based, capped as PostgreSQL does)."""
    merged: dict[str, list[str]] = {}
    offset = 1
    for postings, weight in fields:
        last = -1
        for term, positions in postings.items():
            if len(term.encode("utf-8", "replace")) > MAX_LEXEME_BYTES or "\x00" in term:
                continue
            lst = merged.setdefault(term, [])
            for p in positions:
                if len(lst) >= MAX_POSITIONS:
                    break
                q = p + offset
                if q > MAX_POSITION:
                    break
                lst.append(f"{q}{weight}")
            last = max(last, positions[-1]) if positions else last
        offset += last + 1
    parts = []
    for term, marks in merged.items():
        quoted = "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
        parts.append(quoted + (":" + ",".join(marks) if marks else ""))
    return " ".join(parts)


class Analyzer:
    """The archive's analyser, as term -> positions maps (the same as the Whoosh engine's)."""

    def __init__(self, morphology: str, signature: str = ""):
        from whoosh.analysis import LowercaseFilter, RegexTokenizer

        from .parsing import parser_schema

        schema = parser_schema(morphology, signature)
        self.text = schema["body"].analyzer
        self.path = RegexTokenizer(r"[^\W_]+") | LowercaseFilter()
        self.fast = getattr(self.text, "postings", None)

    def postings(self, text: str) -> dict[str, list[int]]:
        if not text:
            return {}
        if self.fast is not None:
            return self.fast(text)
        out: dict[str, list[int]] = {}
        for t in self.text(text, positions=True):
            out.setdefault(t.text, []).append(t.pos)
        return out

    def path_postings(self, path: str) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for t in self.path(path, positions=True):
            out.setdefault(t.text, []).append(t.pos)
        return out


def _forms(text: str) -> list[str]:
    from ... import analysis
    return sorted(analysis.word_forms(analysis.words(text))) if text else []


def document_row(doc, analyzer: Analyzer, vocabulary: set, order: int = 0) -> tuple:
    """The ``articles`` row of a Document (see ``_COLUMNS``); adds its words to ``vocabulary``."""
    nfc = unicodedata.normalize
    title, body = clean(nfc("NFC", doc.title)), clean(nfc("NFC", doc.body))
    tp, bp = analyzer.postings(title), analyzer.postings(body)
    source, author, section = clean(doc.source), clean(doc.author), clean(doc.section)
    tf, bf = _forms(title), _forms(body)
    vocabulary.update(("t", t) for t in tp)
    vocabulary.update(("t", t) for t in bp)
    vocabulary.update(("f", f) for f in tf)
    vocabulary.update(("f", f) for f in bf)
    meta = tsvector_text([(analyzer.postings(source), "A"), (analyzer.postings(author), "B"),
                          (analyzer.postings(section), "C"),
                          (analyzer.path_postings(clean(doc.path)), "D")])
    date = doc.date
    if date is not None and date.tzinfo is not None:
        date = date.astimezone(timezone.utc).replace(tzinfo=None)
    return (clean(doc.id), db_path(doc.path), clean(doc.key), title, body, clean(doc.lead), date,
            source, clean(doc.source_raw), author, section, clean(doc.url),
            [clean(t) for t in doc.tags], clean(doc.encoding), clean(doc.format), doc.size,
            doc.mtime_ns, tsvector_text([(tp, "A"), (bp, "D")]), meta,
            [f for f in tf if len(f.encode()) <= MAX_LEXEME_BYTES],
            [f for f in bf if len(f.encode()) <= MAX_LEXEME_BYTES], order,
            stored_length(tp), stored_length(bp))


def stored_length(postings: dict[str, list[int]]) -> int:
    """A field's length in terms as the Whoosh engine stores it (one byte, to about 6%)."""
    from whoosh.util.numeric import byte_to_length, length_to_byte

    n = sum(len(p) for p in postings.values())
    return byte_to_length(length_to_byte(n)) if n else 0


# --- the engine -------------------------------------------------------------------------

class PostgresEngine(GroupReading):
    """An archive in a PostgreSQL database (``location``: a ``postgresql://`` URL)."""

    def __init__(self, location: str, *, create: bool = False):
        # what is shown (stats, messages): never the password; _dsn is what connects
        self.location = self.where = redact(location)
        self._dsn = location
        self._conn = None
        self._meta: dict[str, str] | None = None
        self._create = create
        self._analyzer: Analyzer | None = None
        self._idf: dict[str, float] = {}
        self._lengths: tuple[int, float, float] | None = None
        meta = self._read_meta()
        if meta is None and not create:
            raise IndexNotFound(f"no newsgrep archive in {self.where} (build one with: "
                                f"newsgrep index PATH... --index {self.where})")

    # -- plumbing

    @property
    def conn(self):
        if self._conn is None:
            self._conn = connect(self._dsn)
        return self._conn

    def _run(self, sql: str, params=(), doing: str = "cannot search"):
        pg = psycopg()
        try:
            if _FORMS.search(sql):
                # a word-form condition (=word, wildcards): the planner costs a sequential
                # scan of the form arrays without their detoasting (at 11k articles 2.5 s
                # against 12 ms through the GIN indexes: docs/performance.md), so this
                # query's transaction takes the indexes (a query with no index to use
                # still scans)
                self.conn.execute("SET LOCAL enable_seqscan = off")
            cur = self.conn.execute(sql, params)
            rows = cur.fetchall() if cur.description else []
            self.conn.rollback()  # a reader holds no transaction open between queries
            return rows
        except pg.Error as e:
            self._drop()
            raise explain(e, self._dsn, doing) from None

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:
                pass
            self._conn = None

    def _read_meta(self) -> dict[str, str] | None:
        pg = psycopg()
        try:
            rows = self.conn.execute("SELECT key, value FROM newsgrep_meta").fetchall()
            self.conn.rollback()
        except pg.errors.UndefinedTable:
            self._drop()
            return None
        except pg.Error as e:
            self._drop()
            raise explain(e, self._dsn, "cannot open the archive") from None
        meta = dict(rows)
        version = meta.get("schema_version")
        if version != str(SCHEMA_VERSION):
            raise IndexCorrupt(f"the archive in {self.where} has schema version {version}, this "
                               f"newsgrep reads version {SCHEMA_VERSION} (rebuild it in a new "
                               "database, or use the newsgrep that built it)")
        self._meta = meta
        return meta

    def _meta_value(self, key: str, default: str = "") -> str:
        if self._meta is None:
            if self._read_meta() is None:
                raise IndexNotFound(f"no newsgrep archive in {self.where} (build one with: "
                                    f"newsgrep index PATH... --index {self.where})")
        return (self._meta or {}).get(key, default)

    @property
    def morphology(self) -> str:
        return self._meta_value("morphology", "stem") or "stem"

    @property
    def signature(self) -> str:
        return self._meta_value("morphology_signature")

    def analyzer(self) -> Analyzer:
        if self._analyzer is None:
            self._analyzer = Analyzer(self.morphology, self.signature)
        return self._analyzer

    def close(self) -> None:
        self._drop()

    def exists(self) -> bool:
        return self._meta is not None or self._read_meta() is not None

    def doc_count(self) -> int:
        return self._total()

    def index_paths(self, paths, **options):
        """Index ``paths`` (none: the recorded roots); see :mod:`.indexer`."""
        from .indexer import index_paths

        return index_paths(self, paths, **options)

    def info(self):
        base = _base()
        roots = json.loads(self._meta_value("roots", "[]") or "[]")
        return base.EngineInfo(
            location=self.where, morphology=self.morphology,
            morphology_signature=self.signature, roots=roots,
            excludes=json.loads(self._meta_value("excludes", "[]") or "[]"),
            includes=json.loads(self._meta_value("includes", "[]") or "[]"),
            created=self._meta_value("created"), updated=self._meta_value("updated"),
            has_authors=True)

    # -- writing

    def file_states(self) -> dict:
        base = _base()
        if self._meta is None and self._read_meta() is None:
            return {}
        rows = self._run("SELECT path, size, mtime_ns, hash FROM files", doing="cannot read")
        return {real_path(p): base.FileState(real_path(p), s, m, h) for p, s, m, h in rows}

    def writer(self, *, morphology: str = "stem", signature: str = "", rebuild: bool = False,
               wait: bool = False) -> PostgresWriter:
        return PostgresWriter(self, morphology, signature, rebuild)

    def documents_of(self, path: str) -> list:
        """The stored documents of the file at ``path`` (to re-add them under a new state)."""
        base = _base()
        cols = ", ".join(_STORED) + ", size, mtime_ns"
        out = []
        for r in self._run(f"SELECT {cols} FROM articles WHERE path = %s ORDER BY ord",
                           (db_path(path),), doing="cannot read"):
            d = dict(zip((*_STORED, "size", "mtime_ns"), r))
            d["path"] = real_path(d["path"])
            d["tags"] = list(d["tags"] or [])
            out.append(base.Document(**d))
        return out

    def add_roots(self, roots: list[str]) -> None:
        """Add ``roots`` to the archive's recorded roots (several machines add theirs)."""
        pg = psycopg()
        conn = connect(self._dsn, write=True)
        try:
            with conn.transaction():
                conn.execute("INSERT INTO newsgrep_meta (key, value) VALUES ('roots', '[]') "
                             "ON CONFLICT DO NOTHING")
                row = conn.execute("SELECT value FROM newsgrep_meta WHERE key = 'roots' "
                                   "FOR UPDATE").fetchone()
                have = json.loads(row[0] or "[]")
                new = have + [clean(r) for r in roots if clean(r) not in have]
                conn.execute("UPDATE newsgrep_meta SET value = %s WHERE key = 'roots'",
                             (json.dumps(new, ensure_ascii=False),))
        except pg.Error as e:
            raise explain(e, self._dsn, "cannot write") from None
        finally:
            conn.close()
        self._meta = None

    def analyze_tables(self) -> None:
        """Refresh the planner's statistics of the archive's tables (after a big load)."""
        pg = psycopg()
        conn = connect(self._dsn, write=True)
        try:
            conn.execute("ANALYZE articles, vocabulary, files")
            conn.commit()
        except pg.Error as e:
            raise explain(e, self._dsn, "cannot analyze") from None
        finally:
            conn.close()

    def set_info(self, **values) -> None:
        """Record ``roots``/``excludes``/``includes`` (lists) in the archive's metadata."""
        with PostgresWriter(self, self.morphology, self.signature, False) as w:
            for k, v in values.items():
                w.set_meta(k, json.dumps(v, ensure_ascii=False))
            w.commit()

    # -- queries

    def _translate(self, spec, *, required_dates: bool = True):
        from .parsing import parse

        tree = parse(spec.text.replace("\x00", " "), self.morphology, self.signature, spec.now)
        tr = Translator(self._lookup)
        where = tr.translate(tree)
        preds = [as_pred(where)] if where is not NOTHING else [NOTHING]
        if spec.start is not None or spec.end is not None:
            preds.append(Pred("date BETWEEN %s AND %s",
                              [spec.start or datetime(1, 1, 1), spec.end or datetime(9999, 12, 31)]))
        return tree, tr, Pred(" AND ".join(p.sql for p in preds),
                              [v for p in preds for v in p.params])

    def _lookup(self, kind: str, what, limit: int | None) -> list[str]:
        if isinstance(what, list):
            rows = self._run("SELECT word FROM vocabulary WHERE kind = %s AND word = ANY(%s)",
                             (kind, what))
            return sorted(r[0] for r in rows)
        rows = self._run("SELECT word FROM vocabulary WHERE kind = %s AND word LIKE %s "
                         "ORDER BY word LIMIT %s", (kind, what, limit))
        return [r[0] for r in rows]

    def _total(self) -> int:
        return self._run("SELECT count(*) FROM articles")[0][0]

    def _collection(self) -> tuple[int, float, float]:
        """The article count and the average title and body lengths (once per engine),
        from the ``totals`` row the writers keep."""
        if self._lengths is None:
            rows = self._run("SELECT articles, title_len, body_len FROM totals WHERE id = 1")
            n, title, body = rows[0] if rows else (0, 0, 0)
            n = max(1, n)
            self._lengths = (n, float(title) / n or 1.0, float(body) / n or 1.0)
        return self._lengths

    def _term_df(self, terms: Iterable[str]) -> dict[str, tuple[int, int]]:
        """The title and body document frequencies of ``terms`` (one look-up of ``term_df``)."""
        rows = self._run("SELECT term, title, body FROM term_df WHERE term = ANY(%s)",
                         (sorted(set(terms)),))
        return {t: (a, d) for t, a, d in rows}

    def _field_idf(self, weight: str, term: str) -> float:
        """Whoosh's idf of ``term`` in the title (weight A) or body (D): log(N/(df+1)) + 1,
        from the stored document frequencies (cached per engine; :meth:`_prefetch_idf`
        reads a query's terms in one look-up)."""
        idf = self._idf.get(weight + term)
        if idf is None:
            self._prefetch_idf([term])
            idf = self._idf[weight + term]
        return idf

    def _prefetch_idf(self, terms: Iterable[str]) -> None:
        wanted = [t for t in terms if "A" + t not in self._idf]
        if not wanted:
            return
        n = self._collection()[0]
        found = self._term_df(wanted)
        for t in wanted:
            title, body = found.get(t, (0, 0))
            self._idf["A" + t] = math.log(n / (title + 1)) + 1
            self._idf["D" + t] = math.log(n / (body + 1)) + 1

    def _score_sql(self, tr: Translator) -> Pred:
        """BM25 as the Whoosh engine's BM25F scores (see the module's docstring): a scalar
        subquery over the row's ``tsv``, ``title_len``, ``body_len`` and word forms."""
        from ..base import TITLE_BOOST

        fields = {"A": ("title", "title_len", "title_forms"), "D": ("body", "body_len", "body_forms")}
        ranked = {w: set(tr.rank_terms.get(w, ())) for w in fields}
        # =forms and wildcards, per field: scored only where that field holds one of the
        # forms, by the forms' stems (a few forms) or by how many of the forms it holds
        forms = {w: sorted(tr.matched.get("=" + name, ())) for w, (name, *_) in fields.items()}
        stems: dict[str, list[str]] = {}
        for w, fs in forms.items():
            analyzer = self.analyzer().text
            stems[w] = sorted({t.text for f in fs for t in analyzer(f, mode="query")})
            ranked[w] -= set(stems[w])
            if len(fs) > SCORED_EXPANSION:
                stems[w] = []
        both = ranked["A"] & ranked["D"]  # bare words: title and body, the title boosted
        form_boost = TITLE_BOOST if forms["A"] and forms["A"] == forms["D"] else 1.0
        terms = sorted(set().union(*ranked.values(), *stems.values()))[:32]
        _, avg_title, avg_body = self._collection()
        self._prefetch_idf(terms)

        def bm25(weight: str, t: str, boost: float) -> tuple[str, list]:
            i = terms.index(t)
            if weight == "A":
                tf, length, avg = f"a{i}", "title_len", avg_title
            else:
                tf, length, avg = f"(n{i} - a{i})", "body_len", avg_body
            return (f"%s * {tf} * {BM25_K1 + 1} / ({tf} + {BM25_K1} * "
                    f"({1 - BM25_B} + {BM25_B} * {length} / %s))",
                    [boost * self._field_idf(weight, t), avg])

        parts, params = [], []
        for w, (_, _, column) in fields.items():
            boost = TITLE_BOOST if w == "A" else 1.0
            for t in sorted(ranked[w]):
                if t in terms:
                    sql, ps = bm25(w, t, boost if t in both else 1.0)
                    parts.append(sql)
                    params += ps
            if not forms[w]:
                continue
            if not stems[w]:  # many forms: boost times the number of them the field holds
                parts.append(f"%s * (SELECT count(*) FROM unnest({column}) f "
                             "WHERE f = ANY(%s::text[]))")
                params += [form_boost if w == "A" else 1.0, forms[w]]
                continue
            gated = [bm25(w, t, form_boost if w == "A" else 1.0) for t in stems[w] if t in terms]
            if gated:
                parts.append(f"(CASE WHEN {column} && %s::text[] THEN "
                             f"{' + '.join(g for g, _ in gated)} ELSE 0 END)")
                params += [forms[w], *[v for _, ps in gated for v in ps]]
        if not parts:
            return Pred("0.0")
        # per term: its title frequency and its title + body frequency, each read back
        # from ts_rank of the term alone (see _TF)
        tfs, tf_params = [], []
        for i, t in enumerate(terms):
            q = lexeme(t)
            tfs.append(f"{_TF.format(weights='{0,0,0,1}')} AS a{i}, "
                       f"{_TF.format(weights='{1,1,1,1}')} AS n{i}")
            tf_params += [q, q]
        return Pred(f"(SELECT {' + '.join(parts)} FROM (SELECT {', '.join(tfs)} OFFSET 0) tf)",
                    [*params, *tf_params])

    def count(self, query) -> int:
        _, _, where = self._translate(query)
        return self._run(f"SELECT count(*) FROM articles WHERE {where.sql}", where.params)[0][0]

    def search(self, request):
        base = _base()
        tree, tr, where = self._translate(request.query)
        score = self._score_sql(tr)
        order = {"relevance": "score DESC, path, ord, id",  # ties in index order, as Whoosh
                 "newest": "date DESC NULLS LAST, score DESC, id",
                 "oldest": "date ASC NULLS LAST, score DESC, id"}.get(request.sort)
        if order is None:
            raise QueryError(f"unknown sort {request.sort!r}; use one of: relevance, newest, oldest")
        exclude = sorted(request.exclude_ids)
        cols = _columns(request.read)
        sql = (f"SELECT {cols}, {score.sql} AS score FROM articles WHERE {where.sql} "
               "AND NOT (id = ANY(%s)) ORDER BY " + order + " LIMIT %s")
        rows = self._run(sql, [*score.params, *where.params, exclude, request.limit])
        hits = [base.EngineHit(self._stored(r), float(r[-1] or 0.0)) for r in rows]
        if request.partial and request.limit and len(hits) < request.limit:
            hits += self._partial(tree, request, score, order, exclude + [h.article.id for h in hits],
                                  request.limit - len(hits))
        return base.SearchOutcome(hits=hits, understood=str(tree), matched=tr.matched)

    def _partial(self, tree, request, score, order, exclude, limit):
        """Articles matching some of a top-level AND's parts (see SearchRequest.partial)."""
        from whoosh import query as Q

        from .parsing import source_text

        base = _base()
        if not isinstance(tree, Q.And):
            return []
        clauses = [c for c in tree.children() if not isinstance(c, Q.Not)
                   and not isinstance(c, (Q.DateRange, Q.NumericRange))]
        required = [c for c in tree.children() if c not in clauses]
        if len(clauses) < 2:
            return []
        tr = Translator(self._lookup)
        loose = [as_pred(tr.translate(c)) if tr.translate(c) is not NOTHING else Pred("FALSE")
                 for c in clauses]
        must = [as_pred(tr.translate(c)) for c in required]
        spec = request.query
        if spec.start is not None or spec.end is not None:
            must.append(Pred("date BETWEEN %s AND %s",
                             [spec.start or datetime(1, 1, 1), spec.end or datetime(9999, 12, 31)]))
        where = "(" + " OR ".join(p.sql for p in loose) + ")"
        params = [v for p in loose for v in p.params]
        for p in must:
            where += f" AND {p.sql}"
            params += p.params
        flags = ", ".join(f"({p.sql}) AS c{i}" for i, p in enumerate(loose))
        flag_params = [v for p in loose for v in p.params]
        cols = _columns(request.read)
        sql = (f"SELECT {cols}, {score.sql} AS score, {flags} FROM articles WHERE {where} "
               f"AND NOT (id = ANY(%s)) ORDER BY {order} LIMIT %s")
        rows = self._run(sql, [*score.params, *flag_params, *params, exclude, limit])
        out = []
        n = len(_STORED)
        for r in rows:
            missing = [source_text(c, spec.text) for c, ok in zip(clauses, r[n + 1:]) if not ok]
            out.append(base.EngineHit(self._stored(r), float(r[n] or 0.0), partial=True,
                                      missing=missing))
        return out

    def _stored(self, r):
        base = _base()
        d = dict(zip(_STORED, r))
        d["path"] = real_path(d["path"])
        d["tags"] = list(d["tags"] or [])
        return base.StoredArticle(**d)

    def search_terms(self, weighted, *, limit, query, exclude_ids, story=None, read="all"):
        """More-like-this: articles with any of the weighted terms, scored by their weights
        (``story`` not used: the archive collapses copies)."""
        base = _base()
        if not weighted:
            return base.SearchOutcome(hits=[], understood="", matched={})
        top = max(t.weight for t in weighted) or 1.0
        parts, params = [], []
        for t in weighted:
            parts.append(f"%s * ts_rank('{WEIGHTS}', tsv, %s::tsquery, 1)")
            params += [t.weight / top, lexeme(t.term)]
        anyq = " | ".join(lexeme(t.term) for t in weighted)
        where = "tsv @@ %s::tsquery"
        wparams: list[object] = [anyq]
        if query.start is not None or query.end is not None:
            where += " AND date BETWEEN %s AND %s"
            wparams += [query.start or datetime(1, 1, 1), query.end or datetime(9999, 12, 31)]
        cols = _columns(read)
        rows = self._run(f"SELECT {cols}, {' + '.join(parts)} AS score FROM articles WHERE {where} "
                         "AND NOT (id = ANY(%s)) ORDER BY score DESC, id LIMIT %s",
                         [*params, *wparams, sorted(exclude_ids), limit])
        terms = {t.term for t in weighted}
        return base.SearchOutcome(hits=[base.EngineHit(self._stored(r), float(r[-1])) for r in rows],
                                  understood=anyq, matched={"title": terms, "body": set(terms)})

    def word_frequency(self, word: str, exact: bool = False):
        if exact:
            from ...analysis import query_forms

            forms = query_forms(word)
            if not forms:
                return None
            return min(self._run("SELECT count(*) FROM articles WHERE title_forms @> %s OR "
                                 "body_forms @> %s", ([f], [f]))[0][0] for f in forms)
        groups: list[list[str]] = []
        last = None
        for t in self.analyzer().text(word, mode="query", positions=True):
            if groups and t.pos == last:
                groups[-1].append(t.text)
            else:
                groups.append([t.text])
            last = t.pos
        if not groups:
            return None
        return min(self._run("SELECT count(*) FROM articles WHERE tsv @@ %s::tsquery",
                             (" | ".join(lexeme(t) for t in g),))[0][0] for g in groups)

    def has_form(self, field: str, form: str) -> bool:
        return bool(self._run("SELECT 1 FROM vocabulary WHERE kind = 'f' AND word = %s",
                              (form,)))

    def mark(self, text: str, wanted: set[str]) -> list[tuple[int, int]]:
        from ...highlight import Marker

        if getattr(self, "_marker", None) is None:
            if self.morphology == "lemma":
                self._marker = Marker("lemma", self.analyzer().text.lemmatizer(), None)
            else:
                self._marker = Marker("stem")
        return self._marker.spans(text, wanted)

    def group_counts(self, query, by: str) -> dict:
        if by not in ("source", "author", "section"):
            raise QueryError(f"cannot count by {by!r}")
        _, _, where = self._translate(query)
        rows = self._run(f"SELECT NULLIF({by}, ''), count(*) FROM articles WHERE {where.sql} "
                         f"GROUP BY 1", where.params)
        return {k: v for k, v in rows}

    def dates(self, query) -> list:
        _, _, where = self._translate(query)
        return [r[0] for r in self._run(f"SELECT date FROM articles WHERE {where.sql}",
                                        where.params)]

    def matched_terms(self, query) -> dict:
        return self._translate(query)[1].matched

    # -- articles

    def fetch(self, ref) -> list:
        cols = ", ".join(_STORED)
        if ref.id:
            rows = self._run(f"SELECT {cols} FROM articles WHERE id = %s", (ref.id,))
        elif ref.path:
            if ref.key is not None:
                rows = self._run(f"SELECT {cols} FROM articles WHERE path = %s AND key = %s "
                                 "ORDER BY ord", (db_path(ref.path), ref.key))
            else:
                rows = self._run(f"SELECT {cols} FROM articles WHERE path = %s ORDER BY ord",
                                 (db_path(ref.path),))
        else:
            rows = []
        return [self._stored(r) for r in rows]

    def articles(self, ids):
        cols, chunk = ", ".join(_STORED), 1000
        for start in range(0, len(ids), chunk):
            part = list(ids[start:start + chunk])
            rows = self._run(f"SELECT {cols} FROM articles WHERE id = ANY(%s)", (part,))
            found = {r[0]: r for r in rows}
            for i in part:
                yield self._stored(found[i]) if i in found else None

    def ids_with_prefix(self, prefix: str, limit: int) -> list[str]:
        like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return [r[0] for r in self._run("SELECT id FROM articles WHERE id LIKE %s ORDER BY id "
                                        "LIMIT %s", (like, limit))]

    def key_terms(self, text: str, count: int) -> list:
        base = _base()
        postings = self.analyzer().postings(clean(text))
        frequent = sorted(postings.items(), key=lambda kv: -len(kv[1]))[:max(count * 3, 30)]
        n = self._collection()[0]
        dfs = self._term_df(t for t, _ in frequent)
        out = []
        for term, positions in frequent:
            df = dfs.get(term, (0, 0))[1]
            if df:
                out.append(base.TermWeight(term, len(positions) * math.log(1 + n / df)))
        out.sort(key=lambda tw: (-tw.weight, tw.term))
        return out[:count]

    def doc_frequency(self, field: str, term: str) -> int:
        if field in ("title", "body"):
            return self._term_df([term]).get(term, (0, 0))[0 if field == "title" else 1]
        from .translate import FIELDS
        if field in FIELDS:
            column, weight = FIELDS[field]
            return self._run(f"SELECT count(*) FROM articles WHERE {column} @@ %s::tsquery",
                             (lexeme(term, weight),))[0][0]
        return 0

    def form_frequency(self, field: str, form: str) -> int:
        column = {"title": "title_forms", "body": "body_forms"}.get(field)
        if column is None:
            return 0
        return self._run(f"SELECT count(*) FROM articles WHERE {column} @> %s", ([form],))[0][0]

    def near_forms(self, field: str, form: str, maxdist: int, prefix: int = 0) -> list[str]:
        edits1, distance = __import__(__package__ + ".parsing", fromlist=["x"]).fuzzy_helpers()
        if maxdist <= 1:
            found = self._lookup("f", sorted(edits1(form, prefix) | {form}), None)
        else:
            head = form[:max(prefix, 2)]
            like = head.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            scanned = self._lookup("f", like, 50_001)
            if len(scanned) > 50_000:
                raise QueryError(f"{form + '~' + str(maxdist)!r} has too many words to compare "
                                 "with; use ~1 or a longer word")
            found = [w for w in scanned if abs(len(w) - len(form)) <= maxdist
                     and distance(form, w, maxdist) <= maxdist]
        return sorted(found, key=lambda w: (distance(form, w), w))

    def articles_with_form(self, field: str, form: str, limit: int) -> list:
        column = {"title": "title_forms", "body": "body_forms"}.get(field)
        if column is None:
            return []
        cols = ", ".join(_STORED)
        return [self._stored(r) for r in self._run(
            f"SELECT {cols} FROM articles WHERE {column} @> %s LIMIT %s", ([form], limit))]

    def stats(self):
        base = _base()
        n, first, last, undated = self._run(
            "SELECT count(*), min(date), max(date), count(*) FILTER (WHERE date IS NULL) "
            "FROM articles")[0]

        def per(col, missing=None):
            # an empty value counts as ``missing`` ("(none)"), or not at all: as the Whoosh engine
            rows = self._run(f"SELECT {col}, count(*) FROM articles GROUP BY 1 "
                             "ORDER BY 2 DESC, 1")
            return {value or missing: n for value, n in rows if value or missing}

        size = self._run("SELECT pg_total_relation_size('articles') + "
                         "pg_total_relation_size('files') + pg_total_relation_size('vocabulary')")[0][0]
        return base.EngineStats(articles=n, first_date=first, last_date=last, undated=undated,
                                sources=per("source", "(none)"), sections=per("section"),
                                encodings=per("encoding", "(none)"), size_bytes=size)

    def check(self, deep: bool = True) -> list:
        base = _base()
        problems = []
        orphans = self._run("SELECT count(*) FROM articles a WHERE NOT EXISTS "
                            "(SELECT 1 FROM files f WHERE f.path = a.path)")[0][0]
        if orphans:
            problems.append(base.Problem("articles", f"{orphans} articles of no indexed file"))
        problems += [base.Problem(what, why) for what, why in check_groups(self)]
        if deep:  # not after each index run: a recount reads every article's terms
            problems += [base.Problem(what, why) for what, why in self._check_statistics()]
        return problems

    def _check_statistics(self) -> list[tuple[str, str]]:
        """The stored totals and every term's document frequencies against a recount."""
        out = []
        counted = tuple(self._run("SELECT count(*), coalesce(sum(title_len), 0), "
                                  "coalesce(sum(body_len), 0) FROM articles")[0])
        stored = self._run("SELECT articles, title_len, body_len FROM totals WHERE id = 1")
        if not stored or tuple(stored[0]) != counted:
            out.append(("totals", f"stored article count and lengths "
                                  f"{tuple(stored[0]) if stored else None} differ from the "
                                  f"articles' {counted} (rebuild the archive)"))
        wrong = self._run(
            "SELECT count(*) FROM (SELECT w.lexeme AS term, count(*) FILTER (WHERE 'A' = "
            "ANY(w.weights)) AS title, count(*) FILTER (WHERE 'D' = ANY(w.weights)) AS body "
            "FROM articles, unnest(tsv) w GROUP BY 1) c FULL JOIN (SELECT * FROM term_df "
            "WHERE title <> 0 OR body <> 0) d USING (term) WHERE c.title IS DISTINCT FROM "
            "d.title OR c.body IS DISTINCT FROM d.body")[0][0]
        if wrong:
            out.append(("term_df", f"{wrong} terms' stored document frequencies differ from "
                                   "a recount (rebuild the archive)"))
        return out


# --- writing ----------------------------------------------------------------------------

class PostgresWriter:
    """One writing session; each :meth:`commit` is one transaction (see the module)."""

    FLUSH_ROWS = 2000

    def __init__(self, engine: PostgresEngine, morphology: str, signature: str, rebuild: bool):
        self.engine = engine
        self._dsn = engine._dsn
        self.conn = connect(engine._dsn, write=True)
        self.rows: list[tuple] = []
        self.vocabulary: set = set()
        try:
            self._guard("cannot prepare the archive", self._prepare, morphology, signature,
                        rebuild)
        except BaseException:
            self.close()  # refused (morphology, schema version): no transaction holds the lock
            raise
        self.analyzer = Analyzer(self.morphology, self.signature)
        self.groups = GroupWriter(rebuild)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _guard(self, doing: str, fn, *args):
        pg = psycopg()
        try:
            return fn(*args)
        except pg.Error as e:
            try:
                self.conn.close()
            except Exception:
                pass
            raise explain(e, self._dsn, doing) from None

    def _prepare(self, morphology: str, signature: str, rebuild: bool) -> None:
        pg = psycopg()
        cur = self.conn.cursor()
        # One creator at a time: two first runs must not both create the tables.
        cur.execute("SELECT pg_advisory_xact_lock(7260737, 1)")
        try:
            cur.execute("SAVEPOINT probe")
            cur.execute("SELECT key, value FROM newsgrep_meta")
            meta = dict(cur.fetchall())
            cur.execute("RELEASE SAVEPOINT probe")
        except pg.errors.UndefinedTable:
            cur.execute("ROLLBACK TO SAVEPOINT probe")
            cur.execute(schema_sql())
            now = _now()
            meta = {"schema_version": str(SCHEMA_VERSION), "morphology": morphology,
                    "morphology_signature": signature, "created": now}
            for k, v in meta.items():
                self._set(cur, k, v)
        version = meta.get("schema_version")
        if version != str(SCHEMA_VERSION):
            raise IndexCorrupt(f"the archive in {self.engine.where} has schema version {version}, "
                               f"this newsgrep writes version {SCHEMA_VERSION}")
        if rebuild:
            cur.execute("DELETE FROM files")
            cur.execute("DELETE FROM term_df")
            cur.execute("UPDATE totals SET articles = 0, title_len = 0, body_len = 0")
            self._set(cur, "morphology", morphology)
            self._set(cur, "morphology_signature", signature)
            meta.update(morphology=morphology, morphology_signature=signature)
        elif meta.get("morphology", "stem") != morphology:
            from ...errors import MorphologyMismatch
            raise MorphologyMismatch(
                f"the archive in {self.engine.where} was built with --morphology "
                f"{meta.get('morphology')}; rebuild it to change: newsgrep index --rebuild "
                f"--morphology {morphology} ...")
        self.morphology = meta.get("morphology", "stem")
        self.signature = meta.get("morphology_signature", "")
        if not rebuild:
            # the schema, when this run created it (a rebuild's emptying waits for its commit)
            self.conn.commit()
        self.engine._meta = None

    @staticmethod
    def _set(cur, key: str, value: str) -> None:
        cur.execute("INSERT INTO newsgrep_meta (key, value) VALUES (%s, %s) ON CONFLICT (key) "
                    "DO UPDATE SET value = excluded.value", (key, clean(value)))

    def set_meta(self, key: str, value: str) -> None:
        self._guard("cannot write", self._set, self.conn.cursor(), key, value)

    def add_file(self, docs) -> None:
        self._guard("cannot write", self._add_file, docs)

    def _add_file(self, docs) -> None:
        st = docs.state
        path = db_path(st.path)
        cur = self.conn.cursor()
        self.rows = [r for r in self.rows if r[1] != path]
        # The files row first: its lock orders two writers adding the same file.
        cur.execute("INSERT INTO files (path, size, mtime_ns, hash) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (path) DO UPDATE SET size = excluded.size, "
                    "mtime_ns = excluded.mtime_ns, hash = excluded.hash",
                    (path, st.size, st.mtime_ns, clean(st.hash)))
        self._removed(cur, "path = %s", (path,))
        seen = set()
        kept = []
        for doc in docs.documents:
            if doc.id in seen:
                continue
            seen.add(doc.id)
            kept.append(doc)
            self.rows.append(document_row(doc, self.analyzer, self.vocabulary, len(seen)))
        self.groups.add_file(path, kept)  # signed here, where the text is analysed
        if len(self.rows) >= self.FLUSH_ROWS:
            self._flush()

    # BM25's statistics (term_df, totals: see schema.sql). The articles a commit writes
    # and removes are read back from the server (their tsv, as stored) into the session's
    # stat_delta table; the commit adds its sums to term_df and totals, in term order.
    _DELTA = ("INSERT INTO stat_delta SELECT NULL, {s} * coalesce(sum(title_len), 0), "
              "{s} * coalesce(sum(body_len), 0), {s} * count(*) FROM src "
              "UNION ALL SELECT w.lexeme, {s} * count(*) FILTER (WHERE 'A' = ANY(w.weights)), "
              "{s} * count(*) FILTER (WHERE 'D' = ANY(w.weights)), 0 "
              "FROM src, unnest(src.tsv) w GROUP BY w.lexeme")

    @staticmethod
    def _delta_table(cur) -> None:
        # term NULL: the totals' row (title, body: summed lengths; n: articles)
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS stat_delta (term text, title bigint, "
                    "body bigint, n bigint) ON COMMIT DELETE ROWS")

    def _removed(self, cur, where: str, params) -> None:
        """DELETE the articles ``where`` holds, their statistics subtracted at the commit."""
        self._delta_table(cur)
        cur.execute(f"WITH src AS (DELETE FROM articles WHERE {where} RETURNING tsv, title_len, "
                    f"body_len) " + self._DELTA.format(s=-1), params)

    def _flush(self) -> None:
        cur = self.conn.cursor()
        if self.rows:
            with cur.copy(f"COPY articles ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
            self._delta_table(cur)
            cur.execute("WITH src AS (SELECT tsv, title_len, body_len FROM articles WHERE "
                        "id = ANY(%s)) " + self._DELTA.format(s=1), ([r[0] for r in self.rows],))
            self.rows = []
        if self.vocabulary:
            cur.execute("CREATE TEMP TABLE IF NOT EXISTS new_words (kind char(1), word text) "
                        "ON COMMIT DELETE ROWS")
            with cur.copy("COPY new_words (kind, word) FROM STDIN") as copy:
                for kind, word in self.vocabulary:
                    if len(word.encode("utf-8", "replace")) <= MAX_LEXEME_BYTES:
                        copy.write_row((kind, clean(word)))
            # in key order: two writers inserting the same words never deadlock
            cur.execute("INSERT INTO vocabulary (kind, word) SELECT DISTINCT kind, word FROM "
                        "new_words ORDER BY kind, word ON CONFLICT DO NOTHING")
            cur.execute("TRUNCATE new_words")
            self.vocabulary = set()

    def delete_files(self, paths: Iterable[str]) -> None:
        stored = [db_path(p) for p in paths]
        if not stored:
            return
        self.rows = [r for r in self.rows if r[1] not in set(stored)]
        self.groups.remove_files(stored)

        def remove():
            cur = self.conn.cursor()
            self._removed(cur, "path = ANY(%s)", (stored,))
            cur.execute("DELETE FROM files WHERE path = ANY(%s)", (stored,))
        self._guard("cannot write", remove)

    def _add_statistics(self) -> None:
        """Add the commit's deltas to term_df and totals (in the commit's transaction)."""
        cur = self.conn.cursor()
        self._delta_table(cur)
        # in term order: two writers' row locks are taken in one order, never a deadlock
        cur.execute("INSERT INTO term_df (term, title, body) SELECT term, sum(title), sum(body) "
                    "FROM stat_delta WHERE term IS NOT NULL GROUP BY term "
                    "HAVING sum(title) <> 0 OR sum(body) <> 0 ORDER BY term "
                    "ON CONFLICT (term) DO UPDATE SET title = term_df.title + excluded.title, "
                    "body = term_df.body + excluded.body")
        cur.execute("UPDATE totals SET articles = articles + d.n, title_len = totals.title_len "
                    "+ d.title, body_len = totals.body_len + d.body FROM (SELECT sum(n) n, "
                    "sum(title) title, sum(body) body FROM stat_delta WHERE term IS NULL) d "
                    "WHERE id = 1 AND (d.n <> 0 OR d.title <> 0 OR d.body <> 0)")
        cur.execute("TRUNCATE stat_delta")

    def commit(self, *, more: bool = False) -> None:
        """``more``: other commits of this run follow (the reprint groups' checkpoint may
        wait for them: groups.py)."""
        def run():
            self._flush()
            self._add_statistics()
            self.groups.commit(self.conn, more=more)  # after the flush: see groups.py
            self._set(self.conn.cursor(), "updated", _now())
            self.conn.commit()
        try:
            self._guard("cannot commit", run)
        except BaseException:
            self.groups.failed()
            raise
        self.groups.committed()

    def close(self) -> None:
        try:
            self.conn.rollback()
            self.conn.close()
        except Exception:
            pass


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
