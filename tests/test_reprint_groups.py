"""Reprint groups kept by `newsgrep index` and used by search, -c/--timeline --unique and
`newsgrep reprints`. The articles are written for these tests (the bridge story of
test_reprints, reprinted by other outlets)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsgrep import reprints
from newsgrep.cli import cli
from newsgrep.reprint_store import order_group

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
def run():
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


def test_sidecars_follow_the_generation(run, news, tmp_path):
    index(run, news)
    (news / "lib.txt").unlink()
    index(run, news)
    from newsgrep.config import locate

    directory = Path(locate(None, None).path)
    names = sorted(p.name for p in directory.iterdir() if p.name.startswith("newsgrep-"))
    gens = {re.sub(r"\D", "", n) for n in names if n.endswith(".bin")}
    assert len(gens) == 1, names
    assert {n.split("-")[1] for n in names if n.endswith(".bin")} >= {
        "state", "reprints", "groups"}


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
        assert len(gm) == 300 and sorted(gm.groups) == sorted(groups)
        for aid, g in old.items():
            assert gm.group(aid) == g
            assert gm.group_id(aid) == min(m[0] for m in g)
            assert gm.lead(aid) == g[0][0]
            assert gm.members(aid) == [(m[0], _date(m[1]), m[2]) for m in g]
            assert gm.reason(aid) == reprints.choose_lead((m[0], m[1], m[3]) for m in g)[1]
        for aid in lonely + ["0" * 16, "f" * 16, "not-an-id", ""]:  # ids without copies
            assert gm.group(aid) is None and gm.group_id(aid) is None
            assert gm.members(aid) == [] and gm.reason(aid) == "" and gm.lead(aid) == aid
        asked = rng.sample(sorted(old), 50) + lonely[:50]
        expected = {a: old[a] for a in asked if a in old}
        assert gm.groups_of(asked) == expected  # binary searches
        assert gm.groups_of(list(old) + lonely) == old  # one pass over the keys


def test_an_empty_group_map_and_ids_of_another_shape():
    from newsgrep.reprint_store import Groups, encode_groups

    for empty in (Groups(), Groups.loads(None), Groups.loads(b""),
                  Groups.loads(encode_groups([]))):
        assert len(empty) == 0 and empty.group("0123456789abcdef") is None
        assert empty.groups == [] and empty.groups_of(["x"]) == {}
    groups = [[("b", None, "", 3), ("zz", 1.0, "x", 3)], [("a", 2.0, "", 1), ("ё", 3.0, "", 1)]]
    gm = Groups.loads(encode_groups(groups))
    assert gm.group_id("zz") == "b" and gm.lead("ё") == "a" and gm.group("c") is None
    assert gm.group("zzz") is None and gm.groups == groups
    with pytest.raises(ValueError):
        Groups.loads(b"NGRGMAP2\x01")
    with pytest.raises(ValueError):
        Groups.loads(b"something else")
