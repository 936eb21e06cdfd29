"""The demo's recovery data: visits for the field user, referrals, a placement, a settlement and a write-off."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from arrears.casework.models import Arrangement, ArrangementKind
from arrears.portfolio import ledger
from arrears.recovery import manifests
from arrears.recovery.bundles import read_bundle
from arrears.recovery.models import (
    EvidenceBundle,
    LegalReferral,
    Placement,
    Visit,
    WriteOff,
    WriteOffRecovery,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stores(settings, tmp_path):
    settings.ARREARS_BUNDLE_DIR = str(tmp_path / "bundles")
    settings.ARREARS_LETTER_DIR = str(tmp_path / "letters")


def test_the_demo_shows_each_recovery_area_and_loading_twice_adds_nothing():
    call_command("demo", debtors=60, seed=7, as_of=date(2026, 3, 31), stdout=StringIO())
    counts = (Visit.objects.count(), LegalReferral.objects.count(), WriteOff.objects.count())

    call_command("demo", debtors=60, seed=7, as_of=date(2026, 3, 31), stdout=StringIO())

    statuses = sorted(Visit.objects.filter(agent__username="field").values_list("status", flat=True))
    assert statuses == ["checked_in", "completed", "scheduled", "scheduled"]
    routes = sorted(Visit.objects.filter(status="scheduled").values_list("route_order", flat=True))
    assert routes == [1, 2]
    assert sorted(LegalReferral.objects.values_list("status", flat=True)) == ["approved", "pending"]
    assert manifests.verify_zip(read_bundle(EvidenceBundle.objects.get())) == []
    assert Placement.objects.count() == 5
    assert Arrangement.objects.filter(kind=ArrangementKind.SETTLEMENT, status="pending_approval").count() == 1
    write_off = WriteOff.objects.get()
    assert WriteOffRecovery.objects.get().amount == Decimal("200.00")
    assert ledger.get_balances(debt_id=write_off.case.debt_id).total == Decimal("0.00")
    assert (Visit.objects.count(), LegalReferral.objects.count(), WriteOff.objects.count()) == counts
