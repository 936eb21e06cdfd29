"""Templated messages about a debt: the approved default rendered for the case, queued, sent once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from arrears.comms import dispatcher, outbox, sending, templates
from arrears.comms.defaults import install_default_templates
from arrears.comms.gateways.registry import JsonFileSink
from arrears.comms.models import Message, MessageStatus
from tests.factories.portfolio import ContactPointFactory, DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def defaults():
    install_default_templates(now=MORNING)


@pytest.fixture
def debt():
    portfolio = PortfolioFactory(country="CN", creditor_name="示例银行", time_zone="Asia/Shanghai")
    debtor = DebtorFactory(portfolio=portfolio, name="王伟", language="zh-hans")
    return DebtFactory(
        debtor=debtor,
        portfolio=portfolio,
        external_ref="CC-88881234",
        charges={"principal": Decimal("1234.50")},
    )


class TestSendTemplate:
    def test_the_friendly_reminder_names_the_account_tail_and_amount_and_is_sent_by_sms(self, debt, tmp_path):
        phone = ContactPointFactory(debtor=debt.debtor)

        queued = sending.send_template(
            debt=debt, contact_point=phone, purpose="friendly_reminder", now=MORNING
        )
        report = dispatcher.dispatch_due(gateways={"sms": JsonFileSink("sms", tmp_path)}, now=MORNING)

        message = Message.objects.get(pk=queued.message.pk)
        assert "王伟先生/女士" in message.body and "1234" in message.body and "1,234.50" in message.body
        assert "退订" in message.body
        assert message.template_version.status == "approved"
        assert (report.outcomes, message.status) == ({"sent": 1}, MessageStatus.SENT)
        assert "王伟先生/女士" in next(tmp_path.iterdir()).read_text(encoding="utf-8")

    def test_a_purpose_without_an_approved_template_in_that_channel_is_refused(self, debt):
        app = ContactPointFactory(debtor=debt.debtor, kind="app", value="device-123")

        with pytest.raises(templates.NoApprovedTemplate):
            sending.send_template(debt=debt, contact_point=app, purpose="demand_letter", now=MORNING)

        assert not Message.objects.exists()

    def test_an_opted_out_phone_refuses_the_reminder(self, debt):
        phone = ContactPointFactory(
            debtor=debt.debtor, opt_outs={"sms": (MORNING - timedelta(days=1)).isoformat()}
        )

        with pytest.raises(outbox.MessageRefused):
            sending.send_template(debt=debt, contact_point=phone, purpose="friendly_reminder", now=MORNING)

    def test_another_debtors_contact_point_is_refused(self, debt):
        with pytest.raises(sending.ContactPointOfAnotherDebtor):
            sending.send_template(
                debt=debt, contact_point=ContactPointFactory(), purpose="friendly_reminder", now=MORNING
            )
