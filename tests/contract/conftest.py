"""Fixtures of the contract suite: one ``world`` per combination, and the reference bytes.

A test takes ``world`` parametrised indirectly with :func:`combos`; each combination is a
target (folder, S3 on moto, memory), a source (files, PostgreSQL rows) and archives on or
off, always with every format. The real services follow ``tests/conftest.py``'s rule: a
missing one skips with one line, unless ``CI`` is set, where it fails.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_POSTGRES
from tests.contract.world import (
    FileRecords,
    FolderOut,
    MemoryOut,
    Out,
    Records,
    RowRecords,
    S3Out,
    World,
    reference,
)

#: The label ``tests/conftest.py`` gives PostgreSQL tests in its service summary.
POSTGRES_SERVICE = f"PostgreSQL at {TEST_POSTGRES}"


@dataclass(frozen=True)
class Combo:
    """One combination: where feeds go, where records come from, archives or not."""

    target: str
    source: str
    archives: bool

    @property
    def id(self) -> str:
        return f"{self.target}-{self.source}-{'archives' if self.archives else 'flat'}"


TARGETS = ("folder", "s3", "memory")
SOURCES = ("files", "rows")
#: Every combination.
EVERY = [Combo(t, s, a) for t, s, a in itertools.product(TARGETS, SOURCES, (True, False))]
#: Every target over files and every source into memory, archives on and off: each
#: implementation of each seam meets the cases, without the cross product where a target
#: and a source never meet (the pipeline stands between them).
PAIRWISE = [c for c in EVERY if (c.source == "files" or c.target == "memory")]


def combos(chosen: Sequence[Combo], *defects: tuple[Callable[[Combo], bool], str]) -> list[Any]:
    """``chosen`` as parameters for an indirect ``world``, with their services' marks and a
    strict xfail on each combination a known, open defect breaks (``(applies, reason)``)."""
    params = []
    for combo in chosen:
        marks: list[pytest.MarkDecorator] = []
        if combo.target == "s3":
            marks.append(pytest.mark.service("s3"))
        if combo.source == "rows":
            marks += [pytest.mark.postgres, pytest.mark.service(POSTGRES_SERVICE)]
        marks += [
            pytest.mark.xfail(strict=True, reason=reason)
            for applies, reason in defects
            if applies(combo)
        ]
        params.append(pytest.param(combo, id=combo.id, marks=marks))
    return params


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so the S3 tests must run: {reason}", pytrace=False)
    pytest.skip(f"S3 tests skipped: {reason} (pip install '.[test]')")


@pytest.fixture(scope="session")
def s3_server() -> Iterator[tuple[Any, Any]]:
    """moto's S3 on 127.0.0.1 (``tests/s3server.py``) and a client of the tests' own."""
    try:
        import boto3

        from tests.s3server import S3Server
    except ImportError as exc:
        _unavailable(f"boto3 and moto[server] are needed: {exc}")
    server = S3Server().start()
    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    yield server, client
    server.stop()


def _aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test credentials for moto; nothing read from the machine's AWS setup."""
    from tests.s3server import use_test_credentials

    use_test_credentials(monkeypatch)


@pytest.fixture
def world(request: pytest.FixtureRequest, tmp_path: Path) -> World:
    """The combination ``request.param`` names, with the sample's records, not yet built."""
    combo: Combo = request.param
    records: Records
    if combo.source == "rows":
        records = RowRecords(tmp_path / "site", request.getfixturevalue("postgres"))
    else:
        records = FileRecords(tmp_path / "site")
    target: Out
    if combo.target == "s3":
        server, client = request.getfixturevalue("s3_server")
        _aws_environment(request.getfixturevalue("monkeypatch"))
        bucket = f"contract-{uuid.uuid4().hex[:16]}"
        client.create_bucket(Bucket=bucket)
        target = S3Out(server, client, bucket)
    elif combo.target == "folder":
        target = FolderOut(tmp_path / "public")
    else:
        target = MemoryOut()
    return World(records, target, combo.archives, tmp_path / "state")


class References:
    """Clean files-into-a-folder builds, made once per worker and shared (they are only read)."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self._factory = factory
        self._built: dict[tuple[str, bool], dict[str, bytes]] = {}

    def get(
        self,
        name: str,
        archives: bool,
        changes: list[tuple[str, Any]] | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> dict[str, bytes]:
        """The reference bytes of the sample after ``changes``, configured with ``overrides``
        too (``name`` keys the cache)."""
        key = (name, archives)
        if key not in self._built:
            root = self._factory.mktemp(f"reference-{name}")
            self._built[key] = reference(root, archives, changes or [], overrides or {})
        return self._built[key]


@pytest.fixture(scope="session")
def references(tmp_path_factory: pytest.TempPathFactory) -> References:
    """The reference builds; each is made when a test first asks (inside its pinned environment)."""
    return References(tmp_path_factory)
