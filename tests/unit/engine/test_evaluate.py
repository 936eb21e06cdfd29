"""The engine decides segment, stage, transition and today's actions for tiny literal snapshots."""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from arrears.engine.evaluate import evaluate, planned_actions
from arrears.engine.fields import SnapshotMismatch, snapshot_frame
from arrears.engine.strategy import default_strategy, load_strategy
from tests.unit.engine.test_strategy import GOOD

AS_OF = date(2026, 3, 31)
RULES = "default@2026.11.1/paths/standard"


def decide(**fields):
    row = {"debt_id": 1, "debtor_id": 1, "balance": Decimal("800.00"), "debtor_kind": "person", **fields}
    return evaluate(snapshot_frame([row]), default_strategy(), AS_OF).row(0, named=True)


class TestSegments:
    def test_the_lowest_priority_number_wins_when_two_segments_match(self):
        snapshot = snapshot_frame([
            {"debt_id": 1, "debtor_id": 1, "balance": Decimal("60000.00"), "days_past_due": 5},
            {"debt_id": 2, "debtor_id": 2, "balance": Decimal("100.00"), "days_past_due": 5},
        ])  # fmt: skip

        decisions = evaluate(snapshot, load_strategy(GOOD), AS_OF)

        assert decisions.get_column("segment").to_list() == ["big", "everyone"]
        assert decisions.get_column("segment_rule").to_list() == [
            "test@1/segments/big",
            "test@1/segments/everyone",
        ]

    def test_an_account_no_segment_takes_is_unsegmented_and_gets_nothing(self):
        strategy = load_strategy(GOOD.replace('when: "TRUE"', 'when: "balance < 50000"'))

        row = evaluate(
            snapshot_frame([{"debt_id": 1, "debtor_id": 1, "days_past_due": 5}]), strategy, AS_OF
        ).row(0, named=True)

        assert (row["segment"], row["segment_rule"], row["stage"], row["actions"]) == (
            "unsegmented",
            None,
            None,
            [],
        )

    def test_the_delinquency_reason_steers_the_path(self):
        reasons = ["forgot", "cash_flow", "dispute", "wilful", "unknown"]

        segments = [decide(days_past_due=5, delinquency_reason=reason)["segment"] for reason in reasons]

        assert segments == ["forgot", "hardship", "dispute", "wilful", "standard"]

    def test_an_open_dispute_holds_whatever_the_reason(self):
        row = decide(days_past_due=200, delinquency_reason="wilful", has_open_dispute=True, is_verified=True)

        assert (row["segment"], row["stage"], row["goal"]) == ("dispute", "verification", "verification")


class TestStageBoundaries:
    @pytest.mark.parametrize(
        ("days_past_due", "stage"),
        [
            (0, None),
            (1, "early"),
            (30, "early"),
            (31, "mid"),
            (90, "mid"),
            (91, "late"),
            (120, "late"),
            (121, "late"),
        ],
    )
    def test_a_new_case_enters_the_furthest_stage_its_days_past_due_allow(self, days_past_due, stage):
        assert decide(days_past_due=days_past_due)["stage"] == stage

    @pytest.mark.parametrize(
        ("days_until_due", "stage"), [(None, None), (0, None), (1, "courtesy"), (3, "courtesy"), (4, None)]
    )
    def test_courtesy_comes_one_to_three_days_before_the_due_date(self, days_until_due, stage):
        assert decide(days_past_due=0, days_until_due=days_until_due)["stage"] == stage

    def test_legal_needs_121_days_a_verified_debt_and_10000(self):
        verified_large = {"is_verified": True, "balance": Decimal("10000.00"), "has_open_dispute": False}

        assert decide(days_past_due=121, **verified_large)["stage"] == "legal"
        assert decide(days_past_due=120, **verified_large)["stage"] == "late"
        assert (
            decide(days_past_due=121, **(verified_large | {"balance": Decimal("9999.99")}))["stage"] == "late"
        )
        assert decide(days_past_due=121, **(verified_large | {"is_verified": False}))["stage"] == "late"

    def test_a_move_carries_the_rule_and_the_condition_that_caused_it(self):
        row = decide(days_past_due=31, stage="early", days_in_stage=30)

        assert row["stage_from"] == "early"
        assert row["is_transition"] is True
        assert row["transition_rule"] == f"{RULES}/mid/enter_when"
        assert row["transition_condition"] == "days_past_due >= 31"

    def test_a_case_stays_in_its_stage_without_a_rule(self):
        row = decide(days_past_due=30, stage="early", days_in_stage=29)

        assert (row["stage"], row["is_transition"], row["transition_rule"]) == ("early", False, None)

    def test_a_part_payment_does_not_move_a_case_back_without_its_exit_condition(self):
        row = decide(days_past_due=12, stage="mid", days_in_stage=20)

        assert (row["stage"], row["is_transition"]) == ("mid", False)

    def test_paying_up_leaves_the_path_by_the_stage_exit_condition(self):
        row = decide(days_past_due=0, stage="mid", days_in_stage=20)

        assert row["stage"] is None
        assert row["transition_rule"] == f"{RULES}/mid/exit_when"
        assert row["transition_condition"] == "days_past_due = 0"

    def test_unknown_days_past_due_counts_as_false_and_places_no_one(self):
        assert decide(days_past_due=None)["stage"] is None

    def test_the_goal_and_deadline_come_from_the_stage_entered(self):
        row = decide(days_past_due=31, stage="early", days_in_stage=30)

        assert (row["goal"], row["day_in_stage"], row["deadline_date"]) == (
            "arrangement",
            0,
            date(2026, 5, 30),
        )

    def test_the_deadline_counts_from_the_day_the_case_entered_its_stage(self):
        row = decide(days_past_due=45, stage="mid", days_in_stage=14)

        assert (row["day_in_stage"], row["deadline_date"]) == (14, date(2026, 5, 16))


class TestActionSchedules:
    @pytest.mark.parametrize(
        ("days_in_stage", "actions"),
        [
            (1, []),
            (3, [f"{RULES}/early/email-reminder"]),
            (7, [f"{RULES}/early/app-reminder"]),
            (14, [f"{RULES}/early/second-reminder"]),
            (15, []),
        ],
    )
    def test_an_action_is_due_on_its_day_in_the_stage(self, days_in_stage, actions):
        assert decide(days_past_due=20, stage="early", days_in_stage=days_in_stage)["actions"] == actions

    def test_entering_a_stage_is_day_zero_whatever_days_in_stage_said(self):
        assert decide(days_past_due=31, stage="early", days_in_stage=30)["actions"] == [
            f"{RULES}/mid/collector-call"
        ]

    def test_a_conditional_action_is_due_only_where_its_condition_holds(self):
        company = decide(days_past_due=40, stage="mid", days_in_stage=7, debtor_kind="company")
        person = decide(days_past_due=40, stage="mid", days_in_stage=7, debtor_kind="person")

        assert company["actions"] == [f"{RULES}/mid/decision-maker"]
        assert person["actions"] == []

    @pytest.mark.parametrize(
        ("debtor_kind", "balance", "is_key_customer", "channel"),
        [
            ("person", Decimal("49999.99"), False, "sms"),
            ("person", Decimal("50000.00"), False, "call"),
            ("company", Decimal("100.00"), False, "call"),
            ("person", Decimal("100.00"), True, "call"),
            ("person", Decimal("100.00"), None, "sms"),
        ],
    )
    def test_companies_key_customers_and_50000_get_a_call_instead_of_an_sms(
        self, debtor_kind, balance, is_key_customer, channel
    ):
        snapshot = snapshot_frame([{
            "debt_id": 1, "debtor_id": 1, "days_past_due": 1, "debtor_kind": debtor_kind, "balance": balance,
            "is_key_customer": is_key_customer,
        }])  # fmt: skip

        planned = planned_actions(evaluate(snapshot, default_strategy(), AS_OF), default_strategy())

        assert planned.get_column("channel").to_list() == [channel]
        assert planned.get_column("queue").to_list() == ["early-calls" if channel == "call" else None]

    def test_every_planned_action_carries_its_rule_and_the_strategy_version(self):
        snapshot = snapshot_frame([{"debt_id": 9, "debtor_id": 4, "days_past_due": 0, "days_until_due": 2}])

        planned = planned_actions(evaluate(snapshot, default_strategy(), AS_OF), default_strategy())

        assert planned.rows(named=True) == [{
            "debt_id": 9, "debtor_id": 4, "strategy_version": "2026.11.1", "arm": "default", "segment": "standard",
            "stage": "courtesy", "action_rule": f"{RULES}/courtesy/courtesy-reminder", "channel": "sms",
            "template": "courtesy_reminder", "queue": None,
        }]  # fmt: skip


class TestSnapshotEdge:
    def test_a_snapshot_missing_a_field_is_refused_by_name(self):
        snapshot = snapshot_frame([{"debt_id": 1, "debtor_id": 1}]).drop("score")

        with pytest.raises(SnapshotMismatch, match="score: missing"):
            evaluate(snapshot, default_strategy(), AS_OF)

    def test_money_must_be_decimal(self):
        snapshot = snapshot_frame([{"debt_id": 1, "debtor_id": 1}]).with_columns(
            pl.col("balance").cast(pl.Float64)
        )

        with pytest.raises(
            SnapshotMismatch, match=r"balance: Float64, expected Decimal\(precision=18, scale=2\)"
        ):
            evaluate(snapshot, default_strategy(), AS_OF)

    def test_a_row_with_an_undocumented_field_is_refused(self):
        with pytest.raises(SnapshotMismatch, match="not documented fields: colour"):
            snapshot_frame([{"debt_id": 1, "colour": "red"}])

    def test_the_same_snapshot_strategy_and_date_give_the_same_decisions(self):
        snapshot = snapshot_frame([
            {"debt_id": n, "debtor_id": n, "days_past_due": n * 7, "stage": "early", "days_in_stage": n} for n in range(30)
        ])  # fmt: skip

        first = evaluate(snapshot, default_strategy(), AS_OF)
        second = evaluate(snapshot, default_strategy(), AS_OF)

        assert first.equals(second)
        assert first.height == 30
