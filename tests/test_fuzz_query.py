"""Fuzzing the query side (issue 16): arbitrary query strings and date specs never
raise anything but a QueryError, and each is answered within a deadline.

A fixed budget, the same in CI as on a laptop: ``max_examples`` per property
(``derandomize``: the same examples every run) and a deadline per example.
The whole file runs in well under a minute; set HYPOTHESIS_PROFILE=fuzz-long
to try ten times as many examples.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsgrep.errors import QueryError

NOW = datetime(2023, 6, 15, 12, 0)
SCALE = 10 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz-long" else 1


def FUZZ(examples: int):  # noqa: N802
    return settings(max_examples=examples * SCALE, deadline=timedelta(seconds=2),
                    derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Pieces of the query language, so that examples reach past the first syntax error.
_PIECES = [
    "атака", "Алматы", "полиция", "призидент", "ghbdtn", "almaty", "a", "я", "ё",
    "AND", "OR", "NOT", "ANDNOT", "-", "=", "(", ")", '"', "«", "»", "*", "?", "~", "~2",
    "~9", "^2", "title:", "body:", "source:", "section:", "path:", "date:", "дата:", "tags:",
    "id:", "2022", "2022-01", "2022-13-45", "05.01.2022", "2022-W05", "30d", "1y", "..",
    "today", "[", "]", "{", "}", ":", "\\", "/", "'", "\x00", "\x1b[2J", "\u202e", " ", "  ",
    "ум", "Ростов-на-Дону", "*ция", "при*", "~/", "\t", "\n",
]
queries = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(_PIECES), max_size=16).map("".join),
    st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=6)), max_size=12).map(" ".join),
)
_DATE_PIECES = ["2022", "-", "01", "13", "31", "00", ".", "..", "W", "w", "05", "53", "30",
                "d", "w", "m", "y", "д", "н", "м", "г", "today", "вчера", " ", "9999", "0000",
                "99999"]
date_specs = st.one_of(
    st.text(max_size=30),
    st.lists(st.sampled_from(_DATE_PIECES), max_size=10).map("".join),
)


@pytest.fixture(scope="module")
def tiny_index(tmp_path_factory):
    from newsgrep.indexing import index_paths

    docs = tmp_path_factory.mktemp("fuzz-docs")
    (docs / "a.txt").write_text(
        "Атака на полицию в Алматы\n\n21.02.2022. Полиция Алматы сообщила об атаке на "
        "пост в центре города. Президент поручил разобраться.", "utf-8")
    (docs / "b.txt").write_text(
        "Метель в горах\n\n05.01.2023. Спасатели вывели туристов с перевала после "
        "ночной метели; iPhone одного из них помог их найти.", "utf-8")
    ix = tmp_path_factory.mktemp("fuzz-index")
    index_paths([docs], ix, jobs=1)
    return ix


@FUZZ(1000)
@given(text=queries)
def test_any_query_string_parses_or_is_a_query_error(text):
    from newsgrep.engine.whoosh.query import parse_query
    from newsgrep.engine.whoosh.schema import build_schema

    try:
        parse_query(text, _SCHEMA(build_schema), now=NOW)
    except QueryError:
        pass


def _SCHEMA(build, cache={}):  # noqa: N802,B006 -- one schema for all examples
    if "s" not in cache:
        cache["s"] = build("stem")
    return cache["s"]


@FUZZ(600)
@given(text=queries)
def test_any_query_runs_on_an_index_or_is_a_query_error(tiny_index, text):
    from newsgrep.counting import timeline
    from newsgrep.searching import count, search
    from newsgrep.suggest import suggest

    try:
        n = count(tiny_index, text, now=NOW)
    except QueryError:
        return
    assert 0 <= n <= 2
    hits = search(tiny_index, text, limit=5, now=NOW).hits
    assert len(hits) <= 2
    for hit in hits:
        for s, e in hit.spans:
            assert 0 <= s < e <= len(hit.snippet)
    assert timeline(tiny_index, text, now=NOW).total <= n
    if not n:
        suggest(tiny_index, text, now=NOW)


@FUZZ(1000)
@given(spec=date_specs)
def test_any_date_spec_is_a_range_or_a_query_error(spec):
    from newsgrep.engine.whoosh.query import date_filter, date_range

    try:
        first, last = date_range(spec, now=NOW)
    except QueryError:
        return
    assert first is not None or last is not None
    if first is not None and last is not None:
        assert first <= last
    try:
        date_filter(spec, spec, now=NOW)  # and as --since/--until
    except QueryError:
        pass
