"""The template pages and the `arrears templates` command."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from arrears.comms import defaults
from arrears.comms.models import Template, TemplateVersion, VersionStatus
from tests.factories.people import UserFactory
from tests.factories.portfolio import DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def debt():
    portfolio = PortfolioFactory(code="cn-cards", creditor_name="示例银行")
    return DebtFactory(
        debtor=DebtorFactory(portfolio=portfolio, name="李娜"), external_ref="CARD-4321",
        principal=Decimal("880.08"), due_date=date(2026, 3, 31),
    )  # fmt: skip


@pytest.fixture
def template(now):
    return Template.objects.create(
        purpose="friendly_reminder", channel="sms", language="zh-hans", created_at=now
    )


def login(client, **role):
    user = UserFactory(**role)
    client.force_login(user)
    return user


class TestTemplateList:
    def test_lists_templates_with_their_versions_and_status(self, client, now):
        defaults.install_default_templates(now=now)
        login(client)

        page = client.get(reverse("desk:templates")).content.decode()

        assert "Formal demand letter" in page and "v1 Approved" in page
        assert "New template" not in page

    def test_a_supervisor_creates_a_template_and_lands_on_its_editor(self, client):
        login(client, supervisor=True)

        response = client.post(reverse("desk:create_template"), {"purpose": "hardship_outreach", "channel": "sms",
                                                                 "language": "en", "stage": ""})  # fmt: skip

        template = Template.objects.get(purpose="hardship_outreach")
        assert response.status_code == 302 and response.url == reverse(
            "desk:template_edit", args=[template.pk]
        )

    def test_a_collector_cannot_create_one(self, client):
        login(client)

        response = client.post(reverse("desk:create_template"), {"purpose": "hardship_outreach", "channel": "sms",
                                                                 "language": "en"})  # fmt: skip

        assert response.status_code == 403 and not Template.objects.exists()


class TestTemplateEdit:
    def test_saving_an_unknown_variable_shows_the_line_and_keeps_nothing(self, client, template):
        login(client, supervisor=True)

        response = client.post(reverse("desk:template_edit", args=[template.pk]),
                               {"subject": "", "body": "【示例银行】您好\n{{ nickname }}", "save": "1"})  # fmt: skip

        assert response.status_code == 400
        assert "Body, line 2: unknown variable “nickname”" in response.content.decode()
        assert not TemplateVersion.objects.exists()

    def test_saving_a_valid_text_makes_a_draft(self, client, template):
        login(client, supervisor=True)

        response = client.post(reverse("desk:template_edit", args=[template.pk]),
                               {"subject": "", "body": "【示例银行】{{ salutation }}，您好。回复TD退订", "save": "1"})  # fmt: skip

        assert response.status_code == 302
        assert TemplateVersion.objects.get(template=template).status == VersionStatus.DRAFT

    def test_previews_the_text_against_a_real_debt(self, client, template, debt):
        login(client, supervisor=True, portfolios=[debt.portfolio])

        response = client.post(reverse("desk:template_edit", args=[template.pk]), {
            "subject": "", "body": "{{ salutation }}，尾号{{ account_tail }}，金额{{ total_due }}。", "debt_reference": "CARD-4321",
            "preview": "1",
        })  # fmt: skip

        assert response.status_code == 200
        assert "李娜先生/女士，尾号4321，金额880.08元。" in response.content.decode()
        assert not TemplateVersion.objects.exists()

    def test_a_debt_in_a_portfolio_not_granted_is_not_found_for_preview(self, client, template, debt):
        login(client, supervisor=True)

        response = client.post(reverse("desk:template_edit", args=[template.pk]),
                               {"body": "{{ salutation }}", "debt_reference": "CARD-4321", "preview": "1"})  # fmt: skip

        assert "No debt with the reference CARD-4321." in response.content.decode()

    def test_a_compliance_officer_approves_a_draft(self, client, template, now):
        version = TemplateVersion.objects.create(template=template, number=1, body="【示例银行】{{ salutation }}",
                                                 created_at=now)  # fmt: skip
        officer = login(client, compliance_officer=True)

        response = client.post(reverse("desk:approve_version", args=[version.pk]))

        version.refresh_from_db()
        assert response.status_code == 302
        assert (version.status, version.approved_by) == (VersionStatus.APPROVED, officer)

    def test_a_collector_sees_no_approve_button_and_is_refused(self, client, template, now):
        version = TemplateVersion.objects.create(
            template=template, number=1, body="{{ salutation }}", created_at=now
        )
        login(client)

        page = client.get(reverse("desk:template_edit", args=[template.pk])).content.decode()
        response = client.post(reverse("desk:approve_version", args=[version.pk]))

        version.refresh_from_db()
        assert reverse("desk:approve_version", args=[version.pk]) not in page
        assert response.status_code == 403 and version.status == VersionStatus.DRAFT


class TestTemplatesCommand:
    def test_install_defaults_twice_installs_once(self, capsys):
        call_command("templates", "install-defaults")
        call_command("templates", "install-defaults")

        out = capsys.readouterr().out
        assert "Installed 48 default templates." in out and "Installed 0 default templates." in out
        assert TemplateVersion.objects.count() == 48

    def test_preview_prints_the_rendered_text_for_a_debt(self, capsys, debt, now):
        defaults.install_default_templates(now=now)

        call_command("templates", "preview", "friendly_reminder", "sms", "zh-hans", "--debt", "CARD-4321",
                     "--as-of", "2026-04-05")  # fmt: skip

        assert (
            "李娜先生/女士，您好，温馨提醒您，您尾号为4321的账单已于3月31日到期，金额为880.08元。"
            in capsys.readouterr().out
        )

    def test_preview_without_an_approved_template_fails_with_a_message(self, debt):
        with pytest.raises(CommandError, match="No approved template"):
            call_command("templates", "preview", "friendly_reminder", "sms", "en", "--debt", "CARD-4321")
