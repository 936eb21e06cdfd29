"""Field visits: planned and checked in only when compliance and the portfolio's visit rules allow."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from arrears.casework.models import Promise
from arrears.compliance.decisions import NoteBlocked
from arrears.compliance.models import ContactDecision, ContactEvent
from arrears.core.audit.models import AuditEvent
from arrears.core.errors import PermissionDenied
from arrears.people.roles import Role
from arrears.portfolio.choices import ContactKind
from arrears.recovery import visits
from arrears.recovery.models import VisitDocument, VisitOutcome, VisitStatus
from tests.factories.people import UserFactory
from tests.factories.recovery import MORNING, NIGHT, late_case, visit_settings

pytestmark = pytest.mark.django_db
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


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
def case():
    return late_case()


@pytest.fixture
def agent(case):
    return UserFactory(role=Role.FIELD_AGENT, portfolios=[case.portfolio])


@pytest.fixture
def companion(case):
    return UserFactory(role=Role.FIELD_AGENT, portfolios=[case.portfolio])


def _address(case):
    return case.debtor.contact_points.get(kind=ContactKind.ADDRESS)


def _schedule(case, agent, companion, **kwargs):
    values = {"scheduled_for": MORNING + timedelta(hours=1), "place_kind": "home", "area": "Pudong",
              "contact_point_id": _address(case).pk, "companion": companion}  # fmt: skip
    return visits.schedule_visit(case=case, agent=agent, actor=agent, now=MORNING, **{**values, **kwargs})


class TestScheduleVisit:
    def test_plans_a_visit_at_the_debtors_address_with_an_audit_event(self, case, agent, companion):
        visit = _schedule(case, agent, companion)

        assert visit.status == VisitStatus.SCHEDULED
        assert (
            AuditEvent.objects.filter(action="recovery.schedule_visit", object_id=str(visit.pk)).count() == 1
        )

    def test_refuses_a_school_by_default_and_plans_nothing(self, case, agent, companion):
        with pytest.raises(visits.VisitNotAllowed, match="forbidden_place"):
            _schedule(case, agent, companion, place_kind="school")

        assert not case.visits.exists()

    def test_refuses_a_visit_planned_at_night_in_the_debtors_zone(self, case, agent, companion):
        with pytest.raises(visits.VisitNotAllowed, match=r"CN\.TIME\.NIGHT"):
            _schedule(case, agent, companion, scheduled_for=NIGHT)

        assert not case.visits.exists()

    def test_refuses_a_collector_role_that_may_not_visit(self, case, companion):
        strategist = UserFactory(strategy_manager=True)

        with pytest.raises(PermissionDenied):
            _schedule(case, strategist, companion)


class TestCheckIn:
    def test_checks_in_with_time_and_location(self, case, agent, companion):
        visit = _schedule(case, agent, companion)

        done = visits.check_in(visit_id=visit.pk, identification_shown=True, latitude=Decimal("31.230416"),
                               longitude=Decimal("121.473701"), actor=agent, now=MORNING + timedelta(hours=1))  # fmt: skip

        assert done.status == VisitStatus.CHECKED_IN
        assert done.checked_in_at == MORNING + timedelta(hours=1)
        assert done.check_in_latitude == Decimal("31.230416")

    def test_refuses_a_check_in_outside_the_allowed_hours_and_keeps_the_refusal(self, case, agent, companion):
        visit = _schedule(case, agent, companion)

        with pytest.raises(visits.VisitNotAllowed, match=r"CN\.TIME\.NIGHT") as refused:
            visits.check_in(visit_id=visit.pk, identification_shown=True, actor=agent, now=NIGHT)

        visit.refresh_from_db()
        assert visit.status == VisitStatus.SCHEDULED and visit.checked_in_at is None
        assert refused.value.codes == ("CN.TIME.NIGHT",)
        assert list(ContactDecision.objects.filter(debtor=case.debtor).values_list("action", "reasons")) == [
            ("visit", ["CN.TIME.NIGHT"])
        ]

    def test_refuses_one_agent_alone_without_identification(self, case, agent):
        visit = _schedule(case, agent, None)

        with pytest.raises(visits.VisitNotAllowed, match=r"needs_second_agent.*no_identification"):
            visits.check_in(visit_id=visit.pk, identification_shown=False, actor=agent, now=MORNING)

        visit.refresh_from_db()
        assert visit.status == VisitStatus.SCHEDULED

    def test_a_portfolio_without_the_pair_rule_lets_one_agent_in(self, case, agent):
        visit_settings(case.portfolio, two_person_rule=False)
        visit = _schedule(case, agent, None)

        assert visits.check_in(
            visit_id=visit.pk, identification_shown=True, actor=agent, now=MORNING
        ).status == (VisitStatus.CHECKED_IN)


class TestCheckOut:
    def _arrived(self, case, agent, companion):
        visit = _schedule(case, agent, companion)
        return visits.check_in(visit_id=visit.pk, identification_shown=True, actor=agent, now=MORNING)

    def test_records_the_contact_a_promise_a_photo_and_safety_flags(self, case, agent, companion):
        visit = self._arrived(case, agent, companion)
        photo = SimpleUploadedFile("door.png", PNG_BYTES, content_type="image/png")

        done = visits.check_out(
            visit_id=visit.pk, outcome=VisitOutcome.PROMISE_TAKEN, notes="Met the debtor, will pay on Friday.",
            safety_flags=["dog"], promise=visits.OnSitePromise(Decimal("2000.00"), date(2026, 4, 3)),
            documents=[photo], actor=agent, now=MORNING + timedelta(minutes=40),
        )  # fmt: skip

        assert done.status == VisitStatus.COMPLETED and done.safety_flags == ["dog"]
        promise = Promise.objects.get(pk=done.promise_id)
        assert (promise.amount, promise.due_date, promise.source) == (
            Decimal("2000.00"),
            date(2026, 4, 3),
            "visit",
        )
        event = ContactEvent.objects.get(pk=done.contact_event_id)
        assert (event.type, event.outcome, event.occurred_at) == ("visit", "conversation", MORNING)
        assert VisitDocument.objects.get(visit=done).name == "door.png"

    def test_a_threatening_note_is_blocked_and_nothing_is_saved(self, case, agent, companion):
        visit = self._arrived(case, agent, companion)

        with pytest.raises(NoteBlocked):
            visits.check_out(visit_id=visit.pk, outcome=VisitOutcome.MET_DEBTOR, notes="告诉他不还钱就让你坐牢",
                             actor=agent, now=MORNING + timedelta(minutes=30))  # fmt: skip

        visit.refresh_from_db()
        assert visit.status == VisitStatus.CHECKED_IN
        assert not ContactEvent.objects.filter(debtor=case.debtor).exists()

    def test_cannot_check_out_a_visit_not_checked_in(self, case, agent, companion):
        visit = _schedule(case, agent, companion)

        with pytest.raises(visits.InvalidVisit):
            visits.check_out(visit_id=visit.pk, outcome=VisitOutcome.NOT_HOME, actor=agent, now=MORNING)


class TestOrderRoute:
    def test_numbers_the_days_visits_by_area(self, case, agent, companion):
        first = _schedule(case, agent, companion, area="Xuhui", scheduled_for=MORNING + timedelta(hours=3))
        second = _schedule(case, agent, companion, area="Pudong", scheduled_for=MORNING + timedelta(hours=1))
        third = _schedule(case, agent, companion, area="Xuhui", scheduled_for=MORNING + timedelta(hours=2))

        ordered = visits.order_route(visits=[first, second, third], actor=agent, now=MORNING)

        assert [(visit.pk, visit.route_order) for visit in ordered] == [
            (second.pk, 1),
            (third.pk, 2),
            (first.pk, 3),
        ]
