"""Shell completion: the scripts of `newsgrep completion`, and what they complete,
through the installed script in a subprocess as a shell calls it."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from newsgrep.cli import cli

from .conftest import FIXTURES, SCRIPT


def complete(words: str, env: dict | None = None) -> list[str]:
    """What `newsgrep` answers bash for the last of ``words`` (type,value lines)."""
    parts = words.split(" ")
    proc = subprocess.run([SCRIPT], capture_output=True, text=True, env={
        **os.environ, **(env or {}), "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1),
        "_NEWSGREP_COMPLETE": "bash_complete"})
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return proc.stdout.splitlines()


def test_bash_completes_a_subcommand_and_an_option():
    assert complete("newsgrep se") == ["plain,search"]
    assert complete("newsgrep search --li") == ["plain,--limit"]
    assert "plain,--archive" in complete("newsgrep stats --")


def test_archive_names_from_the_config_file(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[archives]\nwork = "/w"\nweekly = "/x"\nhome = "/h"\n', encoding="utf-8")
    assert complete("newsgrep search атака --archive w", {"NEWSGREP_CONFIG": str(config)}) == [
        "plain,weekly", "plain,work"]


def test_show_and_similar_complete_ids_from_the_archive(tmp_path):
    ix = tmp_path / "ix"
    assert CliRunner().invoke(cli, ["index", str(FIXTURES / "articles"), "--index", str(ix)]
                              ).exit_code == 0
    ids = [json.loads(line)["id"] for line in CliRunner().invoke(
        cli, ["search", "Алматы OR туристы OR терминал", "--json", "--index", str(ix)]
    ).stdout.splitlines()]
    first = ids[0][0]
    env = {"NEWSGREP_INDEX": str(ix)}
    expected = sorted(i for i in ids if i.startswith(first))
    got = [line.removeprefix("plain,") for line in complete(f"newsgrep show {first}", env)]
    assert set(expected) <= set(got) and all(g.startswith(first) for g in got)
    assert complete(f"newsgrep similar {ids[0][:6]}", env) == [f"plain,{ids[0]}"]
    # not an id: the shell completes file names
    assert complete("newsgrep show samples/te", env) == ["file,samples/te"]


def test_the_real_bash_function_completes(tmp_path):
    if not shutil.which("bash"):
        pytest.skip("no bash")
    bin_dir = os.path.dirname(SCRIPT)
    script = ('source <(newsgrep completion bash); COMP_WORDS=(newsgrep ti); COMP_CWORD=1; '
              '_newsgrep_completion newsgrep; echo "${COMPREPLY[@]}"')
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                          env={**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"]})
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "timeline\n", "")


@pytest.mark.parametrize("shell, marker", [
    ("bash", "complete -o nosort -F _newsgrep_completion newsgrep"),
    ("zsh", "#compdef newsgrep"),
    ("fish", "complete --no-files --command newsgrep"),
])
def test_completion_scripts(shell, marker):
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0 and result.stderr == ""
    assert marker in result.stdout and "_NEWSGREP_COMPLETE" in result.stdout


def test_completion_of_an_unknown_shell_is_a_usage_error():
    result = CliRunner().invoke(cli, ["completion", "tcsh"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("newsgrep: error: invalid value for '{bash|zsh|fish}'")
