"""Queries, ranking, and the exact spans of highlighted word forms."""
from __future__ import annotations

import pytest

from newsgrep.errors import IndexNotFound, QueryError
from newsgrep.searching import count, make_snippet, match_spans, search


def _titles(result):
    return [h.title for h in result.hits]


def _marked(text, spans):
    return [text[s:e] for s, e in spans]


def test_every_form_is_found_and_highlighted(fixture_archive):
    [hit] = search(fixture_archive, "турист").hits
    assert hit.title.startswith("Спасатели вывели 14 туристов")
    assert _marked(hit.title, hit.title_spans) == ["туристов"]
    assert "туристов" in _marked(hit.snippet, hit.spans)


def test_spans_are_exact_in_title_and_snippet(fixture_archive):
    [hit] = search(fixture_archive, "метель").hits
    assert _marked(hit.title, hit.title_spans) == ["метели"]
    assert _marked(hit.snippet, hit.spans) == ["метель"]


def test_default_operator_is_and(fixture_archive):
    assert count(fixture_archive, "мост турист") == 0
    assert count(fixture_archive, "мост OR турист") == 2


def test_not_excludes_and_is_not_highlighted(fixture_archive):
    assert count(fixture_archive, "Алматы") == 2
    [hit] = search(fixture_archive, "Алматы NOT туристы").hits
    assert hit.title == "Курс тенге укрепился к концу недели"
    [hit] = search(fixture_archive, "Алматы AND NOT (мост OR курс)").hits
    assert _marked(hit.snippet, hit.spans) == ["Алматы"]
    [hit] = search(fixture_archive, "туристов NOT Бишкек").hits
    assert {w.lower() for w in _marked(hit.snippet, hit.spans)} == {"туристов"}


def test_phrase(fixture_archive):
    assert count(fixture_archive, '"спасательной станции"') == 1
    assert count(fixture_archive, '"станции спасательной"') == 0


def test_field_prefixes(fixture_archive):
    assert _titles(search(fixture_archive, "title:мост")) == [
        "Аким открыл новый мост через Большую Алматинку"]
    assert count(fixture_archive, "source:sputnik") == 1
    assert count(fixture_archive, "section:спорт") == 1
    assert count(fixture_archive, "path:headers") == 1


def test_title_matches_rank_above_body_matches(fixture_archive):
    # «Бишкек» is in one title and in another article's body only.
    hits = search(fixture_archive, "Бишкек").hits
    assert hits[0].title.startswith("В Бишкеке")


def test_hyphenated_words(tmp_path, new_archive):
    from newsgrep.archive import open_archive
    (tmp_path / "a.txt").write_text("Погода\n\nВ Ростове-на-Дону тепло, а в Нур-Султане снег.\n",
                                    encoding="utf-8")
    with open_archive(new_archive, create=True) as archive:
        archive.index([tmp_path / "a.txt"])
    for q in ("Ростове-на-Дону", "Дону", '"Ростове на Дону"', '"в Ростове-на-Дону тепло"',
              "Нур-Султане", "Султане"):
        [hit] = search(new_archive, q).hits
    [hit] = search(new_archive, "Ростове-на-Дону").hits
    assert _marked(hit.snippet, hit.spans) == ["Ростове-на-Дону"]
    assert count(new_archive, '"Ростове Дону"') == 0


def test_match_spans_merges_parts_into_the_whole():
    text = "Из Нур-Султана в Нур-Султан"
    assert _marked(text, match_spans(text, {"нур-султа"})) == ["Нур-Султана", "Нур-Султан"]
    assert _marked(text, match_spans(text, {"нур"})) == ["Нур", "Нур"]


def test_snippet_spans_follow_the_cut():
    text = ("Начало статьи без совпадений. " * 10 + "Здесь атака. " + "Середина текста. " * 20
            + "И снова атаки." + " Конец." * 10)
    spans = match_spans(text, {"атак"})
    snippet, sspans = make_snippet(text, spans, context=30, fragments=2)
    assert _marked(snippet, sspans) == ["атака", "атаки"]
    assert snippet.startswith("…") and snippet.endswith("…") and " … " in snippet
    one, ospans = make_snippet(text, spans, context=30, fragments=1)
    assert len(ospans) == 1 and len(one) < len(snippet)


def test_snippet_without_matches_is_the_start_of_the_text():
    snippet, spans = make_snippet("Короткий текст.", [], context=80)
    assert (snippet, spans) == ("Короткий текст.", [])


def test_missing_index_says_how_to_build_one(tmp_path):
    with pytest.raises(IndexNotFound, match="newsgrep index"):
        search(tmp_path / "nowhere", "атака")


@pytest.mark.parametrize("query", ["", "   ", "— …"])
def test_empty_queries_are_errors(fixture_archive, query):
    with pytest.raises(QueryError):
        search(fixture_archive, query)


def test_partial_matches_fill_up_a_short_list_and_say_what_they_lack(fixture_archive):
    hits = search(fixture_archive, "туристы мост").hits
    assert hits and all(h.partial for h in hits)
    missing = {h.title: h.missing for h in hits}
    assert missing["Спасатели вывели 14 туристов с перевала после ночной метели"] == ["мост"]
    assert missing["Аким открыл новый мост через Большую Алматинку"] == ["туристы"]
    assert count(fixture_archive, "туристы мост") == 0


def test_strict_matches_come_first_and_negations_stay_excluded(fixture_archive):
    hits = search(fixture_archive, "Алматы туристы NOT мост").hits
    assert not hits[0].partial and hits[0].title.startswith("Спасатели")
    assert all(h.partial for h in hits[1:])
    assert all("мост" not in h.title for h in hits)
    assert search(fixture_archive, "туристы мост", partial=False).hits == []


# ---------------------------------------------------------------- the newsroom features
# On the sample archive (samples/): whatever readers have landed, the .txt articles
# named here are indexed, and the checks compare against the index's own data.

from datetime import datetime  # noqa: E402

from newsgrep.searching import fetch, similar  # noqa: E402


def _all(index, query, **kw):
    return search(index, query, limit=None, **kw).hits


def _name(hit):
    return hit.path.rsplit("/", 1)[-1]


def test_date_filter_keeps_exactly_the_articles_in_range(samples_archive):
    everything = _all(samples_archive, "Алматы")
    in_range = {h.id for h in everything
                if h.date and datetime(2022, 1, 1) <= h.date < datetime(2022, 3, 1)}
    assert in_range, "the samples have Алматы articles dated January-February 2022"
    by_query = {h.id for h in _all(samples_archive, "Алматы date:2022-01..2022-02")}
    by_options = {h.id for h in _all(samples_archive, "Алматы", since="2022-01", until="2022-02")}
    assert by_query == by_options == in_range
    assert count(samples_archive, "Алматы date:2022-01..2022-02") == len(in_range)


def test_open_ended_and_single_day_date_filters(samples_archive):
    everything = _all(samples_archive, "Алматы")
    later = {h.id for h in everything if h.date and h.date >= datetime(2022, 4, 1)}
    assert {h.id for h in _all(samples_archive, "Алматы date:2022-04..")} == later
    earlier = {h.id for h in everything if h.date and h.date < datetime(2022, 2, 1)}
    assert {h.id for h in _all(samples_archive, "Алматы date:..2022-01")} == earlier
    [day] = _all(samples_archive, "date:2022-03-14")
    assert _name(day) == "rostov_police_building.txt"


def test_undated_articles_are_excluded_by_a_date_filter_only(samples_archive):
    undated = [h for h in _all(samples_archive, "паническая") if h.date is None]
    assert undated, "panic_attack_advice.txt has no date"
    assert count(samples_archive, "паническая date:1900..") == 0
    assert count(samples_archive, "паническая", since="1900") == 0


def test_relative_dates_are_counted_back_from_now(samples_archive):
    now = datetime(2022, 4, 30)
    recent = {h.id for h in _all(samples_archive, "Алматы")
              if h.date and h.date >= datetime(2022, 3, 31)}
    assert {h.id for h in _all(samples_archive, "Алматы date:30d..", now=now)} == recent
    assert count(samples_archive, "Алматы date:30d..") == len(
        [h for h in _all(samples_archive, "Алматы")
         if h.date and (datetime.now() - h.date).days <= 30])


def test_sort_by_date_puts_undated_articles_last(samples_archive):
    newest = _all(samples_archive, "Алматы OR атака", sort="newest")
    oldest = _all(samples_archive, "Алматы OR атака", sort="oldest")
    for hits, reverse in ((newest, True), (oldest, False)):
        dated = [h.date for h in hits if h.date]
        assert dated == sorted(dated, reverse=reverse)
        assert all(h.date is None for h in hits[len(dated):]), "undated come last"
    assert {h.id for h in newest} == {h.id for h in oldest}
    with pytest.raises(QueryError):
        search(samples_archive, "атака", sort="sideways")


def test_exact_form_finds_that_form_only(samples_archive):
    hits = _all(samples_archive, "=атак")
    assert hits
    for hit in hits:
        marked = {w.lower() for w in _marked(hit.snippet, hit.spans) + _marked(hit.title, hit.title_spans)}
        assert marked == {"атак"}
    stemmed = {_name(h) for h in _all(samples_archive, "атака")}
    exact = {_name(h) for h in hits}
    assert exact < stemmed and "panic_attack_advice.txt" not in exact


def test_exact_phrase(samples_archive):
    assert count(samples_archive, '="здание полиции"') >= 1
    for hit in _all(samples_archive, '="здание полиции"'):
        marked = {w.lower() for w in _marked(hit.snippet, hit.spans) + _marked(hit.title, hit.title_spans)}
        assert marked and marked <= {"здание", "полиции"}
    assert count(samples_archive, '="здания полиции"') == 0
    assert count(samples_archive, '"здания полиции"') >= 1


def test_proximity(samples_archive):
    # «новое здание полиции»: «новое» and «полиции» are two words apart.
    assert count(samples_archive, '"новое полиции"') == 0
    assert count(samples_archive, '"новое полиции"~2') >= 1


def test_wildcards_match_word_forms_and_highlight_them(samples_archive):
    hits = _all(samples_archive, "атак*")
    names = {_name(h) for h in hits}
    assert {"almaty_cyberattacks.txt", "panic_attack_advice.txt"} <= names
    for hit in hits:
        for word in _marked(hit.snippet, hit.spans):
            assert word.lower().startswith("атак")
    assert count(samples_archive, "атаки*") < count(samples_archive, "атак*")


def test_fuzzy_finds_the_misspelt_word(samples_archive):
    hits = _all(samples_archive, "призидент~")
    assert hits
    assert any("президент" in w.lower() for h in hits for w in _marked(h.snippet, h.spans))
    assert count(samples_archive, "призидент") == 0


def test_expansion_guard_refuses_broad_patterns(samples_archive, monkeypatch):
    import newsgrep.engine.whoosh.query as query
    monkeypatch.setattr(query, "MAX_EXPANSION", 5)
    with pytest.raises(QueryError, match=r"'а\*' matches more than 5 words"):
        search(samples_archive, "а*")
    with pytest.raises(QueryError, match="more than 5"):
        search(samples_archive, "*а")
    assert search(samples_archive, "атаками*").hits is not None


def test_fetch_by_path_and_id_with_spans(samples_archive):
    from .conftest import SAMPLES
    path = SAMPLES / "text" / "rostov_police_building.txt"
    [view] = fetch(samples_archive, str(path), "полиция")
    assert view.title.startswith("В Ростове-на-Дону построят новое здание полиции")
    assert _marked(view.title, view.title_spans) == ["полиции"]
    assert {w.lower() for w in _marked(view.body, view.body_spans)} >= {"полиции"}
    assert len(view.body) > 200 and "…" not in view.body[:200]
    [again] = fetch(samples_archive, view.id)
    assert (again.id, again.body, again.body_spans) == (view.id, view.body, [])


def test_fetch_of_an_unknown_article_is_an_error(samples_archive):
    from newsgrep.errors import NewsgrepError
    with pytest.raises(NewsgrepError, match="no such article"):
        fetch(samples_archive, "0123456789abcdef")
    with pytest.raises(NewsgrepError, match="no such article"):
        fetch(samples_archive, "/nowhere/at/all.txt")


def test_similar_finds_related_articles_not_itself(samples_archive):
    from .conftest import SAMPLES
    path = SAMPLES / "sputnik" / "kz_almaty_police_night.txt"
    hits = similar(samples_archive, str(path), limit=5).hits
    assert hits and all(_name(h) != path.name for h in hits)
    assert any("Алматы" in h.title or "полиц" in h.title.lower() for h in hits[:3])
    [view] = fetch(samples_archive, str(path))
    assert [h.id for h in similar(samples_archive, view.id, limit=5).hits] == [h.id for h in hits]


def test_similar_to_a_file_outside_the_index(samples_archive, tmp_path):
    text = tmp_path / "mine.txt"
    text.write_text("Хакеры атаковали сайты\n\nХакерские атаки на сайты акимата Алматы "
                    "участились, сайты госучреждений недоступны.\n", encoding="utf-8")
    hits = similar(samples_archive, str(text), limit=3).hits
    assert _name(hits[0]) == "almaty_cyberattacks.txt"


def test_search_never_crashes_on_arbitrary_queries(samples_archive):
    from hypothesis import given, settings, strategies as st

    @settings(max_examples=200, deadline=None)
    @given(st.one_of(st.text(max_size=60), st.lists(st.sampled_from([
        "атака", "Алматы", "OR", "NOT", "-", "(", ")", '"', "*", "?", "~", "~2", "=", "date:",
        "2022", "..", "30d", "title:", "а", " ", "'", "[", "]", "^", "ё"]), max_size=12).map("".join)))
    def check(text):
        try:
            result = search(samples_archive, text, limit=3)
        except QueryError:
            return
        assert isinstance(result.hits, list)

    check()
