"""Links to the portal: in messages, from the command line, the API and the demo; the admin's withdraw and unlock."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from arrears.comms import defaults, templates
from arrears.core import portal_tokens
from arrears.core.audit.models import AuditEvent
from arrears.people import tokens
from arrears.portal.models import DebtorAccess
from arrears.usecases.demo.portal import add_portal_links
from tests.factories.cases import CaseFactory, PromiseFactory
from tests.factories.people import DEFAULT_PASSWORD, UserFactory
from tests.factories.portfolio import DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

MOMENT = datetime.fromisoformat("2026-04-15T02:00:00+00:00")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(MOMENT, tick=False):
        yield


@pytest.fixture
def debtor():
    return DebtorFactory(person=True, name="Li Na")


def token_of(url):
    return url.rstrip("/").rsplit("/", 1)[1]


class TestLinksInMessages:
    def test_the_payment_link_is_a_signed_portal_link_for_the_debtor_when_the_portal_has_an_address(
        self, debtor, settings
    ):
        settings.ARREARS_PORTAL_BASE_URL = "https://portal.example.cn/"
        debt = DebtFactory(debtor=debtor)
        defaults.install_default_templates(now=MOMENT)
        version = templates.get_sendable_version(purpose="friendly_reminder", channel="sms", language="en")

        rendered = templates.render_message(
            version=version, debt=debt, contact_point=None, as_of=date(2026, 4, 15)
        )

        url = rendered.body.split("via ", 1)[1].split(". ", 1)[0]
        assert url.startswith("https://portal.example.cn/portal/l/")
        claims = portal_tokens.read(token_of(url))
        assert (claims.debtor_id, claims.issued_at) == (
            debtor.pk,
            datetime.fromisoformat("2026-04-15T00:00:00+00:00"),
        )
        assert Client().get(url.removeprefix("https://portal.example.cn")).status_code == 200


class TestCommandLine:
    def test_prints_a_link_that_opens_the_portal(self, debtor):
        out, err = io.StringIO(), io.StringIO()

        call_command("portal", "link", "--debtor", str(debtor.pk), stdout=out, stderr=err)

        path = out.getvalue().strip()
        assert path.startswith("/portal/l/")
        assert "Valid until 2026-04-29 02:00 (UTC)" in err.getvalue()
        assert Client().post(path, {"answer": "1985-04-12"}).status_code == 302
        assert AuditEvent.objects.get(action="portal.issue_link").after["source"] == "cli"

    def test_an_unknown_debtor_is_an_error(self):
        with pytest.raises(CommandError, match="No debtor 999999"):
            call_command("portal", "link", "--debtor", "999999", stdout=io.StringIO())


class TestApi:
    def test_a_collector_issues_a_link_for_a_debtor_of_their_portfolio(self, debtor, settings):
        settings.ARREARS_PORTAL_BASE_URL = "https://portal.example.cn"
        user = UserFactory(portfolios=[debtor.portfolio])
        raw = tokens.issue_token(user=user, name="Dialer", actor=None, now=MOMENT)

        response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
            f"/api/v1/debtors/{debtor.pk}/portal-links"
        )

        assert response.status_code == 201
        body = response.json()
        assert body["url"].startswith("https://portal.example.cn/portal/l/")
        assert (body["debtor_id"], body["expires_at"]) == (debtor.pk, "2026-04-29T02:00:00Z")
        assert portal_tokens.read(token_of(body["url"])).debtor_id == debtor.pk
        assert AuditEvent.objects.get(action="portal.issue_link").actor_label == user.username

    def test_a_debtor_of_another_portfolio_is_not_found(self, debtor):
        user = UserFactory(portfolios=[PortfolioFactory()])
        raw = tokens.issue_token(user=user, name="Dialer", actor=None, now=MOMENT)

        response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
            f"/api/v1/debtors/{debtor.pk}/portal-links"
        )

        assert response.status_code == 404
        assert not AuditEvent.objects.filter(action="portal.issue_link").exists()


class TestAdmin:
    def test_a_supervisor_unlocks_a_debtor_and_withdraws_their_links(self, debtor):
        supervisor = UserFactory(supervisor=True, is_staff=True, username="lead")
        DebtorAccess.objects.create(debtor=debtor, failed_attempts=0, locked_until=MOMENT.replace(hour=3))
        client = Client()
        client.login(username="lead", password=DEFAULT_PASSWORD)

        listing = client.get("/admin/portal/debtoraccess/")
        unlocked = client.post(
            "/admin/portal/debtoraccess/",
            {"action": "unlock", "_selected_action": [str(DebtorAccess.objects.get().pk)]},
        )
        client.post(
            "/admin/portal/debtoraccess/",
            {"action": "withdraw_links", "_selected_action": [str(DebtorAccess.objects.get().pk)]},
        )

        assert listing.status_code == 200 and unlocked.status_code == 302
        access = DebtorAccess.objects.get()
        assert (access.locked_until, access.links_valid_after) == (None, timezone.now())
        assert list(
            AuditEvent.objects.filter(actor_label=supervisor.username)
            .order_by("sequence")
            .values_list("action", flat=True)
        ) == ["portal.unlock_access", "portal.revoke_links"]

    def test_a_collector_does_not_see_it(self, debtor):
        UserFactory(is_staff=True, username="wang")
        client = Client()
        client.login(username="wang", password=DEFAULT_PASSWORD)

        assert client.get("/admin/portal/debtoraccess/").status_code == 403


class TestDemo:
    def test_gives_one_debtor_a_known_birth_date_and_writes_their_link(self, settings, tmp_path):
        settings.VAR_DIR = tmp_path
        portfolio = PortfolioFactory(code="cn-consumer")
        busy = CaseFactory(
            debt=DebtFactory(debtor=DebtorFactory(portfolio=portfolio, person=True)), stage="early"
        )
        PromiseFactory(case=busy)
        free = CaseFactory(
            debt=DebtFactory(debtor=DebtorFactory(portfolio=portfolio, person=True, name="张伟")),
            stage="early",
        )

        links = add_portal_links([portfolio], now=MOMENT)

        free.debtor.refresh_from_db()
        assert [link.debtor for link in links] == [free.debtor]
        assert free.debtor.birth_date == date(1985, 4, 12)
        lines = (tmp_path / "portal-links.txt").read_text(encoding="utf-8").splitlines()
        assert lines[1].startswith(
            "cn-consumer\t张伟\tdate of birth 1985-04-12\thttp://127.0.0.1:8000/portal/l/"
        )
        path = lines[1].split("http://127.0.0.1:8000", 1)[1]
        assert Client().post(path, {"answer": "1985-04-12"}).status_code == 302
