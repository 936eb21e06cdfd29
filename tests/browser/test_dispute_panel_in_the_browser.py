"""The dispute panel in Chromium: a PNG named .pdf is refused, a real PDF is recorded and downloads."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from arrears.casework.models import Dispute
from arrears.compliance.models import Hold
from tests.browser.accounts import log_in
from tests.factories.cases import CaseFactory
from tests.factories.people import TeamFactory, UserFactory
from tests.factories.portfolio import DebtFactory, PortfolioFactory

pytestmark = pytest.mark.django_db(transaction=True)

PDF_BYTES = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


def test_a_collector_uploads_a_statement_which_the_panel_lists_for_download(page):
    portfolio = PortfolioFactory(code="cn-consumer", name="Consumer loans CN", time_zone="Asia/Shanghai")
    supervisor = UserFactory(supervisor=True, username="lead", portfolios=[portfolio])
    UserFactory(
        username="zhangwei", team=TeamFactory(name="East", supervisor=supervisor), portfolios=[portfolio]
    )
    case = CaseFactory(debt=DebtFactory(debtor__portfolio=portfolio, charges={"fee": Decimal("80.00")}))

    log_in(page, "zhangwei")
    page.goto(f"/cases/{case.pk}/disputes/panel/")
    page.get_by_text("Record a dispute").click()
    form = page.get_by_test_id("dispute-form")
    form.locator("select[name=reason]").select_option("amount_wrong")
    form.locator("textarea[name=description]").fill("Says the fee was charged twice.")
    form.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "statement.pdf",
                "mimeType": "application/pdf",
                "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 8,
            }
        ]
    )
    form.get_by_role("button", name="Record dispute").click()
    expect(page.get_by_test_id("dispute-errors")).to_contain_text("is not what its name says")
    assert not Dispute.objects.exists()

    form = page.get_by_test_id("dispute-form")
    form.locator("textarea[name=description]").fill("Says the fee was charged twice.")
    form.locator("input[type=file]").set_input_files(
        files=[{"name": "statement.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    form.get_by_role("button", name="Record dispute").click()

    # With htmx the panel is swapped in place; without, the form posts and redirects to the case page.
    expect(page.locator("body")).to_contain_text("the debt is on hold")
    page.goto(f"/cases/{case.pk}/disputes/panel/")
    dispute = Dispute.objects.get()
    document = dispute.documents.get()
    link = page.get_by_test_id(f"document-{document.pk}")
    expect(link).to_have_text("statement.pdf")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "statement.pdf"
    assert Hold.objects.get().type == "dispute"
