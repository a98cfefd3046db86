"""newsgrep.config: which archive, and reading the configuration file (no click)."""
from __future__ import annotations

import pytest

from newsgrep.config import default_archive, load_config, locate, naming_option
from newsgrep.errors import ConfigError, NewsgrepError


@pytest.fixture
def config(tmp_path):
    def write(text: str):
        path = tmp_path / "config.toml"
        path.write_text(text, encoding="utf-8")
        return load_config(path)
    return write


def test_the_order_option_env_config_default(tmp_path, monkeypatch, config):
    c = config(f'archive = "{tmp_path / "from-config"}"\n')
    assert locate(tmp_path / "opt", config=c).origin == "option --index"
    monkeypatch.setenv("NEWSGREP_INDEX", str(tmp_path / "env"))
    assert locate(config=c).origin == "env NEWSGREP_INDEX"
    monkeypatch.delenv("NEWSGREP_INDEX")
    where = locate(config=c)
    assert (where.path, where.origin) == (tmp_path / "from-config", f"config {c.path}:1")
    default = locate(config=config(""))
    assert (default.path, default.origin) == (default_archive(), "default")
    assert default_archive() == tmp_path / "xdg-data" / "newsgrep" / "archive"


def test_paths_are_absolute_and_expanded(tmp_path, monkeypatch, config):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    c = config("")
    assert locate("rel", config=c).path == tmp_path / "rel"
    assert locate("~/news", config=c).path == tmp_path / "home" / "news"


def test_names_and_paths(tmp_path, config):
    c = config(f'[archives]\nwork = "{tmp_path / "w"}"\n')
    named = locate("work", config=c)  # a bare name of an archive: that archive
    assert (named.path, named.name, str(named)) == (tmp_path / "w", "work", f"work ({tmp_path / 'w'})")
    assert locate("./work", config=c).path == tmp_path.cwd() / "work"  # a path
    assert locate(archive="work", config=c).origin == "option --archive"
    with pytest.raises(NewsgrepError, match="no archive named play"):
        locate(archive="play", config=c)
    with pytest.raises(NewsgrepError, match="--index and --archive"):
        locate("x", "work", config=c)


def test_lines_of_keys(config):
    c = config('# a comment\narchive = "x"\n\n[archives]\n"w-2" = "/ab"\nwork = "/w"\n'
               '[search]\nlimit = 3\ncolor="never"\n[index]\nexclude = [\n  "*.tsv",\n]\n'
               'show = { pager = false }\n')
    lines = {k: e.line for k, e in c.values.items()}
    assert lines == {"archive": 2, "archives.w-2": 5, "archives.work": 6, "search.limit": 8,
                     "search.color": 9, "index.exclude": 11, "index.show.pager": 14}


def test_errors_name_the_file_and_line(config, tmp_path):
    with pytest.raises(ConfigError, match=r"config.toml:3: invalid TOML: "):
        config('archive = "x"\n\nlimit = = 3\n')
    with pytest.raises(ConfigError, match=r"config.toml:2: archives.work: an archive is a path"):
        config('[archives]\nwork = ["x"]\n')
    with pytest.raises(ConfigError, match=r"config.toml:2: archives.a b: an archive name is"):
        config('[archives]\n"a b" = "/ab"\n')
    with pytest.raises(ConfigError, match=r"config.toml:1: archive: the default archive"):
        config('archive = 3\n')
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="bad.toml: cannot read"):
        load_config(bad)


def test_a_connection_string_is_kept_but_not_opened(config):
    c = config('[archives]\nshared = "postgresql://news@db/archive"\nother = "mysql://db/a"\n')
    assert c.archives["shared"].value == "postgresql://news@db/archive"
    # a PostgreSQL URL is the archive's location as it is (the engine opens it later)
    assert locate(archive="shared", config=c).path == "postgresql://news@db/archive"
    with pytest.raises(NewsgrepError, match="mysql archives are not supported"):
        locate(archive="other", config=c)


def test_naming_option(tmp_path, monkeypatch):
    path = tmp_path / "xdg-config" / "newsgrep" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(f'[archives]\nwork = "{tmp_path / "w"}"\n', encoding="utf-8")
    monkeypatch.delenv("NEWSGREP_INDEX")
    assert naming_option(default_archive()) == ""
    assert naming_option(tmp_path / "w") == "--archive work"
    assert naming_option(tmp_path / "other") == f"--index {tmp_path / 'other'}"
