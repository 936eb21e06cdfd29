"""The arrangement panel and the approvals page in Chromium: calculate in place with htmx, propose, approve."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from arrears.casework.models import Arrangement, ArrangementStatus, Notification
from tests.browser.accounts import log_in
from tests.factories.cases import CaseFactory
from tests.factories.people import TeamFactory, UserFactory
from tests.factories.portfolio import DebtFactory, PortfolioFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_collector_calculates_and_proposes_and_the_supervisor_approves(page):
    portfolio = PortfolioFactory(code="cn-consumer", name="Consumer loans CN", time_zone="Asia/Shanghai")
    supervisor = UserFactory(supervisor=True, username="lead", portfolios=[portfolio], max_plan_months=24)
    team = TeamFactory(name="East", supervisor=supervisor)
    UserFactory(username="zhangwei", team=team, portfolios=[portfolio], max_plan_months=6)
    case = CaseFactory(debt=DebtFactory(debtor__portfolio=portfolio, principal=Decimal("1200.00")))

    log_in(page, "zhangwei")
    page.goto(f"/cases/{case.pk}/arrangement/")
    form = page.get_by_test_id("arrangement-form")
    form.locator("select[name=method]").select_option("equal-principal")
    form.locator("input[name=months]").fill("12")
    form.locator("input[name=amount]").fill("1000.00")
    form.get_by_test_id("calculate").click()

    expect(page.get_by_test_id("arrangement-error")).to_contain_text("does not repay the balance 1200.00 CNY")
    form = page.get_by_test_id("arrangement-form")
    form.locator("input[name=amount]").fill("")
    form.get_by_test_id("calculate").click()

    expect(page.get_by_test_id("authority")).to_contain_text("The plan runs 12 months; the limit is 6.")
    expect(page.get_by_test_id("instalment-12")).to_contain_text("100.00 CNY")
    assert not Arrangement.objects.exists()

    # The panel's own URL already matches the case's, so wait for the navigation the proposal causes.
    with page.expect_navigation():
        page.get_by_test_id("propose").click()
    arrangement = Arrangement.objects.get()
    assert arrangement.status == ArrangementStatus.PENDING_APPROVAL
    assert Notification.objects.get().user == supervisor

    page.context.clear_cookies()
    log_in(page, "lead")
    page.goto("/supervisor/approvals/")
    item = page.get_by_test_id(f"pending-{arrangement.pk}")
    expect(item.get_by_test_id("exceeded")).to_contain_text("The plan runs 12 months; the limit is 6.")
    item.get_by_test_id("approve").click()

    expect(page.get_by_test_id("no-approvals")).to_be_visible()
    arrangement.refresh_from_db()
    assert arrangement.status == ArrangementStatus.ACTIVE
