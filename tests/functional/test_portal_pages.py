"""The debtor portal's pages through the test client: getting in, isolation, the actions, refusals that change nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from arrears.casework.models import Arrangement, ArrangementStatus, Dispute, Promise
from arrears.compliance.models import Hold
from arrears.core.audit.models import AuditEvent
from arrears.portal import access
from arrears.portfolio.models import ContactPoint
from arrears.usecases import portal_access
from tests.factories.cases import CaseFactory, PromiseFactory
from tests.factories.portfolio import ContactPointFactory, DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n%%EOF\n"
BIRTH_DATE = "1985-04-12"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-04-15 02:00:00+00:00", tick=True):  # 10:00 in Shanghai
        yield


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
def portfolio():
    return PortfolioFactory(code="cn-cards", creditor_name="Example Bank", time_zone="Asia/Shanghai")


@pytest.fixture
def case(portfolio):
    debtor = DebtorFactory(portfolio=portfolio, person=True, name="Li Na")
    debt = DebtFactory(
        debtor=debtor, external_ref="CARD-00991234", principal=Decimal("1200.00"),
        charges={"interest": Decimal("34.45"), "penalty": Decimal("12.00"), "fee": Decimal("50.00")},
    )  # fmt: skip
    return CaseFactory(debt=debt)


@pytest.fixture
def other_case(portfolio):
    return CaseFactory(
        debt=DebtFactory(debtor=DebtorFactory(portfolio=portfolio, person=True, name="Wang Fang"))
    )


def link_for(debtor):
    return portal_access.issue_link(debtor=debtor, now=timezone.now(), source="test", actor=None).path


def signed_in(debtor):
    client = Client()
    response = client.post(link_for(debtor), {"answer": BIRTH_DATE})
    assert response.status_code == 302
    return client


def text(response):
    return unescape(response.content.decode())


class TestGettingIn:
    def test_the_link_asks_one_question_on_a_page_no_search_engine_indexes(self, case):
        response = Client().get(link_for(case.debtor))

        assert response.status_code == 200
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert response["Referrer-Policy"] == "same-origin"
        assert '<meta name="robots" content="noindex,nofollow">' in text(response)
        assert '<label for="id_answer">Your date of birth</label>' in text(response)
        assert "Example Bank" in text(response)

    def test_an_altered_link_is_refused_with_a_clear_message(self, case):
        path = link_for(case.debtor)

        response = Client().get(path[:-3] + "xx/")

        assert response.status_code == 403
        assert "This link is not valid" in text(response)

    def test_an_expired_link_is_refused(self, case):
        path = link_for(case.debtor)

        with time_machine.travel(timezone.now() + timedelta(days=15)):
            response = Client().get(path)

        assert response.status_code == 403
        assert "This link expired on 2026-04-29" in text(response)

    def test_a_wrong_answer_says_so_and_shows_nothing_of_the_account(self, case):
        response = Client().post(link_for(case.debtor), {"answer": "1990-01-01"})

        assert response.status_code == 400
        assert "That answer does not match our records. You have 4 more tries" in text(response)
        assert "1,200.00" not in text(response) and "1200.00" not in text(response)

    def test_after_the_last_wrong_answer_the_portal_is_locked(self, case, settings):
        settings.ARREARS_PORTAL_MAX_ATTEMPTS = 2
        path = link_for(case.debtor)
        Client().post(path, {"answer": "1990-01-01"})

        response = Client().post(path, {"answer": "1990-01-01"})
        after = Client().post(path, {"answer": BIRTH_DATE})

        assert "Too many wrong answers" in text(response)
        assert after.status_code == 400
        assert "Too many wrong answers" in text(after)

    def test_a_used_link_is_refused_in_another_browser_and_continues_the_session_in_the_same(self, case):
        path = link_for(case.debtor)
        client = Client()
        client.post(path, {"answer": BIRTH_DATE})

        again = client.get(path)
        elsewhere = Client().get(path)

        assert again.status_code == 302 and again["Location"] == "/portal/"
        assert elsewhere.status_code == 403
        assert "already used once" in text(elsewhere)

    def test_without_a_session_the_pages_say_how_to_get_in(self, case):
        response = Client().get("/portal/")

        assert response.status_code == 403
        assert "Use the link in your latest message" in text(response)

    def test_an_idle_session_ends(self, case):
        client = signed_in(case.debtor)

        with time_machine.travel(timezone.now() + timedelta(minutes=31)):
            response = client.get("/portal/")

        assert response.status_code == 403

    def test_revoking_the_links_ends_the_session(self, case):
        client = signed_in(case.debtor)

        access.revoke_links(debtor=case.debtor, now=timezone.now() + timedelta(seconds=1), actor=None)

        assert client.get("/portal/").status_code == 403


class TestOverview:
    def test_shows_what_is_owed_by_component_the_payments_channels_and_contact(self, case, settings):
        settings.ARREARS_PAYMENT_CHANNELS = "the Example Bank app"
        settings.ARREARS_CREDITOR_CONTACT = "400-800-1234"
        settings.ARREARS_PORTAL_PAYMENT_URL = "https://pay.example.cn/?ref={reference}&amount={amount}"
        client = signed_in(case.debtor)

        page = text(client.get("/portal/"))

        assert "Hello, Li Na" in page
        assert "Consumer loan ending 1234" in page
        for label, amount in (
            ("Principal", "1200.00"),
            ("Interest", "34.45"),
            ("Penalty", "12.00"),
            ("Fee", "50.00"),
        ):
            assert f'<th scope="row">{label}</th><td class="amount">{amount} CNY</td>' in page
        assert "<strong>1296.45 CNY</strong>" in page
        assert "Payment is 45 days overdue." in page
        assert "the Example Bank app" in page and "400-800-1234" in page
        assert (
            'href="https://pay.example.cn/?ref=CARD-00991234&amp;amount=1296.45"'
            in client.get("/portal/").content.decode()
        )

    def test_never_shows_another_debtors_account(self, case, other_case):
        page = text(signed_in(case.debtor).get("/portal/"))

        assert "Wang Fang" not in page
        assert f"/portal/accounts/{other_case.pk}/" not in page


class TestIsolation:
    @pytest.mark.parametrize("action", ["promise", "plan", "hardship", "dispute"])
    def test_another_debtors_account_is_not_found_and_unchanged(self, case, other_case, action):
        client = signed_in(case.debtor)

        read = client.get(f"/portal/accounts/{other_case.pk}/{action}/")
        write = client.post(
            f"/portal/accounts/{other_case.pk}/{action}/",
            {"request_key": "k1", "amount": "100.00", "due_date": "2026-04-20", "kind": "deferral"},
        )

        assert (read.status_code, write.status_code) == (404, 404)
        assert not Promise.objects.exists() and not Arrangement.objects.exists()

    def test_another_debtors_contact_point_cannot_be_changed(self, case, other_case):
        point = ContactPointFactory(debtor=other_case.debtor, phone=True)

        response = signed_in(case.debtor).post(
            "/portal/preferences/", {"point": point.pk, "channel": "sms", "allowed": "0"}
        )

        assert response.status_code == 400
        assert ContactPoint.objects.get(pk=point.pk).opt_outs == {}


class TestPromisePage:
    def test_records_the_promise_and_says_so(self, case):
        client = signed_in(case.debtor)

        response = client.post(
            f"/portal/accounts/{case.pk}/promise/",
            {"request_key": "k1", "amount": "500.00", "due_date": "2026-04-30"},
        )

        assert response.status_code == 302
        assert "Your promise to pay 500.00 CNY by 2026-04-30 is recorded." in text(client.get("/portal/"))
        assert Promise.objects.get().source == "portal"

    def test_outside_the_policy_says_why_and_records_nothing(self, case):
        response = signed_in(case.debtor).post(
            f"/portal/accounts/{case.pk}/promise/",
            {"request_key": "k1", "amount": "500.00", "due_date": "2026-06-30"},
        )

        assert response.status_code == 400
        assert "a promise may be at most 30 days ahead (by 2026-05-15)" in text(response)
        assert not Promise.objects.exists()


class TestWithdrawingAPromise:
    def _promise(self, client, case):
        client.post(
            f"/portal/accounts/{case.pk}/promise/",
            {"request_key": "k1", "amount": "500.00", "due_date": "2026-04-30"},
        )
        return Promise.objects.get()

    def test_the_overview_offers_it_and_withdrawing_cancels_the_promise(self, case):
        client = signed_in(case.debtor)
        promise = self._promise(client, case)
        page = text(client.get("/portal/"))
        assert f'action="/portal/accounts/{case.pk}/promises/{promise.pk}/withdraw/"' in page

        response = client.post(
            f"/portal/accounts/{case.pk}/promises/{promise.pk}/withdraw/", {"request_key": "k2"}
        )

        assert response.status_code == 302
        promise.refresh_from_db()
        assert (promise.status, str(promise.resolved_on)) == ("cancelled", "2026-04-15")
        event = AuditEvent.objects.filter(action="casework.cancel_promise").get()
        assert (event.actor_label, event.reason) == (
            "portal-cn-cards",
            "Withdrawn by the debtor in the portal.",
        )
        page = text(client.get("/portal/"))
        assert "Your promise is withdrawn." in page
        assert "You promised to pay" not in page

    def test_a_promise_no_longer_open_says_so_and_changes_nothing(self, case):
        client = signed_in(case.debtor)
        promise = self._promise(client, case)
        Promise.objects.filter(pk=promise.pk).update(status="kept")

        client.post(f"/portal/accounts/{case.pk}/promises/{promise.pk}/withdraw/", {"request_key": "k2"})

        assert "This promise is already kept; only an open promise can be cancelled." in text(
            client.get("/portal/")
        )
        assert Promise.objects.get().status == "kept"

    def test_another_debtors_promise_is_not_found_and_unchanged(self, case, other_case):
        theirs = PromiseFactory(case=other_case, status="open")
        client = signed_in(case.debtor)

        on_their_case = client.post(f"/portal/accounts/{other_case.pk}/promises/{theirs.pk}/withdraw/")
        on_my_case = client.post(f"/portal/accounts/{case.pk}/promises/{theirs.pk}/withdraw/")

        assert (on_their_case.status_code, on_my_case.status_code) == (404, 404)
        assert Promise.objects.get().status == "open"


class TestPlanPage:
    def test_shows_the_plan_then_proposes_it(self, case):
        client = signed_in(case.debtor)
        terms = {"request_key": "k1", "kind": "instalments", "months": "3"}

        preview = client.post(f"/portal/accounts/{case.pk}/plan/", {**terms, "preview": "1"})
        proposed_before = Arrangement.objects.count()
        proposed = client.post(f"/portal/accounts/{case.pk}/plan/", {**terms, "propose": "1"})

        assert "This plan is within what we can agree at once." in text(preview)
        assert '<td>2026-05-15</td><td class="amount">432.15 CNY</td>' in text(preview)
        assert proposed_before == 0
        assert proposed.status_code == 302
        assert Arrangement.objects.get().status == ArrangementStatus.ACTIVE

    def test_beyond_the_portal_maximum_is_refused(self, case):
        response = signed_in(case.debtor).post(
            f"/portal/accounts/{case.pk}/plan/",
            {"request_key": "k1", "kind": "instalments", "months": "48", "propose": "1"},
        )

        assert response.status_code == 400
        assert "A plan here may run at most 24 months; this one runs 48." in text(response)
        assert not Arrangement.objects.exists()


class TestDisputePage:
    def test_records_the_dispute_with_a_document_and_holds_the_debt(self, case):
        client = signed_in(case.debtor)

        response = client.post(f"/portal/accounts/{case.pk}/dispute/", {
            "request_key": "k1", "reason": "already_paid", "description": "Paid in March.",
            "documents": [SimpleUploadedFile("receipt.pdf", PDF_BYTES, content_type="application/pdf")],
        })  # fmt: skip

        assert response.status_code == 302
        assert "Collection is paused while we check it" in text(client.get("/portal/"))
        assert Dispute.objects.get().documents.count() == 1
        assert Hold.objects.get().type == "dispute"

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("receipt.exe", b"MZ\x90\x00", "is not accepted"),
            ("receipt.pdf", b"\x89PNG\r\n\x1a\n\0\0", "is not what its name says"),
            ("receipt.pdf", PDF_BYTES + b"x" * 64, "a document may be at most 32 bytes"),
        ],
    )
    def test_a_bad_document_is_refused_and_nothing_is_held(self, case, settings, name, content, message):
        settings.ARREARS_UPLOAD_MAX_BYTES = 32

        response = signed_in(case.debtor).post(f"/portal/accounts/{case.pk}/dispute/", {
            "request_key": "k1", "reason": "already_paid", "description": "Paid in March.",
            "documents": [SimpleUploadedFile(name, content)],
        })  # fmt: skip

        assert response.status_code == 400
        assert message in text(response)
        assert not Dispute.objects.exists() and not Hold.objects.exists()


class TestHardshipPage:
    def test_records_the_statement(self, case):
        client = signed_in(case.debtor)

        response = client.post(f"/portal/accounts/{case.pk}/hardship/", {
            "request_key": "k1", "cause": "illness", "since": "2026-02-01", "expected_months": "4",
            "monthly_income": "3000.00", "monthly_expenses": "2500.00", "other_debt_payments": "0.00",
            "dependants": "0", "notes": "",
        })  # fmt: skip

        assert response.status_code == 302
        assert "Thank you for telling us." in text(client.get("/portal/"))

    def test_a_start_in_the_future_is_refused(self, case):
        response = signed_in(case.debtor).post(f"/portal/accounts/{case.pk}/hardship/", {
            "request_key": "k1", "cause": "illness", "since": "2026-05-01", "expected_months": "4",
            "monthly_income": "3000.00", "monthly_expenses": "2500.00", "other_debt_payments": "0.00",
            "dependants": "0",
        })  # fmt: skip

        assert response.status_code == 400
        assert "2026-05-01 is in the future" in text(response)


class TestPreferencesPage:
    def test_stops_a_channel_and_shows_it_stopped(self, case):
        point = ContactPointFactory(debtor=case.debtor, phone=True)
        client = signed_in(case.debtor)

        response = client.post("/portal/preferences/", {"point": point.pk, "channel": "sms", "allowed": "0"})
        page = text(client.get("/portal/preferences/"))

        assert response.status_code == 302
        assert "Phone: 138****5678" in page
        assert "SMS: <strong>stopped</strong>" in page
        assert list(ContactPoint.objects.get(pk=point.pk).opt_outs) == ["sms"]


class TestLeaving:
    def test_ends_the_session(self, case):
        client = signed_in(case.debtor)

        client.post("/portal/leave/")

        assert client.get("/portal/").status_code == 403


class TestLanguageAndSpeed:
    def test_the_language_switch_turns_the_page_chinese_and_offers_english_back(self, case):
        client = signed_in(case.debtor)

        client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/portal/"})
        page = text(client.get("/portal/"))

        assert '<html lang="zh-hans">' in page
        assert (
            '<button type="submit" name="language" value="en" class="secondary outline" lang="en">English</button>'
            in page
        )

    def test_the_overview_takes_the_same_queries_for_one_debt_or_four(self, case, django_assert_num_queries):
        client = signed_in(case.debtor)
        with CaptureQueriesContext(connection) as one:
            client.get("/portal/")
        for _index in range(3):
            CaseFactory(debt=DebtFactory(debtor=case.debtor))

        with django_assert_num_queries(len(one.captured_queries)):
            response = client.get("/portal/")

        assert response.content.decode().count('class="account"') == 4


def test_another_refused_link_during_a_session_still_says_why(case):
    client = signed_in(case.debtor)
    expired = portal_access.issue_link(
        debtor=case.debtor, now=timezone.now() - timedelta(days=20), source="test", actor=None
    ).path

    response = client.get(expired)

    assert response.status_code == 403
    assert "This link expired on" in text(response)
