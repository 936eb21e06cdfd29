"""The collector's queue: today's work items by priority, filters and counts, and "next case"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from arrears.casework import notifications, work
from arrears.core import errors
from arrears.desk.views import refusals_as_http
from arrears.portfolio import queries as portfolio_queries
from arrears.usecases import work_gate


class QueueFilterForm(forms.Form):
    queue = forms.ChoiceField(label=gettext_lazy("Queue"), required=False)
    portfolio = forms.ChoiceField(label=gettext_lazy("Portfolio"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    stage = forms.ChoiceField(label=gettext_lazy("Stage"), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(
        self, *args: Any, choices: dict[str, list[str]], portfolios: list[tuple[str, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        everything = [("", gettext_lazy("All"))]
        for name, values in choices.items():
            self.fields[name].choices = [*everything, *((value, value) for value in values)]  # type: ignore[attr-defined]
        self.fields["portfolio"].choices = [*everything, *portfolios]  # type: ignore[attr-defined]

    def filters(self) -> work.QueueFilters:
        if not self.is_valid():
            return work.QueueFilters()
        data = self.cleaned_data
        return work.QueueFilters(
            queue=data["queue"], portfolio_id=int(data["portfolio"]) if data["portfolio"] else None,
            kind=data["kind"], stage=data["stage"], overdue=data["overdue"],
        )  # fmt: skip


def case_url(case_id: int, *, from_queue: bool) -> str:
    """Return the case page's address, marked as reached from the queue when it was."""
    url = reverse("desk:case", args=[case_id])
    return f"{url}?from=queue" if from_queue else url


# The queue shows the best items first; a collector works from the top (Next case), so one short page is enough.
QUEUE_PAGE = 50


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    portfolios = [(str(item.pk), item.name) for item in portfolio_queries.list_portfolios(user=request.user)]
    # Portfolios giving live work only to certified collectors stay out of an uncertified one's list.
    blocked = work_gate.blocked_portfolio_ids(user=request.user, now=now)
    summary = work.summarize_my_queue(user=request.user, now=now, skip_portfolio_ids=blocked)
    form = QueueFilterForm(request.GET or None, choices=summary.choices, portfolios=portfolios)
    items = list(
        work.list_my_work_items(
            user=request.user, now=now, filters=form.filters(), skip_portfolio_ids=blocked
        )[:QUEUE_PAGE]
    )
    context = {
        "form": form,
        "items": items,
        "counts": summary.counts,
        "held": summary.held,
        "overdue_ids": work.overdue_ids(items, now),
        "notifications": list(notifications.list_notifications(user=request.user, unread_only=True)[:20]),
    }
    return TemplateResponse(request, "desk/queue.html", context)


@login_required
@require_POST
def next_case(request: HttpRequest) -> HttpResponse:
    current = request.POST.get("current", "")
    item = work_gate.take_next(
        user=request.user, now=timezone.now(), exclude_case_id=int(current) if current.isdigit() else None
    )
    if item is None:
        messages.info(request, _("Nothing more is due in your queue today."))
        return redirect("desk:queue")
    return redirect(case_url(item.case_id, from_queue=True))


@login_required
@require_POST
@refusals_as_http
def close_work_item(request: HttpRequest, work_item_id: int) -> HttpResponse:
    revision = request.POST.get("revision", "")
    try:
        item = work.close_work_item(
            work_item_id=work_item_id, actor=request.user, now=timezone.now(),
            expected_revision=int(revision) if revision.isdigit() else None,
            request_key=request.POST.get("request_key") or None,
        )  # fmt: skip
    except errors.PermissionDenied:
        raise
    except errors.DomainError as exc:
        messages.error(request, str(exc))
        item = work.get_work_item(user=request.user, work_item_id=work_item_id)
    else:
        messages.success(request, _("Work item done."))
    return redirect(case_url(item.case_id, from_queue=request.POST.get("from") == "queue"))
