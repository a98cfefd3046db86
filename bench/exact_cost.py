#!/usr/bin/env python3
"""What the exact-form fields (=word, wildcards, did-you-mean) cost in index size and time.

    python bench/exact_cost.py /tmp/corpus11k --work /tmp/exact-cost

Builds an index of the folder three times, each in its own process: without
the exact fields, with them as newsgrep builds them (no positions), and with
positions (what exact phrases on the exact fields would need); merges each into one segment
(``optimize``) so that the sizes compare like with like, and prints sizes
and build CPU time.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

BUILD = r"""
import sys, json, time
from pathlib import Path
import newsgrep.schema as schema, newsgrep.indexing as indexing
variant, folder, out = sys.argv[1:4]
build, document = schema.build_schema, indexing._document
def patched_schema(morphology="stem"):
    s = build(morphology)
    if variant == "none":
        s.remove("exact_title"); s.remove("exact_body")
    else:
        from whoosh import fields
        from newsgrep.analysis import ExactAnalyzer
        for name in ("exact_title", "exact_body"):
            s.remove(name)
            s.add(name, fields.TEXT(analyzer=ExactAnalyzer(), phrase=variant == "positions"))
    return s
def patched_document(*a, **kw):
    d = document(*a, **kw)
    if variant == "none":
        d.pop("exact_title", None); d.pop("exact_body", None)
    return d
indexing.build_schema, indexing._document = patched_schema, patched_document
indexing.index_paths([folder], Path(out), rebuild=True)
from whoosh import index
index.open_dir(out).optimize()
"""


def size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder")
    ap.add_argument("--work", default="/tmp/exact-cost")
    ap.add_argument("--variants", default="none,nopos,positions")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for variant in args.variants.split(","):
        out = work / variant
        shutil.rmtree(out, ignore_errors=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", BUILD, variant, args.folder, str(out)], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        rows.append((variant, size(out), cpu))
    base = rows[0][1]  # the first variant is the reference
    print(f"{'variant':<10} {'size MiB':>9} {'vs none':>8} {'build cpu s':>12}")
    for variant, n, cpu in rows:
        print(f"{variant:<10} {n / 2**20:>9.1f} {n / base:>7.2f}x {cpu:>12.1f}")
    print(json.dumps({v: {"bytes": n, "cpu_s": round(c, 1)} for v, n, c in rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
