"""Output: rich text for a terminal, plain text, JSON Lines and file lists for pipes.

Article text is data. Every string from an article passes through
:func:`safe` before it is printed: control characters (escape sequences
included) and bidirectional overrides become visible placeholders, one
character for one, so match spans stay valid. Article text is put into
``rich.text.Text`` objects and styled by span; it is never formatted into a
markup string.
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from datetime import datetime
from typing import IO, TYPE_CHECKING

from .articles.names import is_text_name, name_bytes, printable_name

if TYPE_CHECKING:  # (not imported to print stats or an error)
    from .counting import Timeline
    from .searching import ArticleView, Hit

MATCH_STYLE = "bold red"
TITLE_STYLE = "bold"
META_STYLE = "dim"
LABEL_STYLE = "cyan"    # the names of the rows of stats
HEADING_STYLE = "bold"

# C0 controls (but newline and tab) -> the Unicode "control pictures" (ESC -> ␛),
# DEL and C1 controls and bidi overrides -> U+FFFD. One character each.
_UNSAFE = {c: 0x2400 + c for c in range(0x20) if c not in (0x09, 0x0A)}
_UNSAFE[0x7F] = 0x2421
_UNSAFE.update({c: 0xFFFD for c in range(0x80, 0xA0)})
_UNSAFE.update({c: 0xFFFD for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def safe(text: str) -> str:
    """Neutralise control characters and bidi overrides, keeping the length."""
    return text.translate(_UNSAFE)


def _shown_byte(m) -> str:
    c = ord(m.group())
    return f"\\x{c - 0xDC00:02x}" if 0xDC80 <= c <= 0xDCFF else "\ufffd"


def safe_message(text: str) -> str:
    """:func:`safe` for a line on stderr, which may name files: also the bytes of a name
    that are not UTF-8 (``os.fsdecode``'s surrogate escapes) shown as ``\\xNN``."""
    import re

    return re.sub("[\ud800-\udfff]", _shown_byte, safe(text))


def make_console(color: str = "auto", file: IO[str] | None = None, stderr: bool = False):
    """A rich Console for this invocation, honouring ``--color`` and ``NO_COLOR``."""
    from rich.console import Console as RichConsole

    class Console(RichConsole):
        def on_broken_pipe(self) -> None:
            # Leave it to the CLI, which exits quietly with status 0 (rich would exit 1,
            # which means "nothing found").
            self.quiet = True
            raise BrokenPipeError

    stream = file or (sys.stderr if stderr else sys.stdout)
    if color == "always":
        return Console(file=stream, force_terminal=True, color_system="standard",
                       highlight=False, emoji=False, markup=False)
    use_color = color == "auto" and stream.isatty() and not no_color()
    if use_color:
        return Console(file=stream, highlight=False, emoji=False, markup=False)
    return Console(file=stream, color_system=None, force_terminal=False, highlight=False,
                   emoji=False, markup=False, soft_wrap=True, width=1_000_000)


def relpath(path: str) -> str:
    """A path as users would type it: relative to the current folder when under it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith(os.pardir + os.sep + os.pardir) else rel


def _styled(text: str, spans: Iterable[tuple[int, int]], style: str = "", match: str = MATCH_STYLE):
    from rich.text import Text

    t = Text(safe(text), style=style, no_wrap=False)
    for s, e in spans:
        t.stylize(match, s, e)
    return t


def meta_line(hit: Hit) -> str:
    date = hit.date.strftime("%Y-%m-%d") if hit.date else "no date"
    where = printable_name(relpath(hit.path) + (f"#{hit.key}" if hit.key else ""))
    missing = "without " + ", ".join(hit.missing) if hit.partial else ""
    return " · ".join(p for p in (date, hit.source, where, missing, copies_note(hit)) if p)


def copies_note(hit: Hit, most: int = 5) -> str:
    """``+3 копии: ТАСС, РИА Новости, … (first: earliest)`` for a hit standing for its
    reprint group; "" for one without copies (or with ``--dups all``)."""
    if not hit.copies:
        return ""
    n = len(hit.copies)
    sources: list[str] = []
    for _, src in hit.copies:
        if src and src not in sources:
            sources.append(src)
    shown = ", ".join(sources[:most]) + (", …" if len(sources) > most else "")
    word = ("копия" if n % 10 == 1 and n % 100 != 11 else
            "копии" if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else "копий")
    why = f" (lead: {hit.lead_reason})" if hit.lead_reason else ""
    return f"+{n} {word}" + (f": {shown}" if shown else "") + why


def print_hits(console, hits: list[Hit]) -> None:
    """Headline (bold), date · source · path (dim), snippet with matches highlighted."""
    from rich.padding import Padding

    for i, hit in enumerate(hits):
        if i:
            console.print()
        console.print(_styled(hit.title or "(no title)", hit.title_spans, TITLE_STYLE))
        console.print(_styled(meta_line(hit), [], META_STYLE))
        if hit.snippet:
            console.print(Padding(_styled(hit.snippet, hit.spans), (0, 0, 0, 2), expand=False))


def write_hits_plain(out: IO[str], hits: list[Hit]) -> None:
    """What :func:`print_hits` prints on a console without colour, without loading rich.

    For pipes and ``--color never``: the same text, byte for byte (rich expands
    tabs to 8-column stops and indents the snippet by two spaces).
    """
    for i, hit in enumerate(hits):
        if i:
            out.write("\n")
        out.write(_expand_tabs(safe(hit.title or "(no title)")) + "\n")
        out.write(_expand_tabs(safe(meta_line(hit))) + "\n")
        if hit.snippet:
            out.write("  " + safe(hit.snippet) + "\n")


def _expand_tabs(text: str) -> str:
    if "\t" not in text:
        return text
    from rich.text import Text  # rich counts cells, not characters: leave it to rich

    t = Text(text)
    t.expand_tabs()
    return t.plain


def wants_color(color: str = "auto", stream: IO[str] | None = None) -> bool:
    """Whether ``--color`` asks for escape sequences on ``stream`` (stdout by default)."""
    stream = stream or sys.stdout
    return color == "always" or (color == "auto" and stream.isatty() and not no_color())


def no_color() -> bool:
    """``NO_COLOR`` set to a non-empty value (no-color.org: ``NO_COLOR=`` keeps colour)."""
    return bool(os.environ.get("NO_COLOR"))


def iso(date: datetime | None) -> str | None:
    return date.isoformat() if date else None


def _article_keys(a: Hit | ArticleView) -> dict:
    """The keys a hit and a shown article share, in this order."""
    return {
        "path": a.path,
        "id": a.id,
        "key": a.key or None,
        "title": a.title,
        "date": iso(a.date),
        "source": a.source or None,
        "author": a.author or None,
        "section": a.section or None,
        "url": a.url or None,
        "tags": a.tags,
    }


def hit_json(hit: Hit) -> dict:
    """The JSON object for one hit; its keys are documented in the README."""
    return {
        **_article_keys(hit),
        "score": round(hit.score, 4),
        "rank": hit.rank,
        "snippet": hit.snippet,
        "spans": [list(s) for s in hit.spans],
        "title_spans": [list(s) for s in hit.title_spans],
        "encoding": hit.encoding or None,
        "partial": hit.partial,
        "missing": hit.missing,
        "group": hit.group,
        "copies": len(hit.copies),
        "copy_ids": [i for i, _ in hit.copies],
        "copy_sources": [src or None for _, src in hit.copies],
        "lead_reason": hit.lead_reason or None,
    }


def dumps(obj) -> str:
    """JSON on one line, UTF-8 as is, with C1 controls escaped too (json leaves them raw)."""
    text = json.dumps(obj, ensure_ascii=False)
    return text.translate(_JSON_C1) if not text.isascii() else text


_JSON_C1 = {c: f"\\u{c:04x}" for c in (*range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A))}
# Lone surrogates (the bytes of a file name that is not UTF-8) as \\udcNN: json.loads gives
# the name back, and os.fsencode its bytes.
_JSON_C1.update({c: f"\\u{c:04x}" for c in range(0xD800, 0xE000)})


def write_json_lines(out: IO[str], objects: Iterable[dict]) -> None:
    for obj in objects:
        out.write(dumps(obj) + "\n")


def write_paths(out: IO[str], hits: Iterable[Hit], null: bool = False) -> None:
    """Each file once, in rank order (``-l``); NUL-separated with ``-0``."""
    end = "\0" if null else "\n"
    seen: set[str] = set()
    for hit in hits:
        if hit.path not in seen:
            seen.add(hit.path)
            name = relpath(hit.path)
            if null and not is_text_name(name) and hasattr(out, "buffer"):
                out.flush()  # a name that is not UTF-8: its own bytes, for xargs -0
                out.buffer.write(name_bytes(name) + b"\0")
                continue
            out.write((name if null else safe(printable_name(name))) + end)


def stats_lines(figures: dict) -> list[tuple[str, str, str]]:
    """The ``stats`` figures as lines of a small report: ``(head, its style, rest)``."""
    def size(n: float) -> str:
        for unit in ("B", "KiB", "MiB", "GiB"):
            if n < 1024 or unit == "GiB":
                return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
            n /= 1024
        return str(n)

    first, last = figures["first_date"], figures["last_date"]
    rows = [
        ("articles", str(figures["articles"])),
        ("dates", f"{first[:10]} … {last[:10]}" if first else "none"),
        ("undated", str(figures["undated"])),
        ("analyzer", figures.get("analyzer") or figures["morphology"]),
        ("encodings", ", ".join(f"{k} {v}" for k, v in figures.get("encodings", {}).items())
         or "none"),
        ("index", f"{figures['index']} ({size(figures['size_bytes'])})"),
        ("updated", figures["updated"] or "never"),
    ]
    # Lines rather than tables: no padding after the last column (piped output stays clean).
    lines = [(f"{name:<11}", LABEL_STYLE, safe(value)) for name, value in rows]
    for title, counts in (("sources", figures["sources"]), ("sections", figures["sections"])):
        if not counts:
            continue
        lines.append((title, HEADING_STYLE, ""))
        shown = list(counts.items())[:20]
        width = max(len(str(n)) for _, n in shown)
        lines.extend((f"  {n:>{width}}  ", "", safe(name)) for name, n in shown)
        if len(counts) > 20:
            lines.append((f"  {'…':>{width}}  {len(counts) - 20} more (see --json)", "", ""))
    return lines


def print_stats(console, figures: dict) -> None:
    """The ``stats`` report in colour (a head's style is a span: a Text's own style would
    cover what is appended to it)."""
    from rich.text import Text

    for head, style, rest in stats_lines(figures):
        line = Text()
        line.append(head, style=style or None)
        line.append(rest)
        console.print(line)


def write_stats_plain(out: IO[str], figures: dict) -> None:
    """The ``stats`` report as plain text (a pipe: rich is not imported)."""
    out.write("".join(f"{head}{rest}\n" for head, _, rest in stats_lines(figures)))


def print_article(console, view: ArticleView) -> None:
    """A whole article: headline, metadata, body, with the query's words highlighted."""
    from rich.text import Text

    console.print(_styled(view.title or "(no title)", view.title_spans, TITLE_STYLE))
    date = view.date.strftime("%Y-%m-%d %H:%M").removesuffix(" 00:00") if view.date else "no date"
    rows = [("date", date), ("source", view.source), ("author", view.author),
            ("section", view.section),
            ("tags", ", ".join(view.tags)), ("url", view.url),
            ("path", printable_name(relpath(view.path) + (f"#{view.key}" if view.key else ""))),
            ("id", view.id), ("encoding", view.encoding)]
    for name, value in rows:
        if value:
            console.print(Text(f"{name:<9}" + safe(value), style=META_STYLE))
    console.print()
    console.print(_styled(view.body, view.body_spans))


def article_json(view: ArticleView) -> dict:
    """The JSON object for ``show --json``; its keys are documented in the README."""
    return {
        **_article_keys(view),
        "source_raw": view.source_raw or None,
        "lead": view.lead or None,
        "body": view.body,
        "title_spans": [list(s) for s in view.title_spans],
        "body_spans": [list(s) for s in view.body_spans],
        "encoding": view.encoding or None,
        "format": view.format or None,
    }


_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: int, top: int, width: int) -> str:
    """A horizontal bar of ``value`` out of ``top`` in ``width`` cells, in eighths of a cell.

    Any non-zero value gets at least a sliver, so a bucket with one article is
    never drawn as empty.
    """
    if top <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = max(1, round(value * width * 8 / top))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def print_timeline(console, tl: Timeline) -> None:
    """A line per period: label, count, bar; then the total and the undated matches."""
    from rich.text import Text

    if not tl.buckets:
        console.print(Text(f"no dated articles match ({tl.undated} without a date)"
                           if tl.undated else "no articles match", style=META_STYLE))
        return
    top = max(n for _, n in tl.buckets)
    label_w = max(len(label) for label, _ in tl.buckets)
    count_w = len(str(top))
    width = max(10, min(60, console.width - label_w - count_w - 2))
    for label, n in tl.buckets:
        line = Text(label.ljust(label_w), style=META_STYLE, no_wrap=True)
        line.append(" " + str(n).rjust(count_w))
        if n:
            line.append(" " + bar(n, top, width), style="cyan")
        console.print(line)
    summary = f"{tl.total} articles by {tl.by}"
    if tl.undated:
        summary += f", {tl.undated} more without a date"
    console.print(Text(summary, style=META_STYLE))


def write_groups(out: IO[str], by: str, rows: list[tuple[str | None, int]],
                 as_json: bool = False) -> None:
    """``-c --by``: TSV ``key<TAB>count`` lines, or JSON Lines ``{by: key, "count": n}``."""
    from .counting import PERIODS as periods

    for key, n in rows:
        if as_json:
            out.write(dumps({by: key, "count": n}) + "\n")
        else:
            shown = key if key is not None else ("(no date)" if by in periods else f"(no {by})")
            out.write(f"{safe(shown).replace(chr(9), ' ')}\t{n}\n")
