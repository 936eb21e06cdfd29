"""The legal referral page: approvals, litigation tracking, and the evidence bundle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from arrears.core import errors
from arrears.desk.recovery_forms import (
    ApproveReferralForm,
    FilingForm,
    HearingForm,
    JudgmentForm,
    NoteForm,
    ReasonForm,
)
from arrears.desk.recovery_views import run
from arrears.desk.views import refusals_as_http
from arrears.recovery import bundles, litigation, referrals
from arrears.recovery.models import EvidenceBundle, LegalReferral

CAPACITY_LABELS = {
    referrals.SUPERVISOR: gettext_lazy("supervisor"),
    referrals.COMPLIANCE: gettext_lazy("compliance officer"),
}


def _approve_form(referral: LegalReferral, user: Any, data: Any = None) -> ApproveReferralForm:
    form = ApproveReferralForm(data)
    choices = [
        (capacity, str(CAPACITY_LABELS[capacity]))
        for capacity in referrals.capacities(user=user, referral=referral)
    ]
    form.fields["capacity"].choices = choices  # type: ignore[attr-defined]
    return form


def _page(
    request: HttpRequest, referral: LegalReferral, *, status: int = 200, error: str = "", **given: Any
) -> HttpResponse:
    context = {
        "referral": referral,
        "case": referral.case,
        "hearings": list(referral.hearings.order_by("held_at", "pk")),
        "bundles": list(referral.bundles.order_by("-created_at", "-pk")),
        "approve_form": given.get("approve_form") or _approve_form(referral, request.user),
        "reject_form": given.get("reject_form") or ReasonForm(),
        "filing_form": given.get("filing_form") or FilingForm(),
        "hearing_form": given.get("hearing_form") or HearingForm(),
        "judgment_form": given.get("judgment_form") or JudgmentForm(),
        "note_form": given.get("note_form") or NoteForm(),
        "may_bundle": referral.status in bundles.BUNDLE_STATUSES,
        "error": error,
    }
    return TemplateResponse(request, "desk/recovery/referral.html", context, status=status)


@login_required
@require_GET
@refusals_as_http
def referral_page(request: HttpRequest, referral_id: int) -> HttpResponse:
    return _page(request, referrals.get_referral(user=request.user, referral_id=referral_id))


def _step(
    request: HttpRequest, referral_id: int, form_class: Any, form_name: str, action: Callable[[LegalReferral, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:  # fmt: skip
    referral = referrals.get_referral(user=request.user, referral_id=referral_id)
    form = (
        _approve_form(referral, request.user, request.POST)
        if form_class is ApproveReferralForm
        else form_class(request.POST)
    )
    if not form.is_valid():
        return _page(request, referral, status=422, error=_("Check the form."), **{form_name: form})
    return run(
        request,
        lambda: action(referral, form.cleaned_data),
        done=done,
        to=reverse("desk:referral", args=[referral.pk]),
        fail=lambda text: _page(request, referral, status=422, error=text, **{form_name: form}),
    )


@login_required
@require_POST
@refusals_as_http
def approve(request: HttpRequest, referral_id: int) -> HttpResponse:
    def act(referral: LegalReferral, data: dict[str, Any]) -> Any:
        return referrals.approve_referral(referral_id=referral.pk, capacity=data["capacity"], comment=data["comment"],
                                          actor=request.user, now=timezone.now())  # fmt: skip

    return _step(request, referral_id, ApproveReferralForm, "approve_form", act, _("Approval recorded."))


@login_required
@require_POST
@refusals_as_http
def reject(request: HttpRequest, referral_id: int) -> HttpResponse:
    def act(referral: LegalReferral, data: dict[str, Any]) -> Any:
        return referrals.reject_referral(referral_id=referral.pk, comment=data["reason"], actor=request.user,
                                         now=timezone.now())  # fmt: skip

    return _step(request, referral_id, ReasonForm, "reject_form", act, _("Referral rejected."))


@login_required
@require_POST
@refusals_as_http
def record_filing(request: HttpRequest, referral_id: int) -> HttpResponse:
    def act(referral: LegalReferral, data: dict[str, Any]) -> Any:
        return litigation.record_filing(
            referral_id=referral.pk, actor=request.user, now=timezone.now(), **data
        )

    return _step(request, referral_id, FilingForm, "filing_form", act, _("Filing recorded."))


@login_required
@require_POST
@refusals_as_http
def add_hearing(request: HttpRequest, referral_id: int) -> HttpResponse:
    def act(referral: LegalReferral, data: dict[str, Any]) -> Any:
        return litigation.add_hearing(referral_id=referral.pk, actor=request.user, now=timezone.now(), **data)

    return _step(request, referral_id, HearingForm, "hearing_form", act, _("Hearing recorded."))


@login_required
@require_POST
@refusals_as_http
def record_judgment(request: HttpRequest, referral_id: int) -> HttpResponse:
    def act(referral: LegalReferral, data: dict[str, Any]) -> Any:
        return litigation.record_judgment(
            referral_id=referral.pk, actor=request.user, now=timezone.now(), **data
        )

    return _step(
        request, referral_id, JudgmentForm, "judgment_form", act, _("Judgment recorded; costs charged.")
    )


@login_required
@require_POST
@refusals_as_http
def record_enforcement(request: HttpRequest, referral_id: int) -> HttpResponse:
    def act(referral: LegalReferral, data: dict[str, Any]) -> Any:
        return litigation.record_enforcement(referral_id=referral.pk, note=data["note"], actor=request.user,
                                             now=timezone.now())  # fmt: skip

    return _step(request, referral_id, NoteForm, "note_form", act, _("Enforcement recorded."))


@login_required
@require_POST
@refusals_as_http
def close(request: HttpRequest, referral_id: int) -> HttpResponse:
    def act(referral: LegalReferral, data: dict[str, Any]) -> Any:
        return litigation.close_referral(referral_id=referral.pk, note=data["note"], actor=request.user,
                                         now=timezone.now())  # fmt: skip

    return _step(request, referral_id, NoteForm, "note_form", act, _("Litigation closed."))


@login_required
@require_POST
@refusals_as_http
def build_bundle(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = referrals.get_referral(user=request.user, referral_id=referral_id)
    return run(
        request,
        lambda: bundles.build_bundle(referral=referral, actor=request.user, now=timezone.now()),
        done=_("Evidence bundle built and checked against its manifest."),
        to=reverse("desk:referral", args=[referral.pk]),
        fail=lambda text: _page(request, referral, status=422, error=text),
    )


@login_required
@require_GET
@refusals_as_http
def download_bundle(request: HttpRequest, referral_id: int, bundle_id: int) -> HttpResponse:
    referral = referrals.get_referral(user=request.user, referral_id=referral_id)
    try:
        bundle = referral.bundles.get(pk=bundle_id)
    except EvidenceBundle.DoesNotExist:
        raise Http404(_("No such bundle.")) from None
    try:
        content = bundles.read_bundle(bundle)
    except errors.DomainError as exc:
        if isinstance(exc, errors.PermissionDenied | errors.NotFound):
            raise
        return _page(request, referral, status=409, error=str(exc))
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{bundle.file_name}"'
    response["Cache-Control"] = "private, no-store"
    return response
