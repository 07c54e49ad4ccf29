"""`feedpub validate`: any RSS 2.0 or Atom 1.0 document, whoever made it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import main
from tests.feeds import FEEDS

GOLDEN = Path(__file__).parent / "golden"


def validate(*args: str, stdin: bytes | None = None) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["validate", *args], input=stdin)
    return result.exit_code, result.stdout.splitlines()


def test_golden_feeds_are_valid_without_warnings() -> None:
    files = sorted(str(p) for p in GOLDEN.rglob("*.xml"))
    code, lines = validate(*files)
    assert code == 0
    assert lines == [f"{len(files)} document(s): 0 error(s), 0 warning(s)"]


@pytest.mark.parametrize("broken", sorted((FEEDS / "broken").glob("*.xml")), ids=lambda p: p.stem)
def test_broken_feed_is_reported_with_file_line_and_exit_1(broken: Path) -> None:
    code, lines = validate(str(broken))
    assert code == 1
    assert lines[0].startswith(f"{broken}:")
    assert ": error: " in lines[0]
    assert lines[-1].startswith("1 document(s): ") and "0 error(s)" not in lines[-1]


@pytest.mark.parametrize("name", ["xxe.xml", "billion-laughs.xml"])
def test_unsafe_documents_are_refused_not_expanded(name: str) -> None:
    code, lines = validate(str(FEEDS / "unsafe" / name))
    assert code == 1
    assert "(unsafe-xml)" in lines[0]
    assert "root:" not in "\n".join(lines)  # nothing from /etc/passwd


def test_standard_input() -> None:
    code, lines = validate("-", stdin=(GOLDEN / "atom.xml").read_bytes())
    assert code == 0 and lines == ["1 document(s): 0 error(s), 0 warning(s)"]
    code, lines = validate("-", stdin=b"<rss version='2.0'><channel/></rss>")
    assert code == 1 and lines[0].startswith("<stdin>:1: error:")


def test_missing_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    code, lines = validate(str(tmp_path / "nope.xml"))
    assert code == 1
    assert lines[0].startswith(f"{tmp_path / 'nope.xml'}: error:")
