"""The audit log page: who may read it, what they see, the chain's status."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from arrears.core.audit.actions import record_event
from arrears.core.audit.verify import ChainReport
from arrears.portfolio import queries
from tests.factories import PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 31, 20, 59, 59, tzinfo=UTC)


@pytest.fixture
def portfolio():
    return PortfolioFactory()


@pytest.fixture
def events(portfolio):
    other = PortfolioFactory()
    return [
        record_event(
            actor=None,
            action="portfolio.record_payment",
            target=("portfolio.payment", 1),
            now=NOW,
            portfolio_id=portfolio.pk,
        ),
        record_event(
            actor=None,
            action="portfolio.verify_debt",
            target=("portfolio.debt", 7),
            now=NOW,
            portfolio_id=portfolio.pk,
        ),
        record_event(
            actor=None,
            action="portfolio.verify_debt",
            target=("portfolio.debt", 8),
            now=NOW,
            portfolio_id=other.pk,
        ),
    ]


class TestAuditLog:
    def test_refuses_a_collector(self, client, portfolio, events):
        client.force_login(UserFactory(collector=True, portfolios=[portfolio]))

        response = client.get(reverse("desk:audit"))

        assert response.status_code == 403

    def test_shows_a_compliance_officer_the_events_of_granted_portfolios(self, client, portfolio, events):
        client.force_login(UserFactory(compliance_officer=True, portfolios=[portfolio]))

        response = client.get(reverse("desk:audit"))
        verified = client.get(reverse("desk:audit"), {"verify": "1"})

        assert [event.sequence for event in response.context["page"].object_list] == [2, 1]
        assert "Chain intact" not in response.content.decode()
        assert "Chain intact: 3 events verified." in verified.content.decode()

    def test_filters_by_action_and_object(self, client, portfolio, events):
        client.force_login(UserFactory(administrator=True))

        by_action = client.get(reverse("desk:audit"), {"action": "portfolio.verify_debt"})
        by_object = client.get(reverse("desk:audit"), {"object_type": "portfolio.debt", "object_id": "8"})
        by_portfolio = client.get(reverse("desk:audit"), {"portfolio": portfolio.pk})

        assert [event.sequence for event in by_action.context["page"].object_list] == [3, 2]
        assert [event.sequence for event in by_object.context["page"].object_list] == [3]
        assert [event.sequence for event in by_portfolio.context["page"].object_list] == [2, 1]

    def test_reports_a_broken_chain(self, client, portfolio, events, monkeypatch):
        monkeypatch.setattr(queries, "verify_chain", lambda: ChainReport(1, 2, "event #2 was altered"))
        client.force_login(UserFactory(administrator=True))

        response = client.get(reverse("desk:audit"), {"verify": "1"})

        body = response.content.decode()
        assert "Chain broken" in body
        assert "event #2 was altered" in body
