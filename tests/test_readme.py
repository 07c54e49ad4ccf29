"""The README's quick start shows what its commands print: run them on the sample and compare."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import main
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
QUICK_START = README[README.index("## Quick start") : README.index("## Article records")]


def test_the_quick_start_listing_is_what_find_and_ls_print(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site)
    assert CliRunner().invoke(main, ["build", "-q"]).exit_code == 0
    shown = re.findall(r"^\$ (find public .*)\n((?:(?!\$ |```).*\n)+)", QUICK_START, re.M)
    assert len(shown) == 2
    environ = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
    for command, output in shown:
        printed = subprocess.run(
            command, shell=True, cwd=site, capture_output=True, text=True, env=environ
        )
        assert printed.stdout.lstrip() == output


def test_the_library_example_prints_what_its_comments_say(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site)
    example = QUICK_START.split("As a library:", 1)[1].split("```python\n", 1)[1].split("```")[0]
    promised = re.search(r"print\(report\.exit_code\)\s+# (\S+)", example)
    assert promised is not None
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        exec(compile(example, "README.md", "exec"), {})
    assert stdout.getvalue() == promised.group(1) + "\n"


def _synopsis(command: str) -> str:
    """The README's synopsis lines of ``feedpub COMMAND`` (with their continuation lines)."""
    block = README.split("## Command line\n\n```\n", 1)[1].split("```", 1)[0]
    lines, taking = [], False
    for line in block.splitlines():
        if line.startswith("feedpub "):
            taking = line.startswith(f"feedpub {command} ")
        if taking:
            lines.append(line)
    return "\n".join(lines)


@pytest.mark.parametrize("command", sorted(main.commands))
def test_the_readme_synopsis_names_every_option(command: str) -> None:
    synopsis = _synopsis(command)
    assert synopsis, f"add `feedpub {command} ...` to the README's Command line synopsis"
    for param in main.commands[command].params:
        # An option is named by any of its flags (-q for --quiet), each of --ask/--no-ask.
        flags = getattr(param, "opts", [])
        for names in [flags, *[[flag] for flag in getattr(param, "secondary_opts", [])]]:
            if names and names[0].startswith("-"):
                shown = [n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}\b", synopsis)]
                assert shown, (command, names)


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"]])
def test_help_names_every_format(args: list[str]) -> None:
    shown = " ".join(CliRunner().invoke(main, args).output.split())
    assert all(words in shown for words in ("RSS", "Atom", "JSON Feed")), shown
