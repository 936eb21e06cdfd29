from datetime import date
from decimal import Decimal

import pytest

from arrears.core.audit.models import AuditEvent
from arrears.portfolio import verification
from arrears.portfolio.choices import DebtStatus
from tests.factories.people import UserFactory
from tests.factories.portfolio import DebtFactory, InstalmentFactory, LedgerEntryFactory

pytestmark = pytest.mark.django_db
D = Decimal


def codes(debt, as_of=date(2026, 3, 31)):
    return [item.code for item in verification.reconcile_debt(debt_id=debt.pk, as_of=as_of)]


class TestReconcileDebt:
    def test_finds_nothing_wrong_with_a_debt_booked_as_contracted(self):
        debt = DebtFactory(interest_rate=D("12"), charges={"interest": D("500.00")}, instalment_count=4)

        assert codes(debt) == []

    def test_lists_principal_that_differs_from_the_contract(self):
        debt = DebtFactory(principal=D("1000.00"))
        LedgerEntryFactory(debt=debt, kind="adjustment", component="principal", amount=D("50.00"))

        assert codes(debt) == ["principal_mismatch"]

    def test_lists_interest_charged_beyond_the_contract_rate(self):
        # 10,000.00 at 12 % a year from 2025-09-01 to 2026-03-31 (211 days) allows at most 693.70.
        debt = DebtFactory(interest_rate=D("12"), charges={"interest": D("693.71")})

        discrepancies = verification.reconcile_debt(debt_id=debt.pk, as_of=date(2026, 3, 31))

        assert [item.code for item in discrepancies] == ["interest_above_terms"]
        assert "693.71" in discrepancies[0].message and "693.70" in discrepancies[0].message

    def test_lists_a_penalty_charged_without_penalty_terms(self):
        debt = DebtFactory(charges={"penalty": D("10.00")})

        assert codes(debt) == ["penalty_above_terms"]

    def test_lists_a_schedule_that_does_not_add_up_to_the_principal(self):
        debt = DebtFactory()
        InstalmentFactory(debt=debt, number=1, due_date=date(2026, 3, 1), principal_due=D("5000.00"))
        InstalmentFactory(debt=debt, number=2, due_date=date(2026, 4, 1), principal_due=D("4000.00"))

        assert codes(debt) == ["schedule_mismatch"]


class TestVerifyDebt:
    def test_marks_a_reconciled_debt_verified_by_whom_and_when(self, now):
        debt = DebtFactory()
        supervisor = UserFactory(supervisor=True)

        verification.verify_debt(debt_id=debt.pk, actor=supervisor, now=now)

        debt.refresh_from_db()
        assert (debt.status, debt.verified_by, debt.verified_at) == (DebtStatus.VERIFIED, supervisor, now)
        assert AuditEvent.objects.get(action="portfolio.verify_debt").after == {
            "status": "verified",
            "balance": "10000.00",
        }

    def test_refuses_a_debt_that_does_not_reconcile_and_changes_nothing(self, now):
        debt = DebtFactory(charges={"penalty": D("10.00")})

        with pytest.raises(verification.DebtDoesNotReconcile, match=r"penalty charged 10\.00"):
            verification.verify_debt(debt_id=debt.pk, actor=None, now=now)

        debt.refresh_from_db()
        assert (debt.status, debt.verified_at) == (DebtStatus.OPEN, None)
        assert not AuditEvent.objects.exists()
