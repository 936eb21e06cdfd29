"""The demo's training: the course, scenarios and a collector's progress."""

from __future__ import annotations

from datetime import date, datetime

from arrears.portfolio.models import Portfolio


def add_training(portfolios: list[Portfolio], *, seed: int, as_of: date, now: datetime) -> None:
    """Add the demo's training data to ``portfolios``."""
