#!/usr/bin/env python3
"""What exact forms cost: the form index's size and build time, and the latency of
=word, wildcards, counts and did-you-mean.

    python bench/exact_cost.py --build /tmp/c11k --work /tmp/exact-cost   # build twice, compare
    python bench/exact_cost.py --index bench/out/work-corpus110k/newsgrep-index  # queries only

``--build FOLDER`` indexes the folder twice, each in its own process: as
newsgrep does (with the form index, ``MAIN_<id>.frm`` beside each segment)
and without the form index, and prints wall and CPU time and the sizes.
``--index DIR`` (or the index just built) times queries that use word forms
against the index: the search as a library call (open, parse, search, 10
hits with highlighted snippets; median of repeats, first call excluded), the
count of all matches, and did-you-mean; ``--process`` adds the end-to-end
time of ``newsgrep search`` as a process. The queries include the worst
cases of the form index: a common form of a common stem (``=президентом``,
``=заявил``), a rare form of a common stem (``=атак``, ``=президентах``), a
form that is not in the archive, an exact phrase, and wide wildcards.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BUILD = r"""
import sys
from pathlib import Path
import newsgrep.engine.whoosh.segments as segments
from newsgrep.indexing import index_paths
variant, folder, out = sys.argv[1:4]
if variant == "no-forms":
    init = segments.SegmentBuilder.__init__
    def no_forms(self, *a, **kw):
        kw["form_fields"] = ()
        init(self, *a, **kw)
    segments.SegmentBuilder.__init__ = no_forms
index_paths([folder], Path(out), rebuild=True)
"""

QUERIES = [  # (label, query)
    ("stem, for comparison", "президент"),
    ("common form of a common stem", "=президентом"),
    ("common form, very common stem", "=заявил"),
    ("rare form of a common stem", "=президентах"),
    ("rare form", "=атак"),
    ("form not in the archive", "=президентище"),
    ("exact form and a word", "=атак Алматы"),
    ("exact form, negated", "атака -=атак"),
    ("exact phrase", '="белый дом"'),
    ("exact form in titles", "title:=санкции"),
    ("wildcard", "атак*"),
    ("wildcard, into the ending", "атаки*"),
    ("wide wildcard (439 forms at 11k)", "прав*"),
]
SUGGEST = ["призидент", "fnfrf", "ghbdtn", "almaty", "Fkvfns", "=fnfr"]


def size(folder: Path, suffix: str = "") -> int:
    return sum(f.stat().st_size for f in folder.iterdir()
               if f.is_file() and f.name.endswith(suffix))


def build(folder: str, work: Path) -> Path:
    rows = []
    for variant in ("form index", "no-forms"):
        out = work / variant.replace(" ", "-")
        shutil.rmtree(out, ignore_errors=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", BUILD, variant, folder, str(out)], check=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        rows.append((variant, wall, cpu, size(out), size(out, ".frm")))
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} CPUs\n")
    print("| build | wall | CPU | index | of it .frm |\n|---|---|---|---|---|")
    for variant, wall, cpu, total, frm in rows:
        print(f"| {variant} | {wall:.1f} s | {cpu:.1f} s | {total / 2**20:.0f} MiB "
              f"| {frm / 2**20:.0f} MiB |")
    print()
    return work / "form-index"


def timed(fn, repeats: int) -> tuple[float, object]:
    result = fn()  # warm: imports, caches, the page cache
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def process_time(args: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "newsgrep", *args], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd=REPO)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def queries(index: Path, repeats: int, process: bool) -> None:
    from newsgrep.searching import count, search
    from newsgrep.suggest import suggest

    n = count(index, "date:1000..3000") + count(index, "NOT date:1000..3000")
    print(f"{n} articles in {index}; median of {repeats} runs, load average "
          f"{os.getloadavg()[0]:.1f}\n")
    head = "| query | hits | search, 10 hits | count | count time |"
    head += " e2e process |" if process else ""
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for label, q in QUERIES:
        t_search, result = timed(lambda: search(index, q, limit=10), repeats)
        t_count, total = timed(lambda: count(index, q), repeats)
        row = (f"| {label}: `{q}` | {len(result.hits)} | {t_search * 1000:.0f} ms | {total} "
               f"| {t_count * 1000:.0f} ms |")
        if process:
            row += f" {process_time(['search', q, '--index', str(index)], repeats) * 1000:.0f} ms |"
        print(row, flush=True)
    print("\n| did you mean | suggestion | time |\n|---|---|---|")
    for q in SUGGEST:
        t, s = timed(lambda: suggest(index, q, found=count(index, q)), repeats)
        print(f"| `{q}` | {s.query if s else '-'} | {t * 1000:.0f} ms |", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", metavar="FOLDER", help="index FOLDER with and without the form index")
    ap.add_argument("--work", default="/tmp/exact-cost", type=Path)
    ap.add_argument("--index", type=Path, help="time the queries against this index")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--process", action="store_true", help="also time newsgrep search processes")
    args = ap.parse_args()
    index = args.index
    if args.build:
        args.work.mkdir(parents=True, exist_ok=True)
        index = build(args.build, args.work)
    if index is None:
        ap.error("give --build FOLDER or --index DIR")
    queries(index, args.repeats, args.process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
