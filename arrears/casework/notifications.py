"""Notifications: a line in the app for one user (an approval decided, a case reassigned or escalated).

The text is written in the language of the request that causes it (users have no language of their
own yet). Sending one is part of the action that causes it, which writes the audit event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from arrears.casework.models import Case, Notification

MAX_TEXT = 300


def notify(users: Iterable[Any], text: str, *, case: Case | None, now: datetime) -> None:
    """Leave ``text`` for each of ``users`` (None entries are skipped), about ``case``."""
    Notification.objects.bulk_create(
        [
            Notification(user=user, case=case, text=text[:MAX_TEXT], created_at=now)
            for user in users
            if user is not None
        ]
    )


def list_notifications(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """Return ``user``'s notifications, newest first."""
    rows = Notification.objects.filter(user=user).select_related("case__debt")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-pk")


def mark_read(*, user: Any, now: datetime, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of ``user`` read; return how many changed."""
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        rows = rows.filter(pk=notification_id)
    return rows.update(read_at=now)
