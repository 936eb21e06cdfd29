"""The demo's quality: a scorecard, reviewed contacts and a coaching task."""

from __future__ import annotations

from datetime import date, datetime

from arrears.portfolio.models import Portfolio


def add_quality(portfolios: list[Portfolio], *, seed: int, as_of: date, now: datetime) -> None:
    """Add the demo's quality data to ``portfolios``."""
