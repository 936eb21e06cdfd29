"""SMS and app requests on the wire, failure classification, callback signatures, opt-out keywords."""

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qsl

import pytest
from django.core.exceptions import ImproperlyConfigured

from arrears.comms import callbacks
from arrears.comms.gateways.base import Outgoing, PermanentFailure, TransientFailure
from arrears.comms.gateways.sms import Answer, SmsGateway, SmsSettings, classify_failure
from arrears.comms.gateways.webhook import AppWebhookGateway, is_signature_valid, sign

OUTGOING = Outgoing(
    message_id=7,
    idempotency_key="msg-7-v1",
    channel="sms",
    to="+8613812345678",
    language="zh-hans",
    subject="",
    body="您的账单已逾期，回复TD退订",
)
GENERIC = SmsSettings(
    shape="generic",
    endpoint="http://127.0.0.1:9/sms",
    token="tok",
    callback_secret="whsec",
    status_callback_url="https://arrears.example/api/v1/comms/sms/status",
)
TWILIO = SmsSettings(
    shape="twilio",
    endpoint="https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json",
    token="12345",
    account="AC123",
    sender="+15005550006",
    status_callback_url="https://arrears.example/api/v1/comms/sms/status",
)
# Twilio's own validator tests (twilio-python tests/unit/test_request_validator.py).
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}


def form_callback(url, params, **headers):
    body = "&".join(f"{name}={value}" for name, value in params.items()).replace("+", "%2B").encode()
    return callbacks.CallbackRequest(
        url=url, content_type="application/x-www-form-urlencoded", body=body, headers=headers
    )


class TestSmsSettings:
    def test_a_twilio_account_without_an_endpoint_uses_the_twilio_messages_api(self, settings):
        settings.ARREARS_SMS_SHAPE = "twilio"
        settings.ARREARS_SMS_ACCOUNT = "AC123"
        settings.ARREARS_SMS_ENDPOINT = ""

        sms_settings = SmsSettings.from_django()

        assert sms_settings.endpoint == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"

    def test_refuses_an_unknown_shape_naming_the_setting(self, settings):
        settings.ARREARS_SMS_SHAPE = "carrier-pigeon"

        with pytest.raises(ImproperlyConfigured, match="ARREARS_SMS_SHAPE"):
            SmsSettings.from_django()

    def test_a_gateway_needs_an_endpoint(self):
        with pytest.raises(ImproperlyConfigured, match="ARREARS_SMS_ENDPOINT"):
            SmsGateway(SmsSettings(shape="generic"))


class TestGenericShape:
    def test_posts_json_with_the_text_idempotency_key_and_callback(self):
        body, headers = SmsGateway(GENERIC).build_request(OUTGOING)

        assert json.loads(body) == {
            "to": "+8613812345678",
            "text": "您的账单已逾期，回复TD退订",
            "idempotency_key": "msg-7-v1",
            "callback_url": "https://arrears.example/api/v1/comms/sms/status",
        }
        assert headers["Authorization"] == "Bearer tok"
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        assert headers["Idempotency-Key"] == "msg-7-v1"

    def test_reads_the_id_from_the_answer(self):
        sent = SmsGateway(GENERIC).read_acceptance(Answer(202, b'{"id": "gw-1", "status": "queued"}'))

        assert (sent.provider_message_id, sent.detail) == ("gw-1", "queued")

    @pytest.mark.parametrize("body", [b"<html>OK</html>", b"", b'{"id": ""}', b'["gw-1"]', b'{"id": true}'])
    def test_an_answer_without_an_id_is_worth_retrying(self, body):
        with pytest.raises(TransientFailure, match="without a message id"):
            SmsGateway(GENERIC).read_acceptance(Answer(200, body))


class TestTwilioShape:
    def test_posts_a_form_with_basic_auth_and_twilios_idempotency_header(self):
        body, headers = SmsGateway(TWILIO).build_request(OUTGOING)

        assert dict(parse_qsl(body.decode())) == {
            "To": "+8613812345678",
            "From": "+15005550006",
            "Body": "您的账单已逾期，回复TD退订",
            "StatusCallback": "https://arrears.example/api/v1/comms/sms/status",
        }
        assert base64.b64decode(headers["Authorization"].removeprefix("Basic ")) == b"AC123:12345"
        assert headers["Content-Type"] == "application/x-www-form-urlencoded; charset=utf-8"
        assert headers["I-Twilio-Idempotency-Token"] == "msg-7-v1"

    def test_a_messaging_service_sender_goes_as_messaging_service_sid(self):
        gateway = SmsGateway(
            SmsSettings(**{**TWILIO.__dict__, "sender": "MG9752274e9e519418a7406176694466fa"})
        )

        body, _headers = gateway.build_request(OUTGOING)

        fields = dict(parse_qsl(body.decode()))
        assert fields["MessagingServiceSid"] == "MG9752274e9e519418a7406176694466fa"
        assert "From" not in fields

    def test_reads_the_sid_from_the_answer(self):
        answer = Answer(201, b'{"sid": "SM1234", "status": "queued"}')

        assert SmsGateway(TWILIO).read_acceptance(answer).provider_message_id == "SM1234"


class TestClassifyFailure:
    @pytest.mark.parametrize("status", [500, 502, 503, 408, 429, 401, 302])
    def test_worth_retrying(self, status):
        assert isinstance(classify_failure(Answer(status, b"busy"), ""), TransientFailure)

    @pytest.mark.parametrize("status", [400, 403, 404, 422])
    def test_never_worth_retrying(self, status):
        assert isinstance(classify_failure(Answer(status, b"no"), ""), PermanentFailure)

    def test_the_reason_carries_the_status_and_the_providers_words(self):
        failure = classify_failure(
            Answer(400, b""), "The 'To' number is not a valid phone number. (code 21211)"
        )

        assert str(failure) == "HTTP 400: The 'To' number is not a valid phone number. (code 21211)"


class TestTwilioSignature:
    def test_matches_twilios_documented_example(self):
        signature = callbacks.twilio_signature(token="12345", url=TWILIO_URL, params=TWILIO_PARAMS.items())

        assert signature == "RSOYDt4T1cUTdK1PDd93/VVr8B8="

    def test_repeated_parameters_sort_their_values_like_twilio(self):
        params = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]

        assert callbacks.twilio_signature(token="12345", url=TWILIO_URL, params=params) == (
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        )

    def test_a_form_callback_signed_by_twilio_is_believed(self):
        callback = form_callback(
            TWILIO_URL, TWILIO_PARAMS, **{"X-Twilio-Signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="}
        )
        _fields, pairs = callbacks._read_body(callback)

        callbacks.verify_signature(callback=callback, sms_settings=TWILIO, params=pairs)

    def test_a_signature_made_with_the_default_port_is_believed_too(self):
        callback = form_callback(
            TWILIO_URL, TWILIO_PARAMS, **{"X-Twilio-Signature": "kvajT1Ptam85bY51eRf/AJRuM3w="}
        )
        _fields, pairs = callbacks._read_body(callback)

        callbacks.verify_signature(callback=callback, sms_settings=TWILIO, params=pairs)

    def test_a_changed_parameter_is_refused(self):
        params = {**TWILIO_PARAMS, "Digits": "9999"}
        callback = form_callback(TWILIO_URL, params, **{"X-Twilio-Signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="})
        _fields, pairs = callbacks._read_body(callback)

        with pytest.raises(callbacks.SignatureRefused, match="does not match"):
            callbacks.verify_signature(callback=callback, sms_settings=TWILIO, params=pairs)


class TestGenericSignature:
    BODY = b'{"id": "gw-1", "status": "delivered"}'

    def callback(self, signature):
        headers = {"X-Arrears-Signature": signature} if signature is not None else {}
        return callbacks.CallbackRequest(
            url="https://arrears.example/api/v1/comms/sms/status",
            content_type="application/json",
            body=self.BODY,
            headers=headers,
        )

    def test_is_the_hex_hmac_sha256_of_the_raw_body(self):
        expected = "sha256=" + hmac.new(b"whsec", self.BODY, hashlib.sha256).hexdigest()

        assert callbacks.generic_signature(secret="whsec", body=self.BODY) == expected

    @pytest.mark.parametrize("prefix", ["sha256=", ""])
    def test_a_right_signature_is_believed_with_or_without_its_prefix(self, prefix):
        signature = callbacks.generic_signature(secret="whsec", body=self.BODY).removeprefix("sha256=")

        callbacks.verify_signature(
            callback=self.callback(prefix + signature), sms_settings=GENERIC, params=[]
        )

    @pytest.mark.parametrize(
        ("signature", "reason"), [(None, "missing"), ("sha256=00", "does not match"), ("", "missing")]
    )
    def test_a_missing_or_wrong_signature_is_refused_with_its_reason(self, signature, reason):
        with pytest.raises(callbacks.SignatureRefused, match=reason):
            callbacks.verify_signature(callback=self.callback(signature), sms_settings=GENERIC, params=[])

    def test_without_a_configured_secret_everything_is_refused(self):
        signature = callbacks.generic_signature(secret="", body=self.BODY)
        unconfigured = SmsSettings(shape="generic", endpoint="http://127.0.0.1:9/sms")

        with pytest.raises(callbacks.SignatureRefused, match="No callback secret"):
            callbacks.verify_signature(
                callback=self.callback(signature), sms_settings=unconfigured, params=[]
            )


class TestAppWebhookSignature:
    def test_signs_the_timestamp_and_the_body_and_sends_the_idempotency_key(self):
        gateway = AppWebhookGateway(
            url="http://127.0.0.1:9/push", secret="appsec", clock=lambda: 1774990799.5
        )

        body, headers = gateway.build_request(OUTGOING)

        expected = hmac.new(b"appsec", b"1774990799." + body, hashlib.sha256).hexdigest()
        assert headers["X-Arrears-Timestamp"] == "1774990799"
        assert headers["X-Arrears-Signature"] == f"sha256={expected}"
        assert headers["Idempotency-Key"] == "msg-7-v1"
        assert json.loads(body)["text"] == "您的账单已逾期，回复TD退订"

    def test_a_changed_body_or_timestamp_fails_the_check(self):
        signature = sign(secret="appsec", timestamp="1774990799", body=b"{}")

        assert is_signature_valid(secret="appsec", timestamp="1774990799", body=b"{}", signature=signature)
        assert not is_signature_valid(
            secret="appsec", timestamp="1774990800", body=b"{}", signature=signature
        )
        assert not is_signature_valid(
            secret="appsec", timestamp="1774990799", body=b"{ }", signature=signature
        )

    def test_needs_a_url_and_a_secret(self):
        with pytest.raises(ImproperlyConfigured, match="ARREARS_APP_WEBHOOK"):
            AppWebhookGateway(url="http://127.0.0.1:9/push", secret="")


class TestOptOutKeywords:
    @pytest.mark.parametrize(
        "text",
        ["STOP", "stop", "Stop!", "ＳＴＯＰ", " 退订 ", "退订。", "TD", "td", "T", "取消", "UNSUBSCRIBE", "StopAll",
         "end", "quit", "cancel", "ＴＤ"],
    )  # fmt: skip
    def test_recognises_a_keyword_in_any_case_or_width(self, text):
        assert callbacks.is_opt_out(text)

    @pytest.mark.parametrize(
        "text", ["stop calling me at work", "退订了吗", "Hello", "", "TDX", "我下周还款"]
    )
    def test_anything_else_is_a_reply(self, text):
        assert not callbacks.is_opt_out(text)
