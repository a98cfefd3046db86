"""bytes -> str for article files. (Interim: UTF-8 or cp1251; to be replaced.)"""
from __future__ import annotations

from ..errors import ArticleError


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode a file's bytes; return ``(text, encoding_name)``.

    ``encoding`` forces a codec. Raises :class:`ArticleError` for binary or
    undecodable data.
    """
    if encoding:
        return data.decode(encoding, errors="replace"), encoding
    if b"\x00" in data[:4096]:
        raise ArticleError("binary file")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace"), "cp1251"
