"""Guards against hostile records: nesting depth, size limits, CDATA wrappers, unreadable URLs.

Each guard answers one question about a raw record (or one of its values), so the
loader can turn the answer into that record's error or warning, naming the field,
instead of letting a recursion limit, lxml or urllib fail the whole build later.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urljoin

__all__ = [
    "MAX_NESTING",
    "has_unreadable_url",
    "may_hold_xml_illegal",
    "may_nest_deeply",
    "nesting_exceeds",
    "unusable_json",
    "unwrap_cdata",
    "without_cdata_openers",
]

#: How deep a record's JSON may nest. A record is an object of strings and short lists of
#: objects (depth 3 or 4); extension fields get room to spare, while every recursive step
#: after the parse (cleaning, hashing, rendering) stays far from Python's recursion limit.
MAX_NESTING = 32


def unusable_json(exc: RecursionError | ValueError) -> str:
    """Why JSON parsed to nothing Python can hold: nested past the recursion limit, or a
    number with more digits than Python converts."""
    if isinstance(exc, RecursionError):
        return f"not usable JSON: nested more than {MAX_NESTING} levels deep"
    return f"not usable JSON: {exc}"


# JSON cannot hold a raw control character in a string: one can only come in escaped (\b, \f
# or \u00XX), or as a raw U+FFFE/U+FFFF. A lone surrogate escape also matches; a valid
# pair (or an escaped backslash before a "b") only costs a needless clean. One pattern, with
# the backslash as its literal prefix: a test per escape (`b"\\b" in data`...) costs a scan of
# the whole file each, slow on a body full of escaped quotes (14 us a file, against 2 us).
_ILLEGAL_ESCAPE = re.compile(rb"\\(?:[bf]|u(?:00[01][0-9a-f]|d[89a-f][0-9a-f]{2}|fff[ef]))", re.I)
# A lone surrogate as "surrogatepass" writes it (a record encoded by the contract, never a
# file: UTF-8 text cannot hold one); other characters led by 0xED continue with 0x80-0x9F.
_SURROGATE = re.compile(rb"\xed[\xa0-\xbf]")


def may_hold_xml_illegal(json_bytes: bytes) -> bool:
    """False when decoding ``json_bytes`` (UTF-8) cannot give a character XML cannot carry."""
    if b"\xef" in json_bytes and (  # the UTF-8 lead of U+FFxx: one byte, found by memchr
        b"\xef\xbf\xbe" in json_bytes or b"\xef\xbf\xbf" in json_bytes  # U+FFFE, U+FFFF
    ):
        return True
    if b"\xed" in json_bytes and _SURROGATE.search(json_bytes):
        return True
    return _ILLEGAL_ESCAPE.search(json_bytes) is not None


def may_nest_deeply(json_bytes: bytes) -> bool:
    """False when ``json_bytes`` cannot nest more than :data:`MAX_NESTING` levels (it holds
    fewer brackets than that): the per-record depth walk is then skipped."""
    return json_bytes.count(b"[") + json_bytes.count(b"{") > MAX_NESTING


def nesting_exceeds(value: Any, limit: int = MAX_NESTING) -> bool:
    """True when ``value`` (parsed JSON) nests lists and objects more than ``limit`` deep.

    Walks with an explicit stack: a recursive walk would fail on the very input it checks.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


_CDATA_OPEN = "<![CDATA["
_CDATA_CLOSE = "]]>"
_CDATA_START = re.compile(r"\s*<!\[CDATA\[")


def unwrap_cdata(text: str) -> tuple[str, bool] | None:
    """``text`` without the CDATA markers it is wrapped in, and whether any were removed.

    A title or summary copied from another feed's source often comes wrapped in
    ``<![CDATA[ ... ]]>``; the markers are not part of the text (a feed would show
    them, and a validator takes them for markup escaped twice). Returns ``None``
    when the text begins with an opening marker that is never closed: what the
    author meant cannot be told, so the loader refuses it.
    """
    if not _CDATA_START.match(text):  # nearly always: no copy of a long body is made
        return text, False
    stripped = text.strip()
    while stripped.startswith(_CDATA_OPEN):
        if not stripped.endswith(_CDATA_CLOSE):
            return None
        stripped = stripped[len(_CDATA_OPEN) : -len(_CDATA_CLOSE)].strip()
    return stripped, True


def without_cdata_openers(text: str) -> str:
    """``text`` without the literal CDATA openers it begins with (a derived summary's start)."""
    while match := _CDATA_START.match(text):
        text = text[match.end() :]
    return text


# What urllib refuses to split (ValueError) comes with a bracket (an IPv6 host left unclosed,
# or brackets around something that is no address) or with one of these characters.
#: Non-ASCII characters whose NFKC form holds a URL delimiter (tests/test_hostile.py checks
#: the list against unicodedata): urllib refuses a host holding one, as a spoof.
NFKC_DELIMITERS = (
    "\u2047\u2048\u2049\u2100\u2101\u2105\u2106\u2a74"
    "\ufe13\ufe16\ufe55\ufe56\ufe5f\ufe6b\uff03\uff0f\uff1a\uff1f\uff20"
)
_URL_TROUBLE = re.compile("[][" + NFKC_DELIMITERS + "]")
_LINK_PATTERN = (
    r"""\b(?:href|src|poster|cite|action|srcset)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))"""
)
_LINK_VALUE = re.compile(_LINK_PATTERN, re.I)
#: The same, case-sensitive, for an ASCII body lowered: Python's re skips ahead by the names'
#: first letters where the case-blind pattern is tried at every character (49 us, against
#: 122 us, on a 4.5 KB body).
_LINK_VALUE_LOWERED = re.compile(_LINK_PATTERN, re.A)
#: What :data:`_LINK_VALUE` needs in a body, lower case ("srcset" holds "src").
_LINK_NAMES = ("href", "src", "poster", "cite", "action")


def _may_trouble_urllib(text: str) -> bool:
    """Whether ``text`` holds a bracket or a look-alike delimiter. An ASCII text (known at
    no cost) can only hold brackets, which two memchr scans find, where the character class
    of :data:`_URL_TROUBLE` is tested on every character of a long body."""
    if text.isascii():
        return "[" in text or "]" in text
    return _URL_TROUBLE.search(text) is not None


def has_unreadable_url(body: str, base: str) -> str | None:
    """The first link value in an HTML body that urllib cannot resolve against ``base``, or
    ``None``; cheap on a body without brackets or look-alike delimiters (nearly all)."""
    if not _may_trouble_urllib(body):
        return None
    if body.isascii():
        # Python's re finds no literal to skip ahead to in the case-blind link pattern and
        # tries it at every character (130 us on a 4 KB body with a "[" in its text): a body
        # naming no link attribute has no link value, and one that does is searched lowered,
        # its values taken from the body at the same places. ASCII only, where case folding
        # is plain and keeps every place (re.I also matches U+017F for "s", which lower()
        # leaves as it is).
        lowered = body.lower()
        if not any(name in lowered for name in _LINK_NAMES):
            return None
        matches = _LINK_VALUE_LOWERED.finditer(lowered)
    else:
        matches = _LINK_VALUE.finditer(body)
    for match in matches:
        start, end = match.span(match.lastindex or 0)  # the one quoting that matched
        value = html.unescape(body[start:end])
        if not _URL_TROUBLE.search(value):
            continue
        for candidate in (value, *(part.split()[0] for part in value.split(",") if part.split())):
            try:
                urljoin(base, candidate.strip())
            except ValueError:
                return value
    return None
