"""The hardship arithmetic: disposable income, the affordable amount (half, down to the unit), the classification."""

from decimal import Decimal

import pytest

from arrears.casework import hardship_calc
from arrears.casework.hardship_calc import Ability, Treatment


class TestDisposableIncome:
    def test_is_income_less_expenses_and_other_debt_payments_to_the_cent(self):
        disposable = hardship_calc.disposable_income(
            income=Decimal("8200.55"), expenses=Decimal("5100.10"), other_debt_payments=Decimal("999.99")
        )

        assert disposable == Decimal("2100.46")

    def test_may_be_negative(self):
        disposable = hardship_calc.disposable_income(
            income=Decimal("3000.00"), expenses=Decimal("2800.00"), other_debt_payments=Decimal("500.01")
        )

        assert disposable == Decimal("-300.01")


class TestAffordableMonthly:
    @pytest.mark.parametrize(
        ("disposable", "affordable"),
        [
            (Decimal("2100.46"), Decimal("1050.00")),
            (Decimal("2101.99"), Decimal("1050.00")),
            (Decimal("2102.00"), Decimal("1051.00")),
            (Decimal("1.99"), Decimal("0.00")),
            (Decimal("0.00"), Decimal("0.00")),
            (Decimal("-300.01"), Decimal("0.00")),
        ],
    )
    def test_is_half_of_a_positive_disposable_income_rounded_down_to_the_unit(self, disposable, affordable):
        assert hardship_calc.affordable_monthly(disposable) == affordable


class TestAbility:
    @pytest.mark.parametrize(
        ("affordable", "ability"),
        [
            (Decimal("1000.00"), Ability.ABLE),  # exactly balance ÷ 6
            (Decimal("999.00"), Ability.PARTLY),
            (Decimal("1.00"), Ability.PARTLY),
            (Decimal("0.00"), Ability.UNABLE),
        ],
    )
    def test_is_able_when_six_months_repay_the_balance(self, affordable, ability):
        assert hardship_calc.ability_for(affordable=affordable, balance=Decimal("6000.00")) == ability


class TestAssess:
    @pytest.mark.parametrize(
        ("willingness", "income", "treatment"),
        [
            ("willing", Decimal("4000.00"), Treatment.FULL_OR_SHORT_PLAN),
            ("willing", Decimal("2000.00"), Treatment.INSTALMENT_PLAN),
            ("willing", Decimal("1000.00"), Treatment.DEFERRAL_REVIEW),
            ("reluctant", Decimal("4000.00"), Treatment.FIRM_REMINDER),
            ("reluctant", Decimal("2000.00"), Treatment.SUPERVISOR_ESCALATION),
            ("reluctant", Decimal("1000.00"), Treatment.SUPERVISOR_ESCALATION),
        ],
    )
    def test_classifies_willingness_by_ability(self, willingness, income, treatment):
        # Expenses 1000: disposable 3000 → 1500 a month (able on 6000), 1000 → 500 (partly), 0 → unable.
        figures = hardship_calc.assess(
            income=income, expenses=Decimal("1000.00"), other_debt_payments=Decimal("0.00"),
            balance=Decimal("6000.00"), willingness=willingness,
        )  # fmt: skip

        assert figures.treatment == treatment

    def test_gives_the_figures_and_the_months_to_repay(self):
        figures = hardship_calc.assess(
            income=Decimal("8200.55"), expenses=Decimal("5100.10"), other_debt_payments=Decimal("999.99"),
            balance=Decimal("12345.67"), willingness="willing",
        )  # fmt: skip

        assert (figures.disposable_income, figures.affordable_monthly) == (
            Decimal("2100.46"),
            Decimal("1050.00"),
        )
        assert figures.ability == Ability.PARTLY
        assert figures.months_to_repay == 12  # 12345.67 / 1050 = 11.76 → 12

    def test_refuses_a_negative_amount(self):
        with pytest.raises(ValueError, match="negative"):
            hardship_calc.assess(
                income=Decimal("-1"), expenses=Decimal("0"), other_debt_payments=Decimal("0"),
                balance=Decimal("1"), willingness="willing",
            )  # fmt: skip
