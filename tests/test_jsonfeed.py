"""JSON Feed 1.1: the same entries as Atom, round-tripped; the format switch; validation."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import etree

from feedpub import build, load_config

ATOM = "{http://www.w3.org/2005/Atom}"


def _build(site: Path) -> Path:
    out = site / "public"
    report = build(site / "articles", out, load_config(site / "feedpub.toml"))
    assert report.exit_code == 0, [str(e) for e in report.errors]
    return out


def _atom_entries(path: Path) -> list[dict[str, object]]:
    root = etree.parse(str(path)).getroot()
    entries = []
    for entry in root.iter(f"{ATOM}entry"):
        alternate = entry.find(f"{ATOM}link[@rel='alternate']")
        entries.append(
            {
                "id": entry.findtext(f"{ATOM}id"),
                "url": None if alternate is None else alternate.get("href"),
                "title": entry.findtext(f"{ATOM}title"),
                "published": entry.findtext(f"{ATOM}published"),
                "updated": entry.findtext(f"{ATOM}updated"),
                "tags": [c.get("label") for c in entry.iter(f"{ATOM}category")],
                "enclosures": [
                    link.get("href") for link in entry.findall(f"{ATOM}link[@rel='enclosure']")
                ],
            }
        )
    return entries


def test_every_feed_json_round_trips_to_its_atom_entries(site: Path) -> None:
    out = _build(site)
    feeds = sorted(out.rglob("feed.json"))
    assert len(feeds) == 11  # the site and its ten categories: complete, no archive pages
    for path in feeds:
        feed = json.loads(path.read_bytes())
        assert feed["version"] == "https://jsonfeed.org/version/1.1"
        relative = path.relative_to(out).as_posix()
        assert feed["feed_url"] == f"https://altumnews.com/feeds/{relative}"
        assert "next_url" not in feed  # JSON Feed's end of the items: a complete feed
        assert feed["home_page_url"] == "https://altumnews.com/"
        assert feed["language"] == "id"
        atom = _atom_entries(path.with_name("atom.xml"))
        assert [item["id"] for item in feed["items"]] == [e["id"] for e in atom]
        for item, entry in zip(feed["items"], atom, strict=True):
            assert item.get("url") == entry["url"]
            assert item["title"] == entry["title"]
            # The same instant and the same offset, written the same way.
            assert item["date_published"] == entry["published"]
            assert item.get("date_modified", item["date_published"]) == entry["updated"]
            assert item["tags"] == entry["tags"]
            assert [a["url"] for a in item.get("attachments", [])] == entry["enclosures"]
            assert "content_html" in item or "content_text" in item


def test_entries_keep_their_own_offsets(site: Path) -> None:
    items = json.loads((_build(site) / "feed.json").read_bytes())["items"]
    by_id = {item["id"]: item for item in items}
    singapore = by_id[
        "tag:altumnews.com,2024-02-20:2024/02/umkm-kopi-lampung-ikuti-pameran-dagang-di-singapura"
    ]
    assert singapore["date_published"] == "2024-02-20T19:30:00+08:00"
    jayapura = by_id[
        "tag:altumnews.com,2023-09-05:2023/09/atlet-dayung-lampung-raih-emas-di-jayapura"
    ]
    assert jayapura["date_published"] == "2023-09-05T08:00:00+09:00"


def test_people_attachments_and_category_title(site: Path) -> None:
    out = _build(site)
    feed = json.loads((out / "feed.json").read_bytes())
    assert feed["authors"] == [{"name": "Redaksi Altumnews", "url": "mailto:redaksi@altumnews.com"}]
    with_file = [item for item in feed["items"] if "attachments" in item]
    assert with_file and all(a["url"].startswith("https://") for a in with_file[0]["attachments"])
    assert all("mime_type" in a for a in with_file[0]["attachments"])
    category = json.loads((out / "category/lampung/feed.json").read_bytes())
    assert category["title"] == "ALTUMNEWS.Com: Lampung"
    assert all("Lampung" in item["tags"] for item in category["items"])


def test_bytes_are_deterministic(site: Path, tmp_path: Path) -> None:
    first = (_build(site) / "feed.json").read_bytes()
    again = build(site / "articles", tmp_path / "again", load_config(site / "feedpub.toml"))
    assert again.exit_code == 0
    assert (tmp_path / "again/feed.json").read_bytes() == first
    assert first.endswith(b"}\n")


def test_formats_choose_the_files_and_dropping_one_removes_it(site: Path) -> None:
    config_path = site / "feedpub.toml"
    state = site / ".feedpub"
    out = site / "public"
    build(site / "articles", out, load_config(config_path), state_dir=state)
    assert (out / "feed.json").is_file() and (out / "category/lampung/feed.json").is_file()
    # First: a key written after the config's [timezone_abbreviations] table would be in it.
    config_path.write_text('formats = ["json"]\n' + config_path.read_text())
    report = build(site / "articles", out, load_config(config_path), state_dir=state)
    assert report.exit_code == 0
    names = {p.name for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")}
    assert names == {"feed.json", "index.html"}  # and the pages for people, rewritten
    assert report.count("removed") == 22  # 22 subscription documents (complete: no pages)
    assert report.count("written") == 12  # the pages, which offer JSON Feed alone now


def _xml_legal(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or code >= 0x10000
    )


# Every character of the first planes' start, then a spread to the last code point, with the
# line and paragraph separators and the BOM that JSON encoders tend to treat differently.
TEXT = "".join(
    chr(code)
    for code in [*range(0x3000), *range(0x3000, 0x110000, 97), 0x2028, 0x2029, 0xFEFF, 0x10FFFF]
    if _xml_legal(code)
)


def test_the_bytes_are_what_the_standard_json_encoder_writes(site: Path) -> None:
    # feed.json is encoded with msgspec for speed; its bytes must stay json.dumps'.
    record = {
        "id": "every-character",
        "title": "Every character",
        "url": "https://berita.example.id/every-character/",
        "date_published": "2022-12-02T10:00:00+07:00",
        "content_text": '"quotes", \\backslashes\\ and\ttabs',
        "summary": f"[{TEXT}]",  # bracketed: a summary's outer white space is trimmed
    }
    (site / "articles" / "every-character.json").write_text(json.dumps(record), encoding="utf-8")
    data = (_build(site) / "feed.json").read_bytes()
    feed = json.loads(data)
    assert any(item.get("summary") == f"[{TEXT}]" for item in feed["items"])
    assert data == (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
