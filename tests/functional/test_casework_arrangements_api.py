"""The arrangements API: quote, propose, approve, reject, cancel, approvals and notifications."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from arrears.casework.models import Arrangement, ArrangementStatus
from arrears.people import tokens
from tests.factories.cases import CaseFactory
from tests.factories.people import TeamFactory, UserFactory
from tests.factories.portfolio import DebtFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

MORNING_IN_SHANGHAI = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MORNING_IN_SHANGHAI, tick=False):
        yield


@pytest.fixture
def portfolio():
    return PortfolioFactory(code="api-plans", time_zone="Asia/Shanghai")


@pytest.fixture
def supervisor(portfolio):
    return UserFactory(
        supervisor=True, portfolios=[portfolio], max_plan_months=36, max_waiver_amount=Decimal("5000.00")
    )


@pytest.fixture
def collector(portfolio, supervisor):
    team = TeamFactory(name="API team", supervisor=supervisor)
    return UserFactory(
        portfolios=[portfolio], team=team, max_plan_months=3, max_waiver_amount=Decimal("0.00")
    )


@pytest.fixture
def case(portfolio):
    """CNY 1,200.00 owed, of which 200.00 interest."""
    debt = DebtFactory(
        debtor__portfolio=portfolio, principal=Decimal("1000.00"), charges={"interest": Decimal("200.00")}
    )
    return CaseFactory(debt=debt)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def post_json(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


class TestQuote:
    def test_quotes_equal_principal_without_writing(self, collector, case):
        response = post_json(
            client_for(collector), f"/api/v1/cases/{case.pk}/arrangements/quote",
            {"kind": "instalments", "method": "equal-principal", "months": 3, "annual_rate": "12"},
        )  # fmt: skip

        body = response.json()
        assert response.status_code == 200
        # 1,200.00 in three: 400.00 a month, interest 1 % of 1,200, 800, 400.
        assert [row["payment"] for row in body["instalments"]] == ["412.00", "408.00", "404.00"]
        assert (body["total_payment"], body["total_interest"], body["within_authority"]) == (
            "1224.00",
            "24.00",
            True,
        )
        assert not Arrangement.objects.exists()

    def test_a_waiver_beyond_the_interest_owed_is_422(self, collector, case):
        response = post_json(
            client_for(collector), f"/api/v1/cases/{case.pk}/arrangements/quote",
            {"kind": "waiver", "waived_interest": "200.01"},
        )  # fmt: skip

        assert response.status_code == 422
        assert "more than the interest owed (200.00 CNY)" in response.json()["detail"]


class TestProposeAndDecide:
    def test_beyond_authority_waits_and_the_supervisor_approves_it_by_token(
        self, collector, supervisor, case
    ):
        proposed = post_json(
            client_for(collector), f"/api/v1/cases/{case.pk}/arrangements",
            {"kind": "waiver", "waived_interest": "200.00", "revision": 0, "request_key": "api-1"},
        )  # fmt: skip
        raw = tokens.issue_token(user=supervisor, name="dialer", actor=None, now=MORNING_IN_SHANGHAI)
        bearer = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

        approvals = bearer.get("/api/v1/approvals").json()
        approved = post_json(bearer, f"/api/v1/arrangements/{proposed.json()['id']}/approve", {"revision": 1})

        assert proposed.status_code == 201
        assert proposed.json()["status"] == "pending_approval"
        assert approvals[0]["exceeded"] == [
            "It forgives 200.00 CNY (waivers and discount); the limit is 0.00 CNY."
        ]
        assert approved.status_code == 200
        assert approved.json()["status"] == "completed"
        notes = client_for(collector).get("/api/v1/notifications").json()
        assert "approved" in notes[0]["text"]

    def test_within_authority_is_active_with_its_schedule(self, collector, case):
        response = post_json(
            client_for(collector), f"/api/v1/cases/{case.pk}/arrangements",
            {"kind": "deferral", "due_date": "2026-06-01", "revision": 0},
        )  # fmt: skip

        body = response.json()
        assert response.status_code == 201
        assert (body["status"], body["months"], body["case_revision"]) == ("active", 2, 1)
        assert body["instalments"] == [
            {"number": 1, "due_date": "2026-06-01", "payment": "1200.00", "principal": "1200.00",
             "interest": "0.00", "balance": "0.00"}
        ]  # fmt: skip

    def test_a_stale_revision_is_409_and_a_second_open_one_is_422(self, collector, case):
        client = client_for(collector)
        post_json(
            client, f"/api/v1/cases/{case.pk}/arrangements", {"kind": "deferral", "due_date": "2026-05-01"}
        )

        stale = post_json(
            client,
            f"/api/v1/cases/{case.pk}/arrangements",
            {"kind": "deferral", "due_date": "2026-05-01", "revision": 0},
        )
        second = post_json(
            client, f"/api/v1/cases/{case.pk}/arrangements", {"kind": "deferral", "due_date": "2026-05-01"}
        )

        assert stale.status_code == 409
        assert second.status_code == 422
        assert "already has an arrangement" in second.json()["detail"]

    def test_reject_needs_a_comment_and_a_collector_may_not_decide(self, collector, supervisor, case):
        arrangement = post_json(
            client_for(collector), f"/api/v1/cases/{case.pk}/arrangements",
            {"kind": "instalments", "method": "equal-instalment", "months": 6},
        ).json()  # fmt: skip
        url = f"/api/v1/arrangements/{arrangement['id']}/reject"

        by_collector = post_json(client_for(collector), url, {"comment": "no"})
        without_comment = post_json(client_for(supervisor), url, {})
        rejected = post_json(client_for(supervisor), url, {"comment": "Six months is too long"})

        assert by_collector.status_code == 403
        assert without_comment.status_code == 422
        assert rejected.json()["status"] == "rejected"
        assert rejected.json()["decision_comment"] == "Six months is too long"

    def test_cancel_and_another_portfolio_gets_404(self, collector, case):
        arrangement = post_json(
            client_for(collector),
            f"/api/v1/cases/{case.pk}/arrangements",
            {"kind": "deferral", "due_date": "2026-05-01"},
        ).json()
        stranger = client_for(UserFactory(supervisor=True, portfolios=[PortfolioFactory()]))

        foreign = post_json(stranger, f"/api/v1/arrangements/{arrangement['id']}/cancel", {})
        cancelled = post_json(client_for(collector), f"/api/v1/arrangements/{arrangement['id']}/cancel", {})

        assert foreign.status_code == 404
        assert (
            post_json(
                stranger, f"/api/v1/cases/{case.pk}/arrangements/quote", {"kind": "deferral"}
            ).status_code
            == 404
        )
        assert cancelled.json()["status"] == ArrangementStatus.CANCELLED

    def test_a_collector_may_not_list_approvals(self, collector):
        assert client_for(collector).get("/api/v1/approvals").status_code == 403
