"""Empty and damaged archives (issue 16): every command answers an empty archive,
`newsgrep check` names what is damaged, `index` never reports success over damage,
and `--rebuild` repairs any of it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest


from .conftest import FIXTURES, SCRIPT


@pytest.fixture
def empty(run, tmp_path):
    """An archive of an empty folder: a TOC of no segments."""
    (tmp_path / "e").mkdir()
    ix = tmp_path / "ie"
    result = run("index", tmp_path / "e", "--index", ix)
    assert result.exit_code == 0, result.stderr
    assert "holds 0 articles" in result.stderr
    return ix


# ---------------------------------------------------------------- item 3: an empty archive

@pytest.mark.parametrize("args, code, stdout", [
    (["search", "атака"], 1, ""),
    (["search", "атака", "--json"], 1, ""),
    (["search", "атака", "-l"], 1, ""),
    (["search", "=атака"], 1, ""),
    (["search", "атак*"], 1, ""),
    (["search", "призидент~"], 1, ""),
    (["search", "fnfrf"], 1, ""),                 # did-you-mean over no words
    (["search", "атака", "-c"], 1, "0\n"),
    (["search", "атака", "-c", "--by", "source"], 1, ""),
    (["search", "атака", "-c", "--by", "month"], 1, ""),
    (["search", "атака", "-c", "--by", "month", "--json"], 1, ""),
    (["search", "атака", "--timeline", "--json"], 1, ""),
    (["search", "атака", "--timeline", "--by", "day", "--json"], 1, ""),
    (["search", "атака", "--since", "2022"], 1, ""),
])
def test_an_empty_archive_answers_searches_with_nothing(run, empty, args, code, stdout):
    result = run(*args, "--index", empty)
    assert (result.exit_code, result.stdout, result.stderr) == (code, stdout, "")


def test_an_empty_archive_has_stats_and_no_similar_articles(run, empty, tmp_path):
    result = run("stats", "--json", "--index", empty)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["articles"] == 0
    article = tmp_path / "a.txt"
    article.write_text("Спасатели вывели туристов с перевала после ночной метели.", "utf-8")
    result = run("similar", article, "--index", empty)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "")
    result = run("show", "0123456789abcdef", "--index", empty)
    assert result.exit_code == 2
    assert result.stderr.startswith("newsgrep: error: 0123456789abcdef: no such article")
    result = run("similar", "0123456789abcdef", "--index", empty)
    assert result.exit_code == 2
    assert "no such article in the index, and no such file" in result.stderr


def test_a_first_build_answers_searches_before_its_first_commit(tmp_path):
    """A new archive between its creation and its first commit: searches find nothing (1)."""
    import time

    docs, ix = tmp_path / "docs", tmp_path / "ix"
    shutil.copytree(FIXTURES / "articles", docs)
    flag = tmp_path / "go"
    proc = subprocess.Popen([SCRIPT, "index", str(docs), "--index", str(ix), "-j", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NEWSGREP_TEST_PAUSE": f"segment-written:{flag}"})
    try:
        while not flag.with_name("go.reached").exists():
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.02)
        for args in (["туристы"], ["туристы", "-c"], ["туристы", "--timeline"]):
            done = subprocess.run([SCRIPT, "search", *args, "--index", str(ix)],
                                  capture_output=True, text=True)
            assert done.returncode == 1, done.stderr
            assert "error" not in done.stderr
    finally:
        flag.touch()
        proc.communicate(timeout=60)
    assert proc.returncode == 0


# ---------------------------------------------------------------- item 4: names on stderr

OSC52 = "\x1b]52;c;SGFja2Vk\x07"
CLEAR = "\x1b[2J"


def test_file_names_in_warnings_and_the_summary_cannot_reach_the_terminal(run, tmp_path):
    docs = tmp_path / f"d{CLEAR}"
    docs.mkdir()
    (docs / f"{OSC52}.txt").touch()                                   # empty: a warning
    (docs / f"bin{CLEAR}.txt").write_bytes(b"\x00\x01\x02" * 4000)    # binary: a warning
    (docs / "ok.txt").write_text("Спасатели вывели туристов с перевала.", "utf-8")
    result = run("index", docs, "--index", tmp_path / f"ix{OSC52}")
    assert result.exit_code == 0
    assert result.stderr.count("newsgrep: warning:") == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "␛]52;c;SGFja2Vk␇.txt" in result.stderr
    assert "␛[2J" in result.stderr
    assert "holds 1 articles" in result.stderr


def test_names_in_errors_cannot_reach_the_terminal(run, tmp_path):
    result = run("search", "x", "--index", tmp_path / f"no{OSC52}")
    assert result.exit_code == 2
    assert result.stderr.startswith("newsgrep: error: no index at ")
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "␛]52" in result.stderr
    result = run("similar", f"{CLEAR}.txt", "--index", tmp_path / "ix")
    assert result.exit_code == 2 and "\x1b" not in result.stderr


def test_safe_message_shows_the_bytes_of_names_that_are_not_utf8():
    from newsgrep.render import safe_message

    name = os.fsdecode(b"d/\xcd\xee\xe2.txt")
    assert safe_message(f"{name}: binary file") == "d/\\xcd\\xee\\xe2.txt: binary file"
    assert safe_message(f"a{OSC52}\tb\n\u202e") == "a␛]52;c;SGFja2Vk␇\tb\n\ufffd"
    safe_message(name).encode("utf-8")  # printable on any terminal


# ---------------------------------------------------------------- items 8, 9: check, rebuild

@pytest.fixture
def built(run, tmp_path):
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    shutil.copytree(FIXTURES / "articles", docs)
    result = run("index", docs, "--index", ix)
    assert result.exit_code == 0, result.stderr
    return docs, ix


def _one(ix, pattern):
    (path,) = sorted(ix.glob(pattern))[:1]
    return path


def test_check_a_healthy_archive(run, built, empty):
    _, ix = built
    result = run("check", "--index", ix)
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith(f"ok: {ix}: ")
    assert run("check", "--index", empty).exit_code == 0
    result = run("check", "--index", ix.parent / "nothing")
    assert result.exit_code == 2 and "no index at" in result.stderr


@pytest.mark.parametrize("damage, verdict", [
    (lambda ix: os.truncate(_one(ix, "MAIN_*.pst"), 100), "bytes, its commit wrote"),
    (lambda ix: os.truncate(_one(ix, "MAIN_*.trm"), 50), "bytes, its commit wrote"),
    (lambda ix: _one(ix, "MAIN_*.frm").unlink(), ".frm: missing"),
    (lambda ix: os.truncate(_one(ix, "_MAIN_*.toc"), 0), ".toc: unreadable"),
    (lambda ix: _one(ix, "_MAIN_*.toc").write_bytes(os.urandom(600)), ".toc: unreadable"),
    (lambda ix: _one(ix, "newsgrep-files-*.sqlite").write_bytes(b"\xff garbage" * 400),
     ".sqlite: unreadable"),
    (lambda ix: (ix / "newsgrep.json").write_text(""), "newsgrep.json: unreadable"),
])
def test_check_names_the_damage_index_refuses_it_and_rebuild_repairs_it(
        run, built, damage, verdict):
    docs, ix = built
    damage(ix)
    result = run("check", "--index", ix)
    assert result.exit_code == 2
    assert verdict in result.stdout and len(result.stdout.splitlines()) == 1
    assert "newsgrep index --rebuild" in result.stderr
    # Items 8 and 9: an update run does not report success over the damage ...
    result = run("index", docs, "--index", ix)
    assert result.exit_code == 2
    assert result.stderr.startswith("newsgrep: error: ") and "--rebuild" in result.stderr
    assert "internal error" not in result.stderr
    # ... and --rebuild repairs it.
    result = run("index", docs, "--index", ix, "--rebuild")
    assert result.exit_code == 0, result.stderr
    assert "holds 5 articles" in result.stderr
    assert run("check", "--index", ix).exit_code == 0
    assert run("search", "туристы", "-c", "--index", ix).stdout == "1\n"


def test_check_finds_truncated_postings_of_segments_committed_without_lengths(run, built):
    """An archive written before lengths were recorded: the terms point past the end."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.index import TOC

    from newsgrep.engine.whoosh.check import SIZES_ATTR

    _, ix = built
    storage = FileStorage(str(ix))
    toc = TOC.read(storage, "MAIN")
    for segment in toc.segments:
        delattr(segment, SIZES_ATTR)
    TOC(toc.schema, toc.segments, toc.generation + 1).write(storage, "MAIN")
    _one(ix, "_MAIN_1.toc").unlink()
    assert run("check", "--index", ix).exit_code == 0
    pst = _one(ix, "MAIN_*.pst")
    os.truncate(pst, pst.stat().st_size // 2)
    result = run("check", "--index", ix)
    assert result.exit_code == 2
    assert ".pst: " in result.stdout and "its terms point up to byte" in result.stdout


def test_a_commit_flushes_segments_state_toc_and_folder_in_that_order(tmp_path, monkeypatch):
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("needs /proc")
    from newsgrep.indexing import index_paths

    from newsgrep.engine.whoosh.filetable import FileTable

    flushed = []
    real, real_commit = os.fsync, FileTable.commit

    def fsync(fd):
        flushed.append(os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
        real(fd)

    def commit(table, generation):  # (SQLite syncs the files table itself)
        real_commit(table, generation)
        flushed.append("newsgrep-files")

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(FileTable, "commit", commit)
    ix = tmp_path / "ix"
    index_paths([FIXTURES / "articles"], ix, jobs=1)
    kinds = [("segment" if n.startswith("MAIN_") else "state" if n.startswith("newsgrep-files")
              else "toc" if n.startswith("_MAIN_") else "folder" if n == "ix" else n)
             for n in flushed]
    kinds = [k for k in kinds if k in ("segment", "state", "toc", "folder")]
    last = kinds[kinds.index("segment"):]
    assert last[-3:] == ["state", "toc", "folder"]
    assert set(last[:-3]) == {"segment"} and len(last) > 6


# ---------------------------------------------------------------- item 13: private files, full disk

def _article(folder, i):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{i:02d}.txt").write_text(
        f"Статья номер {i}\n\nСпасатели вывели туристов с перевала номер {i} после метели.",
        "utf-8")


def test_a_new_index_is_private_with_workers_too(tmp_path):
    from newsgrep.indexing import index_paths

    for i in range(4):
        _article(tmp_path / "docs", i)
    old = os.umask(0o022)
    try:
        index_paths([tmp_path / "docs"], tmp_path / "ix", jobs=2)
        index_paths([tmp_path / "docs"], tmp_path / "shared", jobs=2, private=False)
        _article(tmp_path / "docs", 9)  # an update of each: new files follow the folder
        index_paths([tmp_path / "docs"], tmp_path / "ix", jobs=1)
        index_paths([tmp_path / "docs"], tmp_path / "shared", jobs=1)
        assert os.umask(0o022) == 0o022  # the process's umask is given back
    finally:
        os.umask(old)
    private = tmp_path / "ix"
    assert private.stat().st_mode & 0o777 == 0o700
    modes = {p.name: p.stat().st_mode & 0o777 for p in private.iterdir()}
    assert any(n.endswith(".pst") for n in modes) and any(n.endswith(".toc") for n in modes)
    assert {m & 0o077 for m in modes.values()} == {0}, modes
    shared = tmp_path / "shared"
    assert shared.stat().st_mode & 0o777 == 0o755
    assert {p.stat().st_mode & 0o077 for p in shared.iterdir()} == {0o044}


def test_a_full_disk_in_a_worker_is_said_as_such(tmp_path, monkeypatch):
    import errno

    from newsgrep.errors import NewsgrepError
    from newsgrep.indexing import index_paths
    from newsgrep.engine.whoosh.segments import SegmentBuilder

    for i in range(4):
        _article(tmp_path / "docs", i)

    def full(self):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(SegmentBuilder, "finish", full)  # (forked workers inherit it)
    with pytest.raises(NewsgrepError) as e:
        index_paths([tmp_path / "docs"], tmp_path / "ix", jobs=2)
    assert "the disk is full" in str(e.value)
    assert "OSError" not in str(e.value)


def test_a_full_disk_in_the_merge_after_the_commit_is_a_warning(tmp_path, monkeypatch):
    import errno

    from newsgrep.indexing import index_paths
    from newsgrep.indexing.settings import MAX_SMALL_SEGMENTS
    from newsgrep.searching import count
    from newsgrep.engine.whoosh.segments import SegmentBuilder

    ix = tmp_path / "ix"
    for i in range(MAX_SMALL_SEGMENTS):  # one small segment per run
        _article(tmp_path / "docs", i)
        index_paths([tmp_path / "docs"], ix, jobs=1)

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(SegmentBuilder, "add_reader", full)  # only merges read segments
    _article(tmp_path / "docs", 99)
    warnings = []
    report = index_paths([tmp_path / "docs"], ix, jobs=1, on_warning=warnings.append)
    assert report.added == 1 and report.total == MAX_SMALL_SEGMENTS + 1
    assert len(warnings) == 1 and "not merged (the disk is full)" in warnings[0]
    assert count(ix, "туристов") == MAX_SMALL_SEGMENTS + 1
    monkeypatch.undo()
    _article(tmp_path / "docs", 98)
    warnings.clear()
    index_paths([tmp_path / "docs"], ix, jobs=1, on_warning=warnings.append)  # merges now
    assert warnings == [] and count(ix, "туристов") == MAX_SMALL_SEGMENTS + 2


def test_a_search_over_a_damaged_segment_names_the_damage(run, built):
    """Issue 16, item 9: a truncated .pst made every search an internal error."""
    _, ix = built
    pst = _one(ix, "MAIN_*.pst")
    os.truncate(pst, pst.stat().st_size // 3)
    result = run("search", "туристы", "--index", ix)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"newsgrep: error: the index at {ix} is damaged: {pst.name}")
    assert "newsgrep index --rebuild" in result.stderr


def test_a_damaged_lexicon_is_named_and_any_index_run_replaces_it(run, tmp_path):
    ix = tmp_path / "lx"
    result = run("index", FIXTURES / "articles", "--index", ix, "--morphology", "lemma")
    assert result.exit_code == 0, result.stderr
    assert run("check", "--index", ix).exit_code == 0
    (lexicon,) = ix.glob("newsgrep-lexicon-*.sqlite")
    lexicon.write_bytes(os.urandom(8192))
    result = run("check", "--index", ix)
    assert result.exit_code == 2 and result.stdout.startswith(f"{lexicon.name}: unreadable")
    assert run("search", "туристы", "-c", "--index", ix).stdout == "1\n"  # searches go on
    for args in ([], ["--rebuild"]):
        lexicon.write_bytes(os.urandom(8192))
        result = run("index", "--index", ix, *args)
        assert result.exit_code == 0, result.stderr
        assert run("check", "--index", ix).exit_code == 0
