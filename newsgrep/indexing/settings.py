"""The tunable limits of an indexing run, and the test hooks: injected, never read from
the environment by the library.

``Settings()`` is what a normal run uses. The tests reach the limits and
hooks through :func:`settings_from_environ`, which only the CLI calls (the
test-only entry point: the ``NEWSGREP_TEST_*`` and limit variables of the
README's Development section); library callers pass ``settings=`` instead.
"""
from __future__ import annotations

import os
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Limits", "TestHooks", "Settings", "settings_from_environ",
           "COMMIT_SECONDS", "COMMIT_ARTICLES", "SPILL_POSTINGS", "SEGMENT_DOCS", "SEGMENT_RUNS",
           "MAX_SMALL_SEGMENTS", "PARALLEL_BYTES"]

# A worker finishes a segment (and the parent commits it) this often, so an
# interrupted run keeps its work; fewer, larger segments make searches faster.
COMMIT_SECONDS = 300.0
# ... and when its segment holds this many articles, so that a crash loses little (about
# half a minute of one worker's work on news articles), twice as many for each next
# segment: a big run adds a few segments more, not one per 5000 articles, which would
# slow searches or cost a merge at the end (measured: README, "Speed").
COMMIT_ARTICLES = 5000
# A worker spills its postings to a sorted run when it holds this many (about 17 MB).
SPILL_POSTINGS = 200_000
# A segment holds at most this many documents: the memory of writing one grows with
# them (and the form index numbers them in 16 bits up to here). A file with more
# spans several segments, committed together when the file ends.
SEGMENT_DOCS = 1 << 16
# ... and at most this many spilled runs (so long articles also end a segment): writing
# it holds a piece of each run in memory, and the runs (about 2 MB each) are the temp disk.
SEGMENT_RUNS = 192
# Incremental runs add small segments; when more than this many are small
# (under a tenth of the index and half of SEGMENT_DOCS), they are merged, and so
# they are at the end of a run that wrote as many documents as this many small
# segments can hold (a first build: its first commits' segments are small).
MAX_SMALL_SEGMENTS = 6
# Below this much work (bytes of files to read), one process does it all.
PARALLEL_BYTES = 4 << 20


@dataclass(frozen=True)
class Limits:
    """How much a worker holds before it spills, ends a segment or reports (see above)."""

    spill_postings: int = SPILL_POSTINGS
    commit_seconds: float = COMMIT_SECONDS
    segment_docs: int = SEGMENT_DOCS
    segment_runs: int = SEGMENT_RUNS
    commit_articles: int = COMMIT_ARTICLES
    max_small_segments: int = MAX_SMALL_SEGMENTS


@dataclass
class TestHooks:
    """Crash and pause points for the tests (a run without them calls nothing).

    ``kill="point:n"`` kills the whole process group with SIGKILL the n-th time
    ``point`` is reached; ``pause="point:FLAG"`` creates ``FLAG.reached`` there
    and waits until ``FLAG`` exists (the ``pause_at``-th time it is reached in a
    process).
    """

    __test__ = False  # (not a pytest class)

    kill: str | None = None
    pause: str | None = None
    pause_at: int = 1
    counts: dict[str, int] = field(default_factory=dict)

    def __call__(self, point: str) -> None:
        kill = self.kill
        if kill and kill.rpartition(":")[0] == point:
            self.counts[point] = self.counts.get(point, 0) + 1
            if self.counts[point] >= int(kill.rpartition(":")[2]):
                os.killpg(os.getpgrp(), signal.SIGKILL)
        pause = self.pause
        if pause and pause.partition(":")[0] == point:
            self.counts["pause"] = self.counts.get("pause", 0) + 1
            if self.counts["pause"] != self.pause_at:
                return
            flag = pause.partition(":")[2]
            open(flag + ".reached", "w").close()
            while not os.path.exists(flag):
                time.sleep(0.02)


@dataclass(frozen=True)
class Settings:
    """What an indexing run is tuned with: :class:`Limits` and, for tests, hooks."""

    limits: Limits = Limits()
    hooks: TestHooks | None = None
    debug: bool = False  # a worker's error comes with its traceback on stderr
    # Keep reprint groups (newsgrep.reprint_store); off only to measure their cost
    # (NEWSGREP_REPRINTS=0, bench/reprints_cost.py): such an archive has no groups.
    reprints: bool = True

    def hook(self, point: str) -> None:
        """Reach a test point (nothing without hooks)."""
        if self.hooks is not None:
            self.hooks(point)


def settings_from_environ(environ: Mapping[str, str]) -> Settings:
    """Settings from ``NEWSGREP_SPILL_POSTINGS``, ``NEWSGREP_COMMIT_SECONDS``,
    ``NEWSGREP_SEGMENT_DOCS``, ``NEWSGREP_SEGMENT_RUNS``, ``NEWSGREP_COMMIT_ARTICLES``
    and the hooks' ``NEWSGREP_TEST_KILL``, ``NEWSGREP_TEST_PAUSE``, ``NEWSGREP_TEST_PAUSE_AT``.
    For the tests, through the CLI only."""
    d = Limits()
    limits = Limits(
        spill_postings=int(environ.get("NEWSGREP_SPILL_POSTINGS", d.spill_postings)),
        commit_seconds=float(environ.get("NEWSGREP_COMMIT_SECONDS", d.commit_seconds)),
        segment_docs=int(environ.get("NEWSGREP_SEGMENT_DOCS", d.segment_docs)),
        segment_runs=int(environ.get("NEWSGREP_SEGMENT_RUNS", d.segment_runs)),
        commit_articles=int(environ.get("NEWSGREP_COMMIT_ARTICLES", d.commit_articles)))
    kill, pause = environ.get("NEWSGREP_TEST_KILL"), environ.get("NEWSGREP_TEST_PAUSE")
    hooks = (TestHooks(kill=kill, pause=pause,
                       pause_at=int(environ.get("NEWSGREP_TEST_PAUSE_AT", 1)))
             if kill or pause else None)
    return Settings(limits, hooks, debug=bool(environ.get("NEWSGREP_DEBUG")),
                    reprints=environ.get("NEWSGREP_REPRINTS", "1") != "0")
