"""Choosing the files to index: ``--exclude``/``--include`` patterns and ``.newsgrepignore`` files.

Patterns follow ``.gitignore`` rules (through the ``pathspec`` library):
``*.tsv`` matches at any depth, ``drafts/`` a folder and everything in it,
``/top.txt`` only beside the root, ``!keep.tsv`` takes a file back. The
command line's patterns are relative to each indexed root; a
``.newsgrepignore`` file's patterns are relative to its own folder and apply
below it, a deeper file's patterns winning over a shallower one's (as git
reads nested ``.gitignore`` files). ``--include`` patterns, when there are
any, keep only the files that match one of them. A file named itself on the
command line (a root) is always read. A folder left out is not walked into
(:meth:`FileFilter.excluded_folder`), as git and ripgrep do: a ``!`` pattern
cannot take back a file inside it.
"""
from __future__ import annotations

import os
from collections.abc import Iterable

IGNORE_FILE = ".newsgrepignore"


def _spec(lines: Iterable[str]):
    import pathspec

    lines = [line for line in lines if line.strip()]
    return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None


class FileFilter:
    """Tells whether a file found under the indexed roots is left out."""

    def __init__(self, roots: Iterable[str], exclude: Iterable[str] = (),
                 include: Iterable[str] = ()):
        # The outermost root holding a file is the one its patterns are relative to.
        self.roots = sorted({os.path.abspath(r).rstrip(os.sep) or os.sep for r in roots},
                            key=len)
        self.exclude = _spec(exclude)
        self.include = _spec(include)
        self._folders: dict[str, object] = {}  # folder -> its .newsgrepignore spec, or None

    def _root_of(self, path: str) -> str | None:
        for root in self.roots:
            if path.startswith(root + os.sep) or (root == os.sep and path != os.sep):
                return root
        return None

    def _folder_spec(self, folder: str):
        try:
            return self._folders[folder]
        except KeyError:
            pass
        spec = None
        try:
            with open(os.path.join(folder, IGNORE_FILE), encoding="utf-8",
                      errors="surrogateescape") as fh:
                spec = _spec(fh.read().splitlines())
        except (OSError, ValueError):
            pass  # no ignore file (or an unreadable one: nothing to honour)
        self._folders[folder] = spec
        return spec

    def excluded_folder(self, path: str) -> bool:
        """True if the folder ``path`` (absolute, as walked) is left out by ``--exclude``
        or a ``.newsgrepignore`` above it: the walk does not go into it. (``--include``
        patterns choose files, never a folder.)"""
        root = self._root_of(path)
        if root is None:
            return False
        parts = path[len(root.rstrip(os.sep)) + 1:].split(os.sep)
        decision = False
        if self.exclude is not None:
            result = self.exclude.check_file("/".join(parts) + "/")
            if result.include is not None:
                decision = result.include
        folder = root
        for depth in range(len(parts)):
            spec = self._folder_spec(folder)
            if spec is not None:
                result = spec.check_file("/".join(parts[depth:]) + "/")
                if result.include is not None:
                    decision = result.include
            folder = os.path.join(folder, parts[depth])
        return decision

    def excluded(self, path: str) -> bool:
        """True if ``path`` (absolute, as walked) is left out."""
        root = self._root_of(path)
        if root is None:  # a root itself, or outside them all: named on the command line
            return False
        relative = path[len(root.rstrip(os.sep)) + 1:]
        if self.include is not None and not self.include.match_file(relative):
            return True
        decision = False
        if self.exclude is not None:
            result = self.exclude.check_file(relative)
            if result.include is not None:
                decision = result.include
        # .newsgrepignore files from the root down to the file's folder: the deepest decides.
        parts = relative.split(os.sep)
        folder = root
        for depth in range(len(parts)):
            spec = self._folder_spec(folder)
            if spec is not None:
                result = spec.check_file("/".join(parts[depth:]))
                if result.include is not None:
                    decision = result.include
            if depth + 1 < len(parts):
                folder = os.path.join(folder, parts[depth])
        return decision
