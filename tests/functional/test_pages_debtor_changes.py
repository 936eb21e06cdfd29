"""Recording a material change in a debtor's circumstances from the debtor page."""

from datetime import date

import pytest
from django.urls import reverse

from arrears.core.audit.models import AuditEvent
from arrears.portfolio import debtors
from arrears.portfolio.models import DebtorChange
from tests.factories.people import UserFactory
from tests.factories.portfolio import DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def debtor():
    return DebtorFactory(portfolio=PortfolioFactory(code="cn-consumer"))


class TestRecordDebtorChange:
    def test_records_the_change_with_who_and_when_and_audits_it(self, debtor, now):
        collector = UserFactory(portfolios=[debtor.portfolio])

        change = debtors.record_debtor_change(
            debtor_id=debtor.pk, category="employment", description="  Lost job in March ",
            occurred_date=date(2026, 3, 2), actor=collector, now=now,
        )  # fmt: skip

        assert (change.description, change.recorded_by, change.recorded_at) == (
            "Lost job in March",
            collector,
            now,
        )
        event = AuditEvent.objects.get(action="portfolio.record_debtor_change")
        assert event.after == {
            "debtor": debtor.external_ref,
            "category": "employment",
            "occurred_date": "2026-03-02",
        }

    def test_refuses_a_change_dated_after_today_and_records_nothing(self, debtor, now):
        with pytest.raises(debtors.InvalidDebtorChange, match="after today"):
            debtors.record_debtor_change(
                debtor_id=debtor.pk, category="income", description="Salary cut",
                occurred_date=date(2026, 4, 1), actor=None, now=now,
            )  # fmt: skip

        assert not DebtorChange.objects.exists()
        assert not AuditEvent.objects.exists()


class TestDebtorPageChangeForm:
    def test_a_collector_records_a_change_and_sees_it_in_the_panel(self, client, debtor):
        client.force_login(UserFactory(portfolios=[debtor.portfolio]))
        url = reverse("desk:record_debtor_change", args=[debtor.pk])

        response = client.post(
            url,
            {"category": "health", "description": "住院治疗两个月", "occurred_date": "2026-01-10"},
            HTTP_HX_REQUEST="true",
        )

        body = response.content.decode()
        assert response.status_code == 200
        assert body.lstrip().startswith('<section id="changes">')
        assert "住院治疗两个月" in body

    def test_without_javascript_it_redirects_to_the_debtor_page(self, client, debtor):
        client.force_login(UserFactory(portfolios=[debtor.portfolio]))

        response = client.post(
            reverse("desk:record_debtor_change", args=[debtor.pk]),
            {"category": "income", "description": "Pay cut"},
        )

        assert response.status_code == 302
        assert DebtorChange.objects.get().description == "Pay cut"

    def test_an_empty_description_is_refused_in_place(self, client, debtor):
        client.force_login(UserFactory(portfolios=[debtor.portfolio]))

        response = client.post(
            reverse("desk:record_debtor_change", args=[debtor.pk]), {"category": "income", "description": ""},
            HTTP_HX_REQUEST="true",
        )  # fmt: skip

        assert "errorlist" in response.content.decode()
        assert not DebtorChange.objects.exists()

    def test_a_collector_cannot_record_a_change_on_another_portfolios_debtor(self, client, debtor):
        client.force_login(UserFactory(portfolios=[PortfolioFactory(code="us-cards")]))

        response = client.post(
            reverse("desk:record_debtor_change", args=[debtor.pk]), {"category": "income", "description": "x"}
        )

        assert response.status_code == 404
        assert not DebtorChange.objects.exists()
