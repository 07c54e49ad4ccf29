"""Read the dates article records carry, and write the dates feeds need.

Records come from many hands, so :func:`parse_date` reads RFC 3339 / ISO 8601,
RFC 822, numeric ``DD/MM/YYYY`` (or ``MM/DD/YYYY``), English and Indonesian long
forms (``Jumat, 2 Desember 2022 pukul 14.30 WIB``), the seed site's own
``Jumat(02/12/2022)``, and Unix seconds. Every result is an aware datetime; a
date that names an unknown zone, falls in a DST gap, or contradicts its written
weekday is a :class:`~feedpub.errors.DateError`, never a silent guess.

The common forms are read with precompiled regular expressions rather than
dateutil's general parser: that one drops zone names it does not know and
reorders ISO dates under ``dayfirst``, and it is several times slower on a cold
build of a large archive. The rarer ISO 8601 forms (week and ordinal dates) go
to dateutil's strict ``isoparse``, which has neither problem.
"""

from __future__ import annotations

import email.utils
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from types import MappingProxyType

from dateutil.parser import isoparse

from feedpub.errors import DateError
from feedpub.records.zones import (
    DEFAULT_ABBREVIATIONS,
    OFFSET_PATTERN,
    OffsetOutOfRange,
    fixed_offset,
)

__all__ = ["format_rfc822", "format_rfc3339", "parse_date"]


MIN_YEAR = 1900
MAX_YEAR = 9999

_MONTHS: Mapping[str, int] = MappingProxyType(
    {
        **dict.fromkeys(("january", "januari", "jan"), 1),
        **dict.fromkeys(("february", "februari", "pebruari", "feb", "peb"), 2),
        **dict.fromkeys(("march", "maret", "mar"), 3),
        **dict.fromkeys(("april", "apr"), 4),
        **dict.fromkeys(("may", "mei"), 5),
        **dict.fromkeys(("june", "juni", "jun"), 6),
        **dict.fromkeys(("july", "juli", "jul"), 7),
        **dict.fromkeys(("august", "agustus", "aug", "agu", "agt", "ags", "agust"), 8),
        **dict.fromkeys(("september", "sep", "sept"), 9),
        **dict.fromkeys(("october", "oktober", "oct", "okt"), 10),
        **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
        **dict.fromkeys(("december", "desember", "dec", "des"), 12),
    }
)

# Keys have their apostrophes (straight or curly) removed first, so "Jum'at" reads as "jumat".
_WEEKDAYS: Mapping[str, int] = MappingProxyType(
    {
        **dict.fromkeys(("monday", "mon", "senin", "sen"), 0),
        **dict.fromkeys(("tuesday", "tue", "tues", "selasa", "sel"), 1),
        **dict.fromkeys(("wednesday", "wed", "rabu", "rab"), 2),
        **dict.fromkeys(("thursday", "thu", "thur", "thurs", "kamis", "kam"), 3),
        **dict.fromkeys(("friday", "fri", "jumat", "jum"), 4),
        **dict.fromkeys(("saturday", "sat", "sabtu", "sab"), 5),
        **dict.fromkeys(("sunday", "sun", "minggu", "min", "ahad"), 6),
    }
)

# Not calendar.day_name/month_name: those follow the locale, and messages must not.
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_APOSTROPHES = str.maketrans("", "", "'\u2019\u2018`")

# Building blocks of the patterns below. Input is whitespace-normalised first (runs of
# any Unicode space become one " "), so " ?" and " " are enough between tokens.
_OFFSET = OFFSET_PATTERN
# "GMT+7" in running text means seven hours ahead (unlike POSIX TZ strings).
_ZONE = rf"(?:(?P<zname>[a-z]+)? ?{_OFFSET}|(?P<zabbr>[a-z]+))"
_WEEKDAY = r"(?:(?P<wd>[a-z]+(?:['\u2019\u2018`][a-z]+)?)\b\.? ?,? ?)"
_CLOCK = (
    r"(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2}))?"
    r"(?: ?(?P<ampm>[ap]\.?m\.?))?"
)
# Between the date and the time: a space, a comma, "|" or a dash, then maybe "pukul" (o'clock).
_BEFORE_CLOCK = r"(?: ?[,|\-\u2013] ?| )(?:(?:pukul|pkl\.?|jam|at) ?)?"
_TIME = rf"(?:{_BEFORE_CLOCK}{_CLOCK}(?: ?{_ZONE})?)?"

_FLAGS = re.IGNORECASE | re.ASCII  # ASCII: "\d" must not accept other scripts' digits

_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:[t ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?"
    rf"(?: ?{_ZONE})?)?",
    _FLAGS,
)
# ISO 8601 week and ordinal dates (2022-W48-5, 2022-336), beyond the calendar dates the fast
# patterns read. A year and month alone (2022-12) names no day, so it stays an error.
_ISO_OTHER = re.compile(r"[0-9]{4}-?(?:W[0-9]{2}|[0-9]{3}(?![0-9]))")
_ISO_BASIC = re.compile(
    r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"
    r"(?:t(?P<H>\d{2})(?P<M>\d{2})(?:(?P<S>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?"
    r"(?:(?P<zabbr>z)|(?P<zsign>[+-])(?P<zh>\d{2})(?P<zm>\d{2})?)?)?",
    _FLAGS,
)
_NUMERIC = re.compile(
    rf"{_WEEKDAY}?(?P<paren>\()?"
    r"(?P<date>(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}))"
    rf"(?(paren)\)){_TIME}",
    _FLAGS,
)
_DAY_MONTH_YEAR = re.compile(
    rf"{_WEEKDAY}?"
    r"(?P<date>(?P<d>\d{1,2})(?:st|nd|rd|th)?[ \-](?P<mon>[a-z]+)\.?,?[ \-](?P<y>\d{2,4}))"
    rf"{_TIME}",
    _FLAGS,
)
_MONTH_DAY_YEAR = re.compile(
    rf"{_WEEKDAY}?"
    r"(?P<date>(?P<mon>[a-z]+)\.? (?P<d>\d{1,2})(?:st|nd|rd|th)?,? (?P<y>\d{4}))"
    rf"{_TIME}",
    _FLAGS,
)


def parse_date(
    value: object,
    *,
    default_tz: tzinfo,
    dayfirst: bool = True,
    abbreviations: Mapping[str, tzinfo] | None = None,
) -> datetime:
    """Read one record date into an aware datetime, or raise DateError saying why not.

    A date without an offset takes ``default_tz``; one without a time is midnight there.
    ``abbreviations`` are the site's extra zone names, consulted before
    DEFAULT_ABBREVIATIONS, case-insensitively. ``dayfirst`` orders numeric dates only.
    """
    if isinstance(value, str):
        return _parse_text(value, default_tz, dayfirst, abbreviations)
    # bool is an int subclass, but `true` in a date field is a mistake, not second 1.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_unix_seconds(value, default_tz)
    if isinstance(value, datetime):
        return _check_year(value if value.tzinfo else _localize(value, default_tz))
    raise DateError(f"expected a date string or Unix seconds (a number), got {_type_name(value)}")


def format_rfc822(dt: datetime) -> str:
    """Write an aware datetime as RFC 822 (RSS), e.g. 'Fri, 02 Dec 2022 00:00:00 +0700'."""
    # email.utils uses its own English names, unlike strftime("%a"), which follows LC_TIME.
    return email.utils.format_datetime(_for_output(dt, "format_rfc822"))


def format_rfc3339(dt: datetime) -> str:
    """Write an aware datetime as RFC 3339 (Atom), e.g. '2022-12-02T00:00:00+07:00'."""
    return _for_output(dt, "format_rfc3339").isoformat(timespec="seconds")


# -- reading text ---------------------------------------------------------------------


def _parse_text(
    value: str,
    default_tz: tzinfo,
    dayfirst: bool,
    abbreviations: Mapping[str, tzinfo] | None,
) -> datetime:
    text = " ".join(value.split())
    if not text:
        raise DateError("empty date; " + _expected(dayfirst))

    frac: str | None = None
    numeric = False
    if (match := _ISO.fullmatch(text)) or (match := _ISO_BASIC.fullmatch(text)):
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
        frac = match["frac"]
    elif match := _NUMERIC.fullmatch(text):
        first, second = int(match["a"]), int(match["b"])
        day, month = (first, second) if dayfirst else (second, first)
        year = int(match["y"])
        numeric = True
        if not 1 <= month <= 12:
            raise DateError(_numeric_range_reason(match["date"], day, month, year, dayfirst))
    elif (match := _DAY_MONTH_YEAR.fullmatch(text)) or (match := _MONTH_DAY_YEAR.fullmatch(text)):
        day, month, year = int(match["d"]), _month_number(match["mon"]), int(match["y"])
        year = _widen_year(year, match["y"])
    elif _ISO_OTHER.match(text):
        return _parse_iso_other(text, default_tz, dayfirst)
    else:
        hint = " (Unix seconds must be a JSON number, not a string)" if text.isdigit() else ""
        raise DateError(f"cannot read {_shown(text)} as a date{hint}; " + _expected(dayfirst))

    groups = match.re.groupindex
    _check_date(match, day, month, year, numeric, dayfirst)
    hour, minute, second = _clock(match)
    microsecond = int(frac[:6].ljust(6, "0")) if frac else 0
    naive = datetime(year, month, day, hour, minute, second, microsecond)

    if "wd" in groups and match["wd"] is not None:
        _check_weekday(match["wd"], naive, match["date"], numeric)

    if match["zsign"] is not None:
        name = match["zname"] if "zname" in groups else None
        if name is not None and name.upper() not in ("UTC", "GMT", "UT"):
            raise DateError(
                f"cannot read zone {text[match.start('zname') :]!r}; "
                "write an offset like '+07:00' or 'GMT+7', or an abbreviation like 'WIB'"
            )
        try:
            zone = fixed_offset(match["zsign"], match["zh"], match["zm"])
        except OffsetOutOfRange as exc:
            raise DateError(str(exc)) from None
        return _attached(naive, zone, naive.fold)
    if match["zabbr"] is not None:
        return _localize(naive, _abbreviation(match["zabbr"], abbreviations))
    return _localize(naive, default_tz)


def _parse_iso_other(text: str, default_tz: tzinfo, dayfirst: bool) -> datetime:
    """ISO 8601 week and ordinal dates, through dateutil's strict ISO parser (which, unlike
    its general one, never reorders day and month)."""
    try:
        parsed = isoparse(text)
    except (ValueError, OverflowError):
        raise DateError(f"cannot read {_shown(text)} as a date; " + _expected(dayfirst)) from None
    if parsed.tzinfo is None:
        return _check_year(_localize(parsed, default_tz))
    return _check_year(parsed)


def _month_number(name: str) -> int:
    month = _MONTHS.get(name.lower())
    if month is None:
        raise DateError(
            f"unknown month name {name!r}; expected an English or Indonesian month "
            "like 'December', 'Desember', 'Dec' or 'Des'"
        )
    return month


def _widen_year(year: int, written: str) -> int:
    # RFC 2822 section 4.3: two-digit years 00-49 are 2000-2049, 50-99 are 1950-1999,
    # and three-digit years are counted from 1900.
    if len(written) == 2:
        return year + (2000 if year < 50 else 1900)
    if len(written) == 3:
        return year + 1900
    return year


def _check_date(
    match: re.Match[str], day: int, month: int, year: int, numeric: bool, dayfirst: bool
) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateError(f"year {year} is outside {MIN_YEAR}..{MAX_YEAR}")
    if not 1 <= month <= 12:
        raise DateError(f"month {month} is out of range (1-12) in {_shown(match[0])}")
    if not 1 <= day <= _days_in_month(year, month):
        if numeric:
            raise DateError(_numeric_range_reason(match["date"], day, month, year, dayfirst))
        raise DateError(
            f"day {day} is out of range for {_MONTH_NAMES[month - 1]} {year} in {_shown(match[0])}"
        )


def _numeric_range_reason(written: str, day: int, month: int, year: int, dayfirst: bool) -> str:
    order = "DD/MM/YYYY" if dayfirst else "MM/DD/YYYY"
    if not 1 <= month <= 12:
        reason = f"month {month} is out of range (1-12) in {written!r} (read as {order})"
    else:
        reason = (
            f"day {day} is out of range for {_MONTH_NAMES[month - 1]} {year} "
            f"in {written!r} (read as {order})"
        )
    # Never swap silently, but say so when the other order would have made sense.
    if 1 <= day <= 12 and 1 <= month <= _days_in_month(year, day):
        reason += "; day and month may be swapped: check dayfirst"
    return reason


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _clock(match: re.Match[str]) -> tuple[int, int, int]:
    if match["H"] is None:
        return 0, 0, 0
    hour, minute = int(match["H"]), int(match["M"])
    second = int(match["S"]) if match["S"] else 0
    ampm = match["ampm"] if "ampm" in match.re.groupindex else None
    if ampm is not None:
        if not 1 <= hour <= 12:
            raise DateError(f"hour {hour} cannot be used with {ampm.upper()}")
        # 12 AM is midnight and 12 PM is noon.
        hour = hour % 12 + (12 if ampm[0] in "pP" else 0)
    if hour > 23:
        raise DateError(f"hour {hour} is out of range (0-23)")
    if minute > 59:
        raise DateError(f"minute {minute} is out of range (0-59)")
    if second > 59:
        raise DateError(f"second {second} is out of range (0-59; leap seconds are not supported)")
    return hour, minute, second


def _check_weekday(written: str, naive: datetime, date_text: str, numeric: bool) -> None:
    weekday = _WEEKDAYS.get(written.translate(_APOSTROPHES).lower())
    if weekday is None:
        raise DateError(
            f"unknown weekday name {written!r}; expected an English or Indonesian weekday "
            "like 'Friday', 'Fri' or 'Jumat'"
        )
    actual = naive.weekday()
    if weekday != actual:
        reason = f"written as {written} but {date_text} is a {_DAY_NAMES[actual]}"
        if numeric:
            reason += " (day and month may be swapped; check dayfirst)"
        raise DateError(reason)


def _abbreviation(token: str, extra: Mapping[str, tzinfo] | None) -> tzinfo:
    key = token.upper()
    if extra:
        # The site's own names win over the defaults; the table is small, so a scan is fine
        # and it only happens for dates that carry an abbreviation.
        for name, zone in extra.items():
            if name.upper() == key:
                return zone
    default = DEFAULT_ABBREVIATIONS.get(key)
    if default is None:
        raise DateError(
            f"unknown time zone abbreviation {token!r}; "
            "add it to [timezone_abbreviations] in feedpub.toml"
        )
    return default


def _localize(naive: datetime, zone: tzinfo) -> datetime:
    """Attach ``zone`` to a wall-clock time, refusing times a DST change skips."""
    earlier = _attached(naive, zone, naive.fold)
    before = earlier.utcoffset()
    after = _attached(naive, zone, 1).utcoffset()
    # PEP 495: fold=0 and fold=1 disagree only around a transition. When the offset grows
    # the wall time was skipped (a gap); when it shrinks it happened twice, and fold=0,
    # the first occurrence, is what we keep.
    if before is not None and after is not None and before < after:
        raise DateError(_gap_reason(naive, zone, before, after))
    return earlier


def _attached(naive: datetime, zone: tzinfo, fold: int) -> datetime:
    """``naive.replace(tzinfo=zone, fold=fold)``, by the constructor: a quarter of the cost of
    replace(), which every record's date pays once or twice."""
    return datetime(
        naive.year,
        naive.month,
        naive.day,
        naive.hour,
        naive.minute,
        naive.second,
        naive.microsecond,
        zone,
        fold=fold,
    )


def _gap_reason(naive: datetime, zone: tzinfo, before: timedelta, after: timedelta) -> str:
    # The transition instant lies between these two UTC times; find it to the second so
    # the message can say which wall-clock hour was skipped.
    low = (naive - after).replace(tzinfo=UTC)
    high = (naive - before).replace(tzinfo=UTC)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    skipped_from = (high + before).replace(tzinfo=None)
    skipped_to = (high + after).replace(tzinfo=None)
    name = getattr(zone, "key", None) or str(zone)
    return (
        f"{naive:%Y-%m-%d %H:%M} does not exist in {name}: clocks skip from "
        f"{skipped_from:%H:%M} to {skipped_to:%H:%M} that day"
    )


def _from_unix_seconds(seconds: float, zone: tzinfo) -> datetime:
    if isinstance(seconds, float) and not math.isfinite(seconds):
        raise DateError(f"Unix seconds must be a finite number, got {seconds}")
    try:
        result = datetime.fromtimestamp(seconds, tz=zone)
    except (OverflowError, OSError, ValueError):
        raise DateError(
            f"Unix seconds {seconds} are outside the years {MIN_YEAR}..{MAX_YEAR}"
        ) from None
    return _check_year(result)


def _check_year(result: datetime) -> datetime:
    if not MIN_YEAR <= result.year <= MAX_YEAR:
        raise DateError(f"year {result.year} is outside {MIN_YEAR}..{MAX_YEAR}")
    return result


def _expected(dayfirst: bool) -> str:
    numeric, example = ("DD/MM/YYYY", "02/12/2022") if dayfirst else ("MM/DD/YYYY", "12/02/2022")
    return (
        "expected RFC 3339 like '2022-12-02T14:30:00+07:00', "
        "RFC 822 like 'Fri, 02 Dec 2022 14:30:00 +0700', "
        f"{numeric} with an optional time and zone like '{example} 14:30 WIB', "
        "a long form like 'Jumat, 2 Desember 2022 14:30 WIB', or Unix seconds"
    )


def _shown(text: str) -> str:
    # Keep one bad record from flooding cron mail.
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# -- writing ----------------------------------------------------------------------------


def _for_output(dt: datetime, caller: str) -> datetime:
    offset = dt.utcoffset()
    if offset is None:
        raise ValueError(f"{caller} needs an aware datetime, got naive {dt.isoformat()}")
    dt = dt.replace(microsecond=0)
    if offset % timedelta(minutes=1):
        # Local mean time before ~1925 has offsets with seconds (Jakarta: +07:07:12), which
        # neither RFC can write. Show the same instant at the nearest whole-minute offset.
        minutes = round(offset / timedelta(minutes=1))
        dt = dt.astimezone(timezone(timedelta(minutes=minutes)))
    return dt
