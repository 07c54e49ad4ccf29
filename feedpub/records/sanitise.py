"""Sanitising ``content_html``: only allowed tags, attributes and URL schemes reach a feed.

Aggregators and the widgets that embed feeds show an entry's HTML, and some do not clean
it: a publisher must not ship scripts, event handlers or ``javascript:`` links. Bodies go
through nh3 (the binding of the Rust ammonia sanitiser, which parses as browsers do, with
html5ever) with the allow-list below, fit for news: text structure, links, images,
figures, tables, quotes, lists, ``<picture>``/``<source>`` and ``<video>``/``<audio>``.

Two decisions worth knowing:

- ``data:`` URLs are refused everywhere, ``img src`` included: an inline image bloats
  every copy of the feed, many readers block them by policy, and an SVG ``data:`` image is
  a script vector in some viewers. Publish images at a URL.
- No ``rel`` is added to links: ``target`` is never allowed, so a link cannot open a window
  that could script its opener (what ``rel="noopener"`` guards against); the ``rel`` the
  source gave (``nofollow``, ``sponsored``) is kept.

Every body a feed shows goes through nh3. Knowing *what* it removed (for the editor's
warning) is asked of every record, bodies read or not, so it starts with a quick check
that runs nh3 only for bodies that may lose something.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import nh3

from feedpub.records.content import strip_xml_illegal

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "ALLOWED_URL_SCHEMES",
    "REFUSED_ATTRIBUTES",
    "REFUSED_TAGS",
    "HtmlAllow",
    "Removals",
    "check_allow",
    "html_removals",
    "sanitise_html",
]

#: Tags a news body may carry. Anything else is removed; its text is kept (except below).
ALLOWED_TAGS = frozenset(
    {
        # text structure
        *("p", "br", "hr", "div", "span", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "wbr"),
        *("article", "section", "aside", "header", "footer", "details", "summary"),
        # phrasing
        *("a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "i"),
        *("ins", "kbd", "mark", "q", "rp", "rt", "ruby", "s", "samp", "small", "strong"),
        *("sub", "sup", "time", "u", "var"),
        # quotes and lists
        *("blockquote", "ul", "ol", "li", "dl", "dt", "dd"),
        # media
        *("img", "figure", "figcaption", "picture", "source", "video", "audio", "track"),
        # tables
        *("table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "col", "colgroup"),
    }
)
#: Attributes allowed per tag; ``"*"`` lists those allowed on every allowed tag.
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": frozenset({"title", "lang", "dir"}),
    "a": frozenset({"href", "hreflang", "rel"}),
    "img": frozenset({"src", "srcset", "sizes", "alt", "width", "height", "loading"}),
    "source": frozenset({"src", "srcset", "sizes", "type", "media", "width", "height"}),
    "video": frozenset(
        {"src", "poster", "controls", "width", "height", "loop", "muted", "playsinline"}
        | {"preload"}
    ),
    "audio": frozenset({"src", "controls", "loop", "muted", "preload"}),
    "track": frozenset({"src", "kind", "srclang", "label", "default"}),
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "del": frozenset({"cite", "datetime"}),
    "ins": frozenset({"cite", "datetime"}),
    "time": frozenset({"datetime"}),
    "data": frozenset({"value"}),
    "td": frozenset({"colspan", "rowspan", "headers"}),
    "th": frozenset({"colspan", "rowspan", "headers", "scope", "abbr"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "ol": frozenset({"start", "reversed", "type"}),
    "li": frozenset({"value"}),
    "details": frozenset({"open"}),
}
#: Schemes a URL attribute may use; a URL without a scheme is relative and made absolute later.
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
#: Attributes that hold a URL (or, for srcset, a list of them) a reader follows or fetches.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "poster", "cite", "action", "formaction", "data", "background", "longdesc"}
)
#: Tags a site's ``html_allow`` cannot add: nothing makes a script or a style sheet safe.
REFUSED_TAGS = frozenset({"script", "style", "template"})
#: Attributes ``html_allow`` cannot add (besides every ``on*`` event handler): ``srcdoc``
#: is a whole HTML document, ``style`` can overlay a reader's page.
REFUSED_ATTRIBUTES = frozenset({"srcdoc", "style"})
# Removed with everything inside them, not only the tags: their content is code, not text.
_CLEAN_CONTENT_TAGS = REFUSED_TAGS
# Tags whose content HTML parses as raw text: a body using them skips the fast path.
_RAW_TEXT_TAGS = frozenset(
    {"iframe", "noembed", "noframes", "noscript", "plaintext", "textarea", "title", "xmp"}
)


@dataclass(frozen=True)
class HtmlAllow:
    """What a site adds to the allow-list (config ``html_allow``); the default adds nothing.

    ``attributes`` pairs a tag (or ``"*"``) with attribute names; ``hosts`` pairs a tag with
    the only hosts its URLs may point to (over https), as in YouTube iframes only.
    """

    tags: tuple[str, ...] = ()
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    hosts: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Removals:
    """What sanitising removed from one body: tag and attribute names with counts."""

    tags: tuple[tuple[str, int], ...] = ()
    attributes: tuple[tuple[str, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.tags or self.attributes)

    def describe(self) -> str:
        """A warning clause: ``tags script (2), iframe (1); attributes onclick (1)``."""
        parts = []
        if self.tags:
            parts.append("tags " + ", ".join(f"{name} ({n})" for name, n in self.tags))
        if self.attributes:
            parts.append("attributes " + ", ".join(f"{name} ({n})" for name, n in self.attributes))
        return "; ".join(parts)


# --- the policy -------------------------------------------------------------------------------

_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")
# Browsers drop these from anywhere in a URL before reading it (WHATWG URL), and trim C0
# controls and spaces around it: "java\tscript:" is a javascript: URL.
_URL_IGNORED = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))


def _url_allowed(value: str, hosts: frozenset[str] | None) -> bool:
    """True when a (decoded) URL value is relative or uses an allowed scheme (and host)."""
    url = _URL_IGNORED.sub("", value).strip(_C0_AND_SPACE)
    match = _SCHEME.match(url)
    if hosts is not None:  # a restricted tag: only https URLs to the named hosts
        if match is None or match.group(1).lower() != "https":
            return False
        try:
            host = urlsplit(url).hostname
        except ValueError:
            return False
        return host is not None and host.lower() in hosts
    return match is None or match.group(1).lower() in ALLOWED_URL_SCHEMES


def _srcset_allowed(value: str) -> bool:
    candidates = (c.strip().split(None, 1) for c in value.split(","))
    return all(_url_allowed(parts[0], None) for parts in candidates if parts)


class _Policy:
    """The allow-list with a site's additions, as nh3 wants it and as the quick check tests it."""

    def __init__(self, allow: HtmlAllow) -> None:
        self.tags = ALLOWED_TAGS | set(allow.tags)
        attributes = {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}
        for tag, names in allow.attributes:
            attributes.setdefault(tag, set()).update(names)
        self.attributes = {tag: frozenset(names) for tag, names in attributes.items()}
        self.hosts = {tag: frozenset(h.lower() for h in names) for tag, names in allow.hosts}
        self.cleaner = nh3.Cleaner(
            tags=set(self.tags),
            clean_content_tags=set(_CLEAN_CONTENT_TAGS),
            attributes={tag: set(names) for tag, names in self.attributes.items()},
            attribute_filter=self._filter,
            strip_comments=True,
            link_rel=None,
            url_schemes=set(ALLOWED_URL_SCHEMES),
        )
        # What the quick check accepts: tags whose content is parsed as HTML and whose URLs are
        # not restricted to hosts; attribute names allowed on some tag (a name allowed on one
        # tag but written on another is the only loss it can miss, and nothing dangerous).
        self.fast_tags = self.tags - _RAW_TEXT_TAGS - set(self.hosts)
        every_name: frozenset[str] = frozenset().union(*self.attributes.values())
        self.attribute_names_reversed = frozenset(name[::-1] for name in every_name)

    def _filter(self, tag: str, name: str, value: str) -> str | None:
        """nh3 checks href and src itself; this also covers cite, poster, srcset and hosts."""
        if name == "srcset":
            return value if _srcset_allowed(value) else None
        if name in URL_ATTRIBUTES:
            return value if _url_allowed(value, self.hosts.get(tag)) else None
        return value


def check_allow(allow: HtmlAllow) -> str | None:
    """Why a site's additions cannot be used, or ``None`` when they can."""
    tags = ALLOWED_TAGS | set(allow.tags)
    for section, pairs in (("attributes", allow.attributes), ("hosts", allow.hosts)):
        for tag, _ in pairs:
            if tag not in tags and not (section == "attributes" and tag == "*"):
                return f"{section}: {tag} is not an allowed tag (add it to tags)"
    try:
        _policy(allow)
    except ValueError as exc:  # nh3's word for options that contradict each other
        return str(exc)
    return None


@lru_cache(maxsize=8)
def _policy(allow: HtmlAllow) -> _Policy:
    return _Policy(allow)


# --- what was removed ------------------------------------------------------------------------

# Start tags, their quoted values read as a unit (a ">" inside quotes does not end the tag).
_START_TAG = re.compile(r"""<([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>?""")
_ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?""")


# Comments as HTML ends them (at the first "-->", or "<!-->" alone), read before tags: what
# looks like a tag in a comment is not one, and a quote in a comment opens no value.
_COMMENT = re.compile(r"<!--(?:>|->|.*?(?:-->|\Z))", re.S)


def _inventory(fragment: str, policy: _Policy) -> tuple[Counter[str], Counter[str]]:
    """Count the start tags, and the attributes on allowed tags, in an HTML fragment."""
    tags: Counter[str] = Counter()
    attributes: Counter[str] = Counter()
    for match in _START_TAG.finditer(_COMMENT.sub("", fragment)):
        tag = match.group(1).lower()
        tags[tag] += 1
        if tag in policy.tags:
            for attribute in _ATTRIBUTE.finditer(match.group(2)):
                attributes[attribute.group(1).lower()] += 1
    return tags, attributes


# The quick check: a few C-speed scans for every tag name, every "name=" that could be an
# attribute, every URL scheme after "=" and every character reference that could hide one.
# They read the body without parsing it, so they see more than a browser would (text like
# "x=1" counts as an attribute): a body they pass has nothing for the sanitiser to remove;
# one they flag is sanitised and compared, which tells for sure. Python's re only skips
# ahead fast to a literal, so attribute names are read backwards from their "=".
_TAG_NAME = re.compile(r"<([a-zA-Z][a-zA-Z0-9:-]*)")
_SEPARATOR = "[ \\t\\n\\f\\r/\"']"
_ATTRIBUTE_NAME_REVERSED = re.compile(f"=[ \\t\\n\\f\\r]*([a-zA-Z0-9:_.-]+){_SEPARATOR}")
_VALUE_SCHEME = re.compile(r"=[ \t\n\f\r]*[\"']?[\x00-\x20]*([a-zA-Z][a-zA-Z0-9+.\-\t\n\r]*):")
# A character reference before the first ":/?#" of a value ("&#106;avascript:",
# "java&Tab;script:"), read backwards: "&", the value's start, "=", the attribute name.
_VALUE_REFERENCE_REVERSED = re.compile(
    f"&[^\"'>:/?#=]*[\"']?[ \\t\\n\\f\\r]*=[ \\t\\n\\f\\r]*[a-zA-Z0-9:_.-]+{_SEPARATOR}"
)
_SRCSET = re.compile(r"srcset[ \t\n\f\r]*=[ \t\n\f\r]*(?:\"([^\"]*)\"|'([^']*)'|([^ \t\n\f\r>]+))")


def _may_lose(fragment: str, policy: _Policy) -> bool:
    """False when sanitising certainly removes nothing (comments aside)."""
    if "<" not in fragment:
        return False
    lowered = fragment.lower()  # names and schemes are case-insensitive: scan once, lowered
    if not set(_TAG_NAME.findall(lowered)) <= policy.fast_tags:
        return True
    if "=" not in lowered:
        return False
    backwards = lowered[::-1]
    if not set(_ATTRIBUTE_NAME_REVERSED.findall(backwards)) <= policy.attribute_names_reversed:
        return True
    schemes = {_URL_IGNORED.sub("", s) for s in _VALUE_SCHEME.findall(lowered)}
    if not schemes <= ALLOWED_URL_SCHEMES or _VALUE_REFERENCE_REVERSED.search(backwards):
        return True
    if "srcset" not in lowered:
        return False
    return any(not _srcset_allowed("".join(m)) for m in _SRCSET.findall(lowered))


def sanitise_html(fragment: str, allow: HtmlAllow | None = None) -> str:
    """``fragment`` with everything outside the allow-list (and ``allow``) removed."""
    cleaned: str = _policy(allow or HtmlAllow()).cleaner.clean(fragment)
    # The sanitiser decodes character references, so `&#14;` comes out as a raw control
    # character, which no XML document (and so no feed) can carry.
    return strip_xml_illegal(cleaned)[0]


def html_removals(fragment: str, allow: HtmlAllow | None = None) -> Removals:
    """What :func:`sanitise_html` removes from ``fragment``, by name and count.

    Cheap for a body with nothing to remove (the loader calls it for every record, bodies
    read or not): nh3 runs only when a quick check finds something it might remove.
    Comments are removed too, but not counted: they are not content.
    """
    policy = _policy(allow or HtmlAllow())
    if not _may_lose(fragment, policy):
        return Removals()
    cleaned = policy.cleaner.clean(fragment)
    tags_in, attributes_in = _inventory(fragment, policy)
    tags_out, attributes_out = _inventory(cleaned, policy)
    return Removals(
        tags=tuple(sorted((tags_in - tags_out).items())),
        attributes=tuple(sorted((attributes_in - attributes_out).items())),
    )
