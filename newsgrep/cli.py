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
from .errors import ExitCode, Interrupted, NewsgrepError
from .schema import DEFAULT_MORPHOLOGY

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
@click.option("--morphology", type=click.Choice(["stem", "lemma"]), default=None,
              help="How words are matched: lemma (dictionary forms: шёл finds идти) or stem "
                   "(Snowball stems). Chosen when the index is created [default: "
                   f"{DEFAULT_MORPHOLOGY}]; to change it, --rebuild.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary.")
@click.option("--exclude", "excludes", metavar="GLOB", multiple=True,
              help="Leave out the files matching GLOB (gitignore-style, relative to each PATH; "
                   "repeatable). Remembered for later runs; --exclude '' forgets them.")
@click.option("--include", "includes", metavar="GLOB", multiple=True,
              help="Read only the files matching GLOB (gitignore-style; repeatable). "
                   "Remembered for later runs; --include '' forgets them.")
@click.pass_context
def index(ctx, paths, index_dir, rebuild, encoding, wait, jobs, morphology, quiet, excludes,
          includes):
    """Index the article files under PATHS (files or folders).

    Runs are incremental: unchanged files are not read again, and files gone
    from under the indexed folders are removed. With no PATHS, the folders
    indexed before are refreshed. A .newsgrepignore file in an indexed
    folder leaves out files as a .gitignore does.

    \b
    Ctrl-C (or SIGTERM) stops the run within seconds and keeps what was
    read: the workers finish their segments, which are committed, and the
    next run goes on from there. A second Ctrl-C stops at once.

    \b
    Exit status: 0 when the run completed (unreadable files are reported as
    warnings and in the summary), 2 on errors, 3 when another newsgrep is
    writing to the index, 130 after Ctrl-C, 143 after SIGTERM.
    """
    from .indexing import index_paths
    from .schema import index_dir as resolve

    directory = resolve(index_dir)
    progress = None if quiet or not sys.stderr.isatty() else _IndexProgressBar()
    report_warning = warn if progress is None else progress.warn
    try:
        if progress is not None:
            progress.start()
        report = index_paths(paths, directory, encoding=encoding, rebuild=rebuild, wait=wait,
                             jobs=jobs, morphology=morphology, on_warning=report_warning,
                             on_progress=progress.update if progress is not None else None,
                             exclude=excludes or None, include=includes or None)
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
    if report.interrupted:
        ctx.exit(128 + report.interrupted)


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
        self.progress.update(self.task, description=description, **fields)

    def start(self) -> None:
        self.progress.start()

    def stop(self) -> None:
        self.progress.stop()

    def warn(self, message: str) -> None:
        from .render import safe

        self.console.print(f"newsgrep: warning: {safe(message)}", markup=False,
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
    if report.excluded:
        lines.append(f"excluded {report.excluded} files (--exclude, --include, .newsgrepignore)")
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
        try:
            render.write_hits_plain(out, hits)
            out.flush()
        except BrokenPipeError:
            # Not through click, which turns EPIPE into exit status 1 ("nothing found").
            raise PipeClosed from None


FEW = 5  # a search with fewer hits than this may still get a did-you-mean (almaty -> Алматы)


def _suggest_or_fix(directory, query: str, found: int, fix: bool, since, until) -> str | None:
    """After a query found nothing or little: print a did-you-mean; with --fix, return it."""
    import re

    from .render import safe
    from .suggest import suggest

    if found and (found >= FEW or not re.search(r"[A-Za-z]", query)):
        return None  # only a Latin word may be a transliteration worth asking about
    suggestion = suggest(directory, query, found=found, since=since, until=until)
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
@click.argument("query")
@index_option
@_hit_options
@click.option("-c", "--count", "count_only", is_flag=True,
              help="Print only the number of matching articles (per group with --by).")
@click.option("--by", type=click.Choice(["source", "section", *_TIME_GROUPS]),
              help="With -c: count per group (TSV; JSON Lines with --json). "
                   "With --timeline: the period of a bar.")
@click.option("--timeline", is_flag=True,
              help="Draw a chart of matching articles per day, week, month or year.")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]),
              default="relevance", show_default=True, help="Order of the hits.")
@_date_options
@click.option("--fix", is_flag=True,
              help="Search for the suggested correction instead (when there is one).")
@click.pass_context
def search(ctx, query, index_dir, limit, as_json, files_only, null, context, snippets, color,
           count_only, by, timeline, sort, since, until, fix):
    """Search the index; print the best hits with matched word forms highlighted.

    \b
    Query language: words are ANDed; OR, NOT or -word, (parentheses),
    "phrases" ("..."~N: within N words), field prefixes title:, source:,
    section:, path:; date:2022-01..2022-02, date:30d..; =exact forms;
    wildcards атак*; fuzzy призидент~ (or ~2).
      newsgrep search 'атака'
      newsgrep search '"здание полиции" NOT title:видео' --since 2022-01
      newsgrep search Алматы -c --by month
      newsgrep search Алматы --timeline

    When nothing is found, a corrected query (spelling, keyboard layout,
    transliteration) is suggested on stderr; --fix searches for it. A rare
    Latin word may get a suggestion even when found (almaty -> Алматы).

    Exit status: 0 when something was found, 1 when nothing was, 2 on errors.
    """
    from . import counting, render, searching
    from .schema import index_dir as resolve

    directory = resolve(index_dir)
    if by and not (count_only or timeline):
        raise click.UsageError("--by goes with -c (counts per group) or --timeline")
    if timeline and by not in (None, *_TIME_GROUPS):
        raise click.UsageError(f"a timeline goes by {', '.join(_TIME_GROUPS)}, not by {by}")
    dates = {"since": since, "until": until}

    def run(q: str):
        if timeline:
            tl = counting.timeline(directory, q, by, **dates)
            return tl, tl.total + tl.undated
        if count_only and by:
            rows = counting.group_counts(directory, q, by, **dates)
            return rows, sum(n for _, n in rows)
        if count_only:
            n = searching.count(directory, q, **dates)
            return n, n
        result = searching.search(directory, q, limit=_limit(limit, files_only),
                                  context=context, fragments=snippets, sort=sort, **dates)
        # Partial matches (some of the words only) fill up a short list, but "found" means all.
        return result, sum(1 for h in result.hits if not h.partial)

    out, found = run(query)
    if found < FEW:
        fixed = _suggest_or_fix(directory, query, found, fix, since, until)
        if fixed is not None:
            out, found = run(fixed)
    if timeline:
        if as_json:
            render.write_json_lines(sys.stdout, ({out.by: label, "count": n}
                                                 for label, n in out.buckets))
        else:
            render.print_timeline(render.make_console(color), out)
    elif count_only and by:
        render.write_groups(sys.stdout, by, out, as_json=as_json)
    elif count_only:
        click.echo(out)
    else:
        _print_hits(out.hits, as_json=as_json, files_only=files_only, null=null, color=color)
    ctx.exit(ExitCode.OK if found else ExitCode.NO_MATCH)


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
def timeline(ctx, query, index_dir, by, since, until, as_json, fix, color):
    """Chart the articles matching QUERY per day, week, month or year.

    The same as: newsgrep search QUERY --timeline
    """
    ctx.invoke(search, query=query, index_dir=index_dir, limit=None, as_json=as_json,
               files_only=False, null=False, context=80, snippets=2, color=color,
               count_only=False, by=by, timeline=True, sort="relevance", since=since,
               until=until, fix=fix)


@cli.command()
@click.argument("ref", metavar="ID|PATH")
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
    ($PAGER, else less).
    """
    from . import render, searching
    from .schema import index_dir as resolve

    views = searching.fetch(resolve(index_dir), ref, query)
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
@click.argument("ref", metavar="ID|PATH")
@index_option
@_hit_options
@_date_options
@click.pass_context
def similar(ctx, ref, index_dir, limit, as_json, files_only, null, context, snippets, color,
            since, until):
    """Find the articles most like one article (more like this).

    ID is an article id; PATH an indexed file (PATH#KEY for one record of a
    multi-article file), or any article file, indexed or not. The article's
    key terms are searched for; the article itself is left out.
    """
    from . import searching
    from .schema import index_dir as resolve

    result = searching.similar(resolve(index_dir), ref, limit=_limit(limit, files_only),
                               context=context, fragments=snippets, since=since, until=until)
    _print_hits(result.hits, as_json=as_json, files_only=files_only, null=null, color=color)
    ctx.exit(ExitCode.OK if result.hits else ExitCode.NO_MATCH)


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
@click.option("--morphology", type=click.Choice(["stem", "lemma"]), default=None,
              help="Show the terms of this mode as indexed [default: the index's mode, "
                   f"else {DEFAULT_MORPHOLOGY}].")
@index_option
@click.option("--json", "as_json", is_flag=True, help="JSON Lines: one object per word.")
def analyze(text, morphology, index_dir, as_json):
    """Show how TEXT is indexed: each word's stem, lemma(s), and the terms indexed.

    A hyphenated word is shown whole, then part by part (both are indexed).
    Several lemmas of an ambiguous word are separated by |.
    """
    from . import render
    from .analysis import word_spans
    from .schema import IndexMeta, index_dir as resolve

    if morphology is None:
        try:
            morphology = IndexMeta.load(resolve(index_dir)).morphology
        except NewsgrepError:  # no index: the default of a new one
            morphology = DEFAULT_MORPHOLOGY
    stems: dict[tuple[int, int], list[str]] = {}
    for s, e, term in word_spans(text, "stem"):
        stems.setdefault((s, e), []).append(term)
    lemmas: dict[tuple[int, int], list[str]] = {}
    for s, e, term in word_spans(text, "lemma"):
        if term not in lemmas.setdefault((s, e), []):
            lemmas[(s, e)].append(term)
    out = sys.stdout
    if not as_json:
        out.write(f"word\tstem\tlemma\tindexed ({morphology} mode)\n")
    for span, stem in stems.items():
        word = text[span[0]:span[1]]
        lemma = lemmas.get(span, [])
        indexed = lemma if morphology == "lemma" else stem
        if as_json:
            render.write_json_lines(out, [{"word": word, "stem": stem[0], "lemmas": lemma,
                                           "terms": indexed, "morphology": morphology}])
        else:
            out.write("\t".join(render.safe(x) for x in (
                word, stem[0], "|".join(lemma), "|".join(indexed))) + "\n")


def main(argv: list[str] | None = None) -> None:
    """The ``newsgrep`` console script."""
    try:
        code = cli.main(args=argv, prog_name="newsgrep", standalone_mode=False)
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
        click.echo(f"newsgrep: internal error: {type(e).__name__}: {e} "
                   "(set NEWSGREP_DEBUG=1 to see the traceback)", err=True)
        code = ExitCode.ERROR
    sys.exit(int(code or 0))
