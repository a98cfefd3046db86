"""A PostgreSQL connection dropped mid-run (issue 12, "Errors"): one line
``newsgrep: error: ...``, exit 2, nothing half-committed, and a re-run completes.

The connection is dropped the way a server restart or an administrator drops
it: ``pg_terminate_backend`` of the process's own backend, from another
connection, at a chosen point of the run. A real, throwaway cluster
(tests/pg_cluster.py), never a mock.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pg_cluster  # noqa: E402

REPO = Path(__file__).resolve().parent.parent

psycopg = pytest.importorskip("psycopg", reason=pg_cluster.SKIP_REASON)
if pg_cluster.bindir() is None:
    pytest.skip(pg_cluster.SKIP_REASON, allow_module_level=True)

from newsgrep.engine.base import QuerySpec  # noqa: E402
from newsgrep.engine.postgres import PostgresEngine  # noqa: E402
from newsgrep.engine.postgres.connection import DatabaseError  # noqa: E402


from .conftest import new_database as new_db  # noqa: E402  (on the session's cluster)


def news(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"{i:02}.txt").write_text(f"Статья {i}\n\nПро кошку номер {i}.\n",
                                            encoding="utf-8")
    return folder


# Runs the newsgrep CLI in a process whose own backend is terminated, from another
# connection, when the engine reaches the given point the given time:
#   commit N   after the writer's Nth commit (its next statement finds the connection gone)
#   add N      after the writer's Nth file, inside the open transaction
#   query N    before the reader's Nth statement
DROPPER = textwrap.dedent("""
    import sys
    import psycopg
    from newsgrep.engine.postgres import engine as E

    admin, point, nth = sys.argv[1], sys.argv[2], int(sys.argv[3])
    seen = [0]

    def drop(conn):
        seen[0] += 1
        if seen[0] == nth:
            with psycopg.connect(admin, autocommit=True) as c:
                c.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))

    def after(name, conn_of):
        original = getattr(E.PostgresWriter, name)
        def wrapped(self, *a, **k):
            original(self, *a, **k)
            drop(conn_of(self))
        setattr(E.PostgresWriter, name, wrapped)

    if point == "commit":
        after("commit", lambda w: w.conn)
    elif point == "add":
        after("add_file", lambda w: w.conn)
    else:
        original = E.PostgresEngine._run
        def run(self, *a, **k):
            if self._conn is not None:
                drop(self._conn)
            return original(self, *a, **k)
        E.PostgresEngine._run = run
    from newsgrep.cli import main
    main(sys.argv[4:])
""")


def dropped(cluster, point: str, nth: int, *args: str, env=None):
    import os

    admin = cluster.dsn("postgres")
    environ = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-c", DROPPER, admin, point, str(nth), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=300, env=environ)


def one_error_line(proc) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("newsgrep: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


# The PostgreSQL pipeline (engine/postgres/indexer.py) commits every 200 files.
FILES = 450


@pytest.mark.parametrize("point,nth,committed", [("commit", 1, 200), ("add", 250, 200),
                                                 ("add", 30, 0), ("commit", 2, 400)])
def test_index_whose_connection_drops(cluster, tmp_path, point, nth, committed):
    url = new_db(cluster)
    folder = news(tmp_path / "news", FILES)
    proc = dropped(cluster, point, nth, "index", str(folder), "--index", url, "-q")
    assert proc.returncode == 2, proc.stderr
    line = one_error_line(proc)
    assert "connection" in line or "terminat" in line, line
    assert proc.stdout == ""
    # only whole commits: every committed file with its article, nothing of the open one
    engine = PostgresEngine(url)  # the schema was committed when the run started
    assert len(engine.file_states()) == committed
    assert engine.count(QuerySpec("кошка")) == committed == engine.stats().articles
    assert engine.check() == []
    # a re-run completes to the right count
    rerun = subprocess.run([sys.executable, "-m", "newsgrep", "index", str(folder), "--index",
                            url, "-q"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    engine = PostgresEngine(url)
    assert engine.count(QuerySpec("кошка")) == FILES == engine.stats().articles
    assert len(engine.file_states()) == FILES


@pytest.fixture(scope="module")
def archive(cluster, tmp_path_factory):
    url = new_db(cluster)
    folder = news(tmp_path_factory.mktemp("src") / "news", 12)
    proc = subprocess.run([sys.executable, "-m", "newsgrep", "index", str(folder), "--index",
                           url, "-q"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return url


# a plain search runs three statements (statistics, document frequencies, the search); -c one
@pytest.mark.parametrize("args,nth", [(["кошка"], 1), (["кошка"], 3), (["кошка", "-c"], 1),
                                      (["кошка", "--json"], 2)])
def test_search_whose_connection_drops(cluster, archive, args, nth):
    proc = dropped(cluster, "query", nth, "search", *args, "--index", archive)
    assert proc.returncode == 2, proc.stderr
    assert "terminating connection" in one_error_line(proc)
    assert proc.stdout == ""


def test_engine_reconnects_after_a_dropped_connection(cluster, archive):
    engine = PostgresEngine(archive)
    assert engine.count(QuerySpec("кошка")) == 12
    with psycopg.connect(cluster.dsn("postgres"), autocommit=True) as c:
        c.execute("SELECT pg_terminate_backend(%s)", (engine.conn.info.backend_pid,))
    with pytest.raises(DatabaseError) as e:
        engine.count(QuerySpec("кошка"))
    assert "\n" not in str(e.value) and e.value.exit_code == 2
    assert engine.count(QuerySpec("кошка")) == 12  # the next call connects again
