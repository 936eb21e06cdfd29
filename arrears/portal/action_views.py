"""The debtor's actions on one of their accounts: promise (and withdrawing it), plan, hardship statement, dispute.

Each page is a plain form (works without JavaScript); a refusal is shown above the form and changes
nothing; a success returns to the overview with a message saying what happens next.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from arrears.casework import promises
from arrears.casework.models import ArrangementStatus, Case
from arrears.core import errors
from arrears.portal import queries, self_service
from arrears.portal.forms import ActionForm, DisputeForm, HardshipForm, PlanForm, PromiseForm, fresh_key
from arrears.portal.session import debtor_required, page
from arrears.portfolio import ledger
from arrears.portfolio.models import Debtor
from arrears.usecases.portal_access import get_policy


def _account(debtor: Debtor, case_id: int) -> tuple[Case, dict[str, Any]]:
    try:
        case = queries.get_case(debtor=debtor, case_id=case_id)
    except errors.NotFound:
        raise Http404 from None
    today = timezone.localdate(timezone=ZoneInfo(case.portfolio.time_zone))
    balance = ledger.get_balances(debt_id=case.debt_id, as_of=today).total
    return case, {"case": case, "debt": case.debt, "balance": balance, "today": today}


def _render(request: HttpRequest, template: str, context: dict[str, Any], error: str = "") -> HttpResponse:
    failed = bool(error) or any(form.errors for form in context.values() if hasattr(form, "errors"))
    return page(request, template, {**context, "error": error}, status=400 if failed else 200)


@require_http_methods(["GET", "POST"])
@debtor_required
def promise(request: HttpRequest, debtor: Debtor, case_id: int) -> HttpResponse:
    """Promise to pay an amount by a date, within the promise policy."""
    case, context = _account(debtor, case_id)
    policy = promises.get_policy(case.portfolio)
    context["policy"] = {"max_days": policy.max_days, "minimum": policy.minimum(context["balance"])}
    form = PromiseForm(
        request.POST or None, initial={"request_key": fresh_key(), "amount": context["balance"]}
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            made = self_service.make_promise(
                debtor=debtor, case_id=case.pk, amount=form.cleaned_data["amount"],
                due_date=form.cleaned_data["due_date"], now=timezone.now(),
                request_key=form.cleaned_data["request_key"],
            )  # fmt: skip
        except errors.DomainError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("Thank you. Your promise to pay %(amount)s %(currency)s by %(date)s is recorded.")
                % {"amount": made.amount, "currency": made.currency, "date": made.due_date.isoformat()},
            )
            return redirect("portal:home")
    return _render(request, "portal/promise.html", {**context, "form": form}, error)


@require_POST
@debtor_required
def withdraw_promise(request: HttpRequest, debtor: Debtor, case_id: int, promise_id: int) -> HttpResponse:
    """Withdraw an open promise from the overview; the overview says what happened."""
    form = ActionForm(request.POST)
    try:
        self_service.withdraw_promise(
            debtor=debtor, case_id=case_id, promise_id=promise_id, now=timezone.now(),
            request_key=form.cleaned_data["request_key"] if form.is_valid() else None,
        )  # fmt: skip
    except errors.NotFound:
        raise Http404 from None
    except errors.DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(
            request,
            _("Your promise is withdrawn. If you can, promise again or ask for a plan: we are here to help."),
        )
    return redirect("portal:home")


@require_http_methods(["GET", "POST"])
@debtor_required
def plan(request: HttpRequest, debtor: Debtor, case_id: int) -> HttpResponse:
    """Work out instalments or a deferral with the desk's calculator; propose it when the debtor agrees."""
    case, context = _account(debtor, case_id)
    context["policy"] = get_policy(case.portfolio)
    form = PlanForm(request.POST or None, initial={"request_key": fresh_key()})
    error, quoted = "", None
    if request.method == "POST" and form.is_valid():
        terms = {key: form.cleaned_data[key] for key in ("kind", "first_due", "due_date")}
        terms["months"] = form.cleaned_data["months"] or 0
        try:
            if "propose" in request.POST:
                return _proposed(request, debtor, case, terms, form.cleaned_data)
            quoted = self_service.quote_plan(debtor=debtor, case_id=case.pk, now=timezone.now(), **terms)
        except errors.DomainError as exc:
            error = str(exc)
    return _render(request, "portal/plan.html", {**context, "form": form, "quoted": quoted}, error)


def _proposed(
    request: HttpRequest, debtor: Debtor, case: Case, terms: dict[str, Any], data: dict[str, Any]
) -> HttpResponse:
    arrangement = self_service.propose_plan(
        debtor=debtor, case_id=case.pk, reason=data["reason"], now=timezone.now(),
        request_key=data["request_key"], **terms,
    )  # fmt: skip
    if arrangement.status == ArrangementStatus.ACTIVE:
        messages.success(request, _("Your plan is agreed and active. Thank you."))
    else:
        messages.info(
            request,
            _(
                "Your plan was sent to a supervisor, who will decide within two working days. We will let you know."
            ),
        )
    return redirect("portal:home")


@require_http_methods(["GET", "POST"])
@debtor_required
def hardship(request: HttpRequest, debtor: Debtor, case_id: int) -> HttpResponse:
    """Tell the creditor about a financial difficulty, with the figures the desk asks for."""
    case, context = _account(debtor, case_id)
    form = HardshipForm(request.POST or None, initial={"request_key": fresh_key()})
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            self_service.state_hardship(
                debtor=debtor, case_id=case.pk, now=timezone.now(), **form.cleaned_data
            )
        except errors.DomainError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("Thank you for telling us. We will take your situation into account and contact you."),
            )
            return redirect("portal:home")
    return _render(request, "portal/hardship.html", {**context, "form": form}, error)


@require_http_methods(["GET", "POST"])
@debtor_required
def dispute(request: HttpRequest, debtor: Debtor, case_id: int) -> HttpResponse:
    """Dispute the debt with documents; collection on it pauses while the creditor checks."""
    case, context = _account(debtor, case_id)
    form = DisputeForm(request.POST or None, request.FILES or None, initial={"request_key": fresh_key()})
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            self_service.open_dispute(
                debtor=debtor, case_id=case.pk, reason=form.cleaned_data["reason"],
                description=form.cleaned_data["description"], documents=form.cleaned_data["documents"],
                now=timezone.now(), request_key=form.cleaned_data["request_key"],
            )  # fmt: skip
        except errors.DomainError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("Your dispute is recorded. We have paused collection on this account while we check it."),
            )
            return redirect("portal:home")
    return _render(request, "portal/dispute.html", {**context, "form": form}, error)
