"""Feeds to S3-compatible object storage, against a real S3 server (moto's) on 127.0.0.1.

Every object must equal the local build's file byte for byte, carry its headers,
and be uploaded only when it changed; a failed upload names its key, exits 1,
deletes nothing, and the next run repairs it.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from feedpub import build, load_config
from feedpub.cli import main
from feedpub.errors import PublishError
from tests.conftest import SAMPLE_ARTICLES, SAMPLE_CONFIG
from tests.test_killed_build import Killed, KillingTarget, edit, with_archives_everywhere
from tests.test_publish_build import break_main_rss

try:
    import boto3

    from feedpub.output.targets.s3 import ATTEMPTS, FIRST_BACKOFF, S3Target
    from tests.s3server import Fault, S3Server, use_test_credentials
except ImportError as exc:  # pragma: no cover - only without the test extra
    if os.environ.get("CI"):
        raise  # CI installs '.[test]' (boto3, moto[server]): these tests must run there
    pytest.skip(
        f"S3 tests need boto3 and moto[server] (pip install '.[test]'): {exc}",
        allow_module_level=True,
    )

pytestmark = pytest.mark.service("s3")

NOW = "2026-01-01T00:00:00Z"
PREFIX = "news/feeds/"
SPORTS = "articles/2023/09/atlet-dayung-lampung-raih-emas-di-jayapura.json"
SEED = "articles/2022/12/pemprov-lampung-gelar-rakor-reformasi-birokrasi.json"
_buckets = itertools.count(1)


@pytest.fixture(scope="module")
def server() -> Iterator[S3Server]:
    running = S3Server().start()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test credentials for moto; nothing read from the machine's AWS setup; no metadata service."""
    use_test_credentials(monkeypatch)


@pytest.fixture(scope="module")
def client(server: S3Server) -> Any:
    """The tests' own view of the bucket."""
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def bucket(server: S3Server, client: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket; the server's log and faults start empty; the CLI finds the server."""
    name = f"feeds-{next(_buckets)}"
    client.create_bucket(Bucket=name)
    server.faults.clear()
    server.requests.clear()
    monkeypatch.setenv("FEEDPUB_S3_ENDPOINT_URL", server.endpoint)
    return name


def run(site: Path, *args: str) -> Any:
    return CliRunner().invoke(
        main, ["build", "--config", str(site / "feedpub.toml"), "--now", NOW, "-q", *args]
    )


def objects(client: Any, bucket: str) -> dict[str, bytes]:
    """Every object under PREFIX, by path below it."""
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            found[item["Key"][len(PREFIX) :]] = body
    return found


def local_build(site: Path, tmp_path: Path) -> dict[str, bytes]:
    """What a local build of the site now writes, by path."""
    out = tmp_path / "local"
    shutil.rmtree(out, ignore_errors=True)
    result = run(site, "--out", str(out), "--state", str(tmp_path / "local-state"))
    assert result.exit_code == 0, result.stderr
    return {  # the feeds, not the hidden marker that names the folder's state folder
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """What a local build of the bundled sample writes (built once: the sample never changes)."""
    site = tmp_path_factory.mktemp("sample")
    shutil.copy(SAMPLE_CONFIG, site / "feedpub.toml")
    shutil.copytree(SAMPLE_ARTICLES, site / "articles")
    _archives_off(site)
    return local_build(site, site)


def _archives_off(site: Path) -> None:
    config = site / "feedpub.toml"
    config.write_text('archive = "off"\n' + config.read_text())  # before any [table]


@pytest.fixture
def site(site: Path) -> Path:
    """The sample without archive pages, so that counts here are of subscription documents
    (archive pages are tested on their own below)."""
    _archives_off(site)
    return site


def test_archive_pages_go_up_before_the_documents_that_link_them(
    tmp_path: Path, server: S3Server, client: Any, bucket: str
) -> None:
    shutil.copy(SAMPLE_CONFIG, tmp_path / "feedpub.toml")
    shutil.copytree(SAMPLE_ARTICLES, tmp_path / "articles")
    with_archives_everywhere(tmp_path)  # limit 3: the sample's feeds need pages
    assert run(tmp_path, "--out", f"s3://{bucket}/{PREFIX}").exit_code == 0
    stored = objects(client, bucket)
    # 33 subscription documents, 93 archive pages, 12 pages for people
    assert len(stored) == 138
    order = puts(server, bucket)
    last_page = max(i for i, path in enumerate(order) if "archive/" in path)
    first_document = min(i for i, path in enumerate(order) if "archive/" not in path)
    assert last_page < first_document
    feeds = [path for path in order if not path.endswith(".html")]
    assert sorted(feeds[-3:]) == ["atom.xml", "feed.json", "rss.xml"]  # the site feed: last
    # The pages for people go up once every feed they link to is up; the directory last.
    first_html = min(i for i, path in enumerate(order) if path.endswith(".html"))
    assert first_html == len(feeds) and order[-1] == "index.html"


def puts(server: S3Server, bucket: str) -> list[str]:
    return [p.removeprefix(f"/{bucket}/{PREFIX}") for m, p in server.writes() if m == "PUT"]


def deletes(server: S3Server, bucket: str) -> list[str]:
    return [p.removeprefix(f"/{bucket}/{PREFIX}") for m, p in server.writes() if m == "DELETE"]


def test_objects_equal_the_local_build_byte_for_byte(
    site: Path, client: Any, bucket: str, sample: dict[str, bytes]
) -> None:
    result = run(site, "--out", f"s3://{bucket}/{PREFIX}")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert len(sample) == 45  # the subscription documents in three formats, 12 pages
    assert objects(client, bucket) == sample


def test_each_object_has_its_content_type_and_the_configs_cache_control(
    site: Path, client: Any, bucket: str
) -> None:
    config = site / "feedpub.toml"
    config.write_text(
        config.read_text().replace(
            "limit = 50",
            f'limit = 50\nout = "s3://{bucket}/{PREFIX}"\ncache_control = "max-age=60"',
        )
    )
    assert run(site).exit_code == 0  # out from the config
    paths = objects(client, bucket)
    assert paths
    for path in paths:
        head = client.head_object(Bucket=bucket, Key=PREFIX + path)
        kind = {
            "rss.xml": "application/rss+xml",
            "atom.xml": "application/atom+xml",
            "feed.json": "application/feed+json",
            "index.html": "text/html",
        }
        assert head["ContentType"] == f"{kind[path.rsplit('/', 1)[-1]]}; charset=utf-8"
        assert head["CacheControl"] == "max-age=60", path


def test_default_cache_control(site: Path, client: Any, bucket: str) -> None:
    assert run(site, "--out", f"s3://{bucket}/{PREFIX}").exit_code == 0
    head = client.head_object(Bucket=bucket, Key=PREFIX + "atom.xml")
    assert head["CacheControl"] == "public, max-age=300"


def test_a_no_change_run_uploads_nothing_even_with_a_cold_state(
    site: Path, server: S3Server, bucket: str
) -> None:
    out = f"s3://{bucket}/{PREFIX}"
    assert run(site, "--out", out).exit_code == 0
    server.requests.clear()
    again = run(site, "--out", out, "--json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["feeds_unchanged"] == 45
    # The warm state and one listing (top level, category/, feed/) decide: no GET, HEAD or PUT.
    assert [m for m, _ in server.requests] == ["GET", "GET", "GET"]
    shutil.rmtree(site / ".feedpub")  # the state is only a cache: cold, every object is compared
    server.requests.clear()
    cold = run(site, "--out", out, "--json")
    assert cold.exit_code == 0 and json.loads(cold.stdout)["feeds_unchanged"] == 45
    assert server.writes() == []
    assert sum(1 for m, _ in server.requests if m == "HEAD") == 45


def test_dry_run_uploads_nothing(site: Path, server: S3Server, client: Any, bucket: str) -> None:
    result = run(site, "--out", f"s3://{bucket}/{PREFIX}", "--dry-run")
    assert result.exit_code == 0 and "rss.xml: would be written" in result.stdout
    assert server.writes() == [] and objects(client, bucket) == {}


def test_an_edit_uploads_only_the_objects_it_changes(
    site: Path, tmp_path: Path, server: S3Server, client: Any, bucket: str, sample: dict[str, bytes]
) -> None:
    out = f"s3://{bucket}/{PREFIX}"
    assert run(site, "--out", out).exit_code == 0
    before = sample
    record = json.loads((site / SEED).read_text())
    record["title"] = "Rakor Reformasi Birokrasi (diperbarui)"
    (site / SEED).write_text(json.dumps(record, ensure_ascii=False))
    after = local_build(site, tmp_path)
    changed = sorted(p for p in after if after[p] != before.get(p))
    # The site feed and the record's two categories, in three formats, and their three pages
    # for people (the title shows there; the directory's counts and dates stay).
    assert len(changed) == 12 and "index.html" not in changed
    server.requests.clear()
    assert run(site, "--out", out).exit_code == 0
    assert sorted(puts(server, bucket)) == changed and deletes(server, bucket) == []
    assert objects(client, bucket) == after


def test_a_new_label_sends_and_compares_only_the_objects_that_show_it(
    site: Path, tmp_path: Path, server: S3Server, client: Any, bucket: str, sample: dict[str, bytes]
) -> None:
    """Issue 21: a label no other record has used to render every document again, and each
    one found unchanged cost a HEAD to compare its headers."""
    out = f"s3://{bucket}/{PREFIX}"
    assert run(site, "--out", out).exit_code == 0
    record = {
        "title": "Hujan deras",
        "date_published": "2024-06-01T08:00:00+07:00",
        "url": "/2024/06/hujan-deras/",
        "summary": "Cuaca.",
        "categories": ["Cuaca"],
    }
    (site / "articles" / "cuaca.json").write_text(json.dumps(record))
    after = local_build(site, tmp_path)
    changed = sorted(p for p in after if after[p] != sample.get(p))
    # The site feed and the new category's, in three formats, their pages and the directory.
    assert changed == sorted(
        [
            *(
                f"{folder}{name}"
                for folder in ("", "category/cuaca/")
                for name in ("atom.xml", "feed.json", "rss.xml")
            ),
            "index.html",
            "feed/index.html",
            "category/cuaca/index.html",
        ]
    )
    server.requests.clear()
    assert run(site, "--out", out).exit_code == 0
    assert sorted(puts(server, bucket)) == changed
    # The listing (GETs) and the uploads: no document left as it was is compared (HEAD).
    assert [m for m, _ in server.requests if m not in ("GET", "PUT")] == []
    assert objects(client, bucket) == after


def test_a_deleted_record_deletes_its_empty_category_after_every_upload(
    site: Path, tmp_path: Path, server: S3Server, client: Any, bucket: str, sample: dict[str, bytes]
) -> None:
    out = f"s3://{bucket}/{PREFIX}"
    assert run(site, "--out", out).exit_code == 0
    before = sample
    (site / SPORTS).unlink()
    after = local_build(site, tmp_path)
    changed = sorted(p for p in after if after[p] != before[p])
    gone = sorted(set(before) - set(after))
    assert gone == [
        f"category/olahraga/{name}" for name in ("atom.xml", "feed.json", "index.html", "rss.xml")
    ]
    server.requests.clear()
    assert run(site, "--out", out).exit_code == 0
    assert sorted(puts(server, bucket)) == changed
    # The removals go last, together: one DeleteObjects request (a POST) for the four.
    writes = server.writes()
    assert [m for m, _ in writes] == ["PUT"] * len(changed) + ["POST"]
    assert writes[-1][1].rstrip("/") == f"/{bucket}" and deletes(server, bucket) == []
    uploaded = puts(server, bucket)
    # Category feeds go up before the site's own, which readers subscribe to; then the pages
    # for people that link them, the directory last.
    feeds = [path for path in uploaded if not path.endswith(".html")]
    assert sorted(feeds[-3:]) == ["atom.xml", "feed.json", "rss.xml"]
    assert sorted(uploaded[len(feeds) : -1]) == ["category/lampung/index.html", "feed/index.html"]
    assert uploaded[-1] == "index.html"
    assert objects(client, bucket) == after


def test_an_object_changed_in_the_bucket_is_put_back(
    site: Path, client: Any, bucket: str, sample: dict[str, bytes]
) -> None:
    out = f"s3://{bucket}/{PREFIX}"
    assert run(site, "--out", out).exit_code == 0
    client.put_object(Bucket=bucket, Key=PREFIX + "category/lampung/rss.xml", Body=b"<rss/>")
    client.delete_object(Bucket=bucket, Key=PREFIX + "atom.xml")
    assert run(site, "--out", out).exit_code == 0
    assert objects(client, bucket) == sample


def test_a_new_cache_control_is_applied_to_unchanged_bytes(
    site: Path, server: S3Server, client: Any, bucket: str
) -> None:
    out = f"s3://{bucket}/{PREFIX}"
    assert run(site, "--out", out).exit_code == 0
    first = objects(client, bucket)
    config = site / "feedpub.toml"
    config.write_text(
        config.read_text().replace("limit = 50", 'limit = 50\ncache_control = "no-cache"')
    )
    server.requests.clear()
    resent = run(site, "--out", out, "--json")
    assert resent.exit_code == 0
    summary = json.loads(resent.stdout)
    assert summary["records_changed"] == 0, "a header is no part of a record's meaning"
    assert len(puts(server, bucket)) == 45  # every document and page
    assert objects(client, bucket) == first
    assert client.head_object(Bucket=bucket, Key=PREFIX + "rss.xml")["CacheControl"] == "no-cache"
    server.requests.clear()
    assert run(site, "--out", out).exit_code == 0
    assert puts(server, bucket) == [], "sent once with the new headers, then left alone"


def test_removals_go_a_thousand_keys_a_request_and_a_refused_one_is_named_and_repaired(
    site: Path,
    tmp_path: Path,
    server: S3Server,
    client: Any,
    bucket: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import feedpub.output.targets.s3 as s3_target

    monkeypatch.setattr(s3_target, "DELETES_PER_REQUEST", 3)  # S3's 1,000, made small
    out = f"s3://{bucket}/{PREFIX}"
    assert run(site, "--out", out).exit_code == 0
    (site / SPORTS).unlink()  # olahraga's four objects go stale
    server.faults.append(Fault("POST", "", 403, "AccessDenied"))
    failed = run(site, "--out", out)
    assert failed.exit_code == 1
    assert failed.stderr == (
        f"feedpub: s3://{bucket}/{PREFIX}category/olahraga/atom.xml: cannot publish: "
        "delete failed: AccessDenied (HTTP 403): injected by the test\n"
    )
    assert "category/olahraga/rss.xml" in objects(client, bucket)
    server.faults.clear()
    server.requests.clear()
    repaired = run(site, "--out", out)
    assert repaired.exit_code == 0, repaired.stderr
    assert [m for m, _ in server.writes()] == ["POST", "POST"]  # 3 keys, then 1
    assert objects(client, bucket) == local_build(site, tmp_path)


def test_a_store_without_delete_objects_gets_one_delete_each(
    site: Path, tmp_path: Path, server: S3Server, client: Any, bucket: str
) -> None:
    out = f"s3://{bucket}/{PREFIX}"
    assert run(site, "--out", out).exit_code == 0
    (site / SPORTS).unlink()
    server.faults.append(Fault("POST", "", 501, "NotImplemented"))  # every time
    server.requests.clear()
    result = run(site, "--out", out)
    assert result.exit_code == 0, result.stderr
    # Asked once, not retried as a failure: then one DELETE for each of the four.
    assert [m for m, _ in server.writes() if m != "PUT"] == ["POST"] + ["DELETE"] * 4
    assert objects(client, bucket) == local_build(site, tmp_path)


def test_a_refused_upload_exits_1_naming_the_key_and_the_next_run_repairs(
    site: Path, tmp_path: Path, server: S3Server, client: Any, bucket: str
) -> None:
    out = f"s3://{bucket}/{PREFIX}"
    assert run(site, "--out", out).exit_code == 0
    (site / SPORTS).unlink()  # the main feed and lampung change; olahraga goes stale
    server.faults.append(Fault("PUT", "/category/lampung/rss.xml", 403, "AccessDenied"))
    failed = run(site, "--out", out)
    assert failed.exit_code == 1
    assert failed.stderr == (
        f"feedpub: s3://{bucket}/{PREFIX}category/lampung/rss.xml: cannot publish: "
        "upload failed: AccessDenied (HTTP 403): injected by the test\n"
    )
    assert [m for m, _ in server.writes() if m != "PUT"] == []  # none deleted while one is missing
    assert "category/olahraga/rss.xml" in objects(client, bucket)
    server.faults.clear()
    repaired = run(site, "--out", out)
    assert repaired.exit_code == 0, repaired.stderr
    assert objects(client, bucket) == local_build(site, tmp_path)


def test_a_store_down_for_a_while_is_retried(
    site: Path, server: S3Server, client: Any, bucket: str, sample: dict[str, bytes]
) -> None:
    waits: list[float] = []
    target = S3Target(bucket, PREFIX, endpoint_url=server.endpoint, sleep=waits.append)
    site_atom = f"/{bucket}/{PREFIX}atom.xml"
    server.faults.append(Fault("PUT", site_atom, 503, "SlowDown", times=ATTEMPTS - 1))
    config = load_config(site / "feedpub.toml")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    report = build(site / "articles", target, config, now=now)
    assert report.exit_code == 0 and report.count("written") == 45
    assert waits == [FIRST_BACKOFF * 2**n for n in range(ATTEMPTS - 1)]
    assert sum(1 for m, p in server.requests if (m, p) == ("PUT", site_atom)) == ATTEMPTS
    assert objects(client, bucket) == sample


def test_a_store_that_stays_down_fails_after_bounded_tries_and_the_next_run_repairs(
    site: Path, tmp_path: Path, server: S3Server, client: Any, bucket: str, sample: dict[str, bytes]
) -> None:
    waits: list[float] = []
    config = load_config(site / "feedpub.toml")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    state = tmp_path / "state"
    server.faults.append(Fault("PUT", "/category/ekonomi/atom.xml", 503, "ServiceUnavailable"))
    target = S3Target(bucket, PREFIX, endpoint_url=server.endpoint, sleep=waits.append)
    with pytest.raises(PublishError) as raised:
        build(site / "articles", target, config, now=now, state_dir=state)
    assert str(raised.value) == (
        f"s3://{bucket}/{PREFIX}category/ekonomi/atom.xml: cannot publish: upload failed after "
        f"{ATTEMPTS} tries: ServiceUnavailable (HTTP 503): injected by the test"
    )
    assert len(waits) == ATTEMPTS - 1
    assert sum(1 for m, p in server.requests if m == "PUT" and p.endswith("ekonomi/atom.xml")) == (
        ATTEMPTS
    )
    server.faults.clear()
    target = S3Target(bucket, PREFIX, endpoint_url=server.endpoint, sleep=waits.append)
    report = build(site / "articles", target, config, now=now, state_dir=state)
    assert report.exit_code == 0
    assert objects(client, bucket) == sample


def test_a_store_that_cannot_be_reached_is_named(site: Path, bucket: str) -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    waits: list[float] = []
    target = S3Target(bucket, PREFIX, endpoint_url=f"http://127.0.0.1:{port}", sleep=waits.append)
    with pytest.raises(PublishError) as raised:
        build(site / "articles", target, load_config(site / "feedpub.toml"))
    assert str(raised.value).startswith(
        f"s3://{bucket}/{PREFIX}: cannot publish: listing failed after {ATTEMPTS} tries: "
        f"Could not connect to the endpoint URL"
    )
    assert len(waits) == ATTEMPTS - 1


def test_an_invalid_feed_is_never_uploaded(
    site: Path, client: Any, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_main_rss(monkeypatch)
    result = run(site, "--out", f"s3://{bucket}/{PREFIX}")
    assert result.exit_code == 1
    assert "rss.xml: invalid feed, not published" in result.stderr
    stored = objects(client, bucket)
    assert "rss.xml" not in stored and len(stored) == 44


def test_the_environment_endpoint_wins_over_the_configs(
    site: Path, client: Any, bucket: str
) -> None:
    config = site / "feedpub.toml"
    config.write_text(
        config.read_text().replace(
            "limit = 50", 'limit = 50\ns3_endpoint_url = "http://127.0.0.1:9"'
        )
    )
    assert run(site, "--out", f"s3://{bucket}/{PREFIX}").exit_code == 0
    assert len(objects(client, bucket)) == 45


def test_a_local_build_never_imports_boto3(site: Path) -> None:
    code = (
        "import sys; from pathlib import Path; import feedpub; "
        "config = feedpub.load_config(Path('feedpub.toml')); "
        "feedpub.build(Path('articles'), Path('public'), config); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=site, capture_output=True, text=True, check=True
    )
    assert done.stdout == "[]\n"
    assert (site / "public/rss.xml").is_file()


def test_without_boto3_an_s3_out_is_a_usage_error(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # what `import boto3` meets when not installed
    monkeypatch.delitem(sys.modules, "feedpub.output.targets.s3")
    result = run(site, "--out", "s3://feeds/news/")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "feedpub: s3://feeds/news/: publishing to object storage needs boto3: "
        "pip install 'feedpub[s3]'"
    )


def test_a_missing_bucket_or_missing_credentials_is_one_line(
    site: Path, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run(site, "--out", "s3://no-such-bucket/feeds/")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "feedpub: s3://no-such-bucket/feeds/: cannot publish: listing failed: "
        "NoSuchBucket (HTTP 404)"
    )
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = run(site, "--out", f"s3://{bucket}/{PREFIX}")
    assert result.exit_code == 1
    assert result.stderr == (
        f"feedpub: s3://{bucket}/{PREFIX}: cannot publish: listing failed: "
        "Unable to locate credentials\n"
    )


@pytest.fixture
def archived(tmp_path: Path) -> Path:
    """The sample with archive pages for the site and every category, in every format."""
    site = tmp_path / "archived"
    site.mkdir()
    shutil.copy(SAMPLE_CONFIG, site / "feedpub.toml")
    shutil.copytree(SAMPLE_ARTICLES, site / "articles")
    with_archives_everywhere(site)
    return site


def lists(server: S3Server, bucket: str) -> int:
    return sum(1 for m, p in server.requests if m == "GET" and p.rstrip("/") == f"/{bucket}")


def test_with_archives_a_no_change_run_only_lists(
    archived: Path, server: S3Server, client: Any, bucket: str
) -> None:
    out = f"s3://{bucket}/{PREFIX}"
    assert run(archived, "--out", out).exit_code == 0
    assert any(p.startswith("archive/") for p in objects(client, bucket))
    server.requests.clear()
    again = run(archived, "--out", out, "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)["feeds_written"] == 0
    # The top level, archive/, category/ and feed/: one LIST each; no GET, HEAD, PUT or DELETE.
    assert lists(server, bucket) == len(server.requests) == 4
    shutil.rmtree(archived / ".feedpub")  # cold: every object is compared, none uploaded
    server.requests.clear()
    cold = run(archived, "--out", out, "--json")
    assert cold.exit_code == 0 and json.loads(cold.stdout)["feeds_written"] == 0
    assert server.writes() == []


@pytest.mark.parametrize("how", ["full", "cold"])
def test_a_killed_build_leaves_nothing_stale_in_the_bucket(
    archived: Path, tmp_path: Path, server: S3Server, client: Any, bucket: str, how: str
) -> None:
    config = load_config(archived / "feedpub.toml")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    state = tmp_path / "s3-state"

    def target() -> S3Target:
        return S3Target(bucket, PREFIX, endpoint_url=server.endpoint)

    build(archived / "articles", target(), config, now=now, state_dir=state)
    edit(archived)
    if how == "cold":
        shutil.rmtree(state)
    with pytest.raises(Killed):
        build(
            archived / "articles",
            KillingTarget(target(), 10),
            config,
            now=now,
            state_dir=state,
            full=how == "full",
        )
    assert "archive/2021-08/feed.json" in objects(client, bucket)  # the kill left it there
    report = build(archived / "articles", target(), config, now=now, state_dir=state)
    assert report.exit_code == 0
    assert objects(client, bucket) == local_build(archived, tmp_path)
