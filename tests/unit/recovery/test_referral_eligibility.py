"""Legal referral eligibility: every rule that blocks, and the limitation period's edges."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from arrears.recovery.referral_eligibility import Block, ReferralFacts, check_referral

ELIGIBLE = ReferralFacts(
    is_verified=True, balance=Decimal("10000.00"), min_balance=Decimal("5000.00"), due_date=date(2024, 2, 29),
    last_payment_date=None, limitation_years=3, today=date(2026, 3, 31), has_open_dispute=False,
    has_open_referral=False, is_written_off=False,
)  # fmt: skip


class TestCheckReferral:
    def test_allows_a_verified_debt_above_the_threshold_within_the_period(self):
        assert check_referral(ELIGIBLE) == []

    def test_names_every_rule_that_blocks_in_order(self):
        facts = replace(
            ELIGIBLE, is_verified=False, balance=Decimal("4999.99"), due_date=date(2022, 1, 1),
            has_open_dispute=True, has_open_referral=True, is_written_off=True,
        )  # fmt: skip

        assert check_referral(facts) == [
            Block.NOT_VERIFIED, Block.BELOW_THRESHOLD, Block.TIME_BARRED, Block.OPEN_DISPUTE,
            Block.ALREADY_REFERRED, Block.WRITTEN_OFF,
        ]  # fmt: skip

    def test_the_threshold_itself_is_enough(self):
        assert check_referral(replace(ELIGIBLE, balance=Decimal("5000.00"))) == []

    def test_a_claim_due_on_29_february_runs_out_after_28_february_three_years_on(self):
        facts = replace(ELIGIBLE, due_date=date(2020, 2, 29))

        assert facts.limitation_ends == date(2023, 2, 28)
        assert check_referral(replace(facts, today=date(2023, 2, 28))) == []
        assert check_referral(replace(facts, today=date(2023, 3, 1))) == [Block.TIME_BARRED]

    def test_a_later_payment_restarts_the_period(self):
        facts = replace(ELIGIBLE, due_date=date(2022, 1, 10), last_payment_date=date(2024, 6, 1))

        assert facts.limitation_starts == date(2024, 6, 1)
        assert check_referral(facts) == []
