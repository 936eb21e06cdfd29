"""The admin: role-based access, portfolio scoping, masking, append-only records."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from arrears.core.audit.actions import record_event
from arrears.core.audit.models import AuditEvent
from tests.factories import ContactPointFactory, DebtFactory, DebtorFactory, PortfolioFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio():
    return PortfolioFactory(name="Bank A cards")


@pytest.fixture
def supervisor(portfolio):
    return UserFactory(supervisor=True, portfolios=[portfolio])


class TestAdminAccess:
    def test_refuses_a_collector(self, client, portfolio):
        client.force_login(UserFactory(collector=True, portfolios=[portfolio]))

        response = client.get(reverse("admin:index"))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))

    def test_refuses_a_staff_collector_the_debtor_changelist(self, client, portfolio):
        client.force_login(UserFactory(collector=True, is_staff=True, portfolios=[portfolio]))

        response = client.get(reverse("admin:portfolio_debtor_changelist"))

        assert response.status_code == 403

    def test_hides_users_from_a_supervisor(self, client, supervisor):
        client.force_login(supervisor)

        response = client.get(reverse("admin:people_user_changelist"))

        assert response.status_code == 403


class TestScopedChangelists:
    def test_shows_a_supervisor_only_the_debtors_of_granted_portfolios(self, client, supervisor, portfolio):
        DebtorFactory(portfolio=portfolio, name="Wang Lei")
        DebtorFactory(portfolio=PortfolioFactory(), name="Zhao Min")
        client.force_login(supervisor)

        response = client.get(reverse("admin:portfolio_debtor_changelist"))

        assert response.status_code == 200
        assert [debtor.name for debtor in response.context["cl"].result_list] == ["Wang Lei"]

    def test_is_not_found_for_a_debt_of_another_portfolio(self, client, supervisor):
        foreign = DebtFactory()
        client.force_login(supervisor)

        response = client.get(reverse("admin:portfolio_debt_change", args=[foreign.pk]))

        assert response.status_code == 302  # the admin redirects to the index with "does not exist"
        assert AuditEvent.objects.count() == 0

    def test_shows_everything_to_an_administrator(self, client, portfolio):
        DebtorFactory(portfolio=portfolio)
        DebtorFactory(portfolio=PortfolioFactory())
        client.force_login(UserFactory(administrator=True))

        response = client.get(reverse("admin:portfolio_debtor_changelist"))

        assert response.context["cl"].result_count == 2


class TestMaskedPersonalData:
    def test_shows_a_strategy_manager_the_phone_masked_and_not_editable(self, client, portfolio):
        point = ContactPointFactory(debtor=DebtorFactory(portfolio=portfolio), phone=True)
        client.force_login(UserFactory(strategy_manager=True, portfolios=[portfolio]))

        response = client.get(reverse("admin:portfolio_contactpoint_change", args=[point.pk]))

        body = response.content.decode()
        assert response.status_code == 200
        assert "138****5678" in body
        assert "13812345678" not in body
        assert 'name="value"' not in body

    def test_lets_an_administrator_edit_a_phone_normalised_and_rehashed(self, client, portfolio):
        point = ContactPointFactory(debtor=DebtorFactory(portfolio=portfolio), phone=True)
        client.force_login(UserFactory(administrator=True))
        url = reverse("admin:portfolio_contactpoint_change", args=[point.pk])
        form = client.get(url).context["adminform"].form
        data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
        data.update(value="139 0000 1111", consent="{}", opt_outs="{}", time_zones='["Asia/Shanghai"]')

        response = client.post(url, data)

        point.refresh_from_db()
        assert response.status_code == 302
        assert point.value == "+8613900001111"
        assert AuditEvent.objects.get().action == "admin.change_contactpoint"


class TestAppendOnlyRecords:
    def test_offers_no_change_or_delete_on_ledger_entries(self, client, portfolio):
        debt = DebtFactory(debtor=DebtorFactory(portfolio=portfolio), principal=Decimal("500.00"))
        entry = debt.entries.get()
        client.force_login(UserFactory(administrator=True))

        page = client.get(reverse("admin:portfolio_ledgerentry_change", args=[entry.pk]))
        delete = client.post(reverse("admin:portfolio_ledgerentry_delete", args=[entry.pk]), {"post": "yes"})

        assert page.status_code == 200
        assert 'name="amount"' not in page.content.decode()
        assert delete.status_code == 403
        assert debt.entries.count() == 1

    def test_offers_no_change_or_delete_on_audit_events(self, client, portfolio):
        event = record_event(
            actor=None,
            action="test.event",
            target=("x", 1),
            now=datetime(2026, 3, 1, tzinfo=UTC),
            portfolio_id=portfolio.pk,
        )
        client.force_login(UserFactory(compliance_officer=True, portfolios=[portfolio]))

        listing = client.get(reverse("admin:core_auditevent_changelist"))
        delete = client.post(reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"})

        assert [item.pk for item in listing.context["cl"].result_list] == [event.pk]
        assert delete.status_code == 403
        assert AuditEvent.objects.count() == 1


class TestComplianceAdmin:
    def test_a_policy_with_an_unknown_pack_is_refused_and_not_saved(self, client, portfolio):
        from arrears.compliance.models import CompliancePolicy

        client.force_login(UserFactory(administrator=True, portfolios=[portfolio]))

        response = client.post(
            reverse("admin:compliance_compliancepolicy_add"),
            {"portfolio": portfolio.pk, "packs": '["mars"]', "overrides": "[]", "collector_entity": "BANK"},
        )

        assert response.status_code == 200
        assert "mars" in response.content.decode()
        assert not CompliancePolicy.objects.exists()

    def test_a_valid_policy_is_saved_and_audited(self, client, portfolio):
        from arrears.compliance.models import CompliancePolicy

        client.force_login(UserFactory(administrator=True, portfolios=[portfolio]))

        client.post(
            reverse("admin:compliance_compliancepolicy_add"),
            {"portfolio": portfolio.pk, "packs": '["cn"]', "overrides": "[]", "collector_entity": "BANK"},
        )

        assert CompliancePolicy.objects.get().packs == ["cn"]
        assert AuditEvent.objects.filter(action="admin.add_compliancepolicy").count() == 1

    @pytest.mark.parametrize("model", ["hold", "contactevent", "contactdecision", "compliancepolicy"])
    def test_every_compliance_changelist_opens(self, client, supervisor, model):
        client.force_login(supervisor)

        assert client.get(reverse(f"admin:compliance_{model}_changelist")).status_code == 200
