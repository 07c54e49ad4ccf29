"""Property tests of records.dates: formatter and parser agree; bad text is only a DateError."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from feedpub.errors import DateError
from feedpub.records.dates import format_rfc822, format_rfc3339, parse_date

ZONES = [
    UTC,
    ZoneInfo("Asia/Jakarta"),  # +07:07:12 before 1924: an offset with seconds
    ZoneInfo("Asia/Makassar"),
    ZoneInfo("Asia/Jayapura"),
    ZoneInfo("Europe/Berlin"),  # DST gaps and folds
    ZoneInfo("America/New_York"),
    ZoneInfo("America/St_Johns"),  # -03:30 / -02:30
    ZoneInfo("Australia/Lord_Howe"),  # half-hour DST
    ZoneInfo("Pacific/Kiritimati"),  # +14:00
    timezone(timedelta(hours=-9, minutes=-30)),
]

# A zone the texts never rely on: any result in it would mean the offset was lost.
UNRELATED_ZONE = ZoneInfo("America/Sao_Paulo")

aware_datetimes = st.datetimes(
    # A day's margin keeps the shown local date inside 1900..9999 in every zone.
    min_value=datetime(1900, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from(ZONES),
    allow_imaginary=False,
)


def same_instant(dt: datetime) -> datetime:
    """The instant the formatters write, in UTC.

    Compared in UTC because PEP 495 makes a time in a DST fold unequal to every
    datetime in another zone, even at the same instant.
    """
    return dt.replace(microsecond=0).astimezone(UTC)


def whole_minute_offset(dt: datetime) -> timedelta:
    """The offset the formatters can write: the datetime's own, to the nearest minute."""
    offset = dt.utcoffset()
    assert offset is not None
    return timedelta(minutes=round(offset / timedelta(minutes=1)))


@given(aware_datetimes)
def test_rfc3339_round_trips_instant_and_offset(dt: datetime) -> None:
    text = format_rfc3339(dt)
    parsed = parse_date(text, default_tz=UNRELATED_ZONE)
    assert parsed.astimezone(UTC) == same_instant(dt)
    assert parsed.utcoffset() == whole_minute_offset(dt)
    assert format_rfc3339(parsed) == text


@given(aware_datetimes)
def test_rfc822_round_trips_instant_and_offset(dt: datetime) -> None:
    text = format_rfc822(dt)
    parsed = parse_date(text, default_tz=UNRELATED_ZONE)
    assert parsed.astimezone(UTC) == same_instant(dt)
    assert parsed.utcoffset() == whole_minute_offset(dt)
    assert format_rfc822(parsed) == text


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)))
def test_dayfirst_only_swaps_the_numeric_fields(day: date) -> None:
    d, m, y = day.day, day.month, day.year
    day_first = parse_date(f"{d:02d}/{m:02d}/{y}", default_tz=UTC, dayfirst=True)
    month_first = parse_date(f"{m:02d}/{d:02d}/{y}", default_tz=UTC, dayfirst=False)
    assert day_first == month_first == datetime(y, m, d, tzinfo=UTC)


# Characters the date forms are made of, so the generated text reaches deep into the parser.
DATEISH = st.text(
    alphabet=st.sampled_from(list("0123456789/-.:+,|() TtZzWIBAPMDesJumatpkl'\u2019\u00a0")),
    max_size=40,
)


@given(st.one_of(st.text(max_size=60), DATEISH))
def test_arbitrary_text_raises_only_date_error(text: str) -> None:
    try:
        result = parse_date(text, default_tz=ZoneInfo("Europe/Berlin"))
    except DateError:
        return
    assert result.utcoffset() is not None
    assert 1900 <= result.year <= 9999
