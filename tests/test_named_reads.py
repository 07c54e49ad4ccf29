"""A change's build reads only the record files its events named (``build(..., paths=...)``),
by the walk's own rules, and walks the folder whenever only a walk can tell; the builds without
``paths`` (the watcher's start, scheduled and recheck builds, every ``feedpub build``) walk it.

A record file added "silently" (with no event naming it) tells which happened: a walk finds
it, a build by name does not. (Not an edit: a feed a build renders reads its entries' files as
they are then, named or not.)
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import feedpub.records.changes
from feedpub import BuildReport, build, load_config, resolve_run
from feedpub.records.changes import open_changes
from feedpub.records.walk import WalkProblem, find_record_files, look_up
from feedpub.state import BuildState
from feedpub.watch import Watcher, WatchSettings

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TIMEOUT = 60.0
EDITED = "2023/10/way-kambas-welcomes-new-elephant-calf.json"
REMOVED = "2024/01/pemprov-lampung-umumkan-formasi-seleksi-pppk.json"


def run(site: Path, paths: frozenset[str] | None = None, **options: Any) -> BuildReport:
    return build(
        site / "articles",
        site / "public",
        load_config(site / "feedpub.toml"),
        state_dir=site / ".feedpub",
        now=NOW,
        paths=paths,
        **options,
    )


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")  # the documents, not the owner marker
    }


def fresh(site: Path, tmp_path: Path) -> tuple[dict[str, bytes], BuildReport]:
    """What a build from scratch (no state: a walk) makes of the site now."""
    out = tmp_path / "reference"
    shutil.rmtree(out, ignore_errors=True)
    report = build(site / "articles", out, load_config(site / "feedpub.toml"), now=NOW)
    return tree(out), report


def story(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": name,
        "title": f"Story {name}",
        "url": f"https://altumnews.com/named/{name}/",
        "date_published": "2025-12-31T12:00:00Z",
        "categories": ["Named"],
        "content_text": f"The body of {name}.",
    } | fields


def write(site: Path, relative: str, record: dict[str, Any]) -> None:
    path = site / "articles" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record), encoding="utf-8")


def retitle(site: Path, relative: str, title: str) -> None:
    """Edit a sample record's title (its size changes with it)."""
    path = site / "articles" / relative
    record = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(record | {"title": title}), encoding="utf-8")


def unheard(site: Path, name: str = "unheard") -> None:
    """Add a record no event names: a walk finds it, a build by name does not."""
    write(site, f"quiet/{name}.json", story(name))


def shown(site: Path, text: str) -> bool:
    return text in (site / "public" / "rss.xml").read_text(encoding="utf-8")


def known_files(site: Path) -> int:
    state = BuildState.reader(site / ".feedpub")
    assert state is not None
    try:
        return state.known_files
    finally:
        state.close()


def record_files(site: Path) -> int:
    return len(find_record_files(site / "articles"))


def test_named_paths_publish_what_a_full_build_publishes(site: Path, tmp_path: Path) -> None:
    run(site)
    write(site, "named/new.json", story("new"))
    retitle(site, EDITED, "Way Kambas welcomes another calf")
    (site / "articles" / REMOVED).unlink()
    report = run(site, frozenset({"named/new.json", EDITED, REMOVED}))
    assert report.exit_code == 0 and report.records_changed == 2
    assert shown(site, "Story new") and shown(site, "Way Kambas welcomes another calf")
    assert not shown(site, "Formasi Seleksi PPPK")
    assert tree(site / "public") == fresh(site, tmp_path)[0]
    assert known_files(site) == record_files(site)
    again = run(site)  # the walk after: nothing left to do
    assert again.records_changed == 0 and again.count("written") == 0


def test_a_file_changed_without_an_event_waits_for_the_next_walk(
    site: Path, tmp_path: Path
) -> None:
    run(site)
    unheard(site)
    write(site, "named/told.json", story("told"))
    run(site, frozenset({"named/told.json"}))
    assert shown(site, "Story told") and not shown(site, "Story unheard")
    report = run(site)
    assert shown(site, "Story unheard") and report.records_changed == 1
    assert tree(site / "public") == fresh(site, tmp_path)[0]
    assert known_files(site) == record_files(site)


def test_the_walk_after_a_build_by_name_compares_every_file(site: Path) -> None:
    """The state no longer matches the last walk's listing: the next walk must not trust
    its digest, or a folder back as that walk saw it would look unchanged."""
    run(site)
    path = site / "articles" / EDITED
    data, stat = path.read_bytes(), path.stat()
    path.unlink()
    run(site, frozenset({EDITED}))
    assert not shown(site, "Way Kambas")
    path.write_bytes(data)  # back as it was, with no event
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    run(site)
    assert shown(site, "Way Kambas") and known_files(site) == record_files(site)


@pytest.mark.parametrize(
    "named",
    [
        ".draft.json",  # hidden
        "notes.txt",  # not a record file's name
        ".git/x.json",  # under a hidden folder
        f"{REMOVED}/x.json",  # under a file
        "2025/missing.json",  # not there, and never was
    ],
)
def test_a_named_path_the_walk_would_not_list_changes_nothing(site: Path, named: str) -> None:
    run(site)
    before = tree(site / "public")
    for relative in (".draft.json", "notes.txt", ".git/x.json"):
        write(site, relative, story("hidden"))
    unheard(site)
    report = run(site, frozenset({named}))
    assert report.records_changed == 0 and report.exit_code == 0
    assert tree(site / "public") == before  # no walk: the unheard record is not seen either
    assert known_files(site) == record_files(site) - 1  # all but the unheard one


def _folder_like_a_record(site: Path, tmp_path: Path) -> str:
    write(site, "box.json/inside.json", story("inside"))
    return "box.json"


def _link_out(site: Path, tmp_path: Path) -> str:
    (tmp_path / "secret.json").write_text(json.dumps(story("secret")), encoding="utf-8")
    os.symlink(tmp_path / "secret.json", site / "articles" / "secret.json")
    return "secret.json"


def _link_in(site: Path, tmp_path: Path) -> str:
    write(site, "named/real.json", story("real"))
    os.symlink("named/real.json", site / "articles" / "alias.json")
    return "alias.json"


def _through_a_folder_link(site: Path, tmp_path: Path) -> str:
    write(site, "named/real.json", story("real"))
    os.symlink("named", site / "articles" / "linked")
    return "linked/real.json"


def _hard_link(site: Path, tmp_path: Path) -> str:
    write(site, "named/real.json", story("real"))
    os.link(site / "articles" / "named" / "real.json", site / "articles" / "twin.json")
    return "twin.json"


def _broken_link(site: Path, tmp_path: Path) -> str:
    os.symlink("nowhere.json", site / "articles" / "broken.json")
    return "broken.json"


def _not_a_path(site: Path, tmp_path: Path) -> str:
    write(site, "named/real.json", story("real"))
    return "named/../named/real.json"


@pytest.mark.parametrize(
    "make",
    [
        _folder_like_a_record,
        _link_out,
        _link_in,
        _through_a_folder_link,
        _hard_link,
        _broken_link,
        _not_a_path,
    ],
)
def test_what_only_a_walk_can_tell_is_walked(
    site: Path, tmp_path: Path, make: Callable[[Path, Path], str]
) -> None:
    run(site)
    named = make(site, tmp_path)
    unheard(site)
    report = run(site, frozenset({named}))
    assert shown(site, "Story unheard")  # walked: the unheard record is found too
    reference, walked = fresh(site, tmp_path)
    assert tree(site / "public") == reference
    assert sorted(map(str, report.errors)) == sorted(map(str, walked.errors))
    assert sorted(map(str, report.warnings)) == sorted(map(str, walked.warnings))
    assert known_files(site) == record_files(site)


def test_a_folder_named_like_a_record_moved_away_takes_its_records(
    site: Path, tmp_path: Path
) -> None:
    write(site, "box.json/inside.json", story("inside"))
    write(site, "box.json/deeper/more.json", story("more"))
    run(site)
    assert shown(site, "Story inside") and shown(site, "Story more")
    shutil.move(site / "articles" / "box.json", tmp_path / "box.json")
    run(site, frozenset({"box.json"}))
    assert not shown(site, "Story inside") and not shown(site, "Story more")
    assert tree(site / "public") == fresh(site, tmp_path)[0]
    assert known_files(site) == record_files(site)


def test_after_a_walk_that_followed_a_link_changes_are_walked_until_none_is_left(
    site: Path,
) -> None:
    """What is behind a link shows under two paths, and an event names only one of them."""
    os.symlink("2024", site / "articles" / "latest")
    run(site)
    unheard(site)
    write(site, "named/one.json", story("one"))
    run(site, frozenset({"named/one.json"}))
    assert shown(site, "Story unheard")  # walked
    (site / "articles" / "latest").unlink()
    run(site, frozenset({"latest"}))  # walked again: this walk finds no link
    unheard(site, "later")
    write(site, "named/two.json", story("two"))
    run(site, frozenset({"named/two.json"}))
    assert shown(site, "Story two") and not shown(site, "Story later")  # by name now


def test_a_walk_that_skipped_something_makes_changes_walk(site: Path, tmp_path: Path) -> None:
    """Each walk reports what it skips; a build by name would not see it to report it."""
    _link_out(site, tmp_path)
    first = run(site)
    assert first.errors
    unheard(site)
    write(site, "named/one.json", story("one"))
    report = run(site, frozenset({"named/one.json"}))
    assert shown(site, "Story unheard")
    assert [str(e) for e in report.errors] == [str(e) for e in first.errors]


def test_a_cold_state_is_walked(site: Path) -> None:
    run(site, frozenset({EDITED}))
    assert shown(site, "Way Kambas") and known_files(site) == record_files(site)


def _hostile_tree(root: Path, outside: Path) -> list[str]:
    """A folder with everything the walk has a rule for; the paths to look up in it."""
    for relative in ("a/r.json", "a/b/r.jsonl", "b/c/r.json", "é/r.json", "a/.h/r.json"):
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text("{}")
    (root / "a" / ".hidden.json").write_text("{}")
    (root / "a" / "notes.txt").write_text("{}")
    (root / os.fsdecode(b"a/bad\xff.json")).write_text("{}")
    (root / "dir.json").mkdir()
    (root / "dir.json" / "r.json").write_text("{}")
    outside.mkdir()
    (outside / "o.json").write_text("{}")
    os.symlink(outside / "o.json", root / "a" / "out.json")
    os.symlink(outside, root / "away")
    os.symlink("r.json", root / "a" / "same.json")
    os.symlink("../b", root / "a" / "to-b")
    os.symlink("..", root / "b" / "c" / "up")
    os.symlink("missing.json", root / "a" / "broken.json")
    os.link(root / "b" / "c" / "r.json", root / "b" / "twin.json")
    found = [p.relative_to(root).as_posix() for p in root.rglob("*")]
    return [*found, "a/r.json/x.json", "a/missing.json", "missing/r.json", "away/o.json"]


def test_look_up_agrees_with_the_walk(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    paths = _hostile_tree(root, tmp_path / "outside")
    problems: list[WalkProblem] = []
    walked = {path: (size, mtime) for path, size, mtime in find_record_files(root)}
    find_record_files(root, problems=problems)
    unseen = tuple(problem.relative for problem in problems)
    by_name = 0
    for relative in paths:
        looked = look_up(root, [relative])
        if looked is None:
            continue  # a walk tells
        by_name += 1
        found, gone = looked
        assert not relative.startswith(unseen), relative  # a problem is never answered by name
        if relative in walked:
            assert list(found) == [(relative, *walked[relative])] and gone == [], relative
        else:
            assert not found and gone == [relative], relative
    assert by_name >= 8  # plain files, hidden ones, missing ones, names that are no record's


def test_the_folder_s_events_name_the_record_files_that_changed(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feedpub.records.changes, "MOST_NAMED", 3)
    run_ = resolve_run(site / "feedpub.toml")
    articles = site / "articles"
    (articles / "named").mkdir()  # watched from the start (a new folder's are watched later)
    with open_changes(articles, run_.state_dir, None, run_.config.records) as source:
        assert source.take() is None  # before the first build: anything may have changed

        def next_take(change: Callable[[], Any]) -> frozenset[str] | None:
            assert source.take() == frozenset()
            change()
            deadline = time.monotonic() + TIMEOUT
            while not source.wait(0.1):
                assert time.monotonic() < deadline, "no event"
            while source.wait(0.5):  # the rest of the burst
                pass
            return source.take()

        def save() -> None:  # as an editor saves: a hidden temporary file renamed into place
            write(site, "named/.saved.json.tmp", story("saved"))
            (articles / "named" / ".saved.json.tmp").rename(articles / "named" / "saved.json")

        assert next_take(save) == {"named/saved.json"}
        assert next_take((articles / "named" / "saved.json").unlink) == {"named/saved.json"}
        assert next_take((articles / "folder").mkdir) is None  # a folder: walk it
        assert next_take((articles / "README").touch) is None  # not a record file's name
        many = [f"named/{n}.json" for n in range(4)]
        assert next_take(lambda: [write(site, m, story(m)) for m in many]) is None  # too many
        assert next_take(lambda: write(site, many[0], story("again"))) == {many[0]}


def test_a_name_the_events_cannot_carry_is_walked_and_watching_goes_on(site: Path) -> None:
    """watchfiles ends its watch on a file name that is not UTF-8: the watcher says so in one
    line, the next build walks (the walk reports the name), and later saves are heard."""
    run_ = resolve_run(site / "feedpub.toml")
    articles = site / "articles"
    said: list[str] = []
    with open_changes(
        articles, run_.state_dir, None, run_.config.records, log=said.append
    ) as source:
        source.take()

        def heard() -> frozenset[str] | None:
            deadline = time.monotonic() + TIMEOUT
            while not source.wait(0.1):
                assert time.monotonic() < deadline, "no event"
            while source.wait(0.5):
                pass
            return source.take()

        os.close(os.open(os.fsencode(str(articles)) + b"/bad\xff.json", os.O_CREAT | os.O_WRONLY))
        assert heard() is None  # walk: the events were lost
        assert len(said) == 1 and "lost" in said[0] and "watching again" in said[0]
        time.sleep(0.5)  # watching again
        write(site, "after.json", story("after"))
        assert heard() == {"after.json"}


class Naming:
    """A change source that says "changed" when told, naming the files it is told of; it
    always names something (an empty set: nothing), never "unknown"."""

    kind = "folder"
    ready = True

    def __init__(self) -> None:
        self.said = threading.Event()
        self.named: set[str] = set()

    def tell(self, *paths: str) -> None:
        self.named.update(paths)
        self.said.set()

    def lend(self) -> nullcontext[bool]:
        return nullcontext(True)

    def take(self) -> frozenset[str]:
        named, self.named = frozenset(self.named), set()
        return named

    def wait(self, timeout: float) -> bool:
        if self.said.is_set():
            self.said.clear()
            return True
        time.sleep(min(timeout, 0.01))
        return False


def watch_until(
    site: Path,
    changes: Naming,
    settings: WatchSettings,
    done: Callable[[list[tuple[str, set[str]]]], bool],
) -> list[tuple[str, set[str]]]:
    """Run a watcher until ``done(builds)``; each build as (why, the stories in rss.xml when
    it reported)."""
    run_ = resolve_run(site / "feedpub.toml")
    builds: list[tuple[str, set[str]]] = []

    def report(report: Any, why: str, moment: datetime) -> None:
        stories = ("told", "unheard", "later")
        builds.append((why, {name for name in stories if shown(site, f"Story {name}")}))

    stop = threading.Event()
    watcher = Watcher(run_, changes, lambda: NOW, stop, settings, on_report=report)
    thread = threading.Thread(target=watcher.watch, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while not done(builds):
            assert time.monotonic() < deadline, builds
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(TIMEOUT)
    return builds


def test_the_watcher_builds_a_change_by_name_and_its_recheck_walks(
    site: Path, tmp_path: Path
) -> None:
    changes = Naming()

    def told(builds: list[tuple[str, set[str]]]) -> bool:
        if builds and not (site / "articles" / "quiet").exists():
            unheard(site)  # no event says so
            write(site, "watch/told.json", story("told"))
            changes.tell("watch/told.json")
        return len(builds) >= 2

    settings = WatchSettings(quiet=0.0, recheck=3600.0, ping=False)
    builds = watch_until(site, changes, settings, told)
    assert builds == [("start", set()), ("change", {"told"})]  # only the named file was read
    # A watcher whose source names nothing: its start walks, and so does each recheck.
    changes = Naming()

    def rechecked(builds: list[tuple[str, set[str]]]) -> bool:
        if builds and not (site / "articles" / "quiet" / "later.json").exists():
            unheard(site, "later")  # no event says so
        return any(why == "recheck" and "later" in stories for why, stories in builds)

    settings = WatchSettings(quiet=0.0, recheck=0.2, ping=False)
    builds = watch_until(site, changes, settings, rechecked)
    assert builds[0] == ("start", {"told", "unheard"})
    assert "change" not in [why for why, _ in builds]
    assert tree(site / "public") == fresh(site, tmp_path)[0]
