"""The form index: words as written per segment, and the exact results it gives."""
from __future__ import annotations

import os
import random

import pytest

from newsgrep.analysis import exact_terms
from newsgrep.errors import IndexCorrupt
from newsgrep.engine.whoosh.forms import FORMS_EXT, FormIndex, FormsWriter, Vocabulary
from newsgrep.indexing import index_paths
from newsgrep.engine.whoosh.schema import open_index
from newsgrep.searching import count, search


@pytest.mark.parametrize("doc_count", [10, 70_000])
def test_written_forms_read_back(tmp_path, doc_count):
    path = str(tmp_path / f"x{FORMS_EXT}")
    rng = random.Random(doc_count)
    fields = {
        "body": {f: sorted(rng.sample(range(doc_count), rng.randint(1, 5)))
                 for f in ("а", "атак", "атака", "атаками", "ёлка", "ростов-на-дону", "19")},
        "title": {"атак": [doc_count - 1]},
    }
    w = FormsWriter(path, doc_count)
    for field, forms in sorted(fields.items()):
        for form in sorted(forms):
            w.add(field, form.encode("utf-8"), forms[form])
    w.close()
    ix = FormIndex(path)
    body = ix.field("body")
    assert [body[i].decode("utf-8") for i in range(len(body))] == sorted(fields["body"])
    for form, docs in fields["body"].items():
        i = body.find(form.encode("utf-8"))
        assert (body.docs(i), body.df(i)) == (docs, len(docs))
    assert body.find("атаки".encode("utf-8")) == -1 and body.find(b"") == -1
    assert body[body.from_prefix("атак".encode("utf-8"))] == "атак".encode("utf-8")
    assert ix.field("title").docs(0) == [doc_count - 1]
    assert ix.field("source") is None


def test_a_damaged_form_index_is_refused(tmp_path):
    path = tmp_path / f"x{FORMS_EXT}"
    path.write_bytes(b"NGFORMS1 and then nothing")
    with pytest.raises(ValueError):
        FormIndex(str(path))


def _holding(index, form: str, field: str = "body") -> set[str]:
    """Ids of the articles whose ``field`` holds the word form ``form``, read from their text."""
    ix, _ = open_index(index)
    with ix.searcher() as s:
        return {st["id"] for st in s.all_stored_fields() if form in exact_terms(st.get(field, ""))}


def _found(index, query: str) -> set[str]:
    return {h.id for h in search(index, query, limit=None, partial=False).hits}


@pytest.mark.parametrize("form", ["атак", "атака", "атаки", "полиции", "алматы", "дону",
                                  "ростов-на-дону", "2022"])
def test_exact_forms_find_exactly_the_articles_that_hold_them(samples_index, samples_archive,
                                                             form):
    # the articles' texts are read from the Whoosh archive; each engine is searched
    expected = _holding(samples_index, form) | _holding(samples_index, form, "title")
    assert _found(samples_archive, f"={form}") == expected
    assert count(samples_archive, f"={form}") == len(expected)
    assert _found(samples_archive, f"title:={form}") == _holding(samples_index, form, "title")


def test_wildcards_find_exactly_the_articles_with_a_matching_form(samples_index, samples_archive):
    ix, _ = open_index(samples_index)
    with ix.searcher() as s:
        texts = {st["id"]: exact_terms(st.get("title", "") + "\n" + st.get("body", ""))
                 for st in s.all_stored_fields()}
    for pattern, test in (("атаки*", lambda f: f.startswith("атаки")),
                          ("ата?и", lambda f: len(f) == 5 and f.startswith("ата") and f[4] == "и"),
                          ("поли*", lambda f: f.startswith("поли"))):
        expected = {i for i, forms in texts.items() if any(map(test, forms))}
        assert expected and _found(samples_archive, pattern) == expected, pattern


def test_forms_stay_exact_through_updates_deletions_and_merges(tmp_path):
    docs, ix = tmp_path / "docs", tmp_path / "ix"

    def write(name, text):
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text(f"Заголовок {name}\n\n{text}\n", encoding="utf-8")
        st = os.stat(docs / name)  # a new mtime even within the same clock tick
        os.utime(docs / name, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))

    for i in range(4):
        write(f"a{i}.txt", f"Отразили {i} атак на сервер.")
    index_paths([docs], ix)
    assert count(ix, "=атак") == 4
    write("a0.txt", "Одна атака на сервер.")      # updated: «атак» gone
    (docs / "a1.txt").unlink()                     # deleted
    write("b.txt", "Снова атак не было.")          # added
    index_paths([docs], ix)
    assert count(ix, "=атак") == 3 and count(ix, "=атака") == 1
    # Many small runs: the small segments are merged, with their forms.
    for i in range(8):
        write(f"c{i}.txt", f"Атаки номер {i}.")
        index_paths([docs], ix)
    ixo, _ = open_index(ix)
    assert len(ixo.reader().leaf_readers()) < 8
    assert count(ix, "=атак") == 3 and count(ix, "=атаки") == 8 and count(ix, "атак*") == 12
    with ixo.searcher() as s:
        v = Vocabulary(s.reader())
        assert v.doc_frequency("body", "атак") == 3
        assert ("body", "атаки") in v and ("body", "атакам") not in v


def test_a_segment_without_its_form_index_asks_for_a_rebuild(tmp_path):
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    (docs).mkdir()
    (docs / "a.txt").write_text("Заголовок\n\nОтразили атак.\n", encoding="utf-8")
    index_paths([docs], ix)
    for name in os.listdir(ix):
        if name.endswith(FORMS_EXT):
            os.unlink(ix / name)
    assert count(ix, "атака") == 1  # stems need no forms
    with pytest.raises(IndexCorrupt, match="rebuild"):
        count(ix, "=атак")


def test_an_index_of_format_2_is_rebuilt(tmp_path):
    """Format 2 had exact-form fields (ExactAnalyzer in the schema): --rebuild replaces it."""
    from whoosh import fields, index

    from newsgrep.analysis import ExactAnalyzer
    from newsgrep.engine.whoosh.schema import IndexMeta, build_schema

    docs, ix = tmp_path / "docs", tmp_path / "ix"
    docs.mkdir()
    (docs / "a.txt").write_text("Заголовок\n\nОтразили атак.\n", encoding="utf-8")
    ix.mkdir()
    schema = build_schema()
    schema.add("exact_body", fields.TEXT(analyzer=ExactAnalyzer(), phrase=False))
    index.create_in(str(ix), schema)
    IndexMeta(schema_version=2).save(ix)
    with pytest.raises(IndexCorrupt, match="rebuild"):
        index_paths([docs], ix)
    index_paths([docs], ix, rebuild=True)
    assert count(ix, "=атак") == 1


def test_a_limited_wildcard_search_skips_blocks_and_keeps_the_exhaustive_order(tmp_path):
    """A wildcard scores a document by the number of its forms (TermSet/FormQuery's
    WeightedMatcher); a limited search skips the blocks of documents that cannot beat
    its bar, and its hits are the first of the unlimited list (scores, ties by number)."""
    from newsgrep.archive import open_archive
    from newsgrep.engine.whoosh.forms import WeightedMatcher
    from newsgrep.engine.whoosh.query import SCORED_EXPANSION

    # (more forms than SCORED_EXPANSION: counted, not an OR of stems)
    forms = ["красный", "краска", "кран", "край", "кража", "крах", "кратко", "крайне",
             "красота", "краткий", "кракен", "кратер"]
    assert len(forms) > SCORED_EXPANSION
    rng = random.Random(7)
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(700):  # most hold one form; a few, anywhere, hold several
        held = rng.sample(forms, 1 if rng.random() < 0.97 else rng.randint(2, 6))
        title = f"Новость {i}" + (f" про {held[-1]}" if rng.random() < 0.1 else "")
        (docs / f"{i:03d}.txt").write_text(f"{title}\n\nТекст {i}: {' и '.join(held)}.\n",
                                           encoding="utf-8")
    skipped = []
    skip = WeightedMatcher.skip_to_quality

    def counted(self, minquality):
        n = skip(self, minquality)
        skipped.append(n)
        return n
    with open_archive(tmp_path / "ix", create=True) as a:
        a.index([str(docs)])
        for q in ("кра*", "title:кра*", "кра?", "кра* текст"):
            full = [(h.id, h.score) for h in a.search(q, limit=None, dups="all", text=False).hits]
            assert len(full) >= 20, q
            WeightedMatcher.skip_to_quality = counted
            try:
                for limit in (1, 3, 10):
                    got = a.search(q, limit=limit, dups="all", text=False).hits
                    assert [(h.id, h.score) for h in got] == full[:limit], (q, limit)
            finally:
                WeightedMatcher.skip_to_quality = skip
    assert sum(skipped) > 0  # (blocks were passed over)
