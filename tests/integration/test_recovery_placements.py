"""Agency placement: only entitled fields leave, recalls, and remittances reconciled to the cent."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from arrears.core.errors import PermissionDenied
from arrears.portfolio import ledger
from arrears.recovery import placements, referrals
from arrears.recovery.models import Placement, PlacementStatus
from tests.factories.people import UserFactory
from tests.factories.recovery import MORNING, AgencyFactory, late_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def case():
    return late_case()


@pytest.fixture
def supervisor(case):
    return UserFactory(supervisor=True, portfolios=[case.portfolio])


def _rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


class TestExport:
    def test_carries_only_the_fields_the_agency_is_entitled_to(self, case, supervisor):
        agency = AgencyFactory(entitled_fields=["debtor_name", "phone", "national_id", "notes"])
        placed = placements.place_cases(agency=agency, cases=[case], actor=supervisor, now=MORNING)

        content = placements.export_placements(
            agency=agency, placements=placed, actor=supervisor, now=MORNING
        )

        rows = _rows(content)
        assert list(rows[0]) == ["reference", "debtor_name", "currency", "balance", "phone"]
        assert rows[0]["balance"] == "10000.00" and rows[0]["phone"] == "+8613812345678"
        assert b"310101198504120019" not in content and b"Shanghai" not in content


class TestPlaceCases:
    def test_refuses_a_case_in_legal_referral_and_places_nothing(self, case, supervisor):
        other = late_case(portfolio=case.portfolio)
        referrals.refer_case(case_id=other.pk, reason="x", actor=supervisor, now=MORNING)

        with pytest.raises(
            placements.PlacementRefused, match=f"{other.debt.external_ref} is in legal referral"
        ):
            placements.place_cases(agency=AgencyFactory(), cases=[case, other], actor=supervisor, now=MORNING)

        assert not Placement.objects.exists()

    def test_a_collector_may_not_place(self, case):
        with pytest.raises(PermissionDenied):
            placements.place_cases(agency=AgencyFactory(), cases=[case], actor=UserFactory(), now=MORNING)

    def test_recall_takes_the_case_back_and_it_may_be_placed_again(self, case, supervisor):
        [placement] = placements.place_cases(
            agency=AgencyFactory(), cases=[case], actor=supervisor, now=MORNING
        )

        placements.recall_placement(
            placement_id=placement.pk, reason="No progress", actor=supervisor, now=MORNING
        )

        placement.refresh_from_db()
        assert placement.status == PlacementStatus.RECALLED
        assert (
            len(placements.place_cases(agency=AgencyFactory(), cases=[case], actor=supervisor, now=MORNING))
            == 1
        )


class TestRemittances:
    def test_post_the_payment_and_reconcile_commission(self, case, supervisor):
        agency = AgencyFactory(commission_rate=Decimal("18.50"))
        [placement] = placements.place_cases(agency=agency, cases=[case], actor=supervisor, now=MORNING)

        placements.record_remittance(placement_id=placement.pk, external_ref="AG-1", amount=Decimal("1234.57"),
                                     received_date=date(2026, 4, 2), actor=supervisor, now=MORNING)  # fmt: skip
        placements.record_remittance(placement_id=placement.pk, external_ref="AG-2", amount=Decimal("100.00"),
                                     received_date=date(2026, 5, 2), actor=supervisor, now=MORNING)  # fmt: skip

        april = placements.reconcile(agency=agency, start=date(2026, 4, 1), end=date(2026, 4, 30))
        assert (april.count, april.collected, april.commission, april.net) == (
            1, Decimal("1234.57"), Decimal("228.40"), Decimal("1006.17"),
        )  # fmt: skip
        assert ledger.get_balances(debt_id=case.debt_id).total == Decimal("8665.43")
