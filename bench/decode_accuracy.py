"""Accuracy and speed of encoding detection on Russian news, re-encoded at run time.

    python bench/decode_accuracy.py                  # 300 articles, all detectors found
    python bench/decode_accuracy.py -n 1000 --skip 7 # another sample (e.g. for tuning)

Articles come from ``../shared/corpus/articles/*.jsonl.gz`` (title, blank
line, body). Each is encoded in every code page -- typographic characters the
page lacks are replaced by ASCII ones first, as a real file in that page would
have them -- with the line endings such files had (cp1251/cp866 CRLF, Mac CR).
Each detector sees the first 40, 200 and 1000 bytes and the whole file (UTF-8
cut back to a whole character: a short file does not end inside one).

A detection counts as right when decoding the bytes with the name it gave
yields the same text as the true encoding does: lowercase-only cp1251 text
*is* MacCyrillic text too, and pure ASCII is valid in every page.

Detectors: newsgrep's ``decode_bytes``, charset-normalizer and chardet when
installed (``pip install charset-normalizer chardet``).
"""
from __future__ import annotations

import argparse
import codecs
import gzip
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsgrep.articles.decode import decode_bytes  # noqa: E402
from newsgrep.errors import ArticleError  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "articles"
LENGTHS = (40, 200, 1000, None)
# (encoding, newline) as such files usually came
ENCODINGS = (("utf-8", "\n"), ("cp1251", "\r\n"), ("koi8-r", "\n"),
             ("cp866", "\r\n"), ("mac-cyrillic", "\r"))
ASCII_FALLBACK = str.maketrans({"«": '"', "»": '"', "„": '"', "“": '"', "”": '"',
                                "‘": "'", "’": "'", "—": "-", "–": "-", "―": "-",
                                "…": "...", "\xa0": " ", "№": "N"})


def load_articles(n: int, skip: int) -> list[str]:
    """``n`` articles spread evenly over the corpus files, starting at ``skip``."""
    files = sorted(CORPUS.glob("*.jsonl.gz"))
    if not files:
        sys.exit(f"no corpus at {CORPUS}")
    per_file = -(-n // len(files))
    texts = []
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            records = [json.loads(line) for line in fh]
        step = max(1, len(records) // per_file)
        for rec in records[skip % step::step][:per_file]:
            text = f"{rec.get('title') or ''}\n\n{rec.get('text') or ''}".strip()
            if text:
                texts.append(text)
    return texts[:n]


def encode(text: str, encoding: str, newline: str) -> bytes:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        text = text.translate(ASCII_FALLBACK)
    return text.replace("\n", newline).encode(encoding, errors="replace")


def detect_newsgrep(data: bytes) -> str | None:
    try:
        return decode_bytes(data)[1]
    except ArticleError:
        return None


def detect_charset_normalizer(data: bytes) -> str | None:
    best = charset_normalizer.from_bytes(data).best()
    return best.encoding if best else None


def detect_chardet(data: bytes) -> str | None:
    return chardet.detect(data)["encoding"]


def decodes_alike(data: bytes, guess: str | None, truth: str) -> bool:
    if not guess:
        return False
    try:
        codecs.lookup(guess)
    except LookupError:
        return False
    want = data.decode(truth, errors="replace")
    if guess.replace("_", "-").lower() in ("utf-8-sig", "utf-8"):
        guess = "utf-8"
    return data.decode(guess, errors="replace") == want


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=300, help="articles (default 300)")
    ap.add_argument("--skip", type=int, default=0, help="offset of the sample")
    ap.add_argument("--only", help="comma-separated detectors to run")
    ap.add_argument("--errors", action="store_true", help="print wrong guesses")
    args = ap.parse_args()

    detectors = {"newsgrep": detect_newsgrep}
    global charset_normalizer, chardet
    try:
        import charset_normalizer
        detectors[f"charset-normalizer {charset_normalizer.__version__}"] = detect_charset_normalizer
    except ImportError:
        pass
    try:
        import chardet
        detectors[f"chardet {chardet.__version__}"] = detect_chardet
    except ImportError:
        pass
    if args.only:
        keep = args.only.split(",")
        detectors = {k: v for k, v in detectors.items() if k.split()[0] in keep}

    texts = load_articles(args.n, args.skip)
    print(f"{len(texts)} articles; the first 40/200/1000 bytes and the whole file "
          f"(median {sorted(len(t) for t in texts)[len(texts) // 2]} chars)\n")
    header = "| detector | encoding | " + " | ".join(
        f"{n} B" if n else "whole" for n in LENGTHS) + " | MB/s (whole) |"
    print(header)  # (MB/s: best of 3 runs over all the whole files)
    print("|" + "---|" * (header.count("|") - 1))
    for dname, detect in detectors.items():
        overall = [0] * len(LENGTHS)
        count = 0
        for enc, newline in ENCODINGS:
            files = [encode(t, enc, newline) for t in texts]
            right = []
            for n in LENGTHS:
                ok = 0
                for data in files:
                    sample = data[:n] if n else data
                    if enc == "utf-8":    # a short file ends with a whole character
                        sample = sample.decode(enc, errors="ignore").encode(enc)
                    guess = detect(sample)
                    if decodes_alike(sample, guess, enc):
                        ok += 1
                    elif args.errors:
                        print(f"  {dname} {enc} {n}: {guess!r} {sample[:60]!r}", file=sys.stderr)
                right.append(ok)
            for i, ok in enumerate(right):
                overall[i] += ok
            count += len(files)
            elapsed = best_of(3, lambda: [detect(data) for data in files])
            mb = sum(map(len, files)) / 1e6
            print(f"| {dname} | {enc} | " + " | ".join(f"{100 * ok / len(files):.1f}" for ok in right)
                  + f" | {mb / elapsed:.1f} |")
        print(f"| {dname} | **all** | " + " | ".join(f"**{100 * ok / count:.1f}**" for ok in overall)
              + " | |")

    # the cost of UTF-8, the common case, next to a bare bytes.decode
    files = [encode(t, "utf-8", "\n") for t in texts] * 10
    mb = sum(map(len, files)) / 1e6
    bare = best_of(5, lambda: [data.decode("utf-8") for data in files])
    ours = best_of(5, lambda: [decode_bytes(data) for data in files])
    print(f"\nUTF-8 files: bytes.decode {mb / bare:.0f} MB/s, decode_bytes {mb / ours:.0f} MB/s "
          f"({ours / bare:.2f}x the time)")
    for enc, newline in ENCODINGS[1:]:
        files = [encode(t, enc, newline) for t in texts]
        per_file = best_of(3, lambda: [decode_bytes(data) for data in files]) / len(files)
        big = b"\n\n".join(files)
        whole = best_of(3, lambda: decode_bytes(big))
        print(f"{enc}: {per_file * 1e6:.0f} us per article file "
              f"({sum(map(len, files)) / len(files) / 1e6 / per_file:.0f} MB/s); "
              f"one {len(big) / 1e6:.1f} MB file {len(big) / 1e6 / whole:.0f} MB/s")


def best_of(n: int, run) -> float:
    """The shortest of ``n`` timings of ``run()``: the least disturbed by other load."""
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
    return best

if __name__ == "__main__":
    main()
