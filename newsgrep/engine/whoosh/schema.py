"""The Whoosh schema, the archive folder's own metadata, and opening a Whoosh index.

Both the writer (``indexing``) and the reader (``searching``) import this
small module, so a search never loads the writer's code.
"""
from __future__ import annotations

import json
import os
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ...articles.model import Article

from ...errors import IndexCorrupt, IndexNotFound
from ..base import (DEFAULT_MORPHOLOGY, NO_AUTHORS, TEXT_FIELDS, TITLE_BOOST,  # noqa: F401
                    article_id)

# 3: no exact-form fields; each segment has a form index beside it (see forms.py)
SCHEMA_VERSION = 3
META_FILE = "newsgrep.json"
ENV_INDEX = "NEWSGREP_INDEX"
INDEX_NAME = "MAIN"  # (Whoosh's index name: _MAIN_N.toc, MAIN_x.seg ...)
# The fields whose words as written (=word, wildcards, did-you-mean) each
# segment's form index holds.
FORM_FIELDS = TEXT_FIELDS


def index_dir(option: str | os.PathLike | None = None, archive: str | None = None) -> Path:
    """The archive's folder, absolute: ``--index DIR`` (or ``--archive NAME``), else
    ``$NEWSGREP_INDEX``, else the config file's ``archive``, else one per user in the
    platform's data folder (see :mod:`newsgrep.config`)."""
    from ...config import locate

    return locate(option, archive).path


@dataclass
class IndexMeta:
    """What newsgrep records about an index beside Whoosh's own files."""

    schema_version: int = SCHEMA_VERSION
    morphology: str = "stem"
    # lemma mode: the lemmatizer's signature (pymorphy3, dictionary, settings); the
    # schema's analyzer holds it too, committed with the segments
    morphology_signature: str = ""
    roots: list[str] = field(default_factory=list)
    # --exclude/--include patterns, applied to the roots on every run (see ignore.py)
    excludes: list[str] = field(default_factory=list)
    includes: list[str] = field(default_factory=list)
    created: str = ""
    updated: str = ""
    # whether the schema keeps authors (recorded by each run; None: not recorded, the
    # schema tells), so that an archive's info needs no Whoosh import
    authors: bool | None = None

    @classmethod
    def load(cls, directory: Path) -> IndexMeta:
        try:
            data = json.loads((directory / META_FILE).read_text(encoding="utf-8",
                                                              errors="surrogateescape"))
        except FileNotFoundError:
            raise IndexNotFound(_not_found(directory)) from None
        except (OSError, ValueError) as e:
            raise IndexCorrupt(f"cannot read {directory / META_FILE}: {e}; repair it with: "
                               f"newsgrep index --rebuild PATH... --index {directory}") from None
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def save(self, directory: Path) -> None:
        """Write atomically: a crash leaves the old file or the new one, never half of one."""
        tmp = directory / (META_FILE + ".tmp")
        # (errors: a root whose name is not UTF-8 is written as its bytes)
        with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(json.dumps(asdict(self), ensure_ascii=False, indent=1))
            fh.flush()
            os.fsync(fh.fileno())  # (a rename of unflushed data may leave an empty file)
        os.replace(tmp, directory / META_FILE)


def _not_found(directory: Path) -> str:
    from ...config import naming_option

    where = naming_option(directory)
    message = f"no index at {directory} (build one with: newsgrep index PATH...{' ' + where if where else ''})"
    if not where and (Path("index") / META_FILE).is_file():
        # ./index was the default before the per-user archive
        message += "; ./index holds one from an older newsgrep: --index ./index"
    return message


def _positions_format():
    """Whoosh's Positions format, with positions stored as 4-byte integers.

    Whoosh encodes each posting's positions as a pickled list behind a
    4-byte count (14 bytes for one position); this stores them as an array of
    unsigned 32-bit integers, little-endian (4 bytes for one position), which
    is written and read with one C call and compresses well in blocks.
    """
    from array import array
    import sys

    from whoosh import formats

    swap = sys.byteorder != "little"

    class Positions32(formats.Positions):
        def encode(self, poslist):
            a = array("I", poslist)
            if swap:
                a.byteswap()
            return a.tobytes()

        def decode_positions(self, valuestring):
            a = array("I")
            a.frombytes(valuestring)
            if swap:
                a.byteswap()
            return a.tolist()

        def decode_frequency(self, valuestring):
            return len(valuestring) >> 2

    Positions32.__module__ = "newsgrep.schema"  # the name pickled schemas give it
    Positions32.__qualname__ = "Positions32"
    return Positions32


def __getattr__(name):
    # The schema is pickled into the index, and with it this format's class:
    # unpickling finds it here (built on first use, so that importing this
    # module stays free of Whoosh).
    if name == "Positions32":
        # Built once: a second class of the same name could not be pickled.
        return globals().setdefault("Positions32", _positions_format())
    raise AttributeError(name)


def build_schema(morphology: str = "stem", signature: str | None = None):
    """The Whoosh schema for an index built with the given morphology.

    ``signature``: lemma mode's lemmatizer signature, recorded in the analyzer.
    """
    from whoosh import fields, formats
    from whoosh.analysis import LowercaseFilter, RegexTokenizer

    from .analyzer import NewsAnalyzer

    text = NewsAnalyzer(morphology, signature if morphology == "lemma" else None)
    # path:seed, path:2022 — path components, lower-cased, never stemmed.
    path_analyzer = RegexTokenizer(r"[^\W_]+") | LowercaseFilter()
    schema = fields.Schema(
        # the id column: the ids of many matches (counting stories, ``--unique``) are
        # read from it, not from each article's stored fields (see has_id_column)
        # (variable bytes: an id of another shape, e.g. written by a test, fits too)
        id=fields.ID(stored=True, unique=True, sortable=True),
        # The file an article came from, exactly: incremental runs delete by it.
        # (The incremental state itself is a sidecar file, see indexing.py.)
        file=fields.ID(),
        key=fields.STORED(),
        path=fields.TEXT(analyzer=path_analyzer, stored=True, phrase=True),
        title=fields.TEXT(analyzer=text, stored=True, phrase=True),
        body=fields.TEXT(analyzer=text, stored=True, phrase=True),
        date=fields.DATETIME(stored=True, sortable=True),
        source=fields.TEXT(analyzer=text, stored=True, sortable=True),
        # «Анастасия Силкина, Юлия Зачетова»; an index built before it has none (see
        # has_authors)
        author=fields.TEXT(analyzer=text, stored=True, sortable=True),
        source_raw=fields.STORED(),  # the source as the file gave it
        section=fields.TEXT(analyzer=text, stored=True, sortable=True),
        tags=fields.KEYWORD(stored=True, commas=True, lowercase=True),
        url=fields.STORED(),
        lead=fields.STORED(),
        encoding=fields.STORED(),
        format=fields.STORED(),
        size=fields.STORED(),
        mtime=fields.STORED(),  # st_mtime_ns
    )
    positions = __getattr__("Positions32")
    for name in schema.names():
        field = schema[name]
        if type(field.format) is formats.Positions:
            field.format = positions(field_boost=field.format.field_boost)
    return schema


def has_id_column(schema) -> bool:
    """Whether an index keeps its articles' ids in a column; one built before newsgrep
    did reads them from the stored fields (the column is per segment: see
    ``docsets.column_ids``)."""
    return schema is not None and "id" in schema and schema["id"].column_type is not None


def has_authors(schema) -> bool:
    """Whether an index keeps authors (``author``); one built before newsgrep did has none."""
    return schema is not None and "author" in schema


def text_analyzer(schema):
    """The analyzer of the title and body fields (a ``NewsAnalyzer``), or None."""
    if schema is None or "body" not in schema:
        return None
    return schema["body"].analyzer


def _storage(directory: Path):
    """A Whoosh FileStorage that maps index files into memory instead of reading them.

    Pages are read on demand and shared between processes through the page
    cache, so opening an index costs the same at 1,000 and at 1,000,000
    articles, and memory does not grow with it. A term table's file is also
    kept open: its hash slots are probed at random, a few bytes at a time, and
    are read with ``pread`` (see ``_whoosh._find``).
    """
    import mmap
    import weakref

    from whoosh.codec.whoosh3 import W3Codec  # (what reads the segments: imported anyway)
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.structfile import StructFile

    class TermsFile(StructFile):
        """A mapped term table that also keeps its file open: its hash slots are read
        with ``pread`` (see ``_whoosh._find``)."""

        def __init__(self, mapped, fd: int, **kwargs):
            super().__init__(mapped, **kwargs)
            self.newsgrep_fd: int | None = fd
            self._close_fd = weakref.finalize(self, os.close, fd)  # (once: here or at close)

        def close(self):
            self.newsgrep_fd = None  # (a look-up after this reads the closed map: an error)
            try:
                super().close()
            finally:
                self._close_fd()

    class MappedStorage(FileStorage):
        def open_file(self, name, **kwargs):
            with open(self._fpath(name), "rb") as fh:
                try:
                    mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                except (ValueError, OSError):  # an empty file cannot be mapped
                    return super().open_file(name, **kwargs)
                if name.endswith(W3Codec.TERMS_EXT):
                    return TermsFile(mapped, os.dup(fh.fileno()), name=name, **kwargs)
            return StructFile(mapped, name=name, **kwargs)

    return MappedStorage(str(directory))


def _index(storage, directory: Path | None = None):
    """Whoosh's FileIndex, reading the TOC again if a commit replaced it meanwhile.

    Between listing the folder (to find the latest TOC) and opening that TOC,
    a writer may commit the next one and delete it; Whoosh retries that only
    when opening a reader, not when opening the index or reading its schema.

    In lemma mode, the analyzer of every schema it reads (each TOC read unpickles
    one) is handed the archive's lexicon (see :mod:`newsgrep.lexicon`).
    """
    import time

    from whoosh.index import FileIndex

    class Index(FileIndex):
        def __init__(self, storage):
            self.newsgrep_folder = directory
            self.newsgrep_lexicons: dict[str, object] = {}
            for attempt in range(20):
                try:
                    return super().__init__(storage)
                except FileNotFoundError:
                    if attempt == 19:
                        raise
                    time.sleep(0.01)

        def _read_toc(self):
            for attempt in range(20):
                try:
                    toc = super()._read_toc()
                    break
                except FileNotFoundError:
                    if attempt == 19:
                        raise
                    time.sleep(0.01)
            if self.newsgrep_folder is not None:
                _hand_lexicon(toc.schema, self.newsgrep_folder, self.newsgrep_lexicons)
            return toc

    return Index(storage)


def _hand_lexicon(schema, directory: Path, opened: dict) -> None:
    """Give a lemma-mode schema's analyzer the archive's lexicon (opened once per index)."""
    analyzer = text_analyzer(schema)
    if getattr(analyzer, "morphology", None) != "lemma" or not analyzer.signature:
        return
    from ... import lexicon

    if analyzer.signature not in opened:
        opened[analyzer.signature] = lexicon.Lexicon.open(directory, analyzer.signature)
    analyzer.use_lexicon(opened[analyzer.signature], directory)


def latest_generation(directory: Path) -> int:
    """The generation of the index's newest TOC (-1: none), from the folder's names."""
    import re

    pattern = re.compile(rf"^_{INDEX_NAME}_(\d+)\.toc$")
    gens = [int(m.group(1)) for m in map(pattern.match, os.listdir(directory)) if m]
    return max(gens, default=-1)


def index_meta(directory: Path) -> IndexMeta:
    """An existing index's meta, checked without opening it (no Whoosh import): raises
    :class:`IndexNotFound` when there is no index (no meta, or no commit) and
    :class:`IndexCorrupt` for a format this newsgrep does not read."""
    meta = IndexMeta.load(directory)
    if meta.schema_version != SCHEMA_VERSION:
        raise IndexCorrupt(
            f"index at {directory} has format {meta.schema_version}, this newsgrep reads "
            f"{SCHEMA_VERSION} (rebuild it with: newsgrep index --rebuild --index {directory})")
    try:
        committed = latest_generation(directory) >= 0
    except OSError as e:
        raise IndexCorrupt(f"cannot read {directory}: {e.strerror or e}") from None
    if not committed:
        raise IndexNotFound(_not_found(directory))
    return meta


def open_index(directory: Path):
    """Open an existing index for reading; returns ``(whoosh_index, IndexMeta)``."""
    from ._whoosh import (bisect_skips, exact_and_maybe, lazy_columns, light_imports,
                          quick_lengths, quick_numbers, quick_term_lookups)
    light_imports()
    lazy_columns()
    bisect_skips()
    quick_numbers()
    quick_lengths()
    quick_term_lookups()
    exact_and_maybe()
    from whoosh.index import EmptyIndexError

    meta = index_meta(directory)
    try:
        # (lemma mode: queries look their words up in the index's lexicon before pymorphy3)
        return _index(_storage(directory), directory), meta
    except EmptyIndexError:
        raise IndexNotFound(_not_found(directory)) from None
    except Exception as e:  # Whoosh raises many kinds for damaged files
        raise IndexCorrupt(f"cannot open index at {directory}: {type(e).__name__}: {e}; "
                           f"newsgrep check --index {directory} tells what is damaged, and "
                           f"newsgrep index --rebuild --index {directory} repairs it") from None


def file_term(path: str) -> str:
    """The ``file`` field's term for ``path``: the path itself, or for a name that is
    not UTF-8 (kept with surrogates, see ``articles.names``), NUL and the hex of its
    bytes: a term Whoosh can encode, that no real path can equal (paths hold no NUL)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return "\0" + path.encode("utf-8", "surrogateescape").hex()
    return path


def path_of_term(term: bytes) -> str:
    """The path a ``file`` term (as Whoosh's bytes) stands for: :func:`file_term` reversed."""
    if term.startswith(b"\0"):
        return bytes.fromhex(term[1:].decode("ascii")).decode("utf-8", "surrogateescape")
    return term.decode("utf-8", "surrogateescape")


def document(article: Article, path: str, size: int, mtime: int) -> dict[str, Any]:
    """The fields of an article as the Whoosh engine's schema stores them."""
    nfc = unicodedata.normalize
    title, body = nfc("NFC", article.title), nfc("NFC", article.body)
    doc = {
        "id": article_id(path, article.key),
        "file": file_term(path),
        "key": article.key,
        "path": path,
        "title": title,
        "body": body,
        "source": article.source,
        "author": article.author,
        "section": article.section,
        "tags": ",".join(t.replace(",", " ") for t in article.tags),
        "url": article.url,
        "lead": article.lead,
        "encoding": article.encoding,
        "format": article.format,
        "size": size,
        "mtime": mtime,
    }
    if article.date is not None:
        doc["date"] = article.date
    if article.source_raw and article.source_raw != article.source:
        doc["source_raw"] = article.source_raw  # else the same as source: not stored twice
    return doc
