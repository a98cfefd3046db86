"""Many queries, one process: ``newsgrep search --batch`` and ``Archive.search_many``."""
from __future__ import annotations

import json

import pytest

from newsgrep.batch import parse_line
from newsgrep.errors import QueryError

from .conftest import FIXTURES


@pytest.fixture
def indexed(run):
    result = run("index", FIXTURES / "articles")
    assert result.exit_code == 0, result.stderr


def objects(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_plain_lines_give_hits_with_the_query_and_line_and_a_no_hit_object(run, indexed):
    result = run("search", "--batch", input="туристы\n\nкрокодил\nАлматы\n")
    assert result.exit_code == 0, result.stderr
    out = objects(result.stdout)
    single = run("search", "туристы", "--json")
    expected = [{"line": 1, "query": "туристы", **h} for h in objects(single.stdout)]
    assert [o for o in out if o["line"] == 1] == expected
    assert [o for o in out if o["line"] == 3] == [{"line": 3, "query": "крокодил", "hits": 0}]
    almaty = [o for o in out if o["line"] == 4]
    assert [o["rank"] for o in almaty] == [1, 2]
    assert all(o["query"] == "Алматы" for o in almaty)
    assert [o["line"] for o in out] == sorted(o["line"] for o in out)  # in input order
    assert result.stderr == ""


def test_json_lines_carry_their_own_options(run, indexed):
    lines = [json.dumps({"query": "Алматы", "limit": 1}),
             json.dumps({"query": "Алматы", "count": True}),
             json.dumps({"query": "Алматы", "since": "2030-01"}),
             json.dumps({"query": "Алматы", "sort": "oldest", "limit": 0})]
    result = run("search", "--batch", input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    out = objects(result.stdout)
    assert [o["rank"] for o in out if o["line"] == 1] == [1]
    assert [o for o in out if o["line"] == 2] == [{"line": 2, "query": "Алматы", "count": 2}]
    assert [o for o in out if o["line"] == 3] == [{"line": 3, "query": "Алматы", "hits": 0}]
    oldest = [o["date"] for o in out if o["line"] == 4]
    assert len(oldest) == 2 and oldest == sorted(oldest)


def test_limit_0_answers_every_hit_as_a_long_limit_does(run, indexed):
    """``"limit": 0`` streams every hit (texts read as they are written): the same objects."""
    lines = [json.dumps({"query": q, "limit": n}) for q in ("Алматы OR мост", "крокодил")
             for n in (0, 1000)]
    result = run("search", "--batch", input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    out = objects(result.stdout)
    by_line = {n: [{k: v for k, v in o.items() if k != "line"} for o in out if o["line"] == n]
               for n in (1, 2, 3, 4)}
    assert by_line[1] == by_line[2] and len(by_line[1]) >= 2
    assert by_line[3] == by_line[4] == [{"query": "крокодил", "hits": 0}]


def test_limit_0_through_the_api_is_a_stream_of_every_hit(indexed):
    import os

    import newsgrep

    with newsgrep.open_archive(os.environ["NEWSGREP_INDEX"]) as archive:
        every, ten = archive.search_many([{"query": "Алматы OR мост", "limit": 0},
                                          {"query": "Алматы OR мост", "limit": 10}])
        assert every.result.total == len(ten.result.hits)
        assert list(every.result) == ten.result.hits


def test_command_line_options_are_the_defaults(run, indexed):
    result = run("search", "--batch", "-n", "1", "-c",
                 input='Алматы\n{"query": "Алматы", "count": false}\n')
    out = objects(result.stdout)
    assert out[0] == {"line": 1, "query": "Алматы", "count": 2}
    assert [o["rank"] for o in out[1:]] == [1]


def test_a_bad_line_in_the_middle_is_an_error_and_the_rest_are_answered(run, indexed):
    lines = ["туристы", '{"query": "Алматы", "limit": "three"}', '{"query": ', "date:зима",
             '{"query": "Алматы", "colour": 1}', "Алматы"]
    result = run("search", "--batch", "-n", "1", input="\n".join(lines) + "\n")
    assert result.exit_code == 2
    out = objects(result.stdout)
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 6]
    assert out[0]["rank"] == 1 and out[5]["rank"] == 1 and out[5]["query"] == "Алматы"
    errors = out[1:5]
    assert all(set(o) == {"line", "query", "error"} for o in errors)
    assert errors[0]["query"] is None and "'limit' must be an integer" in errors[0]["error"]
    assert errors[1]["query"] is None and "not a JSON object" in errors[1]["error"]
    assert errors[2]["query"] == "date:зима" and "not a date" in errors[2]["error"]
    assert "unknown key 'colour'" in errors[3]["error"]
    assert result.stderr.count("newsgrep: warning: line ") == 4


def test_usage_errors(run, indexed):
    assert run("search").exit_code == 2
    for args in (["x", "--batch"], ["--batch", "-l"], ["--batch", "--timeline"],
                 ["--batch", "-q"], ["--batch", "--fix"]):
        result = run("search", *args, input="x\n")
        assert result.exit_code == 2, args
        assert result.stdout == ""
        assert result.stderr.startswith("newsgrep: error: ")


def test_a_missing_archive_is_an_error_before_any_line(run):
    result = run("search", "--batch", input="x\n")
    assert result.exit_code == 2
    assert result.stdout == ""


@pytest.mark.parametrize("line, query, options", [
    ("атака дрон", "атака дрон", {}),
    ('  {"query": "x", "limit": 0, "sort": "newest", "since": null}  ', "x",
     {"limit": 0, "sort": "newest", "since": None}),
    ('{"query": "\\"белый дом\\"", "context": 10, "snippets": 20}', '"белый дом"',
     {"context": 10, "snippets": 20}),
])
def test_parse_line(line, query, options):
    q = parse_line(line)
    assert (q.query, q.options) == (query, options)


@pytest.mark.parametrize("line, message", [
    ('{"query": "x"} {}', "not a JSON object"),
    ('{"limit": 3}', 'no "query"'),
    ('{"query": ""}', 'no "query"'),
    ('{"query": "x", "limit": true}', "'limit' must be an integer"),
    ('{"query": "x", "limit": -1}', "'limit' must be from 0 on"),
    ('{"query": "x", "context": 5}', "'context' must be from 10 to 2000"),
    ('{"query": "x", "sort": "best"}', "unknown sort 'best'"),
])
def test_parse_line_errors(line, message):
    with pytest.raises(QueryError, match=message):
        parse_line(line)


def test_search_many_through_the_api(run, indexed, tmp_path):
    import os

    import newsgrep

    with newsgrep.open_archive(os.environ["NEWSGREP_INDEX"]) as archive:
        answers = list(archive.search_many(["туристы", {"query": "Алматы", "limit": 1},
                                            "", '{"query": 1}', "крокодил"], limit=5))
    assert [a.line for a in answers] == [1, 2, 4, 5]
    assert answers[0].result.hits[0].title.startswith("Спасатели вывели 14 туристов")
    assert len(answers[1].result.hits) == 1
    assert answers[2].error and answers[2].query is None
    assert answers[3].result.hits == [] and answers[3].error is None


def test_a_line_that_is_not_utf8_is_answered_and_so_are_the_rest(run, indexed):
    result = run("search", "--batch", "-n", "1",
                 input="туристы\n".encode() + b"\xff\xfe\n" + "Алматы\n".encode())
    assert result.exit_code == 2  # (nothing searchable in it: an error for that line)
    out = objects(result.stdout)
    assert [o["line"] for o in out] == [1, 2, 3]
    assert out[1] == {"line": 2, "query": "\ufffd\ufffd",
                      "error": "the query has no searchable words"}
    assert out[2]["query"] == "Алматы" and out[2]["rank"] == 1


def test_a_batch_shows_each_reprint_group_once_as_a_single_search_does(run, tmp_path):
    """``--batch`` answers as ``search`` does: each story once (``--dups group``, the
    command line's default), every copy with ``--dups all`` or a line's ``"dups"``."""
    from .test_reprint_groups import _stories, article

    docs, ix = tmp_path / "docs", tmp_path / "ix"
    docs.mkdir()
    for i, text in enumerate(_stories(3, seed=5)):
        for c in range(3):  # each story printed by three sites on one day
            (docs / f"s{i}_{c}.txt").write_text(
                article(" ".join(text.split()[:3]), f"2022-03-1{i} 0{c + 8}:00", f"Сайт {c}",
                        text), encoding="utf-8")
    assert run("index", docs, "--index", ix).exit_code == 0
    word = _stories(3, seed=5)[0].split()[0]

    def ids(*args, stdin=None):
        result = run("search", *args, "--json", "-n", "50", "--index", ix, input=stdin)
        assert result.exit_code == 0, result.stderr
        return [o["id"] for o in objects(result.stdout)]
    stories, copies = ids(word), ids(word, "--dups", "all")
    assert len(copies) > len(stories)  # (the premise: the copies are grouped)
    assert ids("--batch", stdin=word + "\n") == stories
    assert ids("--batch", "--dups", "all", stdin=word + "\n") == copies
    assert ids("--batch", stdin=json.dumps({"query": word, "dups": "all"}) + "\n") == copies
    bad = run("search", "--batch", "--index", ix, input='{"query": "x", "dups": "some"}\n')
    assert bad.exit_code == 2 and "unknown dups 'some'" in objects(bad.stdout)[0]["error"]
