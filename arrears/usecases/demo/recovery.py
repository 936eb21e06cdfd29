"""The demo's recovery: field visits, a legal referral, an agency placement, a settlement and a write-off."""

from __future__ import annotations

from datetime import date, datetime

from arrears.portfolio.models import Portfolio


def add_recovery(portfolios: list[Portfolio], *, seed: int, as_of: date, now: datetime) -> None:
    """Add the demo's recovery data to ``portfolios``."""
