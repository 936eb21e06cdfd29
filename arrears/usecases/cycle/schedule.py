"""The worker's daily cycle job: each enabled portfolio's cycle runs once its run time has come on its clock.

A portfolio runs when it has `CycleSettings` with "run daily" on (set in the admin; the demo turns
it on). On each pass, for each such portfolio whose local time is past its run time, the cycle of
the local date runs unless it has completed already; a run interrupted by a crash is resumed. A
worker that was down for days runs only today's date, and the run catches up (see `run`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from arrears.core.errors import DomainError
from arrears.strategy.models import CycleRun, CycleSettings, RunStatus
from arrears.usecases.cycle.run import run_cycle

log = logging.getLogger(__name__)


def due_portfolios(*, now: datetime) -> list[tuple[CycleSettings, datetime]]:
    """Return the enabled settings whose run time has come today, with the portfolio's local now, without a completed run."""
    due = []
    for item in (
        CycleSettings.objects.filter(enabled=True).select_related("portfolio").order_by("portfolio__code")
    ):
        local = now.astimezone(ZoneInfo(item.portfolio.time_zone))
        if local.time() >= item.run_at:
            due.append((item, local))
    done = set(
        CycleRun.objects.filter(
            status=RunStatus.COMPLETED,
            portfolio_id__in=[item.portfolio_id for item, _local in due],
            business_date__in={local.date() for _item, local in due},
        ).values_list("portfolio_id", "business_date")
    )
    return [(item, local) for item, local in due if (item.portfolio_id, local.date()) not in done]


def run_due_cycles(*, now: datetime) -> list[str]:
    """Run the cycles that are due; return a line about each."""
    lines = []
    for item, local in due_portfolios(now=now):
        try:
            report = run_cycle(portfolio=item.portfolio, business_date=local.date(), now=now)
        except DomainError as exc:
            log.warning("cycle of %s on %s not run: %s", item.portfolio.code, local.date(), exc)
            lines.append(f"cycle {item.portfolio.code} {local.date()}: {exc}")
            continue
        lines.append(
            f"cycle {item.portfolio.code} {local.date()}: {report['accounts_evaluated']} accounts, "
            f"{report['stage_transitions']} transitions, {report['messages_created']} messages, "
            f"{report['work_items_created']} work items"
        )
    return lines
