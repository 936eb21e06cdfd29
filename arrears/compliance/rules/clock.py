"""The person's local clock: local dates, daily windows, and when a window next opens.

A window is a local time-of-day range [start, end) — wrapping past midnight when start > end —
checked in every candidate zone; a moment is inside only when it is inside in all of them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]

# How far ahead to look for an opening; past this the window is treated as never opening.
_HORIZON_DAYS = 8


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_date(moment: datetime, zone_name: str) -> date:
    return moment.astimezone(zone(zone_name)).date()


def start_of_day(day: date, zone_name: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone(zone_name))


def in_window(moment: datetime, zone_name: str, start: time, end: time) -> bool:
    """Tell whether the local time of a moment in one zone is inside [start, end)."""
    local = moment.astimezone(zone(zone_name)).time().replace(tzinfo=None)
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def in_all_windows(moment: datetime, zone_names: tuple[str, ...], start: time, end: time) -> bool:
    return all(in_window(moment, zone_name, start, end) for zone_name in zone_names)


def _daily_intervals(zone_name: str, first: date, days: int, start: time, end: time) -> list[Interval]:
    """Return the window's UTC intervals on consecutive local days."""
    tz = zone(zone_name)
    intervals = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        opens = datetime.combine(day, start, tzinfo=tz).astimezone(UTC)
        closes_day = day if start < end else day + timedelta(days=1)
        closes = datetime.combine(closes_day, end, tzinfo=tz).astimezone(UTC)
        intervals.append((opens, closes))
    return intervals


def _intersect(left: list[Interval], right: list[Interval]) -> list[Interval]:
    result = []
    for left_start, left_end in left:
        for right_start, right_end in right:
            start, end = max(left_start, right_start), min(left_end, right_end)
            if start < end:
                result.append((start, end))
    return sorted(result)


def next_window_opening(
    moment: datetime, zone_names: tuple[str, ...], start: time, end: time
) -> datetime | None:
    """Return the first moment at or after `moment` inside the window in every zone, or None."""
    first = moment.astimezone(UTC).date() - timedelta(days=1)
    common: list[Interval] | None = None
    for zone_name in zone_names:
        intervals = _daily_intervals(zone_name, first, _HORIZON_DAYS, start, end)
        common = intervals if common is None else _intersect(common, intervals)
    for opens, closes in common or []:
        if closes > moment:
            return max(opens, moment.astimezone(UTC))
    return None
