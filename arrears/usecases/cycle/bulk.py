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
from django.db import connection, models

from arrears.portfolio.imports.database import insert_frame, stored_datetime, table, update_frame

__all__ = ["insert", "insert_returning_ids", "json_list", "moment", "update"]

insert = insert_frame
update = update_frame


def moment(value: datetime) -> pl.Expr:
    """Return a constant timestamp column as the database stores it."""
    return pl.lit(stored_datetime(value))


def json_list(column: str) -> pl.Expr:
    """Return a list-of-strings column as JSON text (the strings are codes: no quotes or backslashes)."""
    items = pl.col(column)
    return (
        pl.when(items.list.len() == 0)
        .then(pl.lit("[]"))
        .otherwise(pl.concat_str([pl.lit('["'), items.list.join('", "'), pl.lit('"]')]))
    )


def insert_returning_ids(model: type[models.Model], frame: pl.DataFrame, *, key: str) -> dict[object, int]:
    """Insert ``frame`` and return ``key`` value → new id for its rows (``key`` unique among them).

    Runs inside the partition's transaction, which holds the run's lock: rows of ``model`` above
    the highest id before the insert are this insert's (on SQLite the transaction holds the write
    lock; on PostgreSQL the ids come from the sequence, above any committed before).
    """
    if frame.height == 0:
        return {}
    name = table(model)
    column = connection.ops.quote_name(key)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {name}")  # noqa: S608 - fixed names
        highest = cursor.fetchone()[0]
        insert_frame(model, frame)
        cursor.execute(f"SELECT {column}, id FROM {name} WHERE id > %s", [highest])  # noqa: S608 - fixed names
        return dict(cursor.fetchall())
