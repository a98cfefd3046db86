"""The PostgreSQL engine ranks as the Whoosh engine (BM25, title boost, forms, ties),
on a real, throwaway cluster (tests/pg_cluster.py)."""
from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pg_cluster  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"

psycopg = pytest.importorskip("psycopg", reason=pg_cluster.SKIP_REASON)
if pg_cluster.bindir() is None:
    pytest.skip(pg_cluster.SKIP_REASON, allow_module_level=True)

from newsgrep.archive import open_archive  # noqa: E402
from newsgrep.engine.postgres.engine import _TF, ZETA2  # noqa: E402


@pytest.fixture(scope="module")
def archives(cluster, tmp_path_factory):
    """samples/ and a folder of written articles, in both engines."""
    news = tmp_path_factory.mktemp("src") / "news"
    news.mkdir()
    # one word at different frequencies, title or body, short and long articles
    for i in range(12):
        title = "Кошка на крыше" if i % 3 == 0 else f"Заметка номер {i}"
        body = " ".join(["кошка"] * (i % 5) + ["собака"] * 3 + ["слово"] * (i * 7)) + "."
        (news / f"{i:02}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    for i in range(4):  # equal scores: the same text in four files
        (news / f"same{i}.txt").write_text("Жираф\n\nПро жирафа.\n", encoding="utf-8")
    name = "r_" + uuid.uuid4().hex[:10]
    cluster.create_database(name)
    url = cluster.url(name)
    folder = tmp_path_factory.mktemp("whoosh") / "index"
    for location in (str(folder), url):
        with open_archive(location, create=True) as a:
            a.index([str(SAMPLES), str(news)])
    return str(folder), url


QUERIES = ["атака", "атака сирия", "атака OR взрыв", "title:атака", "body:атака", "кошка",
           "title:кошка", "кошка собака", "=атаки", "=кошка", "атак*", "прав*", "кош*",
           "цены", "Москва", "театр", "жираф", "призидент~", '"белый дом"', "source:риа"]


def top(location: str, q: str) -> list[tuple[str, float]]:
    with open_archive(location) as a:
        return [(h.id, h.score) for h in a.search(q, limit=10, partial=False).hits]


@pytest.mark.parametrize("q", QUERIES)
def test_same_top_ten_as_whoosh(archives, q):
    whoosh, postgres = top(archives[0], q), top(archives[1], q)
    assert [i for i, _ in postgres] == [i for i, _ in whoosh]
    if not q.startswith(("source:", '"')):  # phrases and other fields: same order only
        for (_, w), (_, p) in zip(whoosh, postgres):
            assert p == pytest.approx(w, rel=0.02)


def test_title_boost_only_for_a_bare_word(archives):
    bare = dict(top(archives[1], "кошка"))
    title = dict(top(archives[1], "title:кошка"))
    assert title and all(bare[i] > title[i] for i in title)


def test_term_frequency_read_back_from_ts_rank(cluster):
    """_TF gives a term's title and title + body frequency, up to the 256 positions kept."""
    with psycopg.connect(cluster.dsn("postgres")) as conn:
        for title, body in [(0, 1), (1, 0), (2, 3), (1, 254), (0, 256), (5, 0), (40, 216)]:
            positions = [f"{p}A" for p in range(1, title + 1)]
            positions += [f"{p}" for p in range(title + 1, title + body + 1)]
            tsv = "'x':" + ",".join(positions) + " 'y':300"
            sql = ("SELECT " + _TF.format(weights="{0,0,0,1}") + ", "
                   + _TF.format(weights="{1,1,1,1}") + " FROM (SELECT %s::tsvector AS tsv) t")
            a, n = conn.execute(sql, ("'x'", "'x'", tsv)).fetchone()
            assert (a, n - a) == (title, body)
        absent = conn.execute("SELECT " + _TF.format(weights="{1,1,1,1}") + " FROM (SELECT "
                              "'y:1'::tsvector AS tsv) t", ("'x'",)).fetchone()[0]
        assert absent == 0 and ZETA2 == pytest.approx(3.14159265358979 ** 2 / 6)
