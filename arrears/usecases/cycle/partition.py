"""One partition of a cycle run: read, decide, and write everything in one transaction.

Reading (the snapshot) and deciding (accrual, promises, the strategy, compliance) happen before
the transaction; every write — cases, stage events, penalty entries, promise outcomes, planned
actions, messages, work items, refusals, the partition's report — happens inside it, so a crash
leaves either the whole partition or nothing of it.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import transaction

from arrears.casework.arrangement_tracking import GRACE_DAYS, active_arrangements, record_tracking
from arrears.casework.models import Case, PromiseStatus, StageEvent
from arrears.casework.promises import open_promises, record_outcomes
from arrears.compliance.rules.rates import RateTable, cap_percent_column
from arrears.core.audit.actions import record_event
from arrears.engine.accrual import accrue_penalty
from arrears.engine.arrangements import track_arrangements
from arrears.engine.evaluate import evaluate_arms
from arrears.engine.fields import SNAPSHOT_SCHEMA
from arrears.engine.promises import settle_promises
from arrears.engine.strategy import Strategy
from arrears.portfolio.models import Portfolio
from arrears.portfolio.penalties import post_penalties
from arrears.strategy.models import CyclePartition, CycleRun
from arrears.usecases.cycle import actions, bulk
from arrears.usecases.cycle.snapshot import read_snapshot

# After missed days, actions whose day fell in the last CATCH_UP_DAYS missed days are still due
# (the latest one only); older ones are dropped as stale.
CATCH_UP_DAYS = 7


@dataclass(frozen=True)
class CycleContext:
    """What every partition of one run shares."""

    run: CycleRun
    portfolio: Portfolio
    business_date: date
    previous_date: date | None
    champion: Strategy
    challengers: dict[str, Strategy]
    rates: RateTable
    now: datetime


@dataclass
class PartitionReport:
    accounts: int = 0
    cases_opened: int = 0
    transitions: int = 0
    penalties: int = 0
    penalty_total: Decimal = Decimal(0)
    promises_kept: int = 0
    promises_broken: int = 0
    arrangements_broken: int = 0
    arrangements_completed: int = 0
    by_stage: Counter[str] = field(default_factory=Counter)
    by_segment: Counter[str] = field(default_factory=Counter)
    outcome: actions.ActionReport = field(default_factory=actions.ActionReport)
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "accounts_evaluated": self.accounts, "cases_opened": self.cases_opened,
            "stage_transitions": self.transitions, "penalties_posted": self.penalties,
            "penalty_total": str(self.penalty_total), "promises_kept": self.promises_kept,
            "promises_broken": self.promises_broken,
            "arrangements_broken": self.arrangements_broken, "arrangements_completed": self.arrangements_completed,
            "by_stage": dict(self.by_stage),
            "by_segment": dict(self.by_segment), **self.outcome.as_json(), "duration_seconds": round(self.seconds, 3),
        }  # fmt: skip


def run_partition(context: CycleContext, number: int) -> dict[str, Any]:
    """Decide and write one partition of the run; return its report."""
    started = time.perf_counter()
    run, day = context.run, context.business_date
    report = PartitionReport()
    snapshot = read_snapshot(
        portfolio=context.portfolio, as_of=day, partition=number, partitions=run.partitions
    )
    report.accounts = snapshot.height
    accruals = _accrue(snapshot, context)
    snapshot = _with_penalties(snapshot, accruals)
    known_cases = set(snapshot.get_column("case_id").drop_nulls().to_list())
    promises = open_promises(portfolio_id=context.portfolio.pk, case_ids=known_cases)
    settled = settle_promises(promises.frame, promises.payments, day) if promises.frame.height else None
    snapshot = _with_broken(snapshot, settled, promises.case_of)
    arrangements = active_arrangements(portfolio_id=context.portfolio.pk, case_ids=known_cases)
    tracked = (
        track_arrangements(arrangements.instalments, arrangements.payments, day, grace_days=GRACE_DAYS)
        if arrangements.instalments.height
        else None
    )
    snapshot = _with_arrangements(snapshot, tracked, arrangements.case_of)
    decisions = evaluate_arms(engine_input(snapshot, context), context.champion, context.challengers, day)
    decided = close_finished(decisions.join(
        snapshot.select("debt_id", "case_id", "portfolio_id", "balance", "language", "score", "bucket",
                        "debtor_kind", "currency", "is_closed"),
        on="debt_id", how="left", maintain_order="left",
    ))  # fmt: skip
    plan = actions.plan(decided, [context.champion, *context.challengers.values()])
    checked = actions.check(plan, context)
    with transaction.atomic():
        # Another worker may be running the same date: the run's row serializes partition commits.
        CycleRun.objects.select_for_update().filter(pk=run.pk).exists()
        committed = (
            CyclePartition.objects.filter(run=run, number=number)
            .order_by("pk")
            .values_list("report", flat=True)
            .first()
        )
        if committed is not None:
            return committed
        opened = frozenset(decided.filter(pl.col("case_id").is_null()).get_column("debt_id").to_list())
        case_ids = _open_cases(decided, context, report)
        decided = decided.with_columns(
            case_id=pl.col("debt_id").replace_strict(case_ids, default=None, return_dtype=pl.Int64())
        )
        _record_stages(decided, context, report, opened=opened)
        if accruals.height:
            report.penalty_total = post_penalties(
                accruals, business_date=day, now=context.now, portfolio_id=context.portfolio.pk
            )
            report.penalties = accruals.height
        if settled is not None and settled.height:
            record_outcomes(settled, now=context.now)
            report.promises_kept = int((settled.get_column("status") == PromiseStatus.KEPT).sum())
            report.promises_broken = int((settled.get_column("status") == PromiseStatus.BROKEN).sum())
        if tracked is not None and tracked.height:
            record_tracking(tracked, business_date=day, now=context.now)
            report.arrangements_broken = int((tracked.get_column("status") == "broken").sum())
            report.arrangements_completed = int((tracked.get_column("status") == "completed").sum())
        report.outcome = actions.write(checked, case_ids, context)
        report.by_stage = Counter(
            {
                str(key or "none"): value
                for key, value in decided.get_column("stage").value_counts().iter_rows()
            }
        )
        report.by_segment = Counter(dict(decided.get_column("segment").value_counts().iter_rows()))
        report.seconds = time.perf_counter() - started
        result = report.as_json()
        CyclePartition.objects.create(run=run, number=number, report=result, finished_at=context.now)
        record_event(
            actor=None, action="cycle.apply_partition", target=run, now=context.now,
            portfolio_id=context.portfolio.pk, after={"partition": number, **_audit_summary(result)},
        )  # fmt: skip
    return result


def _audit_summary(result: dict[str, Any]) -> dict[str, Any]:
    keys = ("accounts_evaluated", "stage_transitions", "messages_created", "work_items_created", "refusals")
    return {key: result[key] for key in keys}


def _accrue(snapshot: pl.DataFrame, context: CycleContext) -> pl.DataFrame:
    """Return the penalty each overdue debt accrues since the last run (the day before, on a first run)."""
    day = context.business_date
    through = context.previous_date or day - timedelta(days=1)
    accounts = snapshot.filter(
        pl.col("overdue_since").is_not_null() & (pl.col("penalty_rate") > 0) & ~pl.col("is_closed")
    ).select(
        "debt_id", "currency", "overdue_amount", "overdue_since", "penalty_rate",
        cap_percent=cap_percent_column(context.rates, context.portfolio.country, pl.col("contract_date")),
        accrued_through=pl.max_horizontal(pl.lit(through), pl.col("created_on") - pl.duration(days=1)),
    )  # fmt: skip
    if accounts.height == 0:
        return pl.DataFrame(schema={"debt_id": pl.Int64(), "amount": pl.Decimal(18, 2)})
    return accrue_penalty(accounts, day)


def _with_penalties(snapshot: pl.DataFrame, accruals: pl.DataFrame) -> pl.DataFrame:
    """Return the snapshot with today's penalties in each balance, so the strategy sees what is owed now."""
    if accruals.height == 0:
        return snapshot
    added = accruals.select("debt_id", _penalty="amount")
    return (
        snapshot.join(added, on="debt_id", how="left", maintain_order="left")
        .with_columns(balance=(pl.col("balance") + pl.col("_penalty").fill_null(0)).cast(pl.Decimal(18, 2)))
        .drop("_penalty")
    )


def _with_broken(
    snapshot: pl.DataFrame, settled: pl.DataFrame | None, case_of: dict[int, int]
) -> pl.DataFrame:
    """Return the snapshot with the promises broken today counted in ``broken_promises``."""
    if settled is None or settled.height == 0:
        return snapshot
    broken = Counter(
        case_of[promise_id]
        for promise_id, status in settled.select("promise_id", "status").iter_rows()
        if status == PromiseStatus.BROKEN
    )
    if not broken:
        return snapshot
    extra = pl.DataFrame(
        {"case_id": list(broken), "_broken": list(broken.values())},
        schema={"case_id": pl.Int64(), "_broken": pl.Int32()},
    )
    return (
        snapshot.join(extra, on="case_id", how="left", maintain_order="left")
        .with_columns(broken_promises=pl.col("broken_promises") + pl.col("_broken").fill_null(0))
        .drop("_broken")
    )


def _with_arrangements(
    snapshot: pl.DataFrame, tracked: pl.DataFrame | None, case_of: dict[int, int]
) -> pl.DataFrame:
    """Return the snapshot with today's broken or completed arrangements no longer active (broken ones counted)."""
    if tracked is None or tracked.height == 0:
        return snapshot
    ended = (
        tracked.select(
            case_id=pl.col("arrangement_id").replace_strict(case_of, return_dtype=pl.Int64()),
            _broken=(pl.col("status") == "broken").cast(pl.Int32()),
        )
        .group_by("case_id")
        .agg(pl.col("_broken").sum())
    )
    return (
        snapshot.join(ended, on="case_id", how="left", maintain_order="left")
        .with_columns(
            has_arrangement=pl.col("has_arrangement") & pl.col("_broken").is_null(),
            broken_promises=pl.col("broken_promises") + pl.col("_broken").fill_null(0),
        )
        .drop("_broken")
    )


CLOSED_RULE = "cycle/debt-closed"
CLOSED_CONDITION = "the debt is written off or closed"


def close_finished(decided: pl.DataFrame) -> pl.DataFrame:
    """Return the decisions with every closed debt out of its stage and with no action, whatever the strategy said.

    A debt the creditor wrote off or closed stays in the snapshot while its case is in a stage or has
    an open promise; its case leaves the stage that day with ``CLOSED_RULE`` (a settled debt owes
    nothing, so the strategy's own exit condition takes it out).
    """
    closed = pl.col("is_closed")
    leaves = closed & pl.col("stage_from").is_not_null()
    return decided.with_columns(
        stage=pl.when(closed).then(None).otherwise(pl.col("stage")),
        is_transition=pl.when(closed).then(leaves).otherwise(pl.col("is_transition")),
        transition_rule=pl.when(leaves).then(pl.lit(CLOSED_RULE)).when(closed).then(None)
        .otherwise(pl.col("transition_rule")),
        transition_condition=pl.when(leaves).then(pl.lit(CLOSED_CONDITION)).when(closed).then(None)
        .otherwise(pl.col("transition_condition")),
        day_in_stage=pl.when(closed).then(None).otherwise(pl.col("day_in_stage")),
        goal=pl.when(closed).then(None).otherwise(pl.col("goal")),
        deadline_date=pl.when(closed).then(None).otherwise(pl.col("deadline_date")),
        actions=pl.when(closed).then(pl.lit([], dtype=pl.List(pl.String()))).otherwise(pl.col("actions")),
    )  # fmt: skip


def engine_input(snapshot: pl.DataFrame, context: CycleContext) -> pl.DataFrame:
    """Return the catalog columns plus ``days_missed``: the days since the last run that the cycle did not run."""
    previous = context.previous_date
    missed = (
        0 if previous is None else max(0, min((context.business_date - previous).days - 1, CATCH_UP_DAYS))
    )
    return snapshot.select(*SNAPSHOT_SCHEMA.names(), days_missed=pl.lit(missed, dtype=pl.Int32()))


def _label() -> pl.Expr:
    return pl.format("{}@{}", pl.col("strategy"), pl.col("strategy_version"))


def _open_cases(decided: pl.DataFrame, context: CycleContext, report: PartitionReport) -> dict[int, int]:
    """Create a case for every debt that has none, already in the stage it enters; return debt id → case id."""
    known = decided.filter(pl.col("case_id").is_not_null())
    ids = dict(zip(known.get_column("debt_id").to_list(), known.get_column("case_id").to_list(), strict=True))
    fresh = decided.filter(pl.col("case_id").is_null())
    if fresh.height == 0:
        return ids
    staged = pl.col("stage").is_not_null()
    rows = fresh.select(
        "debt_id", "debtor_id",
        portfolio_id=pl.lit(context.portfolio.pk, pl.Int64()),
        delinquency_reason=pl.lit("unknown"), score=pl.lit(None, pl.Int32()), is_key_customer=pl.lit(False),
        strategy=_label(), arm=pl.col("arm").fill_null(""), segment="segment", stage=pl.col("stage").fill_null(""),
        stage_entered_on=pl.when(staged).then(pl.lit(context.business_date)),
        stage_rule=pl.col("transition_rule").fill_null(""), stage_condition=pl.col("transition_condition").fill_null(""),
        goal=pl.col("goal").fill_null(""), goal_deadline="deadline_date", revision=pl.lit(0, pl.Int32()),
        assigned_to_id=pl.lit(None, pl.Int64()), created_at=bulk.moment(context.now), updated_at=bulk.moment(context.now),
    )  # fmt: skip
    ids.update(bulk.insert_returning_ids(Case, rows, key="debt_id"))
    report.cases_opened = fresh.height
    return ids


def _record_stages(
    decided: pl.DataFrame, context: CycleContext, report: PartitionReport, *, opened: frozenset[int]
) -> None:
    """Write a stage event for every move, and the new stage of each existing case with the rule and condition that moved it.

    A case opened today already holds its stage (``opened`` names their debts).
    """
    moves = decided.filter(pl.col("is_transition"))
    report.transitions = moves.height
    if moves.height == 0:
        return
    bulk.insert(
        StageEvent,
        moves.select(
            "case_id", business_date=pl.lit(context.business_date), stage_from=pl.col("stage_from").fill_null(""),
            stage_to=pl.col("stage").fill_null(""), segment="segment", rule=pl.col("transition_rule").fill_null(""),
            condition=pl.col("transition_condition").fill_null(""), strategy=_label(),
            cycle_run_id=pl.lit(context.run.pk, pl.Int64()), created_at=bulk.moment(context.now),
        ),
    )  # fmt: skip
    existing = moves.filter(~pl.col("debt_id").is_in(list(opened)))
    bulk.update(
        Case,
        existing.select(
            id="case_id", stage=pl.col("stage").fill_null(""),
            stage_entered_on=pl.when(pl.col("stage").is_not_null()).then(pl.lit(context.business_date)),
            stage_rule=pl.col("transition_rule").fill_null(""), stage_condition=pl.col("transition_condition").fill_null(""),
            segment="segment", arm=pl.col("arm").fill_null(""), strategy=_label(), goal=pl.col("goal").fill_null(""),
            goal_deadline="deadline_date", updated_at=bulk.moment(context.now),
        ),
    )  # fmt: skip
