#!/usr/bin/env python3
"""Query guards: broad, malformed and huge queries must end fast, with exit 0, 1 or 2.

    python bench/query_guards.py --index /tmp/ix11k [--repeat 3]

Runs each query as a ``newsgrep search QUERY -c`` process (with ``--hits``:
``--json``, ten highlighted hits) against the index
and prints, per query, the exit status, the median wall time, the CPU time of
the process (user + system; on a busy machine wall time is mostly waiting),
what it printed and the first line of stderr. A traceback or a time over
``--budget`` seconds is flagged. The queries: ``*``, one-letter wildcards,
leading wildcards, fuzzy terms of short and long words, ``~3``, unbalanced
brackets and quotes, a 10,240-letter word, 10 KB of article text, 6,000
characters of nested groups, and 20 and 60 misspelt words; did-you-mean runs on
the ones that find nothing.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def queries(sample_text: str) -> list[tuple[str, str]]:
    rnd = random.Random(1)
    words = sample_text.split()
    ten_kb = ""
    while len(ten_kb.encode("utf-8")) < 10240:
        ten_kb += rnd.choice(words) + " "
    ten_kb = ten_kb.encode("utf-8")[:10240].decode("utf-8", "ignore")
    return [
        ("*", "*"), ("а*", "а*"), ("*а", "*а"), ("а?", "а?"), ("*ция", "*ция"),
        ("при*", "при*"), ("атак*", "атак*"), ("ум~2", "ум~2"), ("атака~3", "атака~3"),
        ("призидент~", "призидент~"), ("призидент~2", "призидент~2"),
        ("(((атака", "(((атака"), ('"здание полиции', '"здание полиции'),
        ("10240 × а", "а" * 10240),
        ("10 KB of text", ten_kb),
        ("10 KB of words", " ".join(w for w in ten_kb.split() if w.isalpha())),
        ("10 KB of one word", " ".join(["атака"] * 1700)),
        ("6000 chars of groups", " ".join(["атака OR (штурм AND полиция)"] * 215)),
        ("did you mean: fnfrf", "fnfrf"), ("did you mean: призидент", "призидент"),
        ("did you mean: almaty", "almaty"),
        ("did you mean: 20 misspelt words", " ".join(MISSPELT)),
        ("did you mean: 60 misspelt words", " ".join(
            MISSPELT + [w[:-1] + "ь" for w in MISSPELT] + [w[:-1] + "ы" for w in MISSPELT])),
    ]


# Issue 16: did-you-mean used to build every combination of these words' corrections.
MISSPELT = ("москвъ россиъ президенъ правительствъ министръ компаниъ решениъ вопросъ работъ "
            "деньгъ проектъ регионъ городъ странъ неделъ годъ рынкъ банкъ ценъ войнъ").split()


def run_once(script: str, index: str, query: str, hits: bool) -> tuple[int, float, float, str, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    mode = ["--json"] if hits else ["-c"]
    proc = subprocess.run([script, "search", query, *mode, "--index", index],
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc.returncode, wall, cpu, proc.stdout.strip(), proc.stderr


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", required=True, help="index to query (e.g. of the 11k corpus)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--budget", type=float, default=1.0, help="seconds a query may take")
    ap.add_argument("--text", default=None, help="a text file to cut the 10 KB query from")
    ap.add_argument("--hits", action="store_true",
                    help="print 10 highlighted hits (--json) instead of counting (-c)")
    args = ap.parse_args()
    script = shutil.which("newsgrep", path=os.path.dirname(sys.executable)) or "newsgrep"
    text = Path(args.text).read_text(encoding="utf-8") if args.text else (
        "Правоохранительные органы Киргизии обнаружили в доме пулеметы автоматы и снайперские "
        "винтовки сообщает пресс-служба МВД в ходе оперативно-профилактического мероприятия ")
    print(f"{'query':<26} {'exit':>4} {'wall s':>7} {'cpu s':>6}  output / stderr")
    bad = 0
    for name, q in queries(text):
        runs = [run_once(script, args.index, q, args.hits) for _ in range(args.repeat)]
        code, _, _, out, err = runs[-1]
        wall = statistics.median(r[1] for r in runs)
        cpu = statistics.median(r[2] for r in runs)
        flag = ""
        if "Traceback" in err or code not in (0, 1, 2):
            flag, bad = " TRACEBACK/CRASH", bad + 1
        elif cpu > args.budget:
            flag, bad = " SLOW", bad + 1
        first = (err.splitlines() or [""])[0]
        shown = str(len(out.splitlines())) + " hits" if args.hits and code == 0 else out[:8]
        print(f"{name:<26} {code:>4} {wall:>7.2f} {cpu:>6.2f}  {shown:<8} {first[:110]}{flag}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
