"""Agency pages: place cases, export what the agency may see, recall, record remittances, reconcile."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from arrears.desk.recovery_forms import MoneyReceivedForm, PeriodForm, PlaceCasesForm, ReasonForm
from arrears.desk.recovery_views import run
from arrears.desk.views import refusals_as_http
from arrears.people.roles import Capability
from arrears.recovery import placements, queries
from arrears.recovery.models import Agency


def _check(request: HttpRequest) -> None:
    if not request.user.can(Capability.MANAGE_PLACEMENTS):  # type: ignore[union-attr]
        raise HttpForbidden(_("Only a supervisor manages agency placements."))


def _page(
    request: HttpRequest, agency: Agency, *, status: int = 200, error: str = "", **given: Any
) -> HttpResponse:
    today = timezone.localdate()
    period = PeriodForm(request.GET or None)
    start, end = today.replace(day=1), today
    if period.is_valid():
        start, end = period.cleaned_data["start"], period.cleaned_data["end"]
    context = {
        "agency": agency,
        "fields": placements.export_fields(agency),
        "placements": queries.list_placements(user=request.user, agency=agency),
        "place_form": given.get("place_form") or PlaceCasesForm(),
        "recall_form": ReasonForm(auto_id=False),
        "remittance_form": MoneyReceivedForm(auto_id=False),
        "period_form": PeriodForm(initial={"start": start, "end": end}),
        "reconciliation": placements.reconcile(agency=agency, start=start, end=end),
        "error": error,
    }
    return TemplateResponse(request, "desk/recovery/agency.html", context, status=status)


@login_required
@require_GET
@refusals_as_http
def agency_page(request: HttpRequest, agency_id: int) -> HttpResponse:
    _check(request)
    return _page(request, queries.get_agency(agency_id=agency_id))


@login_required
@require_POST
@refusals_as_http
def place_cases(request: HttpRequest, agency_id: int) -> HttpResponse:
    _check(request)
    agency = queries.get_agency(agency_id=agency_id)
    form = PlaceCasesForm(request.POST)
    if not form.is_valid():
        return _page(request, agency, status=422, place_form=form)
    cases, unknown = queries.find_cases(user=request.user, references=form.reference_list())
    if unknown:
        text = _("Unknown debt references: %(refs)s.") % {"refs": ", ".join(unknown)}
        return _page(request, agency, status=422, error=text, place_form=form)
    return run(
        request,
        lambda: placements.place_cases(agency=agency, cases=cases, actor=request.user, now=timezone.now()),
        done=_("%(count)d cases placed.") % {"count": len(cases)},
        to=reverse("desk:agency", args=[agency.pk]),
        fail=lambda text: _page(request, agency, status=422, error=text, place_form=form),
    )


@login_required
@require_POST
@refusals_as_http
def export(request: HttpRequest, agency_id: int) -> HttpResponse:
    _check(request)
    agency = queries.get_agency(agency_id=agency_id)
    active = queries.list_placements(user=request.user, agency=agency, active_only=True)
    now = timezone.now()
    content = placements.export_placements(agency=agency, placements=active, actor=request.user, now=now)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{agency.code}-{now:%Y%m%d}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
@refusals_as_http
def recall(request: HttpRequest, placement_id: int) -> HttpResponse:
    _check(request)
    placement = queries.get_placement(user=request.user, placement_id=placement_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return run(
        request,
        lambda: placements.recall_placement(
            placement_id=placement.pk, reason=reason, actor=request.user, now=timezone.now()
        ),
        done=_("Case recalled from the agency."),
        to=reverse("desk:agency", args=[placement.agency_id]),
        fail=lambda text: _page(request, placement.agency, status=422, error=text),
    )


@login_required
@require_POST
@refusals_as_http
def record_remittance(request: HttpRequest, placement_id: int) -> HttpResponse:
    _check(request)
    placement = queries.get_placement(user=request.user, placement_id=placement_id)
    form = MoneyReceivedForm(request.POST)
    if not form.is_valid():
        return _page(request, placement.agency, status=422, error=_("Enter the reference, amount and date."))
    data = form.cleaned_data
    return run(
        request,
        lambda: placements.record_remittance(
            placement_id=placement.pk, actor=request.user, now=timezone.now(), **data
        ),
        done=_("Remittance posted."),
        to=reverse("desk:agency", args=[placement.agency_id]),
        fail=lambda text: _page(request, placement.agency, status=422, error=text),
    )
