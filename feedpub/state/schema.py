"""The cache's tables. Only the modules of :mod:`feedpub.state` read or write them."""

from __future__ import annotations

__all__ = ["DATABASE", "INDEXES", "PERIOD_INDEXES", "SCHEMA_VERSION", "TABLES"]

#: Bump when the tables change shape: a cache of another shape is rebuilt.
SCHEMA_VERSION = "14"
DATABASE = "index.sqlite3"

TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    hash TEXT NOT NULL, problems TEXT NOT NULL
);
CREATE TABLE records (
    rid INTEGER PRIMARY KEY, path TEXT NOT NULL, ord INTEGER NOT NULL, id TEXT NOT NULL,
    line INTEGER, url TEXT, title TEXT NOT NULL, published REAL NOT NULL, updated REAL NOT NULL,
    draft INTEGER NOT NULL, digest TEXT NOT NULL, shadowed INTEGER NOT NULL DEFAULT 0,
    -- what a page for people shows of it besides its title, url and date: NULL until a build
    -- that reads the record learns it ('' when it has none)
    summary TEXT,
    -- the archive period, and two numbers from the digest an archive page's sum is made of
    period TEXT NOT NULL DEFAULT '', k1 INTEGER NOT NULL DEFAULT 0, k2 INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE record_categories (
    rid INTEGER NOT NULL, term TEXT NOT NULL, label TEXT NOT NULL, scheme TEXT,
    published REAL NOT NULL, id TEXT NOT NULL, path TEXT NOT NULL, ord INTEGER NOT NULL,
    -- the record's archive period, so that a category's page finds its rows by index
    period TEXT NOT NULL DEFAULT ''
);
CREATE TABLE label_conflicts (
    term TEXT NOT NULL, first_label TEXT NOT NULL, first_scheme TEXT,
    label TEXT NOT NULL, scheme TEXT, path TEXT NOT NULL, line INTEGER, id TEXT NOT NULL
);
CREATE TABLE feeds (
    path TEXT PRIMARY KEY, digest TEXT NOT NULL, size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL, sha TEXT NOT NULL, entries TEXT NOT NULL,
    frame TEXT NOT NULL DEFAULT ''
);
CREATE TABLE published_urls (url TEXT PRIMARY KEY, id TEXT NOT NULL);
-- what the directory page shows of each subscription feed (term '' for the site's), as the
-- last build planned it: a change's build plans only the feeds it touches, and the rest
-- come from here
CREATE TABLE feed_facts (
    term TEXT PRIMARY KEY, entries INTEGER NOT NULL, newest REAL, archive TEXT
) WITHOUT ROWID;
-- a feed URL a hub has not been told of: since when (the build's clock), and a mark that
-- changes each time it is owed again, so that a delivery clears only what it announced
CREATE TABLE unannounced (
    hub TEXT NOT NULL, url TEXT NOT NULL, since REAL NOT NULL, mark INTEGER NOT NULL,
    PRIMARY KEY (hub, url)
);
"""
# Kept apart from the tables: a cold build loads the tables first and indexes them after,
# which is several times faster than keeping the B-trees sorted row by row.
#: The indexes only archive pages read (by period): a load of records that have none (archives
#: off) does not build them (0.37 of the 1.2 s of indexing 100,000 records).
PERIOD_INDEXES = (
    "CREATE INDEX IF NOT EXISTS records_period ON records (period, published DESC, id)",
    # The site's archive pages are counted and summed from this alone (4x faster than the
    # table at 100,000 records): every build with archives asks.
    "CREATE INDEX IF NOT EXISTS records_pages"
    " ON records (period, published, draft, shadowed, k1, k2)",
    # A category's archive page: its rows in order, not every row of the category filtered.
    "CREATE INDEX IF NOT EXISTS categories_pages"
    " ON record_categories (term, period, published DESC, id)",
)
INDEXES = (
    "CREATE INDEX records_path ON records (path)",
    "CREATE INDEX records_newest ON records (published DESC, id)",
    "CREATE INDEX records_id ON records (id)",
    # Every build lists the duplicates and the files with problems: without these, each is a
    # scan of every row (0.3 s and 0.1 s at 1,000,000 records).
    "CREATE INDEX records_shadowed ON records (path, ord) WHERE shadowed = 1",
    "CREATE INDEX files_flagged ON files (path) WHERE problems != '[]'",
    "CREATE INDEX categories_newest ON record_categories (term, published DESC, id)",
    "CREATE INDEX categories_first ON record_categories (term, path, ord)",
    "CREATE INDEX categories_rid ON record_categories (rid)",
    "CREATE INDEX categories_labels ON record_categories (term, label)",
    *PERIOD_INDEXES,
)
