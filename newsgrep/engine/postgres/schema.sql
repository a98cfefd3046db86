-- newsgrep archive on PostgreSQL: the schema, version 3 (version 2 had no stored document
-- frequencies, version 1 no reprint groups and no field lengths).
--
-- Run once per database by the first `newsgrep index ... --index postgresql://...`
-- (or by hand: psql -d news -f schema.sql, as a role that may CREATE in the database).
-- newsgrep refuses a database whose newsgrep_meta.schema_version differs from the
-- version it reads, and says so.
--
-- Terms are made by newsgrep's own analyser on the client (stem or lemma) and stored
-- as tsvectors of the 'simple' kind: lexemes with positions, never normalised again by
-- the server. Title positions come first with weight A, body positions after them with
-- weight D (a phrase never crosses from title into body: their weights differ).
-- Positions past 16383 are PostgreSQL's limit: they are stored as 16383.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE newsgrep_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
-- schema_version, morphology, morphology_signature, roots (JSON), created, updated
INSERT INTO newsgrep_meta (key, value) VALUES ('schema_version', '3');

-- The incremental state: one row per indexed file (path, size, mtime, content hash).
-- A path that is not UTF-8 is stored as U+FFFF followed by the hex of its bytes.
CREATE TABLE files (
    path     text PRIMARY KEY,
    size     bigint NOT NULL,
    mtime_ns bigint NOT NULL,
    hash     text NOT NULL
);

CREATE TABLE articles (
    id          text PRIMARY KEY,          -- sha1(path NUL key)[:16], as the Whoosh engine
    path        text NOT NULL REFERENCES files (path) ON DELETE CASCADE,
    key         text NOT NULL DEFAULT '',
    title       text NOT NULL DEFAULT '',
    body        text NOT NULL DEFAULT '',
    lead        text NOT NULL DEFAULT '',
    date        timestamp,                 -- naive UTC, NULL: undated
    source      text NOT NULL DEFAULT '',
    source_raw  text NOT NULL DEFAULT '',
    author      text NOT NULL DEFAULT '',
    section     text NOT NULL DEFAULT '',
    url         text NOT NULL DEFAULT '',
    tags        text[] NOT NULL DEFAULT '{}',
    encoding    text NOT NULL DEFAULT '',
    format      text NOT NULL DEFAULT '',
    size        bigint NOT NULL DEFAULT 0,
    mtime_ns    bigint NOT NULL DEFAULT 0,
    tsv         tsvector NOT NULL,         -- title (A) and body (D) terms, with positions
    meta_tsv    tsvector NOT NULL,         -- source (A), author (B), section (C), path words (D)
    title_forms text[] NOT NULL,           -- the words as written (=word, wildcards)
    body_forms  text[] NOT NULL,
    ord         integer NOT NULL DEFAULT 0, -- the article's place in its file (file order)
    -- the title's and body's lengths in terms, as the Whoosh engine stores them (to
    -- about 6%): BM25's length normalisation (version 2)
    title_len   integer NOT NULL DEFAULT 0,
    body_len    integer NOT NULL DEFAULT 0
);
CREATE INDEX articles_tsv ON articles USING gin (tsv);
CREATE INDEX articles_meta_tsv ON articles USING gin (meta_tsv);
CREATE INDEX articles_title_forms ON articles USING gin (title_forms);
CREATE INDEX articles_body_forms ON articles USING gin (body_forms);
CREATE INDEX articles_date ON articles (date);
CREATE INDEX articles_path ON articles (path, ord);

-- Every term ('t') and word form ('f') of titles and bodies ever indexed: wildcards,
-- fuzzy words and did-you-mean look here (pg_trgm for patterns). Entries are never
-- removed (a stale one matches no article).
CREATE TABLE vocabulary (
    kind char(1) NOT NULL,
    word text NOT NULL,
    PRIMARY KEY (kind, word)
);
CREATE INDEX vocabulary_trgm ON vocabulary USING gin (word gin_trgm_ops);

-- BM25's statistics, kept by each commit's transaction (version 3): per term, the number
-- of articles whose title (tsv weight A) and body (weight D) hold it, and the article
-- count and summed title/body lengths (one row, id 1). A commit adds the articles it
-- wrote and subtracts those it removed, read back from their tsv (so the counts are
-- exactly what `tsv @@ 'term':A` would count), in term order: two writers' upserts wait
-- for each other's row locks but never deadlock. A term no article holds any more keeps
-- a row of zeros.
CREATE TABLE term_df (
    term  text PRIMARY KEY,
    title integer NOT NULL DEFAULT 0,
    body  integer NOT NULL DEFAULT 0
);
CREATE TABLE totals (
    id        smallint PRIMARY KEY CHECK (id = 1),
    articles  bigint NOT NULL DEFAULT 0,
    title_len bigint NOT NULL DEFAULT 0,
    body_len  bigint NOT NULL DEFAULT 0
);
INSERT INTO totals (id) VALUES (1);

-- Reprint groups (newsgrep/engine/postgres/groups.py), kept by the writer on the client
-- with newsgrep.reprints and written in each commit's transaction, under an advisory
-- lock. One row per article: its near-copy signature and its group, as of the last commit.
CREATE TABLE reprints (
    id     text PRIMARY KEY,            -- the article (articles.id)
    path   text NOT NULL,               -- its file (articles.path)
    sig    bytea NOT NULL,              -- newsgrep.reprints.Signature.to_bytes()
    date   double precision,            -- POSIX seconds, NULL: undated (the lead is the earliest)
    source text NOT NULL DEFAULT '',
    grp    text,                        -- the group: its smallest id (--json "group"); NULL: no copies
    gen    bigint NOT NULL              -- the group commit that wrote the row
);
CREATE INDEX reprints_grp ON reprints (grp) WHERE grp IS NOT NULL;
CREATE INDEX reprints_gen ON reprints (gen);
-- Files whose rows a group commit deleted, since the last checkpoint.
CREATE TABLE reprint_gone (
    gen  bigint NOT NULL,
    path text NOT NULL
);
CREATE INDEX reprint_gone_gen ON reprint_gone (gen);
-- 'head': the latest group commit and the articles changed since the checkpoint;
-- 'store' and 'groups': the checkpoint (newsgrep.reprint_store: ReprintStore.dumps and
-- the group map searches read) and the group commit it is of.
CREATE TABLE reprint_maps (
    name       text PRIMARY KEY,
    generation bigint NOT NULL,
    changes    bigint NOT NULL DEFAULT 0,
    data       bytea
);
-- signatures hardly compress: stored as they are, not tried with pglz at each checkpoint
ALTER TABLE reprint_maps ALTER COLUMN data SET STORAGE EXTERNAL;
