#!/usr/bin/env python3
"""Indexing and search speed: newsgrep against a straightforward Whoosh app and ripgrep.

    python bench/speed.py                          # 11k articles of ../shared/corpus
    python bench/speed.py --scale 10               # and 110k (the corpus 10 times over)
    python bench/speed.py --files FOLDER           # any folder of article files
    python bench/speed.py --morphology lemma --no-baseline   # a lemma-mode index

Builds the corpus files with ../shared/corpus/make_files.py (into bench/out/,
once), then measures, in one run so that the ratios compare like with like:

* full build, a no-op re-index, and a re-index after 1% of the files changed:
  wall time, CPU time (all processes), peak memory (the sum of the RSS of the
  process and its workers, sampled; and the sum of their PSS, which counts a
  page the forked workers share with the parent once, not once per process),
  temporary disk (the peak of the index folder's size above its final size)
  and the index size;
* search latency in-process (library call: open, parse, search, 10 hits with
  highlighted snippets; median of repeats) and end to end (a new process
  printing 10 hits to a pipe; median), for fixed queries: a common word, a
  rare word, two words, a phrase, a field, no hit;
* ``rg -i -l`` over the same files for the same words, as the no-index reference.

The baseline (bench/naive_whoosh.py) is measured at the larger scale only
with --baseline-at-scale (it takes about 20 minutes at 110k).
Results go to stdout as Markdown tables, with ratios against the baseline.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = REPO.parent / "shared"
PY = sys.executable
NEWSGREP = [PY, "-m", "newsgrep"]
NAIVE = [PY, str(HERE / "naive_whoosh.py")]

QUERIES = [  # (label, newsgrep/Whoosh query, rg pattern or None)
    ("common word", "заявил", "заявил"),
    ("rare word", "снайпер", "снайпер"),
    ("two words", "атака дрон", None),
    ("phrase", '"белый дом"', r"белый\s+дом"),
    ("field", "title:санкции", None),
    ("no hit", "ыврапролджэ", "ыврапролджэ"),
]


# --- measuring processes -----------------------------------------------------------------

def _pss(pid: int) -> int:
    """The PSS (bytes) of ``pid``: its pages, each shared one divided among its sharers."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree_memory(root: int) -> tuple[int, int]:
    """The summed RSS and the summed PSS (bytes) of ``root`` and its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * page
    total = pss = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        pss += _pss(pid)
        todo.extend(children.get(pid, ()))
    return total, pss


def _dir_size(path: Path) -> int:
    total = 0
    for root, _, names in os.walk(path):
        for n in names:
            try:
                total += os.lstat(os.path.join(root, n)).st_size
            except OSError:
                pass
    return total


def run_measured(cmd: list[str], watch: Path | None = None, env=None) -> dict:
    """Run ``cmd``; wall and CPU time, peak tree RSS, peak size of ``watch``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=env)
    peak = {"rss": 0, "pss": 0, "disk": 0}
    done = threading.Event()

    def sample():
        # Every 50 ms, then less often as the run goes on (every second past 100 s):
        # sampling every 50 ms took a fifth of a core all through a one-hour build on
        # this 2-core machine, time the build's workers did not get.
        while not done.is_set():
            rss, pss = _tree_memory(proc.pid)
            peak["rss"] = max(peak["rss"], rss)
            peak["pss"] = max(peak["pss"], pss)
            if watch is not None and watch.exists():
                peak["disk"] = max(peak["disk"], _dir_size(watch))
            done.wait(min(1.0, max(0.05, (time.perf_counter() - t0) / 100)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    final = _dir_size(watch) if watch is not None and watch.exists() else 0
    return {"wall": wall, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "rss": peak["rss"], "pss": peak["pss"], "size": final,
            "temp": max(0, peak["disk"] - final), "stderr": err}


def median_time(cmd: list[str], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def median_rss(cmd: list[str]) -> int:
    out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True)
    try:
        return int(out.stderr.strip().splitlines()[-1]) * 1024
    except (ValueError, IndexError):
        return 0


# --- the corpus --------------------------------------------------------------------------

def make_corpus(out: Path, scale: int) -> Path:
    """The 11k corpus files (once), and ``scale`` copies of them beside each other."""
    base = out / "corpus11k"
    if not base.is_dir():
        articles = sorted((SHARED / "corpus" / "articles").glob("*.jsonl.gz"))
        subprocess.run([PY, str(SHARED / "corpus" / "make_files.py"), *map(str, articles),
                        "-o", str(base), "--per-dir", "1000"], check=True,
                       stdout=subprocess.DEVNULL)
    if scale == 1:
        return base
    big = out / f"corpus{11 * scale}k"
    if not big.is_dir():
        tmp = big.with_name(big.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        for i in range(scale):  # distinct paths, hence distinct article ids
            shutil.copytree(base, tmp / f"copy{i:02d}")
        tmp.rename(big)
    return big


def change_one_percent(folder: Path, salt: str) -> int:
    files = sorted(folder.rglob("*.txt"))
    changed = files[::100]
    for p in changed:
        with open(p, "a", encoding="utf-8") as fh:
            fh.write(f"\nПравка {salt}.\n")
    return len(changed)


# --- the benchmark -----------------------------------------------------------------------

def fmt_s(x: float) -> str:
    return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


def fmt_mb(x: int) -> str:
    return f"{x / 2**20:.0f} MB"


def ratio(base: float | None, ours: float) -> str:
    if base is None or not ours:
        return "-"
    return f"{base / ours:.1f}x"


def _ng_index(work: Path, morphology: str | None) -> Path:
    return work / ("newsgrep-index" if not morphology else f"newsgrep-index-{morphology}")


def indexing_rows(folder: Path, work: Path, with_baseline: bool,
                  morphology: str | None = None) -> list[list[str]]:
    ng_ix, naive_ix = _ng_index(work, morphology), work / "naive-index"
    shutil.rmtree(ng_ix, ignore_errors=True)
    shutil.rmtree(naive_ix, ignore_errors=True)
    results: dict[str, dict] = {}
    steps = [("full build", None), ("no-op re-index", None), ("1% changed re-index", "change")]
    for step, action in steps:
        if action == "change":
            n = change_one_percent(folder, str(time.time()))
            step = f"{step} ({n} files)"
        print(f"  {step} ...", file=sys.stderr, flush=True)
        mode = ["--morphology", morphology] if morphology else []
        ours = run_measured([*NEWSGREP, "index", str(folder), "--index", str(ng_ix), *mode],
                            watch=ng_ix)
        print("    newsgrep: " + ours["stderr"].strip().splitlines()[0], file=sys.stderr)
        base = None
        if with_baseline:
            base = run_measured([*NAIVE, "index", str(folder), "--index", str(naive_ix)],
                                watch=naive_ix)
        results[step] = {"newsgrep": ours, "naive": base}
    rows = []
    for step, r in results.items():
        ours, base = r["newsgrep"], r["naive"]
        rows.append([step,
                     fmt_s(ours["wall"]), fmt_s(base["wall"]) if base else "-",
                     ratio(base and base["wall"], ours["wall"]),
                     f"{fmt_s(ours['cpu'])} / {fmt_s(base['cpu']) if base else '-'}",
                     f"{fmt_mb(ours['rss'])} / {fmt_mb(base['rss']) if base else '-'}",
                     f"{fmt_mb(ours['pss'])} / {fmt_mb(base['pss']) if base else '-'}",
                     f"{fmt_mb(ours['temp'])} / {fmt_mb(base['temp']) if base else '-'}",
                     f"{fmt_mb(ours['size'])} / {fmt_mb(base['size']) if base else '-'}"])
    full = results["full build"]
    if full["naive"]:
        rows.append(["full build, newsgrep vs baseline", "", "", ratio(full["naive"]["wall"],
                     full["newsgrep"]["wall"]), ratio(full["naive"]["cpu"], full["newsgrep"]["cpu"]),
                     "", "", "", ""])
    noop = next(v for k, v in results.items() if k.startswith("no-op"))["newsgrep"]
    rows.append(["no-op / full build (newsgrep)", f"{100 * noop['wall'] / full['newsgrep']['wall']:.1f}%",
                 "", "", "", "", "", "", ""])
    return rows


def search_rows(folder: Path, work: Path, repeats: int, with_baseline: bool,
                morphology: str | None = None) -> list[list[str]]:
    sys.path.insert(0, str(REPO))
    from newsgrep.searching import search

    ng_ix, naive_ix = _ng_index(work, morphology), work / "naive-index"
    rows = []
    for label, query, pattern in QUERIES:
        # In-process: warm (the first call pays for imports and caches).
        search(ng_ix, query, limit=10)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            hits = search(ng_ix, query, limit=10).hits
            times.append(time.perf_counter() - t0)
        inproc = statistics.median(times)
        ours = median_time([*NEWSGREP, "search", query, "--index", str(ng_ix)], repeats)
        base = median_time([*NAIVE, "search", query, "--index", str(naive_ix)], repeats) \
            if with_baseline else None
        rg = median_time(["rg", "-i", "-l", pattern, str(folder)], max(3, repeats // 3)) \
            if pattern and shutil.which("rg") else None
        rows.append([f"{label}: `{query}`", str(len(hits)), f"{inproc * 1000:.0f} ms",
                     f"{ours * 1000:.0f} ms", f"{base * 1000:.0f} ms" if base else "-",
                     ratio(base, ours), f"{rg * 1000:.0f} ms" if rg else "-", ratio(rg, ours)])
    rss_ours = median_rss([*NEWSGREP, "search", QUERIES[0][1], "--index", str(ng_ix)])
    rss_base = median_rss([*NAIVE, "search", QUERIES[0][1], "--index", str(naive_ix)]) \
        if with_baseline else 0
    rows.append(["peak RSS of one search process", "", "", fmt_mb(rss_ours),
                 fmt_mb(rss_base) if rss_base else "-", "", "", ""])
    return rows


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=Path, help="a folder of article files (default: the corpus)")
    ap.add_argument("--scale", type=int, default=1, help="also measure the corpus N times over")
    ap.add_argument("--out", type=Path, default=HERE / "out", help="where corpora and indexes go")
    ap.add_argument("--repeats", type=int, default=9, help="runs per search latency (median)")
    ap.add_argument("--baseline-at-scale", action="store_true",
                    help="also build the baseline at the larger scale (slow)")
    ap.add_argument("--skip-small", action="store_true", help="only the larger scale")
    ap.add_argument("--morphology", choices=["stem", "lemma"],
                    help="newsgrep index --morphology (default: newsgrep's default)")
    ap.add_argument("--no-baseline", action="store_true", help="do not run the plain Whoosh app")
    ap.add_argument("--search-only", action="store_true",
                    help="only the search latencies, on the indexes an earlier run built")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    env_note = f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start"
    if args.morphology:
        env_note += f", newsgrep --morphology {args.morphology}"

    sets = []
    if args.files:
        sets.append((args.files.resolve(), True))
    else:
        if not args.skip_small:
            sets.append((make_corpus(args.out, 1), True))
        if args.scale > 1:
            sets.append((make_corpus(args.out, args.scale), args.baseline_at_scale))
    print(f"# newsgrep speed ({env_note})\n")
    for folder, with_baseline in sets:
        with_baseline = with_baseline and not args.no_baseline
        n = sum(1 for _ in folder.rglob("*.txt"))
        work = args.out / f"work-{folder.name}"
        work.mkdir(parents=True, exist_ok=True)
        print(f"{folder}: {n} files, {fmt_mb(_dir_size(folder))}", file=sys.stderr)
        print(f"## {n} articles ({fmt_mb(_dir_size(folder))}) in {folder}\n")
        if not args.search_only:
            print(table(["indexing", "newsgrep", "baseline", "speed-up", "CPU ours / base",
                         "peak RSS ours / base", "peak PSS ours / base", "temp disk ours / base",
                         "index ours / base"],
                        indexing_rows(folder, work, with_baseline, args.morphology)))
            print()
        print(table(["search", "hits", "in-process", "newsgrep e2e", "baseline e2e",
                     "speed-up", "rg -i -l", "vs rg"],
                    search_rows(folder, work, args.repeats, with_baseline, args.morphology)))
        print(f"\n(load average at the end: {os.getloadavg()[0]:.1f})\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
