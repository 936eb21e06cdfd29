"""Reading facts for KPIs: grouped sums straight from the database, summed exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Max, QuerySet, Sum

from arrears.core.money import exact_sum
from arrears.reporting.models import Fact

ZERO = Decimal("0.00")


def sums(facts: QuerySet[Fact], *group: str) -> dict[Any, tuple[int, Decimal]]:
    """Return (count, amount) summed per value of the ``group`` columns (a tuple key when several)."""
    rows = facts.values_list(*group).annotate(total_count=Sum("count"), total_amount=Sum("amount")).order_by()
    result: dict[Any, tuple[int, Decimal]] = {}
    for row in rows:
        key = row[0] if len(group) == 1 else tuple(row[: len(group)])
        result[key] = (int(row[-2] or 0), exact_sum(row[-1]))
    return result


def total(facts: QuerySet[Fact]) -> tuple[int, Decimal]:
    """Return the summed count and amount of ``facts``."""
    row = facts.aggregate(total_count=Sum("count"), total_amount=Sum("amount"))
    return int(row["total_count"] or 0), exact_sum(row["total_amount"])


def latest_day(facts: QuerySet[Fact], until: date) -> date | None:
    """Return the latest day of ``facts`` on or before ``until`` (the snapshot a report shows)."""
    latest: date | None = facts.filter(day__lte=until).aggregate(latest=Max("day"))["latest"]
    return latest
