"""Opt-outs, verification and do-not-contact on a debtor's contact points, from the debtor page."""

import pytest
from django.urls import reverse

from arrears.core.audit.models import AuditEvent
from arrears.portfolio import contacts
from arrears.portfolio.models import ContactPoint
from tests.factories.people import UserFactory
from tests.factories.portfolio import ContactPointFactory, PortfolioFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio():
    return PortfolioFactory(code="cn-consumer")


@pytest.fixture
def phone(portfolio):
    return ContactPointFactory(debtor__portfolio=portfolio, value="+8613812345678")


def press(client, point, action, htmx=True):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("desk:update_contact_point", args=[point.pk]), {"action": action}, **headers)


class TestRecordOptOut:
    def test_stops_the_channel_from_now_and_audits_it_once(self, phone, now):
        contacts.record_opt_out(point_id=phone.pk, channel="sms", actor=None, now=now, reason="replied 退订")
        contacts.record_opt_out(point_id=phone.pk, channel="sms", actor=None, now=now)

        phone.refresh_from_db()
        assert phone.opt_outs == {"sms": "2026-03-31T20:59:59+00:00"}
        event = AuditEvent.objects.get(action="portfolio.record_opt_out")
        assert (event.reason, event.after["channel"]) == ("replied 退订", "sms")

    def test_refuses_a_channel_the_point_cannot_carry_and_changes_nothing(self, phone, now):
        with pytest.raises(contacts.ChannelNotOnPoint, match="E-mail"):
            contacts.record_opt_out(point_id=phone.pk, channel="email", actor=None, now=now)

        phone.refresh_from_db()
        assert phone.opt_outs == {}
        assert not AuditEvent.objects.exists()


class TestContactPointButtons:
    def test_a_collector_records_an_sms_opt_out_and_sees_the_panel_again(self, client, portfolio, phone):
        client.force_login(UserFactory(portfolios=[portfolio]))

        response = press(client, phone, "opt_out:sms")

        body = response.content.decode()
        assert body.lstrip().startswith('<section id="contact-points">')
        assert "opt_out:call" in body and "opt_out:sms" not in body
        assert "sms" in ContactPoint.objects.get(pk=phone.pk).opt_outs

    def test_a_collector_may_not_resume_a_channel_the_debtor_stopped(self, client, portfolio, phone, now):
        contacts.record_opt_out(point_id=phone.pk, channel="sms", actor=None, now=now)
        client.force_login(UserFactory(portfolios=[portfolio]))

        response = press(client, phone, "resume:sms")

        assert response.status_code == 403
        assert "sms" in ContactPoint.objects.get(pk=phone.pk).opt_outs

    def test_a_supervisor_resumes_it(self, client, portfolio, phone, now):
        contacts.record_opt_out(point_id=phone.pk, channel="sms", actor=None, now=now)
        client.force_login(UserFactory(supervisor=True, portfolios=[portfolio]))

        press(client, phone, "resume:sms", htmx=False)

        assert ContactPoint.objects.get(pk=phone.pk).opt_outs == {}

    def test_marks_verified_and_forbids_contact_without_javascript(self, client, portfolio, phone):
        client.force_login(UserFactory(portfolios=[portfolio]))

        verified = press(client, phone, "verify", htmx=False)
        forbidden = press(client, phone, "do_not_contact", htmx=False)

        phone.refresh_from_db()
        assert (verified.status_code, forbidden.status_code) == (302, 302)
        assert (phone.verified, phone.do_not_contact) == (True, True)
        assert phone.last_verified_at is not None

    def test_an_unknown_action_is_a_bad_request(self, client, portfolio, phone):
        client.force_login(UserFactory(portfolios=[portfolio]))

        assert press(client, phone, "opt_out:fax").status_code == 400

    def test_another_portfolios_contact_point_is_not_found(self, client, phone):
        client.force_login(UserFactory(portfolios=[PortfolioFactory(code="us-cards")]))

        assert press(client, phone, "opt_out:sms").status_code == 404
        assert ContactPoint.objects.get(pk=phone.pk).opt_outs == {}
