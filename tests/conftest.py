"""Shared fixtures: every test runs in a pinned, machine-independent environment."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# `pytest --hypothesis-profile=long`: thousands of examples per property (the fuzz tests).
settings.register_profile("long", max_examples=5000)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ARTICLES = ROOT / "articles"
SAMPLE_CONFIG = ROOT / "feedpub.toml"
GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="Rewrite tests/golden/ from the current build of the sample instead of comparing.",
    )


@pytest.fixture(autouse=True)
def pinned_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pin TZ to a zone with an odd offset and clear FEEDPUB_* so no test depends on the machine."""
    for name in list(os.environ):
        if name.startswith("FEEDPUB_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TZ", "America/St_Johns")  # -03:30 / -02:30: any leak of local time shows.
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A copy of the bundled sample (feedpub.toml + articles/) in a temporary folder."""
    shutil.copy(SAMPLE_CONFIG, tmp_path / "feedpub.toml")
    shutil.copytree(SAMPLE_ARTICLES, tmp_path / "articles")
    return tmp_path
