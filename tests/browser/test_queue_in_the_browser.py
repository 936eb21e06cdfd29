"""The collector's queue in Chromium: next case, record the outcome, next case again without the list."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from arrears.casework.models import Activity, WorkItem, WorkItemStatus
from tests.browser.accounts import log_in
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory
from tests.factories.portfolio import ContactPointFactory, DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db(transaction=True)

MORNING_IN_SHANGHAI = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)  # 10:00 local
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"


def _case_in_queue(portfolio, collector, name, priority):
    debtor = DebtorFactory(portfolio=portfolio, name=name)
    case = CaseFactory(debt=DebtFactory(debtor=debtor), stage="early")
    phone = ContactPointFactory(debtor=debtor)
    WorkItem.objects.create(
        case=case, portfolio=portfolio, queue="early-calls", kind="call", business_date=date(2026, 3, 31),
        priority=Decimal(priority), assigned_to=collector, idempotency_key=f"test:{case.pk}",
        created_at=MORNING_IN_SHANGHAI,
    )  # fmt: skip
    return case, phone


def test_a_collector_works_two_cases_from_the_queue_without_going_back_to_the_list(page):
    portfolio = PortfolioFactory(
        code="cn-consumer", name="Consumer loans CN", country="CN", time_zone="Asia/Shanghai"
    )
    collector = UserFactory(username="zhangwei", portfolios=[portfolio])
    first, phone = _case_in_queue(portfolio, collector, "李娜", "900.00")
    second, _phone = _case_in_queue(portfolio, collector, "王伟", "100.00")

    with time_machine.travel(MORNING_IN_SHANGHAI, tick=True):
        log_in(page, "zhangwei")
        page.get_by_role("link", name="My queue").click()
        page.get_by_test_id("next-case").click()
        expect(page.locator("h1")).to_contain_text("李娜")
        expect(page.get_by_test_id(f"contact-option-{phone.pk}-call")).to_have_attribute(
            "data-decision", "ALLOW"
        )

        page.select_option("#id_result", "no_answer")
        page.select_option("#activity-form #id_contact_point", str(phone.pk))
        page.get_by_role("button", name="Record outcome").click()
        expect(page.locator("body")).to_contain_text("Activity recorded: No answer.")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "case-page.png"), full_page=True)

        page.get_by_test_id("next-case").click()
        expect(page.locator("h1")).to_contain_text("王伟")

    assert Activity.objects.get().case == first
    assert WorkItem.objects.get(case=first).status == WorkItemStatus.DONE
    assert WorkItem.objects.get(case=second).status == WorkItemStatus.OPEN
