"""Recovery pages: the case's recovery actions, the phone visit page, referral and bundle, agencies, write-offs."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from arrears.casework.models import WorkItem
from arrears.people.roles import Role
from arrears.portfolio import ledger
from arrears.portfolio.choices import ContactKind
from arrears.recovery import referrals, visits, write_offs
from arrears.recovery.manifests import verify_zip
from arrears.recovery.models import LegalReferral, Visit, VisitStatus, WriteOff, WriteOffStatus
from tests.factories.people import UserFactory
from tests.factories.recovery import MORNING, NIGHT, AgencyFactory, late_case

pytestmark = pytest.mark.django_db


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


@pytest.fixture
def supervisor(case):
    return UserFactory(supervisor=True, username="lead", portfolios=[case.portfolio])


@pytest.fixture
def agent(case):
    return UserFactory(role=Role.FIELD_AGENT, username="field", portfolios=[case.portfolio])


@pytest.fixture
def companion(case):
    return UserFactory(role=Role.FIELD_AGENT, username="field2", portfolios=[case.portfolio])


def _text(response) -> str:
    return unescape(response.content.decode())


def _visit(case, agent, companion):
    address = case.debtor.contact_points.get(kind=ContactKind.ADDRESS)
    return visits.schedule_visit(case=case, agent=agent, companion=companion, scheduled_for=MORNING, place_kind="home",
                                 area="Pudong", contact_point_id=address.pk, actor=agent, now=MORNING)  # fmt: skip


class TestCaseRecoveryPage:
    def test_the_case_page_links_to_it(self, client, case, supervisor):
        client.force_login(supervisor)

        response = client.get(reverse("desk:case", args=[case.pk]))

        assert reverse("desk:case_recovery", args=[case.pk]) in response.content.decode()

    def test_shows_why_an_unverified_debt_cannot_be_referred(self, client, supervisor):
        case = late_case(portfolio=supervisor.portfolios.get(), verified=False)
        client.force_login(supervisor)

        response = client.get(reverse("desk:case_recovery", args=[case.pk]))

        assert response.status_code == 200
        assert "the debt is not verified (债务确认) [not_verified]" in _text(response)

    def test_schedules_a_visit_and_refuses_a_school_inline(self, client, case, supervisor, agent, companion):
        client.force_login(supervisor)
        url = reverse("desk:schedule_visit", args=[case.pk])
        form = {"agent": agent.pk, "companion": companion.pk, "scheduled_for": "2026-04-01T10:00", "place_kind": "home",
                "area": "Pudong"}  # fmt: skip

        with time_machine.travel(MORNING, tick=False):
            refused = client.post(url, {**form, "place_kind": "school"})
            done = client.post(url, form)

        assert refused.status_code == 422
        assert "this kind of place may not be visited [forbidden_place]" in _text(refused)
        assert done.status_code == 302
        assert Visit.objects.get(case=case).agent == agent

    def test_a_supervisor_refers_the_case_from_the_page(self, client, case, supervisor):
        client.force_login(supervisor)

        with time_machine.travel(MORNING, tick=False):
            response = client.post(
                reverse("desk:refer_case", args=[case.pk]), {"reason": "Ignored the demand letter"}
            )

        assert response.status_code == 302
        assert LegalReferral.objects.get(case=case).status == "pending"


class TestVisitPage:
    def test_lists_visits_the_strategy_planned_until_one_is_scheduled(self, client, case, agent, companion):
        WorkItem.objects.create(case=case, portfolio=case.portfolio, queue="field-visits", kind="visit",
                                rule="late/field-visit", business_date=date(2026, 3, 31),
                                idempotency_key="visit-1", created_at=MORNING)  # fmt: skip
        client.force_login(agent)

        planned = client.get(reverse("desk:visits"))
        form = client.get(reverse("desk:case_recovery", args=[case.pk]) + "?source=strategy")
        with time_machine.travel(MORNING, tick=False):
            client.post(reverse("desk:schedule_visit", args=[case.pk]), {
                "agent": agent.pk, "companion": companion.pk, "scheduled_for": "2026-04-01T10:00",
                "place_kind": "home", "source": "strategy",
            })  # fmt: skip
        after = client.get(reverse("desk:visits"))

        assert "late/field-visit" in planned.content.decode()
        assert 'name="source" value="strategy"' in form.content.decode()
        assert Visit.objects.get(case=case).source == "strategy"
        assert "late/field-visit" not in after.content.decode()

    def test_lists_the_agents_visits(self, client, case, agent, companion):
        visit = _visit(case, agent, companion)
        client.force_login(agent)

        with time_machine.travel(MORNING, tick=False):
            response = client.get(reverse("desk:visits"))

        assert f'data-testid="visit-{visit.pk}"' in response.content.decode()

    def test_refuses_a_check_in_at_night_on_the_page(self, client, case, agent, companion):
        visit = _visit(case, agent, companion)
        client.force_login(agent)

        with time_machine.travel(NIGHT, tick=False):
            response = client.post(
                reverse("desk:visit_check_in", args=[visit.pk]), {"identification_shown": "on"}
            )

        assert response.status_code == 422
        assert "CN.TIME.NIGHT" in _text(response)
        visit.refresh_from_db()
        assert visit.status == VisitStatus.SCHEDULED

    def test_checks_in_with_location_and_out_with_a_promise(self, client, case, agent, companion):
        visit = _visit(case, agent, companion)
        client.force_login(agent)

        with time_machine.travel(MORNING, tick=False):
            client.post(reverse("desk:visit_check_in", args=[visit.pk]),
                        {"identification_shown": "on", "latitude": "31.230416", "longitude": "121.473701"})  # fmt: skip
        with time_machine.travel(MORNING + timedelta(minutes=30), tick=False):
            response = client.post(reverse("desk:visit_check_out", args=[visit.pk]), {
                "outcome": "promise_taken", "notes": "Will pay", "promise_amount": "1000.00",
                "promise_date": "2026-04-05", "safety_flags": ["dog"],
            })  # fmt: skip

        assert response.status_code == 302
        page = client.get(reverse("desk:visit", args=[visit.pk]))
        assert "Promise taken" in _text(page) and "31.230416" in _text(page)

    def test_another_portfolios_visit_is_not_found(self, client, case, agent, companion):
        visit = _visit(case, agent, companion)
        client.force_login(UserFactory(role=Role.FIELD_AGENT))

        assert client.get(reverse("desk:visit", args=[visit.pk])).status_code == 404


class TestReferralPage:
    def test_two_approvals_then_a_bundle_that_matches_its_manifest(self, client, case, supervisor):
        referral = referrals.refer_case(case_id=case.pk, reason="x", actor=supervisor, now=MORNING)
        second = UserFactory(supervisor=True, portfolios=[case.portfolio])
        officer = UserFactory(compliance_officer=True, portfolios=[case.portfolio])
        url = reverse("desk:approve_referral", args=[referral.pk])

        client.force_login(second)
        client.post(url, {"capacity": "supervisor"})
        client.force_login(officer)
        client.post(url, {"capacity": "compliance"})
        built = client.post(reverse("desk:build_bundle", args=[referral.pk]))

        referral.refresh_from_db()
        assert referral.status == "approved" and built.status_code == 302
        bundle = referral.bundles.get()
        download = client.get(reverse("desk:download_bundle", args=[referral.pk, bundle.pk]))
        content = b"".join(download.streaming_content) if download.streaming else download.content
        assert download["Content-Type"] == "application/zip"
        assert verify_zip(content) == []
        assert "manifest.json" in zipfile.ZipFile(io.BytesIO(content)).namelist()


class TestLitigationPages:
    def test_filing_hearing_judgment_enforcement_and_closing(self, client, case, supervisor):
        referral = referrals.refer_case(case_id=case.pk, reason="x", actor=supervisor, now=MORNING)
        referrals.approve_referral(referral_id=referral.pk, capacity="supervisor",
                                   actor=UserFactory(supervisor=True), now=MORNING)  # fmt: skip
        referrals.approve_referral(referral_id=referral.pk, capacity="compliance",
                                   actor=UserFactory(compliance_officer=True), now=MORNING)  # fmt: skip
        client.force_login(supervisor)

        def step(name, data):
            return client.post(reverse(f"desk:referral_{name}", args=[referral.pk]), data)

        early = step("judgment", {"judgment_on": "2026-06-01", "amount": "10000.00", "costs": "300.00"})
        step("filing", {"firm": "Jun He", "court": "Pudong court", "court_case_number": "(2026)沪0115民初1号",
                        "filed_on": "2026-04-02"})  # fmt: skip
        step("hearing", {"held_at": "2026-05-06T09:30", "note": "First hearing"})
        step("judgment", {"judgment_on": "2026-06-01", "amount": "10000.00", "costs": "300.00"})
        step("enforcement", {"note": "Bank account frozen"})
        step("close", {"note": "Paid in full after enforcement"})

        assert early.status_code == 422 and "cannot move to Judgment" in _text(early)
        referral.refresh_from_db()
        assert referral.status == "closed" and referral.court_case_number == "(2026)沪0115民初1号"
        assert referral.hearings.count() == 1
        assert ledger.get_balances(debt_id=case.debt_id).total == Decimal("10300.00")
        page = client.get(reverse("desk:referral", args=[referral.pk]))
        assert "Bank account frozen" in _text(page)

    def test_a_pending_referral_is_rejected_with_a_reason(self, client, case, supervisor):
        referral = referrals.refer_case(case_id=case.pk, reason="x", actor=supervisor, now=MORNING)
        client.force_login(UserFactory(compliance_officer=True, portfolios=[case.portfolio]))

        client.post(reverse("desk:reject_referral", args=[referral.pk]), {"reason": "Statement incomplete"})

        referral.refresh_from_db()
        assert (referral.status, referral.decision_comment) == ("rejected", "Statement incomplete")


class TestAgencyPage:
    def test_places_cases_and_exports_only_entitled_fields(self, client, case, supervisor):
        agency = AgencyFactory(entitled_fields=["debtor_name"])
        client.force_login(supervisor)

        placed = client.post(
            reverse("desk:place_cases", args=[agency.pk]), {"references": case.debt.external_ref}
        )
        export = client.post(reverse("desk:agency_export", args=[agency.pk]))

        assert placed.status_code == 302
        rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
        assert rows == [["reference", "debtor_name", "currency", "balance"],
                        [case.debt.external_ref, case.debtor.name, "CNY", "10000.00"]]  # fmt: skip

    def test_the_case_page_places_the_case_with_an_agency(self, client, case, supervisor):
        agency = AgencyFactory(code="huaxin", name="Huaxin")
        client.force_login(supervisor)

        page = client.get(reverse("desk:case_recovery", args=[case.pk]))
        client.post(reverse("desk:place_cases", args=[agency.pk]), {"references": case.debt.external_ref})
        after = client.get(reverse("desk:case_recovery", args=[case.pk]))

        assert "Place with Huaxin" in _text(page)
        assert "With the agency" in _text(after)

    def test_a_collector_may_not_see_agencies(self, client, case):
        client.force_login(UserFactory(portfolios=[case.portfolio]))

        assert client.get(reverse("desk:agency", args=[AgencyFactory().pk])).status_code == 403


class TestWriteOffPages:
    def test_requested_on_the_case_approved_on_the_overview_then_a_recovery(self, client, case, supervisor):
        collector = UserFactory(portfolios=[case.portfolio])
        client.force_login(collector)
        client.post(reverse("desk:request_write_off", args=[case.pk]), {"closure_reason": "uncollectable"})
        write_off = WriteOff.objects.get(case=case)

        client.force_login(supervisor)
        overview = client.get(reverse("desk:recovery"))
        client.post(reverse("desk:decide_write_off", args=[write_off.pk]), {"decision": "approve"})
        client.post(reverse("desk:record_recovery", args=[write_off.pk]),
                    {"external_ref": "R-1", "amount": "250.00", "received_date": "2099-01-01"})  # fmt: skip

        assert f"pending-write-off-{write_off.pk}" in overview.content.decode()
        write_off.refresh_from_db()
        assert write_off.status == WriteOffStatus.APPROVED
        assert write_offs.recovered_so_far(write_off) == Decimal("250.00")
        assert ledger.get_balances(debt_id=case.debt_id).total == Decimal("0.00")
