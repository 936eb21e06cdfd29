"""The instalment-plan calculator, checked to the cent against formulas computed independently.

The independent side uses exact fractions and integer cents (no Decimal, no quantize), so a slip in
the calculator's rounding or rate convention cannot cancel out.
"""

from datetime import date
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from math import floor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.casework.calculator import InvalidPlan, Method, as_json, quote_plan

FIRST_DUE = date(2026, 1, 31)


def quote(principal="100000.00", rate="12", months=12, method="equal-instalment", **kwargs):
    return quote_plan(
        principal=Decimal(principal), annual_rate_percent=Decimal(rate), months=months, method=method,
        first_due=kwargs.pop("first_due", FIRST_DUE), **kwargs,
    )  # fmt: skip


def round_cents(cents: Fraction) -> int:
    """Round a non-negative exact number of cents to a whole cent, ties up."""
    return floor(cents + Fraction(1, 2))


def cents_half_up(amount: Fraction) -> int:
    """Return a non-negative exact amount in whole cents, ties up."""
    return round_cents(amount * 100)


def as_decimal(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def annuity_cents(principal: str, rate_percent: str, months: int) -> int:
    """The 等额本息 payment P·r(1+r)^n / ((1+r)^n − 1), r = annual % ÷ 1200, exactly, then to the cent."""
    amount, monthly = Fraction(principal), Fraction(rate_percent) / 1200
    if monthly == 0:
        return cents_half_up(amount / months)
    growth = (1 + monthly) ** months
    return cents_half_up(amount * monthly * growth / (growth - 1))


def schedule_in_cents(principal: str, rate_percent: str, months: int, method: str) -> list[tuple[int, ...]]:
    """The documented rules, re-done in integer cents: (payment, principal, interest, balance) per month."""
    balance, monthly = cents_half_up(Fraction(principal)), Fraction(rate_percent) / 1200
    level = (
        annuity_cents(principal, rate_percent, months)
        if method == "equal-instalment"
        else round_cents(Fraction(balance, months))
    )
    rows = []
    for number in range(1, months + 1):
        interest = round_cents(balance * monthly)
        part = balance if number == months else (level - interest if method == "equal-instalment" else level)
        balance -= part
        rows.append((part + interest, part, interest, balance))
    return rows


def repays_early_or_pays_nothing(rows: list[tuple[int, ...]]) -> bool:
    """Whether a schedule clears its balance before the last month or has an instalment of zero."""
    return any(balance <= 0 for *_, balance in rows[:-1]) or any(payment <= 0 for payment, *_ in rows)


def rows_in_cents(plan) -> list[tuple[int, ...]]:
    return [
        tuple(int(amount * 100) for amount in (item.payment, item.principal, item.interest, item.balance))
        for item in plan.instalments
    ]


class TestEqualInstalment:
    def test_100000_at_12_percent_over_12_months_pays_8884_88_a_month(self):
        plan = quote()

        assert annuity_cents("100000.00", "12", 12) == 888488
        assert [item.payment for item in plan.instalments[:11]] == [Decimal("8884.88")] * 11
        assert plan.instalments[0].interest == Decimal("1000.00")
        assert plan.instalments[0].principal == Decimal("7884.88")
        assert plan.instalments[-1].payment == Decimal("8884.85")
        assert plan.instalments[-1].principal == Decimal("8796.88")
        assert plan.total_payment == Decimal("106618.53")
        assert plan.total_interest == Decimal("6618.53")

    def test_matches_the_rules_redone_in_exact_fractions_month_by_month(self):
        plan = quote()

        assert rows_in_cents(plan) == schedule_in_cents("100000.00", "12", 12, "equal-instalment")

    def test_a_30_year_mortgage_of_one_million_at_4_9_percent_pays_the_published_5307_27(self):
        plan = quote(principal="1000000.00", rate="4.9", months=360)

        assert plan.instalments[0].payment == Decimal("5307.27")
        assert plan.instalments[0].interest == Decimal("4083.33")
        assert rows_in_cents(plan) == schedule_in_cents("1000000.00", "4.9", 360, "equal-instalment")
        assert plan.instalments[-1].balance == Decimal("0.00")
        assert sum(item.principal for item in plan.instalments) == Decimal("1000000.00")

    def test_200000_at_6_percent_over_30_years_pays_1199_10(self):
        plan = quote(principal="200000", rate="6", months=360)

        assert plan.instalments[0].payment == Decimal("1199.10")
        assert plan.principal == Decimal("200000.00")

    def test_at_zero_interest_the_payment_is_the_principal_divided_by_the_months(self):
        plan = quote(principal="1000.00", rate="0", months=3)

        assert [item.payment for item in plan.instalments] == [
            Decimal("333.33"),
            Decimal("333.33"),
            Decimal("333.34"),
        ]
        assert plan.total_interest == Decimal("0.00")
        assert plan.total_payment == Decimal("1000.00")

    def test_one_month_repays_the_principal_with_one_months_interest(self):
        plan = quote(principal="1000.00", months=1)

        assert [(item.payment, item.principal, item.interest, item.balance) for item in plan.instalments] == [
            (Decimal("1010.00"), Decimal("1000.00"), Decimal("10.00"), Decimal("0.00"))
        ]


class TestEqualPrincipal:
    def test_100000_at_12_percent_over_12_months_starts_at_9333_33_and_costs_6500_interest(self):
        plan = quote(method="equal-principal")

        assert plan.instalments[0].payment == Decimal("9333.33")
        assert plan.instalments[0].principal == Decimal("8333.33")
        assert plan.instalments[0].interest == Decimal("1000.00")
        assert plan.instalments[1].payment == Decimal("9250.00")
        assert plan.instalments[-1].principal == Decimal("8333.37")
        assert plan.total_interest == Decimal("6500.00")
        assert plan.total_payment == Decimal("106500.00")
        assert rows_in_cents(plan) == schedule_in_cents("100000.00", "12", 12, "equal-principal")

    def test_the_interest_sum_is_the_closed_form_p_r_n_plus_1_over_2_when_nothing_rounds(self):
        plan = quote(principal="120000.00", rate="12", months=12, method="equal-principal")

        assert plan.total_interest == as_decimal(cents_half_up(Fraction(120000) * Fraction(1, 100) * 13 / 2))

    def test_a_30_year_loan_of_one_million_at_4_9_percent_starts_at_the_published_6861_11(self):
        plan = quote(principal="1000000.00", rate="4.9", months=360, method="equal-principal")

        assert plan.instalments[0].payment == Decimal("6861.11")
        assert plan.instalments[0].payment - plan.instalments[1].payment == Decimal("11.34")
        assert rows_in_cents(plan) == schedule_in_cents("1000000.00", "4.9", 360, "equal-principal")

    def test_one_month_repays_the_principal_with_one_months_interest(self):
        plan = quote(principal="1000.00", months=1, method="equal-principal")

        assert plan.instalments[0].payment == Decimal("1010.00")


class TestConventions:
    def test_an_interest_ending_in_half_a_cent_rounds_up_not_to_even(self):
        plan = quote(principal="100.50", rate="12", months=2, method="equal-principal")

        assert plan.instalments[0].interest == Decimal(
            "1.01"
        )  # 100.50 × 1 % = 1.005; half-even would give 1.00

    def test_due_dates_count_months_from_the_first_due_date_keeping_the_31st_where_it_exists(self):
        plan = quote(months=5, first_due=date(2028, 1, 31))

        assert [item.due_date for item in plan.instalments] == [
            date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31), date(2028, 4, 30), date(2028, 5, 31),
        ]  # fmt: skip

    def test_a_currency_without_minor_units_rounds_to_whole_units(self):
        plan = quote(principal="100000", rate="12", months=3, currency="JPY")

        assert as_json(plan)["instalments"][0] == {
            "number": 1, "due_date": "2026-01-31", "payment": "34002", "principal": "33002", "interest": "1000",
            "balance": "66998",
        }  # fmt: skip

    def test_the_json_holds_the_instalments_and_totals_as_decimal_strings(self):
        document = as_json(quote(months=2, method="equal-principal"))

        assert document == {
            "instalments": [
                {"number": 1, "due_date": "2026-01-31", "payment": "51000.00", "principal": "50000.00",
                 "interest": "1000.00", "balance": "50000.00"},
                {"number": 2, "due_date": "2026-02-28", "payment": "50500.00", "principal": "50000.00",
                 "interest": "500.00", "balance": "0.00"},
            ],
            "total_payment": "101500.00",
            "total_interest": "1500.00",
        }  # fmt: skip

    def test_a_principal_given_without_cents_is_quoted_with_them(self):
        assert as_json(quote(principal="100000", months=1))["total_payment"] == "101000.00"


class TestRefusals:
    @pytest.mark.parametrize(
        ("change", "field", "code"),
        [
            ({"principal": "0"}, "principal", "principal_not_positive"),
            ({"principal": "-5.00"}, "principal", "principal_not_positive"),
            ({"principal": "NaN"}, "principal", "principal_not_positive"),
            ({"principal": "100.001"}, "principal", "principal_scale"),
            ({"principal": "100.5", "currency": "JPY"}, "principal", "principal_scale"),
            ({"principal": "1000000000000.01"}, "principal", "principal_too_large"),
            ({"rate": "-0.01"}, "annual_rate", "rate_negative"),
            ({"rate": "100.01"}, "annual_rate", "rate_too_high"),
            ({"months": 0}, "months", "months_out_of_range"),
            ({"months": 361}, "months", "months_out_of_range"),
            ({"method": "balloon"}, "method", "unknown_method"),
            ({"currency": "XBT"}, "currency", "unknown_currency"),
        ],
    )
    def test_an_input_out_of_range_is_refused_naming_its_field(self, change, field, code):
        with pytest.raises(InvalidPlan) as refusal:
            quote(**change)

        assert (refusal.value.field, refusal.value.code) == (field, code)
        assert str(refusal.value).startswith(field)

    def test_a_rate_of_exactly_100_percent_and_360_months_are_allowed(self):
        assert len(quote(rate="100", months=360).instalments) == 360

    def test_a_principal_too_small_for_the_months_is_refused_rather_than_quoted_with_empty_instalments(self):
        with pytest.raises(InvalidPlan) as refusal:
            quote(principal="101.00", rate="0", months=200, method="equal-principal")

        assert (refusal.value.field, refusal.value.code) == ("months", "too_many_months")

    def test_the_message_is_an_english_msgid_the_interface_translates_and_names_the_field_in(self):
        with pytest.raises(InvalidPlan) as refusal:
            quote(rate="120")

        translated = refusal.value.describe(lambda text: "«" + text + "»", "--annual-rate")

        assert (
            translated == "«--annual-rate must not be above 100: it is a percentage a year (12 means 12 %).»"
        )


principals = st.integers(min_value=100_00, max_value=10**11).map(as_decimal)
rates = st.integers(min_value=0, max_value=100_00).map(as_decimal)


class TestProperties:
    @settings(max_examples=100, deadline=None)
    @given(
        principal=principals,
        rate=rates,
        months=st.integers(min_value=1, max_value=360),
        method=st.sampled_from(list(Method)),
    )
    def test_every_plan_repays_the_principal_exactly_in_consistent_rounded_rows(
        self, principal, rate, months, method
    ):
        try:
            plan = quote_plan(
                principal=principal,
                annual_rate_percent=rate,
                months=months,
                method=method,
                first_due=FIRST_DUE,
            )
        except InvalidPlan as refusal:
            assert refusal.code == "too_many_months"
            assert repays_early_or_pays_nothing(
                schedule_in_cents(str(principal), str(rate), months, method.value)
            )
            return

        rows = plan.instalments
        assert len(rows) == months
        assert sum(row.principal for row in rows) == principal
        assert rows[-1].balance == Decimal("0.00")
        balances = [principal] + [row.balance for row in rows]
        assert all(later <= earlier for earlier, later in pairwise(balances))
        assert all(row.payment == row.principal + row.interest for row in rows)
        assert all(row.payment > 0 and row.principal >= 0 and row.interest >= 0 for row in rows)
        amounts = [
            amount for row in rows for amount in (row.payment, row.principal, row.interest, row.balance)
        ]
        assert all(
            amount.as_tuple().exponent == -2 for amount in [*amounts, plan.total_payment, plan.total_interest]
        )
        assert plan.total_payment == sum(row.payment for row in rows)
        assert plan.total_interest == sum(row.interest for row in rows)
        assert plan.total_payment == principal + plan.total_interest
        assert [row.due_date for row in rows] == sorted({row.due_date for row in rows})

    @settings(max_examples=100, deadline=None)
    @given(
        principal=principals,
        rate=rates,
        months=st.integers(min_value=1, max_value=360),
        method=st.sampled_from(list(Method)),
    )
    def test_every_plan_follows_the_rules_redone_in_exact_fractions(self, principal, rate, months, method):
        try:
            plan = quote_plan(
                principal=principal,
                annual_rate_percent=rate,
                months=months,
                method=method,
                first_due=FIRST_DUE,
            )
        except InvalidPlan:
            return

        assert not repays_early_or_pays_nothing(rows_in_cents(plan))
        assert rows_in_cents(plan) == schedule_in_cents(str(principal), str(rate), months, method.value)
        if method is Method.EQUAL_INSTALMENT:
            assert {row.payment for row in plan.instalments[:-1]} <= {
                as_decimal(annuity_cents(str(principal), str(rate), months))
            }
        else:
            assert len({row.principal for row in plan.instalments[:-1]}) <= 1


def test_an_exact_half_cent_of_interest_rounds_up_even_when_the_monthly_rate_is_a_repeating_decimal():
    # 45.60 × 2.5 % ÷ 12 = 0.095 exactly; computing 2.5 % ÷ 12 first gives 0.0949999… and 0.09.
    plan = quote_plan(
        principal=Decimal("100.00"), annual_rate_percent=Decimal("2.5"), months=125,
        method=Method.EQUAL_PRINCIPAL, first_due=FIRST_DUE,
    )  # fmt: skip

    row = next(row for row in plan.instalments if row.balance == Decimal("44.80"))

    assert (row.principal, row.interest) == (Decimal("0.80"), Decimal("0.10"))
