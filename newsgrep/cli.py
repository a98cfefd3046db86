"""The command line: a thin click layer over the library.

Each command turns options into one library call and hands the result to
``render``. Library errors become one line on stderr and an exit code here,
in one place (:class:`CliError`).
"""
from __future__ import annotations

import os
import sys

import click

from . import __version__
from .errors import ExitCode, NewsgrepError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class CliError(click.ClickException):
    """A library error, shown as ``newsgrep: error: ...`` with its exit code."""

    def __init__(self, error: NewsgrepError):
        super().__init__(str(error))
        self.exit_code = int(error.exit_code)

    def show(self, file=None) -> None:
        click.echo(f"newsgrep: error: {self.format_message()}", err=True)


def warn(message: str) -> None:
    click.echo(f"newsgrep: warning: {message}", err=True)


class PipeClosed(Exception):
    """The reader of stdout went away (``| head``)."""


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NewsgrepError as e:
            raise CliError(e) from None


index_option = click.option(
    "--index", "index_dir", metavar="DIR", type=click.Path(file_okay=False),
    help="Index location [default: $NEWSGREP_INDEX, else ./index].")
color_option = click.option(
    "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
    help="Colour the output; auto: only on a terminal, and never when NO_COLOR is set.")


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
def cli():
    """Search archives of Russian-language news from the terminal.

    \b
    Build an index, then search it:
      newsgrep index samples/
      newsgrep search атака
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@index_option
@click.option("--rebuild", is_flag=True, help="Start the index over instead of updating it.")
@click.option("--encoding", metavar="NAME", callback=_encoding_option,
              help="Read text files in this encoding (e.g. cp1251) instead of detecting it.")
@click.option("--wait", is_flag=True, help="Wait for another writer instead of failing.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes [default: one per CPU; none for small runs].")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
def index(paths, index_dir, rebuild, encoding, wait, jobs, quiet):
    """Index the article files under PATHS (files or folders).

    Runs are incremental: unchanged files are not read again, and files gone
    from under the indexed folders are removed. With no PATHS, the folders
    indexed before are refreshed.

    \b
    Exit status: 0 when the run completed (unreadable files are reported as
    warnings and in the summary), 2 on errors, 3 when another newsgrep is
    writing to the index.
    """
    from .indexing import index_paths
    from .schema import index_dir as resolve

    directory = resolve(index_dir)
    progress = None if quiet or not sys.stderr.isatty() else _progress_bar()
    report_warning = warn
    if progress is not None:
        def report_warning(message: str) -> None:
            from .render import safe
            progress.console.print(f"newsgrep: warning: {safe(message)}", markup=False,
                                   highlight=False)
    try:
        if progress is not None:
            progress.start()
            task = progress.add_task("indexing", total=None)

            def on_progress(done: int, total: int, path: str) -> None:
                progress.update(task, completed=done, total=total)
        else:
            on_progress = None
        report = index_paths(paths, directory, encoding=encoding, rebuild=rebuild, wait=wait,
                             jobs=jobs, on_warning=report_warning, on_progress=on_progress)
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
        click.echo(_summary(report, directory), err=True)


def _progress_bar():
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TextColumn("files"), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=Console(stderr=True), transient=True)


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
    lines.append(f"index {directory} holds {report.total} articles")
    return "\n".join(lines)


@cli.command()
@click.argument("query")
@index_option
@click.option("-n", "--limit", type=click.IntRange(min=0), default=None,
              help="Show at most N hits; 0 for all [default: 10; all with -l].")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one object per hit.")
@click.option("-l", "--files-with-matches", "files_only", is_flag=True,
              help="Print only the paths of matching files.")
@click.option("-0", "--null", is_flag=True, help="With -l: end paths with NUL, not newline.")
@click.option("-c", "--count", "count_only", is_flag=True,
              help="Print only the number of matching articles.")
@click.option("--context", type=click.IntRange(min=10, max=2000), default=80, show_default=True,
              help="Characters of text around each match in a snippet.")
@click.option("--snippets", type=click.IntRange(min=1, max=20), default=2, show_default=True,
              help="Snippet fragments per hit.")
@color_option
@click.pass_context
def search(ctx, query, index_dir, limit, as_json, files_only, null, count_only, context,
           snippets, color):
    """Search the index; print the best hits with matched word forms highlighted.

    \b
    Query language (Whoosh): words are ANDed; OR, NOT, (parentheses),
    "phrases", and field prefixes title:, source:, section:, path:.
      newsgrep search 'атака'
      newsgrep search '"здание полиции" NOT title:видео'

    Exit status: 0 when something was found, 1 when nothing was, 2 on errors.
    """
    from . import searching
    from .schema import index_dir as resolve

    directory = resolve(index_dir)
    if count_only:
        n = searching.count(directory, query)
        click.echo(n)
        ctx.exit(ExitCode.OK if n else ExitCode.NO_MATCH)
    if limit is None:
        limit = 0 if files_only else 10
    result = searching.search(directory, query, limit=limit or None, context=context,
                              fragments=snippets)
    out = sys.stdout
    from . import render
    if files_only:
        render.write_paths(out, result.hits, null=null)
    elif as_json:
        render.write_json_lines(out, (render.hit_json(h) for h in result.hits))
    elif render.wants_color(color, out):
        render.print_hits(render.make_console(color), result.hits)
    else:
        try:
            render.write_hits_plain(out, result.hits)
            out.flush()
        except BrokenPipeError:
            # Not through click, which turns EPIPE into exit status 1 ("nothing found").
            raise PipeClosed from None
    # Partial matches (some of the words only) fill up a short list, but "found" means all.
    found = any(not h.partial for h in result.hits)
    ctx.exit(ExitCode.OK if found else ExitCode.NO_MATCH)


@cli.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@color_option
def stats(index_dir, as_json, color):
    """Show what the index holds: articles, dates, sources, size."""
    from . import render, searching
    from .schema import index_dir as resolve

    figures = searching.stats(resolve(index_dir))
    if as_json:
        click.echo(render.dumps(figures))
    else:
        render.print_stats(render.make_console(color), figures)


@cli.command()
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one object per word.")
def analyze(text, as_json):
    """Show the index terms TEXT gets: why a word is (or is not) found."""
    from . import render
    from .analysis import word_spans

    rows = [(text[s:e], term) for s, e, term in word_spans(text)]
    out = sys.stdout
    if as_json:
        render.write_json_lines(out, ({"word": w, "term": t} for w, t in rows))
    else:
        for word, term in rows:
            out.write(f"{render.safe(word)}\t{render.safe(term)}\n")


def main(argv: list[str] | None = None) -> None:
    """The ``newsgrep`` console script."""
    try:
        code = cli.main(args=argv, prog_name="newsgrep", standalone_mode=False)
    except click.ClickException as e:
        e.show()
        code = e.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        code = ExitCode.INTERRUPTED
    except (BrokenPipeError, PipeClosed):
        # The reader went away (`| head`): stop quietly, and keep Python from
        # complaining when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = ExitCode.OK
    except Exception as e:  # a bug: one line, unless asked for the traceback
        if os.environ.get("NEWSGREP_DEBUG"):
            raise
        click.echo(f"newsgrep: internal error: {type(e).__name__}: {e} "
                   "(set NEWSGREP_DEBUG=1 to see the traceback)", err=True)
        code = ExitCode.ERROR
    sys.exit(int(code or 0))
