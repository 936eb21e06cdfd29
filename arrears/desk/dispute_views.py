"""The case page's dispute and escalation panels: record a dispute with documents, resolve it, escalate.

Each panel is drawn by ``dispute_panel`` or ``escalation_panel``: a fragment for htmx (the case page
loads it into place) or a page of its own without JavaScript. Documents are served only by ``download_document``, which
checks the user's portfolios; they are never under a public media URL.
"""

from __future__ import annotations

import json
import secrets
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from arrears.casework import disputes, escalations
from arrears.casework import queries as case_queries
from arrears.casework.models import Case, DisputeReason, DisputeStatus
from arrears.core import errors
from arrears.core.upload_fields import MultipleFileField, MultipleFileInput
from arrears.desk.views import refusals_as_http
from arrears.people.models import User
from arrears.portfolio.choices import Component, DebtorKind

PANELS = {"dispute": "disputes", "escalation": "escalations"}


def new_request_key() -> str:
    return secrets.token_hex(16)


class CaseActionForm(forms.Form):
    """A form that acts on a case: the page's revision and a fresh request key ride along."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class DisputeForm(CaseActionForm):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=DisputeReason.choices)
    description = forms.CharField(
        label=gettext_lazy("What the debtor disputes"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    documents = MultipleFileField(
        label=gettext_lazy("Documents"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.txt"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["documents"].help_text = _("PDF, JPEG, PNG or plain text; at most %(size)s each.") % {
            "size": filesizeformat(disputes.upload_limit())
        }


OUTCOMES = [(status.value, status.label) for status in disputes.RESOLVED_OUTCOMES]
COMPONENTS = [("", "—")] + [
    (component.value, component.label) for component in Component if component != Component.OVERPAYMENT
]


class ResolveForm(CaseActionForm):
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=OUTCOMES)
    note = forms.CharField(
        label=gettext_lazy("What the verification found"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    component = forms.ChoiceField(label=gettext_lazy("Correct component"), choices=COMPONENTS, required=False)
    amount = forms.DecimalField(
        label=gettext_lazy("By (negative to owe less)"), max_digits=18, decimal_places=2, required=False
    )

    def correction(self) -> dict[str, Decimal] | None:
        component, amount = self.cleaned_data.get("component"), self.cleaned_data.get("amount")
        return {component: amount} if component and amount else None


class EscalationForm(CaseActionForm):
    to_supervisor = forms.BooleanField(label=gettext_lazy("To a supervisor"), required=False, initial=True)
    to_user = forms.ChoiceField(label=gettext_lazy("Supervisor"), required=False)
    decision_maker = forms.ChoiceField(label=gettext_lazy("Decision-maker on file"), required=False)
    new_name = forms.CharField(
        label=gettext_lazy("Or add a decision-maker: name"), max_length=200, required=False
    )
    new_title = forms.CharField(label=gettext_lazy("Job title"), max_length=100, required=False)
    reason = forms.CharField(
        label=gettext_lazy("Why escalate"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        supervisors = [
            (str(user.pk), user.get_username()) for user in escalations.list_supervisors(case=case)
        ]
        self.fields["to_user"].choices = [("", _("My team's supervisor")), *supervisors]  # type: ignore[attr-defined]
        persons = [(str(person.pk), str(person)) for person in escalations.list_decision_makers(case=case)]
        self.fields["decision_maker"].choices = [("", "—"), *persons]  # type: ignore[attr-defined]


class CloseEscalationForm(CaseActionForm):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=2000, required=False)


def _get_case(request: HttpRequest, case_id: int) -> Case:
    try:
        return case_queries.get_case(user=request.user, case_id=case_id)
    except errors.NotFound as exc:
        raise Http404(str(exc)) from exc


def _case_url(case: Case, panel: str) -> str:
    try:
        return reverse("desk:case", args=[case.pk]) + f"#{PANELS[panel]}"
    except NoReverseMatch:
        return reverse(f"desk:{panel}_panel", args=[case.pk])


def _fresh(case: Case) -> dict[str, Any]:
    return {"revision": case.revision, "request_key": new_request_key()}


def _panel_context(request: HttpRequest, case: Case, **forms_given: Any) -> dict[str, Any]:
    return {
        "case": case,
        "revision": case.revision,
        "dispute_view": True,
        "disputes": disputes.list_disputes(case=case),
        "escalations": escalations.list_escalations(case=case),
        "may_resolve": disputes.may_resolve(user=request.user),
        "is_company": case.debtor.kind == DebtorKind.COMPANY,
        "notice": forms_given.get("notice"),
        "dispute_form": forms_given.get("dispute_form") or DisputeForm(initial=_fresh(case)),
        "resolve_form": forms_given.get("resolve_form") or ResolveForm(initial=_fresh(case)),
        "resolve_errors_for": forms_given.get("resolve_errors_for"),
        "escalation_form": forms_given.get("escalation_form")
        or EscalationForm(initial=_fresh(case), case=case),
        "close_form": CloseEscalationForm(initial=_fresh(case)),
        "close_error": forms_given.get("close_error"),
    }


def _render(
    request: HttpRequest, case: Case, panel: str, *, status: int = 200, **forms_given: Any
) -> HttpResponse:
    context = _panel_context(request, case, **forms_given)
    is_fragment = request.headers.get("HX-Request") == "true"
    template = f"desk/disputes/{panel}_body.html" if is_fragment else "desk/disputes/panel_page.html"
    # htmx swaps only successful responses: a fragment showing the form's errors is sent as 200.
    return TemplateResponse(
        request, template, {**context, "panel": panel}, status=200 if is_fragment else status
    )


@login_required
@require_GET
def dispute_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    return _render(request, _get_case(request, case_id), "dispute")


@login_required
@require_GET
def escalation_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    return _render(request, _get_case(request, case_id), "escalation")


def _done(request: HttpRequest, case: Case, panel: str, text: str) -> HttpResponse:
    if request.headers.get("HX-Request") == "true":
        case.refresh_from_db()
        response = _render(request, case, panel, notice=text)
        # The rest of the case page still carries the old revision; it may listen and redraw.
        response["HX-Trigger"] = json.dumps({"case-changed": {"case": case.pk, "revision": case.revision}})
        return response
    messages.success(request, text)
    return redirect(_case_url(case, panel))


@login_required
@require_POST
@refusals_as_http
def open_dispute(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _get_case(request, case_id)
    form = DisputeForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            dispute = disputes.open_dispute(
                case=case, reason=data["reason"], description=data["description"], documents=data["documents"],
                actor=request.user, now=timezone.now(), expected_revision=data["revision"],
                request_key=data["request_key"],
            )  # fmt: skip
        except errors.PermissionDenied:
            raise
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return _done(
                request,
                case,
                "dispute",
                _("Dispute %(id)s recorded; the debt is on hold.") % {"id": dispute.pk},
            )
    return _render(request, case, "dispute", status=422, dispute_form=form)


@login_required
@require_POST
@refusals_as_http
def resolve_dispute(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = disputes.get_dispute(user=request.user, dispute_id=dispute_id)
    case = _get_case(request, dispute.case_id)
    if not disputes.may_resolve(user=request.user):
        raise errors.PermissionDenied(_("Only a supervisor may resolve a dispute."))
    form = ResolveForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            disputes.resolve_dispute(
                dispute=dispute, outcome=data["outcome"], note=data["note"], correction=form.correction(),
                actor=request.user, now=timezone.now(), expected_revision=data["revision"],
                request_key=data["request_key"],
            )  # fmt: skip
        except errors.PermissionDenied:
            raise
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            label = DisputeStatus(data["outcome"]).label
            return _done(
                request,
                case,
                "dispute",
                _("Dispute %(id)s resolved: %(outcome)s.") % {"id": dispute.pk, "outcome": label},
            )
    return _render(request, case, "dispute", status=422, resolve_form=form, resolve_errors_for=dispute.pk)


@login_required
@require_GET
def download_document(request: HttpRequest, dispute_id: int, document_id: int) -> FileResponse:
    try:
        document = disputes.get_document(user=request.user, dispute_id=dispute_id, document_id=document_id)
    except errors.NotFound as exc:
        raise Http404(str(exc)) from exc
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
@refusals_as_http
def escalate(request: HttpRequest, case_id: int) -> HttpResponse:
    case = _get_case(request, case_id)
    form = EscalationForm(request.POST, case=case)
    if form.is_valid():
        data = form.cleaned_data
        new_name = data["new_name"].strip()
        try:
            escalation = escalations.escalate(
                case=case, reason=data["reason"], to_supervisor=data["to_supervisor"],
                to_user=User.objects.get(pk=data["to_user"]) if data["to_user"] else None,
                decision_maker=case.debtor.contact_persons.get(pk=data["decision_maker"])
                if data["decision_maker"] else None,
                new_decision_maker=escalations.NewDecisionMaker(name=new_name, title=data["new_title"])
                if new_name else None,
                actor=request.user, now=timezone.now(), expected_revision=data["revision"],
                request_key=data["request_key"],
            )  # fmt: skip
        except errors.PermissionDenied:
            raise
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            to = escalation.to_user.get_username() if escalation.to_user else _("the decision-maker")
            return _done(request, case, "escalation", _("Case escalated to %(to)s.") % {"to": to})
    return _render(request, case, "escalation", status=422, escalation_form=form)


@login_required
@require_POST
@refusals_as_http
def close_escalation(request: HttpRequest, escalation_id: int) -> HttpResponse:
    escalation = escalations.get_escalation(user=request.user, escalation_id=escalation_id)
    case = _get_case(request, escalation.case_id)
    form = CloseEscalationForm(request.POST)
    if not form.is_valid():
        return _render(
            request, case, "escalation", status=422, close_error=_("Reload the page and try again.")
        )
    try:
        escalations.close_escalation(
            escalation=escalation, note=form.cleaned_data["note"], actor=request.user, now=timezone.now(),
            expected_revision=form.cleaned_data["revision"], request_key=form.cleaned_data["request_key"],
        )  # fmt: skip
    except errors.PermissionDenied:
        raise
    except errors.DomainError as exc:
        return _render(request, case, "escalation", status=422, close_error=str(exc))
    return _done(request, case, "escalation", _("Escalation closed."))
