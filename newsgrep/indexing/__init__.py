"""Building and updating an archive: walk files, read articles, hand them to the engine.

Runs are incremental: a file whose size and mtime are unchanged since the
last run is not read again; a file whose size or mtime changed is read and
hashed, and re-indexed only if its content changed; files that vanished from
under the indexed roots lose their documents.

* :mod:`~newsgrep.indexing.walking`: which files there are and which changed
  (engine-neutral);
* :mod:`~newsgrep.indexing.workers` and :mod:`~newsgrep.indexing.messages`: worker
  processes, each reading, analysing and inverting a contiguous share of the files
  into its own segments, reporting through typed messages;
* :mod:`~newsgrep.indexing.run`: one run (:func:`index_paths`): the lock, the plan,
  the workers, the commits (``engine/whoosh/commit.py``: TOCs and the state sidecar);
* :mod:`~newsgrep.indexing.settings`: the limits and test hooks, injected.
"""
from __future__ import annotations

from .run import IndexProgress, IndexReport, Phase, index_paths
from .settings import Limits, Settings, TestHooks
from .walking import article_id, content_hash, plan, walk

__all__ = ["index_paths", "IndexReport", "IndexProgress", "Phase", "walk", "plan", "article_id",
           "content_hash", "Settings", "Limits", "TestHooks"]
