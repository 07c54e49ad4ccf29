"""Cron-grade runs: the index makes a run cost what changed, and is only ever a cache."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from feedpub import BuildReport, build, load_config
from feedpub.cli import main
from feedpub.output.targets import Stored
from feedpub.output.targets.local import LocalFolder
from feedpub.state.schema import DATABASE

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")  # the feeds, not the owner marker
    }


def run(site: Path, **options: Any) -> BuildReport:
    options.setdefault("now", NOW)
    return build(
        site / "articles",
        site / "public",
        load_config(site / "feedpub.toml"),
        state_dir=site / ".feedpub",
        **options,
    )


def full_tree(site: Path, tmp_path: Path) -> dict[str, bytes]:
    """What a build from scratch (no index) makes of the site now."""
    out = tmp_path / "reference"
    shutil.rmtree(out, ignore_errors=True)
    build(site / "articles", out, load_config(site / "feedpub.toml"), now=NOW)
    return _tree(out)


def test_no_change_rebuild_reads_and_writes_nothing(site: Path) -> None:
    first = run(site)
    # 33 feed documents and 12 pages for people (the directory, one behind each feed)
    assert first.count("written") == 45 and first.records_changed == 16
    before = {p: p.stat().st_mtime_ns for p in (site / "public").rglob("*") if p.is_file()}
    again = run(site)
    assert again.records_changed == 0
    assert again.count("written") == 0 and again.count("unchanged") == 45
    assert {p: p.stat().st_mtime_ns for p in (site / "public").rglob("*") if p.is_file()} == before
    assert again.exit_code == 0


def test_changed_file_rerenders_only_its_feeds(site: Path, tmp_path: Path) -> None:
    run(site)
    seed = site / "articles/2022/12/pemprov-lampung-gelar-rakor-reformasi-birokrasi.json"
    record = json.loads(seed.read_text())
    record["title"] = "Rakor Reformasi Birokrasi (diperbarui)"
    seed.write_text(json.dumps(record, ensure_ascii=False))
    report = run(site)
    assert report.records_changed == 1
    written = sorted(o.path for o in report.feeds if o.action == "written")
    # The seed is in the main feed and in its two categories (complete feeds: the sample
    # fits in its subscription documents, so no archive page): nine files, and the three
    # pages for people that show its title; not the directory, whose counts and dates stay.
    assert written == sorted(
        [
            *(
                f"{folder}{name}"
                for folder in ("", "category/lampung/", "category/pemerintahan/")
                for name in ("atom.xml", "feed.json", "rss.xml")
            ),
            "feed/index.html",
            "category/lampung/index.html",
            "category/pemerintahan/index.html",
        ]
    )
    assert (
        "Rakor Reformasi Birokrasi (diperbarui)"
        in (site / "public/category/lampung/index.html").read_text()
    )
    assert _tree(site / "public") == full_tree(site, tmp_path)


def test_added_removed_and_renamed_files(site: Path, tmp_path: Path) -> None:
    run(site)
    new = site / "articles/2024/06/baru.json"
    new.parent.mkdir(parents=True)
    new.write_text(
        json.dumps(
            {
                "title": "Berita baru",
                "date_published": "2024-06-01 08:00",
                "url": "/baru/",
                "categories": ["Cuaca"],
            }
        )
    )
    report = run(site)
    assert report.records_changed == 1
    assert (site / "public/category/cuaca/rss.xml").exists()
    assert _tree(site / "public") == full_tree(site, tmp_path)

    new.rename(site / "articles/2024/06/baru-lagi.json")  # a rename changes the default id
    report = run(site)
    assert _tree(site / "public") == full_tree(site, tmp_path)
    assert "2024/06/baru-lagi" in (site / "public/category/cuaca/atom.xml").read_text()

    (site / "articles/2024/06/baru-lagi.json").unlink()
    report = run(site)
    assert not (site / "public/category/cuaca").exists()
    removed = [o for o in report.feeds if o.action == "removed"]
    assert sorted(o.path for o in removed) == [
        f"category/cuaca/{name}" for name in ("atom.xml", "feed.json", "index.html", "rss.xml")
    ]
    assert _tree(site / "public") == full_tree(site, tmp_path)


def test_touched_but_unchanged_file_is_not_reparsed(site: Path) -> None:
    run(site)
    seed = next((site / "articles").rglob("*.json"))
    os.utime(seed, ns=(10**18, 10**18))
    report = run(site)
    assert report.records_changed == 0 and report.count("written") == 0


#: Meta values damaged in place (key, value): not JSON, or JSON of another shape.
_DAMAGED_META = {
    "last_build not JSON": ("last_build", '{"complete": tr'),
    "last_build another shape": ("last_build", '{"complete": "yes", "clocked": true}'),
    "labels not JSON": ("labels shown", "[1, 2"),
    "labels another shape": ("labels shown", '{"epoch": "7", "labels": {}}'),
}
#: Rows damaged in place (statement, what the note names): a feed's entries or a file's
#: problems, not JSON or JSON of another shape.
_DAMAGED_ROWS = {
    "feed entries not JSON": (
        "UPDATE feeds SET entries = '[[\"a\", ' WHERE path = 'rss.xml'",
        "feeds",
    ),
    "feed entries another shape": (
        "UPDATE feeds SET entries = '[[1]]' WHERE path = 'rss.xml'",
        "feeds",
    ),
    "file problems not JSON": ("UPDATE files SET problems = '[' WHERE rowid = 1", "files"),
    "file problems another shape": (
        "UPDATE files SET problems = '[[\"error\"]]' WHERE rowid = 1",
        "files",
    ),
}


@pytest.mark.parametrize(
    "damage", ["delete", "garbage", "truncate", *_DAMAGED_META, *_DAMAGED_ROWS]
)
def test_lost_or_corrupt_index_rebuilds_identical_feeds(site: Path, damage: str) -> None:
    run(site)
    before = _tree(site / "public")
    database = site / ".feedpub" / DATABASE
    if damage == "delete":
        database.unlink()
    elif damage == "garbage":
        database.write_bytes(b"this is not a database" * 100)
    elif damage == "truncate":
        database.write_bytes(database.read_bytes()[:1000])
    elif damage in _DAMAGED_ROWS:  # one row of the state is not what feedpub writes
        with closing(sqlite3.connect(database)) as db, db:
            assert db.execute(_DAMAGED_ROWS[damage][0]).rowcount == 1
            db.execute("DELETE FROM meta WHERE key = 'last_build'")  # the next plans everything
    else:  # one value of the state's meta table is not what feedpub writes
        with closing(sqlite3.connect(database)) as db, db:
            key, value = _DAMAGED_META[damage]
            assert db.execute("UPDATE meta SET value = ? WHERE key = ?", (value, key)).rowcount
            if key != "last_build":  # as a killed build leaves it: the next plans everything
                db.execute("DELETE FROM meta WHERE key = 'last_build'")
    for suffix in ("-wal", "-shm"):
        (site / ".feedpub" / (DATABASE + suffix)).unlink(missing_ok=True)
    report = run(site)
    assert report.exit_code == 0
    if damage in _DAMAGED_META:  # the whole state is started again, and says why
        assert report.index_note is not None and _DAMAGED_META[damage][0] in report.index_note
    if damage in _DAMAGED_ROWS:
        assert report.index_note is not None and _DAMAGED_ROWS[damage][1] in report.index_note
    assert report.count("written") == 0  # same bytes: nothing touched
    assert _tree(site / "public") == before
    assert run(site).records_changed == 0  # and the rebuilt index works


def test_a_rebuilt_index_is_told_unless_quiet(site: Path) -> None:
    run(site)
    (site / ".feedpub" / DATABASE).write_bytes(b"this is not a database" * 100)
    command = ["build", "--config", str(site / "feedpub.toml"), "--now", NOW.isoformat()]
    told = CliRunner().invoke(main, command)
    assert told.exit_code == 0
    assert "feedpub: build cache unreadable (file is not a database): rebuilt\n" in told.stderr
    (site / ".feedpub" / DATABASE).write_bytes(b"this is not a database" * 100)
    quiet = CliRunner().invoke(main, [*command, "-q"])
    assert (quiet.exit_code, quiet.stderr) == (0, "")  # cron mails nothing: all is well


def test_version_change_rebuilds_the_index(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(site)
    before = _tree(site / "public")
    # The module that runs builds.
    monkeypatch.setattr(sys.modules["feedpub.pipeline.run"], "__version__", "99.0")
    report = run(site)
    assert report.index_note is not None and "another feedpub version" in report.index_note
    assert report.records_changed == 16
    assert _tree(site / "public") == before


def test_full_ignores_the_index(site: Path) -> None:
    run(site)
    report = run(site, full=True)
    assert report.records_changed == 16 and report.count("written") == 0


def test_deleted_or_edited_output_is_restored(site: Path) -> None:
    run(site)
    (site / "public/rss.xml").unlink()
    (site / "public/atom.xml").write_text("oops")
    report = run(site)
    assert sorted(o.path for o in report.feeds if o.action == "written") == ["atom.xml", "rss.xml"]


class LookedAt(LocalFolder):
    """A folder target that notes every published document the build looks at."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.looked: list[str] = []

    def stored(self, path: str) -> Stored | None:
        self.looked.append(path)
        return super().stored(path)


NEW_STORY = {
    "id": "baru-sekali",
    "title": "Baru sekali",
    "url": "/baru-sekali/",
    "date_published": "2025-12-31T08:00:00Z",
    "categories": ["Olahraga"],
    "content_text": "Isi berita.",
}


def test_a_build_for_a_change_looks_only_at_what_it_writes(site: Path, tmp_path: Path) -> None:
    """``check_output=False`` (a watcher's build for a change) looks at no published document
    it does not render, yet writes the bytes a full build writes; a deleted document it does
    not render stays deleted until a build that checks everything (the default) restores it."""
    run(site)
    everything = LookedAt(site / "public")
    config = load_config(site / "feedpub.toml")
    state = site / ".feedpub"
    build(site / "articles", everything, config, state_dir=state, now=NOW)
    assert len(everything.looked) == 45  # the default: every published document, once
    (site / "public" / "category/kesehatan/rss.xml").unlink()
    (site / "articles/baru.json").write_text(json.dumps(NEW_STORY), encoding="utf-8")
    changed = LookedAt(site / "public")
    report = build(site / "articles", changed, config, state_dir=state, now=NOW, check_output=False)
    assert changed.looked == []
    written = {o.path for o in report.feeds if o.action == "written"}
    assert "rss.xml" in written and "category/kesehatan/rss.xml" not in written
    assert not (site / "public" / "category/kesehatan/rss.xml").exists()
    nothing = LookedAt(site / "public")
    idle = build(site / "articles", nothing, config, state_dir=state, now=NOW, check_output=False)
    assert nothing.looked == [] and idle.count("written") == 0
    restored = build(site / "articles", site / "public", config, state_dir=state, now=NOW)
    assert [o.path for o in restored.feeds if o.action == "written"] == [
        "category/kesehatan/rss.xml"
    ]
    assert _tree(site / "public") == full_tree(site, tmp_path)


def test_bad_records_are_reported_on_every_run(site: Path) -> None:
    (site / "articles/bad.json").write_text('{"title": "x"}')
    first = run(site)
    second = run(site)
    assert first.exit_code == second.exit_code == 1
    assert [str(e) for e in first.errors] == [str(e) for e in second.errors]
    assert "date_published: is required" in str(second.errors[0])


def test_parallel_parse_and_render_give_the_same_feeds(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (site / "articles/bad.json").write_text('{"title": "x"}')
    sequential = run(site, full=True)
    before = _tree(site / "public")
    monkeypatch.setattr("feedpub.records.parse.PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr("feedpub.pipeline.rendering.PARALLEL_MIN_FEEDS", 1)
    shutil.rmtree(site / "public")
    parallel = run(site, full=True)
    assert _tree(site / "public") == before
    assert [str(e) for e in parallel.errors] == [str(e) for e in sequential.errors]
    assert parallel.records_read == sequential.records_read == 17
    monkeypatch.setattr("feedpub.pipeline.read.PARALLEL_WALK", 1)  # the walk, shared out, too
    (site / "articles/2022/baru.json").write_text(
        '{"title": "Baru", "date_published": "2022-01-01", "url": "/baru/"}'
    )
    walked = run(site)
    assert walked.records_changed == 1 and walked.records_read == 18
    assert _tree(site / "public") == full_tree(site, tmp_path)


def test_a_few_feeds_with_many_entries_render_their_entries_in_workers(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A story under watch re-renders its month's archive pages (thousands of entries in a few
    documents): their entries are spread over the cores, with the same bytes. (Here its feeds
    are complete, with no archive pages, and cut the other entries from their bytes: its own
    entry, in three formats, is what is rendered.)"""
    import feedpub.pipeline.rendering as rendering

    real_map = rendering.ordered_map
    calls: list[tuple[int, int]] = []

    def spy(function: Any, jobs: Any, shared: Any, *, min_jobs: int, **more: Any) -> Any:
        calls.append((len(jobs), min_jobs))
        return real_map(function, jobs, shared, min_jobs=min_jobs, **more)

    monkeypatch.setattr(rendering, "ordered_map", spy)
    run(site)
    assert calls and all(min_jobs > jobs for jobs, min_jobs in calls)  # in this process
    edited = site / "articles/2022/12/pemprov-lampung-gelar-rakor-reformasi-birokrasi.json"
    edited.write_text(edited.read_text().replace("Reformasi Birokrasi", "Reformasi Kilat", 1))
    monkeypatch.setattr(rendering, "PARALLEL_MIN_ENTRIES", 2)
    monkeypatch.setattr(rendering, "ENTRIES_PER_JOB", 2)
    monkeypatch.setattr(rendering, "WINDOW_ENTRIES", 4)
    calls.clear()
    run(site)
    ((jobs, min_jobs),) = calls
    assert 2 <= min_jobs <= jobs  # in workers
    assert _tree(site / "public") == full_tree(site, tmp_path)


def test_a_document_reads_each_of_its_entries_from_its_own_spool_file(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries go through spool files, a file per job of entries; a document showing entries
    from more files than a process keeps open shows each entry it should (a file closed to
    open the next once lent its descriptor to it, and the entries of one were read from the
    other)."""
    import feedpub.pipeline.entry_spool as entry_spool
    import feedpub.pipeline.rendering as rendering

    reference = full_tree(site, tmp_path)
    monkeypatch.setattr(rendering, "ENTRIES_PER_JOB", 2)
    monkeypatch.setattr(entry_spool, "OPEN_SPOOLS", 1)
    run(site)
    assert _tree(site / "public") == reference


def test_a_killed_builds_spool_folder_is_removed_by_the_next_build(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build killed while rendering cannot remove its spool folder (entries on their way to
    documents): the next build that renders removes those whose build is gone, and no other."""
    import subprocess
    import tempfile

    import feedpub.pipeline.entry_spool as entry_spool

    spools = tmp_path / "tmp"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    dead = spools / f"{entry_spool.SPOOL_PREFIX}{gone.stdout.strip()}-abc"
    alive = spools / f"{entry_spool.SPOOL_PREFIX}{os.getppid()}-abc"
    for folder in (dead, alive):
        folder.mkdir()
        (folder / "0").write_bytes(b"entries")
    run(site)
    assert not dead.exists() and (alive / "0").exists()
    assert [p.name for p in spools.iterdir()] == [alive.name]  # the build's own: gone too


def test_published_file_touched_but_unchanged_is_not_rewritten(site: Path) -> None:
    run(site)
    rss = site / "public/rss.xml"
    os.utime(rss, ns=(10**18, 10**18))  # a copy or sync tool touched it; the bytes are ours
    report = run(site)
    assert report.count("written") == 0
    assert rss.stat().st_mtime_ns == 10**18
    seed = next((site / "articles").rglob("*.json"))
    os.utime(seed, ns=(10**18, 10**18))  # force planning: the touched feed is still trusted
    assert run(site).count("written") == 0


def test_file_changed_during_the_build_waits_for_the_next_one(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where the file source's loader reads bodies (the render stage's, in this process here).
    build_module = sys.modules["feedpub.records.source"]
    real_load = build_module.read_articles
    seed = site / "articles/2022/12/pemprov-lampung-gelar-rakor-reformasi-birokrasi.json"
    original = seed.read_text()

    def load_after_an_edit(*args: Any) -> Any:
        seed.write_text('{"title": "half-saved')  # an editor saves while the build reads
        return real_load(*args)

    monkeypatch.setattr(build_module, "read_articles", load_after_an_edit)
    report = run(site)
    assert report.exit_code == 0
    warned = [w for w in report.warnings if "changed while this build read it" in str(w)]
    assert len(warned) == 1 and warned[0].path.endswith("reformasi-birokrasi.json")
    assert "reformasi-birokrasi" not in (site / "public/rss.xml").read_text()
    monkeypatch.setattr(build_module, "read_articles", real_load)
    seed.write_text(original)  # the save completes
    again = run(site)
    assert again.exit_code == 0
    assert _tree(site / "public") == full_tree(site, tmp_path)


def test_a_file_changed_before_the_workers_read_it_waits_for_the_next_build(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The render workers read the bodies themselves: a record saved after the read stage is
    left out of every document by the worker that finds it changed, with one warning."""
    import feedpub.pipeline.bodies as bodies
    import feedpub.pipeline.rendering as rendering

    seed = site / "articles/2022/12/pemprov-lampung-gelar-rakor-reformasi-birokrasi.json"
    original = seed.read_text()
    real_batches = bodies._batches

    def batches_after_an_edit(*args: Any, **keywords: Any) -> Any:
        seed.write_text('{"title": "half-saved')  # saved after the read stage, before render
        yield from real_batches(*args, **keywords)

    monkeypatch.setattr(bodies, "_batches", batches_after_an_edit)
    monkeypatch.setattr(rendering, "PARALLEL_MIN_ENTRIES", 10)  # in workers
    monkeypatch.setattr(rendering, "ENTRIES_PER_JOB", 4)
    report = run(site)
    assert report.exit_code == 0
    warned = [w for w in report.warnings if "changed while this build read it" in str(w)]
    assert len(warned) == 1 and warned[0].path.endswith("reformasi-birokrasi.json")
    assert report.feeds and not report.errors
    for path in (site / "public").rglob("*.xml"):
        assert "reformasi-birokrasi" not in path.read_text(), path
    monkeypatch.setattr(bodies, "_batches", real_batches)
    seed.write_text(original)  # the save completes
    assert run(site).exit_code == 0
    assert _tree(site / "public") == full_tree(site, tmp_path)


def test_a_record_saved_with_the_same_id_during_the_build_waits_too(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The body read for a feed is the record the plan digested, or none: a save that keeps the
    id but changes the text is published by the next build, never under the old digest."""
    from feedpub.pipeline import BodyMemo

    build_module = sys.modules["feedpub.records.source"]
    real_load = build_module.load_articles
    seed = site / "articles/2022/12/pemprov-lampung-gelar-rakor-reformasi-birokrasi.json"
    original = seed.read_text()
    edited = original.replace("Reformasi Birokrasi", "Reformasi Kilat", 1)
    assert edited != original
    run(site)
    seed.write_text(original.replace("Reformasi Birokrasi", "Reformasi Sedang", 1))
    memo = BodyMemo()

    def load_after_an_edit(*args: Any) -> Any:
        seed.write_text(edited)  # saved again, same id, while the build reads the bodies
        return real_load(*args)

    monkeypatch.setattr(build_module, "load_articles", load_after_an_edit)
    report = run(site, memo=memo)
    assert any("changed while this build read it" in str(w) for w in report.warnings)
    monkeypatch.setattr(build_module, "load_articles", real_load)
    seed.write_text(original.replace("Reformasi Birokrasi", "Reformasi Sedang", 1))  # undone
    run(site, memo=memo)
    assert "Reformasi Kilat" not in (site / "public/rss.xml").read_text()
    assert _tree(site / "public") == full_tree(site, tmp_path)


def test_stored_problems_are_shown_under_this_run_s_folder_name(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (site / "articles/bad.json").write_text('{"title": "x"}')
    config = load_config(site / "feedpub.toml")
    state = site / ".feedpub"
    build(site / "articles", site / "public", config, state_dir=state, now=NOW)
    monkeypatch.chdir(site)
    again = build(Path("articles"), site / "public", config, state_dir=state, now=NOW)
    assert again.records_changed == 0
    assert str(again.errors[0]).startswith(f"{Path('articles') / 'bad.json'}: date_published:")


def test_strict_renders_each_entry_and_frame_once(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import feedpub.output.render as render_module
    from feedpub.pipeline.frames import Frames

    real_frame, real_entries = Frames.frame, render_module.render_entries
    frames: list[tuple[object, str, str]] = []
    entries: list[tuple[str, str]] = []

    def counting_frames(
        self: Frames, fmt: Any, category: Any, facts: Any, meta: Any, links: Any, source: str
    ) -> Any:
        frames.append((category and category.term, fmt, links.folder))
        return real_frame(self, fmt, category, facts, meta, links, source)

    def counting_entries(articles: Any, config: Any, fmt: Any, links: Any) -> Any:
        entries.extend((fmt, article.id) for article in articles)
        return real_entries(articles, config, fmt, links)

    monkeypatch.setattr(Frames, "frame", counting_frames)
    monkeypatch.setattr(render_module, "render_entries", counting_entries)
    # In this process, so that the counting is seen (workers would count in their copies).
    monkeypatch.setattr(sys.modules["feedpub.pipeline.rendering"], "PARALLEL_MIN_FEEDS", 10**6)
    report = run(site, strict=True)
    assert report.exit_code == 0 and report.count("written") == 45  # with 12 pages for people
    # Each of the 33 subscription documents' frames once (no page for people has one); and
    # the entry of each of the 15 records they show (most on several) once per XML format
    # (feed.json has its own renderer).
    assert len(frames) == len(set(frames)) == 33
    assert len(entries) == len(set(entries)) == 2 * 15


def test_a_full_disk_in_the_state_folder_is_one_clear_error(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(site)
    before = _tree(site / "public")
    (site / "articles/2022/baru.json").write_text(
        '{"title": "Baru", "date_published": "2022-01-01", "url": "/baru/"}'
    )
    import sqlite3

    opening = sys.modules["feedpub.state.opening"]
    real_connect = opening._connect

    class FullDisk:
        """A connection whose writes fail as SQLite does when the disk is full."""

        def __init__(self, db: sqlite3.Connection) -> None:
            self._db = db

        def __getattr__(self, name: str) -> Any:
            return getattr(self._db, name)

        def execute(self, sql: str, *args: Any) -> Any:
            if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
                raise sqlite3.OperationalError("database or disk is full")
            return self._db.execute(sql, *args)

        def executemany(self, sql: str, *args: Any) -> Any:
            raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(opening, "_connect", lambda target: FullDisk(real_connect(target)))
    from feedpub.errors import StateError

    with pytest.raises(StateError, match="disk full"):
        run(site)
    assert _tree(site / "public") == before
    monkeypatch.setattr(opening, "_connect", real_connect)
    again = run(site)  # space is back: the next build repairs
    assert again.exit_code == 0 and again.count("written") > 0


def test_two_state_folders_cannot_share_one_output_folder(site: Path) -> None:
    config = load_config(site / "feedpub.toml")
    first = build(site / "articles", site / "public", config, state_dir=site / "one", now=NOW)
    assert first.exit_code == 0
    from feedpub.errors import SharedOutputError

    with pytest.raises(SharedOutputError, match="already published by the state folder"):
        build(site / "articles", site / "public", config, state_dir=site / "two", now=NOW)
    shutil.rmtree(site / "one")  # retired: its output folder may be taken over
    again = build(site / "articles", site / "public", config, state_dir=site / "two", now=NOW)
    assert again.exit_code == 0


def test_the_state_records_the_bytes_this_build_wrote(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish = sys.modules["feedpub.output.publish"]
    real_replace = os.replace
    rss = site / "public/rss.xml"

    def replaced_then_overwritten(source: Any, target: Any) -> None:
        real_replace(source, target)
        if Path(target) == rss:  # another writer puts its own file in place right after
            data = rss.read_bytes()
            rss.write_bytes(data.replace(b"<title>", b"<title>X", 1)[: len(data)])
            os.utime(rss, ns=(10**18, 10**18))

    monkeypatch.setattr(publish.os, "replace", replaced_then_overwritten)
    run(site)
    monkeypatch.setattr(publish.os, "replace", real_replace)
    assert b"<title>X" in rss.read_bytes()
    # The state holds what this build wrote, so the next build sees the foreign file and repairs.
    assert run(site).count("written") == 1
    assert b"<title>X" not in rss.read_bytes()


def _killed_mid_build(site: Path) -> None:
    """As a build killed after it started writing leaves the state: no word of how it ended."""
    with closing(sqlite3.connect(site / ".feedpub" / DATABASE)) as db, db:
        db.execute("DELETE FROM meta WHERE key = 'last_build'")


def test_a_killed_build_s_temp_files_are_removed_by_the_next_build(site: Path) -> None:
    run(site)
    _killed_mid_build(site)
    dead_writer = 2**22 + 12345  # above the default pid_max: no such process
    leftover = site / f"public/category/lampung/.feedpub-tmp-{dead_writer}-x1y2"
    leftover.write_bytes(b"<rss")
    (site / "public/category/gone").mkdir()
    (site / f"public/category/gone/.feedpub-tmp-{dead_writer}-z3").write_bytes(b"<feed")
    (site / "articles/2022/baru.json").write_text(
        '{"title": "Baru", "date_published": "2022-01-01", "url": "/baru/"}'
    )
    assert run(site).exit_code == 0
    assert not leftover.exists()
    assert not (site / "public/category/gone").exists()  # the folder it kept alive, too
    assert not list((site / "public").rglob(".feedpub-tmp-*"))


def test_after_a_finished_build_the_output_folder_is_not_walked_for_temp_files(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only a build of this state writes temporary files into its output folder, and one that
    # finished left none: a walk of every folder (65,398 files at 100,000 records with
    # archives) would find nothing.
    import feedpub.output.targets.local as local

    run(site)
    walked: list[Path] = []
    monkeypatch.setattr(local, "remove_leftover_temp_files", walked.append)
    (site / "articles/2022/baru.json").write_text(
        '{"title": "Baru", "date_published": "2022-01-01", "url": "/baru/"}'
    )
    assert run(site).count("written") > 0 and walked == []
    _killed_mid_build(site)
    (site / "articles/2022/baru.json").unlink()
    assert run(site).count("written") > 0 and walked == [site / "public"]


def test_a_copied_site_publishes_from_its_own_state_folder(site: Path, tmp_path: Path) -> None:
    run(site)
    copy = tmp_path / "copy"
    shutil.copytree(site, copy)  # output and state folders travel together
    report = run(copy)
    assert report.exit_code == 0
