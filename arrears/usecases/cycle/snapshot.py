"""The at-scale account snapshot of the daily cycle: a few set-based queries read into Polars.

``read_snapshot`` gives one row per debt under treatment of a portfolio (one partition of it): every
open debt, and a settled, written-off or closed one while its case is still in a stage or has an
open promise (so the strategy can see it paid and move it out, and the promise can be kept). It has the
columns of ``engine.fields.SNAPSHOT_SCHEMA`` followed by ``EXTRA_SCHEMA``, ordered by debt id, with
the semantics of ``portfolio.ledger.list_positions`` (balances, days past due) and
``ledger.get_schedule`` (days until due), computed without a row of Python per debt:

- money is summed in SQL as integer cents (SQLite adds decimals as floats) and becomes
  ``pl.Decimal(18, 2)`` in Polars, exactly;
- a debt's schedule is its explicit instalment rows when it has any; else one instalment of the
  principal and interest charged on its due date when it has one instalment; else equal monthly
  principal shares (``schedule.equal_monthly``) in closed form: the first unpaid instalment is the
  number of whole shares paid, capped at the last one, which takes the rounding remainder;
- ``overdue_amount`` is the principal and interest scheduled before ``as_of`` less what was paid
  toward the schedule (0 unless past due); ``overdue_since`` is the due date of the oldest unpaid
  instalment when past due (``days_past_due == as_of - overdue_since``), else null;
- case facts come from ``casework.Case`` when the debt has one (none: no stage, reason unknown,
  not key, no promises broken); an empty stage is null; ``days_in_stage`` counts from
  ``stage_entered_on`` whenever it is set; ``broken_promises`` counts the case's promises whose
  status is broken, whenever they broke;
- ``days_since_last_contact`` counts from the local date, in the portfolio's time zone, of the
  debtor's latest contact event of any kind (attempts and third-party contacts too) up to the end
  of ``as_of`` there; later events are ignored like later payments.

Reading is one query per table group (debts with debtor, case and broken promises; ledger sums;
explicit instalments; last contacts), through ``COPY … TO STDOUT (FORMAT csv)`` on PostgreSQL
and ``fetchall`` on SQLite; the rows of one call are not read in one database snapshot.

Partitions split debtors by an arithmetic hash of the debtor id (``partition_of`` and the SQL agree),
so all debts of one debtor are in the same partition.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from django.db import connection

from arrears.casework.models import Arrangement, ArrangementStatus, Case, Promise, PromiseStatus
from arrears.compliance.models import ContactEvent
from arrears.core.money import MINOR_UNITS
from arrears.engine.fields import SNAPSHOT_SCHEMA
from arrears.portfolio import aging, schedule
from arrears.portfolio.choices import Component, DebtStatus
from arrears.portfolio.models import Debt, Debtor, Instalment, LedgerEntry, Portfolio

CLOSED_STATUSES = (DebtStatus.SETTLED, DebtStatus.WRITTEN_OFF, DebtStatus.CLOSED)
HASH_MULTIPLIER = 2654435761
HASH_MODULUS = 4294967296
MONEY = pl.Decimal(18, 2)
RATE = pl.Decimal(7, 4)

EXTRA_SCHEMA = pl.Schema({
    "case_id": pl.Int64(), "portfolio_id": pl.Int64(), "created_on": pl.Date(),
    "stage_entered_on": pl.Date(), "contract_date": pl.Date(),
    "penalty_rate": RATE, "principal_balance": MONEY, "overdue_amount": MONEY, "overdue_since": pl.Date(),
    "language": pl.String(), "region": pl.String(), "is_closed": pl.Boolean(),
})  # fmt: skip
OUTPUT_SCHEMA = pl.Schema({**SNAPSHOT_SCHEMA, **EXTRA_SCHEMA})


def partition_of(debtor_id: int, partitions: int) -> int:
    """Return the partition of ``debtor_id`` among ``partitions``, as the snapshot's SQL computes it."""
    return ((debtor_id * HASH_MULTIPLIER) % HASH_MODULUS) % partitions


def read_snapshot(
    *, portfolio: Portfolio, as_of: date, partition: int = 0, partitions: int = 1
) -> pl.DataFrame:
    """Return the snapshot of the open debts of ``portfolio`` in ``partition`` on ``as_of``, by debt id.

    :raises ValueError: when ``partition`` is not in ``range(partitions)``.
    """
    if not 0 <= partition < partitions:
        raise ValueError(f"partition {partition} is not in 0..{partitions - 1}")
    params = _params(portfolio, as_of, partition, partitions)
    debts = _read(_debts_sql(partitions), params, DEBTS)
    sums = _read(_ledger_sql(partitions), params, SUMS)
    explicit = _read(_instalments_sql(partitions), params, INSTALMENTS)
    contacts = _read(_contacts_sql(partitions), params, CONTACTS)
    frame = debts.join(sums, on="debt_id", how="left").with_columns(pl.col(list(SUMS)[1:]).fill_null(0))
    frame = _with_schedule(frame, explicit, as_of)
    frame = frame.join(_contact_dates(contacts, portfolio.time_zone), on="debtor_id", how="left")
    return _finish(frame, portfolio, as_of).sort("debt_id")


# --- the queries ---------------------------------------------------------------------------------

DEBTS = {
    "debt_id": pl.Int64, "debtor_id": pl.Int64, "currency": pl.String, "product": pl.String,
    "status": pl.String, "verified": pl.Int8, "principal_terms": pl.Int64, "due_date": pl.Date,
    "instalment_count": pl.Int64, "contract_date": pl.Date, "penalty_rate": pl.Int64,
    "debtor_kind": pl.String, "language": pl.String, "region": pl.String, "case_id": pl.Int64,
    "stage": pl.String, "stage_entered_on": pl.Date, "delinquency_reason": pl.String, "score": pl.Int32,
    "is_key_customer": pl.Int8, "created_on": pl.Date,
    "broken_promises": pl.Int32, "has_arrangement": pl.Int8,
}  # fmt: skip
SUMS = {
    "debt_id": pl.Int64,
    "balance": pl.Int64,
    "principal_balance": pl.Int64,
    "charged": pl.Int64,
    "paid": pl.Int64,
}
INSTALMENTS = {"debt_id": pl.Int64, "due_date": pl.Date, "amount": pl.Int64}
CONTACTS = {"debtor_id": pl.Int64, "last_contact_epoch": pl.Int64}


def _params(portfolio: Portfolio, as_of: date, partition: int, partitions: int) -> dict[str, Any]:
    next_day = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=ZoneInfo(portfolio.time_zone))
    return {
        "portfolio_id": portfolio.pk,
        "as_of": connection.ops.adapt_datefield_value(as_of),
        "contacts_before": connection.ops.adapt_datetimefield_value(next_day),
        "partition": partition,
        "partitions": partitions,
        "broken": PromiseStatus.BROKEN.value,
        "open": PromiseStatus.OPEN.value,
        "active": ArrangementStatus.ACTIVE.value,
        **{f"closed_{index}": str(status) for index, status in enumerate(CLOSED_STATUSES)},
        **{component.value: component.value for component in Component},
    }


def _cents(column: str) -> str:
    return f"CAST(ROUND({column} * 100) AS BIGINT)"


def _in_scope(partitions: int) -> str:
    """Return the condition of an open debt of the portfolio in the partition."""
    closed = ", ".join(f"%(closed_{index})s" for index in range(len(CLOSED_STATUSES)))
    cases, promises = Case._meta.db_table, Promise._meta.db_table
    still_treated = (
        f"SELECT t.debt_id FROM {cases} t WHERE t.portfolio_id = %(portfolio_id)s AND (t.stage <> '' "  # noqa: S608 - fixed names
        f"OR t.id IN (SELECT p.case_id FROM {promises} p WHERE p.status = %(open)s))"
    )
    return (
        f"d.portfolio_id = %(portfolio_id)s AND (d.status NOT IN ({closed}) OR d.id IN ({still_treated})) "
        f"AND {_partition('d.debtor_id', partitions)}"
    )


def _created_on(column: str) -> str:
    """Return the UTC date of the debt's creation (on SQLite named so its ``[date]`` converter makes it a date)."""
    return (
        f"CAST({column} AS DATE)"
        if connection.vendor == "postgresql"
        else f'date({column}) AS "created_on [date]"'
    )


def _partition(debtor_id: str, partitions: int) -> str:
    """Return the condition of a debtor in the partition; none for one partition, which keeps row estimates right."""
    if partitions == 1:
        return "1 = 1"
    return f"(({debtor_id} * {HASH_MULTIPLIER}) %% {HASH_MODULUS}) %% %(partitions)s = %(partition)s"


def _debts_sql(partitions: int) -> str:
    return f"""
        SELECT d.id, d.debtor_id, d.currency, d.product, d.status,
            CASE WHEN d.verified_at IS NULL THEN 0 ELSE 1 END, {_cents("d.principal")}, d.due_date,
            d.instalment_count, d.contract_date, CAST(ROUND(d.penalty_rate * 10000) AS BIGINT),
            r.kind, r.language, r.region, c.id, NULLIF(c.stage, ''), c.stage_entered_on,
            COALESCE(c.delinquency_reason, 'unknown'), c.score,
            CASE WHEN c.is_key_customer THEN 1 ELSE 0 END, {_created_on("d.created_at")},
            COALESCE(b.broken, 0), CASE WHEN a.case_id IS NULL THEN 0 ELSE 1 END
        FROM {Debt._meta.db_table} d
        JOIN {Debtor._meta.db_table} r ON r.id = d.debtor_id
        LEFT JOIN {Case._meta.db_table} c ON c.debt_id = d.id
        LEFT JOIN (
            SELECT x.case_id, COUNT(*) AS broken FROM (
                SELECT p.case_id FROM {Promise._meta.db_table} p WHERE p.status = %(broken)s
                UNION ALL
                SELECT g.case_id FROM {Arrangement._meta.db_table} g WHERE g.status = %(broken)s
            ) x GROUP BY x.case_id
        ) b ON b.case_id = c.id
        LEFT JOIN (
            SELECT DISTINCT g.case_id FROM {Arrangement._meta.db_table} g WHERE g.status = %(active)s
        ) a ON a.case_id = c.id
        WHERE {_in_scope(partitions)}"""  # noqa: S608 - fixed names


def _ledger_sql(partitions: int) -> str:
    scheduled = "e.component IN (%(principal)s, %(interest)s)"
    return f"""
        SELECT e.debt_id,
            {_cents_sum("e.component IN (%(principal)s, %(interest)s, %(penalty)s, %(fee)s)")},
            {_cents_sum("e.component = %(principal)s")},
            {_cents_sum(f"{scheduled} AND e.amount > 0")},
            -{_cents_sum(f"{scheduled} AND e.amount < 0")}
        FROM {LedgerEntry._meta.db_table} e JOIN {Debt._meta.db_table} d ON d.id = e.debt_id
        WHERE {_in_scope(partitions)} AND e.effective_date <= %(as_of)s
        GROUP BY e.debt_id"""  # noqa: S608 - fixed names


def _cents_sum(condition: str) -> str:
    """Return the exact sum in cents of the amounts of the entries matching ``condition`` (null for none).

    PostgreSQL adds numerics exactly; SQLite adds decimals as floats, so each amount is made integer cents first.
    """
    if connection.vendor == "postgresql":
        return f"CAST(100 * SUM(e.amount) FILTER (WHERE {condition}) AS BIGINT)"
    return f"SUM({_cents('e.amount')}) FILTER (WHERE {condition})"


def _instalments_sql(partitions: int) -> str:
    return f"""
        SELECT i.debt_id, i.due_date, {_cents("i.principal_due")} + {_cents("i.interest_due")}
        FROM {Instalment._meta.db_table} i JOIN {Debt._meta.db_table} d ON d.id = i.debt_id
        WHERE {_in_scope(partitions)}"""  # noqa: S608 - fixed names


def _contacts_sql(partitions: int) -> str:
    if connection.vendor == "postgresql":
        epoch = "CAST(FLOOR(EXTRACT(EPOCH FROM MAX(e.occurred_at))) AS BIGINT)"
    else:
        epoch = "CAST(strftime('%%s', MAX(e.occurred_at)) AS INTEGER)"
    return f"""
        SELECT e.debtor_id, {epoch}
        FROM {ContactEvent._meta.db_table} e JOIN {Debtor._meta.db_table} r ON r.id = e.debtor_id
        WHERE r.portfolio_id = %(portfolio_id)s AND {_partition("e.debtor_id", partitions)}
            AND e.occurred_at < %(contacts_before)s
        GROUP BY e.debtor_id"""  # noqa: S608 - fixed names


def _read(sql: str, params: dict[str, Any], schema: dict[str, Any]) -> pl.DataFrame:
    """Return the rows of ``sql`` as a frame of ``schema`` (COPY as CSV on PostgreSQL; SQLite converts dates)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
                data = b"".join(copy)
            if not data:
                return pl.DataFrame(schema=schema)
            return pl.read_csv(data, has_header=False, schema=schema)
        cursor.execute(sql, params)
        return pl.DataFrame(cursor.fetchall(), schema=schema, orient="row")


# --- the schedule, vectorized --------------------------------------------------------------------


def add_months(dates: pl.Expr, months: pl.Expr) -> pl.Expr:
    """Return ``dates`` moved by ``months``, on the same day or the month's last day, like ``schedule.add_months``."""
    return dates.dt.offset_by(pl.format("{}mo", months))


def _with_schedule(frame: pl.DataFrame, explicit: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Add ``first_unpaid``, ``next_due`` and ``due_before`` (cents) from each debt's schedule."""
    derived = frame.with_columns(_derived(as_of))
    scheduled = _explicit(explicit, frame.select("debt_id", "paid"), as_of)
    joined = derived.join(scheduled, on="debt_id", how="left", suffix="_explicit")
    has_rows = pl.col("debt_id").is_in(scheduled.get_column("debt_id").implode())
    return joined.with_columns(
        pl.when(has_rows).then(pl.col(f"{name}_explicit")).otherwise(pl.col(name)).alias(name)
        for name in ("first_unpaid", "next_due", "due_before")
    )


def _derived(as_of: date) -> list[pl.Expr]:
    """Return the closed form of the derived schedule: equal shares, or one instalment of everything charged."""
    count, paid, due_date = pl.col("instalment_count"), pl.col("paid"), pl.col("due_date")
    total = pl.when(count == 1).then(pl.col("charged")).otherwise(pl.col("principal_terms"))
    share = _share(pl.col("principal_terms"), count, pl.col("currency"))
    paid_shares = pl.when(share > 0).then(paid // share).otherwise(count - 1).clip(upper_bound=count - 1)
    uncovered = (paid_shares < count - 1) | (total > paid)
    upcoming, upcoming_date = _upcoming(due_date, as_of)
    return [
        pl.when(uncovered).then(add_months(due_date, paid_shares)).alias("first_unpaid"),
        pl.when(upcoming < count).then(upcoming_date).alias("next_due"),
        pl.when(upcoming >= count).then(total).otherwise(share * upcoming).alias("due_before"),
    ]


def _upcoming(due_date: pl.Expr, as_of: date) -> tuple[pl.Expr, pl.Expr]:
    """Return the number (from 0) and date of the first monthly instalment from ``due_date`` on or after ``as_of``.

    It falls in the month of ``as_of`` or the next one, whose lengths are known, so no date is shifted per row.
    """
    next_month = schedule.add_months(as_of.replace(day=1), 1)
    this_last, next_last = (calendar.monthrange(day.year, day.month)[1] for day in (as_of, next_month))
    months = (as_of.year - due_date.dt.year().cast(pl.Int64)) * 12 + as_of.month - due_date.dt.month()
    day = due_date.dt.day()
    passed = day.clip(upper_bound=this_last) < as_of.day
    number = pl.when(months < 0).then(0).when(passed).then(months + 1).otherwise(months)
    on = (
        pl.when(months < 0)
        .then(due_date)
        .when(passed)
        .then(pl.date(next_month.year, next_month.month, day.clip(upper_bound=next_last)))
        .otherwise(pl.date(as_of.year, as_of.month, day.clip(upper_bound=this_last)))
    )
    return number, on


def _share(principal: pl.Expr, count: pl.Expr, currency: pl.Expr) -> pl.Expr:
    """Return principal / count in cents, rounded half-even to the currency's unit, like ``round_money``."""
    unit = currency.replace_strict(
        {code: 10 ** (2 - places) for code, places in MINOR_UNITS.items()}, default=1
    )
    divisor = unit * count
    quotient, remainder = principal // divisor, principal % divisor
    round_up = (2 * remainder > divisor) | ((2 * remainder == divisor) & (quotient % 2 == 1))
    return (quotient + round_up.cast(pl.Int64)) * unit


def _explicit(instalments: pl.DataFrame, paid: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Return per debt with instalment rows its first unpaid and next due dates and what fell due before ``as_of``."""
    covered = pl.col("amount").cum_sum().over("debt_id") <= pl.col("paid")
    due_date = pl.col("due_date")
    return (
        instalments.join(paid, on="debt_id")
        .sort("debt_id", "due_date", "amount")
        .with_columns(covered.alias("covered"))
        .group_by("debt_id")
        .agg(
            due_date.filter(~pl.col("covered")).min().alias("first_unpaid"),
            due_date.filter(due_date >= as_of).min().alias("next_due"),
            pl.col("amount").filter(due_date < as_of).sum().alias("due_before"),
        )
    )


# --- contacts and the final columns --------------------------------------------------------------


def _contact_dates(contacts: pl.DataFrame, time_zone: str) -> pl.DataFrame:
    instant = pl.from_epoch("last_contact_epoch", time_unit="s").dt.replace_time_zone("UTC")
    return contacts.select(
        "debtor_id", instant.dt.convert_time_zone(time_zone).dt.date().alias("last_contact")
    )


def _money(cents: pl.Expr) -> pl.Expr:
    return (cents.cast(pl.Decimal(38, 2)) * pl.lit(Decimal("0.01"), pl.Decimal(38, 2))).cast(MONEY)


def _days(since: pl.Expr, as_of: date) -> pl.Expr:
    return (pl.lit(as_of) - since).dt.total_days().cast(pl.Int32)


def _bucket(days_past_due: pl.Expr) -> pl.Expr:
    """Return the aging bucket label of ``days_past_due``, like ``aging.bucket_for``."""
    *bounded, (open_label, _first, _last) = aging.BUCKETS
    expr: pl.Expr = pl.lit(open_label)
    for label, _first, last in reversed(bounded):
        expr = pl.when(days_past_due <= last).then(pl.lit(label)).otherwise(expr)
    return expr


def _finish(frame: pl.DataFrame, portfolio: Portfolio, as_of: date) -> pl.DataFrame:
    """Return the output columns, in order and with their types, from the read and derived ones."""
    first_unpaid = pl.col("first_unpaid")
    past_due = first_unpaid < pl.lit(as_of)
    days_past_due = pl.when(past_due).then(_days(first_unpaid, as_of)).otherwise(0).cast(pl.Int32)
    overdue = pl.when(past_due).then((pl.col("due_before") - pl.col("paid")).clip(lower_bound=0)).otherwise(0)
    status = pl.col("status")
    columns = {
        "portfolio": pl.lit(portfolio.code),
        "balance": _money(pl.col("balance")),
        "days_past_due": days_past_due,
        "days_until_due": -_days(pl.col("next_due"), as_of),
        "bucket": _bucket(days_past_due),
        "is_key_customer": pl.col("is_key_customer") == 1,
        "has_arrangement": pl.col("has_arrangement") == 1,
        "stage_entered_on": pl.col("stage_entered_on"),
        "days_in_stage": _days(pl.col("stage_entered_on"), as_of),
        "days_since_last_contact": _days(pl.col("last_contact"), as_of),
        "is_verified": (pl.col("verified") == 1) | (status == DebtStatus.VERIFIED),
        "has_open_dispute": status == DebtStatus.DISPUTED,
        # Written off or closed by the creditor: out of treatment whatever it owes (settled debts owe nothing).
        "is_closed": status.is_in([str(DebtStatus.WRITTEN_OFF), str(DebtStatus.CLOSED)]),
        "portfolio_id": pl.lit(portfolio.pk),
        "penalty_rate": (pl.col("penalty_rate").cast(pl.Decimal(38, 4)) * pl.lit(Decimal("0.0001"))),
        "principal_balance": _money(pl.col("principal_balance")),
        "overdue_amount": _money(overdue),
        "overdue_since": pl.when(past_due).then(first_unpaid),
    }
    return frame.select(
        columns.get(name, pl.col(name)).cast(dtype).alias(name) for name, dtype in OUTPUT_SCHEMA.items()
    )
