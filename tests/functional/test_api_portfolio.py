import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import Client

from arrears.people import tokens
from arrears.portfolio.models import Payment
from tests.factories.people import UserFactory
from tests.factories.portfolio import ContactPointFactory, DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)


@pytest.fixture
def portfolios():
    return PortfolioFactory(code="cn-consumer"), PortfolioFactory(code="us-cards", country="US")


@pytest.fixture
def collector(portfolios):
    return UserFactory(username="zhangwei", portfolios=[portfolios[0]])


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def post_json(client, url, body, **headers):
    return client.post(url, data=json.dumps(body), content_type="application/json", **headers)


class TestScoping:
    def test_a_collector_lists_only_granted_portfolios(self, collector):
        response = client_for(collector).get("/api/v1/portfolios")

        assert [item["code"] for item in response.json()] == ["cn-consumer"]

    def test_a_collector_cannot_read_another_portfolios_debtor_or_debt(self, portfolios, collector):
        debt = DebtFactory(debtor__portfolio=portfolios[1])
        client = client_for(collector)

        assert client.get(f"/api/v1/debtors/{debt.debtor_id}").status_code == 404
        assert client.get(f"/api/v1/debts/{debt.pk}").status_code == 404
        assert client.get("/api/v1/portfolios/us-cards/debtors").status_code == 404

    def test_anonymous_requests_are_refused(self, portfolios):
        assert Client().get("/api/v1/portfolios").status_code == 401


class TestMasking:
    def test_a_collector_sees_the_phone_masked_and_a_supervisor_in_full(self, portfolios, collector):
        debtor = DebtorFactory(portfolio=portfolios[0], national_id="110101199003071234")
        ContactPointFactory(debtor=debtor, value="+8613812345678")
        supervisor = UserFactory(supervisor=True, portfolios=[portfolios[0]])

        as_collector = client_for(collector).get(f"/api/v1/debtors/{debtor.pk}").json()
        as_supervisor = client_for(supervisor).get(f"/api/v1/debtors/{debtor.pk}").json()

        assert as_collector["contact_points"][0]["value"] == "138****5678"
        assert as_collector["national_id"] == "110***********1234"
        assert as_supervisor["contact_points"][0]["value"] == "+8613812345678"


class TestPostPayment:
    def test_allocates_and_returns_the_new_balances_to_the_cent(self, portfolios, collector):
        debt = DebtFactory(debtor__portfolio=portfolios[0], charges={"interest": Decimal("80.00")})
        body = {
            "external_ref": "BANK-1",
            "amount": "100.10",
            "currency": "CNY",
            "received_date": "2026-03-30",
        }

        response = post_json(client_for(collector), f"/api/v1/debts/{debt.pk}/payments", body)

        assert response.status_code == 201
        assert response.json()["balances"] == {
            "principal": "9979.90", "interest": "0.00", "penalty": "0.00", "fee": "0.00"
        }  # fmt: skip
        assert response.json()["total"] == "9979.90"

    def test_the_same_reference_posts_once(self, portfolios, collector):
        debt = DebtFactory(debtor__portfolio=portfolios[0])
        body = {
            "external_ref": "BANK-1",
            "amount": "100.00",
            "currency": "CNY",
            "received_date": "2026-03-30",
        }
        client = client_for(collector)

        post_json(client, f"/api/v1/debts/{debt.pk}/payments", body)
        post_json(client, f"/api/v1/debts/{debt.pk}/payments", body)

        assert Payment.objects.count() == 1

    def test_refuses_another_currency_with_a_localized_message(self, portfolios, collector):
        debt = DebtFactory(debtor__portfolio=portfolios[0])
        body = {
            "external_ref": "BANK-1",
            "amount": "100.00",
            "currency": "USD",
            "received_date": "2026-03-30",
        }

        response = post_json(
            client_for(collector), f"/api/v1/debts/{debt.pk}/payments", body, HTTP_ACCEPT_LANGUAGE="zh-hans"
        )

        assert response.status_code == 422
        assert "USD" in response.json()["detail"]
        assert not Payment.objects.exists()

    def test_a_strategy_manager_may_not_post_payments(self, portfolios):
        debt = DebtFactory(debtor__portfolio=portfolios[0])
        manager = UserFactory(strategy_manager=True, portfolios=[portfolios[0]])
        body = {"external_ref": "BANK-1", "amount": "1.00", "currency": "CNY", "received_date": "2026-03-30"}

        response = post_json(client_for(manager), f"/api/v1/debts/{debt.pk}/payments", body)

        assert response.status_code == 403
        assert not Payment.objects.exists()


class TestBearerToken:
    def test_an_integration_reads_with_its_token(self, portfolios):
        admin = UserFactory(administrator=True)
        raw = tokens.issue_token(user=admin, name="ERP", actor=None, now=NOW)

        response = Client().get("/api/v1/portfolios", HTTP_AUTHORIZATION=f"Bearer {raw}")

        assert sorted(item["code"] for item in response.json()) == ["cn-consumer", "us-cards"]

    def test_a_wrong_token_is_refused(self, portfolios):
        assert Client().get("/api/v1/portfolios", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


class TestRecordDebtorChange:
    def test_records_a_change_for_a_granted_debtor(self, portfolios, collector):
        debtor = DebtorFactory(portfolio=portfolios[0])
        body = {
            "category": "business",
            "description": "Lost its largest customer",
            "occurred_date": "2026-02-01",
        }

        response = post_json(client_for(collector), f"/api/v1/debtors/{debtor.pk}/changes", body)

        assert response.status_code == 201
        assert response.json()["description"] == "Lost its largest customer"

    def test_an_unknown_category_is_a_422_naming_the_field(self, portfolios, collector):
        debtor = DebtorFactory(portfolio=portfolios[0])

        response = post_json(
            client_for(collector),
            f"/api/v1/debtors/{debtor.pk}/changes",
            {"category": "x", "description": "y"},
        )

        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][-1] == "category"


class TestRecordOptOut:
    def test_an_sms_opt_out_is_recorded_and_the_number_stays_masked(self, portfolios, collector):
        point = ContactPointFactory(debtor__portfolio=portfolios[0], value="+8613812345678")

        response = post_json(
            client_for(collector), f"/api/v1/contact-points/{point.pk}/opt-outs", {"channel": "sms"}
        )

        assert response.status_code == 200
        assert response.json()["value"] == "138****5678"
        assert list(response.json()["opt_outs"]) == ["sms"]

    def test_an_email_channel_on_a_phone_is_a_422(self, portfolios, collector):
        point = ContactPointFactory(debtor__portfolio=portfolios[0])

        response = post_json(
            client_for(collector), f"/api/v1/contact-points/{point.pk}/opt-outs", {"channel": "email"}
        )

        assert response.status_code == 422
