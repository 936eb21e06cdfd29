"""The casework API for dialers and integrations: my work items, next, activities, reassignment, a case."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from arrears.casework.models import Activity, Notification, WorkItem
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory
from tests.factories.portfolio import ContactPointFactory, DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

MORNING_IN_SHANGHAI = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)
NIGHT_IN_SHANGHAI = datetime(2026, 3, 31, 14, 30, tzinfo=UTC)


@pytest.fixture
def portfolio():
    return PortfolioFactory(code="cn-consumer", country="CN", time_zone="Asia/Shanghai")


@pytest.fixture
def case(portfolio):
    debtor = DebtorFactory(portfolio=portfolio, name="Li Na")
    return CaseFactory(debt=DebtFactory(debtor=debtor, external_ref="L-1"), stage="early")


@pytest.fixture
def phone(case):
    return ContactPointFactory(debtor=case.debtor)


@pytest.fixture
def collector(portfolio):
    return UserFactory(username="lina", portfolios=[portfolio])


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def call(client, method, url, body=None, *, at=MORNING_IN_SHANGHAI):
    with time_machine.travel(at, tick=False):
        send = getattr(client, method)
        if body is None:
            return send(url)
        return send(url, data=json.dumps(body), content_type="application/json")


def _item(case, user, priority="250.00"):
    return WorkItem.objects.create(
        case=case, portfolio=case.portfolio, queue="early-calls", kind="call", business_date=date(2026, 3, 31),
        priority=Decimal(priority), assigned_to=user, idempotency_key=f"test:{case.pk}:{priority}",
        created_at=MORNING_IN_SHANGHAI,
    )  # fmt: skip


class TestWorkItems:
    def test_lists_my_items_due_today(self, case, collector):
        item = _item(case, collector)

        response = call(client_for(collector), "get", "/api/v1/work-items?queue=early-calls")

        assert response.status_code == 200
        assert response.json() == [
            {"id": item.pk, "case_id": case.pk, "portfolio_id": case.portfolio_id, "queue": "early-calls",
             "kind": "call", "stage": "early", "business_date": "2026-03-31", "priority": "250.00",
             "debtor_name": "Li Na", "debt_ref": "L-1"},
        ]  # fmt: skip

    def test_next_takes_an_unassigned_item_and_204_when_none(self, case, collector):
        item = _item(case, None)
        client = client_for(collector)

        taken = call(client, "post", "/api/v1/work-items/next", {})
        WorkItem.objects.filter(pk=item.pk).update(status="done")
        nothing = call(client, "post", "/api/v1/work-items/next", {})

        assert (taken.status_code, taken.json()["id"]) == (200, item.pk)
        assert nothing.status_code == 204

    def test_marks_an_item_done(self, case, collector):
        item = _item(case, collector)

        response = call(client_for(collector), "post", f"/api/v1/work-items/{item.pk}/done", {"revision": 0})

        assert (response.status_code, response.json()["status"]) == (200, "done")

    def test_a_supervisor_moves_a_collector_s_items(self, case, collector, portfolio):
        other = UserFactory(portfolios=[portfolio])
        _item(case, collector)
        supervisor = client_for(UserFactory(supervisor=True, portfolios=[portfolio]))

        response = call(supervisor, "post", "/api/v1/work-items/reassign", {
            "portfolio_id": portfolio.pk, "from_user_id": collector.pk, "to_user_id": other.pk,
        })  # fmt: skip

        assert response.json() == {"moved": 1}
        assert WorkItem.objects.get().assigned_to == other


class TestActivities:
    def test_records_an_activity(self, case, phone, collector):
        response = call(client_for(collector), "post", f"/api/v1/cases/{case.pk}/activities", {
            "result": "right_party", "contact_point_id": phone.pk, "note": "Will pay Friday", "revision": 0,
            "request_key": "dialer-1",
        })  # fmt: skip

        assert response.status_code == 201
        assert response.json()["result"] == "right_party"
        assert Activity.objects.get().note == "Will pay Friday"

    def test_a_refused_call_is_409_with_the_reasons(self, case, phone, collector):
        response = call(client_for(collector), "post", f"/api/v1/cases/{case.pk}/activities", {
            "result": "no_answer", "contact_point_id": phone.pk,
        }, at=NIGHT_IN_SHANGHAI)  # fmt: skip

        assert response.status_code == 409
        assert response.json()["check"]["decision"] == "DENY"
        assert response.json()["check"]["next_allowed_at"] == "2026-04-01T08:00:00+08:00"

    def test_a_stale_revision_is_409(self, case, phone, collector):
        case.revision = 2
        case.save()

        response = call(client_for(collector), "post", f"/api/v1/cases/{case.pk}/activities", {
            "result": "right_party", "contact_point_id": phone.pk, "revision": 1,
        })  # fmt: skip

        assert response.status_code == 409
        assert "changed while you were looking at it" in response.json()["detail"]

    def test_a_blocked_note_is_422(self, case, phone, collector):
        response = call(client_for(collector), "post", f"/api/v1/cases/{case.pk}/activities", {
            "result": "right_party", "contact_point_id": phone.pk, "note": "告诉他不还钱就让你坐牢",
        })  # fmt: skip

        assert response.status_code == 422
        assert "CN-C02" in response.json()["detail"]

    def test_another_portfolio_s_case_is_404(self, case):
        outsider = UserFactory(portfolios=[PortfolioFactory()])

        response = call(
            client_for(outsider), "post", f"/api/v1/cases/{case.pk}/activities", {"result": "busy"}
        )

        assert response.status_code == 404


class TestCase:
    def test_shows_the_case_with_balance_and_timeline(self, case, phone, collector):
        client = client_for(collector)
        call(
            client,
            "post",
            f"/api/v1/cases/{case.pk}/activities",
            {"result": "busy", "contact_point_id": phone.pk},
        )

        response = call(client, "get", f"/api/v1/cases/{case.pk}")

        body = response.json()
        assert response.status_code == 200
        assert (body["revision"], body["stage"], body["debt_ref"]) == (1, "early", "L-1")
        assert body["balance"]["total"] == "10000.00"
        assert [entry["kind"] for entry in body["timeline"]] == ["contact", "activity"]

    def test_patches_the_delinquency_reason(self, case, collector):
        response = call(client_for(collector), "patch", f"/api/v1/cases/{case.pk}/delinquency-reason", {
            "reason": "forgot", "revision": 0,
        })  # fmt: skip

        assert response.status_code == 200
        assert response.json() == {"id": case.pk, "revision": 1, "delinquency_reason": "forgot"}


class TestReassign:
    def test_a_supervisor_reassigns_and_both_are_notified(self, case, collector, portfolio):
        other = UserFactory(portfolios=[portfolio])
        _item(case, collector)

        response = call(client_for(UserFactory(supervisor=True, portfolios=[portfolio])), "post",
                        f"/api/v1/cases/{case.pk}/reassign", {"to_user_id": other.pk})  # fmt: skip

        assert response.status_code == 200
        assert Notification.objects.count() == 2

    def test_a_collector_gets_403(self, case, collector):
        response = call(client_for(collector), "post", f"/api/v1/cases/{case.pk}/reassign", {"to_user_id": 1})

        assert response.status_code == 403
