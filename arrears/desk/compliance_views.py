"""A debtor's contact page: holds, what the rules allow now, logging a contact, the timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from arrears.comms import outbox, sending, templates
from arrears.comms import queries as comms_queries
from arrears.compliance import decisions, holds, queries
from arrears.compliance.rules.vocabulary import EventType, HoldType, Outcome
from arrears.core import errors
from arrears.desk.compliance_forms import ContactLogForm, HoldForm, LiftHoldForm, SendMessageForm
from arrears.desk.templatetags.desk_format import on_own_clock
from arrears.desk.views import refusals_as_http
from arrears.portfolio import queries as portfolio_queries
from arrears.portfolio.models import Debtor


def _local(value: datetime | None, debtor: Debtor, default: datetime) -> datetime:
    """Read a datetime-local input in the portfolio's zone (where the team works)."""
    if value is None:
        return default
    zone = ZoneInfo(debtor.portfolio.time_zone)
    return value.replace(tzinfo=zone) if timezone.is_naive(value) else value.astimezone(zone)


def _point_labels(request: HttpRequest, debtor: Debtor) -> list[tuple[str, str]]:
    return [
        (
            str(point.pk),
            f"{point.get_kind_display()} {portfolio_queries.display_personal(request.user, point.kind, point.value)}",
        )
        for point in debtor.contact_points.order_by("kind", "pk")
    ]


def _page(request: HttpRequest, debtor: Debtor, **forms: Any) -> TemplateResponse:
    view = queries.get_compliance_view(user=request.user, debtor_id=debtor.pk, now=timezone.now())
    context = {
        "view": view,
        "messages_sent": comms_queries.list_messages(debtor=debtor),
        "replies": comms_queries.list_replies(debtor=debtor),
        "send_form": forms.get("send_form")
        or SendMessageForm(debtor=debtor, point_labels=_point_labels(request, debtor)),
        "hold_form": forms.get("hold_form") or HoldForm(debtor=debtor),
        "lift_form": LiftHoldForm(),
        "contact_form": forms.get("contact_form")
        or ContactLogForm(debtor=debtor, point_labels=_point_labels(request, debtor)),
        "refusal": forms.get("refusal"),
    }
    return TemplateResponse(request, "desk/compliance.html", context)


@login_required
@require_GET
@refusals_as_http
def debtor_compliance(request: HttpRequest, debtor_id: int) -> HttpResponse:
    debtor = portfolio_queries.get_debtor(user=request.user, debtor_id=debtor_id)
    return _page(request, debtor)


@login_required
@require_POST
@refusals_as_http
def place_hold(request: HttpRequest, debtor_id: int) -> HttpResponse:
    debtor = portfolio_queries.get_debtor(user=request.user, debtor_id=debtor_id)
    form = HoldForm(request.POST, debtor=debtor)
    if form.is_valid():
        now, data = timezone.now(), form.cleaned_data
        try:
            holds.place_hold(
                debtor=debtor, type=HoldType(data["type"]), reason=data["reason"],
                starts_at=_local(data["starts_at"], debtor, now),
                ends_at=_local(data["ends_at"], debtor, now) if data["ends_at"] else None,
                debt=queries.list_debts_of(debtor=debtor, debt_ids=[int(data["debt"])])[0] if data["debt"] else None,
                contact_person=queries.get_contact_person_of(
                    debtor=debtor, person_id=int(data["contact_person"]) if data["contact_person"] else None
                ),
                actor=request.user, now=now,
            )  # fmt: skip
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Hold placed."))
            return redirect("desk:debtor_compliance", debtor_id=debtor.pk)
    return _page(request, debtor, hold_form=form)


@login_required
@require_POST
@refusals_as_http
def lift_hold(request: HttpRequest, hold_id: int) -> HttpResponse:
    hold = queries.get_hold(user=request.user, hold_id=hold_id)
    form = LiftHoldForm(request.POST)
    if form.is_valid():
        try:
            holds.lift_hold(
                hold_id=hold.pk, reason=form.cleaned_data["reason"], actor=request.user, now=timezone.now()
            )
        except errors.PermissionDenied:
            raise
        except errors.DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Hold lifted."))
    else:
        messages.error(request, _("Say why the hold is lifted."))
    return redirect("desk:debtor_compliance", debtor_id=hold.debtor_id)


@login_required
@require_POST
@refusals_as_http
def record_contact(request: HttpRequest, debtor_id: int) -> HttpResponse:
    debtor = portfolio_queries.get_debtor(user=request.user, debtor_id=debtor_id)
    form = ContactLogForm(request.POST, debtor=debtor, point_labels=_point_labels(request, debtor))
    refusal = None
    if form.is_valid():
        now, data = timezone.now(), form.cleaned_data
        try:
            decisions.record_contact(
                debtor=debtor, type=EventType(data["type"]), occurred_at=_local(data["occurred_at"], debtor, now),
                outcome=Outcome(data["outcome"]) if data["outcome"] else None,
                contact_point=queries.get_contact_point_of(
                    debtor=debtor, point_id=int(data["contact_point"]) if data["contact_point"] else None
                ),
                debts=queries.list_debts_of(debtor=debtor, debt_ids=[int(data["debt"])]) if data["debt"] else [],
                note=data["note"], with_consent=data["with_consent"], reviewed=data["reviewed"],
                actor=request.user, now=now,
            )  # fmt: skip
        except (decisions.ContactRefused, decisions.ContactNeedsReview) as exc:
            refusal = exc.check
            form.add_error(None, str(exc))
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Contact recorded."))
            return redirect("desk:debtor_compliance", debtor_id=debtor.pk)
    return _page(request, debtor, contact_form=form, refusal=refusal)


@login_required
@require_POST
@refusals_as_http
def send_message(request: HttpRequest, debtor_id: int) -> HttpResponse:
    debtor = portfolio_queries.get_debtor(user=request.user, debtor_id=debtor_id)
    form = SendMessageForm(request.POST, debtor=debtor, point_labels=_point_labels(request, debtor))
    refusal = None
    if form.is_valid():
        now, data = timezone.now(), form.cleaned_data
        try:
            queued = sending.send_template(
                debt=queries.list_debts_of(debtor=debtor, debt_ids=[int(data["debt"])])[0],
                contact_point=queries.get_contact_point(debtor=debtor, point_id=int(data["contact_point"])),
                purpose=data["purpose"], now=now, actor=request.user,
            )  # fmt: skip
        except outbox.MessageRefused as exc:
            refusal = exc.check
            form.add_error(None, str(exc))
        except (errors.DomainError, templates.NoApprovedTemplate) as exc:
            form.add_error(None, str(exc))
        else:
            if queued.rescheduled_from is not None:
                messages.info(
                    request,
                    _("Message queued; the rules move it to %(moment)s.")
                    % {
                        "moment": on_own_clock(
                            queued.message.not_before.astimezone(ZoneInfo(debtor.portfolio.time_zone))
                        )
                    },
                )
            else:
                messages.success(request, _("Message queued."))
            return redirect("desk:debtor_compliance", debtor_id=debtor.pk)
    return _page(request, debtor, send_form=form, refusal=refusal)
