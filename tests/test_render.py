"""Rendering: article text is data, never markup or escape sequences."""
from __future__ import annotations

import io

from newsgrep.render import dumps, make_console, print_hits, safe
from newsgrep.searching import Hit

HOSTILE = "[bold red]x[/] \x1b[2J \x1b]8;;http://evil.example/\x07link\x1b]8;;\x07 \x9b31m \u202eevil"


def _hit(**kw):
    base = dict(id="1", path="/a.txt", key="", title="T", date=None, source="", section="",
                url="", score=1.0, rank=1)
    base.update(kw)
    return Hit(**base)


def test_safe_keeps_length_and_removes_controls():
    out = safe(HOSTILE)
    assert len(out) == len(HOSTILE)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in out)
    assert "\u202e" not in out
    assert "[bold red]x[/]" in out
    assert safe("строка\nи\tтаб") == "строка\nи\tтаб"


def _render(color: str, hit: Hit) -> str:
    buf = io.StringIO()
    print_hits(make_console(color, file=buf), [hit])
    return buf.getvalue()


def test_hostile_text_is_neutralised_with_and_without_colour():
    hit = _hit(title=HOSTILE, snippet=HOSTILE, spans=[(0, 15)])
    plain = _render("never", hit)
    assert "\x1b" not in plain and "\x07" not in plain and "\x9b" not in plain
    assert "[bold red]x[/]" in plain
    coloured = _render("always", hit)
    assert "[bold red]x[/]" in coloured            # brackets printed, not read as markup
    assert "\x1b[2J" not in coloured and "\x1b]8" not in coloured and "\x07" not in coloured
    # the only escape sequences are the SGR styles newsgrep adds itself
    import re
    assert set(re.findall(r"\x1b\[[0-9;]*m", coloured))
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured).count("\x1b") == 0


def test_colour_highlights_exactly_the_spans():
    hit = _hit(title="Отбили атаку", title_spans=[(7, 12)], snippet="", spans=[])
    out = _render("always", hit)
    assert "\x1b[1;31mатаку\x1b[0m" in out or "\x1b[31;1mатаку" in out


def test_json_escapes_c1_controls():
    assert dumps({"t": "a\x9bb\x1bc"}) == '{"t": "a\\u009bb\\u001bc"}'


# ---------------------------------------------------------------- timeline, articles, groups

def _recorded(width: int = 80):
    from rich.console import Console
    return Console(record=True, width=width, force_terminal=True, color_system="standard",
                   file=io.StringIO(), highlight=False, markup=False, emoji=False)


def test_bar_lengths_are_proportional_and_never_empty_for_nonzero():
    from newsgrep.render import bar
    assert bar(10, 10, 20) == "█" * 20
    assert bar(5, 10, 20) == "█" * 10
    assert bar(0, 10, 20) == ""
    assert bar(1, 1000, 20) == "▏"          # a sliver, not nothing
    assert bar(3, 8, 1) == "▍"               # three eighths of a cell


def test_timeline_on_a_terminal_has_one_bar_per_bucket_with_the_grouped_counts(samples_index):
    """A screenshot-like capture of the chart, checked against ``-c --by month``."""
    from newsgrep.render import print_timeline
    from newsgrep.counting import group_counts, timeline

    tl = timeline(samples_index, "Алматы", "month")
    console = _recorded()
    print_timeline(console, tl)
    text = console.export_text(styles=False, clear=False)
    lines = text.splitlines()
    rows = [line for line in lines if line[:4].isdigit()]
    assert [r.split()[0] for r in rows] == [label for label, _ in tl.buckets]
    shown = {r.split()[0]: int(r.split()[1]) for r in rows}
    grouped = dict(group_counts(samples_index, "Алматы", "month"))
    undated = grouped.pop(None, 0)
    assert {k: n for k, n in shown.items() if n} == grouped
    for r in rows:
        n = int(r.split()[1])
        assert ("█" in r or "▏" in r or any(c in r for c in "▎▍▌▋▊▉")) == (n > 0)
    top = max(shown.values())
    longest = max(rows, key=lambda r: r.count("█"))
    assert int(longest.split()[1]) == top
    assert lines[-1].startswith(f"{tl.total} articles by month")
    if undated:
        assert f"{undated} more without a date" in lines[-1]
    styled = console.export_text(styles=True)
    assert "\x1b[" in styled  # coloured on a terminal


def test_timeline_fits_a_narrow_terminal(samples_index):
    from newsgrep.render import print_timeline
    from newsgrep.counting import timeline

    console = _recorded(width=40)
    print_timeline(console, timeline(samples_index, "Алматы OR Бишкек", "month"))
    assert all(len(line) <= 40 for line in console.export_text().splitlines())


def test_empty_timeline_says_so():
    from newsgrep.render import print_timeline
    from newsgrep.counting import Timeline

    console = _recorded()
    print_timeline(console, Timeline(by="month", buckets=[], undated=2))
    assert "no dated articles match (2 without a date)" in console.export_text()


def test_article_text_is_data_in_show(tmp_path):
    from newsgrep.render import print_article
    from newsgrep.searching import ArticleView

    view = ArticleView(id="1", path="/a.txt", key="", title=HOSTILE, body=HOSTILE + " атака",
                       date=None, source="[red]src[/]", section="", url="", lead="", tags=[],
                       encoding="utf-8", format="text", body_spans=[(len(HOSTILE) + 1, len(HOSTILE) + 6)])
    buf = io.StringIO()
    print_article(make_console("always", file=buf), view)
    out = buf.getvalue()
    assert "[bold red]x[/]" in out and "[red]src[/]" in out
    assert "\x1b[2J" not in out and "\x07" not in out and "\x9b" not in out


def test_groups_tsv_and_json():
    from newsgrep.render import write_groups
    buf = io.StringIO()
    write_groups(buf, "month", [("2022-01", 3), (None, 1)])
    assert buf.getvalue() == "2022-01\t3\n(no date)\t1\n"
    buf = io.StringIO()
    write_groups(buf, "source", [("РИА\tНовости", 2), (None, 1)])
    assert buf.getvalue() == "РИА Новости\t2\n(no source)\t1\n"
    buf = io.StringIO()
    write_groups(buf, "source", [("РИА Новости", 2), (None, 1)], as_json=True)
    assert buf.getvalue() == '{"source": "РИА Новости", "count": 2}\n{"source": null, "count": 1}\n'


def test_stats_in_plain_text_are_what_the_console_prints_without_colour():
    from newsgrep.render import print_stats, write_stats_plain

    figures = {"articles": 3, "first_date": "2021-01-02T00:00:00", "last_date": "2022-03-04T00:00:00",
               "undated": 1, "analyzer": "", "morphology": "stem",
               "encodings": {"utf-8": 2, "cp1251": 1}, "index": "/x/\x1b[31mix",
               "size_bytes": 5 << 20, "updated": None,
               "sources": {f"Источник {i}": 30 - i for i in range(23)}, "sections": {}}
    console_out, plain = io.StringIO(), io.StringIO()
    print_stats(make_console("never", file=console_out), figures)
    write_stats_plain(plain, figures)
    assert plain.getvalue() == console_out.getvalue()
    lines = plain.getvalue().splitlines()
    assert lines[0] == "articles   3" and "\x1b" not in plain.getvalue()
    assert lines[-1].endswith("3 more (see --json)") and "5.0 MiB" in plain.getvalue()
