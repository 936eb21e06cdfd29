"""Bulk reads and writes for the import: COPY on PostgreSQL, multi-row ``INSERT`` on SQLite.

Frames handed to the writers hold database column names and values already in the form the
database stores (strings for dates, decimals and JSON, booleans as booleans).

On SQLite a large insert checks the table's CHECK constraints once, set-based, after the rows are
in (``_checked_after``), instead of row by row: SQLite evaluates them at ≈ 0.5 µs a constraint and
row inside an INSERT, and at a tenth of that in one scan. A violation raises ``IntegrityError``
like the inline check would, and the caller's transaction rolls everything back.
"""

from __future__ import annotations

import io
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import datetime
from itertools import chain
from typing import Any

import polars as pl
from django.db import IntegrityError, connection, models
from django.db.models.sql.query import Query

SQLITE_CHUNK = 5000
SQLITE_CACHE_KIB = 512 * 1024
SQLITE_BLOCK_ROWS = 50_000
SQLITE_ROWS_PER_STATEMENT = 1000
SQLITE_CHECK_AFTER_ROWS = 10_000
POSTGRES_CHUNK = 100_000
POSTGRES_ID_BLOCK_FROM = 10_000
POSTGRES_INDEX_MEMORY = "256MB"

log = logging.getLogger("arrears.portfolio.imports")


@contextmanager
def timed(label: str) -> Iterator[None]:
    """Log how long the block took (logger ``arrears.portfolio.imports``, level DEBUG)."""
    started = time.perf_counter()
    yield
    log.debug("%s: %.2f s", label, time.perf_counter() - started)


def is_postgres() -> bool:
    """Return whether the default database is PostgreSQL."""
    return connection.vendor == "postgresql"


def stored_datetime(value: datetime) -> str:
    """Return ``value`` as the database stores a DateTimeField value (text)."""
    return str(connection.ops.adapt_datetimefield_value(value))


def stored_datetimes(column: pl.Expr) -> pl.Expr:
    """Return an aware datetime column as the database stores it, like ``stored_datetime`` does one value.

    SQLite keeps naive UTC text without a fraction when there is none; PostgreSQL reads ISO text
    with its offset.
    """
    utc = column.dt.convert_time_zone("UTC")
    if is_postgres():
        return utc.dt.strftime("%Y-%m-%d %H:%M:%S%.6f+00:00")
    whole = utc.dt.strftime("%Y-%m-%d %H:%M:%S")
    return pl.when(utc.dt.microsecond() == 0).then(whole).otherwise(utc.dt.strftime("%Y-%m-%d %H:%M:%S%.6f"))


def table(model: type[models.Model]) -> str:
    """Return the quoted table name of ``model``."""
    return connection.ops.quote_name(model._meta.db_table)


def _quoted(columns: Sequence[str]) -> str:
    return ", ".join(connection.ops.quote_name(name) for name in columns)


def insert_with_ids(model: type[models.Model], frame: pl.DataFrame) -> pl.Series:
    """Insert ``frame`` with ids reserved up front (``reserve_ids``) and return them in row order."""
    ids = reserve_ids(model, frame.height)
    insert_frame(model, frame.with_columns(ids))
    return ids


def reserve_ids(model: type[models.Model], count: int) -> pl.Series:
    """Return ``count`` new ids for ``model``'s rows, ascending, that no other row has or will get.

    Rows can then be written in any order within the transaction (foreign keys are checked at
    commit), e.g. debts before the debtors they point to. SQLite: a block above the highest id
    ever used, recorded as used at once (the transaction holds the write lock); PostgreSQL: drawn
    from the id sequence.
    """
    if count == 0:
        return pl.Series("id", [], dtype=pl.Int64)
    with connection.cursor() as cursor:
        if is_postgres():
            return _reserve_postgres_ids(cursor, model, count)
        return _reserve_sqlite_ids(cursor, model, count)


def _highest_id(cursor: Any, model: type[models.Model]) -> int:
    """Return the highest id in ``model``'s table (0 when empty)."""
    pk = connection.ops.quote_name(model._meta.pk.column)
    cursor.execute(f"SELECT COALESCE(MAX({pk}), 0) FROM {table(model)}")  # noqa: S608
    return int(cursor.fetchone()[0])


def insert_returning_ids(model: type[models.Model], frame: pl.DataFrame, *, key: str) -> dict[Any, int]:
    """Insert ``frame`` and return ``key`` value → new id for its rows (``key`` unique among them).

    Rows above the highest id before the insert include these (the caller's transaction holds the
    write lock on SQLite; on PostgreSQL ids come from the sequence, above any committed before); rows
    other transactions committed meanwhile have other keys, so picking by key is exact.
    """
    if frame.height == 0:
        return {}
    name = table(model)
    column = connection.ops.quote_name(key)
    wanted = set(frame.get_column(key).to_list())
    with connection.cursor() as cursor:
        highest = _highest_id(cursor, model)
        insert_frame(model, frame)
        cursor.execute(f"SELECT {column}, id FROM {name} WHERE id > %s", [highest])  # noqa: S608 - fixed names
        return {found: pk for found, pk in cursor.fetchall() if found in wanted}


def _reserve_sqlite_ids(cursor: Any, model: type[models.Model], count: int) -> pl.Series:
    """Hand out the ``count`` ids after the highest ever used and record them as used at once."""
    name = model._meta.db_table
    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [name])
    row = cursor.fetchone()
    start = max(_highest_id(cursor, model), row[0] if row else 0) + 1
    last = start + count - 1
    if row:
        cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last, name])
    else:
        cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [name, last])
    return pl.int_range(start, last + 1, dtype=pl.Int64, eager=True).alias("id")


def _reserve_postgres_ids(cursor: Any, model: type[models.Model], count: int) -> pl.Series:
    """Draw ``count`` ids from ``model``'s sequence: one by one for a few, as one block for many.

    A block moves the sequence past it in one step; the table lock (inserts wait, reads do not)
    makes sure no other transaction draws an id in between until this one commits.
    """
    name = model._meta.db_table
    if count < POSTGRES_ID_BLOCK_FROM:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [name, count]
        )
        return pl.Series("id", [row[0] for row in cursor.fetchall()], dtype=pl.Int64).sort()
    cursor.execute(f"LOCK TABLE {table(model)} IN SHARE ROW EXCLUSIVE MODE")
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
        [name, name, count],
    )
    last = cursor.fetchone()[0]
    return pl.int_range(last - count + 1, last + 1, dtype=pl.Int64, eager=True).alias("id")


def prepare_bulk_session() -> None:
    """Tune the connection for a bulk load (SQLite: a page cache large enough for random index inserts)."""
    if not is_postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")


def insert_frame(model: type[models.Model], frame: pl.DataFrame) -> None:
    """Insert every row of ``frame`` into ``model``'s table."""
    if frame.height == 0:
        return
    with timed(f"insert {frame.height} rows into {model._meta.db_table}"):
        if is_postgres():
            _copy(table(model), frame)
        elif frame.height < SQLITE_CHECK_AFTER_ROWS or not connection.in_atomic_block:
            _sqlite_insert(table(model), frame)
        else:
            with _checked_after(model):
                _sqlite_insert(table(model), frame)


def _sqlite_insert(target: str, frame: pl.DataFrame) -> None:
    """Insert with multi-row ``INSERT … VALUES (…), (…)`` statements, one per ~1,000 rows.

    One statement per row (``executemany``) pays SQLite's per-statement work (reset, bind,
    AUTOINCREMENT bookkeeping) for every row; a statement of many rows pays it once. A thread turns
    the columns into each statement's flat parameter list while SQLite (which releases the GIL
    while it writes) runs the statement before.
    """
    connection.ensure_connection()
    raw = connection.connection
    width = len(frame.columns)
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, min(SQLITE_ROWS_PER_STATEMENT, limit // width))
    prefix = f"INSERT INTO {target} ({_quoted(frame.columns)}) VALUES "  # noqa: S608
    row_marks = "(" + ", ".join("?" * width) + ")"
    full = prefix + ", ".join([row_marks] * per_statement)
    with closing(_statement_parameters(_sqlite_values(frame), per_statement)) as statements:
        for parameters in statements:
            rows = len(parameters) // width
            raw.execute(full if rows == per_statement else prefix + ", ".join([row_marks] * rows), parameters)


def _statement_parameters(frame: pl.DataFrame, per_statement: int) -> Generator[list[Any]]:
    """Yield the flat parameters of ``per_statement`` rows at a time, made ahead in a thread."""
    ready: queue.Queue[list[Any] | BaseException | None] = queue.Queue(maxsize=4)
    stop = threading.Event()

    def produce() -> None:
        try:
            for offset in range(0, frame.height, SQLITE_BLOCK_ROWS):
                columns = [
                    column.to_list() for column in frame.slice(offset, SQLITE_BLOCK_ROWS).get_columns()
                ]
                for start in range(0, len(columns[0]), per_statement):
                    end = start + per_statement
                    ready.put(
                        list(
                            chain.from_iterable(zip(*(column[start:end] for column in columns), strict=True))
                        )
                    )
                    if stop.is_set():
                        return
            ready.put(None)
        except BaseException as error:  # handed to the consumer, which raises it
            ready.put(error)

    producer = threading.Thread(target=produce, name="import-flatten", daemon=True)
    producer.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while producer.is_alive():
            try:
                ready.get(timeout=0.1)
            except queue.Empty:
                continue
        producer.join()


@contextmanager
def _checked_after(model: type[models.Model]) -> Iterator[None]:
    """Insert without per-row CHECK constraints, then check the new rows (ids above the old maximum) at once.

    SQLite only, inside the caller's transaction (which holds the write lock, so every row above the
    old maximum id is one of ours).
    """
    checks = _check_conditions(model)
    with connection.cursor() as cursor:
        highest = _highest_id(cursor, model)
        cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            yield
        finally:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")
        with timed(f"check {model._meta.db_table} ({len(checks)})"):
            # One scan for all of them; only a failure is worth a second look to name the constraint.
            if checks and _violates(model, highest, checks):
                failed = next(check for check in checks if _violates(model, highest, [check]))
                raise IntegrityError(f"CHECK constraint failed: {failed[0]}")


def _violates(model: type[models.Model], above: int, checks: list[tuple[str, str, list[Any]]]) -> bool:
    """Return whether a row of ``model`` with an id above ``above`` breaks one of ``checks``."""
    pk = connection.ops.quote_name(model._meta.pk.column)
    broken = " OR ".join(f"NOT ({condition})" for _, condition, _ in checks)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table(model)} WHERE {pk} > %s AND ({broken}) LIMIT 1",  # noqa: S608
            [above, *(param for _, _, params in checks for param in params)],
        )
        return cursor.fetchone() is not None


def _check_conditions(model: type[models.Model]) -> list[tuple[str, str, list[Any]]]:
    """Return each CHECK constraint of ``model``'s table: its name, its SQL condition and parameters.

    The conditions are the ones the schema declares: fields' own (e.g. JSON_VALID, ``>= 0``) and
    ``Meta.constraints``, compiled the way the migration compiled them.
    """
    found: list[tuple[str, str, list[Any]]] = [
        (f"{model._meta.db_table}.{field.column}", check, [])
        for field in model._meta.local_concrete_fields
        if (check := field.db_check(connection))
    ]
    query = Query(model=model, alias_cols=False)
    compiler = query.get_compiler(connection=connection)
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            # django-stubs type ``build_where`` narrower than Django, which takes any expression here.
            where = query.build_where(constraint.condition)  # type: ignore[arg-type]
            sql, params = where.as_sql(compiler, connection)
            found.append((constraint.name, sql, list(params)))
    return found


def is_bulk_load(model: type[models.Model], incoming: int) -> bool:
    """Return whether ``incoming`` rows are a bulk load for ``model``'s table: at least four times its rows.

    Only inside a transaction, which a bulk load needs to rebuild indexes and keys safely.
    """
    if not connection.in_atomic_block or incoming == 0:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table(model)}")  # noqa: S608
        return incoming >= 4 * cursor.fetchone()[0]


@contextmanager
def bulk_load(
    written: Sequence[type[models.Model]], referenced: Sequence[type[models.Model]], bulk: bool
) -> Iterator[None]:
    """For a bulk load into the ``written`` tables: build their indexes and check their keys once at the end.

    Inside the caller's transaction, plain (non-unique) indexes of ``written`` are dropped and built
    again after the writes, instead of being updated row by row; unique constraints stay and are
    enforced per row. On PostgreSQL, foreign keys from ``written`` to ``written`` or ``referenced``
    are dropped too and added back at the end: adding one checks every row in a single join, where
    PostgreSQL would otherwise run a trigger per row that also locks the referenced row (≈ 6 M
    lookups at a million debts, more than the writes). A broken row fails the import like the
    trigger would, and a failure rolls the drops back with everything else.

    SQLite: other connections keep reading the last committed state. PostgreSQL: these tables are
    locked (ACCESS EXCLUSIVE) until the commit — other users wait for a bulk load to finish.
    Not bulk (or outside a transaction): nothing changes.
    """
    if not (bulk and connection.in_atomic_block):
        yield
        return
    names = [model._meta.db_table for model in written]
    with connection.cursor() as cursor:
        indexes = _plain_indexes(cursor, names)
        keys: list[tuple[str, str, str]] = []
        if is_postgres():
            cursor.execute(
                "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) AND confrelid = ANY(%s::regclass[])",
                [names, names + [model._meta.db_table for model in referenced]],
            )
            keys = cursor.fetchall()
        for name, owner, _ in keys:
            cursor.execute(f"ALTER TABLE {owner} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for index, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(index)}")
    yield
    with connection.cursor() as cursor:
        if is_postgres():
            # Tables with checks still pending cannot be altered: run the other keys' checks now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{POSTGRES_INDEX_MEMORY}'")
        with timed(f"indexes ({len(indexes)})"):
            for _, sql in indexes:
                cursor.execute(sql)
        with timed(f"foreign keys ({len(keys)})"):
            for name, owner, definition in keys:
                cursor.execute(
                    f"ALTER TABLE {owner} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
                )


def _plain_indexes(cursor: Any, tables: list[str]) -> list[tuple[str, str]]:
    """Return the name and definition of each non-unique index of ``tables``."""
    if is_postgres():
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = ANY(%s::regclass[]) AND NOT x.indisunique AND NOT x.indisprimary",
            [tables],
        )
        return cursor.fetchall()
    marks = ", ".join(["%s"] * len(tables))
    cursor.execute(
        f"SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks}) "  # noqa: S608
        "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
        tables,
    )
    # SQLite settles a deferred key from the parent's side too: a debtor written after its debts
    # looks them up through the debts' index on debtor_id. Without it, every parent row would scan
    # the whole child table. Such indexes stay.
    return [
        (name, sql)
        for name, owner, sql in cursor.fetchall()
        if not _leads_with_key_among(cursor, name, owner, tables)
    ]


def _leads_with_key_among(cursor: Any, index: str, owner: str, tables: list[str]) -> bool:
    """Return whether SQLite ``index`` starts with a foreign-key column pointing to one of ``tables``."""
    cursor.execute("SELECT name FROM pragma_index_info(%s) WHERE seqno = 0", [index])
    first = cursor.fetchone()[0]
    cursor.execute('SELECT "from", "table" FROM pragma_foreign_key_list(%s)', [owner])
    return any(column == first and parent in tables for column, parent in cursor.fetchall())


def update_frame(model: type[models.Model], frame: pl.DataFrame) -> None:
    """Set the columns of ``frame`` on the rows whose ``id`` it names."""
    if frame.height == 0:
        return
    columns = [name for name in frame.columns if name != "id"]
    if is_postgres():
        staging = f"import_staging_{model._meta.db_table}"
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {_quoted(frame.columns)} FROM {table(model)} WITH NO DATA"
            )
            _copy(staging, frame)
            assignments = ", ".join(f"{name} = s.{name}" for name in map(connection.ops.quote_name, columns))
            cursor.execute(f"UPDATE {table(model)} t SET {assignments} FROM {staging} s WHERE t.id = s.id")  # noqa: S608
            cursor.execute(f"DROP TABLE {staging}")
        return
    assignments = ", ".join(f"{connection.ops.quote_name(name)} = ?" for name in columns)
    sql = f"UPDATE {table(model)} SET {assignments} WHERE id = ?"  # noqa: S608
    connection.ensure_connection()
    connection.connection.executemany(sql, _sqlite_rows(frame.select(*columns, "id")))


def delete_where_in(model: type[models.Model], column: str, values: Sequence[Any]) -> None:
    """Delete the rows of ``model`` whose ``column`` is one of ``values``."""
    for chunk in _chunks(values):
        model._default_manager.filter(**{f"{column}__in": chunk}).delete()


def select_where_in(
    sql: str, values: Sequence[Any], params: Sequence[Any], schema: dict[str, Any]
) -> pl.DataFrame:
    """Run ``sql`` (ending in ``IN ({values})``) for ``values`` in chunks; return the rows as a frame.

    ``sql`` takes ``params`` first, then the chunk of ``values``.
    """
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(values):
            if is_postgres():
                array = "bigint[]" if isinstance(chunk[0], int) else "text[]"
                cursor.execute(sql.format(values=f"SELECT unnest(%s::{array})"), [*params, list(chunk)])
            else:
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(sql.format(values=marks), [*params, *chunk])
            rows.extend(cursor.fetchall())
    return pl.DataFrame(rows, schema=schema, orient="row")


def select_in_portfolio(
    model: type[models.Model],
    sql: str,
    ref_column: str,
    refs: pl.Series,
    *,
    portfolio_id: int,
    schema: dict[str, Any],
) -> pl.DataFrame:
    """Return the rows of ``sql`` (``… WHERE <portfolio_id> = %s``) whose ``ref_column`` is in ``refs``.

    The first column of ``sql`` must be the reference. Set-based: an empty portfolio costs one
    count; a portfolio not much larger than ``refs`` is read whole in one query and matched in
    Polars; only a large portfolio receiving a small file is asked in chunks of references.
    """
    empty = pl.DataFrame(schema=schema)
    if refs.len() == 0:
        return empty
    in_portfolio = model._default_manager.filter(portfolio_id=portfolio_id).count()
    if in_portfolio == 0:
        return empty
    if in_portfolio <= 4 * refs.len():
        with connection.cursor() as cursor:
            cursor.execute(sql, [portfolio_id])
            found = pl.DataFrame(cursor.fetchall(), schema=schema, orient="row")
        first = next(iter(schema))
        return found.filter(pl.col(first).is_in(refs.implode()))
    return select_where_in(f"{sql} AND {ref_column} IN ({{values}})", refs.to_list(), [portfolio_id], schema)


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    size = POSTGRES_CHUNK if is_postgres() else SQLITE_CHUNK
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _copy(target: str, frame: pl.DataFrame) -> None:
    payload = io.BytesIO()
    frame.write_csv(payload, include_header=False, null_value="")
    sql = f"COPY {target} ({_quoted(frame.columns)}) FROM STDIN (FORMAT csv)"
    # COPY goes to psycopg directly: Django's wrapper turns its errors into Django's (IntegrityError …).
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        copy.write(payload.getbuffer())


def _sqlite_values(frame: pl.DataFrame) -> pl.DataFrame:
    """Return ``frame`` with booleans as 0/1 and dates and decimals as text, as Django stores them."""
    casts = [
        pl.col(name).cast(pl.Int8) if dtype == pl.Boolean else pl.col(name).cast(pl.String)
        for name, dtype in frame.schema.items()
        if dtype == pl.Boolean or dtype == pl.Date or isinstance(dtype, pl.Decimal)
    ]
    return frame.with_columns(casts)


def _sqlite_rows(frame: pl.DataFrame) -> Iterator[tuple[Any, ...]]:
    """Return rows with booleans as 0/1 and dates and decimals as text, as Django stores them."""
    return _sqlite_values(frame).iter_rows()
