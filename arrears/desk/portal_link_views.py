"""Giving a debtor a link to the self-service portal from the desk (during a call, say).

The link is shown once to the collector, to read out or paste into a message; issuing it writes one
audit event naming the collector (``usecases.portal_access.issue_link``). Withdrawing a debtor's links
and lifting a lockout stay with administrators (the admin's *Debtor portal access*).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from arrears.desk.views import refusals_as_http
from arrears.portfolio import queries
from arrears.usecases import portal_access


@login_required
@require_POST
@refusals_as_http
def issue_portal_link(request: HttpRequest, debtor_id: int) -> HttpResponse:
    """Issue a portal link for a debtor the user may see and show it on the debtor page."""
    debtor = queries.get_debtor(user=request.user, debtor_id=debtor_id)
    issued = portal_access.issue_link(debtor=debtor, now=timezone.now(), source="desk", actor=request.user)
    messages.success(
        request,
        _(
            "Self-service link for %(name)s, valid until %(until)s (one session; the debtor answers "
            "the identity question): %(url)s"
        )
        % {
            "name": debtor.name,
            "until": timezone.localtime(issued.expires_at).strftime("%Y-%m-%d %H:%M"),
            "url": issued.url,
        },
    )
    return redirect("desk:debtor", debtor_id=debtor.pk)
