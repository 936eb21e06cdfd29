"""A debtor's contact page: what the rules allow now, logging contacts, refusals, holds."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from arrears.compliance.models import ContactDecision, ContactEvent, Hold
from tests.factories.people import UserFactory
from tests.factories.portfolio import ContactPointFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

NIGHT_IN_SHANGHAI = datetime(2026, 3, 31, 14, 30, tzinfo=UTC)  # 22:30 local
MORNING_IN_SHANGHAI = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)  # 10:00 local


@pytest.fixture
def debtor():
    return DebtorFactory(
        portfolio=PortfolioFactory(code="cn-consumer", country="CN", time_zone="Asia/Shanghai")
    )


@pytest.fixture
def phone(debtor):
    return ContactPointFactory(debtor=debtor, value="+8613812345678")


@pytest.fixture
def collector(client, debtor):
    user = UserFactory(portfolios=[debtor.portfolio])
    client.force_login(user)
    return user


class TestContactPage:
    @time_machine.travel(NIGHT_IN_SHANGHAI, tick=False)
    def test_shows_calls_refused_at_night_with_the_rule_and_the_next_morning(
        self, client, collector, debtor, phone
    ):
        response = client.get(reverse("desk:debtor_compliance", args=[debtor.pk]))

        page = response.content.decode()
        assert response.status_code == 200
        assert f'data-testid="option-{phone.pk}-call" data-decision="DENY"' in page
        assert "CN.TIME.NIGHT" in page
        assert "2026-04-01 08:00 +08:00" in page
        assert "138****5678" in page and "+8613812345678" not in page

    @time_machine.travel(NIGHT_IN_SHANGHAI, tick=False)
    def test_logging_a_night_call_is_refused_kept_and_shown(self, client, collector, debtor, phone):
        response = client.post(
            reverse("desk:record_contact", args=[debtor.pk]),
            {"type": "call_outbound", "contact_point": phone.pk, "outcome": "no_answer"},
        )

        assert response.status_code == 200
        assert "CN.TIME.NIGHT" in response.content.decode()
        assert not ContactEvent.objects.exists()
        assert ContactDecision.objects.get().decided_for == collector

    @time_machine.travel(MORNING_IN_SHANGHAI, tick=False)
    def test_logging_a_morning_call_records_it_on_the_timeline(self, client, collector, debtor, phone):
        response = client.post(
            reverse("desk:record_contact", args=[debtor.pk]),
            {
                "type": "call_outbound",
                "contact_point": phone.pk,
                "outcome": "conversation",
                "note": "Will pay Friday",
            },
            follow=True,
        )

        assert ContactEvent.objects.get().outcome == "conversation"
        assert "Will pay Friday" in response.content.decode()

    def test_chinese_page_explains_in_chinese(self, client, collector, debtor, phone):
        with time_machine.travel(NIGHT_IN_SHANGHAI, tick=False):
            response = client.get(
                reverse("desk:debtor_compliance", args=[debtor.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
            )

        assert "债务人当地时间 22:00 至次日 08:00" in response.content.decode()

    def test_another_portfolios_debtor_is_not_found(self, client, collector):
        stranger = DebtorFactory()

        response = client.get(reverse("desk:debtor_compliance", args=[stranger.pk]))

        assert response.status_code == 404


class TestHoldsOnThePage:
    @time_machine.travel(MORNING_IN_SHANGHAI, tick=False)
    def test_a_collector_places_a_dispute_hold_and_calls_are_refused(self, client, collector, debtor, phone):
        client.post(
            reverse("desk:place_hold", args=[debtor.pk]),
            {"type": "dispute", "reason": "Disputes the late fee"},
        )

        response = client.get(reverse("desk:debtor_compliance", args=[debtor.pk]))
        assert Hold.objects.get().set_by == collector
        assert f'data-testid="option-{phone.pk}-call" data-decision="DENY"' in response.content.decode()
        assert "HOLD.DISPUTE" in response.content.decode()

    @time_machine.travel(MORNING_IN_SHANGHAI, tick=False)
    def test_a_hold_without_a_reason_shows_the_error_and_places_nothing(self, client, collector, debtor):
        response = client.post(
            reverse("desk:place_hold", args=[debtor.pk]), {"type": "dispute", "reason": ""}
        )

        assert response.status_code == 200
        assert not Hold.objects.exists()

    @time_machine.travel(MORNING_IN_SHANGHAI, tick=False)
    def test_a_collector_cannot_lift_a_hold(self, client, collector, debtor):
        client.post(
            reverse("desk:place_hold", args=[debtor.pk]), {"type": "complaint", "reason": "Complained"}
        )
        hold = Hold.objects.get()

        response = client.post(reverse("desk:lift_hold", args=[hold.pk]), {"reason": "resolved"})

        assert response.status_code == 403
        hold.refresh_from_db()
        assert hold.ends_at is None


class TestSendMessageFromThePage:
    @time_machine.travel(MORNING_IN_SHANGHAI, tick=False)
    def test_a_collector_sends_the_friendly_reminder_and_sees_it_queued_with_its_text(
        self, client, collector, debtor, phone
    ):
        from arrears.comms.defaults import install_default_templates
        from arrears.comms.models import Message
        from tests.factories.portfolio import DebtFactory

        install_default_templates(now=MORNING_IN_SHANGHAI)
        debt = DebtFactory(debtor=debtor, portfolio=debtor.portfolio)

        response = client.post(
            reverse("desk:send_message", args=[debtor.pk]),
            {"contact_point": phone.pk, "purpose": "friendly_reminder", "debt": debt.pk},
            follow=True,
        )

        message = Message.objects.get()
        assert (message.channel, message.status, message.created_by) == ("sms", "queued", collector)
        assert f'data-testid="message-{message.pk}"' in response.content.decode()

    @time_machine.travel(MORNING_IN_SHANGHAI, tick=False)
    def test_without_an_approved_template_the_page_says_so_and_queues_nothing(
        self, client, collector, debtor, phone
    ):
        from arrears.comms.models import Message
        from tests.factories.portfolio import DebtFactory

        debt = DebtFactory(debtor=debtor, portfolio=debtor.portfolio)

        response = client.post(
            reverse("desk:send_message", args=[debtor.pk]),
            {"contact_point": phone.pk, "purpose": "friendly_reminder", "debt": debt.pk},
        )

        assert response.status_code == 200
        assert 'role="alert"' in response.content.decode()
        assert not Message.objects.exists()
