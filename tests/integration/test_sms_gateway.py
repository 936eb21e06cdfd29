"""The SMS and app gateways against a local HTTP server started by the test."""

import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

from arrears.comms.gateways.base import Outgoing, PermanentFailure, TransientFailure
from arrears.comms.gateways.sms import SmsGateway, SmsSettings
from arrears.comms.gateways.webhook import AppWebhookGateway

OUTGOING = Outgoing(
    message_id=7,
    idempotency_key="msg-7-v1",
    channel="sms",
    to="+8613812345678",
    language="zh-hans",
    subject="",
    body="您的账单已逾期，回复TD退订",
)
APP_SECRET = "appsec"


class Gateway(BaseHTTPRequestHandler):
    """A provider whose answer depends on the path; it remembers every request it got."""

    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body leave in two writes; without this, Nagle and delayed ACKs add 40 ms to each.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):
        pass

    def answer(self, status, body, content_type="application/json", **headers):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.received.append(
            {"path": self.path, "headers": dict(self.headers), "body": body, "client": self.client_address}
        )
        route = {
            "/ok": lambda: self.answer(202, {"id": f"gw-{len(self.server.received)}", "status": "queued"}),
            "/twilio": lambda: self.answer(201, {"sid": "SM1234", "status": "queued"}),
            "/busy": lambda: self.answer(500, b"upstream exploded", "text/plain"),
            "/limited": lambda: self.answer(429, {"error": "slow down"}),
            "/invalid": lambda: self.answer(
                400, {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}
            ),
            "/garbage": lambda: self.answer(200, b"<html><body>Thanks!</body></html>", "text/html"),
            "/slow": self.slow,
            "/hangup": self.hang_up_after_answering,
            "/app": lambda: self.app(body),
        }[self.path]
        route()

    def slow(self):
        time.sleep(0.6)
        try:
            self.answer(202, {"id": "too-late"})
        except BrokenPipeError:  # the client gave up waiting, as it should
            self.close_connection = True

    def hang_up_after_answering(self):
        self.answer(202, {"id": f"gw-{len(self.server.received)}"})
        self.close_connection = True

    def app(self, body):
        timestamp = self.headers["X-Arrears-Timestamp"]
        expected = (
            "sha256=" + hmac.new(APP_SECRET.encode(), f"{timestamp}.".encode() + body, "sha256").hexdigest()
        )
        if not hmac.compare_digest(expected, self.headers["X-Arrears-Signature"]):
            self.answer(401, {"error": "bad signature"})
        else:
            self.answer(204, b"")


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    httpd.daemon_threads = True
    httpd.received = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def gateways():
    """Gateways made in a test, their kept-alive connections closed afterwards."""
    made = []
    yield made
    for made_gateway in made:
        made_gateway.close()


@pytest.fixture
def gateway(server, gateways):
    def make(path, *, shape="generic", timeout=2.0):
        host, port = server.server_address
        sms = SmsGateway(
            SmsSettings(
                shape=shape, endpoint=f"http://{host}:{port}{path}", token="tok", account="AC123",
                sender="+15005550006", status_callback_url="https://arrears.example/api/v1/comms/sms/status",
                timeout=timeout,
            )
        )  # fmt: skip
        gateways.append(sms)
        return sms

    return make


class TestSmsGateway:
    def test_an_accepted_message_returns_the_providers_id(self, gateway, server):
        sent = gateway("/ok").send(OUTGOING)

        assert (sent.provider_message_id, sent.detail) == ("gw-1", "queued")
        request = server.received[0]
        assert json.loads(request["body"])["text"] == "您的账单已逾期，回复TD退订"
        assert request["headers"]["Authorization"] == "Bearer tok"

    def test_sends_the_idempotency_key_with_every_request(self, gateway, server):
        sms = gateway("/ok")

        sms.send(OUTGOING)
        sms.send(OUTGOING)

        assert [request["headers"]["Idempotency-Key"] for request in server.received] == ["msg-7-v1"] * 2
        assert [json.loads(request["body"])["idempotency_key"] for request in server.received] == [
            "msg-7-v1"
        ] * 2

    def test_the_twilio_shape_posts_a_form_and_reads_the_sid(self, gateway, server):
        sent = gateway("/twilio", shape="twilio").send(OUTGOING)

        assert sent.provider_message_id == "SM1234"
        request = server.received[0]
        assert dict(parse_qsl(request["body"].decode()))["To"] == "+8613812345678"
        assert request["headers"]["I-Twilio-Idempotency-Token"] == "msg-7-v1"

    def test_keeps_one_connection_alive_across_sends(self, gateway, server):
        sms = gateway("/ok")

        for _ in range(5):
            sms.send(OUTGOING)

        assert len({request["client"] for request in server.received}) == 1

    def test_a_connection_the_server_closed_is_reopened(self, gateway, server):
        sms = gateway("/hangup")

        ids = [sms.send(OUTGOING).provider_message_id for _ in range(3)]

        assert ids == ["gw-1", "gw-2", "gw-3"]

    def test_a_server_error_is_worth_retrying(self, gateway, server):
        with pytest.raises(TransientFailure, match="HTTP 500: upstream exploded"):
            gateway("/busy").send(OUTGOING)

    def test_a_rate_limit_is_worth_retrying(self, gateway, server):
        with pytest.raises(TransientFailure, match="HTTP 429: slow down"):
            gateway("/limited").send(OUTGOING)

    def test_an_invalid_number_fails_for_good_with_the_providers_words(self, gateway, server):
        with pytest.raises(PermanentFailure) as failure:
            gateway("/invalid", shape="twilio").send(OUTGOING)

        assert str(failure.value) == "HTTP 400: The 'To' number is not a valid phone number. (code 21211)"

    def test_a_garbage_answer_is_worth_retrying_with_the_same_key(self, gateway, server):
        with pytest.raises(TransientFailure, match=r"HTTP 200 without a message id \('id'\): <html>"):
            gateway("/garbage").send(OUTGOING)

    def test_a_timeout_is_worth_retrying_and_the_next_send_starts_afresh(self, gateway, server):
        slow = gateway("/slow", timeout=0.2)

        with pytest.raises(TransientFailure, match=r"no answer within 0.2s"):
            slow.send(OUTGOING)
        slow.pool.timeout = 2.0
        slow.pool.close()

        assert slow.send(OUTGOING).provider_message_id == "too-late"

    def test_a_refused_connection_is_worth_retrying(self, gateways):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        sms = SmsGateway(SmsSettings(shape="generic", endpoint=f"http://127.0.0.1:{port}/sms", timeout=1.0))
        gateways.append(sms)

        with pytest.raises(TransientFailure, match="cannot reach the gateway"):
            sms.send(OUTGOING)


class TestAppWebhookGateway:
    @pytest.fixture
    def app(self, server, gateways):
        def make(secret=APP_SECRET):
            host, port = server.server_address
            gateways.append(AppWebhookGateway(url=f"http://{host}:{port}/app", secret=secret, timeout=2.0))
            return gateways[-1]

        return make

    def test_the_app_verifies_the_signature_and_the_key_stands_in_for_its_id(self, server, app):
        sent = app().send(OUTGOING)

        assert sent.provider_message_id == "msg-7-v1"
        assert server.received[0]["headers"]["Idempotency-Key"] == "msg-7-v1"

    def test_a_wrong_secret_is_refused_by_the_app_and_retried_later(self, app):
        with pytest.raises(TransientFailure, match="HTTP 401: bad signature"):
            app(secret="not-the-secret").send(OUTGOING)


class TestConcurrency:
    def test_threads_share_a_gateway_each_over_its_own_kept_alive_connection(self, gateway, server):
        sms = gateway("/ok")
        count = 400

        def send_share(share):
            for index in range(share):
                sms.send(Outgoing(**{**OUTGOING.__dict__, "idempotency_key": f"bulk-{index}"}))

        threads = [threading.Thread(target=send_share, args=(count // 4,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert len(server.received) == count
        assert len({request["client"] for request in server.received}) == 4
