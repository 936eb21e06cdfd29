"""Settle promises to pay (承诺还款): kept or broken, judged against the payments received. Pure.

A promise counts the payments on its debt received from ``made_on`` through
``min(due_date + grace_days, as_of)`` inclusive (the grace period, 宽限期, follows the due date):

- **kept** when their sum reaches ``amount − tolerance``; ``resolved_on`` is the first day the
  running sum reached it, and ``paid`` is the sum through that day (payments of the same day
  included; later payments are not the promise's).
- **broken** when ``as_of`` is after ``due_date + grace_days`` and it was not kept;
  ``resolved_on`` is ``due_date + grace_days + 1`` and ``paid`` is what was counted (possibly 0).
- **open** otherwise: still time to pay. Open promises are not in the output.

So a resolved promise's row does not depend on the day the settlement runs, and running it
again on a later day gives the same row: applying it is idempotent.

Promise ids are unique and no input column may be null. Each promise is judged independently:
the desk allows one open promise per case, so two promises on one debt would both count the same
payments. Payments before ``made_on``, after the grace period or after ``as_of`` are not counted.
A promise is kept only by a counted payment: a tolerance as large as the amount does not keep a
promise nobody paid anything on.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl

AMOUNT_DTYPE = pl.Decimal(18, 2)

PROMISE_SCHEMA: dict[str, pl.DataType] = {
    "promise_id": pl.Int64(),
    "debt_id": pl.Int64(),
    "amount": AMOUNT_DTYPE,
    "made_on": pl.Date(),
    "due_date": pl.Date(),
    "grace_days": pl.Int32(),
    "tolerance": AMOUNT_DTYPE,
}
PAYMENT_SCHEMA: dict[str, pl.DataType] = {
    "debt_id": pl.Int64(),
    "received_date": pl.Date(),
    "amount": AMOUNT_DTYPE,
}
SETTLEMENT_COLUMNS = ("promise_id", "status", "resolved_on", "paid")


class FrameMismatch(ValueError):
    """A promises or payments frame without the documented columns and types, or with nulls in them."""


def settle_promises(promises: pl.DataFrame, payments: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Return the promises resolved on ``as_of``: one row per kept or broken promise, in input order.

    Columns ``SETTLEMENT_COLUMNS``: ``promise_id``, ``status`` ('kept' or 'broken'),
    ``resolved_on`` (Date) and ``paid`` (Decimal(18, 2)). Open promises are left out.

    :raises FrameMismatch: naming each missing column, each column of the wrong type and each
        column with nulls.
    """
    _check("promises", promises, PROMISE_SCHEMA)
    _check("payments", payments, PAYMENT_SCHEMA)
    deadline = pl.col("due_date") + pl.duration(days=pl.col("grace_days"))
    judged = promises.select(
        "promise_id",
        "debt_id",
        "made_on",
        _deadline=deadline,
        _window_end=pl.when(deadline < as_of).then(deadline).otherwise(pl.lit(as_of)),
        _threshold=_cents(pl.col("amount") - pl.col("tolerance")),
    )
    days = _day_ends(judged, payments)
    first_of_promise = pl.col("promise_id") != pl.col("promise_id").shift(1)
    last_of_promise = pl.col("promise_id") != pl.col("promise_id").shift(-1)
    kept = (
        days.filter(pl.col("_running") >= pl.col("_threshold"))
        .filter(first_of_promise.fill_null(value=True))
        .select("promise_id", _kept_on="received_date", _kept_paid="_running")
    )
    totals = days.filter(last_of_promise.fill_null(value=True)).select("promise_id", _total="_running")
    settled = (
        judged.join(kept, on="promise_id", how="left", maintain_order="left")
        .join(totals, on="promise_id", how="left", maintain_order="left")
        .with_columns(_broken=pl.col("_kept_on").is_null() & (pl.lit(as_of) > pl.col("_deadline")))
        .filter(pl.col("_kept_on").is_not_null() | pl.col("_broken"))
    )
    paid = pl.when(pl.col("_broken")).then(pl.col("_total").fill_null(0)).otherwise(pl.col("_kept_paid"))
    return settled.select(
        "promise_id",
        status=pl.when(pl.col("_broken")).then(pl.lit("broken")).otherwise(pl.lit("kept")),
        resolved_on=pl.when(pl.col("_broken"))
        .then(pl.col("_deadline") + pl.duration(days=1))
        .otherwise(pl.col("_kept_on")),
        paid=_amount(paid),
    )


def _day_ends(judged: pl.DataFrame, payments: pl.DataFrame) -> pl.DataFrame:
    """Return one row per promise and day with counted payments: the running sum at the end of the day.

    Sorted by promise and date, so a running sum is a global cumulative sum less what the
    promises before it took, and a day's end is where the next row is another day or promise.
    """
    counted = (
        judged.select("promise_id", "debt_id", "made_on", "_window_end", "_threshold")
        .join(_candidates(payments, judged), on="debt_id")
        .filter(pl.col("received_date").is_between(pl.col("made_on"), pl.col("_window_end")))
        .sort("promise_id", "received_date")
    )
    before = pl.col("_paid").cum_sum() - pl.col("_paid")
    first_of_promise = (pl.col("promise_id") != pl.col("promise_id").shift(1)).fill_null(value=True)
    day_end = (
        (pl.col("promise_id") != pl.col("promise_id").shift(-1))
        | (pl.col("received_date") != pl.col("received_date").shift(-1))
    ).fill_null(value=True)
    offset = pl.when(first_of_promise).then(before).forward_fill()
    return (
        counted.with_columns(_running=pl.col("_paid").cum_sum() - offset, _day_end=day_end)
        .filter(pl.col("_day_end"))
        .select("promise_id", "received_date", "_threshold", "_running")
    )


def _candidates(payments: pl.DataFrame, judged: pl.DataFrame) -> pl.DataFrame:
    """Return the payments inside the widest window of any promise, in cents (fewer rows to join)."""
    earliest, latest = judged.select(pl.col("made_on").min(), pl.col("_window_end").max()).row(0)
    return payments.filter(pl.col("received_date").is_between(earliest, latest)).select(
        "debt_id", "received_date", _paid=_cents(pl.col("amount"))
    )


def _cents(amount: pl.Expr) -> pl.Expr:
    """Return a Decimal(18, 2) amount as Int128 cents: exact, and sums of any length fit."""
    return amount.cast(AMOUNT_DTYPE).to_physical().cast(pl.Int128)


def _amount(cents: pl.Expr) -> pl.Expr:
    """Return Int128 cents as a Decimal(18, 2) amount."""
    return (cents.cast(pl.Decimal(38, 0)) * pl.lit(Decimal("0.01"), dtype=pl.Decimal(3, 2))).cast(
        AMOUNT_DTYPE
    )


def _check(name: str, frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> None:
    problems = [
        f"{column}: missing"
        if column not in frame.schema
        else f"{column}: {frame.schema[column]}, expected {dtype}"
        for column, dtype in schema.items()
        if frame.schema.get(column) != dtype
    ]
    if problems:
        raise FrameMismatch(f"the {name} do not match the settlement schema: " + "; ".join(problems))
    nulls = [
        column
        for column, count in frame.select(list(schema)).null_count().row(0, named=True).items()
        if count
    ]
    if nulls:
        raise FrameMismatch(f"the {name} have nulls in: {', '.join(nulls)}")
