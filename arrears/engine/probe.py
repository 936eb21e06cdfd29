"""Synthetic accounts to check a strategy on load: types of its conditions, reach of its stages. Pure.

The probe draws each field from the values the strategy's own conditions mention (each number
literal, one below and one above, every documented text value, null), so boundaries are hit.
A stage or segment that no probe account reaches is refused as unreachable.
"""

from __future__ import annotations

import random
import re
from datetime import date
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

import polars as pl

from arrears.engine import compile
from arrears.engine.fields import FIELDS, SNAPSHOT_SCHEMA

if TYPE_CHECKING:
    from arrears.engine.strategy import Strategy

PROBE_SIZE = 20_000
PROBE_DATE = date(2026, 1, 31)
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?")
_TEXT = re.compile(r"'([^']*)'")
_BASE_NUMBERS = (0, 1, 5, 30, 100, 1000, 10_000, 100_000)


@cache
def sample_frame() -> pl.DataFrame:
    """Return one typed row with a plausible value in every field, for checking condition types."""
    row = {
        field.name: (field.values[0] if field.values else "x") if field.kind == "text"
        else True if field.kind == "boolean" else 1
        for field in FIELDS
    }  # fmt: skip
    return pl.DataFrame({name: [value] for name, value in row.items()}, schema=SNAPSHOT_SCHEMA)


def reached(strategy: Strategy) -> tuple[set[str], set[tuple[str, str]]]:
    """Return the segments and the (path, stage) pairs some probe account ends up in."""
    decisions = compile.decide(probe_frame(strategy), strategy, PROBE_DATE)
    segments = set(decisions.get_column("segment").unique().to_list())
    pairs = decisions.select(
        pl.col("segment").replace_strict(
            {segment.id: segment.path for segment in strategy.segments},
            default=None,
            return_dtype=pl.String(),
        ),
        "stage",
    ).unique()
    stages = {(path, stage) for path, stage in pairs.iter_rows() if path is not None and stage is not None}
    return segments, stages


def probe_frame(strategy: Strategy) -> pl.DataFrame:
    """Return ``PROBE_SIZE`` synthetic accounts drawn around the strategy's own literals."""
    sql = " ".join(text for _, text in compile.expressions(strategy))
    numbers = {Decimal(match) for match in _NUMBER.findall(sql)}
    days = {
        action.day for path in strategy.paths.values() for stage in path.stages for action in stage.actions
    }
    candidates: dict[str, list[object]] = {}
    for field in FIELDS:
        if field.kind == "key":
            continue
        if field.name == "stage":
            # A stage is reached when it is the furthest eligible one; the current stage only
            # keeps a case where it is, so every probe account starts without one.
            candidates[field.name] = [None]
        elif field.kind == "boolean":
            candidates[field.name] = [True, False, None]
        elif field.kind == "text":
            texts = set(field.values) | set(_TEXT.findall(sql)) | {"other"}
            candidates[field.name] = [None, *sorted(texts)]
        else:
            around = {
                value + step for value in numbers | set(map(Decimal, _BASE_NUMBERS)) for step in (-1, 0, 1)
            }
            if field.name == "days_in_stage":
                around |= {Decimal(day) for day in days}
            whole = sorted({int(value) for value in around if value >= 0})
            candidates[field.name] = [None, *whole]
    draw = random.Random(20260131)
    columns: dict[str, list[object]] = {
        name: draw.choices(values, k=PROBE_SIZE) for name, values in candidates.items()
    }
    columns["debt_id"] = list(range(1, PROBE_SIZE + 1))
    columns["debtor_id"] = list(range(1, PROBE_SIZE + 1))
    return pl.DataFrame(columns, schema=SNAPSHOT_SCHEMA, strict=False)
