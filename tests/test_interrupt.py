"""Ctrl-C and SIGTERM keep the work done: what the workers read is committed, searchable,
and the next run completes exactly.

The runs are real `newsgrep index` processes with two workers. A worker pauses
after its N-th file (NEWSGREP_TEST_PAUSE / NEWSGREP_TEST_PAUSE_AT, see
indexing.settings.TestHooks) so that the signal comes when some articles are analysed
and most are not; no test depends on timing.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from newsgrep.indexing import IndexProgress, Phase, index_paths
from newsgrep.engine.whoosh.schema import open_index
from newsgrep.searching import count

from .conftest import SCRIPT

N_FILES = 3000
PAUSE_AT = 150  # files a worker has read when the signal comes


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("interrupt") / "docs"
    for i in range(N_FILES):
        path = folder / f"d{i % 30:02d}" / f"{i:04d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Статья номер {i}\n\nВ статье {i} про атаку на мост.\n",
                        encoding="utf-8")
    return folder


def _paths(ix) -> list[str]:
    ix, _ = open_index(ix)
    with ix.searcher() as s:
        return [d["path"] for d in s.all_stored_fields()]


def _wait_for(path, proc):
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143),
                                          (signal.SIGHUP, 129)],
                         ids=["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_commits_what_the_workers_read(tmp_path, corpus, signum, code):
    ix, flag = tmp_path / "ix", tmp_path / "go"
    env = {**os.environ, "NEWSGREP_TEST_PAUSE": f"added:{flag}",
           "NEWSGREP_TEST_PAUSE_AT": str(PAUSE_AT),
           # Nothing is committed by size or time before the signal: what is kept, the
           # signal kept.
           "NEWSGREP_COMMIT_ARTICLES": "100000"}
    proc = subprocess.Popen([SCRIPT, "index", str(corpus), "--index", str(ix), "-j", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    _wait_for(flag.with_name("go.reached"), proc)  # a worker has read PAUSE_AT files
    if signum in (signal.SIGINT, signal.SIGHUP):
        os.killpg(proc.pid, signum)  # as a terminal sends it: to the whole group
    else:
        os.kill(proc.pid, signum)  # as `timeout` or `kill` sends it: to the process
    flag.touch()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert out == ""
    kept = _paths(ix)
    assert PAUSE_AT <= len(kept) < N_FILES
    assert len(set(kept)) == len(kept)
    assert "interrupted: the articles above are committed" in err
    assert f"indexed {len(kept)} articles" in err
    assert f"holds {len(kept)} articles" in err
    # Searchable, each once.
    assert count(ix, "атака") == len(kept) and count(ix, "мост") == len(kept)

    report = index_paths([], ix)  # the remembered root: goes on from there
    assert (report.added, report.unchanged, report.interrupted) == (N_FILES - len(kept),
                                                                   len(kept), 0)
    assert report.total == N_FILES and count(ix, "атака") == N_FILES
    assert sorted(_paths(ix)) == sorted(str(p) for p in corpus.rglob("*.txt"))


def test_signals_again_and_again_stop_at_once_and_keep_the_last_commit(tmp_path, corpus):
    ix, flag = tmp_path / "ix", tmp_path / "go"
    env = {**os.environ, "NEWSGREP_TEST_PAUSE": f"added:{flag}",
           "NEWSGREP_TEST_PAUSE_AT": str(PAUSE_AT)}
    proc = subprocess.Popen([SCRIPT, "index", str(corpus), "--index", str(ix), "-j", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    _wait_for(flag.with_name("go.reached"), proc)
    flag.touch()
    while proc.poll() is None:  # a user pressing Ctrl-C until it stops
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.05)
    out, err = proc.communicate()
    # 130, or killed by a SIGINT that came while exiting: a shell shows 130 for both.
    assert proc.returncode in (130, -signal.SIGINT), err
    kept = _paths(ix)  # whatever was committed, intact
    assert len(kept) < N_FILES and count(ix, "атака") == len(kept)
    assert index_paths([corpus], ix).total == N_FILES
    assert count(ix, "атака") == N_FILES


def _signal_after(articles: int, events: list[IndexProgress], signum: int = signal.SIGINT):
    """A progress callback that keeps the events and sends this process ``signum`` once,
    when ``articles`` have been read."""
    def on_progress(event: IndexProgress) -> None:
        events.append(event)
        if event.phase is Phase.READ and event.articles >= articles and not any(
                e.phase is Phase.STOP for e in events):
            os.kill(os.getpid(), signum)
    return on_progress




def test_in_process_a_signal_ends_the_run_early_with_its_work_committed(tmp_path, corpus):
    """One process (jobs=1): the file being read is finished, the segment committed."""
    ix = tmp_path / "ix"
    events: list[IndexProgress] = []
    report = index_paths([corpus], ix, jobs=1, on_progress=_signal_after(64, events))
    assert report.interrupted == signal.SIGINT
    assert 64 <= report.articles < N_FILES and report.total == report.articles
    assert count(ix, "атака") == report.articles
    phases = [e.phase for e in events]
    order = [Phase.SCAN, Phase.READ, Phase.STOP, Phase.WRITE]
    assert Phase.STOP in phases and sorted(phases, key=order.index) == phases
    # The handlers are back as they were: Ctrl-C raises KeyboardInterrupt again.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert index_paths([corpus], ix, jobs=1).total == N_FILES


def test_in_process_sighup_stops_like_sigint(tmp_path, corpus):
    """A closed terminal (SIGHUP) ends the run early with its work committed."""
    ix = tmp_path / "ix"
    events: list[IndexProgress] = []
    report = index_paths([corpus], ix, jobs=1,
                         on_progress=_signal_after(64, events, signal.SIGHUP))
    assert report.interrupted == signal.SIGHUP
    assert 64 <= report.articles < N_FILES and report.total == report.articles
    assert count(ix, "атака") == report.articles
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL  # restored
    assert index_paths([corpus], ix, jobs=1).total == N_FILES


def test_a_rebuild_stops_at_once_and_keeps_the_old_index(tmp_path, corpus):
    """A rebuild commits only at its end: a signal stops it, the old index stays whole."""
    ix, flag = tmp_path / "ix", tmp_path / "go"
    assert index_paths([corpus], ix).total == N_FILES
    env = {**os.environ, "NEWSGREP_TEST_PAUSE": f"added:{flag}",
           "NEWSGREP_TEST_PAUSE_AT": str(PAUSE_AT)}
    proc = subprocess.Popen([SCRIPT, "index", "--rebuild", "--index", str(ix), "-j", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    _wait_for(flag.with_name("go.reached"), proc)
    os.kill(proc.pid, signal.SIGTERM)
    flag.touch()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert err.strip().splitlines() == ["newsgrep: interrupted; the index keeps what was committed"]
    assert count(ix, "атака") == N_FILES
    assert not [n for n in os.listdir(ix) if n.startswith(".newsgrep-tmp")]


def test_a_signal_in_a_big_file_leaves_it_for_the_next_run(tmp_path):
    """A dump of thousands of articles is not read to its end after a signal: the
    worker drops what it holds uncommitted, and the next run reads it whole."""
    import json

    docs, ix = tmp_path / "docs", tmp_path / "ix"
    (docs / "a.txt").parent.mkdir(parents=True)
    (docs / "a.txt").write_text("Первая\n\nПро мост.\n", encoding="utf-8")
    with open(docs / "big.jsonl", "w", encoding="utf-8") as fh:
        for i in range(5000):
            fh.write(json.dumps({"id": f"r{i}", "title": f"Запись {i}", "text": "про атаку"},
                                ensure_ascii=False) + "\n")
    events: list[IndexProgress] = []
    report = index_paths([docs], ix, jobs=1, on_progress=_signal_after(2048, events))
    assert report.interrupted == signal.SIGINT
    # Articles showed while the file was read; it stopped long before its end.
    reads = [e.articles for e in events if e.phase is Phase.READ]
    assert 2048 <= max(reads) < 5000
    assert report.total == 0 and count(ix, "атака") == 0
    again = index_paths([docs], ix, jobs=1)
    assert (again.added, again.total) == (2, 5001)
    assert count(ix, "атака") == 5000 and count(ix, "мост") == 1
