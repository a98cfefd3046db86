"""Opening article files safely: regular files only, never a blocking open.

A FIFO, a device or a socket can take a regular file's place between the walk
and the read (or be reached through a link); opening one for reading could
block for ever (a FIFO without a writer) or never end (``/dev/zero``). So files
are opened with ``O_NONBLOCK`` and their type is checked with ``fstat`` on the
open descriptor, which no later swap can change.
"""
from __future__ import annotations

import os
import stat
from typing import BinaryIO

from ..errors import ArticleError

_KINDS = ((stat.S_ISFIFO, "FIFO"), (stat.S_ISCHR, "character device"),
          (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket"), (stat.S_ISDIR, "folder"))
_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def special_file(mode: int) -> str:
    """The skip reason for a file of this ``st_mode`` that is not a regular file."""
    for test, name in _KINDS:
        if test(mode):
            return f"special file ({name})"
    return "special file"


def open_regular(path: str | os.PathLike) -> tuple[BinaryIO, os.stat_result]:
    """Open a regular file for reading; its open file and its ``fstat``.

    Raises :class:`ArticleError` ("cannot read: ...", "special file (FIFO)" ...)
    for anything else, without blocking.
    """
    try:
        fd = os.open(path, _FLAGS)
    except OSError as e:
        raise ArticleError(f"cannot read: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ArticleError(special_file(st.st_mode))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb"), st
    except BaseException:
        os.close(fd)
        raise
