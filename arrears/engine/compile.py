"""Compile a strategy to Polars expressions and apply them to a snapshot. Pure.

Hit policies (see README.md): the segment with the lowest priority number whose condition holds;
within a path, the furthest stage whose entry condition holds and whose exit condition does not;
a case never falls back to an earlier stage unless its own stage's exit condition holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from arrears.engine.strategy import Strategy

UNSEGMENTED = "unsegmented"

Location = tuple[str | int, ...]

ACTION_SCHEMA = pl.Schema(
    {"rule": pl.String(), "channel": pl.String(), "template": pl.String(), "queue": pl.String()}
)


@lru_cache(maxsize=4096)
def condition(sql: str) -> pl.Expr:
    """Return the SQL boolean condition as an expression in which null (unknown) counts as false."""
    return pl.sql_expr(sql).fill_null(False)


def expressions(strategy: Strategy) -> Iterator[tuple[Location, str]]:
    """Yield (location, SQL text) of every condition in ``strategy``."""
    for index, segment in enumerate(strategy.segments):
        yield ("segments", index, "when"), segment.when
    for name, path in strategy.paths.items():
        for number, stage in enumerate(path.stages):
            where: Location = ("paths", name, "stages", number)
            yield (*where, "enter_when"), stage.enter_when
            if stage.exit_when is not None:
                yield (*where, "exit_when"), stage.exit_when
            for position, action in enumerate(stage.actions):
                if action.when is not None:
                    yield (*where, "actions", position, "when"), action.when
                if action.instead is not None:
                    yield (*where, "actions", position, "instead", "when"), action.instead.when


def first_match(branches: Sequence[tuple[pl.Expr, pl.Expr]], otherwise: pl.Expr) -> pl.Expr:
    """Return the value of the first branch whose condition holds, else ``otherwise``."""
    result = otherwise
    for test, value in reversed(branches):
        result = pl.when(test).then(value).otherwise(result)
    return result


def _by_stage(
    values: Mapping[tuple[str, int], object], dtype: pl.DataType, column: str = "_target"
) -> pl.Expr:
    """Return the value for the row's (path, stage index in ``column``), null when there is none."""
    branches = [
        ((pl.col("_path") == path) & (pl.col(column) == index), pl.lit(value, dtype=dtype))
        for (path, index), value in values.items()
    ]
    return first_match(branches, pl.lit(None, dtype=dtype))


def decide(snapshot: pl.DataFrame, strategy: Strategy, as_of: date) -> pl.DataFrame:
    """Return one decision row per snapshot row: segment, stage, transition and actions due on ``as_of``."""
    staged = (
        snapshot.lazy()
        .with_row_index("_row")
        .with_columns(_segment_columns(strategy))
        .with_columns(_position_columns(strategy))
        .with_columns(_target=_target_index())
        .with_columns(_stage_columns(strategy))
        .with_columns(_schedule_columns(strategy, as_of))
    )
    due = (
        _due_actions(staged, strategy, catch_up="days_missed" in snapshot.columns)
        .filter(pl.col("_day") == pl.col("_day").max().over("_row"))
        .group_by("_row")
        .agg(pl.col("rule").sort_by("_order").alias("actions"))
    )
    return (
        staged.join(due, on="_row", how="left", maintain_order="left")
        .with_columns(pl.col("actions").fill_null(pl.lit([], dtype=pl.List(pl.String()))))
        .drop("_row", "_path", "_current", "_furthest", "_current_exits", "_target")
        .collect()
    )


def action_table(strategy: Strategy) -> pl.DataFrame:
    """Return what each action rule id of ``strategy`` does: channel, template and queue."""
    rows = []
    for name, path in strategy.paths.items():
        for stage in path.stages:
            for action in stage.actions:
                rule = f"{strategy.label}/paths/{name}/{stage.id}/{action.id}"
                rows.append((rule, action.channel, action.template, action.queue))
                if action.instead is not None:
                    swap = action.instead
                    rows.append((f"{rule}/instead", swap.channel, swap.template, swap.queue))
    return pl.DataFrame(rows, schema=ACTION_SCHEMA, orient="row")


def _segment_columns(strategy: Strategy) -> list[pl.Expr]:
    ordered = strategy.segments_by_priority()
    tests = [condition(segment.when) for segment in ordered]
    return [
        first_match(
            [(test, pl.lit(item.id)) for test, item in zip(tests, ordered, strict=True)], pl.lit(UNSEGMENTED)
        ).alias("segment"),
        first_match(
            [
                (test, pl.lit(f"{strategy.label}/segments/{item.id}"))
                for test, item in zip(tests, ordered, strict=True)
            ],
            pl.lit(None, dtype=pl.String()),
        ).alias("segment_rule"),
        first_match(
            [(test, pl.lit(item.path)) for test, item in zip(tests, ordered, strict=True)],
            pl.lit(None, dtype=pl.String()),
        ).alias("_path"),
    ]


def _position_columns(strategy: Strategy) -> list[pl.Expr]:
    """Return the current stage's index, the furthest eligible stage's index and whether the current one exits."""
    current, furthest, exits = [], [], []
    for name, path in strategy.paths.items():
        on_path = pl.col("_path") == name
        for index, stage in enumerate(path.stages):
            in_stage = on_path & (pl.col("stage") == stage.id)
            current.append((in_stage, pl.lit(index, dtype=pl.Int32())))
            leaves = condition(stage.exit_when) if stage.exit_when else pl.lit(False)
            exits.append((in_stage, leaves))
        for index, stage in reversed(list(enumerate(path.stages))):
            eligible = condition(stage.enter_when)
            if stage.exit_when:
                eligible = eligible & ~condition(stage.exit_when)
            furthest.append((on_path & eligible, pl.lit(index, dtype=pl.Int32())))
    no_index = pl.lit(None, dtype=pl.Int32())
    return [
        first_match(current, no_index).alias("_current"),
        first_match(furthest, no_index).alias("_furthest"),
        first_match(exits, pl.lit(False)).alias("_current_exits"),
    ]


def _target_index() -> pl.Expr:
    current, furthest = pl.col("_current"), pl.col("_furthest")
    return (
        pl.when(current.is_null())
        .then(furthest)
        .when(furthest.is_not_null() & (furthest >= current))
        .then(furthest)
        .when(pl.col("_current_exits"))
        .then(furthest)
        .otherwise(current)
    )


def _stage_columns(strategy: Strategy) -> list[pl.Expr]:
    names, enter_rules, enter_sql, exit_rules, exit_sql = {}, {}, {}, {}, {}
    for name, path in strategy.paths.items():
        for index, stage in enumerate(path.stages):
            key = (name, index)
            names[key] = stage.id
            enter_rules[key] = f"{strategy.label}/paths/{name}/{stage.id}/enter_when"
            enter_sql[key] = stage.enter_when
            exit_rules[key] = f"{strategy.label}/paths/{name}/{stage.id}/exit_when"
            exit_sql[key] = stage.exit_when
    text = pl.String()
    target_stage = _by_stage(names, text)
    moved = target_stage.ne_missing(pl.col("stage"))
    forward = pl.col("_target").is_not_null() & (
        pl.col("_current").is_null() | (pl.col("_target") > pl.col("_current"))
    )
    back = pl.col("_current").is_not_null()
    segment_rule = pl.col("segment_rule")
    return [
        pl.col("stage").alias("stage_from"),
        target_stage.alias("stage"),
        moved.alias("is_transition"),
        first_match(
            [(~moved, pl.lit(None, dtype=text)), (forward, _by_stage(enter_rules, text)),
             (back, _by_stage(exit_rules, text, "_current"))],
            segment_rule,
        ).alias("transition_rule"),
        first_match(
            [(~moved, pl.lit(None, dtype=text)), (forward, _by_stage(enter_sql, text)),
             (back, _by_stage(exit_sql, text, "_current"))],
            pl.lit(None, dtype=text),
        ).alias("transition_condition"),
    ]  # fmt: skip


def _schedule_columns(strategy: Strategy, as_of: date) -> list[pl.Expr]:
    goals, deadlines = {}, {}
    for name, path in strategy.paths.items():
        for index, stage in enumerate(path.stages):
            goals[(name, index)] = stage.goal
            deadlines[(name, index)] = stage.deadline_days
    day = (
        pl.when(pl.col("is_transition"))
        .then(pl.lit(0, dtype=pl.Int32()))
        .otherwise(pl.col("days_in_stage").fill_null(0))
    )
    entered = pl.lit(as_of, dtype=pl.Date()) - pl.duration(days=day)
    deadline = entered + pl.duration(days=_by_stage(deadlines, pl.Int32()))
    return [
        pl.when(pl.col("stage").is_not_null()).then(day).otherwise(None).alias("day_in_stage"),
        _by_stage(goals, pl.String()).alias("goal"),
        deadline.alias("deadline_date"),
    ]


def _due_actions(staged: pl.LazyFrame, strategy: Strategy, *, catch_up: bool) -> pl.LazyFrame:
    """Return (row, order, day, rule id) of every action due, one row each.

    With ``catch_up``, an action whose day fell on one of the row's ``days_missed`` days before
    today (days the cycle did not run) is due as well; the caller keeps only the latest day's.
    """
    earliest = pl.col("day_in_stage")
    if catch_up:
        missed = pl.when(pl.col("is_transition")).then(0).otherwise(pl.col("days_missed").fill_null(0))
        earliest = earliest - missed
    parts: list[pl.LazyFrame] = []
    for name, path in strategy.paths.items():
        for index, stage in enumerate(path.stages):
            prefix = f"{strategy.label}/paths/{name}/{stage.id}"
            in_stage = (pl.col("_path") == name) & (pl.col("_target") == index)
            for action in stage.actions:
                due = in_stage & pl.lit(action.day).is_between(earliest, pl.col("day_in_stage"))
                if action.when:
                    due = due & condition(action.when)
                rule = pl.lit(f"{prefix}/{action.id}")
                if action.instead is not None:
                    rule = (
                        pl.when(condition(action.instead.when))
                        .then(pl.lit(f"{prefix}/{action.id}/instead"))
                        .otherwise(rule)
                    )
                parts.append(
                    staged.filter(due).select(
                        "_row",
                        _order=pl.lit(len(parts)),
                        _day=pl.lit(action.day, dtype=pl.Int32()),
                        rule=rule,
                    )
                )
    if not parts:
        return pl.LazyFrame(
            schema={"_row": pl.UInt32(), "_order": pl.Int32(), "_day": pl.Int32(), "rule": pl.String()}
        )
    return pl.concat(parts)
