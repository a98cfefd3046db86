"""Many queries, one archive: ``newsgrep search --batch`` and :meth:`Archive.search_many`.

A script that runs a thousand queries should not pay the process start-up
(imports, opening the index, reading its columns) a thousand times. A batch
is read line by line: a line is a query as typed (``атака дрон``), or a JSON
object with the query and its own options::

    {"query": "атака", "limit": 3, "sort": "newest", "since": "2022-01"}

Keys: ``query`` (required), ``limit`` (0: all), ``sort``, ``since``,
``until``, ``context``, ``snippets``, ``count`` (true: the number of matching
articles instead of hits); the options of the command line are the defaults.
Blank lines are skipped. A line that cannot be read (bad JSON, an unknown
key, a bad value, a bad query) is answered by an error, and the rest are
answered as usual.

Returns data: the answer to each line is a :class:`BatchAnswer`; ``render``
and ``cli`` turn them into JSON Lines.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .engine.base import DUPS, SORTS
from .errors import QueryError

if TYPE_CHECKING:
    from .archive import Archive
    from .searching import HitStream, SearchResult

__all__ = ["BatchQuery", "BatchAnswer", "OPTIONS", "parse_line", "run_batch"]

#: The keys a JSON line may have besides ``query``, with their types.
OPTIONS: dict[str, type | tuple[type, ...]] = {
    "limit": int, "sort": str, "since": (str, type(None)), "until": (str, type(None)),
    "context": int, "snippets": int, "count": bool, "dups": str,
}
_RANGES: dict[str, tuple[int, int | None]] = {"limit": (0, None), "context": (10, 2000),
                                              "snippets": (1, 20)}


@dataclass
class BatchQuery:
    """One query of a batch: its text and the options it sets (the rest: defaults)."""

    query: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class BatchAnswer:
    """The answer to one line: ``line`` is its 1-based number in the input (blank lines
    count), ``query`` the query as given (None when the line could not be read).
    Exactly one of ``result`` (a search; for ``limit`` 0, a ``HitStream`` of every hit, made
    as they are read), ``count`` (``count: true``) and ``error`` is set."""

    line: int
    query: str | None
    result: SearchResult | HitStream | None = None
    count: int | None = None
    error: str | None = None


def parse_line(text: str) -> BatchQuery:
    """A line of a batch as a :class:`BatchQuery`; raises :class:`QueryError` naming what
    is wrong. A line starting with ``{`` is a JSON object; any other is a query."""
    text = text.strip()
    if not text.startswith("{"):
        return BatchQuery(text)
    try:
        obj = json.loads(text)
    except ValueError as e:
        raise QueryError(f"not a JSON object: {e}") from None
    if not isinstance(obj, dict):
        raise QueryError("not a JSON object")
    query = obj.pop("query", None)
    if not isinstance(query, str) or not query.strip():
        raise QueryError('no "query" (a string) in the object')
    unknown = sorted(set(obj) - set(OPTIONS))
    if unknown:
        raise QueryError(f"unknown key {unknown[0]!r}; known: query, {', '.join(OPTIONS)}")
    for key, value in obj.items():
        types = OPTIONS[key]
        # (bool is an int to isinstance: true is not a limit)
        if not isinstance(value, types) or (types is int and isinstance(value, bool)):
            raise QueryError(f"{key!r} must be {_type_name(types)}, not {json.dumps(value)}")
        if key in _RANGES and isinstance(value, int):
            low, high = _RANGES[key]
            if value < low or (high is not None and value > high):
                raise QueryError(f"{key!r} must be from {low}"
                                 + (f" to {high}" if high else " on"))
    if "sort" in obj and obj["sort"] not in SORTS:
        raise QueryError(f"unknown sort {obj['sort']!r}; use one of: {', '.join(SORTS)}")
    if "dups" in obj and obj["dups"] not in DUPS:
        raise QueryError(f"unknown dups {obj['dups']!r}; use one of: {', '.join(DUPS)}")
    return BatchQuery(query, obj)


def _type_name(types: type | tuple[type, ...]) -> str:
    names = {int: "an integer", str: "a string", bool: "true or false", type(None): "null"}
    return " or ".join(names[t] for t in (types if isinstance(types, tuple) else (types,)))


def run_batch(archive: Archive, lines: Iterable[str | Mapping[str, Any]],
              **defaults: Any) -> Iterator[BatchAnswer]:
    """Answer each line (a query, a JSON line, or a mapping of the same keys) in order.

    ``defaults`` are the options of every query (``limit``, ``sort``, ``since``,
    ``until``, ``context``, ``snippets``, ``count``, ``dups``) that a line does not set
    (``dups``: ``"all"``, every copy, as :meth:`Archive.search` has it; the command line
    gives ``"group"``, as a single search does).
    Answers come one at a time, as each query is answered.
    """
    unknown = sorted(set(defaults) - set(OPTIONS))
    if unknown:
        raise TypeError(f"unknown option {unknown[0]!r}")
    for n, line in enumerate(lines, 1):
        query: str | None = None
        try:
            if isinstance(line, Mapping):
                q = parse_line(json.dumps(dict(line), ensure_ascii=False))
            elif not line.strip():
                continue
            else:
                q = parse_line(line)
            query = q.query
            options = {**defaults, **q.options}
            limit = options.get("limit", 10)
            since, until = options.get("since"), options.get("until")
            if options.get("count"):
                yield BatchAnswer(n, query, count=archive.count(query, since=since, until=until))
                continue
            how = {"context": options.get("context"), "fragments": options.get("snippets"),
                   "sort": options.get("sort", "relevance"), "since": since, "until": until,
                   "dups": options.get("dups", "all")}
            # (limit 0, every hit: made as they are written, see Archive.search_iter)
            yield BatchAnswer(n, query, result=archive.search(query, limit=limit, **how)
                              if limit else archive.search_iter(query, **how))
        except QueryError as e:  # this line's own fault: the others are still answered
            yield BatchAnswer(n, query, error=str(e))
