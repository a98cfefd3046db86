#!/usr/bin/env python3
"""Indexing throughput of lemma mode against stem mode, built in one run.

    python bench/lemma_build.py                    # the 11k corpus (bench/out/corpus11k)
    python bench/lemma_build.py --files FOLDER --repeats 3

Builds the same folder from scratch with ``newsgrep index --morphology stem``
and ``--morphology lemma``, alternating (stem, lemma, stem, lemma ...) so that
both see the same machine, and prints the median wall and CPU time of each,
the throughput in articles and MB per second, and lemma's throughput as a
share of stem's (the target: at least 0.5). The corpus files are made as
bench/speed.py makes them. Each build is a new process, as a user runs it,
so lemma mode pays for loading pymorphy3 and a cold cache of lemmas.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from speed import NEWSGREP, _dir_size, fmt_mb, make_corpus, run_measured  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=Path, help="a folder of article files (default: the corpus)")
    ap.add_argument("--out", type=Path, default=HERE / "out", help="where corpora and indexes go")
    ap.add_argument("--repeats", type=int, default=2, help="builds per mode (median)")
    ap.add_argument("-j", "--jobs", type=int, default=None, help="newsgrep index -j")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    folder = args.files.resolve() if args.files else make_corpus(args.out, 1)
    n = sum(1 for p in folder.rglob("*") if p.is_file())
    mb = _dir_size(folder) / 2**20
    work = args.out / f"lemma-build-{folder.name}"
    work.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict]] = {"stem": [], "lemma": []}
    for i in range(args.repeats):
        for mode in ("stem", "lemma"):
            ix = work / f"index-{mode}"
            shutil.rmtree(ix, ignore_errors=True)
            cmd = [*NEWSGREP, "index", str(folder), "--index", str(ix), "--morphology", mode]
            if args.jobs:
                cmd += ["-j", str(args.jobs)]
            r = run_measured(cmd, watch=ix)
            lexicon = sum(p.stat().st_size for p in ix.glob("newsgrep-lexicon-*"))
            r["lexicon"] = lexicon
            runs[mode].append(r)
            print(f"  {mode} #{i + 1}: {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU, "
                  f"{fmt_mb(r['size'])} ({fmt_mb(lexicon)} lexicon)", file=sys.stderr, flush=True)
    print(f"# lemma vs stem build: {n} files, {mb:.0f} MB in {folder}, "
          f"{args.repeats} builds each, alternating\n")
    print("| mode | wall (median) | CPU (median) | articles/s | MB/s | peak RSS | index | of which lexicon |")
    print("|---|---|---|---|---|---|---|---|")
    med = {}
    for mode, rs in runs.items():
        wall = statistics.median(r["wall"] for r in rs)
        cpu = statistics.median(r["cpu"] for r in rs)
        med[mode] = (wall, cpu)
        print(f"| {mode} | {wall:.1f} s | {cpu:.1f} s | {n / wall:.0f} | {mb / wall:.2f} | "
              f"{fmt_mb(max(r['rss'] for r in rs))} | {fmt_mb(rs[-1]['size'])} | "
              f"{fmt_mb(rs[-1]['lexicon'])} |")
    wall_ratio = med["stem"][0] / med["lemma"][0]
    cpu_ratio = med["stem"][1] / med["lemma"][1]
    print(f"\nlemma throughput / stem throughput: {wall_ratio:.2f} (wall), {cpu_ratio:.2f} (CPU); "
          "target >= 0.50")
    return 0


if __name__ == "__main__":
    sys.exit(main())
