"""Feeds as files in a local folder, each written atomically (:mod:`feedpub.output.publish`).

The folder remembers which state folder publishes into it (:mod:`feedpub.output.owner`),
and a build about to publish first clears what a killed writer left.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from feedpub.errors import PublishError
from feedpub.output.leftovers import remove_leftover_temp_files
from feedpub.output.owner import check_owner, claim_output
from feedpub.output.paths import FEED_FILES, is_document_path
from feedpub.output.publish import Batch, Staged, remove_file, stage_file, write_if_changed
from feedpub.output.targets.base import Stored
from feedpub.output.targets.settings import TargetSettings

__all__ = ["LocalFolder", "open_url"]


class LocalFolder:
    """Feeds as files under ``root``. A folder has no headers: the content type is what the
    web server in front says."""

    def __init__(self, root: Path) -> None:
        """Publish under ``root``."""
        self.root = root
        #: The root as text with a separator: ``stored`` runs once per published document on
        #: every build (65,000 at 100,000 records with archives), and a Path per call was a
        #: third of its time.
        self._prefix = os.path.join(root, "")
        self._batch: Batch | None = None

    def __reduce__(self) -> tuple[type[LocalFolder], tuple[Path]]:
        """A render worker's copy (it only stages): the folder, without this build's batch."""
        return LocalFolder, (self.root,)

    @contextmanager
    def session(self, state_dir: Path | None, *, dry_run: bool) -> Iterator[None]:
        """Refuse a folder another state folder publishes to; claim it once this build (not
        a dry run) has published into it."""
        if state_dir is None:
            yield
            return
        unclaimed = check_owner(self.root, state_dir)
        yield
        if unclaimed and not dry_run and self.root.is_dir():
            claim_output(self.root, state_dir)

    def recover(self) -> None:
        """Remove the temporary files of writers that are gone, and the feed folders they
        emptied or made and left empty (only dead writers': the build holds the lock)."""
        remove_leftover_temp_files(self.root)

    def headers(self) -> str:
        """A folder keeps bytes only: the web server in front gives the headers."""
        return ""

    def stored(self, path: str) -> Stored | None:
        """Size and mtime of the file."""
        try:
            stat = os.stat(self._prefix + path)
        except (FileNotFoundError, NotADirectoryError):  # a file where its folder was: gone
            return None
        return Stored(stat.st_size, stat.st_mtime_ns)

    def read(self, path: str) -> bytes | None:
        """The file's bytes."""
        try:
            fd = os.open(self._prefix + path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except (FileNotFoundError, NotADirectoryError):
            return None
        with open(fd, "rb", buffering=0) as handle:  # no Path, no buffer: a new title reads
            return handle.readall()  # every published document

    def holds(self, path: str, data: bytes, content_type: str) -> bool:
        """True when the file holds exactly ``data``."""
        return self.read(path) == data

    @contextmanager
    def batched(self) -> Iterator[None]:
        """Writes in the block share their syncs (:class:`~feedpub.output.publish.Batch`); if
        one fails, those before it are put in place; if the block is stopped otherwise (an
        interrupt), those not in place yet are dropped."""
        if self._batch is not None:
            yield
            return
        self._batch = batch = Batch(behind=True)  # the disk's work behind the writer's
        try:
            yield
            batch.flush()
        except PublishError:
            # One file could not be written: those before it are good, and put in place (the
            # state recorded them); a flush that fails too has dropped the rest.
            with suppress(PublishError):
                batch.flush()
            raise
        except BaseException:
            batch.abandon()  # stopped: nothing more is put in place
            raise
        finally:
            self._batch = None

    def write_if_changed(self, path: str, data: bytes, content_type: str) -> tuple[bool, Stored]:
        """Write the file atomically unless it holds ``data`` already."""
        # What this writer's own file holds, never what another writer may have put in place.
        written = write_if_changed(self.root / path, data, self._batch)
        return written.changed, Stored(written.size, written.mtime_ns)

    def stage(self, path: str, data: bytes, name: str, *, held: bytes | None = None) -> Staged:
        """Write ``data`` beside ``path`` in the temporary file ``name`` for :meth:`adopt`, unless
        ``path`` holds it (``held``: what it was just read to hold; in a render worker:
        :class:`~feedpub.output.targets.base.Staging`)."""
        return stage_file(self.root / path, data, name, held=held)

    def adopt(self, path: str, staged: Staged) -> tuple[bool, Stored]:
        """Put what :meth:`stage` wrote in place at ``path`` (in a batch: when it is flushed)."""
        batch = self._batch if self._batch is not None else Batch(1)
        written = batch.adopt(self.root / path, staged)
        return written.changed, Stored(written.size, written.mtime_ns)

    def unstage(self, path: str, name: str) -> None:
        """Remove what :meth:`stage` may have written beside ``path`` as ``name``."""
        with suppress(OSError):
            os.unlink(os.path.join(self.root, os.path.dirname(path), name))

    def remove(self, path: str) -> bool:
        """Remove the file and the folders it leaves empty (in a batch: their sync shared,
        when it is flushed)."""
        if self._batch is not None:
            return self._batch.remove(self.root / path, self.root)
        return remove_file(self.root / path, self.root)

    def feed_paths(self, *, archives: bool = True) -> list[str]:
        """The site's feed files and those under ``category/*/``, with their archive pages
        (``archive/*/``) when ``archives``: a folder of many pages costs a walk of each; and
        the pages for people (``index.html`` there and in ``feed/``)."""
        folders = [""]
        category = self.root / "category"
        if category.is_dir():
            folders.extend(f"category/{d.name}/" for d in sorted(category.iterdir()) if d.is_dir())
        if archives:
            for folder in list(folders):
                archive = self.root / folder / "archive"
                if archive.is_dir():
                    folders.extend(f"{folder}archive/{d.name}/" for d in archive.iterdir())
        names = [*FEED_FILES.values(), "index.html"]
        return sorted(
            folder + name
            for folder in [*folders, "feed/"]
            for name in names
            if is_document_path(folder + name) and (self.root / folder / name).is_file()
        )


def open_url(out: str | Path, settings: TargetSettings) -> LocalFolder:
    """The folder ``out`` names (a folder takes none of the settings: they are headers)."""
    return LocalFolder(Path(out))
