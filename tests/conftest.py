"""Shared fixtures: every test runs in a pinned, machine-independent environment."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# No property test may depend on the machine's speed: Hypothesis' per-example deadline is off
# (a loaded CI core would otherwise fail a correct test).
settings.register_profile("default", deadline=None)
settings.load_profile("default")
# `pytest --hypothesis-profile=long`: thousands of examples per property (the fuzz tests).
settings.register_profile("long", max_examples=5000, deadline=None)

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ARTICLES = ROOT / "articles"
SAMPLE_CONFIG = ROOT / "feedpub.toml"
GOLDEN = Path(__file__).resolve().parent / "golden"
#: "Now" for every build a test starts without its own: fixed, and later than any sample record.
TEST_CLOCK = datetime(2030, 1, 1, tzinfo=UTC)

# Read at import: the autouse fixture below clears FEEDPUB_* before each test.
TEST_POSTGRES = os.environ.get("FEEDPUB_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def note_calls(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, events: list[str], label: str
) -> None:
    """Append ``label`` to ``events`` at each call of ``owner.name`` (a module's function or a
    class's method), which still runs: the order of two stages' calls, seen from outside."""
    real = getattr(owner, name)

    def noted(*args: Any, **keywords: Any) -> Any:
        events.append(label)
        return real(*args, **keywords)

    monkeypatch.setattr(owner, name, noted)


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
    # A build given no `now` reads this clock, never the wall's: after every sample record.
    monkeypatch.setattr("feedpub.pipeline.run.current_time", lambda: TEST_CLOCK)
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A copy of the bundled sample (feedpub.toml + articles/) in a temporary folder."""
    shutil.copy(SAMPLE_CONFIG, tmp_path / "feedpub.toml")
    shutil.copytree(SAMPLE_ARTICLES, tmp_path / "articles")
    return tmp_path


@pytest.fixture
def postgres() -> Iterator[tuple[Any, str]]:
    """An autocommit connection to the test server and a schema of this test's own.

    Where ``CI`` is set a missing server (or driver) fails the test; elsewhere it
    is skipped with one line. The schema is dropped afterwards.
    """

    def unavailable(reason: str) -> None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so PostgreSQL tests must run: {reason}", pytrace=False)
        pytest.skip(f"PostgreSQL tests skipped: {reason} (set FEEDPUB_TEST_POSTGRES)")

    try:
        import psycopg
    except ImportError:
        unavailable("psycopg is not installed (pip install '.[test]')")
    try:
        connection = psycopg.connect(TEST_POSTGRES, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        unavailable(f"no server at {TEST_POSTGRES}: {str(exc).strip().splitlines()[0]}")
    schema = f"feedpub_test_{uuid.uuid4().hex[:12]}"
    connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield connection, schema
    finally:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        connection.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A user property travels with the test's reports, also from xdist's worker processes.
    for item in items:
        marker = item.get_closest_marker("service")
        if marker is not None:
            item.user_properties.append(("service", str(marker.args[0])))
        elif "postgres" in getattr(item, "fixturenames", ()):
            item.user_properties.append(("service", f"PostgreSQL at {TEST_POSTGRES}"))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line saying which real-service tests ran (CI prints it), e.g. ``s3: 17 passed``."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            service = dict(getattr(report, "user_properties", ())).get("service")
            # A test passes at its call; it is skipped or broken at whichever phase it was.
            if service is None or (outcome == "passed" and report.when != "call"):
                continue
            per = counts.setdefault(service, {})
            per[outcome] = per.get(outcome, 0) + 1
    parts = [
        f"{service}: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(per.items()))
        for service, per in sorted(counts.items())
    ]
    terminalreporter.write_line("service tests: " + ("; ".join(parts) or "none ran"))
