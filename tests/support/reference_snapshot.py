"""The slow, per-debt account snapshot the cycle used first — kept as the reference `read_snapshot` must equal.

It reads balances and days past due through `portfolio.ledger` one portfolio at a time.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from arrears.engine.fields import snapshot_frame
from arrears.portfolio import ledger
from arrears.portfolio.choices import DebtStatus
from arrears.portfolio.models import Debt, Portfolio

CLOSED_STATUSES = (DebtStatus.SETTLED, DebtStatus.WRITTEN_OFF, DebtStatus.CLOSED)


def build_snapshot(*, as_of: date, portfolio_code: str | None) -> pl.DataFrame:
    """Return the snapshot of the open debts of one portfolio (or all) on ``as_of``."""
    portfolios = Portfolio.objects.order_by("code")
    if portfolio_code is not None:
        portfolios = portfolios.filter(code=portfolio_code)
        if not portfolios.exists():
            raise LookupError(f"no portfolio {portfolio_code}")
    rows = []
    for portfolio in portfolios:
        debts = list(
            Debt.objects.filter(portfolio=portfolio)
            .exclude(status__in=CLOSED_STATUSES)
            .select_related("debtor")
            .order_by("pk")
        )
        positions = ledger.list_positions(debts=debts, as_of=as_of)
        rows += [_row(portfolio, debt, positions[debt.pk], as_of) for debt in debts]
    return snapshot_frame(rows)


def _row(portfolio: Portfolio, debt: Debt, position: ledger.DebtPosition, as_of: date) -> dict[str, object]:
    upcoming = [item.due_date for item in ledger.get_schedule(debt=debt) if item.due_date >= as_of]
    return {
        "debt_id": debt.pk,
        "debtor_id": debt.debtor_id,
        "portfolio": portfolio.code,
        "balance": position.balances.total,
        "currency": debt.currency,
        "days_past_due": position.days_past_due,
        "days_until_due": (min(upcoming) - as_of).days if upcoming else None,
        "bucket": position.bucket,
        "product": debt.product,
        "debtor_kind": debt.debtor.kind,
        "is_verified": debt.verified_at is not None or debt.status == DebtStatus.VERIFIED,
        "has_open_dispute": debt.status == DebtStatus.DISPUTED,
    }
