"""Publishing targets: which paths are feeds, how an s3:// URL reads, and the local folder."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from feedpub.model import Format
from feedpub.output.paths import CONTENT_TYPES, FEED_FILES, is_feed_path
from feedpub.output.targets import split_s3_url
from feedpub.output.targets.local import LocalFolder


@pytest.mark.parametrize(
    ("path", "feed"),
    [
        ("rss.xml", True),
        ("atom.xml", True),
        ("category/lampung/rss.xml", True),
        ("category/lampung/index.html", False),
        ("category/lampung/old/rss.xml", False),
        ("category/../rss.xml", False),
        ("archive/rss.xml", False),
        ("feed.xml", False),
    ],
)
def test_which_paths_are_feeds(path: str, feed: bool) -> None:
    assert is_feed_path(path) is feed


@pytest.mark.parametrize(
    ("url", "split"),
    [
        ("s3://news/", ("news", "")),
        ("s3://news", ("news", "")),
        ("s3://news/feeds", ("news", "feeds/")),
        ("S3://news/site/feeds/", ("news", "site/feeds/")),
    ],
)
def test_s3_urls(url: str, split: tuple[str, str]) -> None:
    assert split_s3_url(url) == split


@pytest.mark.parametrize("url", ["s3://", "s3:///feeds/", "s3://a:b@news/", "s3://news/a//b/"])
def test_unusable_s3_urls(url: str) -> None:
    with pytest.raises(ValueError):
        split_s3_url(url)


def test_a_folder_lists_only_its_feed_files(tmp_path: Path) -> None:
    folder = LocalFolder(tmp_path)
    for path in ("rss.xml", "category/a/atom.xml", "category/a/index.html", "category/b/x/rss.xml"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    assert folder.feed_paths() == ["category/a/atom.xml", "rss.xml"]
    assert folder.stored("missing.xml") is None and folder.read("missing.xml") is None
    written, stored = folder.write_if_changed("category/c/rss.xml", b"<rss/>", "ignored")
    assert written and stored.size == 6
    assert folder.write_if_changed("category/c/rss.xml", b"<rss/>", "ignored") == (False, stored)
    assert folder.holds("category/c/rss.xml", b"<rss/>", "any type: a folder keeps none")
    assert folder.remove("category/c/rss.xml") and not (tmp_path / "category/c").exists()


def test_every_format_has_a_file_name_and_a_content_type() -> None:
    # A new format (JSON Feed: application/feed+json) must say how object storage serves it.
    assert set(CONTENT_TYPES) == set(FEED_FILES) == set(get_args(Format))
    assert all(value.endswith("; charset=utf-8") for value in CONTENT_TYPES.values())
