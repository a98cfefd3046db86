"""Lemma-mode indexes end to end: the mode and its signature recorded, the lexicon
written with the segments, queries and highlighting from it, mismatches refused."""
from __future__ import annotations

import re
import shutil

import pytest

from newsgrep import analysis, lexicon
from newsgrep.errors import MorphologyMismatch, NewsgrepError
from newsgrep.indexing import index_paths
from newsgrep.engine.whoosh.schema import IndexMeta, open_index, text_analyzer
from newsgrep.searching import count, fetch, search, similar, stats

from .conftest import FIXTURES, SAMPLES


@pytest.fixture(scope="module")
def lemma_index(tmp_path_factory):
    """A lemma-mode index of the sample archive (tests must not write to it)."""
    directory = tmp_path_factory.mktemp("lemma-samples")
    index_paths([SAMPLES], directory, morphology="lemma")
    return directory


@pytest.fixture(scope="module")
def pg_lemma(cluster):
    """The sample archive in lemma mode in a PostgreSQL database (read-only)."""
    from newsgrep.archive import open_archive

    from .conftest import new_database

    url = new_database(cluster)
    with open_archive(url, create=True) as archive:
        archive.index([str(SAMPLES)], morphology="lemma")
    return url


@pytest.fixture
def lemma_archive(request, engine_name):
    """The lemma-mode sample archive on each engine (tests/conftest.py: engine_name)."""
    return str(request.getfixturevalue("lemma_index" if engine_name == "whoosh" else "pg_lemma"))


def _marked(text, spans):
    return [text[s:e] for s, e in spans]


def _words(text):
    return re.findall(r"\w+", text.lower().replace("ё", "е"))


# ---------------------------------------------------------------- finding every form

# query -> forms of its lemma that the sample archive has (and no other form of it)
SUPPLETIVE = [("идти", {"шел", "шли"}), ("человек", {"люди"}), ("ребёнок", {"дети"})]


@pytest.mark.parametrize("query, forms", SUPPLETIVE)
def test_a_dictionary_form_finds_and_highlights_irregular_forms(lemma_archive, query, forms):
    hits = search(lemma_archive, query, limit=None).hits
    assert hits and not any(h.partial for h in hits)
    for hit in hits:
        marked = _marked(hit.snippet, hit.spans) + _marked(hit.title, hit.title_spans)
        assert marked, hit.path
        # every marked span is one whole word, a form of the query's lemma
        assert {w.lower().replace("ё", "е") for w in marked} <= forms
        for s, e in hit.spans:
            assert not hit.snippet[s - 1:s].isalpha() and not hit.snippet[e:e + 1].isalpha()
    found = {w.lower().replace("ё", "е") for h in hits
             for w in _marked(h.snippet, h.spans) + _marked(h.title, h.title_spans)}
    assert found == forms


@pytest.mark.parametrize("query, forms", SUPPLETIVE)
def test_stem_mode_does_not_find_them(samples_index, query, forms):
    if IndexMeta.load(samples_index).morphology != "stem":
        pytest.skip("the session's sample index is not in stem mode")
    hits = search(samples_index, query, limit=None, partial=False).hits
    assert not any(w in forms for h in hits for w in _words(" ".join(
        _marked(h.snippet, h.spans))))


def test_show_highlights_every_form(lemma_archive):
    path = SAMPLES / "text" / "almaty_volunteers.txt"
    [view] = fetch(lemma_archive, str(path), "человек")
    marked = _marked(view.body, view.body_spans) + _marked(view.title, view.title_spans)
    assert sorted(w.lower() for w in marked) == ["люди", "люди", "люди"]


def test_a_phrase_with_an_ambiguous_word(lemma_archive, lemma_index):
    # «шли» is идти or слать: the phrase matches on either reading's position
    from newsgrep.engine.whoosh.query import parse_query

    ix, _ = open_index(lemma_index)
    text = (SAMPLES / "text" / "ust_kamenogorsk_olympiad.txt").read_text(encoding="utf-8")
    m = re.search(r"(\w+) шли", text) or re.search(r"шли (\w+)", text)
    phrase = m.group(0)
    q = parse_query(f'"{phrase}"', ix.schema)
    assert "|" in str(q)  # the ambiguous position holds both readings
    lemma_index = lemma_archive  # the searches below: on each engine
    hits = search(lemma_index, f'"{phrase}"').hits
    assert [h.path for h in hits] == [str(SAMPLES / "text" / "ust_kamenogorsk_olympiad.txt")]
    # in other forms of both words, too
    other = " ".join(analysis.terms(w, "lemma")[0] for w in phrase.split())
    assert count(lemma_index, f'"{other}"') >= 1
    # and the words reversed are not the phrase
    assert count(lemma_index, '"%s"' % " ".join(reversed(phrase.split()))) == 0
    assert count(lemma_index, f'"{phrase}"~3') >= 1


def test_an_ambiguous_query_word_matches_either_reading():
    from newsgrep.engine.whoosh.query import parse_query
    from newsgrep.engine.whoosh.schema import build_schema

    schema = build_schema("lemma", analysis.live_signature())
    q = str(parse_query("мыла", schema))
    assert "мыло" in q and "мыть" in q and " OR " in q and " AND " not in q


def test_similar_in_lemma_mode(lemma_archive):
    hits = similar(lemma_archive, str(SAMPLES / "sputnik" / "kz_almaty_police_night.txt"), limit=3).hits
    assert hits and all(h.spans or h.title_spans for h in hits)


def test_did_you_mean_in_lemma_mode(lemma_archive):
    from newsgrep.suggest import suggest

    assert suggest(lemma_archive, "fnfrf").query.lower() in ("атака", "атаки", "атак")
    assert "президент" in suggest(lemma_archive, "призидент").query.lower()


# ---------------------------------------------------------------- the lexicon

def _russian_keys(text):
    keys = set()
    for m in analysis._WORD.finditer(text):
        parts = analysis._HYPHENS.split(m.group())
        for key in [analysis.lemma_key(p) for p in parts] + [
                "-".join(analysis.lemma_key(p) for p in parts)]:
            if analysis.is_russian(key):
                keys.add(key)
    return keys


def _lexicon_of(directory):
    meta = IndexMeta.load(directory)
    lex = lexicon.Lexicon.open(directory, meta.morphology_signature)
    assert lex is not None
    return lex


def _assert_complete(directory):
    """Every Russian word of every committed article is in the lexicon, with its terms."""
    lex = _lexicon_of(directory)
    assert lex.complete
    ix, _ = open_index(directory)
    lemmatize = analysis._live_lemmatize()
    with ix.searcher() as s:
        for _, stored in s.reader().iter_docs():
            for field in ("title", "body", "source", "section"):
                for key in _russian_keys(stored.get(field) or ""):
                    assert lex.terms(key) == lemmatize(key), key


def test_the_lexicon_holds_every_russian_word_with_its_terms(lemma_index):
    _assert_complete(lemma_index)
    lex = _lexicon_of(lemma_index)
    assert lex.terms("идти") == ("идти",)  # a lemma is a key even if the archive lacks the form
    assert lex.terms("шел") == ("идти",)
    assert {"шел", "шли", "идти"} <= lex.forms({"идти"})
    assert lex.terms("nosuchword") is None


def test_queries_and_highlights_need_no_pymorphy3(lemma_index):
    import subprocess
    import sys

    code = ("import sys; from newsgrep.searching import search; "
            f"hits = search({str(lemma_index)!r}, 'человек \"шли домой\" OR ребёнок', limit=5).hits; "
            "assert hits and any(h.spans for h in hits), hits; "
            "print('pymorphy3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


QUERIES = ["идти", "человек", "ребёнок", "Алматы", "полиция", "атака OR штурм", '"здание полиции"',
           "стали", "Ростов-на-Дону", "Дону", "года", "лучший", "iPhone", "2022", "туристы"]


@pytest.mark.parametrize("query", QUERIES)
def test_highlights_from_the_lexicon_are_those_of_analysing_the_text(lemma_index, query):
    from newsgrep.engine.base import QuerySpec
    from newsgrep.engine.whoosh import WhooshEngine
    from newsgrep.highlight import Marker

    with WhooshEngine(lemma_index) as engine:
        terms = engine.matched_terms(QuerySpec(query))
        fast = engine.marker()
        slow = Marker("lemma", fast.lemmatize, None)
        assert fast.lexicon is not None
        for _, stored in engine.reader.iter_docs():
            for field in ("title", "body"):
                text = stored.get(field) or ""
                wanted = terms.get(field, set())
                assert fast.spans(text, wanted) == slow.spans(text, wanted), (query, field)


def test_an_incomplete_lexicon_is_not_used_for_highlighting(tmp_path):
    ix = tmp_path / "ix"
    shutil.copytree(FIXTURES / "articles", tmp_path / "a")
    index_paths([tmp_path / "a"], ix, morphology="lemma")
    for path in lexicon.lexicon_files(ix):
        path.unlink()
    # the next run starts a lexicon that cannot know the words of the first
    (tmp_path / "a" / "new.txt").write_text("Люди шли\n\nДети шли домой.\n", encoding="utf-8")
    index_paths([tmp_path / "a"], ix)
    lex = _lexicon_of(ix)
    assert not lex.complete and lex.terms("дети") == ("ребенок",)
    from newsgrep.engine.whoosh import WhooshEngine

    with WhooshEngine(ix) as engine:
        assert engine.marker().lexicon is None
    hits = search(ix, "туристы").hits
    assert hits and all(_marked(h.snippet, h.spans) for h in hits)
    # a rebuild makes it whole again
    index_paths([tmp_path / "a"], ix, rebuild=True)
    _assert_complete(ix)


def test_incremental_runs_add_their_words_before_committing(tmp_path):
    folder = tmp_path / "a"
    shutil.copytree(FIXTURES / "articles", folder)
    ix = tmp_path / "ix"
    index_paths([folder], ix, morphology="lemma")
    (folder / "new.txt").write_text("Пришельцы\n\nЗеленоглазые пришельцы шли по Усть-Каменогорску.\n",
                                    encoding="utf-8")
    index_paths([folder], ix)
    _assert_complete(ix)
    [hit] = search(ix, "пришелец идти").hits
    assert sorted(_marked(hit.snippet, hit.spans)) == ["пришельцы", "шли"]


@pytest.mark.parametrize("point", ["segment-moved", "state-written", "committed"])
def test_a_killed_run_leaves_a_lexicon_that_covers_the_last_commit(tmp_path, point):
    import os
    import signal
    import subprocess
    import sys

    folder = tmp_path / "a"
    shutil.copytree(FIXTURES / "articles", folder)
    ix = tmp_path / "ix"
    index_paths([folder / "headers.txt"], ix, morphology="lemma")
    env = dict(os.environ, NEWSGREP_TEST_KILL=f"{point}:1", NEWSGREP_COMMIT_SECONDS="0")
    proc = subprocess.run([sys.executable, "-m", "newsgrep", "index", str(folder), "--index", str(ix),
                           "-j", "1", "-q"], env=env, start_new_session=True, capture_output=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    _assert_complete(ix)
    index_paths([folder], ix)
    _assert_complete(ix)


# ---------------------------------------------------------------- the mode, recorded and kept

def test_the_mode_and_signature_are_recorded(lemma_index):
    meta = IndexMeta.load(lemma_index)
    assert meta.morphology == "lemma"
    assert meta.morphology_signature == analysis.live_signature()
    ix, _ = open_index(lemma_index)
    analyzer = text_analyzer(ix.schema)
    assert (analyzer.morphology, analyzer.signature) == ("lemma", meta.morphology_signature)
    figures = stats(lemma_index)
    assert figures["morphology"] == "lemma" and "lemma" in figures["analyzer"]


def test_an_index_is_searched_in_its_own_mode_whatever_the_default(tmp_path, monkeypatch):
    from newsgrep.engine.whoosh import schema

    folder = SAMPLES / "text"
    for mode, other in (("stem", "lemma"), ("lemma", "stem")):
        monkeypatch.setattr(schema, "DEFAULT_MORPHOLOGY", mode)
        ix = tmp_path / mode
        index_paths([folder], ix)
        monkeypatch.setattr(schema, "DEFAULT_MORPHOLOGY", other)
        import newsgrep.indexing.run
        monkeypatch.setattr(newsgrep.indexing.run, "DEFAULT_MORPHOLOGY", other)
        assert IndexMeta.load(ix).morphology == mode
        hits = search(ix, "идти").hits
        assert bool(hits) == (mode == "lemma")
        index_paths([folder], ix)  # a refresh keeps the mode
        assert IndexMeta.load(ix).morphology == mode


def test_asking_an_index_for_the_other_mode_needs_a_rebuild(tmp_path):
    ix = tmp_path / "ix"
    index_paths([SAMPLES / "text"], ix, morphology="stem")
    with pytest.raises(NewsgrepError, match="rebuild it: newsgrep index --rebuild --morphology lemma"):
        index_paths([SAMPLES / "text"], ix, morphology="lemma")
    assert IndexMeta.load(ix).morphology == "stem"
    assert count(ix, "идти") == 0
    index_paths([SAMPLES / "text"], ix, morphology="lemma", rebuild=True)
    assert IndexMeta.load(ix).morphology == "lemma"
    assert count(ix, "идти") == 1
    assert len(lexicon.lexicon_files(ix)) == 1
    index_paths([SAMPLES / "text"], ix, rebuild=True)  # a rebuild keeps the mode
    assert IndexMeta.load(ix).morphology == "lemma"
    index_paths([SAMPLES / "text"], ix, morphology="stem", rebuild=True)
    assert count(ix, "идти") == 0
    assert lexicon.lexicon_files(ix) == []  # stem mode has none


@pytest.fixture
def other_dictionary(monkeypatch):
    """This process's lemmatizer pretends to be another version than the index's."""
    real = analysis.live_signature()
    monkeypatch.setattr(analysis, "live_signature", lambda: real.replace("pymorphy3=", "pymorphy3=9"))


def test_another_dictionary_refuses_to_update_the_index(lemma_index, tmp_path, other_dictionary):
    ix = tmp_path / "ix"
    shutil.copytree(lemma_index, ix)
    with pytest.raises(MorphologyMismatch, match=r"another lemmatizer .* rebuild it with: "
                                                 r"newsgrep index --rebuild --index"):
        index_paths([SAMPLES], ix)
    index_paths([SAMPLES], ix, rebuild=True)  # which is the way out
    assert IndexMeta.load(ix).morphology_signature.startswith("newsgrep-lemma/")


def test_another_dictionary_searches_correctly_or_refuses(lemma_index, other_dictionary):
    # every word of the archive is in the index's own lexicon: answered as built
    assert search(lemma_index, "человек").hits
    # a word the archive lacks would need this process's (other) dictionary
    with pytest.raises(MorphologyMismatch, match="rebuild it with"):
        search(lemma_index, "синхрофазотронами")


def test_a_missing_pymorphy3_is_a_clear_error(monkeypatch, tmp_path):
    from newsgrep.errors import MorphologyUnavailable

    def unavailable():
        raise MorphologyUnavailable("lemma mode needs pymorphy3, which is not installed: pip install ...")

    monkeypatch.setattr(analysis, "live_signature", unavailable)
    with pytest.raises(MorphologyUnavailable, match="pip install"):
        index_paths([SAMPLES / "text"], tmp_path / "ix", morphology="lemma")


# ---------------------------------------------------------------- on the corpus

IRREGULAR = {"идти": r"ш[её]л|шла|шли|шло", "человек": r"люди|людей|людям|людьми",
             "ребёнок": r"дети|детей|детям|детьми"}


def test_irregular_forms_are_found_and_highlighted_in_the_corpus(shared, tmp_path):
    """Articles of ../shared/corpus holding a suppletive form of идти, человек or
    ребёнок (and no other form of it) are found by the dictionary form and the
    form is highlighted."""
    import gzip
    import json

    pattern = {q: re.compile(r"\b(?:%s)\b" % p, re.I) for q, p in IRREGULAR.items()}
    others = {q: re.compile(r"\b(?:%s)" % o, re.I)
              for q, o in {"идти": "ид[ёеуя]|иди", "человек": "человек",
                           "ребёнок": "реб[её]н"}.items()}
    picked: dict[str, list[dict]] = {q: [] for q in IRREGULAR}
    for path in sorted((shared / "corpus" / "articles").glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                text = f"{rec.get('title') or ''}\n{rec.get('text') or ''}"
                for q in IRREGULAR:
                    if (len(picked[q]) < 15 and pattern[q].search(text)
                            and not others[q].search(text)):
                        picked[q].append(rec)
            if all(len(v) >= 15 for v in picked.values()):
                break
    assert all(picked.values())
    with open(tmp_path / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for recs in picked.values():
            for rec in recs:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    ix = tmp_path / "ix"
    index_paths([tmp_path / "corpus.jsonl"], ix, morphology="lemma")
    for q, recs in picked.items():
        hits = search(ix, q, limit=None, partial=False).hits
        titles = {h.title for h in hits}
        assert {r["title"] for r in recs} <= titles, q
        marked = [w for h in hits
                  for w in _marked(h.snippet, h.spans) + _marked(h.title, h.title_spans)]
        assert marked and all(pattern[q].fullmatch(w) or others[q].match(w) for w in marked), q
        assert any(pattern[q].fullmatch(w) for w in marked), q
