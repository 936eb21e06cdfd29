"""What providers tell us afterwards: delivery statuses, the debtor's replies, opt-outs by SMS.

Every callback is checked before it is believed: the generic shape signs the raw body with
HMAC-SHA256 (``X-Arrears-Signature: sha256=<hex>``), Twilio signs the URL and the sorted form
parameters with HMAC-SHA1 (``X-Twilio-Signature``), the creditor's app signs ``timestamp.body``
like our webhook. A refused or unreadable callback is kept as a ``callback_rejected`` event with
its reason and answered with a refusal; nothing here raises for bad input.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit, urlunsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from arrears.comms.gateways import webhook
from arrears.comms.gateways.sms import TWILIO, SmsSettings
from arrears.comms.models import Message, MessageEvent, MessageEventKind, MessageStatus
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.core.masking import mask_phone
from arrears.portfolio import contact_values, contacts
from arrears.portfolio.choices import Channel, ContactKind
from arrears.portfolio.models import ContactPoint

OPT_OUT_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "end", "quit", "cancel", "td", "t", "退订", "取消"}
)
DELIVERED_WORDS = frozenset({"delivered"})
FAILED_WORDS = frozenset({"failed", "undelivered", "rejected", "expired"})
APP_EVENT_TOLERANCE_SECONDS = 300
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")

# A later "delivered" outranks an earlier failure (the handset has the last word); never the reverse.
ALLOWED_TRANSITIONS: dict[MessageStatus, frozenset[MessageStatus]] = {
    MessageStatus.DELIVERED: frozenset(
        {MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.FAILED}
    ),
    MessageStatus.FAILED: frozenset({MessageStatus.SENDING, MessageStatus.SENT}),
}


class CallbackOutcome(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"  # the signature is missing or wrong
    MALFORMED = "malformed"  # signed (or not), but not something we can read


@dataclass(frozen=True)
class CallbackRequest:
    """One callback as it arrived: the full URL called, its content type, raw body and headers."""

    url: str
    content_type: str
    body: bytes
    headers: Mapping[str, str]

    def header(self, name: str) -> str:
        """Return the header ``name`` (any case), or an empty string."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), "")


@dataclass(frozen=True)
class CallbackResult:
    """What became of a callback, and why."""

    outcome: CallbackOutcome
    detail: str = ""


@dataclass(frozen=True)
class InboundRecord:
    """What an inbound SMS changed: the contact points it opted out and the timeline events it added."""

    opted_out: list[ContactPoint] = field(default_factory=list)
    events: list[MessageEvent] = field(default_factory=list)


class SignatureRefused(DomainError):
    """The callback's signature is missing or wrong, or there is no secret to check it with."""


class UnreadableCallback(DomainError):
    """The callback's body is not JSON or a form, or lacks a field we need."""


# --- signatures ---------------------------------------------------------------------------------


def generic_signature(*, secret: str, body: bytes) -> str:
    """Return the generic shape's ``X-Arrears-Signature`` for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def twilio_signature(*, token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Return Twilio's ``X-Twilio-Signature``: base64 HMAC-SHA1 of the URL and the sorted parameters.

    Repeated names are kept, their distinct values sorted, as Twilio's own validators do.
    """
    signed = url + "".join(name + value for name, value in sorted(set(params)))
    digest = hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def _url_variants(url: str) -> list[str]:
    """Return ``url`` with and without its default port: Twilio signs whichever it was given."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    bare = urlunsplit(parts._replace(netloc=host))
    with_port = urlunsplit(parts._replace(netloc=f"{host}:{parts.port or default}"))
    return list(dict.fromkeys([url, bare, with_port]))


def _check_twilio(callback: CallbackRequest, token: str, params: list[tuple[str, str]]) -> None:
    signature = callback.header("X-Twilio-Signature")
    if not signature:
        raise SignatureRefused(_("The signature is missing."))
    if not _is_form(callback):
        # JSON bodies are signed through the URL, which carries the body's SHA-256 as bodySHA256.
        body_hash = parse_qs(urlsplit(callback.url).query).get("bodySHA256", [""])[0]
        if not hmac.compare_digest(body_hash, hashlib.sha256(callback.body).hexdigest()):
            raise SignatureRefused(_("The signature does not match."))
        params = []
    for url in _url_variants(callback.url):
        if hmac.compare_digest(twilio_signature(token=token, url=url, params=params), signature.strip()):
            return
    raise SignatureRefused(_("The signature does not match."))


def verify_signature(
    *, callback: CallbackRequest, sms_settings: SmsSettings, params: list[tuple[str, str]]
) -> None:
    """Check the callback's signature for the configured shape (``params``: the parsed form, if any).

    :raises SignatureRefused: with the reason, when it is missing, wrong or cannot be checked.
    """
    if sms_settings.shape == TWILIO:
        if not sms_settings.token:
            raise SignatureRefused(_("No callback secret is configured; every callback is refused."))
        _check_twilio(callback, sms_settings.token, params)
        return
    if not sms_settings.callback_secret:
        raise SignatureRefused(_("No callback secret is configured; every callback is refused."))
    signature = callback.header(webhook.SIGNATURE_HEADER).strip()
    if not signature:
        raise SignatureRefused(_("The signature is missing."))
    if not signature.startswith("sha256="):
        signature = "sha256=" + signature
    expected = generic_signature(secret=sms_settings.callback_secret, body=callback.body)
    if not hmac.compare_digest(expected, signature.lower()):
        raise SignatureRefused(_("The signature does not match."))


# --- reading bodies -----------------------------------------------------------------------------


def _is_form(callback: CallbackRequest) -> bool:
    return callback.content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded"


def _read_body(callback: CallbackRequest) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Return the body as fields, and as form pairs when it is a form."""
    try:
        text = callback.body.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableCallback(_("The body is not UTF-8 text.")) from None
    if _is_form(callback):
        pairs = parse_qsl(text, keep_blank_values=True)
        return dict(pairs), pairs
    try:
        fields = json.loads(text)
    except ValueError:
        raise UnreadableCallback(_("The body is neither JSON nor a form.")) from None
    if not isinstance(fields, dict):
        raise UnreadableCallback(_("The body is not a JSON object."))
    return fields, []


def _text(fields: Mapping[str, Any], *names: str, required: bool = True) -> str:
    value = next((fields[name] for name in names if name in fields), "")
    text = "" if isinstance(value, bool) or not isinstance(value, str | int | float) else str(value).strip()
    if required and not text:
        raise UnreadableCallback(_("“%(field)s” is missing.") % {"field": names[0]})
    return text


# --- actions ------------------------------------------------------------------------------------


def record_rejected_callback(
    *, endpoint: str, reason: str, now: datetime, payload: dict[str, Any] | None = None
) -> MessageEvent:
    """Keep a refused or unreadable callback, with its reason (the body itself is not kept)."""
    return MessageEvent.objects.create(
        kind=MessageEventKind.CALLBACK_REJECTED,
        detail=reason,
        payload={"endpoint": endpoint, **(payload or {})},
        occurred_at=now,
    )


def _lock_message(*, channel: str, provider_message_id: str) -> Message | None:
    return (
        Message.objects.select_for_update()
        .select_related("debtor")
        .filter(channel=channel, provider_message_id=provider_message_id)
        .order_by("pk")
        .first()
    )


def _final_status(status: str) -> MessageStatus | None:
    word = status.strip().lower()
    if word in DELIVERED_WORDS:
        return MessageStatus.DELIVERED
    if word in FAILED_WORDS:
        return MessageStatus.FAILED
    return None


@transaction.atomic
def record_delivery_status(
    *, provider_message_id: str, status: str, detail: str, now: datetime, channel: str = Channel.SMS
) -> MessageEvent | None:
    """Apply a provider's delivery status to its message; return the event kept, if any.

    ``delivered`` marks the message delivered; ``failed``/``undelivered``/``rejected``/``expired``
    mark it failed with the reason. Interim statuses (queued, sent, …) and repeats change nothing.
    An id we do not know is kept as an event without a message.
    """
    final = _final_status(status)
    if final is None:
        return None
    kind = MessageEventKind.DELIVERED if final == MessageStatus.DELIVERED else MessageEventKind.FAILED
    reason = detail or _("The provider reported “%(status)s”.") % {"status": status}
    message = _lock_message(channel=channel, provider_message_id=provider_message_id)
    payload = {"provider_message_id": provider_message_id, "status": status}
    if message is None:
        unknown = _("No %(channel)s message has the provider id “%(id)s”; status “%(status)s” kept here.") % {
            "channel": channel, "id": provider_message_id, "status": status,
        }  # fmt: skip
        return MessageEvent.objects.create(kind=kind, detail=unknown, payload=payload, occurred_at=now)
    before = MessageStatus(message.status)
    if before not in ALLOWED_TRANSITIONS[final]:
        return None
    message.status = final
    if final == MessageStatus.DELIVERED:
        message.delivered_at = now
    else:
        message.last_error = reason
    message.save(update_fields=["status", "delivered_at", "last_error"])
    record_event(
        actor=None, action=f"comms.record_{final}", target=message, now=now,
        portfolio_id=message.debtor.portfolio_id, reason=reason,
        before={"status": before}, after={"status": final, **payload},
    )  # fmt: skip
    return MessageEvent.objects.create(
        message=message, debtor=message.debtor, kind=kind, detail=detail if final == MessageStatus.DELIVERED
        else reason, payload=payload, occurred_at=now,
    )  # fmt: skip


def is_opt_out(text: str) -> bool:
    """Tell whether a reply is an opt-out keyword (STOP, TD, 退订, …), in any case or width."""
    word = _EDGES.sub("", unicodedata.normalize("NFKC", text).strip()).casefold()
    return word in OPT_OUT_WORDS


def _phone_points(from_number: str, default_region: str) -> tuple[list[ContactPoint], str]:
    try:
        normalized = contact_values.normalize_phone(from_number, default_region)
    except contact_values.InvalidPhoneNumber:
        return [], ""
    value_hash = contact_values.lookup_hash_for(ContactKind.PHONE, normalized)
    points = ContactPoint.objects.filter(kind=ContactKind.PHONE, value_hash=value_hash)
    return list(points.select_related("debtor").order_by("pk")), mask_phone(normalized)


def _already_recorded(provider_message_id: str) -> bool:
    if not provider_message_id:
        return False
    return MessageEvent.objects.filter(
        kind=MessageEventKind.REPLY, payload__provider_message_id=provider_message_id
    ).exists()


def _last_message_to(points: list[ContactPoint]) -> Message | None:
    return (
        Message.objects.filter(contact_point__in=points, channel=Channel.SMS)
        .select_related("debtor")
        .order_by("-created_at", "-pk")
        .first()
    )


@transaction.atomic
def record_inbound_sms(
    *, from_number: str, text: str, now: datetime, provider_message_id: str = "", default_region: str = "CN"
) -> InboundRecord:
    """Act on an SMS from a debtor: an opt-out keyword stops SMS to that number everywhere, at once.

    An opt-out is recorded on every phone contact point with that number (whichever debtor it
    belongs to) and nothing is queued in answer; the reply stays on each debtor's timeline. Any
    other text lands on the timeline of the debtor we last texted at that number (or the only
    debtor with it). A provider id already seen changes nothing (providers resend callbacks).
    """
    if _already_recorded(provider_message_id):
        return InboundRecord()
    points, masked = _phone_points(from_number, default_region)
    payload = {"from": masked, "provider_message_id": provider_message_id}
    if is_opt_out(text):
        return _record_opt_out(points, text=text, now=now, payload=payload)
    last = _last_message_to(points)
    debtors = {point.debtor_id: point.debtor for point in points}
    debtor = last.debtor if last is not None else next(iter(debtors.values())) if len(debtors) == 1 else None
    event = MessageEvent.objects.create(
        message=last,
        debtor=debtor,
        kind=MessageEventKind.REPLY,
        detail=text,
        payload=payload,
        occurred_at=now,
    )
    return InboundRecord(events=[event])


def _record_opt_out(
    points: list[ContactPoint], *, text: str, now: datetime, payload: dict[str, Any]
) -> InboundRecord:
    reason = _("Replied “%(text)s” by SMS.") % {"text": text.strip()}
    opted_out = [
        contacts.record_opt_out(point_id=point.pk, channel=Channel.SMS, actor=None, now=now, reason=reason)
        for point in points
    ]
    by_debtor: dict[int | None, list[int]] = {}
    for point in opted_out:
        by_debtor.setdefault(point.debtor_id, []).append(point.pk)
    events = []
    for debtor_id, point_ids in (by_debtor or {None: []}).items():
        event_payload = {**payload, "opt_out": True, "contact_points": point_ids}
        events.append(
            MessageEvent.objects.create(
                debtor_id=debtor_id,
                kind=MessageEventKind.REPLY,
                detail=text,
                payload=event_payload,
                occurred_at=now,
            )
        )
    return InboundRecord(opted_out=opted_out, events=events)


# --- callbacks as they arrive -------------------------------------------------------------------


def _rejected(endpoint: str, outcome: CallbackOutcome, reason: str, now: datetime) -> CallbackResult:
    record_rejected_callback(endpoint=endpoint, reason=reason, now=now, payload={"outcome": outcome})
    return CallbackResult(outcome, reason)


def _read_signed(callback: CallbackRequest, sms_settings: SmsSettings) -> dict[str, Any]:
    fields, pairs = _read_body(callback)
    verify_signature(callback=callback, sms_settings=sms_settings, params=pairs)
    return fields


def receive_sms_status(
    *, callback: CallbackRequest, now: datetime, sms_settings: SmsSettings | None = None
) -> CallbackResult:
    """Check and apply a delivery-status callback (generic JSON or Twilio form); never raises for bad input."""
    sms_settings = sms_settings or SmsSettings.from_django()
    try:
        fields = _read_signed(callback, sms_settings)
        if sms_settings.shape == TWILIO:
            provider_id = _text(fields, "MessageSid", "SmsSid")
            status = _text(fields, "MessageStatus", "SmsStatus")
            code, words = (
                _text(fields, "ErrorCode", required=False),
                _text(fields, "ErrorMessage", required=False),
            )
            detail = " ".join(part for part in (f"error {code}" if code else "", words) if part)
        else:
            provider_id, status = _text(fields, "id"), _text(fields, "status")
            detail = _text(fields, "detail", required=False)
    except SignatureRefused as exc:
        return _rejected("sms/status", CallbackOutcome.REFUSED, str(exc), now)
    except UnreadableCallback as exc:
        return _rejected("sms/status", CallbackOutcome.MALFORMED, str(exc), now)
    record_delivery_status(provider_message_id=provider_id, status=status, detail=detail, now=now)
    return CallbackResult(CallbackOutcome.ACCEPTED)


def receive_inbound_sms(
    *, callback: CallbackRequest, now: datetime, sms_settings: SmsSettings | None = None
) -> CallbackResult:
    """Check and act on an inbound SMS callback (generic JSON or Twilio form); never raises for bad input."""
    sms_settings = sms_settings or SmsSettings.from_django()
    try:
        fields = _read_signed(callback, sms_settings)
        from_number = _text(fields, "From", "from")
        text = _text(fields, "Body", "text", required=False)
        provider_id = _text(fields, "MessageSid", "SmsSid", "id", required=False)
    except SignatureRefused as exc:
        return _rejected("sms/inbound", CallbackOutcome.REFUSED, str(exc), now)
    except UnreadableCallback as exc:
        return _rejected("sms/inbound", CallbackOutcome.MALFORMED, str(exc), now)
    record_inbound_sms(from_number=from_number, text=text, now=now, provider_message_id=provider_id)
    return CallbackResult(CallbackOutcome.ACCEPTED)


def receive_app_event(*, callback: CallbackRequest, now: datetime) -> CallbackResult:
    """Check and apply a delivery report from the creditor's app (signed like our webhook)."""
    secret = str(getattr(settings, "ARREARS_APP_WEBHOOK_SECRET", ""))
    timestamp = callback.header(webhook.TIMESTAMP_HEADER).strip()
    signature = callback.header(webhook.SIGNATURE_HEADER)
    if not webhook.is_signature_valid(
        secret=secret, timestamp=timestamp, body=callback.body, signature=signature
    ):
        reason = _("The signature is missing.") if not signature else _("The signature does not match.")
        return _rejected("app/events", CallbackOutcome.REFUSED, reason, now)
    if not timestamp.isdigit() or abs(now.timestamp() - int(timestamp)) > APP_EVENT_TOLERANCE_SECONDS:
        return _rejected(
            "app/events", CallbackOutcome.REFUSED, _("The timestamp is too old or in the future."), now
        )
    try:
        fields, _pairs = _read_body(callback)
        provider_id, status = _text(fields, "id", "idempotency_key"), _text(fields, "status")
        detail = _text(fields, "detail", required=False)
    except UnreadableCallback as exc:
        return _rejected("app/events", CallbackOutcome.MALFORMED, str(exc), now)
    record_delivery_status(
        provider_message_id=provider_id, status=status, detail=detail, now=now, channel=Channel.APP
    )
    return CallbackResult(CallbackOutcome.ACCEPTED)
