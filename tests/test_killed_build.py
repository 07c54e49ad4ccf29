"""A build killed part-way (archives on, every format) is repaired by the next one: the output
ends with exactly the bytes a clean build of the same records writes, nothing stale left.

The kill is a target that stops the build (a ``BaseException``, which nothing in feedpub
catches) after a chosen number of writes: as with SIGKILL, the state keeps what was
recorded up to that moment and the build never finishes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedpub import build, load_config
from feedpub.output import publish as publish_module
from feedpub.output.targets import PublishTarget, Stored
from feedpub.output.targets.local import LocalFolder
from feedpub.state import BuildState

NOW = datetime(2026, 1, 1, tzinfo=UTC)
#: Alone in its month: deleting it empties archive/2021-08/ (site and category pages).
ALONE = "articles/2021/08/upacara-hut-ri-76-digelar-terbatas.json"
#: Alone in 2023-09 too, and the only olahraga story: moving it to 2024 moves its pages.
MOVED = "articles/2023/09/atlet-dayung-lampung-raih-emas-di-jayapura.json"


class Killed(BaseException):
    """The build was stopped here, as a SIGKILL would stop it."""


class KillingTarget:
    """``inner``, but the build stops at its ``after + 1``-th write, before that write."""

    def __init__(self, inner: PublishTarget, after: int) -> None:
        self.inner = inner
        self.left = after

    def session(self, state_dir: Path | None, *, dry_run: bool) -> AbstractContextManager[None]:
        return self.inner.session(state_dir, dry_run=dry_run)

    def recover(self) -> None:
        self.inner.recover()

    def batched(self) -> AbstractContextManager[None]:
        return self.inner.batched()

    def headers(self) -> str:
        return self.inner.headers()

    def stored(self, path: str) -> Stored | None:
        return self.inner.stored(path)

    def read(self, path: str) -> bytes | None:
        return self.inner.read(path)

    def holds(self, path: str, data: bytes, content_type: str) -> bool:
        return self.inner.holds(path, data, content_type)

    def write_if_changed(self, path: str, data: bytes, content_type: str) -> tuple[bool, Stored]:
        if self.left == 0:
            raise Killed(path)
        self.left -= 1
        return self.inner.write_if_changed(path, data, content_type)

    def remove(self, path: str) -> bool:
        return self.inner.remove(path)

    def feed_paths(self, *, archives: bool = True) -> list[str]:
        return self.inner.feed_paths(archives=archives)


def with_archives_everywhere(site: Path) -> None:
    """Archive pages for the site and every category with more than 3 entries (limit 3: at
    the sample's 50 every feed fits in its subscription document), in every format."""
    config = site / "feedpub.toml"
    text = config.read_text().replace("limit = 50\n", "")
    config.write_text(
        'archive = "month"\narchive_categories = true\nformats = ["rss", "atom", "json"]\n'
        "limit = 3\n" + text
    )


def edit(site: Path) -> None:
    """Delete one story and move another to another month and category: pages go and come."""
    (site / ALONE).unlink()
    record = json.loads((site / MOVED).read_text())
    record["date_published"] = "2024-05-20T10:00:00+07:00"
    record["categories"] = ["Lampung"]
    (site / MOVED).write_text(json.dumps(record))


def publish(site: Path, target: PublishTarget | Path, state: Path | None, **options: bool) -> None:
    report = build(
        site / "articles",
        target,
        load_config(site / "feedpub.toml"),
        state_dir=state,
        now=NOW,
        **options,
    )
    assert report.exit_code == 0, [str(e) for e in report.errors]


def tree(out: Path) -> dict[str, bytes]:
    """Every file and folder under ``out`` (folders as ``None``-free markers), the owner
    marker aside: a folder left empty is as much a leftover as a stale page."""
    found: dict[str, bytes] = {}
    for path in sorted(out.rglob("*")):
        name = path.relative_to(out).as_posix()
        if path.is_dir():
            found[name + "/"] = b""
        elif path.name != ".feedpub-state":
            found[name] = path.read_bytes()
    return found


@pytest.fixture
def archived(site: Path) -> Iterator[Path]:
    with_archives_everywhere(site)
    yield site


def clean(site: Path, tmp_path: Path) -> dict[str, bytes]:
    out = tmp_path / "clean"
    publish(site, out, None)
    return tree(out)


@pytest.mark.parametrize("after", [0, 3, 40, 60])
@pytest.mark.parametrize("how", ["full", "cold"])
def test_a_killed_full_or_cold_build_leaves_nothing_stale_after_the_next(
    archived: Path, tmp_path: Path, how: str, after: int
) -> None:
    site = archived
    out, state = tmp_path / "out", tmp_path / "state"
    publish(site, out, state)
    edit(site)
    if how == "cold":
        for name in state.iterdir():
            name.unlink()
    with pytest.raises(Killed):
        publish(site, KillingTarget(LocalFolder(out), after), state, full=how == "full")
    assert (out / "archive" / "2021-08" / "rss.xml").is_file()  # the kill left it there
    publish(site, out, state)
    assert tree(out) == clean(site, tmp_path)


@pytest.mark.parametrize("after", [0, 5])
def test_a_killed_incremental_build_leaves_nothing_stale_after_the_next(
    archived: Path, tmp_path: Path, after: int
) -> None:
    site = archived
    out, state = tmp_path / "out", tmp_path / "state"
    publish(site, out, state)
    edit(site)
    with pytest.raises(Killed):
        publish(site, KillingTarget(LocalFolder(out), after), state)
    publish(site, out, state)
    assert tree(out) == clean(site, tmp_path)


@pytest.mark.parametrize("after", [2, 9])
def test_a_build_for_a_change_after_a_failed_one_looks_at_every_document(
    archived: Path, tmp_path: Path, after: int
) -> None:
    """A build that fails drops the writes its last batch had not put in place, though the
    state recorded them: the next build, even one that trusts what it does not render
    (``check_output=False``, under watch), looks at every document and mends them."""
    site = archived
    out, state = tmp_path / "out", tmp_path / "state"
    publish(site, out, state)
    edit(site)
    with pytest.raises(Killed):
        publish(site, KillingTarget(LocalFolder(out), after), state)
    assert not list(out.rglob(".feedpub-tmp-*"))  # the failed batch's files are gone
    publish(site, out, state, check_output=False)
    assert tree(out) == clean(site, tmp_path)


def test_a_build_killed_with_its_records_uncommitted_owes_the_hubs_and_mends_the_rest(
    archived: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state commits a build's records of what it wrote a few hundred at a time: a kill
    loses the last ones (here, all but those before a hub's due: the state is closed without
    committing, as SIGKILL leaves it), never a hub's due (committed at once), and the next
    build, looking at every document, publishes the clean bytes and rewrites no file that
    already holds them."""
    site = archived
    config = site / "feedpub.toml"
    config.write_text('hubs = ["https://hub.example/"]\n' + config.read_text())
    out, state = tmp_path / "out", tmp_path / "state"
    publish(site, out, state, ping=False)
    edit(site)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    monkeypatch.setattr(publish_module, "BATCH_FILES", 4)  # renamed 4 at a time
    monkeypatch.setattr(BuildState, "close", lambda self: self.db.close())  # no commit
    # 25 archive pages, then the Lampung feed's 3 documents, then the site's RSS: killed
    # before the site's Atom.
    with pytest.raises(Killed):
        publish(site, KillingTarget(LocalFolder(out), 29), state, ping=False)
    monkeypatch.undo()
    reader = BuildState.reader(state)
    assert reader is not None
    owed = set(reader.owed()["https://hub.example/"].urls)
    assert reader.last_build() is None  # forgotten at once: the next build trusts nothing
    reader.close()
    assert {
        "https://altumnews.com/feeds/category/lampung/rss.xml",
        "https://altumnews.com/feeds/rss.xml",
    } <= owed
    killed = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    renamed = [p for p, mtime in killed.items() if before.get(p) != mtime]
    assert len(renamed) >= 24
    publish(site, out, state, ping=False)
    publish(site, tmp_path / "clean", None, ping=False)
    assert tree(out) == tree(tmp_path / "clean")
    # What the killed build put in place is not written again: the same bytes stay put.
    assert all(p.stat().st_mtime_ns == killed[p] for p in renamed)
