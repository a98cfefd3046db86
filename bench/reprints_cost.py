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
``--rounds`` times each, in one run; prints the median wall time, CPU time and peak
memory (summed PSS of the indexer and its workers, as ``bench/speed.py`` samples it), the
index size (all files of the index folder) and the reprint sidecars' size. With
``--figures FILE``, the grouped index is then re-indexed unchanged and after 1% of the
files changed, and every build's figures (``speed.run_measured``) are written to FILE
as JSON for ``bench/scale.py --build-figures``. Then, on the grouped index:
``search атака -n 10 --json`` (distinct stories, copies counted),
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


def build(corpus: Path, index: Path, grouping: bool, jobs: int | None,
          rebuild: bool = True) -> dict:
    """``speed.run_measured`` of one ``newsgrep index`` (wall, cpu, rss, pss, temp, size)."""
    env = dict(os.environ, NEWSGREP_INDEX=str(index), NEWSGREP_REPRINTS="1" if grouping else "0")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cmd = [PY, "-m", "newsgrep", "index", "-q", str(corpus)]
    if jobs:
        cmd[4:4] = ["-j", str(jobs)]
    if rebuild:
        cmd[4:4] = ["--rebuild"]
        shutil.rmtree(index, ignore_errors=True)
    return speed.run_measured(cmd, watch=index, env=env)


def size(index: Path, prefix: str = "") -> int:
    return sum(p.stat().st_size for p in index.iterdir() if p.is_file() and p.name.startswith(prefix))


def ng(index: Path, *args: str) -> str:
    env = dict(os.environ, NEWSGREP_INDEX=str(index))
    return subprocess.run([PY, "-m", "newsgrep", *args], env=env, capture_output=True,
                          text=True).stdout


def measure(corpus: Path, out: Path, rounds: int, jobs: int | None,
            figures: Path | None = None) -> None:
    runs: dict[bool, list[dict]] = {False: [], True: []}
    for r in range(rounds):
        for grouping in (False, True) if r % 2 == 0 else (True, False):
            runs[grouping].append(build(corpus, out / f"{out.name}-{'on' if grouping else 'off'}",
                                        grouping, jobs))

    def med(grouping: bool, key: str) -> float:
        return statistics.median(run[key] for run in runs[grouping])

    index = out / f"{out.name}-on"
    side = size(index, "newsgrep-reprints-") + size(index, "newsgrep-groups-")
    print(f"corpus {corpus}: {rounds} rounds")
    print("| grouping | build wall (median) | builds | CPU (median) | peak PSS (median) | "
          "index size |")
    print("|---|---|---|---|---|---|")
    for grouping in (False, True):
        extra = f" (sidecars {side / 2**20:.1f} MB)" if grouping else ""
        walls = ", ".join(f"{run['wall']:.1f}" for run in runs[grouping])
        print(f"| {'on' if grouping else 'off'} | {med(grouping, 'wall'):.1f} s | {walls} | "
              f"{med(grouping, 'cpu'):.1f} s | {med(grouping, 'pss') / 2**20:.0f} MB | "
              f"{runs[grouping][-1]['size'] / 2**20:.1f} MB{extra} |")
    print(f"ratio on/off: build wall {med(True, 'wall') / med(False, 'wall'):.3f}, "
          f"CPU {med(True, 'cpu') / med(False, 'cpu'):.3f}, "
          f"peak PSS {med(True, 'pss') / med(False, 'pss'):.3f}, "
          f"size {runs[True][-1]['size'] / runs[False][-1]['size']:.3f}")
    if figures is not None:
        steps = {"full build, grouping off": runs[False][-1], "full build": runs[True][-1]}
        steps["no-op re-index"] = build(corpus, index, True, jobs, rebuild=False)
        n = speed.change_one_percent(corpus, str(time.time()))
        steps[f"1% changed re-index ({n} files)"] = build(corpus, index, True, jobs, rebuild=False)
        for step, run in steps.items():
            print(f"{step}: wall {run['wall']:.1f} s, CPU {run['cpu']:.1f} s, "
                  f"peak PSS {run['pss'] / 2**20:.0f} MB, temp {run['temp'] / 2**20:.0f} MB")
        figures.write_text(json.dumps({k: {x: y for x, y in v.items() if x != "stderr"}
                                       for k, v in steps.items()}, indent=1))
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
    ap.add_argument("--figures", type=Path, metavar="FILE",
                    help="also time a no-op and a 1%%-changed re-index of the grouped index, "
                         "and write every build's figures to FILE.11k (FILE.110k, ...)")
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
        measure(make_corpus(args.out, 1), args.out / "rc11k", args.rounds, args.jobs,
                figures(args.figures, "11k"))
    if args.scale > 1:
        label = f"{11 * args.scale}k"
        measure(make_corpus(args.out, args.scale), args.out / f"rc{label}",
                args.large_rounds or args.rounds, args.jobs, figures(args.figures, label))


def figures(path: Path | None, label: str) -> Path | None:
    return None if path is None else path.with_name(f"{path.name}.{label}")


if __name__ == "__main__":
    main()
