"""The casework API for dialers and integrations: promises, hardship assessments and scripts."""

import json
from datetime import date

import pytest
import time_machine
from django.test import Client

from arrears.casework.models import Case, HardshipAssessment, Promise, PromiseStatus
from arrears.people import tokens
from tests.factories.cases import CaseFactory, PromiseFactory
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-04-15 02:00:00+00:00", tick=False):  # 10:00 in Shanghai
        yield


@pytest.fixture
def case():
    return CaseFactory(
        strategy="default@2026.11.1", segment="standard", stage="mid", stage_entered_on=date(2026, 4, 1)
    )


@pytest.fixture
def dialer(case):
    """An integration calling with a bearer token of a collector granted the case's portfolio."""
    user = UserFactory(portfolios=[case.portfolio])
    raw = tokens.issue_token(user=user, name="Dialer", actor=None, now=case.created_at)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


class TestPromises:
    def test_records_a_promise_and_answers_201_with_the_new_revision(self, dialer, case):
        response = _post(dialer, f"/api/v1/cases/{case.pk}/promises", {
            "amount": "1500.00", "due_date": "2026-04-30", "expected_revision": case.revision, "request_key": "d-1",
        })  # fmt: skip

        assert response.status_code == 201
        body = response.json()
        assert (body["amount"], body["due_date"], body["status"]) == ("1500.00", "2026-04-30", "open")
        assert body["case_revision"] == case.revision + 1
        assert Promise.objects.get().source == "api"

    def test_the_same_request_key_returns_the_same_promise(self, dialer, case):
        body = {
            "amount": "1500.00",
            "due_date": "2026-04-30",
            "expected_revision": case.revision,
            "request_key": "d-1",
        }

        first = _post(dialer, f"/api/v1/cases/{case.pk}/promises", body).json()
        again = _post(dialer, f"/api/v1/cases/{case.pk}/promises", body)

        assert again.status_code == 201 and again.json()["id"] == first["id"]
        assert Promise.objects.count() == 1

    def test_a_promise_beyond_the_policy_answers_422_and_names_the_limit(self, dialer, case):
        response = _post(
            dialer, f"/api/v1/cases/{case.pk}/promises", {"amount": "1500.00", "due_date": "2026-05-16"}
        )

        assert response.status_code == 422
        assert "at most 30 days ahead (by 2026-05-15)" in response.json()["detail"]
        assert not Promise.objects.exists()

    def test_a_stale_revision_answers_409(self, dialer, case):
        Case.objects.filter(pk=case.pk).update(revision=7)

        response = _post(dialer, f"/api/v1/cases/{case.pk}/promises", {
            "amount": "1500.00", "due_date": "2026-04-30", "expected_revision": 6,
        })  # fmt: skip

        assert response.status_code == 409
        assert not Promise.objects.exists()

    def test_a_case_outside_the_granted_portfolios_is_not_found(self, dialer):
        other = CaseFactory()

        response = _post(
            dialer, f"/api/v1/cases/{other.pk}/promises", {"amount": "1500.00", "due_date": "2026-04-30"}
        )

        assert response.status_code == 404

    def test_cancels_and_lists_promises(self, dialer, case):
        promise = PromiseFactory(case=case, made_on=date(2026, 4, 14), due_date=date(2026, 4, 20))
        PromiseFactory(case=case, broken=True)

        response = _post(dialer, f"/api/v1/promises/{promise.pk}/cancel", {"reason": "Paid at the branch"})

        assert response.status_code == 200 and response.json()["status"] == "cancelled"
        assert Promise.objects.get(pk=promise.pk).status == PromiseStatus.CANCELLED
        listed = dialer.get(f"/api/v1/cases/{case.pk}/promises").json()
        assert [item["status"] for item in listed] == ["cancelled", "broken"]
        assert _post(dialer, f"/api/v1/promises/{promise.pk}/cancel", {}).status_code == 422


class TestHardship:
    def test_answers_with_the_computed_figures(self, dialer, case):
        response = _post(dialer, f"/api/v1/cases/{case.pk}/hardship", {
            "cause": "business", "since": "2026-01-10", "expected_months": 6, "monthly_income": "20000.00",
            "monthly_expenses": "12000.50", "other_debt_payments": "3000.00", "willingness": "reluctant",
            "expected_revision": case.revision, "request_key": "h-1",
        })  # fmt: skip

        assert response.status_code == 201
        body = response.json()
        assert (body["disposable_income"], body["affordable_monthly"]) == ("4999.50", "2499.00")
        assert (body["ability"], body["suggested_treatment"]) == ("able", "firm_reminder")
        assert body["months_to_repay"] == 5 and body["delinquency_reason"] == "cash_flow"
        assert HardshipAssessment.objects.count() == 1

    def test_an_unknown_cause_answers_422(self, dialer, case):
        response = _post(dialer, f"/api/v1/cases/{case.pk}/hardship", {
            "cause": "bad luck", "since": "2026-01-10", "expected_months": 6, "monthly_income": "1.00",
            "monthly_expenses": "1.00", "willingness": "willing",
        })  # fmt: skip

        assert response.status_code == 422 and "Cause" in response.json()["detail"]


class TestScript:
    def test_returns_the_script_filled_in_for_the_case(self, dialer, case):
        response = dialer.get(
            f"/api/v1/cases/{case.pk}/script", {"situation": "refusal", "language": "zh-hans"}
        )

        body = response.json()
        assert response.status_code == 200
        assert (body["situation"], body["language"], body["origin"]) == ("refusal", "zh-hans", "default")
        assert body["title"] == "拒绝还款：准确、冷静地说明后果"
        assert body["consequences"] in body["body"]

    def test_an_unknown_situation_answers_422(self, dialer, case):
        assert dialer.get(f"/api/v1/cases/{case.pk}/script", {"situation": "angry"}).status_code == 422
