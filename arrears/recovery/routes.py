"""Order a day's visits into a route. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Stop:
    visit_id: int
    area: str
    scheduled_for: datetime


def order_route(stops: Sequence[Stop]) -> list[int]:
    """Return visit ids grouped by area (areas by their earliest visit), by time within an area."""
    first_in_area: dict[str, datetime] = {}
    for stop in stops:
        key = stop.area.strip().casefold()
        first_in_area[key] = min(first_in_area.get(key, stop.scheduled_for), stop.scheduled_for)
    ordered = sorted(
        stops,
        key=lambda stop: (
            first_in_area[stop.area.strip().casefold()], stop.area.strip().casefold(), stop.scheduled_for,
            stop.visit_id,
        ),
    )  # fmt: skip
    return [stop.visit_id for stop in ordered]
