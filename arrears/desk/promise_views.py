"""The case page's script, promise and hardship panels: render one panel, take a promise, cancel one, assess hardship.

Each panel renders from ``panels_context`` (the case page may merge it into its own context) or
loads itself over htmx from ``case_panel``. A POST answers an htmx request with the panel alone
(and the ``case-changed`` event, so the other panels refresh their revision) and a plain request
with a redirect to the panel on the case page — or, on an error, the panel page with the message.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from arrears.casework import hardship, promises, scripts
from arrears.casework import queries as case_queries
from arrears.casework.models import Case, DelinquencyReason, HardshipCause, ScriptSituation, Willingness
from arrears.core import errors
from arrears.desk.views import refusals_as_http
from arrears.portfolio import ledger
from arrears.portfolio.choices import DebtorKind

PANELS = ("script", "promise", "hardship")
ANCHORS = {"script": "script", "promise": "promise", "hardship": "hardship"}
SITUATION_FOR_REASON = {
    DelinquencyReason.FORGOT: "forgot",
    DelinquencyReason.CASH_FLOW: "hardship",
    DelinquencyReason.DISPUTE: "objection",
    DelinquencyReason.WILFUL: "refusal",
}


class DateInput(forms.DateInput):
    input_type = "date"


class _CaseForm(forms.Form):
    """A form that acts on a case: it carries the page's revision and a fresh request key."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class PromiseForm(_CaseForm):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"), max_digits=18, decimal_places=2, min_value=Decimal("0.01")
    )
    due_date = forms.DateField(label=gettext_lazy("Promised by"), widget=DateInput())


class CancelPromiseForm(_CaseForm):
    reason = forms.CharField(label=gettext_lazy("Why cancel it"), max_length=300, required=False)


class HardshipForm(_CaseForm):
    cause = forms.ChoiceField(label=gettext_lazy("Cause of the difficulty"), choices=HardshipCause.choices)
    since = forms.DateField(label=gettext_lazy("Since"), widget=DateInput())
    expected_months = forms.IntegerField(
        label=gettext_lazy("Expected to last (months)"), min_value=0, max_value=120
    )
    monthly_income = forms.DecimalField(
        label=gettext_lazy("Monthly income (household or company)"),
        max_digits=18,
        decimal_places=2,
        min_value=0,
    )
    monthly_expenses = forms.DecimalField(
        label=gettext_lazy("Essential monthly expenses"), max_digits=18, decimal_places=2, min_value=0
    )
    other_debt_payments = forms.DecimalField(
        label=gettext_lazy("Monthly payments on other debts"), max_digits=18, decimal_places=2, min_value=0,
        initial=Decimal("0.00"),
    )  # fmt: skip
    assets = forms.DecimalField(
        label=gettext_lazy("Assets that could be realised"), max_digits=18, decimal_places=2, min_value=0,
        initial=Decimal("0.00"),
    )  # fmt: skip
    dependants = forms.IntegerField(label=gettext_lazy("Dependants"), min_value=0, max_value=50, initial=0)
    willingness = forms.ChoiceField(
        label=gettext_lazy("Willingness to pay"), choices=Willingness.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


def _fresh(case: Case) -> dict[str, Any]:
    return {"revision": case.revision, "request_key": secrets.token_urlsafe(16)}


def _case_url(case: Case, anchor: str) -> str:
    try:
        return reverse("desk:case", args=[case.pk]) + f"#{anchor}"
    except NoReverseMatch:
        return reverse("desk:case_panel", args=[case.pk, anchor])


def default_situation(case: Case) -> str:
    """Return the script situation the case's facts suggest (a company: reach the decision-maker)."""
    if case.debtor.kind == DebtorKind.COMPANY and case.delinquency_reason == DelinquencyReason.UNKNOWN:
        return "company"
    return SITUATION_FOR_REASON.get(DelinquencyReason(case.delinquency_reason), "forgot")


def script_panel(
    request: HttpRequest,
    case: Case,
    *,
    situation: str = "",
    language: str = "",
    position: ledger.DebtPosition | None = None,
) -> dict[str, Any]:
    """Return the script panel's contents: the tabs and the script for the situation, filled in."""
    situation = situation if situation in scripts.SITUATIONS else default_situation(case)
    language = scripts.script_language(language or translation.get_language() or "en")
    today = promises.local_today(case, timezone.now())
    rendered = scripts.render_script(
        case=case, situation=situation, language=language, today=today, position=position
    )
    tabs = [(code, str(ScriptSituation(code).label)) for code in scripts.SITUATIONS]
    return {"situation": situation, "language": language, "tabs": tabs, "script": rendered}


def promise_panel(
    case: Case, *, form: PromiseForm | None = None, cancel_error: str = "", balance: Decimal | None = None
) -> dict[str, Any]:
    """Return the promise panel's contents: the policy's limits, the form and the case's promises."""
    today = promises.local_today(case, timezone.now())
    policy = promises.get_policy(case.portfolio)
    if balance is None:
        balance = ledger.get_balances(debt_id=case.debt_id, as_of=today).total
    listed = promises.list_promises(case=case)
    return {
        "form": form or PromiseForm(initial=_fresh(case)),
        "today": today,
        "latest": today + timedelta(days=policy.max_days),
        "max_days": policy.max_days,
        "minimum": policy.minimum(balance) if balance > 0 else None,
        "balance": balance,
        "currency": case.debt.currency,
        "open": [promise for promise in listed if promise.status == "open"],
        "settled": [promise for promise in listed if promise.status != "open"],
        "cancel_form": CancelPromiseForm(initial=_fresh(case)),
        "cancel_error": cancel_error,
    }


def hardship_panel(
    case: Case, *, form: HardshipForm | None = None, balance: Decimal | None = None
) -> dict[str, Any]:
    """Return the hardship panel's contents: the interview form and the latest assessment's result."""
    today = promises.local_today(case, timezone.now())
    latest = hardship.latest_assessment(case_id=case.pk)
    result = None
    if latest is not None:
        if balance is None:
            balance = ledger.get_balances(debt_id=case.debt_id, as_of=today).total
        months = hardship.months_to_repay(latest, balance)
        result = {
            "assessment": latest,
            "treatment": hardship.treatment_label(latest.suggested_treatment),
            "months": months,
            "arrangement_url": _arrangement_url(case, latest.affordable_monthly, months),
        }
    return {"form": form or HardshipForm(initial=_fresh(case)), "result": result, "today": today}


def _arrangement_url(case: Case, affordable: Decimal, months: int | None) -> str | None:
    """Return the arrangement calculator for an instalment plan at the affordable amount (None when it is 0)."""
    if affordable <= 0 or months is None:
        return None
    query = f"?kind=instalments&months={months}&instalment={affordable}"
    for name, anchor in (("desk:arrangement_panel", ""), ("desk:case", "#arrangement")):
        try:
            return reverse(name, args=[case.pk]) + query + anchor
        except NoReverseMatch:
            continue
    return None


def panels_context(
    request: HttpRequest, case: Case, *, position: ledger.DebtPosition | None = None
) -> dict[str, Any]:
    """Return what the three panels show, for the case page to merge into its context.

    ``position`` is the case debt's position today when the page has read it (one read for all).
    """
    balance = position.balances.total if position is not None else None
    return {
        "script_panel": script_panel(
            request, case, situation=request.GET.get("situation", ""), position=position
        ),
        "promise_panel": promise_panel(case, balance=balance),
        "hardship_panel": hardship_panel(case, balance=balance),
    }


def _render(request: HttpRequest, case: Case, name: str, status: int = 200, **panel: Any) -> TemplateResponse:
    context: dict[str, Any] = {"case": case, "revision": case.revision, "panel_name": name}
    if name == "script":
        context["script_panel"] = script_panel(
            request,
            case,
            situation=request.GET.get("situation", ""),
            language=request.GET.get("language", ""),
        )
    elif name == "promise":
        context["promise_panel"] = promise_panel(case, **panel)
    else:
        context["hardship_panel"] = hardship_panel(case, **panel)
    if getattr(request, "htmx", False):
        # htmx swaps only 2xx answers: an error is shown in the swapped panel, so it answers 200.
        return TemplateResponse(request, f"desk/case/{name}_panel.html", context)
    return TemplateResponse(request, "desk/case/promise/panel_page.html", context, status=status)


def _done(request: HttpRequest, case: Case, name: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        case.refresh_from_db()
        response = _render(request, case, name)
        response["HX-Trigger"] = json.dumps({"case-changed": {"case": case.pk, "revision": case.revision}})
        return response
    return HttpResponseRedirect(_case_url(case, ANCHORS[name]))


@login_required
@require_GET
@refusals_as_http
def case_panel(request: HttpRequest, case_id: int, name: str) -> HttpResponse:
    if name not in PANELS:
        raise Http404(name)
    case = case_queries.get_case(user=request.user, case_id=case_id)
    return _render(request, case, name)


@login_required
@require_POST
@refusals_as_http
def make_promise(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_queries.get_case(user=request.user, case_id=case_id)
    form = PromiseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            promises.make_promise(
                case_id=case.pk, amount=data["amount"], due_date=data["due_date"], actor=request.user,
                now=timezone.now(), expected_revision=data["revision"], request_key=data["request_key"],
            )  # fmt: skip
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return _done(request, case, "promise")
    return _render(request, case, "promise", status=422, form=form)


@login_required
@require_POST
@refusals_as_http
def cancel_promise(request: HttpRequest, promise_id: int) -> HttpResponse:
    promise = promises.get_promise(user=request.user, promise_id=promise_id)
    case = promise.case
    form = CancelPromiseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            promises.cancel_promise(
                promise_id=promise.pk, actor=request.user, now=timezone.now(), reason=data["reason"],
                expected_revision=data["revision"], request_key=data["request_key"],
            )  # fmt: skip
        except errors.DomainError as exc:
            return _render(request, case, "promise", status=422, cancel_error=str(exc))
        return _done(request, case, "promise")
    return _render(request, case, "promise", status=422, cancel_error=form.errors.as_text())


@login_required
@require_POST
@refusals_as_http
def assess_hardship(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_queries.get_case(user=request.user, case_id=case_id)
    form = HardshipForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            hardship.assess_hardship(
                case_id=case.pk, actor=request.user, now=timezone.now(),
                expected_revision=data.pop("revision"), request_key=data.pop("request_key"), **data,
            )  # fmt: skip
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return _done(request, case, "hardship")
    return _render(request, case, "hardship", status=422, form=form)
