#!/usr/bin/env python3
"""One search as a process: newsgrep against a Python process searching Tantivy, side by side.

    python bench/tantivy_compare.py --index /tmp/scale_bench/ix110k
    python bench/tantivy_compare.py --index DIR --word выборы --runs 21 \
        --newsgrep-python ../main/.venv/bin/python

The Tantivy index (``pip install -e '.[bench]'``: the ``tantivy`` package) is
built once from the same articles (the newsgrep archive's stored path, title,
body and date of each article, so both search the same text), under
``--tantivy`` (default ``/tmp/startup/tantivy-<archive name>``), with
Tantivy's Russian Snowball stemmer (``Filter.stemmer("russian")`` after its
simple tokenizer and lower-casing; newsgrep's stem mode is Snowball too).

Then, as processes, round-robin ``--runs`` times, each with its output to a
pipe (bytecode cached, as an installed package has it):

* ``python -c pass`` (the interpreter's own start-up);
* ``newsgrep --version``;
* ``newsgrep search WORD -n 10`` (10 hits, highlighted snippets, plain text);
* ``python -c ...`` that opens the Tantivy index and prints 10 hits for
  WORD in title (boost 2) or body, each with its title, path and a
  highlighted body snippet.

``--newsgrep-python PY`` runs newsgrep with another interpreter (another
checkout's virtualenv, such as the main branch's ``.venv/bin/python``, to
compare before and after a change; ``PYTHONPATH`` does not reach past an
editable install). Markdown on stdout: the median and the fastest of each,
and newsgrep/Tantivy.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
PY = sys.executable

#: The Python process that searches Tantivy: argv[1] the index folder, argv[2] the word.
TANTIVY_SEARCH = r"""
import sys, tantivy
ix = tantivy.Index.open(sys.argv[1])
ix.register_tokenizer("ru", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.stemmer("russian")).build())
searcher = ix.searcher()
query = ix.parse_query(sys.argv[2], ["title", "body"], field_boosts={"title": 2.0})
snippets = tantivy.SnippetGenerator.create(searcher, query, ix.schema, "body")
snippets.set_max_num_chars(300)
out = []
for score, address in searcher.search(query, 10).hits:
    doc = searcher.doc(address)
    s = snippets.snippet_from_doc(doc)
    text, pos, parts = s.fragment().encode(), 0, []  # (highlights: byte offsets)
    for r in s.highlighted():
        parts += [text[pos:r.start], b"\x1b[1m", text[r.start:r.end], b"\x1b[0m"]
        pos = r.end
    parts.append(text[pos:])
    snippet = b"".join(parts).decode()
    out.append(f"{doc['title'][0]}\n{doc['date'][0]} · {doc['path'][0]}\n  {snippet}\n")
sys.stdout.write("\n".join(out))
"""


def analyzer():
    import tantivy

    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.stemmer("russian")).build())


def build(archive: Path, target: Path) -> tuple[int, float]:
    """Index the archive's articles into Tantivy at ``target``: (articles, seconds)."""
    import tantivy

    from newsgrep.engine.whoosh.schema import open_index

    target.mkdir(parents=True, exist_ok=True)
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("path", stored=True, tokenizer_name="raw")
    sb.add_text_field("title", stored=True, tokenizer_name="ru")
    sb.add_text_field("body", stored=True, tokenizer_name="ru")
    sb.add_text_field("date", stored=True, tokenizer_name="raw")
    ix = tantivy.Index(sb.build(), path=str(target))
    ix.register_tokenizer("ru", analyzer())
    writer = ix.writer(200_000_000, 1)
    t = time.perf_counter()
    n = 0
    wix, _ = open_index(archive)
    with wix.searcher() as s:
        for st in s.all_stored_fields():
            date = st.get("date")
            writer.add_document(tantivy.Document(
                path=st.get("path", ""), title=st.get("title", ""), body=st.get("body", ""),
                date=date.strftime("%Y-%m-%d") if date else ""))
            n += 1
    writer.commit()
    writer.wait_merging_threads()
    return n, time.perf_counter() - t


def run(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the process, its stdout) of one run, output to a pipe."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert p.returncode == 0, (cmd, p.stderr.decode())
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, p.stdout.decode()


def main() -> None:
    from batch import bench_env

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="a newsgrep archive folder")
    ap.add_argument("--tantivy", type=Path, help="the Tantivy index folder (built if absent)")
    ap.add_argument("--word", default="выборы", help="the single-word query")
    ap.add_argument("--runs", type=int, default=15, help="runs of each process")
    ap.add_argument("--before", metavar="PY",
                    help="also run newsgrep with this interpreter (another checkout's "
                         "virtualenv, e.g. the main branch's .venv/bin/python), as 'before'")
    args = ap.parse_args()
    archive = args.index.resolve()
    target = (args.tantivy or Path("/tmp/startup") / f"tantivy-{archive.name}").resolve()
    if not (target / "meta.json").exists():
        n, secs = build(archive, target)
        print(f"(Tantivy index of {n} articles built in {secs:.0f} s at {target})\n",
              file=sys.stderr)

    env = bench_env(NEWSGREP_INDEX=str(archive))
    search = ["search", args.word, "-n", "10"]
    procs = {"`python -c pass`": [PY, "-c", "pass"]}
    for python, tag in ([args.before, " (before)"], [PY, ""]) if args.before else ([PY, ""],):
        procs[f"`newsgrep --version`{tag}"] = [python, "-m", "newsgrep", "--version"]
        procs[f"`newsgrep search {args.word} -n 10`{tag}"] = [python, "-m", "newsgrep", *search]
    tantivy = "Tantivy from Python, 10 hits + snippets"
    procs[tantivy] = [PY, "-c", TANTIVY_SEARCH, str(target), args.word]
    walls: dict[str, list[float]] = {k: [] for k in procs}
    cpus: dict[str, list[float]] = {k: [] for k in procs}
    outputs: dict[str, str] = {}
    for cmd in procs.values():  # (bytecode cached, files in the page cache)
        run(cmd, env)
    for _ in range(args.runs):
        for label, cmd in procs.items():
            wall, cpu, outputs[label] = run(cmd, env)
            walls[label].append(wall * 1000)
            cpus[label].append(cpu * 1000)
    print(f"## One search as a process: newsgrep and Tantivy ({archive})\n")
    print(f"{args.runs} runs each, round-robin, output to a pipe; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the end.\n")
    print("| process | median ms | fastest ms | median CPU ms | hits printed |")
    print("|---|---:|---:|---:|---:|")
    med = {k: statistics.median(v) for k, v in walls.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    for label in procs:
        hits = sum(1 for line in outputs[label].splitlines() if " · " in line)
        print(f"| {label} | {med[label]:.0f} | {min(walls[label]):.0f} | {cpu[label]:.0f} "
              f"| {hits} |")
    print()
    for label in procs:
        if label.startswith("`newsgrep search"):
            print(f"- {label}/Tantivy: {med[label] / med[tantivy]:.2f}x (median wall), "
                  f"{cpu[label] / cpu[tantivy]:.2f}x (median CPU)")


if __name__ == "__main__":
    main()
