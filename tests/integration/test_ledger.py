from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from arrears.portfolio import ledger
from tests.factories.portfolio import DebtFactory, LedgerEntryFactory, PortfolioFactory

pytestmark = pytest.mark.django_db
D = Decimal


class TestGetBalances:
    def test_sums_each_component_from_the_ledger(self):
        debt = DebtFactory(charges={"interest": D("120.50"), "fee": D("30.00")})
        LedgerEntryFactory(
            debt=debt, component="interest", amount=D("-20.50"), effective_date=date(2026, 3, 10)
        )

        balances = ledger.get_balances(debt_id=debt.pk)

        assert balances.components == {
            "principal": D("10000.00"), "interest": D("100.00"), "penalty": D("0.00"), "fee": D("30.00")
        }  # fmt: skip
        assert balances.total == D("10130.00")
        assert balances.currency == "CNY"

    def test_ignores_entries_effective_after_the_as_of_date(self):
        debt = DebtFactory()
        LedgerEntryFactory(debt=debt, amount=D("-400.00"), effective_date=date(2026, 4, 2))

        assert ledger.get_balances(debt_id=debt.pk, as_of=date(2026, 4, 1)).total == D("10000.00")
        assert ledger.get_balances(debt_id=debt.pk, as_of=date(2026, 4, 2)).total == D("9600.00")

    def test_reports_money_held_as_overpayment(self):
        debt = DebtFactory(principal=D("50.00"))
        LedgerEntryFactory(debt=debt, amount=D("-50.00"))
        LedgerEntryFactory(debt=debt, component="overpayment", amount=D("-7.25"))

        balances = ledger.get_balances(debt_id=debt.pk)

        assert balances.total == D("0.00")
        assert balances.overpayment == D("7.25")


class TestPositions:
    def test_a_scheduled_loan_is_past_due_from_its_oldest_uncovered_instalment(self):
        debt = DebtFactory(principal=D("3000.00"), due_date=date(2026, 1, 31), instalment_count=3)
        LedgerEntryFactory(debt=debt, amount=D("-1000.00"), effective_date=date(2026, 2, 5))

        position = ledger.get_position(debt=debt, as_of=date(2026, 3, 31))

        # Instalments fall due 31 Jan, 28 Feb, 31 Mar; the payment covers January's only.
        assert position.days_past_due == 31
        assert position.bucket == "31-60"
        assert position.balances.total == D("2000.00")

    def test_days_past_due_as_of_a_date_before_a_payment_counts_the_payment_out(self):
        debt = DebtFactory(principal=D("3000.00"), due_date=date(2026, 1, 31), instalment_count=3)
        LedgerEntryFactory(debt=debt, amount=D("-1000.00"), effective_date=date(2026, 2, 5))

        assert ledger.get_days_past_due(debt=debt, as_of=date(2026, 2, 4)) == 4

    def test_unpaid_fees_alone_make_no_debt_past_due(self):
        debt = DebtFactory(principal=D("100.00"), due_date=date(2026, 1, 1), charges={"fee": D("25.00")})
        LedgerEntryFactory(debt=debt, amount=D("-100.00"), effective_date=date(2026, 1, 1))

        position = ledger.get_position(debt=debt, as_of=date(2026, 2, 1))

        assert position.days_past_due == 0
        assert position.balances.total == D("25.00")

    def test_computes_many_debts_in_a_fixed_number_of_queries(self, django_assert_num_queries):
        debts = [DebtFactory(due_date=date(2026, 1, day)) for day in range(1, 6)]

        with django_assert_num_queries(3):
            positions = ledger.list_positions(debts=debts, as_of=date(2026, 2, 1))

        assert [positions[debt.pk].days_past_due for debt in debts] == [31, 30, 29, 28, 27]


class TestPortfolioValidation:
    def test_refuses_an_allocation_order_missing_a_component(self):
        portfolio = PortfolioFactory.build(allocation_order=["fee", "interest", "principal"])

        with pytest.raises(ValidationError) as error:
            portfolio.full_clean()

        assert "allocation_order" in error.value.message_dict
