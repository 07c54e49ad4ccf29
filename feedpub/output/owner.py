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


def check_owner(out_dir: Path, state_dir: Path) -> bool:
    """Whether ``out_dir`` may be published from ``state_dir``; True when its marker must be
    (re)written to claim it.

    A marker naming a state folder that no longer exists (moved or deleted) may be
    taken over. Raises :class:`~feedpub.errors.SharedOutputError` when another
    existing state folder claimed the output folder.
    """
    ours = os.path.realpath(state_dir)
    try:
        claimed = (out_dir / MARKER).read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        claimed = ""  # absent or unreadable: claimed afresh
    if claimed and claimed != ours and os.path.isdir(claimed):
        raise SharedOutputError(str(out_dir), claimed, ours)
    return claimed != ours


def claim_output(out_dir: Path, state_dir: Path) -> None:
    """Write the marker naming ``state_dir`` as the publisher of ``out_dir``."""
    write_if_changed(out_dir / MARKER, (os.path.realpath(state_dir) + "\n").encode("utf-8"))
