"""Article bodies: plain text to HTML, absolute links, summaries, and XML-safe text."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

__all__ = [
    "absolutize_html",
    "html_to_text",
    "strip_xml_illegal",
    "summarize",
    "text_to_html",
]

# Characters XML 1.0 forbids: C0 controls but tab/newline/return, lone surrogates, U+FFFE/U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\S+")
# Attributes that hold a URL a reader will follow or fetch.
_LINK_ATTRIBUTES = ("href", "src", "poster", "cite", "action")
# Any attribute value that does not start with a scheme: a cheap, conservative test for "this
# fragment may hold a relative link" (it starts at a literal "=", so it is fast on long bodies).
_MAYBE_RELATIVE = re.compile(r"""=\s*["']?(?![a-z][a-z0-9+.-]*:)""", re.I)

SUMMARY_LENGTH = 200


def strip_xml_illegal(text: str) -> tuple[str, int]:
    """Remove characters XML 1.0 cannot carry; return the clean text and how many were removed."""
    clean, removed = _XML_ILLEGAL.subn("", text)
    return clean, removed


def text_to_html(text: str) -> str:
    """Escape plain text and wrap each blank-line-separated paragraph in ``<p>``."""
    # Escaped whole, then split: escaping touches no white space, so the paragraphs and their
    # ends are the same, and three scans of the text replace three of each paragraph.
    escaped = html.escape(text.replace("\r\n", "\n"), quote=False)
    paragraphs = (p.strip() for p in _PARAGRAPH_BREAK.split(escaped))
    return "\n".join("<p>" + p.replace("\n", "<br>\n") + "</p>" for p in paragraphs if p)


def _absolutize_srcset(value: str, base: str) -> str:
    candidates = []
    for candidate in value.split(","):
        parts = candidate.strip().split(None, 1)
        if parts:
            parts[0] = urljoin(base, parts[0])
            candidates.append(" ".join(parts))
    return ", ".join(candidates)


def absolutize_html(fragment: str, base: str) -> str:
    """Make every relative ``href``/``src`` (and ``srcset``) in an HTML fragment absolute.

    Many readers and RSS-to-email services ignore ``xml:base``, so a relative
    link in a feed is a broken link. A fragment with no relative link is
    returned unchanged, byte for byte.
    """
    if not _MAYBE_RELATIVE.search(fragment):
        return fragment
    import lxml.html  # only bodies with links need it; a no-change build never gets here
    from lxml import etree

    container = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for element in container.iter(etree.Element):
        for attribute in _LINK_ATTRIBUTES:
            value = element.get(attribute)
            if value is not None:
                element.set(attribute, urljoin(base, value.strip()))
        srcset = element.get("srcset")
        if srcset is not None:
            element.set("srcset", _absolutize_srcset(srcset, base))
    inner = [html.escape(container.text, quote=False)] if container.text else []
    inner.extend(lxml.html.tostring(child, encoding="unicode") for child in container)
    return "".join(inner)


def html_to_text(fragment: str, limit: int | None = None) -> str:
    """The visible text of an HTML fragment, whitespace collapsed.

    With ``limit``, only about the first ``limit`` characters of text are needed
    (for a summary), so only the start of a long fragment is parsed.
    """
    if limit is not None and len(fragment) > limit * 8:
        fragment = fragment[: limit * 8]
    if "<" not in fragment and "&" not in fragment:
        return _SPACE.sub(" ", fragment).strip()
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except etree.ParserError:
        return ""
    # Paragraph ends become spaces, so words on either side do not run together.
    for element in root.iter(etree.Element):
        if element.tail is None and element.tag in ("p", "br", "div", "li"):
            element.tail = " "
    return _SPACE.sub(" ", root.text_content()).strip()


def summarize(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """Cut plain text to at most ``limit`` characters at a word boundary, marking the cut."""
    joined, every = _first_words(text, limit)
    if every and len(joined) <= limit:
        return joined
    # The words that fit end at or before ``limit``: cut at the last space up to there.
    cut = joined[:limit] if joined[limit] == " " else joined[: limit + 1].rpartition(" ")[0]
    if not cut:  # one word longer than the limit
        return text.strip()[: limit - 1] + "…"
    while len(cut) > limit - 1:  # leave room for the mark
        cut = cut.rpartition(" ")[0]
    return cut.rstrip(",;:.-–—") + "…"  # noqa: RUF001 - dashes are meant


def _first_words(text: str, limit: int) -> tuple[str, bool]:
    """The first words of ``text`` joined by single spaces, more than ``limit`` characters of
    them unless there are no more, and whether they are every word. The words a summary
    shows nearly always lie in the first 4 x ``limit`` characters: split and joined in C."""
    head = text[: 4 * limit]
    words = head.split()
    if len(head) == len(text):
        return " ".join(words), True
    if words:
        words.pop()  # it may go on past the cut
    joined = " ".join(words)
    if len(joined) > limit:
        return joined, False
    taken: list[str] = []  # white space is most of the head: word by word, as far as needed
    length = -1
    for match in _WORD.finditer(text):
        taken.append(match.group())
        length += len(taken[-1]) + 1
        if length > limit:
            return " ".join(taken), False
    return " ".join(taken), True
