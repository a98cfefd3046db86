"""Errors raised by the newsgrep library.

The CLI turns every :class:`NewsgrepError` into one line on stderr and the
exit code named by its ``exit_code`` (see :class:`ExitCode`).
"""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, as grep and ripgrep use them, plus one for a busy index."""

    OK = 0          # found something / succeeded
    NO_MATCH = 1    # searched and found nothing
    ERROR = 2       # bad usage, bad query, missing or broken index, unreadable input
    BUSY = 3        # another writer holds the index lock
    HANGUP = 129       # SIGHUP (128 + SIGHUP): the terminal was closed
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
    TERMINATED = 143   # SIGTERM (128 + SIGTERM): a shutdown, `timeout`, a service manager


class NewsgrepError(Exception):
    """Base class: a problem the user can act on, reported in one line."""

    exit_code: ExitCode = ExitCode.ERROR


class Interrupted(KeyboardInterrupt):
    """A run stopped at once by a signal (a second Ctrl-C); ``signum`` is the signal.

    A :class:`KeyboardInterrupt`, so whatever stops on Ctrl-C stops on it too.
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


class IndexNotFound(NewsgrepError):
    """No index at the given location."""


class IndexCorrupt(NewsgrepError):
    """The index exists but cannot be read."""


class IndexLocked(NewsgrepError):
    """Another process is writing to the index."""

    exit_code = ExitCode.BUSY


class QueryError(NewsgrepError):
    """The query cannot be parsed or would be too expensive to run."""


class ArticleError(NewsgrepError):
    """A file cannot be turned into articles (binary, empty, undecodable ...).

    The message is the reason shown in the indexing summary.
    """


class MorphologyUnavailable(NewsgrepError):
    """Lemma mode was asked for but pymorphy3 (or its dictionary) is not installed.

    The message carries the install hint.
    """


class MorphologyMismatch(NewsgrepError):
    """A lemma-mode index was built with another lemmatizer (pymorphy3, its
    dictionary or newsgrep's settings) than this process has, and a word
    needs analysing: its terms could differ from the index's.
    """


class ConfigError(NewsgrepError):
    """The configuration file cannot be read or holds a bad value; the message names
    the file and line."""
