"""The ``feedpub`` command: a thin layer turning flags into library calls, errors into exit codes.

Each command resolves its run through :func:`feedpub.site.resolve_run` (the library's one front
door), makes one library call and prints what came back. Exit codes (one place:
:class:`feedpub.errors.ExitCode`): 0 all good; 1 some records or feeds were bad (the good ones
were still published unless --strict); 2 usage or config error; 75 another build holds the
lock (EX_TEMPFAIL: cron simply tries again next time; silent under -q). ``feedpub status
--max-age`` exits 1 when the last successful build is older, or there was none.

Every option that a run may want from its environment has an ``envvar``
``FEEDPUB_<NAME>`` (see :func:`~feedpub.cli.common.env_option`); config keys get theirs from
:data:`feedpub.config.KEYS`. Flags win over the environment, which wins over
``feedpub.toml``, which wins over the defaults.
"""

from __future__ import annotations

from feedpub.cli import (
    building,
    discovering,
    monitoring,
    settings,
    starting,
    validating,
    viewing,
    watching,
)
from feedpub.cli.app import main
from feedpub.cli.examples import EXAMPLES, attach_examples

__all__ = [
    "EXAMPLES",
    "building",
    "discovering",
    "main",
    "monitoring",
    "settings",
    "starting",
    "validating",
    "viewing",
    "watching",
]

attach_examples(main)
