"""The debtor portal's rules for a portfolio, and issuing links to it (for the portal, the API, the CLI, the demo).

A link is a signed token (`core.portal_tokens`) for one debtor, issued without writing anything but
an audit event; the portal records it when first opened, checks how old it is against the
portfolio's ``link_days``, and spends it on the session it opens (`arrears.portal.access`).

What the portal allows a portfolio's debtors — the identity question, lockout, link life, plan
limits: settings ``ARREARS_PORTAL_*`` give every portfolio's values; ``ARREARS_PORTAL_POLICIES =
{"<portfolio code>": {"identity_check": "id_last4", "accept_months": 3, ...}}`` overrides any of
them for one portfolio (the keys are the field names of `PortalPolicy`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from arrears.core import portal_tokens
from arrears.core.audit.actions import record_event
from arrears.portfolio.models import Debtor, Portfolio


class IdentityCheck(StrEnum):
    BIRTH_DATE = "birth_date"
    ID_LAST4 = "id_last4"


@dataclass(frozen=True)
class PortalPolicy:
    """One portfolio's portal rules.

    A plan the debtor proposes running at most ``accept_months`` is accepted at once; up to
    ``max_months`` it waits for a supervisor; beyond that the portal refuses it. A debtor never
    waives anything in the portal.
    """

    identity_check: IdentityCheck
    link_days: int
    max_attempts: int
    lock_minutes: int
    session_minutes: int
    accept_months: int
    max_months: int


DEFAULTS = {
    "identity_check": ("ARREARS_PORTAL_IDENTITY_CHECK", IdentityCheck.BIRTH_DATE.value),
    "link_days": ("ARREARS_PORTAL_LINK_DAYS", 14),
    "max_attempts": ("ARREARS_PORTAL_MAX_ATTEMPTS", 5),
    "lock_minutes": ("ARREARS_PORTAL_LOCK_MINUTES", 30),
    "session_minutes": ("ARREARS_PORTAL_SESSION_MINUTES", 30),
    "accept_months": ("ARREARS_PORTAL_ACCEPT_MONTHS", 6),
    "max_months": ("ARREARS_PORTAL_MAX_MONTHS", 24),
}


def get_policy(portfolio: Portfolio) -> PortalPolicy:
    """Return the portfolio's portal policy.

    :raises ImproperlyConfigured: for an unknown identity check or limits that make no sense.
    """
    own: dict[str, Any] = getattr(settings, "ARREARS_PORTAL_POLICIES", {}).get(portfolio.code, {})
    values = {
        field.name: own.get(field.name, getattr(settings, *DEFAULTS[field.name]))
        for field in fields(PortalPolicy)
    }
    try:
        check = IdentityCheck(values.pop("identity_check"))
    except ValueError:
        raise ImproperlyConfigured("ARREARS_PORTAL_IDENTITY_CHECK must be birth_date or id_last4") from None
    numbers = {name: int(value) for name, value in values.items()}
    if min(numbers.values()) < 1 or numbers["accept_months"] > numbers["max_months"]:
        raise ImproperlyConfigured(
            "ARREARS_PORTAL_* limits must be at least 1, with ACCEPT_MONTHS at most MAX_MONTHS"
        )
    return PortalPolicy(identity_check=check, **numbers)


@dataclass(frozen=True)
class IssuedLink:
    """A new link: its path on the site, its full address, and until when it opens the portal."""

    token_id: str
    path: str
    url: str
    expires_at: datetime


def absolute_url(path: str) -> str:
    """Return ``path`` on the portal's public address (``ARREARS_PORTAL_BASE_URL``), or as it is when none is set."""
    base = str(getattr(settings, "ARREARS_PORTAL_BASE_URL", "")).strip().rstrip("/")
    return f"{base}{path}"


def issue_link(*, debtor: Debtor, now: datetime, source: str, actor: object) -> IssuedLink:
    """Issue a portal link for ``debtor``, valid for the portfolio's ``link_days``; one audit event."""
    token = portal_tokens.issue(debtor_id=debtor.pk, issued_at=now)
    claims = portal_tokens.read(token)
    expires_at = claims.issued_at + timedelta(days=get_policy(debtor.portfolio).link_days)
    path = reverse("portal:enter", args=[token])
    record_event(
        actor=actor, action="portal.issue_link", target=("portal.link", claims.token_id), now=now,
        portfolio_id=debtor.portfolio_id,
        after={"debtor": debtor.external_ref, "expires_at": expires_at.isoformat(), "source": source},
    )  # fmt: skip
    return IssuedLink(claims.token_id, path, absolute_url(path), expires_at)
