"""Data-driven tests of records.dates: every accepted form, every refusal, and the formatters."""

from __future__ import annotations

import locale
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import pytest

from feedpub.errors import DateError
from feedpub.records.dates import format_rfc822, format_rfc3339, parse_date
from feedpub.records.zones import DEFAULT_ABBREVIATIONS, zone_from_spec

JAKARTA = ZoneInfo("Asia/Jakarta")
BERLIN = ZoneInfo("Europe/Berlin")
PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
ST_JOHNS = ZoneInfo("America/St_Johns")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
IST = timezone(timedelta(hours=5, minutes=30))
SITE_ABBREVIATIONS = {"CET": PARIS, "IST": IST}


def parse(value: object, **kwargs: object) -> datetime:
    """parse_date with the seed site's defaults: Jakarta, day first, extra CET and IST."""
    options: dict[str, object] = {"default_tz": JAKARTA, "abbreviations": SITE_ABBREVIATIONS}
    options.update(kwargs)
    return parse_date(value, **options)  # type: ignore[arg-type]


# (text, expected isoformat) with default_tz=Asia/Jakarta and dayfirst=True.
ACCEPTED = [
    # RFC 3339 / ISO 8601
    ("2022-12-02", "2022-12-02T00:00:00+07:00"),
    ("2022-12-02T10:15", "2022-12-02T10:15:00+07:00"),
    ("2022-12-02 10:15:30", "2022-12-02T10:15:30+07:00"),
    ("2022-12-02t10:15:30z", "2022-12-02T10:15:30+00:00"),
    ("2022-12-02T10:15:30.123+07:00", "2022-12-02T10:15:30.123000+07:00"),
    ("2022-12-02T10:15:30.123456789-03:30", "2022-12-02T10:15:30.123456-03:30"),
    ("2022-12-02T10:15:30Z", "2022-12-02T10:15:30+00:00"),
    ("2022-12-02T10:15:30+0530", "2022-12-02T10:15:30+05:30"),
    ("2022-12-02T10:15:30-00:00", "2022-12-02T10:15:30+00:00"),
    ("2022-12-02 10:15 WITA", "2022-12-02T10:15:00+08:00"),
    ("20221202T101530Z", "2022-12-02T10:15:30+00:00"),
    ("20221202T1015+0700", "2022-12-02T10:15:00+07:00"),
    ("20221202", "2022-12-02T00:00:00+07:00"),
    ("  2022-12-02T10:15:30Z\n", "2022-12-02T10:15:30+00:00"),
    # RFC 822 / 2822
    ("Fri, 02 Dec 2022 10:15:00 +0700", "2022-12-02T10:15:00+07:00"),
    ("Fri, 02 Dec 2022 10:15:00 -0500", "2022-12-02T10:15:00-05:00"),
    ("Fri, 02 Dec 2022 10:15:00 GMT", "2022-12-02T10:15:00+00:00"),
    ("Fri, 02 Dec 2022 10:15 UT", "2022-12-02T10:15:00+00:00"),
    ("Fri, 02 Dec 2022 10:15:00 Z", "2022-12-02T10:15:00+00:00"),
    ("Fri, 02 Dec 2022 10:15:00 WIT", "2022-12-02T10:15:00+09:00"),
    ("02 Dec 2022 10:15:00 +0700", "2022-12-02T10:15:00+07:00"),
    ("Fri, 02 Dec 22 10:15:00 GMT", "2022-12-02T10:15:00+00:00"),
    ("Thu, 02 Dec 99 10:15:00 GMT", "1999-12-02T10:15:00+00:00"),
    ("01 Jan 49 00:00 +0000", "2049-01-01T00:00:00+00:00"),
    ("01 Jan 50 00:00 +0000", "1950-01-01T00:00:00+00:00"),
    ("01 Jan 100 00:00 +0000", "2000-01-01T00:00:00+00:00"),
    # numeric, day first
    ("02/12/2022", "2022-12-02T00:00:00+07:00"),
    ("2/12/2022", "2022-12-02T00:00:00+07:00"),
    ("02-12-2022", "2022-12-02T00:00:00+07:00"),
    ("02.12.2022", "2022-12-02T00:00:00+07:00"),
    ("02/12/2022 10:15", "2022-12-02T10:15:00+07:00"),
    ("02/12/2022 10:15:30", "2022-12-02T10:15:30+07:00"),
    ("02.12.2022 10.15", "2022-12-02T10:15:00+07:00"),
    ("02/12/2022, 10:15 WIT", "2022-12-02T10:15:00+09:00"),
    ("02/12/2022 10:15 +05:30", "2022-12-02T10:15:00+05:30"),
    ("29/02/2024", "2024-02-29T00:00:00+07:00"),
    # long forms, Indonesian and English
    ("Jumat, 2 Desember 2022 14:30 WIB", "2022-12-02T14:30:00+07:00"),
    ("Jum'at, 02 Des 2022", "2022-12-02T00:00:00+07:00"),
    ("Jum\u2019at, 02 Des 2022", "2022-12-02T00:00:00+07:00"),
    ("JUMAT, 2 DESEMBER 2022", "2022-12-02T00:00:00+07:00"),
    ("Jumat, 2 Desember 2022 pukul 14.30 WIB", "2022-12-02T14:30:00+07:00"),
    ("Sabtu, 3 Desember 2022 | 09:05 WITA", "2022-12-03T09:05:00+08:00"),
    ("Sabtu, 3 Desember 2022 - 09:05 WIT", "2022-12-03T09:05:00+09:00"),
    ("Sabtu, 3 Desember 2022 \u2013 09:05 WIT", "2022-12-03T09:05:00+09:00"),
    ("2 Desember 2022, 14:30", "2022-12-02T14:30:00+07:00"),
    ("2 Des. 2022", "2022-12-02T00:00:00+07:00"),
    ("17 Agustus 2021", "2021-08-17T00:00:00+07:00"),
    ("17 Agt 2021", "2021-08-17T00:00:00+07:00"),
    ("17 Ags 2021", "2021-08-17T00:00:00+07:00"),
    ("17 Agust 2021", "2021-08-17T00:00:00+07:00"),
    ("1 Pebruari 2022", "2022-02-01T00:00:00+07:00"),
    ("1 Nopember 2022", "2022-11-01T00:00:00+07:00"),
    ("1 Mei 2022", "2022-05-01T00:00:00+07:00"),
    ("1 Okt 2022", "2022-10-01T00:00:00+07:00"),
    ("Friday, December 2, 2022 2:30 PM", "2022-12-02T14:30:00+07:00"),
    ("Friday, December 2, 2022 12:30 AM", "2022-12-02T00:30:00+07:00"),
    ("Friday December 2nd, 2022 at 12:05 p.m.", "2022-12-02T12:05:00+07:00"),
    ("2 December 2022", "2022-12-02T00:00:00+07:00"),
    ("2-Dec-2022", "2022-12-02T00:00:00+07:00"),
    ("Sept 2, 2022", "2022-09-02T00:00:00+07:00"),
    ("Dec 2, 2022 14:30 GMT+7", "2022-12-02T14:30:00+07:00"),
    ("Dec 2, 2022 14:30 UTC-03:30", "2022-12-02T14:30:00-03:30"),
    # the seed site's own form
    ("Jumat(02/12/2022)", "2022-12-02T00:00:00+07:00"),
    ("Jumat (02/12/2022)", "2022-12-02T00:00:00+07:00"),
    ("Jumat(02/12/2022) 14:30 WIB", "2022-12-02T14:30:00+07:00"),
    ("Jumat, 02/12/2022", "2022-12-02T00:00:00+07:00"),
    # whitespace of every kind collapses
    ("Jumat,\u00a02\u00a0Desember  2022\t14:30 WIB", "2022-12-02T14:30:00+07:00"),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_accepted_forms(text: str, expected: str) -> None:
    assert parse(text).isoformat() == expected


def test_seed_article_date_is_midnight_in_jakarta() -> None:
    published = parse_date("Jumat(02/12/2022)", default_tz=JAKARTA)
    assert published.astimezone(UTC).isoformat() == "2022-12-01T17:00:00+00:00"
    assert published.isoformat() == "2022-12-02T00:00:00+07:00"


# (text, expected isoformat, expected zone): which tzinfo the result carries.
ZONES = [
    ("2022-12-02 10:00 WIB", "2022-12-02T10:00:00+07:00", ZoneInfo("Asia/Jakarta")),
    ("2022-12-02 10:00 WITA", "2022-12-02T10:00:00+08:00", ZoneInfo("Asia/Makassar")),
    ("2022-12-02 10:00 WIT", "2022-12-02T10:00:00+09:00", ZoneInfo("Asia/Jayapura")),
    ("2022-12-02 10:00 wib", "2022-12-02T10:00:00+07:00", ZoneInfo("Asia/Jakarta")),
    ("2022-12-02 10:00 UTC", "2022-12-02T10:00:00+00:00", UTC),
    ("2022-12-02 10:00 GMT", "2022-12-02T10:00:00+00:00", UTC),
    ("2022-12-02 10:00 Z", "2022-12-02T10:00:00+00:00", UTC),
    ("2022-12-02 10:00 CET", "2022-12-02T10:00:00+01:00", PARIS),
    ("2022-07-02 10:00 CET", "2022-07-02T10:00:00+02:00", PARIS),
    ("2 Dec 2022 10:00 Cet", "2022-12-02T10:00:00+01:00", PARIS),
    ("02/12/2022 10:00 IST", "2022-12-02T10:00:00+05:30", IST),
    ("2022-12-02T10:00+07:00", "2022-12-02T10:00:00+07:00", timezone(timedelta(hours=7))),
    ("2022-12-02T10:00", "2022-12-02T10:00:00+07:00", JAKARTA),
]


@pytest.mark.parametrize(("text", "expected", "zone"), ZONES)
def test_zone_abbreviations_and_offsets(text: str, expected: str, zone: tzinfo) -> None:
    result = parse(text)
    assert result.isoformat() == expected
    assert result.tzinfo == zone


def test_default_abbreviations_table() -> None:
    assert {name: str(zone) for name, zone in DEFAULT_ABBREVIATIONS.items()} == {
        "WIB": "Asia/Jakarta",
        "WITA": "Asia/Makassar",
        "WIT": "Asia/Jayapura",
        "UTC": "UTC",
        "GMT": "UTC",
        "UT": "UTC",
        "Z": "UTC",
    }


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"gmt": ZoneInfo("Europe/London")}, "2022-07-02T10:00:00+01:00"),  # site's own wins
        ({"cet": PARIS}, "2022-07-02T10:00:00+00:00"),  # defaults still apply
        (None, "2022-07-02T10:00:00+00:00"),
    ],
)
def test_site_abbreviations_merge_over_defaults(
    extra: dict[str, tzinfo] | None, expected: str
) -> None:
    result = parse_date("2022-07-02 10:00 GMT", default_tz=JAKARTA, abbreviations=extra)
    assert result.isoformat() == expected


@pytest.mark.parametrize("text", ["2022-12-02 10:00 EST", "Fri, 02 Dec 2022 10:00:00 EST"])
def test_unknown_abbreviation_names_the_config_table(text: str) -> None:
    with pytest.raises(DateError) as caught:
        parse(text)
    assert caught.value.reason == (
        "unknown time zone abbreviation 'EST'; add it to [timezone_abbreviations] in feedpub.toml"
    )


@pytest.mark.parametrize("token", ["CEST", "XYZ", "PST", "edt"])
def test_any_other_alphabetic_zone_is_refused(token: str) -> None:
    with pytest.raises(DateError, match="unknown time zone abbreviation"):
        parse(f"Jumat, 2 Desember 2022 14:30 {token}")


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        ("02/12/2022", True, "2022-12-02T00:00:00+07:00"),
        ("02/12/2022", False, "2022-02-12T00:00:00+07:00"),
        ("12/31/2022 23:59", False, "2022-12-31T23:59:00+07:00"),
        ("31.12.2022", True, "2022-12-31T00:00:00+07:00"),
        # ISO dates are never reordered, whatever dayfirst says
        ("2022-12-02", True, "2022-12-02T00:00:00+07:00"),
        ("2022-12-02T10:00", True, "2022-12-02T10:00:00+07:00"),
        ("2022-12-02T10:00", False, "2022-12-02T10:00:00+07:00"),
        ("20221202T1000Z", True, "2022-12-02T10:00:00+00:00"),
        # long forms name the month, so dayfirst has nothing to order
        ("2 December 2022", False, "2022-12-02T00:00:00+07:00"),
        ("December 2, 2022", True, "2022-12-02T00:00:00+07:00"),
    ],
)
def test_dayfirst_orders_numeric_dates_only(text: str, dayfirst: bool, expected: str) -> None:
    assert parse(text, dayfirst=dayfirst).isoformat() == expected


@pytest.mark.parametrize(
    ("text", "dayfirst", "reason"),
    [
        (
            "13/13/2022",
            True,
            "month 13 is out of range (1-12) in '13/13/2022' (read as DD/MM/YYYY)",
        ),
        (
            "12/31/2022",
            True,
            "month 31 is out of range (1-12) in '12/31/2022' (read as DD/MM/YYYY); "
            "day and month may be swapped: check dayfirst",
        ),
        (
            "31/12/2022",
            False,
            "month 31 is out of range (1-12) in '31/12/2022' (read as MM/DD/YYYY); "
            "day and month may be swapped: check dayfirst",
        ),
        (
            "31/11/2022",
            True,
            "day 31 is out of range for November 2022 in '31/11/2022' (read as DD/MM/YYYY)",
        ),
        (
            "29/02/2023",
            True,
            "day 29 is out of range for February 2023 in '29/02/2023' (read as DD/MM/YYYY)",
        ),
    ],
)
def test_impossible_numeric_dates_are_reported_not_swapped(
    text: str, dayfirst: bool, reason: str
) -> None:
    with pytest.raises(DateError) as caught:
        parse(text, dayfirst=dayfirst)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        ("Jumat, 2 Desember 2022", True, "2022-12-02T00:00:00+07:00"),
        ("Sabtu(03/12/2022)", True, "2022-12-03T00:00:00+07:00"),
        ("Minggu, 4 Des 2022", True, "2022-12-04T00:00:00+07:00"),
        ("Ahad, 4 Des 2022", True, "2022-12-04T00:00:00+07:00"),
        ("Senin(05/12/2022)", True, "2022-12-05T00:00:00+07:00"),
        ("Selasa, 6 Desember 2022", True, "2022-12-06T00:00:00+07:00"),
        ("Rabu, 7 Desember 2022", True, "2022-12-07T00:00:00+07:00"),
        ("Kamis, 8 Desember 2022", True, "2022-12-08T00:00:00+07:00"),
        ("Sunday, December 4, 2022", True, "2022-12-04T00:00:00+07:00"),
        ("Thurs, 8 Dec 2022", True, "2022-12-08T00:00:00+07:00"),
        ("Jumat(12/02/2022)", False, "2022-12-02T00:00:00+07:00"),
    ],
)
def test_weekday_that_matches_is_accepted(text: str, dayfirst: bool, expected: str) -> None:
    assert parse(text, dayfirst=dayfirst).isoformat() == expected


@pytest.mark.parametrize(
    ("text", "dayfirst", "reason"),
    [
        (
            "Jumat(03/12/2022)",
            True,
            "written as Jumat but 03/12/2022 is a Saturday "
            "(day and month may be swapped; check dayfirst)",
        ),
        (
            "Jumat(12/02/2022)",
            True,
            "written as Jumat but 12/02/2022 is a Saturday "
            "(day and month may be swapped; check dayfirst)",
        ),
        ("Fri, 04 Dec 2022 10:00:00 +0700", True, "written as Fri but 04 Dec 2022 is a Sunday"),
        ("Jum'at, 3 Desember 2022", True, "written as Jum'at but 3 Desember 2022 is a Saturday"),
        ("Monday, December 4, 2022", True, "written as Monday but December 4, 2022 is a Sunday"),
    ],
)
def test_weekday_that_contradicts_the_date_is_refused(
    text: str, dayfirst: bool, reason: str
) -> None:
    with pytest.raises(DateError) as caught:
        parse(text, dayfirst=dayfirst)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("text", "zone", "reason"),
    [
        (
            "2022-03-27 02:30",
            BERLIN,
            "2022-03-27 02:30 does not exist in Europe/Berlin: "
            "clocks skip from 02:00 to 03:00 that day",
        ),
        (
            "27/03/2022 02:00",
            BERLIN,
            "2022-03-27 02:00 does not exist in Europe/Berlin: "
            "clocks skip from 02:00 to 03:00 that day",
        ),
        (
            "March 13, 2022 2:59 AM",
            NEW_YORK,
            "2022-03-13 02:59 does not exist in America/New_York: "
            "clocks skip from 02:00 to 03:00 that day",
        ),
        (
            "2022-10-02T02:15",
            LORD_HOWE,
            "2022-10-02 02:15 does not exist in Australia/Lord_Howe: "
            "clocks skip from 02:00 to 02:30 that day",
        ),
    ],
)
def test_time_in_a_dst_gap_is_refused(text: str, zone: tzinfo, reason: str) -> None:
    with pytest.raises(DateError) as caught:
        parse(text, default_tz=zone)
    assert caught.value.reason == reason


def test_dst_gap_is_checked_for_an_abbreviation_zone_too() -> None:
    with pytest.raises(DateError, match="does not exist in Europe/Paris"):
        parse("2022-03-27 02:30 CET")


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2022-10-30 02:30", BERLIN, "2022-10-30T02:30:00+02:00"),  # fold: first occurrence
        ("2022-10-30 01:59", BERLIN, "2022-10-30T01:59:00+02:00"),
        ("2022-10-30 03:00", BERLIN, "2022-10-30T03:00:00+01:00"),
        ("2022-03-27 01:59", BERLIN, "2022-03-27T01:59:00+01:00"),
        ("2022-03-27 03:00", BERLIN, "2022-03-27T03:00:00+02:00"),
        ("2022-11-06 01:30", NEW_YORK, "2022-11-06T01:30:00-04:00"),
        ("2022-03-27T02:30+01:00", BERLIN, "2022-03-27T02:30:00+01:00"),  # explicit offset
    ],
)
def test_dst_fold_takes_first_occurrence(text: str, zone: tzinfo, expected: str) -> None:
    result = parse(text, default_tz=zone)
    assert result.isoformat() == expected
    assert result.fold == 0


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [
        (0, UTC, "1970-01-01T00:00:00+00:00"),
        (1669914000, JAKARTA, "2022-12-02T00:00:00+07:00"),
        (1669914000.25, JAKARTA, "2022-12-02T00:00:00.250000+07:00"),
        (1669914000, BERLIN, "2022-12-01T18:00:00+01:00"),
        (-2208988800, UTC, "1900-01-01T00:00:00+00:00"),
    ],
)
def test_unix_seconds_are_shown_in_default_zone(value: float, zone: tzinfo, expected: str) -> None:
    result = parse(value, default_tz=zone)
    assert result.isoformat() == expected
    assert result.tzinfo is zone


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty date; expected RFC 3339"),
        ("   ", "empty date; expected RFC 3339"),
        (None, "expected a date string or Unix seconds (a number), got null"),
        (True, "expected a date string or Unix seconds (a number), got a boolean (true)"),
        (False, "got a boolean (false)"),
        ([], "got a list"),
        ({}, "got an object"),
        (b"2022-12-02", "got bytes"),
        ("garbage", "cannot read 'garbage' as a date; expected RFC 3339"),
        ("x" * 500, "cannot read 'xxxxxxxxxx"),
        ("1670000000", "Unix seconds must be a JSON number, not a string"),
        ("2022-12-02T", "cannot read '2022-12-02T' as a date"),
        ("02/12/22", "cannot read '02/12/22' as a date"),
        ("Jumat(02/12/2022", "cannot read 'Jumat(02/12/2022' as a date"),
        ("2022-13-01", "month 13 is out of range (1-12) in '2022-13-01'"),
        ("2022-02-30", "day 30 is out of range for February 2022 in '2022-02-30'"),
        ("31 Nov 2022", "day 31 is out of range for November 2022"),
        ("1899-12-31", "year 1899 is outside 1900..9999"),
        ("2022-12-02T24:00", "hour 24 is out of range (0-23)"),
        ("2022-12-02T10:60", "minute 60 is out of range (0-59)"),
        ("2022-12-31T23:59:60Z", "second 60 is out of range (0-59; leap seconds"),
        ("Dec 2, 2022 13:30 PM", "hour 13 cannot be used with PM"),
        ("Dec 2, 2022 0:30 am", "hour 0 cannot be used with AM"),
        ("2022-12-02T10:00+25:00", "offset +25:00 is out of range"),
        ("2 Dec 2022 10:00 WIB+7", "cannot read zone 'WIB+7'"),
        ("2 Decembre 2022", "unknown month name 'Decembre'"),
        ("Jumaat, 2 Desember 2022", "unknown weekday name 'Jumaat'"),
        (float("nan"), "Unix seconds must be a finite number"),
        (float("inf"), "Unix seconds must be a finite number"),
        (10**20, "are outside the years 1900..9999"),
        (-3000000000, "year 1874 is outside 1900..9999"),
        (253402300800, "outside"),  # 10000-01-01T00:00:00Z
    ],
)
def test_unreadable_values_raise_date_error(value: object, reason: str) -> None:
    with pytest.raises(DateError) as caught:
        parse(value)
    error = caught.value
    assert error.reason.startswith(reason) or reason in error.reason
    # The loader adds path and field with DateError.located(...); parse_date knows neither.
    assert (error.path, error.line, error.record, error.field) == (None, None, None, None)


def test_long_garbage_is_shortened_in_the_message() -> None:
    with pytest.raises(DateError) as caught:
        parse("x" * 500)
    assert len(caught.value.reason) < 450


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2022, 12, 2, 10, 0, tzinfo=BERLIN), "2022-12-02T10:00:00+01:00"),
        (datetime(2022, 12, 2, 10, 0), "2022-12-02T10:00:00+07:00"),
    ],
)
def test_datetime_objects_pass_through(value: datetime, expected: str) -> None:
    assert parse(value).isoformat() == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("Asia/Jakarta", ZoneInfo("Asia/Jakarta")),
        (" Europe/Berlin ", BERLIN),
        ("UTC", UTC),
        ("+07:00", timezone(timedelta(hours=7))),
        ("+0700", timezone(timedelta(hours=7))),
        ("+07", timezone(timedelta(hours=7))),
        ("-03:30", timezone(-timedelta(hours=3, minutes=30))),
        ("UTC+7", timezone(timedelta(hours=7))),
        ("+00:00", UTC),
    ],
)
def test_zone_from_spec(spec: str, expected: tzinfo) -> None:
    assert zone_from_spec(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("Asia/Nowhere", "unknown time zone 'Asia/Nowhere'; expected an IANA name"),
        ("asia/jakarta", "unknown time zone 'asia/jakarta'"),
        ("Asia", "unknown time zone 'Asia'"),
        ("../etc/passwd", "unknown time zone '../etc/passwd'"),
        ("", "unknown time zone ''"),
        ("WIB", "unknown time zone 'WIB'"),
        ("+25:00", "offset +25:00 is out of range"),
        ("+07:75", "offset +07:75 is out of range"),
    ],
)
def test_zone_from_spec_refuses_unknown_zones(spec: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        zone_from_spec(spec)
    assert str(caught.value).startswith(message)


# (aware datetime, RFC 822, RFC 3339)
FORMATTED = [
    (
        datetime(2022, 12, 2, tzinfo=JAKARTA),
        "Fri, 02 Dec 2022 00:00:00 +0700",
        "2022-12-02T00:00:00+07:00",
    ),
    (
        datetime(2022, 7, 1, 12, 0, 0, 999999, tzinfo=BERLIN),
        "Fri, 01 Jul 2022 12:00:00 +0200",
        "2022-07-01T12:00:00+02:00",
    ),
    (
        datetime(2022, 12, 2, tzinfo=UTC),
        "Fri, 02 Dec 2022 00:00:00 +0000",
        "2022-12-02T00:00:00+00:00",
    ),
    (
        datetime(2022, 12, 2, tzinfo=ZoneInfo("UTC")),
        "Fri, 02 Dec 2022 00:00:00 +0000",
        "2022-12-02T00:00:00+00:00",
    ),
    (
        datetime(2022, 1, 15, 8, 30, tzinfo=ST_JOHNS),
        "Sat, 15 Jan 2022 08:30:00 -0330",
        "2022-01-15T08:30:00-03:30",
    ),
    (
        datetime(1905, 3, 4, tzinfo=timezone(timedelta(hours=-5))),
        "Sat, 04 Mar 1905 00:00:00 -0500",
        "1905-03-04T00:00:00-05:00",
    ),
    # Jakarta's 1910 offset is +07:07:12; neither RFC can write seconds, so the same instant
    # is shown at +07:07.
    (
        datetime(1910, 1, 1, tzinfo=JAKARTA),
        "Fri, 31 Dec 1909 23:59:48 +0707",
        "1909-12-31T23:59:48+07:07",
    ),
]


@pytest.mark.parametrize(("dt", "rfc822", "rfc3339"), FORMATTED)
def test_formatters_keep_the_datetimes_own_offset(dt: datetime, rfc822: str, rfc3339: str) -> None:
    assert format_rfc822(dt) == rfc822
    assert format_rfc3339(dt) == rfc3339


@pytest.mark.parametrize("formatter", [format_rfc822, format_rfc3339])
def test_formatters_refuse_naive_datetimes(formatter: Callable[[datetime], str]) -> None:
    with pytest.raises(ValueError, match="needs an aware datetime"):
        formatter(datetime(2022, 12, 2))


@pytest.fixture
def foreign_time_locale() -> Iterator[str]:
    """Switch LC_TIME to a non-English locale for one test, if the machine has one."""
    previous = locale.setlocale(locale.LC_TIME)
    for name in ("id_ID.UTF-8", "id_ID.utf8", "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8"):
        try:
            locale.setlocale(locale.LC_TIME, name)
        except locale.Error:
            continue
        try:
            yield name
        finally:
            locale.setlocale(locale.LC_TIME, previous)
        return
    pytest.skip("no non-English locale installed on this machine")


def test_rfc822_uses_english_names_under_another_locale(foreign_time_locale: str) -> None:
    # The locale really changed strftime's names, so the check below means something.
    assert datetime(2022, 12, 2).strftime("%a %b") != "Fri Dec"
    assert format_rfc822(datetime(2022, 12, 2, tzinfo=JAKARTA)) == "Fri, 02 Dec 2022 00:00:00 +0700"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-W48-5", "2022-12-02T00:00:00+07:00"),  # ISO week date: Friday of week 48
        ("2022W485T1430", "2022-12-02T14:30:00+07:00"),
        ("2022-336", "2022-12-02T00:00:00+07:00"),  # ISO ordinal date: day 336
        ("2022-336T10:00+08:00", "2022-12-02T10:00:00+08:00"),
    ],
)
def test_iso_week_and_ordinal_dates(text: str, expected: str) -> None:
    assert parse_date(text, default_tz=ZoneInfo("Asia/Jakarta")).isoformat() == expected


@pytest.mark.parametrize(
    "text",
    [
        "2022-12",  # a month names no day
        "2022-W60-1",  # there is no week 60
        "2022-400",  # nor a day 400
        "2022-W12-7T02:30",  # Sunday 27 March 2022: Berlin's clocks skip 02:00-03:00
    ],
)
def test_iso_forms_that_name_no_single_instant(text: str) -> None:
    with pytest.raises(DateError):
        parse_date(text, default_tz=ZoneInfo("Europe/Berlin"))
