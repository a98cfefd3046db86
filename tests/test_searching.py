"""Queries, ranking, and the exact spans of highlighted word forms."""
from __future__ import annotations

import pytest

from newsgrep.errors import IndexNotFound, QueryError
from newsgrep.searching import count, make_snippet, match_spans, search


def _titles(result):
    return [h.title for h in result.hits]


def _marked(text, spans):
    return [text[s:e] for s, e in spans]


def test_every_form_is_found_and_highlighted(fixture_index):
    [hit] = search(fixture_index, "турист").hits
    assert hit.title.startswith("Спасатели вывели 14 туристов")
    assert _marked(hit.title, hit.title_spans) == ["туристов"]
    assert "туристов" in _marked(hit.snippet, hit.spans)


def test_spans_are_exact_in_title_and_snippet(fixture_index):
    [hit] = search(fixture_index, "метель").hits
    assert _marked(hit.title, hit.title_spans) == ["метели"]
    assert _marked(hit.snippet, hit.spans) == ["метель"]


def test_default_operator_is_and(fixture_index):
    assert count(fixture_index, "мост турист") == 0
    assert count(fixture_index, "мост OR турист") == 2


def test_not_excludes_and_is_not_highlighted(fixture_index):
    assert count(fixture_index, "Алматы") == 2
    [hit] = search(fixture_index, "Алматы NOT туристы").hits
    assert hit.title == "Курс тенге укрепился к концу недели"
    [hit] = search(fixture_index, "Алматы AND NOT (мост OR курс)").hits
    assert _marked(hit.snippet, hit.spans) == ["Алматы"]
    [hit] = search(fixture_index, "туристов NOT Бишкек").hits
    assert {w.lower() for w in _marked(hit.snippet, hit.spans)} == {"туристов"}


def test_phrase(fixture_index):
    assert count(fixture_index, '"спасательной станции"') == 1
    assert count(fixture_index, '"станции спасательной"') == 0


def test_field_prefixes(fixture_index):
    assert _titles(search(fixture_index, "title:мост")) == [
        "Аким открыл новый мост через Большую Алматинку"]
    assert count(fixture_index, "source:sputnik") == 1
    assert count(fixture_index, "section:спорт") == 1
    assert count(fixture_index, "path:headers") == 1


def test_title_matches_rank_above_body_matches(fixture_index):
    # «Бишкек» is in one title and in another article's body only.
    hits = search(fixture_index, "Бишкек").hits
    assert hits[0].title.startswith("В Бишкеке")


def test_hyphenated_words(tmp_path):
    from newsgrep.indexing import index_paths
    (tmp_path / "a.txt").write_text("Погода\n\nВ Ростове-на-Дону тепло, а в Нур-Султане снег.\n",
                                    encoding="utf-8")
    index_paths([tmp_path / "a.txt"], tmp_path / "ix")
    for q in ("Ростове-на-Дону", "Дону", '"Ростове на Дону"', '"в Ростове-на-Дону тепло"',
              "Нур-Султане", "Султане"):
        [hit] = search(tmp_path / "ix", q).hits
    [hit] = search(tmp_path / "ix", "Ростове-на-Дону").hits
    assert _marked(hit.snippet, hit.spans) == ["Ростове-на-Дону"]
    assert count(tmp_path / "ix", '"Ростове Дону"') == 0


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
def test_empty_queries_are_errors(fixture_index, query):
    with pytest.raises(QueryError):
        search(fixture_index, query)


def test_partial_matches_fill_up_a_short_list_and_say_what_they_lack(fixture_index):
    hits = search(fixture_index, "туристы мост").hits
    assert hits and all(h.partial for h in hits)
    missing = {h.title: h.missing for h in hits}
    assert missing["Спасатели вывели 14 туристов с перевала после ночной метели"] == ["мост"]
    assert missing["Аким открыл новый мост через Большую Алматинку"] == ["туристы"]
    assert count(fixture_index, "туристы мост") == 0


def test_strict_matches_come_first_and_negations_stay_excluded(fixture_index):
    hits = search(fixture_index, "Алматы туристы NOT мост").hits
    assert not hits[0].partial and hits[0].title.startswith("Спасатели")
    assert all(h.partial for h in hits[1:])
    assert all("мост" not in h.title for h in hits)
    assert search(fixture_index, "туристы мост", partial=False).hits == []
