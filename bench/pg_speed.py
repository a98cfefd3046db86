#!/usr/bin/env python3
"""Both engines side by side: build, size, search latency, 8 concurrent searchers, and
whether they agree (``-c`` counts and top-10 sets) on the fixed query set.

    python bench/pg_speed.py                       # the 11k corpus (../shared/corpus/articles)
    python bench/pg_speed.py --copies 10           # 110k: the corpus indexed 10 times over
    python bench/pg_speed.py --dsn postgresql://... # an existing, empty database instead of
                                                    # a throwaway cluster (tests/pg_cluster.py)
    python bench/pg_speed.py --files /tmp/scale_bench/corpus110k --work /tmp/pgbench/110k
                                                    # a folder of files; archives kept in --work

The machine may be shared and loaded: both engines are measured in the same run, one
after the other, and the last column is the ratio PostgreSQL / Whoosh. With ``--work``
the Whoosh archive, the cluster and the figures stay in that folder (``--keep``: the
cluster keeps running, for bench/pg_agreement.py); without it, all is removed.

Latencies: in-process (an open Archive, median of 5 runs of the query) and as a
process (``newsgrep search Q -n 10`` to a pipe, median of 3). Concurrency: 8
processes, each with its own open Archive, running the query set round-robin for
``--seconds``; throughput (searches/s, all together) and p95 latency.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
SHARED = Path(os.environ.get("NEWSGREP_SHARED", REPO.parent / "shared"))
PY = sys.executable
NEWSGREP = [PY, "-m", "newsgrep"]

QUERIES = [
    "заявил", "снайпер", "атака дрон", '"белый дом"', "title:санкции", "ыврапролджэ",
    "путин OR байден", "нефть NOT газ", '"центральный банк"~3', "=санкций", "санкц*",
    "призидент~", "date:2023-11", "москва date:2023-10..2023-11", "source:риа",
]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, **kw)


def timed_build(files: list[str], location: str) -> float:
    t = time.perf_counter()
    p = run([*NEWSGREP, "index", *files, "--index", location, "-q"])
    if p.returncode:
        sys.exit(f"index into {location} failed: {p.stderr}")
    return time.perf_counter() - t


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def in_process(location: str) -> dict[str, tuple[int, list[str], float]]:
    from newsgrep.archive import open_archive

    out = {}
    with open_archive(location) as a:
        for q in QUERIES:
            count = a.count(q)
            ids = [h.id for h in a.search(q, limit=10, partial=False).hits]
            times = []
            for _ in range(5):
                t = time.perf_counter()
                a.search(q, limit=10)
                times.append(time.perf_counter() - t)
            out[q] = (count, ids, statistics.median(times))
    return out


def as_process(location: str, q: str) -> float:
    times = []
    for _ in range(3):
        t = time.perf_counter()
        run([*NEWSGREP, "search", "--index", location, "-n", "10", "--", q])
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _searcher(location: str, seconds: float, queue) -> None:
    from newsgrep.archive import open_archive

    latencies = []
    with open_archive(location) as a:
        end = time.perf_counter() + seconds
        i = os.getpid()
        while time.perf_counter() < end:
            q = QUERIES[i % len(QUERIES)]
            i += 1
            t = time.perf_counter()
            a.search(q, limit=10)
            latencies.append(time.perf_counter() - t)
    queue.put(latencies)


def concurrent(location: str, seconds: float, n: int = 8) -> tuple[float, float]:
    queue = mp.get_context("fork").Queue()
    procs = [mp.get_context("fork").Process(target=_searcher, args=(location, seconds, queue))
             for _ in range(n)]
    for p in procs:
        p.start()
    lat = [x for _ in procs for x in queue.get()]
    for p in procs:
        p.join()
    lat.sort()
    return len(lat) / seconds, lat[int(0.95 * (len(lat) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", nargs="*", help="article files or folders (default: the 11k corpus)")
    ap.add_argument("--copies", type=int, default=1, help="index the files this many times over")
    ap.add_argument("--dsn", help="an empty PostgreSQL database (default: a throwaway cluster)")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--work", type=Path, help="a folder for the archives (kept); default: a temporary one")
    ap.add_argument("--keep", action="store_true", help="leave the cluster running (with --work)")
    args = ap.parse_args()
    files = args.files or sorted(str(p) for p in (SHARED / "corpus" / "articles").glob("*.jsonl.gz"))
    files = [str(Path(f).resolve()) for f in files]
    if not files:
        sys.exit("no files: give --files, or put the corpus in ../shared/corpus/articles")
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        os.environ["TMPDIR"] = str(args.work)  # the throwaway cluster goes there too
        tempfile.tempdir = None
    work = Path(tempfile.mkdtemp(prefix="pg-speed-", dir=args.work))
    cluster = None
    try:
        if args.copies > 1:
            copies = []
            for i in range(args.copies):
                d = work / "files" / f"copy{i}"
                d.mkdir(parents=True)
                for f in files:
                    os.link(f, d / Path(f).name) if os.stat(f).st_dev == os.stat(work).st_dev \
                        else shutil.copy(f, d / Path(f).name)
                copies.append(str(d))
            files = copies
        if args.dsn:
            url = args.dsn
        else:
            import pg_cluster

            cluster = pg_cluster.start()
            cluster.create_database("bench")
            url = cluster.url("bench")
            base_size = int(cluster.psql("SELECT pg_database_size('bench')"))
        whoosh_dir = work / "whoosh"
        wb = timed_build(files, str(whoosh_dir))
        pb = timed_build(files, url)
        from newsgrep.archive import open_archive

        with open_archive(url) as a:
            articles = a.stats()["articles"]
            pg_size = a.stats()["size_bytes"]
        ws = dir_size(whoosh_dir)

        def ratio(w: float, p: float) -> str:
            return f"{p / w:.2f}" if w else "-"

        print(f"{articles} articles ({len(files)} paths given, copies {args.copies}); "
              f"Whoosh {whoosh_dir}, PostgreSQL {url.split('?')[0]}")
        print(f"\n| | Whoosh | PostgreSQL | P/W |\n|---|---:|---:|---:|")
        print(f"| build (s) | {wb:.0f} | {pb:.0f} | {ratio(wb, pb)} |")
        print(f"| size (MB) | {ws / 1e6:.0f} | {pg_size / 1e6:.0f} | {ratio(ws, pg_size)} |")
        w, p = in_process(str(whoosh_dir)), in_process(url)
        agree_c = agree_top = 0
        lines = []
        sums = [0.0, 0.0, 0.0, 0.0]
        for q in QUERIES:
            (cw, iw, tw), (cp, ip, tp) = w[q], p[q]
            pw, pp = as_process(str(whoosh_dir), q), as_process(url, q)
            inter = len(set(iw) & set(ip))
            agree_c += cw == cp
            agree_top += set(iw) == set(ip)
            for i, v in enumerate((tw, tp, pw, pp)):
                sums[i] += v
            lines.append(f"| `{q}` | {cw}/{cp} | {inter}/{len(iw)} | {tw * 1e3:.0f} | "
                         f"{tp * 1e3:.0f} | {pw * 1e3:.0f} | {pp * 1e3:.0f} |")
        med_w, med_p = (statistics.median(w[q][2] for q in QUERIES),
                        statistics.median(p[q][2] for q in QUERIES))
        print(f"| search, median of the query set, in-process (ms) | {med_w * 1e3:.0f} | "
              f"{med_p * 1e3:.0f} | {ratio(med_w, med_p)} |")
        print(f"| search, sum of the query set, in-process (ms) | {sums[0] * 1e3:.0f} | "
              f"{sums[1] * 1e3:.0f} | {ratio(sums[0], sums[1])} |")
        print(f"| search, sum of the query set, as a process (ms) | {sums[2] * 1e3:.0f} | "
              f"{sums[3] * 1e3:.0f} | {ratio(sums[2], sums[3])} |")
        conc = {}
        for name, loc in (("Whoosh", str(whoosh_dir)), ("PostgreSQL", url)):
            conc[name] = concurrent(loc, args.seconds)
        (tw_, pw_), (tp_, pp_) = conc["Whoosh"], conc["PostgreSQL"]
        print(f"| 8 concurrent searchers: searches/s | {tw_:.1f} | {tp_:.1f} | {ratio(tw_, tp_)} |")
        print(f"| 8 concurrent searchers: p95 (ms) | {pw_ * 1e3:.0f} | {pp_ * 1e3:.0f} | "
              f"{ratio(pw_, pp_)} |")
        print("\n| query | -c W/P | top-10 ∩ | in-process W (ms) | P (ms) | process W (ms) | P (ms) |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        print("\n".join(lines))
        print(f"\n-c agrees on {agree_c}/{len(QUERIES)} queries; top-10 sets equal on "
              f"{agree_top}/{len(QUERIES)}")
    finally:
        if cluster is not None and not args.keep:
            cluster.remove()
        elif cluster is not None:
            print(f"cluster kept: {url} (stop: pg_ctl -D {cluster.datadir} stop)")
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
