"""Decide, for a snapshot on a business date, what a strategy does with each account. Pure.

The engine decides; it never acts. Applying the decisions (stage events, messages, work items)
happens afterwards, in bulk and idempotently. A run is determined by (snapshot, strategy
version, as-of date).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date

import polars as pl

from arrears.engine import compile
from arrears.engine.fields import check_snapshot
from arrears.engine.strategy import Strategy

# The arm hash works modulo the Mersenne prime 2^31 - 1, so every product fits a signed 64-bit
# integer and Polars and Python compute exactly the same numbers on every version.
_PRIME = 2_147_483_647
_BASIS_POINTS = 10_000

DECISION_COLUMNS = (
    "debt_id", "debtor_id", "strategy", "strategy_version", "arm", "segment", "segment_rule",
    "stage_from", "stage", "is_transition", "transition_rule", "transition_condition",
    "day_in_stage", "goal", "deadline_date", "actions",
)  # fmt: skip


def evaluate(snapshot: pl.DataFrame, strategy: Strategy, as_of: date) -> pl.DataFrame:
    """Return one decision row per account of ``snapshot`` under ``strategy`` on ``as_of``.

    Each row carries the strategy version, the champion/challenger arm of the debtor, the segment
    and the rule that chose it, the stage before and after with the rule and condition of any
    transition, the goal and deadline of the stage, and the actions due that day (each with the
    rule id of the action).

    :raises fields.SnapshotMismatch: when ``snapshot`` does not match the field catalog.
    """
    check_snapshot(snapshot)
    decisions = compile.decide(snapshot, strategy, as_of).with_columns(
        strategy=pl.lit(strategy.strategy),
        strategy_version=pl.lit(strategy.version),
        arm=assign_arm(pl.col("debtor_id"), salt=strategy.arm_salt, weights=strategy.arms),
    )
    return decisions.select(DECISION_COLUMNS)


class MissingChallenger(ValueError):
    """A challenger the champion names but no strategy was given for."""


def evaluate_arms(
    snapshot: pl.DataFrame, champion: Strategy, challengers: Mapping[str, Strategy], as_of: date
) -> pl.DataFrame:
    """Return the decisions of each debtor under the strategy of its arm, in snapshot order.

    The champion's salt and weights assign the arms; each challenger's rows are decided by the
    strategy ``challengers`` gives for its name, and keep the champion's arm label.

    :raises MissingChallenger: naming a challenger the champion lists that ``challengers`` lacks.
    :raises fields.SnapshotMismatch: when ``snapshot`` does not match the field catalog.
    """
    missing = [item.strategy for item in champion.challengers if item.strategy not in challengers]
    if missing:
        raise MissingChallenger(
            f"{champion.label} names challengers without a strategy: {', '.join(missing)}"
        )
    check_snapshot(snapshot)
    strategies = {champion.strategy: champion, **challengers}
    indexed = snapshot.with_columns(
        _arm=assign_arm(pl.col("debtor_id"), salt=champion.arm_salt, weights=champion.arms)
    ).with_row_index("_position")
    parts = [
        evaluate(rows.drop("_arm", "_position"), strategies[arm], as_of).with_columns(
            arm=pl.lit(arm), _position=rows.get_column("_position")
        )
        for (arm,), rows in indexed.partition_by("_arm", as_dict=True, maintain_order=True).items()
    ]
    if not parts:
        return evaluate(snapshot, champion, as_of)
    return pl.concat(parts).sort("_position").drop("_position")


def planned_actions(decisions: pl.DataFrame, strategy: Strategy) -> pl.DataFrame:
    """Return one row per action due in ``decisions``: the account, its stage, the rule id and what to do."""
    return (
        decisions.select("debt_id", "debtor_id", "strategy_version", "arm", "segment", "stage", "actions")
        .explode("actions", empty_as_null=False)
        .rename({"actions": "action_rule"})
        .join(
            compile.action_table(strategy).rename({"rule": "action_rule"}),
            on="action_rule",
            how="left",
            maintain_order="left",
        )
    )


def _salt_numbers(salt: str) -> tuple[int, int]:
    digest = hashlib.sha256(salt.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % _PRIME, int.from_bytes(digest[8:16], "big") % _PRIME


def _thresholds(weights: Sequence[tuple[str, float]]) -> list[tuple[str, int]]:
    """Return (arm, exclusive upper bound in basis points) for each arm in order."""
    bounds, total = [], 0.0
    for arm, weight in weights:
        total += weight
        bounds.append((arm, round(total * _BASIS_POINTS)))
    bounds[-1] = (bounds[-1][0], _BASIS_POINTS)
    return bounds


def arm_bucket(debtor_id: int, salt: str) -> int:
    """Return the stable bucket (0–9,999) of one debtor id; the same numbers as ``assign_arm``."""
    first, second = _salt_numbers(salt)
    value = debtor_id % _PRIME
    value = (value * 48_271 + first) % _PRIME
    value ^= value >> 13
    value = (value * 1_103_515_245 + second) % _PRIME
    value ^= value >> 16
    value = (value * 69_621 + 12_345) % _PRIME
    return value % _BASIS_POINTS


def arm_of(debtor_id: int, salt: str, weights: Sequence[tuple[str, float]]) -> str:
    """Return the arm of one debtor: the scalar twin of ``assign_arm``."""
    bucket = arm_bucket(debtor_id, salt)
    return next(arm for arm, bound in _thresholds(weights) if bucket < bound)


def assign_arm(debtor_id: pl.Expr, *, salt: str, weights: Sequence[tuple[str, float]]) -> pl.Expr:
    """Return the champion/challenger arm of each debtor id, by a stable arithmetic hash.

    The same debtor and salt give the same arm every day and on every Polars version (no
    ``Expr.hash``); ``weights`` lists (arm, share), the shares adding up to 1.
    """
    first, second = _salt_numbers(salt)
    value = debtor_id.cast(pl.Int64) % _PRIME
    value = (value * 48_271 + first) % _PRIME
    value = value.xor(value // (1 << 13))
    value = (value * 1_103_515_245 + second) % _PRIME
    value = value.xor(value // (1 << 16))
    bucket = ((value * 69_621 + 12_345) % _PRIME) % _BASIS_POINTS
    branches = [(bucket < bound, pl.lit(arm)) for arm, bound in _thresholds(weights)]
    return compile.first_match(branches, pl.lit(None, dtype=pl.String()))
