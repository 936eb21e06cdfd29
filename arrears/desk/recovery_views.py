"""Recovery pages: a case's late-stage actions (visits, referral, settlement, write-off) and the supervisor's overview."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from arrears.casework import queries as case_queries
from arrears.casework.models import Case
from arrears.core import errors
from arrears.desk.recovery_forms import (
    DecisionForm,
    MoneyReceivedForm,
    ReasonForm,
    ScheduleVisitForm,
    SettlementForm,
    WriteOffForm,
)
from arrears.desk.views import refusals_as_http
from arrears.people.models import User
from arrears.people.roles import Capability
from arrears.recovery import queries, referrals, settlements, visits, write_offs


def run(
    request: HttpRequest,
    action: Callable[[], Any],
    *,
    done: str,
    to: str,
    fail: Callable[[str], HttpResponse],
) -> HttpResponse:
    """Run one domain action: on success a message and a redirect, on a refusal the page again with it."""
    try:
        action()
    except (errors.PermissionDenied, errors.NotFound):
        raise
    except errors.DomainError as exc:
        return fail(str(exc))
    messages.success(request, done)
    return redirect(to)


def _case_url(case: Case, anchor: str) -> str:
    return reverse("desk:case_recovery", args=[case.pk]) + f"#{anchor}"


def _case(request: HttpRequest, case_id: int) -> Case:
    try:
        return case_queries.get_case(user=request.user, case_id=case_id)
    except errors.NotFound as exc:
        raise Http404(str(exc)) from exc


def _agents(case: Case) -> list[tuple[str, str]]:
    users = User.objects.filter(is_active=True).filter(portfolios=case.portfolio_id).order_by("username")
    return [(str(user.pk), user.get_username()) for user in users if user.can(Capability.VISIT_DEBTORS)]


def _visit_form(case: Case, data: Any = None, source: str = "collector") -> ScheduleVisitForm:
    addresses = [(str(point.pk), f"{point.value}") for point in queries.list_visit_addresses(case=case)]
    return ScheduleVisitForm(data, agents=_agents(case), addresses=addresses, initial={"source": source})


def _case_page(request: HttpRequest, case: Case, *, status: int = 200, **given: Any) -> HttpResponse:
    context = {
        "case": case,
        "view": queries.get_case_recovery(case=case, user=request.user, now=timezone.now()),
        "visit_form": given.get("visit_form")
        or _visit_form(case, source=request.GET.get("source", "collector")),
        "refer_form": given.get("refer_form") or ReasonForm(),
        "settlement_form": given.get("settlement_form") or SettlementForm(),
        "write_off_form": given.get("write_off_form") or WriteOffForm(),
        "error": given.get("error"),
        "error_for": given.get("error_for"),
    }
    return TemplateResponse(request, "desk/recovery/case.html", context, status=status)


@login_required
@require_GET
def case_recovery(request: HttpRequest, case_id: int) -> HttpResponse:
    return _case_page(request, _case(request, case_id))


def _failed(
    request: HttpRequest, case: Case, panel: str, form_name: str, form: Any
) -> Callable[[str], HttpResponse]:
    return lambda text: _case_page(
        request, case, status=422, error=text, error_for=panel, **{form_name: form}
    )


@login_required
@require_POST
@refusals_as_http
def schedule_visit(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = _visit_form(case, request.POST)
    if not form.is_valid():
        return _case_page(request, case, status=422, visit_form=form, error_for="visits")
    data = form.cleaned_data
    agents = {
        str(user.pk): user for user in User.objects.filter(pk__in=[data["agent"], data["companion"] or 0])
    }
    return run(
        request,
        lambda: visits.schedule_visit(
            case=case,
            agent=agents[data["agent"]],
            companion=agents.get(data["companion"]),
            scheduled_for=data["scheduled_for"],
            place_kind=data["place_kind"],
            area=data["area"],
            purpose=data["purpose"],
            contact_point_id=int(data["address"]) if data["address"] else None,
            source=data["source"] or "collector",
            actor=request.user,
            now=timezone.now(),
        ),
        done=_("Visit scheduled."),
        to=_case_url(case, "visits"),
        fail=_failed(request, case, "visits", "visit_form", form),
    )


@login_required
@require_POST
@refusals_as_http
def refer_case(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, status=422, refer_form=form, error_for="referrals")
    return run(
        request,
        lambda: referrals.refer_case(
            case_id=case.pk, reason=form.cleaned_data["reason"], actor=request.user, now=timezone.now()
        ),
        done=_("Case referred for legal action; it waits for approval."),
        to=_case_url(case, "referrals"),
        fail=_failed(request, case, "referrals", "refer_form", form),
    )


@login_required
@require_POST
@refusals_as_http
def offer_settlement(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = SettlementForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, status=422, settlement_form=form, error_for="settlements")
    data = form.cleaned_data
    return run(
        request,
        lambda: settlements.offer_settlement(
            case=case,
            amount=data["amount"],
            pay_by=data["pay_by"],
            reason=data["reason"],
            actor=request.user,
            now=timezone.now(),
        ),
        done=_("Settlement offer recorded."),
        to=_case_url(case, "settlements"),
        fail=_failed(request, case, "settlements", "settlement_form", form),
    )


@login_required
@require_POST
@refusals_as_http
def request_write_off(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _case(request, case_id)
    form = WriteOffForm(request.POST)
    if not form.is_valid():
        return _case_page(request, case, status=422, write_off_form=form, error_for="write-offs")
    data = form.cleaned_data
    return run(
        request,
        lambda: write_offs.request_write_off(
            case_id=case.pk,
            closure_reason=data["closure_reason"],
            note=data["note"],
            actor=request.user,
            now=timezone.now(),
        ),
        done=_("Write-off requested; it waits for approval."),
        to=_case_url(case, "write-offs"),
        fail=_failed(request, case, "write-offs", "write_off_form", form),
    )


def _overview_page(request: HttpRequest, *, status: int = 200, error: str = "") -> HttpResponse:
    context = {"view": queries.get_overview(user=request.user), "error": error}
    return TemplateResponse(request, "desk/recovery/overview.html", context, status=status)


def _check_overview(request: HttpRequest) -> None:
    user: Any = request.user
    if not any(
        user.can(cap)
        for cap in (Capability.REFER_LEGAL, Capability.APPROVE_LEGAL, Capability.APPROVE_WRITE_OFF)
    ):
        raise HttpForbidden(_("Only supervisors and compliance officers see recovery."))


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    _check_overview(request)
    return _overview_page(request)


@login_required
@require_POST
@refusals_as_http
def decide_write_off(request: HttpRequest, write_off_id: int) -> HttpResponse:
    write_off = queries.get_write_off(user=request.user, write_off_id=write_off_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _overview_page(request, status=422, error=_("Choose approve or reject."))
    data, now = form.cleaned_data, timezone.now()
    if data["decision"] == "approve":
        action: Callable[[], Any] = lambda: write_offs.approve_write_off(  # noqa: E731
            write_off_id=write_off.pk, comment=data["comment"], actor=request.user, now=now
        )
    else:
        action = lambda: write_offs.reject_write_off(  # noqa: E731
            write_off_id=write_off.pk, comment=data["comment"], actor=request.user, now=now
        )
    return run(request, action, done=_("Write-off decided."), to=reverse("desk:recovery"),
               fail=lambda text: _overview_page(request, status=422, error=text))  # fmt: skip


@login_required
@require_POST
@refusals_as_http
def record_recovery(request: HttpRequest, write_off_id: int) -> HttpResponse:
    write_off = queries.get_write_off(user=request.user, write_off_id=write_off_id)
    if not request.user.can(Capability.POST_PAYMENTS):  # type: ignore[union-attr]
        raise HttpForbidden(_("You may not post payments."))
    case = _case(request, write_off.case_id)
    form = MoneyReceivedForm(request.POST)
    if not form.is_valid():
        return _case_page(
            request,
            case,
            status=422,
            error=_("Enter the reference, amount and date."),
            error_for="write-offs",
        )
    data = form.cleaned_data
    return run(
        request,
        lambda: write_offs.record_recovery(
            write_off_id=write_off.pk,
            external_ref=data["external_ref"],
            amount=data["amount"],
            received_date=data["received_date"],
            actor=request.user,
            now=timezone.now(),
        ),
        done=_("Recovery posted."),
        to=_case_url(case, "write-offs"),
        fail=lambda text: _case_page(request, case, status=422, error=text, error_for="write-offs"),
    )
