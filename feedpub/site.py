"""One front door for a run: config file + environment + flags (+ library arguments) into one
frozen :class:`Run`.

``feedpub build``, ``check``, ``serve`` (and its rebuilder, which resolves again with the same
flags whenever the config changes), ``feedpub config`` and library callers all resolve a run
here, so a setting means the same thing whichever of them reads it: the output folder named
by the config's ``out`` is where ``build`` writes and ``serve`` serves, and a ``--set`` flag
reaches every build a command makes.

Paths given as flags or arguments are taken as the shell gives them (relative to the working
folder); paths the config gives, and the defaults, are relative to the config's folder.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from feedpub.config import (
    ResolvedConfig,
    Setting,
    SiteConfig,
    Source,
    mask,
    parse_assignments,
    resolve_config,
    with_source_url,
)
from feedpub.errors import ConfigError
from feedpub.output.targets import is_url, out_problem
from feedpub.pipeline import BodyMemo, BuildReport, Progress, build, check

__all__ = ["PATH_OPTIONS", "Run", "build_site", "check_site", "resolve_run"]

#: The run's places that a flag (or a library argument) may give instead of the config.
PATH_OPTIONS = ("articles", "out", "state", "source")


@dataclass(frozen=True)
class Run:
    """Everything one run needs, resolved once: the checked config with where each key came
    from, and where the records are read from, the feeds go and the state is kept."""

    config: SiteConfig
    #: Every config key's effective value and its source (flag, env, file or default).
    settings: tuple[Setting, ...]
    config_path: Path
    articles_dir: Path
    #: A folder, or an ``s3://bucket/prefix/`` URL.
    out: str | Path
    state_dir: Path
    #: Where each of :data:`PATH_OPTIONS` came from (``default`` when nothing gave it).
    origins: Mapping[str, Source] = field(default_factory=dict)

    @property
    def reads_files(self) -> bool:
        """True when the records are files under :attr:`articles_dir` (not database rows)."""
        return self.config.source is None

    @property
    def out_folder(self) -> Path | None:
        """The output folder, or ``None`` when the feeds go to object storage."""
        return None if isinstance(self.out, str) else self.out

    def shown_keys(self) -> Iterator[tuple[str, Any, Source]]:
        """Every config key as it may be printed, with its source."""
        for setting in self.settings:
            yield setting.key.name, setting.shown(), setting.source

    def shown_places(self) -> Iterator[tuple[str, Any, Source]]:
        """The run's places as resolved, as they may be printed, with their sources.

        With :meth:`shown_keys`, the one place secrets are masked for every printer (a
        secret key, a password in any URL)."""
        places: dict[str, Any] = {
            "articles": self.articles_dir,
            "out": self.out,
            "state": self.state_dir,
            "source": self.config.source.url if self.config.source else None,
        }
        for name, value in places.items():
            text = str(value) if isinstance(value, Path) else value
            yield name, mask(text, secret=name == "source"), self.origins[name]


def resolve_run(
    config_path: Path,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    sets: tuple[str, ...] | list[str] = (),
    articles: Path | None = None,
    out: str | Path | None = None,
    state: Path | None = None,
    source: str | None = None,
    origins: Mapping[str, Source] | None = None,
) -> Run:
    """Resolve a run: ``overrides`` and ``sets`` (``KEY=VALUE`` flags) > ``environ``
    (``FEEDPUB_*``; pass ``os.environ`` to honour them as the command does) > the file >
    defaults, then the places: ``articles``, ``out``, ``state`` and ``source`` as given,
    else the config's, else beside the config. ``origins`` says where each given place came
    from (the CLI passes flag or env); a library argument counts as a flag.

    Raises :class:`~feedpub.errors.ConfigError` for anything that cannot make a run.
    """
    values = {**parse_assignments(sets), **(overrides or {})}
    resolved: ResolvedConfig = resolve_config(config_path, environ=environ, overrides=values)
    config = resolved.config
    if source:
        config = with_source_url(config, source)
    base = config_path.parent
    given = {"articles": articles, "out": out, "state": state, "source": source}
    origins = {
        name: (origins or {}).get(name, Source("flag", f"--{name}"))
        if value is not None
        else Source("default", "")
        for name, value in given.items()
    }
    if source is None and config.source is not None:
        origins["source"] = _setting_source(resolved, "source")
    target = _out(out, config, base)
    if out is None and config.out is not None:
        origins["out"] = _setting_source(resolved, "out")
    return Run(
        config=config,
        settings=resolved.settings,
        config_path=config_path,
        articles_dir=articles if articles is not None else base / "articles",
        out=target,
        state_dir=state if state is not None else base / ".feedpub",
        origins=origins,
    )


def _setting_source(resolved: ResolvedConfig, name: str) -> Source:
    return next(s.source for s in resolved.settings if s.key.name == name)


def _out(out: str | Path | None, config: SiteConfig, base: Path) -> str | Path:
    """``out`` as given (relative to here), else the config's ``out`` (relative to its folder),
    else ``public/`` beside the config. A URL (``s3://...``) is kept as it is."""
    if out is not None and is_url(out):
        problem = out_problem(str(out))
        if problem:
            raise ConfigError(problem, path="--out")
        return str(out)
    if out is not None:
        if Path(out).is_file():
            raise ConfigError(f"{out} is a file, not a folder", path="--out")
        return Path(out)
    if config.out is not None:
        return config.out if is_url(config.out) else base / config.out
    return base / "public"


def build_site(
    run: Run,
    *,
    now: datetime | None = None,
    full: bool = False,
    strict: bool = False,
    dry_run: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
    ping: bool = True,
    lock_held: bool = False,
    recover: bool = True,
    check_output: bool = True,
    memo: BodyMemo | None = None,
    paths: frozenset[str] | None = None,
    paranoid: bool = False,
    parallel_walk: bool = True,
) -> BuildReport:
    """Build and publish ``run``'s feeds (see :func:`feedpub.pipeline.build`); entries dated
    after ``now`` (default: the current time, as ``feedpub build``) are withheld.
    ``lock_held``: the caller holds the site's lock already (``feedpub watch``); ``recover``,
    ``check_output``, ``memo``, ``paths`` (only these record files may have changed),
    ``parallel_walk`` and ``paranoid``: see :func:`feedpub.pipeline.build`."""
    return build(
        run.articles_dir,
        run.out,
        run.config,
        state_dir=run.state_dir,
        full=full,
        now=now,
        strict=strict,
        dry_run=dry_run,
        wait=wait,
        progress=progress,
        ping=ping,
        lock_held=lock_held,
        recover=recover,
        check_output=check_output,
        memo=memo,
        paths=paths,
        paranoid=paranoid,
        parallel_walk=parallel_walk,
    )


def check_site(run: Run) -> BuildReport:
    """Check ``run``'s records; nothing is rendered or written."""
    return check(run.articles_dir, run.config)
