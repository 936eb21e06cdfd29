"""Messages a strategy planned, queued in bulk and rendered when they are sent.

The daily cycle plans tens of thousands of messages at once. Rendering each one then would read
every debt's ledger one by one; instead the cycle queues each planned message with its approved
template version and an empty text, and the dispatcher renders it just before sending — with the
balance of that moment — and keeps the exact text it sent. Compliance decides when the cycle plans
the message and again when it is sent, as for every other message.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

import polars as pl

from arrears.comms import templates
from arrears.comms.models import Message, MessageEvent, MessageEventKind, MessageStatus, TemplateVersion
from arrears.comms.outbox import with_opt_out
from arrears.core.audit.actions import record_event
from arrears.portfolio.imports.database import (
    insert_frame,
    insert_returning_ids,
    stored_datetime,
    stored_datetimes,
)
from arrears.portfolio.models import Debt

PLANNED_COLUMNS = (
    "debtor_id", "debt_id", "contact_point_id", "channel", "purpose", "language", "template_version_id",
    "not_before", "idempotency_key",
)  # fmt: skip


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


def queue_planned(
    planned: pl.DataFrame, *, now: datetime, source: str, portfolio_id: int | None = None
) -> dict[str, int]:
    """Queue the planned messages (one row each, ``PLANNED_COLUMNS``; ``not_before`` aware) and return key → message id.

    Written as one frame with a "queued" event each, and one audit event for the batch, inside the
    caller's transaction. Keys are unique: the same plan cannot be queued twice.
    """
    if planned.height == 0:
        return {}
    at = stored_datetime(now)
    messages = planned.select(
        *PLANNED_COLUMNS[:7], subject=pl.lit(""), body=pl.lit(""), html=pl.lit(""),
        status=pl.lit(MessageStatus.QUEUED.value), not_before=stored_datetimes(pl.col("not_before")),
        attempts=pl.lit(0, pl.Int32()), last_error=pl.lit(""), idempotency_key="idempotency_key",
        provider_message_id=pl.lit(""), pdf_sha256=pl.lit(""), tracking_number=pl.lit(""), source=pl.lit(source),
        created_at=pl.lit(at),
    )  # fmt: skip
    ids = insert_returning_ids(Message, messages, key="idempotency_key")
    keys = planned.get_column("idempotency_key")
    insert_frame(
        MessageEvent,
        planned.select(
            message_id=keys.replace_strict(ids, return_dtype=pl.Int64()), debtor_id="debtor_id",
            kind=pl.lit(MessageEventKind.QUEUED.value), detail=pl.lit(source), payload=pl.lit("{}"),
            occurred_at=pl.lit(at),
        ),
    )  # fmt: skip
    record_event(
        actor=None, action="comms.queue_planned", target=("outbox", source), now=now, portfolio_id=portfolio_id,
        after={"queued": planned.height},
    )  # fmt: skip
    return {key: ids[key] for key in keys.to_list()}


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
