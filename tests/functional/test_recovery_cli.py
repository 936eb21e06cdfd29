"""`arrears recovery`: a bundle written to a file and verified, a tampered one refused, an agency's CSV."""

from __future__ import annotations

import io
import zipfile
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from arrears.recovery import placements, referrals
from tests.factories.people import UserFactory
from tests.factories.recovery import MORNING, AgencyFactory, late_case

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stores(settings, tmp_path):
    settings.ARREARS_BUNDLE_DIR = str(tmp_path / "bundles")
    settings.ARREARS_LETTER_DIR = str(tmp_path / "letters")


def _approved_referral():
    case = late_case()
    lead = UserFactory(supervisor=True, username="lead", portfolios=[case.portfolio])
    referral = referrals.refer_case(case_id=case.pk, reason="x", actor=lead, now=MORNING)
    second = UserFactory(supervisor=True, portfolios=[case.portfolio])
    officer = UserFactory(compliance_officer=True, portfolios=[case.portfolio])
    referrals.approve_referral(referral_id=referral.pk, capacity="supervisor", actor=second, now=MORNING)
    referrals.approve_referral(referral_id=referral.pk, capacity="compliance", actor=officer, now=MORNING)
    return referral


class TestBundleCommand:
    def test_writes_a_bundle_that_verifies(self, tmp_path):
        referral = _approved_referral()
        out = tmp_path / "bundle.zip"

        call_command("recovery", "bundle", referral=referral.pk, user="lead", out=out, stdout=StringIO())
        verified = StringIO()
        call_command("recovery", "verify-bundle", str(out), stdout=verified)

        assert "matches its manifest" in verified.getvalue()

    def test_a_tampered_bundle_fails_naming_the_file(self, tmp_path):
        referral = _approved_referral()
        out = tmp_path / "bundle.zip"
        call_command("recovery", "bundle", referral=referral.pk, user="lead", out=out, stdout=StringIO())
        source = zipfile.ZipFile(out)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as target:
            for name in source.namelist():
                data = source.read(name)
                target.writestr(name, data + b"\n" if name == "statement_of_account.csv" else data)
        tampered = tmp_path / "tampered.zip"
        tampered.write_bytes(buffer.getvalue())
        errors = StringIO()

        with pytest.raises(CommandError) as failed:
            call_command("recovery", "verify-bundle", str(tampered), stdout=StringIO(), stderr=errors)

        assert failed.value.returncode == 1
        assert "statement_of_account.csv does not match its hash" in errors.getvalue()


class TestPlacementExportCommand:
    def test_writes_only_the_entitled_fields(self, tmp_path):
        case = late_case()
        lead = UserFactory(supervisor=True, username="lead", portfolios=[case.portfolio])
        agency = AgencyFactory(code="huaxin", entitled_fields=["region"])
        placements.place_cases(agency=agency, cases=[case], actor=lead, now=MORNING)
        out = tmp_path / "huaxin.csv"

        call_command("recovery", "placement-export", agency="huaxin", user="lead", out=out, stdout=StringIO())

        assert out.read_text(encoding="utf-8-sig").splitlines() == [
            "reference,currency,balance,region",
            f"{case.debt.external_ref},CNY,10000.00,CN-31",
        ]
