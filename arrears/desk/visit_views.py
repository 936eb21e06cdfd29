"""Field visit pages: the agent's schedule in route order, and one visit's phone-friendly page.

The visit page checks in (with the phone's location when the browser gives it), then checks out
with the outcome, notes, safety flags, a promise taken on site, and photos. Refusals — outside the
debtor's hours, a place off limits, one agent alone, no identification — show on the page and
change nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from arrears.core import errors
from arrears.desk.recovery_forms import CheckInForm, CheckOutForm, ReasonForm
from arrears.desk.views import refusals_as_http
from arrears.people.roles import Capability
from arrears.recovery import queries, visits
from arrears.recovery.models import Visit, VisitStatus


def _check_visitor(request: HttpRequest) -> None:
    if not request.user.can(Capability.VISIT_DEBTORS):  # type: ignore[union-attr]
        raise HttpForbidden(_("You do not make field visits."))


@login_required
@require_GET
def my_visits(request: HttpRequest) -> HttpResponse:
    _check_visitor(request)
    zone = timezone.get_current_timezone_name()
    rows = queries.list_my_visits(user=request.user, day=timezone.localdate(), zone=zone)
    work = queries.list_visit_work(user=request.user)
    return TemplateResponse(request, "desk/recovery/visits.html", {"visits": rows, "work": work})


@login_required
@require_POST
def order_route(request: HttpRequest) -> HttpResponse:
    _check_visitor(request)
    today = timezone.localdate()
    planned = [
        visit
        for visit in queries.list_my_visits(
            user=request.user, day=today, zone=timezone.get_current_timezone_name(), days=1
        )
        if visit.status == VisitStatus.SCHEDULED and visit.agent_id == request.user.pk
    ]
    if planned:
        visits.order_route(visits=planned, actor=request.user, now=timezone.now())
    messages.success(request, _("Today's route is ordered by area."))
    return redirect("desk:visits")


def _page(request: HttpRequest, visit: Visit, *, status: int = 200, **given: Any) -> HttpResponse:
    context = {
        "visit": visit,
        "case": visit.case,
        "check_in_form": given.get("check_in_form") or CheckInForm(),
        "check_out_form": given.get("check_out_form") or CheckOutForm(),
        "cancel_form": given.get("cancel_form") or ReasonForm(),
        "error": given.get("error"),
        "documents": list(visit.documents.order_by("pk")),
    }
    return TemplateResponse(request, "desk/recovery/visit.html", context, status=status)


@login_required
@require_GET
@refusals_as_http
def visit_page(request: HttpRequest, visit_id: int) -> HttpResponse:
    return _page(request, queries.get_visit(user=request.user, visit_id=visit_id))


@login_required
@require_POST
@refusals_as_http
def check_in(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = queries.get_visit(user=request.user, visit_id=visit_id)
    form = CheckInForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            visits.check_in(visit_id=visit.pk, identification_shown=data["identification_shown"],
                            latitude=data["latitude"], longitude=data["longitude"], actor=request.user,
                            now=timezone.now())  # fmt: skip
        except errors.DomainError as exc:
            if isinstance(exc, errors.PermissionDenied | errors.NotFound):
                raise
            return _page(request, visit, status=422, check_in_form=form, error=str(exc))
        messages.success(request, _("Checked in."))
        return redirect("desk:visit", visit.pk)
    return _page(request, visit, status=422, check_in_form=form)


@login_required
@require_POST
@refusals_as_http
def check_out(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = queries.get_visit(user=request.user, visit_id=visit_id)
    form = CheckOutForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        promise = None
        if data["promise_amount"] is not None and data["promise_date"] is not None:
            promise = visits.OnSitePromise(data["promise_amount"], data["promise_date"])
        try:
            visits.check_out(visit_id=visit.pk, outcome=data["outcome"], notes=data["notes"],
                             safety_flags=data["safety_flags"], promise=promise, documents=data["documents"],
                             actor=request.user, now=timezone.now())  # fmt: skip
        except errors.DomainError as exc:
            if isinstance(exc, errors.PermissionDenied | errors.NotFound):
                raise
            return _page(request, visit, status=422, check_out_form=form, error=str(exc))
        messages.success(request, _("Visit completed."))
        return redirect("desk:visit", visit.pk)
    return _page(request, visit, status=422, check_out_form=form)


@login_required
@require_POST
@refusals_as_http
def cancel_visit(request: HttpRequest, visit_id: int) -> HttpResponse:
    visit = queries.get_visit(user=request.user, visit_id=visit_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            visits.cancel_visit(visit_id=visit.pk, reason=form.cleaned_data["reason"], actor=request.user,
                                now=timezone.now())  # fmt: skip
        except errors.DomainError as exc:
            if isinstance(exc, errors.PermissionDenied | errors.NotFound):
                raise
            return _page(request, visit, status=422, cancel_form=form, error=str(exc))
        messages.success(request, _("Visit cancelled."))
        return redirect("desk:visit", visit.pk)
    return _page(request, visit, status=422, cancel_form=form)
