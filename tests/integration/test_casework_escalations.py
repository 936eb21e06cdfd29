"""Escalations: to the team supervisor (notified, with a task) and, for a company, to its decision-maker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from arrears.casework import escalations, guards
from arrears.casework.models import Escalation, Notification, WorkItem
from arrears.core.audit.models import AuditEvent
from arrears.core.errors import PermissionDenied
from arrears.portfolio.choices import ContactRole
from arrears.portfolio.models import ContactPerson
from tests.factories.cases import CaseFactory
from tests.factories.people import TeamFactory, UserFactory
from tests.factories.portfolio import ContactPersonFactory, DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)


@pytest.fixture
def portfolio():
    return PortfolioFactory(country="CN", time_zone="Asia/Shanghai")


@pytest.fixture
def supervisor(portfolio):
    return UserFactory(supervisor=True, username="lead", portfolios=[portfolio])


@pytest.fixture
def collector(supervisor, portfolio):
    return UserFactory(
        username="wang", team=TeamFactory(name="East", supervisor=supervisor), portfolios=[portfolio]
    )


@pytest.fixture
def company_case(portfolio, collector):
    debtor = DebtorFactory(portfolio=portfolio, company=True)
    return CaseFactory(debt=DebtFactory(debtor=debtor), assigned_to=collector)


@pytest.fixture
def person_case(portfolio, collector):
    return CaseFactory(debt=DebtFactory(debtor=DebtorFactory(portfolio=portfolio)), assigned_to=collector)


def escalate(case, actor, **overrides):
    arguments = {
        "reason": "Finance keeps promising and never pays.", "actor": actor, "now": MORNING,
        "expected_revision": 0, "request_key": "esc-1", **overrides,
    }  # fmt: skip
    return escalations.escalate(case=case, **arguments)


class TestEscalate:
    def test_goes_to_the_team_supervisor_who_is_notified_and_gets_a_task(
        self, person_case, collector, supervisor
    ):
        escalation = escalate(person_case, collector)

        assert (escalation.to_user, escalation.is_open, escalation.created_by) == (
            supervisor,
            True,
            collector,
        )
        notification = Notification.objects.get()
        assert (notification.user, notification.case) == (supervisor, person_case)
        assert notification.text.startswith(f"Case {person_case.debt.external_ref} escalated to you by wang")
        task = WorkItem.objects.get()
        assert (task.queue, task.kind, task.assigned_to, task.idempotency_key) == (
            "escalations", "task", supervisor, f"escalation:{escalation.pk}:review",
        )  # fmt: skip
        person_case.refresh_from_db()
        assert person_case.revision == 1
        assert AuditEvent.objects.filter(action="casework.escalate").count() == 1

    def test_a_company_case_goes_to_a_decision_maker_on_file(self, company_case, collector, supervisor):
        boss = ContactPersonFactory(debtor=company_case.debtor, role=ContactRole.OWNER, name="Zhang Wei")

        escalation = escalate(company_case, collector, decision_maker=boss)

        assert (escalation.decision_maker_id, escalation.to_user) == (boss.pk, supervisor)

    def test_a_new_decision_maker_is_recorded_with_an_audit_event(self, company_case, collector):
        escalation = escalate(
            company_case, collector, to_supervisor=False,
            new_decision_maker=escalations.NewDecisionMaker(name="Li Na", title="CFO"),
        )  # fmt: skip

        person = ContactPerson.objects.get(pk=escalation.decision_maker_id)
        assert (person.debtor, person.name, person.role, person.title) == (
            company_case.debtor, "Li Na", ContactRole.DECISION_MAKER, "CFO",
        )  # fmt: skip
        assert escalation.to_user is None
        assert not Notification.objects.exists() and not WorkItem.objects.exists()
        assert AuditEvent.objects.filter(
            action="portfolio.add_contact_person", object_id=str(person.pk)
        ).exists()

    def test_a_person_has_no_decision_maker_and_nothing_is_recorded(self, person_case, collector):
        with pytest.raises(escalations.InvalidEscalation, match="Only a company"):
            escalate(person_case, collector, new_decision_maker=escalations.NewDecisionMaker(name="Li Na"))

        assert not Escalation.objects.exists() and not ContactPerson.objects.exists()

    def test_a_decision_maker_of_another_debtor_is_refused(self, company_case, collector):
        stranger = ContactPersonFactory()

        with pytest.raises(escalations.InvalidEscalation, match="another debtor"):
            escalate(company_case, collector, decision_maker=stranger)

        assert not Escalation.objects.exists()

    def test_a_collector_without_a_team_supervisor_must_choose_one(self, person_case, portfolio):
        loner = UserFactory(portfolios=[portfolio])
        person_case.assigned_to = None
        person_case.save(update_fields=["assigned_to"])

        with pytest.raises(escalations.InvalidEscalation, match="no supervisor"):
            escalate(person_case, loner)

        assert not Escalation.objects.exists()

    def test_a_user_who_is_not_a_supervisor_of_the_portfolio_is_refused(self, person_case, collector):
        elsewhere = UserFactory(supervisor=True, username="far", portfolios=[PortfolioFactory()])

        with pytest.raises(escalations.InvalidEscalation, match="far is not a supervisor"):
            escalate(person_case, collector, to_user=elsewhere)

        assert not Escalation.objects.exists() and not Notification.objects.exists()

    def test_a_double_submit_returns_the_first_escalation(self, person_case, collector):
        first = escalate(person_case, collector)

        again = escalate(person_case, collector)

        assert again.pk == first.pk
        assert (Escalation.objects.count(), Notification.objects.count(), WorkItem.objects.count()) == (
            1,
            1,
            1,
        )

    def test_a_stale_page_is_refused(self, person_case, collector):
        escalate(person_case, collector)

        with pytest.raises(guards.StaleCase):
            escalate(person_case, collector, request_key="esc-2")

        assert Escalation.objects.count() == 1

    def test_an_empty_reason_is_refused(self, person_case, collector):
        with pytest.raises(escalations.InvalidEscalation, match="Say why"):
            escalate(person_case, collector, reason="  ")

        assert not Escalation.objects.exists()


class TestCloseEscalation:
    def test_the_supervisor_closes_it_and_its_task(self, person_case, collector, supervisor):
        escalation = escalate(person_case, collector)

        closed = escalations.close_escalation(
            escalation=escalation, note="Called the debtor myself", actor=supervisor,
            now=MORNING + timedelta(hours=2), expected_revision=1,
        )  # fmt: skip

        assert (closed.is_open, closed.closed_at) == (False, MORNING + timedelta(hours=2))
        assert WorkItem.objects.get().status == "done"
        assert AuditEvent.objects.get(action="casework.close_escalation").reason == "Called the debtor myself"

    def test_closing_twice_changes_nothing(self, person_case, collector, supervisor):
        escalation = escalate(person_case, collector)
        escalations.close_escalation(
            escalation=escalation, actor=supervisor, now=MORNING, expected_revision=1
        )

        escalations.close_escalation(
            escalation=escalation, actor=supervisor, now=MORNING, expected_revision=1
        )

        assert AuditEvent.objects.filter(action="casework.close_escalation").count() == 1

    def test_another_collector_may_not_close_it(self, person_case, collector, portfolio):
        escalation = escalate(person_case, collector)

        with pytest.raises(PermissionDenied):
            escalations.close_escalation(
                escalation=escalation,
                actor=UserFactory(portfolios=[portfolio]),
                now=MORNING,
                expected_revision=1,
            )

        assert Escalation.objects.get().is_open
