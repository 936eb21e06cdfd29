"""Give the cycle's work items an owner: by team and skill, within each collector's daily capacity.

When a run's partitions are written, its items are taken by expected recovery, highest first. A collector can take an item when they work
the portfolio and have its skills: the debtor's language (when they list languages at all),
``companies`` for a company debtor, ``large_balances`` for a large balance (``casework.skills``).
In a portfolio that requires certification, only certified collectors take items
(``training.certification``). Among those, the one with the most capacity left gets it (ties: the
lower user id); an item nobody can take stays unassigned in its queue, for a supervisor. Open items a collector already holds
count against their capacity.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count

from arrears.casework import skills
from arrears.casework.models import WorkItem, WorkItemStatus
from arrears.core.money import round_money
from arrears.people.roles import Role
from arrears.portfolio.models import Portfolio
from arrears.training import certification

# The chance of recovery by aging bucket when a case has no score (the older, the less likely).
RECOVERY_BY_BUCKET = {
    "current": Decimal("0.70"), "1-30": Decimal("0.55"), "31-60": Decimal("0.40"), "61-90": Decimal("0.30"),
    "91-120": Decimal("0.20"), "121-180": Decimal("0.15"), "181-360": Decimal("0.08"), "361+": Decimal("0.04"),
}  # fmt: skip


def expected_recovery(row: dict[str, Any]) -> Decimal:
    """Return balance × chance of recovery: the score (0–1000) when known, else the bucket's rate."""
    chance = (
        Decimal(row["score"]) / 1000
        if row.get("score") is not None
        else RECOVERY_BY_BUCKET.get(row["bucket"], Decimal("0.10"))
    )
    return round_money(Decimal(row["balance"]) * chance, row["currency"])


def needed_skills(row: dict[str, Any]) -> list[str]:
    """Return what a collector must have to take the row's item (``casework.skills``)."""
    return skills.needed_skills(
        is_company=row.get("debtor_kind") == "company", balance=Decimal(row["balance"]),
        language=str(row.get("language") or ""),
    )  # fmt: skip


def assign_run(*, portfolio: Portfolio, business_date: date) -> int:
    """Assign the unassigned open work items a run created, highest expected recovery first; return how many.

    Runs once the run's partitions are all written, so capacity goes to the best items of the whole
    portfolio, not of whichever partition came first.
    """
    capacity = int(getattr(settings, "ARREARS_COLLECTOR_DAILY_CAPACITY", 40))
    working = _collectors(portfolio)
    cleared = certification.cleared_user_ids(
        portfolio_id=portfolio.pk, user_ids=[pk for pk, _skills in working], as_of=business_date
    )
    collectors = [row for row in working if row[0] in cleared]
    held = _open_items([pk for pk, _skills in collectors])
    left = {pk: capacity - held.get(pk, 0) for pk, _skills in collectors}
    held_skills = {pk: set(items or []) for pk, items in collectors}
    items = (
        WorkItem.objects.filter(
            portfolio=portfolio,
            business_date=business_date,
            status=WorkItemStatus.OPEN,
            assigned_to__isnull=True,
        )
        .order_by("-priority", "pk")
        .values_list("pk", "needed_skills")
    )
    chosen: dict[int, list[int]] = {}
    for pk, needed in items:
        fit = [
            user for user in left if left[user] > 0 and skills.fits_skills(held_skills[user], needed or [])
        ]
        if not fit:
            continue
        best = max(fit, key=lambda user: (left[user], -user))
        chosen.setdefault(best, []).append(pk)
        left[best] -= 1
    for user, pks in chosen.items():
        WorkItem.objects.filter(pk__in=pks).update(assigned_to_id=user)
    return sum(len(pks) for pks in chosen.values())


def _collectors(portfolio: Portfolio) -> list[tuple[int, list[str]]]:
    """Return (id, skills) of the active collectors who work the portfolio."""
    return list(
        get_user_model()
        .objects.filter(portfolios=portfolio, role=Role.COLLECTOR, is_active=True)
        .order_by("pk")
        .values_list("pk", "skills")
    )


def _open_items(collector_ids: list[int]) -> Counter[int]:
    """Return how many open work items each collector holds."""
    rows = (
        WorkItem.objects.filter(assigned_to_id__in=collector_ids, status=WorkItemStatus.OPEN)
        .values("assigned_to_id")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("assigned_to_id", "count")
    )
    return Counter(dict(rows))
