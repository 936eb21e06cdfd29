"""Arrangement instalments kept or missed, and arrangements completed. Pure.

An active arrangement is judged against the payments on its debt received on or after the day it
took effect, covering its instalments oldest first (cumulatively): it is **broken** on the first
day an instalment is still not covered ``grace_days`` after its due date, and **completed** once
the payments reach its total. Otherwise it stays active (and is not in the output).
"""

from __future__ import annotations

from datetime import date

import polars as pl

INSTALMENT_SCHEMA = pl.Schema({
    "arrangement_id": pl.Int64(), "debt_id": pl.Int64(), "effective_on": pl.Date(), "number": pl.Int32(),
    "due_date": pl.Date(), "payment": pl.Decimal(18, 2),
})  # fmt: skip
PAYMENT_SCHEMA = pl.Schema({"debt_id": pl.Int64(), "received_date": pl.Date(), "amount": pl.Decimal(18, 2)})


def track_arrangements(
    instalments: pl.DataFrame, payments: pl.DataFrame, as_of: date, *, grace_days: int
) -> pl.DataFrame:
    """Return ``arrangement_id``, ``status`` ('broken' | 'completed'), ``missed_number`` and ``paid`` for those that changed."""
    due = instalments.sort("arrangement_id", "number").with_columns(
        cumulative=pl.col("payment").cum_sum().over("arrangement_id"),
        total=pl.col("payment").sum().over("arrangement_id"),
    )
    starts = due.group_by("arrangement_id").agg(pl.col("debt_id").first(), pl.col("effective_on").first())
    paid = (
        starts.join(payments, on="debt_id", how="inner")
        .filter((pl.col("received_date") >= pl.col("effective_on")) & (pl.col("received_date") <= as_of))
        .group_by("arrangement_id")
        .agg(paid=pl.col("amount").sum())
    )
    judged = due.join(paid, on="arrangement_id", how="left").with_columns(
        paid=pl.col("paid").fill_null(0).cast(pl.Decimal(18, 2))
    )
    late = pl.col("due_date") + pl.duration(days=grace_days) < pl.lit(as_of)
    missed = (
        judged.filter(late & (pl.col("paid") < pl.col("cumulative")))
        .group_by("arrangement_id")
        .agg(missed_number=pl.col("number").min(), paid=pl.col("paid").first())
        .with_columns(status=pl.lit("broken"))
    )
    completed = (
        judged.filter(pl.col("paid") >= pl.col("total"))
        .group_by("arrangement_id")
        .agg(paid=pl.col("paid").first())
        .with_columns(status=pl.lit("completed"), missed_number=pl.lit(None, pl.Int32()))
    )
    columns = ["arrangement_id", "status", "missed_number", "paid"]
    return (
        pl.concat([completed.select(columns), missed.select(columns)])
        .unique("arrangement_id", keep="first", maintain_order=True)
        .sort("arrangement_id")
    )
