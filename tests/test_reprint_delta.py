"""The reprint store and group map of a Whoosh archive, written by what a commit changes:
a delta per commit over the last whole store (a checkpoint), a checkpoint when the deltas
add up to a share of it; the group map at a run's end and when a share of the archive
changed. Loading replays the chain; a kill -9 anywhere loses nothing committed."""
from __future__ import annotations

import marshal
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from newsgrep.engine.whoosh import commit
from newsgrep.indexing import index_paths
from newsgrep.indexing.settings import Limits, Settings
from newsgrep.reprint_store import Groups, ReprintStore

from .test_reprint_groups import _stories, _write_stories

REPO = Path(__file__).resolve().parent.parent


def _names(ix: Path, prefix: str) -> list[str]:
    return sorted(p.name for p in ix.iterdir() if p.name.startswith(prefix))


def _gen(ix: Path) -> int:
    from newsgrep.engine.whoosh.check import latest_generation

    return latest_generation(ix)


def _map(ix: Path) -> list:
    data = (ix / f"newsgrep-groups-{_gen(ix)}.bin").read_bytes()
    return sorted(Groups.loads(data).groups)


def _exact(ix: Path) -> None:
    """The map of the last commit is the store's groups, and not marked stale."""
    assert not _names(ix, "newsgrep-groups-") or not [
        n for n in _names(ix, "newsgrep-groups-") if n.endswith(".stale")]
    store = commit.load_reprints(ix, _gen(ix))
    assert _map(ix) == sorted(store.group_list())


def _signed(path: str, n: int, seed: int = 7) -> list[tuple]:
    from newsgrep import reprints

    return [(f"{path}#{i}", reprints.signature(f"t{i}", text).to_bytes(), 1.6e9 + i, "src")
            for i, text in enumerate(_stories(n, seed=seed))]


def test_a_chain_of_deltas_loads_as_the_store_it_was_taken_from():
    store = ReprintStore()
    store.logging = True
    store.replace_file("a", _signed("a", 3))
    store.replace_file("b", _signed("b", 2))  # copies of a's
    checkpoint = store.dumps()
    store.log.clear()
    store.replace_file("c", _signed("c", 2, seed=8))
    d1 = store.take_delta(1)
    store.remove_files(["c"])
    store.replace_file("b", _signed("b", 3))
    d2 = store.take_delta(1)
    assert store.take_delta(1) != d2  # the log is emptied by each take
    from newsgrep.reprint_store import CHAIN_MAGIC

    loaded = ReprintStore.loads(CHAIN_MAGIC + marshal.dumps([checkpoint, d1, d2]))
    assert loaded.listed == store.listed and loaded.meta == store.meta
    assert loaded.group_list() == store.group_list() != []
    with pytest.raises(ValueError):
        ReprintStore.loads(CHAIN_MAGIC + marshal.dumps([checkpoint, d1[:-3]]))


def _format1(store: ReprintStore) -> bytes:
    """``store`` as a whole store of format 1 wrote it: a dict id -> (date, source,
    words) and an index dump without tags."""
    from newsgrep.reprint_store import MAGIC as STORE
    from newsgrep.reprints import MAGIC as INDEX

    from .test_reprints import marshal_state

    index = marshal_state(store.index)[:8]  # (no tags)
    return STORE + marshal.dumps((1, INDEX + marshal.dumps(index), store.listed, store.meta))


def test_a_file_whose_article_its_path_names_is_not_listed():
    """Most files hold one article, whose id is ``article_id(path)``: the store lists
    only the others' ids (a JSON Lines file's, say), and still removes and replaces
    every file's articles, also from a store written when it listed every file."""
    from newsgrep import reprints
    from newsgrep.engine.base import article_id
    from newsgrep.reprint_store import FRAMED_MAGIC, STORE_FORMAT

    def one(path: str, seed: int) -> list[tuple]:
        (_, sig, ts, source), = _signed(path, 1, seed=seed)
        return [(article_id(path), sig, ts, source)]

    store = ReprintStore()
    for k in range(6):
        store.replace_file(f"/news/{k}.txt", one(f"/news/{k}.txt", k % 3))
    many = _signed("/news/feed.jsonl", 3)
    store.replace_file("/news/feed.jsonl", many)
    store.replace_file("/news/empty.html", [])
    assert store.listed == {"/news/feed.jsonl": [m[0] for m in many]}
    assert store.ids_of("/news/2.txt") == [article_id("/news/2.txt")]
    assert store.ids_of("/news/empty.html") == store.ids_of("/news/none.txt") == []
    assert len(store) == 9 and store.group_list()  # (texts of seeds 0 and 1 repeat)

    # a store that listed every file (as written before) loads with only the feed listed
    old = {f"/news/{k}.txt": [article_id(f"/news/{k}.txt")] for k in range(6)}
    old.update({"/news/feed.jsonl": store.listed["/news/feed.jsonl"], "/news/empty.html": []})
    parts, frames = list(store.index.parts()), []
    reprints.write_frames([marshal.dumps((STORE_FORMAT, store.sources, len(parts))), *parts,
                           marshal.dumps(old)], frames.append)
    loaded = ReprintStore.loads(FRAMED_MAGIC + b"".join(frames))
    assert loaded.listed == store.listed and loaded.meta == store.meta

    for s in (store, loaded):
        s.remove_files(["/news/1.txt", "/news/feed.jsonl", "/news/none.txt"])
        s.replace_file("/news/2.txt", one("/news/2.txt", 2))
        assert len(s) == 5 and s.listed == {}
        assert set(s.meta) == {article_id(f"/news/{k}.txt") for k in (0, 2, 3, 4, 5)}
        assert ReprintStore.loads(s.dumps()).meta == s.meta
    assert loaded.group_list() == store.group_list()


def _mixed_sources(path: str, n: int, seed: int) -> list[tuple]:
    return [(aid, sig, ts, f"source{(i + seed) % 3}")
            for i, (aid, sig, ts, _) in enumerate(_signed(path, n, seed=seed))]


def test_each_article_keeps_its_source_date_and_length_through_dumps_compaction_and_format_1():
    from newsgrep import reprints

    store = ReprintStore()
    added = {}
    for k, name in enumerate("abcdef"):
        items = _mixed_sources(name, 4, seed=k % 2)  # b, d, f: copies of a's stories
        store.replace_file(name, items)
        for aid, sig, ts, source in items:
            added[aid] = (ts, source, reprints.Signature.from_bytes(sig).words)
    assert store.meta == added
    assert len(store.sources) == 3  # each source named once
    groups = store.group_list()
    assert groups and all(m[1:] == added[m[0]][0:3] for g in groups for m in g)
    for loaded in (ReprintStore.loads(store.dumps()), ReprintStore.loads(_format1(store))):
        assert loaded.meta == added
        assert loaded.group_list() == groups
        # the loaded files share the index's id strings
        assert all(loaded.index.key(aid) is aid for ids in loaded.listed.values() for aid in ids)
    # removals past the threshold compact the index (slots renumbered): tags follow
    before = store.index._tags
    store.remove_files(["a", "b", "c"])
    for aid in list(added):
        if aid.split("#")[0] in "abc":
            del added[aid]
    store.index.compact()
    assert store.index._tags is not before
    assert store.meta == added
    assert ReprintStore.loads(store.dumps()).group_list() == store.group_list()
    for broken in (store.dumps()[:-2], store.dumps()[:30]):
        with pytest.raises(ValueError):
            ReprintStore.loads(broken)


def _rebuilt_map(news: Path, tmp_path: Path) -> list:
    other = tmp_path / "rebuilt"
    index_paths([news], other, morphology="stem")
    return _map(other)


def test_runs_write_deltas_then_a_checkpoint_and_the_map_is_exact(tmp_path, monkeypatch):
    monkeypatch.setattr(commit.Committer, "FINISH_CHECKPOINT_SHARE", 100.0)
    news, ix = tmp_path / "news", tmp_path / "ix"
    _write_stories(news / "a", news / "b", 12)
    index_paths([news], ix, morphology="stem")
    assert _names(ix, "newsgrep-reprints-") == [f"newsgrep-reprints-{_gen(ix)}.bin"]
    _exact(ix)
    store = commit.load_reprints(ix, _gen(ix))
    assert len(store) == 36 and store.listed == {}  # (one article a file: its path names it)
    # small changes: a delta each, over the first checkpoint
    base = _gen(ix)
    (news / "b" / "s03b.txt").unlink()
    index_paths([news], ix)
    _write_stories(news / "c", news / "d", 1)
    index_paths([news], ix)
    assert _names(ix, "newsgrep-reprints-") == [
        f"newsgrep-reprints-{base}.bin", f"newsgrep-reprints-{base + 1}.delta",
        f"newsgrep-reprints-{base + 2}.delta"]
    _exact(ix)
    assert _map(ix) == _rebuilt_map(news, tmp_path)
    # a no-op run reads neither the store nor writes anything
    monkeypatch.setattr(commit, "load_reprints", lambda *a: pytest.fail("store read"))
    index_paths([news], ix)
    monkeypatch.undo()
    monkeypatch.setattr(commit.Committer, "FINISH_CHECKPOINT_SHARE", 100.0)
    # the deltas outgrow their share: a checkpoint, and the old chain goes
    monkeypatch.setattr(commit.Committer, "CHECKPOINT_SHARE", 0.0)
    (news / "a" / "s05.txt").unlink()
    index_paths([news], ix)
    assert _names(ix, "newsgrep-reprints-") == [f"newsgrep-reprints-{_gen(ix)}.bin"]
    _exact(ix)
    assert _map(ix) == _rebuilt_map(news, tmp_path / "2")


def test_between_a_runs_commits_the_map_is_the_last_one_written(tmp_path, monkeypatch):
    news, ix = tmp_path / "news", tmp_path / "ix"
    _write_stories(news / "a", news / "b", 4)
    index_paths([news], ix, morphology="stem")
    first = _map(ix)
    _write_stories(news / "c", news / "d", 12)
    seen = []

    def hook(point):
        if point == "committed":
            gen = _gen(ix)
            seen.append(((ix / f"newsgrep-groups-{gen}.stale").exists(), _map(ix)))

    monkeypatch.setattr(commit.Committer, "GROUP_MAP_SHARE", 100.0)
    index_paths([news], ix, jobs=1, settings=Settings(limits=Limits(commit_articles=4),
                                                      hooks=hook))  # type: ignore[arg-type]
    assert len(seen) > 2
    assert all(stale and groups == first for stale, groups in seen)  # put off: the old map
    _exact(ix)  # ... written at the end of the run
    assert len(_map(ix)) == 12  # (stories 0-3 of c, d are those of a, b)


KILLER = """
import sys
from newsgrep.engine.whoosh import commit
from newsgrep.indexing import index_paths
from newsgrep.indexing.settings import Limits, Settings, TestHooks
commit.Committer.GROUP_MAP_SHARE = 100.0  # the map put off till the end
commit.Committer.CHECKPOINT_SHARE = float(sys.argv[4])
index_paths([sys.argv[1]], sys.argv[2], jobs=1, settings=Settings(
    limits=Limits(commit_articles=4), hooks=TestHooks(kill=sys.argv[3])))
"""


@pytest.mark.parametrize("kill,share", [
    ("state-written:3", 100.0),  # deltas written, the third's commit not made
    ("committed:3", 100.0),  # three deltas committed, the map stale
    ("state-written:3", 0.0),  # a checkpoint written, its commit not made
    ("map-written:1", 100.0),  # all committed, the map written, the run not ended
])
def test_a_kill_9_loses_nothing_and_the_next_run_ends_exact(tmp_path, kill, share):
    news, ix = tmp_path / "news", tmp_path / "ix"
    _write_stories(news / "a", news / "b", 3)
    index_paths([news], ix, morphology="stem")
    _write_stories(news / "c", news / "d", 12)
    proc = subprocess.run([sys.executable, "-c", KILLER, str(news), str(ix), kill, str(share)],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          start_new_session=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    from newsgrep.engine.whoosh.check import check_files

    assert check_files(ix) == []
    gen = _gen(ix)
    left = set(_names(ix, "newsgrep-"))
    if kill == "state-written:3":  # the uncommitted commit's sidecars are there, unread
        assert f"newsgrep-reprints-{gen + 1}{'.delta' if share else '.bin'}" in left
    if kill == "committed:3":
        assert {f"newsgrep-groups-{gen}.stale", f"newsgrep-reprints-{gen}.delta"} <= left
    commit.load_reprints(ix, gen)  # the chain of the last commit reads
    index_paths([news], ix)
    _exact(ix)
    assert _map(ix) == _rebuilt_map(news, tmp_path)
    assert len(_map(ix)) == 12


def test_a_run_with_nothing_to_do_writes_a_map_left_stale(tmp_path, monkeypatch):
    news, ix = tmp_path / "news", tmp_path / "ix"
    _write_stories(news / "a", news / "b", 2)
    index_paths([news], ix, morphology="stem")
    _write_stories(news / "c", news / "d", 6)
    monkeypatch.setattr(commit.Committer, "GROUP_MAP_SHARE", 100.0)
    with monkeypatch.context() as m:  # a run that ends before its end (as if killed)
        m.setattr(commit.Committer, "finish", lambda self: None)
        index_paths([news], ix)
    assert _names(ix, "newsgrep-groups-") == [f"newsgrep-groups-{_gen(ix)}.bin",
                                              f"newsgrep-groups-{_gen(ix)}.stale"]
    assert len(_map(ix)) == 2
    gen = _gen(ix)
    index_paths([news], ix)  # nothing changed: no commit, but the map
    assert _gen(ix) == gen
    _exact(ix)
    assert len(_map(ix)) == 6


def test_a_run_whose_deltas_passed_their_share_ends_with_a_whole_store(tmp_path, monkeypatch):
    """So that the next run replays little: the last commit's store whole, beside its delta;
    the next commit's clean-up drops the old chain."""
    news, ix = tmp_path / "news", tmp_path / "ix"
    _write_stories(news / "a", news / "b", 12)
    index_paths([news], ix, morphology="stem")
    base = _gen(ix)
    _write_stories(news / "c", news / "d", 4)  # a delta of several per cent of the store
    index_paths([news], ix)
    gen = _gen(ix)
    assert gen > base
    assert commit.reprints_chain(ix, gen) == (gen, [])
    assert f"newsgrep-reprints-{gen}.bin" in _names(ix, "newsgrep-reprints-")
    _exact(ix)
    assert _map(ix) == _rebuilt_map(news, tmp_path)
    _write_stories(news / "e", news / "f", 1)
    index_paths([news], ix)
    names = _names(ix, "newsgrep-reprints-")
    assert f"newsgrep-reprints-{base}.bin" not in names
    _exact(ix)
    assert _map(ix) == _rebuilt_map(news, tmp_path / "2")


def test_a_store_of_an_older_grouping_is_grouped_again_once_and_written_whole(tmp_path,
                                                                              monkeypatch):
    """A store made with another grouping (``reprints.GROUPING``, changed by an upgrade) is
    grouped again when a run loads it; that run writes it whole, with its map, so the next
    runs load it as it is (at 1.1M articles the regrouping takes minutes: it was paid by
    every run, since a small change writes only a delta)."""
    from newsgrep import reprints

    news, ix = tmp_path / "news", tmp_path / "ix"
    _write_stories(news / "a", news / "b", 12)
    monkeypatch.setattr(reprints, "GROUPING", (0,) + reprints.GROUPING[1:])  # an older one
    index_paths([news], ix, morphology="stem")
    monkeypatch.undo()
    assert commit.load_reprints(ix, _gen(ix)).regrouped
    (news / "b" / "s03b.txt").unlink()  # a small change: a delta, were it not for the grouping
    index_paths([news], ix)
    assert _names(ix, "newsgrep-reprints-") == [f"newsgrep-reprints-{_gen(ix)}.bin"]
    assert not commit.load_reprints(ix, _gen(ix)).regrouped
    _exact(ix)
    assert _map(ix) == _rebuilt_map(news, tmp_path)
    (news / "b" / "s04b.txt").unlink()
    monkeypatch.setattr(commit.Committer, "FINISH_CHECKPOINT_SHARE", 100.0)
    monkeypatch.setattr(reprints.ReprintIndex, "update",
                        lambda self, items: pytest.fail("grouped again"))
    index_paths([news], ix)
    assert _names(ix, "newsgrep-reprints-")[-1].endswith(".delta")
    _exact(ix)
