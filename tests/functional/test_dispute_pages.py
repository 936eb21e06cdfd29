"""The case page's dispute and escalation panels: upload, download behind the portfolio check, resolve, escalate."""

from __future__ import annotations

import json
from decimal import Decimal
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from arrears.casework.models import Dispute, DisputeStatus, Escalation, Notification
from arrears.compliance.models import Hold
from arrears.portfolio import ledger
from tests.factories.cases import CaseFactory
from tests.factories.people import TeamFactory, UserFactory
from tests.factories.portfolio import ContactPersonFactory, DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n%%EOF\n"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    return root


@pytest.fixture
def portfolio():
    return PortfolioFactory(country="CN", time_zone="Asia/Shanghai")


@pytest.fixture
def supervisor(portfolio):
    return UserFactory(supervisor=True, username="lead", portfolios=[portfolio])


@pytest.fixture
def collector(portfolio, supervisor):
    return UserFactory(
        username="wang", team=TeamFactory(name="East", supervisor=supervisor), portfolios=[portfolio]
    )


@pytest.fixture
def case(portfolio, collector):
    debtor = DebtorFactory(portfolio=portfolio, company=True)
    debt = DebtFactory(debtor=debtor, charges={"fee": Decimal("80.00")})
    return CaseFactory(debt=debt, assigned_to=collector)


def dispute_form(case, *files, request_key="k1", **overrides):
    return {
        "revision": case.revision, "request_key": request_key, "reason": "amount_wrong",
        "description": "Says the fee was charged twice.", "documents": list(files), **overrides,
    }  # fmt: skip


def text_of(response) -> str:
    return unescape(response.content.decode())


class TestDisputePanel:
    def test_the_case_page_loads_the_panel_and_links_to_it_without_javascript(self, client, collector, case):
        client.force_login(collector)

        response = client.get(reverse("desk:dispute_panel", args=[case.pk]))

        assert response.status_code == 200
        assert "Record a dispute" in text_of(response)
        assert 'enctype="multipart/form-data"' in response.content.decode()

    def test_recording_a_dispute_with_a_document_through_the_form(self, client, collector, case):
        client.force_login(collector)
        upload = SimpleUploadedFile("statement.pdf", PDF_BYTES, content_type="application/pdf")

        response = client.post(reverse("desk:open_dispute", args=[case.pk]), dispute_form(case, upload))

        assert response.status_code == 302
        dispute = Dispute.objects.get()
        assert (dispute.reason, dispute.documents.get().name) == ("amount_wrong", "statement.pdf")
        assert Hold.objects.get().type == "dispute"
        page = client.get(reverse("desk:dispute_panel", args=[case.pk]))
        assert "statement.pdf" in text_of(page)

    def test_with_htmx_the_panel_comes_back_with_the_new_dispute(self, client, collector, case):
        client.force_login(collector)
        upload = SimpleUploadedFile("statement.pdf", PDF_BYTES)

        response = client.post(
            reverse("desk:open_dispute", args=[case.pk]), dispute_form(case, upload), **HTMX
        )

        assert response.status_code == 200
        body = text_of(response)
        assert body.lstrip().startswith('<section id="disputes">')
        assert "the debt is on hold" in body
        assert f'name="revision" value="{case.revision + 1}"' in response.content.decode()
        assert json.loads(response["HX-Trigger"]) == {"case-changed": {"case": case.pk, "revision": 1}}

    def test_a_pdf_name_with_png_bytes_is_shown_as_an_error_and_nothing_is_saved(
        self, client, collector, case, media
    ):
        client.force_login(collector)
        fake = SimpleUploadedFile("statement.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)

        response = client.post(reverse("desk:open_dispute", args=[case.pk]), dispute_form(case, fake))

        assert response.status_code == 422
        assert "is not what its name says" in text_of(response)
        assert not Dispute.objects.exists() and not media.exists()

    def test_a_stale_page_is_told_to_reload(self, client, collector, case):
        client.force_login(collector)

        response = client.post(reverse("desk:open_dispute", args=[case.pk]), dispute_form(case, revision=7))

        assert response.status_code == 422
        assert "reload the page" in text_of(response)
        assert not Dispute.objects.exists()

    def test_another_portfolios_case_is_not_found(self, client, case):
        client.force_login(UserFactory(portfolios=[PortfolioFactory()]))

        assert client.get(reverse("desk:dispute_panel", args=[case.pk])).status_code == 404
        assert (
            client.post(reverse("desk:open_dispute", args=[case.pk]), dispute_form(case)).status_code == 404
        )
        assert not Dispute.objects.exists()


class TestDownloadDocument:
    @pytest.fixture
    def document(self, client, collector, case):
        client.force_login(collector)
        upload = SimpleUploadedFile("statement.pdf", PDF_BYTES)
        client.post(reverse("desk:open_dispute", args=[case.pk]), dispute_form(case, upload))
        client.logout()
        return Dispute.objects.get().documents.get()

    def test_a_user_of_the_portfolio_downloads_it_as_an_attachment(self, client, collector, document):
        client.force_login(collector)

        response = client.get(reverse("desk:dispute_document", args=[document.dispute_id, document.pk]))

        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"

    def test_a_user_of_another_portfolio_gets_404(self, client, document):
        client.force_login(UserFactory(supervisor=True, portfolios=[PortfolioFactory()]))

        response = client.get(reverse("desk:dispute_document", args=[document.dispute_id, document.pk]))

        assert response.status_code == 404

    def test_an_anonymous_visitor_is_sent_to_log_in(self, client, document):
        response = client.get(reverse("desk:dispute_document", args=[document.dispute_id, document.pk]))

        assert response.status_code == 302 and "login" in response["Location"]


class TestResolveDispute:
    @pytest.fixture
    def dispute(self, client, collector, case):
        client.force_login(collector)
        client.post(reverse("desk:open_dispute", args=[case.pk]), dispute_form(case))
        client.logout()
        return Dispute.objects.get()

    def resolve_form(self, revision, **overrides):
        return {"revision": revision, "request_key": "r1", "outcome": "corrected", "note": "Fee booked twice",
                "component": "fee", "amount": "-40.00", **overrides}  # fmt: skip

    def test_a_supervisor_sees_the_form_and_upholding_corrects_the_ledger(
        self, client, supervisor, case, dispute
    ):
        client.force_login(supervisor)
        assert "Resolve dispute" in text_of(client.get(reverse("desk:dispute_panel", args=[case.pk])))

        response = client.post(
            reverse("desk:resolve_dispute", args=[dispute.pk]), self.resolve_form(1), **HTMX
        )

        assert response.status_code == 200
        dispute.refresh_from_db()
        assert dispute.status == DisputeStatus.CORRECTED
        assert ledger.get_balances(debt_id=case.debt_id).components["fee"] == Decimal("40.00")
        assert Hold.objects.get().ends_at is not None

    def test_a_collector_sees_no_resolve_form_and_may_not_post_one(self, client, collector, case, dispute):
        client.force_login(collector)
        assert "Resolve dispute" not in text_of(client.get(reverse("desk:dispute_panel", args=[case.pk])))

        response = client.post(reverse("desk:resolve_dispute", args=[dispute.pk]), self.resolve_form(1))

        assert response.status_code == 403
        assert Dispute.objects.get().status == DisputeStatus.OPEN


class TestEscalationPanel:
    def test_a_collector_escalates_to_the_team_supervisor_and_names_a_new_decision_maker(
        self, client, collector, supervisor, case
    ):
        client.force_login(collector)
        form = {"revision": 0, "request_key": "e1", "to_supervisor": "on", "to_user": "", "decision_maker": "",
                "new_name": "Li Na", "new_title": "CFO", "reason": "Finance cannot decide."}  # fmt: skip

        response = client.post(reverse("desk:escalate", args=[case.pk]), form, **HTMX)

        assert response.status_code == 200
        assert "Case escalated to lead." in text_of(response)
        assert "Li Na" in text_of(response)
        escalation = Escalation.objects.get()
        assert escalation.to_user == supervisor
        assert Notification.objects.get().user == supervisor

    def test_the_company_shows_its_contact_persons_to_choose_from(self, client, collector, case):
        ContactPersonFactory(debtor=case.debtor, name="Zhang Wei")
        client.force_login(collector)

        response = client.get(reverse("desk:escalation_panel", args=[case.pk]))

        assert "Zhang Wei" in text_of(response)

    def test_the_supervisor_closes_it(self, client, collector, supervisor, case):
        client.force_login(collector)
        client.post(
            reverse("desk:escalate", args=[case.pk]),
            {"revision": 0, "request_key": "e1", "to_supervisor": "on", "reason": "Needs a decision"},
        )
        client.force_login(supervisor)

        response = client.post(
            reverse("desk:close_escalation", args=[Escalation.objects.get().pk]),
            {"revision": 1, "request_key": "c1", "note": "Done"},
        )

        assert response.status_code == 302
        assert not Escalation.objects.get().is_open
