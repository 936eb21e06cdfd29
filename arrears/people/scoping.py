"""Which portfolios a user may see: the single rule every page, API call and admin list uses."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from arrears.people.roles import Capability

# The grants read once per user object: a request's user is loaded afresh for each request, and a
# page asks several times (the case, the debtor, the work items). Changes through ``user.portfolios``
# forget it (``forget_grants``), as Django's own permission cache on the user is kept.
_GRANTS = "_arrears_granted_portfolio_ids"


def granted_portfolio_ids(user: Any) -> set[int] | None:
    """Return the ids of the portfolios ``user`` was granted, or ``None`` when they see all."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.can(Capability.SEE_ALL_PORTFOLIOS):
        return None
    granted = getattr(user, _GRANTS, None)
    if granted is None:
        granted = frozenset(user.portfolios.values_list("pk", flat=True))
        setattr(user, _GRANTS, granted)
    return set(granted)


def forget_grants(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Drop the grants read on a user object when its portfolios change (an ``m2m_changed`` receiver)."""
    if hasattr(instance, _GRANTS):
        delattr(instance, _GRANTS)


def scope_to_user(queryset: QuerySet[Any], user: Any, *, portfolio_field: str = "portfolio") -> QuerySet[Any]:
    """Restrict ``queryset`` to rows in portfolios granted to ``user``."""
    granted = granted_portfolio_ids(user)
    if granted is None:
        return queryset
    return queryset.filter(**{f"{portfolio_field}__in": granted})
