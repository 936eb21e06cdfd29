"""Disputes and escalations over the API: multipart upload, resolve, download, escalate, close."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from arrears.casework.models import Dispute, Escalation
from arrears.compliance.models import Hold
from arrears.people import tokens
from arrears.portfolio import ledger
from tests.factories.cases import CaseFactory
from tests.factories.people import TeamFactory, UserFactory
from tests.factories.portfolio import DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.7\n%%EOF\n"


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
        username="dialer", team=TeamFactory(name="East", supervisor=supervisor), portfolios=[portfolio]
    )


@pytest.fixture
def case(portfolio, collector):
    debt = DebtFactory(debtor=DebtorFactory(portfolio=portfolio), charges={"fee": Decimal("80.00")})
    return CaseFactory(debt=debt, assigned_to=collector)


def bearer(user):
    token = tokens.issue_token(user=user, name="dialer", actor=None, now=datetime(2026, 3, 1, tzinfo=UTC))
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post_json(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def open_dispute(client, case, *files, **fields):
    data = {"reason": "amount_wrong", "description": "Fee charged twice", "revision": case.revision,
            "request_key": "api-1", **fields, "documents": list(files)}  # fmt: skip
    return client.post(f"/api/v1/cases/{case.pk}/disputes", data=data)


class TestOpenDispute:
    def test_records_the_dispute_with_its_documents_and_holds_the_debt(self, collector, case):
        response = open_dispute(bearer(collector), case, SimpleUploadedFile("a.pdf", PDF_BYTES))

        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["status"], body["reason"], body["case_revision"]) == ("open", "amount_wrong", 1)
        assert [(doc["name"], doc["content_type"], doc["size"]) for doc in body["documents"]] == [
            ("a.pdf", "application/pdf", len(PDF_BYTES))
        ]
        assert body["hold_id"] == Hold.objects.get().pk

    def test_the_same_request_key_twice_returns_the_first_dispute(self, collector, case):
        client = bearer(collector)
        first = open_dispute(client, case).json()

        again = open_dispute(client, case)

        assert again.status_code == 201
        assert again.json()["id"] == first["id"]
        assert Dispute.objects.count() == 1

    def test_an_executable_is_refused_with_422_and_nothing_is_saved(self, collector, case, media):
        response = open_dispute(bearer(collector), case, SimpleUploadedFile("run.exe", b"MZ\x90\x00"))

        assert response.status_code == 422
        assert "is not accepted" in response.json()["detail"]
        assert not Dispute.objects.exists() and not Hold.objects.exists() and not media.exists()

    def test_a_stale_revision_answers_409(self, collector, case):
        response = open_dispute(bearer(collector), case, revision=5)

        assert response.status_code == 409
        assert not Dispute.objects.exists()

    def test_a_case_in_another_portfolio_answers_404(self, case):
        stranger = UserFactory(portfolios=[PortfolioFactory()])

        assert open_dispute(bearer(stranger), case).status_code == 404


class TestResolveAndDownload:
    @pytest.fixture
    def dispute(self, collector, case):
        open_dispute(bearer(collector), case, SimpleUploadedFile("a.pdf", PDF_BYTES))
        return Dispute.objects.get()

    def test_a_supervisor_upholds_it_and_the_ledger_is_corrected(self, supervisor, case, dispute):
        response = post_json(
            bearer(supervisor), f"/api/v1/disputes/{dispute.pk}/resolve",
            {"outcome": "corrected", "note": "Fee booked twice", "correction": {"fee": "-40.00"}, "revision": 1},
        )  # fmt: skip

        assert response.status_code == 200, response.content
        assert (response.json()["status"], response.json()["case_revision"]) == ("corrected", 2)
        assert ledger.get_balances(debt_id=case.debt_id).components["fee"] == Decimal("40.00")
        assert Hold.objects.get().ends_at is not None

    def test_a_collector_may_not_resolve(self, collector, dispute):
        response = post_json(
            bearer(collector),
            f"/api/v1/disputes/{dispute.pk}/resolve",
            {"outcome": "withdrawn", "note": "Withdrawn"},
        )

        assert response.status_code == 403

    def test_the_document_downloads_only_within_the_portfolio(self, collector, dispute):
        document = dispute.documents.get()
        url = f"/api/v1/disputes/{dispute.pk}/documents/{document.pk}"

        mine = bearer(collector).get(url)
        theirs = bearer(UserFactory(portfolios=[PortfolioFactory()])).get(url)

        assert mine.status_code == 200
        assert b"".join(mine.streaming_content) == PDF_BYTES
        assert theirs.status_code == 404


class TestEscalations:
    def test_escalate_then_the_supervisor_closes(self, collector, supervisor, case):
        created = post_json(
            bearer(collector), f"/api/v1/cases/{case.pk}/escalations",
            {"reason": "Needs a decision", "revision": 0, "request_key": "e-1"},
        )  # fmt: skip

        assert created.status_code == 201, created.content
        assert (created.json()["to_user"], created.json()["is_open"]) == ("lead", True)
        closed = post_json(
            bearer(supervisor),
            f"/api/v1/escalations/{created.json()['id']}/close",
            {"note": "Done", "revision": 1},
        )
        assert closed.status_code == 200
        assert not Escalation.objects.get().is_open

    def test_a_decision_maker_for_a_person_is_refused_with_422(self, collector, case):
        response = post_json(
            bearer(collector), f"/api/v1/cases/{case.pk}/escalations",
            {"reason": "Needs a decision", "new_decision_maker": {"name": "Li Na"}},
        )  # fmt: skip

        assert response.status_code == 422
        assert not Escalation.objects.exists()
