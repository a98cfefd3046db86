"""Write newsgrep's man page, newsgrep(1), from the click definitions of the commands.

    python tools/manpage.py > man/newsgrep.1

The page is committed and installed with the package (setup.cfg data_files:
share/man/man1, which man finds beside the bin/ of a virtualenv on PATH);
tests/test_manpage.py checks that the committed page is what this writes.
"""
from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsgrep import __version__  # noqa: E402
from newsgrep.cli import cli  # noqa: E402

ENVIRONMENT = [
    ("NEWSGREP_INDEX", "The archive folder (or an archive's name), when --index and --archive "
                       "are not given."),
    ("NEWSGREP_CONFIG", "The configuration file to read instead of "
                        "~/.config/newsgrep/config.toml."),
    ("NO_COLOR", "When set to a non-empty value, --color auto prints no colour."),
    ("PAGER, LESS", "The pager of newsgrep show (less by default; LESS defaults to FRX)."),
    ("NEWSGREP_DEBUG", "Show the traceback of an internal error."),
]
FILES = [
    ("~/.config/newsgrep/config.toml", "The configuration file (the platform's config folder): "
     "the default archive, named archives in [archives], option defaults in tables named "
     "after the commands ([search] limit = 20). newsgrep config shows each setting and its "
     "source."),
    ("~/.local/share/newsgrep/archive", "The archive used when nothing names another (the "
     "platform's data folder)."),
]
EXIT_STATUS = [
    ("0", "Found something, or the command succeeded."),
    ("1", "Searched and found nothing."),
    ("2", "An error: bad usage, bad query, missing or broken archive, bad configuration."),
    ("3", "The archive is busy: another newsgrep index is writing to it."),
    ("130, 143", "Interrupted (SIGINT, SIGTERM)."),
]


def roff(text: str) -> str:
    """Text as groff reads it: backslashes and hyphens escaped, no control line by accident."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join("\\&" + line if line.startswith((".", "'")) else line
                     for line in text.split("\n"))


def paragraphs(help_text: str) -> list[str]:
    """A docstring as roff paragraphs; click's \\b paragraphs keep their lines."""
    out = []
    for para in re.split(r"\n\s*\n", inspect.cleandoc(help_text or "")):
        if para.startswith("\b"):
            out.append(".nf\n" + roff(para[1:].strip("\n")) + "\n.fi")
        elif para.strip():
            out.append(roff(" ".join(para.split())))
    return out


def page() -> str:
    root = click.Context(cli, info_name="newsgrep", **cli.context_settings)
    lines = [
        f'.TH NEWSGREP 1 "" "newsgrep {__version__}" "User Commands"',
        ".SH NAME",
        "newsgrep \\- search archives of Russian\\-language news from the terminal",
        ".SH SYNOPSIS",
        ".B newsgrep",
        "\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]",
        ".SH DESCRIPTION",
    ]
    for para in paragraphs(cli.help):
        lines += [".PP", para]
    lines += [".SH OPTIONS"]
    for param in cli.get_params(root):
        record = param.get_help_record(root)
        if record:
            lines += [".TP", f"\\fB{roff(record[0])}\\fR", roff(record[1])]
    lines += [".SH COMMANDS"]
    for name in cli.list_commands(root):
        command = cli.commands[name]
        ctx = click.Context(command, info_name=name, parent=root)
        usage = " ".join(command.collect_usage_pieces(ctx))
        lines += [f'.SS "newsgrep {name} {roff(usage)}"']
        for para in paragraphs(command.help):
            lines += [".PP", para]
        for param in command.get_params(ctx):
            if isinstance(param, click.Argument):
                continue  # named in the synopsis and the text
            record = param.get_help_record(ctx)
            if record:
                lines += [".TP", f"\\fB{roff(record[0])}\\fR", roff(record[1])]
    for title, rows in (("ENVIRONMENT", ENVIRONMENT), ("FILES", FILES),
                        ("EXIT STATUS", EXIT_STATUS)):
        lines += [f".SH {title}"]
        for key, text in rows:
            lines += [".TP", f"\\fB{roff(key)}\\fR", roff(text)]
    lines += [".SH SEE ALSO", "The README of newsgrep: the query language, the JSON keys, "
              "the configuration keys.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(page())
