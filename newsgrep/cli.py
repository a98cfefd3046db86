"""The command line: a thin click layer over the library.

Each command turns options into one library call and hands the result to
``render``. Library errors become one line on stderr and an exit code here,
in one place (:class:`CliError`).
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from . import __version__
from .errors import ExitCode, Interrupted, NewsgrepError
from .engine.base import DEFAULT_MORPHOLOGY

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class CliError(click.ClickException):
    """A library error (or a usage error), shown as ``newsgrep: error: ...`` with its exit code."""

    def __init__(self, error: NewsgrepError | str, exit_code: int = ExitCode.ERROR):
        super().__init__(str(error))
        self.exit_code = int(getattr(error, "exit_code", exit_code))  # type: ignore[misc]

    def show(self, file=None) -> None:
        say(f"newsgrep: error: {self.format_message()}")


def say(line: str) -> None:
    """A line on stderr. Messages name files and quote queries: they are data, neutralised
    as article text is (an escape sequence in a file name must not reach the terminal)."""
    from .render import safe_message

    click.echo(safe_message(line), err=True)


def warn(message: str) -> None:
    say(warning_line(message))


def warning_line(message: str) -> str:
    """``newsgrep: warning: ...`` on one line, whatever a file put into the message."""
    return "newsgrep: warning: " + message.replace("\r", "\u240d").replace("\n", "\u2424")


class PipeClosed(Exception):
    """The reader of stdout went away (``| head``)."""


class _Command(click.Command):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # (not through click, which turns EPIPE into exit status 1: "nothing found")
            raise PipeClosed from None
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort,
                NewsgrepError, OSError, PipeClosed):
            raise
        except Exception:
            # A bug, or a damaged index read (a truncated file): say which it is.
            _raise_if_damaged(ctx.params.get("index_dir"), ctx.info_name)
            raise


def _raise_if_damaged(index_dir, command: str | None) -> None:
    from .archive import check_files
    from .errors import IndexCorrupt

    directory = _archive(index_dir)
    if command == "index" or not os.path.isdir(directory):
        return
    try:
        problems = check_files(directory)
    except Exception:  # the error at hand is the one to show
        return
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CliError(IndexCorrupt(
            f"the index at {directory} is damaged: {problems[0]}{more}; repair it with: "
            f"newsgrep index --rebuild --index {directory}")) from None


# click >= 8.2 shows the help for a bare `newsgrep` through a UsageError subclass
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


class _Group(click.Group):
    """Every error of every command, click's usage errors included, as one line."""

    command_class = _Command

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except _NO_ARGS_IS_HELP:
            raise  # `newsgrep` alone: the help, as click shows it
        except click.UsageError as e:
            raise _usage_error(e, args) from None

    def invoke(self, ctx):
        # the words left for the subcommand (click 8.2 renamed protected_args)
        args = [*vars(ctx).get("_protected_args", vars(ctx).get("protected_args", [])), *ctx.args]
        try:
            return super().invoke(ctx)
        except NewsgrepError as e:
            raise CliError(e) from None
        except _NO_ARGS_IS_HELP:
            raise  # `newsgrep` alone: the help, as click shows it
        except click.UsageError as e:
            raise _usage_error(e, args) from None


def _usage_error(e: click.UsageError, args: list[str]) -> CliError:
    """Click's usage error as one line, its "Did you mean" kept, a hint for a query like -word."""
    import shlex

    message = _one_line(e.format_message())
    command = " ".join(["newsgrep", *e.ctx.command_path.split()[1:]]) if e.ctx else "newsgrep"
    if isinstance(e, click.NoSuchOption) and not e.possibilities and e.ctx is not None \
            and any(p.name in ("query", "text") for p in e.ctx.command.params):
        word = next((a for a in args if a.startswith(e.option_name)), e.option_name)
        message = message.rstrip(".") + (f" (a query that starts with '-' goes after '--': "
                    f"{command} -- {shlex.quote(word)})")
    else:
        message += f" (see: {command} --help)"
    return CliError(message, exit_code=e.exit_code)


def _one_line(message: str) -> str:
    """Click's message on one line, lower-cased at the start as newsgrep's own messages."""
    message = " ".join(message.split())
    if message[:1].isupper() and message[1:2].islower():
        message = message[0].lower() + message[1:]
    return message


def _exclusive(*options: tuple[str, bool]) -> None:
    """A usage error naming the first two of ``options`` that were both given."""
    given = [name for name, value in options if value]
    if len(given) > 1:
        raise click.UsageError(f"{given[0]} and {given[1]} cannot be used together")


_CONFIG = "newsgrep.config"     # ctx.meta: the Config read by the group
_ARCHIVE = "newsgrep.archive"   # ctx.meta: --archive NAME


def _config():
    """The configuration file, read once per invocation (the group reads it first)."""
    from .config import load_config

    meta = click.get_current_context().meta
    if _CONFIG not in meta:
        meta[_CONFIG] = load_config()
    return meta[_CONFIG]


def _archive(index_dir: str | None) -> Path:
    """The archive's folder: --index, --archive, $NEWSGREP_INDEX, the config, the default."""
    return _location(index_dir).path


def _location(index_dir: str | None):
    from .config import locate

    return locate(index_dir, click.get_current_context().meta.get(_ARCHIVE), _config())


def _remember_archive(ctx, param, value):
    if value is not None:
        ctx.meta[_ARCHIVE] = value


def _complete_archives(ctx, param, incomplete: str):
    from .config import load_config

    try:
        names = load_config().archives
    except NewsgrepError:
        return []
    return sorted(name for name in names if name.startswith(incomplete))


def index_option(f):
    """``--index DIR`` and ``--archive NAME``: which archive a command works on."""
    f = click.option("--archive", metavar="NAME", expose_value=False, callback=_remember_archive,
                     shell_complete=_complete_archives,
                     help="Use the archive NAME of the config file's [archives].")(f)
    return click.option(
        "--index", "index_dir", metavar="DIR", type=click.Path(file_okay=False),
        help="Archive folder (or an archive's name) [default: $NEWSGREP_INDEX, else the "
             "config file's archive, else one per user; see: newsgrep config].")(f)


color_option = click.option(
    "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
    help="Colour the output; auto: only on a terminal, and never when NO_COLOR is set "
         "(non-empty).")


def _encoding_option(ctx, param, value):
    """An unknown encoding is a usage error, reported once rather than per file."""
    if value is None:
        return None
    from .articles.decode import resolve_encoding
    try:
        return resolve_encoding(value)
    except ValueError as e:
        raise click.BadParameter(str(e), ctx=ctx, param=param) from None


@click.group(cls=_Group, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="newsgrep")
@click.pass_context
def cli(ctx):
    """Search archives of Russian-language news from the terminal.

    \b
    Build an index, then search it (from any folder: one archive per user):
      newsgrep index samples/
      newsgrep search атака
      newsgrep search атака --json | jq .title
      newsgrep config          # where the archive is, the settings and their sources
    """
    ctx.default_map = _option_defaults(ctx.command, _config())


# Options whose default the config file may set: [COMMAND] NAME = VALUE, or NAME = VALUE at
# the top for every command listed with it. (exclude/include: once index has them.)
CONFIG_OPTIONS = {
    "index": ("jobs", "morphology", "wait", "encoding", "exclude", "include"),
    "search": ("limit", "color", "context", "snippets", "sort"),
    "similar": ("limit", "color", "context", "snippets"),
    "timeline": ("color",),
    "show": ("color", "pager"),
    "stats": ("color",),
}


def _configurable(group: click.Group):
    """(command, option name, click parameter) of every option the config file may set."""
    for name, options in CONFIG_OPTIONS.items():
        command = group.commands.get(name)
        if command is None:
            continue
        params = {p.name: p for p in command.params if isinstance(p, click.Option)}
        for option in options:
            if option in params:
                yield name, option, params[option]


def _option_defaults(group: click.Group, config) -> dict:
    """click's default_map from the config file; a bad key or value names its file and line."""
    from .config import ARCHIVE_KEYS

    known = {(c, o): p for c, o, p in _configurable(group)}
    top = {o for _, o in known}
    default_map: dict[str, dict] = {}
    for key, entry in config.values.items():
        head, _, option = key.partition(".")
        if head in ARCHIVE_KEYS:
            continue
        if not option and head in top:
            targets = [(c, o) for c, o in known if o == head]
        elif (head, option) in known:
            targets = [(head, option)]
        else:
            if option and head in CONFIG_OPTIONS:
                keys = sorted(f"{head}.{o}" for c, o in known if c == head)
            else:
                keys = sorted({*ARCHIVE_KEYS, *top, *(f"[{c}]" for c, _ in known)})
            raise config.error(key, f"unknown setting (known: {', '.join(keys)})")
        for command, option in targets:
            param = known[command, option]
            value = entry.value
            if param.multiple and isinstance(value, str):
                value = [value]
            try:
                if param.multiple != isinstance(value, list):
                    raise click.BadParameter("a list" if param.multiple else "not a list")
                ctx = click.Context(group.commands[command])
                converted = param.type_cast_value(ctx, value)
                if param.callback is not None:  # --encoding checks its name there
                    param.callback(ctx, param, converted)
            except click.BadParameter as e:
                raise config.error(key, _one_line(e.format_message())) from None
            # the top-level key, then the command's own table
            current = default_map.setdefault(command, {})
            if option not in current or "." in key:
                current[option] = value
    return default_map


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@index_option
@click.option("--rebuild", is_flag=True, help="Start the index over instead of updating it.")
@click.option("--encoding", metavar="NAME", callback=_encoding_option,
              help="Read text files in this encoding (e.g. cp1251) instead of detecting it.")
@click.option("--wait", is_flag=True, help="Wait for another writer instead of failing.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes [default: one per CPU; none for small runs].")
@click.option("--morphology", type=click.Choice(["stem", "lemma"]), default=None,
              help="How words are matched: lemma (dictionary forms: шёл finds идти) or stem "
                   "(Snowball stems). Chosen when the index is created [default: "
                   f"{DEFAULT_MORPHOLOGY}]; to change it, --rebuild.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
@click.option("--follow-outside", is_flag=True,
              help="Follow symbolic links to files and folders outside PATHS (skipped by default).")
@click.option("--shared", is_flag=True,
              help="Create the index's files readable by others as the umask allows "
                   "[default: private (0600/0700), unless the index folder is shared].")
@click.option("--exclude", metavar="GLOB", multiple=True,
              help="Leave out the files matching GLOB (gitignore-style, relative to each PATH; "
                   "repeatable). Remembered for later runs; --exclude '' forgets them.")
@click.option("--include", metavar="GLOB", multiple=True,
              help="Read only the files matching GLOB (gitignore-style; repeatable). "
                   "Remembered for later runs; --include '' forgets them.")
@click.pass_context
def index(ctx, paths, index_dir, rebuild, encoding, wait, jobs, morphology, quiet,
          follow_outside, shared, exclude, include):
    """Index the article files under PATHS (files or folders).

    Runs are incremental: unchanged files are not read again, and files gone
    from under the indexed folders are removed. With no PATHS, the folders
    indexed before are refreshed. A .newsgrepignore file in an indexed
    folder leaves out files as a .gitignore does.

    \b
    Ctrl-C (or SIGTERM, or SIGHUP: a closed terminal) stops the run within
    seconds and keeps what was read: the workers finish their segments,
    which are committed, and the next run goes on from there. A second
    Ctrl-C stops at once.

    \b
    Examples:
      newsgrep index ~/news/                  # into your archive (see: newsgrep config)
      newsgrep index                          # refresh the folders indexed before
      newsgrep index ~/work-news --archive work
      newsgrep index dump.jsonl.gz --rebuild --morphology lemma

    \b
    Exit status: 0 when the run completed (unreadable files are reported as
    warnings and in the summary), 2 on errors, 3 when another newsgrep is
    writing to the index, 129 after SIGHUP, 130 after Ctrl-C, 143 after
    SIGTERM.
    """
    from .archive import open_archive
    # the test-only entry point of the run's limits and test hooks (README, Development)
    from .indexing.settings import settings_from_environ

    directory = _archive(index_dir)
    _check_index_run(paths, directory)
    progress = None if quiet or not sys.stderr.isatty() else _IndexProgressBar()
    report_warning = warn if progress is None else progress.warn
    try:
        if progress is not None:
            progress.start()
        report = open_archive(directory, create=True).index(
                             paths, encoding=encoding, rebuild=rebuild, wait=wait,
                             jobs=jobs, morphology=morphology, on_warning=report_warning,
                             on_progress=progress.update if progress is not None else None,
                             follow_outside=follow_outside, private=False if shared else None,
                             exclude=exclude or None, include=include or None,
                             settings=settings_from_environ(os.environ))
    except KeyboardInterrupt:
        if progress is not None:
            progress.stop()
            progress = None
        click.echo("newsgrep: interrupted; the index keeps what was committed", err=True)
        raise
    finally:
        if progress is not None:
            progress.stop()
    if not quiet:
        try:
            say(_summary(report, directory))
        except OSError:
            import signal

            # A closed terminal (SIGHUP): the work is committed, there is no one to tell.
            if report.interrupted != getattr(signal, "SIGHUP", None):
                raise
    if report.interrupted:
        ctx.exit(128 + report.interrupted)


def _check_index_run(paths, directory: Path) -> None:
    """Fail before the archive's folder (and its lock) is created for a run that cannot start."""
    from .engine import open_engine

    for path in paths:
        if not os.path.lexists(path):
            raise NewsgrepError(f"{os.path.abspath(path)}: no such file or folder")
    if not paths and not open_engine(directory, create=True).exists():
        raise NewsgrepError(f"nothing to index: give one or more paths (newsgrep index PATH...); "
                            f"no archive at {directory} yet")


class _IndexProgressBar:
    """The progress of ``newsgrep index`` on a terminal (stderr), phase by phase:
    files found while scanning; then a bar of the bytes read, with articles and MB;
    then the segments being written."""

    def __init__(self):
        from rich.console import Console
        from rich.progress import (BarColumn, Progress, SpinnerColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
            TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
            TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self.console = self.progress.console
        self.task = None  # the current phase's own line
        self.phase = None

    def _phase(self, phase, description: str, **fields) -> None:
        if phase != self.phase:
            if self.task is not None:
                self.progress.update(self.task, visible=False)
            self.task = self.progress.add_task(description, total=None, info="")
            self.phase = phase
        self.progress.update(self.task, description=description, **fields)  # type: ignore[arg-type]

    def start(self) -> None:
        self.progress.start()

    def stop(self) -> None:
        self.progress.stop()

    def warn(self, message: str) -> None:
        from .render import safe_message

        self.console.print(safe_message(warning_line(message)), markup=False,
                           highlight=False)

    def update(self, event) -> None:
        from .indexing import Phase

        if event.phase is Phase.SCAN:
            self._phase(event.phase, "scanning", info=f"{event.files} files found")
        elif event.phase is Phase.READ:
            mb, digits = 1 << 20, 0 if event.total_bytes >= 100 << 20 else 1
            self._phase(event.phase, "reading", total=max(event.total_bytes, 1),
                        completed=event.bytes,
                        info=f"{event.articles} articles, {event.bytes / mb:.{digits}f}/"
                             f"{event.total_bytes / mb:.{digits}f} MB, "
                             f"{event.files}/{event.total_files} files")
        elif event.phase is Phase.STOP:  # a spinner, no end known
            self._phase(event.phase, "stopping", info=event.label)
        else:
            self._phase(event.phase, event.label or "writing", info="")


def _summary(report, directory) -> str:
    lines = [
        f"indexed {report.articles} articles in {report.elapsed:.1f} s: "
        f"{report.added} files added, {report.updated} updated, {report.removed} removed, "
        f"{report.unchanged} unchanged",
    ]
    skipped = sum(report.skipped.values())
    if skipped:
        reasons = ", ".join(f"{n} {reason}" for reason, n in report.skipped.most_common())
        lines.append(f"skipped {skipped} files: {reasons}")
    if report.excluded or report.excluded_folders:
        folders = (f" and {report.excluded_folders} folders" if report.excluded_folders
                   else "")
        lines.append(f"excluded {report.excluded} files{folders} "
                     "(--exclude, --include, .newsgrepignore)")
    if report.interrupted:
        lines.append("interrupted: the articles above are committed; "
                     "run newsgrep index again to go on")
    lines.append(f"index {directory} holds {report.total} articles")
    return "\n".join(lines)


def _date_options(f):
    f = click.option("--until", metavar="DATE",
                     help="Only articles dated up to DATE (2022-03, 2022-03-15, 30d ...).")(f)
    f = click.option("--since", metavar="DATE",
                     help="Only articles dated from DATE on (2022-01, 2022-01-05, 30d, 1y ...).")(f)
    return f


_dups_option = click.option(
    "--dups", type=click.Choice(["group", "all"]), default=None,
    help="Reprints: show each story once, its copies counted (group; the default, but -l "
         "lists every copy's file), or every copy (all).")


def _dups(dups: str | None, files_only: bool) -> str:
    """Each story once by default (pipes too: the same output as on a terminal); -l lists
    the file of every copy unless --dups group asks for the leads' only."""
    return dups or ("all" if files_only else "group")


def _hit_options(f):
    """Options that shape a list of hits: shared by search and similar."""
    for option in reversed([
        click.option("-n", "--limit", type=click.IntRange(min=0), default=None,
                     help="Show at most N hits; 0 for all [default: 10; all with -l]."),
        click.option("--json", "as_json", is_flag=True, help="JSON Lines: one object per hit."),
        click.option("-l", "--files-with-matches", "files_only", is_flag=True,
                     help="Print only the paths of matching files."),
        click.option("-0", "--null", is_flag=True, help="With -l: end paths with NUL, not newline."),
        click.option("--context", type=click.IntRange(min=10, max=2000), default=80,
                     show_default=True, help="Characters of text around each match in a snippet."),
        click.option("--snippets", type=click.IntRange(min=1, max=20), default=2,
                     show_default=True, help="Snippet fragments per hit."),
        color_option,
    ]):
        f = option(f)
    return f


def _hit_conflicts(files_only: bool, null: bool, as_json: bool, quiet: bool = False, *,
                   count: bool = False, timeline: bool = False) -> None:
    """Options that contradict each other are usage errors, not silently ignored."""
    if null and not files_only:
        raise click.UsageError("-0/--null goes with -l/--files-with-matches")
    files, quiet_ = ("-l/--files-with-matches", files_only), ("-q/--quiet", quiet)
    # one output each: hits, paths, a count, a chart, or nothing (-q); JSON for all but paths
    _exclusive(quiet_, files, ("-c/--count", count), ("--timeline", timeline))
    _exclusive(quiet_, files, ("--json", as_json))


def _limit(limit: int | None, files_only: bool) -> int | None:
    """Hits to show for ``-n`` (None: all): 10 by default, all with -l or -n 0."""
    n = limit if limit is not None else (0 if files_only else 10)
    return n or None


def _print_hits(hits, *, as_json: bool, files_only: bool, null: bool, color: str) -> None:
    from . import render

    out = sys.stdout
    if files_only:
        render.write_paths(out, hits, null=null)
    elif as_json:
        render.write_json_lines(out, (render.hit_json(h) for h in hits))
    elif render.wants_color(color, out):
        render.print_hits(render.make_console(color), hits)
    else:
        render.write_hits_plain(out, hits)


def _suggest_or_fix(archive, query: str, found: int, fix: bool, since, until) -> str | None:
    """After a query found nothing or little: print a did-you-mean; with --fix, return it."""
    from .render import safe

    suggestion = archive.did_you_mean(query, found, since=since, until=until)
    if suggestion is None:
        return None
    why = "; ".join(f"{c.original} → {c.replacement}: {c.kind}" for c in suggestion.changes)
    if fix:
        click.echo(f"newsgrep: searching for: {safe(suggestion.query)} instead of: {safe(query)}"
                   f"  ({safe(why)})", err=True)
        return suggestion.query
    articles = f"{suggestion.count} article{'s' if suggestion.count != 1 else ''}"
    click.echo(f"newsgrep: did you mean: {safe(suggestion.query)}  ({safe(why)}; {articles}; "
               "--fix searches for it)", err=True)
    return None


_TIME_GROUPS = ("year", "month", "week", "day")  # counting.PERIODS, without importing it


@cli.command()
@click.argument("query", required=False, metavar="QUERY")  # none with --batch
@index_option
@_hit_options
@click.option("--batch", is_flag=True,
              help="Read queries from stdin, one a line (or JSON objects with their own "
                   "options); print JSON Lines, each with its query and line number.")
@click.option("-c", "--count", "count_only", is_flag=True,
              help="Print only the number of matching articles (per group with --by).")
@click.option("--by", type=click.Choice(["source", "author", "section", *_TIME_GROUPS]),
              help="With -c: count per group (TSV; JSON Lines with --json). "
                   "With --timeline: the period of a bar.")
@click.option("--timeline", is_flag=True,
              help="Draw a chart of matching articles per day, week, month or year.")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]),
              default="relevance", show_default=True, help="Order of the hits.")
@_dups_option
@click.option("--unique", is_flag=True,
              help="With -c or --timeline: count stories (a reprint group once), not articles.")
@_date_options
@click.option("--fix", is_flag=True,
              help="Search for the suggested correction instead (when there is one).")
@click.option("-q", "--quiet", is_flag=True,
              help="Print nothing: the exit status only tells whether something was found.")
@click.pass_context
def search(ctx, query, index_dir, limit, as_json, files_only, null, context, snippets, color,
           count_only, by, timeline, sort, since, until, fix, quiet=False, batch=False,
           dups=None, unique=False):
    """Search the index; print the best hits with matched word forms highlighted.

    \b
    Query language: words are ANDed; OR, NOT or -word, (parentheses),
    "phrases" ("..."~N: within N words), field prefixes title:, source:,
    author:, section:, path:; date:2022-01..2022-02, date:30d..; =exact forms;
    wildcards атак*; fuzzy призидент~ (or ~2).
      newsgrep search 'атака'
      newsgrep search '"здание полиции" NOT title:видео' --since 2022-01
      newsgrep search Алматы -c --by month
      newsgrep search Алматы --timeline

    When nothing is found, a corrected query (spelling, keyboard layout,
    transliteration) is suggested on stderr; --fix searches for it. A rare
    Latin word may get a suggestion even when found (almaty -> Алматы).

    \b
    Output for scripts: --json prints JSON Lines (one object per hit: use jq),
    -l the paths of matching files (-0: NUL-separated), -c the number of
    matching articles ({"count": N} with --json), -q nothing at all.
      newsgrep search 'атака NOT учения' --json | jq -r .title
      newsgrep search полиция -l -0 | xargs -0 wc -c
      newsgrep search -q Алматы && echo found
      newsgrep search -- '-учения атака'     # a query that starts with '-'

    \b
    Many queries, one process: --batch reads them from stdin, one a line, or
    JSON objects {"query": ..., "limit": 3, "sort": "newest", "since": ...}
    (see the README); it prints one JSON object per hit with "line" and
    "query", {"line", "query", "hits": 0} for a query that found nothing,
    and {"line", "query", "error"} for a line it could not run.
      printf '%s\\n' атака дрон | newsgrep search --batch -n 3 | jq -r .title

    Exit status: 0 when something was found, 1 when nothing was, 2 on errors.
    With --batch: 0 when every line ran, 2 when a line was an error.
    """
    from . import render
    from .archive import FEW, open_archive

    if batch:
        return _search_batch(ctx, query, index_dir, limit, files_only, context, snippets,
                             count_only, by, timeline, sort, since, until, fix, quiet, dups)
    if query is None:
        raise click.MissingParameter(ctx=ctx, param=next(
            p for p in ctx.command.params if p.name == "query"))
    _hit_conflicts(files_only, null, as_json, quiet, count=count_only, timeline=timeline)
    directory = _archive(index_dir)
    if by and not (count_only or timeline):
        raise click.UsageError("--by goes with -c (counts per group) or --timeline")
    if timeline and by not in (None, *_TIME_GROUPS):
        raise click.UsageError(f"a timeline goes by {', '.join(_TIME_GROUPS)}, not by {by}")
    if unique and not (count_only or timeline):
        raise click.UsageError("--unique goes with -c (count stories) or --timeline")
    dups = _dups(dups, files_only)
    dates = {"since": since, "until": until}
    archive = open_archive(directory)

    def run(q: str):
        if quiet:
            n = archive.count(q, **dates)
            return n, n
        if timeline:
            tl = archive.timeline(q, by, unique=unique, **dates)
            return tl, tl.total + tl.undated
        if count_only and by:
            rows = archive.group_counts(q, by, unique=unique, **dates)
            return rows, sum(n for _, n in rows)
        if count_only:
            n = archive.count(q, unique=unique, **dates)
            return n, n
        want = _limit(limit, files_only)
        if want is None and not files_only:  # (-n 0: every hit, made as it is written)
            stream = archive.search_iter(q, context=context, fragments=snippets, sort=sort,
                                         dups=dups, **dates)
            return stream, stream.total
        result = archive.search(q, limit=want, context=context, fragments=snippets,
                                sort=sort, dups=dups, text=not files_only, **dates)
        # Partial matches (some of the words only) fill up a short list, but "found" means all.
        return result, sum(1 for h in result.hits if not h.partial)

    with archive:  # (open while the hits are written: -n 0 reads their texts then)
        out, found = run(query)
        if found < FEW and not quiet:
            fixed = _suggest_or_fix(archive, query, found, fix, since, until)
            if fixed is not None:
                out, found = run(fixed)
        if (count_only or timeline) and not quiet and (unique or sys.stderr.isatty()):
            click.echo("newsgrep: counted stories (each reprint group once)" if unique else
                       "newsgrep: counted articles (copies too; --unique counts stories)",
                       err=True)
        if quiet:
            pass
        elif timeline:
            if as_json:
                render.write_json_lines(sys.stdout, ({out.by: label, "count": n}
                                                     for label, n in out.buckets))
            else:
                render.print_timeline(render.make_console(color), out)
        elif count_only and by:
            render.write_groups(sys.stdout, by, out, as_json=as_json)
        elif count_only:
            click.echo(render.dumps({"count": out, **({"unit": "stories"} if unique else {})})
                       if as_json else out)
        else:
            _print_hits(out.hits, as_json=as_json, files_only=files_only, null=null, color=color)
    ctx.exit(ExitCode.OK if found else ExitCode.NO_MATCH)


def _search_batch(ctx, query, index_dir, limit, files_only, context, snippets, count_only, by,
                  timeline, sort, since, until, fix, quiet, dups) -> None:
    """``search --batch``: the queries of stdin, answered as JSON Lines (see newsgrep.batch)."""
    from . import render
    from .archive import open_archive
    from .searching import HitStream

    if query is not None:
        raise click.UsageError("--batch reads the queries from stdin: give no QUERY")
    for name, given in (("-l/--files-with-matches", files_only), ("--timeline", timeline),
                        ("--by", by), ("--fix", fix), ("-q/--quiet", quiet)):
        if given:
            raise click.UsageError(f"--batch and {name} cannot be used together")
    defaults = {"limit": limit if limit is not None else 10, "context": context,
                "snippets": snippets, "sort": sort, "since": since, "until": until,
                "count": count_only, "dups": _dups(dups, False)}
    out, failed = sys.stdout, 0
    with open_archive(_archive(index_dir)) as archive:
        # (bytes that are not UTF-8 become U+FFFD: that line is answered, not the run ended)
        lines = (raw.decode("utf-8", "replace") for raw in sys.stdin.buffer)
        for answer in archive.search_many(lines, **defaults):
            head = {"line": answer.line, "query": answer.query}
            objects: Iterable[dict]
            if answer.error is not None:
                failed += 1
                warn(f"line {answer.line}: {answer.error}")
                objects = [{**head, "error": answer.error}]
            elif answer.count is not None:
                objects = [{**head, "count": answer.count}]
            elif answer.result is not None and (answer.result.total if isinstance(
                    answer.result, HitStream) else answer.result.hits):
                objects = ({**head, **render.hit_json(h)} for h in answer.result.hits)
            else:
                objects = [{**head, "hits": 0}]
            render.write_json_lines(out, objects)
            out.flush()  # a script that writes a query waits for its answer
    ctx.exit(ExitCode.ERROR if failed else ExitCode.OK)


@cli.command()
@click.argument("query")
@index_option
@click.option("--by", type=click.Choice(_TIME_GROUPS),
              help="The period of a bar [default: chosen from the dates found].")
@_date_options
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one object per period.")
@click.option("--fix", is_flag=True,
              help="Chart the suggested correction instead (when there is one).")
@color_option
@click.pass_context
@click.option("--unique", is_flag=True, help="Count stories (a reprint group once), not articles.")
def timeline(ctx, query, index_dir, by, since, until, as_json, fix, color, unique):
    """Chart the articles matching QUERY per day, week, month or year.

    The same as: newsgrep search QUERY --timeline

    \b
    Examples:
      newsgrep timeline Алматы                    # the period chosen from the dates
      newsgrep timeline 'атака OR штурм' --by week --since 2022-01
      newsgrep timeline Алматы --json | jq -r '[.month, .count] | @tsv'
    """
    ctx.invoke(search, **ctx.params, timeline=True)  # search's defaults for the rest


@cli.command()
@click.argument("ref", metavar="ID|PATH")
@index_option
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one object per copy.")
def reprints(ref, index_dir, as_json):
    """Show the reprint group of one article: every copy in time order.

    For each copy: date, source, headline, similarity to the lead (the
    estimated share of the shorter text found in the other; every copy is a
    near copy of the lead, dated within 3 days of it) and
    which one is the lead (the earliest-dated copy) and why.

    \b
    Examples:
      newsgrep reprints 3f2a9c1e                  # an id (or a unique prefix of one)
      newsgrep reprints news/2022/0105.html
      newsgrep reprints 3f2a9c1e --json | jq -r .source
    """
    from . import render
    from .archive import open_archive

    with open_archive(_archive(index_dir)) as archive:
        rows = archive.reprints(ref)
    if as_json:
        render.write_json_lines(sys.stdout, ({**r, "date": render.iso(r["date"])}
                                             for r in rows))
        return
    for r in rows:
        date = r["date"].strftime("%Y-%m-%d %H:%M") if r["date"] else "no date         "
        mark = f"first ({r['lead_reason']})" if r["lead"] else f"{r['similarity']:.2f}"
        click.echo("\t".join([date, render.safe(r["source"] or "(no source)"), mark,
                              render.safe(r["title"] or "(no title)"), r["id"]]))
    if len(rows) == 1:
        click.echo("newsgrep: no copies of this article", err=True)


def _complete_ref(ctx, param, incomplete: str):
    """ID|PATH: the ids of the archive that start with what was typed, else file names."""
    from click.shell_completion import CompletionItem

    if incomplete and all(c in "0123456789abcdef" for c in incomplete):
        try:
            from .config import locate
            from .searching import ids_with_prefix

            directory = locate(ctx.params.get("index_dir"), ctx.meta.get(_ARCHIVE)).path
            ids = ids_with_prefix(directory, incomplete, limit=100)
        except Exception:  # completion never fails loudly
            ids = []
        if ids:
            return [CompletionItem(i) for i in ids]
    return [CompletionItem(incomplete, type="file")]


@cli.command()
@click.argument("ref", metavar="ID|PATH", shell_complete=_complete_ref)
@click.argument("query", required=False)
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the article as one JSON object.")
@click.option("--pager/--no-pager", default=True, show_default=True,
              help="Page the article on a terminal.")
@color_option
def show(ref, query, index_dir, as_json, pager, color):
    """Show a whole article: headline, metadata and body, QUERY's words highlighted.

    ID is an article id (from search --json); PATH is an indexed file
    (PATH#KEY for one record of a multi-article file; a PATH alone shows all
    of its articles). On a terminal the article goes through a pager
    ($PAGER, else less). An id may be shortened to a unique prefix, as in
    git (at least 4 digits).

    \b
    Examples:
      newsgrep show samples/text/rostov_police_building.txt полиция
      newsgrep show 3f9c2a1b                  # a unique prefix of an id
      newsgrep show dump.jsonl#42 --no-pager
      newsgrep show ID --json | jq -r .body
    """
    from . import render
    from .archive import open_archive

    with open_archive(_archive(index_dir)) as archive:
        views = archive.fetch(ref, query)
    if as_json:
        render.write_json_lines(sys.stdout, (render.article_json(v) for v in views))
        return
    console = render.make_console(color)
    if pager and _is_terminal():
        # As git does: quit when it fits one screen, pass colours, keep the screen.
        os.environ.setdefault("LESS", "FRX")
        with console.pager(styles=console.color_system is not None):
            _print_views(console, views)
    else:
        _print_views(console, views)


def _is_terminal() -> bool:
    return sys.stdout.isatty()


def _print_views(console, views) -> None:
    from . import render

    for i, view in enumerate(views):
        if i:
            console.print()
            console.rule(style=render.META_STYLE)
        render.print_article(console, view)


@cli.command()
@click.argument("ref", metavar="ID|PATH", shell_complete=_complete_ref)
@index_option
@_hit_options
@_dups_option
@_date_options
@click.pass_context
def similar(ctx, ref, index_dir, limit, as_json, files_only, null, context, snippets, color,
            since, until, dups=None):
    """Find the articles most like one article (more like this).

    ID is an article id; PATH an indexed file (PATH#KEY for one record of a
    multi-article file), or any article file, indexed or not. The article's
    key terms are searched for; the article itself is left out, and so are its
    reprints (newsgrep reprints lists them) unless --dups all.

    \b
    Examples:
      newsgrep similar samples/sputnik/kz_almaty_police_night.txt -n 3
      newsgrep similar 3f9c2a1b --since 2022-01 --json | jq -r .title
      newsgrep similar ~/draft.txt -l          # a file that is not indexed
    """
    from .archive import open_archive

    _hit_conflicts(files_only, null, as_json)

    with open_archive(_archive(index_dir)) as archive:
        result = archive.similar(ref, limit=_limit(limit, files_only), context=context,
                                 fragments=snippets, since=since, until=until,
                                 dups=_dups(dups, files_only), text=not files_only)
    _print_hits(result.hits, as_json=as_json, files_only=files_only, null=null, color=color)
    ctx.exit(ExitCode.OK if result.hits else ExitCode.NO_MATCH)


@cli.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@color_option
def stats(index_dir, as_json, color):
    """Show what the index holds: articles, dates, sources, size.

    \b
    Examples:
      newsgrep stats
      newsgrep stats --archive work
      newsgrep stats --json | jq .sources
    """
    from . import render
    from .archive import open_archive

    with open_archive(_archive(index_dir)) as archive:
        figures = archive.stats()
    if as_json:
        click.echo(render.dumps(figures))
    elif render.wants_color(color):
        render.print_stats(render.make_console(color), figures)
    else:
        render.write_stats_plain(sys.stdout, figures)


@cli.command()
@index_option
def check(index_dir):
    """Check that the index is whole: its TOC, every segment's files, the files table, the lexicon.

    Prints one line per problem on stdout (FILE: what is wrong), or "ok" and
    what the index holds.

    \b
    Exit status: 0 when the index is healthy, 2 when it is damaged (repair it
    with: newsgrep index --rebuild) or missing.

    \b
    Examples:
      newsgrep check
      newsgrep check --archive work || newsgrep index --rebuild --archive work
    """
    from .archive import check_archive, open_archive
    from .errors import IndexCorrupt
    from .render import safe_message

    directory = _archive(index_dir)
    problems = check_archive(directory)
    for problem in problems:
        click.echo(safe_message(str(problem)))
    if problems:
        raise IndexCorrupt(f"the index at {directory} is damaged ({len(problems)} problem"
                           f"{'s' if len(problems) > 1 else ''}); repair it with: "
                           f"newsgrep index --rebuild --index {directory}")
    with open_archive(directory) as archive:
        figures = archive.stats()
    click.echo(safe_message(f"ok: {directory}: {figures['articles']} articles"))


@cli.command()
@click.argument("text")
@click.option("--morphology", type=click.Choice(["stem", "lemma"]), default=None,
              help="Show the terms of this mode as indexed [default: the index's mode, "
                   f"else {DEFAULT_MORPHOLOGY}].")
@index_option
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one object per word.")
def analyze(text, morphology, index_dir, as_json):
    """Show how TEXT is indexed: each word's stem, lemma(s), and the terms indexed.

    A hyphenated word is shown whole, then part by part (both are indexed).
    Several lemmas of an ambiguous word are separated by |.

    \b
    Examples:
      newsgrep analyze 'атаками в Ростове-на-Дону'
      newsgrep analyze 'шёл люди стали' --morphology lemma
      newsgrep analyze 'Алматы' --json | jq .terms
    """
    from . import render
    from .archive import analyze as analyze_text
    from .engine import open_engine

    if morphology is None:
        try:
            morphology = open_engine(_archive(index_dir), create=True).info().morphology
        except NewsgrepError:  # no index: the default of a new one
            morphology = DEFAULT_MORPHOLOGY
    out = sys.stdout
    if not as_json:
        out.write(f"word\tstem\tlemma\tindexed ({morphology} mode)\n")
    for row in analyze_text(text, morphology):
        if as_json:
            render.write_json_lines(out, [row])
        else:
            out.write("\t".join(render.safe(x) for x in (
                row["word"], row["stem"], "|".join(row["lemmas"]), "|".join(row["terms"]))) + "\n")


@cli.command("config")
@index_option
@click.option("--json", "as_json", is_flag=True,
              help='JSON Lines: {"setting": ..., "value": ..., "source": ...} per setting.')
@click.pass_context
def config_command(ctx, index_dir, as_json):
    """Show each setting, its value and where it came from.

    Sources: default, config FILE:LINE, env VARIABLE, option --NAME. The config
    file is ~/.config/newsgrep/config.toml (the platform's config folder), or
    $NEWSGREP_CONFIG; see the README's Configuration for its keys.

    \b
    Examples:
      newsgrep config
      newsgrep config --archive work      # where that archive is
      NEWSGREP_CONFIG=~/other.toml newsgrep config --json | jq -r .setting
    """
    from . import render

    config = _config()
    rows = [("config file", str(config.path), config.origin + ("" if config.exists
                                                               else "; not present"))]
    where = _location(index_dir)
    rows.append(("archive", str(where), where.origin))
    for name, entry in sorted(config.archives.items()):
        rows.append((f"archives.{name}", entry.value, f"config {config.path}:{entry.line}"))
    param_command = ctx.find_root().command.commands.get
    for command, option, param in _configurable(ctx.find_root().command):
        value, source = param.get_default(click.Context(param_command(command))), "default"
        if not isinstance(value, (bool, int, float, str, list, tuple)):
            value = None  # no default (click >= 8.3 has a sentinel for it)
        for key in (f"{command}.{option}", option):
            if key in config.values:
                value, source = config.values[key].value, config.where(key)
                break
        rows.append((f"{command}.{option}", value, source))
    if os.environ.get("NO_COLOR"):
        rows.append(("NO_COLOR", os.environ["NO_COLOR"], "env NO_COLOR: --color auto gives none"))
    out = sys.stdout
    if as_json:
        render.write_json_lines(out, ({"setting": s, "value": v, "source": f} for s, v, f in rows))
        return
    shown = [(s, _setting_text(v), f) for s, v, f in rows]
    width = max(len(s) for s, _, _ in shown)
    vwidth = min(48, max(len(v) for _, v, _ in shown))
    for s, v, f in shown:
        out.write(render.safe(f"{s:<{width}}  {v:<{vwidth}}  {f}") + "\n")


def _setting_text(value) -> str:
    if value is None:
        return "(built in: see --help)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) or "(none)"
    return str(value)


@cli.command()
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell):
    """Print the shell completion script for SHELL (bash, zsh or fish).

    It completes commands, options, archive names (--archive), and the ids
    and paths of show and similar from the archive.

    \b
    Examples:
      eval "$(newsgrep completion bash)"             # this shell; or, for good:
      newsgrep completion bash > ~/.local/share/bash-completion/completions/newsgrep
      newsgrep completion zsh > ~/.zfunc/_newsgrep   # with fpath+=~/.zfunc before compinit
      newsgrep completion fish > ~/.config/fish/completions/newsgrep.fish
    """
    from click.shell_completion import get_completion_class

    complete = get_completion_class(shell)
    assert complete is not None  # click knows each shell the Choice admits
    script = complete(cli, {}, "newsgrep", "_NEWSGREP_COMPLETE").source()
    click.echo(script)


def main(argv: list[str] | None = None) -> None:
    """The ``newsgrep`` console script."""
    try:
        code = cli.main(args=argv, prog_name="newsgrep", standalone_mode=False)
        sys.stdout.flush()  # (a closed pipe shows here, not as Python exits)
    except click.ClickException as e:
        e.show()
        code = e.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt) as e:
        # click turns a KeyboardInterrupt into Abort; a signal's own code (143 for SIGTERM).
        cause = e if isinstance(e, KeyboardInterrupt) else e.__cause__
        code = 128 + cause.signum if isinstance(cause, Interrupted) else ExitCode.INTERRUPTED
    except (BrokenPipeError, PipeClosed):
        # The reader went away (`| head`): stop quietly, and keep Python from
        # complaining when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = ExitCode.OK
    except Exception as e:  # a bug: one line, unless asked for the traceback
        if os.environ.get("NEWSGREP_DEBUG"):
            raise
        say(f"newsgrep: internal error: {type(e).__name__}: {e} "
            "(set NEWSGREP_DEBUG=1 to see the traceback)")
        code = ExitCode.ERROR
    sys.exit(int(code or 0))
