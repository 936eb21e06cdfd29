"""Quality over time: the score per collector and team, week by week, and the items failed most.

Everything is read from completed reviews in the user's portfolios with a few GROUP BY queries;
weeks start on Monday (the database's week truncation, in the project's time zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncWeek

from arrears.people.scoping import scope_to_user
from arrears.quality import scoring
from arrears.quality.models import QualityReview, ReviewMark, ReviewStatus, Scorecard

_HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Trend:
    """One collector's or team's reviews in the period: count, average score, pass rate, and per week."""

    key: int | None
    name: str
    reviews: int
    average: Decimal
    pass_rate: Decimal
    weeks: tuple[tuple[date, Decimal, int], ...]


@dataclass(frozen=True, slots=True)
class FailedItem:
    """A scorecard item and how often it failed in the period (of how many marks)."""

    key: str
    label_en: str
    label_zh: str
    failed: int
    marked: int
    critical: bool


@dataclass(frozen=True, slots=True)
class Trends:
    """The trends page's data."""

    since: date
    collectors: tuple[Trend, ...]
    teams: tuple[Trend, ...]
    failed_items: tuple[FailedItem, ...]


def _percent(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(_HUNDREDTH, ROUND_HALF_UP)


def completed_reviews(
    *, user: Any, since: datetime, portfolio_id: int | None = None
) -> QuerySet[QualityReview]:
    """Return the completed reviews of contacts since ``since`` in the user's portfolios."""
    reviews = scope_to_user(QualityReview.objects.all(), user).filter(
        status=ReviewStatus.COMPLETED, contact_at__gte=since
    )
    return reviews.filter(portfolio_id=portfolio_id) if portfolio_id is not None else reviews


def get_trends(*, user: Any, now: datetime, weeks: int = 12, portfolio_id: int | None = None) -> Trends:
    """Return the quality trends of the last ``weeks`` weeks for the user's portfolios."""
    since = now - timedelta(weeks=weeks)
    reviews = completed_reviews(user=user, since=since, portfolio_id=portfolio_id)
    collectors = _trends(reviews, "collector_id", "collector__username")
    teams = _trends(
        reviews.filter(collector__team__isnull=False), "collector__team_id", "collector__team__name"
    )
    return Trends(since=since.date(), collectors=collectors, teams=teams, failed_items=_failed_items(reviews))


def _trends(reviews: QuerySet[QualityReview], key: str, name: str) -> tuple[Trend, ...]:
    totals = (
        reviews.order_by()
        .values(key, name)
        .annotate(count=Count("pk"), average=Avg("percent"), passed=Count("pk", filter=Q(passed=True)))
        .order_by(name)
    )
    weekly: dict[Any, list[tuple[date, Decimal, int]]] = {}
    for row in (
        reviews.order_by()
        .annotate(week=TruncWeek("contact_at"))
        .values(key, "week")
        .annotate(average=Avg("percent"), count=Count("pk"))
        .order_by(key, "week")
    ):
        week = row["week"].date() if isinstance(row["week"], datetime) else row["week"]
        weekly.setdefault(row[key], []).append((week, _percent(row["average"]), row["count"]))
    return tuple(
        Trend(
            key=row[key], name=row[name] or "—", reviews=row["count"], average=_percent(row["average"]),
            pass_rate=_percent(Decimal(row["passed"]) * 100 / row["count"]) if row["count"] else Decimal("0.00"),
            weeks=tuple(weekly.get(row[key], ())),
        )
        for row in totals
    )  # fmt: skip


def _failed_items(reviews: QuerySet[QualityReview], limit: int = 10) -> tuple[FailedItem, ...]:
    rows = (
        ReviewMark.objects.filter(review__in=reviews.values("pk"))
        .exclude(mark=scoring.Mark.NOT_APPLICABLE)
        .order_by()
        .values("item_key")
        .annotate(
            failed=Count("pk", filter=Q(mark=scoring.Mark.FAIL)),
            marked=Count("pk"),
            critical=Count("pk", filter=Q(critical=True)),
        )
        .filter(failed__gt=0)
        .order_by("-failed", "item_key")[:limit]
    )
    labels = _labels(reviews)
    return tuple(
        FailedItem(
            key=row["item_key"], label_en=labels.get(row["item_key"], (row["item_key"], row["item_key"]))[0],
            label_zh=labels.get(row["item_key"], (row["item_key"], row["item_key"]))[1], failed=row["failed"],
            marked=row["marked"], critical=row["critical"] > 0,
        )
        for row in rows
    )  # fmt: skip


def _labels(reviews: QuerySet[QualityReview]) -> dict[str, tuple[str, str]]:
    """Return item key → (English, Chinese) label from the scorecard versions the reviews used."""
    labels: dict[str, tuple[str, str]] = {}
    for spec in Scorecard.objects.filter(pk__in=reviews.values("scorecard_id")).order_by("version"):
        for item in scoring.spec_from_data(spec.spec).items:
            labels[item.key] = (item.label_en, item.label_zh)
    return labels
