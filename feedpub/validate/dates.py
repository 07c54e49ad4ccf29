"""The date readers: RFC 822 (RSS 2.0) and RFC 3339 (Atom), strict, with messages that say why."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from feedpub.records.zones import OffsetOutOfRange, fixed_offset
from feedpub.validate.namespaces import Element
from feedpub.validate.report import judged_once, text_of

__all__ = ["atom_moment", "newest_dated", "rfc822_datetime", "rfc3339_datetime", "rss_moment"]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# RFC 822 section 5.1: universal time and the North American zones.
_RFC822_ZONES = {
    "UT": 0,
    "GMT": 0,
    "Z": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
}
_RFC822 = re.compile(
    r"(?:(?P<weekday>[A-Za-z]+),\s*)?"
    r"(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\s+(?P<year>\d+)\s+"
    r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s+"
    r"(?P<zone>[+-]\d{4}|[A-Za-z]+)"
)
_RFC822_EXAMPLE = "e.g. 'Fri, 02 Dec 2022 10:00:00 +0700'"
_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})"
    r"(?P<fraction>\.\d+)?(?P<zone>Z|[+-]\d{2}:\d{2})"
)


@judged_once
def rfc822_datetime(text: str) -> tuple[datetime, str | None]:
    """Read an RSS date; return it and a warning, or raise ValueError saying what is wrong."""
    match = _RFC822.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not an RFC 822 date-time ({_RFC822_EXAMPLE})")
    if len(match["year"]) != 4:
        raise ValueError(f"{text!r} must have a four-digit year ({_RFC822_EXAMPLE})")
    if match["month"] not in _MONTHS:
        raise ValueError(f"{text!r} has an unknown month; use Jan, Feb, ... Dec")
    if match["weekday"] is not None and match["weekday"] not in _DAYS:
        raise ValueError(f"{text!r} has an unknown day name; use Mon, Tue, ... Sun")
    zone, warning = _rfc822_zone(match["zone"], text)
    second = int(match["second"] or 0)
    try:
        moment = datetime(
            int(match["year"]),
            _MONTHS.index(match["month"]) + 1,
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            min(second, 59),  # a leap second reads as the last second of its minute
            tzinfo=zone,
        )
    except ValueError as err:
        raise ValueError(f"{text!r} is not a real date and time ({err})") from None
    if second > 60:
        raise ValueError(f"{text!r} is not a real date and time (second {second})")
    if match["weekday"] is not None and match["weekday"] != _DAYS[moment.weekday()]:
        raise ValueError(
            f"{text!r} says {match['weekday']} but that date is a {_DAYS[moment.weekday()]}"
        )
    return moment, warning


def _rfc822_zone(name: str, text: str) -> tuple[tzinfo, str | None]:
    if name[0] in "+-":
        return _offset(name[0], name[1:3], name[3:5], text, name), None
    if name in _RFC822_ZONES:
        return timezone(timedelta(hours=_RFC822_ZONES[name])), None
    if len(name) == 1 and name.isupper() and name != "J":
        # RFC 1123 section 5.2.14: RFC 822 got the military zones' signs
        # wrong, so they carry no offset a reader can trust.
        return UTC, (
            f"{text!r} uses the obsolete military zone {name!r}, which readers take as "
            "UTC; write a numeric offset such as +0700"
        )
    raise ValueError(
        f"{text!r} has an unknown zone {name!r}; use a numeric offset such as +0700, or GMT"
    )


@judged_once
def rfc3339_datetime(text: str) -> datetime:
    """Read an Atom date; raise ValueError saying what is wrong."""
    match = _RFC3339.fullmatch(text)
    if not match:
        raise ValueError(
            f"{text!r} is not an RFC 3339 date-time: write e.g. '2022-12-02T10:00:00+07:00' "
            "(uppercase T, and Z or a numeric offset)"
        )
    offset = match["zone"]
    zone = UTC if offset == "Z" else _offset(offset[0], offset[1:3], offset[4:6], text, offset)
    second = int(match["second"])
    try:
        moment = datetime.fromisoformat(
            f"{match['date']}T{match['hour']}:{match['minute']}:{min(second, 59):02d}"
        ).replace(tzinfo=zone)
    except ValueError as err:
        raise ValueError(f"{text!r} is not a real date and time ({err})") from None
    if second > 60:
        raise ValueError(f"{text!r} is not a real date and time (second {second})")
    return moment


# The date rules report unreadable dates; the ordering rules skip them.


def rss_moment(element: Element) -> datetime | None:
    """An RSS date element's instant, or None when unreadable (the date rules report it)."""
    try:
        return rfc822_datetime(text_of(element))[0]
    except ValueError:
        return None


def atom_moment(element: Element) -> datetime | None:
    """An Atom date element's instant, or None when unreadable (the date rules report it)."""
    try:
        return rfc3339_datetime(text_of(element))
    except ValueError:
        return None


def newest_dated(
    dated: Iterable[tuple[Element, datetime | None]],
) -> tuple[Element, datetime] | None:
    """The element with the latest readable instant, with it; None when there is none."""
    readable = [(element, moment) for element, moment in dated if moment is not None]
    return max(readable, key=lambda pair: pair[1], default=None)


def _offset(sign: str, hours: str, minutes: str, text: str, written: str) -> tzinfo:
    try:
        return fixed_offset(sign, hours, minutes)
    except OffsetOutOfRange:
        raise ValueError(f"{text!r} has an impossible zone offset {written}") from None
