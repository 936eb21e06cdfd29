"""The findings frame every vectorized rule returns: (pid, sub, code, severity)."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from arrears.compliance.rules.vocabulary import Action, ConsentScope, Decision

FINDINGS_SCHEMA = pl.Schema({"pid": pl.UInt32, "sub": pl.Int64, "code": pl.String, "severity": pl.Int8})


def fired(
    refused: pl.DataFrame, code: str | pl.Expr, decision: Decision = Decision.DENY, *, sub: int = 0
) -> pl.DataFrame:
    """Return one finding per row of `refused` (a frame with `pid`), with one code and decision."""
    return refused.select(
        pl.col("pid").cast(pl.UInt32),
        pl.lit(sub, pl.Int64).alias("sub"),
        (pl.lit(code, pl.String) if isinstance(code, str) else code.cast(pl.String)).alias("code"),
        pl.lit(decision.severity, pl.Int8).alias("severity"),
    )


def action_in(actions: Iterable[Action]) -> pl.Expr:
    """Return `action` ∈ actions as a boolean column."""
    return pl.col("action").cast(pl.String).is_in(sorted(action.value for action in actions))


def consent_column(scope: ConsentScope, variant: int) -> str:
    """Return the plan column telling whether a consent of this scope covers the action."""
    if scope is ConsentScope.FREQUENCY:
        return f"consent_frequency_{variant}"
    return f"consent_{scope.value}"
