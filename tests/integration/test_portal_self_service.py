"""What a debtor does in the portal goes through the desk's actions, as the portfolio's portal user."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from arrears.casework import arrangements, disputes, promises
from arrears.casework.models import (
    Arrangement,
    ArrangementStatus,
    Dispute,
    HardshipAssessment,
    Notification,
    Promise,
)
from arrears.casework.timeline import build_timeline
from arrears.compliance.models import Hold
from arrears.core.audit.models import AuditEvent
from arrears.core.errors import NotFound
from arrears.portal import self_service
from arrears.portal.actor import get_portal_actor
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory
from tests.factories.portfolio import ContactPointFactory, DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }


@pytest.fixture
def portfolio():
    return PortfolioFactory(code="cn-cards", time_zone="Asia/Shanghai")


@pytest.fixture
def supervisor(portfolio):
    return UserFactory(supervisor=True, username="lead", portfolios=[portfolio])


@pytest.fixture
def case(portfolio, supervisor):
    debtor = DebtorFactory(portfolio=portfolio, person=True)
    return CaseFactory(debt=DebtFactory(debtor=debtor, principal=Decimal("1200.00")))


@pytest.fixture
def stranger_case(portfolio):
    return CaseFactory(debt=DebtFactory(debtor=DebtorFactory(portfolio=portfolio, person=True)))


class TestPortalActor:
    def test_is_one_inactive_user_per_portfolio_carrying_the_portal_limits(self, portfolio, settings):
        settings.ARREARS_PORTAL_ACCEPT_MONTHS = 4

        actor = get_portal_actor(portfolio)

        assert actor == get_portal_actor(portfolio)
        assert (actor.username, actor.is_active, actor.has_usable_password()) == (
            "portal-cn-cards",
            False,
            False,
        )
        assert (actor.max_plan_months, actor.max_waiver_amount) == (4, Decimal("0.00"))
        assert list(actor.portfolios.all()) == [portfolio]

    def test_follows_a_changed_policy(self, portfolio, settings):
        get_portal_actor(portfolio)
        settings.ARREARS_PORTAL_POLICIES = {"cn-cards": {"accept_months": 3}}

        assert get_portal_actor(portfolio).max_plan_months == 3


class TestPromise:
    def test_is_recorded_by_the_portal_user_on_the_timeline_and_in_the_audit_log(self, case, now):
        promise = self_service.make_promise(
            debtor=case.debtor, case_id=case.pk, amount=Decimal("300.00"), due_date=date(2026, 4, 10),
            now=now, request_key="k1",
        )  # fmt: skip

        assert (promise.amount, promise.source, promise.made_by.username) == (
            Decimal("300.00"), "portal", "portal-cn-cards",
        )  # fmt: skip
        assert AuditEvent.objects.get(action="casework.make_promise").actor_label == "portal-cn-cards"
        titles = [entry["title"] for entry in build_timeline(case=case)]
        assert "Promise of 300.00 CNY by 2026-04-10" in titles

    def test_outside_the_policy_is_refused_and_records_nothing(self, case, now):
        with pytest.raises(promises.InvalidPromise, match="at most 30 days ahead"):
            self_service.make_promise(
                debtor=case.debtor, case_id=case.pk, amount=Decimal("300.00"), due_date=date(2026, 6, 1),
                now=now, request_key="k1",
            )  # fmt: skip

        assert not Promise.objects.exists()
        assert not AuditEvent.objects.filter(action="casework.make_promise").exists()

    def test_on_another_debtors_case_is_not_found(self, case, stranger_case, now):
        with pytest.raises(NotFound):
            self_service.make_promise(
                debtor=case.debtor, case_id=stranger_case.pk, amount=Decimal("300.00"),
                due_date=date(2026, 4, 10), now=now, request_key="k1",
            )  # fmt: skip

        assert not Promise.objects.exists()


class TestPlan:
    def test_within_the_accept_months_is_active_at_once(self, case, now):
        quoted = self_service.quote_plan(
            debtor=case.debtor, case_id=case.pk, kind="instalments", months=6, now=now
        )
        arrangement = self_service.propose_plan(
            debtor=case.debtor, case_id=case.pk, kind="instalments", months=6, now=now, request_key="k1"
        )

        assert quoted.accepted_at_once
        assert [item.payment for item in quoted.quote.instalments] == [Decimal("200.00")] * 6
        assert (arrangement.status, arrangement.source, arrangement.total_payment) == (
            ArrangementStatus.ACTIVE, "portal", Decimal("1200.00"),
        )  # fmt: skip
        assert list(arrangement.instalments.values_list("due_date", flat=True))[:2] == [
            date(2026, 5, 1), date(2026, 6, 1),
        ]  # fmt: skip

    def test_beyond_the_accept_months_waits_for_a_supervisor_who_is_told(self, case, supervisor, now):
        arrangement = self_service.propose_plan(
            debtor=case.debtor, case_id=case.pk, kind="instalments", months=12, now=now, request_key="k1"
        )

        assert arrangement.status == ArrangementStatus.PENDING_APPROVAL
        assert Notification.objects.get().user == supervisor
        assert "portal-cn-cards asks you to approve" in Notification.objects.get().text
        event = AuditEvent.objects.get(action="casework.propose_arrangement")
        assert event.after["exceeded"] == ["The plan runs 12 months; the limit is 6."]

    def test_a_supervisor_approves_it_through_the_desk(self, case, supervisor, now):
        supervisor.max_plan_months = 12
        supervisor.save(update_fields=["max_plan_months"])
        arrangement = self_service.propose_plan(
            debtor=case.debtor, case_id=case.pk, kind="deferral", due_date=date(2026, 12, 1), now=now,
            request_key="k1",
        )  # fmt: skip

        approved = arrangements.approve_arrangement(
            arrangement_id=arrangement.pk, actor=supervisor, now=now, expected_revision=None
        )

        assert approved.status == ArrangementStatus.ACTIVE

    def test_beyond_the_portal_maximum_is_refused_and_records_nothing(self, case, now):
        with pytest.raises(self_service.PlanBeyondPortal, match="at most 24 months; this one runs 36"):
            self_service.propose_plan(
                debtor=case.debtor, case_id=case.pk, kind="instalments", months=36, now=now, request_key="k1"
            )

        assert not Arrangement.objects.exists()

    def test_a_deferral_in_the_past_is_refused_by_the_desks_rules(self, case, now):
        with pytest.raises(arrangements.InvalidArrangement, match="2026-03-01"):
            self_service.quote_plan(
                debtor=case.debtor, case_id=case.pk, kind="deferral", due_date=date(2026, 3, 1), now=now
            )

    def test_on_another_debtors_case_is_not_found(self, case, stranger_case, now):
        with pytest.raises(NotFound):
            self_service.propose_plan(
                debtor=case.debtor, case_id=stranger_case.pk, kind="instalments", months=3, now=now,
                request_key="k1",
            )  # fmt: skip


class TestDispute:
    def test_holds_the_debt_and_shows_on_the_timeline(self, case, now):
        dispute = self_service.open_dispute(
            debtor=case.debtor, case_id=case.pk, reason="already_paid", description="I paid in February.",
            documents=[SimpleUploadedFile("receipt.pdf", PDF_BYTES)], now=now, request_key="k1",
        )  # fmt: skip

        assert (dispute.source, dispute.opened_by.username) == ("portal", "portal-cn-cards")
        assert dispute.documents.get().name == "receipt.pdf"
        assert Hold.objects.get(debt=case.debt).type == "dispute"
        assert "Dispute: Already paid" in [entry["title"] for entry in build_timeline(case=case)]

    def test_a_document_of_the_wrong_type_is_refused_and_nothing_is_held(self, case, now):
        with pytest.raises(disputes.InvalidDocument, match="not accepted"):
            self_service.open_dispute(
                debtor=case.debtor, case_id=case.pk, reason="already_paid", description="I paid.",
                documents=[SimpleUploadedFile("receipt.exe", b"MZ\x90\x00")], now=now, request_key="k1",
            )  # fmt: skip

        assert not Dispute.objects.exists()
        assert not Hold.objects.exists()

    def test_a_document_too_large_is_refused(self, case, now, settings):
        settings.ARREARS_UPLOAD_MAX_BYTES = 10

        with pytest.raises(disputes.InvalidDocument, match="at most 10 bytes"):
            self_service.open_dispute(
                debtor=case.debtor, case_id=case.pk, reason="already_paid", description="I paid.",
                documents=[SimpleUploadedFile("receipt.pdf", PDF_BYTES)], now=now, request_key="k1",
            )  # fmt: skip

        assert not Dispute.objects.exists()


class TestHardship:
    def test_is_stored_with_the_desks_figures_and_shows_on_the_timeline(self, case, now):
        assessment = self_service.state_hardship(
            debtor=case.debtor, case_id=case.pk, cause="job_loss", since=date(2026, 2, 1), expected_months=3,
            monthly_income=Decimal("5000.00"), monthly_expenses=Decimal("4200.00"),
            other_debt_payments=Decimal("0.00"), dependants=1, notes="Lost my job in February.", now=now,
            request_key="k1",
        )  # fmt: skip

        assert assessment.disposable_income == Decimal("800.00")
        assert HardshipAssessment.objects.get().created_by.username == "portal-cn-cards"
        assert "Hardship: Job loss or lower income (portal-cn-cards)" in [
            entry["title"] for entry in build_timeline(case=case)
        ]


class TestChannels:
    def test_stopping_and_allowing_a_channel_uses_the_opt_out_actions(self, case, now):
        point = ContactPointFactory(debtor=case.debtor, phone=True)

        self_service.set_channel(debtor=case.debtor, point_id=point.pk, channel="sms", allowed=False, now=now)
        point.refresh_from_db()
        stopped = dict(point.opt_outs)
        titles = [entry["title"] for entry in build_timeline(case=case)]
        self_service.set_channel(debtor=case.debtor, point_id=point.pk, channel="sms", allowed=True, now=now)
        point.refresh_from_db()

        assert stopped == {"sms": now.isoformat()}
        assert "Opted out of SMS" in titles
        assert point.opt_outs == {}
        assert list(
            AuditEvent.objects.filter(actor_label="portal-cn-cards")
            .order_by("sequence")
            .values_list("action", flat=True)
        ) == ["portfolio.record_opt_out", "portfolio.withdraw_opt_out"]

    def test_another_debtors_contact_point_is_not_found_and_unchanged(self, case, stranger_case, now):
        point = ContactPointFactory(debtor=stranger_case.debtor, phone=True)

        with pytest.raises(NotFound):
            self_service.set_channel(
                debtor=case.debtor, point_id=point.pk, channel="sms", allowed=False, now=now
            )

        point.refresh_from_db()
        assert point.opt_outs == {}
