"""Append an audit event, inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models, transaction

from arrears.core.audit import chain
from arrears.core.audit.models import AuditChainHead, AuditEvent


def _lock_head() -> AuditChainHead:
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    return head


@transaction.atomic
def record_event(
    *,
    actor: Any,
    action: str,
    target: models.Model | tuple[str, str | int],
    now: datetime,
    portfolio_id: int | None = None,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain and return it.

    ``actor`` is a user, or ``None`` for the system; ``target`` a model instance or
    ``(object_type, object_id)``. Must run in the transaction of the change it records.
    """
    if isinstance(target, models.Model):
        object_type, object_id = target._meta.label_lower, str(target.pk)
    else:
        object_type, object_id = target[0], str(target[1])
    actor_id = getattr(actor, "pk", None)
    actor_label = actor.get_username() if actor_id is not None else "system"
    head = _lock_head()
    sequence = head.last_sequence + 1
    fields = chain.hashed_fields(
        sequence=sequence,
        occurred_at=now,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        portfolio_id=portfolio_id,
        reason=reason,
        before=chain.to_json_safe(before or {}),
        after=chain.to_json_safe(after or {}),
    )
    digest = chain.event_hash(fields, head.last_hash)
    event = AuditEvent.objects.create(
        sequence=sequence,
        occurred_at=now,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        portfolio_id=portfolio_id,
        reason=reason,
        before=fields["before"],
        after=fields["after"],
        prev_hash=head.last_hash,
        hash=digest,
    )
    AuditChainHead.objects.filter(id=1).update(last_sequence=sequence, last_hash=digest)
    return event
