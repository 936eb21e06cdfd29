"""A collector creates a self-service portal link for a debtor from the debtor page."""

import re
from html import unescape

import pytest
from django.test import Client

from arrears.core.audit.models import AuditEvent
from tests.factories.people import UserFactory
from tests.factories.portfolio import DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def debtor():
    portfolio = PortfolioFactory(code="cn-cards", time_zone="Asia/Shanghai")
    return DebtFactory(debtor=DebtorFactory(portfolio=portfolio, person=True, name="Li Na")).debtor


def test_the_debtor_page_shows_a_new_link_once_and_the_link_opens_the_portal(client, debtor):
    collector = UserFactory(username="lina", portfolios=[debtor.portfolio])
    client.force_login(collector)
    assert 'data-testid="issue-portal-link"' in client.get(f"/debtors/{debtor.pk}/").content.decode()

    response = client.post(f"/debtors/{debtor.pk}/portal-link/", follow=True)

    page = unescape(response.content.decode())
    assert "Self-service link for Li Na, valid until" in page
    path = re.search(r"(/portal/l/[^/\s<]+/)", page).group(1)
    event = AuditEvent.objects.get(action="portal.issue_link")
    assert (event.actor_label, event.after["source"], event.after["debtor"]) == (
        "lina",
        "desk",
        debtor.external_ref,
    )
    assert "Self-service link" not in client.get(f"/debtors/{debtor.pk}/").content.decode()
    # The debtor, in their own browser, is asked the identity question.
    assert Client().get(path).status_code == 200


def test_another_portfolio_s_debtor_gets_no_link(client, debtor):
    client.force_login(UserFactory(portfolios=[PortfolioFactory(code="us-cards")]))

    response = client.post(f"/debtors/{debtor.pk}/portal-link/")

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="portal.issue_link").exists()


def test_only_a_post_issues_one(client, debtor):
    client.force_login(UserFactory(portfolios=[debtor.portfolio]))

    assert client.get(f"/debtors/{debtor.pk}/portal-link/").status_code == 405
