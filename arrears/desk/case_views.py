"""The case page: debtor, debts, stage and why, goal, promises, arrangements, holds, the timeline, and the panels."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from arrears.casework import activities, timeline, work
from arrears.casework import queries as case_queries
from arrears.casework.models import Case, ContactResult, DelinquencyReason
from arrears.compliance import decisions
from arrears.core import errors
from arrears.desk import promise_views
from arrears.desk.compliance_forms import DateTimeInput
from arrears.desk.queue_views import case_url
from arrears.desk.treatment_views import GOALS
from arrears.desk.views import refusals_as_http, today_in
from arrears.portfolio import ledger

CHANNEL_CHOICES = [
    ("call", gettext_lazy("Outbound call")),
    ("call_inbound", gettext_lazy("Inbound call")),
    ("visit", gettext_lazy("Field visit")),
]


def new_request_key() -> str:
    """Return a fresh random key a form carries against double submits."""
    return secrets.token_urlsafe(16)


class _CaseForm(forms.Form):
    """A form that acts on a case: it carries the page's revision and a request key."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class ActivityForm(_CaseForm):
    result = forms.ChoiceField(label=gettext_lazy("Result"), choices=ContactResult.choices)
    channel = forms.ChoiceField(label=gettext_lazy("How"), choices=CHANNEL_CHOICES)
    contact_point = forms.ChoiceField(label=gettext_lazy("Contact point"), required=False)
    callback_at = forms.DateTimeField(
        label=gettext_lazy("Call back at"), required=False, widget=DateTimeInput(),
        help_text=gettext_lazy("In the portfolio's time zone; checked against the contact rules."),
    )  # fmt: skip
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    reviewed = forms.BooleanField(label=gettext_lazy("I reviewed the flagged pattern"), required=False)

    def __init__(self, *args: Any, points: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_point"].choices = [("", "—"), *points]  # type: ignore[attr-defined]


class DelinquencyReasonForm(_CaseForm):
    reason = forms.ChoiceField(label=gettext_lazy("Delinquency reason"), choices=DelinquencyReason.choices)


class RevealForm(forms.Form):
    field = forms.CharField(widget=forms.HiddenInput, max_length=40)
    reason = forms.CharField(label=gettext_lazy("Why you need it"), max_length=300)


def _local(value: datetime | None, case: Case) -> datetime | None:
    """Read a datetime-local input in the portfolio's zone (where the team works)."""
    if value is None:
        return None
    zone = ZoneInfo(case.portfolio.time_zone)
    return value.replace(tzinfo=zone) if timezone.is_naive(value) else value.astimezone(zone)


def _fresh(case: Case) -> dict[str, Any]:
    return {"revision": case.revision, "request_key": new_request_key()}


def _chosen(request: HttpRequest) -> dict[str, str]:
    """Return the contact point and channel picked from the contact panel (``?point=…&channel=…``)."""
    channel = request.GET.get("channel", "")
    chosen = {"contact_point": request.GET.get("point", "")}
    if channel in dict(CHANNEL_CHOICES):
        chosen["channel"] = channel
    return chosen


# Parts of the case page that refresh themselves when another panel changes the case (the
# ``case-changed`` event): those carrying the case's revision, so their forms never act on a stale
# one, and the summary of promises, arrangements and holds, so it never shows an old state.
PARTS = frozenset({"case-state", "contact-panel", "commitments"})


def _position(view: timeline.CaseView) -> ledger.DebtPosition | None:
    """Return the case debt's position from the debtor's debts the page read already."""
    return next((row.position for row in view.debts if row.debt.pk == view.case.debt_id), None)


def _case_page(
    request: HttpRequest, case_id: int, *, status: int = 200, part: str = "", **extra: Any
) -> TemplateResponse:
    now = timezone.now()
    case = case_queries.get_case(user=request.user, case_id=case_id)
    today = today_in(case.portfolio)
    view = timeline.get_case_view(user=request.user, case=case, today=today, now=now)
    points = [
        (str(item.point.pk), f"{item.point.get_kind_display()} {item.display_value}")
        for item in view.debtor.contact_points
    ]
    from_queue = request.GET.get("from") == "queue" or request.POST.get("from") == "queue"
    context = {
        "view": view,
        "case": view.case,
        "debts": view.debts,
        "revision": view.case.revision,
        "request_key": new_request_key(),
        "today": today,
        "goal": str(GOALS.get(view.case.goal, view.case.goal)),
        "from_queue": from_queue,
        "activity_form": _with_points(extra.pop("activity_form", None), points)
        or ActivityForm(initial={**_fresh(view.case), **_chosen(request)}, points=points),
        "reason_form": extra.pop("reason_form", None)
        or DelinquencyReasonForm(initial={**_fresh(view.case), "reason": view.case.delinquency_reason}),
        "reveal_reason_form": RevealForm(),
        "my_items": work.list_my_case_items(user=request.user, case=view.case, now=now),
        # The script, promise and hardship panels draw in place on the full page (no round trip).
        **(promise_views.panels_context(request, view.case, position=_position(view)) if not part else {}),
        **extra,
    }
    template = f"desk/case.html#{part}" if part else "desk/case.html"
    return TemplateResponse(request, template, context, status=status)


@login_required
@require_GET
@refusals_as_http
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    return _case_page(request, case_id)


@login_required
@require_GET
@refusals_as_http
def case_part(request: HttpRequest, case_id: int, part: str) -> HttpResponse:
    if part not in PARTS:
        raise Http404(_("No such part of the case page."))
    return _case_page(request, case_id, part=part)


@login_required
@require_POST
@refusals_as_http
def record_activity(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_queries.get_case(user=request.user, case_id=case_id)
    points = [(str(pk), "") for pk in case.debtor.contact_points.values_list("pk", flat=True)]
    form = ActivityForm(request.POST, points=points)
    refusal = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            activity = activities.record_activity(
                case_id=case.pk, result=data["result"], channel=data["channel"], note=data["note"],
                contact_point_id=int(data["contact_point"]) if data["contact_point"] else None,
                callback_at=_local(data["callback_at"], case), reviewed=data["reviewed"],
                actor=request.user, now=timezone.now(), expected_revision=data["revision"],
                request_key=data["request_key"],
            )  # fmt: skip
        except (decisions.ContactRefused, decisions.ContactNeedsReview, activities.CallbackNotAllowed) as exc:
            refusal = exc.check
            form.add_error(None, str(exc))
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Activity recorded: %(result)s.") % {"result": activity.get_result_display()}
            )
            target = case_url(case.pk, from_queue=request.POST.get("from") == "queue")
            return redirect(target + ("#promise" if activity.result == ContactResult.PROMISE else ""))
    return _case_page(request, case.pk, status=422, activity_form=form, refusal=refusal)


def _with_points(form: ActivityForm | None, points: list[tuple[str, str]]) -> ActivityForm | None:
    """Label a re-shown form's contact points as the page shows them (masked by role)."""
    if form is not None:
        form.fields["contact_point"].choices = [("", "—"), *points]  # type: ignore[attr-defined]
    return form


@login_required
@require_POST
@refusals_as_http
def set_delinquency_reason(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_queries.get_case(user=request.user, case_id=case_id)
    form = DelinquencyReasonForm(request.POST)
    if form.is_valid():
        try:
            activities.set_delinquency_reason(
                case_id=case.pk, reason=form.cleaned_data["reason"], actor=request.user, now=timezone.now(),
                expected_revision=form.cleaned_data["revision"], request_key=form.cleaned_data["request_key"],
            )  # fmt: skip
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Delinquency reason saved."))
            return redirect(case_url(case.pk, from_queue=request.POST.get("from") == "queue"))
    return _case_page(request, case.pk, status=422, reason_form=form)


@login_required
@require_POST
@refusals_as_http
def reveal_personal_data(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_queries.get_case(user=request.user, case_id=case_id)
    form = RevealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why you need to see this value in full."))
        return redirect(case_url(case.pk, from_queue=request.POST.get("from") == "queue"))
    try:
        value = activities.reveal_personal_data(
            case=case, field=form.cleaned_data["field"], reason=form.cleaned_data["reason"],
            actor=request.user, now=timezone.now(),
        )  # fmt: skip
    except errors.NotFound:
        raise
    except errors.DomainError as exc:
        messages.error(request, str(exc))
        return redirect(case_url(case.pk, from_queue=request.POST.get("from") == "queue"))
    field = form.cleaned_data["field"]
    point_id = field.removeprefix("contact_point:")
    return _case_page(
        request, case.pk, revealed_field=field, revealed_value=value,
        revealed_point_id=int(point_id) if point_id.isdigit() else None,
    )  # fmt: skip
