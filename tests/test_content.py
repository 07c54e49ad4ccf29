"""Bodies: what readers see of content_html, content_text and summaries."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import example, given, settings
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


# The definitions as first written, a word or a paragraph at a time: what the faster ones must
# give for every text.
def _summary_word_by_word(text: str, limit: int) -> str:
    words: list[str] = []
    length = -1
    for match in re.finditer(r"\S+", text):
        length += len(match.group()) + 1
        if length > limit:
            break
        words.append(match.group())
    else:
        return " ".join(words)
    if not words:
        return text.strip()[: limit - 1] + "…"
    cut = " ".join(words)
    while len(cut) > limit - 1:
        words.pop()
        cut = " ".join(words)
    return cut.rstrip(",;:.-–—") + "…"  # noqa: RUF001 - dashes are meant


def _paragraphs_one_by_one(text: str) -> str:
    paragraphs = (p.strip() for p in re.split(r"\n[ \t]*\n+", text.replace("\r\n", "\n")))
    return "\n".join(
        "<p>" + html.escape(p, quote=False).replace("\n", "<br>\n") + "</p>"
        for p in paragraphs
        if p
    )


# Words, and runs of every kind of white space str.split and re's \s know (U+001C-U+001F,
# U+0085 and U+3000 among them), in any mix, long or short.
_SPACES = st.text(" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2028\u3000", min_size=1, max_size=40)
_WORDS = st.text(st.characters(blacklist_categories=("Z", "Cc")), min_size=1, max_size=30)
_PROSE = st.lists(_WORDS | _SPACES | st.sampled_from(["x" * 250, " " * 900, ",", "\u2014"])).map(
    "".join
)


@settings(max_examples=400, deadline=None)
@given(text=_PROSE, limit=st.sampled_from([1, 2, 5, 40, 200]))
@example(text="a" * 10 + " " * 900 + "b", limit=200)
@example(text="w" * 200 + " tail", limit=200)
@example(text=("kata " * 160) + "x" * 900, limit=200)
def test_a_summary_is_the_words_that_fit(text: str, limit: int) -> None:
    assert summarize(text, limit) == _summary_word_by_word(text, limit)


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(_WORDS | _SPACES | st.sampled_from(["<b>", "&amp;", ">", "\r\n"])).map("".join)
)
def test_text_becomes_the_same_paragraphs_escaped_whole(text: str) -> None:
    assert text_to_html(text) == _paragraphs_one_by_one(text)
