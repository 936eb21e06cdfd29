"""The script, promise and hardship panels in Chromium without htmx (plain forms and links): switch situation,
refuse a promise beyond the policy with its limit, take one within it, and assess a hardship."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from arrears.casework.models import HardshipAssessment, Promise
from tests.browser.accounts import log_in
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory
from tests.factories.portfolio import PortfolioFactory

pytestmark = pytest.mark.django_db(transaction=True)

MORNING_IN_SHANGHAI = datetime(2026, 4, 15, 2, 0, tzinfo=UTC)  # 10:00 local


def test_a_collector_follows_the_script_takes_a_promise_and_assesses_a_hardship(page):
    portfolio = PortfolioFactory(code="cn-consumer", name="Consumer loans CN", time_zone="Asia/Shanghai")
    case = CaseFactory(
        debt__debtor__portfolio=portfolio, strategy="default@2026.11.1", segment="standard", stage="mid",
        stage_entered_on=date(2026, 4, 1),
    )  # fmt: skip
    UserFactory(username="zhangwei", portfolios=[portfolio])

    with time_machine.travel(MORNING_IN_SHANGHAI, tick=True):
        log_in(page, "zhangwei")
        page.goto(f"/cases/{case.pk}/panels/script/")
        page.get_by_test_id("script-tab-refusal").click()
        expect(page.get_by_test_id("script-body")).to_contain_text("2026-05-31: a formal demand letter")

        page.goto(f"/cases/{case.pk}/panels/promise/")
        promise = page.locator("#promise")
        promise.locator("input[name=amount]").fill("2000.00")
        # The date input's max (the policy's last day) stops the browser; the server checks again without it.
        promise.locator("input[name=due_date]").evaluate("input => input.removeAttribute('max')")
        promise.locator("input[name=due_date]").fill("2026-05-30")
        promise.get_by_role("button", name="Record promise").click()
        expect(page.get_by_test_id("promise-errors")).to_contain_text("at most 30 days ahead (by 2026-05-15)")

        page.locator("#promise input[name=due_date]").fill("2026-04-30")
        page.locator("#promise").get_by_role("button", name="Record promise").click()
        # htmx redraws the panel in place: wait for the promise in it before loading the page again.
        expect(page.locator("#promise").get_by_test_id("open-promises")).to_contain_text("2026-04-30")
        page.goto(f"/cases/{case.pk}/panels/promise/")
        expect(page.get_by_test_id("open-promises")).to_contain_text("2026-04-30")

        page.goto(f"/cases/{case.pk}/panels/hardship/")
        hardship = page.locator("#hardship")
        hardship.locator("select[name=cause]").select_option("illness")
        hardship.locator("input[name=since]").fill("2026-02-01")
        hardship.locator("input[name=expected_months]").fill("3")
        hardship.locator("input[name=monthly_income]").fill("6000.00")
        hardship.locator("input[name=monthly_expenses]").fill("4000.00")
        hardship.locator("input[name=willingness][value=willing]").check()
        hardship.get_by_role("button", name="Assess").click()
        expect(page.get_by_test_id("suggested-treatment")).to_be_visible()
        page.goto(f"/cases/{case.pk}/panels/hardship/")
        expect(page.get_by_test_id("suggested-treatment")).to_contain_text(
            "Instalment plan at the affordable amount"
        )
        expect(page.get_by_test_id("affordable-monthly")).to_contain_text("1,000.00 CNY")

    assert Promise.objects.get().due_date == date(2026, 4, 30)
    assert HardshipAssessment.objects.get().affordable_monthly == 1000
