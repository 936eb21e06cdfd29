"""The portal's way in and its overview: open a link, answer the question, see the debts, choose channels."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from arrears.core import errors
from arrears.portal import access, queries, self_service, session
from arrears.portal.forms import IdentityForm, fresh_key
from arrears.portal.session import debtor_required, page
from arrears.portfolio.models import Debtor


@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest, token: str) -> HttpResponse:
    """Open a link: refuse an altered, expired, revoked or used one; else ask the identity question."""
    now = timezone.now()
    try:
        link = access.open_link(token=token, now=now)
        check = access.identity_question(link.debtor)
    except access.LinkRefused as exc:
        if session.is_opened_by(request, token, now):
            return redirect("portal:home")
        return page(request, "portal/refused.html", {"message": str(exc)}, status=403)
    except access.NoIdentityOnFile as exc:
        return page(request, "portal/refused.html", {"message": str(exc)}, status=403)
    form = IdentityForm(request.POST or None, check=check)
    if request.method == "POST" and form.is_valid():
        try:
            link = access.check_identity(link_id=link.pk, answer=form.cleaned_data["answer"], now=now)
        except (access.WrongAnswer, access.AccessLocked, access.LinkRefused) as exc:
            form.add_error(None, str(exc))
        else:
            session.start(request, link, now)
            return redirect("portal:home")
    context = {"form": form, "creditor": link.debtor.portfolio.creditor_name}
    return page(request, "portal/enter.html", context, status=400 if form.errors else 200)


@debtor_required
def home(request: HttpRequest, debtor: Debtor) -> HttpResponse:
    """What the debtor owes by component and why, their payments, how to pay and whom to ask."""
    today = timezone.localdate(timezone=ZoneInfo(debtor.portfolio.time_zone))
    context = {
        "debtor": debtor,
        "debts": queries.list_debts(debtor=debtor, as_of=today),
        "payments": queries.list_payments(debtor=debtor),
        "texts": queries.creditor_texts(translation.get_language() or "en"),
        "request_key": fresh_key(),
    }
    return page(request, "portal/home.html", context)


class ChannelForm(forms.Form):
    point = forms.IntegerField()
    channel = forms.CharField(max_length=20)
    allowed = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1")


@debtor_required
def preferences(request: HttpRequest, debtor: Debtor) -> HttpResponse:
    """The debtor's contact points, each channel allowed or stopped; a POST changes one channel."""
    error = ""
    if request.method == "POST":
        form = ChannelForm(request.POST)
        if form.is_valid():
            try:
                self_service.set_channel(
                    debtor=debtor, point_id=form.cleaned_data["point"], channel=form.cleaned_data["channel"],
                    allowed=form.cleaned_data["allowed"], now=timezone.now(),
                )  # fmt: skip
            except errors.DomainError as exc:
                error = str(exc)
            else:
                messages.success(request, _("Your contact preferences are saved."))
                return redirect("portal:preferences")
        else:
            error = _("Choose a channel to allow or stop.")
    rows = queries.list_contact_points(debtor=debtor)
    return page(
        request, "portal/preferences.html", {"rows": rows, "error": error}, status=400 if error else 200
    )


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """End the portal session."""
    session.end(request)
    return page(request, "portal/refused.html", {"message": _("You have left. You can close this page.")})
