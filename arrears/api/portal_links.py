"""API endpoint for staff: issue a debtor a link to the self-service portal.

Any user who may see the debtor may (a collector sends a link during a call); the link is returned
once and audited by its id only. Withdrawing a debtor's links is in the admin (Debtor portal access).
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from arrears.api.portfolio import ErrorOut
from arrears.portfolio import queries as portfolio_queries
from arrears.usecases import portal_access

router = Router(tags=["portal"])


class PortalLinkOut(Schema):
    url: str
    debtor_id: int
    expires_at: datetime


@router.post("/debtors/{debtor_id}/portal-links", response={201: PortalLinkOut, 404: ErrorOut})
def issue_link(request: HttpRequest, debtor_id: int) -> Status[PortalLinkOut]:
    """Issue a new portal link for the debtor (valid for the portfolio's link days; it opens one session)."""
    debtor = portfolio_queries.get_debtor(user=request.user, debtor_id=debtor_id)
    issued = portal_access.issue_link(debtor=debtor, now=timezone.now(), source="api", actor=request.user)
    return Status(201, PortalLinkOut(url=issued.url, debtor_id=debtor.pk, expires_at=issued.expires_at))
