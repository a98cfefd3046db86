"""Reprint groups kept by `newsgrep index` and used by search, -c/--timeline --unique and
`newsgrep reprints`. The articles are written for these tests (the bridge story of
test_reprints, reprinted by other outlets).

The behaviour tests (through ``run``) run on both engines: a Whoosh folder, and a
PostgreSQL database in a throwaway cluster of this module (tests/pg_cluster.py; they
skip with its reason where PostgreSQL is absent)."""
from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsgrep import reprints
from newsgrep.cli import cli
from newsgrep.reprint_store import order_group

from . import pg_cluster
from .conftest import REPO
from .test_reprints import BRIDGE, BRIDGE_TITLE, LIBRARY, OTHER_REPORT


def article(title: str, date: str, source: str, body: str) -> str:
    return f"Заголовок: {title}\nДата: {date}\nИсточник: {source}\n\n{body}\n"


ORIGINAL = article(BRIDGE_TITLE, "2022-03-14 09:00", "РИА Новости", "\n".join(BRIDGE))
COPY_TASS = article("Мост через Сувойку открыли досрочно", "2022-03-14 11:30", "ТАСС",
                    "\n".join(BRIDGE[:4]) + "\nЧитайте также: новости Зареченска")
COPY_LEAD = article("Мост открыт", "2022-03-14 15:00", "Зареченск.ру", BRIDGE[0])
COPY_LATE = article("Новый мост: подробности", "2022-03-15 08:00", "Вести Зареченска",
                    "\n".join(BRIDGE[:5]) + "\nПодписывайтесь на наш канал!")
OTHER = article("Автомобилисты получили мост", "2022-03-14 12:00", "Городские вести",
                OTHER_REPORT + " Мост через Сувойку.")
LIB = article("Фестиваль комиксов в библиотеке", "2022-03-10", "Культура",
              LIBRARY + " Мост к культуре.")


@pytest.fixture
def pg(cluster):
    """The session's throwaway PostgreSQL cluster (conftest; skips where there is none)."""
    return cluster


@pytest.fixture(params=["whoosh", "postgres"])
def engine(request, monkeypatch) -> str:
    """Which engine the archive of a test is on: NEWSGREP_INDEX is a folder (conftest)
    or a new database."""
    if request.param == "postgres":
        cluster = request.getfixturevalue("pg")
        name = cluster.create_database("g_" + uuid.uuid4().hex[:10])
        monkeypatch.setenv("NEWSGREP_INDEX", cluster.url(name))
    return request.param


@pytest.fixture
def run(engine):
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return invoke


@pytest.fixture
def news(tmp_path) -> Path:
    d = tmp_path / "news"
    d.mkdir()
    for name, text in [("ria.txt", ORIGINAL), ("tass.txt", COPY_TASS), ("lead.txt", COPY_LEAD),
                       ("late.txt", COPY_LATE), ("other.txt", OTHER), ("lib.txt", LIB)]:
        (d / name).write_text(text, encoding="utf-8")
    return d


def index(run, *args) -> None:
    r = run("index", "-q", *args)
    assert r.exit_code == 0, r.output


def hits(run, *args) -> list[dict]:
    r = run("search", "мост", "--json", "-n", "0", *args)
    assert r.exit_code == 0, r.output
    return [json.loads(line) for line in r.stdout.splitlines()]


def groups(run) -> dict[str, frozenset[str]]:
    """file name -> the names of the files of its group (all copies listed)."""
    rows = hits(run, "--dups", "all")
    by_id = {h["id"]: Path(h["path"]).name for h in rows}
    return {Path(h["path"]).name: frozenset([Path(h["path"]).name]
                                            + [by_id[i] for i in h["copy_ids"]])
            for h in hits(run)} | {
        name: frozenset([name]) for name in by_id.values()
        if not any(name == Path(h["path"]).name for h in hits(run))}


def story_files(run) -> dict[str, set[str]]:
    """lead file -> names of its copies' files, from the grouped search."""
    rows = hits(run, "--dups", "all")
    name = {h["id"]: Path(h["path"]).name for h in rows}
    return {Path(h["path"]).name: {name[i] for i in h["copy_ids"]} for h in hits(run)}


def test_search_groups_copies_under_the_earliest(run, news):
    index(run, news)
    stories = story_files(run)
    assert stories == {"ria.txt": {"tass.txt", "lead.txt", "late.txt"},
                       "other.txt": set(), "lib.txt": set()}
    lead = next(h for h in hits(run) if h["copies"])
    assert lead["lead_reason"] == "earliest" and lead["copies"] == 3
    assert lead["copy_sources"] == ["ТАСС", "Зареченск.ру", "Вести Зареченска"]  # time order
    assert lead["group"] == min([lead["id"], *lead["copy_ids"]])
    single = next(h for h in hits(run) if not h["copies"])
    assert (single["group"], single["copy_ids"], single["lead_reason"]) == (None, [], None)
    every = hits(run, "--dups", "all")
    assert len(every) == 6
    assert sum(1 for h in every if h["group"] == lead["group"]) == 4
    assert all(h["copies"] == 0 for h in every)  # every copy shown: none stands for others


def test_plain_output_marks_the_copies(run, news):
    index(run, news)
    r = run("search", "мост", "--color", "never")
    assert r.stdout.count(BRIDGE_TITLE) == 1
    assert "Мост через Сувойку открыли досрочно" not in r.stdout
    assert "+3 копии: ТАСС, Зареченск.ру, Вести Зареченска (lead: earliest)" in r.stdout
    every = run("search", "мост", "--color", "never", "--dups", "all").stdout
    assert "Мост через Сувойку открыли досрочно" in every and "копи" not in every


def test_limit_counts_stories_and_fetches_past_the_copies(run, news):
    index(run, news)
    r = run("search", "мост", "--json", "-n", "2")
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(rows) == 2 and len({h["group"] or h["id"] for h in rows}) == 2


def test_similar_shows_other_stories_once_and_not_the_articles_own_copies(run, news):
    index(run, news)

    def similar(name, *args):
        r = run("similar", news / name, "--json", "-n", "0", *args)
        assert r.exit_code in (0, 1), r.output
        return {Path(h["path"]).name: h["copies"]
                for h in map(json.loads, r.stdout.splitlines())}
    assert similar("other.txt") == {"ria.txt": 3, "lib.txt": 0}  # the bridge story once
    assert set(similar("other.txt", "--dups", "all")) == {
        "ria.txt", "tass.txt", "lead.txt", "late.txt", "lib.txt"}
    own = {"ria.txt", "lead.txt", "late.txt"}
    assert not own & set(similar("tass.txt"))  # its copies are `reprints`, not similar
    assert set(similar("tass.txt", "--dups", "all")) >= own


def test_files_list_every_copy_unless_grouped(run, news):
    index(run, news)
    assert len(run("search", "мост", "-l").stdout.splitlines()) == 6
    assert len(run("search", "мост", "-l", "--dups", "group").stdout.splitlines()) == 3


def test_counts_articles_or_stories(run, news):
    index(run, news)
    r = run("search", "мост", "-c")
    assert (r.stdout, r.stderr) == ("6\n", "")
    r = run("search", "мост", "-c", "--unique")
    assert r.stdout == "3\n" and "stories" in r.stderr
    assert json.loads(run("search", "мост", "-c", "--unique", "--json").stdout) == {
        "count": 3, "unit": "stories"}
    by = run("search", "мост", "-c", "--unique", "--by", "source").stdout
    assert sorted(by.splitlines()) == ["Городские вести\t1", "Культура\t1", "РИА Новости\t1"]
    days = run("search", "мост", "-c", "--unique", "--by", "day").stdout.splitlines()
    assert days == ["2022-03-10\t1", "2022-03-14\t2"]  # the story at its lead's day
    assert run("search", "мост", "-c", "--by", "day").stdout.splitlines() == [
        "2022-03-10\t1", "2022-03-14\t4", "2022-03-15\t1"]
    tl = run("timeline", "мост", "--by", "day", "--unique", "--json").stdout
    assert [json.loads(x)["count"] for x in tl.splitlines()] == [1, 0, 0, 0, 2]
    assert run("search", "мост", "--unique").exit_code == 2


def test_reprints_command(run, news):
    index(run, news)
    r = run("reprints", news / "late.txt")
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert [ln.split("\t")[1] for ln in lines] == [
        "РИА Новости", "ТАСС", "Зареченск.ру", "Вести Зареченска"]
    assert lines[0].startswith("2022-03-14 09:00\t") and "first (earliest)" in lines[0]
    rows = [json.loads(x) for x in run("reprints", news / "tass.txt", "--json").stdout.splitlines()]
    assert set(rows[0]) == {"id", "date", "source", "title", "path", "key", "similarity",
                            "lead", "lead_reason", "asked"}
    assert [r["lead"] for r in rows] == [True, False, False, False]
    assert rows[0]["similarity"] == 1.0 and all(0.3 < r["similarity"] <= 1 for r in rows[1:])
    assert [Path(r["path"]).name for r in rows if r["asked"]] == ["tass.txt"]
    assert rows[0]["date"] == "2022-03-14T09:00:00"
    alone = run("reprints", news / "other.txt", "--json")
    assert len(alone.stdout.splitlines()) == 1
    assert run("reprints", news / "nonexistent.txt").exit_code == 2
    assert run("reprints", news).exit_code == 2  # a folder: several articles


def test_reprints_signs_the_stored_texts_as_the_indexer_signed_them(run, news):
    """``reprints`` reads one group from the group map and signs its members' stored
    texts again, not the whole store: the signatures and similarities are the store's."""
    import os

    from newsgrep import open_archive
    from newsgrep.reprint_store import ReprintStore

    index(run, news)
    with open_archive(os.environ["NEWSGREP_INDEX"]) as archive:
        store = ReprintStore.loads(archive.engine.reprint_data())
        sizes = []
        for name in ("late.txt", "lib.txt", "other.txt"):
            rows = archive.reprints(str(news / name))
            sizes.append(len(rows))
            lead = store.index.signature(rows[0]["id"])
            for row in rows:
                stored = archive.fetch(row["id"])[0]
                sig = store.index.signature(row["id"])
                assert reprints.signature(stored.title, stored.body) == sig
                assert row["similarity"] == (1.0 if row["lead"] else
                                             round(reprints.similarity(lead, sig), 3))
        assert sizes == [4, 1, 1]


def _snapshot(run) -> dict[str, set[str]]:
    return story_files(run)


def test_incremental_groups_equal_a_rebuild(run, news, tmp_path):
    index(run, news)
    # add a copy
    (news / "agency.txt").write_text(article(
        "Сувойку пересекли по новому мосту", "2022-03-14 10:00", "Интерфакс",
        "\n".join(BRIDGE[:3])), encoding="utf-8")
    index(run, news)
    assert _snapshot(run)["ria.txt"] == {"agency.txt", "tass.txt", "lead.txt", "late.txt"}
    # change a copy into another story
    (news / "tass.txt").write_text(article("Фестиваль", "2022-03-11 11:30", "ТАСС",
                                           LIBRARY + " Мост."), encoding="utf-8")
    index(run, news)
    s = _snapshot(run)
    assert s["ria.txt"] == {"agency.txt", "lead.txt", "late.txt"}
    assert s["lib.txt"] == {"tass.txt"}  # the changed file joined the library story
    # delete a copy
    (news / "agency.txt").unlink()
    index(run, news)
    assert _snapshot(run)["ria.txt"] == {"lead.txt", "late.txt"}
    # delete the lead: the next earliest copy leads, the rest stay together
    (news / "ria.txt").unlink()
    index(run, news)
    incremental = _snapshot(run)
    assert incremental["lead.txt"] == {"late.txt"}
    # (lead.txt holds only the first paragraph, late.txt five: still one story)
    index(run, "--rebuild", news)
    assert _snapshot(run) == incremental
    assert hits(run) == hits(run)  # stable


@pytest.mark.parametrize("engine", ["whoosh"], indirect=True)
def test_sidecars_follow_the_generation(run, news, tmp_path):
    index(run, news)
    (news / "lib.txt").unlink()
    index(run, news)
    from newsgrep.config import locate

    directory = Path(locate(None, None).path)
    names = sorted(p.name for p in directory.iterdir() if p.name.startswith("newsgrep-"))
    # the reprint store: the first run's checkpoint and the second's delta over it
    chain = [n for n in names if n.startswith("newsgrep-reprints-")]
    gens = {re.sub(r"\D", "", n) for n in names if n.endswith(".bin") and n not in chain}
    assert len(gens) == 1, names
    assert {n.split("-")[1] for n in names if n.endswith(".bin")} >= {"reprints", "groups"}
    assert len([n for n in names if n.startswith("newsgrep-files-")]) == 1, names
    (gen,) = gens
    assert chain == [f"newsgrep-reprints-{int(gen) - 1}.bin", f"newsgrep-reprints-{gen}.delta"]


def test_readme_documents_reprints():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Reprints"):]
    for needle in ("--dups", "--unique", "newsgrep reprints", "copy_ids", "copy_sources",
                   "lead_reason", "earliest", "-l"):
        assert needle in section, needle


def test_the_generic_pipeline_keeps_groups_for_a_writer_that_stores_them(news):
    from newsgrep.indexing.generic import index_with_writer
    from newsgrep.reprint_store import Groups, ReprintStore

    from .test_engine_interface import MemoryEngine

    class GroupingEngine(MemoryEngine):
        blobs: tuple = (None, None)

        def reprint_data(self):
            return self.blobs[0]

        def reprint_groups(self):
            return self.blobs[1]

        def id_values(self, query, by):
            raise NotImplementedError

        def writer(self, **kw):
            inner, engine = super().writer(**kw), self
            pending = []

            class Writer:
                add_file, delete_files, close = inner.add_file, inner.delete_files, inner.close

                def set_reprints(self, store, groups):
                    pending[:] = [(store, groups)]

                def commit(self):
                    inner.commit()
                    engine.blobs = pending[0]
            return Writer()

    engine = GroupingEngine()
    index_with_writer(engine, [news])
    groups = Groups.loads(engine.blobs[1])
    names = {p: Path(p).name for p in engine.files}
    ids = {d.id: names[p] for p, f in engine.files.items() for d in f.documents}
    assert [sorted(ids[m[0]] for m in g) for g in groups.groups] == [
        ["late.txt", "lead.txt", "ria.txt", "tass.txt"]]
    (news / "ria.txt").unlink()
    index_with_writer(engine, [news])
    store = ReprintStore.loads(engine.blobs[0])
    assert len(store) == 5 and [len(g) for g in Groups.loads(engine.blobs[1]).groups] == [3]


def _random_groups(rng, n_groups):
    ids = list({rng.getrandbits(64) for _ in range(4 * n_groups)})
    rng.shuffle(ids)
    groups, at = [], 0
    for _ in range(n_groups):
        size = rng.choice((2, 2, 2, 3, 4))
        members = [(f"{ids[at + k]:016x}", rng.choice((None, rng.uniform(0, 2e9))),
                    rng.choice(("ТАСС", "РИА", "", "Коммерсантъ")), rng.randrange(1, 900))
                   for k in range(size)]
        at += size
        groups.append(order_group(members))
    return groups, [f"{i:016x}" for i in ids[at:]]


def _old_whole_load(groups):
    """What format 1 did on every search: every group into an id -> group dict."""
    return {m[0]: g for g in groups for m in g}


def test_the_group_map_answers_as_the_whole_load_did(tmp_path):
    import marshal
    import mmap
    import random

    from newsgrep.reprint_store import (FORMAT, GROUPS_MAGIC, Groups, _date,
                                        encode_groups)

    rng = random.Random(7)
    groups, lonely = _random_groups(rng, 300)
    old = _old_whole_load(groups)
    path = tmp_path / "groups.bin"
    path.write_bytes(encode_groups(groups))
    with open(path, "rb") as fh:
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    format1 = GROUPS_MAGIC + marshal.dumps((FORMAT, groups))  # an old sidecar: read whole
    for gm in (Groups.loads(path.read_bytes()), Groups.loads(mapped), Groups.loads(format1)):
        gm.CACHED = 16  # (decoded groups kept: bounded, a long-lived process asks for many)
        assert len(gm) == 300 and sorted(gm.groups) == sorted(groups)
        for aid, g in old.items():
            assert gm.group(aid) == g
            assert gm.group_id(aid) == min(m[0] for m in g)
            assert gm.lead(aid) == g[0][0]
            assert gm.members(aid) == [(m[0], _date(m[1]), m[2]) for m in g]
            assert gm.reason(aid) == reprints.choose_lead((m[0], m[1], m[3]) for m in g)[1]
        assert 0 < len(gm._cache) <= 16
        for aid in lonely + ["0" * 16, "f" * 16, "not-an-id", ""]:  # ids without copies
            assert gm.group(aid) is None and gm.group_id(aid) is None
            assert gm.members(aid) == [] and gm.reason(aid) == "" and gm.lead(aid) == aid
        asked = rng.sample(sorted(old), 50) + lonely[:50]
        expected = {a: gm.story(a) for a in asked if a in old}
        assert gm.numbers_of(asked) == expected  # binary searches
        numbers = gm.numbers_of(list(old) + lonely + ["not-an-id"])  # one pass over the keys
        assert numbers == {a: gm.story(a) for a in old}
        for aid, n in numbers.items():
            assert gm.order_in_group(n) == {m[0]: i for i, m in enumerate(old[aid])}


def test_an_empty_group_map_and_ids_of_another_shape():
    from newsgrep.reprint_store import Groups, encode_groups

    for empty in (Groups(), Groups.loads(None), Groups.loads(b""),
                  Groups.loads(encode_groups([]))):
        assert len(empty) == 0 and empty.group("0123456789abcdef") is None
        assert empty.groups == [] and empty.numbers_of(["x"]) == {}
    groups = [[("b", None, "", 3), ("zz", 1.0, "x", 3)], [("a", 2.0, "", 1), ("ё", 3.0, "", 1)]]
    gm = Groups.loads(encode_groups(groups))
    assert gm.group_id("zz") == "b" and gm.lead("ё") == "a" and gm.group("c") is None
    assert gm.group("zzz") is None and gm.groups == groups
    many = ["b", "zz", "a", "ё", "c", "zzz"] * 3  # (enough for the pass over the keys)
    assert gm.numbers_of(many) == {i: gm.story(i) for i in ("b", "zz", "a", "ё")}
    assert gm.story("b") == gm.story("zz") != gm.story("a") == gm.story("ё")
    with pytest.raises(ValueError):
        Groups.loads(b"NGRGMAP2\x01")
    with pytest.raises(ValueError):
        Groups.loads(b"something else")


def test_a_group_map_made_from_ids_and_a_row_maker_is_the_map_of_the_rows():
    import random

    from newsgrep.reprint_store import Groups, encode_groups

    rnd = random.Random(5)
    ids = list({rnd.getrandbits(64) for _ in range(600)})
    for shape in ("{:016x}", "id-{}"):  # 16 hex digits (keys as numbers), and others
        named = [shape.format(i) for i in ids]
        groups = [named[i:i + rnd.randint(2, 9)] for i in range(0, 560, 10)]
        rows = {i: (i, float(n), f"s{n % 3}", n % 7) for n, i in enumerate(named)}
        made = encode_groups(groups, lambda g: [rows[i] for i in g])
        whole = encode_groups([[rows[i] for i in g] for g in groups])
        gm = Groups.loads(made)
        assert gm.groups == Groups.loads(whole).groups == [[rows[i] for i in g] for g in groups]
        for k, g in enumerate(groups):
            assert all(gm.group(i) == [rows[m] for m in g] for i in g)
        assert gm.numbers_of(named) == {i: k for k, g in enumerate(groups) for i in g}
        assert gm.group(named[-1]) is None  # (not in a group)


# --- the PostgreSQL engine: what the database holds, two writers, kill -9 -------------------

SYLLABLES = ["ка", "ро", "ми", "ту", "ле", "на", "зо", "вы", "пи", "ду", "ре", "со", "га", "бе"]


def _stories(n: int, seed: int = 7) -> list[str]:
    """``n`` texts of made-up words, none a copy of another."""
    import random

    rng = random.Random(seed)
    words = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
                    for _ in range(3000)})
    return [". ".join(" ".join(rng.choice(words) for _ in range(12)) for _ in range(6)) + "."
            for _ in range(n)]


def _write_stories(left: Path, right: Path, n: int) -> None:
    """Story i: its original in ``left``, two copies (new headline, attribution, boilerplate)
    in ``right``, later."""
    left.mkdir(parents=True, exist_ok=True)
    right.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(_stories(n)):
        day = f"2022-04-{i % 28 + 1:02}"
        (left / f"s{i:02}.txt").write_text(article(f"История {i}", f"{day} 08:00", "Агентство",
                                                   text), encoding="utf-8")
        (right / f"s{i:02}b.txt").write_text(article(
            f"Заголовок копии {i}", f"{day} 10:00", "Сайт Б",
            text + "\nЧитайте также: другие новости"), encoding="utf-8")
        (right / f"s{i:02}c.txt").write_text(article(
            f"Ещё копия {i}", f"{day} 12:00", "Сайт В",
            "Как сообщает агентство. " + text), encoding="utf-8")


def _db_groups(url: str) -> dict[str, str | None]:
    """file name -> its group (the group's smallest id) as the ``reprints`` rows hold it."""
    from newsgrep.engine.postgres import PostgresEngine

    engine = PostgresEngine(url)
    try:
        return {Path(p).name: g for p, g in engine._run("SELECT path, grp FROM reprints")}
    finally:
        engine.close()


def _read_groups(url: str) -> dict[str, str | None]:
    """file name -> its group as searches read it (the group map)."""
    from newsgrep import open_archive

    with open_archive(url) as archive:
        groups = archive.reprint_groups()
        return {Path(p).name: groups.group_id(i)
                for i, p in archive.engine._run("SELECT id, path FROM articles")}


def _by_story(groups: dict[str, str | None]) -> set[frozenset[str]]:
    out: dict[str, set[str]] = {}
    for name, g in groups.items():
        out.setdefault(g or name, set()).add(name)
    return {frozenset(v) for v in out.values()}


def _new_db(pg) -> str:
    return pg.url(pg.create_database("g_" + uuid.uuid4().hex[:10]))


def test_postgres_rows_hold_each_articles_group(pg, news):
    from newsgrep.engine.postgres import PostgresEngine
    from newsgrep.engine.postgres.indexer import index_paths

    url = _new_db(pg)
    engine = PostgresEngine(url, create=True)
    index_paths(engine, [str(news)])
    rows = _db_groups(url)
    assert _by_story(rows) == {frozenset({"ria.txt", "tass.txt", "lead.txt", "late.txt"}),
                               frozenset({"other.txt"}), frozenset({"lib.txt"})}
    assert rows == _read_groups(url)
    (news / "ria.txt").unlink()  # the lead goes: the rest keep one group, renamed if need be
    index_paths(engine, [str(news)])
    rows = _db_groups(url)
    assert _by_story(rows) >= {frozenset({"tass.txt", "lead.txt", "late.txt"})}
    assert rows == _read_groups(url) and engine.check() == []
    assert rows["tass.txt"] == min(i for (i,) in engine._run(
        "SELECT id FROM articles WHERE path LIKE '%%/tass.txt' OR path LIKE '%%/lead.txt' "
        "OR path LIKE '%%/late.txt'"))


@pytest.mark.parametrize("old", ["1", "2"])
def test_postgres_older_schema_versions_are_refused_with_a_message(pg, news, old):
    from newsgrep.engine.postgres import PostgresEngine
    from newsgrep.errors import IndexCorrupt

    url = _new_db(pg)
    PostgresEngine(url, create=True).writer(morphology="stem").close()
    dbname = url.split("/")[3].split("?")[0]
    pg.psql(f"UPDATE newsgrep_meta SET value = '{old}' WHERE key = 'schema_version'", dbname)
    with pytest.raises(IndexCorrupt, match=f"schema version {old}, this newsgrep reads version 3"):
        PostgresEngine(url)


GROUP_WRITER = """
import sys
from newsgrep.engine.postgres import PostgresEngine
from newsgrep.engine.postgres.indexer import index_paths
index_paths(PostgresEngine(sys.argv[1], create=True), [sys.argv[2]], commit_files=1)
"""


def test_postgres_two_writers_end_with_the_groups_of_one_run(pg, tmp_path):
    import subprocess
    import sys

    from newsgrep.engine.postgres import PostgresEngine
    from newsgrep.engine.postgres.indexer import index_paths

    left, right = tmp_path / "left", tmp_path / "right"
    _write_stories(left, right, 12)
    url = _new_db(pg)
    PostgresEngine(url, create=True).writer(morphology="stem").close()
    procs = [subprocess.Popen([sys.executable, "-c", GROUP_WRITER, url, str(side)], cwd=REPO)
             for side in (left, right)]  # each commits file by file: their commits interleave
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    one = _new_db(pg)
    index_paths(PostgresEngine(one, create=True), [str(left), str(right)])
    expected = {frozenset({f"s{i:02}.txt", f"s{i:02}b.txt", f"s{i:02}c.txt"}) for i in range(12)}
    assert _by_story(_db_groups(one)) == expected
    assert _db_groups(url) == _db_groups(one)  # the same names too (each group's smallest id)
    assert _read_groups(url) == _db_groups(one)
    assert PostgresEngine(url).check() == []


@pytest.mark.parametrize("point,after", [("added", 5), ("committed", 7), ("added", 30)])
def test_postgres_kill_9_leaves_groups_of_the_last_commit(pg, tmp_path, point, after):
    import signal
    import subprocess
    import sys

    from newsgrep.engine.postgres import PostgresEngine
    from newsgrep.engine.postgres.indexer import index_paths

    news = tmp_path / "news"
    _write_stories(news, news, 12)  # 36 files; a story's copies in other commits
    url = _new_db(pg)
    PostgresEngine(url, create=True).writer(morphology="stem").close()
    proc = subprocess.run([sys.executable, "-c", pg_cluster.KILLER, url, str(news), point,
                           str(after), "2"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    engine = PostgresEngine(url)
    assert engine.check() == []  # a signature and a group row for each committed article
    rows = _db_groups(url)
    assert len(rows) == engine.doc_count() > 0
    assert _read_groups(url) == rows  # searches catch up past the last checkpoint
    maps = dict(engine._run("SELECT name, generation FROM reprint_maps"))
    if (point, after) == ("committed", 7):  # 14 of 36 articles in: commits 5-7 left no checkpoint
        assert maps["head"] == 7 and maps["groups"] < 7
    index_paths(engine, [str(news)])
    one = _new_db(pg)
    index_paths(PostgresEngine(one, create=True), [str(news)])
    assert _db_groups(url) == _db_groups(one) == _read_groups(url)
    assert len(_by_story(_db_groups(url))) == 12
    assert dict(engine._run("SELECT name, generation FROM reprint_maps"))["groups"] == \
        dict(engine._run("SELECT name, generation FROM reprint_maps"))["head"]


def test_the_python_api_groups_on_either_engine(run, news, engine):
    import os

    import newsgrep

    index(run, news)
    with newsgrep.open_archive(os.environ["NEWSGREP_INDEX"]) as archive:
        result = archive.search("мост", limit=None, dups="group")
        lead = next(h for h in result.hits if h.copies)
        assert Path(lead.path).name == "ria.txt" and lead.lead_reason == "earliest"
        assert [src for _, src in lead.copies] == ["ТАСС", "Зареченск.ру", "Вести Зареченска"]
        assert len(result.hits) == 3 and len(archive.search("мост", limit=None).hits) == 6
        assert archive.count("мост", unique=True) == 3 and archive.count("мост") == 6
        group = archive.reprints(str(news / "lead.txt"))
        assert [Path(m["path"]).name for m in group] == [
            "ria.txt", "tass.txt", "lead.txt", "late.txt"]
        assert [m["asked"] for m in group] == [False, False, True, False]


def test_postgres_groups_are_rebuilt_from_the_rows_when_the_store_is_unreadable(pg, news):
    from newsgrep.engine.postgres import PostgresEngine
    from newsgrep.engine.postgres.indexer import index_paths

    url = _new_db(pg)
    engine = PostgresEngine(url, create=True)
    index_paths(engine, [str(news)])
    before = _db_groups(url)
    dbname = url.split("/")[3].split("?")[0]
    pg.psql("UPDATE reprint_maps SET data = 'damaged' WHERE name = 'store'", dbname)
    (news / "agency.txt").write_text(article(
        "Сувойку пересекли по новому мосту", "2022-03-14 10:00", "Интерфакс",
        "\n".join(BRIDGE[:3])), encoding="utf-8")
    index_paths(PostgresEngine(url), [str(news)])
    after = _db_groups(url)
    assert _by_story(after) == {  # (a group's name may change: its smallest id)
        (s | {"agency.txt"} if "ria.txt" in s else s) for s in _by_story(before)}
    assert after["agency.txt"] == after["ria.txt"] is not None
    assert _read_groups(url) == after
