"""Messages a strategy planned, queued in bulk and rendered when they are sent.

The daily cycle plans tens of thousands of messages at once. Rendering each one then would read
every debt's ledger one by one; instead the cycle queues each planned message with its approved
template version and an empty text, and the dispatcher renders it just before sending — with the
balance of that moment — and keeps the exact text it sent. Compliance decides when the cycle plans
the message and again when it is sent, as for every other message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from arrears.comms import templates
from arrears.comms.models import Message, MessageEvent, MessageEventKind, TemplateVersion
from arrears.comms.outbox import with_opt_out
from arrears.core.audit.actions import record_event
from arrears.portfolio.models import Debt

CHUNK = 5_000


@dataclass(frozen=True)
class PlannedMessage:
    """One message to queue: who, about what, by which channel and version, from when, under which key."""

    debtor_id: int
    debt_id: int
    contact_point_id: int
    channel: str
    purpose: str
    language: str
    template_version_id: int
    not_before: datetime
    idempotency_key: str


def find_versions(
    combinations: Iterable[tuple[str, str, str]],
) -> dict[tuple[str, str, str], TemplateVersion | None]:
    """Return the approved version for each (purpose, channel, language), or None when there is none."""
    found: dict[tuple[str, str, str], TemplateVersion | None] = {}
    for purpose, channel, language in combinations:
        try:
            found[(purpose, channel, language)] = templates.get_sendable_version(
                purpose=purpose, channel=channel, language=language
            )
        except templates.NoApprovedTemplate:
            found[(purpose, channel, language)] = None
    return found


@transaction.atomic
def queue_planned(
    planned: Sequence[PlannedMessage], *, now: datetime, source: str, portfolio_id: int | None = None
) -> dict[str, int]:
    """Queue the planned messages whose keys are new; return the message id of every key.

    A key already in the outbox keeps its message: queuing the same plan twice adds nothing. One
    audit event records the batch.
    """
    keys = [item.idempotency_key for item in planned]
    existing = _ids_of(keys)
    fresh = [item for item in planned if item.idempotency_key not in existing]
    for start in range(0, len(fresh), CHUNK):
        chunk = fresh[start : start + CHUNK]
        Message.objects.bulk_create(
            [
                Message(
                    debtor_id=item.debtor_id, debt_id=item.debt_id, contact_point_id=item.contact_point_id,
                    channel=item.channel, purpose=item.purpose, language=item.language,
                    template_version_id=item.template_version_id, body="", not_before=item.not_before,
                    idempotency_key=item.idempotency_key, source=source, created_at=now,
                )
                for item in chunk
            ],
            batch_size=1_000,
        )  # fmt: skip
        ids = _ids_of([item.idempotency_key for item in chunk])
        MessageEvent.objects.bulk_create(
            [
                MessageEvent(message_id=ids[item.idempotency_key], debtor_id=item.debtor_id,
                             kind=MessageEventKind.QUEUED, detail=source, occurred_at=now)
                for item in chunk
            ],
            batch_size=1_000,
        )  # fmt: skip
        existing.update(ids)
    if fresh:
        record_event(
            actor=None, action="comms.queue_planned", target=("outbox", source), now=now, portfolio_id=portfolio_id,
            after={"queued": len(fresh), "already_queued": len(planned) - len(fresh)},
        )  # fmt: skip
    return existing


def _ids_of(keys: Sequence[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(keys), CHUNK):
        rows = Message.objects.filter(idempotency_key__in=keys[start : start + CHUNK]).values_list(
            "idempotency_key", "pk"
        )
        ids.update(rows)
    return ids


def needs_rendering(message: Message) -> bool:
    """Whether the message was planned with a template and is rendered when sent."""
    return not message.body and message.template_version_id is not None


def render_planned(message: Message, *, now: datetime) -> tuple[str, str]:
    """Return the subject and text of a planned message, rendered for its debt on the portfolio's date.

    :raises templates.VersionNotApproved: when its version was retired meanwhile.
    :raises templates.MissingValue, templates.RenderedTextBlocked: from rendering.
    """
    assert message.template_version_id is not None and message.debt_id is not None
    version = TemplateVersion.objects.select_related("template").get(pk=message.template_version_id)
    debt = Debt.objects.select_related("portfolio", "debtor").get(pk=message.debt_id)
    as_of = now.astimezone(ZoneInfo(debt.portfolio.time_zone)).date()
    rendered = templates.render_message(
        version=version, debt=debt, contact_point=message.contact_point, as_of=as_of
    )
    body = with_opt_out(rendered.body, channel=message.channel, language=message.language)
    return rendered.subject, body
