"""``[html_allow]``: the tags, attributes per tag and hosts per tag a site trusts in bodies,
checked into the records part's :class:`~feedpub.records.sanitise.HtmlAllow`.

What nothing makes safe in a feed (scripts, event handlers, styles) is refused by name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from feedpub.errors import ConfigError
from feedpub.records.sanitise import REFUSED_ATTRIBUTES, REFUSED_TAGS, HtmlAllow, check_allow

__all__ = ["html_allow"]

_HTML_NAME = re.compile(r"[a-z][a-z0-9-]*\Z")
_ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9:_.-]*\Z")
_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?\Z")


def _names(value: Any, pattern: re.Pattern[str], path: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("must be a list of names", path=path, key=key)
    names = tuple(sorted({v.strip().lower() for v in value}))
    what = "host name (no scheme or path)" if pattern is _HOST_NAME else "tag or attribute name"
    for name in names:
        if not pattern.match(name):
            raise ConfigError(f"not a {what}: {name!r}", path=path, key=key)
    return names


def html_allow(table: Mapping[str, Any] | None, path: str) -> HtmlAllow:
    """``[html_allow]``: tags, attributes per tag and hosts per tag a site trusts in bodies."""
    if not table:
        return HtmlAllow()
    unknown = set(table) - {"tags", "attributes", "hosts"}
    if unknown:
        raise ConfigError(
            "unknown key (known: tags, attributes, hosts)",
            path=path,
            key=f"html_allow.{sorted(unknown)[0]}",
        )
    tags = _names(table.get("tags", []), _HTML_NAME, path, "html_allow.tags")
    refused = sorted(set(tags) & REFUSED_TAGS)
    if refused:
        raise ConfigError(
            f"{refused[0]} cannot be allowed: nothing makes it safe in a feed",
            path=path,
            key="html_allow.tags",
        )
    per_tag = {}
    for section in ("attributes", "hosts"):
        value = table.get(section, {})
        if not isinstance(value, dict):
            raise ConfigError(
                "must be a table of tag = [names]", path=path, key=f"html_allow.{section}"
            )
        pattern = _ATTRIBUTE_NAME if section == "attributes" else _HOST_NAME
        per_tag[section] = tuple(
            (tag.lower(), _names(names, pattern, path, f"html_allow.{section}.{tag}"))
            for tag, names in sorted(value.items())
        )
    for tag, names in per_tag["attributes"]:
        bad = [n for n in names if n.startswith("on") or n in REFUSED_ATTRIBUTES]
        if bad:
            raise ConfigError(
                f"{bad[0]} cannot be allowed: it runs code or restyles the reader's page",
                path=path,
                key=f"html_allow.attributes.{tag}",
            )
    allow = HtmlAllow(tags=tags, attributes=per_tag["attributes"], hosts=per_tag["hosts"])
    problem = check_allow(allow)
    if problem:
        raise ConfigError(problem, path=path, key="html_allow")
    return allow
