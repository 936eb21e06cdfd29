"""Local clocks for frames: each row's moment on the wall clock of its own zone.

Conversions go through `dt.convert_time_zone`, one zone at a time (rows are grouped by zone), so
daylight-saving rules come from the time-zone database, never from fixed offsets.
"""

from __future__ import annotations

from datetime import time

import polars as pl


def local_clock(frame: pl.DataFrame, *, at: str, zone: str) -> pl.Series:
    """Return the naive local wall-clock datetime of column `at` in each row's zone, in row order."""
    narrow = frame.select(pl.col(at).alias("at"), pl.col(zone).fill_null("UTC").alias("zone"))
    if narrow.is_empty():
        return pl.Series("local", [], dtype=pl.Datetime("us"))
    parts = [
        part.select("row", local=pl.col("at").dt.convert_time_zone(str(zone_name)).dt.replace_time_zone(None))
        for (zone_name,), part in narrow.with_row_index("row").partition_by("zone", as_dict=True).items()
    ]
    return pl.concat(parts).sort("row")["local"]


def local_date(frame: pl.DataFrame, *, at: str, zone: str) -> pl.Series:
    """Return the local calendar date of column `at` in each row's zone, in row order."""
    return local_clock(frame, at=at, zone=zone).dt.date()


def inside(clock: pl.Expr, start: time, end: time) -> pl.Expr:
    """Tell whether a local time of day is inside [start, end), wrapping past midnight when start > end."""
    if start <= end:
        return (clock >= start) & (clock < end)
    return (clock >= start) | (clock < end)


def inside_columns(clock: pl.Expr, start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """Tell whether a local time is inside a per-row window [start, end) (wrapping as above)."""
    return (
        pl.when(start <= end)
        .then((clock >= start) & (clock < end))
        .otherwise((clock >= start) | (clock < end))
    )
