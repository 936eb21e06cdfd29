"""The OpenAPI document integrators read at /api/docs."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


class TestOpenApi:
    def test_describes_every_endpoint_with_bearer_and_session_auth(self):
        schema = Client().get("/api/openapi.json").json()

        assert set(schema["paths"]) >= {
            "/api/v1/portfolios",
            "/api/v1/portfolios/{code}/debtors",
            "/api/v1/debtors/{debtor_id}",
            "/api/v1/debtors/{debtor_id}/changes",
            "/api/v1/debts/{debt_id}",
            "/api/v1/debts/{debt_id}/payments",
            "/api/v1/debts/{debt_id}/verify",
            "/api/v1/contact-points/{point_id}/opt-outs",
            "/api/v1/payments/{payment_id}/reverse",
            "/api/v1/portfolios/{code}/debts/batch",
            "/api/v1/portfolios/{code}/payments/batch",
        }
        assert set(schema["components"]["securitySchemes"]) == {"BearerToken", "SessionAuth"}

    def test_money_is_a_decimal_string_never_a_float(self):
        schema = Client().get("/api/openapi.json").json()

        payment = schema["components"]["schemas"]["PaymentIn"]["properties"]["amount"]
        assert {"type": "string"} in payment.get("anyOf", [payment]) or payment.get("type") == "string"

    def test_the_documentation_page_is_served(self):
        assert Client().get("/api/docs").status_code == 200
