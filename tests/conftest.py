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


# --- one suite over both engines ------------------------------------------------------------
# Search-behaviour tests take ``samples_archive``/``fixture_archive`` (a built archive) or
# ``new_archive`` (a fresh, empty location) and run once per engine: ``whoosh`` (a folder)
# and ``postgres`` (a database on one throwaway cluster started for the session by
# tests/pg_cluster.py; skipped, saying what to install, where there is no server or psycopg).

ENGINES = ["whoosh", "postgres"]


def _pg_cluster_module():
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import pg_cluster

    return pg_cluster


@pytest.fixture(scope="session")
def cluster():
    """The session's throwaway PostgreSQL cluster (skips where it cannot be started)."""
    pg_cluster = _pg_cluster_module()
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip(pg_cluster.SKIP_REASON)
    if pg_cluster.bindir() is None:
        pytest.skip(pg_cluster.SKIP_REASON)
    c = pg_cluster.start()
    yield c
    c.remove()


def new_database(cluster) -> str:
    """A new, empty database on ``cluster``, as a ``postgresql://`` URL."""
    import uuid

    name = "t_" + uuid.uuid4().hex[:10]
    cluster.create_database(name)
    return cluster.url(name)


def _pg_archive(cluster, paths, **options) -> str:
    from newsgrep.archive import open_archive

    url = new_database(cluster)
    with open_archive(url, create=True) as archive:
        archive.index([str(p) for p in paths], **options)
    return url


@pytest.fixture(scope="session")
def pg_samples(cluster) -> str:
    """samples/ in a PostgreSQL archive, built once per session; tests must not write to it."""
    return _pg_archive(cluster, [SAMPLES])


@pytest.fixture(scope="session")
def pg_fixtures(cluster) -> str:
    """tests/fixtures/articles in a PostgreSQL archive, built once per session."""
    return _pg_archive(cluster, [FIXTURES / "articles"])


@pytest.fixture(params=ENGINES)
def engine_name(request) -> str:
    """``whoosh`` or ``postgres``: the test runs once per engine."""
    if request.param == "postgres":
        request.getfixturevalue("cluster")  # skips without a server
    return request.param


@pytest.fixture
def samples_archive(request, engine_name) -> str:
    """The sample archive on each engine (a folder, or a database URL); read-only."""
    name = "samples_index" if engine_name == "whoosh" else "pg_samples"
    return str(request.getfixturevalue(name))


@pytest.fixture
def fixture_archive(request, engine_name) -> str:
    """tests/fixtures/articles on each engine (a folder, or a database URL); read-only."""
    name = "fixture_index" if engine_name == "whoosh" else "pg_fixtures"
    return str(request.getfixturevalue(name))


@pytest.fixture
def new_archive(request, engine_name, tmp_path) -> str:
    """A fresh archive location on each engine, nothing indexed into it yet."""
    if engine_name == "whoosh":
        return str(tmp_path / "archive")
    return new_database(request.getfixturevalue("cluster"))
