"""SMS through an HTTP gateway: a generic JSON shape and Twilio's, over pooled keep-alive connections.

How answers are classified (the dispatcher retries transient failures, never permanent ones):

- 2xx with the provider's id → ``Sent``.
- 2xx without a readable id (garbage, HTML, an empty body) → ``TransientFailure``: the provider may
  have taken the message, and the retry carries the same idempotency key, so the provider answers
  with the id of the message it already has instead of sending a second one.
- timeouts, refused or dropped connections, 5xx, 408, 425, 429, 401 (our credentials, fixed by an
  operator), 1xx/3xx → ``TransientFailure``.
- any other 4xx (invalid number, unsubscribed recipient, rejected content) → ``PermanentFailure``
  with the provider's own words.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import ssl
import threading
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from arrears.comms.gateways.base import Outgoing, PermanentFailure, Sent, TransientFailure

GENERIC: Final = "generic"
TWILIO: Final = "twilio"
SHAPES: Final = (GENERIC, TWILIO)
TWILIO_API: Final = "https://api.twilio.com/2010-04-01/Accounts/{account}/Messages.json"
RETRYABLE_CLIENT_ERRORS: Final = frozenset({401, 408, 425, 429})
_SNIPPET = 200


@dataclass(frozen=True)
class SmsSettings:
    """How to reach the SMS gateway and check its callbacks (Django settings ``ARREARS_SMS_*``)."""

    shape: str = GENERIC
    endpoint: str = ""
    token: str = ""
    account: str = ""
    sender: str = ""
    callback_secret: str = ""
    status_callback_url: str = ""
    timeout: float = 5.0

    @classmethod
    def from_django(cls) -> SmsSettings:
        """Read the ``ARREARS_SMS_*`` settings.

        :raises ImproperlyConfigured: when the shape is unknown or the timeout is not positive.
        """
        shape = str(getattr(settings, "ARREARS_SMS_SHAPE", GENERIC) or GENERIC).lower()
        if shape not in SHAPES:
            raise ImproperlyConfigured(f"ARREARS_SMS_SHAPE must be one of {', '.join(SHAPES)}, got {shape!r}")
        timeout = float(getattr(settings, "ARREARS_SMS_TIMEOUT", 5.0) or 5.0)
        if timeout <= 0:
            raise ImproperlyConfigured(f"ARREARS_SMS_TIMEOUT must be positive, got {timeout!r}")
        account = str(getattr(settings, "ARREARS_SMS_ACCOUNT", ""))
        endpoint = str(getattr(settings, "ARREARS_SMS_ENDPOINT", ""))
        if not endpoint and shape == TWILIO and account:
            endpoint = TWILIO_API.format(account=account)
        return cls(
            shape=shape,
            endpoint=endpoint,
            token=str(getattr(settings, "ARREARS_SMS_TOKEN", "")),
            account=account,
            sender=str(getattr(settings, "ARREARS_SMS_FROM", "")),
            callback_secret=str(getattr(settings, "ARREARS_SMS_CALLBACK_SECRET", "")),
            status_callback_url=str(getattr(settings, "ARREARS_SMS_STATUS_CALLBACK_URL", "")),
            timeout=timeout,
        )


@dataclass(frozen=True)
class Answer:
    """What the server said: its status and raw body."""

    status: int
    body: bytes

    def snippet(self) -> str:
        """Return the start of the body as text, for a failure reason."""
        text = self.body[:_SNIPPET].decode("utf-8", "replace").strip()
        return text or "(empty body)"

    def json_object(self) -> dict[str, Any] | None:
        """Return the body as a JSON object, or ``None`` when it is not one."""
        try:
            value = json.loads(self.body)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


class _Connection(http.client.HTTPConnection):
    """An HTTP connection that writes each request (headers and body) in one packet."""

    _held: list[bytes] | None = None

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, data: Any) -> None:
        if self._held is not None and isinstance(data, bytes):
            self._held.append(data)
            return
        super().send(data)

    def post_at_once(self, path: str, body: bytes, headers: dict[str, str]) -> None:
        """Send a POST as one write: http.client writes headers and body apart, which costs a packet."""
        self._held = []
        try:
            self.request("POST", path, body=body, headers=headers)
        finally:
            held, self._held = self._held, None
        self.send(b"".join(held))


class _TlsConnection(_Connection, http.client.HTTPSConnection):
    """The same over TLS."""


_STALE = (
    http.client.RemoteDisconnected,
    http.client.CannotSendRequest,
    ConnectionResetError,
    BrokenPipeError,
)


class HttpPool:
    """POST to one origin over a keep-alive connection per thread (and per process, after a fork)."""

    def __init__(self, url: str, *, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ImproperlyConfigured(f"Not an http(s) URL: {url!r}")
        self.host = parts.hostname
        self.port = parts.port
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.timeout = timeout
        self._tls = ssl.create_default_context() if parts.scheme == "https" else None
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[_Connection] = set()

    def _connection(self) -> tuple[_Connection, bool]:
        connection = getattr(self._local, "connection", None)
        if connection is not None and self._local.pid == os.getpid():
            if connection.sock is None:  # closed by close_all(); it reopens on its next request
                with self._lock:
                    self._open.add(connection)
                return connection, False
            return connection, True
        if self._tls is not None:
            connection = _TlsConnection(self.host, self.port, timeout=self.timeout, context=self._tls)
        else:
            connection = _Connection(self.host, self.port, timeout=self.timeout)
        self._local.connection, self._local.pid = connection, os.getpid()
        with self._lock:
            self._open.add(connection)
        return connection, False

    def close(self) -> None:
        """Close this thread's connection; the next request opens a new one."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with self._lock:
                self._open.discard(connection)
            connection.close()

    def close_all(self) -> None:
        """Close every thread's connection (at shutdown); each thread reconnects on its next request."""
        with self._lock:
            connections, self._open = self._open, set()
        for connection in connections:
            connection.close()

    def post(self, body: bytes, headers: dict[str, str]) -> Answer:
        """Send one POST and read the whole answer.

        A kept-alive connection the server has since closed is reopened once; the request
        carries its idempotency key, so sending it again cannot reach the person twice.

        :raises TransientFailure: on a timeout, a refused or dropped connection.
        """
        while True:
            connection, reused = self._connection()
            try:
                connection.post_at_once(self.path, body, headers)
                response = connection.getresponse()
                data = response.read()
            except TimeoutError:
                self.close()
                raise TransientFailure(f"no answer within {self.timeout:g}s") from None
            except _STALE as exc:
                self.close()
                if reused:
                    continue
                raise TransientFailure(f"connection dropped: {exc!r}") from None
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                raise TransientFailure(f"cannot reach the gateway: {exc!r}") from None
            if response.will_close:
                self.close()
            return Answer(response.status, data)


def classify_failure(answer: Answer, words: str) -> TransientFailure | PermanentFailure:
    """Return the failure a non-2xx answer means (see the module docstring), with the provider's ``words``."""
    reason = f"HTTP {answer.status}: {words or answer.snippet()}"
    if answer.status >= 500 or answer.status < 200 or 300 <= answer.status < 400:
        return TransientFailure(reason)
    if answer.status in RETRYABLE_CLIENT_ERRORS:
        return TransientFailure(reason)
    return PermanentFailure(reason)


def provider_reason(answer: Answer) -> str:
    """Return the provider's explanation from a JSON error body (``message``/``error``/``detail``, ``code``)."""
    body = answer.json_object() or {}
    words = next((body[key] for key in ("message", "error", "detail") if isinstance(body.get(key), str)), "")
    code = body.get("code")
    return f"{words} (code {code})" if words and code is not None else words


class SmsGateway:
    """Send SMS to the configured HTTP gateway in the configured wire shape."""

    channel = "sms"

    def __init__(self, sms_settings: SmsSettings | None = None) -> None:
        self.settings = sms_settings or SmsSettings.from_django()
        if not self.settings.endpoint:
            raise ImproperlyConfigured("ARREARS_SMS_ENDPOINT (or ARREARS_SMS_ACCOUNT for twilio) must be set")
        self.pool = HttpPool(self.settings.endpoint, timeout=self.settings.timeout)
        self._headers = self._static_headers()

    @classmethod
    def from_settings(cls) -> SmsGateway:
        """Build the gateway from the ``ARREARS_SMS_*`` settings.

        :raises ImproperlyConfigured: when they do not name a usable gateway.
        """
        return cls(SmsSettings.from_django())

    def _static_headers(self) -> dict[str, str]:
        if self.settings.shape == TWILIO:
            credentials = f"{self.settings.account}:{self.settings.token}".encode()
            return {
                "Authorization": "Basic " + base64.b64encode(credentials).decode("ascii"),
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "Accept": "application/json",
            }
        return {
            "Authorization": f"Bearer {self.settings.token}",
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
        }

    def close(self) -> None:
        """Close the kept-alive connections of every thread."""
        self.pool.close_all()

    def build_request(self, outgoing: Outgoing) -> tuple[bytes, dict[str, str]]:
        """Return the body and headers that carry ``outgoing`` in the configured shape."""
        if self.settings.shape == TWILIO:
            return self._twilio_request(outgoing)
        payload = {
            "to": outgoing.to,
            "text": outgoing.body,
            "idempotency_key": outgoing.idempotency_key,
            "callback_url": self.settings.status_callback_url,
        }
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        return body, {**self._headers, "Idempotency-Key": outgoing.idempotency_key}

    def _twilio_request(self, outgoing: Outgoing) -> tuple[bytes, dict[str, str]]:
        sender = self.settings.sender
        form = {"To": outgoing.to, "Body": outgoing.body}
        # Twilio names a Messaging Service by a SID starting with MG; anything else is a number.
        form["MessagingServiceSid" if sender.startswith("MG") else "From"] = sender
        if self.settings.status_callback_url:
            form["StatusCallback"] = self.settings.status_callback_url
        headers = {**self._headers, "I-Twilio-Idempotency-Token": outgoing.idempotency_key}
        return urlencode(form).encode(), headers

    def send(self, outgoing: Outgoing) -> Sent:
        """Send one SMS; the provider deduplicates on the idempotency key.

        :raises TransientFailure: when a retry may succeed (see the module docstring).
        :raises PermanentFailure: when the provider refused this message for good.
        """
        body, headers = self.build_request(outgoing)
        answer = self.pool.post(body, headers)
        if not 200 <= answer.status < 300:
            raise classify_failure(answer, provider_reason(answer))
        return self.read_acceptance(answer)

    def read_acceptance(self, answer: Answer) -> Sent:
        """Return the provider's id from a 2xx answer.

        :raises TransientFailure: when the answer carries no id (see the module docstring).
        """
        key = "sid" if self.settings.shape == TWILIO else "id"
        payload = answer.json_object() or {}
        value = payload.get(key)
        if isinstance(value, int | str) and not isinstance(value, bool) and str(value).strip():
            return Sent(provider_message_id=str(value).strip(), detail=str(payload.get("status") or ""))
        raise TransientFailure(
            f"HTTP {answer.status} without a message id ({key!r}): {answer.snippet()}; retrying with the "
            "same idempotency key"
        )
