"""The deploy/ recipes, run for real.

Each web server's config is checked by the server itself (``nginx -t``, ``apache2 -t``,
``caddy validate``), then the server is started on 127.0.0.1 on a free port over a folder
``feedpub build`` published, and real HTTP requests check what README's "Serving the feeds"
asks of it (``feedpub serve`` is the reference): Content-Type per format, Cache-Control
short for subscription documents and long for archive pages of the site and of categories,
ETag / Last-Modified and 304, gzip with Vary, no hidden file served. The systemd units go
through ``systemd-analyze verify``.

The shipped files are used as they are, with only the listen port (or site address) and the
root path swapped in a temporary copy. Like the S3 and PostgreSQL tests these are service
tests: skipped with one line where a server is not installed, and failing instead where CI is
set (.ci/run installs nginx, apache2, caddy and systemd). Every server runs in its own
process group and is stopped at the end of its test, passed or not.
"""

from __future__ import annotations

import configparser
import grp
import gzip
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

import pytest

import feedpub
from tests.conftest import ROOT, SAMPLE_ARTICLES, SAMPLE_CONFIG, TEST_CLOCK

DEPLOY = ROOT / "deploy"
#: The root path the shipped files use; the tests put the built site there instead.
PLACEHOLDER_ROOT = "/var/www/example.com"
SHORT = "public, max-age=300"
LONG = "public, max-age=86400"
TYPES = {
    "rss.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
}
#: The servers live in /usr/sbin, which is not on every user's PATH.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
START_TIMEOUT = 10.0


def require(binary: str, service: str) -> str:
    """The path of ``binary``; skipped with one line without it, failing where CI is set."""
    found = shutil.which(binary, path=SEARCH_PATH)
    if found is None:
        reason = f"{binary} is not installed (.ci/run installs it from the distribution)"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so {service} tests must run: {reason}", pytrace=False)
        pytest.skip(f"{service} tests skipped: {reason}")
    return found


def shipped(name: str, swaps: dict[str, str]) -> str:
    """A deploy/ file with ``swaps`` made; each must occur, so a changed file cannot dodge one."""
    text = (DEPLOY / name).read_text(encoding="utf-8")
    for old, new in swaps.items():
        assert old in text, f"deploy/{name} no longer contains {old!r}: update the test's swap"
        text = text.replace(old, new)
    return text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def world_readable_tempdir(prefix: str) -> Path:
    """A temporary folder any user may read: Apache started as root serves as www-data."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


@dataclass(frozen=True)
class Site:
    """A built site under ``root``/feeds and the documents the request matrix asks for."""

    root: Path
    #: URL path (under /feeds/) -> expected Cache-Control.
    documents: dict[str, str]


@pytest.fixture(scope="module")
def site_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The sample site, plus one story in a category named "archive", built into a document root."""
    source = tmp_path_factory.mktemp("deploy-site")
    shutil.copy(SAMPLE_CONFIG, source / "feedpub.toml")
    shutil.copytree(SAMPLE_ARTICLES, source / "articles")
    # category/archive/rss.xml is a subscription document, however its name reads.
    story = {
        "title": "Arsip Daerah Dibuka untuk Umum",
        "url": "/2024/03/arsip-daerah-dibuka/",
        "date_published": "2024-03-04T09:00:00+07:00",
        "categories": ["Archive"],
        "content_text": "Gedung arsip daerah kini dibuka untuk umum setiap hari kerja. " * 8,
    }
    (source / "articles" / "2024" / "arsip-daerah.json").write_text(
        json.dumps(story), encoding="utf-8"
    )
    # A second one a month before: with one entry a feed (limit = 1), every feed with two or
    # more entries has archive pages (a feed that fits in one document is complete, without).
    earlier = {**story, "url": "/2024/02/arsip-daerah-dirapikan/", "title": "Arsip Dirapikan"}
    earlier["date_published"] = "2024-02-05T09:00:00+07:00"
    (source / "articles" / "2024" / "arsip-dirapikan.json").write_text(
        json.dumps(earlier), encoding="utf-8"
    )
    root = world_readable_tempdir("feedpub-deploy-")
    try:
        out = root / "feeds"
        report = feedpub.build_site(
            feedpub.resolve_run(source / "feedpub.toml", out=out, sets=["limit=1"]),
            now=TEST_CLOCK,
        )
        assert report.exit_code == 0, report.summary()
        yield Site(root, _documents(out))
    finally:
        shutil.rmtree(root)


def _documents(out: Path) -> dict[str, str]:
    """Every format of: the site feed, one site archive page, one category's feed and archive
    page, and the "archive" category's feed and archive page."""
    documents: dict[str, str] = {}
    for folder in ("", "category/ekonomi/", "category/archive/"):
        pages = sorted((out / folder / "archive").iterdir())
        assert pages, f"no archive pages under {folder or '/'}"
        period = pages[0].name
        for name in TYPES:
            documents[f"/feeds/{folder}{name}"] = SHORT
            documents[f"/feeds/{folder}archive/{period}/{name}"] = LONG
    return documents


@contextmanager
def running(
    argv: list[str], port: int, log: Path, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Run a server in its own process group until the block ends; yields its base URL."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            argv, stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"{argv[0]} exited {process.returncode}:\n{log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{argv[0]} did not listen within {START_TIMEOUT:.0f} s")
                time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server's whole process group: SIGTERM, then SIGKILL if it lingers."""
    for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(grace)
            break
        except subprocess.TimeoutExpired:
            continue
    # Nothing of the group may outlive the test (a worker the server forked, say).
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def get(address: str, path: str, **headers: str) -> Answer:
    host, port = address.split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        connection.request(
            "GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()}
        )
        response = connection.getresponse()
        body = response.read()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        connection.close()


def check_matrix(address: str, site: Site) -> None:
    """Ask every document in each way a reader does; one assertion listing every miss."""
    misses: list[str] = []

    def expect(what: str, got: object, wanted: object) -> None:
        if got != wanted:
            misses.append(f"{what}: got {got!r}, wanted {wanted!r}")

    def cache(answer: Answer) -> set[str]:
        return {p.strip() for p in answer.headers.get("cache-control", "").split(",")}

    for path, directives in site.documents.items():
        cache_control = {p.strip() for p in directives.split(",")}
        data = (site.root / path.lstrip("/")).read_bytes()
        assert len(data) >= 256, f"{path} is too small to show gzip"
        kind = TYPES[path.rsplit("/", 1)[1]]
        mtime = (site.root / path.lstrip("/")).stat().st_mtime
        plain = get(address, path)
        expect(f"{path} status", plain.status, 200)
        expect(f"{path} body", plain.body == data, True)
        expect(f"{path} Content-Type", plain.headers.get("content-type", "").lower(), kind)
        expect(f"{path} Cache-Control", cache(plain), cache_control)
        expect(
            f"{path} Last-Modified",
            plain.headers.get("last-modified"),
            formatdate(int(mtime), usegmt=True),
        )
        expect(f"{path} has an ETag", "etag" in plain.headers, True)

        packed = get(address, path, Accept_Encoding="gzip")
        expect(f"{path} gzip status", packed.status, 200)
        expect(f"{path} Content-Encoding", packed.headers.get("content-encoding"), "gzip")
        vary = {v.strip().lower() for v in packed.headers.get("vary", "").split(",")}
        expect(f"{path} Vary has Accept-Encoding", "accept-encoding" in vary, True)
        if packed.headers.get("content-encoding") == "gzip":
            expect(f"{path} gzip body", gzip.decompress(packed.body) == data, True)
        expect(f"{path} gzip Content-Type", packed.headers.get("content-type", "").lower(), kind)
        expect(f"{path} gzip Cache-Control", cache(packed), cache_control)

        # A reader sends back the ETag it was given, compressed or not, and gets a 304.
        for label, answer, encoding in (("plain", plain, "identity"), ("gzip", packed, "gzip")):
            again = get(
                address,
                path,
                If_None_Match=answer.headers.get("etag", '"none"'),
                Accept_Encoding=encoding,
            )
            expect(f"{path} If-None-Match ({label})", again.status, 304)
            expect(f"{path} 304 ({label}) body bytes", len(again.body), 0)
            expect(f"{path} 304 ({label}) Cache-Control", cache(again), cache_control)
        since = get(address, path, If_Modified_Since=plain.headers.get("last-modified", ""))
        expect(f"{path} If-Modified-Since", since.status, 304)

    marker = site.root / "feeds" / ".feedpub-state"
    assert marker.is_file()
    hidden = get(address, "/feeds/.feedpub-state")
    expect("hidden .feedpub-state status", hidden.status in (403, 404), True)
    expect("hidden .feedpub-state body", marker.read_bytes() in hidden.body, False)
    assert not misses, "\n".join(misses)


# nginx -------------------------------------------------------------------------------------

NGINX_MAIN = """\
daemon off;
master_process off;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/feeds.conf;
}}
"""


@contextmanager
def nginx_config(root: Path, port: int) -> Iterator[tuple[Path, Path]]:
    """deploy/nginx.conf inside a minimal main config (its own pid, logs and temp paths)."""
    tmp = world_readable_tempdir("feedpub-nginx-")
    try:
        swaps = {"listen 80;": f"listen 127.0.0.1:{port};", PLACEHOLDER_ROOT: str(root)}
        (tmp / "feeds.conf").write_text(shipped("nginx.conf", swaps), encoding="utf-8")
        (tmp / "nginx.conf").write_text(NGINX_MAIN.format(tmp=tmp), encoding="utf-8")
        yield tmp, tmp / "nginx.conf"
    finally:
        shutil.rmtree(tmp)


def nginx_argv(nginx: str, tmp: Path, config: Path) -> list[str]:
    return [nginx, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(config)]


@pytest.mark.service("nginx")
def test_nginx_config_is_valid(site_root: Site) -> None:
    nginx = require("nginx", "nginx")
    with nginx_config(site_root.root, free_port()) as (tmp, config):
        checked = subprocess.run(
            [*nginx_argv(nginx, tmp, config), "-t"], capture_output=True, text=True, timeout=30
        )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr and "test is successful" in checked.stderr


@pytest.mark.service("nginx")
def test_nginx_serves_the_feeds(site_root: Site) -> None:
    nginx = require("nginx", "nginx")
    port = free_port()
    with (
        nginx_config(site_root.root, port) as (tmp, config),
        running(nginx_argv(nginx, tmp, config), port, tmp / "stdout.log") as address,
    ):
        check_matrix(address, site_root)


# Apache ------------------------------------------------------------------------------------

APACHE_MODULES = ("mpm_event", "authz_core", "mime", "headers", "filter", "deflate")


@contextmanager
def apache_config(root: Path, port: int) -> Iterator[tuple[Path, Path]]:
    """deploy/apache.conf included from a minimal main config: the modules the file says it
    needs, its own pid, logs and mutexes. Started as root, Apache serves as www-data."""
    modules = Path("/usr/lib/apache2/modules")
    tmp = world_readable_tempdir("feedpub-apache-")
    try:
        swaps = {"<VirtualHost *:80>": f"<VirtualHost *:{port}>", PLACEHOLDER_ROOT: str(root)}
        (tmp / "feeds.conf").write_text(shipped("apache.conf", swaps), encoding="utf-8")
        lines = [
            "ServerName 127.0.0.1",
            f"Listen 127.0.0.1:{port}",
            f"PidFile {tmp}/httpd.pid",
            f"DefaultRuntimeDir {tmp}",
            f"ErrorLog {tmp}/error.log",
            f"Mutex file:{tmp} default",
            "TypesConfig /etc/mime.types",
            *(f"LoadModule {m}_module {modules}/mod_{m}.so" for m in APACHE_MODULES),
        ]
        if os.geteuid() == 0:
            user = "www-data" if _user_exists("www-data") else "nobody"
            group = grp.getgrgid(pwd.getpwnam(user).pw_gid).gr_name
            lines += [f"User {user}", f"Group {group}"]
        lines.append(f"Include {tmp}/feeds.conf")
        (tmp / "httpd.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")
        yield tmp, tmp / "httpd.conf"
    finally:
        shutil.rmtree(tmp)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.mark.service("apache")
def test_apache_config_is_valid(site_root: Site) -> None:
    apache = require("apache2", "apache")
    with apache_config(site_root.root, free_port()) as (_, config):
        checked = subprocess.run(
            [apache, "-t", "-f", str(config)], capture_output=True, text=True, timeout=30
        )
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.strip() == "Syntax OK", checked.stderr


@pytest.mark.service("apache")
def test_apache_serves_the_feeds(site_root: Site) -> None:
    apache = require("apache2", "apache")
    port = free_port()
    # -X: one process in the foreground, nothing forked that could outlive the test.
    with (
        apache_config(site_root.root, port) as (tmp, config),
        running([apache, "-X", "-f", str(config)], port, tmp / "stdout.log") as address,
    ):
        check_matrix(address, site_root)


# Caddy -------------------------------------------------------------------------------------

#: No admin endpoint (it would take port 2019, shared by every test run) and no certificates.
CADDY_GLOBAL = "{\n\tadmin off\n\tauto_https off\n}\n\n"


@contextmanager
def caddy_config(root: Path, port: int) -> Iterator[tuple[Path, dict[str, str]]]:
    """deploy/Caddyfile behind test-only global options; Caddy's storage in the temp folder."""
    tmp = world_readable_tempdir("feedpub-caddy-")
    try:
        swaps = {"\nexample.com {": f"\nhttp://127.0.0.1:{port} {{", PLACEHOLDER_ROOT: str(root)}
        (tmp / "Caddyfile").write_text(CADDY_GLOBAL + shipped("Caddyfile", swaps), encoding="utf-8")
        env = {
            "PATH": SEARCH_PATH,
            "HOME": str(tmp),
            "XDG_DATA_HOME": str(tmp / "data"),
            "XDG_CONFIG_HOME": str(tmp / "config"),
        }
        yield tmp / "Caddyfile", env
    finally:
        shutil.rmtree(tmp)


@pytest.mark.service("caddy")
def test_caddy_config_is_valid(site_root: Site) -> None:
    """The shipped file itself (automatic HTTPS and all): validating provisions, never listens."""
    caddy = require("caddy", "caddy")
    with caddy_config(site_root.root, free_port()) as (_config, env):
        checked = subprocess.run(
            [caddy, "validate", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
            capture_output=True,
            text=True,
            env=env,
            timeout=30,
        )
        formatted = subprocess.run(
            [caddy, "fmt", str(DEPLOY / "Caddyfile")], capture_output=True, text=True, env=env
        )
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "Valid configuration", checked.stdout
    assert '"level":"warn"' not in checked.stderr, checked.stderr
    # Caddy warns at every start about a file not in its own layout.
    assert formatted.stdout == (DEPLOY / "Caddyfile").read_text(encoding="utf-8")


@pytest.mark.service("caddy")
def test_caddy_serves_the_feeds(site_root: Site) -> None:
    caddy = require("caddy", "caddy")
    port = free_port()
    with caddy_config(site_root.root, port) as (config, env):
        argv = [caddy, "run", "--config", str(config), "--adapter", "caddyfile"]
        with running(argv, port, config.parent / "stdout.log", env=env) as address:
            check_matrix(address, site_root)


# systemd -----------------------------------------------------------------------------------

UNITS = ("feedpub.service", "feedpub.timer", "feedpub-failure@.service", "feedpub-watch.service")
PLACEHOLDER_FEEDPUB = "/srv/news/.venv/bin/feedpub"


def installed_units(tmp: Path) -> Path:
    """The units with ExecStart= pointing at this checkout's feedpub (verify checks it exists)."""
    feedpub_bin = shutil.which(
        "feedpub", path=os.pathsep.join([str(Path(sys.executable).parent), SEARCH_PATH])
    )
    assert feedpub_bin is not None, "feedpub's console script is not installed"
    for name in UNITS:
        swaps = {PLACEHOLDER_FEEDPUB: feedpub_bin} if name.endswith(".service") else {}
        (tmp / name).write_text(shipped(name, swaps), encoding="utf-8")
    return tmp


@pytest.mark.service("systemd-analyze")
def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = require("systemd-analyze", "systemd-analyze")
    folder = installed_units(tmp_path)
    # The template is verified through the instance OnFailure= starts.
    instance = folder / "feedpub-failure@feedpub.service.service"
    shutil.copy(folder / "feedpub-failure@.service", instance)
    checked = subprocess.run(
        [
            analyze,
            "verify",
            "--man=no",
            str(folder / "feedpub.service"),
            str(folder / "feedpub.timer"),
            str(instance),
            str(folder / "feedpub-watch.service"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # verify exits 0 on an unknown key or a value it cannot parse, and only says so: both fail here.
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.strip() == "" and checked.stdout.strip() == "", (
        checked.stderr + checked.stdout
    )


def unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


def test_service_runs_unprivileged_and_hardened() -> None:
    service = unit("feedpub.service")["Service"]
    assert service["User"] not in ("root", "0") and service["Group"] not in ("root", "0")
    assert service["Type"] == "oneshot"
    expected = {
        "ProtectSystem": "strict",
        "NoNewPrivileges": "yes",
        "PrivateTmp": "yes",
        "ProtectHome": "yes",
        "CapabilityBoundingSet": "",
        "SuccessExitStatus": "75",
        "TimeoutStartSec": "15min",
    }
    assert {key: service.get(key) for key in expected} == expected
    # What the build writes is writable, and named by the same paths the build is given.
    environment = _environment("feedpub.service")
    writable = " ".join(_all("feedpub.service", "ReadWritePaths")).split()
    assert environment["FEEDPUB_OUT"] in writable
    assert environment["FEEDPUB_STATE"] == "/var/lib/" + service["StateDirectory"]
    metrics = re.search(r"--metrics-file (\S+)", service["ExecStart"])
    assert metrics is not None and "-" + str(Path(metrics[1]).parent) in writable


def test_watch_service_restarts_and_is_hardened_as_the_build() -> None:
    watch, build = unit("feedpub-watch.service")["Service"], unit("feedpub.service")["Service"]
    assert watch["ExecStart"].split()[1:3] == ["watch", "-q"]
    assert watch["Restart"] == "on-failure"
    # SIGTERM to the watcher alone: its build finishes; its forked workers are its own to end.
    assert watch["KillMode"] == "mixed"
    hardening = {
        key: value
        for key, value in build.items()
        if key.startswith(("Protect", "Restrict", "Private", "System", "Capability", "NoNew"))
        or key in ("User", "Group", "StateDirectory", "UMask", "WorkingDirectory")
    }
    assert hardening and {key: watch.get(key) for key in hardening} == hardening
    assert _environment("feedpub-watch.service") == _environment("feedpub.service")
    assert _all("feedpub-watch.service", "ReadWritePaths") == _all(
        "feedpub.service", "ReadWritePaths"
    )


def test_failure_unit_is_shipped() -> None:
    on_failure = unit("feedpub.service")["Unit"]["OnFailure"]
    template = re.sub(r"@%n\.service$", "@.service", on_failure)
    assert (DEPLOY / template).is_file(), f"OnFailure={on_failure} names no shipped unit"
    assert unit("feedpub.timer")["Timer"]["OnCalendar"] == "*-*-* *:*:00"


def _all(name: str, key: str) -> list[str]:
    return [
        line.split("=", 1)[1]
        for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines()
        if line.startswith(key + "=")
    ]


def _environment(name: str) -> dict[str, str]:
    return dict(value.split("=", 1) for value in _all(name, "Environment"))


# README ------------------------------------------------------------------------------------

FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
#: README's code blocks in these languages show deploy/ files, so must be excerpts of them.
CONFIG_LANGUAGES = {"nginx", "apache", "caddy", "ini", "systemd"}


def test_readme_shows_every_deploy_file() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in sorted(DEPLOY.iterdir()):
        assert f"(deploy/{path.name})" in readme, f"README does not link deploy/{path.name}"


def test_readme_config_snippets_are_excerpts_of_the_files() -> None:
    """A config shown in README is lines of a deploy/ file, in order, so it cannot drift."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    files = {path.name: path.read_text(encoding="utf-8") for path in DEPLOY.iterdir()}
    snippets = [body for language, body in FENCE.findall(readme) if language in CONFIG_LANGUAGES]
    assert snippets, "README shows no excerpt: this test would check nothing"
    for snippet in snippets:
        assert any(snippet in text for text in files.values()), (
            f"README's snippet is in no deploy/ file (copy it from the file):\n{snippet}"
        )
