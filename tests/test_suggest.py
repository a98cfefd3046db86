"""Did you mean: keyboard layouts, transliteration, spelling, on the sample archive."""
from __future__ import annotations

import pytest

from newsgrep.searching import count
from newsgrep.query.fuzzy import distance as _distance
from newsgrep.suggest import layout_to_cyrillic, layout_to_latin, suggest, transliterations


@pytest.mark.parametrize("typed, meant", [
    ("fnfrf", "атака"),
    ("ghbdtn", "привет"),
    ("Fkvfns", "Алматы"),
    ("FKVFNS", "АЛМАТЫ"),
    ("gjkbwbz", "полиция"),
    ("[jhjij", "хорошо"),          # [ is the х key
    ("'nj", "это"),                # ' is the э key
    ("j,kfcnm", "область"),        # , is the б key
    ("k.lb", "люди"),              # . is the ю key
    ("`krf", "ёлка"),              # ` is the ё key
    ("ntcn 123", "тест 123"),      # digits and spaces stay
])
def test_qwerty_typed_for_jcuken(typed, meant):
    assert layout_to_cyrillic(typed) == meant


@pytest.mark.parametrize("typed, meant", [
    ("шзрщту", "iphone"),
    ("Ызгетшл", "Sputnik"),
    ("руддщ", "hello"),
    ("привет, мир.", "ghbdtn, vbh."),   # punctuation typed as such stays
    ("хорошо", "[jhjij"),
    ("ёжик", "`;br"),
])
def test_jcuken_typed_for_qwerty(typed, meant):
    assert layout_to_latin(typed) == meant


@pytest.mark.parametrize("word", ["атака", "Алматы", "Ростов-на-Дону", "ёжик"])
def test_layouts_round_trip(word):
    assert layout_to_cyrillic(layout_to_latin(word)) == word


@pytest.mark.parametrize("latin, cyrillic", [
    ("almaty", "алматы"),
    ("moskva", "москва"),
    ("bishkek", "бишкек"),
    ("kazakhstan", "казахстан"),
    ("shchuchinsk", "щучинск"),
    ("schuchinsk", "щучинск"),
    ("zhanaozen", "жанаозен"),
    ("janaozen", "жанаозен"),
    ("tsentr", "центр"),
    ("centr", "центр"),
    ("chelyabinsk", "челябинск"),
    ("cheljabinsk", "челябинск"),
    ("yaroslavl'", "ярославль"),
    ("jaroslavl", "ярославл"),
    ("iakutsk", "якутск"),
    ("yuzhno-sakhalinsk", "южно-сахалинск"),
    ("ekonomika", "экономика"),
    ("novyi", "новый"),
    ("novyy", "новый"),
    ("dmitrii", "дмитрий"),
    ("sergey", "сергей"),
    ("kiev", "киев"),
    ("pod''ezd", "подъезд"),
    ("khabarovsk", "хабаровск"),
    ("habarovsk", "хабаровск"),
    ("ust-kamenogorsk", "уст-каменогорск"),
])
def test_transliterations_include_the_word(latin, cyrillic):
    assert cyrillic in transliterations(latin)


def test_transliteration_ranks_usual_spellings_first_and_is_bounded():
    assert transliterations("almaty")[:3].count("алматы") == 1
    assert len(transliterations("a" * 40, limit=50)) <= 50
    assert transliterations("атака") == [] and transliterations("") == []
    assert transliterations("a1") == []


@pytest.mark.parametrize("a, b, n", [
    ("призидент", "президент", 1), ("атака", "атака", 0), ("атака", "аткаа", 1),
    ("атака", "атаки", 1), ("кот", "ток", 2), ("", "абв", 3),
])
def test_distance(a, b, n):
    assert _distance(a, b) == n


@pytest.mark.parametrize("typed, meant, kind", [
    ("fnfrf", "атака", "keyboard layout"),
    ("ghbdtn", "привет", "keyboard layout"),
    ("almaty", "Алматы", "transliteration"),
    ("призидент", "президент", "spelling"),
    ("шзрщту", "iPhone", "keyboard layout"),
])
def test_suggestions_find_something_in_the_samples(samples_archive, typed, meant, kind):
    found = count(samples_archive, typed)
    assert found <= 1  # «Almaty Running Club» is in one sample, once the HTML reader reads it
    s = suggest(samples_archive, typed, found=found)
    assert s is not None
    assert s.query == meant
    assert [(c.original, c.replacement, c.kind) for c in s.changes] == [(typed, meant, kind)]
    assert s.count == count(samples_archive, s.query) > 10 * found


def test_found_words_get_no_spelling_suggestion(samples_archive):
    # «Бишкеке» is found; a close common word is not offered in its place.
    assert suggest(samples_archive, "Бишкеке", found=count(samples_archive, "Бишкеке")) is None
    assert suggest(samples_archive, "iPhone", found=count(samples_archive, "iPhone")) is None


def test_only_unknown_words_are_replaced_and_operators_kept(samples_archive):
    s = suggest(samples_archive, "title:fnfrf OR (Алматы AND ghbdtn)")
    assert s is not None
    assert s.query == "title:атака OR (Алматы AND привет)"


def test_phrases_and_exact_forms_keep_their_marks(samples_archive):
    s = suggest(samples_archive, '"plfybt gjkbwbb"')
    assert s is not None and s.query == '"здание полиции"'
    s = suggest(samples_archive, "=fnfr")
    assert s is not None and s.query == "=атак"


def test_no_suggestion_when_every_word_is_known_or_nothing_fits(samples_archive):
    assert suggest(samples_archive, "атака крокодил") is None     # крокодил: no near word
    assert suggest(samples_archive, "Алматы Бишкек date:2023") is None  # known words
    assert suggest(samples_archive, "xqzvw") is None


def test_suggest_never_crashes(samples_archive):
    from hypothesis import given, settings, strategies as st

    from newsgrep.errors import NewsgrepError

    @settings(max_examples=150, deadline=None)
    @given(st.text(alphabet=st.sampled_from(list("fnrkghbdtnалмыАЛ[];',.`-=*?~():\" OR")),
                   max_size=30))
    def check(text):
        try:
            s = suggest(samples_archive, text)
        except NewsgrepError:
            return
        assert s is None or s.count > 0

    check()


# ---------------------------------------------------------------- bounded work (issue 16, item 1)

def test_best_first_yields_the_likeliest_combinations_and_holds_few():
    from newsgrep.suggest import _best_first

    combos = list(_best_first([3, 3, 2], 6))
    assert combos[0] == (0, 0, 0)
    assert sorted(combos[1:4]) == [(0, 0, 1), (0, 1, 0), (1, 0, 0)]
    assert all(sum(c) == 2 for c in combos[4:])
    # 3**60 combinations exist; only the first few are ever made.
    assert len(list(_best_first([3] * 60, 27))) == 27
    assert list(_best_first([2, 0], 5)) == []


def test_many_misspelt_words_get_no_suggestion_without_looking_for_corrections(
        samples_archive, monkeypatch):
    """Issue 16, item 1: 60 misspelt words must not cost a correction look-up each."""
    from newsgrep import suggest as module

    looked_up = []
    real = module._Vocabulary.corrections
    monkeypatch.setattr(module._Vocabulary, "corrections",
                        lambda self, word, *a, **k: looked_up.append(word) or real(self, word, *a, **k))
    words = " ".join(f"слвоъ{chr(0x430 + i % 32)}{chr(0x430 + i // 32)}" for i in range(60))
    assert module.suggest(samples_archive, words) is None
    assert looked_up == []


def test_combinations_of_corrections_are_never_all_built(samples_archive, monkeypatch):
    """Issue 16, item 1: 14 words of 3 corrections each are 4.8 M combinations; the
    suggestion tries a few, best first, in little memory."""
    import tracemalloc

    from newsgrep import suggest as module

    monkeypatch.setattr(module._Vocabulary, "corrections", lambda self, word, *a, **k: [
        ("атака", "spelling"), ("полиция", "spelling"), ("Алматы", "spelling")])
    tried = []
    from newsgrep.archive import open_archive

    with open_archive(samples_archive) as archive:
        Engine = type(archive.engine)  # the engine of this run's parameter
    real_query = module.__dict__.get("_Query")
    real = Engine.count

    def counting(self, spec):
        tried.append(spec.text)
        return real(self, spec)

    monkeypatch.setattr(Engine, "count", counting)
    words = " ".join(f"слвоъ{chr(0x430 + i)}" for i in range(14))
    tracemalloc.start()
    try:
        module.suggest(samples_archive, words)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert real_query is None
    assert peak < 30 << 20
    assert 1 <= len(tried) <= 27
