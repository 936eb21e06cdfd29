"""Champion/challenger arms: a stable arithmetic hash of the debtor id and a salt."""

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from arrears.engine.evaluate import MissingChallenger, arm_bucket, arm_of, assign_arm, evaluate_arms
from arrears.engine.fields import snapshot_frame
from arrears.engine.strategy import load_strategy
from tests.unit.engine.test_strategy import GOOD

AS_OF = date(2026, 3, 31)
WEIGHTS = [("champion", 0.7), ("faster", 0.2), ("softer", 0.1)]
# Buckets of debtors 1, 2, 3 and 1,000,000 under the salt "default", computed once and frozen.
PINNED_BUCKETS = [5311, 149, 6599, 4154]


def arms(ids, salt="default", weights=WEIGHTS):
    frame = pl.DataFrame({"debtor_id": ids}, schema={"debtor_id": pl.Int64})
    return frame.select(assign_arm(pl.col("debtor_id"), salt=salt, weights=weights)).to_series().to_list()


class TestAssignArm:
    def test_shares_are_within_two_percent_of_the_weights_over_100000_debtors(self):
        counts = pl.Series(arms(list(range(1, 100_001)))).value_counts().rows()

        shares = {arm: count / 100_000 for arm, count in counts}

        for arm, weight in WEIGHTS:
            assert shares[arm] == pytest.approx(weight, rel=0.02), arm

    def test_a_debtor_keeps_its_arm_from_day_to_day(self):
        ids = [5, 17, 123_456, 9_876_543_210]

        assert arms(ids) == arms(ids)
        assert arms(list(reversed(ids))) == list(reversed(arms(ids)))

    def test_the_expression_and_the_scalar_twin_agree(self):
        ids = [*range(1, 2_001), 2**40 + 3, 2**62]

        assert arms(ids) == [arm_of(debtor_id, "default", WEIGHTS) for debtor_id in ids]

    def test_the_hash_is_pinned_so_a_library_upgrade_cannot_move_debtors(self):
        assert [arm_bucket(debtor_id, "default") for debtor_id in (1, 2, 3, 1_000_000)] == PINNED_BUCKETS

    def test_another_salt_draws_other_arms(self):
        ids = list(range(1, 1_001))

        same = sum(a == b for a, b in zip(arms(ids, "default"), arms(ids, "spring-test"), strict=True))

        assert same < 700

    def test_a_strategy_without_challengers_puts_everyone_in_the_champion(self):
        strategy = load_strategy(GOOD)

        assert set(arms(list(range(1, 1_001)), strategy.arm_salt, strategy.arms)) == {"test"}

    def test_the_champion_gets_what_the_challengers_leave(self):
        strategy = load_strategy(
            GOOD.replace(
                "title: {en: Test, zh: 测试}",
                "title: {en: Test, zh: 测试}\nchallengers: [{strategy: b, weight: 0.25}]",
            )
        )

        assert strategy.arms == [("test", 0.75), ("b", 0.25)]


class TestEvaluateArms:
    def challenger_pair(self):
        champion = load_strategy(
            GOOD.replace(
                "title: {en: Test, zh: 测试}",
                "title: {en: Test, zh: 测试}\nchallengers: [{strategy: fast, weight: 0.5}]",
            )
        )
        fast = load_strategy(
            GOOD.replace("strategy: test", "strategy: fast").replace(
                '"days_past_due >= 31"', '"days_past_due >= 10"'
            )
        )
        return champion, fast

    def test_each_debtor_is_decided_by_the_strategy_of_its_arm_in_snapshot_order(self):
        champion, fast = self.challenger_pair()
        snapshot = snapshot_frame(
            [
                {"debt_id": n, "debtor_id": n, "days_past_due": 20, "balance": Decimal("100.00")}
                for n in range(1, 201)
            ]
        )

        decisions = evaluate_arms(snapshot, champion, {"fast": fast}, AS_OF)

        assert decisions.get_column("debt_id").to_list() == list(range(1, 201))
        by_arm = {
            arm: set(rows.get_column("stage"))
            for (arm,), rows in decisions.partition_by("arm", as_dict=True).items()
        }
        assert by_arm == {"test": {"early"}, "fast": {"mid"}}
        assert set(decisions.filter(pl.col("arm") == "fast").get_column("segment_rule")) == {
            "fast@1/segments/everyone"
        }
        assert decisions.get_column("arm").to_list() == [
            arm_of(n, "test", champion.arms) for n in range(1, 201)
        ]

    def test_a_challenger_without_its_strategy_is_refused_by_name(self):
        champion, _fast = self.challenger_pair()

        with pytest.raises(MissingChallenger, match="test@1 names challengers without a strategy: fast"):
            evaluate_arms(snapshot_frame([]), champion, {}, AS_OF)
