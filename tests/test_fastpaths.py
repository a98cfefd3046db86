"""Fast paths give exactly what the straightforward code gives."""
from __future__ import annotations

import io
from datetime import datetime

from hypothesis import given, settings, strategies as st

from newsgrep import render
from newsgrep.analysis import (_analyze, _analyze_lemma, _live_lemmatize, lemma_matching_spans,
                               lemma_postings, matching_spans, postings, word_spans)
from newsgrep.searching import Hit


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("аАбвё́е-‐ xyzXZ019_,.\n"), max_size=60))
def test_fast_postings_match_the_analyzer(text):
    expected: dict[str, list[int]] = {}
    for term, pos, _, _ in _analyze(text, "index"):
        expected.setdefault(term, []).append(pos)
    assert list(postings(text).items()) == list(expected.items())


def _slow_spans(text, wanted):
    spans = []
    for s, e, term in word_spans(text):
        if term in wanted and not (spans and s < spans[-1][1]):
            spans.append((s, e))
    return spans


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("аАбБвЁёе́й-‐ xXyYaAcCoO019_,.\nßİ"), max_size=50), st.data())
def test_fast_highlight_spans_match_the_analyzer(text, data):
    terms = sorted({t for _, _, t in word_spans(text)} | {"а", "x", "ss"})
    wanted = set(data.draw(st.lists(st.sampled_from(terms), max_size=4)))
    assert matching_spans(text, wanted) == _slow_spans(text, wanted)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("аАбБвЁёе́й-‐ xXyYaAcCoOН019_,.\nßİ"), max_size=50),
       st.data())
def test_fast_form_highlight_spans_match_the_analyzer(text, data):
    from newsgrep.analysis import form_spans
    forms = sorted({f for _, _, f in form_spans(text)} | {"а", "x", "ss"})
    wanted = set(data.draw(st.lists(st.sampled_from(forms), max_size=4)))
    spans = []
    for s, e, form in form_spans(text):
        if form in wanted and not (spans and s < spans[-1][1]):
            spans.append((s, e))
    assert matching_spans(text, wanted, forms=True) == spans


_TEXT = st.text(alphabet=st.sampled_from("аБ x[]/\t\n\x1b\u0301字🙂 ·…"), max_size=30)
_SNIPPET = st.text(alphabet=st.sampled_from("аБ x[]/\x1b\u0301字🙂 ·…"), max_size=40)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_TEXT, _TEXT, _TEXT, _SNIPPET, st.booleans()), min_size=1, max_size=3))
def test_plain_hits_are_what_rich_prints_without_colour(rows):
    # (Snippets have visible text: rich prints nothing at all for one of width 0.)
    hits = [Hit(id="1", path="/a/" + path, key="", title=title, source=source, section="",
                date=datetime(2022, 2, 9) if dated else None, url="", score=1.0, rank=1,
                snippet=("x" + snippet) if snippet else "", spans=[(0, 1)] if snippet else [],
                title_spans=[(0, 1)] if title else [])
            for title, source, path, snippet, dated in rows]
    rich_out, plain_out = io.StringIO(), io.StringIO()
    render.print_hits(render.make_console("never", file=rich_out), hits)
    render.write_hits_plain(plain_out, hits)
    assert plain_out.getvalue() == rich_out.getvalue()


def test_only_the_news_analyzer_itself_takes_the_fast_paths():
    from newsgrep.analysis import NewsAnalyzer

    class Unstemmed(NewsAnalyzer):  # e.g. an exact-form analyzer built on this one
        pass

    assert NewsAnalyzer().postings is postings
    assert Unstemmed().postings is None
    assert NewsAnalyzer("lemma").postings is lemma_postings


def test_text_fields_take_the_fast_path_and_the_rest_whooshs():
    """The segment writer's plan: the analysed fields (author too) by postings(), ids,
    dates, keywords by Whoosh's own index(); stored-only fields (source_raw) not indexed."""
    from newsgrep.engine.whoosh import segments
    from newsgrep.engine.whoosh.schema import build_schema

    kinds = {name: kind for name, _, kind, *_ in segments._plan(build_schema())}
    for name in ("title", "body", "source", "author", "section"):
        assert kinds[name] == segments._FAST_POSITIONS, name
    for name in ("id", "file", "date", "tags", "path"):
        assert kinds[name] == segments._GENERIC, name
    assert kinds["source_raw"] == 0


def test_fast_postings_of_hyphenated_words():
    text = "Атаки и атака в Нур-Султане, АТАКИ"
    assert postings(text) == {"атак": [0, 2, 6], "и": [1], "в": [3], "нур-султан": [4],
                              "нур": [4], "султан": [5]}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("аАбвё́е-‐ xyzXZaocO019_,.\n"), max_size=60))
def test_fast_word_forms_are_the_exact_terms(text):
    from newsgrep.analysis import exact_terms, word_forms, words

    found: list[str] = []
    stems = postings(text, words_out=found)
    assert found == words(text)
    assert stems == postings(text)
    assert word_forms(found) == set(exact_terms(text))
    assert word_forms(found) == set(exact_terms(text))  # again, from the caches


# ---------------------------------------------------------------- lemma mode
# Words that exercise every path: ambiguous words (several terms at one
# position), suppletive forms, unknown words (guesses + stem), Latin words,
# numbers, look-alike letters, hyphenated wholes of Russian words and of
# mixed ones, stress accents.
_LEMMA_WORDS = ["стали", "мыла", "шёл", "люди", "Дети", "ребёнка", "Ростове-на-Дону", "кто-то",
                "Нур-Султане", "iPhone-версия", "COVID-19", "HОВОСТИ", "Черчесова", "ВКС",
                "атака", "атак", "ви\u0301ски", "2022", "sheets", "е", "для", "после"]
_LEMMA_TEXT = st.lists(st.one_of(st.sampled_from(_LEMMA_WORDS),
                                 st.text(alphabet=st.sampled_from("аАбвё́е-‐ xyzXZ019_"),
                                         max_size=6)),
                       max_size=12).map(lambda ws: " ".join(ws))


@settings(max_examples=300, deadline=None)
@given(_LEMMA_TEXT)
def test_fast_lemma_postings_match_the_analyzer(text):
    expected: dict[str, list[int]] = {}
    for term, pos, _, _ in _analyze_lemma(text, "index", _live_lemmatize()):
        expected.setdefault(term, []).append(pos)
    assert list(lemma_postings(text).items()) == list(expected.items())


def test_lemma_postings_put_an_ambiguous_word_s_terms_at_one_position():
    assert lemma_postings("Руки мыла в Ростове-на-Дону") == {
        "рука": [0], "мыло": [1], "мыть": [1], "в": [2], "ростов-на-дону": [3], "ростов": [3],
        "на": [4], "дон": [5]}


def _slow_lemma_spans(text, wanted):
    spans = []
    for s, e, term in word_spans(text, "lemma"):
        if term in wanted and not (spans and s < spans[-1][1]):
            spans.append((s, e))
    return spans


@settings(max_examples=300, deadline=None)
@given(_LEMMA_TEXT, st.data())
def test_lemma_highlight_by_forms_matches_the_analyzer(text, data):
    from newsgrep.analysis import _HYPHENS, _WORD, is_russian, lemma_key

    lemmatize = _live_lemmatize()
    index = {}  # key -> terms of the Russian words of the text: what a complete lexicon holds
    for m in _WORD.finditer(text):
        parts = _HYPHENS.split(m.group())
        keys = [lemma_key(p) for p in parts] + ["-".join(lemma_key(p) for p in parts)]
        for key in keys:
            if is_russian(key):
                index[key] = lemmatize(key)
    terms = sorted({t for _, _, t in word_spans(text, "lemma")} | {"идти", "x"})
    wanted = set(data.draw(st.lists(st.sampled_from(terms), max_size=4)))
    forms = {k for k, ts in index.items() if set(ts) & wanted}
    assert lemma_matching_spans(text, wanted, forms, lemmatize) == _slow_lemma_spans(text, wanted)


def test_freeing_the_word_caches_changes_no_analysis():
    """A writer empties the caches before each segment: the fast paths give the
    same after, in both modes, and the caches do refill."""
    from newsgrep import analysis

    text = ("Атака на Ростов-на-Дону: атаки, атак и «Атака». HОВОСТИ шли, люди шёл. "
            "Нур-Султан, iPhone-версия, 2022 год. ") * 3
    words = analysis.words(text)
    before = (postings(text), lemma_postings(text), analysis.word_forms(words))
    analysis.free_caches()
    assert not analysis._ENTRIES and not analysis._FORMS and not analysis._LEMMA_ENTRIES
    assert (postings(text), lemma_postings(text), analysis.word_forms(words)) == before
    assert analysis._ENTRIES and analysis._FORMS and analysis._LEMMA_ENTRIES
