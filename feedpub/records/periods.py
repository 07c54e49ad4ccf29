"""Archive periods: the calendar period an entry's archive page is named after.

A page depends only on its entries' own publish dates, read in the site's time
zone, so an archive page, once its period is over, never changes again unless
one of its own records does.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

__all__ = ["ARCHIVE_PERIODS", "archive_period"]

#: The granularities ``archive`` may name (besides ``"off"``), coarsest first.
ARCHIVE_PERIODS = ("year", "month", "week", "day")


def archive_period(moment: datetime, zone: tzinfo, granularity: str) -> str:
    """``2022``, ``2022-12``, ``2022-W48`` (ISO 8601 week) or ``2022-12-02`` for ``moment``
    in ``zone``. Periods of one granularity sort as text in time order."""
    local = moment.astimezone(zone)
    if granularity == "year":
        return f"{local.year:04d}"
    if granularity == "month":
        return f"{local.year:04d}-{local.month:02d}"
    if granularity == "week":
        year, week, _ = local.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if granularity == "day":
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    raise ValueError(f"unknown archive period {granularity!r}")
