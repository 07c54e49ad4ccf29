"""One output folder, one build state: a marker in the output folder names the state folder
that publishes there.

Two state folders writing one output folder would each trust its own record of
the files and adopt the other's, so a build refuses an output folder another
live state folder has claimed.
"""

from __future__ import annotations

import os
from pathlib import Path

from feedpub.errors import SharedOutputError
from feedpub.output.publish import write_if_changed

__all__ = ["MARKER", "check_owner", "claim_output"]

#: Hidden, so no feed path or web server listing ever names it.
MARKER = ".feedpub-state"


def _named(out_dir: Path, state_dir: Path) -> str:
    """The state folder as the marker names it: relative to the output folder, so that a copy
    of a whole site (output and state folders together) still names its own state folder."""
    return os.path.relpath(os.path.realpath(state_dir), os.path.realpath(out_dir))


def check_owner(out_dir: Path, state_dir: Path) -> bool:
    """Whether ``out_dir`` may be published from ``state_dir``; True when its marker must be
    (re)written to claim it.

    A marker naming a state folder that no longer exists (moved or deleted) may be
    taken over. Raises :class:`~feedpub.errors.SharedOutputError` when another
    existing state folder claimed the output folder.
    """
    ours = _named(out_dir, state_dir)
    try:
        claimed = (out_dir / MARKER).read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        claimed = ""  # absent or unreadable: claimed afresh
    if claimed and claimed != ours:
        other = os.path.normpath(os.path.join(os.path.realpath(out_dir), claimed))
        if os.path.isdir(other):
            raise SharedOutputError(str(out_dir), other, os.path.realpath(state_dir))
    return claimed != ours


def claim_output(out_dir: Path, state_dir: Path) -> None:
    """Write the marker naming ``state_dir`` as the publisher of ``out_dir``."""
    write_if_changed(out_dir / MARKER, (_named(out_dir, state_dir) + "\n").encode("utf-8"))
