"""Bodies: what readers see of content_html, content_text and summaries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedpub.records.content import (
    absolutize_html,
    html_to_text,
    strip_xml_illegal,
    summarize,
    text_to_html,
)

BASE = "https://example.com/2024/03/story/"


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ('<a href="/tag/x/">x</a>', '<a href="https://example.com/tag/x/">x</a>'),
        ('<img src="foto.jpg">', '<img src="https://example.com/2024/03/story/foto.jpg">'),
        ("<a href='../lain/'>y</a>", '<a href="https://example.com/2024/03/lain/">y</a>'),
        (
            '<img srcset="a.jpg 1x, /b.jpg 2x">',
            '<img srcset="https://example.com/2024/03/story/a.jpg 1x, '
            'https://example.com/b.jpg 2x">',
        ),
        (
            '<a href="#catatan">note</a>',
            '<a href="https://example.com/2024/03/story/#catatan">note</a>',
        ),
        (
            'Awal <a href="x">t</a> akhir &amp; lagi',
            'Awal <a href="https://example.com/2024/03/story/x">t</a> akhir &amp; lagi',
        ),
    ],
)
def test_relative_links_become_absolute(fragment: str, expected: str) -> None:
    assert absolutize_html(fragment, BASE) == expected


@pytest.mark.parametrize(
    "fragment",
    [
        '<p><a href="https://other.org/x">x</a> <img src="http://cdn.example.com/a.png"></p>',
        '<a href="mailto:desk@example.com">mail</a>',
        "<p>Tanpa tautan sama sekali.</p>",
    ],
)
def test_absolute_links_leave_the_fragment_byte_identical(fragment: str) -> None:
    assert absolutize_html(fragment, BASE) == fragment


def test_text_becomes_escaped_paragraphs() -> None:
    text = "Satu <b>bukan tag</b> & dua.\n\nParagraf kedua,\nbaris kedua.\n\n\n"
    assert text_to_html(text) == (
        "<p>Satu &lt;b&gt;bukan tag&lt;/b&gt; &amp; dua.</p>\n"
        "<p>Paragraf kedua,<br>\nbaris kedua.</p>"
    )


def test_summary_is_cut_at_a_word_and_marked() -> None:
    text = "kata " * 100
    summary = summarize(text)
    assert len(summary) <= 200 and summary.endswith("kata…")
    assert summarize("Pendek saja.") == "Pendek saja."
    assert summarize("a" * 10 + " " * 900 + "b") == "a" * 10 + " b"
    assert summarize("x" * 300) == "x" * 199 + "…"


def test_html_to_text_keeps_words_apart() -> None:
    assert html_to_text("<p>Satu</p><p>Dua</p><ul><li>tiga</li></ul>") == "Satu Dua tiga"
    assert html_to_text("Teks &amp; lagi") == "Teks & lagi"


def test_control_characters_are_removed_and_counted() -> None:
    assert strip_xml_illegal("a\x00b\x1fc\ud800d\ufffee\tf\n") == ("abcde\tf\n", 4)


@given(st.text())
def test_text_to_html_output_is_always_well_formed_xml_text(text: str) -> None:
    from lxml import etree

    clean, _ = strip_xml_illegal(text)
    etree.fromstring(f"<div>{text_to_html(clean).replace('<br>', '<br/>')}</div>".encode())
