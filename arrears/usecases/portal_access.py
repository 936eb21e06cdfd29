"""What the portal allows a portfolio's debtors: the identity question, lockout, link life, plan limits.

Settings ``ARREARS_PORTAL_*`` give every portfolio's values; ``ARREARS_PORTAL_POLICIES =
{"<portfolio code>": {"identity_check": "id_last4", "accept_months": 3, ...}}`` overrides any of
them for one portfolio (the keys are the field names of `PortalPolicy`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from arrears.portfolio.models import Portfolio


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
