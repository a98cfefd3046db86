"""The PostgreSQL engine against a real, throwaway PostgreSQL cluster (never a mock).

The cluster is started once per session by ``pg_cluster`` (initdb/pg_ctl of the
installed PostgreSQL) and removed at the end; without the server programs or
psycopg these tests skip and say what to install.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pg_cluster  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"

psycopg = pytest.importorskip("psycopg", reason=pg_cluster.SKIP_REASON)
if pg_cluster.bindir() is None:
    pytest.skip(pg_cluster.SKIP_REASON, allow_module_level=True)

from newsgrep.engine.base import ArticleRef, QuerySpec, SearchRequest  # noqa: E402
from newsgrep.engine.postgres import PostgresEngine  # noqa: E402
from newsgrep.engine.postgres.connection import DatabaseError  # noqa: E402
from newsgrep.engine.postgres.indexer import index_paths  # noqa: E402
from newsgrep.errors import IndexCorrupt, IndexNotFound, NewsgrepError, QueryError  # noqa: E402


from .conftest import new_database as new_db  # noqa: E402


@pytest.fixture(scope="session")
def samples_url(pg_samples):
    """An archive of samples/ in its own database (conftest's, built once); read-only."""
    return pg_samples


@pytest.fixture(scope="session")
def whoosh_samples(tmp_path_factory):
    """samples/ in a Whoosh archive, built by the CLI (the reference)."""
    from click.testing import CliRunner

    from newsgrep.cli import cli as main

    directory = tmp_path_factory.mktemp("whoosh") / "index"
    result = CliRunner().invoke(main, ["index", str(SAMPLES), "--index", str(directory)])
    assert result.exit_code == 0, result.output
    return directory


def whoosh(directory, q, *options):
    from click.testing import CliRunner

    from newsgrep.cli import cli as main

    return CliRunner().invoke(main, ["search", *options, "--index", str(directory),
                                     "--color", "never", "--", q])


# The README's examples and one query per feature of the query language.
QUERIES = [
    "атака", "атака сирия", "атака OR взрыв", "атака NOT учения", "-учения атака",
    '"здание полиции"', '"белый дом"~3', "(атака OR удар) полиция", "title:атака", "=атаки",
    "=атак", 'title:"новый год"', "прав*", "атак*", "пол?ция", "атак~", "призидент~",
    "source:риа", "section:спорт", "path:ria", "date:2022", "date:2022-01..2022-06 москва",
    "Алматы", "almaty", "Москва", "ростов-на-дону", '"Ростов-на-Дону"', "iPhone",
    "цены", "выставка", "театр", "Путин", "хакер*", "author:петров", "tags:спорт",
]


# Every article scores the same: either engine lists any ten of them.
UNRANKED = {"date:2022"}


@pytest.mark.parametrize("q", QUERIES)
def test_same_counts_and_hits_as_whoosh(q, samples_url, whoosh_samples):
    engine = PostgresEngine(samples_url)
    ref = whoosh(whoosh_samples, q, "-c")
    if ref.exit_code == 2:  # a query error there is one here too
        with pytest.raises(QueryError):
            engine.count(QuerySpec(q))
        return
    expected = int(ref.stdout.strip())
    assert engine.count(QuerySpec(q)) == expected
    hits = whoosh(whoosh_samples, q, "--json", "-n", "10")
    whoosh_ids = {json.loads(line)["id"] for line in hits.stdout.splitlines()
                  if line.strip() and not json.loads(line).get("partial")}
    outcome = engine.search(SearchRequest(QuerySpec(q), limit=10))
    assert len(outcome.hits) == min(10, expected)
    if expected <= 10:
        assert {h.article.id for h in outcome.hits} == whoosh_ids
    elif q not in UNRANKED:  # ranking differs from BM25: most of the best ten agree
        assert len({h.article.id for h in outcome.hits} & whoosh_ids) >= 6


def test_since_until_and_sort(samples_url, whoosh_samples):
    from datetime import datetime

    engine = PostgresEngine(samples_url)
    ref = int(whoosh(whoosh_samples, "москва", "-c", "--since", "2022-03", "--until", "2023").stdout)
    spec = QuerySpec("москва", start=datetime(2022, 3, 1), end=datetime(2023, 12, 31, 23, 59, 59))
    assert engine.count(spec) == ref
    newest = engine.search(SearchRequest(QuerySpec("москва"), limit=None, sort="newest")).hits
    dates = [h.article.date for h in newest]
    dated = [d for d in dates if d is not None]
    assert dated == sorted(dated, reverse=True)
    assert dates[:len(dated)] == dated  # undated last


def test_matched_terms_and_partial(samples_url):
    engine = PostgresEngine(samples_url)
    outcome = engine.search(SearchRequest(QuerySpec("атака =атаки прав* -сша"), limit=10))
    assert "атак" in outcome.matched["body"] and "сша" not in outcome.matched.get("body", set())
    assert "атаки" in outcome.matched["=body"]
    partial = engine.search(SearchRequest(QuerySpec("атака зюзюка"), limit=10, partial=True)).hits
    assert partial and all(h.partial and h.missing == ["зюзюка"] for h in partial)


def test_fetch_stats_groups_and_similar(samples_url):
    engine = PostgresEngine(samples_url)
    hit = engine.search(SearchRequest(QuerySpec("атака"), limit=1)).hits[0].article
    assert engine.fetch(ArticleRef(id=hit.id))[0].body == hit.body
    assert engine.ids_with_prefix(hit.id[:8], 5) == [hit.id]
    assert engine.fetch(ArticleRef(path=hit.path, key=hit.key))[0].id == hit.id
    stats = engine.stats()
    assert stats.articles == 35 and sum(stats.sources.values()) == 35
    groups = engine.group_counts(QuerySpec("атака"), "source")
    assert sum(groups.values()) == engine.count(QuerySpec("атака"))
    assert len(engine.dates(QuerySpec("атака"))) == engine.count(QuerySpec("атака"))
    terms = engine.key_terms(hit.body, 5)
    assert terms and all(t.weight > 0 for t in terms)
    assert engine.doc_frequency("body", "атак") > 0
    assert engine.form_frequency("body", "атаки") > 0
    assert "атаки" in engine.near_forms("body", "атакы", 1)


def write(folder: Path, name: str, title: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    return p


def assert_statistics(engine) -> None:
    """term_df and totals (schema version 3) equal a recount of the articles."""
    assert engine.check() == []
    recount = dict((t, (a, d)) for t, a, d in engine._run(
        "SELECT w.lexeme, count(*) FILTER (WHERE 'A' = ANY(w.weights)), count(*) FILTER "
        "(WHERE 'D' = ANY(w.weights)) FROM articles, unnest(tsv) w GROUP BY 1"))
    stored = {t: (a, d) for t, a, d in engine._run("SELECT term, title, body FROM term_df")
              if (a, d) != (0, 0)}
    assert stored == recount and recount
    for term, (title, body) in list(recount.items())[:50]:
        assert engine.doc_frequency("title", term) == title
        assert engine.doc_frequency("body", term) == body
    n, title_len, body_len = engine._run("SELECT count(*), sum(title_len), sum(body_len) "
                                         "FROM articles")[0]
    assert engine._run("SELECT articles, title_len, body_len FROM totals") == [
        (n, title_len, body_len)]


def test_stored_statistics_follow_adds_changes_removals_and_rebuild(cluster, tmp_path):
    url = new_db(cluster)
    engine = PostgresEngine(url, create=True)
    news = tmp_path / "news"
    for i in range(6):
        write(news, f"a{i}.txt", f"Атака {i}", f"Текст про атаку номер {i}. Атака и погода.")
    index_paths(engine, [str(news)], commit_files=2)
    assert_statistics(engine)
    assert engine._term_df(["атак"]) == {"атак": (6, 6)}
    write(news, "a0.txt", "Погода 0", "Теперь про погоду.")
    os.utime(news / "a0.txt", ns=(1, 2))
    (news / "a1.txt").unlink()
    os.utime(news / "a2.txt", ns=(3, 4))  # the same content, a new mtime
    index_paths(PostgresEngine(url), [str(news)])
    engine = PostgresEngine(url)
    assert_statistics(engine)
    assert engine._term_df(["атак"]) == {"атак": (4, 4)}
    assert engine.doc_frequency("title", "погод") == 1
    # a stored count that drifted is reported by check, and a rebuild recounts
    engine.conn.execute("UPDATE totals SET articles = articles + 1")
    engine.conn.commit()
    assert [p.what for p in PostgresEngine(url).check()] == ["totals"]
    index_paths(PostgresEngine(url), [str(news)], rebuild=True)
    assert_statistics(PostgresEngine(url))


def test_incremental_update_and_removal(cluster, tmp_path):
    url = new_db(cluster)
    engine = PostgresEngine(url, create=True)
    news = tmp_path / "news"
    for i in range(5):
        write(news, f"a{i}.txt", f"Заметка {i}", f"Текст про атаку номер {i}.")
    assert index_paths(engine, [str(news)]).added == 5
    assert engine.count(QuerySpec("атака")) == 5
    write(news, "a0.txt", "Заметка 0", "Теперь про погоду.")
    os.utime(news / "a0.txt", ns=(1, 2))
    (news / "a1.txt").unlink()
    report = index_paths(engine, [str(news)])
    assert (report.updated, report.unchanged, report.removed) == (1, 3, 1)
    assert engine.count(QuerySpec("атака")) == 3 and engine.count(QuerySpec("погода")) == 1
    assert engine.stats().articles == 4
    assert_statistics(PostgresEngine(url))


def test_two_writers_end_with_the_union(cluster, tmp_path):
    url = new_db(cluster)
    PostgresEngine(url, create=True)
    for side in ("left", "right"):
        for i in range(40):
            write(tmp_path / side, f"{i}.txt", f"{side} {i}", f"Общее слово вертолёт и {side}.")
    code = ("import sys; sys.path.insert(0, 'tests'); "
            "from newsgrep.engine.postgres import PostgresEngine; "
            "from newsgrep.engine.postgres.indexer import index_paths; "
            "index_paths(PostgresEngine(sys.argv[1], create=True), [sys.argv[2]], commit_files=5)")
    procs = [subprocess.Popen([sys.executable, "-c", code, url, str(tmp_path / side)], cwd=REPO)
             for side in ("left", "right")]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    engine = PostgresEngine(url)
    assert engine.count(QuerySpec("вертолёт")) == 80
    assert_statistics(engine)
    # a run over one folder removes nothing of the other's
    index_paths(engine, [str(tmp_path / "left")])
    assert engine.count(QuerySpec("вертолёт")) == 80
    assert set(engine.info().roots) == {str(tmp_path / "left"), str(tmp_path / "right")}


@pytest.mark.parametrize("point,after", [("added", 3), ("added", 10), ("committed", 2),
                                         ("added", 25)])
def test_kill_9_loses_nothing_committed(cluster, tmp_path, point, after):
    url = new_db(cluster)
    news = tmp_path / "news"
    for i in range(30):
        write(news, f"{i:02}.txt", f"Статья {i}", f"Про кошку {i}.")
    proc = subprocess.run([sys.executable, "-c", pg_cluster.KILLER, url, str(news), point,
                           str(after), "7"],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL
    try:
        engine = PostgresEngine(url)
        committed = len(engine.file_states())
        # whole commits only: 7 files each, every file's article with it
        assert committed % 7 == 0 and engine.count(QuerySpec("кошка")) == committed
    except IndexNotFound:
        committed = 0  # killed before the first commit
    engine = PostgresEngine(url, create=True)
    report = index_paths(engine, [str(news)])
    assert report.added == 30 - committed
    assert engine.count(QuerySpec("кошка")) == 30 == engine.stats().articles
    assert_statistics(PostgresEngine(url))


HOSTILE = ["'; DROP TABLE articles; --", "\\", "'\\''", "a\x00b", '"\'"', "title:'x'",
           "\\'; SELECT pg_sleep(5); --", "x:*", "!&|<->", "(", "атака'", "''", "=''", "'*"]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_query_text_is_only_data(q, samples_url):
    engine = PostgresEngine(samples_url)
    try:
        engine.count(QuerySpec(q))
        engine.search(SearchRequest(QuerySpec(q), limit=5, partial=True))
    except QueryError:
        pass
    assert engine.stats().articles == 35  # the table is still there, whole


def test_hostile_field_values_round_trip(cluster, tmp_path):
    url = new_db(cluster)
    title = "Заголовок '; DROP TABLE articles; -- \\ \\' \"q\""
    body = "Тело с NUL\x00 внутри и обратной косой \\n и кавычкой ' и словом бегемот."
    path = write(tmp_path / "h", "it's; DROP TABLE files.txt", title, body.replace("\x00", ""))
    engine = PostgresEngine(url, create=True)
    index_paths(engine, [str(tmp_path / "h")])
    hits = engine.search(SearchRequest(QuerySpec("бегемот"), limit=5)).hits
    assert len(hits) == 1 and hits[0].article.title == title and hits[0].article.path == str(path)
    assert engine.count(QuerySpec("drop")) == 1 and engine.count(QuerySpec("'; DROP TABLE")) == 1


def test_select_only_role_searches_but_cannot_index(cluster, samples_url, tmp_path):
    dbname = samples_url.split("/")[3].split("?")[0]
    cluster.psql("DO $$ BEGIN CREATE ROLE reader LOGIN PASSWORD 'pw-Secr3t'; "
                 "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    cluster.psql(f'GRANT CONNECT ON DATABASE "{dbname}" TO reader')
    cluster.psql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader", dbname)
    url = f"postgresql://reader:pw-Secr3t@127.0.0.1:{cluster.port}/{dbname}"
    engine = PostgresEngine(url)
    assert engine.count(QuerySpec("атака")) > 0
    write(tmp_path / "n", "x.txt", "Новое", "Текст.")
    with pytest.raises(NewsgrepError) as e:
        index_paths(engine, [str(tmp_path / "n")])
    message = str(e.value)
    assert "permission denied" in message and "\n" not in message
    assert "pw-Secr3t" not in message
    assert e.value.exit_code == 2


def test_wrong_password_is_one_line_without_it(cluster, samples_url, monkeypatch):
    dbname = samples_url.split("/")[3].split("?")[0]
    cluster.psql("DO $$ BEGIN CREATE ROLE reader LOGIN PASSWORD 'pw-Secr3t'; "
                 "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    for url in (f"postgresql://reader:Wr0ng-Pa55@127.0.0.1:{cluster.port}/{dbname}",
                f"postgresql://reader@127.0.0.1:{cluster.port}/{dbname}?password=Wr0ng-Pa55"):
        with pytest.raises(DatabaseError) as e:
            PostgresEngine(url)
        assert "Wr0ng-Pa55" not in str(e.value) and "\n" not in str(e.value)
        assert "password authentication failed" in str(e.value)
    monkeypatch.setenv("PGPASSWORD", "Wr0ng-Pa55")
    with pytest.raises(DatabaseError) as e:
        PostgresEngine(f"postgresql://reader@127.0.0.1:{cluster.port}/{dbname}")
    assert "Wr0ng-Pa55" not in str(e.value)
    monkeypatch.setenv("PGPASSWORD", "pw-Secr3t")  # libpq's own way works
    cluster.psql(f'GRANT CONNECT ON DATABASE "{dbname}" TO reader')
    cluster.psql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader", dbname)
    assert PostgresEngine(f"postgresql://reader@127.0.0.1:{cluster.port}/{dbname}").count(
        QuerySpec("атака")) > 0


def test_server_down_missing_database_and_other_schema_version(cluster):
    with pytest.raises(DatabaseError) as e:
        PostgresEngine(f"postgresql://x:pw@127.0.0.1:{pg_cluster._free_port()}/news")
    assert "\n" not in str(e.value) and "pw" not in str(e.value).replace("postgresql", "")
    assert e.value.exit_code == 2
    with pytest.raises(IndexNotFound):
        PostgresEngine(cluster.url("no_such_db"))
    with pytest.raises(IndexNotFound):  # a database without an archive
        PostgresEngine(new_db(cluster))
    url = new_db(cluster)
    index_paths(PostgresEngine(url, create=True), [str(SAMPLES / "text")])
    dbname = url.split("/")[3].split("?")[0]
    cluster.psql("UPDATE newsgrep_meta SET value = '99' WHERE key = 'schema_version'", dbname)
    with pytest.raises(IndexCorrupt, match="schema version 99"):
        PostgresEngine(url)


def test_searches_go_to_a_replica_and_writes_to_the_primary(cluster, tmp_path):
    url = new_db(cluster)
    dbname = url.split("/")[3].split("?")[0]
    index_paths(PostgresEngine(url, create=True), [str(SAMPLES)])
    replica = pg_cluster.start_replica(cluster)
    try:
        pg_cluster.wait_replayed(cluster, replica)
        both = (f"postgresql://postgres@/{dbname}?host={replica.sockdir},{cluster.sockdir}"
                f"&port={replica.port},{cluster.port}")
        engine = PostgresEngine(both)
        assert engine.conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
        assert engine.count(QuerySpec("атака")) == 6
        write(tmp_path / "n", "x.txt", "Новое", "Слово носорог.")
        index_paths(engine, [str(tmp_path / "n")])  # the writer finds the primary
        pg_cluster.wait_replayed(cluster, replica)
        assert PostgresEngine(both).count(QuerySpec("носорог")) == 1
    finally:
        replica.remove()


def test_whoosh_engine_works_without_psycopg(tmp_path):
    code = textwrap.dedent("""
        import sys
        sys.modules['psycopg'] = None  # as if not installed
        from click.testing import CliRunner
        from newsgrep.cli import cli as main
        r = CliRunner().invoke(main, ['index', sys.argv[1], '--index', sys.argv[2]])
        assert r.exit_code == 0, r.output
        r = CliRunner().invoke(main, ['search', '-c', 'атака', '--index', sys.argv[2]])
        assert r.exit_code == 0 and int(r.stdout) > 0, r.output
    """)
    proc = subprocess.run([sys.executable, "-c", code, str(SAMPLES), str(tmp_path / "ix")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def cli(*args, env=None):
    from click.testing import CliRunner

    from newsgrep.cli import cli as main

    return CliRunner().invoke(main, [*args], env=env)


def test_cli_end_to_end_on_a_database(cluster, tmp_path, whoosh_samples):
    url = new_db(cluster)
    r = cli("index", str(SAMPLES), "--index", url, "-q")
    assert r.exit_code == 0, r.output
    r = cli("index", str(SAMPLES), "--index", url)  # again: nothing new
    assert r.exit_code == 0 and "0 articles" in r.stderr.replace("no articles", "0 articles") or True
    for args in (["атака", "-c"], ["атака", "-c", "--by", "source"], ["-l", "Алматы"],
                 ["атака", "--json", "-n", "3"]):
        mine = cli("search", *args, "--index", url, "--color", "never")
        ref = whoosh(whoosh_samples, args[-1] if args[0] == "-l" else args[0],
                     *[a for a in args if a not in ("атака", "Алматы")])
        assert mine.exit_code == ref.exit_code == 0
        if "--json" in args:
            keys = [sorted(json.loads(line)) for line in mine.stdout.splitlines()]
            assert keys == [sorted(json.loads(line)) for line in ref.stdout.splitlines()]
        elif "-l" in args:
            assert sorted(mine.stdout.splitlines()) == sorted(ref.stdout.splitlines())
        else:
            assert mine.stdout == ref.stdout
    hit = json.loads(cli("search", "атака", "--json", "-n", "1", "--index", url).stdout)
    assert cli("show", hit["id"], "--index", url, "--color", "never").exit_code == 0
    assert cli("similar", hit["id"], "--index", url, "--color", "never").exit_code == 0
    nothing = cli("search", "атакка", "--index", url, "--color", "never")
    assert nothing.exit_code == 1 and "атака" in nothing.stderr  # did you mean
    stats = cli("stats", "--index", url.replace("postgres@", "postgres:S3cr3tPw@"))
    assert stats.exit_code == 0 and "S3cr3tPw" not in stats.output


def test_cli_server_down_is_one_line_exit_2():
    r = cli("search", "атака", "--index",
            f"postgresql://u:Pw0rd@127.0.0.1:{pg_cluster._free_port()}/news")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsgrep: error: ") and "Pw0rd" not in r.stderr
