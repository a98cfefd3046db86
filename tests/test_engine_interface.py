"""The engine interface: the Whoosh engine implements it, and the generic indexing
pipeline drives any engine through it (here a small in-memory one)."""
from __future__ import annotations

import os

from newsgrep.engine import is_database_url, open_engine
from newsgrep.engine.base import Engine, EngineWriter, FileDocuments, FileState
from newsgrep.engine.whoosh import WhooshEngine
from newsgrep.indexing.generic import index_with_writer


class MemoryEngine:
    """Just what the generic pipeline uses: file states, a writer, a document count."""

    location = "memory"

    def __init__(self):
        self.files: dict[str, FileDocuments] = {}
        self.commits = 0

    def exists(self):
        return bool(self.commits)

    def file_states(self):
        return {p: f.state for p, f in self.files.items()}

    def doc_count(self):
        return sum(len(f.documents) for f in self.files.values())

    def writer(self, *, morphology, signature="", rebuild=False, wait=False):
        engine = self
        staged = {} if rebuild else dict(self.files)

        class Writer:
            def add_file(self, docs):
                staged[docs.state.path] = docs

            def delete_files(self, paths):
                for p in paths:
                    staged.pop(p, None)

            def commit(self):
                engine.files = dict(staged)
                engine.commits += 1

            def close(self):
                pass

        return Writer()


def test_each_engine_implements_the_interface(samples_archive, engine_name):
    engine = open_engine(samples_archive)
    assert isinstance(engine, Engine)
    assert isinstance(engine, WhooshEngine) == (engine_name == "whoosh")
    assert engine.exists() and engine.info().morphology in ("stem", "lemma")
    engine.close()
    assert is_database_url(samples_archive) == (engine_name == "postgres")
    assert is_database_url("postgresql://u@h/db") and not is_database_url("/some/folder")


def test_the_generic_pipeline_indexes_through_a_writer(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"{i}.txt").write_text(f"Заголовок {i}\n\nПро атаку {i}.\n", encoding="utf-8")
    engine = MemoryEngine()
    assert isinstance(engine.writer(morphology="stem"), EngineWriter)
    report = index_with_writer(engine, [docs])
    assert (report.added, report.articles, report.total) == (3, 3, 3)
    doc = engine.files[str(docs / "0.txt")].documents[0]
    assert doc.title == "Заголовок 0" and len(doc.id) == 16
    assert isinstance(engine.files[str(docs / "0.txt")].state, FileState)

    assert index_with_writer(engine, [docs]).unchanged == 3  # nothing changed: nothing read
    (docs / "1.txt").write_text("Другой\n\nПро снег.\n", encoding="utf-8")
    os.utime(docs / "1.txt", ns=(1, 1))
    (docs / "2.txt").unlink()
    report = index_with_writer(engine, [docs])
    assert (report.updated, report.removed, report.unchanged, report.total) == (1, 1, 1, 2)
    assert engine.files[str(docs / "1.txt")].documents[0].title == "Другой"
