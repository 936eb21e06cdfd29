"""Catch-up: after days the cycle did not run, only the latest action that fell due is due — once."""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from arrears.engine.evaluate import evaluate
from arrears.engine.fields import snapshot_frame
from arrears.engine.strategy import default_strategy

AS_OF = date(2026, 3, 31)
EARLY = "default@2026.11.1/paths/standard/early"


def actions(days_in_stage: int, days_missed: int, **fields: object) -> list[str]:
    row = {"debt_id": 1, "debtor_id": 1, "balance": Decimal("800.00"), "debtor_kind": "person",
           "days_past_due": 20, "stage": "early", "days_in_stage": days_in_stage, **fields}  # fmt: skip
    snapshot = snapshot_frame([row]).with_columns(days_missed=pl.lit(days_missed, dtype=pl.Int32()))
    return evaluate(snapshot, default_strategy(), AS_OF).row(0, named=True)["actions"]


@pytest.mark.parametrize(
    ("days_in_stage", "days_missed", "expected"),
    [
        (4, 0, []),  # ran yesterday: the day-3 e-mail went then
        (4, 1, [f"{EARLY}/email-reminder"]),  # yesterday (day 3) was missed: send it today
        (8, 5, [f"{EARLY}/app-reminder"]),  # days 3 and 7 were missed: only the latest, day 7
        (9, 1, []),  # day 8 missed, nothing was due on it
        (16, 7, [f"{EARLY}/second-reminder"]),  # days 9–15 missed: day 14's reminder
        (7, 0, [f"{EARLY}/app-reminder"]),  # no days missed: today's own action
    ],
)
def test_only_the_latest_missed_action_is_due(days_in_stage, days_missed, expected):
    assert actions(days_in_stage, days_missed) == expected


def test_a_case_that_enters_a_stage_today_gets_day_zero_only_whatever_was_missed():
    assert actions(30, 6, days_past_due=31) == ["default@2026.11.1/paths/standard/mid/collector-call"]


def test_without_the_column_nothing_is_caught_up():
    row = {"debt_id": 1, "debtor_id": 1, "balance": Decimal("800.00"), "debtor_kind": "person",
           "days_past_due": 20, "stage": "early", "days_in_stage": 4}  # fmt: skip
    assert evaluate(snapshot_frame([row]), default_strategy(), AS_OF).row(0, named=True)["actions"] == []
