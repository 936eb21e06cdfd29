import json

import pytest
from django.test import Client

from arrears.portfolio.models import Debt, Payment
from tests.factories.people import UserFactory
from tests.factories.portfolio import PortfolioFactory

pytestmark = pytest.mark.django_db
ROW = {
    "debt_ref": "L-1", "debtor_ref": "C-1", "debtor_type": "person", "debtor_name": "李娜", "product": "credit_card",
    "currency": "CNY", "principal": 1000.5, "contract_date": "2025-01-15", "due_date": "2025-02-15",
    "phone": "13812345678",
}  # fmt: skip
DEBTS_URL = "/api/v1/portfolios/cn-cards/debts/batch"
PAYMENTS_URL = "/api/v1/portfolios/cn-cards/payments/batch"


@pytest.fixture
def portfolio():
    return PortfolioFactory(code="cn-cards", country="CN")


@pytest.fixture
def administrator(portfolio):
    return UserFactory(administrator=True)


def post(user, url, body):
    client = Client()
    client.force_login(user)
    return client.post(url, data=json.dumps(body), content_type="application/json")


class TestDebtsBatch:
    def test_creates_debts_and_returns_the_counts(self, administrator):
        response = post(administrator, DEBTS_URL, {"rows": [ROW]})

        assert response.status_code == 200
        assert response.json() == {
            "total": 1, "accepted": 1, "inserted": 1, "updated": 0, "unchanged": 0, "applied": True, "rejected": [],
        }  # fmt: skip
        assert str(Debt.objects.get().principal) == "1000.50"

    def test_numbers_rejected_rows_from_1_with_the_file_messages(self, administrator):
        rows = [ROW, {**ROW, "debt_ref": "L-2", "currency": "RMB"}]

        response = post(administrator, DEBTS_URL, {"rows": rows, "strict": True})

        body = response.json()
        assert (body["accepted"], body["applied"]) == (1, False)
        assert body["rejected"] == [
            {"row": 2, "column": "currency", "value": "RMB", "message": "Unknown currency code."}
        ]
        assert Debt.objects.count() == 0

    def test_dry_run_changes_nothing(self, administrator):
        response = post(administrator, DEBTS_URL, {"rows": [ROW], "dry_run": True})

        assert (response.json()["inserted"], response.json()["applied"], Debt.objects.count()) == (
            1,
            False,
            0,
        )


class TestPaymentsBatch:
    def test_posts_payments(self, administrator):
        post(administrator, DEBTS_URL, {"rows": [ROW]})

        response = post(
            administrator,
            PAYMENTS_URL,
            {"rows": [{"payment_ref": "P-1", "debt_ref": "L-1", "amount": "100.00", "currency": "CNY",
                       "received_date": "2026-03-01"}]},
        )  # fmt: skip

        assert (response.status_code, response.json()["inserted"]) == (200, 1)
        assert Payment.objects.get().external_ref == "P-1"


class TestAccess:
    def test_a_user_not_granted_the_portfolio_gets_404(self, portfolio):
        supervisor = UserFactory(supervisor=True)

        assert post(supervisor, DEBTS_URL, {"rows": [ROW]}).status_code == 404

    def test_an_unknown_portfolio_is_404(self, administrator):
        assert post(administrator, "/api/v1/portfolios/nope/debts/batch", {"rows": [ROW]}).status_code == 404

    def test_a_granted_user_without_the_import_capability_gets_403(self, portfolio):
        supervisor = UserFactory(supervisor=True, portfolios=[portfolio])

        response = post(supervisor, PAYMENTS_URL, {"rows": []})

        assert response.status_code == 403
        assert Debt.objects.count() == 0

    def test_an_anonymous_caller_is_refused(self, portfolio):
        response = Client().post(DEBTS_URL, data=json.dumps({"rows": [ROW]}), content_type="application/json")

        assert response.status_code == 401
