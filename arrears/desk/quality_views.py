"""Quality pages (质检): the reviewer's queue, a review with its evidence beside the scorecard, coaching, trends.

Each view parses its form, makes one call into ``arrears.quality`` and draws the page; domain
refusals are shown inline and change nothing. Uploaded recordings and transcripts are served only
by ``download_evidence``, which checks the user's portfolios.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from arrears.casework.disputes import upload_limit
from arrears.core import errors
from arrears.desk.views import refusals_as_http
from arrears.people.roles import Capability
from arrears.quality import coaching, queries, reviews, sampling, scorecards, scoring, trends
from arrears.quality.models import CoachingStatus, EvidenceKind, QualityReview, ReviewStatus, SampleReason

MARK_LABELS = {
    scoring.Mark.PASS: gettext_lazy("Pass"),
    scoring.Mark.FAIL: gettext_lazy("Fail"),
    scoring.Mark.NOT_APPLICABLE: gettext_lazy("n/a"),
}


def _require(request: HttpRequest, *capabilities: Capability) -> None:
    if not any(request.user.can(capability) for capability in capabilities):  # type: ignore[union-attr]
        raise PermissionDenied(_("You may not use the quality review."))


class SampleForm(forms.Form):
    portfolio = forms.ChoiceField(label=gettext_lazy("Portfolio"))
    day = forms.DateField(label=gettext_lazy("Contacts of"), widget=forms.DateInput(attrs={"type": "date"}))
    rate = forms.DecimalField(
        label=gettext_lazy("Random rate"), min_value=Decimal(0), max_value=Decimal(1), decimal_places=4,
        initial=sampling.DEFAULT_RATE, help_text=gettext_lazy("0.05 draws one in twenty of each collector's contacts."),
    )  # fmt: skip

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["portfolio"].choices = [  # type: ignore[attr-defined]
            (str(portfolio.pk), portfolio.name)
            for portfolio, card in scorecards.list_scorecard_portfolios(user=user)
            if card is not None
        ]


@login_required
@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest) -> HttpResponse:
    """The reviewer's queue (risk-based first) and the form that draws a day's sample."""
    _require(request, Capability.REVIEW_QUALITY)
    form = SampleForm(request.POST or None, user=request.user, initial={"day": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            portfolio = scorecards.get_portfolio(
                user=request.user, portfolio_id=int(form.cleaned_data["portfolio"])
            )
            run = sampling.draw_sample(
                portfolio=portfolio, day=form.cleaned_data["day"], rate=form.cleaned_data["rate"], actor=request.user,
                now=timezone.now(),
            )  # fmt: skip
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(drawn)d of %(contacts)d contacts drawn for review.")
                % {"drawn": run.drawn, "contacts": run.contacts},
            )
            return redirect("desk:quality")
    status = request.GET.get("status", ReviewStatus.PENDING)
    reason = request.GET.get("reason", "")
    context = {
        "reviews": queries.list_queue(user=request.user, status=status, reason=reason),
        "status": status,
        "reason": reason,
        "reasons": SampleReason.choices,
        "statuses": ReviewStatus.choices,
        "sample_form": form,
    }
    return TemplateResponse(request, "desk/quality/queue.html", context, status=400 if form.errors else 200)


class TranscriptForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Paste the transcript"), max_length=reviews.MAX_TRANSCRIPT_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
    )  # fmt: skip


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=EvidenceKind.choices)
    file = forms.FileField(label=gettext_lazy("File"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Recordings: MP3, WAV, M4A, OGG, WebM or FLAC; transcripts: .txt, .srt or .vtt; at most %(size)s."
        ) % {"size": filesizeformat(upload_limit())}


class ReviewForm(forms.Form):
    """One mark per scorecard item (with the pre-score's suggestion as the initial value) and comments."""

    comment = forms.CharField(
        label=gettext_lazy("Overall comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, page: queries.ReviewPage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in page.rows:
            choices = [(mark.value, MARK_LABELS[mark]) for mark in scoring.Mark]
            if not row.item.allows_not_applicable:
                choices = choices[:2]
            self.fields[f"mark_{row.item.key}"] = forms.ChoiceField(
                choices=choices, widget=forms.RadioSelect, initial=row.mark or row.suggested or None
            )
            self.fields[f"note_{row.item.key}"] = forms.CharField(
                required=False, max_length=2000, initial=row.comment
            )

    def marks(self) -> dict[str, str]:
        return {name[5:]: value for name, value in self.cleaned_data.items() if name.startswith("mark_")}

    def comments(self) -> dict[str, str]:
        return {
            name[5:]: value for name, value in self.cleaned_data.items() if name.startswith("note_") and value
        }


def _get_review(request: HttpRequest, review_id: int) -> QualityReview:
    return queries.get_review(user=request.user, review_id=review_id)


def _render_review(
    request: HttpRequest, review: QualityReview, *, status: int = 200, **given: Any
) -> HttpResponse:
    page = queries.get_review_page(review=review)
    form = given.get("review_form") or ReviewForm(page=page)
    context = {
        "page": page,
        "review": review,
        "case": review.activity.case,
        "zone": ZoneInfo(review.activity.case.portfolio.time_zone),
        "rows": [(row, form[f"mark_{row.item.key}"], form[f"note_{row.item.key}"]) for row in page.rows],
        "sections": page.spec.sections,
        "review_form": form,
        "transcript_form": given.get("transcript_form")
        or TranscriptForm(initial={"text": review.transcript}),
        "evidence_form": given.get("evidence_form") or EvidenceForm(),
        "may_review": request.user.can(Capability.REVIEW_QUALITY) and review.status == ReviewStatus.PENDING,  # type: ignore[union-attr]
        "prescore": review.prescore,
        "owed": Decimal(review.prescore["facts"]["amount"]) if review.prescore.get("facts") else None,
    }
    return TemplateResponse(request, "desk/quality/review.html", context, status=status)


@login_required
@require_GET
@refusals_as_http
def review_page(request: HttpRequest, review_id: int) -> HttpResponse:
    """A contact's evidence (outcome, note, messages, transcript, files, pre-score) beside the scorecard."""
    return _render_review(request, _get_review(request, review_id))


@login_required
@require_POST
@refusals_as_http
def submit_review(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _get_review(request, review_id)
    form = ReviewForm(request.POST, page=queries.get_review_page(review=review))
    if form.is_valid():
        try:
            done = reviews.submit_review(
                review=review, marks=form.marks(), comments=form.comments(), comment=form.cleaned_data["comment"],
                actor=request.user, now=timezone.now(),
            )  # fmt: skip
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Review saved: %(percent)s %%.") % {"percent": done.percent})
            return redirect("desk:quality_review", review_id=done.pk)
    return _render_review(request, review, status=400, review_form=form)


@login_required
@require_POST
@refusals_as_http
def attach_transcript(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _get_review(request, review_id)
    form = TranscriptForm(request.POST)
    if form.is_valid():
        try:
            reviews.attach_transcript(
                review=review, text=form.cleaned_data["text"], actor=request.user, now=timezone.now()
            )
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Transcript kept; the pre-score was computed again."))
            return redirect("desk:quality_review", review_id=review.pk)
    return _render_review(request, review, status=400, transcript_form=form)


@login_required
@require_POST
@refusals_as_http
def upload_evidence(request: HttpRequest, review_id: int) -> HttpResponse:
    review = _get_review(request, review_id)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            reviews.upload_evidence(
                review=review, upload=form.cleaned_data["file"], kind=form.cleaned_data["kind"], actor=request.user,
                now=timezone.now(),
            )  # fmt: skip
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("File uploaded."))
            return redirect("desk:quality_review", review_id=review.pk)
    return _render_review(request, review, status=400, evidence_form=form)


@login_required
@require_GET
def download_evidence(request: HttpRequest, review_id: int, evidence_id: int) -> FileResponse:
    try:
        evidence = queries.get_evidence(user=request.user, review_id=review_id, evidence_id=evidence_id)
    except errors.NotFound as exc:
        raise Http404(str(exc)) from exc
    response = FileResponse(
        evidence.file.open("rb"), as_attachment=evidence.kind != EvidenceKind.RECORDING, filename=evidence.name,
        content_type=evidence.content_type,
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class CoachingNoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


@login_required
@require_GET
def coaching_list(request: HttpRequest) -> HttpResponse:
    """Coaching tasks: a supervisor's to give, a collector's own."""
    status = request.GET.get("status", "")
    context = {
        "tasks": queries.list_coaching_tasks(user=request.user, status=status),
        "status": status,
        "statuses": CoachingStatus.choices,
    }
    return TemplateResponse(request, "desk/quality/coaching_list.html", context)


def _render_task(request: HttpRequest, task_id: int, *, status: int = 200, form: Any = None) -> HttpResponse:
    task = queries.get_coaching_task(user=request.user, task_id=task_id)
    review = task.review
    page = queries.get_review_page(review=review)
    labels = {row.item.key: row.item for row in page.rows}
    context = {
        "task": task,
        "review": review,
        "items": [
            (labels.get(key), key, next((r for r in page.rows if r.item.key == key), None))
            for key in task.items
        ],
        "follow_ups": queries.follow_up_of(task=task),
        "may_coach": coaching.may_coach(user=request.user, task=task),
        "form": form or CoachingNoteForm(),
    }
    return TemplateResponse(request, "desk/quality/coaching_task.html", context, status=status)


@login_required
@require_GET
@refusals_as_http
def coaching_task(request: HttpRequest, task_id: int) -> HttpResponse:
    return _render_task(request, task_id)


@login_required
@require_POST
@refusals_as_http
def move_coaching(request: HttpRequest, task_id: int, step: str) -> HttpResponse:
    """Record the coaching (``coached``) or close the task after its follow-up (``close``)."""
    if step not in ("coached", "close"):
        raise Http404(step)
    task = queries.get_coaching_task(user=request.user, task_id=task_id)
    form = CoachingNoteForm(request.POST)
    action = coaching.record_coaching if step == "coached" else coaching.close_coaching
    if form.is_valid():
        try:
            action(task=task, note=form.cleaned_data["note"], actor=request.user, now=timezone.now())
        except errors.PermissionDenied:
            raise
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Coaching task updated."))
            return redirect("desk:quality_coaching_task", task_id=task.pk)
    return _render_task(request, task_id, status=400, form=form)


@login_required
@require_GET
def trends_page(request: HttpRequest) -> HttpResponse:
    """Quality score over time per collector and team, and the items failed most."""
    _require(request, Capability.REVIEW_QUALITY, Capability.SUPERVISE_TEAM)
    try:
        weeks = max(1, min(int(request.GET.get("weeks", "12")), 104))
    except ValueError:
        weeks = 12
    found = trends.get_trends(user=request.user, now=timezone.now(), weeks=weeks)
    return TemplateResponse(request, "desk/quality/trends.html", {"trends": found, "weeks": weeks})
