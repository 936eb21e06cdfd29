"""The gateways the worker uses, built from settings: real providers, or file sinks for the demo.

Letters are always PDFs written to ARREARS_LETTER_DIR (the print shop collects the day's batch).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from arrears.comms.gateways import letters, sms, webhook
from arrears.comms.gateways.base import Gateway, Outgoing, Sent, TransientFailure
from arrears.comms.gateways.email import EmailSettings, FileSinkGateway, SmtpGateway


@dataclass
class JsonFileSink:
    """Write each message of a channel as one JSON file named by its idempotency key (the demo's SMS and app)."""

    channel: str
    directory: Path

    def send(self, outgoing: Outgoing) -> Sent:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = "".join(character if character.isalnum() else "_" for character in outgoing.idempotency_key)[
            :150
        ]
        path = self.directory / f"{name}.json"
        record = {
            "to": outgoing.to,
            "subject": outgoing.subject,
            "text": outgoing.body,
            "key": outgoing.idempotency_key,
        }
        try:
            path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        except OSError as exc:
            raise TransientFailure(f"cannot write {path}: {exc}") from exc
        return Sent(provider_message_id=name, detail=str(path))


def email_settings() -> EmailSettings:
    return EmailSettings(
        host=settings.ARREARS_SMTP_HOST, port=settings.ARREARS_SMTP_PORT, username=settings.ARREARS_SMTP_USER,
        password=settings.ARREARS_SMTP_PASSWORD, starttls=settings.ARREARS_SMTP_STARTTLS,
        sender=settings.ARREARS_MAIL_FROM, sender_name=settings.ARREARS_MAIL_FROM_NAME,
        unsubscribe_mailto=settings.ARREARS_UNSUBSCRIBE_MAILTO, unsubscribe_url=settings.ARREARS_UNSUBSCRIBE_URL,
    )  # fmt: skip


def build_gateways() -> dict[str, Gateway]:
    """Return one gateway per channel: the configured provider, else a file sink under var/outbox/."""
    sink = Path(settings.ARREARS_OUTBOX_SINK_DIR)
    gateways: dict[str, Gateway] = {}
    if settings.ARREARS_SMTP_HOST:
        gateways["email"] = SmtpGateway(email_settings())
    else:
        gateways["email"] = FileSinkGateway(sink / "email", email_settings())
    gateways["sms"] = _sms_gateway() or JsonFileSink("sms", sink / "sms")
    gateways["app"] = _app_gateway() or JsonFileSink("app", sink / "app")
    gateways["letter"] = _letter_gateway()
    return gateways


def _sms_gateway() -> Gateway | None:
    if not (settings.ARREARS_SMS_ENDPOINT or settings.ARREARS_SMS_ACCOUNT):
        return None
    return sms.SmsGateway.from_settings()


def _app_gateway() -> Gateway | None:
    if not settings.ARREARS_APP_WEBHOOK_URL:
        return None
    return webhook.AppWebhookGateway.from_settings()


def _letter_gateway() -> Gateway:
    return letters.LetterGateway.from_settings()
