"""Shared fixtures: every test gets its own index location, and ../shared when present."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsgrep.cli import cli

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED = Path(os.environ.get("NEWSGREP_SHARED", REPO.parent / "shared"))
# the installed script (end-to-end tests run it in a subprocess)
SCRIPT = shutil.which("newsgrep", path=os.path.dirname(sys.executable)) or shutil.which("newsgrep")


@pytest.fixture(autouse=True)
def _private_index(tmp_path, monkeypatch):
    """No test touches the repository's index/ or the user's own archive and config:
    NEWSGREP_INDEX points at a temp folder, and so do the platform's data and config
    folders and NEWSGREP_CONFIG (a file that does not exist: no settings)."""
    monkeypatch.setenv("NEWSGREP_INDEX", str(tmp_path / "index"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("NEWSGREP_CONFIG", str(tmp_path / "xdg-config" / "newsgrep" / "config.toml"))
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def shared() -> Path:
    """The ../shared data folder; tests that need it skip where it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory) -> Path:
    """An index of tests/fixtures/articles, built once per session; tests must not write to it."""
    from newsgrep.indexing import index_paths

    directory = tmp_path_factory.mktemp("fixture-index")
    index_paths([FIXTURES / "articles"], directory)
    return directory


@pytest.fixture(scope="session")
def samples_index(tmp_path_factory) -> Path:
    """An index of the sample archive, built once per session; tests must not write to it.

    Only the layouts the readers understand are indexed, so tests assert what
    holds whichever readers have landed (the .txt articles are always there).
    """
    from newsgrep.indexing import index_paths

    directory = tmp_path_factory.mktemp("samples-index")
    index_paths([SAMPLES], directory)
    return directory


@pytest.fixture
def run():
    """Run the CLI in-process: ``run("search", "атака")`` gives click's Result."""
    runner = CliRunner()

    def invoke(*args, **kw):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False, **kw)
    return invoke
