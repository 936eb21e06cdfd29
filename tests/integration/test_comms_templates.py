"""Templates: saving checked versions, approval, the sendable version, rendering for a debt, the defaults."""

from datetime import date
from decimal import Decimal

import pytest

from arrears.comms import defaults, templates, templating
from arrears.comms.models import Template, TemplateVersion, VersionStatus
from arrears.compliance.linter import ALL_PACKS, LintContext, lint
from arrears.core.audit.models import AuditEvent
from arrears.core.errors import PermissionDenied
from arrears.core.money import Money
from tests.factories.people import UserFactory
from tests.factories.portfolio import DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 4, 5)


@pytest.fixture
def writer():
    return UserFactory(supervisor=True)


@pytest.fixture
def officer():
    return UserFactory(compliance_officer=True)


@pytest.fixture
def template(now):
    return Template.objects.create(purpose="friendly_reminder", channel="sms", language="en", created_at=now)


@pytest.fixture
def debt():
    portfolio = PortfolioFactory(code="cn-cards", creditor_name="示例银行", country="CN")
    debtor = DebtorFactory(portfolio=portfolio, name="张伟", language="zh-hans")
    return DebtFactory(
        debtor=debtor, external_ref="CARD-0012345678", principal=Decimal("1200.00"), due_date=date(2026, 3, 31),
        charges={"interest": Decimal("34.45"), "penalty": Decimal("0.05")},
    )  # fmt: skip


def approved_version(template, body, officer, now, subject=""):
    version = templates.save_version(template=template, subject=subject, body=body, actor=None, now=now)
    return templates.approve_version(version_id=version.pk, actor=officer, now=now)


class TestSaveVersion:
    def test_saves_a_numbered_draft_with_its_review_hits_and_an_audit_event(self, template, writer, now):
        version = templates.save_version(
            template=template,
            subject="",
            body="{{ salutation }}, {{ total_due }} is due.",
            actor=writer,
            now=now,
        )

        assert (version.number, version.status, version.created_by) == (1, VersionStatus.DRAFT, writer)
        assert {hit["rule_id"] for hit in version.lint_hits} == {"US-C14", "US-C24"}
        assert AuditEvent.objects.filter(
            action="comms.save_template_version", object_id=str(version.pk)
        ).exists()

    def test_refuses_an_unknown_variable_naming_its_line_and_saves_nothing(self, template, writer, now):
        with pytest.raises(templates.TemplateRefused, match=r"Body, line 2: unknown variable “balance”"):
            templates.save_version(
                template=template, subject="", body="Hello\nYou owe {{ balance }}", actor=writer, now=now
            )

        assert not TemplateVersion.objects.exists()

    def test_refuses_a_syntax_error_naming_its_line(self, template, writer, now):
        with pytest.raises(templates.TemplateRefused, match=r"Body, line 3: syntax error"):
            templates.save_version(
                template=template, subject="", body="a\nb\n{{ total_due }", actor=writer, now=now
            )

    def test_refuses_reaching_into_objects(self, template, writer, now):
        with pytest.raises(templates.TemplateRefused, match="not allowed in a template: attribute access"):
            templates.save_version(
                template=template, subject="", body="{{ ''.__class__ }}", actor=writer, now=now
            )

    def test_refuses_a_threat_in_any_branch_with_the_rule_and_its_line(self, now, writer):
        template = Template.objects.create(purpose="consequences_notice", channel="sms", language="zh-hans",
                                           created_at=now)  # fmt: skip
        body = "【示例银行】{{ salutation }}\n{% if days_past_due > 90 %}再不还就让你坐牢{% endif %}"

        with pytest.raises(templates.TemplateRefused, match="Body, line 2: “坐牢” — CN-C02"):
            templates.save_version(template=template, subject="", body=body, actor=writer, now=now)

        assert not TemplateVersion.objects.exists()

    def test_a_collector_may_not_write_templates(self, template, now):
        with pytest.raises(PermissionDenied):
            templates.save_version(template=template, subject="", body="Hi", actor=UserFactory(), now=now)


class TestApproval:
    def test_an_unapproved_version_is_not_sendable(self, template, writer, now):
        templates.save_version(template=template, subject="", body="{{ salutation }}", actor=writer, now=now)

        with pytest.raises(templates.NoApprovedTemplate):
            templates.get_sendable_version(purpose="friendly_reminder", channel="sms", language="en")

    def test_a_collector_cannot_approve_and_the_version_stays_a_draft(self, template, writer, now):
        version = templates.save_version(
            template=template, subject="", body="{{ salutation }}", actor=writer, now=now
        )

        with pytest.raises(PermissionDenied):
            templates.approve_version(version_id=version.pk, actor=UserFactory(collector=True), now=now)

        version.refresh_from_db()
        assert version.status == VersionStatus.DRAFT and version.approved_at is None

    def test_a_supervisor_cannot_approve_either(self, template, writer, now):
        version = templates.save_version(
            template=template, subject="", body="{{ salutation }}", actor=writer, now=now
        )

        with pytest.raises(PermissionDenied):
            templates.approve_version(version_id=version.pk, actor=writer, now=now)

    def test_the_officers_approval_makes_it_sendable_and_retires_the_previous_one(
        self, template, officer, now
    ):
        first = approved_version(template, "{{ salutation }} one", officer, now)
        second = approved_version(template, "{{ salutation }} two", officer, now)

        sendable = templates.get_sendable_version(purpose="friendly_reminder", channel="sms", language="en")

        first.refresh_from_db()
        assert sendable == second and second.approved_by == officer
        assert first.status == VersionStatus.RETIRED
        assert AuditEvent.objects.filter(action="comms.approve_template_version").count() == 2

    def test_only_a_draft_can_be_approved(self, template, officer, now):
        version = approved_version(template, "{{ salutation }}", officer, now)

        with pytest.raises(templates.VersionNotDraft):
            templates.approve_version(version_id=version.pk, actor=officer, now=now)

    def test_a_retired_version_is_not_sendable(self, template, officer, now):
        version = approved_version(template, "{{ salutation }}", officer, now)

        templates.retire_version(version_id=version.pk, actor=officer, now=now)

        with pytest.raises(templates.NoApprovedTemplate):
            templates.get_sendable_version(purpose="friendly_reminder", channel="sms", language="en")

    def test_a_stage_without_its_own_template_uses_the_general_one_and_zh_means_simplified(
        self, officer, now
    ):
        template = Template.objects.create(purpose="friendly_reminder", channel="sms", language="zh-hans",
                                           created_at=now)  # fmt: skip
        version = approved_version(template, "【示例银行】{{ salutation }}", officer, now)

        found = templates.get_sendable_version(
            purpose="friendly_reminder", channel="sms", language="zh", stage="early"
        )

        assert found == version


class TestRenderMessage:
    def test_the_chinese_friendly_reminder_follows_the_seed_word_for_word(self, debt, now):
        defaults.install_default_templates(now=now)
        version = templates.get_sendable_version(
            purpose="friendly_reminder", channel="sms", language="zh-hans"
        )

        rendered = templates.render_message(version=version, debt=debt, contact_point=None, as_of=AS_OF)

        assert rendered.body == (
            "【示例银行】张伟先生/女士，您好，温馨提醒您，您尾号为5678的账单已于3月31日到期，金额为1,234.50元。"
            "请尽快安排还款，还款请通过官方App或银行转账。如有疑问，请随时联系我们：本机构官方客服热线。"
            "本信息用于债务催收。回复TD退订"
        )

    def test_amounts_by_component_are_exact_to_the_cent(self, debt, now):
        defaults.install_default_templates(now=now)
        version = templates.get_sendable_version(
            purpose="consequences_notice", channel="email", language="en"
        )

        rendered = templates.render_message(version=version, debt=debt, contact_point=None, as_of=AS_OF)

        assert (
            "Principal: 1,200.00 CNY\nInterest: 34.45 CNY\nPenalty interest: 0.05 CNY\nFees: 0.00 CNY\nTotal: 1,234.50 CNY"
            in rendered.body
        )
        assert rendered.subject == "示例银行: your bill ending 5678 is 5 days overdue"

    def test_the_payment_link_setting_replaces_the_neutral_text(self, debt, now, settings):
        settings.ARREARS_PAYMENT_LINK_BASE = "https://pay.example.cn"
        defaults.install_default_templates(now=now)
        version = templates.get_sendable_version(purpose="friendly_reminder", channel="sms", language="en")

        rendered = templates.render_message(version=version, debt=debt, contact_point=None, as_of=AS_OF)

        assert "Please arrange payment soon via https://pay.example.cn." in rendered.body
        assert rendered.body.startswith("示例银行: Dear 张伟, a friendly reminder that your bill ending 5678")

    def test_a_draft_is_never_rendered_as_a_message(self, template, debt, writer, now):
        version = templates.save_version(
            template=template, subject="", body="{{ salutation }}", actor=writer, now=now
        )

        with pytest.raises(templates.VersionNotApproved):
            templates.render_message(version=version, debt=debt, contact_point=None, as_of=AS_OF)

    def test_a_confirmation_needs_its_per_message_values(self, debt, now):
        defaults.install_default_templates(now=now)
        version = templates.get_sendable_version(purpose="promise_confirmation", channel="sms", language="en")

        with pytest.raises(templates.MissingValue, match="promised_amount, promised_date"):
            templates.render_message(version=version, debt=debt, contact_point=None, as_of=AS_OF)

        rendered = templates.render_message(
            version=version, debt=debt, contact_point=None, as_of=AS_OF,
            extra={"promised_amount": Money(Decimal("500"), "CNY"),
                   "promised_date": date(2026, 4, 15)},
        )  # fmt: skip
        assert "promise to pay 500.00 CNY on your bill ending 5678 by 15 April 2026" in rendered.body

    def test_a_text_that_becomes_abusive_with_real_values_is_blocked(self, debt, template, officer, now):
        debt.debtor.name = "老赖"
        debt.debtor.save()
        version = approved_version(template, "{{ debtor_name }}: Reply STOP to opt out.", officer, now)

        with pytest.raises(templates.RenderedTextBlocked, match="CN-C03"):
            templates.render_message(version=version, debt=debt, contact_point=None, as_of=AS_OF)


class TestDefaultTemplates:
    def test_installs_every_purpose_in_both_languages_once(self, now):
        installed = defaults.install_default_templates(now=now)
        again = defaults.install_default_templates(now=now)

        assert again == []
        assert TemplateVersion.objects.count() == len(installed) == 48
        assert all(version.status == VersionStatus.APPROVED and version.number == 1 for version in installed)
        covered = set(Template.objects.values_list("purpose", "language"))
        assert covered == {(purpose, language) for purpose, _ in Template._meta.get_field("purpose").choices
                           for language in ("en", "zh-hans")}  # fmt: skip
        assert set(Template.objects.filter(purpose="demand_letter").values_list("channel", flat=True)) == {
            "letter"
        }

    @pytest.mark.parametrize(
        "default",
        defaults.load_default_templates(),
        ids=lambda item: f"{item.purpose}-{item.channel}-{item.language}",
    )
    def test_each_default_lints_clean_under_every_pack(self, default):
        values = templates.sample_variables(default.language)
        rendered = templating.render(default.subject, default.body, values)
        context = LintContext(channel=default.channel, sender_names=(values["creditor_name"],))

        for pack in ALL_PACKS:
            result = lint(
                f"{rendered.subject}\n{rendered.body}", language=None, packs=[pack], context=context
            )
            assert result.hits == (), (pack, result.hits)

    @pytest.mark.parametrize(
        "default",
        defaults.load_default_templates(),
        ids=lambda item: f"{item.purpose}-{item.channel}-{item.language}",
    )
    def test_each_electronic_default_tells_how_to_opt_out_and_each_names_the_institution(self, default):
        opt_out = {("sms", "zh-hans"): "回复TD退订", ("sms", "en"): "Reply STOP to opt out",
                   ("email", "zh-hans"): "退订", ("email", "en"): "To stop e-mails, reply STOP or use the unsubscribe link"}  # fmt: skip
        text = f"{default.subject}\n{default.body}"

        if default.purpose != "opt_out_confirmation" and (default.channel, default.language) in opt_out:
            assert opt_out[default.channel, default.language] in text
        assert "{{ creditor_name }}" in text
