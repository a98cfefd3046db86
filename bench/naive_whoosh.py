#!/usr/bin/env python3
"""The baseline: a straightforward Whoosh app over the same files, as Whoosh's docs teach it.

    python bench/naive_whoosh.py index FOLDER --index DIR     # full build, or incremental
    python bench/naive_whoosh.py search QUERY --index DIR     # 10 hits with highlights

Schema title/body/path/date (stored), LanguageAnalyzer('ru'), one writer
(``ix.writer()``), a file's first line is its title, a date on its second
line its date, the rest its body. Incremental runs follow Whoosh's
"incremental indexing" recipe: the stored path and mtime of every document
are compared with the files, changed ones are updated, vanished ones
deleted. Used by bench/speed.py as the reference, never by newsgrep.
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime


def schema():
    from whoosh.analysis import LanguageAnalyzer
    from whoosh.fields import DATETIME, ID, STORED, TEXT, Schema

    ru = LanguageAnalyzer("ru")
    return Schema(path=ID(stored=True, unique=True), mtime=STORED(),
                  title=TEXT(analyzer=ru, stored=True), body=TEXT(analyzer=ru, stored=True),
                  date=DATETIME(stored=True))


def files(folder: str):
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            if name.endswith(".txt"):
                yield os.path.join(root, name)


def document(path: str) -> dict:
    with open(path, encoding="utf-8", errors="replace") as fh:
        title, _, rest = fh.read().partition("\n")
    first, _, body = rest.partition("\n")
    doc = {"path": path, "mtime": os.path.getmtime(path), "title": title.strip(), "body": body}
    try:
        doc["date"] = datetime.fromisoformat(first.strip()[:10])
    except ValueError:
        doc["body"] = rest
    return doc


def index(folder: str, directory: str) -> None:
    from whoosh import index as windex

    folder = os.path.abspath(folder)
    if not windex.exists_in(directory):
        os.makedirs(directory, exist_ok=True)
        ix = windex.create_in(directory, schema())
        with ix.writer() as w:
            for path in files(folder):
                w.add_document(**document(path))
        return
    ix = windex.open_dir(directory)
    indexed, to_index = set(), set()
    with ix.searcher() as s:
        writer = ix.writer()
        for fields in s.all_stored_fields():
            path = fields["path"]
            indexed.add(path)
            if not os.path.exists(path):
                writer.delete_by_term("path", path)
            elif os.path.getmtime(path) > fields["mtime"]:
                writer.delete_by_term("path", path)
                to_index.add(path)
        for path in files(folder):
            if path in to_index or path not in indexed:
                writer.add_document(**document(path))
        writer.commit()


def search(query: str, directory: str) -> int:
    from whoosh import index as windex
    from whoosh.qparser import MultifieldParser

    ix = windex.open_dir(directory)
    with ix.searcher() as s:
        q = MultifieldParser(["title", "body"], ix.schema).parse(query)
        results = s.search(q, limit=10)
        for hit in results:
            print(hit["title"])
            print(hit.get("date") or "", hit["path"])
            print("  " + hit.highlights("body").replace("\n", " "))
            print()
        return 0 if results else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["index", "search"])
    ap.add_argument("arg")
    ap.add_argument("--index", required=True)
    args = ap.parse_args()
    if args.command == "index":
        index(args.arg, args.index)
        return 0
    return search(args.arg, args.index)


if __name__ == "__main__":
    sys.exit(main())
