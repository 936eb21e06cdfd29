"""Champion/challenger arms: a stable arithmetic hash of the debtor id and a salt."""

import polars as pl
import pytest

from arrears.engine.evaluate import arm_bucket, arm_of, assign_arm
from arrears.engine.strategy import load_strategy
from tests.unit.engine.test_strategy import GOOD

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
