"""Walk the audit chain and report the first altered or deleted event."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from arrears.core.audit import chain
from arrears.core.audit.models import AuditChainHead, AuditEvent


@dataclass(frozen=True)
class ChainReport:
    """The outcome of a verification: how many events were checked and the first problem."""

    checked: int
    problem_sequence: int | None = None
    problem: str = ""

    @property
    def is_intact(self) -> bool:
        return self.problem_sequence is None


def verify_chain() -> ChainReport:
    """Recompute every event's hash in order; stop at the first mismatch, gap or missing tail."""
    prev_hash = chain.GENESIS_HASH
    expected = 1
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=5000):
        if event.sequence != expected:
            return ChainReport(expected - 1, expected, _("event #%(seq)d was deleted") % {"seq": expected})
        fields = chain.hashed_fields(
            sequence=event.sequence,
            occurred_at=event.occurred_at,
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            portfolio_id=event.portfolio_id,
            reason=event.reason,
            before=event.before,
            after=event.after,
        )
        if event.prev_hash != prev_hash:
            # The previous event was rewritten together with its own hash: it is the first altered.
            altered = expected - 1
            return ChainReport(altered - 1, altered, _("event #%(seq)d was altered") % {"seq": altered})
        if chain.event_hash(fields, prev_hash) != event.hash:
            return ChainReport(expected - 1, expected, _("event #%(seq)d was altered") % {"seq": expected})
        prev_hash = event.hash
        expected += 1
    last = next(iter(AuditChainHead.objects.filter(id=1).values_list("last_sequence", flat=True)), 0)
    if last >= expected:
        return ChainReport(
            expected - 1,
            expected,
            _("events #%(first)d to #%(last)d were deleted") % {"first": expected, "last": last},
        )
    return ChainReport(expected - 1)
