"""Reporting's daily job and snapshots: facts refreshed, positions taken from the cycle's snapshot, the summary sent.

Positions come from ``usecases.cycle.snapshot.read_snapshot`` (balances and days past due
set-based, the cycle's own semantics), which is why this lives in ``usecases``: the reporting app
only stores what it is given.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

import polars as pl
from django.utils import timezone

from arrears.comms.gateways.registry import build_gateways
from arrears.portfolio.models import Portfolio
from arrears.reporting import facts, positions, summary
from arrears.reporting.models import SummaryRun
from arrears.usecases.cycle.snapshot import read_snapshot

log = logging.getLogger(__name__)
# The summary of yesterday goes out once the day has begun here (settings.TIME_ZONE).
SUMMARY_AT = time(7, 0)
# Payments and contacts may be posted late: each daily refresh rewrites the last week's facts.
REFRESH_DAYS = 7


def take_snapshot(*, as_of: date, portfolio_codes: list[str] | None = None) -> int:
    """Record the positions of the open debts of each portfolio (all, or those named) on ``as_of``; return how many."""
    portfolios = Portfolio.objects.order_by("code")
    if portfolio_codes:
        portfolios = portfolios.filter(code__in=portfolio_codes)
    recorded = 0
    for portfolio in portfolios:
        frame = read_snapshot(portfolio=portfolio, as_of=as_of).filter(~pl.col("is_closed"))
        recorded += positions.record_positions(
            as_of=as_of,
            frame=frame.with_columns(portfolio_id=pl.lit(portfolio.pk)),
            portfolio_ids=[portfolio.pk],
        )
    return recorded


def refresh(*, since: date, until: date) -> int:
    """Rewrite the event facts of the days from ``since`` to ``until``; return how many fact rows were written."""
    return facts.refresh_facts(since=since, until=until)


def run_due_reporting(*, now: datetime) -> list[str]:
    """Once a day: refresh the last week's facts, snapshot yesterday's positions, e-mail yesterday's summary."""
    local = timezone.localtime(now)
    day = local.date() - timedelta(days=1)
    if local.time() < SUMMARY_AT or SummaryRun.objects.filter(day=day).exists():
        return []
    written = refresh(since=day - timedelta(days=REFRESH_DAYS - 1), until=day)
    recorded = take_snapshot(as_of=day)
    report = summary.send_daily_summary(day=day, gateway=build_gateways()["email"], now=now)
    log.info(
        "reporting %s: %d facts, %d positions, summary to %d", day, written, recorded, len(report.recipients)
    )
    return [
        f"reporting {day}: {written} facts, {recorded} positions, summary to {len(report.recipients)} supervisors"
    ]
