"""A throwaway PostgreSQL cluster for the tests (initdb + pg_ctl, never a mock).

The server programs are looked up on PATH, then through ``pg_config --bindir``,
then in Debian's layout (``/usr/lib/postgresql/N/bin``). A cluster lives in a
temporary folder: its unix socket there, TCP on 127.0.0.1 on a free port (for
the password tests), run as an unprivileged user when the tests run as root
(PostgreSQL refuses to run as root). :func:`start` returns a :class:`Cluster`;
``stop()`` ends it and removes the folder.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass

SKIP_REASON = ("install postgresql-15 (server; Debian: apt-get install postgresql-15 "
               "postgresql-contrib) and psycopg 3 (pip install 'newsgrep[postgres]') to run these")
SUPERUSER = "postgres"


#: ``python -c KILLER URL FOLDER POINT N COMMIT_FILES``: index FOLDER into URL's database
#: through the PostgreSQL engine, ``COMMIT_FILES`` files a commit, and SIGKILL itself the
#: N-th time the indexer's hook reports POINT ("added", "committed"...).
KILLER = """
import os, signal, sys
from newsgrep.engine.postgres import PostgresEngine
from newsgrep.engine.postgres.indexer import index_paths
point, after = sys.argv[3], int(sys.argv[4])
seen = [0]
def hook(p):
    if p == point:
        seen[0] += 1
        if seen[0] == after:
            os.kill(os.getpid(), signal.SIGKILL)
index_paths(PostgresEngine(sys.argv[1], create=True), [sys.argv[2]],
            commit_files=int(sys.argv[5]), hook=hook)
"""


def bindir() -> str | None:
    """The folder with initdb, pg_ctl and postgres, or None."""
    found = shutil.which("initdb")
    if found:  # (a symbolic link on PATH: the folder it points into has all the programs)
        d = os.path.dirname(os.path.realpath(found))
        if os.path.exists(os.path.join(d, "pg_ctl")):
            return d
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                             timeout=10).stdout.strip()
        if out and os.path.exists(os.path.join(out, "initdb")):
            return out
    except (OSError, subprocess.SubprocessError):
        pass
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "initdb")) and os.path.exists(os.path.join(d, "pg_ctl")):
            return d
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _runner() -> list[str]:
    """The command prefix that runs a server program as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "nobody", "--"]


def _chown(path: str) -> None:
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(path, nobody.pw_uid, nobody.pw_gid)


@dataclass
class Cluster:
    bindir: str
    root: str      # the temporary folder
    datadir: str
    sockdir: str
    port: int

    def dsn(self, dbname: str = "postgres", user: str = SUPERUSER, host: str | None = None,
            **extra) -> str:
        """A libpq key=value connection string (the socket unless ``host``)."""
        parts = {"host": host or self.sockdir, "port": self.port, "user": user,
                 "dbname": dbname, **extra}
        return " ".join(f"{k}={v}" for k, v in parts.items())

    def url(self, dbname: str, user: str = SUPERUSER) -> str:
        """A ``postgresql://`` URL through the socket."""
        from urllib.parse import quote
        return f"postgresql://{user}@/{dbname}?host={quote(self.sockdir, safe='')}&port={self.port}"

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        import psycopg
        with psycopg.connect(self.dsn(dbname), autocommit=True) as conn:
            cur = conn.execute(sql)
            try:
                return "\n".join("|".join(map(str, r)) for r in cur.fetchall())
            except psycopg.ProgrammingError:
                return ""

    def create_database(self, name: str) -> str:
        self.psql(f'CREATE DATABASE "{name}"')
        return name

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(_runner() + [os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir,
                                    "-m", mode, "-w", "stop"],
                       capture_output=True, timeout=60)

    def start(self) -> None:
        log = os.path.join(self.root, "server.log")
        proc = subprocess.run(
            _runner() + [os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir, "-l", log,
                         "-w", "-t", "60", "start"], capture_output=True, text=True, timeout=90)
        if proc.returncode:
            tail = open(log, errors="replace").read()[-2000:] if os.path.exists(log) else ""
            raise RuntimeError(f"pg_ctl start failed: {proc.stderr} {tail}")

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def _config(datadir: str, sockdir: str, port: int, extra: str = "") -> None:
    with open(os.path.join(datadir, "postgresql.conf"), "a") as fh:
        fh.write(f"\nlisten_addresses = '127.0.0.1'\nport = {port}\n"
                 f"unix_socket_directories = '{sockdir}'\nfsync = off\n"
                 "synchronous_commit = off\nfull_page_writes = off\n"
                 "shared_buffers = 64MB\nmax_connections = 60\n"
                 "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n" + extra)
    with open(os.path.join(datadir, "pg_hba.conf"), "w") as fh:
        fh.write("local all all trust\nlocal replication all trust\n"
                 "host all all 127.0.0.1/32 scram-sha-256\n")


def start(bin_dir: str | None = None) -> Cluster:
    """initdb and start a new cluster in a temporary folder."""
    bin_dir = bin_dir or bindir()
    if bin_dir is None:
        raise FileNotFoundError(SKIP_REASON)
    root = tempfile.mkdtemp(prefix="newsgrep-pg-")
    os.chmod(root, 0o755)
    _chown(root)
    datadir, sockdir = os.path.join(root, "data"), os.path.join(root, "sock")
    for d in (datadir, sockdir):
        os.mkdir(d, 0o700)
        _chown(d)
    os.chmod(sockdir, 0o777)
    proc = subprocess.run(_runner() + [os.path.join(bin_dir, "initdb"), "-D", datadir, "-U",
                                       SUPERUSER, "-E", "UTF8", "--locale=C", "-A", "trust"],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {proc.stderr.strip()[-500:]}")
    port = _free_port()
    _config(datadir, sockdir, port)
    cluster = Cluster(bin_dir, root, datadir, sockdir, port)
    cluster.start()
    return cluster


def start_replica(primary: Cluster) -> Cluster:
    """A streaming replica of ``primary`` (pg_basebackup -R), started, in its own folder."""
    root = tempfile.mkdtemp(prefix="newsgrep-pg-replica-")
    os.chmod(root, 0o755)
    _chown(root)
    datadir, sockdir = os.path.join(root, "data"), os.path.join(root, "sock")
    os.mkdir(sockdir, 0o777)
    os.chmod(sockdir, 0o777)
    _chown(sockdir)
    proc = subprocess.run(_runner() + [
        os.path.join(primary.bindir, "pg_basebackup"), "-h", primary.sockdir, "-p",
        str(primary.port), "-U", SUPERUSER, "-D", datadir, "-R", "-X", "stream", "-c", "fast"],
        capture_output=True, text=True, timeout=300)
    if proc.returncode:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"pg_basebackup failed: {proc.stderr.strip()[-500:]}")
    port = _free_port()
    with open(os.path.join(datadir, "postgresql.conf"), "a") as fh:
        fh.write(f"\nport = {port}\nunix_socket_directories = '{sockdir}'\n")
    replica = Cluster(primary.bindir, root, datadir, sockdir, port)
    replica.start()
    return replica


def wait_replayed(primary: Cluster, replica: Cluster, timeout: float = 30) -> None:
    """Wait until ``replica`` has replayed everything ``primary`` has written so far."""
    lsn = primary.psql("SELECT pg_current_wal_insert_lsn()")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if replica.psql(f"SELECT pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn") == "True":
            return
        time.sleep(0.1)
    raise TimeoutError("the replica did not catch up")
