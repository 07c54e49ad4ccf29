"""Language tags: the BCP 47 (RFC 5646) check shared by the config, loader and validator."""

from __future__ import annotations

import re

__all__ = ["is_language_tag"]

# RFC 5646 section 2.1 (well-formed tags), except that the primary language
# subtag is 2-3 letters: the 4-8 letter forms are reserved and none is
# registered, and allowing them would let plain words such as 'english' pass.
_ALPHANUM = "[A-Za-z0-9]"
_LANGTAG = (
    r"[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}"  # language, extlang
    r"(?:-[A-Za-z]{4})?"  # script
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region
    rf"(?:-(?:{_ALPHANUM}{{5,8}}|[0-9]{_ALPHANUM}{{3}}))*"  # variants
    rf"(?:-[0-9A-WYZa-wyz](?:-{_ALPHANUM}{{2,8}})+)*"  # extensions
    rf"(?:-[xX](?:-{_ALPHANUM}{{1,8}})+)?"  # private use
)
_LANGUAGE_TAG = re.compile(
    "|".join(
        (
            _LANGTAG,
            rf"[xX](?:-{_ALPHANUM}{{1,8}})+",  # private use only
            r"[iI]-[A-Za-z]{3,8}|en-GB-oed|sgn-[A-Z]{2}-[A-Z]{2}",  # grandfathered irregular
        )
    )
)


def is_language_tag(value: str) -> bool:
    """True when ``value`` is a well-formed BCP 47 tag (``id``, ``en-US``, ``zh-Hant-TW``)."""
    return bool(_LANGUAGE_TAG.fullmatch(value))
