"""The supervisor's page: the team's workload, promises due today, broken promises, reassigning work."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from arrears.casework import work
from arrears.core import errors
from arrears.desk.case_views import new_request_key
from arrears.desk.views import refusals_as_http
from arrears.portfolio import queries as portfolio_queries
from arrears.usecases import work_gate


class ReassignCaseForm(forms.Form):
    case = forms.IntegerField(label=gettext_lazy("Case number"), min_value=1)
    to_user = forms.ChoiceField(label=gettext_lazy("To collector"))
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, collectors: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_user"].choices = collectors  # type: ignore[attr-defined]


class ReassignItemsForm(forms.Form):
    portfolio = forms.ChoiceField(label=gettext_lazy("Portfolio"))
    from_user = forms.ChoiceField(label=gettext_lazy("From collector"))
    to_user = forms.ChoiceField(label=gettext_lazy("To collector"))
    request_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(
        self, *args: Any, collectors: list[tuple[str, str]], portfolios: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["portfolio"].choices = portfolios  # type: ignore[attr-defined]
        self.fields["from_user"].choices = collectors  # type: ignore[attr-defined]
        self.fields["to_user"].choices = collectors  # type: ignore[attr-defined]


def _require_supervisor(request: HttpRequest) -> None:
    if not work.may_supervise(request.user):
        raise PermissionDenied(_("Only a supervisor may see the team's work."))


def _choices(request: HttpRequest) -> dict[str, list[tuple[str, str]]]:
    collectors = work.list_collectors(actor=request.user)
    portfolios = portfolio_queries.list_portfolios(user=request.user)
    return {
        "collectors": [(str(user.pk), user.get_full_name() or user.get_username()) for user in collectors],
        "portfolios": [(str(item.pk), item.name) for item in portfolios],
    }


def _page(request: HttpRequest, *, status: int = 200, **forms_shown: Any) -> TemplateResponse:
    now = timezone.now()
    choices = _choices(request)
    context = {
        "workload": work.list_team_workload(actor=request.user, now=now),
        "due_today": work.list_promises_due_today(actor=request.user, now=now),
        "broken": work.list_broken_promises(actor=request.user, now=now),
        "case_form": forms_shown.get("case_form")
        or ReassignCaseForm(initial={"request_key": new_request_key()}, collectors=choices["collectors"]),
        "items_form": forms_shown.get("items_form")
        or ReassignItemsForm(initial={"request_key": new_request_key()}, **choices),
        "broken_days": work.BROKEN_PROMISE_DAYS,
    }
    return TemplateResponse(request, "desk/supervisor.html", context, status=status)


@login_required
@require_GET
@refusals_as_http
def supervisor(request: HttpRequest) -> HttpResponse:
    _require_supervisor(request)
    return _page(request)


@login_required
@require_POST
@refusals_as_http
def reassign_case(request: HttpRequest) -> HttpResponse:
    _require_supervisor(request)
    form = ReassignCaseForm(request.POST, collectors=_choices(request)["collectors"])
    if form.is_valid():
        data = form.cleaned_data
        try:
            work_gate.reassign_case(
                case_id=data["case"], to_user_id=int(data["to_user"]), actor=request.user, now=timezone.now(),
                expected_revision=None, request_key=data["request_key"],
            )  # fmt: skip
        except errors.NotFound as exc:
            form.add_error("case", str(exc))
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Case %(case)s reassigned.") % {"case": data["case"]})
            return redirect("desk:supervisor")
    return _page(request, status=422, case_form=form)


@login_required
@require_POST
@refusals_as_http
def reassign_work_items(request: HttpRequest) -> HttpResponse:
    _require_supervisor(request)
    form = ReassignItemsForm(request.POST, **_choices(request))
    if form.is_valid():
        data = form.cleaned_data
        try:
            moved = work_gate.reassign_work_items(
                from_user_id=int(data["from_user"]), to_user_id=int(data["to_user"]),
                portfolio_id=int(data["portfolio"]), actor=request.user, now=timezone.now(),
                request_key=data["request_key"],
            )  # fmt: skip
        except errors.DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(count)d work items moved.") % {"count": moved})
            return redirect("desk:supervisor")
    return _page(request, status=422, items_form=form)
