#!/usr/bin/env python3
"""Many queries: ``newsgrep search --batch`` against one process per query, in one run.

    python bench/batch.py --index DIR                # an archive built before
    python bench/batch.py --index DIR --queries 500 --per-process 40

The queries are single words: distinct words of five letters or more from
the archive's own headlines (the first ones, in document order), so they
all find something and the run is the same each time. Measured:

* ``newsgrep search --batch`` as one process over all the queries (start-up,
  opening the archive and every query; 10 hits each with snippets, JSON Lines);
* one ``newsgrep search WORD --json`` process per query, for the first
  ``--per-process`` of them (the way a shell loop runs them);
* ``Archive.search_many`` in this process, the archive opened once.

Each prints queries a second; the hits of the batch are checked against the
one-process runs (same ids, same order). Markdown on stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
PY = sys.executable
NEWSGREP = [PY, "-m", "newsgrep"]


def bench_env(**extra: str) -> dict:
    """The environment of the measured processes: bytecode cached (as an installed
    package has it; PYTHONDONTWRITEBYTECODE would compile every module at each start),
    in a folder of its own, so that no checkout gets __pycache__ folders."""
    import tempfile

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "newsgrep-bench-pyc")
    return {**env, **extra}


def headline_words(index: Path, n: int) -> list[str]:
    """``n`` distinct words (5+ letters, Cyrillic) from the archive's headlines, in order."""
    from newsgrep.engine.whoosh.schema import open_index

    ix, _ = open_index(index)
    words: list[str] = []
    seen: set[str] = set()
    with ix.searcher() as s:
        for stored in s.all_stored_fields():
            for w in re.findall(r"[а-яё]{5,}", stored.get("title", "").lower()):
                if w not in seen:
                    seen.add(w)
                    words.append(w)
                    if len(words) == n:
                        return words
    return words


def ids_by_line(stdout: str) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for line in stdout.splitlines():
        obj = json.loads(line)
        out.setdefault(obj["line"], [])
        if "id" in obj:
            out[obj["line"]].append(obj["id"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="an archive folder")
    ap.add_argument("--queries", type=int, default=300, help="single-word queries in the batch")
    ap.add_argument("--per-process", type=int, default=30,
                    help="of them, run one process each (the slow way)")
    args = ap.parse_args()
    index = args.index.resolve()
    words = headline_words(index, args.queries)
    n, k = len(words), min(args.per_process, len(words))

    subprocess.run([*NEWSGREP, "search", "x", "--index", str(index)], capture_output=True,
                   env=bench_env())  # (bytecode cached, files in the page cache)
    t = time.perf_counter()
    proc = subprocess.run([*NEWSGREP, "search", "--batch", "--index", str(index)],
                          input="\n".join(words) + "\n", capture_output=True, text=True,
                          env=bench_env())
    batch_s = time.perf_counter() - t
    assert proc.returncode == 0, proc.stderr
    batch = ids_by_line(proc.stdout)
    assert len(batch) == n, (len(batch), n)

    t = time.perf_counter()
    single: dict[int, list[str]] = {}
    for i, word in enumerate(words[:k], 1):
        p = subprocess.run([*NEWSGREP, "search", word, "--json", "--index", str(index)],
                           capture_output=True, text=True, env=bench_env())
        assert p.returncode in (0, 1), p.stderr
        single[i] = [json.loads(line)["id"] for line in p.stdout.splitlines()]
    single_s = time.perf_counter() - t
    same = sum(1 for i in single if single[i] == batch[i])

    import newsgrep

    t = time.perf_counter()
    with newsgrep.open_archive(index) as archive:
        hits = sum(len(a.result.hits) for a in archive.search_many(words))
    api_s = time.perf_counter() - t

    articles = json.loads(subprocess.run([*NEWSGREP, "stats", "--json", "--index", str(index)],
                                         capture_output=True, text=True,
                                         env=bench_env()).stdout)["articles"]
    print(f"## Many single-word queries, {articles} articles ({index})\n")
    print("| way | queries | seconds | queries/s | ratio |")
    print("|---|---:|---:|---:|---:|")
    rate = k / single_s
    for label, count, secs in (("one process per query", k, single_s),
                               ("`search --batch`, one process", n, batch_s),
                               ("`Archive.search_many`, in process", n, api_s)):
        print(f"| {label} | {count} | {secs:.2f} | {count / secs:.1f} | "
              f"{count / secs / rate:.1f}x |")
    print(f"\nThe batch's hits equal the single runs' for {same} of {k} queries; "
          f"{hits} hits in all through the API.")


if __name__ == "__main__":
    main()
