"""The desk: pages for collectors and supervisors. Views parse, call one query or action, render."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from arrears.core import errors
from arrears.desk.forms import (
    AsOfForm,
    AuditFilterForm,
    ContactPointForm,
    DebtorChangeForm,
    DebtorSearchForm,
    ImportForm,
    PaymentForm,
    ReversePaymentForm,
    VerifyForm,
)
from arrears.portfolio import contacts, debtors, imports, payments, queries, verification
from arrears.portfolio.choices import EntrySource
from arrears.portfolio.models import Debt, Portfolio

AUDIT_EVENTS_PER_PAGE = 50


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


View = Callable[..., HttpResponse]


def refusals_as_http(view: View) -> View:
    """Turn the domain's "not found" into a 404 and "not allowed" into a 403."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except errors.NotFound as exc:
            raise Http404(str(exc)) from exc
        except errors.PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc

    return wrapper


def today_in(portfolio: Portfolio) -> date:
    """Return today's date where the portfolio's creditor works."""
    return timezone.localdate(timezone=ZoneInfo(portfolio.time_zone))


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    summaries = queries.list_portfolio_summaries(user=request.user)
    return TemplateResponse(request, "desk/home.html", {"summaries": summaries})


@login_required
@require_GET
@refusals_as_http
def debtor_list(request: HtmxHttpRequest, portfolio_id: int) -> HttpResponse:
    portfolio = queries.get_portfolio(user=request.user, portfolio_id=portfolio_id)
    form = DebtorSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page, rows = queries.list_debtor_rows(
        user=request.user,
        portfolio=portfolio,
        query=query,
        page_number=request.GET.get("page"),
        as_of=today_in(portfolio),
    )
    template = "desk/debtor_list.html#results" if request.htmx else "desk/debtor_list.html"
    context = {"portfolio": portfolio, "form": form, "query": query, "page": page, "rows": rows}
    return TemplateResponse(request, template, context)


@login_required
@require_GET
@refusals_as_http
def debtor_detail(request: HttpRequest, debtor_id: int) -> HttpResponse:
    debtor = queries.get_debtor(user=request.user, debtor_id=debtor_id)
    return debtor_page(request, debtor.pk, today_in(debtor.portfolio), change_form=DebtorChangeForm())


@login_required
@require_POST
@refusals_as_http
def record_debtor_change(request: HtmxHttpRequest, debtor_id: int) -> HttpResponse:
    debtor = queries.get_debtor(user=request.user, debtor_id=debtor_id)
    form = DebtorChangeForm(request.POST)
    recorded = None
    if form.is_valid():
        try:
            recorded = debtors.record_debtor_change(
                debtor_id=debtor.pk, actor=request.user, now=timezone.now(), **form.cleaned_data
            )
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
    if recorded is not None and not request.htmx:
        messages.success(request, _("Change recorded."))
        return redirect("desk:debtor", debtor_id=debtor.pk)
    partial = "changes-panel" if request.htmx else ""
    return debtor_page(
        request,
        debtor.pk,
        today_in(debtor.portfolio),
        change_form=DebtorChangeForm() if recorded else form,
        partial=partial,
    )


LIFTING_OPERATIONS = frozenset({"resume", "allow_contact"})


@login_required
@require_POST
@refusals_as_http
def update_contact_point(request: HtmxHttpRequest, point_id: int) -> HttpResponse:
    point = queries.get_contact_point(user=request.user, point_id=point_id)
    form = ContactPointForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown change to a contact point."))
    (operation, channel), reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    if operation in LIFTING_OPERATIONS and not queries.may_lift_contact_restrictions(user=request.user):
        raise PermissionDenied(_("Only a supervisor or compliance officer may lift a contact restriction."))
    common = {"point_id": point.pk, "actor": request.user, "now": timezone.now(), "reason": reason}
    try:
        if operation == "opt_out":
            contacts.record_opt_out(channel=channel, **common)
        elif operation == "resume":
            contacts.withdraw_opt_out(channel=channel, **common)
        elif operation == "verify":
            contacts.mark_verified(**common)
        else:
            contacts.set_do_not_contact(do_not_contact=operation == "do_not_contact", **common)
    except errors.DomainError as exc:
        messages.error(request, str(exc))
    if not request.htmx:
        return redirect("desk:debtor", debtor_id=point.debtor_id)
    return debtor_page(
        request, point.debtor_id, today_in(point.debtor.portfolio), change_form=DebtorChangeForm(),
        partial="contact-points-panel",
    )  # fmt: skip


IMPORTERS = {"debts": imports.import_debts, "payments": imports.import_payments}
REJECTED_ROWS_SHOWN = 200


@login_required
@refusals_as_http
def import_file(request: HttpRequest) -> HttpResponse:
    if not queries.may_import(user=request.user):
        raise PermissionDenied(_("You may not import into portfolios."))
    form = ImportForm(
        request.POST or None, request.FILES or None, portfolios=queries.list_portfolios(user=request.user)
    )
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / Path(upload.name).name
            with path.open("wb") as copy:
                for chunk in upload.chunks():
                    copy.write(chunk)
            try:
                result = IMPORTERS[form.cleaned_data["kind"]](
                    portfolio=form.cleaned_data["portfolio"],
                    source=path,
                    file_name=upload.name,
                    dry_run=form.cleaned_data["dry_run"],
                    strict=form.cleaned_data["strict"],
                    actor=request.user,
                    now=timezone.now(),
                )
            except errors.DomainError as exc:
                form.add_error("file", str(exc))
    context = {"form": form, "result": result, "shown": REJECTED_ROWS_SHOWN}
    return TemplateResponse(request, "desk/import.html", context)


def debtor_page(
    request: HttpRequest, debtor_id: int, as_of: date, *, change_form: DebtorChangeForm, partial: str = ""
) -> TemplateResponse:
    """Render the debtor page, or its changes panel for an htmx swap."""
    view = queries.get_debtor_view(user=request.user, debtor_id=debtor_id, as_of=as_of)
    template = f"desk/debtor.html#{partial}" if partial else "desk/debtor.html"
    return TemplateResponse(request, template, {"view": view, "change_form": change_form})


@login_required
@require_GET
@refusals_as_http
def debt_detail(request: HtmxHttpRequest, debt_id: int) -> HttpResponse:
    debt = queries.get_debt(user=request.user, debt_id=debt_id)
    as_of_form = AsOfForm(request.GET)
    chosen = as_of_form.cleaned_data.get("as_of") if as_of_form.is_valid() else None
    return debt_page(request, debt, as_of=chosen or today_in(debt.portfolio), as_of_form=as_of_form)


@login_required
@require_POST
@refusals_as_http
def record_payment(request: HtmxHttpRequest, debt_id: int) -> HttpResponse:
    debt = queries.get_debt(user=request.user, debt_id=debt_id)
    if not queries.is_payable_by(user=request.user, debt=debt):
        raise PermissionDenied(_("You may not record payments on this debt."))
    form = PaymentForm(request.POST)
    recorded = None
    if form.is_valid():
        try:
            recorded = payments.record_payment(
                debt_id=debt.pk,
                currency=debt.currency,
                source=EntrySource.COLLECTOR,
                actor=request.user,
                now=timezone.now(),
                **form.cleaned_data,
            )
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
    if recorded is not None and not request.htmx:
        messages.success(request, _("Payment %(ref)s recorded.") % {"ref": recorded.external_ref})
        return redirect("desk:debt", debt_id=debt.pk)
    debt.refresh_from_db()
    return debt_page(
        request,
        debt,
        as_of=today_in(debt.portfolio),
        payment_form=PaymentForm(initial={"received_date": today_in(debt.portfolio)}) if recorded else form,
        recorded_payment=recorded,
        partial="ledger-panel",
    )


@login_required
@require_POST
@refusals_as_http
def reverse_payment(request: HtmxHttpRequest, payment_id: int) -> HttpResponse:
    payment = queries.get_payment(user=request.user, payment_id=payment_id)
    if not queries.may_reverse_payments(user=request.user):
        raise PermissionDenied(_("Only a supervisor may reverse a payment."))
    form = ReversePaymentForm(request.POST)
    if form.is_valid():
        payments.reverse_payment(
            payment_id=payment.pk, reason=form.cleaned_data["reason"], actor=request.user, now=timezone.now()
        )
        messages.success(request, _("Payment %(ref)s reversed.") % {"ref": payment.external_ref})
    else:
        messages.error(request, _("Say why the payment is reversed."))
    return redirect("desk:debt", debt_id=payment.debt_id)


@login_required
@require_POST
@refusals_as_http
def verify_debt(request: HttpRequest, debt_id: int) -> HttpResponse:
    debt = queries.get_debt(user=request.user, debt_id=debt_id)
    if not queries.is_verifiable_by(user=request.user, debt=debt):
        raise PermissionDenied(_("You may not verify this debt."))
    form = VerifyForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        verification.verify_debt(debt_id=debt.pk, actor=request.user, now=timezone.now(), reason=reason)
    except verification.DebtDoesNotReconcile as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Debt %(ref)s verified.") % {"ref": debt.external_ref})
    return redirect("desk:debt", debt_id=debt.pk)


def debt_page(
    request: HtmxHttpRequest,
    debt: Debt,
    *,
    as_of: date,
    as_of_form: AsOfForm | None = None,
    payment_form: PaymentForm | None = None,
    recorded_payment: object = None,
    partial: str = "",
) -> TemplateResponse:
    """Render the debt page, or one of its panels for an htmx swap."""
    view = queries.get_debt_view(user=request.user, debt_id=debt.pk, as_of=as_of)
    context = {
        "view": view,
        "as_of_form": as_of_form or AsOfForm(initial={"as_of": as_of}),
        "payment_form": payment_form or PaymentForm(initial={"received_date": today_in(debt.portfolio)}),
        "verify_form": VerifyForm(),
        "recorded_payment": recorded_payment,
    }
    template = f"desk/debt.html#{partial}" if partial and request.htmx else "desk/debt.html"
    return TemplateResponse(request, template, context)


@login_required
@require_GET
@refusals_as_http
def audit_log(request: HttpRequest) -> HttpResponse:
    portfolios = queries.list_portfolios(user=request.user)
    form = AuditFilterForm(request.GET, portfolios=portfolios)
    filters = form.cleaned_data if form.is_valid() else {}
    chosen = filters.get("portfolio")
    events = queries.list_audit_events(
        user=request.user,
        action=filters.get("action", ""),
        object_type=filters.get("object_type", ""),
        object_id=filters.get("object_id", ""),
        portfolio_id=chosen.pk if chosen else None,
    )
    page = Paginator(events, AUDIT_EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    # Walking the chain reads every event, so it runs when asked, not on every page view.
    report = queries.get_chain_report(user=request.user) if request.GET.get("verify") else None
    context = {"form": form, "page": page, "report": report}
    return TemplateResponse(request, "desk/audit.html", context)
