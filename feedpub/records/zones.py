"""Time zones: the built-in abbreviations, and zones named by IANA name or numeric offset.

Kept apart from ``feedpub.records.dates`` so that reading the config (which names
zones) does not load the date parser, which a no-change build never needs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import UTC, timedelta, timezone, tzinfo
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DEFAULT_ABBREVIATIONS",
    "OFFSET_PATTERN",
    "OffsetOutOfRange",
    "fixed_offset",
    "zone_from_spec",
]

DEFAULT_ABBREVIATIONS: Mapping[str, tzinfo] = MappingProxyType(
    {
        # Indonesia's three zones map to IANA zones, so historic offsets stay right.
        "WIB": ZoneInfo("Asia/Jakarta"),
        "WITA": ZoneInfo("Asia/Makassar"),
        "WIT": ZoneInfo("Asia/Jayapura"),
        "UTC": UTC,
        "GMT": UTC,
        # RFC 822 spells universal time "UT".
        "UT": UTC,
        "Z": UTC,
    }
)

#: A numeric offset as dates write it: +07, +0700, +07:00 (named groups zsign, zh, zm).
OFFSET_PATTERN = r"(?P<zsign>[+-])(?P<zh>\d{1,2})(?::?(?P<zm>\d{2}))?"
_OFFSET_SPEC = re.compile(rf"(?:(?:utc|gmt) ?)?{OFFSET_PATTERN}", re.IGNORECASE | re.ASCII)


def zone_from_spec(spec: str) -> tzinfo:
    """Turn an IANA zone name ('Asia/Jakarta') or an offset ('+07:00', '+0700', 'UTC') into a zone.

    Raises ValueError saying what was expected for an unknown zone or a bad offset.
    """
    return _zone_from_spec_cached(spec.strip())


@functools.lru_cache(maxsize=256)
def _zone_from_spec_cached(spec: str) -> tzinfo:
    # Cached because the loader asks once per record, and most records share a zone.
    if spec.upper() in ("UTC", "Z"):
        return UTC
    match = _OFFSET_SPEC.fullmatch(spec)
    if match:
        try:
            return fixed_offset(match["zsign"], match["zh"], match["zm"])
        except OffsetOutOfRange as exc:
            raise ValueError(str(exc)) from None
    try:
        return ZoneInfo(spec)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ZoneInfo raises KeyError for a missing zone, ValueError for a malformed key or a
        # non-zone file, and OSError for a directory such as "Asia": all mean "not a zone".
        raise ValueError(
            f"unknown time zone {spec!r}; expected an IANA name like 'Asia/Jakarta' "
            "or an offset like '+07:00'"
        ) from None


class OffsetOutOfRange(Exception):
    """Raised for an offset beyond +-23:59."""

    """An offset that datetime.timezone cannot hold; callers re-raise it as their own type."""


@functools.lru_cache(maxsize=128)
def fixed_offset(sign: str, hours: str, minutes: str | None) -> tzinfo:
    hh, mm = int(hours), int(minutes or 0)
    if hh > 23 or mm > 59:
        raise OffsetOutOfRange(
            f"offset {sign}{hours}:{minutes or '00'} is out of range (hours 0-23, minutes 0-59)"
        )
    delta = timedelta(hours=hh, minutes=mm)
    if not delta:
        return UTC
    return timezone(-delta if sign == "-" else delta)
