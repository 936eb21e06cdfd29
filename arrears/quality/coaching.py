"""Coaching (辅导) after a failed or low review: a task for the collector's supervisor, then a follow-up.

A review that fails (a critical item failed, or below the pass mark) or passes below the
scorecard's coaching mark opens one task for the supervisor of the collector's team, listing the
failed items, critical first. The supervisor records the coaching (``open`` → ``follow_up``); from
then on the daily sample adds the collector's next contacts with the reason ``follow_up`` until
``follow_up_contacts`` of them are reviewed; the supervisor closes the task with a note
(``follow_up`` → ``closed``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, PermissionDenied
from arrears.people.roles import Capability
from arrears.quality import scoring
from arrears.quality.models import CoachingStatus, CoachingTask, QualityReview, ReviewStatus, SampleReason

DEFAULT_FOLLOW_UP_CONTACTS = 3
ALLOWED_TRANSITIONS: dict[CoachingStatus, frozenset[CoachingStatus]] = {
    CoachingStatus.OPEN: frozenset({CoachingStatus.FOLLOW_UP}),
    CoachingStatus.FOLLOW_UP: frozenset({CoachingStatus.CLOSED}),
    CoachingStatus.CLOSED: frozenset(),
}


class CoachingNotAllowed(DomainError):
    """A move the coaching task's state does not allow, or a note missing."""


def needs_coaching(spec: scoring.ScorecardSpec, result: scoring.ScoreResult) -> bool:
    """Tell whether a score calls for coaching: failed, or passed below the coaching mark."""
    return not result.passed or result.percent < spec.coaching_percent


def supervisor_of(collector: Any) -> Any:
    """Return the active supervisor of the collector's team, or None (then any supervisor may take it)."""
    team = getattr(collector, "team", None)
    supervisor = getattr(team, "supervisor", None)
    if supervisor is None or not supervisor.is_active or supervisor.pk == collector.pk:
        return None
    return supervisor


def open_task(
    *,
    review: QualityReview,
    spec: scoring.ScorecardSpec,
    result: scoring.ScoreResult,
    actor: Any,
    now: datetime,
) -> CoachingTask | None:
    """Open the coaching task of a completed review (in the review's transaction); None without a collector.

    The items are the failed ones, critical first, in scorecard order.
    """
    if review.collector is None:
        return None
    critical = [key for key in result.failed if key in result.failed_critical]
    items = critical + [key for key in result.failed if key not in result.failed_critical]
    task = CoachingTask.objects.create(
        review=review, portfolio_id=review.portfolio_id, collector=review.collector,
        supervisor=supervisor_of(review.collector), items=items, follow_up_contacts=DEFAULT_FOLLOW_UP_CONTACTS,
        created_at=now,
    )  # fmt: skip
    record_event(
        actor=actor, action="quality.open_coaching", target=task, now=now, portfolio_id=review.portfolio_id,
        after={"review": review.pk, "collector": review.collector_id, "supervisor": task.supervisor_id,
               "items": items, "percent": str(result.percent), "passed": result.passed},
    )  # fmt: skip
    return task


def may_coach(*, user: Any, task: CoachingTask) -> bool:
    """Tell whether ``user`` may record or close the task: its supervisor, or a quality manager (not the collector)."""
    if user.pk == task.collector_id:
        return False
    if task.supervisor_id is not None and user.pk == task.supervisor_id:
        return True
    return bool(user.can(Capability.MANAGE_QUALITY) or user.can(Capability.SUPERVISE_TEAM))


def _move(task: CoachingTask, to: CoachingStatus, actor: Any) -> CoachingTask:
    if not may_coach(user=actor, task=task):
        raise PermissionDenied(_("Only the collector's supervisor or a quality manager may do this."))
    locked = CoachingTask.objects.select_for_update().get(pk=task.pk)
    if to not in ALLOWED_TRANSITIONS[CoachingStatus(locked.status)]:
        raise CoachingNotAllowed(
            _("This coaching task is “%(status)s”; it cannot become “%(to)s”.")
            % {"status": locked.get_status_display(), "to": to.label}
        )
    return locked


@transaction.atomic
def record_coaching(*, task: CoachingTask, note: str, actor: Any, now: datetime) -> CoachingTask:
    """Record that the collector was coached; their next contacts are then sampled for follow-up.

    :raises PermissionDenied: when the actor is not the supervisor or a quality manager.
    :raises CoachingNotAllowed: when the task is not open, or the note is empty.
    """
    if not note.strip():
        raise CoachingNotAllowed(_("Say what was coached."))
    locked = _move(task, CoachingStatus.FOLLOW_UP, actor)
    locked.status, locked.coaching_note, locked.coached_at = CoachingStatus.FOLLOW_UP, note.strip(), now
    if locked.supervisor_id is None and getattr(actor, "pk", None):
        locked.supervisor = actor
    locked.save(update_fields=["status", "coaching_note", "coached_at", "supervisor"])
    record_event(
        actor=actor, action="quality.record_coaching", target=locked, now=now, portfolio_id=locked.portfolio_id,
        before={"status": CoachingStatus.OPEN.value}, after={"status": locked.status, "note": locked.coaching_note},
    )  # fmt: skip
    return locked


@transaction.atomic
def close_coaching(*, task: CoachingTask, note: str, actor: Any, now: datetime) -> CoachingTask:
    """Close a task after its follow-up, with what the follow-up showed.

    :raises PermissionDenied: when the actor is not the supervisor or a quality manager.
    :raises CoachingNotAllowed: when the collector was not coached yet, or the note is empty.
    """
    if not note.strip():
        raise CoachingNotAllowed(_("Say what the follow-up showed."))
    locked = _move(task, CoachingStatus.CLOSED, actor)
    locked.status, locked.closing_note, locked.closed_at = CoachingStatus.CLOSED, note.strip(), now
    locked.save(update_fields=["status", "closing_note", "closed_at"])
    followed = list_follow_up_reviews(task=locked)
    record_event(
        actor=actor, action="quality.close_coaching", target=locked, now=now, portfolio_id=locked.portfolio_id,
        before={"status": CoachingStatus.FOLLOW_UP.value},
        after={"status": locked.status, "note": locked.closing_note,
               "follow_up_reviews": [review.pk for review in followed]},
    )  # fmt: skip
    return locked


def list_follow_up_reviews(*, task: CoachingTask) -> list[QualityReview]:
    """Return the reviews of the collector's contacts since the coaching, oldest first."""
    if task.coached_at is None:
        return []
    return list(
        QualityReview.objects.filter(
            collector_id=task.collector_id, portfolio_id=task.portfolio_id, contact_at__gt=task.coached_at
        ).order_by("contact_at", "pk")
    )


def follow_up_needed(*, portfolio_id: int) -> dict[int, tuple[datetime, int]]:
    """Return collector id → (coached at, contacts still to sample) for the portfolio's tasks in follow-up."""
    needed: dict[int, tuple[datetime, int]] = {}
    for task in CoachingTask.objects.filter(
        portfolio_id=portfolio_id, status=CoachingStatus.FOLLOW_UP
    ).order_by("coached_at"):
        sampled = _count_follow_ups(task)
        remaining = task.follow_up_contacts - sampled
        if remaining > 0 and task.coached_at is not None and task.collector_id not in needed:
            needed[task.collector_id] = (task.coached_at, remaining)
    return needed


def _count_follow_ups(task: CoachingTask) -> int:
    """Count the contacts sampled for the task's follow-up (a handful per collector: counted here)."""
    reasons = QualityReview.objects.filter(
        collector_id=task.collector_id, portfolio_id=task.portfolio_id, contact_at__gt=task.coached_at
    ).values_list("reasons", flat=True)
    return sum(1 for item in reasons if SampleReason.FOLLOW_UP.value in item)


def completed_follow_ups(*, task: CoachingTask) -> list[QualityReview]:
    """Return the follow-up reviews already completed."""
    return [review for review in list_follow_up_reviews(task=task) if review.status == ReviewStatus.COMPLETED]
