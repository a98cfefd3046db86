#!/usr/bin/env python3
"""How each cost grows with the archive: several archives side by side, as processes.

    python bench/scale.py --index /tmp/scale_bench/ix11k --index /tmp/scale_bench/ix110k
    python bench/scale.py --index A --index B --code before=/work/main --code after=.
    python bench/scale.py --index A --index B --index C \\
        --build-figures ix1100k=/tmp/scale_bench/build1m.json

Every cost is a new ``newsgrep`` process (bytecode cached, see ``batch.bench_env``;
one warm-up run, then the median of ``--repeat``), run with the code of each
``--code LABEL=DIR`` checkout (default: this one) on each ``--index``, the
checkouts' runs interleaved so that a load on the machine falls on each alike;
wall time and CPU time (user + system, from ``wait4``: less hurt by other
processes on a busy machine) in two tables:

* ``search`` of the fixed queries of ``bench/speed.py`` (common word, rare word,
  two words, phrase, field, no hit) plus a phrase of two common words, a
  wildcard, a fuzzy word, ``--sort newest`` and a date range (10 hits with
  snippets, to a pipe): each query's median, and their median and worst;
* ``-c``, ``--timeline``, ``-c --by source``, and counting stories (``-c
  --unique``, ``--timeline --unique``) of a word found in about 40% of the
  articles (chosen on the first archive from a few common words by their
  counts: the same word on every archive);
* ``stats``, ``show ID``, ``similar ID`` and ``reprints ID`` (ID: the first hit of
  the rare word), and ``-l`` of the two-common-word phrase (the files of all its
  matches);
* the peak RSS of the search processes (``wait4``'s ``ru_maxrss``, the largest);
* build figures read from ``--build-figures LABEL=FILE`` (LABEL: an archive's
  folder name; FILE: JSON of steps, each with wall, cpu, rss, pss, temp, size, as
  ``speed.run_measured`` gives them; or a log with a ``real XmY.Zs`` line: the
  full build's wall time).

Between consecutive archives (n1 < n2 articles) each cost's growth exponent
``log(t2/t1) / log(n2/n1)`` is printed: 0 flat, 1 linear. Markdown on stdout.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from batch import bench_env  # noqa: E402
from speed import QUERIES  # noqa: E402

#: Common words, one of which is in about 40% of the articles (the one nearest is used).
COMMON_CANDIDATES = ("получить", "сейчас", "вопрос", "сторона", "начать", "последний")
EXTRA_QUERIES = [  # (label, arguments after `search`)
    ("two-common-word phrase", ['"заявил в"']),
    ("wildcard", ["санкци*"]),
    ("fuzzy word", ["призидент~"]),
    ("--sort newest", ["санкции", "--sort", "newest"]),
    ("date range", ["санкции", "--since", "2018-01-01", "--until", "2023-12-31"]),
]
SEARCHES = [(label, [q]) for label, q, _ in QUERIES] + EXTRA_QUERIES
PHRASE = EXTRA_QUERIES[0][1][0]  # (-l lists the files of every match)


def run_rss(code: Path, args: list[str]) -> tuple[float, int, str, float]:
    """``newsgrep ARGS`` with the code of ``code``: (seconds, peak RSS bytes from
    ``wait4``, stdout, CPU seconds)."""
    env = bench_env(PYTHONPATH=str(code), NEWSGREP_CONFIG=os.devnull)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "newsgrep", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env, cwd=code)
    chunks = []
    assert proc.stdout is not None
    for chunk in iter(lambda: proc.stdout.read(65536), b""):  # type: ignore[union-attr]
        chunks.append(chunk)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"newsgrep {' '.join(args)} failed ({proc.returncode})")
    return (elapsed, usage.ru_maxrss * 1024, b"".join(chunks).decode(),
            usage.ru_utime + usage.ru_stime)


def measure(codes: list[tuple[str, Path]], args: list[str],
            repeat: int) -> dict[str, tuple[float, float, int]]:
    """Per code label: (median wall seconds, median CPU seconds, largest peak RSS) of
    ``repeat`` runs after one warm-up, the codes' runs interleaved (a load on the
    machine falls on each alike)."""
    for _, code in codes:
        run_rss(code, args)
    runs: dict[str, list[tuple[float, int, float]]] = {label: [] for label, _ in codes}
    for _ in range(repeat):
        for label, code in codes:
            t, rss, _, cpu = run_rss(code, args)
            runs[label].append((t, rss, cpu))
    return {label: (statistics.median(r[0] for r in rs), statistics.median(r[2] for r in rs),
                    max(r[1] for r in rs)) for label, rs in runs.items()}


def articles(code: Path, index: Path) -> int:
    _, _, out, _ = run_rss(code, ["stats", "--json", "--index", str(index)])
    return int(json.loads(out)["articles"])


def count(code: Path, index: Path, query: str) -> int:
    _, _, out, _ = run_rss(code, ["search", query, "-c", "--index", str(index)])
    return int(out.strip() or 0)


def first_id(code: Path, index: Path, query: str) -> str:
    _, _, out, _ = run_rss(code, ["search", query, "--json", "-n", "1", "--index",
                                  str(index)])
    return str(json.loads(out.splitlines()[0])["id"])


def read_build(path: Path) -> dict[str, dict[str, float]]:
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError:
        m = re.search(r"real\s+(?:(\d+)m)?([\d.]+)s", text)
        return {"full build": {"wall": int(m.group(1) or 0) * 60 + float(m.group(2))}} if m else {}


def exponent(t1: float | None, t2: float | None, n1: int, n2: int) -> str:
    if not t1 or not t2 or n1 == n2:
        return ""
    return f"{math.log(t2 / t1) / math.log(n2 / n1):.2f}"


def print_table(values: dict[tuple[str, Path, str], float], rows: list[tuple[str, str]],
                indexes: list[Path], sizes: dict[Path, int], codes: list[tuple[str, Path]]) -> None:
    head = ["cost", "unit"]
    for ix in indexes:
        head += [f"{ix.name} ({sizes[ix]:,}) {c}" if len(codes) > 1 else f"{ix.name} ({sizes[ix]:,})"
                 for c, _ in codes]
    for a, b in zip(indexes, indexes[1:]):
        head += [f"exp {a.name}→{b.name}" + (f" {c}" if len(codes) > 1 else "") for c, _ in codes]
    print("| " + " | ".join(head) + " |")
    print("|---|---|" + "---:|" * (len(head) - 2))
    for label, unit in rows:
        cells = [label, unit]
        for ix in indexes:
            for c, _ in codes:
                v = values.get((label, ix, c))
                cells.append("" if v is None else f"{v:.3f}" if unit == "s" else f"{v:.0f}")
        for a, b in zip(indexes, indexes[1:]):
            for c, _ in codes:
                cells.append(exponent(values.get((label, a, c)), values.get((label, b, c)),
                                      sizes[a], sizes[b]))
        print("| " + " | ".join(cells) + " |")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, action="append", required=True,
                    help="an archive (repeat, smallest first)")
    ap.add_argument("--code", action="append", default=[],
                    help="LABEL=DIR: a newsgrep checkout to run (repeat) [default: this one]")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--word", help="the ~40%% word [default: chosen by its counts]")
    ap.add_argument("--build-figures", action="append", default=[], metavar="LABEL=FILE")
    ap.add_argument("--skip", action="append", default=[], metavar="COST",
                    help="leave out the costs whose label holds COST (e.g. stats)")
    args = ap.parse_args()
    codes = [(c.partition("=")[0], Path(c.partition("=")[2]).resolve()) for c in args.code] \
        or [("this", REPO)]
    indexes = [p.resolve() for p in args.index]
    ref_code = codes[-1][1]
    sizes = {ix: articles(ref_code, ix) for ix in indexes}
    indexes.sort(key=lambda ix: sizes[ix])
    word = args.word
    if word is None:
        n0 = sizes[indexes[0]]
        shares = {w: count(ref_code, indexes[0], w) / n0 for w in COMMON_CANDIDATES}
        word = min(shares, key=lambda w: abs(shares[w] - 0.4))
    rare = QUERIES[1][1]
    ids = {ix: first_id(ref_code, ix, rare) for ix in indexes}

    rows: list[tuple[str, str]] = [(label, "s") for label, _ in SEARCHES]
    rows += [("search: median of the queries", "s"), ("search: worst query", "s"),
             ("search: peak RSS", "MB"),
             (f"`-c` {word}", "s"), (f"`--timeline` {word}", "s"),
             (f"`-c --by source` {word}", "s"), (f"`-c --unique` {word}", "s"),
             (f"`--timeline --unique` {word}", "s"), ("`stats`", "s"), ("`show ID`", "s"),
             ("`similar ID`", "s"), ("`reprints ID`", "s"), (f"`-l` {PHRASE}", "s")]
    values: dict[tuple[str, Path, str], float] = {}
    cpu: dict[tuple[str, Path, str], float] = {}
    for ix in indexes:
        where = ["--index", str(ix)]
        jobs = [(label, ["search", *q, *where]) for label, q in SEARCHES]
        jobs += [(f"`-c` {word}", ["search", word, "-c", *where]),
                 (f"`--timeline` {word}", ["search", word, "--timeline", *where]),
                 (f"`-c --by source` {word}", ["search", word, "-c", "--by", "source", *where]),
                 (f"`-c --unique` {word}", ["search", word, "-c", "--unique", *where]),
                 (f"`--timeline --unique` {word}",
                  ["search", word, "--timeline", "--unique", *where]),
                 ("`stats`", ["stats", *where]), ("`show ID`", ["show", ids[ix], *where]),
                 ("`similar ID`", ["similar", ids[ix], *where]),
                 ("`reprints ID`", ["reprints", ids[ix], *where]),
                 (f"`-l` {PHRASE}", ["search", PHRASE, "-l", *where])]
        times: dict[str, list[float]] = {c: [] for c, _ in codes}
        cpus: dict[str, list[float]] = {c: [] for c, _ in codes}
        peak = {c: 0 for c, _ in codes}
        for label, cmd in jobs:
            if any(skip in label for skip in args.skip):
                continue
            for clabel, (t, c, rss) in measure(codes, cmd, args.repeat).items():
                values[(label, ix, clabel)], cpu[(label, ix, clabel)] = t, c
                if cmd[0] == "search" and label in dict(SEARCHES):
                    times[clabel].append(t)
                    cpus[clabel].append(c)
                    peak[clabel] = max(peak[clabel], rss)
        for clabel, _ in codes:
            if times[clabel]:
                for table, got in ((values, times[clabel]), (cpu, cpus[clabel])):
                    table[("search: median of the queries", ix, clabel)] = statistics.median(got)
                    table[("search: worst query", ix, clabel)] = max(got)
                values[("search: peak RSS", ix, clabel)] = peak[clabel] / 2**20
        print(f"(measured {ix.name})", file=sys.stderr, flush=True)

    builds = {}
    for spec in args.build_figures:
        label, _, path = spec.partition("=")
        builds[label] = read_build(Path(path))
    build_rows: list[tuple[str, str]] = []
    units = {"wall": ("s", 1), "cpu": ("s", 1), "rss": ("MB", 2**20), "pss": ("MB", 2**20),
             "temp": ("MB", 2**20), "size": ("MB", 2**20)}
    for steps in builds.values():
        for step, figs in steps.items():
            for key in units:
                if key in figs and (f"{step}: {key}", units[key][0]) not in build_rows:
                    build_rows.append((f"{step}: {key}", units[key][0]))
    for ix in indexes:
        for step, figs in builds.get(ix.name, {}).items():
            for key, (unit, div) in units.items():
                if key in figs:
                    for clabel, _ in codes:
                        values[(f"{step}: {key}", ix, clabel)] = figs[key] / div

    for title, table in (("wall time", values), ("CPU time (user + system)", cpu)):
        print(f"## Costs by archive size: {title} (median of {args.repeat} processes; "
              f"the 40% word: {word}; ID: first hit of {rare})\n")
        print_table(table if table is values else {**values, **table}, rows + build_rows,
                    indexes, sizes, codes)
    print("\nexp: log(t2/t1) / log(n2/n1) between consecutive archives (0: flat, 1: linear).")
    print("Queries: " + "; ".join(f"{label}: `{' '.join(q)}`" for label, q in SEARCHES))


if __name__ == "__main__":
    main()
