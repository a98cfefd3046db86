"""File names in any bytes.

POSIX file names are bytes; Python gives them as ``str`` with each byte that
is not UTF-8 as a lone surrogate (``surrogateescape``, what ``os.listdir`` and
``os.fsdecode`` return), so ``os.fsencode(name)`` gives the bytes back. newsgrep
keeps names in that form everywhere (walk, state file, article ids, stored
paths); this module shows them and turns them into index terms.
"""
from __future__ import annotations

# U+DC80..U+DCFF stand for the bytes 0x80..0xFF; any other lone surrogate is shown by code.
_ESCAPES = {c: f"\\x{c - 0xDC00:02x}" for c in range(0xDC80, 0xDD00)}
_ESCAPES.update({c: f"\\u{c:04x}" for c in (*range(0xD800, 0xDC80), *range(0xDD00, 0xE000))})


def printable_name(name: str) -> str:
    """``name`` with the bytes that are not UTF-8 as ``\\xNN`` escapes: text that can be
    printed and encoded (``d/\\xcd\\xee\\xe2.txt``)."""
    if name.isascii():
        return name
    return name.translate(_ESCAPES)


def name_bytes(name: str) -> bytes:
    """The bytes of a file name kept as ``str`` (``os.fsencode`` on a UTF-8 system)."""
    return name.encode("utf-8", "surrogateescape")


def is_text_name(name: str) -> bool:
    """Whether ``name`` is valid Unicode text (no byte that was not UTF-8)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
