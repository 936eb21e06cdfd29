"""The desk pages: scoping, masking, search, the debt page's actions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from arrears.core.audit.models import AuditEvent
from arrears.portfolio.models import LedgerEntry, Payment
from tests.factories import (
    ContactPersonFactory,
    ContactPointFactory,
    DebtFactory,
    DebtorChangeFactory,
    DebtorFactory,
    PortfolioFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio():
    return PortfolioFactory(name="Bank A cards")


@pytest.fixture
def other_portfolio():
    return PortfolioFactory(name="Bank B loans")


@pytest.fixture
def collector(portfolio):
    return UserFactory(collector=True, portfolios=[portfolio])


@pytest.fixture
def supervisor(portfolio):
    return UserFactory(supervisor=True, portfolios=[portfolio])


@pytest.fixture
def debt(portfolio):
    debtor = DebtorFactory(
        portfolio=portfolio, name="Wang Lei", external_ref="C-1001", national_id="310101198504120018"
    )
    return DebtFactory(
        debtor=debtor, external_ref="L-2001", principal=Decimal("10000.00"), charges={"fee": Decimal("50.00")}
    )


@pytest.fixture
def foreign_debt(other_portfolio):
    return DebtFactory(
        debtor=DebtorFactory(portfolio=other_portfolio, name="Zhao Min"), external_ref="L-9001"
    )


class TestHome:
    def test_lists_only_granted_portfolios_with_counts_and_outstanding(
        self, client, collector, debt, foreign_debt
    ):
        client.force_login(collector)

        response = client.get(reverse("desk:home"))

        body = response.content.decode()
        assert response.status_code == 200
        assert "Bank A cards" in body
        assert "Bank B loans" not in body
        assert "10,050.00 CNY" in body

    def test_sends_anonymous_visitors_to_the_login_page(self, client):
        response = client.get(reverse("desk:home"))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


class TestDebtorList:
    def test_shows_debtors_with_days_past_due_and_bucket(self, client, collector, debt, portfolio):
        client.force_login(collector)

        response = client.get(reverse("desk:debtor_list", args=[portfolio.pk]))

        rows = response.context["rows"]
        assert [row.debtor.name for row in rows] == ["Wang Lei"]
        assert rows[0].days_past_due > 0
        assert rows[0].outstanding[0].value == Decimal("10050.00")

    def test_is_not_found_for_a_portfolio_not_granted(self, client, collector, other_portfolio):
        client.force_login(collector)

        response = client.get(reverse("desk:debtor_list", args=[other_portfolio.pk]))

        assert response.status_code == 404

    def test_finds_a_debtor_by_part_of_the_name_or_reference(self, client, collector, debt, portfolio):
        DebtorFactory(portfolio=portfolio, name="Li Na")
        client.force_login(collector)

        by_name = client.get(reverse("desk:debtor_list", args=[portfolio.pk]), {"q": "wang"})
        by_ref = client.get(reverse("desk:debtor_list", args=[portfolio.pk]), {"q": "1001"})

        assert [row.debtor.name for row in by_name.context["rows"]] == ["Wang Lei"]
        assert [row.debtor.name for row in by_ref.context["rows"]] == ["Wang Lei"]

    def test_finds_a_debtor_exactly_by_phone_email_or_national_id(self, client, collector, debt, portfolio):
        ContactPointFactory(debtor=debt.debtor, phone=True)
        ContactPointFactory(debtor=debt.debtor, email=True, is_primary=False)
        DebtorFactory(portfolio=portfolio, name="Li Na")
        client.force_login(collector)
        url = reverse("desk:debtor_list", args=[portfolio.pk])

        found = [
            [row.debtor.name for row in client.get(url, {"q": query}).context["rows"]]
            for query in ("138 1234 5678", "LINA@example.com", "310101198504120018", "13812345679")
        ]

        assert found == [["Wang Lei"], ["Wang Lei"], ["Wang Lei"], []]

    def test_renders_only_the_results_for_an_htmx_search(self, client, collector, debt, portfolio):
        client.force_login(collector)

        response = client.get(
            reverse("desk:debtor_list", args=[portfolio.pk]), {"q": "wang"}, HTTP_HX_REQUEST="true"
        )

        body = response.content.decode()
        assert body.lstrip().startswith('<section id="results">')
        assert "<html" not in body


class TestDebtorPage:
    def test_masks_personal_data_for_a_collector(self, client, collector, debt):
        ContactPointFactory(debtor=debt.debtor, phone=True)
        ContactPointFactory(debtor=debt.debtor, email=True, is_primary=False)
        client.force_login(collector)

        response = client.get(reverse("desk:debtor", args=[debt.debtor_id]))

        body = response.content.decode()
        assert "138****5678" in body
        assert "l***@example.com" in body
        assert "310***********0018" in body
        assert "13812345678" not in body
        assert "lina@example.com" not in body

    def test_shows_personal_data_in_full_to_a_supervisor(self, client, supervisor, debt):
        ContactPointFactory(debtor=debt.debtor, phone=True)
        client.force_login(supervisor)

        response = client.get(reverse("desk:debtor", args=[debt.debtor_id]))

        body = response.content.decode()
        assert "+8613812345678" in body
        assert "310101198504120018" in body
        assert "138****5678" not in body

    def test_shows_contact_persons_changes_and_debt_balances(self, client, collector, portfolio):
        company = DebtorFactory(portfolio=portfolio, company=True, name="Acme Trading Ltd")
        ContactPersonFactory(debtor=company, name="Chen Jie", title="CFO")
        DebtorChangeFactory(debtor=company, description="Lost its largest customer")
        DebtFactory(debtor=company, principal=Decimal("2500.00"), charges={"interest": Decimal("12.34")})
        client.force_login(collector)

        response = client.get(reverse("desk:debtor", args=[company.pk]))

        body = response.content.decode()
        assert "Chen Jie" in body
        assert "Lost its largest customer" in body
        assert "2,512.34 CNY" in body

    def test_shows_consent_opt_outs_and_time_zones_by_channel_name(self, client, collector, debt):
        ContactPointFactory(
            debtor=debt.debtor,
            consent={"sms": True, "call": False},
            opt_outs={"email": True, "letter": False},
            time_zones=["Asia/Shanghai", "Asia/Urumqi"],
        )
        client.force_login(collector)

        response = client.get(reverse("desk:debtor", args=[debt.debtor_id]))

        body = response.content.decode()
        assert "Call: no, SMS: yes" in body
        assert "<td>E-mail</td>" in body
        assert "Asia/Shanghai, Asia/Urumqi" in body
        assert "Simplified Chinese" in body

    def test_is_not_found_for_a_debtor_of_another_portfolio(self, client, collector, foreign_debt):
        client.force_login(collector)

        response = client.get(reverse("desk:debtor", args=[foreign_debt.debtor_id]))

        assert response.status_code == 404


class TestDebtPage:
    def test_is_not_found_for_a_debt_of_another_portfolio(self, client, collector, foreign_debt):
        client.force_login(collector)

        response = client.get(reverse("desk:debt", args=[foreign_debt.pk]))

        assert response.status_code == 404

    def test_shows_balances_as_of_a_chosen_date(self, client, collector, debt):
        LedgerEntry.objects.create(
            debt=debt,
            kind="payment",
            component="principal",
            amount=Decimal("-300.00"),
            effective_date=date(2026, 4, 10),
            posted_at=debt.created_at,
            source="payment",
            idempotency_key="p1",
        )
        client.force_login(collector)

        before = client.get(reverse("desk:debt", args=[debt.pk]), {"as_of": "2026-04-09"})
        after = client.get(reverse("desk:debt", args=[debt.pk]), {"as_of": "2026-04-10"})

        assert before.context["view"].position.balances.total == Decimal("10050.00")
        assert after.context["view"].position.balances.total == Decimal("9750.00")
        assert "9,750.00 CNY" in after.content.decode()

    def test_offers_the_verify_button_to_a_supervisor_only(self, client, collector, supervisor, debt):
        client.force_login(collector)
        as_collector = client.get(reverse("desk:debt", args=[debt.pk])).content.decode()
        client.force_login(supervisor)
        as_supervisor = client.get(reverse("desk:debt", args=[debt.pk])).content.decode()

        assert reverse("desk:verify_debt", args=[debt.pk]) not in as_collector
        assert reverse("desk:verify_debt", args=[debt.pk]) in as_supervisor

    def test_refuses_verification_by_a_collector(self, client, collector, debt):
        client.force_login(collector)

        response = client.post(reverse("desk:verify_debt", args=[debt.pk]))

        debt.refresh_from_db()
        assert response.status_code == 403
        assert debt.verified_at is None

    def test_verifies_a_reconciling_debt_for_a_supervisor(self, client, supervisor, debt):
        client.force_login(supervisor)

        response = client.post(reverse("desk:verify_debt", args=[debt.pk]), follow=True)

        debt.refresh_from_db()
        assert debt.status == "verified"
        assert debt.verified_by == supervisor
        assert "Debt L-2001 verified." in response.content.decode()


class TestRecordPayment:
    def payment(self, **overrides):
        return {
            "external_ref": "BANK-77",
            "amount": "1234.56",
            "received_date": "2026-04-02",
            "channel": "bank_transfer",
            **overrides,
        }

    def test_posts_redirects_and_shows_the_new_balance_to_the_cent(self, client, collector, debt):
        client.force_login(collector)

        response = client.post(reverse("desk:record_payment", args=[debt.pk]), self.payment(), follow=True)

        body = response.content.decode()
        assert response.redirect_chain == [(reverse("desk:debt", args=[debt.pk]), 302)]
        assert "8,815.44 CNY" in body
        assert "Payment BANK-77 recorded." in body
        assert Payment.objects.get(external_ref="BANK-77").posted_by == collector
        assert AuditEvent.objects.filter(action="portfolio.record_payment").count() == 1

    def test_rerenders_the_ledger_panel_for_htmx(self, client, collector, debt):
        client.force_login(collector)

        response = client.post(
            reverse("desk:record_payment", args=[debt.pk]), self.payment(), HTTP_HX_REQUEST="true"
        )

        body = response.content.decode()
        assert response.status_code == 200
        assert body.lstrip().startswith('<section id="ledger-panel">')
        assert "8,815.44 CNY" in body
        assert "Payment BANK-77 recorded." in body

    def test_shows_the_form_error_and_records_nothing_for_too_many_decimals(self, client, collector, debt):
        client.force_login(collector)

        response = client.post(
            reverse("desk:record_payment", args=[debt.pk]),
            self.payment(amount="10.001"),
            HTTP_HX_REQUEST="true",
        )

        assert response.status_code == 200
        assert "Ensure that there are no more than 2 decimal places." in response.content.decode()
        assert not Payment.objects.exists()

    def test_shows_the_domain_refusal_for_a_reused_reference(self, client, collector, debt):
        client.force_login(collector)
        client.post(reverse("desk:record_payment", args=[debt.pk]), self.payment())

        response = client.post(reverse("desk:record_payment", args=[debt.pk]), self.payment(amount="5.00"))

        assert "was already used for another payment" in response.content.decode()
        assert Payment.objects.count() == 1

    def test_is_not_found_for_a_debt_of_another_portfolio(self, client, collector, foreign_debt):
        client.force_login(collector)

        response = client.post(reverse("desk:record_payment", args=[foreign_debt.pk]), self.payment())

        assert response.status_code == 404
        assert not Payment.objects.exists()
