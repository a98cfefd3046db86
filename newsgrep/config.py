"""Where the archive is, and the user's configuration file.

An archive is found, first match wins, from ``--index DIR`` (or ``--archive
NAME``), ``$NEWSGREP_INDEX``, the configuration file's ``archive`` key, and
else one archive per user in the platform's data folder
(``~/.local/share/newsgrep/archive`` on Linux, through platformdirs).

The configuration file is TOML: ``~/.config/newsgrep/config.toml`` (the
platform's config folder), or the file ``$NEWSGREP_CONFIG`` names. This
module reads it and knows its archive keys; the option defaults it holds
(``[search] limit = 20``) are checked and applied by the command line.
No click here: the library can resolve a location without a terminal.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, NewsgrepError

APP = "newsgrep"
ENV_INDEX = "NEWSGREP_INDEX"
ENV_CONFIG = "NEWSGREP_CONFIG"
#: The folder of the default archive inside the platform's data folder.
DEFAULT_ARCHIVE_DIR = "archive"
#: Top-level keys of the configuration file that are not option defaults.
ARCHIVE_KEYS = ("archive", "archives")

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def data_dir() -> Path:
    """The platform's per-user data folder for newsgrep (``~/.local/share/newsgrep``)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def default_archive() -> Path:
    """The archive used when nothing names one: one per user, in the data folder."""
    return data_dir() / DEFAULT_ARCHIVE_DIR


def config_path() -> tuple[Path, str]:
    """The configuration file and where that came from (``env NEWSGREP_CONFIG`` or ``default``)."""
    if os.environ.get(ENV_CONFIG):
        return Path(os.path.expanduser(os.environ[ENV_CONFIG])).absolute(), f"env {ENV_CONFIG}"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml", "default"


@dataclass
class Entry:
    """One value of the configuration file and the line it is on."""

    value: Any
    line: int


@dataclass
class Config:
    """The parsed configuration file: ``values`` by dotted key, each with its line."""

    path: Path
    origin: str = "default"       # where the file's own location came from
    exists: bool = False
    values: dict[str, Entry] = field(default_factory=dict)

    def where(self, key: str) -> str:
        """``config PATH:LINE`` of a key, for messages and ``newsgrep config``."""
        return f"config {self.path}:{self.values[key].line}"

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.path}:{self.values[key].line}: {key}: {message}")

    @property
    def archives(self) -> dict[str, Entry]:
        """The named archives: name -> path or connection string."""
        prefix = "archives."
        return {k[len(prefix):]: e for k, e in self.values.items() if k.startswith(prefix)}


def load_config(path: Path | None = None) -> Config:
    """Read the configuration file (a missing one is an empty configuration).

    Raises :class:`ConfigError` naming the file and line for a file that is
    not valid TOML or whose archive keys are malformed.
    """
    origin = "argument"
    if path is None:
        path, origin = config_path()
    config = Config(path=path, origin=origin)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return config
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read the configuration file: "
                          f"{getattr(e, 'strerror', None) or e}") from None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - the tomli backport, same API
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        line = getattr(e, "lineno", None)
        message = str(e)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        if found:
            line = line or int(found.group(1))
            message = message[:found.start()].strip()
        raise ConfigError(f"{path}:{line or 1}: invalid TOML: {message}") from None
    config.exists = True
    lines = _key_lines(text)
    for key, value in _flatten(data):
        # an inline table's keys are on the line of the table's own key
        parts = key.split(".")
        line = next((lines[k] for k in (".".join(parts[:n]) for n in range(len(parts), 0, -1))
                     if k in lines), 1)
        config.values[key] = Entry(value, line)
    _check_archives(config)
    return config


def _flatten(data: dict, prefix: str = ""):
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from _flatten(value, dotted + ".")
        else:
            yield dotted, value


_TABLE = re.compile(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY = re.compile(r"\s*((?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*'))*)\s*=")


def _key_lines(text: str) -> dict[str, int]:
    """The line of each dotted key, found by reading the file's tables and keys.

    tomllib reports lines only for syntax errors; this finds a key's line for a
    message about its value (good enough for the tables and keys of a config).
    """
    def parts(s: str) -> str:
        return ".".join(p.strip().strip("\"'") for p in re.findall(
            r"\"[^\"]*\"|'[^']*'|[^.]+", s))

    lines: dict[str, int] = {}
    table = ""
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        m = _TABLE.match(line)
        if m and not line.lstrip().startswith("[["):
            table = parts(m.group(1))
            lines.setdefault(table, n)
            continue
        m = _KEY.match(line)
        if m:
            key = parts(m.group(1))
            lines.setdefault(f"{table}.{key}" if table else key, n)
    return lines


def _check_archives(config: Config) -> None:
    for key, entry in config.values.items():
        if key == "archives" and entry.value == {}:
            continue
        if key.startswith("archives."):
            name = key[len("archives."):]
            if not _NAME.fullmatch(name):
                raise config.error(key, "an archive name is letters, digits, '_' and '-'")
            if not isinstance(entry.value, str) or not entry.value:
                raise config.error(key, "an archive is a path or a connection string (a string)")
        elif key == "archives":
            raise config.error(key, "archives is a table: [archives] NAME = \"PATH\"")
    if "archive" in config.values and (not isinstance(config.values["archive"].value, str)
                                       or not config.values["archive"].value):
        raise config.error("archive", "the default archive is a name from [archives] or a path")


@dataclass
class Location:
    """Where an archive is, what named it, and where that came from."""

    path: Path
    origin: str                 # option --index, option --archive, env NEWSGREP_INDEX, config ..., default
    name: str | None = None     # the archive's name, for a named archive

    def __str__(self) -> str:
        return f"{self.name} ({self.path})" if self.name else str(self.path)


def is_url(value: str) -> bool:
    """A connection string (``postgresql://...``) rather than a path."""
    return bool(_URL.match(value))


def _resolve(value: str, origin: str, config: Config, *, by_name: bool = False) -> Location:
    """A name from ``[archives]`` or a path (``~`` expanded, made absolute).

    A bare word that names an archive of the configuration file is that
    archive; anything else is a path (write ``./work`` for a folder named like
    an archive).
    """
    archives = config.archives
    name = None
    if value in archives:
        name = value
        value = archives[value].value
    elif by_name:
        known = ", ".join(sorted(archives)) or "none; define them in [archives] of " + str(config.path)
        raise NewsgrepError(f"no archive named {value} (known: {known})")
    if is_url(value):
        if not value.lower().startswith(("postgresql://", "postgres://")):
            raise NewsgrepError(f"archive {name or value}: {value.split('://')[0]} archives "
                                f"are not supported; give a folder or a postgresql:// URL")
        return Location(value, origin, name)  # type: ignore[arg-type]  # a database: its URL
    return Location(Path(os.path.abspath(os.path.expanduser(value))), origin, name)


def locate(index: str | os.PathLike | None = None, archive: str | None = None,
           config: Config | None = None) -> Location:
    """The archive to use: ``--index``, ``--archive``, ``$NEWSGREP_INDEX``, the config, the default."""
    if index is not None and archive is not None:
        raise NewsgrepError("--index and --archive name two archives: give one")
    if config is None:
        config = load_config()
    if index is not None:
        return _resolve(os.fspath(index), "option --index", config)
    if archive is not None:
        return _resolve(archive, "option --archive", config, by_name=True)
    if os.environ.get(ENV_INDEX):
        return _resolve(os.environ[ENV_INDEX], f"env {ENV_INDEX}", config)
    if "archive" in config.values:
        return _resolve(config.values["archive"].value, config.where("archive"), config)
    return Location(default_archive(), "default")


def naming_option(directory: Path) -> str:
    """How a command names the archive at ``directory``, for hints in messages.

    Nothing when it is the archive used without options, ``--archive NAME`` for a
    named archive, else ``--index DIR``.
    """
    directory = Path(os.path.abspath(directory))
    try:
        config = load_config()
        if locate(config=config).path == directory:
            return ""
        for name, entry in sorted(config.archives.items()):
            if not is_url(entry.value) and _resolve(name, "", config).path == directory:
                return f"--archive {name}"
    except NewsgrepError:
        pass
    return f"--index {directory}"
