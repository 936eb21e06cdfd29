"""The outbox and the dispatcher: decided first, sent once to a real SMTP server, retried, rescheduled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from arrears.comms import dispatcher, outbox
from arrears.comms.gateways.base import Outgoing, PermanentFailure, Sent, TransientFailure
from arrears.comms.gateways.email import EmailSettings, SmtpGateway
from arrears.comms.models import Message, MessageChannel, MessageEvent, MessageStatus
from arrears.compliance import holds
from arrears.compliance.models import ContactDecision, ContactEvent
from arrears.compliance.rules.vocabulary import HoldType
from arrears.core.audit.models import AuditEvent
from tests.factories.portfolio import ContactPointFactory, DebtorFactory, PortfolioFactory
from tests.support.smtp import start_smtp_sink

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
NIGHT = datetime(2026, 3, 31, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai


@pytest.fixture
def smtp():
    controller, sink = start_smtp_sink()
    yield controller, sink
    controller.stop()


@pytest.fixture
def debtor():
    return DebtorFactory(portfolio=PortfolioFactory(country="CN", creditor_name="Bank A"), name="王伟")


@pytest.fixture
def mailbox(debtor):
    return ContactPointFactory(debtor=debtor, email=True, value="wang.wei@example.com")


def queue(debtor, point, *, at=MORNING, key=None, channel=MessageChannel.EMAIL):
    return outbox.queue_message(
        debtor=debtor, contact_point=point, channel=channel, purpose="friendly_reminder", language="zh-hans",
        subject="还款提醒", body="王伟先生/女士，您好，温馨提醒您，您尾号为1234的账单已到期。", not_before=at, now=at,
        source="test", idempotency_key=key,
    )  # fmt: skip


class StubGateway:
    """A gateway that answers as told, recording what it was asked to send."""

    channel = "email"

    def __init__(self, *answers: Exception | None) -> None:
        self.answers = list(answers)
        self.sent: list[Outgoing] = []

    def send(self, outgoing: Outgoing) -> Sent:
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer
        self.sent.append(outgoing)
        return Sent(provider_message_id=f"id-{outgoing.message_id}")


class TestQueueMessage:
    def test_queues_once_per_idempotency_key_with_the_opt_out_line_and_one_audit_event(self, debtor, mailbox):
        first = queue(debtor, mailbox, key="reminder-1")
        second = queue(debtor, mailbox, key="reminder-1")

        assert (first.created, second.created, first.message.pk) == (True, False, second.message.pk)
        assert first.message.body.endswith("如不希望再收到此类邮件，请回复“退订”或点击退订链接。")
        assert AuditEvent.objects.filter(action="comms.queue_message").count() == 1

    def test_a_night_message_is_moved_to_the_morning_not_refused(self, debtor, mailbox):
        queued = queue(debtor, mailbox, at=NIGHT)

        assert queued.message.not_before.isoformat() == "2026-04-01T00:00:00+00:00"  # 08:00 in Shanghai
        assert queued.rescheduled_from == NIGHT

    def test_an_opted_out_channel_refuses_and_queues_nothing(self, debtor, mailbox):
        mailbox.opt_outs = {"email": "2026-03-01T00:00:00+00:00"}
        mailbox.save()

        with pytest.raises(outbox.MessageRefused, match=r"HOLD\.OPT_OUT_EMAIL"):
            queue(debtor, mailbox)

        assert not Message.objects.exists()
        assert ContactDecision.objects.get().source == "outbox"

    def test_a_threatening_text_is_blocked(self, debtor, mailbox):
        with pytest.raises(outbox.MessageTextBlocked, match="CN-C02"):
            outbox.queue_message(
                debtor=debtor, contact_point=mailbox, channel=MessageChannel.EMAIL, purpose="friendly_reminder",
                language="zh-hans", body="再不还钱就让你坐牢", not_before=MORNING, now=MORNING, source="test",
            )  # fmt: skip

        assert not Message.objects.exists()

    def test_an_sms_to_an_email_address_is_refused(self, debtor, mailbox):
        with pytest.raises(outbox.NotAContactFor):
            queue(debtor, mailbox, channel=MessageChannel.SMS)


class TestDispatch:
    def test_delivers_to_a_real_smtp_server_with_text_html_and_unsubscribe(
        self, debtor, mailbox, smtp, settings
    ):
        controller, sink = smtp
        queued = queue(debtor, mailbox)
        gateway = SmtpGateway(
            EmailSettings(host="127.0.0.1", port=controller.port, unsubscribe_mailto="stop@example.com")
        )

        report = dispatcher.dispatch_due(gateways={"email": gateway}, now=MORNING + timedelta(minutes=1))
        gateway.close()

        assert report.outcomes == {"sent": 1}
        received = sink.received[0]
        assert received["To"] == "wang.wei@example.com"
        assert received["List-Unsubscribe"] == "<mailto:stop@example.com?subject=STOP>"
        parts = {part.get_content_type(): part.get_payload(decode=True).decode() for part in received.walk()
                 if not part.is_multipart()}  # fmt: skip
        assert "温馨提醒您" in parts["text/plain"] and "<p>" in parts["text/html"]
        message = Message.objects.get(pk=queued.message.pk)
        assert (message.status, message.provider_message_id) == (MessageStatus.SENT, received["Message-ID"])
        assert ContactEvent.objects.get().type == "email"

    def test_a_transient_failure_retries_with_backoff_then_sends(self, debtor, mailbox):
        queue(debtor, mailbox)
        gateway = StubGateway(TransientFailure("timeout"))

        first = dispatcher.dispatch_due(gateways={"email": gateway}, now=MORNING)
        too_early = dispatcher.dispatch_due(gateways={"email": gateway}, now=MORNING + timedelta(seconds=10))
        later = dispatcher.dispatch_due(gateways={"email": gateway}, now=MORNING + timedelta(seconds=31))

        assert (first.outcomes, too_early.claimed, later.outcomes) == ({"retry": 1}, 0, {"sent": 1})
        assert Message.objects.get().attempts == 2
        assert len(gateway.sent) == 1

    def test_a_permanent_failure_stops_with_its_reason(self, debtor, mailbox):
        queue(debtor, mailbox)

        dispatcher.dispatch_due(
            gateways={"email": StubGateway(PermanentFailure("550 no such user"))}, now=MORNING
        )

        message = Message.objects.get()
        assert (message.status, message.last_error) == (MessageStatus.FAILED, "550 no such user")

    def test_a_message_due_at_night_is_rescheduled_not_sent(self, debtor, mailbox):
        queue(debtor, mailbox)
        gateway = StubGateway()

        report = dispatcher.dispatch_due(gateways={"email": gateway}, now=NIGHT)

        assert report.outcomes == {"rescheduled": 1} and gateway.sent == []
        message = Message.objects.get()
        assert (message.status, message.not_before.isoformat(), message.attempts) == (
            MessageStatus.QUEUED, "2026-04-01T00:00:00+00:00", 0,
        )  # fmt: skip

    def test_an_opt_out_after_queueing_cancels_the_next_message(self, debtor, mailbox):
        queue(debtor, mailbox)
        mailbox.opt_outs = {"email": MORNING.isoformat()}
        mailbox.save()

        dispatcher.dispatch_due(gateways={"email": StubGateway()}, now=MORNING + timedelta(minutes=1))

        message = Message.objects.get()
        assert message.status == MessageStatus.CANCELLED
        assert "HOLD.OPT_OUT_EMAIL" in message.last_error

    def test_a_hold_placed_after_queueing_cancels_it(self, debtor, mailbox):
        queue(debtor, mailbox)
        holds.place_hold(
            debtor=debtor,
            type=HoldType.BANKRUPTCY,
            reason="Filed",
            starts_at=MORNING,
            actor=None,
            now=MORNING,
        )

        dispatcher.dispatch_due(gateways={"email": StubGateway()}, now=MORNING + timedelta(minutes=1))

        assert Message.objects.get().status == MessageStatus.CANCELLED

    def test_a_claim_whose_worker_vanished_is_sent_again_after_the_lease_with_the_same_key(
        self, debtor, mailbox
    ):
        queued = queue(debtor, mailbox)
        assert dispatcher.claim(
            queued.message.pk, now=MORNING, lease=timedelta(minutes=5)
        )  # then the worker dies
        gateway = StubGateway()

        within = dispatcher.dispatch_due(gateways={"email": gateway}, now=MORNING + timedelta(minutes=4))
        after = dispatcher.dispatch_due(gateways={"email": gateway}, now=MORNING + timedelta(minutes=6))

        assert (within.claimed, after.outcomes) == (0, {"sent": 1})
        assert gateway.sent[0].idempotency_key == queued.message.idempotency_key

    def test_a_gateway_bug_does_not_stop_the_pass(self, debtor, mailbox):
        queue(debtor, mailbox, key="a")
        queue(debtor, mailbox, key="b")

        report = dispatcher.dispatch_due(
            gateways={"email": StubGateway(ZeroDivisionError("bug"))}, now=MORNING
        )

        assert report.outcomes == {"retry": 1, "sent": 1}
        assert MessageEvent.objects.filter(kind="retry", detail__contains="ZeroDivisionError").exists()
