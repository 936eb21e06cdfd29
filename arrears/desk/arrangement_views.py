"""The case page's arrangement panel (calculate, propose, cancel), the supervisors' approvals page, notifications.

The panel is drawn by ``arrangement_panel``: a fragment for htmx (the case page loads it into place)
or a page of its own without JavaScript. "Calculate" posts the form to ``quote_arrangement`` and
shows the schedule, totals, what is waived and whether it is within the user's authority; "Propose"
posts it to ``propose_arrangement``.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from arrears.casework import arrangements
from arrears.casework import notifications as notices
from arrears.casework import queries as case_queries
from arrears.casework.arrangements import Terms
from arrears.casework.models import ArrangementKind, ArrangementStatus, Case
from arrears.core import errors
from arrears.core.money import InvalidAmount, parse_amount
from arrears.desk.views import refusals_as_http
from arrears.portfolio import ledger

METHOD_CHOICES = list(arrangements.METHOD_LABELS.items())


def new_request_key() -> str:
    """Return a fresh random key a form carries against double submits."""
    return secrets.token_urlsafe(16)


class DateInput(forms.DateInput):
    input_type = "date"


def _money_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, max_digits=18, decimal_places=2, **kwargs)


class ArrangementForm(forms.Form):
    """The calculator's inputs; the same form proposes."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ArrangementKind.choices)
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=METHOD_CHOICES, required=False)
    amount = _money_field(gettext_lazy("Amount arranged"), help_text=gettext_lazy("Empty: the balance."))
    months = forms.IntegerField(label=gettext_lazy("Months"), required=False)
    annual_rate = forms.DecimalField(
        label=gettext_lazy("Annual rate (%)"), required=False, max_digits=7, decimal_places=4, initial=0
    )
    first_due = forms.DateField(label=gettext_lazy("First due date"), required=False, widget=DateInput)
    due_date = forms.DateField(
        label=gettext_lazy("New due date or settlement date"), required=False, widget=DateInput
    )
    discount = _money_field(gettext_lazy("Settlement discount"))
    waived_penalty = _money_field(gettext_lazy("Penalty waived"))
    waived_interest = _money_field(gettext_lazy("Interest waived"))
    custom = forms.CharField(
        label=gettext_lazy("Custom payments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-05-01 1000.00"}),
        help_text=gettext_lazy("One payment a line: a date (YYYY-MM-DD) and an amount."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why this arrangement"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_custom(self) -> tuple[tuple[date, Decimal], ...]:
        rows = []
        for number, line in enumerate(str(self.cleaned_data.get("custom") or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.replace(",", " ").replace(";", " ").split()
            try:
                if len(parts) != 2:
                    raise ValueError(line)
                rows.append((date.fromisoformat(parts[0]), parse_amount(parts[1])))
            except (ValueError, InvalidAmount):
                raise forms.ValidationError(
                    _("Line %(number)d: write a date (YYYY-MM-DD) and an amount, not “%(line)s”.")
                    % {"number": number, "line": line.strip()}
                ) from None
        return tuple(rows)

    def terms(self) -> Terms:
        """Return the cleaned inputs as the domain's terms."""
        data = self.cleaned_data
        zero = Decimal("0.00")
        return Terms(
            kind=data["kind"], method=data.get("method") or "", amount=data.get("amount"),
            months=data.get("months") or 0, annual_rate=data.get("annual_rate") or Decimal("0"),
            first_due=data.get("first_due"), due_date=data.get("due_date"), discount=data.get("discount") or zero,
            waived_penalty=data.get("waived_penalty") or zero, waived_interest=data.get("waived_interest") or zero,
            custom=data.get("custom") or (),
        )  # fmt: skip


class DecisionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=2000)


def _fresh(case: Case) -> dict[str, Any]:
    return {"revision": case.revision, "request_key": new_request_key()}


def _case_url(case_id: int) -> str:
    try:
        return reverse("desk:case", args=[case_id]) + "#arrangement"
    except NoReverseMatch:
        return reverse("desk:arrangement_panel", args=[case_id])


def _suggested(request: HttpRequest) -> dict[str, Any]:
    """Return the form's starting kind and months, as a link from the hardship result suggests them."""
    kind = request.GET.get("kind", "")
    months = request.GET.get("months", "")
    return {
        "kind": kind if kind in ArrangementKind.values else ArrangementKind.INSTALMENTS,
        **({"months": int(months)} if months.isdigit() and 0 < int(months) <= 360 else {}),
    }


def _panel(
    request: HttpRequest, case: Case, *, form: ArrangementForm | None = None, status: int = 200, **extra: Any
) -> TemplateResponse:
    balances = ledger.get_balances(debt_id=case.debt_id)
    open_arrangement = arrangements.get_open_arrangement(case=case)
    context = {
        "arrangement_panel": True,
        "case": case,
        "form": form or ArrangementForm(initial={**_fresh(case), **_suggested(request)}),
        "balances": balances,
        "balance": max(balances.total - balances.overpayment, ledger.ZERO),
        "history": arrangements.list_arrangements(case=case),
        "open_arrangement": open_arrangement,
        "may_cancel": open_arrangement is not None
        and (open_arrangement.proposed_by_id == request.user.pk or arrangements.may_approve(request.user)),
        "cancel_form": DecisionForm(initial=_fresh(case), auto_id=False),
        "max_plan_months": getattr(request.user, "max_plan_months", 0),
        "max_waiver_amount": getattr(request.user, "max_waiver_amount", ledger.ZERO),
        **extra,
    }
    if getattr(request, "htmx", False):
        # htmx swaps only 2xx answers: the panel showing the form's errors is sent as 200.
        return TemplateResponse(request, "desk/case/arrangement_panel.html", context)
    return TemplateResponse(request, "desk/arrangements/panel_page.html", context, status=status)


@login_required
@require_GET
@refusals_as_http
def arrangement_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_queries.get_case(user=request.user, case_id=case_id)
    return _panel(request, case)


@login_required
@require_POST
@refusals_as_http
def quote_arrangement(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_queries.get_case(user=request.user, case_id=case_id)
    form = ArrangementForm(request.POST)
    if not form.is_valid():
        return _panel(request, case, form=form, status=422)
    try:
        quote = arrangements.quote_arrangement(case=case, terms=form.terms(), now=timezone.now())
    except errors.DomainError as exc:
        form.add_error(None, str(exc))
        return _panel(request, case, form=form, status=422)
    authority = arrangements.check_authority(quote=quote, user=request.user)
    return _panel(request, case, form=form, quote=quote, authority=authority)


@login_required
@require_POST
@refusals_as_http
def propose_arrangement(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_queries.get_case(user=request.user, case_id=case_id)
    form = ArrangementForm(request.POST)
    if not form.is_valid():
        return _panel(request, case, form=form, status=422)
    try:
        arrangement = arrangements.propose_arrangement(
            case_id=case.pk, terms=form.terms(), reason=form.cleaned_data["reason"], actor=request.user,
            now=timezone.now(), expected_revision=form.cleaned_data["revision"],
            request_key=form.cleaned_data["request_key"],
        )  # fmt: skip
    except errors.PermissionDenied:
        raise
    except errors.DomainError as exc:
        form.add_error(None, str(exc))
        return _panel(request, case, form=form, status=422)
    if arrangement.status == ArrangementStatus.PENDING_APPROVAL:
        messages.success(
            request,
            _("Arrangement proposed; it is beyond your authority and waits for a supervisor's approval."),
        )
    else:
        messages.success(
            request, _("Arrangement agreed: %(status)s.") % {"status": arrangement.get_status_display()}
        )
    return _redirect(request, _case_url(case.pk))


@login_required
@require_POST
@refusals_as_http
def cancel_arrangement(request: HttpRequest, arrangement_id: int) -> HttpResponse:
    arrangement = arrangements.get_arrangement(user=request.user, arrangement_id=arrangement_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            arrangements.cancel_arrangement(
                arrangement_id=arrangement.pk, reason=form.cleaned_data["comment"], actor=request.user,
                now=timezone.now(), expected_revision=form.cleaned_data["revision"],
                request_key=form.cleaned_data["request_key"],
            )  # fmt: skip
        except errors.PermissionDenied:
            raise
        except errors.DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Arrangement cancelled."))
    return _redirect(request, _case_url(arrangement.case_id))


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect; for htmx, reload the whole page there (its revision and other panels changed)."""
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _approvals(
    request: HttpRequest, *, status: int = 200, failed: dict[int, str] | None = None
) -> TemplateResponse:
    if not arrangements.may_approve(request.user):
        raise errors.PermissionDenied(_("Only supervisors see the approvals."))
    pending = arrangements.list_pending_approvals(user=request.user)
    rows = [
        {
            "item": item,
            "form": DecisionForm(initial=_fresh(item.arrangement.case), auto_id=False),
            "error": (failed or {}).get(item.arrangement.pk, ""),
        }
        for item in pending
    ]
    unread = notices.list_notifications(user=request.user, unread_only=True).count()
    return TemplateResponse(request, "desk/approvals.html", {"rows": rows, "unread": unread}, status=status)


@login_required
@require_GET
@refusals_as_http
def approvals(request: HttpRequest) -> HttpResponse:
    return _approvals(request)


@login_required
@require_POST
@refusals_as_http
def approve_arrangement(request: HttpRequest, arrangement_id: int) -> HttpResponse:
    return _decide(request, arrangement_id, approve=True)


@login_required
@require_POST
@refusals_as_http
def reject_arrangement(request: HttpRequest, arrangement_id: int) -> HttpResponse:
    return _decide(request, arrangement_id, approve=False)


def _decide(request: HttpRequest, arrangement_id: int, *, approve: bool) -> HttpResponse:
    arrangement = arrangements.get_arrangement(user=request.user, arrangement_id=arrangement_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _approvals(request, status=422, failed={arrangement.pk: _("Reload the page and try again.")})
    action = arrangements.approve_arrangement if approve else arrangements.reject_arrangement
    try:
        decided = action(
            arrangement_id=arrangement.pk, comment=form.cleaned_data["comment"], actor=request.user,
            now=timezone.now(), expected_revision=form.cleaned_data["revision"],
            request_key=form.cleaned_data["request_key"],
        )  # fmt: skip
    except errors.NotFound:
        raise
    except errors.DomainError as exc:
        return _approvals(request, status=422, failed={arrangement.pk: str(exc)})
    messages.success(
        request,
        _("Arrangement on debt %(ref)s: %(status)s.")
        % {"ref": arrangement.case.debt.external_ref, "status": decided.get_status_display()},
    )
    return redirect("desk:approvals")


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    rows = list(notices.list_notifications(user=request.user)[:100])
    return TemplateResponse(request, "desk/notifications.html", {"notifications": rows})


@login_required
@require_POST
def mark_notifications_read(request: HttpRequest) -> HttpResponse:
    chosen = request.POST.get("notification", "")
    notices.mark_read(
        user=request.user, now=timezone.now(), notification_id=int(chosen) if chosen.isdigit() else None
    )
    return redirect("desk:notifications")
