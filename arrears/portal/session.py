"""The portal session: bound to one debtor and the link that opened it, ending after inactivity.

A portal page is never indexed or cached (``X-Robots-Tag``, ``Cache-Control``) and never sends its
address to another site (``Referrer-Policy: same-origin``): the address may hold a link's token.
(``no-referrer`` would make the browser send ``Origin: null`` with the forms, which CSRF refuses.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.core import portal_tokens
from arrears.portal import access
from arrears.portal.models import PortalLink
from arrears.portfolio.models import Debtor
from arrears.usecases.portal_access import get_policy

KEY = "arrears_portal"
P = ParamSpec("P")


def start(request: HttpRequest, link: PortalLink, now: datetime) -> None:
    """Bind the session to the link's debtor (a new session key: nothing from before carries over)."""
    request.session.cycle_key()
    request.session[KEY] = {
        "debtor": link.debtor_id, "link": link.pk, "token": link.token_id, "seen": now.isoformat(),
    }  # fmt: skip


def end(request: HttpRequest) -> None:
    request.session.pop(KEY, None)


def is_opened_by(request: HttpRequest, token: str, now: datetime) -> bool:
    """Return whether a session stands that this very link opened (the debtor clicked it again)."""
    data = request.session.get(KEY) or {}
    try:
        token_id = portal_tokens.read(token).token_id
    except portal_tokens.TamperedToken:
        return False
    return data.get("token") == token_id and current_debtor(request, now) is not None


def current_debtor(request: HttpRequest, now: datetime) -> Debtor | None:
    """Return the session's debtor while the session stands (not idle too long, its links not revoked)."""
    data = request.session.get(KEY)
    if not data:
        return None
    debtor = Debtor.objects.select_related("portfolio").filter(pk=data["debtor"]).order_by("pk").first()
    idle = timedelta(minutes=get_policy(debtor.portfolio).session_minutes) if debtor else timedelta(0)
    if (
        debtor is None
        or now - datetime.fromisoformat(data["seen"]) > idle
        or not access.is_session_valid(link_id=data["link"], debtor_id=debtor.pk)
    ):
        end(request)
        return None
    request.session[KEY] = {**data, "seen": now.isoformat()}
    return debtor


def private(response: HttpResponse) -> HttpResponse:
    """Mark a portal response as never to be indexed, cached or referred from."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "same-origin"
    return response


def debtor_required(
    view: Callable[Concatenate[HttpRequest, Debtor, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Give the view the session's debtor; without one, say how to get in (403), changing nothing."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        debtor = current_debtor(request, timezone.now())
        if debtor is None:
            message = _(
                "Your session has ended, or you have not opened one. Use the link in your latest message."
            )
            return private(TemplateResponse(request, "portal/refused.html", {"message": message}, status=403))
        return private(view(request, debtor, *args, **kwargs))

    return wrapped


def page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Render a portal page, private."""
    return private(TemplateResponse(request, template, context, status=status))
