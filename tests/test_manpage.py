"""The man page, newsgrep(1): generated from the click definitions and shipped."""
from __future__ import annotations

import configparser
import importlib.util
import shutil
import subprocess

import pytest

from .conftest import REPO

PAGE = REPO / "man" / "newsgrep.1"


def generated() -> str:
    spec = importlib.util.spec_from_file_location("manpage", REPO / "tools" / "manpage.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.page()


def test_the_committed_page_matches_the_commands():
    assert PAGE.read_text(encoding="utf-8") == generated(), (
        "man/newsgrep.1 is out of date: python tools/manpage.py > man/newsgrep.1")


def test_the_page_names_every_command_and_option():
    from newsgrep.cli import cli

    text = PAGE.read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert f'.SS "newsgrep {name} ' in text
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("-"):
                    assert opt.replace("-", "\\-") in text, (name, opt)


def test_setup_cfg_ships_the_page():
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    assert cfg["options.data_files"]["share/man/man1"].strip() == "man/newsgrep.1"


def test_man_renders_it():
    if not shutil.which("man"):
        pytest.skip("man is not installed")
    proc = subprocess.run(["man", "-l", str(PAGE)], capture_output=True, text=True,
                          env={"MANWIDTH": "100", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    assert proc.returncode == 0
    assert "newsgrep search [OPTIONS] QUERY" in proc.stdout and "EXIT STATUS" in proc.stdout
