"""Penalty interest accrues per day on the overdue amount, at the contract rate or the legal cap, exactly."""

from datetime import date, timedelta
from decimal import Decimal, localcontext

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.core.money import round_money
from arrears.engine.accrual import (
    ACCOUNT_SCHEMA,
    ACCRUAL_COLUMNS,
    AccountsMismatch,
    UnknownCurrency,
    accrue_penalty,
)

AS_OF = date(2026, 3, 31)
ACCOUNT = {
    "debt_id": 1,
    "currency": "CNY",
    "overdue_amount": Decimal("10000.00"),
    "overdue_since": date(2026, 3, 30),
    "penalty_rate": Decimal("18.0000"),
    "cap_percent": Decimal("12.0000"),
    "accrued_through": None,
}


def accounts(*rows):
    return pl.DataFrame([{**ACCOUNT, **row} for row in rows], schema=ACCOUNT_SCHEMA)


def accrue(as_of=AS_OF, basis_days=365, **fields):
    return accrue_penalty(accounts(fields), as_of, basis_days=basis_days).to_dicts()


class TestAmounts:
    def test_one_day_at_the_cap_when_the_contract_rate_is_higher(self):
        # 10,000.00 × 12 % / 365 = 3.2876… → 3.29
        assert accrue() == [
            {
                "debt_id": 1,
                "from_date": date(2026, 3, 31),
                "to_date": AS_OF,
                "days": 1,
                "rate_percent": Decimal("12.0000"),
                "capped": True,
                "amount": Decimal("3.29"),
            }
        ]

    def test_thirty_days_are_rounded_once_from_the_exact_product(self):
        # 10,000.00 × 12 % × 30 / 365 = 98.6301… → 98.63 (30 daily rows of 3.29 would be 98.70)
        [row] = accrue(overdue_since=date(2026, 3, 1))

        assert (row["from_date"], row["days"], row["amount"]) == (date(2026, 3, 2), 30, Decimal("98.63"))

    def test_the_contract_rate_applies_when_it_is_below_the_cap(self):
        # 10,000.00 × 10 % / 365 = 2.7397… → 2.74
        [row] = accrue(penalty_rate=Decimal("10.0000"))

        assert (row["rate_percent"], row["capped"], row["amount"]) == (
            Decimal("10.0000"),
            False,
            Decimal("2.74"),
        )

    def test_a_rate_equal_to_the_cap_is_not_capped(self):
        [row] = accrue(penalty_rate=Decimal("12.0000"))

        assert (row["capped"], row["amount"]) == (False, Decimal("3.29"))

    def test_no_cap_means_the_contract_rate(self):
        # 10,000.00 × 18 % / 365 = 4.9315… → 4.93
        [row] = accrue(cap_percent=None)

        assert (row["rate_percent"], row["capped"], row["amount"]) == (
            Decimal("18.0000"),
            False,
            Decimal("4.93"),
        )

    @pytest.mark.parametrize(
        ("rate", "amount"),
        [("1.5000", "0.02"), ("2.5000", "0.02"), ("3.5000", "0.04"), ("4.5000", "0.04")],
    )
    def test_a_half_cent_rounds_to_even(self, rate, amount):
        # 365.00 × r % / 365 = r/100 exactly: 0.015, 0.025, 0.035, 0.045
        [row] = accrue(overdue_amount=Decimal("365.00"), penalty_rate=Decimal(rate), cap_percent=None)

        assert row["amount"] == Decimal(amount)

    def test_a_yen_amount_is_rounded_to_whole_yen(self):
        # 100,000 JPY × 18 % / 365 = 49.315… → 49
        [row] = accrue(currency="JPY", overdue_amount=Decimal("100000.00"), cap_percent=None)

        assert row["amount"] == Decimal("49.00")

    def test_half_a_yen_rounds_to_even(self):
        # 9,125 JPY × 10 % / 365 = 2.5 → 2; 27,375 KRW × 10 % / 365 = 7.5 → 8
        yen, won = accrue_penalty(
            accounts(
                {"currency": "JPY", "overdue_amount": Decimal("9125.00"), "penalty_rate": Decimal("10")},
                {"currency": "KRW", "overdue_amount": Decimal("27375.00"), "penalty_rate": Decimal("10")},
            ),
            AS_OF,
        ).get_column("amount")

        assert (yen, won) == (Decimal("2.00"), Decimal("8.00"))

    def test_a_leap_year_still_divides_by_365(self):
        # 28 Feb → 1 Mar 2024 is 2 days (29 Feb counts): 10,000.00 × 12 % × 2 / 365 = 6.5753… → 6.58
        [short] = accrue(overdue_since=date(2024, 2, 28), as_of=date(2024, 3, 1))
        # the whole of 2024 is 366 days: 10,000.00 × 12 % × 366 / 365 = 1,203.2876… → 1,203.29
        [year] = accrue(overdue_since=date(2023, 12, 31), as_of=date(2024, 12, 31))

        assert (short["days"], short["amount"]) == (2, Decimal("6.58"))
        assert (year["days"], year["amount"]) == (366, Decimal("1203.29"))

    def test_another_day_basis_can_be_given(self):
        # 10,000.00 × 12 % × 30 / 360 = 100.00
        [row] = accrue(overdue_since=date(2026, 3, 1), basis_days=360)

        assert row["amount"] == Decimal("100.00")

    def test_the_largest_amounts_do_not_overflow(self):
        # 10^12 CNY × 999.9999 % × 10,000 / 365 = 273,972,575,342,465.7534… → …465.75
        [row] = accrue(
            overdue_amount=Decimal("1000000000000.00"),
            penalty_rate=Decimal("999.9999"),
            cap_percent=None,
            overdue_since=AS_OF - timedelta(days=10_000),
        )

        assert row["amount"] == Decimal("273972575342465.75")


class TestWindow:
    def test_a_catch_up_window_starts_the_day_after_the_last_accrued_day(self):
        [row] = accrue(overdue_since=date(2026, 1, 10), accrued_through=date(2026, 3, 26))

        assert (row["from_date"], row["to_date"], row["days"]) == (date(2026, 3, 27), AS_OF, 5)
        assert row["amount"] == Decimal("16.44")  # 10,000.00 × 12 % × 5 / 365 = 16.438… → 16.44

    def test_nothing_when_already_accrued_through_today(self):
        assert accrue(overdue_since=date(2026, 1, 10), accrued_through=AS_OF) == []

    def test_nothing_when_accrued_beyond_today(self):
        assert accrue(overdue_since=date(2026, 1, 10), accrued_through=AS_OF + timedelta(days=3)) == []

    def test_one_day_when_accrued_through_yesterday(self):
        [row] = accrue(overdue_since=date(2026, 1, 10), accrued_through=date(2026, 3, 30))

        assert (row["from_date"], row["days"]) == (AS_OF, 1)

    def test_an_accrued_through_before_the_due_date_is_ignored(self):
        [row] = accrue(overdue_since=date(2026, 3, 29), accrued_through=date(2025, 12, 31))

        assert (row["from_date"], row["days"]) == (date(2026, 3, 30), 2)

    def test_not_overdue_gives_no_row(self):
        assert accrue(overdue_since=None) == []
        assert accrue(overdue_since=None, accrued_through=date(2026, 3, 1)) == []

    def test_due_today_is_not_yet_overdue(self):
        assert accrue(overdue_since=AS_OF) == []

    def test_a_zero_rate_gives_no_row(self):
        assert accrue(penalty_rate=Decimal("0.0000")) == []
        assert accrue(cap_percent=Decimal("0.0000")) == []

    def test_an_amount_that_rounds_to_nothing_gives_no_row(self):
        assert accrue(overdue_amount=Decimal("0.01")) == []
        assert accrue(overdue_amount=Decimal("0.00")) == []

    def test_rows_keep_the_input_order_and_only_accounts_owing(self):
        frame = accounts(
            {"debt_id": 7, "overdue_since": date(2026, 3, 1)},
            {"debt_id": 3, "overdue_since": None},
            {"debt_id": 5},
        )

        result = accrue_penalty(frame, AS_OF)

        assert result.columns == list(ACCRUAL_COLUMNS)
        assert result.get_column("debt_id").to_list() == [7, 5]
        assert result.schema["amount"] == pl.Decimal(18, 2)
        assert result.schema["rate_percent"] == pl.Decimal(7, 4)


class TestRefusals:
    def test_refuses_a_float_amount_naming_the_column(self):
        frame = accounts({}).with_columns(pl.col("overdue_amount").cast(pl.Float64))

        with pytest.raises(
            AccountsMismatch, match=r"overdue_amount: Float64, expected Decimal\(precision=18, scale=2\)"
        ):
            accrue_penalty(frame, AS_OF)

    def test_refuses_a_missing_column(self):
        with pytest.raises(AccountsMismatch, match="cap_percent: missing"):
            accrue_penalty(accounts({}).drop("cap_percent"), AS_OF)

    def test_refuses_an_unknown_currency(self):
        with pytest.raises(UnknownCurrency, match="XXX"):
            accrue(currency="XXX")

    def test_refuses_a_basis_of_zero_days(self):
        with pytest.raises(ValueError, match="basis_days"):
            accrue(basis_days=0)


def expected_amount(row, as_of, basis_days):
    """The reference: Python Decimal with ample precision, rounded by core.money."""
    if row["overdue_since"] is None:
        return None
    start = max(row["overdue_since"], row["accrued_through"] or row["overdue_since"])
    days = (as_of - start).days
    rate = row["penalty_rate"] if row["cap_percent"] is None else min(row["penalty_rate"], row["cap_percent"])
    if days <= 0:
        return None
    with localcontext() as context:
        context.prec = 60
        amount = round_money(row["overdue_amount"] * rate / 100 * days / basis_days, row["currency"])
    return amount if amount > 0 else None


rates = st.integers(0, 9_999_999).map(lambda units: Decimal(units).scaleb(-4))
account_rows = st.fixed_dictionaries({
    "debt_id": st.integers(1, 10**9),
    "currency": st.sampled_from(["CNY", "USD", "GBP", "EUR", "JPY", "KRW"]),
    "overdue_amount": st.one_of(st.integers(0, 10**14), st.integers(10**14 - 1000, 10**14)).map(
        lambda cents: Decimal(cents).scaleb(-2)
    ),
    "overdue_since": st.none() | st.integers(-10, 10_000).map(lambda back: AS_OF - timedelta(days=back)),
    "penalty_rate": rates,
    "cap_percent": st.none() | rates,
    "accrued_through": st.none() | st.integers(-5, 10_000).map(lambda back: AS_OF - timedelta(days=back)),
})  # fmt: skip


class TestExactness:
    @settings(max_examples=300, deadline=None)
    @given(st.lists(account_rows, min_size=1, max_size=12), st.sampled_from([365, 360, 366]))
    def test_every_amount_equals_python_decimal_rounded_half_even(self, rows, basis_days):
        frame = pl.DataFrame(rows, schema=ACCOUNT_SCHEMA)

        result = accrue_penalty(frame, AS_OF, basis_days=basis_days)

        expected = [
            (row["debt_id"], amount)
            for row in rows
            if (amount := expected_amount(row, AS_OF, basis_days)) is not None
        ]
        assert list(zip(result.get_column("debt_id"), result.get_column("amount"), strict=True)) == expected
