"""Post accrued penalty interest (罚息) to the ledger: one entry per debt and business date, idempotently."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from arrears.core.audit.actions import record_event
from arrears.portfolio.choices import Component, EntryKind, EntrySource
from arrears.portfolio.models import LedgerEntry


@dataclass(frozen=True)
class Accrual:
    """Penalty interest accrued on one debt for the days from ``from_date`` through ``to_date``."""

    debt_id: int
    from_date: date
    to_date: date
    days: int
    rate_percent: Decimal
    capped: bool
    amount: Decimal


def penalty_key(business_date: date) -> str:
    """The ledger idempotency key of the penalty a business date's cycle accrues on a debt."""
    return f"penalty:{business_date.isoformat()}"


def post_penalties(
    accruals: Sequence[Accrual], *, business_date: date, now: datetime, portfolio_id: int
) -> int:
    """Post each accrual as a penalty charge effective on ``business_date``; return how many were asked.

    The key (debt, business date) makes a second posting of the same day a no-op (the row is
    skipped, not doubled). Runs inside the caller's transaction; one audit event records the batch.
    """
    if not accruals:
        return 0
    key = penalty_key(business_date)
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                debt_id=item.debt_id, kind=EntryKind.PENALTY, component=Component.PENALTY, amount=item.amount,
                effective_date=business_date, posted_at=now, source=EntrySource.SYSTEM, idempotency_key=key,
                note=f"{item.days} d × {item.rate_percent}% a year{' (legal cap)' if item.capped else ''}"[:200],
            )
            for item in accruals
        ],
        batch_size=2_000,
        ignore_conflicts=True,
    )  # fmt: skip
    posted = len(accruals)
    record_event(
        actor=None, action="portfolio.post_penalties", target=("ledger", key), now=now, portfolio_id=portfolio_id,
        after={"business_date": business_date.isoformat(), "debts": posted,
               "total": str(sum((item.amount for item in accruals), Decimal(0)))},
    )  # fmt: skip
    return posted
