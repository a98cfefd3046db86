"""The engine interface: everything newsgrep asks of the storage behind an archive.

An engine stores the documents of indexed files and answers queries over
them. Everything outside ``newsgrep/engine/`` talks to an engine only through
the names of this module, so a second engine (a PostgreSQL database for a
shared archive) plugs in by implementing :class:`Engine` (and
:class:`EngineWriter`), without touching the rest; see ARCHITECTURE.md.

What crosses the interface is plain data (the dataclasses below, ``str``,
``datetime``): no engine's own objects. The query language is passed as the
user's text in a :class:`QuerySpec` and parsed *by the engine*: the Whoosh
engine keeps it as Whoosh query objects inside ``engine/whoosh`` (its parser
plugins, exact forms, fuzzy words); another engine translates the same
language (``newsgrep.query.syntax`` checks it and ``newsgrep.query.dates``
resolves date specs, engine-neutrally). Policy stays outside the engines, in
``newsgrep.archive``: snippets and highlighting, did-you-mean, timelines,
the order and merging of groups.

Terms are the analyser's output (``newsgrep.analysis``): a stem or lemma
per word of ``title``/``body``/``source``/``author``/``section``, the same
for indexing, queries and highlighting. Word forms (``=word``) are the words
as written, lower-cased, ``ё`` -> ``е``.
"""
from __future__ import annotations

import hashlib
import mmap
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

__all__ = [
    "article_id", "TEXT_FIELDS", "TITLE_BOOST", "DEFAULT_MORPHOLOGY", "NO_AUTHORS", "SORTS", "DUPS", "GROUP_FIELDS", "Sort", "FileState", "Document", "FileDocuments",
    "QuerySpec", "SearchRequest", "EngineHit", "SearchOutcome", "ArticleRef", "StoredArticle",
    "TermWeight", "EngineInfo", "EngineStats", "Problem", "Engine", "EngineWriter", "BulkIndexing",
    "ReprintGroups", "DateCounts",
]

#: The fields a bare query word searches (``title`` boosted by ``TITLE_BOOST``).
TEXT_FIELDS = ("title", "body")
TITLE_BOOST = 2.0
#: The morphology of a new archive when none is asked for (``newsgrep index --morphology``).
DEFAULT_MORPHOLOGY = "stem"
#: What to say when an archive without authors is asked for them.
NO_AUTHORS = ("this index was built before newsgrep kept authors; rebuild it to search "
              "and count them: newsgrep index --rebuild")
Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[Sort, ...] = ("relevance", "newest", "oldest")
#: What a search does with reprints: "group" shows each story once (its lead, with its
#: copies counted), "all" every copy.
DUPS = ("group", "all")
#: Stored columns counted per value (``-c --by``); dates are counted by ``dates()``.
GROUP_FIELDS = ("source", "author", "section")


# --- writing -------------------------------------------------------------------------------

def article_id(path: str, key: str = "") -> str:
    """The stable id of the article at ``key`` inside the file at ``path``."""
    return hashlib.sha1(f"{path}\0{key}".encode("utf-8", "surrogatepass")).hexdigest()[:16]



@dataclass(frozen=True)
class FileState:
    """What an engine records of an indexed file, to tell next time whether it changed.

    ``hash`` is the content's hash (blake2b-128 hex), or ``"skipped:REASON"``
    for a file read but holding no articles; ``size``/``mtime_ns`` are -1
    when unknown (the file is then read again).
    """

    path: str
    size: int
    mtime_ns: int
    hash: str


@dataclass
class Document:
    """One article as an engine stores it (every field is returned by ``fetch``)."""

    id: str          # 16 hex digits, stable: sha1(path NUL key)
    path: str        # the file (absolute; may hold surrogates for non-UTF-8 names)
    key: str         # tells articles of one file apart; "" for a one-article file
    title: str
    body: str
    date: datetime | None = None
    source: str = ""
    source_raw: str = ""  # the source as the file gave it ("" when the same as source)
    author: str = ""      # "Анна Петрова, Иван Сидоров"
    section: str = ""
    tags: list[str] = field(default_factory=list)
    url: str = ""
    lead: str = ""
    encoding: str = ""
    format: str = ""
    size: int = 0         # of the file
    mtime_ns: int = 0     # of the file


@dataclass
class FileDocuments:
    """All the documents of one file, replacing whatever the engine held for its path."""

    state: FileState
    documents: list[Document]


@runtime_checkable
class EngineWriter(Protocol):
    """One writing session (one writer at a time per archive: the engine's lock).

    Nothing is visible to readers before :meth:`commit`; a session closed
    without a commit leaves the archive as it was at the last commit.
    """

    def add_file(self, docs: FileDocuments) -> None:
        """Replace the documents of ``docs.state.path`` (if any) and record its state."""

    def delete_files(self, paths: Iterable[str]) -> None:
        """Remove the documents and state of files that are gone."""

    def commit(self) -> None:
        """Make everything added and deleted so far visible, atomically."""

    # Reprint groups (optional, not a member of this protocol): a writer with
    # ``set_reprints(store: bytes, groups: bytes)`` gets, before each commit, the
    # archive's reprint store (``newsgrep.reprint_store.ReprintStore.dumps``) and its
    # group map (``groups_blob``), kept up to date by the generic pipeline
    # (``indexing.generic``: ``reprints.signature(title, body)`` of each article added,
    # the articles of deleted or changed files removed); it must store both atomically
    # with that commit and return them from ``Engine.reprint_data``/``reprint_groups``
    # until the next. The Whoosh engine's own pipeline keeps them itself
    # (engine/whoosh/commit.py), the PostgreSQL engine's writer too (engine/postgres/groups.py).

    def close(self) -> None:
        """End the session (releases the lock); uncommitted work is dropped."""


# --- reading -------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuerySpec:
    """A query in newsgrep's query language, with its date filter.

    ``start``/``end`` (inclusive, naive UTC) come from ``--since``/``--until``
    (resolved by ``newsgrep.query.dates``); an article without a date never
    passes a date filter. ``now`` is "today" for relative dates inside
    ``text`` (``date:30d..``).
    """

    text: str
    start: datetime | None = None
    end: datetime | None = None
    now: datetime | None = None


@dataclass(frozen=True)
class SearchRequest:
    """A ranked search: ``limit`` best hits (None: all) in ``sort`` order.

    ``partial``: when fewer than ``limit`` articles match the whole query,
    fill up with the best ones matching some of its top-level AND-ed parts
    (negations and date filters stay required), marked ``partial`` with the
    parts they lack (see :class:`EngineHit`). ``exclude_ids``: articles never
    returned (``similar`` leaves out the article itself).

    ``story``: an article id's story (its reprint group). An engine may then return
    at most one hit per story among the best ``limit`` (the story's first in the
    order without it), so that ``limit`` hits are ``limit`` stories; the caller
    still collapses copies, so an engine may also ignore it.

    ``read``: what of each hit's article is needed: ``"all"``; ``"head"``, all but its
    ``body`` and ``lead`` (a list of files); ``"id"``, its id only (the caller reads the
    texts later, :meth:`Engine.articles`). An engine may leave out what is not asked for,
    so that all the hits of a common word fit in memory.
    """

    query: QuerySpec
    limit: int | None = 10
    sort: Sort = "relevance"
    partial: bool = False
    exclude_ids: frozenset[str] = frozenset()
    story: Callable[[str], Hashable] | None = None
    read: Literal["all", "head", "id"] = "all"


@dataclass
class StoredArticle:
    """An article as stored (see :class:`Document`); ``fetch`` and hits return these."""

    id: str
    path: str
    key: str
    title: str
    body: str
    date: datetime | None
    source: str
    source_raw: str
    author: str
    section: str
    tags: list[str]
    url: str
    lead: str
    encoding: str
    format: str


@dataclass
class EngineHit:
    """One hit: the stored article, its score, and for a partial hit the parts it lacks
    (as the user typed them, e.g. ``'"белый дом"'``)."""

    article: StoredArticle
    score: float
    partial: bool = False
    missing: list[str] = field(default_factory=list)


@dataclass
class SearchOutcome:
    """Hits in order, the query as the engine understood it (for ``--debug``-style
    messages), and the terms a hit may match per field, for highlighting: index
    terms under ``"title"``/``"body"``, word forms (``=word``, wildcards) under
    ``"=title"``/``"=body"``; negated parts are not in it."""

    hits: list[EngineHit]
    understood: str
    matched: dict[str, set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ArticleRef:
    """An article by its id, or the articles of a file (absolute path) with an optional
    key (``PATH#KEY``). (``Archive`` turns what users type, id prefixes too, into these.)"""

    id: str | None = None
    path: str | None = None
    key: str | None = None


@dataclass(frozen=True)
class TermWeight:
    term: str
    weight: float


@dataclass
class EngineInfo:
    """What an archive records about itself (``newsgrep.json`` for a Whoosh folder)."""

    location: str
    morphology: str            # "stem" or "lemma"
    morphology_signature: str  # lemma mode: the lemmatizer's signature
    roots: list[str]
    excludes: list[str]
    includes: list[str]
    created: str
    updated: str
    has_authors: bool          # built by a newsgrep that keeps authors


@dataclass
class EngineStats:
    """Whole-archive figures for ``newsgrep stats``."""

    articles: int
    first_date: datetime | None
    last_date: datetime | None
    undated: int
    sources: Mapping[str, int]
    sections: Mapping[str, int]
    encodings: Mapping[str, int]
    size_bytes: int


@runtime_checkable
class Engine(Protocol):
    """An open archive. Opened once per command; ``close()`` releases it.

    Errors are :class:`~newsgrep.errors.NewsgrepError` subclasses: a missing
    archive ``IndexNotFound``, a damaged one ``IndexCorrupt``, a bad query
    ``QueryError`` (with the message the user sees).
    """

    location: str

    def exists(self) -> bool:
        """Whether there is an archive at :attr:`location` (one commit or more)."""

    def info(self) -> EngineInfo:
        """What the archive records about itself; ``IndexNotFound`` when there is none."""

    def close(self) -> None: ...

    # writing
    def file_states(self) -> dict[str, FileState]:
        """The files indexed as of the last commit."""

    def writer(self, *, morphology: str, signature: str = "", rebuild: bool = False,
               wait: bool = False) -> EngineWriter:
        """A writing session; ``rebuild`` starts from an empty archive (committed once)."""

    # queries
    def search(self, request: SearchRequest) -> SearchOutcome: ...

    def search_terms(self, weighted: list[TermWeight], *, limit: int | None, query: QuerySpec,
                     exclude_ids: frozenset[str],
                     story: Callable[[str], Hashable] | None = None,
                     read: Literal["all", "head", "id"] = "all") -> SearchOutcome:
        """More-like-this: articles holding the weighted terms in title or body (any of
        them; ``title`` boosted), in ``query``'s date bounds (its text is not used).
        ``story``, ``read``: as :attr:`SearchRequest.story`, :attr:`SearchRequest.read`."""

    def count(self, query: QuerySpec) -> int: ...

    def group_counts(self, query: QuerySpec, by: str) -> dict[str | None, int]:
        """Matching articles per stored value of ``by`` (one of :data:`GROUP_FIELDS`),
        as stored (None: no value; the author field counted whole, as stored)."""

    def dates(self, query: QuerySpec) -> list[datetime | None]:
        """The date of each matching article (None: undated), in no particular order."""

    def matched_terms(self, query: QuerySpec) -> dict[str, set[str]]:
        """What :attr:`SearchOutcome.matched` holds, without searching."""

    # articles
    def fetch(self, ref: ArticleRef) -> list[StoredArticle]:
        """The live articles ``ref`` names, in file order; [] for none."""

    def articles(self, ids: Sequence[str]) -> Iterator[StoredArticle | None]:
        """The live article of each of ``ids``, in their order (None for one there is
        not), read as they are asked for: the texts of many hits without holding them all."""

    def ids_with_prefix(self, prefix: str, limit: int) -> list[str]:
        """Ids of live articles starting with ``prefix``, sorted, at most ``limit``."""

    def doc_count(self) -> int:
        """Live articles in the archive."""

    def key_terms(self, text: str, count: int) -> list[TermWeight]:
        """The ``count`` terms of ``text`` that best tell it apart in this archive
        (frequent in it, rare in the archive), best first, weights > 0."""

    # look-ups for did-you-mean and highlighting
    def word_frequency(self, word: str, exact: bool = False) -> int | None:
        """Articles holding every position of ``word`` (as the archive analyses it; with
        ``exact``, its word forms as written) in title or body, in any of its readings:
        an upper bound, the rarest position's count. None: the word has no terms at all
        (punctuation, nothing to look up)."""

    def form_frequency(self, field: str, form: str) -> int:
        """Articles whose ``field`` holds the word form ``form`` as written."""

    def has_form(self, field: str, form: str) -> bool:
        """Whether the word form is in ``field``'s vocabulary (an engine may keep the
        forms of deleted articles there a while; ``form_frequency`` counts live ones)."""

    def near_forms(self, field: str, form: str, maxdist: int, prefix: int = 0) -> list[str]:
        """Word forms of ``field`` within ``maxdist`` edits of ``form`` (its first
        ``prefix`` letters kept), nearest first (see ``newsgrep.query.fuzzy``); raises
        ``QueryError`` past the scan budget."""

    def articles_with_form(self, field: str, form: str, limit: int) -> list[StoredArticle]:
        """Up to ``limit`` articles holding the word form (to show it as the archive writes it)."""

    def mark(self, text: str, wanted: set[str]) -> list[tuple[int, int]]:
        """Spans of the words of ``text`` whose index terms are in ``wanted``, in order, as
        this archive analyses words (stems, or lemmas through its lexicon)."""

    def stats(self) -> EngineStats: ...

    def check(self, deep: bool = True) -> list[Problem]:
        """What is damaged (``newsgrep check``): [] for a sound archive. ``deep=False``
        checks only what the next commit builds on (cheap, before a writing run)."""


@runtime_checkable
class ReprintGroups(Protocol):
    """Optional: an engine that keeps reprint groups (``newsgrep.reprint_store``) with
    its commits. ``Archive`` collapses copies, counts stories and answers
    ``newsgrep reprints`` only for an engine with these; both engines have them.
    The blobs are written by the engine's pipeline at each commit (see the note in
    :class:`EngineWriter` for the generic pipeline's ``set_reprints``)."""

    def reprint_groups(self) -> bytes | mmap.mmap | None:
        """The group map of the last commit (``ReprintStore.groups_blob``: groups of two
        or more, lead first); None when the archive keeps none. Read by every search
        that collapses copies: keep it cheap (an ``mmap`` of the file: a search looks
        up only its hits' groups in it)."""

    def reprint_data(self) -> bytes | None:
        """The whole reprint store of the last commit (signatures too), for
        ``newsgrep reprints``; None when the archive keeps none."""

    def id_values(self, query: QuerySpec, by: str | None) -> list[tuple[str, object]]:
        """``(id, value)`` of each matching article: ``by`` one of :data:`GROUP_FIELDS`
        (as :meth:`group_counts` reads it), ``"date"`` (as :meth:`dates`), or None
        (value None). For counting stories (``--unique``)."""


@dataclass(frozen=True)
class Problem:
    """One thing ``check`` found damaged: what (a file or table) and why."""

    what: str
    message: str

    def __str__(self) -> str:
        return f"{self.what}: {self.message}"


@runtime_checkable
class BulkIndexing(Protocol):
    """Optional: an engine with its own indexing pipeline (the Whoosh engine's worker
    processes write segments directly). ``Archive.index`` uses it when present;
    otherwise it runs the generic pipeline over :meth:`Engine.writer`."""

    def index_paths(self, paths: Sequence[str], **options: object) -> object: ...


@runtime_checkable
class DateCounts(Protocol):
    """Optional: matching articles per date without a list of one date per article
    (``--timeline`` and ``-c --by PERIOD`` of a common word). ``Archive`` uses it when
    present, :meth:`Engine.dates` otherwise; the same counts either way."""

    def date_counts(self, query: QuerySpec) -> dict[datetime | None, int]:
        """Matching articles per date (None: undated)."""

