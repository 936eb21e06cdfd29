"""The cycle's bulk writes: Polars frames straight into tables (COPY on PostgreSQL, multi-row INSERT on SQLite).

A partition writes hundreds of thousands of rows; building a model object per row and sending
it through ``bulk_create`` costs 35–140 µs a row, where a frame costs a few. Frames hold database
column names with every NOT NULL column filled (Django's model defaults are not database
defaults); ``moment`` and ``json_list`` give timestamps and JSON lists in the form each database
stores. The partition's transaction is never re-applied once committed, so no conflicts are
expected; a unique constraint still refuses a duplicate.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from arrears.portfolio.imports.database import (
    insert_frame,
    insert_returning_ids,
    stored_datetime,
    stored_datetimes,
    update_frame,
)

__all__ = ["insert", "insert_returning_ids", "json_list", "moment", "moments", "update"]

insert = insert_frame
update = update_frame


def moment(value: datetime) -> pl.Expr:
    """Return a constant timestamp column as the database stores it."""
    return pl.lit(stored_datetime(value))


def moments(column: str) -> pl.Expr:
    """Return an aware datetime column as the database stores it."""
    return stored_datetimes(pl.col(column))


def json_list(column: str) -> pl.Expr:
    """Return a list-of-strings column as JSON text (the strings are codes: no quotes or backslashes)."""
    items = pl.col(column)
    return (
        pl.when(items.list.len() == 0)
        .then(pl.lit("[]"))
        .otherwise(pl.concat_str([pl.lit('["'), items.list.join('", "'), pl.lit('"]')]))
    )
