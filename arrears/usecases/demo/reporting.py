"""The demo's history for reporting: months of payments, stage moves and contacts behind the dashboards."""

from __future__ import annotations

from datetime import date, datetime

from arrears.portfolio.models import Portfolio


def add_reporting_history(portfolios: list[Portfolio], *, seed: int, as_of: date, now: datetime) -> None:
    """Add the demo's reporting history to ``portfolios``."""
