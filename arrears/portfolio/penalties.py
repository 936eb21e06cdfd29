"""Post accrued penalty interest (罚息) to the ledger: one entry per debt and business date, in bulk.

The accruals come from ``engine.accrual.accrue_penalty`` as a frame (``debt_id``, ``days``,
``rate_percent``, ``capped``, ``amount``); they are written as one frame (COPY on PostgreSQL), with
one audit event for the batch. The key (debt, ``penalty:<date>``) is unique, so the same day can
never be charged twice.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import polars as pl

from arrears.core.audit.actions import record_event
from arrears.portfolio.choices import Component, EntryKind, EntrySource
from arrears.portfolio.imports.database import insert_frame, stored_datetime
from arrears.portfolio.models import LedgerEntry


def penalty_key(business_date: date) -> str:
    """The ledger idempotency key of the penalty a business date's cycle accrues on a debt."""
    return f"penalty:{business_date.isoformat()}"


def post_penalties(
    accruals: pl.DataFrame, *, business_date: date, now: datetime, portfolio_id: int
) -> Decimal:
    """Post each accrual as a penalty charge effective on ``business_date``; return their total.

    Runs inside the caller's transaction.
    """
    if accruals.height == 0:
        return Decimal(0)
    key = penalty_key(business_date)
    note = pl.format("{} d × {}% a year", pl.col("days"), pl.col("rate_percent"))
    entries = accruals.select(
        "debt_id", kind=pl.lit(EntryKind.PENALTY.value), component=pl.lit(Component.PENALTY.value), amount="amount",
        effective_date=pl.lit(business_date), posted_at=pl.lit(stored_datetime(now)),
        source=pl.lit(EntrySource.SYSTEM.value), idempotency_key=pl.lit(key), payment_id=pl.lit(None, pl.Int64()),
        note=pl.when(pl.col("capped")).then(pl.concat_str([note, pl.lit(" (legal cap)")])).otherwise(note),
    )  # fmt: skip
    insert_frame(LedgerEntry, entries)
    total = accruals.get_column("amount").sum()
    record_event(
        actor=None, action="portfolio.post_penalties", target=("ledger", key), now=now, portfolio_id=portfolio_id,
        after={"business_date": business_date.isoformat(), "debts": accruals.height, "total": str(total)},
    )  # fmt: skip
    return Decimal(str(total))
