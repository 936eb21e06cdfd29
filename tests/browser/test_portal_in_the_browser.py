"""The debtor portal in Chromium on a phone-sized screen: promise, plan and dispute, with the keyboard and labels."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from arrears.casework.models import Arrangement, ArrangementStatus, Dispute, Promise
from arrears.compliance.models import Hold
from arrears.usecases import portal_access
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory
from tests.factories.portfolio import DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
PDF_BYTES = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def case():
    portfolio = PortfolioFactory(code="cn-cards", creditor_name="Example Bank", time_zone="Asia/Shanghai")
    UserFactory(supervisor=True, username="lead", portfolios=[portfolio])
    debtor = DebtorFactory(portfolio=portfolio, person=True, name="Li Na")
    debt = DebtFactory(debtor=debtor, principal=Decimal("1200.00"), charges={"fee": Decimal("60.00")})
    return CaseFactory(debt=debt)


def sign_in(page, case):
    path = portal_access.issue_link(debtor=case.debtor, now=timezone.now(), source="test", actor=None).path
    page.goto(path)
    page.get_by_label("Your date of birth").fill("1985-04-12")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Li Na")


def _in_days(case, days):
    return (
        timezone.localdate(timezone=ZoneInfo(case.portfolio.time_zone)) + timedelta(days=days)
    ).isoformat()


def test_a_debtor_promises_to_pay_from_their_phone(phone, case):
    sign_in(phone, case)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(phone.get_by_test_id(f"total-{case.debt.pk}")).to_have_text("1260.00 CNY")

    phone.get_by_role("link", name="Promise to pay").click()
    form = phone.get_by_test_id("promise-form")
    form.get_by_label("Amount I will pay").fill("400.00")
    form.get_by_label("I will pay by").fill(_in_days(case, 60))
    form.get_by_role("button", name="Make my promise").click()
    expect(phone.get_by_test_id("portal-error")).to_contain_text("a promise may be at most 30 days ahead")
    assert not Promise.objects.exists()

    form.get_by_label("I will pay by").fill(_in_days(case, 10))
    form.get_by_role("button", name="Make my promise").click()

    expect(phone.get_by_test_id("portal-messages")).to_contain_text(
        f"Your promise to pay 400.00 CNY by {_in_days(case, 10)} is recorded."
    )
    assert Promise.objects.get().source == "portal"


def test_a_debtor_proposes_a_plan_that_goes_to_a_supervisor(phone, case):
    sign_in(phone, case)

    phone.get_by_role("link", name="Ask for a payment plan").click()
    form = phone.get_by_test_id("plan-form")
    form.get_by_label("Pay in monthly instalments").check()
    form.get_by_label("Number of monthly instalments").fill("10")
    form.get_by_role("button", name="Show me the plan").click()
    expect(phone.get_by_test_id("plan-outcome")).to_have_text(
        "This plan needs a supervisor's decision; we will let you know."
    )
    expect(phone.get_by_test_id("quoted-plan").locator("tbody tr")).to_have_count(10)
    assert not Arrangement.objects.exists()

    phone.get_by_role("button", name="Propose this plan").click()

    expect(phone.get_by_test_id("portal-messages")).to_contain_text("Your plan was sent to a supervisor")
    expect(phone.get_by_test_id(f"plan-status-{case.debt.pk}")).to_contain_text("Waiting for approval")
    assert Arrangement.objects.get().status == ArrangementStatus.PENDING_APPROVAL


def test_a_debtor_disputes_the_debt_with_a_document_using_the_keyboard(phone, case):
    sign_in(phone, case)
    phone.goto(f"/portal/accounts/{case.pk}/dispute/")
    form = phone.get_by_test_id("dispute-form")
    for field in form.locator("input:not([type=hidden]), select, textarea").all():
        field_id = field.get_attribute("id")
        assert form.locator(f"label[for='{field_id}']").count() == 1, field_id

    form.get_by_label("What is wrong").select_option("already_paid")
    form.get_by_label("Explain what you dispute").fill("I paid this in March by bank transfer.")
    form.get_by_label("Documents that show it (optional)").set_input_files(
        files=[{"name": "receipt.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00"}]
    )
    form.get_by_role("button", name="Send my dispute").click()
    expect(phone.get_by_test_id("portal-error")).to_contain_text("is not accepted")
    assert not Dispute.objects.exists()

    form.get_by_label("Explain what you dispute").fill("I paid this in March by bank transfer.")
    form.get_by_label("Documents that show it (optional)").set_input_files(
        files=[{"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    form.get_by_role("button", name="Send my dispute").focus()
    phone.keyboard.press("Enter")

    expect(phone.get_by_test_id(f"on-hold-{case.debt.pk}")).to_contain_text("Collection is paused")
    assert Dispute.objects.get().documents.get().name == "receipt.pdf"
    assert Hold.objects.get().type == "dispute"
