"""App notifications: a signed JSON POST to the creditor's app, which pushes it to the debtor.

The request carries ``X-Arrears-Timestamp`` (Unix seconds), ``X-Arrears-Signature:
sha256=<hex HMAC-SHA256 of "timestamp.body">`` and ``Idempotency-Key``. Failures are classified
like SMS (``arrears.comms.gateways.sms``), except that any 2xx is an acceptance: the app has no
delivery callback to match, so its own ``id`` is kept when it sends one and the idempotency key
stands in otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from arrears.comms.gateways.base import Outgoing, Sent
from arrears.comms.gateways.sms import HttpPool, classify_failure, provider_reason

SIGNATURE_HEADER = "X-Arrears-Signature"
TIMESTAMP_HEADER = "X-Arrears-Timestamp"


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """Return the ``X-Arrears-Signature`` value for a body sent at ``timestamp``."""
    signed = timestamp.encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def is_signature_valid(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Tell whether ``signature`` is this body's, compared in constant time."""
    if not secret or not timestamp.isascii():
        return False
    return hmac.compare_digest(sign(secret=secret, timestamp=timestamp, body=body), signature.strip())


class AppWebhookGateway:
    """POST each app notification, signed, to ``ARREARS_APP_WEBHOOK_URL``."""

    channel = "app"

    def __init__(
        self,
        *,
        url: str | None = None,
        secret: str | None = None,
        timeout: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        url = url if url is not None else str(getattr(settings, "ARREARS_APP_WEBHOOK_URL", ""))
        self.secret = (
            secret if secret is not None else str(getattr(settings, "ARREARS_APP_WEBHOOK_SECRET", ""))
        )
        if not url or not self.secret:
            raise ImproperlyConfigured("ARREARS_APP_WEBHOOK_URL and ARREARS_APP_WEBHOOK_SECRET must be set")
        timeout = (
            timeout if timeout is not None else float(getattr(settings, "ARREARS_SMS_TIMEOUT", 5.0) or 5.0)
        )
        self.pool = HttpPool(url, timeout=timeout)
        self.clock = clock

    @classmethod
    def from_settings(cls) -> AppWebhookGateway:
        """Build the gateway from ``ARREARS_APP_WEBHOOK_URL`` and ``ARREARS_APP_WEBHOOK_SECRET``.

        :raises ImproperlyConfigured: when either is missing.
        """
        return cls()

    def close(self) -> None:
        """Close the kept-alive connections of every thread."""
        self.pool.close_all()

    def build_request(self, outgoing: Outgoing) -> tuple[bytes, dict[str, str]]:
        """Return the signed body and headers for ``outgoing``."""
        payload = {
            "message_id": outgoing.message_id,
            "idempotency_key": outgoing.idempotency_key,
            "to": outgoing.to,
            "language": outgoing.language,
            "title": outgoing.subject,
            "text": outgoing.body,
        }
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(self.clock()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(secret=self.secret, timestamp=timestamp, body=body),
            "Idempotency-Key": outgoing.idempotency_key,
        }
        return body, headers

    def send(self, outgoing: Outgoing) -> Sent:
        """Deliver one notification to the creditor's app.

        :raises TransientFailure: on a timeout, a dropped connection, 5xx, 408, 425, 429 or 401.
        :raises PermanentFailure: on any other 4xx (the app refused this notification for good).
        """
        body, headers = self.build_request(outgoing)
        answer = self.pool.post(body, headers)
        if not 200 <= answer.status < 300:
            raise classify_failure(answer, provider_reason(answer))
        payload = answer.json_object() or {}
        answer_id = payload.get("id")
        if isinstance(answer_id, str | int) and not isinstance(answer_id, bool) and str(answer_id).strip():
            return Sent(provider_message_id=str(answer_id).strip())
        return Sent(provider_message_id=outgoing.idempotency_key)
