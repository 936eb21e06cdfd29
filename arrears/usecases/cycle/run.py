"""Run the daily cycle of a portfolio for a business date (D), partition by partition.

Safe to run and re-run:

- A run is one `CycleRun` row per (portfolio, D); each partition commits in one transaction with
  its `CyclePartition` row. A crash (even ``kill -9``) leaves whole partitions or nothing of one;
  running D again skips the partitions that committed and does the rest.
- Running a completed D again changes nothing and returns the stored report, marked
  ``already_completed``.
- D may not be earlier than a date the portfolio's cycle already ran for; an earlier run left
  unfinished is finished first (its committed partitions already count that day).
- After missed days, the run catches up state (stages, penalties for every missed day, promises)
  and sends, per case, only the latest action that fell due while the cycle did not run — never
  every missed one, and none older than `partition.CATCH_UP_DAYS` days.

Partitions split the debtors by a stable hash (`snapshot.partition_of`), so each partition can be run
by the same code on another worker later.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.compliance.rules.rates import load_reference_rates
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.portfolio.models import Portfolio
from arrears.strategy import versions
from arrears.strategy.models import CycleRun, CycleSettings, RunStatus
from arrears.usecases.cycle import assign
from arrears.usecases.cycle.partition import CycleContext, run_partition

MAX_PARTITIONS = 256
Progress = Callable[[int, int], None]


class CycleOutOfOrder(DomainError):
    """A business date earlier than one the portfolio's cycle already ran for."""


class InvalidPartitions(DomainError):
    """A partition count outside 1…MAX_PARTITIONS."""


def get_settings(portfolio: Portfolio) -> CycleSettings:
    """Return the portfolio's cycle settings (the defaults when none were saved)."""
    try:
        return CycleSettings.objects.get(portfolio=portfolio)
    except CycleSettings.DoesNotExist:
        return CycleSettings(portfolio=portfolio)


def run_cycle(
    *, portfolio: Portfolio, business_date: date, now: datetime | None = None, actor: Any = None,
    partitions: int = 1, progress: Progress | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Run (or resume) the cycle of ``portfolio`` for ``business_date``; return the run's report.

    :raises CycleOutOfOrder: when the portfolio's cycle already ran for a later date.
    :raises InvalidPartitions: for a partition count outside 1…MAX_PARTITIONS.
    :raises NotFound: when the portfolio's strategy, or a challenger it names, has no active version.
    """
    if not 1 <= partitions <= MAX_PARTITIONS:
        raise InvalidPartitions(
            _("The partition count must be between 1 and %(max)d.") % {"max": MAX_PARTITIONS}
        )
    moment = now or timezone.now()
    later = (
        CycleRun.objects.filter(portfolio=portfolio, business_date__gt=business_date)
        .order_by("-business_date")
        .values_list("business_date", flat=True)
        .first()
    )
    if later is not None:
        raise CycleOutOfOrder(
            _("The cycle of %(portfolio)s already ran for %(later)s; it cannot run for the earlier %(date)s.")
            % {"portfolio": portfolio.code, "later": later.isoformat(), "date": business_date.isoformat()}
        )
    unfinished = (
        CycleRun.objects.filter(
            portfolio=portfolio, status=RunStatus.RUNNING, business_date__lt=business_date
        )
        .order_by("business_date")
        .values_list("business_date", flat=True)
    )
    for earlier in unfinished:
        # An interrupted earlier day is finished first: its committed partitions already accrued
        # and planned that day, so the next day must count from it, for every debtor alike.
        run_cycle(portfolio=portfolio, business_date=earlier, now=moment, actor=actor, partitions=partitions)
    champion = versions.get_active_strategy(get_settings(portfolio).strategy)
    challengers = versions.get_challengers(champion)
    run = _start(portfolio, business_date, champion.label, partitions, moment, actor)
    if run.status == RunStatus.COMPLETED:
        return {**run.report, "already_completed": True}
    previous = (
        CycleRun.objects.filter(
            portfolio=portfolio, status=RunStatus.COMPLETED, business_date__lt=business_date
        )
        .order_by("-business_date")
        .values_list("business_date", flat=True)
        .first()
    )
    context = CycleContext(
        run=run, portfolio=portfolio, business_date=business_date, previous_date=previous, champion=champion,
        challengers=challengers, rates=load_reference_rates(), now=moment,
    )  # fmt: skip
    done = set(run.parts.values_list("number", flat=True))
    for number in range(run.partitions):
        if number not in done:
            run_partition(context, number)
        if progress is not None:
            progress(number + 1, run.partitions)
    return _finish(run, previous, moment)


def _start(
    portfolio: Portfolio, business_date: date, strategy: str, partitions: int, now: datetime, actor: Any
) -> CycleRun:
    """Return the run of (portfolio, date), creating it; a resumed run keeps its own partition count."""
    try:
        with transaction.atomic():
            run = CycleRun.objects.create(
                portfolio=portfolio, business_date=business_date, strategy=strategy, partitions=partitions,
                started_at=now, started_by=actor if getattr(actor, "pk", None) else None,
            )  # fmt: skip
            record_event(
                actor=actor, action="cycle.start_run", target=run, now=now, portfolio_id=portfolio.pk,
                after={"business_date": business_date.isoformat(), "strategy": strategy, "partitions": partitions},
            )  # fmt: skip
            return run
    except IntegrityError:
        return CycleRun.objects.get(portfolio=portfolio, business_date=business_date)


def _finish(run: CycleRun, previous: date | None, now: datetime) -> dict[str, Any]:
    """Merge the partitions' reports into the run's, mark it completed, and return the report."""
    started = time.perf_counter()
    parts = [part.report for part in run.parts.order_by("number")]
    report = merge_reports(parts)
    report.update(
        date=run.business_date.isoformat(), portfolio=run.portfolio.code, strategy=run.strategy,
        partitions=run.partitions, previous_run=previous.isoformat() if previous else None,
        missed_days=0 if previous is None else max(0, (run.business_date - previous).days - 1),
    )  # fmt: skip
    with transaction.atomic():
        locked = CycleRun.objects.select_for_update().get(pk=run.pk)
        if locked.status == RunStatus.COMPLETED:
            return {**locked.report, "already_completed": True}
        report["work_items_assigned"] = assign.assign_run(
            portfolio=run.portfolio, business_date=run.business_date
        )
        report["duration_seconds"] = round(report["duration_seconds"] + time.perf_counter() - started, 3)
        locked.report, locked.status, locked.finished_at = report, RunStatus.COMPLETED, now
        locked.save(update_fields=["report", "status", "finished_at"])
        record_event(
            actor=None, action="cycle.complete_run", target=locked, now=now, portfolio_id=run.portfolio_id,
            after={key: report[key] for key in ("accounts_evaluated", "stage_transitions", "messages_created",
                                                "work_items_created")},
        )  # fmt: skip
    return report


COUNTS = (
    "accounts_evaluated", "cases_opened", "stage_transitions", "penalties_posted", "promises_kept",
    "promises_broken", "arrangements_broken", "arrangements_completed", "messages_created", "work_items_created",
)  # fmt: skip
TALLIES = ("refusals", "skipped", "by_stage", "by_segment", "by_action")


def merge_reports(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Add up partition reports: counts, tallies by key, the penalty total and the seconds spent."""
    merged: dict[str, Any] = {key: sum(part.get(key, 0) for part in parts) for key in COUNTS}
    for key in TALLIES:
        tally: Counter[str] = Counter()
        for part in parts:
            tally.update(part.get(key, {}))
        merged[key] = dict(sorted(tally.items(), key=lambda item: (-item[1], item[0])))
    merged["penalty_total"] = str(
        sum((Decimal(part.get("penalty_total", "0")) for part in parts), Decimal(0))
    )
    merged["duration_seconds"] = round(sum(part.get("duration_seconds", 0.0) for part in parts), 3)
    return merged
