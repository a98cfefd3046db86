#!/usr/bin/env python3
"""The cost of reprint groups: build time and index size with grouping on and off.

    python bench/reprints_cost.py                     # 11k articles of ../shared/corpus
    python bench/reprints_cost.py --scale 10 --skip-small   # 110k: ten copies of each
    python bench/reprints_cost.py --out /tmp/rc --rounds 2
    python bench/reprints_cost.py --scale 10 --rounds 2 --large-rounds 1
    python bench/reprints_cost.py --scale 10 --grouping-only 8   # the added work alone

Builds the same files (made by ../shared/corpus/make_files.py, as bench/speed.py does)
with ``newsgrep index --rebuild``, alternately with NEWSGREP_REPRINTS=0 (no
signatures, no groups: a bench-only switch) and with grouping on (the default),
``--rounds`` times each, in one run; prints the median wall time, the index size
(all files of the index folder) and the reprint sidecars' size. Then, on the
grouped index: ``search атака -n 10 --json`` (distinct stories, copies counted),
``-c`` and ``-c --unique``, and the number of groups.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import speed  # noqa: E402
from speed import make_corpus  # noqa: E402

if not speed.SHARED.is_dir():  # a git worktree beside the others: ../shared is /work/shared
    speed.SHARED = Path(os.environ.get("NEWSGREP_SHARED", "/work/shared"))

PY = sys.executable


def build(corpus: Path, index: Path, grouping: bool, jobs: int | None) -> tuple[float, float]:
    """Wall time and CPU time (user + system of the indexer and its workers)."""
    env = dict(os.environ, NEWSGREP_INDEX=str(index), NEWSGREP_REPRINTS="1" if grouping else "0")
    cmd = [PY, "-m", "newsgrep", "index", "--rebuild", "-q", str(corpus)]
    if jobs:
        cmd[4:4] = ["-j", str(jobs)]
    shutil.rmtree(index, ignore_errors=True)
    t, c = time.monotonic(), _children_cpu()
    subprocess.run(cmd, env=env, check=True)
    return time.monotonic() - t, _children_cpu() - c


def _children_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def size(index: Path, prefix: str = "") -> int:
    return sum(p.stat().st_size for p in index.iterdir() if p.is_file() and p.name.startswith(prefix))


def ng(index: Path, *args: str) -> str:
    env = dict(os.environ, NEWSGREP_INDEX=str(index))
    return subprocess.run([PY, "-m", "newsgrep", *args], env=env, capture_output=True,
                          text=True).stdout


def measure(corpus: Path, out: Path, rounds: int, jobs: int | None) -> None:
    times: dict[bool, list[float]] = {False: [], True: []}
    cpus: dict[bool, list[float]] = {False: [], True: []}
    sizes: dict[bool, int] = {}
    for r in range(rounds):
        for grouping in (False, True) if r % 2 == 0 else (True, False):
            index = out / f"index-{'on' if grouping else 'off'}"
            wall, cpu = build(corpus, index, grouping, jobs)
            times[grouping].append(wall)
            cpus[grouping].append(cpu)
            sizes[grouping] = size(index)
    on, off = statistics.median(times[True]), statistics.median(times[False])
    con, coff = statistics.median(cpus[True]), statistics.median(cpus[False])
    index = out / "index-on"
    side = size(index, "newsgrep-reprints-") + size(index, "newsgrep-groups-")
    print(f"corpus {corpus}: {rounds} rounds")
    print("| grouping | build wall (median) | builds | CPU (median) | index size |")
    print("|---|---|---|---|---|")
    print(f"| off | {off:.1f} s | {', '.join(f'{t:.1f}' for t in times[False])} | "
          f"{coff:.1f} s | {sizes[False] / 2**20:.1f} MB |")
    print(f"| on | {on:.1f} s | {', '.join(f'{t:.1f}' for t in times[True])} | "
          f"{con:.1f} s | {sizes[True] / 2**20:.1f} MB (sidecars {side / 2**20:.1f} MB) |")
    print(f"ratio on/off: build wall {on / off:.3f}, CPU {con / coff:.3f}, "
          f"size {sizes[True] / sizes[False]:.3f}")
    hits = [json.loads(x) for x in ng(index, "search", "атака", "-n", "10", "--json").splitlines()]
    stories = {h["group"] or h["id"] for h in hits}
    print(f"search атака -n 10: {len(hits)} hits, {len(stories)} distinct stories, copies "
          f"{[h['copies'] for h in hits]}")
    every = ng(index, "search", "атака", "-n", "10", "--json", "--dups", "all").splitlines()
    print(f"--dups all: {len({(h := json.loads(x))['group'] or h['id'] for x in every})} "
          f"stories among {len(every)} hits")
    print(f"-c: {ng(index, 'search', 'атака', '-c').strip()}, "
          f"-c --unique: {ng(index, 'search', 'атака', '-c', '--unique').strip()}, "
          f"all hits grouped: {len(ng(index, 'search', 'атака', '-n', '0', '--json').splitlines())}")


def grouping_only(corpus: Path, commits: int) -> None:
    """The work grouping adds to a build, measured alone in this process (CPU time):
    sign every article (the workers' share: ``reprints.signature``), keep the
    ``ReprintStore`` file by file and write both sidecars at ``commits`` evenly spaced
    commits (the parent's share). Reading and parsing the files, which a build does
    anyway, is timed apart and not counted."""
    from newsgrep import articles
    from newsgrep.indexing.generic import _signed, documents_of
    from newsgrep.reprint_store import ReprintStore

    files = sorted(str(p) for p in corpus.rglob("*") if p.is_file() and articles.is_supported(p))
    store = ReprintStore()
    every = max(1, len(files) // commits)
    read = sign = keep = write = 0.0
    n = 0
    sidecars = 0
    for i, path in enumerate(files, 1):
        t0 = time.process_time()
        st = os.stat(path)
        docs = [documents_of(a, path, st.st_size, st.st_mtime_ns)
                for a in articles.read_file(path, warn=lambda m: None)]
        t1 = time.process_time()
        items = [_signed(d) for d in docs]
        t2 = time.process_time()
        store.replace_file(path, items)
        t3 = time.process_time()
        read, sign, keep, n = read + t1 - t0, sign + t2 - t1, keep + t3 - t2, n + len(docs)
        if i % every == 0 or i == len(files):
            sidecars = len(store.dumps()) + len(store.groups_blob())
            write += time.process_time() - t3
    groups = store.group_list()
    print(f"grouping alone, {corpus}: {len(files)} files, {n} articles, {len(groups)} groups "
          f"of 2+ ({sum(map(len, groups))} articles), largest {max(map(len, groups), default=0)}")
    print(f"CPU: sign {sign:.1f} s ({1000 * sign / n:.3f} ms/article), keep groups {keep:.1f} s "
          f"({1000 * keep / n:.3f} ms/article), {commits} commits' sidecars {write:.1f} s; "
          f"total {sign + keep + write:.1f} s (reading the files, not counted: {read:.1f} s); "
          f"sidecars {sidecars / 2**20:.1f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--skip-small", action="store_true")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--large-rounds", type=int, default=None,
                    help="rounds at the larger scale (default: --rounds)")
    ap.add_argument("-j", "--jobs", type=int, default=None)
    ap.add_argument("--grouping-only", type=int, metavar="COMMITS", default=0,
                    help="measure only the work grouping adds (in process), as if the build "
                         "made COMMITS commits; no index is built")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.grouping_only:
        if not args.skip_small:
            grouping_only(make_corpus(args.out, 1), args.grouping_only)
        if args.scale > 1:
            grouping_only(make_corpus(args.out, args.scale), args.grouping_only)
        return
    if not args.skip_small:
        measure(make_corpus(args.out, 1), args.out / "rc11k", args.rounds, args.jobs)
    if args.scale > 1:
        measure(make_corpus(args.out, args.scale), args.out / f"rc{11 * args.scale}k",
                args.large_rounds or args.rounds, args.jobs)


if __name__ == "__main__":
    main()
