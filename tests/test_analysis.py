"""The analyzer: table-driven rows, the Snowball reference, morphbench, and never-crash."""
from __future__ import annotations

import gzip

import pytest
from hypothesis import given, strategies as st

from newsgrep.analysis import NewsAnalyzer, terms, word_spans


@pytest.mark.parametrize("text, expected", [
    ("атака", ["атак"]),
    ("атаками", ["атак"]),
    ("АТАК", ["атак"]),
    ("Ёлка", ["елк"]),
    ("елка", ["елк"]),
    ("йод", ["йод"]),                      # й stays й
    ("и\u0306од", ["йод"]),                # decomposed й composes (NFC)
    ("ви\u0301ски", ["виск"]),             # a stress accent does not split a word
    ("2022", ["2022"]),
    ("1 022", ["1", "022"]),
    ("sheets", ["sheet"]),                 # Latin words get English stems
    ("running", ["run"]),
    ("Sputnik", ["sputnik"]),
    ("Нур-Султане", ["нур-султан", "нур", "султан"]),
    ("в Ростове-на-Дону", ["в", "ростов-на-дон", "ростов", "на", "дон"]),
    ("COVID-19", ["covid-19", "covid", "19"]),
    ("HОВОСТИ", ["новост"]),               # Latin H typed for Cyrillic Н
    ("snake_case", ["snake", "case"]),
    ("", []),
    ("— «» …", []),
])
def test_terms(text, expected):
    assert terms(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("шёл", ["идти"]),                     # suppletive forms meet their lemma
    ("Люди", ["человек"]),
    ("дети", ["ребенок"]),                 # ё folded in lemmas too
    ("мыла", ["мыло", "мыть"]),            # ambiguous: both readings (at one position)
    ("стали", ["стать"]),                  # ... but not an improbable one (сталь)
    ("в Ростове-на-Дону", ["в", "ростов-на-дону", "ростов", "на", "дон"]),
    ("COVID-19", ["covid-19", "covid", "19"]),
    ("iPhone-версия", ["iphon-версия", "iphon", "версия"]),  # mixed: the parts' terms joined
    ("sheets", ["sheet"]),                 # not Russian: as in stem mode
    ("2022", ["2022"]),
    ("HОВОСТИ", ["новость"]),              # look-alike letters folded first
    ("ви\u0301ски", ["виски"]),
    ("Қазақстан", ["қазақста"]),           # Cyrillic, not Russian: stemmed
    ("", []),
])
def test_lemma_terms(text, expected):
    assert terms(text, morphology="lemma") == expected


def test_unknown_words_get_guesses_and_the_stem():
    got = terms("Черчесова", morphology="lemma")
    assert "черчесов" in got and got == terms("черчесова", morphology="lemma")


def test_lemma_positions_and_modes():
    from newsgrep.analysis import live_signature

    a = NewsAnalyzer("lemma", live_signature())
    toks = [(t.text, t.pos) for t in a("Руки мыла в Ростове-на-Дону", positions=True)]
    assert toks == [("рука", 0), ("мыло", 1), ("мыть", 1), ("в", 2), ("ростов-на-дону", 3),
                    ("ростов", 3), ("на", 4), ("дон", 5)]
    assert [t.text for t in a("Ростове-на-Дону", mode="query")] == ["ростов-на-дону"]
    assert [t.text for t in a("Ростове-на-Дону", mode="phrase")] == ["ростов", "на", "дон"]
    assert [(t.text, t.pos) for t in a("мыла руки", mode="query", positions=True)] == [
        ("мыло", 0), ("мыть", 0), ("рука", 1)]


def test_lemma_word_spans():
    text = "Шли в Ростове-на-Дону"
    assert [(text[s:e], t) for s, e, t in word_spans(text, "lemma")] == [
        ("Шли", "идти"), ("Шли", "слать"), ("в", "в"), ("Ростове-на-Дону", "ростов-на-дону"),
        ("Ростове", "ростов"), ("на", "на"), ("Дону", "дон")]


def test_unknown_morphology_is_an_error():
    with pytest.raises(ValueError):
        terms("атака", morphology="lemmas")
    with pytest.raises(ValueError):
        NewsAnalyzer("snowball")


def test_morphbench_lemma_mode(shared, tmp_path):
    """Must show: recall >= 0.97 and over-conflation <= 4 with --match overlap (dev set)."""
    import json
    import subprocess
    import sys

    from .conftest import REPO

    out = tmp_path / "mb.json"
    proc = subprocess.run(
        [sys.executable, str(shared / "morphbench" / "bench.py"), "--match", "overlap", "--no-speed",
         "--analyzer", "newsgrep.analysis:lemma_terms", "--json", str(out)],
        capture_output=True, text=True, env={**__import__("os").environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    [row] = json.loads(out.read_text())
    assert row["recall"] >= 0.97 and row["overconflation"] <= 4, row


def test_latin_words_never_get_russian_stems():
    # A Russian stemmer would cut "-es"/"-s" differently or not at all; English gives these.
    assert terms("presidents elections running") == ["presid", "elect", "run"]


def test_query_mode_keeps_hyphenated_words_whole_and_phrase_mode_splits_them():
    a = NewsAnalyzer()
    assert [t.text for t in a("Нур-Султан", mode="query")] == ["нур-султа"]
    assert [t.text for t in a("Нур-Султан", mode="phrase")] == ["нур", "султа"]


def test_index_positions_let_a_phrase_of_the_parts_match():
    a = NewsAnalyzer()
    toks = [(t.text, t.pos) for t in a("в Ростове-на-Дону тепло", positions=True)]
    assert toks == [("в", 0), ("ростов-на-дон", 1), ("ростов", 1), ("на", 2), ("дон", 3),
                    ("тепл", 4)]


def test_word_spans_point_into_the_original_text():
    text = "Ёлки в Ростове-на-Дону"
    spans = [(text[s:e], t) for s, e, t in word_spans(text)]
    assert spans == [("Ёлки", "елк"), ("в", "в"), ("Ростове-на-Дону", "ростов-на-дон"),
                     ("Ростове", "ростов"), ("на", "на"), ("Дону", "дон")]


def test_every_kept_word_of_the_snowball_vocabulary_gets_the_reference_stem(shared):
    folder = shared / "morphbench" / "snowball-russian"
    words = (folder / "voc.txt").read_text(encoding="utf-8").split()
    stems = (folder / "output.txt").read_text(encoding="utf-8").split()
    assert len(words) == len(stems) > 40_000
    wrong = [(w, s, terms(w)) for w, s in zip(words, stems) if terms(w) not in ([s], [])]
    assert wrong == []


def test_morphbench_yo_forms_get_the_same_terms(shared):
    path = shared / "morphbench" / "dev" / "forms.tsv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        forms = [line.split("\t")[2] for line in fh][1:]
    yo = [f for f in forms if "ё" in f]
    assert len(yo) > 100
    assert [f for f in yo if terms(f) != terms(f.replace("ё", "е"))] == []


@given(st.text())
def test_analyzer_never_crashes_and_spans_are_in_bounds(text):
    for s, e, term in word_spans(text):
        assert 0 <= s < e <= len(text)
        assert term
    assert isinstance(terms(text), list)


@pytest.mark.parametrize("text, expected", [
    ("атака", ["атака"]),
    ("атак", ["атак"]),                          # not conflated with «атака»
    ("Атаками", ["атаками"]),
    ("Ёлка", ["елка"]),                          # ё folded, as for stems
    ("ви\u0301ски", ["виски"]),                  # stress accent dropped
    ("HОВОСТИ", ["новости"]),                    # Latin look-alike folded
    ("iPhone", ["iphone"]),
    ("running", ["running"]),                    # Latin words are not stemmed either
    ("Нур-Султане", ["нур-султане", "нур", "султане"]),
    ("COVID-19", ["covid-19", "covid", "19"]),
    ("— «» …", []),
])
def test_exact_terms(text, expected):
    from newsgrep.analysis import exact_terms
    assert exact_terms(text) == expected


def test_query_forms_modes_and_spans():
    from newsgrep.analysis import form_spans, query_forms
    assert query_forms("в Ростове-на-Дону") == ["в", "ростове-на-дону"]
    assert query_forms("в Ростове-на-Дону", "phrase") == ["в", "ростове", "на", "дону"]
    text = "Атаки и атак"
    assert [(text[s:e], f) for s, e, f in form_spans(text)] == [
        ("Атаки", "атаки"), ("и", "и"), ("атак", "атак")]


@given(st.text())
def test_lemma_analyzer_never_crashes_and_spans_are_in_bounds(text):
    for s, e, term in word_spans(text, "lemma"):
        assert 0 <= s < e <= len(text)
        assert term
