"""End to end: the installed `newsgrep` script in a subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import FIXTURES, SCRIPT


def run(*args, **kw):
    return subprocess.run([SCRIPT, *map(str, args)], capture_output=True, text=True, **kw)


@pytest.fixture
def index_dir(tmp_path):
    result = run("index", FIXTURES / "articles", "--index", tmp_path / "ix")
    assert result.returncode == 0, result.stderr
    return tmp_path / "ix"


def test_script_is_installed():
    assert SCRIPT, "the newsgrep console script is not installed"


def test_index_search_and_exit_codes(index_dir):
    hit = run("search", "туристы", "--index", index_dir, "--json")
    assert hit.returncode == 0
    [obj] = [json.loads(line) for line in hit.stdout.splitlines()]
    assert obj["date"] == "2022-02-09T00:00:00"
    assert run("search", "крокодил", "--index", index_dir).returncode == 1
    bad = run("search", "атака", "--index", index_dir / "missing")
    assert bad.returncode == 2 and bad.stderr.startswith("newsgrep: error:")


def test_piped_output_has_no_escape_bytes(index_dir):
    for query in ("Алматы", "терминал"):
        out = run("search", query, "--index", index_dir)
        assert out.returncode == 0 and "\x1b" not in out.stdout and "\x07" not in out.stdout


def test_no_color_env_wins_over_auto(index_dir):
    env = dict(os.environ, NO_COLOR="1")
    out = run("search", "Алматы", "--index", index_dir, env=env)
    assert "\x1b" not in out.stdout


@pytest.mark.parametrize("command", [
    "search 'Алматы OR Бишкек OR мост'", "search 'Алматы OR Бишкек OR мост' --json",
    "search 'Алматы OR Бишкек OR мост' -l", "search мост -l -0", "search мост -c",
    "search мост -c --by source", "search мост --timeline", "search мост --timeline --json",
    "stats", "stats --json"])
def test_closed_pipe_is_quiet(index_dir, command):
    """``| head`` as rg takes it: stop, say nothing, exit 0 (not 1, "nothing found").
    (``true`` reads nothing and exits at once, so every write meets a closed pipe.)"""
    cmd = f"'{SCRIPT}' {command} --index '{index_dir}' | true"
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True)
    assert (proc.returncode, proc.stderr) == (0, b"")
    cmd = f"'{SCRIPT}' {command} --index '{index_dir}' | head -c 1"
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True)
    assert (proc.returncode, proc.stderr) == (0, b"")


def test_closed_pipe_is_quiet_for_a_batch(index_dir):
    cmd = (f"printf 'мост\\nАлматы\\n' | '{SCRIPT}' search --batch --index '{index_dir}' | "
           "true")
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True)
    assert (proc.returncode, proc.stderr) == (0, b"")


def test_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "newsgrep", "--help"], capture_output=True,
                         text=True)
    assert out.returncode == 0 and "search" in out.stdout


def test_newsroom_commands_as_processes(tmp_path):
    from .conftest import SAMPLES
    ix = tmp_path / "samples-ix"
    assert run("index", SAMPLES, "--index", ix, "-q").returncode == 0
    for query in ("*", '"здание', "(атака", "атака~3", "а" * 30000):
        out = run("search", query, "--index", ix)
        assert out.returncode == 2 and out.stdout == ""
        assert out.stderr.startswith("newsgrep: error: ") and "Traceback" not in out.stderr
    out = run("search", "fnfrf", "--index", ix)
    assert (out.returncode, out.stdout) == (1, "")
    assert out.stderr.startswith("newsgrep: did you mean: атака")
    assert run("search", "fnfrf", "--fix", "--index", ix).returncode == 0
    shown = run("show", SAMPLES / "text" / "rostov_police_building.txt", "полиция", "--index", ix)
    assert shown.returncode == 0 and "\x1b" not in shown.stdout
    assert shown.stdout.startswith("В Ростове-на-Дону построят новое здание полиции")
    chart = run("search", "Алматы", "--timeline", "--index", ix)
    assert chart.returncode == 0 and "█" in chart.stdout and "\x1b" not in chart.stdout
