"""Hints for the common first mistakes: what feedpub ignored, and what to do next.

These never change what a build does; they only explain it. Each hint is a
:class:`~feedpub.errors.RecordWarning` (or a plain line) the command prints.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from feedpub.config import ENV_PREFIX
from feedpub.errors import RecordWarning
from feedpub.records import RECORD_SUFFIXES

__all__ = ["empty_articles_hint", "stray_record_files", "unknown_environment"]

#: Suffixes of files someone plausibly meant as records (text data, not images or media):
#: only these are worth a warning when they lie among the records.
_LOOKS_LIKE_RECORDS = {
    ".txt": "",
    ".yaml": "",
    ".yml": "",
    ".toml": "",
    ".md": "",
    ".markdown": "",
    ".html": "",
    ".htm": "",
    ".xml": "",
    ".csv": "",
    ".json5": "; write it as plain JSON in a .json file",
    ".ndjson": "; rename it to .jsonl",
    ".jsonlines": "; rename it to .jsonl",
    ".js": "; rename it to .json if it is JSON",
}
#: At most this many stray files are named; the rest are counted.
MAX_STRAY_SHOWN = 10


def stray_record_files(articles_dir: Path) -> list[RecordWarning]:
    """A warning per file under ``articles_dir`` that looks like a record but is not read.

    Hidden files and folders are skipped, as the walk skips them. Cheap: one
    ``scandir`` per folder, no ``stat`` of the files.
    """
    strays: list[str] = []
    stack = [articles_dir]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            continue  # the build itself reports a folder it cannot read
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(Path(entry.path))
            elif not entry.name.endswith(RECORD_SUFFIXES) and _advice(entry.name) is not None:
                strays.append(entry.path)
    strays.sort()
    warnings = [
        RecordWarning(
            f"not read: records are .json or .jsonl files{_advice(Path(path).name)}", path=path
        )
        for path in strays[:MAX_STRAY_SHOWN]
    ]
    if len(strays) > MAX_STRAY_SHOWN:
        warnings.append(
            RecordWarning(
                f"and {len(strays) - MAX_STRAY_SHOWN} more files that are not read",
                path=str(articles_dir),
            )
        )
    return warnings


def _advice(name: str) -> str | None:
    """Why a stray file is worth a word, or None when it is not (an image, a backup)."""
    suffix = os.path.splitext(name)[1]
    if suffix.lower() in RECORD_SUFFIXES:
        # The walk matches suffixes exactly: `story.JSON` is silently skipped otherwise.
        return f"; rename it to {suffix.lower()} (the suffix is case-sensitive)"
    return _LOOKS_LIKE_RECORDS.get(suffix.lower())


def empty_articles_hint(articles_dir: Path) -> RecordWarning:
    """The warning for an articles folder with no record in it."""
    return RecordWarning(
        "no records here: add a .json file per article (see the README's 'Article records'), "
        "or start from an example with `feedpub init`",
        path=str(articles_dir),
    )


def unknown_environment(environ: Mapping[str, str], known: Iterable[str]) -> list[str]:
    """A line per ``FEEDPUB_*`` variable feedpub does not read, suggesting the closest name."""
    names = sorted(set(known))
    lines = []
    for name in sorted(environ):
        if name.startswith(ENV_PREFIX) and name not in names:
            close = difflib.get_close_matches(name, names, n=1, cutoff=0.8)
            hint = f"; did you mean {close[0]}?" if close else ""
            lines.append(f"feedpub: warning: {name} is not a feedpub setting, ignored{hint}")
    return lines
