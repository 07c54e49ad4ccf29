"""`feedpub validate`: any RSS 2.0 or Atom 1.0 document, whoever made it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import main
from feedpub.validate import RULES
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


def _with_warning(tmp_path: Path) -> Path:
    """A valid Atom feed but for advice: its updated is older than its entry's."""
    text = (FEEDS / "minimal-atom.xml").read_text(encoding="utf-8")
    old = "<updated>2022-12-05T08:15:00+07:00</updated>"
    assert old in text
    path = tmp_path / "older.xml"
    path.write_text(text.replace(old, "<updated>2022-12-01T00:00:00Z</updated>"), "utf-8")
    return path


def test_warnings_do_not_fail_a_run_unless_strict(tmp_path: Path) -> None:
    path = _with_warning(tmp_path)
    code, lines = validate(str(path))
    assert code == 0
    assert lines[0].startswith(f"{path}:6: warning: ") and lines[0].endswith(
        "(feed-updated) [/feed/updated]"
    )
    assert lines[-1] == "1 document(s): 0 error(s), 1 warning(s)"
    code, lines = validate("--strict", str(path))
    assert code == 1 and lines[-1] == "1 document(s): 0 error(s), 1 warning(s)"


def test_json_format_for_tools(tmp_path: Path) -> None:
    path = _with_warning(tmp_path)
    result = CliRunner().invoke(
        main, ["validate", "--format", "json", str(path), str(FEEDS / "minimal-rss.xml")]
    )
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert (report["documents"], report["errors"], report["warnings"]) == (2, 0, 1)
    assert report["problems"] == [
        {
            "source": str(path),
            "line": 6,
            "level": "warning",
            "rule": "feed-updated",
            "message": report["problems"][0]["message"],
            "path": "/feed/updated",
        }
    ]
    result = CliRunner().invoke(
        main, ["validate", "--format", "json", str(FEEDS / "broken" / "rss-no-channel.xml")]
    )
    assert result.exit_code == 1 and json.loads(result.stdout)["errors"] >= 1


def test_rules_lists_every_rule_with_its_kind() -> None:
    result = CliRunner().invoke(main, ["validate", "--rules"])
    assert result.exit_code == 0
    rows = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()}
    assert rows == {rule.id: rule.kind for rule in RULES.values()}
    assert rows["feed-updated"] == "advice" and rows["atom-date"] == "spec"
    result = CliRunner().invoke(main, ["validate", "--rules", "--format", "json"])
    assert {row["id"] for row in json.loads(result.stdout)} == set(RULES)


def test_no_source_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 2
    assert "give a file" in result.stderr and result.stdout == ""


def test_timeout_must_be_positive() -> None:
    result = CliRunner().invoke(
        main, ["validate", "--timeout", "0", str(FEEDS / "minimal-rss.xml")]
    )
    assert result.exit_code == 2
    assert "--timeout" in result.stderr


def test_json_format_prints_one_object_on_a_usage_error() -> None:
    for args in (["--format", "json"], ["--format=json", "--timeout", "0"]):
        result = CliRunner().invoke(main, ["validate", *args])
        assert result.exit_code == 2
        data = json.loads(result.stdout)
        assert data["exit_code"] == 2 and data["outcome"] == "failed" and data["error"]
        assert data["documents"] is None and data["problems"] == []


def test_json_format_reports_a_fetch_failure_as_one_object(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["validate", "--format", "json", str(tmp_path / "gone.xml"), "-"], input=b""
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["exit_code"] == 1 and data["outcome"] == "problems" and data["documents"] == 2
    assert data["problems"][0]["rule"] == "fetch"
