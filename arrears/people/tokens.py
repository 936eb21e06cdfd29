"""API tokens for integrations: issue, resolve, revoke. Only a token's hash is stored."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import transaction

from arrears.core.audit.actions import record_event
from arrears.people.models import ApiToken, User


@transaction.atomic
def issue_token(*, user: User, name: str, actor: User | None, now: datetime) -> str:
    """Create a token for ``user`` and return its raw value (shown once, never stored)."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, token_hash=ApiToken.hash_token(raw), created_at=now)
    record_event(
        actor=actor,
        action="people.issue_token",
        target=token,
        now=now,
        after={"user": user.username, "name": name},
    )
    return raw


def get_user_for_token(*, raw_token: str) -> User | None:
    """Return the active user a live token belongs to, or ``None``."""
    try:
        token = ApiToken.objects.select_related("user").get(
            token_hash=ApiToken.hash_token(raw_token), revoked_at__isnull=True, user__is_active=True
        )
    except ApiToken.DoesNotExist:
        return None
    return token.user
