"""Categories: turning labels into stable slugs.

A term is what a category is known by in ids and output paths
(``category/<term>/rss.xml``), so it must be stable, safe as one path
segment, and never empty.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

__all__ = ["slugify"]

# Latin letters that NFKD does not decompose into ASCII.
_TRANSLITERATE = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "þ": "th",
        "ł": "l",
        "Ł": "l",
        "ı": "i",  # noqa: RUF001 - the Turkish dotless i is meant
    }
)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_MAX_SLUG = 80


@lru_cache(maxsize=4096)
def slugify(label: str) -> str:
    """Return the term for a label: lowercase ASCII letters, digits and hyphens, never empty.

    Latin text is transliterated (``Seni & Budaya`` -> ``seni-budaya``,
    ``Café`` -> ``cafe``); a label with nothing left after that (only
    punctuation, or a non-Latin script) gets ``c-`` plus a digest of the label,
    which is stable across runs and machines.
    """
    normalized = unicodedata.normalize("NFKC", label).strip()
    ascii_text = (
        unicodedata.normalize("NFKD", normalized.translate(_TRANSLITERATE))
        .encode("ascii", "ignore")
        .decode("ascii")
        .lower()
    )
    slug = _NOT_SLUG.sub("-", ascii_text).strip("-")[:_MAX_SLUG].strip("-")
    if slug:
        return slug
    digest = hashlib.sha256(normalized.casefold().encode("utf-8")).hexdigest()[:10]
    return f"c-{digest}"
