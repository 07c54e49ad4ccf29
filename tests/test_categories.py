"""Category terms: stable, path-safe, never empty; labels that collide merge with a warning."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedpub import build, load_config
from feedpub.records.categories import slugify
from tests.test_records import CONFIG


@pytest.mark.parametrize(
    ("label", "term"),
    [
        ("Pemerintahan", "pemerintahan"),
        ("Seni & Budaya", "seni-budaya"),
        ("Pendidikan/Sekolah", "pendidikan-sekolah"),
        ("  Olah   Raga ", "olah-raga"),
        ("Café Société", "cafe-societe"),
        ("Straße", "strasse"),
        ("Łódź", "lodz"),
        ("COVID-19", "covid-19"),
        ("../../etc", "etc"),
    ],
)
def test_slug(label: str, term: str) -> None:
    assert slugify(label) == term


@pytest.mark.parametrize("label", ["!!!", "—", "経済", "اقتصاد", "Экономика"])
def test_labels_without_latin_letters_get_a_stable_nonempty_term(label: str) -> None:
    term = slugify(label)
    assert re.fullmatch(r"c-[0-9a-f]{10}", term) or re.fullmatch(r"[a-z0-9-]+", term)
    assert term == slugify(label)
    assert term != slugify(label + "x")


@given(st.text())
def test_every_label_gives_a_path_safe_term(label: str) -> None:
    term = slugify(label)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", term)
    assert len(term) <= 80


def test_colliding_labels_merge_into_one_feed_with_the_first_label(tmp_path: Path) -> None:
    (tmp_path / "feedpub.toml").write_text(CONFIG)
    articles = tmp_path / "articles"
    articles.mkdir()
    for name, label, day in (("a", "Seni & Budaya", 1), ("b", "Seni Budaya", 2)):
        (articles / f"{name}.json").write_text(
            json.dumps(
                {
                    "title": f"Story {name}",
                    "date_published": f"2022-12-0{day}",
                    "url": f"/{name}/",
                    "categories": [label, label.upper()],
                }
            )
        )
    report = build(articles, tmp_path / "public", load_config(tmp_path / "feedpub.toml"))
    assert report.exit_code == 0
    assert [str(w) for w in report.warnings] == [
        f"{articles / 'b.json'}: categories: warning: label 'Seni Budaya' has the same term "
        "'seni-budaya' as 'Seni & Budaya'; both are published as 'Seni & Budaya' (record 'b')"
    ]
    feeds = sorted(
        p.relative_to(tmp_path / "public").as_posix() for p in (tmp_path / "public").rglob("*.xml")
    )
    assert feeds == [
        "atom.xml",
        "category/seni-budaya/atom.xml",
        "category/seni-budaya/rss.xml",
        "rss.xml",
    ]
    rss = (tmp_path / "public" / "category" / "seni-budaya" / "rss.xml").read_text()
    assert rss.count("<category>Seni &amp; Budaya</category>") == 3  # the channel and each item
    assert "Seni Budaya<" not in rss
