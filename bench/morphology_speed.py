#!/usr/bin/env python3
"""Speed and memory of lemma mode against Snowball stemming, on the news corpus.

    python bench/morphology_speed.py [--articles N] [--whoosh N] [--repeat K]

Measures, with CPU time (time.process_time, so other load on the machine
matters less than it would with wall time):

1. start-up: a fresh interpreter importing pymorphy3 and building
   MorphAnalyzer (wall and CPU time, max RSS), against PyStemmer; a whole
   "query" (start-up + the terms of five words); and what forked workers
   that inherit a loaded analyzer own in memory;
2. analysis throughput on the corpus text (tokenise + per-word terms, each
   side with its own word cache): a cold pass (empty cache) and a warm pass;
3. the cache: entries, approximate memory, and how many misses a capped
   cache would take (the cap stops insertions; it never evicts);
4. with --whoosh N: end-to-end Whoosh indexing of N articles with each
   analyzer (tokenizer + lowercase + stem or lemma filter), in a temp dir.

Reads ../shared/corpus/articles/*.jsonl.gz (or --corpus GLOB).
"""
from __future__ import annotations

import argparse
import glob
import gzip
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from whoosh.analysis import Filter  # noqa: E402

from newsgrep import morphology  # noqa: E402
from morphology_variants import stemmer as stem_analyzer_factory  # noqa: E402

DEFAULT_CORPUS = os.path.join(ROOT, "..", "shared", "corpus", "articles", "*.jsonl.gz")


def load_texts(pattern: str, limit: int = 0) -> list[str]:
    texts = []
    for path in sorted(glob.glob(pattern)):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                texts.append((r.get("title") or "") + "\n" + (r.get("text") or ""))
                if limit and len(texts) >= limit:
                    return texts
    return texts


# ---------------------------------------------------------------- 1. start-up

STARTUP = {
    "python only": "pass",
    "PyStemmer": "import Stemmer; Stemmer.Stemmer('russian').stemWord('стали')",
    "import pymorphy3": "import pymorphy3",
    "MorphAnalyzer()": "import pymorphy3; pymorphy3.MorphAnalyzer(result_type=None).parse('стали')",
    "Lemmatizer()": "from newsgrep.morphology import Lemmatizer; Lemmatizer().terms('стали')",
    "query via newsgrep.morphology": (
        "from newsgrep.morphology import get_lemmatizer; L = get_lemmatizer(); "
        "[L.terms(w) for w in 'путин провел переговоры с байденом'.split()]"),
}
# peak RSS from /proc (VmHWM, KiB): ru_maxrss would include the forked parent before exec
PROBE = ("import sys, time; t0 = time.perf_counter(); c0 = time.process_time(); "
         "exec(sys.argv[1]); w = time.perf_counter() - t0; c = time.process_time() - c0; "
         "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')]; "
         "print(w, c, hwm[0] if hwm else 0)")


def measure_startup(repeat: int) -> None:
    print("== start-up (fresh interpreter; in-process time of the statement, and max RSS)")
    print("%-32s %10s %10s %10s %12s" % ("", "wall med ms", "wall min", "CPU med ms",
                                          "max RSS MB"))
    for name, stmt in STARTUP.items():
        times, cpus, rss = [], [], []
        for _ in range(repeat):
            out = subprocess.run([sys.executable, "-c", PROBE, stmt], cwd=ROOT, check=True,
                                 capture_output=True, text=True).stdout.split()
            times.append(float(out[0]) * 1000)
            cpus.append(float(out[1]) * 1000)
            rss.append(int(out[2]) / 1024)
        print("%-32s %10.1f %10.1f %10.1f %12.1f" % (
            name, statistics.median(times), min(times), statistics.median(cpus),
            statistics.median(rss)))
    # the whole process, as a shell script calling `newsgrep search` would see it
    walls = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", STARTUP["query via newsgrep.morphology"]],
                       cwd=ROOT, check=True)
        walls.append((time.perf_counter() - t0) * 1000)
    print("%-32s %10.1f %10.1f" % ("whole process, query (wall)", statistics.median(walls),
                                   min(walls)))
    walls = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        walls.append((time.perf_counter() - t0) * 1000)
    print("%-32s %10.1f %10.1f" % ("whole process, python only", statistics.median(walls),
                                   min(walls)))


def _rollup() -> dict[str, int]:
    out = {}
    with open("/proc/self/smaps_rollup") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) >= 3 and parts[0].endswith(":"):
                out[parts[0][:-1]] = int(parts[1]) // 1024
    return out


def measure_fork(texts: list[str], workers: int = 2) -> None:
    """Load the dictionary, fork workers that analyse text: what does each worker own?"""
    if not os.path.exists("/proc/self/smaps_rollup") or not hasattr(os, "fork"):
        return
    print("\n== fork after loading (Linux smaps_rollup, MB)")
    before = _rollup()
    lem = morphology.get_lemmatizer()
    lem.terms("стали")
    after = _rollup()
    print("parent: RSS %d -> %d, Private_Dirty %d -> %d" % (
        before["Rss"], after["Rss"], before["Private_Dirty"], after["Private_Dirty"]))
    chunk = texts[:200]
    procs = []
    for i in range(workers):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # worker: analyse its share of articles with the inherited analyzer
            os.close(r)
            for t in chunk[i::workers]:
                lem.analyse_text(t)
            m = _rollup()
            os.write(w, ("worker %d (%d articles): RSS %d, PSS %d, Private_Dirty %d, "
                         "cache %d words\n" % (i, len(chunk[i::workers]), m["Rss"], m["Pss"],
                                               m["Private_Dirty"], lem.cache_len)).encode())
            os._exit(0)
        os.close(w)
        procs.append((pid, r))
    for pid, r in procs:
        os.waitpid(pid, 0)
        print(os.read(r, 4096).decode().rstrip())
        os.close(r)


# ---------------------------------------------------------------- 2./3. throughput, cache

def _dawg_extension() -> bool:
    import pymorphy3.dawg
    return pymorphy3.dawg.EXTENSION_AVAILABLE


def cpu(fn, *args) -> float:
    t0 = time.process_time()
    fn(*args)
    return time.process_time() - t0


def run_all(analyse, texts) -> int:
    n = 0
    for t in texts:
        n += len(analyse(t))
    return n


def cache_bytes(cache: dict) -> int:
    """The dict, its keys, and each distinct term tuple and term string once."""
    n = sys.getsizeof(cache)
    seen: set[int] = set()
    for k, v in cache.items():
        n += sys.getsizeof(k)
        if id(v) not in seen:
            seen.add(id(v))
            n += sys.getsizeof(v)
            for t in v:
                if id(t) not in seen:
                    seen.add(id(t))
                    n += sys.getsizeof(t)
    return n


def measure_throughput(texts: list[str], repeat: int) -> None:
    tokens = [tok for t in texts for tok in morphology._WORD.findall(morphology.normalize(t))]
    ntok = len(tokens)
    print("\n== analysis throughput: %d articles, %d tokens, %.1f MB of text (CPU time)"
          % (len(texts), ntok, sum(map(len, texts)) / 1e6))

    # cold: a fresh analyzer each repeat; warm: the same analyzer again
    print("pymorphy3 DAWG C extension (DAWG2): %s" % _dawg_extension())
    res: dict[str, dict[str, list[float]]] = {"stem": {"cold": [], "warm": []},
                                             "lemma": {"cold": [], "warm": []}}
    lem = None
    for _ in range(repeat):
        for name in ("stem", "lemma"):  # interleaved, so drifting load hits both
            if name == "stem":
                a = stem_analyzer_factory()
            else:
                lem = morphology.Lemmatizer()
                a = lem.analyse_text
            res[name]["cold"].append(cpu(run_all, a, texts))
            res[name]["warm"].append(cpu(run_all, a, texts))
    print("%-8s %14s %14s %14s %14s" % ("", "cold s", "cold tok/s", "warm s", "warm tok/s"))
    for name in ("stem", "lemma"):
        c, w = min(res[name]["cold"]), min(res[name]["warm"])
        print("%-8s %14.2f %14.0f %14.2f %14.0f" % (name, c, ntok / c, w, ntok / w))
    for kind in ("cold", "warm"):
        print("lemma/stem throughput ratio, %s: %.2f" % (
            kind, min(res["stem"][kind]) / min(res["lemma"][kind])))

    assert lem is not None
    cache = lem._cache
    terms = sum(len(v) for v in cache.values())
    print("\n== cache after one pass: %d entries (%d misses), %.2f terms per entry, "
          "~%.0f MB (dict + keys + distinct tuples and strings)"
          % (len(cache), lem.misses, terms / len(cache), cache_bytes(cache) / 2**20))
    # per-miss cost: analyse every distinct word once, without the cache
    words = list(cache)
    t = cpu(lambda: [lem._analyse(morphology.normalize(w)) for w in words])
    print("per-miss cost (analysis of a distinct word): %.1f µs" % (1e6 * t / len(words)))
    # a capped cache (the Lemmatizer's policy: when full, drop the oldest quarter)
    print("%-12s %12s %12s" % ("cap", "misses", "miss rate"))
    for cap in (50_000, 100_000, 200_000, morphology.DEFAULT_CACHE_SIZE):
        seen: dict[str, None] = {}
        misses = 0
        for tok in tokens:
            if tok in seen:
                continue
            misses += 1
            if len(seen) >= cap:
                for old in list(itertools.islice(seen, cap // 4)):
                    del seen[old]
            seen[tok] = None
        print("%-12d %12d %12.4f" % (cap, misses, misses / ntok))


# ---------------------------------------------------------------- 4. whoosh

_TERM_FUNCS: dict = {}


class TermsFilter(Filter):
    """Replace each token by its terms (several terms share a position).

    Whoosh pickles the schema, so the filter holds only a name."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __call__(self, tokens):
        fn = _TERM_FUNCS[self.kind]
        for t in tokens:
            for term in fn(t.text):
                t.text = term
                yield t


def measure_whoosh(texts: list[str]) -> None:
    from whoosh import fields, index
    from whoosh.analysis import LowercaseFilter, RegexTokenizer

    lem = morphology.Lemmatizer()
    stem_cache: dict[str, tuple[str, ...]] = {}
    ru, en = morphology._stemmer("russian"), morphology._stemmer("english")

    def stem_terms(w: str) -> tuple[str, ...]:
        t = stem_cache.get(w)
        if t is None:
            n = morphology.normalize(w)
            t = stem_cache[w] = ((ru(n),) if morphology._CYRILLIC.fullmatch(n) else
                                 (en(n),) if morphology._LATIN.fullmatch(n) else (n,))
        return t

    print("\n== Whoosh indexing of %d articles (one writer, CPU time of the process)" % len(texts))
    _TERM_FUNCS.update(stem=stem_terms, lemma=lem.terms)
    out = {}
    for name in ("stem", "lemma"):
        an = RegexTokenizer(r"\w+(?:-\w+)*") | LowercaseFilter() | TermsFilter(name)
        schema = fields.Schema(body=fields.TEXT(analyzer=an, stored=True))
        with tempfile.TemporaryDirectory() as d:
            ix = index.create_in(d, schema)
            t0 = time.process_time()
            with ix.writer(limitmb=256) as w:
                for t in texts:
                    w.add_document(body=t)
            out[name] = time.process_time() - t0
            size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        print("%-6s %8.1f s  %8.1f articles/s  index %.1f MB" % (
            name, out[name], len(texts) / out[name], size / 2**20))
    print("lemma/stem indexing throughput ratio: %.2f" % (out["stem"] / out["lemma"]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--articles", type=int, default=0, help="limit (0 = all)")
    ap.add_argument("--whoosh", type=int, default=0, metavar="N",
                    help="also index N articles with Whoosh, each way")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-startup", action="store_true")
    args = ap.parse_args(argv)
    if not args.no_startup:
        measure_startup(max(args.repeat, 5))
    texts = load_texts(args.corpus, args.articles)
    if not texts:
        print("no articles at %s" % args.corpus, file=sys.stderr)
        return 2
    if not args.no_startup:
        measure_fork(texts)
    measure_throughput(texts, args.repeat)
    if args.whoosh:
        measure_whoosh(texts[:args.whoosh])
    return 0


if __name__ == "__main__":
    sys.exit(main())
