"""The dispatcher: claim due messages, check compliance again, send, record — safe to kill at any moment.

A message moves QUEUED → SENDING by a conditional update (one worker wins), then to SENT, back to
QUEUED (retry with backoff, or rescheduled to the next allowed moment), FAILED or CANCELLED. A
worker killed after claiming leaves the message SENDING; once its lease expires another pass sends
it again with the same idempotency key, so a provider that honours keys delivers it once and
nothing is ever lost.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from arrears.comms import planned, templates
from arrears.comms.gateways.base import Gateway, Outgoing, PermanentFailure, Sent, TransientFailure
from arrears.comms.models import Message, MessageEvent, MessageEventKind, MessageStatus
from arrears.comms.outbox import ACTION_OF_CHANNEL
from arrears.compliance import decisions
from arrears.compliance.decisions import ContactRequest
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
        self._lock = threading.Lock()

    def wait(self, channel: str) -> None:
        rate = self.per_second.get(channel)
        if not rate:
            return
        with self._lock:  # reserve the next slot; sleep outside the lock
            now = time.monotonic()
            ready = max(self._next_at.get(channel, now), now)
            self._next_at[channel] = ready + 1 / rate
        if ready > now:
            time.sleep(ready - now)


def due_ids(*, now: datetime, lease: timedelta, limit: int) -> list[int]:
    """Return the messages due now: queued ones whose time has come and sendings whose lease expired."""
    due = Q(status=MessageStatus.QUEUED, not_before__lte=now) | Q(
        status=MessageStatus.SENDING, claimed_at__lt=now - lease
    )
    return list(Message.objects.filter(due).order_by("not_before", "pk").values_list("pk", flat=True)[:limit])


def claim(message_id: int, *, now: datetime, lease: timedelta) -> bool:
    """Take one message for sending; False when another worker has it."""
    return bool(claim_many([message_id], now=now, lease=lease))


def claim_many(message_ids: list[int], *, now: datetime, lease: timedelta) -> list[Message]:
    """Take the messages no other worker holds (one conditional update); return those taken."""
    claimable = Q(status=MessageStatus.QUEUED) | Q(status=MessageStatus.SENDING, claimed_at__lt=now - lease)
    taken = Message.objects.filter(claimable, pk__in=message_ids).update(
        status=MessageStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not taken:
        return []
    return list(
        Message.objects.filter(pk__in=message_ids, status=MessageStatus.SENDING, claimed_at=now)
        .select_related("debtor__portfolio", "contact_point", "debt")
        .only(*_CLAIMED_FIELDS)
        .order_by("not_before", "pk")
    )


# What sending needs, so a claimed batch does not read (and convert) every column of five tables.
_CLAIMED_FIELDS = (
    "debtor_id", "debt_id", "contact_point_id", "channel", "purpose", "language", "subject", "body", "html",
    "attempts", "idempotency_key", "not_before", "status", "sent_at", "provider_message_id", "tracking_number",
    "pdf_sha256", "last_error", "claimed_at", "template_version",
    "debtor__name", "debtor__external_ref", "debtor__portfolio",
    "contact_point__debtor_id", "contact_point__contact_person_id", "contact_point__kind", "contact_point__value",
    "contact_point__time_zones", "contact_point__opt_outs", "contact_point__do_not_contact",
    "contact_point__created_at", "debt__debtor_id",
)  # fmt: skip


@dataclass
class _Outcome:
    message: Message
    name: str
    event: MessageEventKind
    detail: str = ""
    sent: Sent | None = None
    retry_at: datetime | None = None
    by: str = ""


def dispatch_due(
    *, gateways: Mapping[str, Gateway], now: datetime | None = None, limit: int = 200,
    lease: timedelta = timedelta(minutes=5), rate_limiter: RateLimiter | None = None, record_every: int = 50,
    senders: int = 1,
) -> DispatchReport:  # fmt: skip
    """Send every message due now (up to `limit`); one audit event records the pass.

    Claims the batch, checks compliance for all of it at once, sends through `senders` threads
    (each gateway keeps one connection per thread), and records the results every `record_every`
    messages (a crash re-sends at most those, with the same keys). Never raises for a message:
    each failure is recorded on the message and the pass goes on.
    """
    report = DispatchReport()
    moment = now or timezone.now()
    claimed = claim_many(due_ids(now=moment, lease=lease, limit=limit), now=moment, lease=lease)
    if not claimed:
        return report
    report.claimed = len(claimed)
    sendable = [message for message in claimed if message.contact_point is not None]
    checks = dict(zip(
        [message.pk for message in sendable],
        decisions.check_contacts(
            [ContactRequest(debtor=message.debtor, action=ACTION_OF_CHANNEL[message.channel], at=moment,
                            contact_point=message.contact_point, debts=(message.debt,) if message.debt else ())
             for message in sendable],
            now=moment, source="outbox",
        ),
        strict=True,
    ))  # fmt: skip
    _render_planned(sendable, checks, now=moment)
    pending: list[_Outcome] = []

    def send(message: Message) -> _Outcome:
        return _dispatch_one(
            message, checks.get(message.pk), gateways, rate_limiter, now=now or timezone.now()
        )

    with ThreadPoolExecutor(max_workers=max(senders, 1), thread_name_prefix="sender") as pool:
        outcomes = pool.map(send, claimed) if senders > 1 else map(send, claimed)
        for outcome in outcomes:
            report.outcomes[outcome.name] += 1
            pending.append(outcome)
            if len(pending) >= record_every:
                _record(pending, now=now or timezone.now())
                pending = []
    if pending:
        _record(pending, now=now or timezone.now())
    record_event(
        actor=None, action="comms.dispatch", target=("dispatch", moment.isoformat()), now=now or timezone.now(),
        after={"claimed": report.claimed, "outcomes": dict(report.outcomes)},
    )  # fmt: skip
    return report


def _render_planned(
    messages: list[Message], checks: Mapping[int, decisions.ContactCheck], *, now: datetime
) -> None:
    """Render the planned messages that may go now, in this thread (the senders only send).

    A message that cannot be rendered keeps its empty text, and `_dispatch_one` cancels it with
    the reason in its last error.
    """
    for message in messages:
        check = checks.get(message.pk)
        if check is None or check.decision is not Decision.ALLOW or not planned.needs_rendering(message):
            continue
        try:
            message.subject, message.body = planned.render_planned(message, now=now)
        except (templates.VersionNotApproved, templates.MissingValue, templates.RenderedTextBlocked) as exc:
            message.last_error = str(exc)


def _dispatch_one(
    message: Message, check: decisions.ContactCheck | None, gateways: Mapping[str, Gateway],
    rate_limiter: RateLimiter | None, *, now: datetime,
) -> _Outcome:  # fmt: skip
    """Send one claimed message, or say why not; nothing is written here."""
    if message.contact_point is None or check is None:
        return _Outcome(message, "cancelled", MessageEventKind.CANCELLED, "the contact point is gone")
    if check.decision is not Decision.ALLOW:
        codes = ", ".join(check.verdict.reasons)
        if check.decision is Decision.DENY and check.verdict.next_allowed_at is not None:
            return _Outcome(message, "rescheduled", MessageEventKind.RESCHEDULED, f"compliance: {codes}",
                            retry_at=check.verdict.next_allowed_at)  # fmt: skip
        return _Outcome(message, "cancelled", MessageEventKind.CANCELLED, f"compliance: {codes}")
    if planned.needs_rendering(message):
        detail = f"not rendered: {message.last_error}"
        return _Outcome(message, "cancelled", MessageEventKind.CANCELLED, detail)
    gateway = gateways.get(message.channel)
    if gateway is None:
        return _retry(message, f"no gateway configured for {message.channel}", now)
    if rate_limiter is not None:
        rate_limiter.wait(message.channel)
    try:
        sent = gateway.send(_outgoing(message))
    except TransientFailure as exc:
        return _retry(message, str(exc), now)
    except PermanentFailure as exc:
        kind = MessageEventKind.BOUNCED if message.channel == "email" else MessageEventKind.FAILED
        return _Outcome(message, "failed", kind, str(exc))
    except Exception as exc:
        return _retry(message, f"{type(exc).__name__}: {exc}", now)
    return _Outcome(message, "sent", MessageEventKind.SENT, sent.detail, sent=sent, by=check.proposal.by)


def _retry(message: Message, reason: str, now: datetime) -> _Outcome:
    if message.attempts >= MAX_ATTEMPTS:
        return _Outcome(message, "failed", MessageEventKind.FAILED, f"gave up: {reason}")
    wait = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
    return _Outcome(message, "retry", MessageEventKind.RETRY, reason, retry_at=now + wait)


def _outgoing(message: Message) -> Outgoing:
    point = message.contact_point
    assert point is not None
    return Outgoing(
        message_id=message.pk, idempotency_key=message.idempotency_key, channel=message.channel, to=point.value,
        language=message.language, subject=message.subject, body=message.body, html=message.html,
        headers=_letter_headers(message) if message.channel == "letter" else {},
    )  # fmt: skip


def _letter_headers(message: Message) -> dict[str, str]:
    """Return the letterhead and address block; the letter is dated on the portfolio's own clock."""
    portfolio = message.debtor.portfolio
    return {
        "X-Letterhead": portfolio.creditor_name,
        "X-Letterhead-Lines": settings.ARREARS_CREDITOR_CONTACT,
        "X-Recipient-Name": message.debtor.name,
        "X-Recipient-Address": message.contact_point.value if message.contact_point else "",
        "X-Reference": message.idempotency_key,
        "X-Letter-Date": timezone.now().astimezone(ZoneInfo(portfolio.time_zone)).date().isoformat(),
        "X-Posting-Country": portfolio.country,
    }


@transaction.atomic
def _record(outcomes: list[_Outcome], *, now: datetime) -> None:
    """Write what happened to a chunk of messages: their state, their events, the contacts sent."""
    changed, events, contacts = [], [], []
    for outcome in outcomes:
        message = outcome.message
        message.claimed_at = None
        if outcome.name == "sent" and outcome.sent is not None:
            _apply_sent(message, outcome.sent, now)
            contacts.append(
                decisions.sent_message_event(
                    debtor=message.debtor, contact_point=message.contact_point, type=EventType(message.channel),
                    debts=[message.debt_id] if message.debt_id else [], at=now, by=outcome.by,
                )
            )  # fmt: skip
        elif outcome.name in ("retry", "rescheduled"):
            message.status, message.not_before = MessageStatus.QUEUED, outcome.retry_at or now
            if outcome.name == "retry":
                message.last_error = outcome.detail[:2000]
            else:
                message.attempts -= 1  # a compliance wait is not a failed attempt
        else:
            message.status = MessageStatus.CANCELLED if outcome.name == "cancelled" else MessageStatus.FAILED
            message.last_error = outcome.detail[:2000]
        changed.append(message)
        if outcome.sent is not None:
            continue  # the message itself records it: status, sent_at, provider id (and for letters the hash)
        payload = {"retry_at": outcome.retry_at.isoformat()} if outcome.retry_at else {}
        events.append(
            MessageEvent(message=message, debtor_id=message.debtor_id, kind=outcome.event, detail=outcome.detail[:2000],
                         payload=payload, occurred_at=now)
        )  # fmt: skip
    _update_messages(changed)
    MessageEvent.objects.bulk_create(events)
    decisions.record_sent_messages(contacts)


_RECORDED_FIELDS = (
    "subject", "body", "status", "not_before", "attempts", "claimed_at", "last_error", "sent_at", "provider_message_id",
    "tracking_number", "pdf_sha256",
)  # fmt: skip


def _update_messages(messages: list[Message]) -> None:
    """Write the recorded fields of many messages in one prepared statement.

    `bulk_update` builds a CASE expression per field and row, which costs more than sending the
    e-mail; one UPDATE executed many times is what the dispatcher's throughput needs.
    """
    table = Message._meta.db_table
    fields = [field for field in Message._meta.concrete_fields if field.name in _RECORDED_FIELDS]
    columns = ", ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in fields)
    rows = [
        [field.get_db_prep_save(getattr(message, field.attname), connection) for field in fields]
        + [message.pk]
        for message in messages
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {connection.ops.quote_name(table)} SET {columns} WHERE id = %s", rows)  # noqa: S608 - fixed names


def _apply_sent(message: Message, sent: Sent, now: datetime) -> None:
    message.status, message.sent_at, message.last_error = MessageStatus.SENT, now, ""
    message.provider_message_id = sent.provider_message_id[:200]
    if message.channel == "letter":
        message.tracking_number = sent.provider_message_id[:64]
        if sent.detail.startswith("sha256="):
            message.pdf_sha256 = sent.detail.removeprefix("sha256=")[:64]
