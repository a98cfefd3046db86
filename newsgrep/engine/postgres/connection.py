"""Connecting to PostgreSQL: libpq's own ways for credentials, one-line errors without them.

A location is a libpq connection URL (``postgresql://user@host/db?...``); the
password, when any, comes from the URL, ``PGPASSWORD``, ``~/.pgpass`` or a
service file, as libpq reads them. Several hosts with ``target_session_attrs``
(``postgresql://primary,replica/news?target_session_attrs=...``) are libpq's:
searches open the location as given plus ``target_session_attrs=prefer-standby``
unless it names one, writes open it with ``target_session_attrs=read-write``.
Error messages never carry the password: they name the location with it removed.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from ...errors import IndexNotFound, NewsgrepError

INSTALL_HINT = "the PostgreSQL engine needs psycopg 3: pip install 'newsgrep[postgres]'"


class DatabaseError(NewsgrepError):
    """The database cannot be reached or refused an operation (exit 2)."""


def psycopg():
    """The psycopg module, imported on first use (the Whoosh engine never needs it)."""
    try:
        import psycopg as module
    except ImportError:
        raise NewsgrepError(INSTALL_HINT) from None
    return module


def redact(location: str) -> str:
    """``location`` without a password (in the user part or a ``password=`` parameter)."""
    out = re.sub(r"(?i)([?&]password=)[^&#]*", r"\1***", location)
    # scheme://user:password@host -> scheme://user@host
    return re.sub(r"^([a-zA-Z][\w+.-]*://[^/@?#:]*):[^/@?#]*@", r"\1@", out)


def with_params(location: str, **params: str) -> str:
    """``location`` with the query parameters ``params`` added where it does not set them."""
    from urllib.parse import quote

    base, _, fragment = location.partition("#")
    query = base.partition("?")[2]
    names = {k.lower() for k, _ in parse_qsl(query, keep_blank_values=True)}
    extra = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items() if k.lower() not in names)
    if extra:
        base += ("&" if "?" in base else "?") + extra
    return base + ("#" + fragment if fragment else "")


def _scrub(text: str, secrets: list[str]) -> str:
    for s in secrets:
        if s:
            text = text.replace(s, "***")
    return re.sub(r"(?i)(password=)\S+", r"\1***", text)


def _secrets(location: str) -> list[str]:
    out = []
    try:
        parts = urlsplit(location)
        if parts.password:
            out.append(parts.password)
        out += [v for k, v in parse_qsl(parts.query) if k.lower() == "password"]
    except ValueError:
        pass
    return out


def explain(error: BaseException, location: str, doing: str) -> NewsgrepError:
    """One line for a psycopg error: what failed, where (no password), and why."""
    pg = psycopg()
    where = redact(location)
    # libpq's messages span lines ('connection to server at ... failed: ...', then a
    # tab-indented hint, one pair per host tried): one line of them
    lines = [ln.strip() for ln in str(error).strip().splitlines() if ln.strip()]
    reason = "; ".join(dict.fromkeys(
        re.sub(r"^(connection failed: )?(connection to server .*? failed: )?", "", ln)
        for ln in lines)) or type(error).__name__
    reason = _scrub(reason, _secrets(location))
    if isinstance(error, pg.errors.InsufficientPrivilege):
        return DatabaseError(f"{where}: permission denied {doing}: {reason} "
                             "(this role may search but not index; index as a role with "
                             "INSERT/UPDATE/DELETE rights)")
    if isinstance(error, pg.errors.ReadOnlySqlTransaction):
        return DatabaseError(f"{where}: cannot write to a read-only server (a replica) "
                             f"{doing}; give the primary's address")
    if isinstance(error, pg.OperationalError) and "does not exist" in reason and "database" in reason:
        return IndexNotFound(f"{where}: {reason} (create it with: createdb NAME; then build "
                             f"the archive with: newsgrep index PATH... --index {where})")
    return DatabaseError(f"{where}: {doing}: {reason}")


def connect(location: str, *, write: bool = False):
    """A psycopg connection to ``location`` (a replica is preferred for reading)."""
    pg = psycopg()
    target = "read-write" if write else "prefer-standby"
    url = with_params(location, target_session_attrs=target, application_name="newsgrep")
    try:
        conn = pg.connect(url, connect_timeout=10)
    except pg.Error as e:
        raise explain(e, location, "cannot connect") from None
    except Exception as e:  # a malformed URL: psycopg's ProgrammingError names no secret
        raise DatabaseError(f"{redact(location)}: cannot connect: "
                            f"{_scrub(str(e), _secrets(location))}") from None
    return conn
