"""Reversing a payment that did not arrive, from the debt page and the API."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from arrears.portfolio import ledger, payments
from arrears.portfolio.models import Payment
from tests.factories.people import UserFactory
from tests.factories.portfolio import DebtFactory, PortfolioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(now):
    debt = DebtFactory(debtor__portfolio=PortfolioFactory(code="cn-consumer"), principal=Decimal("500.00"))
    return payments.record_payment(
        debt_id=debt.pk, external_ref="DD-7", amount=Decimal("200.00"), currency="CNY",
        received_date=date(2026, 3, 30), source="import", actor=None, now=now,
    )  # fmt: skip


class TestReversePaymentPage:
    def test_a_supervisor_reverses_it_and_the_balance_is_owed_again(self, client, payment):
        client.force_login(UserFactory(supervisor=True, portfolios=[payment.portfolio]))

        response = client.post(
            reverse("desk:reverse_payment", args=[payment.pk]), {"reason": "退票"}, follow=True
        )

        assert "DD-7" in response.content.decode()
        assert Payment.objects.get(pk=payment.pk).reversal_reason == "退票"
        assert ledger.get_balances(debt_id=payment.debt_id).total == Decimal("500.00")

    def test_a_collector_sees_no_reverse_button_and_may_not_reverse(self, client, payment):
        client.force_login(UserFactory(portfolios=[payment.portfolio]))

        page = client.get(reverse("desk:debt", args=[payment.debt_id]))
        refused = client.post(reverse("desk:reverse_payment", args=[payment.pk]), {"reason": "x"})

        assert reverse("desk:reverse_payment", args=[payment.pk]) not in page.content.decode()
        assert refused.status_code == 403
        assert Payment.objects.get(pk=payment.pk).reversed_at is None

    def test_the_api_reverses_with_a_reason(self, client, payment):
        client.force_login(UserFactory(supervisor=True, portfolios=[payment.portfolio]))

        response = client.post(
            f"/api/v1/payments/{payment.pk}/reverse",
            json.dumps({"reason": "returned"}),
            content_type="application/json",
        )

        assert response.status_code == 200
        assert response.json()["total"] == "500.00"
