"""Everyday use (issue 14): one archive per user, named archives and the config file,
one-line usage errors, options that contradict each other, -q, id prefixes, colour.

CliRunner tests assert exit_code, stdout and stderr apart; a few run the installed
script in a subprocess, with the platform's folders pointed at a temp folder.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from newsgrep.cli import cli

from .conftest import FIXTURES, REPO, SAMPLES, SCRIPT


@pytest.fixture
def home(tmp_path, monkeypatch):
    """No NEWSGREP_INDEX: the archive comes from the config file or the platform's data folder."""
    monkeypatch.delenv("NEWSGREP_INDEX")
    return tmp_path


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "xdg-config" / "newsgrep" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)

    def write(text: str):
        path.write_text(text, encoding="utf-8")
        return path
    return write


def one_error_line(result) -> str:
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsgrep: error: "), result.stderr
    return lines[0]


# --- one archive per user -------------------------------------------------------------------

def test_default_archive_is_in_the_platforms_data_folder_wherever_you_stand(run, home,
                                                                             monkeypatch):
    archive = home / "xdg-data" / "newsgrep" / "archive"
    (home / "a").mkdir()
    (home / "b").mkdir()
    monkeypatch.chdir(home / "a")
    built = run("index", FIXTURES / "articles")
    assert built.exit_code == 0 and built.stdout == ""
    assert f"index {archive} holds 5 articles" in built.stderr
    monkeypatch.chdir(home / "b")
    found = run("search", "туристы", "-c")
    assert (found.exit_code, found.stdout, found.stderr) == (0, "1\n", "")
    assert not (home / "a" / "index").exists() and not (home / "b" / "index").exists()


def test_the_readme_setup_then_cd_slash_in_a_subprocess(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NEWSGREP_INDEX"}
    env.update(XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               NEWSGREP_CONFIG=str(tmp_path / "config" / "none.toml"))
    command = f"'{SCRIPT}' index samples/ -q && cd / && '{SCRIPT}' search атака -l"
    proc = subprocess.run(["bash", "-c", command], cwd=REPO, env=env, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "" and "panic_attack_advice.txt" in proc.stdout
    assert (tmp_path / "data" / "newsgrep" / "archive" / "newsgrep.json").is_file()


@pytest.mark.parametrize("args", [["index", "nowhere"], ["index"], ["index", FIXTURES, "nope"]])
def test_an_index_run_that_cannot_start_creates_nothing(run, home, args, monkeypatch):
    monkeypatch.chdir(home)
    line = one_error_line(run(*args))
    assert "no such file or folder" in line or "nothing to index" in line
    assert not (home / "xdg-data").exists()
    target = home / "ix"
    one_error_line(run(*args, "--index", target))
    assert not target.exists()


def test_messages_name_the_archive_by_its_absolute_path(run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = one_error_line(run("search", "атака", "--index", "rel"))
    assert line == (f"newsgrep: error: no index at {tmp_path / 'rel'} (build one with: "
                    f"newsgrep index PATH... --index {tmp_path / 'rel'})")
    built = run("index", FIXTURES / "articles", "--index", "rel")
    assert f"index {tmp_path / 'rel'} holds 5 articles" in built.stderr


def test_missing_default_archive_needs_no_index_option_in_the_hint(run, home, monkeypatch):
    monkeypatch.chdir(home)
    line = one_error_line(run("search", "атака"))
    archive = home / "xdg-data" / "newsgrep" / "archive"
    assert line == f"newsgrep: error: no index at {archive} (build one with: newsgrep index PATH...)"
    assert run("index", FIXTURES / "articles", "--index", "index").exit_code == 0  # the old default
    line = one_error_line(run("search", "атака"))
    assert line.endswith("; ./index holds one from an older newsgrep: --index ./index")
    assert run("search", "туристы", "--index", "./index").exit_code == 0


# --- named archives and the config file -----------------------------------------------------

def two_archives(home, config_file):
    return config_file(f"""\
archive = "news"     # the default archive

[archives]
news = "{home / 'news-archive'}"
samples = "{home / 'samples-archive'}"
db = "postgresql://news@localhost/archive"
""")


def test_two_named_archives(run, home, config_file):
    two_archives(home, config_file)
    line = one_error_line(run("stats", "--archive", "samples"))
    assert line == (f"newsgrep: error: no index at {home / 'samples-archive'} (build one with: "
                    "newsgrep index PATH... --archive samples)")
    line = one_error_line(run("stats"))  # the config's default archive: no option needed
    assert line.endswith("(build one with: newsgrep index PATH...)")
    assert run("index", FIXTURES / "articles").exit_code == 0  # the default: news
    assert run("index", SAMPLES, "--archive", "samples", "-q").exit_code == 0
    assert (home / "news-archive" / "newsgrep.json").is_file()
    assert (home / "samples-archive" / "newsgrep.json").is_file()
    news = json.loads(run("stats", "--json").stdout)
    samples = json.loads(run("stats", "--json", "--archive", "samples").stdout)
    assert news["articles"] == 5 and samples["articles"] > 5
    by_name = json.loads(run("stats", "--json", "--index", "samples").stdout)  # a name as --index
    assert by_name["articles"] == samples["articles"]
    assert run("search", "атака", "-c", "--archive", "samples").stdout != "0\n"
    chart = run("timeline", "Алматы", "--json", "--archive", "samples")  # through search
    assert chart.exit_code == 0 and sum(json.loads(l)["count"] for l in chart.stdout.splitlines())
    line = one_error_line(run("stats", "--archive", "nope"))
    assert line == "newsgrep: error: no archive named nope (known: db, news, samples)"
    line = one_error_line(run("stats", "--archive", "db"))
    # a PostgreSQL archive is opened as a database (none runs here: one error line)
    assert line.startswith("newsgrep: error: postgresql://news@localhost/archive: cannot connect")
    line = one_error_line(run("stats", "--archive", "news", "--index", "x"))
    assert "--index and --archive" in line


def test_config_shows_each_setting_and_its_source(run, home, config_file, monkeypatch):
    path = config_file(f"""\
archive = "news"
color = "never"

[archives]
news = "{home / 'news-archive'}"

[search]
limit = 3
""")
    result = run("config", "--json")
    assert result.exit_code == 0 and result.stderr == ""
    rows = {o["setting"]: (o["value"], o["source"]) for o in map(json.loads,
                                                                 result.stdout.splitlines())}
    assert rows["config file"] == (str(path), "env NEWSGREP_CONFIG")
    assert rows["archive"] == (f"news ({home / 'news-archive'})", f"config {path}:1")
    assert rows["archives.news"] == (str(home / "news-archive"), f"config {path}:5")
    assert rows["search.limit"] == (3, f"config {path}:8")
    assert rows["search.color"] == ("never", f"config {path}:2")
    assert rows["show.color"] == ("never", f"config {path}:2")
    assert rows["search.sort"] == ("relevance", "default")
    monkeypatch.setenv("NEWSGREP_INDEX", str(home / "env-archive"))
    rows = {o["setting"]: o for o in map(json.loads, run("config", "--json").stdout.splitlines())}
    assert rows["archive"]["source"] == "env NEWSGREP_INDEX"
    rows = {o["setting"]: o for o in map(json.loads, run("config", "--json", "--index",
                                                         home / "x").stdout.splitlines())}
    assert rows["archive"] == {"setting": "archive", "value": str(home / "x"),
                               "source": "option --index"}
    human = run("config")
    assert human.exit_code == 0
    assert any(line.split()[:2] == ["search.limit", "3"] and line.endswith(f"{path}:8")
               for line in human.stdout.splitlines())


def test_config_defaults_apply_and_options_win(run, config_file):
    config_file("[search]\nlimit = 1\n")
    assert run("index", SAMPLES, "-q").exit_code == 0
    assert len(run("search", "Алматы", "--json").stdout.splitlines()) == 1
    assert len(run("search", "Алматы", "--json", "-n", "2").stdout.splitlines()) == 2


def test_excludes_in_the_config_leave_files_out(run, config_file, tmp_path):
    config_file('[index]\nexclude = ["*.tsv", "legacy/"]\n')
    folder = tmp_path / "news"
    shutil.copytree(SAMPLES, folder)
    (folder / "manifest.tsv").write_text("path\ttitle\nria/a.txt\tАтака\n", encoding="utf-8")
    result = run("index", folder)
    assert result.exit_code == 0
    # the manifest, and the legacy folder, not walked into
    assert "excluded 1 files and 1 folders" in result.stderr
    paths = run("search", "атака OR Алматы OR Бишкек", "-l").stdout.splitlines()
    assert paths and not any(p.endswith(".tsv") or "/legacy/" in p for p in paths)


def test_the_readmes_example_config_is_valid(run, home, config_file):
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    [example] = re.findall(r"```toml\n(.*?)```", readme, re.S)
    from newsgrep.cli import CONFIG_OPTIONS
    index_options = {p.name for p in cli.commands["index"].params}
    for option in CONFIG_OPTIONS["index"]:  # options another change adds (--exclude ...)
        if option not in index_options:
            example = re.sub(rf"(?m)^{option} = .*$", "", example)
    config_file(example)
    rows = {o["setting"]: o for o in map(json.loads, run("config", "--json").stdout.splitlines())}
    assert rows["search.limit"]["value"] == 20 and rows["index.morphology"]["value"] == "lemma"
    assert rows["archive"]["value"].startswith("news (")
    assert rows["archives.shared"]["value"].startswith("postgresql://")


def test_no_config_file_means_defaults(run):
    result = run("config")
    assert result.exit_code == 0
    assert "not present" in result.stdout.splitlines()[0]


@pytest.mark.parametrize("text, expected", [
    ('archive = "x"\n\n[search\nlimit = 3\n', ":3: invalid TOML: "),
    ('[search]\nlimit = "many"\n', ":2: search.limit: invalid value for '-n' / '--limit'"),
    ('color = "blue"\n', ":1: color: invalid value for '--color'"),
    ('[search]\nlimt = 3\n', ":2: search.limt: unknown setting (known: search.color, "),
    ('[archives]\nwork = 3\n', ":2: archives.work: an archive is a path or a connection"),
    ('[index]\njobs = 0\n', ":2: index.jobs: invalid value for '-j' / '--jobs'"),
    ('[index]\nencoding = "klingon"\n', ":2: index.encoding: invalid value for '--encoding': "
                                         "unknown encoding: klingon"),
])
def test_invalid_config_is_one_line_naming_file_and_line(run, config_file, text, expected):
    path = config_file(text)
    for args in (["search", "атака"], ["config"], ["stats"]):
        line = one_error_line(run(*args))
        assert line.startswith(f"newsgrep: error: {path}{expected}"), line


# --- usage errors: one line, exit 2 ---------------------------------------------------------

@pytest.mark.parametrize("args, both", [
    (["search", "атака", "-0"], ("-0/--null", "-l/--files-with-matches")),
    (["search", "атака", "-c", "-l"], ("-l/--files-with-matches", "-c/--count")),
    (["search", "атака", "-l", "--json"], ("-l/--files-with-matches", "--json")),
    (["search", "атака", "--timeline", "-l"], ("-l/--files-with-matches", "--timeline")),
    (["search", "атака", "--timeline", "-c"], ("-c/--count", "--timeline")),
    (["search", "атака", "-q", "--json"], ("-q/--quiet", "--json")),
    (["search", "атака", "-q", "-c"], ("-q/--quiet", "-c/--count")),
    (["similar", "x", "-l", "--json"], ("-l/--files-with-matches", "--json")),
    (["similar", "x", "-0"], ("-0/--null", "-l/--files-with-matches")),
])
def test_options_that_contradict_each_other(run, args, both):
    line = one_error_line(run(*args))  # no archive needed: refused before it is opened
    assert all(option in line for option in both), line


def test_count_as_json(run):
    assert run("index", FIXTURES / "articles").exit_code == 0
    result = run("search", "Алматы", "-c", "--json")
    assert (result.exit_code, result.stdout, result.stderr) == (0, '{"count": 2}\n', "")
    none = run("search", "крокодил", "-c", "--json")
    assert (none.exit_code, none.stdout) == (1, '{"count": 0}\n')


@pytest.mark.parametrize("args, expected", [
    (["serch", "атака"],
     "newsgrep: error: no such command 'serch'. Did you mean 'search'? (see: newsgrep --help)"),
    (["search"], "newsgrep: error: missing argument 'QUERY'. (see: newsgrep search --help)"),
    (["--bogus"], "newsgrep: error: no such option '--bogus'. (see: newsgrep --help)"),
    (["search", "-учения"],
     "newsgrep: error: no such option '-у' (a query that starts with '-' goes after '--': "
     "newsgrep search -- '-учения')"),
    (["search", "атака", "--by", "source"],
     "newsgrep: error: --by goes with -c (counts per group) or --timeline "
     "(see: newsgrep search --help)"),
])
def test_click_usage_errors_are_one_line(run, args, expected):
    assert one_error_line(run(*args)) == expected


def test_newsgrep_alone_shows_the_help(run):
    result = run()
    assert "Commands:" in result.stdout + result.stderr and "search" in result.stdout + result.stderr
    assert "newsgrep: error" not in result.stderr


def test_did_you_mean_is_kept(run):
    line = one_error_line(run("search", "атака", "--snipets", "3"))
    assert line.startswith("newsgrep: error: no such option '--snipets'.")
    assert "Did you mean" in line and "'--snippets'" in line
    assert line.endswith(" (see: newsgrep search --help)")


def test_usage_error_from_the_script_is_one_line_too():
    proc = subprocess.run([SCRIPT, "search", "-учения"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "newsgrep: error: no such option '-у' (a query that starts with '-' goes after '--': "
        "newsgrep search -- '-учения')"]


# --- habits ---------------------------------------------------------------------------------

def test_quiet_prints_nothing_and_tells_by_exit_status(run):
    assert run("index", FIXTURES / "articles").exit_code == 0
    found = run("search", "-q", "туристы")
    assert (found.exit_code, found.stdout, found.stderr) == (0, "", "")
    missing = run("search", "--quiet", "крокодил")
    assert (missing.exit_code, missing.stdout, missing.stderr) == (1, "", "")
    typo = run("search", "-q", "ncehbcns")  # did-you-mean is not printed either
    assert (typo.exit_code, typo.stdout, typo.stderr) == (1, "", "")
    assert one_error_line(run("search", "-q", "(атака")).startswith("newsgrep: error: ")


@pytest.fixture
def sample_ids(run, samples_archive, monkeypatch):
    """The CLI pointed at the sample archive (on each engine); the ids of many of its articles."""
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("NEWSGREP_INDEX", samples_archive)
    hits = [json.loads(line) for line in run("search", "Алматы OR атака OR полиция", "-n", "0",
                                              "--json").stdout.splitlines()]
    return [h["id"] for h in hits]


def test_show_takes_a_unique_id_prefix(run, sample_ids):
    ids = sample_ids
    unique = next(i[:p] for p in range(4, 16) for i in ids
                  if sum(j.startswith(i[:p]) for j in ids) == 1)
    full = next(i for i in ids if i.startswith(unique))
    shown = run("show", unique, "--json")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["id"] == full
    similar = run("similar", unique, "--json", "-n", "1")
    assert similar.exit_code == 0 and json.loads(similar.stdout)["id"] != full
    short = one_error_line(run("show", unique[:3]))  # shorter than 4: not a prefix
    assert "no such article" in short


def test_an_ambiguous_prefix_lists_candidates(run, sample_ids, monkeypatch):
    from newsgrep import archive

    monkeypatch.setattr(archive, "ID_PREFIX_MIN", 1)
    digit = max("0123456789abcdef", key=lambda d: sum(i.startswith(d) for i in sample_ids))
    line = one_error_line(run("show", digit))
    assert line.startswith(f"newsgrep: error: {digit}: ambiguous id prefix, candidates: ")
    named = line.split("candidates: ")[1].split(" (")[0].removesuffix(", …").split(", ")
    assert 2 <= len(named) <= 5
    for candidate in named:
        assert candidate.startswith(digit) and len(candidate) == 16
        assert run("show", candidate, "--json").exit_code == 0


class FakeTty:
    def isatty(self):
        return True


@pytest.mark.parametrize("value, colour", [(None, True), ("", True), ("1", False), ("0", False)])
def test_no_color_only_when_set_to_something(monkeypatch, value, colour):
    from newsgrep import render

    if value is not None:
        monkeypatch.setenv("NO_COLOR", value)
    assert render.wants_color("auto", FakeTty()) is colour
    assert render.wants_color("always", FakeTty()) is True
    assert render.wants_color("never", FakeTty()) is False


def test_stats_on_a_terminal_is_not_all_dim(run):
    assert run("index", FIXTURES / "articles").exit_code == 0
    out = run("stats", "--color", "always").stdout
    articles = next(line for line in out.splitlines() if "articles" in line)
    assert "\x1b[2m" not in articles and articles.endswith("\x1b[0m5")
    assert "\x1b[1msources" in out


@pytest.mark.parametrize("command", ["index", "search", "timeline", "show", "similar", "stats",
                                     "analyze", "config", "completion"])
def test_every_commands_help_has_examples(run, command):
    result = run(command, "--help")
    assert result.exit_code == 0 and result.stderr == ""
    examples = [line for line in result.stdout.splitlines()
                if line.strip().startswith(("newsgrep " + command, "eval \"$(newsgrep " + command))]
    assert len(examples) >= 2, result.stdout


def test_the_tours_pipe_example_finds_something_in_the_samples(run, sample_ids):
    import re
    import shlex

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    [line] = [l for l in readme.splitlines() if re.match(r"newsgrep search \S+ -l \| xargs", l)]
    args = shlex.split(line.split("|")[0])[1:]
    result = run(*args)
    assert result.exit_code == 0 and result.stdout.strip()
    assert "timeline" in readme.split("## A 60-second tour")[1].split("##")[0]


def test_a_warning_is_one_line_whatever_the_file_holds(run, tmp_path):
    # a CSV header cell with a line break, a file name with one
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "a.csv").write_bytes('"атака\nатака",x\n1,2\n'.encode())
    (tmp_path / "news" / "b\nc.txt").write_bytes(b"\x00\x01\x02" * 2000)
    result = run("index", tmp_path / "news")
    warnings = [l for l in result.stderr.splitlines() if l.startswith("newsgrep: warning:")]
    assert len(warnings) == 2, result.stderr
    assert all(l.startswith(("newsgrep: warning:", "indexed", "skipped", "index "))
               for l in result.stderr.splitlines()), result.stderr
