"""What a run would do, without writing anything — and how a candidate strategy differs from the active one.

The preview reads the same snapshot as a run, decides with the active strategy (and its
challengers) and, when given, with a candidate strategy file; plans the actions, puts the contacts
through the same vectorized compliance check, and reports counts by segment, stage and action,
the refusals, sample cases, and the difference between the two.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

import polars as pl

from arrears.compliance.rules.rates import load_reference_rates
from arrears.engine.evaluate import evaluate_arms
from arrears.engine.strategy import Strategy
from arrears.portfolio.models import Portfolio
from arrears.strategy import versions
from arrears.strategy.models import CycleRun, RunStatus
from arrears.usecases.cycle import actions
from arrears.usecases.cycle.partition import CycleContext, close_finished, engine_input
from arrears.usecases.cycle.run import get_settings
from arrears.usecases.cycle.snapshot import read_snapshot

SAMPLE_SIZE = 10
EXTRA = (
    "debt_id",
    "case_id",
    "balance",
    "currency",
    "language",
    "score",
    "bucket",
    "debtor_kind",
    "is_closed",
)


def preview_cycle(
    *, portfolios: list[Portfolio], business_date: date, now: datetime, candidate: Strategy | None = None
) -> dict[str, Any]:
    """Return the preview report for the portfolios on ``business_date``; nothing is written."""
    active_parts, candidate_parts, labels = [], [], set()
    refusals: Counter[str] = Counter()
    for portfolio in portfolios:
        champion = versions.get_active_strategy(get_settings(portfolio).strategy)
        challengers = versions.get_challengers(champion)
        labels.add(champion.label)
        previous = (
            CycleRun.objects.filter(
                portfolio=portfolio, status=RunStatus.COMPLETED, business_date__lt=business_date
            )
            .order_by("-business_date")
            .values_list("business_date", flat=True)
            .first()
        )
        context = CycleContext(
            run=CycleRun(portfolio=portfolio, business_date=business_date, partitions=1), portfolio=portfolio,
            business_date=business_date, previous_date=previous, champion=champion, challengers=challengers,
            rates=load_reference_rates(), now=now,
        )  # fmt: skip
        snapshot = read_snapshot(portfolio=portfolio, as_of=business_date)
        extra = snapshot.select(EXTRA)
        engine = engine_input(snapshot, context)
        decided = close_finished(
            evaluate_arms(engine, champion, challengers, business_date).join(
                extra, on="debt_id", how="left", maintain_order="left"
            )
        )
        active_parts.append(decided)
        chosen = decided
        if candidate is not None:
            chosen = close_finished(
                evaluate_arms(engine, candidate, versions.get_challengers(candidate), business_date).join(
                    extra, on="debt_id", how="left", maintain_order="left"
                )
            )
            candidate_parts.append(chosen)
        strategies = [candidate] if candidate is not None else [champion, *challengers.values()]
        checked = actions.check(actions.plan(chosen, strategies), context)
        for reasons in checked.filter(pl.col("decision").is_in(["DENY", "REVIEW"])).get_column("reasons"):
            refusals.update(reasons)
    active = _concat(active_parts)
    chosen_frame = _concat(candidate_parts) if candidate is not None else active
    report = _summary(chosen_frame, business_date)
    report.update(
        strategy=candidate.label if candidate is not None else ", ".join(sorted(labels)),
        refusals=dict(refusals.most_common()),
    )
    if candidate is not None:
        report["difference"] = _difference(active, chosen_frame, ", ".join(sorted(labels)), candidate.label)
    return report


def _concat(parts: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(parts, how="vertical_relaxed") if parts else pl.DataFrame()


def _counts(frame: pl.DataFrame, *columns: str) -> list[dict[str, Any]]:
    if frame.height == 0:
        return []
    ordered = frame.group_by(columns).len("accounts")
    return ordered.sort(
        ["accounts", *columns], descending=[True, *[False] * len(columns)], nulls_last=True
    ).to_dicts()


def _summary(decisions: pl.DataFrame, business_date: date) -> dict[str, Any]:
    if decisions.height == 0:
        return {"as_of": business_date.isoformat(), "accounts": 0, "transitions": 0, "by_segment": [],
                "by_stage": [], "by_action": [], "samples": []}  # fmt: skip
    due = decisions.select("actions").explode("actions", empty_as_null=False).drop_nulls()
    samples = decisions.filter(pl.col("is_transition") | (pl.col("actions").list.len() > 0)).head(SAMPLE_SIZE)
    return {
        "as_of": business_date.isoformat(),
        "accounts": decisions.height,
        "transitions": int(decisions.get_column("is_transition").sum()),
        "by_segment": _counts(decisions, "segment"),
        "by_stage": _counts(decisions, "stage"),
        "by_action": _counts(due.rename({"actions": "action_rule"}), "action_rule"),
        "samples": samples.select(
            "debt_id",
            "arm",
            "segment",
            "stage_from",
            "stage",
            "transition_rule",
            "transition_condition",
            "actions",
        ).to_dicts(),
    }


def _difference(
    active: pl.DataFrame, candidate: pl.DataFrame, active_label: str, candidate_label: str
) -> dict[str, Any]:
    """Return how many accounts change segment, stage or actions, the stage counts side by side, and samples."""
    joined = active.select("debt_id", "segment", "stage", "actions").join(
        candidate.select("debt_id", "segment", "stage", "actions"), on="debt_id", suffix="_candidate"
    )
    # Rule ids name their strategy; compare what is done (the part after the version) instead.
    plain = pl.col("actions").list.eval(pl.element().str.replace(r"^[^/]+", ""))
    plain_candidate = pl.col("actions_candidate").list.eval(pl.element().str.replace(r"^[^/]+", ""))
    flagged = joined.with_columns(
        segment_changed=pl.col("segment") != pl.col("segment_candidate"),
        stage_changed=pl.col("stage").ne_missing(pl.col("stage_candidate")),
        actions_changed=plain.list.join(",") != plain_candidate.list.join(","),
    )
    stages = (
        _stage_table(active, "active")
        .join(_stage_table(candidate, "candidate"), on="stage", how="full", coalesce=True, nulls_equal=True)
        .with_columns(pl.col("active", "candidate").fill_null(0))
        .sort("stage", nulls_last=True)
    )
    changed = flagged.filter(pl.col("segment_changed") | pl.col("stage_changed") | pl.col("actions_changed"))
    return {
        "active": active_label, "candidate": candidate_label,
        "segment_changed": int(flagged.get_column("segment_changed").sum()),
        "stage_changed": int(flagged.get_column("stage_changed").sum()),
        "actions_changed": int(flagged.get_column("actions_changed").sum()),
        "by_stage": stages.to_dicts(),
        "samples": changed.head(SAMPLE_SIZE).select(
            "debt_id", "segment", "segment_candidate", "stage", "stage_candidate", "actions", "actions_candidate"
        ).to_dicts(),
    }  # fmt: skip


def _stage_table(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    return frame.group_by("stage").len(name).with_columns(pl.col(name).cast(pl.Int64()))
