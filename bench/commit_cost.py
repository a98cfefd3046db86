#!/usr/bin/env python3
"""What a commit costs the parent beside the segments: the reprint store, the group map,
the ``stats`` figures, over a build and a series of small incremental runs.

    python bench/commit_cost.py CORPUS --work DIR [--repo CHECKOUT] [--runs 5] [--share 0.01]

Hard-links CORPUS into DIR/corpus (a changed file is written anew, the original stays),
builds DIR/ix (a segment, so a commit, every ``--commit-articles`` articles), then makes
``--runs`` runs that each rewrite ``--share`` of the files. Per run: wall time, commits,
the seconds spent writing the reprint store (whole or delta), the group map, the figures,
loading the store, and the bytes of reprint sidecars written. JSON lines on stdout.
``--repo`` measures another checkout's code (e.g. main's, for a before/after).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_repo = sys.argv[sys.argv.index("--repo") + 1] if "--repo" in sys.argv else str(HERE.parent)
sys.path.insert(0, _repo)

from index_profile import CALLS, TIMES, timed  # noqa: E402  (the same timers)

BYTES = [0]


def instrument() -> None:
    from newsgrep import reprint_store
    from newsgrep.engine.whoosh import commit

    timed(commit.Committer, "commit", "commit (all)")
    timed(reprint_store.ReprintStore, "dumps", "reprint store (whole)")
    timed(reprint_store.ReprintStore, "take_delta", "reprint store (delta)")
    timed(reprint_store.ReprintStore, "groups_blob", "group map")
    timed(commit.Committer, "_write_figures", "figures")
    timed(commit, "load_reprints", "load reprint store")
    original = commit.write_sidecar

    def counting(directory, name, data):
        if name.startswith(("newsgrep-reprints-", "newsgrep-groups-")):
            BYTES[0] += len(data)
        return original(directory, name, data)

    commit.write_sidecar = counting


def one(label: str, corpus: Path, index: Path, settings) -> dict:
    from newsgrep.indexing import index_paths

    TIMES.clear()
    CALLS.clear()
    BYTES[0] = 0
    t = time.monotonic()
    report = index_paths([corpus], index, settings=settings)
    return {"run": label, "articles": report.total, "wall_s": round(time.monotonic() - t, 2),
            "commits": CALLS.get("commit (all)", 0),
            "seconds": {k: round(v, 2) for k, v in sorted(TIMES.items())},
            "reprint_sidecar_mb": round(BYTES[0] / 2**20, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--share", type=float, default=0.01)
    ap.add_argument("--commit-articles", type=int, default=500)
    ap.add_argument("--repo", help="import newsgrep from this checkout (default: this one)")
    args = ap.parse_args()
    from newsgrep.indexing.settings import Limits, Settings

    instrument()
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    corpus, index = args.work / "corpus", args.work / "ix"
    subprocess.run(["cp", "-al", str(args.corpus), str(corpus)], check=True)
    settings = Settings(limits=Limits(commit_articles=args.commit_articles))
    print(json.dumps(one("build", corpus, index, settings)), flush=True)
    files = sorted(p for p in corpus.rglob("*") if p.is_file())
    rng = random.Random(1)
    for n in range(args.runs):
        for path in rng.sample(files, max(1, int(len(files) * args.share))):
            text = path.read_bytes() + f"\nОбновлено {n}.\n".encode("utf-8")
            tmp = path.with_name(path.name + ".new")
            tmp.write_bytes(text)
            os.replace(tmp, path)  # a new file: the hard-linked original stays as it was
        print(json.dumps(one(f"{args.share:.0%} changed #{n + 1}", corpus, index, settings)),
              flush=True)
    print(json.dumps(one("noop", corpus, index, settings)), flush=True)


if __name__ == "__main__":
    main()
