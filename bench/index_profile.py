#!/usr/bin/env python3
"""Where an indexing run's time and memory go: the parent against its workers.

    python bench/index_profile.py CORPUS --index DIR            # a full build, then a no-op
    python bench/index_profile.py CORPUS --index DIR --runs noop
    python bench/index_profile.py CORPUS --index DIR --tracemalloc   # the parent's allocations

Runs ``newsgrep.indexing.index_paths`` in this process (the parent) and
reports, per run: wall time; CPU of the parent and of the workers; the peak
of the summed PSS of the parent and its workers, and of the parent alone
(sampled every 0.2 s); the peak temporary disk (the index's temporary
folders); and the wall time the parent spends in each phase (walk, plan
against the state, loading the state, commits: state, reprint store and
group map, figures; merging), measured by wrapping those functions. With
``--tracemalloc``, the parent's biggest live allocations at the end of the
walk/plan and the peak. Results as one JSON object per run on stdout.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
# --repo DIR measures another checkout's code (e.g. main's, for a before/after)
_repo = sys.argv[sys.argv.index("--repo") + 1] if "--repo" in sys.argv else str(HERE.parent)
sys.path.insert(0, _repo)

from speed import _dir_size, _pss  # noqa: E402  (a folder's bytes; one process's PSS)


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def _schedstat(pid: int) -> tuple[int, int]:
    """(ns on a CPU, ns runnable but waiting for one) of ``pid``'s main thread."""
    try:
        with open(f"/proc/{pid}/schedstat") as fh:
            run, wait, _ = fh.read().split()
            return int(run), int(wait)
    except (OSError, ValueError):
        return 0, 0


def _tmp_bytes(index: Path) -> int:
    try:
        names = [n for n in os.listdir(index) if n.startswith(".newsgrep-tmp-")]
    except OSError:
        return 0
    return sum(_dir_size(index / name) for name in names)


class Sampler(threading.Thread):
    def __init__(self, index: Path):
        super().__init__(daemon=True)
        self.index = index
        self.peak_sum = self.peak_parent = self.peak_tmp = 0
        self.done = threading.Event()
        self.workers: dict[int, tuple[int, int, float, float]] = {}  # pid -> run, wait, first, last

    def run(self) -> None:
        me = os.getpid()
        n = 0
        while not self.done.wait(0.2):
            parent = _pss(me)
            kids = _children(me)
            total = parent + sum(_pss(c) for c in kids)
            now = time.monotonic()
            for c in kids:
                run, wait = _schedstat(c)
                first = self.workers.get(c, (0, 0, now, now))[2]
                if run:
                    self.workers[c] = (run, wait, first, now)
            self.peak_sum = max(self.peak_sum, total)
            self.peak_parent = max(self.peak_parent, parent)
            n += 1
            if n % 5 == 0:
                self.peak_tmp = max(self.peak_tmp, _tmp_bytes(self.index))


TIMES: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)
SNAPSHOTS: dict = {}


def timed(owner, name: str, label: str) -> None:
    original = getattr(owner, name, None)
    if original is None:  # (another checkout's code, without it)
        return

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        t = time.monotonic()
        try:
            return original(*args, **kwargs)
        finally:
            TIMES[label] += time.monotonic() - t
            CALLS[label] += 1

    setattr(owner, name, wrapper)


def timed_generator(owner, name: str, label: str) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        t = time.monotonic()
        try:
            yield from original(*args, **kwargs)
        finally:
            TIMES[label] += time.monotonic() - t  # (includes the consumer's loop body)

    setattr(owner, name, wrapper)


def instrument() -> None:
    from newsgrep import reprint_store
    from newsgrep.engine.whoosh import commit
    from newsgrep.indexing import run

    timed_generator(run, "walk", "walk (with the filter)")
    timed(run, "plan", "plan")
    original_plan = run.plan

    def plan_and_snapshot(*args, **kwargs):  # the parent's memory once the plan is made
        out = original_plan(*args, **kwargs)
        import tracemalloc
        if tracemalloc.is_tracing():
            SNAPSHOTS["after plan"] = tracemalloc.get_traced_memory()[0]
            SNAPSHOTS["after plan top"] = [
                f"{s.size / 2**20:.1f} MB {s.count} blocks {s.traceback[0]}"
                for s in tracemalloc.take_snapshot().statistics("lineno")[:8]]
        return out

    run.plan = plan_and_snapshot
    timed(run, "load_state", "load state")
    timed(run, "execute", "execute (workers + commits on the way)")
    timed(commit.Committer, "commit", "commit (all)")
    timed(commit, "write_state", "commit: state")
    timed(commit.Committer, "_write_figures", "commit: figures")
    timed(reprint_store.ReprintStore, "dumps", "commit: reprint store")
    timed(reprint_store.ReprintStore, "groups_blob", "commit: group map")
    timed(reprint_store.ReprintStore, "take_delta", "commit: reprint delta")
    timed(commit, "load_reprints", "load reprint store")
    timed(commit.Committer, "_write_map", "commit: group map (incl. finish)")
    timed(commit.Committer, "delete_files", "delete old documents")
    timed(commit.Committer, "add_segment", "move segments in")
    timed(commit.Committer, "add_signatures", "reprint signatures in")
    timed(commit.Committer, "merge_small", "merge")


def one_run(corpus: Path, index: Path, label: str, jobs: int | None,
            trace: bool) -> dict:
    from newsgrep.indexing import index_paths

    TIMES.clear()
    CALLS.clear()
    SNAPSHOTS.clear()
    if trace:
        import tracemalloc
        tracemalloc.start(8)
        os.register_at_fork(after_in_child=tracemalloc.stop)  # the parent's only
    sampler = Sampler(index)
    sampler.start()
    before_self = resource.getrusage(resource.RUSAGE_SELF)
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    report = index_paths([corpus], index, jobs=jobs)
    wall = time.monotonic() - started
    sampler.done.set()
    sampler.join()
    after_self = resource.getrusage(resource.RUSAGE_SELF)
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out: dict = {
        "run": label,
        "files": report.added + report.updated + report.unchanged,
        "articles": report.total,
        "wall_s": round(wall, 2),
        "parent_cpu_s": round(after_self.ru_utime + after_self.ru_stime
                              - before_self.ru_utime - before_self.ru_stime, 2),
        "workers_cpu_s": round(after_children.ru_utime + after_children.ru_stime
                               - before_children.ru_utime - before_children.ru_stime, 2),
        "peak_pss_sum_mb": round(sampler.peak_sum / 2**20, 1),
        "peak_pss_parent_mb": round(sampler.peak_parent / 2**20, 1),
        "peak_tmp_mb": round(sampler.peak_tmp / 2**20, 1),
        # per worker: seconds alive (sampled), on a CPU, waiting for a CPU (other load),
        # and the rest: asleep (blocked on the queue, the disk or the parent)
        "workers": [{"alive_s": round(last - first, 1), "cpu_s": round(run / 1e9, 1),
                     "runqueue_wait_s": round(wait / 1e9, 1),
                     "asleep_s": round(max(0.0, last - first - (run + wait) / 1e9), 1)}
                    for run, wait, first, last in sampler.workers.values()],
        "segments": len([n for n in os.listdir(index) if n.endswith(".trm")]),
        "phases_s": {k: round(v, 2) for k, v in sorted(TIMES.items())},
        "calls": dict(CALLS),
    }
    if trace:
        import tracemalloc
        current, peak = tracemalloc.get_traced_memory()
        out["traced_current_mb"] = round(current / 2**20, 1)
        out["traced_peak_mb"] = round(peak / 2**20, 1)
        if "after plan" in SNAPSHOTS:
            out["traced_after_plan_mb"] = round(SNAPSHOTS["after plan"] / 2**20, 1)
            out["after_plan_top"] = SNAPSHOTS["after plan top"]
        snap = tracemalloc.take_snapshot()
        out["top_allocations"] = [
            f"{s.size / 2**20:.1f} MB {s.count} blocks {s.traceback[0]}"
            for s in snap.statistics("lineno")[:12]]
        tracemalloc.stop()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--runs", default="build,noop", help="build, noop (comma-separated)")
    ap.add_argument("--jobs", type=int)
    ap.add_argument("--tracemalloc", action="store_true")
    ap.add_argument("--repo", help="import newsgrep from this checkout (default: this one)")
    args = ap.parse_args()
    instrument()
    for run in args.runs.split(","):
        if run == "build" and args.index.exists():
            import shutil
            shutil.rmtree(args.index)
        print(json.dumps(one_run(args.corpus, args.index, run, args.jobs, args.tracemalloc),
                         ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
