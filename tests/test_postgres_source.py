"""Records from PostgreSQL: the same contract, messages and feeds as files, read incrementally,
one build at a time across hosts. Runs against the real server (see the ``postgres`` fixture)."""

from __future__ import annotations

import shutil
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from feedpub import BuildReport, build, load_config
from feedpub.cli import main
from feedpub.records.postgres import PostgresSource, site_lock_key
from tests.conftest import SAMPLE_ARTICLES, SAMPLE_CONFIG, TEST_POSTGRES
from tests.pg_records import create_table, export, sample_records, site_config, upsert

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SEED = "2022/12/pemprov-lampung-gelar-rakor-reformasi-birokrasi"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")  # the feeds, not the owner marker
    }


class Site:
    """A site whose records are rows of a table in the test's own schema."""

    def __init__(self, tmp_path: Path, postgres: tuple[Any, str], **source: str) -> None:
        self.db, schema = postgres
        self.table = f"{schema}.articles"
        self.root = tmp_path
        self.link = f"https://{schema.replace('_', '-')}.example/"
        keys = {"url": TEST_POSTGRES, "table": self.table} | source
        section = "[source]\n" + "".join(f'{k} = "{v}"\n' for k, v in keys.items())
        self.config_path = site_config(tmp_path, section, SAMPLE_CONFIG, link=self.link)
        # Archives off (before any [table]): these tests count subscription documents.
        self.config_path.write_text('archive = "off"\n' + self.config_path.read_text())
        self.version = 0

    def load_sample(self) -> None:
        create_table(self.db, self.table)
        for record in sample_records(SAMPLE_ARTICLES):
            self.put(record)

    def put(self, record: dict[str, Any]) -> None:
        self.version += 1
        upsert(self.db, self.table, record, self.version)

    def build(self, **options: Any) -> BuildReport:
        options.setdefault("now", NOW)
        options.setdefault("state_dir", self.root / ".feedpub")
        out = options.pop("out", self.root / "public")
        return build(self.root / "unused", out, load_config(self.config_path), **options)

    def files_build(self, articles: Path, name: str) -> dict[str, bytes]:
        """What a build of record files makes with the same config (no database)."""
        config_path = self.root / f"{name}.toml"
        text = self.config_path.read_text()
        config_path.write_text(text[: text.index("[source]")])
        out = self.root / name
        shutil.rmtree(out, ignore_errors=True)
        report = build(articles, out, load_config(config_path), now=NOW)
        assert report.exit_code == 0, [str(e) for e in report.errors]
        return _tree(out)

    def reference(self, name: str) -> dict[str, bytes]:
        """A files build of the table as it is now."""
        folder = self.root / f"{name}-articles"
        export(self.db, self.table, folder)
        return self.files_build(folder, name)


def test_rows_build_the_same_feeds_as_the_files(tmp_path: Path, postgres: Any) -> None:
    site = Site(tmp_path, postgres)
    site.load_sample()
    report = site.build()
    assert report.exit_code == 0, [str(e) for e in report.errors]
    assert report.records_read == 16 and report.records_changed == 16
    assert _tree(site.root / "public") == site.files_build(SAMPLE_ARTICLES, "files")
    assert len(_tree(site.root / "public")) == 45  # 11 feeds, 3 formats each; 12 pages


def test_edit_insert_delete_and_draft_change_only_their_feeds(
    tmp_path: Path, postgres: Any
) -> None:
    site = Site(tmp_path, postgres)
    site.load_sample()
    site.build()
    records = {str(r["id"]): r for r in sample_records(SAMPLE_ARTICLES)}
    seed = records[SEED]
    site_feeds = {"rss.xml", "atom.xml", "feed.json"}

    def feeds_of(record: dict[str, Any], *, counted: bool = True) -> set[str]:
        """The record's feeds and their pages for people; with the directory when the
        change is ``counted`` (an entry more or less: its counts and dates move)."""
        terms = {c.lower().replace(" ", "-") for c in record["categories"]}
        names = site_feeds | {"index.html"}
        pages = {"feed/index.html", *(["index.html"] if counted else [])}
        return site_feeds | pages | {f"category/{t}/{name}" for t in terms for name in names}

    def step(change: Any, expected: set[str], name: str) -> None:
        before = _tree(site.root / "public")
        change()
        report = site.build()
        assert report.exit_code == 0, [str(e) for e in report.errors]
        after = _tree(site.root / "public")
        changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
        assert changed == expected, name
        assert after == site.reference(name), name

    edited = seed | {"title": "Rakor Reformasi Birokrasi (diperbarui)"}
    step(lambda: site.put(edited), feeds_of(seed, counted=False), "edit")

    fresh = {
        "id": "2026/05/berita-baru",
        "title": "Berita baru dari Bandar Lampung",
        "url": "https://altumnews.com/2026/05/berita-baru/",
        "date_published": "2026-05-20T08:00:00+07:00",
        "categories": ["Pemerintahan"],
        "content_text": "Isi berita baru.",
    }
    step(lambda: site.put(fresh), feeds_of(fresh), "insert")

    delete = lambda: site.db.execute(  # noqa: E731
        f"DELETE FROM {site.table} WHERE id = %s", [fresh["id"]]
    )
    step(delete, feeds_of(fresh), "delete")

    step(lambda: site.put(edited | {"draft": True}), feeds_of(seed), "draft")


def test_a_no_change_run_reads_no_row_and_an_edit_reads_one(tmp_path: Path, postgres: Any) -> None:
    site = Site(tmp_path, postgres)
    site.load_sample()
    site.build()
    calls: list[int] = []
    real_parse = PostgresSource.parse

    def counting(self: PostgresSource, files: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(files))
        return real_parse(self, files, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PostgresSource, "parse", counting)
        patch.setattr(PostgresSource, "listing", _refuse)
        again = site.build()
    assert again.records_changed == 0 and again.count("written") == 0
    assert calls == []
    records = {str(r["id"]): r for r in sample_records(SAMPLE_ARTICLES)}
    site.put(records[SEED] | {"summary": "Ringkasan baru."})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PostgresSource, "parse", counting)
        edited = site.build()
    assert calls == [1] and edited.records_changed == 1
    # A row saved again with the same content: read, found unchanged, nothing rendered.
    site.put(records[SEED] | {"summary": "Ringkasan baru."})
    touched = site.build()
    assert touched.records_changed == 0 and touched.count("written") == 0
    # An edit whose transaction committed late: its change value is older than the newest.
    late = records[SEED] | {"summary": "Ringkasan yang terlambat."}
    upsert(site.db, site.table, late, 0)
    caught = site.build()
    assert caught.records_changed == 1 and caught.count("written") > 0
    assert "Ringkasan yang terlambat." in (site.root / "public" / "rss.xml").read_text()


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a no-change run must not list the rows")


def test_a_bad_row_is_reported_like_a_bad_file_and_left_out(tmp_path: Path, postgres: Any) -> None:
    site = Site(tmp_path, postgres)
    site.load_sample()
    records = {str(r["id"]): r for r in sample_records(SAMPLE_ARTICLES)}
    bad = records[SEED] | {"date_published": "Jumat(03/12/2022)"}
    site.put(bad)
    report = site.build()
    assert report.exit_code == 1 and report.records_bad == 1
    (error,) = report.errors
    location = f"{site.table}:{SEED}: "
    assert str(error).startswith(location + "date_published: ")
    # The same record as a file gets the same message, at its path.
    folder = tmp_path / "bad-articles" / "2022" / "12"
    folder.mkdir(parents=True)
    (folder / "x.json").write_text(__import__("json").dumps(bad))
    files_config = tmp_path / "files.toml"
    text = site.config_path.read_text()
    files_config.write_text(text[: text.index("[source]")])
    from_files = build(tmp_path / "bad-articles", tmp_path / "out", load_config(files_config))
    assert str(from_files.errors[0]).split(": ", 1)[1] == str(error)[len(location) :]
    assert SEED not in (site.root / "public" / "rss.xml").read_text()
    assert len(_tree(site.root / "public")) == 45  # the rest publish
    # An unchanged bad row is reported again by the next (no-change) run.
    again = site.build()
    assert [str(e) for e in again.errors] == [str(error)]


def test_typed_columns_map_to_the_record_contract(tmp_path: Path, postgres: Any) -> None:
    db, schema = postgres
    db.execute(
        f"""CREATE TABLE {schema}.stories (
            story_id integer PRIMARY KEY, headline text NOT NULL, link text,
            published_at timestamptz NOT NULL, edited_at timestamp, tags text[],
            byline jsonb, body text, hidden boolean NOT NULL DEFAULT false,
            version bigint NOT NULL, internal_notes text)"""
    )
    db.execute(
        f"""INSERT INTO {schema}.stories VALUES
        (7, E'Jembatan baru\\001 dibuka', 'https://e.example/7', '2024-03-01 01:30:00+00',
         '2024-03-01 10:00:00', ARRAY['Infrastruktur', 'Lampung'],
         '[{{"name": "Rina", "email": "rina@e.example"}}]', '<p>Isi</p>', false, 1, 'x'),
        (8, 'Belum terbit', 'https://e.example/8', '2024-03-02 01:30:00+00',
         NULL, NULL, NULL, '<p>Isi</p>', true, 1, NULL)"""
    )
    columns = (
        "[source.columns]\nid = 'story_id'\ntitle = 'headline'\nurl = 'link'\n"
        "date_published = 'published_at'\ndate_modified = 'edited_at'\ncategories = 'tags'\n"
        "authors = 'byline'\ncontent_html = 'body'\ndraft = 'hidden'\n"
    )
    section = (
        f'[source]\nurl = "{TEST_POSTGRES}"\ntable = "{schema}.stories"\nchanged = "version"\n'
    )
    path = site_config(tmp_path, section + columns, SAMPLE_CONFIG, link="https://e.example/")
    report = build(tmp_path / "unused", tmp_path / "public", load_config(path), now=NOW)
    assert report.exit_code == 0, [str(e) for e in report.errors]
    rss = (tmp_path / "public" / "rss.xml").read_text()
    # timestamptz is shown in the site's zone (Asia/Jakarta), timestamp read in it.
    assert "<pubDate>Fri, 01 Mar 2024 08:30:00 +0700</pubDate>" in rss
    assert "<lastBuildDate>Fri, 01 Mar 2024 10:00:00 +0700</lastBuildDate>" in rss
    assert "Belum terbit" not in rss
    assert "rina@e.example (Rina)" in rss
    assert (tmp_path / "public" / "category" / "infrastruktur" / "rss.xml").exists()
    assert [str(w) for w in report.warnings] == [
        f"{schema}.stories:7: title: warning: removed 1 character(s) that XML cannot carry"
        " (record '7')"
    ]


def test_without_a_change_column_every_row_is_digested(tmp_path: Path, postgres: Any) -> None:
    site = Site(tmp_path, postgres, changed="false")
    text = site.config_path.read_text().replace('changed = "false"', "changed = false")
    site.config_path.write_text(text)
    site.load_sample()
    assert site.build().records_changed == 16
    assert site.build().records_changed == 0
    # An edit that leaves updated_at alone is still seen: the row's digest moved.
    site.db.execute(
        f"UPDATE {site.table} SET title = %s WHERE id = %s", ['"Judul tanpa jam"', SEED]
    )
    edited = site.build()
    assert edited.records_changed == 1
    assert "Judul tanpa jam" in (site.root / "public" / "rss.xml").read_text()


def test_a_query_source_and_a_mapping_naming_a_missing_column(
    tmp_path: Path, postgres: Any
) -> None:
    site = Site(tmp_path, postgres)
    site.load_sample()
    query = f"SELECT * FROM {site.table} WHERE id LIKE '2022/%'"
    section = f'[source]\nurl = "{TEST_POSTGRES}"\nquery = "{query}"\n'
    path = (
        site_config(tmp_path / "q", section, SAMPLE_CONFIG, link=site.link)
        if ((tmp_path / "q").mkdir() or True)
        else None
    )
    assert path is not None
    report = build(tmp_path / "unused", tmp_path / "q-out", load_config(path), now=NOW)
    assert report.exit_code == 0 and report.records_read == 3  # the 2022 stories
    broken = site_config(
        tmp_path / "q",
        section.replace(query, f"SELECT id FROM {site.table}")
        + "[source.columns]\ntitle = 'headline'\n",
        SAMPLE_CONFIG,
        link=site.link,
    )
    result = CliRunner().invoke(main, ["build", "--config", str(broken)])
    assert result.exit_code == 2
    assert result.stderr.startswith("feedpub: <config>: source.columns.title: query has no column")
    missing = site_config(
        tmp_path / "q",
        f'[source]\nurl = "{TEST_POSTGRES}"\ntable = "no_such_schema.articles"\n',
        SAMPLE_CONFIG,
        link=site.link,
    )
    result = CliRunner().invoke(main, ["build", "--config", str(missing)])
    assert result.exit_code == 2
    assert result.stderr == (
        "feedpub: <config>: source.table: no_such_schema.articles:"
        ' relation "no_such_schema.articles" does not exist\n'
    )


def test_two_concurrent_builds_one_exits_75(tmp_path: Path, postgres: Any) -> None:
    site = Site(tmp_path, postgres)
    site.load_sample()
    inside, release = threading.Event(), threading.Event()
    real_digest = PostgresSource.listing_digest

    def paused(self: PostgresSource) -> str | None:
        inside.set()  # the lock is held from here to the end of the build
        release.wait(30)
        return real_digest(self)

    results: list[BuildReport] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PostgresSource, "listing_digest", paused)
        first = threading.Thread(target=lambda: results.append(site.build()))
        first.start()
        assert inside.wait(30)
        # Another host: its own state folder and output, the same site and database.
        other = tmp_path / "host-b"
        args = ["build", "--config", str(site.config_path), "--state", str(other / "state")]
        args += ["--out", str(other / "public"), "--now", NOW.isoformat()]
        patch.setattr(PostgresSource, "listing_digest", real_digest)
        holding = site.db.execute(HELD, _lock_ids(site.link)).fetchone()
        locked = CliRunner().invoke(main, [*args, "--wait", "0.3"])
        release.set()
        first.join(30)
    assert holding == (1,)  # the first build holds the site's advisory lock
    assert locked.exit_code == 75, locked.output
    assert "another feedpub build is running (waited 0.3s)" in locked.stderr
    assert "advisory lock" in locked.stderr and "postgres@" in locked.stderr
    assert results[0].exit_code == 0
    again = CliRunner().invoke(main, [*args, "--wait", "5"])
    assert again.exit_code == 0, again.output
    # Each host's index is only a cache: both publish the same bytes.
    assert _tree(other / "public") == _tree(site.root / "public")
    # Nothing of the lock is left once the builds are done.
    assert site.db.execute(HELD, _lock_ids(site.link)).fetchone() == (0,)


HELD = (
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND classid = %s AND objid = %s AND objsubid = 1"
)


def _lock_ids(link: str) -> list[int]:
    """How pg_locks shows a bigint advisory key: its high and low 32 bits."""
    key = site_lock_key(link) & 0xFFFFFFFFFFFFFFFF
    return [key >> 32, key & 0xFFFFFFFF]


def test_two_hosts_alternating_publish_what_one_host_would(tmp_path: Path, postgres: Any) -> None:
    site = Site(tmp_path, postgres)
    site.load_sample()
    records = {str(r["id"]): r for r in sample_records(SAMPLE_ARTICLES)}
    for number, (host, title) in enumerate([("a", "Satu"), ("b", "Dua"), ("a", "Tiga")]):
        site.put(records[SEED] | {"title": title})
        out = tmp_path / f"public-{host}"  # each host serves its own output folder
        report = site.build(state_dir=tmp_path / f"state-{host}", out=out)
        assert report.exit_code == 0
        assert _tree(out) == site.reference(f"ref{number}")


def test_source_from_the_flag_or_the_environment(tmp_path: Path, postgres: Any) -> None:
    site = Site(tmp_path, postgres)
    site.load_sample()
    text = site.config_path.read_text().replace(f'url = "{TEST_POSTGRES}"\n', "")
    site.config_path.write_text(text)
    args = ["build", "--config", str(site.config_path), "--now", NOW.isoformat(), "-q"]
    missing = CliRunner().invoke(main, args)
    assert missing.exit_code == 2
    assert "no database URL: give source.url, FEEDPUB_SOURCE or --source" in missing.stderr
    by_env = CliRunner().invoke(main, args, env={"FEEDPUB_SOURCE": TEST_POSTGRES})
    assert by_env.exit_code == 0, by_env.output
    check = CliRunner().invoke(
        main, ["check", "--config", str(site.config_path), "--source", TEST_POSTGRES]
    )
    assert check.exit_code == 0 and "16 records, 0 bad" in check.stderr
    wrong = CliRunner().invoke(
        main, [*args, "--source", "postgresql://feedpub:s3cret@127.0.0.1:1/none"]
    )
    assert wrong.exit_code == 1
    assert "cannot connect" in wrong.stderr and "s3cret" not in wrong.stderr


def test_a_null_or_repeated_id_stops_the_run_naming_it(tmp_path: Path, postgres: Any) -> None:
    site = Site(tmp_path, postgres)
    site.load_sample()
    loose = site.table.replace("articles", "loose")
    site.db.execute(f"CREATE TABLE {loose} AS SELECT * FROM {site.table}")
    config = site.config_path.read_text().replace(f'"{site.table}"', f'"{loose}"')
    site.config_path.write_text(config)
    args = ["build", "--config", str(site.config_path), "--now", NOW.isoformat(), "-q"]
    site.db.execute(f"INSERT INTO {loose} SELECT * FROM {site.table} WHERE id = %s", [SEED])
    repeated = CliRunner().invoke(main, args)
    assert repeated.exit_code == 1
    assert repeated.stderr == (
        f"feedpub: {TEST_POSTGRES} ({loose}): id {SEED!r} is on more than one row:"
        " the id column must be unique\n"
    )
    site.db.execute(f"UPDATE {loose} SET id = NULL WHERE id = %s", [SEED])
    null = CliRunner().invoke(main, args)
    assert null.exit_code == 1
    assert null.stderr == (
        f"feedpub: {TEST_POSTGRES} ({loose}): a row has no id (NULL): every row needs a unique id\n"
    )
    assert not (site.root / "public").exists()  # nothing was published


def test_a_database_whose_byte_order_is_not_pythons_still_lists_sorted(
    tmp_path: Path, postgres: Any
) -> None:
    # COLLATE "C" sorts by the bytes of the database's encoding: in WIN1251, "ё" (0xB8) comes
    # before "Я" (0xDF), which Python (by code point) puts the other way round. The state
    # compares the listing with its own rows in Python's order, so feedpub sorts it itself.
    admin, _ = postgres
    name = f"feedpub_win1251_{uuid.uuid4().hex[:8]}"
    admin.execute(
        f"CREATE DATABASE {name} ENCODING 'WIN1251' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    )
    try:
        url = TEST_POSTGRES.rsplit("/", 1)[0] + "/" + name
        import psycopg  # the fixture has made sure it is installed

        with psycopg.connect(url, autocommit=True) as db:
            create_table(db, "articles")
            for version, key in enumerate(["a", "ё", "Я", "z"], 1):
                upsert(
                    db,
                    "articles",
                    {"id": key, "title": key, "date_published": "2022-12-02"},
                    version,
                )
        section = f'[source]\nurl = "{url}"\ntable = "articles"\n'
        config = load_config(
            site_config(tmp_path, section, SAMPLE_CONFIG, link="https://c.example/")
        )
        assert config.source is not None
        settings = config.source
        with PostgresSource.connect(settings, config.records) as source:
            listed = [path for path, _, _ in source.listing(parallel=False)]
        assert listed == sorted(listed) == ["articles:a", "articles:z", "articles:Я", "articles:ё"]
    finally:
        admin.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_render_workers_read_rows_in_the_builds_snapshot(tmp_path: Path, postgres: Any) -> None:
    """A render worker reads the bodies it shows on a session of its own, in the snapshot the
    build read its metadata in: a row edited since is read as the build saw it, not left out."""
    import pickle

    from feedpub.errors import SourceError
    from feedpub.records.parse import WantedRecord
    from feedpub.records.postgres_loader import close_worker_session

    site = Site(tmp_path, postgres)
    site.load_sample()
    config = load_config(site.config_path)
    assert config.source is not None
    rules = config.records
    with PostgresSource.connect(config.source, rules) as source:
        listing = source.listing(parallel=False)
        parsed = list(source.parse(listing, rules, bodies=False))
        wanted = [
            WantedRecord(number, row.id, file.path, row.digest)
            for number, file in enumerate(parsed)
            for row in file.records
        ]
        seed = next(w for w in wanted if w.id == SEED)
        edited = next(r for r in sample_records(SAMPLE_ARTICLES) if r["id"] == SEED)
        site.put(edited | {"title": "Judul yang diubah sesudahnya"})  # committed after the read

        loader = source.loader(rules)
        assert loader is not None
        worker = pickle.loads(pickle.dumps(loader))  # as a render worker gets it: no session
        try:
            read = worker(wanted)  # on a session of its own, in this process for the test
            assert sorted(read) == [w.key for w in wanted]  # the edited row too, as it was
            assert read[seed.key].title == edited["title"] != "Judul yang diubah sesudahnya"
            assert loader(wanted) == read  # the build's own session reads the same
        finally:
            close_worker_session()  # as a worker's end does
    with PostgresSource.connect(config.source, rules) as later:
        assert seed.key not in later.load(rules, wanted)  # a new snapshot sees the edit
        # The build's snapshot ended with its session: a worker still holding it says so.
        stale = pickle.loads(pickle.dumps(later.loader(rules)))
        stale.snapshot = loader.snapshot
        try:
            with pytest.raises(SourceError, match="snapshot") as raised:
                stale(wanted)
        finally:
            close_worker_session()
        again = pickle.loads(pickle.dumps(raised.value))  # it travels back from a worker
        assert (again.source, again.reason) == (raised.value.source, raised.value.reason)


def test_a_build_from_rows_renders_in_fresh_workers_reading_their_own_rows(
    tmp_path: Path, postgres: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With enough documents for workers, the build's process reads no body: the workers do,
    each on its own session, and the feeds are the files build's, byte for byte."""
    import feedpub.pipeline.rendering as rendering

    site = Site(tmp_path, postgres)
    text = site.config_path.read_text().replace('archive = "off"\n', "")
    text = text.replace("limit = 50", "limit = 5")  # the rest go to archive pages only
    site.config_path.write_text('archive = "month"\n' + text)
    site.load_sample()
    monkeypatch.setattr(rendering, "PARALLEL_MIN_FEEDS", 2)  # the sample's few documents
    loads: list[int] = []
    real_load = PostgresSource.load

    def counted(self: PostgresSource, rules: Any, wanted: Any) -> Any:
        loads.append(1)
        return real_load(self, rules, wanted)

    monkeypatch.setattr(PostgresSource, "load", counted)
    report = site.build()
    assert report.exit_code == 0, [str(e) for e in report.errors]
    assert loads == []  # the workers (started by the fork server, unpatched) read them
    assert any("/archive/" in f"/{path}" for path in _tree(site.root / "public"))
    assert _tree(site.root / "public") == site.reference("files")
