"""The command line through click's CliRunner: exit codes, stdout and stderr apart."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from newsgrep.cli import cli

from .conftest import FIXTURES


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args, **kw):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False, **kw)
    return invoke


@pytest.fixture
def indexed(run, tmp_path):
    """An index of the fixture articles at $NEWSGREP_INDEX (the autouse temp location)."""
    result = run("index", FIXTURES / "articles")
    assert result.exit_code == 0, result.stderr
    return result


def test_index_summary_goes_to_stderr(indexed):
    assert indexed.stdout == ""
    assert "indexed 5 articles" in indexed.stderr
    assert "5 files added" in indexed.stderr


def test_search_prints_hits_and_exits_0(run, indexed):
    result = run("search", "туристы")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "Спасатели вывели 14 туристов с перевала после ночной метели"
    assert "2022-02-09 · Sputnik Казахстан · " in result.stdout
    assert "scraped_page.txt" in result.stdout
    assert result.stderr == ""


def test_no_hits_exit_1_with_empty_stdout(run, indexed):
    result = run("search", "крокодил")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "")


def test_json_lines(run, indexed):
    result = run("search", "Алматы", "--json")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    for obj in lines:
        for key in ("path", "id", "title", "date", "source", "section", "score", "snippet", "spans"):
            assert key in obj
        for s, e in obj["spans"]:
            assert obj["snippet"][s:e].lower().startswith("алмат")
    by_title = {o["title"]: o for o in lines}
    seeded = by_title["Спасатели вывели 14 туристов с перевала после ночной метели"]
    assert seeded["date"] == "2022-02-09T00:00:00"
    assert seeded["source"] == "Sputnik Казахстан"


def test_files_with_matches_and_null(run, indexed):
    result = run("search", "Алматы OR Бишкек", "-l")
    paths = result.stdout.splitlines()
    assert result.exit_code == 0 and len(paths) == 3
    assert all(p.endswith(".txt") for p in paths)
    nul = run("search", "Алматы OR Бишкек", "-l", "-0")
    assert nul.stdout.split("\0")[:-1] == paths and nul.stdout.endswith("\0")


def test_count(run, indexed):
    assert run("search", "Алматы", "-c").stdout == "2\n"
    result = run("search", "крокодил", "-c")
    assert (result.exit_code, result.stdout) == (1, "0\n")


def test_limit(run, indexed):
    result = run("search", "Алматы OR Бишкек", "--json", "-n", "1")
    assert len(result.stdout.splitlines()) == 1


def test_colour_only_when_asked_or_on_a_terminal(run, indexed):
    piped = run("search", "туристы")
    assert "\x1b" not in piped.stdout
    always = run("search", "туристы", "--color", "always")
    assert "\x1b[" in always.stdout
    never = run("search", "туристы", "--color", "never")
    assert never.stdout == piped.stdout


def test_hostile_article_is_printed_neutralised(run, indexed):
    for color in ("never", "always"):
        result = run("search", "терминал", "--color", color)
        assert result.exit_code == 0
        out = result.stdout
        assert "[bold red]x[/]" in out and "[bold red]разметкой[/]" in out
        assert "\x1b[2J" not in out and "\x1b]8;;" not in out and "\x07" not in out


def test_missing_index_is_an_error_with_a_hint(run, tmp_path):
    result = run("search", "атака", "--index", tmp_path / "none")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("newsgrep: error: no index at")
    assert "newsgrep index" in result.stderr


def test_bad_option_is_exit_2(run):
    result = run("search", "атака", "--limit", "many")
    assert result.exit_code == 2 and "Invalid value" in result.stderr


def test_unknown_encoding_is_a_usage_error(run, tmp_path):
    result = run("index", tmp_path, "--encoding", "klingon")
    assert result.exit_code == 2
    assert "unknown encoding: klingon" in result.stderr and result.stdout == ""


def test_forced_encoding_alias(run, tmp_path):
    (tmp_path / "a.txt").write_bytes("Заголовок\n\nТекст про атаку.\n".encode("koi8-r"))
    assert run("index", tmp_path, "--encoding", "KOI8R").exit_code == 0
    result = run("search", "атака", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout.splitlines()[0])["title"] == "Заголовок"


def test_empty_query_is_exit_2(run, indexed):
    result = run("search", "  ")
    assert result.exit_code == 2 and "empty query" in result.stderr


def test_bad_files_are_warned_counted_and_the_rest_indexed(run, tmp_path):
    (tmp_path / "good.txt").write_text("Заголовок\n\nТекст про атаку.\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "broken.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / ".hidden.txt").write_text("Скрытый\n\nатака\n", encoding="utf-8")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    result = run("index", tmp_path, "--index", tmp_path / "ix")
    assert result.exit_code == 0
    warnings = [l for l in result.stderr.splitlines() if l.startswith("newsgrep: warning:")]
    assert len(warnings) == 3
    assert any("empty.txt: empty file" in w for w in warnings)
    assert any("binary.txt: binary file" in w for w in warnings)
    assert any("broken.txt: broken symlink" in w for w in warnings)
    assert "indexed 1 articles" in result.stderr
    assert "skipped 4 files" in result.stderr
    assert run("search", "атака", "-c", "--index", tmp_path / "ix").stdout == "1\n"


def test_index_of_a_missing_path_is_exit_2(run, tmp_path):
    result = run("index", tmp_path / "nope")
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_stats(run, indexed):
    result = run("stats", "--json")
    figures = json.loads(result.stdout)
    assert figures["articles"] == 5
    assert figures["sources"]["Sputnik Казахстан"] == 1
    assert figures["first_date"].startswith("2022-")
    human = run("stats")
    assert "articles" in human.stdout and "Sputnik Казахстан" in human.stdout


def test_analyze(run):
    result = run("analyze", "Атаками в Ростове-на-Дону")
    assert result.stdout.splitlines() == [
        "Атаками\tатак", "в\tв", "Ростове-на-Дону\tростов-на-дон", "Ростове\tростов", "на\tна",
        "Дону\tдон"]


def test_partial_matches_are_marked_and_exit_1(run, indexed):
    result = run("search", "туристы мост", "--json")
    assert result.exit_code == 1
    objs = [json.loads(line) for line in result.stdout.splitlines()]
    assert objs and all(o["partial"] for o in objs)
    assert {tuple(o["missing"]) for o in objs} == {("мост",), ("туристы",)}
    shown = run("search", "туристы мост")
    assert "without мост" in shown.stdout
    assert run("search", "туристы мост", "-l").stdout == ""
