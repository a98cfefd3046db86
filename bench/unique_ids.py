"""Story counts (``-c --unique``, ``-c --by source --unique``, ``--timeline --unique``):
the time they take, in-process and as a process, on one archive with the newsgrep this
Python imports.

Run it with each checkout's Python on each index, in one session, e.g.:

    /work/main/.venv/bin/python bench/unique_ids.py --index /tmp/uniqueids/ix_main
    .venv/bin/python bench/unique_ids.py --index /tmp/uniqueids/ix_branch
    .venv/bin/python bench/unique_ids.py --index /tmp/uniqueids/ix_main   # (no id column)

Prints one line per query and measurement: the median and best of ``--repeat`` runs
in milliseconds, and the answer (so that runs can be compared).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

QUERIES = ["россии", "атака", "москва OR путин"]


def _time(fn, repeat: int) -> tuple[float, float, object]:
    times, answer = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        answer = fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), min(times), answer


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", required=True)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("queries", nargs="*", default=QUERIES)
    args = p.parse_args()

    import newsgrep
    from newsgrep.archive import open_archive

    code = Path(newsgrep.__file__).resolve().parent.parent
    print(f"# newsgrep from {code}, index {args.index}")
    with open_archive(args.index) as a:
        schema = a.engine.schema
        column = "id" in schema and schema["id"].column_type is not None
        print(f"# id column: {'yes' if column else 'no'}; articles: {a.engine.reader.doc_count()}")
        for q in args.queries:
            a.count(q, unique=True)  # (warm: the page cache, the group map)
            for name, fn in [
                ("-c", lambda: a.count(q)),
                ("-c --unique", lambda: a.count(q, unique=True)),
                ("-c --by source --unique",
                 lambda: len(a.group_counts(q, "source", unique=True))),
                ("--timeline --unique",
                 lambda: a.timeline(q, "month", unique=True).total),
            ]:
                med, best, answer = _time(fn, args.repeat)
                print(f"in-process\t{q}\t{name}\t{med:.1f}\t{best:.1f}\t{answer}")
    exe = Path(sys.executable).with_name("newsgrep")
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for q in args.queries:
        for extra in ([], ["--unique"]):
            cmd = [str(exe), "search", q, "-c", *extra, "--index", args.index]
            subprocess.run(cmd, capture_output=True, env=env)  # (warm)
            med, best, answer = _time(
                lambda: subprocess.run(cmd, capture_output=True, text=True, env=env
                                       ).stdout.strip(), args.repeat)
            print(f"process\t{q}\tsearch -c {' '.join(extra)}\t{med:.1f}\t{best:.1f}\t{answer}")


if __name__ == "__main__":
    main()
