"""Finding the record files under the articles folder: one walk, one stat per file.

The walk never fails on what it finds. A folder it cannot read, a symbolic link
loop, a link to a place outside the articles folder, a broken link or a name that
is not UTF-8 becomes a :class:`WalkProblem` (naming the path) and is skipped;
everything else is still found.

Symbolic links are followed while they stay inside the articles folder (a link
to another year's folder reads like a copy of it); a link that leads outside is
not followed, so a record file can only be what the articles folder holds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedpub.errors import RecordError
from feedpub.parallel import ordered_map

__all__ = ["RECORD_SUFFIXES", "WalkProblem", "find_record_files"]

RECORD_SUFFIXES = (".json", ".jsonl")

#: A file found: (relative posix path, size, mtime_ns).
Found = tuple[str, int, int]
#: A folder to walk: (path, relative prefix ending in "/", (device, inode) of it and of
#: every folder above it, to know a link that leads back up as a loop).
_Folder = tuple[str, str, frozenset[tuple[int, int]]]


@dataclass(frozen=True)
class WalkProblem:
    """A path under the articles folder the walk skipped, and why.

    ``relative`` is its posix path under the folder (a folder's ends in "/"):
    records the index knows under it were not seen this time, but are not gone.
    """

    relative: str
    error: RecordError


def find_record_files(
    root: Path, *, parallel: bool = False, problems: list[WalkProblem] | None = None
) -> list[Found]:
    """Every record file under ``root`` as ``(relative posix path, size, mtime_ns)``, sorted.

    One walk, one stat per file. Hidden files and folders (``.git``, editor
    swap files) are skipped. With ``parallel`` (for large archives) the
    top-level folders are walked by worker processes, one core each. What
    cannot be walked is appended to ``problems`` (see :class:`WalkProblem`);
    only ``root`` itself being unreadable raises (``OSError``).
    """
    walk = _Walk(str(root))
    top = os.stat(root)
    found, folders = walk.scan((str(root), "", frozenset({(top.st_dev, top.st_ino)})))
    if parallel:
        for part, part_problems in ordered_map(_walk_job, folders, {"root": str(root)}, min_jobs=2):
            found.extend(part)
            walk.problems.extend(part_problems)
    else:
        for folder in folders:
            found.extend(walk.walk(folder))
    found.sort()
    if problems is not None:
        problems.extend(sorted(walk.problems, key=lambda p: p.relative))
    return found


def _shown(path: str) -> str:
    """A path as it can be printed and stored, whatever bytes its name holds."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _is_utf8(name: str) -> bool:
    """False for a name os.scandir could only decode with surrogate escapes."""
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Walk:
    """One walk of (part of) the articles folder, collecting what it had to skip."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.problems: list[WalkProblem] = []

    def problem(self, relative: str, reason: str) -> None:
        shown = _shown(os.path.join(self.root, relative.rstrip("/")))
        self.problems.append(WalkProblem(relative, RecordError(reason, path=shown)))

    def walk(self, folder: _Folder) -> list[Found]:
        found: list[Found] = []
        stack = [folder]
        while stack:
            files, folders = self.scan(stack.pop())
            found.extend(files)
            stack.extend(folders)
        return found

    def scan(self, folder: _Folder) -> tuple[list[Found], list[_Folder]]:
        """The record files directly in one folder, and its subfolders to walk."""
        path, prefix, above = folder
        files: list[Found] = []
        folders: list[_Folder] = []
        try:
            with os.scandir(path) as listing:
                entries = list(listing)
        except OSError as exc:
            if not prefix:
                raise  # the articles folder itself: nothing can be built
            self.problem(
                prefix, f"cannot read this folder ({exc.strerror}); its records are skipped"
            )
            return files, folders
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            relative = prefix + name
            try:
                # The common case first, in as few calls as it takes (a no-change build is
                # this loop): a plain record file, not a link, with an ASCII name.
                if (
                    entry.is_file(follow_symlinks=False)
                    and name.endswith(RECORD_SUFFIXES)
                    and name.isascii()
                ):
                    stat = entry.stat(follow_symlinks=False)
                    files.append((relative, stat.st_size, stat.st_mtime_ns))
                    continue
                if entry.is_symlink() and not self.link_stays_inside(entry, relative):
                    continue
                if entry.is_dir():
                    if not _is_utf8(name):
                        self.problem(relative, "folder name is not UTF-8; rename it")
                        continue
                    stat = entry.stat()
                    key = (stat.st_dev, stat.st_ino)
                    if key in above:
                        self.problem(
                            relative,
                            "is a symbolic link back to a folder it is in (a loop): not followed",
                        )
                        continue
                    folders.append((entry.path, relative + "/", above | {key}))
                elif name.endswith(RECORD_SUFFIXES) and entry.is_file():
                    if not _is_utf8(name):
                        self.problem(relative, "file name is not UTF-8; rename it")
                        continue
                    stat = entry.stat()
                    files.append((relative, stat.st_size, stat.st_mtime_ns))
            except FileNotFoundError:
                continue  # removed while the walk ran: the next build sees it gone
            except OSError as exc:
                self.problem(relative, f"cannot be read ({exc.strerror}): skipped")
        return files, folders

    def link_stays_inside(self, entry: os.DirEntry[str], relative: str) -> bool:
        """True for a symbolic link to follow: it leads to something inside the articles
        folder. A link leading outside, or a broken link named like a record, is a problem."""
        target = os.path.realpath(entry.path)
        if not os.path.exists(target):
            if entry.name.endswith(RECORD_SUFFIXES):
                self.problem(relative, "is a broken symbolic link (or a loop of links): skipped")
            return False
        if os.path.commonpath([self.real_root, target]) != self.real_root:
            self.problem(
                relative,
                f"is a symbolic link to {_shown(target)!r}, outside the articles folder: not"
                " followed (copy or move what it points to into the articles folder)",
            )
            return False
        return True


def _walk_job(shared: dict[str, Any], folder: _Folder) -> tuple[list[Found], list[WalkProblem]]:
    walk = _Walk(shared["root"])
    return walk.walk(folder), walk.problems
