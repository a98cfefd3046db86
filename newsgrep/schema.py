"""The index schema, the index's own metadata, and opening an index.

Both the writer (``indexing``) and the reader (``searching``) import this
small module, so a search never loads the writer's code.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import IndexCorrupt, IndexNotFound

SCHEMA_VERSION = 1
META_FILE = "newsgrep.json"
DEFAULT_INDEX = "index"
ENV_INDEX = "NEWSGREP_INDEX"
TITLE_BOOST = 2.0


def index_dir(option: str | os.PathLike | None = None) -> Path:
    """The index location: ``--index DIR``, else ``$NEWSGREP_INDEX``, else ``./index``."""
    return Path(option or os.environ.get(ENV_INDEX) or DEFAULT_INDEX)


@dataclass
class IndexMeta:
    """What newsgrep records about an index beside Whoosh's own files."""

    schema_version: int = SCHEMA_VERSION
    morphology: str = "stem"
    roots: list[str] = field(default_factory=list)
    created: str = ""
    updated: str = ""

    @classmethod
    def load(cls, directory: Path) -> IndexMeta:
        try:
            data = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IndexNotFound(_not_found(directory)) from None
        except (OSError, ValueError) as e:
            raise IndexCorrupt(f"cannot read {directory / META_FILE}: {e}") from None
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def save(self, directory: Path) -> None:
        """Write atomically: a crash leaves the old file or the new one, never half of one."""
        tmp = directory / (META_FILE + ".tmp")
        tmp.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, directory / META_FILE)


def _not_found(directory: Path) -> str:
    return (f"no index at {directory} (build one with: newsgrep index PATH... --index {directory})")


def build_schema(morphology: str = "stem"):
    """The Whoosh schema for an index built with the given morphology."""
    from whoosh import fields

    from whoosh.analysis import LowercaseFilter, RegexTokenizer

    from .analysis import ExactAnalyzer, NewsAnalyzer

    text = NewsAnalyzer(morphology)
    # Words as written (normalised, not stemmed) for =exact forms, wildcards and
    # did-you-mean. Not stored (the text is stored once, in title and body) and
    # without positions: on the 11k corpus they take the index from 169 MiB to
    # 247 MiB (positions would take it to 316 MiB; bench/exact_cost.py); an
    # exact phrase is matched on the stems' positions instead.
    exact = fields.TEXT(analyzer=ExactAnalyzer(), phrase=False)
    # path:seed, path:2022 — path components, lower-cased, never stemmed.
    path_analyzer = RegexTokenizer(r"[^\W_]+") | LowercaseFilter()
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        # The file an article came from, exactly: incremental runs delete by it.
        file=fields.ID(sortable=True),
        key=fields.STORED(),
        path=fields.TEXT(analyzer=path_analyzer, stored=True, phrase=True),
        title=fields.TEXT(analyzer=text, stored=True, phrase=True),
        body=fields.TEXT(analyzer=text, stored=True, phrase=True),
        exact_title=exact,
        exact_body=exact,
        date=fields.DATETIME(stored=True, sortable=True),
        source=fields.TEXT(analyzer=text, stored=True, sortable=True),
        section=fields.TEXT(analyzer=text, stored=True, sortable=True),
        tags=fields.KEYWORD(stored=True, commas=True, lowercase=True),
        url=fields.STORED(),
        lead=fields.STORED(),
        encoding=fields.STORED(),
        format=fields.STORED(),
        size=fields.NUMERIC(stored=True, sortable=True, bits=64),
        mtime=fields.NUMERIC(stored=True, sortable=True, bits=64),  # st_mtime_ns
    )


def open_index(directory: Path):
    """Open an existing index for reading; returns ``(whoosh_index, IndexMeta)``."""
    from whoosh import index
    from whoosh.index import EmptyIndexError

    meta = IndexMeta.load(directory)
    if meta.schema_version != SCHEMA_VERSION:
        raise IndexCorrupt(
            f"index at {directory} has format {meta.schema_version}, this newsgrep reads "
            f"{SCHEMA_VERSION} (rebuild it with: newsgrep index --rebuild --index {directory})")
    try:
        return index.open_dir(str(directory)), meta
    except EmptyIndexError:
        raise IndexNotFound(_not_found(directory)) from None
    except Exception as e:  # Whoosh raises many kinds for damaged files
        raise IndexCorrupt(f"cannot open index at {directory}: {e}") from None
