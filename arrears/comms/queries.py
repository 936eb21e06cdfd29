"""Read a debtor's messages for the case page and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from arrears.comms.models import Message, MessageEvent
from arrears.portfolio.models import Debtor

MESSAGES_SHOWN = 50


def list_messages(*, debtor: Debtor) -> QuerySet[Message]:
    """Return the debtor's latest messages, newest first, with their template version."""
    return (
        Message.objects.filter(debtor=debtor)
        .select_related("template_version__template", "contact_point")
        .order_by("-created_at", "-pk")[:MESSAGES_SHOWN]
    )


def list_replies(*, debtor: Debtor) -> QuerySet[MessageEvent]:
    """Return the debtor's SMS replies and delivery problems, newest first."""
    return MessageEvent.objects.filter(debtor=debtor, kind__in=["reply", "bounced", "failed"]).order_by(
        "-occurred_at", "-pk"
    )[:MESSAGES_SHOWN]
