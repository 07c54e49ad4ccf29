"""Finding the record files under the articles folder: one walk, one stat per file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from feedpub.parallel import ordered_map

__all__ = ["RECORD_SUFFIXES", "find_record_files"]

RECORD_SUFFIXES = (".json", ".jsonl")


def find_record_files(root: Path, *, parallel: bool = False) -> list[tuple[str, int, int]]:
    """Every record file under ``root`` as ``(relative posix path, size, mtime_ns)``, sorted.

    One walk, one stat per file. Hidden files and folders (``.git``, editor
    swap files) are skipped. With ``parallel`` (for large archives) the
    top-level folders are walked by worker processes, one core each.
    """
    found, folders = _scan(str(root), "")
    if parallel:
        for part in ordered_map(_walk_job, folders, {}, min_jobs=2):
            found.extend(part)
    else:
        for folder in folders:
            found.extend(_walk(*folder))
    found.sort()
    return found


def _scan(folder: str, prefix: str) -> tuple[list[tuple[str, int, int]], list[tuple[str, str]]]:
    """The record files directly in one folder, and its subfolders to walk."""
    files: list[tuple[str, int, int]] = []
    folders: list[tuple[str, str]] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            if entry.is_dir():
                folders.append((entry.path, prefix + name + "/"))
            elif name.endswith(RECORD_SUFFIXES) and entry.is_file():
                stat = entry.stat()
                files.append((prefix + name, stat.st_size, stat.st_mtime_ns))
    return files, folders


def _walk(folder: str, prefix: str) -> list[tuple[str, int, int]]:
    found: list[tuple[str, int, int]] = []
    stack = [(folder, prefix)]
    while stack:
        files, folders = _scan(*stack.pop())
        found.extend(files)
        stack.extend(folders)
    return found


def _walk_job(shared: dict[str, Any], folder: tuple[str, str]) -> list[tuple[str, int, int]]:
    return _walk(*folder)
