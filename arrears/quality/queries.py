"""Reads for the quality pages and API: the reviewer's queue, a review with its evidence, coaching tasks.

Everything is scoped to the user's portfolios; anything out of scope is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from arrears.comms.models import Message
from arrears.core.errors import NotFound
from arrears.people.roles import Capability
from arrears.people.scoping import scope_to_user
from arrears.quality import coaching, scorecards, scoring
from arrears.quality.models import (
    CoachingStatus,
    CoachingTask,
    Evidence,
    QualityReview,
    ReviewStatus,
    SampleReason,
)

QUEUE_LIMIT = 100
MESSAGES_AROUND = timedelta(days=1)


def list_queue(
    *, user: Any, status: str = ReviewStatus.PENDING, reason: str = "", portfolio_id: int | None = None,
    limit: int = QUEUE_LIMIT,
) -> list[QualityReview]:  # fmt: skip
    """Return reviews in the user's portfolios, risk-based ones before random ones, oldest contact first.

    The reasons of every review with the status are read (two columns) to order and filter them,
    then the rows shown are read whole.
    """
    reviews = scope_to_user(QualityReview.objects.all(), user).filter(status=status)
    if portfolio_id is not None:
        reviews = reviews.filter(portfolio_id=portfolio_id)
    keys = [
        (reasons in ([SampleReason.RANDOM.value], [SampleReason.MANUAL.value]), contact_at, pk)
        for pk, reasons, contact_at in reviews.values_list("pk", "reasons", "contact_at")
        if not reason or reason in reasons
    ]
    chosen = [pk for _plain, _at, pk in sorted(keys)[:limit]]
    rows = reviews.select_related("activity", "case__debt", "collector", "portfolio").in_bulk(chosen)
    return [rows[pk] for pk in chosen]


def count_pending(*, user: Any) -> int:
    """Count the reviews waiting in the user's portfolios."""
    return scope_to_user(QualityReview.objects.all(), user).filter(status=ReviewStatus.PENDING).count()


def get_review(*, user: Any, review_id: int) -> QualityReview:
    """Return one review in the user's portfolios (a collector: only reviews of their own contacts).

    :raises NotFound: when it does not exist or is out of scope.
    """
    reviews = scope_to_user(QualityReview.objects.all(), user)
    if not (user.can(Capability.REVIEW_QUALITY) or user.can(Capability.SUPERVISE_TEAM)):
        reviews = reviews.filter(collector=user)
    review = (
        reviews.select_related(
            "activity__case__debt", "activity__case__portfolio", "collector", "scorecard", "reviewed_by"
        )
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        raise NotFound(_("Review %(id)s was not found.") % {"id": review_id})
    return review


def get_evidence(*, user: Any, review_id: int, evidence_id: int) -> Evidence:
    """Return one uploaded file of a review in the user's portfolios.

    :raises NotFound: when it does not exist or is out of scope.
    """
    review = get_review(user=user, review_id=review_id)
    evidence = Evidence.objects.filter(review=review, pk=evidence_id).first()
    if evidence is None:
        raise NotFound(_("File %(id)s was not found.") % {"id": evidence_id})
    return evidence


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One scorecard item on the review page: the item, the pre-score's suggestion, the mark given."""

    item: scoring.ScorecardItem
    suggested: str
    suggested_reasons: tuple[str, ...]
    mark: str
    comment: str


@dataclass(frozen=True, slots=True)
class ReviewPage:
    """What the review page shows beside the scorecard."""

    review: QualityReview
    spec: scoring.ScorecardSpec
    rows: tuple[ItemRow, ...]
    messages: tuple[Message, ...]
    evidence: tuple[Evidence, ...]
    coaching_task: CoachingTask | None


def get_review_page(*, review: QualityReview) -> ReviewPage:
    """Return the review with its scorecard rows, the messages around the contact and the uploaded files."""
    assert review.scorecard is not None
    spec = scorecards.spec_of(review.scorecard)
    suggested = review.prescore.get("suggested", {})
    marks = {mark.item_key: mark for mark in review.marks.all()}
    rows = tuple(
        ItemRow(
            item=item,
            suggested=suggested.get(item.key, {}).get("mark", ""),
            suggested_reasons=tuple(suggested.get(item.key, {}).get("reasons", ())),
            mark=marks[item.key].mark if item.key in marks else "",
            comment=marks[item.key].comment if item.key in marks else "",
        )
        for item in spec.items
    )
    case = review.activity.case
    messages = tuple(
        Message.objects.filter(
            debtor_id=case.debtor_id,
            not_before__gte=review.contact_at - MESSAGES_AROUND,
            not_before__lte=review.contact_at + MESSAGES_AROUND,
        )
        .filter(Q(debt_id=case.debt_id) | Q(debt__isnull=True))
        .order_by("not_before", "pk")[:20]
    )
    return ReviewPage(
        review=review, spec=spec, rows=rows, messages=messages,
        evidence=tuple(review.evidence.order_by("uploaded_at", "pk")),
        coaching_task=CoachingTask.objects.filter(review=review).first(),
    )  # fmt: skip


def list_coaching_tasks(*, user: Any, status: str = "") -> list[CoachingTask]:
    """Return the coaching tasks the user may act on or follow.

    A quality manager sees every task in their portfolios; a supervisor theirs and the unassigned
    ones; a collector their own.
    """
    tasks = scope_to_user(CoachingTask.objects.all(), user)
    if user.can(Capability.SUPERVISE_TEAM) and not user.can(Capability.MANAGE_QUALITY):
        tasks = tasks.filter(Q(supervisor=user) | Q(supervisor__isnull=True))
    elif not user.can(Capability.MANAGE_QUALITY):
        tasks = tasks.filter(collector=user)
    if status:
        tasks = tasks.filter(status=status)
    return list(
        tasks.select_related("collector", "supervisor", "portfolio", "review__activity__case__debt").order_by(
            "status", "-created_at"
        )
    )


def get_coaching_task(*, user: Any, task_id: int) -> CoachingTask:
    """Return one coaching task the user may see.

    :raises NotFound: when it does not exist, is out of scope, or is another collector's.
    """
    task = next((task for task in list_coaching_tasks(user=user) if task.pk == task_id), None)
    if task is None:
        raise NotFound(_("Coaching task %(id)s was not found.") % {"id": task_id})
    return task


def count_open_coaching(*, user: Any) -> int:
    """Count the coaching tasks waiting for the user (open or in follow-up)."""
    return sum(1 for task in list_coaching_tasks(user=user) if task.status != CoachingStatus.CLOSED)


def follow_up_of(*, task: CoachingTask) -> list[QualityReview]:
    """Return the reviews since the coaching (the follow-up)."""
    return coaching.list_follow_up_reviews(task=task)
