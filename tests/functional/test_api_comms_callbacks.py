"""Provider callbacks over HTTP: delivery statuses, replies, opt-outs by SMS, refused signatures."""

import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest
import time_machine
from django.test import Client
from django.urls import Resolver404, path, resolve
from ninja import NinjaAPI

from arrears.api import comms_callbacks
from arrears.comms.callbacks import generic_signature, twilio_signature
from arrears.comms.models import Message, MessageEvent, MessageStatus
from arrears.compliance import decisions
from arrears.compliance.rules.vocabulary import Action, Decision
from arrears.core.audit.models import AuditEvent
from tests.factories.portfolio import ContactPointFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
SECRET = "whsec_test"
TOKEN = "twilio-auth-token"
APP_SECRET = "appsec"
STATUS_URL = "/api/v1/comms/sms/status"
INBOUND_URL = "/api/v1/comms/sms/inbound"

# Used only until the router is registered in arrears/api/v1.py.
_standalone = NinjaAPI(urls_namespace="comms-callbacks-standalone", docs_url=None)
_standalone.add_router("/v1", comms_callbacks.router)
urlpatterns = [path("api/", _standalone.urls)]


@pytest.fixture(autouse=True)
def callback_settings(settings):
    try:
        resolve(STATUS_URL)
    except Resolver404:
        settings.ROOT_URLCONF = __name__
    settings.ARREARS_SMS_SHAPE = "generic"
    settings.ARREARS_SMS_ENDPOINT = "http://127.0.0.1:9/sms"
    settings.ARREARS_SMS_CALLBACK_SECRET = SECRET
    settings.ARREARS_SMS_TOKEN = TOKEN
    settings.ARREARS_SMS_ACCOUNT = "AC123"
    settings.ARREARS_APP_WEBHOOK_SECRET = APP_SECRET
    return settings


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(MORNING, tick=False):
        yield


@pytest.fixture
def debtor():
    return DebtorFactory(portfolio=PortfolioFactory(code="cn-consumer", country="CN"))


@pytest.fixture
def phone(debtor):
    return ContactPointFactory(debtor=debtor, value="+8613812345678")


def sms(phone, *, provider_message_id="gw-1", status=MessageStatus.SENT, channel="sms"):
    return Message.objects.create(
        debtor=phone.debtor, contact_point=phone, channel=channel, purpose="friendly_reminder",
        language="zh-hans", body="您的账单已逾期，回复TD退订", status=status, not_before=MORNING,
        idempotency_key=f"key-{provider_message_id}", provider_message_id=provider_message_id, source="test",
        sent_at=MORNING, created_at=MORNING,
    )  # fmt: skip


def post_signed_json(url, payload, *, secret=SECRET):
    body = json.dumps(payload, ensure_ascii=False).encode()
    signature = generic_signature(secret=secret, body=body)
    return Client().post(url, data=body, content_type="application/json", HTTP_X_ARREARS_SIGNATURE=signature)


def post_twilio_form(url, params, *, token=TOKEN):
    signature = twilio_signature(token=token, url=f"http://testserver{url}", params=params.items())
    return Client().post(
        url, data=urlencode(params), content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )  # fmt: skip


def sms_check(phone):
    return decisions.check_contact(
        debtor=phone.debtor, action=Action.SMS, at=MORNING, now=MORNING, contact_point=phone, record=False
    )


class TestDeliveryStatus:
    def test_delivered_marks_the_message_delivered_with_one_event_and_one_audit_entry(self, phone):
        message = sms(phone)

        response = post_signed_json(STATUS_URL, {"id": "gw-1", "status": "delivered"})

        assert response.status_code == 200
        message.refresh_from_db()
        assert (message.status, message.delivered_at) == (MessageStatus.DELIVERED, MORNING)
        assert list(message.events.values_list("kind", flat=True)) == ["delivered"]
        assert (
            AuditEvent.objects.filter(action="comms.record_delivered", object_id=str(message.pk)).count() == 1
        )

    def test_the_same_status_twice_changes_nothing_the_second_time(self, phone):
        message = sms(phone)

        post_signed_json(STATUS_URL, {"id": "gw-1", "status": "delivered"})
        response = post_signed_json(STATUS_URL, {"id": "gw-1", "status": "delivered"})

        assert response.status_code == 200
        assert message.events.count() == 1

    def test_a_twilio_undelivered_status_fails_the_message_with_the_carriers_reason(self, phone, settings):
        settings.ARREARS_SMS_SHAPE = "twilio"
        message = sms(phone, provider_message_id="SM1234")

        response = post_twilio_form(
            STATUS_URL,
            {"MessageSid": "SM1234", "MessageStatus": "undelivered", "ErrorCode": "30003",
             "ErrorMessage": "Unreachable destination handset", "AccountSid": "AC123"},
        )  # fmt: skip

        assert response.status_code == 200
        message.refresh_from_db()
        assert (message.status, message.last_error) == (
            MessageStatus.FAILED,
            "error 30003 Unreachable destination handset",
        )
        assert list(message.events.values_list("kind", "detail")) == [
            ("failed", "error 30003 Unreachable destination handset")
        ]

    def test_an_interim_status_changes_nothing(self, phone):
        message = sms(phone)

        response = post_signed_json(STATUS_URL, {"id": "gw-1", "status": "sent"})

        assert response.status_code == 200
        assert not MessageEvent.objects.exists()
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT

    def test_an_unknown_id_is_kept_without_a_message(self):
        response = post_signed_json(STATUS_URL, {"id": "gw-404", "status": "failed", "detail": "no route"})

        assert response.status_code == 200
        event = MessageEvent.objects.get()
        assert (event.message, event.kind, event.payload) == (
            None,
            "failed",
            {"provider_message_id": "gw-404", "status": "failed"},
        )
        assert "gw-404" in event.detail

    def test_a_bad_signature_is_refused_recorded_and_changes_nothing(self, phone):
        message = sms(phone)

        response = post_signed_json(STATUS_URL, {"id": "gw-1", "status": "delivered"}, secret="guessed")

        assert response.status_code == 403
        assert response.json() == {"outcome": "refused", "detail": "The signature does not match."}
        event = MessageEvent.objects.get()
        assert (event.kind, event.detail, event.message) == (
            "callback_rejected",
            "The signature does not match.",
            None,
        )
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT

    def test_an_unsigned_callback_is_refused(self):
        response = Client().post(STATUS_URL, data=b"{}", content_type="application/json")

        assert response.status_code == 403
        assert MessageEvent.objects.get().detail == "The signature is missing."

    @pytest.mark.parametrize(
        ("body", "reason"),
        [(b"\x89PNG\r\n", "The body is not UTF-8 text."), (b"<xml>", "The body is neither JSON nor a form."),
         (b'["delivered"]', "The body is not a JSON object."), (b'{"status": "delivered"}', "“id” is missing.")],
    )  # fmt: skip
    def test_garbage_signed_correctly_is_a_bad_request_and_recorded(self, body, reason):
        signature = generic_signature(secret=SECRET, body=body)

        response = Client().post(
            STATUS_URL, data=body, content_type="application/json", HTTP_X_ARREARS_SIGNATURE=signature
        )

        assert response.status_code == 400
        assert list(MessageEvent.objects.values_list("kind", "detail")) == [("callback_rejected", reason)]


class TestInboundSms:
    def test_tuiding_opts_every_point_with_that_number_out_of_sms_and_queues_nothing(self, phone):
        other_debtors_phone = ContactPointFactory(value="+8613812345678")
        assert sms_check(phone).decision is Decision.ALLOW

        response = post_signed_json(INBOUND_URL, {"from": "+8613812345678", "text": "退订", "id": "in-1"})

        assert response.status_code == 200
        phone.refresh_from_db()
        other_debtors_phone.refresh_from_db()
        assert phone.opt_outs == {"sms": MORNING.isoformat()}
        assert other_debtors_phone.opt_outs == {"sms": MORNING.isoformat()}
        check = sms_check(phone)
        assert (check.decision, [reason.code for reason in check.reasons]) == (
            Decision.DENY,
            ["HOLD.OPT_OUT_SMS"],
        )
        assert not Message.objects.exists()
        assert AuditEvent.objects.filter(action="portfolio.record_opt_out").count() == 2

    def test_a_full_width_td_by_twilio_opts_out_and_gets_an_empty_twiml_answer(self, phone, settings):
        settings.ARREARS_SMS_SHAPE = "twilio"

        response = post_twilio_form(
            INBOUND_URL, {"From": "+8613812345678", "To": "+15005550006", "Body": "ＴＤ", "MessageSid": "SM9"}
        )

        assert response.status_code == 200
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        assert b"<Response></Response>" in response.content
        phone.refresh_from_db()
        assert "sms" in phone.opt_outs

    def test_a_national_number_finds_the_same_debtor(self, phone):
        response = post_signed_json(INBOUND_URL, {"from": "138 1234 5678", "text": "STOP"})

        assert response.status_code == 200
        phone.refresh_from_db()
        assert "sms" in phone.opt_outs

    def test_any_other_reply_lands_on_the_timeline_of_the_debtor_last_texted(self, phone):
        message = sms(phone)

        response = post_signed_json(
            INBOUND_URL, {"from": "+8613812345678", "text": "我下周一还款", "id": "in-2"}
        )

        assert response.status_code == 200
        reply = MessageEvent.objects.get()
        assert (reply.kind, reply.debtor, reply.message, reply.detail) == (
            "reply",
            phone.debtor,
            message,
            "我下周一还款",
        )
        assert reply.payload == {"from": "138****5678", "provider_message_id": "in-2"}
        phone.refresh_from_db()
        assert phone.opt_outs == {}

    def test_a_resent_callback_is_kept_once(self, phone):
        payload = {"from": "+8613812345678", "text": "已还款", "id": "in-3"}

        post_signed_json(INBOUND_URL, payload)
        post_signed_json(INBOUND_URL, payload)

        assert MessageEvent.objects.count() == 1

    def test_a_reply_from_an_unknown_number_is_kept_without_a_debtor(self):
        response = post_signed_json(INBOUND_URL, {"from": "+8613900009999", "text": "谁？"})

        assert response.status_code == 200
        assert list(MessageEvent.objects.values_list("kind", "debtor", "detail")) == [("reply", None, "谁？")]

    def test_a_bad_twilio_signature_is_refused_and_nobody_is_opted_out(self, phone, settings):
        settings.ARREARS_SMS_SHAPE = "twilio"

        response = post_twilio_form(INBOUND_URL, {"From": "+8613812345678", "Body": "STOP"}, token="guessed")

        assert response.status_code == 403
        phone.refresh_from_db()
        assert phone.opt_outs == {}
        assert MessageEvent.objects.get().kind == "callback_rejected"


class TestAppEvents:
    def post(self, payload, *, timestamp):
        body = json.dumps(payload).encode()
        signed = f"{timestamp}.".encode() + body
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), signed, hashlib.sha256).hexdigest()
        return Client().post(
            "/api/v1/comms/app/events", data=body, content_type="application/json",
            HTTP_X_ARREARS_TIMESTAMP=str(timestamp), HTTP_X_ARREARS_SIGNATURE=signature,
        )  # fmt: skip

    def test_a_signed_delivery_report_marks_the_app_message_delivered(self, phone):
        message = sms(phone, provider_message_id="key-app-1", channel="app")

        response = self.post({"id": "key-app-1", "status": "delivered"}, timestamp=int(MORNING.timestamp()))

        assert response.status_code == 200
        message.refresh_from_db()
        assert message.status == MessageStatus.DELIVERED

    def test_an_old_report_is_refused_as_a_possible_replay(self, phone):
        sms(phone, provider_message_id="key-app-1", channel="app")

        response = self.post(
            {"id": "key-app-1", "status": "delivered"}, timestamp=int(MORNING.timestamp()) - 3600
        )

        assert response.status_code == 403
        assert MessageEvent.objects.get().detail == "The timestamp is too old or in the future."
