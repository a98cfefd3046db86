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
