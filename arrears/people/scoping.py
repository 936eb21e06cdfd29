"""Which portfolios a user may see: the single rule every page, API call and admin list uses."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from arrears.people.roles import Capability


def granted_portfolio_ids(user: Any) -> set[int] | None:
    """Return the ids of the portfolios ``user`` was granted, or ``None`` when they see all."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.can(Capability.SEE_ALL_PORTFOLIOS):
        return None
    return set(user.portfolios.values_list("pk", flat=True))


def scope_to_user(queryset: QuerySet[Any], user: Any, *, portfolio_field: str = "portfolio") -> QuerySet[Any]:
    """Restrict ``queryset`` to rows in portfolios granted to ``user``."""
    granted = granted_portfolio_ids(user)
    if granted is None:
        return queryset
    return queryset.filter(**{f"{portfolio_field}__in": granted})
