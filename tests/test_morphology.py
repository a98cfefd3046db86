"""Lemma-mode morphology: word -> index terms."""
from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings, strategies as st

from newsgrep import morphology
from newsgrep.errors import ExitCode, MorphologyUnavailable, NewsgrepError


@pytest.fixture(scope="module")
def lem():
    pytest.importorskip("pymorphy3")
    return morphology.Lemmatizer()


# word -> a term its terms must contain (known words: dictionary lemmas, ё folded)
CONTAINS = [
    # irregular forms
    ("шёл", "идти"),
    ("шел", "идти"),
    ("шла", "идти"),
    ("шли", "идти"),
    ("идти", "идти"),
    ("люди", "человек"),
    ("людьми", "человек"),
    ("человека", "человек"),
    ("дети", "ребенок"),
    ("детей", "ребенок"),
    ("ребёнка", "ребенок"),
    ("лучше", "хороший"),      # OpenCorpora: COMP of хороший (also the particle лучше)
    ("лучший", "хороший"),     # Supr
    ("хорошего", "хороший"),
    ("лет", "год"),
    # surnames, names, places in the dictionary
    ("матвеев", "матвеев"),
    ("матвеева", "матвеев"),
    ("матвеевой", "матвеев"),
    ("путина", "путин"),
    ("путиным", "путин"),
    ("москвы", "москва"),
    ("санкт-петербурге", "санкт-петербург"),
    # ambiguity: both readings of стали/мыла are probable enough to keep
    ("стали", "стать"),
    ("мыла", "мыло"),
    ("мыла", "мыть"),
    # ё folded on input and output
    ("ещё", "еще"),
    ("елка", "елка"),
    ("ёлки", "елка"),
    ("пришёл", "прийти"),
    ("пришел", "прийти"),
    # participles and gerunds go to the verb
    ("сделанный", "сделать"),
    ("сделав", "сделать"),
    ("заявил", "заявить"),
    ("заявила", "заявить"),
]


@pytest.mark.parametrize("word, term", CONTAINS)
def test_terms_contain(lem, word, term):
    assert term in lem.terms(word)


# improbable readings are dropped (below DEFAULT_MIN_SCORE)
NOT_CONTAINS = [
    ("после", "посол"),
    ("мира", "миро"),
    ("для", "длить"),
    ("стали", "сталь"),   # P(сталь | стали) ~ 0.03 in OpenCorpora: the cost of the threshold
]


@pytest.mark.parametrize("word, term", NOT_CONTAINS)
def test_improbable_reading_dropped(lem, word, term):
    assert term not in lem.terms(word)


# pairs of forms that must share a term (the search matches when term sets meet)
SAME_LEXEME = [
    ("идти", "шла"),
    ("человек", "люди"),
    ("ребенок", "дети"),
    ("хороший", "лучше"),
    ("матвеев", "матвеева"),
    ("матвеева", "матвеевым"),
    # unknown to the dictionary: guessed lemmas + Snowball stem
    ("тиллерсон", "тиллерсона"),
    ("черчесов", "черчесова"),       # stem alone splits these (черчес / черчесов)
    ("черчесов", "черчесовым"),
    ("ракка", "ракке"),
    ("ракки", "ракке"),              # guesses alone split these
    ("биткоин", "биткоинов"),
    ("брексит", "брексита"),
]


@pytest.mark.parametrize("a, b", SAME_LEXEME)
def test_forms_share_a_term(lem, a, b):
    assert set(lem.terms(a)) & set(lem.terms(b)), (lem.terms(a), lem.terms(b))


# exact results for the deterministic paths
EXACT = [
    ("", ()),
    ("2023", ("2023",)),
    ("covid-19", ("covid-19",)),       # mixed letters/digits: kept whole
    ("iphones", ("iphon",)),            # Latin: English Snowball
    ("running", ("run",)),
    ("вкс", ("вкс",)),                  # short unknown word (acronym): kept whole
    ("ниу", ("ниу",)),                  # ... not stemmed to the particle ни
    ("ребёнок", ("ребенок",)),
    ("Ребёнок", ("ребенок",)),
    ("шёл", ("идти",)),
    ("стали", ("стать",)),
]


@pytest.mark.parametrize("word, expected", EXACT)
def test_exact_terms(lem, word, expected):
    assert lem.terms(word) == expected


def test_no_yo_and_lower_case_in_terms(lem):
    for word in ["Ёжик", "ЁЛКА", "Пётр", "Королёв", "Шёл", "ЧЕРЧЕСОВЁМ", "ёмкость"]:
        terms = lem.terms(word)
        assert terms
        for t in terms:
            assert "ё" not in t and t == t.lower(), (word, terms)


@pytest.mark.parametrize("word", ["Путина", "ПУТИНА", "путина", "Тиллерсона", "ТИЛЛЕРСОНА"])
def test_case_does_not_change_terms(lem, word):
    assert lem.terms(word) == lem.terms(word.lower())


def test_yo_spelling_does_not_change_terms(lem):
    for a, b in [("шёл", "шел"), ("ребёнок", "ребенок"), ("всё", "все"), ("её", "ее")]:
        assert lem.terms(a) == lem.terms(b)


def test_most_probable_lemma_first(lem):
    assert lem.terms("стали")[0] == "стать"
    assert lem.terms("лучше")[0] == "хороший"


# ---------------------------------------------------------------- cache

def test_cache_hit_returns_same_result_without_analysis():
    pytest.importorskip("pymorphy3")
    lem = morphology.Lemmatizer()
    first = lem.terms("переговоры")
    assert lem.misses == 1 and lem.cache_len == 1
    assert lem.terms("переговоры") is first
    assert lem.misses == 1
    lem.clear_cache()
    assert lem.cache_len == 0 and lem.misses == 0


def test_cache_is_bounded_and_results_do_not_depend_on_it():
    pytest.importorskip("pymorphy3")
    capped = morphology.Lemmatizer(cache_size=2)
    words = ["стали", "люди", "тиллерсона", "шла", "стали", "2023", "люди"]
    got = [capped.terms(w) for w in words]
    assert capped.cache_len == 2
    # past the cap, words are analysed every time with the same result
    assert capped.terms("шла") == capped.terms("шла")
    fresh = morphology.Lemmatizer()
    assert got == [fresh.terms(w) for w in reversed(words)][::-1]


def test_order_of_analysis_does_not_change_results():
    pytest.importorskip("pymorphy3")
    words = ["Стали", "стали", "сталь", "Ракке", "ракки", "лучше", "ЛУЧШЕ"]
    a, b = morphology.Lemmatizer(), morphology.Lemmatizer()
    ra = {w: a.terms(w) for w in words}
    rb = {w: b.terms(w) for w in reversed(words)}
    assert ra == rb


def test_shared_instance_is_created_once():
    pytest.importorskip("pymorphy3")
    assert morphology.get_lemmatizer() is morphology.get_lemmatizer()


# ---------------------------------------------------------------- text / bench

def test_analyse_text_keeps_order_and_hyphenated_words(lem):
    assert lem.analyse_text("Дети шли в Санкт-Петербург, 2023") == [
        "ребенок", *lem.terms("шли"), *lem.terms("в"), "санкт-петербург", "2023"]


def test_terms_for_bench_word_and_text():
    pytest.importorskip("pymorphy3")
    assert morphology.terms_for_bench("Шёл") == ["идти"]
    assert morphology.terms_for_bench("люди шли") == ["человек", "идти", "слать"]


def test_rejects_unknown_strategy():
    pytest.importorskip("pymorphy3")
    with pytest.raises(ValueError):
        morphology.Lemmatizer(strategy="best")
    with pytest.raises(ValueError):
        morphology.Lemmatizer(unknown="guess")


# ---------------------------------------------------------------- without pymorphy3

def test_missing_pymorphy3_raises_with_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "pymorphy3", None)  # import raises ImportError
    with pytest.raises(MorphologyUnavailable) as exc:
        morphology.Lemmatizer()
    assert isinstance(exc.value, NewsgrepError)
    assert exc.value.exit_code == ExitCode.ERROR
    assert "pip install" in str(exc.value) and "pymorphy3-dicts-ru" in str(exc.value)
    assert not morphology.available()


def test_normalize():
    assert morphology.normalize("ЁЛКА Ёж") == "елка еж"


# ---------------------------------------------------------------- never crashes

@settings(max_examples=300, deadline=None)
@given(st.text())
def test_analyse_text_never_crashes(text):
    pytest.importorskip("pymorphy3")
    lem = morphology.get_lemmatizer()
    for term in lem.analyse_text(text):
        assert isinstance(term, str) and term
        assert "ё" not in term and "Ё" not in term


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАЁЯ-", min_size=1, max_size=20))
def test_cyrillic_words_get_terms(word):
    pytest.importorskip("pymorphy3")
    lem = morphology.get_lemmatizer()
    terms = lem.terms(word)
    assert isinstance(terms, tuple)
    assert terms == lem.terms(word)  # deterministic, cached or not


def test_signature_names_dictionary_and_policy(lem):
    sig = lem.signature
    assert sig.startswith("newsgrep-lemma/")
    assert "opencorpora=" in sig and "?" not in sig
    assert "strategy=threshold:0.1" in sig
    other = morphology.Lemmatizer(strategy="all")
    assert other.signature != sig


# hyphenated tokens (if the tokenizer keeps them whole) and known prefixes
HYPHEN_AND_PREFIX = [
    ("интернет-магазина", "интернет-магазин"),
    ("вице-премьера", "вице-премьер"),
    ("экс-президента", "экс-президент"),
    ("контрсанкций", "контрсанкция"),   # known prefix + dictionary word
    ("смотри-ка", "смотреть-ка"),
]


@pytest.mark.parametrize("word, term", HYPHEN_AND_PREFIX)
def test_hyphenated_and_prefixed(lem, word, term):
    assert term in lem.terms(word)


def test_import_does_not_load_pymorphy3():
    import subprocess
    code = ("import sys, newsgrep.morphology; "
            "sys.exit('pymorphy3' in sys.modules or 'Stemmer' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
