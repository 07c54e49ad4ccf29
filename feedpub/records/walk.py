"""Finding the record files under the articles folder: one walk, one stat per file.

The walk never fails on what it finds. A folder it cannot read, a symbolic link
loop, a link to a place outside the articles folder, a broken link or a name that
is not UTF-8 becomes a :class:`WalkProblem` (naming the path) and is skipped;
everything else is still found.

Symbolic links are followed while they stay inside the articles folder (a link
to another year's folder reads like a copy of it); a link that leads outside is
not followed, so a record file can only be what the articles folder holds.

:func:`look_up` judges a few named paths by the same rules without walking (``feedpub
watch``'s file events name what changed), or says that only a walk can tell.
"""

from __future__ import annotations

import os
import stat as modes
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeGuard

from feedpub.errors import RecordError
from feedpub.parallel import ordered_map
from feedpub.records.listing import Found, Listing

__all__ = ["RECORD_SUFFIXES", "WalkProblem", "find_record_files", "look_up"]

RECORD_SUFFIXES = (".json", ".jsonl")

#: (device, inode) of a folder and of every folder above it, to know a link that leads back
#: up as a loop.
_Above = frozenset[tuple[int, int]]
#: A folder to walk: (path, relative prefix ending in "/", what is above it).
_Folder = tuple[str, str, _Above]


def _is_found(item: Found | _Folder) -> TypeGuard[Found]:
    return isinstance(item[1], int)


def _is_folder(item: Found | _Folder) -> TypeGuard[_Folder]:
    return not isinstance(item[1], int)


class _Entry(Protocol):
    """What the walk asks of an entry of a folder: an :class:`os.DirEntry`, or :class:`_Named`."""

    @property
    def name(self) -> str: ...
    @property
    def path(self) -> str: ...
    def is_symlink(self) -> bool: ...
    def is_dir(self, *, follow_symlinks: bool = True) -> bool: ...
    def is_file(self, *, follow_symlinks: bool = True) -> bool: ...
    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result: ...


@dataclass(frozen=True)
class WalkProblem:
    """A path under the articles folder the walk skipped, and why.

    ``relative`` is its posix path under the folder (a folder's ends in "/"):
    records the index knows under it were not seen this time, but are not gone.
    """

    relative: str
    error: RecordError


def find_record_files(
    root: Path,
    *,
    parallel: bool = False,
    problems: list[WalkProblem] | None = None,
    links: list[str] | None = None,
) -> Listing:
    """Every record file under ``root`` as ``(relative posix path, size, mtime_ns)``, sorted
    by path, in a compact :class:`Listing`.

    One walk, one stat per file, each folder's names sorted as it is read (so the
    listing comes out sorted without ever holding it as tuples). Hidden files and
    folders (``.git``, editor swap files) are skipped. With ``parallel`` (for
    large archives) the top-level folders are walked by worker processes, one core
    each. What cannot be walked is appended to ``problems`` (see
    :class:`WalkProblem`); only ``root`` itself being unreadable raises (``OSError``).
    The symbolic links it followed (to a record file or a folder) are appended to ``links``.
    """
    walk = _Walk(str(root))
    top = os.stat(root)
    start = (str(root), "", frozenset({(top.st_dev, top.st_ino)}))
    found = Listing()
    if parallel:
        files, folders = walk.scan(start)
        parts = ordered_map(_walk_job, folders, {"root": str(root)}, min_jobs=2)
        for item in _in_order(files, folders):
            if isinstance(item[1], int):
                found.append(*item)
            else:  # the next folder's files, walked by a worker
                part, part_problems, part_links = next(parts)
                found.extend(part)
                walk.problems.extend(part_problems)
                walk.links.extend(part_links)
        next(parts, None)  # every folder is taken: this ends the workers
    else:
        walk.walk(start, found)
    if problems is not None:
        problems.extend(sorted(walk.problems, key=lambda p: p.relative))
    if links is not None:
        links.extend(sorted(walk.links))
    return found


def look_up(root: Path, paths: Iterable[str]) -> tuple[Listing, list[str]] | None:
    """The record files ``paths`` name (relative posix paths under ``root``) as a walk would
    find them, without the walk: those it would list (a sorted :class:`Listing`) and those
    it would not (gone, hidden, not a record file, under something that is not a folder).

    ``None`` when only a walk can tell: one is a folder (what is under it), is reached
    through a symbolic link or has other hard links (the record shows under another path
    too), or is something the walk reports as a problem (a walk reports it).
    """
    walk = _Walk(str(root))
    top = os.stat(root)
    start: _Folder = (str(root), "", frozenset({(top.st_dev, top.st_ino)}))
    found = Listing()
    gone: list[str] = []
    for relative in sorted(set(paths)):
        *folders, name = parts = relative.split("/")
        if any(part in ("", ".", "..") for part in parts):
            return None
        folder = start
        for part in folders:
            if not _readable(folder[0]):
                return None
            item = walk.look(_Named(folder[0], part), folder[1] + part, folder[2])
            if item is None or not _is_folder(item):
                gone.append(relative)  # not a folder the walk enters: nothing under it is listed
                break
            folder = item
        else:
            if not _readable(folder[0]):
                return None
            entry = _Named(folder[0], name)
            item = walk.look(entry, relative, folder[2])
            if walk.problems or walk.links:
                return None
            if item is None:
                gone.append(relative)
            elif _is_found(item) and entry.stat().st_nlink == 1:
                found.append(*item)
            else:
                return None  # a folder, or a file with other names
    if walk.problems or walk.links:
        return None
    return found, gone


def _readable(folder: str) -> bool:
    """Whether the walk could list a folder (one it cannot is a problem it reports)."""
    try:
        os.scandir(folder).close()
    except OSError:
        return False
    return True


class _Named:
    """One named path as :func:`os.scandir` would give it, so that the walk's own rules
    (:meth:`_Walk.look`) judge it. Stat results are taken when first asked for and kept,
    as a :class:`os.DirEntry` keeps them."""

    def __init__(self, folder: str, name: str) -> None:
        self.name = name
        self.path = os.path.join(folder, name)
        self._stats: dict[bool, os.stat_result] = {}

    def stat(self, *, follow_symlinks: bool = True) -> os.stat_result:
        follow = follow_symlinks and self.is_symlink()
        if follow not in self._stats:
            self._stats[follow] = os.stat(self.path, follow_symlinks=follow)
        return self._stats[follow]

    def is_symlink(self) -> bool:
        return modes.S_ISLNK(self.stat(follow_symlinks=False).st_mode)

    def _mode(self, follow_symlinks: bool) -> int:
        try:
            return self.stat(follow_symlinks=follow_symlinks).st_mode
        except FileNotFoundError:
            return 0  # a broken link: neither a file nor a folder, as os.DirEntry says

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        return modes.S_ISDIR(self._mode(follow_symlinks))

    def is_file(self, *, follow_symlinks: bool = True) -> bool:
        return modes.S_ISREG(self._mode(follow_symlinks))


def _in_order(files: list[Found], folders: list[_Folder]) -> Iterator[Found | _Folder]:
    """One folder's files and subfolders (each sorted) in the order of the paths under them:
    a subfolder sorts as its name with "/" after it, so ``a.json`` comes before ``a/b.json``."""
    index = 0
    for folder in folders:
        while index < len(files) and files[index][0] < folder[1]:
            yield files[index]
            index += 1
        yield folder
    yield from files[index:]


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
        #: The symbolic links followed, relative: what is behind one shows under two paths.
        self.links: list[str] = []

    def problem(self, relative: str, reason: str) -> None:
        shown = _shown(os.path.join(self.root, relative.rstrip("/")))
        self.problems.append(WalkProblem(relative, RecordError(reason, path=shown)))

    def walk(self, folder: _Folder, found: Listing) -> None:
        """Append the record files under ``folder`` to ``found``, sorted by path (depth first,
        with a stack of the folders being read: a deep tree cannot exhaust the recursion)."""
        stack = [_in_order(*self.scan(folder))]
        while stack:
            item = next(stack[-1], None)
            if item is None:
                stack.pop()
            elif isinstance(item[1], int):
                found.append(*item)
            else:
                stack.append(_in_order(*self.scan(item)))

    def scan(self, folder: _Folder) -> tuple[list[Found], list[_Folder]]:
        """The record files directly in one folder, and its subfolders to walk, each sorted."""
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
            # The common case first, in as few calls as it takes (a no-change build is this
            # loop): a plain record file, not a link, with an ASCII name. It is what
            # :meth:`look` makes of one too, only sooner.
            try:
                if (
                    entry.is_file(follow_symlinks=False)
                    and name.endswith(RECORD_SUFFIXES)
                    and name.isascii()
                ):
                    stat = entry.stat(follow_symlinks=False)
                    files.append((prefix + name, stat.st_size, stat.st_mtime_ns))
                    continue
            except FileNotFoundError:
                continue  # removed while the walk ran: the next build sees it gone
            except OSError:
                pass  # look says why
            item = self.look(entry, prefix + name, above)
            if item is None:
                continue
            if _is_found(item):
                files.append(item)
            elif _is_folder(item):
                folders.append(item)
        files.sort()
        folders.sort(key=lambda folder: folder[1])
        return files, folders

    def look(self, entry: _Entry, relative: str, above: _Above) -> Found | _Folder | None:
        """What the walk makes of one entry of a folder (``above``: the folders it is in): a
        record file, a folder to walk, or nothing (skipped, or a problem noted). A symbolic
        link it follows is noted in :attr:`links`."""
        name = entry.name
        if name[0] == ".":
            return None
        try:
            link = entry.is_symlink()
            if link and not self.link_stays_inside(entry, relative):
                return None
            item: Found | _Folder
            if entry.is_dir():
                if not _is_utf8(name):
                    self.problem(relative, "folder name is not UTF-8; rename it")
                    return None
                stat = entry.stat()
                key = (stat.st_dev, stat.st_ino)
                if key in above:
                    self.problem(
                        relative,
                        "is a symbolic link back to a folder it is in (a loop): not followed",
                    )
                    return None
                item = (entry.path, relative + "/", above | {key})
            elif name.endswith(RECORD_SUFFIXES) and entry.is_file():
                if not _is_utf8(name):
                    self.problem(relative, "file name is not UTF-8; rename it")
                    return None
                stat = entry.stat()
                item = (relative, stat.st_size, stat.st_mtime_ns)
            else:
                return None
        except FileNotFoundError:
            return None  # removed while the walk ran: the next build sees it gone
        except OSError as exc:
            self.problem(relative, f"cannot be read ({exc.strerror}): skipped")
            return None
        if link:
            self.links.append(relative)
        return item

    def link_stays_inside(self, entry: _Entry, relative: str) -> bool:
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


def _walk_job(
    shared: dict[str, Any], folder: _Folder
) -> tuple[Listing, list[WalkProblem], list[str]]:
    walk = _Walk(shared["root"])
    found = Listing()
    walk.walk(folder, found)
    return found, walk.problems, walk.links
