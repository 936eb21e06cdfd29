"""Put a message in the outbox: decided by compliance first, written with its exact text, once.

A message is written in the same transaction as the decision that caused it; the dispatcher
(`dispatcher.py`) sends it from `not_before` and checks compliance again at send time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from arrears.comms.models import Message, MessageChannel, MessageEvent, MessageEventKind, TemplateVersion
from arrears.compliance import decisions, policies
from arrears.compliance.linter import ALL_PACKS, LintContext, lint
from arrears.compliance.rules.vocabulary import Action, Decision
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.portfolio.models import ContactPoint, Debt, Debtor

ACTION_OF_CHANNEL: dict[str, Action] = {
    MessageChannel.EMAIL: Action.EMAIL,
    MessageChannel.SMS: Action.SMS,
    MessageChannel.APP: Action.APP,
    MessageChannel.LETTER: Action.LETTER,
}
# What the packs require in every SMS and e-mail (Reg F 1006.6(e); 退订 in China): added when missing.
OPT_OUT_LINES = {
    ("sms", "zh"): "回复TD退订",
    ("sms", "en"): "Reply STOP to opt out.",
    ("email", "zh"): "如不希望再收到此类邮件，请回复“退订”或点击退订链接。",
    ("email", "en"): "To stop these e-mails, reply STOP or use the unsubscribe link.",
}
_OPT_OUT_MARKERS = ("退订", "STOP", "unsubscribe", "opt out", "opt-out")


class MessageRefused(DomainError):
    """Compliance refuses the message and time will not change that (a hold, an opt-out …)."""

    def __init__(self, check: decisions.ContactCheck) -> None:
        codes = ", ".join(reason.code for reason in check.reasons)
        super().__init__(_("The message may not be sent (%(codes)s).") % {"codes": codes})
        self.check = check


class MessageTextBlocked(DomainError):
    """The content linter blocks the text; nothing is queued."""


class NotAContactFor(DomainError):
    """The contact point cannot carry this channel (an SMS to an e-mail address)."""


@dataclass(frozen=True)
class Queued:
    message: Message
    created: bool
    rescheduled_from: datetime | None


def with_opt_out(body: str, *, channel: str, language: str) -> str:
    """Return the text with the opt-out instruction the channel needs, added once when missing."""
    line = OPT_OUT_LINES.get((channel, "zh" if language.startswith("zh") else "en"))
    if line is None or any(marker.lower() in body.lower() for marker in _OPT_OUT_MARKERS):
        return body
    return f"{body.rstrip()}\n{line}"


def queue_message(
    *,
    debtor: Debtor,
    contact_point: ContactPoint,
    channel: MessageChannel,
    purpose: str,
    language: str,
    body: str,
    not_before: datetime,
    now: datetime,
    source: str,
    actor: Any = None,
    debt: Debt | None = None,
    subject: str = "",
    html: str = "",
    template_version: TemplateVersion | None = None,
    idempotency_key: str | None = None,
) -> Queued:
    """Queue one message for `not_before` (moved to the next allowed moment when time forbids it).

    The same idempotency key queues one message however often it is asked for.

    :raises MessageRefused: when compliance refuses it for good (the refusal is kept).
    :raises MessageTextBlocked: when the linter blocks the text.
    :raises NotAContactFor: when the contact point cannot carry the channel.
    """
    if idempotency_key:
        try:
            return Queued(
                Message.objects.get(idempotency_key=idempotency_key), created=False, rescheduled_from=None
            )
        except Message.DoesNotExist:
            pass
    _check_channel(contact_point, channel)
    body = with_opt_out(body, channel=channel, language=language)
    packs = tuple(pack for pack in policies.get_pack_names(debtor.portfolio) if pack in ALL_PACKS)
    result = lint(
        f"{subject}\n{body}",
        language=None,
        packs=packs or ALL_PACKS,
        context=LintContext(channel=str(channel)),
    )
    if result.is_blocked:
        rules = ", ".join(sorted({hit.rule_id for hit in result.hits}))
        raise MessageTextBlocked(
            _("The text is blocked by the content check (%(rules)s).") % {"rules": rules}
        )
    check = decisions.check_contact(
        debtor=debtor, action=ACTION_OF_CHANNEL[channel], at=not_before, now=now, contact_point=contact_point,
        debts=[debt] if debt else [], source="outbox", actor=actor,
    )  # fmt: skip
    send_at, rescheduled_from = not_before, None
    if check.decision is not Decision.ALLOW:
        if check.decision is Decision.REVIEW or check.verdict.next_allowed_at is None:
            raise MessageRefused(check)
        send_at, rescheduled_from = check.verdict.next_allowed_at, not_before
    key = idempotency_key or f"{source}:{debtor.pk}:{contact_point.pk}:{purpose}:{channel}:{now.isoformat()}"
    try:
        message = _write(
            debtor=debtor, debt=debt, contact_point=contact_point, channel=channel, purpose=purpose, language=language,
            subject=subject, body=body, html=html, template_version=template_version, send_at=send_at, now=now,
            source=source, actor=actor, key=key, rescheduled_from=rescheduled_from,
        )  # fmt: skip
    except IntegrityError:
        return Queued(Message.objects.get(idempotency_key=key), created=False, rescheduled_from=None)
    return Queued(message, created=True, rescheduled_from=rescheduled_from)


def _check_channel(point: ContactPoint, channel: MessageChannel) -> None:
    carries = {"phone": {"sms"}, "email": {"email"}, "app": {"app"}, "address": {"letter"}}
    if channel not in carries.get(point.kind, set()):
        raise NotAContactFor(
            _("A %(kind)s cannot carry %(channel)s.")
            % {"kind": point.get_kind_display(), "channel": channel.label}
        )


@transaction.atomic
def _write(
    *, debtor: Debtor, debt: Debt | None, contact_point: ContactPoint, channel: str, purpose: str, language: str,
    subject: str, body: str, html: str, template_version: TemplateVersion | None, send_at: datetime, now: datetime,
    source: str, actor: Any, key: str, rescheduled_from: datetime | None,
) -> Message:  # fmt: skip
    message = Message.objects.create(
        debtor=debtor, debt=debt, contact_point=contact_point, channel=channel, purpose=purpose, language=language,
        subject=subject, body=body, html=html, template_version=template_version, not_before=send_at,
        idempotency_key=key, source=source, created_by=actor if getattr(actor, "pk", None) else None, created_at=now,
    )  # fmt: skip
    detail = "" if rescheduled_from is None else f"moved from {rescheduled_from.isoformat()} by compliance"
    MessageEvent.objects.create(
        message=message, debtor=debtor, kind=MessageEventKind.QUEUED, detail=detail, occurred_at=now
    )
    record_event(
        actor=actor, action="comms.queue_message", target=message, now=now, portfolio_id=debtor.portfolio_id,
        after={"debtor": debtor.external_ref, "channel": channel, "purpose": purpose, "send_from": send_at.isoformat()},
    )  # fmt: skip
    return message
