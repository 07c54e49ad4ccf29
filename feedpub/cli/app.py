"""The ``feedpub`` command group; each command lives in a module of this package."""

from __future__ import annotations

import click

from feedpub import heap
from feedpub.version import __version__

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedpub")
def main() -> None:
    """Publish RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds from article records.

    Settings come from flags, then FEEDPUB_* environment variables, then
    feedpub.toml, then defaults; `feedpub config` shows which won.
    """
    heap.one_arena()  # before any thread of a build starts: see feedpub/heap.py
