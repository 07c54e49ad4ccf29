"""``feedpub serve``: the output folder over HTTP for previews, rebuilt as records change."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from feedpub.cli.app import main
from feedpub.cli.building import articles_checked, print_problems, summary_line
from feedpub.cli.common import (
    articles_option,
    config_option,
    env_option,
    out_option,
    resolve,
    set_option,
    state_option,
    usage,
)
from feedpub.pipeline import BuildReport
from feedpub.site import Run

__all__ = ["serve_command"]


@main.command("serve")
@env_option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@env_option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@out_option
@env_option(
    "--build",
    "rebuild",
    is_flag=True,
    help="Build first, and again whenever a record or the config changes.",
)
@env_option(
    "--ping",
    is_flag=True,
    help="With --build, tell the config's WebSub hubs too (a preview never does otherwise).",
)
@articles_option
@config_option
@state_option
@set_option
def serve_command(
    host: str,
    port: int,
    out: str | None,
    rebuild: bool,
    ping: bool,
    articles: Path | None,
    config_path: Path,
    state: Path | None,
    sets: tuple[str, ...],
) -> None:
    """Serve the feeds over HTTP, with the headers a web server should send, for previews.

    Serves the folder `feedpub build` publishes to (the same --out, `out` key and
    --set flags), or --out DIR as it is when there is nothing to build.
    """
    from feedpub.serve import Rebuilder, feed_server, serve_forever

    rebuilder = None
    if rebuild or out is None:

        def run_now() -> Run:
            return resolve(config_path, sets, articles=articles, out=out, state=state)

        run = run_now()
        if run.out_folder is None:
            usage(_not_a_folder(str(run.out)))
        out_dir = run.out_folder
        if rebuild:
            articles_checked(run)

            def report_build(report: BuildReport) -> None:
                print_problems(report, quiet=False)
                click.echo(summary_line(report), err=True)

            rebuilder = Rebuilder(
                run_now,
                now=lambda: datetime.now(UTC),
                ping=ping,
                on_report=report_build,
                on_error=lambda error: click.echo(f"feedpub: {error}", err=True),
            )
            rebuilder.check()
    elif "://" in out:
        usage(_not_a_folder(out))
    else:
        out_dir = Path(out)
    if not out_dir.is_dir():
        usage(f"{out_dir}: output folder not found (run feedpub build first, or pass --build)")
    try:
        server = feed_server(out_dir, host, port)
    except OSError as exc:
        usage(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    click.echo(
        f"feedpub: serving {out_dir} at http://{host}:{server.port}/ (Ctrl-C to stop)",
        err=True,
    )
    try:
        serve_forever(server, rebuilder)
    except KeyboardInterrupt:  # Ctrl-C is how a preview ends: no traceback, exit 0
        pass
    finally:
        server.server_close()


def _not_a_folder(out: str) -> str:
    """The one line for an output serve cannot preview: object storage, or another URL."""
    what = "object storage" if out.lower().startswith("s3://") else "a URL, not a folder"
    return (
        f"serve: {out} is {what}; serve previews a folder: pass --out DIR "
        "(with --build to build the feeds there)"
    )
