"""API endpoints for staff: issue a debtor a link to the self-service portal, or withdraw their links.

Any user who may see the debtor may do either (a collector sends a link during a call); the link is
returned once and recorded by its id only.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from arrears.api.portfolio import ErrorOut
from arrears.portal import access
from arrears.portfolio import queries as portfolio_queries

router = Router(tags=["portal"])


class PortalLinkOut(Schema):
    url: str
    debtor_id: int
    expires_at: datetime


class RevokeIn(Schema):
    reason: str = Field(default="", max_length=300)


@router.post("/debtors/{debtor_id}/portal-links", response={201: PortalLinkOut, 404: ErrorOut})
def issue_link(request: HttpRequest, debtor_id: int) -> Status[PortalLinkOut]:
    """Issue a new portal link for the debtor (valid for the portfolio's link days; it opens one session)."""
    debtor = portfolio_queries.get_debtor(user=request.user, debtor_id=debtor_id)
    issued = access.issue_link(debtor=debtor, now=timezone.now(), source="api", actor=request.user)
    return Status(
        201,
        PortalLinkOut(
            url=access.absolute_url(issued.path), debtor_id=debtor.pk, expires_at=issued.link.expires_at
        ),
    )


@router.post("/debtors/{debtor_id}/portal-links/revoke", response={204: None, 404: ErrorOut})
def revoke_links(request: HttpRequest, debtor_id: int, payload: RevokeIn) -> Status[None]:
    """Withdraw every portal link the debtor was given until now; sessions they opened end at their next step."""
    debtor = portfolio_queries.get_debtor(user=request.user, debtor_id=debtor_id)
    access.revoke_links(debtor=debtor, now=timezone.now(), actor=request.user, reason=payload.reason)
    return Status(204, None)
