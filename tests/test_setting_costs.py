"""A setting reaches a document only through what the document shows: a change of ``limit``,
``hubs``, ``formats``, ``archive``, ``archive_categories`` or ``max_bytes`` parses no record
and renders (or frames anew) just the documents whose bytes it changes, and the feeds are byte
for byte those a build from scratch makes. Before, each of these settings was in every
document's digest, and a new ``limit`` framed every document of the site anew to find a few
changed; and ``archive`` was a record rule, so a new one threw the state away and parsed every
record again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_archives import add_record, configure, rendered, tree
from tests.test_reframing import fresh, run

#: A hub: named in subscription documents only.
HUB = ["https://hub.example/"]


def feeds(files: dict[str, bytes]) -> dict[str, bytes]:
    """The feeds of an output folder's ``files`` (not its pages for people)."""
    return {path: data for path, data in files.items() if not path.endswith(".html")}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        pytest.param({"limit": 2}, {"limit": 3}, id="limit"),
        pytest.param({"limit": 3}, {"limit": 200}, id="limit-complete"),
        pytest.param({"limit": 2}, {"limit": 2, "hubs": HUB}, id="hubs"),
        pytest.param({"limit": 2}, {"limit": 2, "formats": ["rss", "atom"]}, id="formats"),
        pytest.param({"formats": ["atom"]}, {"formats": ["atom", "json"]}, id="new-format"),
        pytest.param({"limit": 2}, {"limit": 2, "archive_categories": False}, id="categories"),
        pytest.param({"limit": 2}, {"limit": 2, "archive": "year"}, id="archive"),
        pytest.param({"limit": 2}, {"limit": 2, "archive": "off"}, id="archives-off"),
        pytest.param({"limit": 2, "archive": "off"}, {"limit": 2, "archive": "week"}, id="on"),
    ],
)
def test_a_setting_makes_only_the_documents_it_changes(
    site: Path, tmp_path: Path, before: dict[str, Any], after: dict[str, Any]
) -> None:
    configure(site, **before)
    run(site)
    old = feeds(tree(site / "public"))
    configure(site, **after)
    report = run(site)
    new = feeds(tree(site / "public"))
    assert new == feeds(fresh(site, tmp_path))
    changed = sorted(path for path, data in new.items() if old.get(path) != data)
    assert rendered(report) == changed
    assert report.records_changed == 0  # none of them changes what a record means


def test_a_new_size_cap_renders_the_subscription_documents_only(site: Path, tmp_path: Path) -> None:
    configure(site, limit=2)
    run(site)
    old = feeds(tree(site / "public"))
    configure(site, limit=2, max_bytes=1_000_000)
    report = run(site)
    new = feeds(tree(site / "public"))
    # Under a cap a subscription document is rendered (it may leave out entries), and a feed
    # that was complete gets archive pages (RFC 5005 section 2 does not hold under a cap); no
    # other archive page is made again.
    subscription = {path for path in new if "/archive/" not in f"/{path}"}
    changed = {path for path, data in new.items() if old.get(path) != data}
    assert rendered(report) == sorted(subscription | changed)
    assert changed - subscription, "some feed was complete"
    assert new == feeds(fresh(site, tmp_path))


def test_a_new_archive_period_takes_each_record_s_instant_in_the_site_s_zone(
    site: Path, tmp_path: Path
) -> None:
    """A record's period is worked out again from the instant the state keeps, in the site's
    zone, as parsing gives it: 05:00 on New Year's Day in Jakarta is 2022 in UTC, 2023 here."""
    configure(site, limit=2, timezone="Asia/Jakarta")
    add_record(site, "tahun-baru", date_published="2023-01-01T05:00:00+07:00")
    run(site)
    configure(site, limit=2, timezone="Asia/Jakarta", archive="year")
    report = run(site)
    assert report.records_changed == 0
    assert "tahun-baru" in (site / "public/archive/2023/rss.xml").read_text()
    assert feeds(tree(site / "public")) == feeds(fresh(site, tmp_path))
