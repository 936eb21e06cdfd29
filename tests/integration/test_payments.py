from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.core.audit.models import AuditEvent
from arrears.portfolio import ledger, payments, verification
from arrears.portfolio.choices import DebtStatus, EntrySource
from arrears.portfolio.models import LedgerEntry, Payment
from tests.factories.people import UserFactory
from tests.factories.portfolio import DebtFactory, PortfolioFactory

pytestmark = pytest.mark.django_db
D = Decimal


def pay(debt, amount, *, ref="P-1", currency="CNY", now, actor=None):
    return payments.record_payment(
        debt_id=debt.pk, external_ref=ref, amount=amount, currency=currency, received_date=date(2026, 3, 30),
        source=EntrySource.COLLECTOR, actor=actor, now=now,
    )  # fmt: skip


class TestRecordPayment:
    def test_allocates_fees_penalty_interest_then_principal_and_audits_it(self, now):
        debt = DebtFactory(charges={"interest": D("80.00"), "penalty": D("12.34"), "fee": D("25.00")})
        collector = UserFactory()

        payment = pay(debt, D("500.00"), now=now, actor=collector)

        entries = dict(LedgerEntry.objects.filter(payment=payment).values_list("component", "amount"))
        assert entries == {
            "fee": D("-25.00"),
            "penalty": D("-12.34"),
            "interest": D("-80.00"),
            "principal": D("-382.66"),
        }
        assert ledger.get_balances(debt_id=debt.pk).total == D("9617.34")
        event = AuditEvent.objects.get(action="portfolio.record_payment")
        assert event.actor == collector
        assert event.after["allocation"] == {
            "fee": "25.00",
            "penalty": "12.34",
            "interest": "80.00",
            "principal": "382.66",
        }
        assert event.before == {"balance": "10117.34", "status": "open"}

    def test_uses_the_portfolio_allocation_order(self, now):
        portfolio = PortfolioFactory(allocation_order=["principal", "interest", "penalty", "fee"])
        debt = DebtFactory(debtor__portfolio=portfolio, principal=D("100.00"), charges={"fee": D("10.00")})

        payment = pay(debt, D("105.00"), now=now)

        entries = dict(LedgerEntry.objects.filter(payment=payment).values_list("component", "amount"))
        assert entries == {"principal": D("-100.00"), "fee": D("-5.00")}

    def test_settles_the_debt_and_records_an_overpayment_as_such(self, now):
        debt = DebtFactory(principal=D("100.00"))

        pay(debt, D("130.00"), now=now)

        debt.refresh_from_db()
        balances = ledger.get_balances(debt_id=debt.pk)
        assert debt.status == DebtStatus.SETTLED
        assert balances.components["principal"] == D("0.00")
        assert balances.overpayment == D("30.00")

    def test_posting_the_same_reference_twice_posts_once(self, now):
        debt = DebtFactory()

        first = pay(debt, D("100.00"), now=now)
        second = pay(debt, D("100.00"), now=now)

        assert first.pk == second.pk
        assert Payment.objects.count() == 1
        assert AuditEvent.objects.filter(action="portfolio.record_payment").count() == 1

    def test_refuses_a_reused_reference_for_another_amount_and_records_nothing(self, now):
        debt = DebtFactory()
        pay(debt, D("100.00"), now=now)

        with pytest.raises(payments.DuplicatePaymentReference, match="P-1"):
            pay(debt, D("90.00"), now=now)

        assert ledger.get_balances(debt_id=debt.pk).total == D("9900.00")

    def test_refuses_another_currency_and_records_nothing(self, now):
        debt = DebtFactory()

        with pytest.raises(payments.CurrencyMismatch, match=r"USD.*CNY"):
            pay(debt, D("100.00"), currency="USD", now=now)

        assert not Payment.objects.exists()
        assert not AuditEvent.objects.exists()

    @pytest.mark.parametrize("amount", [D("0.00"), D("-5.00"), D("1.005")])
    def test_refuses_an_amount_that_is_not_a_positive_amount_of_cents(self, now, amount):
        debt = DebtFactory()

        with pytest.raises(payments.InvalidPaymentAmount):
            pay(debt, amount, now=now)

        assert not LedgerEntry.objects.filter(payment__isnull=False).exists()

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        amounts=st.lists(
            st.decimals(min_value=D("0.01"), max_value=D("4000.00"), places=2), min_size=1, max_size=4
        )
    )
    def test_a_series_of_payments_neither_creates_nor_loses_money(self, now, amounts):
        debt = DebtFactory(principal=D("5000.00"), charges={"interest": D("300.00"), "fee": D("20.00")})

        for number, amount in enumerate(amounts):
            pay(debt, amount, ref=f"P-{debt.pk}-{number}", now=now)

        balances = ledger.get_balances(debt_id=debt.pk)
        paid = sum(amounts, D(0))
        assert balances.total - balances.overpayment == D("5320.00") - paid
        assert all(amount >= 0 for amount in balances.components.values())
        assert balances.overpayment == max(paid - D("5320.00"), D(0))


class TestReversePayment:
    def test_owes_again_what_the_payment_settled_and_reopens_a_settled_debt(self, now):
        debt = DebtFactory(principal=D("100.00"), charges={"fee": D("20.00")})
        payment = pay(debt, D("120.00"), now=now)
        later = now.replace(day=31, hour=23)

        payments.reverse_payment(payment_id=payment.pk, reason="direct debit returned", actor=None, now=later)

        debt.refresh_from_db()
        payment.refresh_from_db()
        assert (debt.status, payment.reversed_at, payment.reversal_reason) == (
            DebtStatus.OPEN, later, "direct debit returned",
        )  # fmt: skip
        assert ledger.get_balances(debt_id=debt.pk).components == {
            "principal": D("100.00"), "interest": D("0.00"), "penalty": D("0.00"), "fee": D("20.00"),
        }  # fmt: skip
        assert AuditEvent.objects.get(action="portfolio.reverse_payment").reason == "direct debit returned"

    def test_reversing_twice_changes_nothing_and_the_debt_still_reconciles(self, now):
        debt = DebtFactory(principal=D("100.00"))
        payment = pay(debt, D("40.00"), now=now)

        payments.reverse_payment(payment_id=payment.pk, reason="returned", actor=None, now=now)
        payments.reverse_payment(payment_id=payment.pk, reason="returned", actor=None, now=now)

        assert ledger.get_balances(debt_id=debt.pk).total == D("100.00")
        assert AuditEvent.objects.filter(action="portfolio.reverse_payment").count() == 1
        assert verification.reconcile_debt(debt_id=debt.pk, as_of=now.date()) == []

    def test_an_unknown_payment_is_refused(self, now):
        with pytest.raises(payments.PaymentNotFound):
            payments.reverse_payment(payment_id=999_999, reason="x", actor=None, now=now)

    def test_a_reversed_reference_cannot_be_posted_again(self, now):
        debt = DebtFactory(principal=D("100.00"))
        payment = pay(debt, D("40.00"), now=now)
        payments.reverse_payment(payment_id=payment.pk, reason="returned", actor=None, now=now)

        with pytest.raises(payments.DuplicatePaymentReference, match="new reference"):
            pay(debt, D("40.00"), now=now)

        assert ledger.get_balances(debt_id=debt.pk).total == D("100.00")
