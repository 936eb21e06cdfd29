"""Recovery API: visits, referral eligibility and bundles, placements, settlements, write-offs."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from arrears.people import tokens
from arrears.people.roles import Role
from arrears.portfolio.choices import ContactKind
from arrears.recovery.manifests import verify_zip
from tests.factories.people import UserFactory
from tests.factories.recovery import MORNING, NIGHT, AgencyFactory, late_case

pytestmark = pytest.mark.django_db
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def stores(settings, tmp_path):
    settings.ARREARS_BUNDLE_DIR = str(tmp_path / "bundles")
    settings.ARREARS_LETTER_DIR = str(tmp_path / "letters")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }


@pytest.fixture
def case():
    return late_case()


def bearer(user):
    token = tokens.issue_token(user=user, name="api", actor=None, now=datetime(2026, 3, 1, tzinfo=UTC))
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post(client, url, body=None):
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def staff(case, **traits):
    return UserFactory(portfolios=[case.portfolio], **traits)


class TestVisitsApi:
    def test_schedule_check_in_at_night_refused_then_in_the_morning_and_out(self, case):
        agent, second = staff(case, role=Role.FIELD_AGENT), staff(case, role=Role.FIELD_AGENT)
        client = bearer(agent)
        address = case.debtor.contact_points.get(kind=ContactKind.ADDRESS)

        with time_machine.travel(MORNING, tick=False):
            made = post(client, f"/api/v1/cases/{case.pk}/visits", {
                "agent_id": agent.pk, "companion_id": second.pk, "scheduled_for": MORNING.isoformat(),
                "contact_point_id": address.pk, "area": "Pudong",
            })  # fmt: skip
        visit_id = made.json()["id"]
        with time_machine.travel(NIGHT, tick=False):
            refused = post(client, f"/api/v1/visits/{visit_id}/check-in", {"identification_shown": True})
        with time_machine.travel(MORNING, tick=False):
            arrived = post(client, f"/api/v1/visits/{visit_id}/check-in", {"identification_shown": True})
            left = post(client, f"/api/v1/visits/{visit_id}/check-out",
                        {"outcome": "not_home", "safety_flags": ["unsafe_area"]})  # fmt: skip
            photo = client.post(f"/api/v1/visits/{visit_id}/documents",
                                {"documents": [SimpleUploadedFile("door.png", PNG_BYTES)]})  # fmt: skip

        assert made.status_code == 201, made.content
        assert refused.status_code == 422 and "CN.TIME.NIGHT" in refused.json()["detail"]
        assert arrived.json()["status"] == "checked_in"
        assert (left.json()["status"], left.json()["safety_flags"]) == ("completed", ["unsafe_area"])
        assert photo.status_code == 201 and photo.json()["documents"] == ["door.png"]


class TestReferralApi:
    def test_an_ineligible_case_is_refused_with_the_rule(self, case):
        unverified = late_case(portfolio=case.portfolio, verified=False)
        client = bearer(staff(case, supervisor=True))

        eligibility = client.get(f"/api/v1/cases/{unverified.pk}/referral-eligibility")
        refused = post(client, f"/api/v1/cases/{unverified.pk}/referrals", {"reason": "x"})

        assert eligibility.json()["eligible"] is False
        assert [block["code"] for block in eligibility.json()["blocks"]] == ["not_verified"]
        assert refused.status_code == 422 and "[not_verified]" in refused.json()["detail"]

    def test_approved_by_two_then_a_bundle_that_matches_its_manifest(self, case):
        referrer = staff(case, supervisor=True)
        made = post(
            bearer(referrer), f"/api/v1/cases/{case.pk}/referrals", {"reason": "Ignored demand"}
        ).json()

        post(
            bearer(staff(case, supervisor=True)),
            f"/api/v1/referrals/{made['id']}/approve",
            {"capacity": "supervisor"},
        )
        approved = post(bearer(staff(case, compliance_officer=True)), f"/api/v1/referrals/{made['id']}/approve",
                        {"capacity": "compliance"})  # fmt: skip
        bundle = post(bearer(referrer), f"/api/v1/referrals/{made['id']}/bundles")
        download = bearer(referrer).get(f"/api/v1/referrals/{made['id']}/bundles/{bundle.json()['id']}")

        assert approved.json()["status"] == "approved"
        listed = bearer(referrer).get("/api/v1/referrals?status=approved").json()
        assert [item["id"] for item in listed] == [made["id"]]
        assert bundle.status_code == 201, bundle.content
        assert verify_zip(download.content) == []

    def test_a_collector_cannot_approve(self, case):
        made = post(
            bearer(staff(case, supervisor=True)), f"/api/v1/cases/{case.pk}/referrals", {"reason": "x"}
        ).json()

        response = post(
            bearer(staff(case)), f"/api/v1/referrals/{made['id']}/approve", {"capacity": "supervisor"}
        )

        assert response.status_code == 403


class TestPlacementApi:
    def test_place_export_and_reconcile(self, case):
        agency = AgencyFactory(entitled_fields=["phone"], commission_rate=Decimal("15.00"))
        client = bearer(staff(case, supervisor=True))

        placed = post(
            client, f"/api/v1/agencies/{agency.pk}/placements", {"references": [case.debt.external_ref]}
        )
        export = client.post(f"/api/v1/agencies/{agency.pk}/export")
        post(client, f"/api/v1/placements/{placed.json()[0]['id']}/remittances",
             {"external_ref": "AG-9", "amount": "200.00", "received_date": "2099-01-02"})  # fmt: skip
        totals = client.get(f"/api/v1/agencies/{agency.pk}/reconciliation?start=2099-01-01&end=2099-01-31")

        assert placed.status_code == 201
        header = next(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
        assert header == ["reference", "currency", "balance", "phone"]
        assert (totals.json()["collected"], totals.json()["commission"], totals.json()["net"]) == (
            "200.00", "30.00", "170.00",
        )  # fmt: skip


class TestWriteOffApi:
    def test_request_approve_and_recover(self, case):
        requested = post(
            bearer(staff(case)), f"/api/v1/cases/{case.pk}/write-offs", {"closure_reason": "bankrupt"}
        )
        supervisor = bearer(staff(case, supervisor=True))

        approved = post(supervisor, f"/api/v1/write-offs/{requested.json()['id']}/approve")
        recovered = post(supervisor, f"/api/v1/write-offs/{requested.json()['id']}/recoveries",
                         {"external_ref": "R-7", "amount": "300.00", "received_date": "2099-01-01"})  # fmt: skip

        assert approved.json()["status"] == "approved" and approved.json()["amount"] == "10000.00"
        assert recovered.status_code == 201 and recovered.json()["recovered"] == "300.00"


class TestSettlementApi:
    def test_an_offer_beyond_the_collectors_limit_waits(self, case):
        with time_machine.travel(MORNING, tick=False):
            response = post(bearer(staff(case)), f"/api/v1/cases/{case.pk}/settlements",
                            {"amount": "8000.00", "pay_by": "2026-04-15"})  # fmt: skip

        assert response.status_code == 201, response.content
        assert (response.json()["status"], response.json()["discount"]) == ("pending_approval", "2000.00")
