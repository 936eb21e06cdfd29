"""The contact page in Chromium: a call refused at night with its rule, a message moved to the morning."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from arrears.comms.defaults import install_default_templates
from arrears.comms.models import Message
from arrears.compliance.models import ContactDecision, ContactEvent
from tests.browser.accounts import log_in
from tests.factories.people import UserFactory
from tests.factories.portfolio import ContactPointFactory, DebtFactory, PortfolioFactory

pytestmark = pytest.mark.django_db(transaction=True)

NIGHT_IN_SHANGHAI = datetime(2026, 3, 31, 14, 30, tzinfo=UTC)  # 22:30 local
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"


def test_a_collector_sees_a_night_call_refused_and_a_reminder_moved_to_the_morning(page):
    portfolio = PortfolioFactory(
        code="cn-consumer", name="Consumer loans CN", country="CN", time_zone="Asia/Shanghai"
    )
    debt = DebtFactory(debtor__portfolio=portfolio, portfolio=portfolio, debtor__name="李娜")
    phone = ContactPointFactory(debtor=debt.debtor, value="+8613812345678")
    UserFactory(username="zhangwei", portfolios=[portfolio])
    install_default_templates(now=NIGHT_IN_SHANGHAI)

    with time_machine.travel(NIGHT_IN_SHANGHAI, tick=True):
        log_in(page, "zhangwei")
        page.goto(f"/debtors/{debt.debtor.pk}/contact/")
        call = page.get_by_test_id(f"option-{phone.pk}-call")
        expect(call).to_have_attribute("data-decision", "DENY")
        expect(call).to_contain_text("CN.TIME.NIGHT")
        expect(call).to_contain_text("2026-04-01 08:00 +08:00")

        page.select_option("#id_type", "call_outbound")
        page.select_option("#log-contact #id_contact_point", str(phone.pk))
        page.get_by_role("button", name="Record contact").click()
        expect(page.get_by_test_id("refusal-reasons")).to_contain_text("CN.TIME.NIGHT")

        page.select_option("#messages #id_contact_point", str(phone.pk))
        page.select_option("#id_purpose", "friendly_reminder")
        page.get_by_role("button", name="Send message").click()
        expect(page.locator("body")).to_contain_text("2026-04-01 08:00 +08:00")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "contact-page-night.png"), full_page=True)

    assert not ContactEvent.objects.exists()
    kept = sorted(ContactDecision.objects.values_list("action", "reasons"))
    assert kept == [("call", ["CN.TIME.NIGHT"]), ("sms", ["CN.TIME.NIGHT"])]
    message = Message.objects.get()
    assert message.not_before.isoformat() == "2026-04-01T00:00:00+00:00"
