"""API: quality review (质检) and coaching — scorecards, samples, reviews with evidence, coaching, trends.

Scoped like the pages: a review, task or portfolio out of the caller's portfolios answers 404;
a caller without the capability 403; bad input 422 with what was wrong, and nothing saved.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile

from arrears.api.portfolio import ErrorOut
from arrears.core.errors import PermissionDenied
from arrears.people.roles import Capability
from arrears.quality import coaching, queries, reviews, sampling, scorecards, trends
from arrears.quality.models import CoachingTask, QualityReview, SampleRun, Scorecard

router = Router(tags=["quality"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


def _require(request: HttpRequest, *capabilities: Capability) -> None:
    if not any(request.user.can(capability) for capability in capabilities):  # type: ignore[union-attr]
        raise PermissionDenied(_("You may not use the quality review."))


class ScorecardOut(Schema):
    portfolio_id: int
    version: int
    spec: dict[str, Any]
    note: str
    created_at: datetime


def _scorecard_out(card: Scorecard) -> ScorecardOut:
    return ScorecardOut(
        portfolio_id=card.portfolio_id,
        version=card.version,
        spec=card.spec,
        note=card.note,
        created_at=card.created_at,
    )


class ScorecardIn(Schema):
    spec: dict[str, Any]
    note: str = ""


@router.get("/quality/scorecards/{portfolio_id}", response={200: ScorecardOut, **ERRORS})
def get_scorecard(request: HttpRequest, portfolio_id: int) -> ScorecardOut:
    """The portfolio's active scorecard: sections, items (weights, critical, evidence), pass and coaching marks."""
    portfolio = scorecards.get_portfolio(user=request.user, portfolio_id=portfolio_id)
    return _scorecard_out(scorecards.get_active_scorecard(portfolio_id=portfolio.pk))


@router.put("/quality/scorecards/{portfolio_id}", response={200: ScorecardOut, **ERRORS})
def save_scorecard(request: HttpRequest, portfolio_id: int, payload: ScorecardIn) -> ScorecardOut:
    """Save a new version of the portfolio's scorecard (MANAGE_QUALITY); weights must add up to 100."""
    portfolio = scorecards.get_portfolio(user=request.user, portfolio_id=portfolio_id)
    card = scorecards.save_scorecard(
        portfolio=portfolio, data=payload.spec, actor=request.user, now=timezone.now(), note=payload.note
    )
    return _scorecard_out(card)


class SampleIn(Schema):
    portfolio_id: int
    date: date
    rate: Decimal = sampling.DEFAULT_RATE
    seed: int | None = None


class SampleOut(Schema):
    id: int
    portfolio_id: int
    date: date
    rate: Decimal
    seed: int
    contacts: int
    drawn: int
    counts: dict[str, int]


@router.post("/quality/samples", response={201: SampleOut, **ERRORS})
def draw_sample(request: HttpRequest, payload: SampleIn) -> Status[SampleOut]:
    """Draw a day's review sample of a portfolio (the same day again returns the first run)."""
    portfolio = scorecards.get_portfolio(user=request.user, portfolio_id=payload.portfolio_id)
    run: SampleRun = sampling.draw_sample(
        portfolio=portfolio, day=payload.date, rate=payload.rate, seed=payload.seed, actor=request.user,
        now=timezone.now(),
    )  # fmt: skip
    return Status(
        201,
        SampleOut(
            id=run.pk,
            portfolio_id=run.portfolio_id,
            date=run.business_date,
            rate=run.rate,
            seed=run.seed,
            contacts=run.contacts,
            drawn=run.drawn,
            counts=run.counts,
        ),
    )


class MarkOut(Schema):
    item: str
    mark: str
    comment: str


class EvidenceOut(Schema):
    id: int
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str


class ReviewOut(Schema):
    id: int
    activity_id: int
    case_id: int
    portfolio_id: int
    collector: str | None
    reasons: list[str]
    status: str
    contact_at: datetime
    result: str
    note: str
    transcript: str
    prescore: dict[str, Any]
    scorecard_version: int | None
    percent: Decimal | None
    passed: bool | None
    failed_critical: list[str]
    marks: list[MarkOut]
    evidence: list[EvidenceOut]
    coaching_task_id: int | None


def _review_out(review: QualityReview) -> ReviewOut:
    task = CoachingTask.objects.filter(review=review).values_list("pk", flat=True).first()
    return ReviewOut(
        id=review.pk, activity_id=review.activity_id, case_id=review.case_id, portfolio_id=review.portfolio_id,
        collector=review.collector.get_username() if review.collector else None, reasons=review.reasons,
        status=review.status, contact_at=review.contact_at, result=review.activity.result, note=review.activity.note,
        transcript=review.transcript, prescore=review.prescore,
        scorecard_version=review.scorecard.version if review.scorecard else None, percent=review.percent,
        passed=review.passed, failed_critical=review.failed_critical,
        marks=[MarkOut(item=m.item_key, mark=m.mark, comment=m.comment) for m in review.marks.order_by("pk")],
        evidence=[
            EvidenceOut(id=e.pk, kind=e.kind, name=e.name, content_type=e.content_type, size=e.size, sha256=e.sha256)
            for e in review.evidence.order_by("pk")
        ],
        coaching_task_id=task,
    )  # fmt: skip


@router.get("/quality/reviews", response={200: list[ReviewOut], **ERRORS})
def list_reviews(
    request: HttpRequest, status: str = "pending", reason: str = "", portfolio_id: int | None = None
) -> list[ReviewOut]:
    """The reviewer's queue (``status=pending``) or completed reviews; risk-based before random."""
    _require(request, Capability.REVIEW_QUALITY)
    found = queries.list_queue(user=request.user, status=status, reason=reason, portfolio_id=portfolio_id)
    return [_review_out(review) for review in found]


@router.get("/quality/reviews/{review_id}", response={200: ReviewOut, **ERRORS})
def get_review(request: HttpRequest, review_id: int) -> ReviewOut:
    """One review with the contact's note, the transcript, the pre-score, marks and uploaded files."""
    return _review_out(queries.get_review(user=request.user, review_id=review_id))


@router.post("/quality/contacts/{activity_id}/review", response={201: ReviewOut, **ERRORS})
def queue_contact(request: HttpRequest, activity_id: int) -> Status[ReviewOut]:
    """Put a contact (a desk activity) in the review queue by hand."""
    review = reviews.queue_contact(activity_id=activity_id, actor=request.user, now=timezone.now())
    return Status(201, _review_out(queries.get_review(user=request.user, review_id=review.pk)))


class TranscriptIn(Schema):
    text: str


@router.post("/quality/reviews/{review_id}/transcript", response={200: ReviewOut, **ERRORS})
def attach_transcript(request: HttpRequest, review_id: int, payload: TranscriptIn) -> ReviewOut:
    """Keep a pasted transcript; the pre-score is computed again from it."""
    review = queries.get_review(user=request.user, review_id=review_id)
    reviews.attach_transcript(review=review, text=payload.text, actor=request.user, now=timezone.now())
    return _review_out(queries.get_review(user=request.user, review_id=review_id))


class EvidenceIn(Schema):
    kind: str


@router.post("/quality/reviews/{review_id}/evidence", response={201: EvidenceOut, **ERRORS})
def upload_evidence(
    request: HttpRequest, review_id: int, payload: Form[EvidenceIn], file: File[UploadedFile]
) -> Status[EvidenceOut]:
    """Upload a recording (MP3, WAV, M4A, OGG, WebM, FLAC) or a transcript (.txt, .srt, .vtt), multipart."""
    review = queries.get_review(user=request.user, review_id=review_id)
    stored = reviews.upload_evidence(
        review=review, upload=file, kind=payload.kind, actor=request.user, now=timezone.now()
    )
    return Status(
        201,
        EvidenceOut(
            id=stored.pk,
            kind=stored.kind,
            name=stored.name,
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
        ),
    )


@router.get("/quality/reviews/{review_id}/evidence/{evidence_id}", response={200: None, **ERRORS})
def download_evidence(request: HttpRequest, review_id: int, evidence_id: int) -> FileResponse:
    """Download one uploaded recording or transcript."""
    evidence = queries.get_evidence(user=request.user, review_id=review_id, evidence_id=evidence_id)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class SubmitIn(Schema):
    marks: dict[str, str]
    comments: dict[str, str] = {}
    comment: str = ""


@router.post("/quality/reviews/{review_id}/submit", response={200: ReviewOut, **ERRORS})
def submit_review(request: HttpRequest, review_id: int, payload: SubmitIn) -> ReviewOut:
    """Score the contact: ``marks`` is item key → ``pass``, ``fail`` or ``na``; a failed or low score opens coaching."""
    review = queries.get_review(user=request.user, review_id=review_id)
    reviews.submit_review(
        review=review, marks=payload.marks, comments=payload.comments, comment=payload.comment, actor=request.user,
        now=timezone.now(),
    )  # fmt: skip
    return _review_out(queries.get_review(user=request.user, review_id=review_id))


class CoachingOut(Schema):
    id: int
    review_id: int
    collector: str
    supervisor: str | None
    items: list[str]
    status: str
    coaching_note: str
    closing_note: str
    follow_up_contacts: int
    follow_up_review_ids: list[int]
    created_at: datetime


def _coaching_out(task: CoachingTask) -> CoachingOut:
    return CoachingOut(
        id=task.pk, review_id=task.review_id, collector=task.collector.get_username(),
        supervisor=task.supervisor.get_username() if task.supervisor else None, items=task.items, status=task.status,
        coaching_note=task.coaching_note, closing_note=task.closing_note, follow_up_contacts=task.follow_up_contacts,
        follow_up_review_ids=[review.pk for review in queries.follow_up_of(task=task)], created_at=task.created_at,
    )  # fmt: skip


@router.get("/quality/coaching", response={200: list[CoachingOut], **ERRORS})
def list_coaching(request: HttpRequest, status: str = "") -> list[CoachingOut]:
    """Coaching tasks: a supervisor's own and unassigned, a quality manager's all, a collector's own."""
    return [_coaching_out(task) for task in queries.list_coaching_tasks(user=request.user, status=status)]


class NoteIn(Schema):
    note: str


@router.post("/quality/coaching/{task_id}/coached", response={200: CoachingOut, **ERRORS})
def record_coaching(request: HttpRequest, task_id: int, payload: NoteIn) -> CoachingOut:
    """Record the coaching; the collector's next contacts are then sampled for follow-up."""
    task = queries.get_coaching_task(user=request.user, task_id=task_id)
    return _coaching_out(
        coaching.record_coaching(task=task, note=payload.note, actor=request.user, now=timezone.now())
    )


@router.post("/quality/coaching/{task_id}/close", response={200: CoachingOut, **ERRORS})
def close_coaching(request: HttpRequest, task_id: int, payload: NoteIn) -> CoachingOut:
    """Close a coached task with what the follow-up showed."""
    task = queries.get_coaching_task(user=request.user, task_id=task_id)
    return _coaching_out(
        coaching.close_coaching(task=task, note=payload.note, actor=request.user, now=timezone.now())
    )


class TrendOut(Schema):
    id: int | None
    name: str
    reviews: int
    average: Decimal
    pass_rate: Decimal
    weeks: list[tuple[date, Decimal, int]]


class FailedItemOut(Schema):
    key: str
    label_en: str
    label_zh: str
    failed: int
    marked: int
    critical: bool


class TrendsOut(Schema):
    since: date
    collectors: list[TrendOut]
    teams: list[TrendOut]
    failed_items: list[FailedItemOut]


@router.get("/quality/trends", response={200: TrendsOut, **ERRORS})
def get_trends(request: HttpRequest, weeks: int = 12, portfolio_id: int | None = None) -> TrendsOut:
    """Quality per collector and team: average score, pass rate, weekly averages; the items failed most."""
    _require(request, Capability.REVIEW_QUALITY, Capability.SUPERVISE_TEAM)
    found = trends.get_trends(
        user=request.user, now=timezone.now(), weeks=max(1, min(weeks, 104)), portfolio_id=portfolio_id
    )

    def out(trend: trends.Trend) -> TrendOut:
        return TrendOut(
            id=trend.key, name=trend.name, reviews=trend.reviews, average=trend.average, pass_rate=trend.pass_rate,
            weeks=list(trend.weeks),
        )  # fmt: skip

    return TrendsOut(
        since=found.since, collectors=[out(t) for t in found.collectors], teams=[out(t) for t in found.teams],
        failed_items=[FailedItemOut(**vars_of(item)) for item in found.failed_items],
    )  # fmt: skip


def vars_of(item: trends.FailedItem) -> dict[str, Any]:
    """Return a failed item's fields."""
    return {
        "key": item.key, "label_en": item.label_en, "label_zh": item.label_zh, "failed": item.failed,
        "marked": item.marked, "critical": item.critical,
    }  # fmt: skip
