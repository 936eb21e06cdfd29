"""A field visit on a phone-sized screen: refused without identification, then checked in and out with a promise."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from arrears.casework.models import Promise
from arrears.people.roles import Role
from arrears.recovery import visits
from tests.browser.accounts import log_in
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory
from tests.factories.portfolio import ContactPointFactory, DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


def _daytime_zone() -> str:
    """Return a fixed-offset zone where it is early afternoon now, so the visit falls in the allowed hours."""
    hour = datetime.now(UTC).hour
    offset = next(offset for offset in range(-11, 15) if (hour + offset) % 24 == 13)
    return f"Etc/GMT{-offset:+d}"


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_field_agent_checks_in_and_takes_a_promise_on_the_phone(phone):
    portfolio = PortfolioFactory(code="cn-consumer", name="Consumer loans CN", time_zone="Asia/Shanghai")
    agent = UserFactory(role=Role.FIELD_AGENT, username="field", portfolios=[portfolio])
    companion = UserFactory(role=Role.FIELD_AGENT, username="field2", portfolios=[portfolio])
    debtor = DebtorFactory(portfolio=portfolio, name="Li Na", region="")
    address = ContactPointFactory(debtor=debtor, address=True, time_zones=[_daytime_zone()])
    case = CaseFactory(debt=DebtFactory(debtor=debtor, principal=Decimal("8000.00")))
    now = timezone.now()
    visits.schedule_visit(case=case, agent=agent, companion=companion, scheduled_for=now + timedelta(minutes=5),
                          place_kind="home", area="Pudong", contact_point_id=address.pk, actor=agent,
                          now=now)  # fmt: skip

    log_in(phone, "field")
    phone.goto("/visits/")
    phone.get_by_role("link", name="Li Na").click()
    phone.get_by_test_id("check-in").click()
    expect(phone.get_by_test_id("visit-error")).to_contain_text("show your identification")

    phone.get_by_label("I showed my identification").check()
    phone.get_by_test_id("check-in").click()
    expect(phone.get_by_test_id("checked-in")).to_be_visible()

    form = phone.locator("#check-out")
    form.get_by_label("Outcome").select_option("promise_taken")
    form.get_by_label("Notes").fill("Met her at home; she will pay on Friday.")
    form.get_by_label("Promise: amount").fill("1500.00")
    form.get_by_label("Promise: by").fill((now + timedelta(days=3)).date().isoformat())
    form.get_by_text("Dangerous animal").click()
    phone.get_by_test_id("check-out").click()
    expect(phone.get_by_test_id("outcome")).to_contain_text("Promise taken")

    assert Promise.objects.get(case=case).amount == Decimal("1500.00")
