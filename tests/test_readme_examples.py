"""Every example of the README's query-language block, run against the sample archive.

Each example has a check here that asserts a meaningful result (not only the
exit status), computed from the index itself where the sample data may grow
(the readers of html/jsonl/csv land separately). An example without a check,
or a check without an example, fails the test: the README and the tests move
together.
"""
from __future__ import annotations

import json
import re
import shlex
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from newsgrep.cli import cli
from newsgrep.counting import group_counts, timeline
from newsgrep.searching import count, search

from .conftest import REPO

MARKER = "<!-- examples: tests/test_readme_examples.py"


def readme_examples() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text[text.index(MARKER):]
    block = block[block.index("```sh\n") + 6:]
    block = block[:block.index("```")]
    commands = []
    for line in block.splitlines():
        command = re.sub(r"\s+#.*$", "", line).strip()
        if command:
            assert command.startswith("newsgrep "), line
            commands.append(command)
    return commands


def _all(index, query, **kw):
    return search(index, query, limit=None, **kw).hits


def _json(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def _ids(result):
    return {o["id"] for o in _json(result)}


def check_date_range(r, ix):
    hits = _all(ix, "Алматы")
    expected = {h.id for h in hits if h.date and datetime(2022, 1, 1) <= h.date < datetime(2022, 3, 1)}
    assert expected and r.exit_code == 0
    shown = r.stdout
    for h in hits:
        assert (h.title in shown) == (h.id in expected)


def check_one_day(r, ix):
    assert r.exit_code == 0
    assert "В Ростове-на-Дону построят новое здание полиции на Левом берегу" in r.stdout
    for h in _all(ix, "date:2022-03-14"):
        assert h.date.date() == datetime(2022, 3, 14).date()


def check_from_april(r, ix):
    hits = _all(ix, "Алматы")
    expected = [h for h in hits if h.date and h.date >= datetime(2022, 4, 1)]
    assert expected and r.exit_code == 0
    for h in hits:
        assert (h.title in r.stdout) == (h in expected)


def check_relative(r, ix):
    cutoff = datetime.combine((datetime.now() - timedelta(days=3 * 366)).date(), datetime.min.time())
    expected = [h for h in _all(ix, "Алматы") if h.date and h.date >= cutoff - timedelta(days=2)]
    # Today's "three years ago" moves; the hits are those dated since then, none other.
    assert r.exit_code == (0 if expected else 1)
    for h in _all(ix, "Алматы"):
        if h.title in r.stdout:
            assert h.date and h.date >= cutoff - timedelta(days=2)


def check_newest(r, ix):
    assert r.exit_code == 0
    titles = [line for line in r.stdout.splitlines() if line and not line.startswith(" ")]
    titles = titles[0::2]  # headline, meta line, headline, meta line ...
    by_title = {h.title: h for h in _all(ix, "Алматы OR атака")}
    dates = [by_title[t].date for t in titles]
    dated = [d for d in dates if d]
    assert len(titles) == 10 and dated == sorted(dated, reverse=True)
    assert all(d is None for d in dates[len(dated):])


def check_exact(r, ix):
    assert r.exit_code == 0
    assert "Число хакерских атак на сайты госучреждений Алматы выросло втрое" in r.stdout
    assert "Как справиться с панической атакой" not in r.stdout  # атакой, атаки: not «атак»
    assert count(ix, "=атак") < count(ix, "атак")


def check_proximity(r, ix):
    assert r.exit_code == 0
    assert r.stdout.splitlines()[0] == "В Ростове-на-Дону построят новое здание полиции на Левом берегу"
    assert count(ix, '"новое полиции"') == 0


def check_wildcard(r, ix):
    assert r.exit_code == 0
    assert "Как справиться с панической атакой: советы психолога" in r.stdout
    assert "Число хакерских атак" in r.stdout


def check_fuzzy(r, ix):
    assert r.exit_code == 0 and count(ix, "призидент") == 0
    assert count(ix, "призидент~") == count(ix, "президент") > 0


def check_did_you_mean(r, ix):
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr.startswith("newsgrep: did you mean: атака ")


def check_fix(r, ix):
    assert r.exit_code == 0
    assert r.stderr.startswith("newsgrep: searching for: Алматы instead of: almaty")
    assert r.stdout.count("Алматы") >= 3


def check_show(r, ix):
    assert r.exit_code == 0 and r.stderr == ""
    lines = r.stdout.splitlines()
    assert lines[0] == "В Ростове-на-Дону построят новое здание полиции на Левом берегу"
    assert any(line.startswith("date") and "2022-03-14" in line for line in lines)
    [hit] = _all(ix, "date:2022-03-14 полиция")
    assert len(r.stdout) > len(hit.snippet)  # the whole article, not a snippet


def check_similar(r, ix):
    assert r.exit_code == 0
    titles = [line for line in r.stdout.splitlines() if line and not line.startswith(" ")][0::2]
    assert len(titles) == 3
    assert "Отразили больше десятка атак" not in r.stdout  # not the article itself


def check_timeline(r, ix):
    assert r.exit_code == 0
    tl = timeline(ix, "Алматы", "month")
    rows = [line.split() for line in r.stdout.splitlines() if re.match(r"\d{4}-\d\d ", line)]
    assert [(row[0], int(row[1])) for row in rows] == tl.buckets
    grouped = dict(group_counts(ix, "Алматы", "month"))
    grouped.pop(None, None)
    assert {k: n for k, n in tl.buckets if n} == grouped


def check_counts_tsv(r, ix):
    assert r.exit_code == 0
    rows = dict(line.split("\t") for line in r.stdout.splitlines())
    expected = {k or "(no date)": str(n) for k, n in group_counts(ix, "Алматы", "month")}
    assert rows == expected and sum(map(int, rows.values())) == count(ix, "Алматы")


def check_counts_json(r, ix):
    assert r.exit_code == 0
    objs = _json(r)
    assert sum(o["count"] for o in objs) == count(ix, "Алматы")
    assert {"source": "Sputnik Казахстан", "count": 4} in objs


def check_stats(r, ix):
    assert r.exit_code == 0
    assert re.search(r"articles\s+\d+", r.stdout)
    assert "Snowball" in r.stdout and "Sputnik Казахстан" in r.stdout


CHECKS = {
    "newsgrep search 'Алматы date:2022-01..2022-02'": check_date_range,
    "newsgrep search Алматы --since 2022-01 --until 2022-02": check_date_range,
    "newsgrep search 'date:2022-03-14'": check_one_day,
    "newsgrep search 'Алматы date:2022-04..'": check_from_april,
    "newsgrep search 'Алматы date:3y..'": check_relative,
    "newsgrep search 'Алматы OR атака' --sort newest": check_newest,
    "newsgrep search '=атак'": check_exact,
    "newsgrep search '\"новое полиции\"~2'": check_proximity,
    "newsgrep search 'атак*'": check_wildcard,
    "newsgrep search 'призидент~'": check_fuzzy,
    "newsgrep search fnfrf": check_did_you_mean,
    "newsgrep search almaty --fix": check_fix,
    "newsgrep show samples/text/rostov_police_building.txt полиция": check_show,
    "newsgrep similar samples/sputnik/kz_almaty_police_night.txt -n 3": check_similar,
    "newsgrep search Алматы --timeline --by month": check_timeline,
    "newsgrep search Алматы -c --by month": check_counts_tsv,
    "newsgrep search Алматы -c --by source --json": check_counts_json,
    "newsgrep stats": check_stats,
}


def test_every_example_has_a_check_and_every_check_an_example():
    assert sorted(readme_examples()) == sorted(CHECKS)


@pytest.mark.parametrize("command", readme_examples())
def test_readme_example(command, samples_archive, monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("NEWSGREP_INDEX", str(samples_archive))
    args = shlex.split(command)[1:]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert "Traceback" not in result.stderr
    CHECKS[command](result, samples_archive)


# --- the same hits on both engines ----------------------------------------------------------
# Each example runs against the sample archive in a Whoosh folder and in a PostgreSQL
# database (tests/conftest.py). How the hits are compared:
#   "ordered": --sort newest: the same ids in the same order of dates (articles of one date,
#              and the undated ones at the end, as sets: Whoosh leaves ties in index order,
#              PostgreSQL by relevance);
#   "set":     the same ids (relevance order is BM25 on Whoosh, ts_rank on PostgreSQL, so
#              only the set is engine-neutral; -n 100 is more than the samples hold, so the
#              list is complete, partial matches included);
#   "top":     similar -n 3: the same best two in the same order (clear winners on the
#              samples; the third is a near tie under BM25, 3.57 against 3.55);
#   "output":  show, --timeline, -c --by: the same text, byte for byte;
#   "stats":   the same figures (articles, sources, dates, morphology); not the location.

def _comparable(args: list[str]) -> tuple[list[str], str]:
    if args[0] == "search" and "-c" not in args and "--timeline" not in args:
        return [*args, "--json", "-n", "100"], "ordered" if "--sort" in args else "set"
    if args[0] == "similar":
        return [*args, "--json"], "top"
    if args[0] == "stats":
        return [*args, "--json"], "stats"
    return args, "output"


STATS_FIGURES = ("articles", "sources", "first_date", "last_date", "morphology", "files")


@pytest.mark.parametrize("command", readme_examples())
def test_readme_example_gives_the_same_hits_on_both_engines(command, samples_index, pg_samples,
                                                             monkeypatch):
    monkeypatch.chdir(REPO)
    args, how = _comparable(shlex.split(command)[1:])
    results = []
    for location in (str(samples_index), pg_samples):
        monkeypatch.setenv("NEWSGREP_INDEX", location)
        results.append(CliRunner().invoke(cli, [*args, "--color", "never"] if args[0] != "stats"
                                          else args, catch_exceptions=False))
    whoosh, postgres = results
    assert (postgres.exit_code, postgres.stderr) == (whoosh.exit_code, whoosh.stderr)
    if how == "ordered":
        def by_date(r):
            dates: dict = {}
            for o in _json(r):
                dates.setdefault(o["date"], set()).add(o["id"])
            return list(dates.items())
        assert by_date(postgres) == by_date(whoosh)
    elif how == "top":
        assert [o["id"] for o in _json(postgres)][:2] == [o["id"] for o in _json(whoosh)][:2]
        assert len(_json(postgres)) == len(_json(whoosh)) == 3
    elif how == "set":
        assert sorted(o["id"] for o in _json(postgres)) == sorted(o["id"] for o in _json(whoosh))
        assert [o.get("partial", False) for o in _json(postgres)].count(True) == \
            [o.get("partial", False) for o in _json(whoosh)].count(True)
    elif how == "stats":
        mine, ref = json.loads(postgres.stdout), json.loads(whoosh.stdout)
        assert {k: mine.get(k) for k in STATS_FIGURES} == {k: ref.get(k) for k in STATS_FIGURES}
    else:
        assert postgres.stdout == whoosh.stdout
