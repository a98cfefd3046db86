"""Streaming read of a big dump: throughput and peak memory of ``read_file``.

Generates a ~1 GB JSON Lines dump by repeating the records of the shared
corpus (``../shared/corpus/{articles,posts}/*.jsonl.gz``) with distinct ids,
in a temporary folder outside the repository, then iterates ``read_file``
over it in a fresh process and reports MB/s, articles/s and the peak RSS of
that process (with the RSS after start-up, so the growth is visible).

    python bench/big_dump.py                       # 1 GB JSON Lines
    python bench/big_dump.py --size-mb 256 --formats jsonl,json,jsonl.gz
    python bench/big_dump.py --dir /var/tmp/nb --keep
    python bench/big_dump.py --dir /var/tmp/nb --keep --reuse   # the dump kept last time

``json`` writes the same records as one JSON array (the streaming scanner);
``jsonl.gz`` gzips the JSON Lines file (decompression included).

    python bench/big_dump.py --index              # and a whole `newsgrep index` run

``--index`` also runs ``newsgrep index`` over each dump into a fresh index
beside it and reports wall time, CPU and the peak of the summed RSS of the
indexer and its workers (sampled, as ``bench/speed.py`` does).
"""
from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("NEWSGREP_SHARED", os.path.join(os.path.dirname(REPO), "shared"))


def corpus_files() -> list[str]:
    files = sorted(glob.glob(os.path.join(SHARED, "corpus", "articles", "*.jsonl.gz"))
                   + glob.glob(os.path.join(SHARED, "corpus", "posts", "*.jsonl.gz")))
    if not files:
        sys.exit(f"no corpus under {SHARED}/corpus (set NEWSGREP_SHARED)")
    return files


def generate(path: str, size: int, fmt: str) -> tuple[int, int]:
    """Write about ``size`` bytes of records; returns (records, bytes)."""
    files = corpus_files()
    written = records = 0
    rounds = 0
    if fmt == "jsonl.gz":
        out_file = gzip.open(path, "wt", encoding="utf-8", compresslevel=1)
    else:
        out_file = open(path, "w", encoding="utf-8")
    with out_file as out:
        if fmt == "json":
            out.write("[\n")
        while written < size:
            rounds += 1
            for name in files:
                with gzip.open(name, "rt", encoding="utf-8") as f:
                    for line in f:
                        record = json.loads(line)
                        record["id"] = f"{record['id']}~{rounds}"
                        text = json.dumps(record, ensure_ascii=False)
                        if fmt == "json":
                            text = ("  " if records == 0 else ", ") + text
                        out.write(text + "\n")
                        written += len(text.encode("utf-8")) + 1
                        records += 1
                        if written >= size:
                            break
                if written >= size:
                    break
        if fmt == "json":
            out.write("]\n")
    return records, written


def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def measure(path: str) -> None:
    """Child process: iterate read_file over ``path`` and print one JSON line of results."""
    sys.path.insert(0, REPO)
    from newsgrep.articles import read_file
    start_rss = rss_kb()
    samples = []
    warnings = []
    t0 = time.perf_counter()
    n = chars = 0
    for article in read_file(path, warn=warnings.append):
        n += 1
        chars += len(article.body)
        if n % 20000 == 0:
            samples.append(rss_kb())
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "articles": n, "body_chars": chars, "seconds": seconds, "warnings": len(warnings),
        "rss_start_mb": start_rss / 1024,
        "rss_samples_mb": [round(s / 1024, 1) for s in samples[:: max(1, len(samples) // 8)]],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=1024, help="uncompressed dump size (default 1024)")
    ap.add_argument("--formats", default="jsonl", help="comma list of jsonl, json, jsonl.gz")
    ap.add_argument("--dir", help="where to write the dump (default: a new temp folder)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--reuse", action="store_true",
                    help="use a dump already in --dir instead of generating it (whatever its size)")
    ap.add_argument("--index", action="store_true", help="also time a `newsgrep index` run")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        measure(args.measure)
        return
    formats = args.formats.split(",")
    unknown = set(formats) - {"jsonl", "json", "jsonl.gz"}
    if unknown:
        sys.exit(f"unknown format(s): {', '.join(sorted(unknown))} (jsonl, json, jsonl.gz)")
    folder = args.dir or tempfile.mkdtemp(prefix="newsgrep-bench-")
    if os.path.commonpath([os.path.abspath(folder), REPO]) == REPO:
        sys.exit("write the dump outside the repository")
    os.makedirs(folder, exist_ok=True)
    try:
        for fmt in formats:
            path = os.path.join(folder, f"big.{fmt}")
            t0 = time.perf_counter()
            if args.reuse and os.path.exists(path):
                size = os.path.getsize(path)
                print(f"{fmt}: reusing {path} ({size / 2**20:,.0f} MB on disk)", flush=True)
            else:
                records, size = generate(path, args.size_mb * 1024 * 1024, fmt)
                on_disk = os.path.getsize(path)
                print(f"{fmt}: generated {records:,} records, {size / 2**20:,.0f} MB of JSON "
                      f"({on_disk / 2**20:,.0f} MB on disk) in {time.perf_counter() - t0:.1f} s",
                      flush=True)
            out = subprocess.run([sys.executable, __file__, "--measure", path],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout)
            mb = size / 2**20
            print(f"{fmt}: read {r['articles']:,} articles in {r['seconds']:.1f} s: "
                  f"{mb / r['seconds']:,.1f} MB/s, {r['articles'] / r['seconds']:,.0f} articles/s; "
                  f"RSS {r['rss_start_mb']:.0f} MB at start, peak {r['peak_rss_mb']:.0f} MB "
                  f"(samples {r['rss_samples_mb']}); {r['warnings']} warnings", flush=True)
            if args.index:
                sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
                from speed import run_measured
                ix = os.path.join(folder, f"index-{fmt}")
                shutil.rmtree(ix, ignore_errors=True)  # a fresh index, not an update of the last
                m = run_measured([sys.executable, "-m", "newsgrep", "index", path, "--index", ix,
                                  "-q"], watch=Path(ix))
                print(f"{fmt}: newsgrep index: {m['wall']:.1f} s wall, {m['cpu']:.1f} CPU-s, "
                      f"{mb / m['wall']:.1f} MB/s; peak RSS (indexer + workers) "
                      f"{m['rss'] / 2**20:.0f} MB; index {m['size'] / 2**20:.0f} MB", flush=True)
    finally:
        if not args.keep and not args.dir:
            shutil.rmtree(folder, ignore_errors=True)
        elif not args.keep:
            for fmt in formats:
                try:
                    os.remove(os.path.join(folder, f"big.{fmt}"))
                except OSError:
                    pass


if __name__ == "__main__":
    main()
