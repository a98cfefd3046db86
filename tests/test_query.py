"""The query language: date filters, exact forms, wildcards, fuzzy terms, guards."""
from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings, strategies as st

from newsgrep.errors import QueryError
from newsgrep.engine.whoosh.query import check_syntax, date_filter, date_range, parse_query
from newsgrep.engine.whoosh.schema import build_schema

NOW = datetime(2022, 3, 15, 14, 30)
SCHEMA = build_schema()


def d(*args):
    return datetime(*args)


def end(*args):
    return datetime(*args, 23, 59, 59, 999999)


@pytest.mark.parametrize("spec, first, last", [
    ("2022", d(2022, 1, 1), end(2022, 12, 31)),
    ("2022-01", d(2022, 1, 1), end(2022, 1, 31)),
    ("2022-02", d(2022, 2, 1), end(2022, 2, 28)),
    ("2024-02", d(2024, 2, 1), end(2024, 2, 29)),        # a leap year
    ("2022-1", d(2022, 1, 1), end(2022, 1, 31)),
    ("2022-01-05", d(2022, 1, 5), end(2022, 1, 5)),
    ("05.01.2022", d(2022, 1, 5), end(2022, 1, 5)),      # as Russians write it
    ("5.1.2022", d(2022, 1, 5), end(2022, 1, 5)),
    ("01.2022", d(2022, 1, 1), end(2022, 1, 31)),
    ("2022-W05", d(2022, 1, 31), end(2022, 2, 6)),       # ISO week, Monday to Sunday
    ("2022-01..2022-02", d(2022, 1, 1), end(2022, 2, 28)),
    ("2022-01-05..2022-01-05", d(2022, 1, 5), end(2022, 1, 5)),
    ("2022..", d(2022, 1, 1), None),
    ("..2022-03", None, end(2022, 3, 31)),
    ("30d..", d(2022, 2, 13), None),
    ("30d", d(2022, 2, 13), None),                        # an age alone: since then
    ("30д..", d(2022, 2, 13), None),                      # Russian units
    ("2w..", d(2022, 3, 1), None),
    ("2н..", d(2022, 3, 1), None),
    ("1m..", d(2022, 2, 15), None),
    ("6м..", d(2021, 9, 15), None),
    ("1y..", d(2021, 3, 15), None),
    ("1г..", d(2021, 3, 15), None),
    ("..30d", None, end(2022, 2, 13)),
    ("1y..6m", d(2021, 3, 15), end(2021, 9, 15)),
    ("today", d(2022, 3, 15), end(2022, 3, 15)),
    ("сегодня", d(2022, 3, 15), end(2022, 3, 15)),
    ("yesterday", d(2022, 3, 14), end(2022, 3, 14)),
    ("вчера..", d(2022, 3, 14), None),
    (" 2022 ", d(2022, 1, 1), end(2022, 12, 31)),
])
def test_date_ranges(spec, first, last):
    assert date_range(spec, NOW) == (first, last)


def test_month_arithmetic_clamps_to_the_end_of_a_short_month():
    assert date_range("1m..", datetime(2022, 3, 31))[0] == d(2022, 2, 28)
    assert date_range("1y..", datetime(2024, 2, 29))[0] == d(2023, 2, 28)


@pytest.mark.parametrize("spec", [
    "", "..", "2022-13", "2022-02-30", "32.01.2022", "январь", "20222", "2022-01...2022-02x",
    "2022-02..2022-01", "30x", "-5d", "2022-W60", "999999d", "99999y",
])
def test_bad_dates_are_query_errors_that_say_what_a_date_is(spec):
    with pytest.raises(QueryError) as e:
        date_range(spec, NOW)
    assert "date" in str(e.value)


def test_since_until_filter():
    q = date_filter("2022-01", "2022-02", NOW)
    assert (q.startdate, q.enddate) == (d(2022, 1, 1), end(2022, 2, 28))
    assert date_filter(None, None) is None
    with pytest.raises(QueryError, match="after --until"):
        date_filter("2022-03", "2022-01", NOW)


def _leaves(q):
    return [(type(n).__name__, getattr(n, "fieldname", None), getattr(n, "text", None))
            for n in q.leaves()]


def test_date_filter_in_a_query():
    q = parse_query("Алматы date:2022-01..2022-02", SCHEMA, now=NOW)
    [rng] = [n for n in q.leaves() if n.fieldname == "date"]
    assert (rng.startdate, rng.enddate) == (d(2022, 1, 1), end(2022, 2, 28))
    assert ("Term", "body", "алма") in _leaves(q) or ("Term", "body", "алмат") in _leaves(q)
    alone = parse_query("date:2022", SCHEMA, now=NOW)
    assert alone.fieldname == "date"
    assert parse_query("дата:2022-01-05", SCHEMA, now=NOW).startdate == d(2022, 1, 5)


def test_date_errors_point_at_the_date():
    with pytest.raises(QueryError, match="'2022-13' is not a date"):
        parse_query("атака date:2022-13", SCHEMA)
    with pytest.raises(QueryError, match="date: needs a date"):
        parse_query("атака date:", SCHEMA)


def _forms(q):
    """(field, forms, all forms?, inner query) of the form queries in ``q``."""
    return sorted((n.fieldname, n.forms, n.all_forms, n.inner) for n in q.leaves()
                  if type(n).__name__ == "FormQuery")


def test_exact_forms_are_form_queries_ranked_by_their_stems():
    from whoosh.query import Term

    from newsgrep.engine.whoosh.query import AltPhrase
    assert _forms(parse_query("=атак", SCHEMA)) == [
        ("body", ("атак",), True, Term("body", "атак")),
        ("title", ("атак",), True, Term("title", "атак", boost=2.0))]
    assert _forms(parse_query("=Атаками", SCHEMA))[0] == (
        "body", ("атаками",), True, Term("body", "атак"))
    assert _forms(parse_query("=Ростов-на-Дону", SCHEMA))[0] == (
        "body", ("ростов-на-дону",), True, Term("body", "рост-на-дон"))
    assert _forms(parse_query('="здание полиции"', SCHEMA)) == [
        ("body", ("здание", "полиции"), True, AltPhrase("body", ["здан", "полиц"])),
        ("title", ("здание", "полиции"), True, AltPhrase("title", ["здан", "полиц"], boost=2.0))]
    assert [f for f, *_ in _forms(parse_query("title:=атак", SCHEMA))] == ["title"]


def test_exact_forms_negated():
    for text in ("атака NOT =атак", "атака -=атак", "-=атак атака"):
        q = parse_query(text, SCHEMA)
        [negated] = [n for n in q.children() if type(n).__name__ == "Not"]
        assert [f for f, *_ in _forms(negated)] == ["body", "title"]
        assert ("Term", "body", "атак") in _leaves(q)


def test_exact_forms_only_in_title_and_body():
    with pytest.raises(QueryError, match="not in source"):
        parse_query("source:=sputnik", SCHEMA)


def test_wildcards_are_left_for_the_form_index():
    # expand() runs them over the words as written; "=" before one changes nothing.
    q = parse_query("атак*", SCHEMA)
    assert sorted(_leaves(q)) == [("Prefix", "body", "атак"), ("Prefix", "title", "атак")]
    assert ("Wildcard", "body", "ата?и") in _leaves(parse_query("Ата?и", SCHEMA))
    assert _leaves(parse_query("=атак*", SCHEMA)) == _leaves(q)
    [negated] = [n for n in parse_query("учения -=атак*", SCHEMA).children()
                 if type(n).__name__ == "Not"]
    assert ("Prefix", "body", "атак") in _leaves(negated)


def test_trailing_question_mark_is_punctuation():
    assert _leaves(parse_query("кто виноват?", SCHEMA)) == _leaves(parse_query("кто виноват", SCHEMA))


def test_fuzzy_terms_are_stemmed_and_bounded():
    q = parse_query("призидента~", SCHEMA)
    [(fuzzy)] = [n for n in q.leaves() if n.fieldname == "body"]
    assert (type(fuzzy).__name__, fuzzy.text, fuzzy.maxdist) == ("FuzzyTerm", "призидент", 1)
    assert [n.maxdist for n in parse_query("призидент~2", SCHEMA).leaves()] == [2, 2]
    with pytest.raises(QueryError, match="'атака~3': at most 2"):
        parse_query("атака~3", SCHEMA)


def test_proximity():
    q = parse_query('"здание полиции"~3', SCHEMA)
    assert {(n.fieldname, tuple(n.words), n.slop) for n in q.leaves()} == {
        ("title", ("здан", "полиц"), 3), ("body", ("здан", "полиц"), 3)}


def test_minus_is_not_but_a_hyphen_inside_a_word_is_not():
    q = parse_query("атака -учения", SCHEMA)
    assert type(q).__name__ == "AndNot" or "Not" in repr(q)
    assert "Not" not in repr(parse_query("Ростов-на-Дону", SCHEMA))


def test_guillemets_quote_a_phrase():
    assert repr(parse_query("«здание полиции»", SCHEMA)) == repr(parse_query('"здание полиции"', SCHEMA))


@pytest.mark.parametrize("query, message", [
    ('"здание полиции', "quote at character 1 is never closed"),
    ('атака "здание', "quote at character 7 is never closed"),
    ("(атака OR штурм", "( at character 1 is never closed"),
    ("атака) штурм", ") at character 6 closes nothing"),
    ("((атака)", "( at character 1 is never closed"),
    ("", "empty query"),
    ("  ", "empty query"),
    ("*", "would match every article"),
    ("* атака", "would match every article"),
    ("?", "would match every article"),
    ("— …", "no searchable words"),
])
def test_bad_queries_say_where(query, message):
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_query(query, SCHEMA)


def test_brackets_inside_quotes_are_text():
    assert check_syntax('"(атака"') == '"(атака"'


def test_huge_queries_are_refused_not_run():
    with pytest.raises(QueryError, match="at most"):
        parse_query(" ".join(f"слово{i}" for i in range(2000)), SCHEMA)
    with pytest.raises(QueryError, match="characters long"):
        parse_query("а " * 15000, SCHEMA)
    with pytest.raises(QueryError, match="the word at character 7 is 10240 characters long"):
        parse_query("атака " + "а" * 10240, SCHEMA)
    with pytest.raises(QueryError):
        parse_query("(" * 5000 + "атака" + ")" * 5000, SCHEMA)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parser_never_crashes(text):
    try:
        q = parse_query(text, SCHEMA, now=NOW)
    except QueryError:
        return
    assert q is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    "атака", "Алматы", "AND", "OR", "NOT", "-", "(", ")", '"', "«", "»", "*", "?", "~", "~2", "~3",
    "=", "date:", "2022", "..", "2022-01", "30d", "title:", "source:", ":", "^2", " ", "[", "]",
    "{", "}", "TO", "'", "/", "\\", "ё", "Ростов-на-Дону",
]), max_size=20))
def test_parser_never_crashes_on_query_like_strings(parts):
    text = "".join(parts)
    try:
        parse_query(text, SCHEMA, now=NOW)
    except QueryError:
        pass


def test_edits_and_near_terms(samples_index):
    from newsgrep.query.fuzzy import _edits1, near_terms
    from newsgrep.engine.whoosh.schema import open_index
    edits = _edits1("кот")
    assert {"кто", "от", "кит", "кота", "скот"} <= edits and "кот" not in edits
    assert all(e.startswith("ко") for e in _edits1("кот", keep=2))
    ix, _ = open_index(samples_index)
    with ix.searcher() as s:
        r = s.reader()
        assert near_terms(r, "body", "призидент", 1) == ["президент"]
        assert near_terms(r, "body", "президент", 1)[0] == "президент"   # itself first
        assert "президент" in near_terms(r, "body", "прызыдент", 2)
        assert near_terms(r, "body", "призидент", 0) == []
        assert near_terms(r, "body", "а" * 40, 1) == []                 # too long: no fuzzy


def test_large_expansions_are_scored_by_the_forms_they_hold(samples_index):
    from newsgrep.engine.whoosh.query import SCORED_EXPANSION, expand
    from newsgrep.engine.whoosh.schema import open_index
    from newsgrep.searching import count, search
    ix, _ = open_index(samples_index)
    with ix.searcher() as s:
        small = expand(parse_query("атаками*", ix.schema), s.reader())
        assert all(n.inner is not None for n in small.leaves())  # ranked by the stems
        big = expand(parse_query("п*", ix.schema), s.reader())
        forms = [n for n in big.leaves() if type(n).__name__ == "FormQuery"]
        assert forms and all(n.inner is None and len(n.forms) > SCORED_EXPANSION
                             for n in forms)
        # The documents that hold the word forms, no others.
        from newsgrep.engine.whoosh.forms import Vocabulary
        vocabulary = Vocabulary(s.reader())
        assert set(big.docs(s)) == {d for n in forms for f in n.forms
                                    for d in vocabulary.docs(n.fieldname, f)}
    hits = search(samples_index, "п*", limit=None).hits
    assert len(hits) == count(samples_index, "п*") > 0
    assert all(hits[i].score >= hits[i + 1].score for i in range(len(hits) - 1))
    assert any(w.lower().startswith("п") for h in hits for w in (h.snippet[s:e] for s, e in h.spans))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("0123456789-.W dwmyдняг") + ["..", "today", "вчера"]),
                max_size=25).map("".join))
def test_date_parser_never_crashes(spec):
    try:
        first, last = date_range(spec, NOW)
    except QueryError:
        return
    assert first is not None or last is not None
    assert first is None or last is None or first <= last


# ---------------------------------------------------------------- on each engine
# The tests above pin the parser (its Whoosh query objects); these run the same query
# language through an archive of each engine (tests/conftest.py: samples_archive).

@pytest.mark.parametrize("query, message", [
    ('"здание полиции', "quote at character 1 is never closed"),
    ("(атака OR штурм", "( at character 1 is never closed"),
    ("атака) штурм", ") at character 6 closes nothing"),
    ("", "empty query"),
    ("*", "would match every article"),
    ("— …", "no searchable words"),
    ("атака date:2022-13", "'2022-13' is not a date"),
    ("атака date:", "date: needs a date"),
    ("атака~3", "'атака~3': at most 2"),
    ("source:=sputnik", "not in source"),
])
def test_bad_queries_say_where_on_each_engine(samples_archive, query, message):
    from newsgrep.searching import count, search
    pattern = message.replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(QueryError, match=pattern):
        count(samples_archive, query)
    with pytest.raises(QueryError, match=pattern):
        search(samples_archive, query)


@pytest.mark.parametrize("query, same_as", [
    ("кто виноват?", "кто виноват"),                  # a trailing ? is punctuation
    ("«здание полиции»", '"здание полиции"'),          # guillemets quote a phrase
    ("атака -учения", "атака NOT учения"),
    ("атака -=атак", "атака NOT =атак"),
    ("=атак*", "атак*"),                              # "=" before a wildcard changes nothing
    ("дата:2022-03-14", "date:2022-03-14"),
    ("(атака OR удар) полиция", "атака полиция OR удар полиция"),
    ("призидента~", "президента"),
])
def test_equivalent_queries_find_the_same_articles(samples_archive, query, same_as):
    from newsgrep.searching import search
    found = {h.id for h in search(samples_archive, query, limit=None, partial=False).hits}
    assert found == {h.id for h in search(samples_archive, same_as, limit=None,
                                          partial=False).hits}


def test_fields_negation_and_hyphens_on_each_engine(samples_archive):
    from newsgrep.searching import count
    everything = count(samples_archive, "атака")
    assert 0 < count(samples_archive, "title:атака") < everything
    assert count(samples_archive, "атака -учения") == everything - count(samples_archive,
                                                                           "атака учения")
    assert count(samples_archive, "Ростов-на-Дону") == count(samples_archive, '"Ростов на Дону"')
    assert count(samples_archive, "атака~") >= everything
