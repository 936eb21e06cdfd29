"""Write-off with approval, recoveries after it, and settlement offers within authority."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from arrears.casework.models import ArrangementStatus
from arrears.core.errors import PermissionDenied
from arrears.portfolio import ledger
from arrears.portfolio.choices import DebtStatus
from arrears.portfolio.models import LedgerEntry
from arrears.recovery import settlements, write_offs
from arrears.recovery.models import WriteOffStatus
from tests.factories.people import UserFactory
from tests.factories.recovery import MORNING, late_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return late_case(charges={"interest": Decimal("300.00"), "penalty": Decimal("120.55")})


@pytest.fixture
def collector(case):
    return UserFactory(portfolios=[case.portfolio])


@pytest.fixture
def supervisor(case):
    return UserFactory(supervisor=True, portfolios=[case.portfolio])


def _sum(debt, **filters):
    return LedgerEntry.objects.filter(debt=debt, **filters).aggregate(total=Sum("amount"))["total"]


def _written_off(case, collector, supervisor):
    request = write_offs.request_write_off(case_id=case.pk, closure_reason="uncollectable", note="No assets found",
                                           actor=collector, now=MORNING)  # fmt: skip
    return write_offs.approve_write_off(write_off_id=request.pk, actor=supervisor, now=MORNING)


class TestWriteOff:
    def test_approval_books_every_component_and_marks_the_debt(self, case, collector, supervisor):
        write_off = _written_off(case, collector, supervisor)

        assert write_off.status == WriteOffStatus.APPROVED
        assert write_off.amount == Decimal("10420.55")
        assert write_off.components == {"principal": "10000.00", "interest": "300.00", "penalty": "120.55"}
        assert ledger.get_balances(debt_id=case.debt_id).total == Decimal("0.00")
        assert _sum(case.debt, kind="write_off") == Decimal("-10420.55")
        case.debt.refresh_from_db()
        assert case.debt.status == DebtStatus.WRITTEN_OFF

    def test_the_requester_cannot_approve_it(self, case, supervisor):
        request = write_offs.request_write_off(case_id=case.pk, closure_reason="deceased", note="", actor=supervisor,
                                               now=MORNING)  # fmt: skip

        with pytest.raises(PermissionDenied):
            write_offs.approve_write_off(write_off_id=request.pk, actor=supervisor, now=MORNING)

        assert not LedgerEntry.objects.filter(debt=case.debt, kind="write_off").exists()

    def test_a_collector_cannot_approve_it(self, case, collector, supervisor):
        request = write_offs.request_write_off(case_id=case.pk, closure_reason="deceased", note="", actor=supervisor,
                                               now=MORNING)  # fmt: skip

        with pytest.raises(PermissionDenied):
            write_offs.approve_write_off(write_off_id=request.pk, actor=collector, now=MORNING)


class TestRecoveryAfterWriteOff:
    def test_a_partial_recovery_keeps_the_ledger_consistent(self, case, collector, supervisor):
        write_off = _written_off(case, collector, supervisor)

        write_offs.record_recovery(write_off_id=write_off.pk, external_ref="REC-1", amount=Decimal("500.00"),
                                   received_date=date(2026, 4, 10), actor=supervisor,
                                   now=MORNING + timedelta(days=10))  # fmt: skip

        balances = ledger.get_balances(debt_id=case.debt_id)
        assert balances.total == Decimal("0.00") and balances.overpayment == Decimal("0.00")
        # Fee, penalty, interest, principal: the penalty and interest are owed again and paid first.
        assert dict(LedgerEntry.objects.filter(debt=case.debt, kind="adjustment").values_list("component", "amount")) == {
            "penalty": Decimal("120.55"), "interest": Decimal("300.00"), "principal": Decimal("79.45"),
        }  # fmt: skip
        assert _sum(case.debt, kind="payment") == Decimal("-500.00")
        assert write_offs.recovered_so_far(write_off) == Decimal("500.00")
        case.debt.refresh_from_db()
        assert case.debt.status == DebtStatus.WRITTEN_OFF

    def test_recovering_more_than_was_written_off_holds_the_rest_as_overpayment(
        self, case, collector, supervisor
    ):
        write_off = _written_off(case, collector, supervisor)

        write_offs.record_recovery(write_off_id=write_off.pk, external_ref="REC-1", amount=Decimal("10000.00"),
                                   received_date=date(2026, 4, 10), actor=supervisor, now=MORNING)  # fmt: skip
        write_offs.record_recovery(write_off_id=write_off.pk, external_ref="REC-2", amount=Decimal("500.00"),
                                   received_date=date(2026, 4, 11), actor=supervisor, now=MORNING)  # fmt: skip

        balances = ledger.get_balances(debt_id=case.debt_id)
        assert balances.total == Decimal("0.00")
        assert balances.overpayment == Decimal("79.45")
        assert _sum(case.debt, kind="adjustment") == Decimal("10420.55")

    def test_money_on_a_debt_not_written_off_is_refused(self, case, collector, supervisor):
        request = write_offs.request_write_off(case_id=case.pk, closure_reason="uncollectable", note="",
                                               actor=collector, now=MORNING)  # fmt: skip

        with pytest.raises(write_offs.InvalidRecovery):
            write_offs.record_recovery(write_off_id=request.pk, external_ref="REC-1", amount=Decimal("5.00"),
                                       received_date=date(2026, 4, 10), actor=supervisor, now=MORNING)  # fmt: skip

        assert not LedgerEntry.objects.filter(debt=case.debt, kind="payment").exists()


class TestSettlementOffer:
    def test_within_the_offerers_waiver_limit_it_is_active_at_once(self, case, supervisor):
        supervisor.max_waiver_amount = Decimal("2000.00")
        supervisor.save()

        offer = settlements.offer_settlement(case=case, amount=Decimal("9000.00"), pay_by=date(2026, 4, 15),
                                             reason="Lump sum from family", actor=supervisor, now=MORNING)  # fmt: skip

        assert (offer.status, offer.discount) == (ArrangementStatus.ACTIVE, Decimal("1420.55"))

    def test_beyond_the_limit_it_waits_for_approval(self, case, collector):
        offer = settlements.offer_settlement(case=case, amount=Decimal("9000.00"), pay_by=date(2026, 4, 15),
                                             reason="Lump sum", actor=collector, now=MORNING)  # fmt: skip

        assert offer.status == ArrangementStatus.PENDING_APPROVAL
        assert ledger.get_balances(debt_id=case.debt_id).total == Decimal("10420.55")

    def test_an_offer_of_the_whole_balance_is_no_settlement(self, case, collector):
        with pytest.raises(settlements.arrangements.InvalidArrangement, match="less than the balance"):
            settlements.offer_settlement(case=case, amount=Decimal("10420.55"), pay_by=date(2026, 4, 15),
                                         reason="", actor=collector, now=MORNING)  # fmt: skip
