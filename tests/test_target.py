"""Publishing targets: which paths are feeds, how an s3:// URL reads, the local folder, the
registry that chooses a target by scheme, and the targets' own settings."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import get_args

import pytest

import feedpub.output
from feedpub.errors import ConfigError
from feedpub.model import Format
from feedpub.output.paths import (
    CONTENT_TYPES,
    FEED_FILES,
    is_document_path,
    is_feed_path,
    is_page_path,
    is_subscription_path,
)
from feedpub.output.targets import (
    DEFAULT_CACHE_CONTROL,
    TARGETS,
    TargetKind,
    TargetSettings,
    cache_control_problem,
    endpoint_problem,
    is_url,
    open_target,
    out_problem,
    split_s3_url,
)
from feedpub.output.targets.local import LocalFolder


@pytest.mark.parametrize(
    ("path", "feed"),
    [
        ("rss.xml", True),
        ("atom.xml", True),
        ("category/lampung/rss.xml", True),
        ("category/lampung/index.html", False),  # a page for people, not a feed
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


@pytest.mark.parametrize(
    ("path", "page"),
    [
        ("index.html", True),
        ("feed/index.html", True),
        ("category/lampung/index.html", True),
        ("category/lampung/archive/2024/index.html", False),
        ("category/../index.html", False),
        ("archive/index.html", False),
        ("feed/rss.xml", False),
        ("about.html", False),
    ],
)
def test_which_paths_are_pages(path: str, page: bool) -> None:
    assert is_page_path(path) is page
    assert is_document_path(path) is (page or is_feed_path(path))
    assert not is_subscription_path(path) or not page  # hubs are told of feeds only


def test_a_folder_lists_only_its_feed_files_and_pages(tmp_path: Path) -> None:
    folder = LocalFolder(tmp_path)
    for path in (
        "rss.xml",
        "index.html",
        "about.html",
        "feed/index.html",
        "category/a/atom.xml",
        "category/a/index.html",
        "category/a/notes.html",
        "category/b/x/rss.xml",
    ):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    assert folder.feed_paths() == [
        "category/a/atom.xml",
        "category/a/index.html",
        "feed/index.html",
        "index.html",
        "rss.xml",
    ]
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


class MemoryTarget(LocalFolder):
    """A target of a kind the registry is taught below (one module, one line): here a folder
    under another name, enough to show it is chosen by its scheme and given the settings."""

    def __init__(self, out: str, settings: TargetSettings) -> None:
        super().__init__(Path(out.partition("://")[2]))
        self.settings = settings


def open_url(out: str | Path, settings: TargetSettings) -> MemoryTarget:
    """What a target module offers the registry."""
    return MemoryTarget(str(out), settings)


def test_targets_are_chosen_by_scheme_from_one_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = TargetSettings(cache_control="no-cache")
    assert isinstance(open_target(tmp_path, settings), LocalFolder)
    assert isinstance(open_target(str(tmp_path), settings), LocalFolder)
    with pytest.raises(ConfigError, match="must be a folder or an s3://bucket/prefix/ URL"):
        open_target("mem://x", settings)
    monkeypatch.setitem(TARGETS, "mem", TargetKind("a mem:// URL", __name__))
    opened = open_target(f"MEM://{tmp_path}", settings)
    assert isinstance(opened, MemoryTarget) and opened.settings == settings
    assert out_problem("ftp://x") == (
        "must be a folder or an s3://bucket/prefix/ URL or a mem:// URL, not 'ftp://x'"
    )
    assert is_url("s3://b/") and not is_url(tmp_path) and not is_url("public")


def test_a_missing_extra_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        TARGETS,
        "gone",
        TargetKind("a gone:// URL", "feedpub.no_such_module", needs="gonelib", extra="gone"),
    )
    with pytest.raises(ConfigError, match=r"needs gonelib: pip install 'feedpub\[gone\]'"):
        open_target("gone://x", TargetSettings())


def test_settings_checks_say_what_is_wrong() -> None:
    assert cache_control_problem("public, max-age=60") is None
    assert cache_control_problem("max-age=60\n") == (
        "must be printable ASCII, like 'public, max-age=300'"
    )
    assert endpoint_problem("https://minio.example:9000") is None
    assert "credentials" in (endpoint_problem("https://k:s@minio.example") or "")
    assert out_problem("s3://bucket/a//b") == "has an empty folder name: 's3://bucket/a//b'"
    assert out_problem("public") is None


def test_the_uploads_depend_on_the_headers_not_on_where_the_store_is() -> None:
    plain = TargetSettings()
    assert plain.cache_control == DEFAULT_CACHE_CONTROL
    fingerprint = plain.headers_fingerprint()
    assert TargetSettings("https://minio.example").headers_fingerprint() == fingerprint
    assert TargetSettings(cache_control="no-cache").headers_fingerprint() != fingerprint


def test_no_target_module_imports_the_config() -> None:
    # The config assembles the targets' settings; a target importing it back made a circle.
    output = Path(feedpub.output.__file__).parent
    modules = [*output.glob("targets/*.py"), *(output / n for n in ("publish.py", "owner.py"))]
    for module in sorted(modules):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        } | {a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names}
        assert "feedpub.config" not in imported, module
        assert not any(name.startswith("boto") for name in imported) or module.name == "s3.py"
