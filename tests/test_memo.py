"""A memo of parsed articles kept between builds (``feedpub watch``'s): a build given one reads
only the records it does not keep (new, edited), and publishes exactly what a build without
it would."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from feedpub import BuildReport, build, load_config, resolve_run
from feedpub.pipeline import BodyMemo
from feedpub.records.parse import WantedRecord
from feedpub.records.rules import RecordRules
from feedpub.state import IndexedEntry
from tests.test_watch import wait_for, watching

NOW = datetime(2030, 1, 1, tzinfo=UTC)
CONFIG = """\
archive = "month"
limit = 2
title = "Memo"
link = "https://memo.example/"
description = "Stories"
language = "en"
"""
YOUTUBE = """
[html_allow]
tags = ["iframe"]
attributes = { iframe = ["src"] }
hosts = { iframe = ["www.youtube-nocookie.com"] }
"""
FRAME = '<iframe src="https://www.youtube-nocookie.com/embed/x"></iframe>'


def story(site: Path, name: str, day: int, body: str = "") -> None:
    record = {
        "id": name,
        "title": f"Story {name}",
        "url": f"/{name}/",
        "date_published": f"2029-11-{day:02d}T12:00:00Z",
        "categories": ["News"],
        "content_html": f"<p>The body of {name}.</p>{body}",
    }
    temp = site / "articles" / f".{name}.json.tmp"  # saved as an editor does (see test_watch)
    temp.write_text(json.dumps(record), encoding="utf-8")
    temp.rename(site / "articles" / f"{name}.json")


@pytest.fixture
def memo_site(tmp_path: Path) -> Path:
    """Eight stories in one month: its archive page shows six (two are in the feeds)."""
    site = tmp_path / "site"
    (site / "articles").mkdir(parents=True)
    (site / "feedpub.toml").write_text(CONFIG, encoding="utf-8")
    for day in range(1, 9):
        story(site, f"s{day}", day)
    return site


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the records the file source reads in full (the real readers, counted): its
    ``load``, and the loader a build without a memo renders with."""
    module = sys.modules["feedpub.records.source"]  # where the file source reads bodies
    read: list[str] = []

    def counting(real: Any) -> Any:
        def counted(
            root: Path, shown: Any, rules: RecordRules, wanted: Iterable[WantedRecord]
        ) -> Any:
            wanted = list(wanted)
            read.extend(w.id for w in wanted)
            return real(root, shown, rules, wanted)

        return counted

    monkeypatch.setattr(module, "load_articles", counting(module.load_articles))
    monkeypatch.setattr(module, "read_articles", counting(module.read_articles))
    return read


def run(site: Path, memo: BodyMemo | None = None, *, warned: bool = False) -> BuildReport:
    report = build(
        site / "articles",
        site / "public",
        load_config(site / "feedpub.toml"),
        state_dir=site / ".feedpub",
        now=NOW,
        memo=memo,
    )
    assert report.exit_code == 0 and bool(report.warnings) == warned
    return report


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")  # the feeds, not the owner marker
    }


def fresh(site: Path, tmp_path: Path) -> dict[str, bytes]:
    """What a build from scratch, without a memo, makes of the site now."""
    out = tmp_path / "reference"
    shutil.rmtree(out, ignore_errors=True)
    build(site / "articles", out, load_config(site / "feedpub.toml"), now=NOW)
    return tree(out)


def test_a_new_story_reads_only_itself(memo_site: Path, tmp_path: Path, loads: list[str]) -> None:
    without = tmp_path / "without"
    shutil.copytree(memo_site, without)
    memo = BodyMemo()
    run(memo_site, memo)
    run(without)
    story(memo_site, "s9", 9)
    story(without, "s9", 9)
    loads.clear()
    run(without)
    # The month's page shows all (and the feeds' pages for people read theirs again).
    assert sorted(set(loads)) == [f"s{day}" for day in range(1, 10)]
    loads.clear()
    report = run(memo_site, memo)
    assert loads == ["s9"]
    assert any("/archive/" in o.path for o in report.feeds if o.action == "written")
    assert tree(memo_site / "public") == tree(without / "public") == fresh(memo_site, tmp_path)
    loads.clear()
    story(memo_site, "s10", 10)
    run(memo_site, memo)
    assert loads == ["s10"]
    assert tree(memo_site / "public") == fresh(memo_site, tmp_path)


def test_an_edited_story_is_read_again(memo_site: Path, tmp_path: Path, loads: list[str]) -> None:
    memo = BodyMemo()
    run(memo_site, memo)
    story(memo_site, "s3", 3, body="<p>A correction.</p>")
    loads.clear()
    run(memo_site, memo)
    assert loads == ["s3"]
    assert "A correction." in "".join(
        data.decode() for path, data in tree(memo_site / "public").items() if "archive" in path
    )
    assert tree(memo_site / "public") == fresh(memo_site, tmp_path)


def test_other_record_rules_read_everything_again(
    memo_site: Path, tmp_path: Path, loads: list[str]
) -> None:
    # The same bytes (same digests, paths, ids; the state made again numbers the records
    # again) mean another article under another allow-list: nothing kept may be shown.
    story(memo_site, "s4", 4, body=FRAME)
    memo = BodyMemo()
    run(memo_site, memo, warned=True)  # the iframe is left out
    assert "iframe" not in json.dumps(
        tree(memo_site / "public")["archive/2029-11/feed.json"].decode()
    )
    config = memo_site / "feedpub.toml"
    config.write_text(config.read_text() + YOUTUBE, encoding="utf-8")
    loads.clear()
    run(memo_site, memo)
    assert sorted(loads) == sorted(f"s{day}" for day in range(1, 9))
    assert tree(memo_site / "public") == fresh(memo_site, tmp_path)
    assert "youtube-nocookie" in tree(memo_site / "public")["archive/2029-11/feed.json"].decode()


def test_the_memo_keeps_at_most_its_limit(
    memo_site: Path, tmp_path: Path, loads: list[str]
) -> None:
    memo = BodyMemo(limit=3)
    run(memo_site, memo)
    assert len(memo) == 3
    story(memo_site, "s9", 9)
    loads.clear()
    run(memo_site, memo)
    assert len(memo) == 3
    assert len(loads) > 1  # fewer kept than shown: some are read again
    assert tree(memo_site / "public") == fresh(memo_site, tmp_path)


def test_the_watcher_s_builds_share_one_memo(memo_site: Path, loads: list[str]) -> None:
    run = resolve_run(memo_site / "feedpub.toml")
    page = memo_site / "public/archive/2029-11/feed.json"
    with watching(run) as (watcher, log):
        assert sorted(loads) == [f"s{day}" for day in range(1, 9)]  # the start build
        loads.clear()
        story(memo_site, "s9", 9)
        wait_for(lambda: "/s9/" in page.read_text(encoding="utf-8"), "s9 on its month's page")
        wait_for(lambda: len(log.builds) > 1, "the change's report")
        assert log.builds[:2] == ["start", "change"]
        assert loads == ["s9"] and len(watcher.memo) == 9


def entry(rid: int, digest: str = "d", path: str = "a.json", id: str = "a") -> IndexedEntry:
    return IndexedEntry(rid, id, path, digest, None, 0.0)


def test_a_kept_article_answers_only_its_record_and_digest(memo_site: Path) -> None:
    from feedpub.model import Article

    rules = load_config(memo_site / "feedpub.toml").records
    article = Article(id="a", title="A", published=NOW, source="a.json")
    memo = BodyMemo()
    assert memo.recall(rules, [entry(1)]) == ({}, [entry(1)])
    memo.keep(rules, {1: entry(1)}, {1: article})
    assert memo.recall(rules, [entry(1)]) == ({1: article}, [])
    for other in (entry(2), entry(1, digest="e"), entry(1, path="b.json"), entry(1, id="b")):
        assert memo.recall(rules, [other]) == ({}, [other])
    assert memo.recall(RecordRules(link="https://other.example/"), [entry(1)])[0] == {}
    assert len(memo) == 0
    memo = BodyMemo(limit=2)
    memo.keep(rules, {n: entry(n) for n in (1, 2)}, {1: article, 2: article})
    assert memo.recall(rules, [entry(1)])[0] == {1: article}  # 1 is now the more recent
    memo.keep(rules, {3: entry(3)}, {3: article})
    assert [e.rid for e in memo.recall(rules, map(entry, (1, 2, 3)))[1]] == [2]
