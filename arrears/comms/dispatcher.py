"""The dispatcher: claim due messages, check compliance again, send, record — safe to kill at any moment.

A message moves QUEUED → SENDING by a conditional update (one worker wins), then to SENT, back to
QUEUED (retry with backoff, or rescheduled to the next allowed moment), FAILED or CANCELLED. A
worker killed after claiming leaves the message SENDING; once its lease expires another pass sends
it again with the same idempotency key, so a provider that honours keys delivers it once and
nothing is ever lost.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from arrears.comms.gateways.base import Gateway, Outgoing, PermanentFailure, Sent, TransientFailure
from arrears.comms.models import Message, MessageEvent, MessageEventKind, MessageStatus
from arrears.comms.outbox import ACTION_OF_CHANNEL
from arrears.compliance import decisions
from arrears.compliance.rules.vocabulary import Decision, EventType
from arrears.core.audit.actions import record_event

# Waits before the 1st, 2nd … retry; after the last the message fails.
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30),
           timedelta(hours=1), timedelta(hours=3), timedelta(hours=6))  # fmt: skip
MAX_ATTEMPTS = len(BACKOFF) + 1


@dataclass
class DispatchReport:
    claimed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def merge(self, other: DispatchReport) -> None:
        self.claimed += other.claimed
        self.outcomes.update(other.outcomes)


class RateLimiter:
    """At most `per_second` sends per channel, spread evenly (a token bucket of one second)."""

    def __init__(self, per_second: Mapping[str, float]) -> None:
        self.per_second = per_second
        self._next_at: dict[str, float] = {}

    def wait(self, channel: str) -> None:
        rate = self.per_second.get(channel)
        if not rate:
            return
        now = time.monotonic()
        ready = self._next_at.get(channel, now)
        if ready > now:
            time.sleep(ready - now)
        self._next_at[channel] = max(ready, now) + 1 / rate


def due_ids(*, now: datetime, lease: timedelta, limit: int) -> list[int]:
    """Return the messages due now: queued ones whose time has come and sendings whose lease expired."""
    due = Q(status=MessageStatus.QUEUED, not_before__lte=now) | Q(
        status=MessageStatus.SENDING, claimed_at__lt=now - lease
    )
    return list(Message.objects.filter(due).order_by("not_before", "pk").values_list("pk", flat=True)[:limit])


def claim(message_id: int, *, now: datetime, lease: timedelta) -> bool:
    """Take a message for sending; False when another worker has it."""
    claimable = Q(status=MessageStatus.QUEUED) | Q(status=MessageStatus.SENDING, claimed_at__lt=now - lease)
    return (
        Message.objects.filter(claimable, pk=message_id).update(
            status=MessageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
        == 1
    )


def dispatch_due(
    *, gateways: Mapping[str, Gateway], now: datetime | None = None, limit: int = 200,
    lease: timedelta = timedelta(minutes=5), rate_limiter: RateLimiter | None = None,
) -> DispatchReport:  # fmt: skip
    """Send every message due now (up to `limit`); one audit event records the pass.

    Never raises for a message: each failure is recorded on the message and the pass goes on.
    """
    report = DispatchReport()
    started = now or timezone.now()
    for message_id in due_ids(now=started, lease=lease, limit=limit):
        moment = now or timezone.now()
        if not claim(message_id, now=moment, lease=lease):
            continue
        report.claimed += 1
        message = Message.objects.select_related("debtor__portfolio", "contact_point", "debt").get(
            pk=message_id
        )
        if rate_limiter is not None:
            rate_limiter.wait(message.channel)
        report.outcomes[_dispatch_one(message, gateways, now=now or timezone.now())] += 1
    if report.claimed:
        record_event(
            actor=None, action="comms.dispatch", target=("dispatch", started.isoformat()), now=now or timezone.now(),
            after={"claimed": report.claimed, "outcomes": dict(report.outcomes)},
        )  # fmt: skip
    return report


def _dispatch_one(message: Message, gateways: Mapping[str, Gateway], *, now: datetime) -> str:
    """Send one claimed message and record what happened; return the outcome's name."""
    if message.contact_point is None:
        return _finish(
            message, MessageStatus.CANCELLED, MessageEventKind.CANCELLED, "the contact point is gone", now
        )
    check = decisions.check_contact(
        debtor=message.debtor, action=ACTION_OF_CHANNEL[message.channel], at=now, now=now,
        contact_point=message.contact_point, debts=[message.debt] if message.debt else [], source="outbox",
    )  # fmt: skip
    if check.decision is not Decision.ALLOW:
        codes = ", ".join(check.verdict.reasons)
        if check.decision is Decision.DENY and check.verdict.next_allowed_at is not None:
            return _reschedule(message, check.verdict.next_allowed_at, f"compliance: {codes}", now)
        return _finish(
            message, MessageStatus.CANCELLED, MessageEventKind.CANCELLED, f"compliance: {codes}", now
        )
    gateway = gateways.get(message.channel)
    if gateway is None:
        return _retry(message, f"no gateway configured for {message.channel}", now)
    try:
        sent = gateway.send(_outgoing(message))
    except TransientFailure as exc:
        return _retry(message, str(exc), now)
    except PermanentFailure as exc:
        return _finish(message, MessageStatus.FAILED, MessageEventKind.FAILED, str(exc), now)
    except Exception as exc:
        return _retry(message, f"{type(exc).__name__}: {exc}", now)
    return _mark_sent(message, sent, now)


def _outgoing(message: Message) -> Outgoing:
    point = message.contact_point
    assert point is not None
    return Outgoing(
        message_id=message.pk, idempotency_key=message.idempotency_key, channel=message.channel, to=point.value,
        language=message.language, subject=message.subject, body=message.body, html=message.html,
        headers=_letter_headers(message) if message.channel == "letter" else {},
    )  # fmt: skip


def _letter_headers(message: Message) -> dict[str, str]:
    portfolio = message.debtor.portfolio
    return {
        "X-Letterhead": portfolio.creditor_name,
        "X-Recipient-Name": message.debtor.name,
        "X-Recipient-Address": message.contact_point.value if message.contact_point else "",
        "X-Reference": message.idempotency_key,
    }


@transaction.atomic
def _mark_sent(message: Message, sent: Sent, now: datetime) -> str:
    updates: dict[str, Any] = {
        "status": MessageStatus.SENT, "sent_at": now, "provider_message_id": sent.provider_message_id[:200],
        "last_error": "",
    }  # fmt: skip
    if message.channel == "letter":
        updates["tracking_number"] = sent.provider_message_id[:64]
        if sent.detail.startswith("sha256="):
            updates["pdf_sha256"] = sent.detail.removeprefix("sha256=")[:64]
    Message.objects.filter(pk=message.pk).update(**updates)
    decisions.record_message_sent(
        debtor=message.debtor, contact_point=message.contact_point, type=EventType(message.channel),
        debts=[message.debt_id] if message.debt_id else [], at=now,
    )  # fmt: skip
    MessageEvent.objects.create(
        message=message, debtor_id=message.debtor_id, kind=MessageEventKind.SENT, detail=sent.detail[:2000],
        payload={"provider_message_id": sent.provider_message_id}, occurred_at=now,
    )  # fmt: skip
    return "sent"


@transaction.atomic
def _retry(message: Message, reason: str, now: datetime) -> str:
    if message.attempts >= MAX_ATTEMPTS:
        return _finish(message, MessageStatus.FAILED, MessageEventKind.FAILED, f"gave up: {reason}", now)
    wait = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.QUEUED, not_before=now + wait, last_error=reason[:2000], claimed_at=None
    )
    MessageEvent.objects.create(
        message=message, debtor_id=message.debtor_id, kind=MessageEventKind.RETRY, detail=reason[:2000],
        payload={"attempt": message.attempts, "retry_at": (now + wait).isoformat()}, occurred_at=now,
    )  # fmt: skip
    return "retry"


@transaction.atomic
def _reschedule(message: Message, moment: datetime, reason: str, now: datetime) -> str:
    # A compliance wait is not a failed attempt: the attempt taken by the claim is given back.
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.QUEUED, not_before=moment, claimed_at=None, attempts=F("attempts") - 1
    )
    MessageEvent.objects.create(
        message=message, debtor_id=message.debtor_id, kind=MessageEventKind.RESCHEDULED, detail=reason,
        payload={"send_from": moment.isoformat()}, occurred_at=now,
    )  # fmt: skip
    return "rescheduled"


@transaction.atomic
def _finish(
    message: Message, status: MessageStatus, kind: MessageEventKind, reason: str, now: datetime
) -> str:
    Message.objects.filter(pk=message.pk).update(status=status, last_error=reason[:2000], claimed_at=None)
    MessageEvent.objects.create(
        message=message, debtor_id=message.debtor_id, kind=kind, detail=reason[:2000], occurred_at=now
    )
    return str(status)
