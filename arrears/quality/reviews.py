"""Reviewing a contact: add it to the queue, attach a transcript or a recording, score it, open coaching.

A review is scored on the scorecard version it was queued with. Submitting marks every item (pass,
fail, or n/a where the item allows it); the score is computed by ``quality.scoring``, the marks are
kept one row per item, and a failed or low score opens a coaching task — all in one transaction
with one audit event per change. Bad input (a mark missing, an upload too large or unreadable)
changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from arrears.casework.models import Activity
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound, PermissionDenied
from arrears.people.roles import Capability
from arrears.people.scoping import scope_to_user
from arrears.quality import coaching, prescore, scorecards, scoring
from arrears.quality.evidence import CheckedEvidence, check_evidence
from arrears.quality.models import (
    Evidence,
    EvidenceKind,
    QualityReview,
    ReviewMark,
    ReviewStatus,
    SampleReason,
    Scorecard,
)

MAX_TRANSCRIPT_CHARS = 200_000


class InvalidReview(DomainError):
    """Marks that do not fit the scorecard, a transcript too long, or a review of one's own contact."""


class ReviewAlreadyCompleted(DomainError):
    """The review was completed already."""


def _require_reviewer(actor: Any) -> None:
    if actor is not None and not actor.can(Capability.REVIEW_QUALITY):
        raise PermissionDenied(_("Only a quality reviewer may review contacts."))


def new_review(
    *, activity: Activity, reasons: Sequence[str], now: datetime, sample_run_id: int | None = None,
    scorecard: Scorecard | None = None, owed: Decimal | None = None, packs: tuple[str, ...] | None = None,
) -> QualityReview:  # fmt: skip
    """Build (unsaved) the review of a contact on the portfolio's active scorecard, with its pre-score from the note.

    :raises NotFound: when the portfolio has no scorecard.
    """
    scorecard = scorecard or scorecards.get_active_scorecard(portfolio_id=activity.case.portfolio_id)
    return QualityReview(
        activity=activity, case_id=activity.case_id, portfolio_id=activity.case.portfolio_id,
        collector_id=activity.created_by_id, sample_run_id=sample_run_id, reasons=list(reasons),
        scorecard=scorecard, contact_at=activity.created_at, created_at=now,
        prescore=prescore.prescore(
            activity=activity, transcript="", spec=scorecards.spec_of(scorecard), owed=owed, packs=packs
        ),
    )  # fmt: skip


@transaction.atomic
def queue_contact(*, activity_id: int, actor: Any, now: datetime) -> QualityReview:
    """Put one contact in the review queue by hand (reason ``manual``); a contact queued already is returned.

    :raises PermissionDenied: when the actor may not review quality.
    :raises NotFound: when the contact does not exist or is out of the actor's portfolios, or the
        portfolio has no scorecard.
    """
    _require_reviewer(actor)
    activities = Activity.objects.select_related("case__portfolio", "case__debt")
    activity = (
        scope_to_user(activities, actor, portfolio_field="case__portfolio").filter(pk=activity_id).first()
    )
    if activity is None:
        raise NotFound(_("Contact %(id)s was not found.") % {"id": activity_id})
    existing = QualityReview.objects.filter(activity=activity).first()
    if existing is not None:
        return existing
    review = new_review(activity=activity, reasons=[SampleReason.MANUAL.value], now=now)
    review.save()
    record_event(
        actor=actor, action="quality.queue_contact", target=review, now=now, portfolio_id=review.portfolio_id,
        after={"activity": activity.pk, "reasons": review.reasons},
    )  # fmt: skip
    return review


def _lock_pending(review: QualityReview, actor: Any) -> QualityReview:
    _require_reviewer(actor)
    locked = (
        QualityReview.objects.select_for_update()
        .select_related("activity__case__portfolio")
        .get(pk=review.pk)
    )
    if locked.status == ReviewStatus.COMPLETED:
        raise ReviewAlreadyCompleted(_("This contact was reviewed already; its score stands."))
    if actor is not None and locked.collector_id == actor.pk:
        raise InvalidReview(_("You cannot review your own contact."))
    return locked


def _refresh_prescore(review: QualityReview) -> None:
    assert review.scorecard is not None
    review.prescore = prescore.prescore(
        activity=review.activity, transcript=review.transcript, spec=scorecards.spec_of(review.scorecard)
    )


@transaction.atomic
def attach_transcript(*, review: QualityReview, text: str, actor: Any, now: datetime) -> QualityReview:
    """Keep a pasted transcript of the contact and compute the pre-score again from it.

    :raises PermissionDenied: when the actor may not review quality.
    :raises ReviewAlreadyCompleted: when the review was completed.
    :raises InvalidReview: when the transcript is empty or longer than 200,000 characters.
    """
    locked = _lock_pending(review, actor)
    text = text.strip()
    if not text:
        raise InvalidReview(_("The transcript is empty."))
    if len(text) > MAX_TRANSCRIPT_CHARS:
        raise InvalidReview(
            _("The transcript has %(count)s characters; at most %(limit)s are accepted. Nothing was saved.")
            % {"count": len(text), "limit": MAX_TRANSCRIPT_CHARS}
        )
    before = len(locked.transcript)
    locked.transcript = text
    _refresh_prescore(locked)
    locked.save(update_fields=["transcript", "prescore"])
    record_event(
        actor=actor, action="quality.attach_transcript", target=locked, now=now, portfolio_id=locked.portfolio_id,
        before={"characters": before}, after={"characters": len(text), "source": "pasted"},
    )  # fmt: skip
    return locked


def upload_evidence(
    *, review: QualityReview, upload: File[Any], kind: str, actor: Any, now: datetime
) -> Evidence:
    """Store a recording or a transcript file for the review; a transcript's text becomes the review's transcript.

    :raises PermissionDenied: when the actor may not review quality.
    :raises ReviewAlreadyCompleted: when the review was completed.
    :raises InvalidEvidence: when the file is empty, too large, of a type not accepted or unreadable.
    :raises InvalidReview: when a transcript file holds more than 200,000 characters.
    """
    _require_reviewer(actor)
    checked = check_evidence(upload, kind=kind)
    if len(checked.text) > MAX_TRANSCRIPT_CHARS:
        raise InvalidReview(
            _("The transcript has %(count)s characters; at most %(limit)s are accepted. Nothing was saved.")
            % {"count": len(checked.text), "limit": MAX_TRANSCRIPT_CHARS}
        )
    stored: list[str] = []
    try:
        return _store_evidence(review, checked, actor, now, stored)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


@transaction.atomic
def _store_evidence(
    review: QualityReview, checked: CheckedEvidence, actor: Any, now: datetime, stored: list[str]
) -> Evidence:
    locked = _lock_pending(review, actor)
    evidence = Evidence(
        review=locked, kind=checked.kind, name=checked.name, content_type=checked.content_type,
        size=len(checked.content), sha256=checked.sha256, uploaded_by=actor if getattr(actor, "pk", None) else None,
        uploaded_at=now,
    )  # fmt: skip
    extension = PurePath(checked.name).suffix.lower()
    evidence.file.save(f"{uuid.uuid4().hex}{extension}", ContentFile(checked.content), save=False)
    stored.append(evidence.file.name)
    evidence.save()
    if checked.kind == EvidenceKind.TRANSCRIPT:
        locked.transcript = checked.text.strip()
        _refresh_prescore(locked)
        locked.save(update_fields=["transcript", "prescore"])
    record_event(
        actor=actor, action="quality.upload_evidence", target=locked, now=now, portfolio_id=locked.portfolio_id,
        after={"evidence": evidence.pk, "kind": checked.kind, "name": checked.name, "sha256": checked.sha256,
               "size": len(checked.content)},
    )  # fmt: skip
    return evidence


@transaction.atomic
def submit_review(
    *, review: QualityReview, marks: Mapping[str, str], comments: Mapping[str, str] | None = None,
    comment: str = "", actor: Any, now: datetime,
) -> QualityReview:  # fmt: skip
    """Score the contact: one mark per scorecard item; a failed or low score opens coaching.

    :raises PermissionDenied: when the actor may not review quality.
    :raises ReviewAlreadyCompleted: when the review was completed already.
    :raises InvalidReview: when the marks leave an item out, name an unknown one, use an unknown mark
        or n/a where the item always applies, or the contact is the reviewer's own.
    """
    locked = _lock_pending(review, actor)
    assert locked.scorecard is not None
    spec = scorecards.spec_of(locked.scorecard)
    result = _score(spec, marks)
    comments = comments or {}
    ReviewMark.objects.bulk_create(
        ReviewMark(
            review=locked, item_key=item.key, mark=marks[item.key], critical=item.critical, weight=item.weight,
            comment=(comments.get(item.key) or "").strip()[:2000],
        )
        for item in spec.items
    )  # fmt: skip
    locked.status, locked.points, locked.possible = ReviewStatus.COMPLETED, result.points, result.possible
    locked.percent, locked.passed, locked.failed_critical = (
        result.percent,
        result.passed,
        list(result.failed_critical),
    )
    locked.comment, locked.reviewed_at = comment.strip(), now
    locked.reviewed_by = actor if getattr(actor, "pk", None) else None
    locked.save()
    task = coaching.open_task(review=locked, spec=spec, result=result, actor=actor, now=now) if (
        coaching.needs_coaching(spec, result)
    ) else None  # fmt: skip
    record_event(
        actor=actor, action="quality.submit_review", target=locked, now=now, portfolio_id=locked.portfolio_id,
        after={"activity": locked.activity_id, "scorecard_version": locked.scorecard.version,
               "percent": str(result.percent), "passed": result.passed, "failed": list(result.failed),
               "failed_critical": list(result.failed_critical), "coaching_task": task.pk if task else None},
    )  # fmt: skip
    return locked


def _score(spec: scoring.ScorecardSpec, marks: Mapping[str, str]) -> scoring.ScoreResult:
    unknown = sorted({value for value in marks.values() if value not in scoring.Mark._value2member_map_})
    if unknown:
        raise InvalidReview(_("Unknown mark %(mark)s: use pass, fail or na.") % {"mark": ", ".join(unknown)})
    try:
        return scoring.score(spec, {key: scoring.Mark(value) for key, value in marks.items()})
    except scoring.InvalidMarks as exc:
        raise InvalidReview(" ".join(scorecards.describe(problem) for problem in exc.problems)) from exc
