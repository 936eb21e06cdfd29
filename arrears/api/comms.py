"""Messages over the API: send a templated message about a debt, list a debtor's messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from arrears.api.compliance import ContactCheckOut, check_out
from arrears.api.portfolio import ErrorOut
from arrears.comms import outbox, sending
from arrears.comms import queries as comms_queries
from arrears.compliance import queries as compliance_queries
from arrears.portfolio import queries as portfolio_queries

router = Router(tags=["messages"])


class MessageIn(Schema):
    contact_point_id: int
    purpose: str
    at: datetime | None = None
    idempotency_key: str | None = None


class MessageOut(Schema):
    id: int
    channel: str
    purpose: str
    status: str
    language: str
    subject: str
    body: str
    send_from: datetime
    template_version: int | None
    sent_at: datetime | None
    last_error: str


class MessageRefusedOut(Schema):
    detail: str
    check: ContactCheckOut


def _message_out(message: Any) -> MessageOut:
    return MessageOut(
        id=message.pk, channel=message.channel, purpose=message.purpose, status=message.status,
        language=message.language, subject=message.subject, body=message.body, send_from=message.not_before,
        template_version=message.template_version.number if message.template_version else None,
        sent_at=message.sent_at, last_error=message.last_error,
    )  # fmt: skip


@router.post(
    "/debts/{debt_id}/messages",
    response={201: MessageOut, 200: MessageOut, 404: ErrorOut, 409: MessageRefusedOut, 422: ErrorOut},
)
def send_message(request: HttpRequest, debt_id: int, payload: MessageIn) -> Any:
    """Queue the approved template for `purpose` to a contact point (its channel follows the point).

    201 when queued (`send_from` may be later than asked: the rules move it into the debtor's
    window), 200 when the same `idempotency_key` was already queued, 409 with the reasons when
    compliance refuses it.
    """
    debt = portfolio_queries.get_debt(user=request.user, debt_id=debt_id)
    point = compliance_queries.get_contact_point(debtor=debt.debtor, point_id=payload.contact_point_id)
    try:
        queued = sending.send_template(
            debt=debt, contact_point=point, purpose=payload.purpose, now=timezone.now(), at=payload.at,
            actor=request.user, source="api", idempotency_key=payload.idempotency_key,
        )  # fmt: skip
    except outbox.MessageRefused as exc:
        return Status(409, MessageRefusedOut(detail=str(exc), check=check_out(exc.check)))
    return Status(201 if queued.created else 200, _message_out(queued.message))


@router.get("/debtors/{debtor_id}/messages", response={200: list[MessageOut], 404: ErrorOut})
def list_messages(request: HttpRequest, debtor_id: int) -> list[MessageOut]:
    """List a debtor's latest messages with their exact text and status."""
    debtor = portfolio_queries.get_debtor(user=request.user, debtor_id=debtor_id)
    return [_message_out(message) for message in comms_queries.list_messages(debtor=debtor)]
