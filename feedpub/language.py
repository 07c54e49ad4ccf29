"""Language tags: the BCP 47 (RFC 5646) syntax check shared by the loader and the validator."""

from __future__ import annotations

import re

__all__ = ["is_language_tag"]

# language[-script][-region](-variant)*(-extension)*[-privateuse], or a private-use tag alone.
_TAG = re.compile(
    r"""^(?:
        [a-z]{2,3}(?:-[a-z]{3}){0,3}   # language (4-8 letters: reserved, none registered)
        (?:-[a-z]{4})?                                       # script
        (?:-(?:[a-z]{2}|[0-9]{3}))?                          # region
        (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*             # variants
        (?:-[0-9a-wy-z](?:-[a-z0-9]{2,8})+)*                 # extensions
        (?:-x(?:-[a-z0-9]{1,8})+)?                           # private use
      | x(?:-[a-z0-9]{1,8})+
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def is_language_tag(value: str) -> bool:
    """True when ``value`` is a well-formed BCP 47 tag (``id``, ``en-US``, ``zh-Hant-TW``)."""
    return bool(_TAG.match(value))
