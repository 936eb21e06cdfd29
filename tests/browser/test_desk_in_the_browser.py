from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.accounts import log_in
from tests.factories.people import UserFactory
from tests.factories.portfolio import DebtFactory, PortfolioFactory

pytestmark = pytest.mark.django_db(transaction=True)


class TestCollectorInTheBrowser:
    def test_records_a_payment_and_sees_the_balance_change_without_reloading(self, page):
        portfolio = PortfolioFactory(code="cn-consumer", name="Consumer loans CN")
        debt = DebtFactory(
            debtor__portfolio=portfolio, debtor__name="李娜", charges={"fee": Decimal("25.00")}
        )
        UserFactory(username="zhangwei", portfolios=[portfolio])

        log_in(page, "zhangwei")
        page.goto(f"/debts/{debt.pk}/")
        page.evaluate("window.__sameDocument = true")
        page.fill("#id_external_ref", "BANK-0001")
        page.fill("#id_amount", "125.50")
        page.fill("#id_received_date", "2026-03-30")
        page.get_by_role("button", name="Record payment").click()

        expect(page.get_by_role("status")).to_contain_text("BANK-0001")
        expect(page.get_by_test_id("outstanding")).to_contain_text("9,899.50")
        assert page.evaluate("window.__sameDocument") is True

    def test_switches_the_pages_to_simplified_chinese(self, page):
        portfolio = PortfolioFactory(code="cn-consumer", name="Consumer loans CN")
        DebtFactory(debtor__portfolio=portfolio)
        UserFactory(username="zhangwei", portfolios=[portfolio])

        log_in(page, "zhangwei")
        page.select_option("#language-select", "zh-hans")
        page.get_by_role("button", name="Switch").click()

        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        expect(page.locator("header")).to_contain_text("资产包")
