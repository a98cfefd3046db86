"""kill -9 at any point of an index run, searches during a run, two writers, Ctrl-C.

The runs are real `newsgrep index` processes (with worker processes), each in
its own session so that a SIGKILL of its process group reaches all of it.
Crash and pause points come from NEWSGREP_TEST_KILL / NEWSGREP_TEST_PAUSE
(see indexing.settings.TestHooks); no test depends on timing.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from newsgrep.engine.whoosh.commit import load_state
from newsgrep.engine.whoosh.schema import open_index
from newsgrep.searching import count, search

from .conftest import SCRIPT

N_FILES = 24


def _corpus(folder):
    for i in range(N_FILES):
        path = folder / f"d{i % 3}" / f"{i:02d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Статья номер {i}\n\nВ статье {i} про атаку на мост и погоду. "
                        + "Слово " * (i * 20) + "\n", encoding="utf-8")
    return folder


def _start(docs, ix, *args, env=None):
    return subprocess.Popen(
        [SCRIPT, "index", str(docs), "--index", str(ix), "-j", "2", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, "NEWSGREP_COMMIT_SECONDS": "0", "NEWSGREP_SPILL_POSTINGS": "50",
             **(env or {})})


def _run(docs, ix, *args, env=None):
    proc = _start(docs, ix, *args, env=env)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, err


def _check_consistent(ix) -> set[str]:
    """The index opens and searches; the state names exactly the files it has documents of."""
    whoosh_ix, _ = open_index(ix)
    state = load_state(ix, whoosh_ix)
    docs: dict[str, int] = {}
    with whoosh_ix.searcher() as s:
        for stored in s.all_stored_fields():
            docs[stored["path"]] = docs.get(stored["path"], 0) + 1
    assert set(docs) == set(state)
    assert all(n == 1 for n in docs.values())
    assert count(ix, "атака") == len(docs)
    return set(docs)


def _all_files(docs):
    return {str(p) for p in docs.rglob("*.txt")}


@pytest.mark.parametrize("point,commit_seconds", [
    ("walked:1", "0"), ("added:3", "0"), ("segment-moved:1", "0"), ("state-written:1", "0"),
    ("committed:1", "0"), ("segment-moved:4", "0"), ("state-written:5", "0"),
    ("committed:7", "0"), ("spilled:2", "1000"), ("segment-moved:1", "1000")])
def test_sigkill_anywhere_leaves_the_last_commit_and_a_rerun_completes(tmp_path, point,
                                                                       commit_seconds):
    docs, ix = _corpus(tmp_path / "docs"), tmp_path / "ix"
    code, err = _run(docs, ix, env={"NEWSGREP_TEST_KILL": point,
                                    "NEWSGREP_COMMIT_SECONDS": commit_seconds})
    assert code == -signal.SIGKILL, err
    if ix.exists() and any(n.endswith(".toc") for n in os.listdir(ix)):
        before = _check_consistent(ix)
        assert before <= _all_files(docs)
    code, err = _run(docs, ix)
    assert code == 0, err
    assert _check_consistent(ix) == _all_files(docs)
    assert not [n for n in os.listdir(ix) if n.startswith(".newsgrep-tmp")]


def test_sigkill_during_an_update_keeps_old_or_new_documents_never_both(tmp_path):
    docs, ix = _corpus(tmp_path / "docs"), tmp_path / "ix"
    assert _run(docs, ix)[0] == 0
    for p in sorted(docs.rglob("*.txt"))[:10]:
        p.write_text(p.read_text(encoding="utf-8") + "Добавлено про снег.\n", encoding="utf-8")
    for point in ("segment-moved:2", "state-written:3", "committed:2"):
        code, _ = _run(docs, ix, env={"NEWSGREP_TEST_KILL": point})
        assert code == -signal.SIGKILL
        assert _check_consistent(ix) == _all_files(docs)
    assert _run(docs, ix)[0] == 0
    assert _check_consistent(ix) == _all_files(docs)
    assert count(ix, "снег") == 10


def test_sigkill_at_random_moments(tmp_path):
    docs, ix = _corpus(tmp_path / "docs"), tmp_path / "ix"
    for delay in (0.05, 0.2, 0.4, 0.8):
        proc = _start(docs, ix)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if ix.exists() and any(n.endswith(".toc") for n in os.listdir(ix)):
            _check_consistent(ix)
    assert _run(docs, ix)[0] == 0
    assert _check_consistent(ix) == _all_files(docs)


def _records(path, word, n):
    path.write_text("".join(json.dumps({"id": f"r{i}", "title": f"Запись {i}",
                                        "text": f"Про {word} номер {i}."}, ensure_ascii=False)
                            + "\n" for i in range(n)), encoding="utf-8")


def test_sigkill_while_a_file_spans_segments_leaves_all_or_none_of_it(tmp_path):
    docs, ix = tmp_path / "docs", tmp_path / "ix"
    docs.mkdir()
    big = docs / "big.jsonl"
    _records(big, "атаку", 12)
    small = {"NEWSGREP_SEGMENT_DOCS": "3"}
    # Killed with two of its segments written: none of the file is visible.
    code, err = _run(docs, ix, env={**small, "NEWSGREP_TEST_KILL": "segment-written:2"})
    assert code == -signal.SIGKILL, err
    assert count(ix, "атака") == 0 and str(big) not in load_state(ix, open_index(ix)[0])
    assert _run(docs, ix, env=small)[0] == 0
    assert count(ix, "атака") == 12

    # Killed while re-reading it: all of the old version stays, none of the new.
    _records(big, "снег", 8)
    code, err = _run(docs, ix, env={**small, "NEWSGREP_TEST_KILL": "segment-written:2"})
    assert code == -signal.SIGKILL, err
    assert count(ix, "атака") == 12 and count(ix, "снег") == 0
    assert _run(docs, ix, env=small)[0] == 0
    assert count(ix, "атака") == 0 and count(ix, "снег") == 8
    whoosh_ix, _ = open_index(ix)
    with whoosh_ix.searcher() as s:
        assert sorted(d["key"] for d in s.all_stored_fields()) == sorted(f"r{i}" for i in range(8))
    assert not [n for n in os.listdir(ix) if n.startswith(".newsgrep-tmp")]


def _pause(tmp_path, point):
    flag = tmp_path / "go"
    return flag, {"NEWSGREP_TEST_PAUSE": f"{point}:{flag}"}


def _wait_for(path, proc):
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)


def test_search_during_an_index_run_answers_from_the_last_commit(tmp_path):
    docs, ix = _corpus(tmp_path / "docs"), tmp_path / "ix"
    assert _run(docs, ix)[0] == 0
    for p in docs.rglob("*.txt"):
        p.write_text(p.read_text(encoding="utf-8").replace("атаку", "штурм"), encoding="utf-8")
    flag, env = _pause(tmp_path, "committed")
    proc = _start(docs, ix, env=env)
    _wait_for(flag.with_name("go.reached"), proc)  # one segment committed, the rest to come
    # Every file once, from one commit: its old or its new document, never both.
    assert count(ix, "атака OR штурм") == N_FILES
    assert 0 < count(ix, "штурм") < N_FILES
    flag.touch()
    searches = 0
    while proc.poll() is None:
        assert count(ix, "атака OR штурм") == N_FILES
        assert len(search(ix, "мост", limit=5).hits) == 5
        searches += 1
    assert proc.returncode == 0, proc.communicate()
    assert count(ix, "штурм") == N_FILES and count(ix, "атака") == 0


@pytest.mark.parametrize("point", ["walked", "segment-moved"])
def test_a_second_writer_is_refused_or_waits(tmp_path, point):
    docs, ix = _corpus(tmp_path / "docs"), tmp_path / "ix"
    flag, env = _pause(tmp_path, point)
    first = _start(docs, ix, env=env)
    _wait_for(flag.with_name("go.reached"), first)
    second = subprocess.run([SCRIPT, "index", str(docs), "--index", str(ix)],
                            capture_output=True, text=True)
    assert second.returncode == 3
    assert f"index is busy (pid {first.pid})" in second.stderr
    waiting = subprocess.Popen([SCRIPT, "index", str(docs), "--index", str(ix), "--wait"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.2)
    assert waiting.poll() is None  # blocked on the lock
    flag.touch()
    assert first.wait(timeout=120) == 0
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, err
    assert f"{N_FILES} unchanged" in err
    assert _check_consistent(ix) == _all_files(docs)


def test_the_lock_of_a_killed_writer_does_not_block(tmp_path):
    docs, ix = _corpus(tmp_path / "docs"), tmp_path / "ix"
    flag, env = _pause(tmp_path, "segment-moved")
    first = _start(docs, ix, env=env)
    _wait_for(flag.with_name("go.reached"), first)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    assert _run(docs, ix)[0] == 0
    assert _check_consistent(ix) == _all_files(docs)


def test_ctrl_c_stops_cleanly_keeping_what_was_committed(tmp_path):
    docs, ix = _corpus(tmp_path / "docs"), tmp_path / "ix"
    # A worker pauses at its third file (each has 12): the signal comes before the
    # workers can have read them all, however slow this machine is.
    flag, env = _pause(tmp_path, "added")
    proc = _start(docs, ix, env={**env, "NEWSGREP_TEST_PAUSE_AT": "3"})
    _wait_for(flag.with_name("go.reached"), proc)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends it: to the whole group
    flag.touch()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    kept = _check_consistent(ix)
    assert err.strip().splitlines()[-2:] == [
        "interrupted: the articles above are committed; run newsgrep index again to go on",
        f"index {ix} holds {len(kept)} articles"]
    assert 0 < len(kept) < N_FILES
    assert _run(docs, ix)[0] == 0
    assert _check_consistent(ix) == _all_files(docs)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_index_is_a_clear_error(tmp_path):
    docs, ix = _corpus(tmp_path / "docs"), tmp_path / "ix"
    assert _run(docs, ix)[0] == 0
    (docs / "d0" / "00.txt").write_text("Другое\n\nНовое.\n", encoding="utf-8")
    os.chmod(ix, 0o555)
    try:
        code, err = _run(docs, ix)
    finally:
        os.chmod(ix, 0o755)
    assert code == 2 and "newsgrep: error: cannot write the index" in err
    assert _check_consistent(ix) == _all_files(docs)


@pytest.mark.parametrize("where", ["segment", "state"])
def test_a_full_disk_is_a_clear_error_and_the_old_index_stays(tmp_path, monkeypatch, where):
    import errno

    from newsgrep.engine.whoosh import commit, segments
    from newsgrep.errors import NewsgrepError
    from newsgrep.indexing import index_paths

    docs, ix = _corpus(tmp_path / "docs"), tmp_path / "ix"
    index_paths([docs], ix)
    for p in sorted(docs.rglob("*.txt"))[:5]:
        p.write_text("Другое\n\nПро снег.\n", encoding="utf-8")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    if where == "segment":
        monkeypatch.setattr(segments.SegmentBuilder, "finish", full)
    else:
        monkeypatch.setattr(commit, "write_state", full)
    with pytest.raises(NewsgrepError, match="cannot write the index at .*: the disk is full; "
                                            "it keeps its last committed state"):
        index_paths([docs], ix, jobs=1)
    assert _check_consistent(ix) == _all_files(docs)
    assert count(ix, "снег") == 0
    monkeypatch.undo()
    index_paths([docs], ix)
    assert count(ix, "снег") == 5
