"""The cases behind a number: the source rows of a drill-down, filtered with the facts' own expressions.

Each metric names the rows it counts (payments, debts, activities, messages, promises, stage events,
positions, refusals) and the dimension expressions its facts were grouped by (``facts.case_dims``
and ``facts.debt_dims``), so a drill-down's total is the number that was clicked as long as the
facts are fresh (they are refreshed daily; see docs/reporting.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, F, OuterRef, QuerySet, Sum, Value
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.casework.models import Activity, Promise, PromiseStatus, StageEvent
from arrears.comms.models import Message
from arrears.core.errors import NotFound
from arrears.core.money import exact_sum
from arrears.reporting import facts
from arrears.reporting.filters import ReportFilter
from arrears.reporting.kpis.activity import RIGHT_PARTY_KEY, RIGHT_PARTY_RESULTS
from arrears.reporting.models import Metric, Position
from arrears.reporting.positions import CLOSED, previous_month_end
from arrears.reporting.tables import Drill

PAGE_SIZE = 50


@dataclass(frozen=True)
class DrillResult:
    """The rows behind a number: how many, their amount, and one page of (case, reference, day, amount)."""

    count: int
    amount: Decimal
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class Source:
    rows: Callable[[Drill], QuerySet[Any]]
    portfolio: Any
    dims: dict[str, Any]
    case: str
    reference: str
    day: Any
    amount: str | None = None


def _positions(drill: Drill) -> QuerySet[Any]:
    return Position.objects.filter(as_of=drill.since)


def _rolls(drill: Drill) -> QuerySet[Any]:
    source, _separator, target = drill.key.partition(">")
    later = Position.objects.filter(as_of=drill.since, debt_id=OuterRef("debt_id"))
    earlier = Position.objects.filter(as_of=previous_month_end(drill.since), bucket=source)
    if target == CLOSED:
        return earlier.filter(~Exists(later))
    return earlier.filter(Exists(later.filter(bucket=target)))


def _activities(drill: Drill) -> QuerySet[Any]:
    start, end = facts.day_bounds(drill.since, drill.until)
    rows = Activity.objects.filter(created_at__gte=start, created_at__lt=end)
    if drill.key == RIGHT_PARTY_KEY:
        return rows.filter(result__in=RIGHT_PARTY_RESULTS)
    return rows.filter(result=drill.key) if drill.key else rows


def _collected(drill: Drill) -> QuerySet[Any]:
    rows = facts.collected(drill.since, drill.until)
    if not drill.key:
        return rows
    month = datetime.combine(date.fromisoformat(f"{drill.key}-01"), time(), timezone.get_current_timezone())
    return rows.annotate(vintage=TruncMonth("debt__created_at")).filter(vintage=month)


def _messages(drill: Drill) -> QuerySet[Any]:
    start, end = facts.day_bounds(drill.since, drill.until)
    rows = Message.objects.filter(sent_at__gte=start, sent_at__lt=end)
    return rows.filter(channel=drill.key) if drill.key else rows


def _placed(drill: Drill) -> QuerySet[Any]:
    start, end = facts.day_bounds(drill.since, drill.until)
    return facts.Debt.objects.filter(created_at__gte=start, created_at__lt=end)


def _promises(status: str | None) -> Callable[[Drill], QuerySet[Any]]:
    def rows(drill: Drill) -> QuerySet[Any]:
        if status is None:
            return Promise.objects.filter(made_on__range=(drill.since, drill.until))
        return Promise.objects.filter(status=status, resolved_on__range=(drill.since, drill.until))

    return rows


def _stage_entries(drill: Drill) -> QuerySet[Any]:
    return StageEvent.objects.filter(business_date__range=(drill.since, drill.until), stage_to=drill.key)


POSITION_DIMS = {"product": F("product"), "team": F("team_id"), "collector": Value(0), "arm": F("arm")}
CASE_REF = "case__debt__external_ref"
SOURCES: dict[str, Source] = {
    Metric.COLLECTED: Source(_collected, F("portfolio_id"), facts.debt_dims("debt__"), "debt__case__id",
                             "debt__external_ref", F("received_date"), "amount"),
    Metric.PLACED: Source(_placed, F("portfolio_id"), facts.debt_dims(""), "case__id", "external_ref",
                          TruncDate("created_at"), "principal"),
    Metric.FIRST_PAYMENT: Source(lambda drill: facts.first_paid(drill.since, drill.until), F("portfolio_id"),
                                 facts.debt_dims(""), "case__id", "external_ref", F("first_paid"), "principal"),
    Metric.ACTIVITY: Source(_activities, F("case__portfolio_id"), facts.case_dims("case__", collector="created_by_id"),
                            "case_id", CASE_REF, TruncDate("created_at")),
    Metric.MESSAGE: Source(_messages, F("debtor__portfolio_id"), facts.debt_dims("debt__"), "debt__case__id",
                           "debt__external_ref", TruncDate("sent_at")),
    Metric.PROMISE_MADE: Source(_promises(None), F("case__portfolio_id"), facts.case_dims("case__", collector="made_by_id"),
                                "case_id", CASE_REF, F("made_on"), "amount"),
    Metric.PROMISE_KEPT: Source(_promises(PromiseStatus.KEPT), F("case__portfolio_id"), facts.case_dims("case__", collector="made_by_id"),
                                "case_id", CASE_REF, F("resolved_on"), "amount"),
    Metric.PROMISE_BROKEN: Source(_promises(PromiseStatus.BROKEN), F("case__portfolio_id"), facts.case_dims("case__", collector="made_by_id"),
                                  "case_id", CASE_REF, F("resolved_on"), "amount"),
    Metric.STAGE_ENTERED: Source(_stage_entries, F("case__portfolio_id"), facts.case_dims("case__"), "case_id",
                                 CASE_REF, F("business_date")),
    Metric.AGING: Source(lambda drill: _positions(drill).filter(bucket=drill.key), F("portfolio_id"), POSITION_DIMS,
                         "case_id", "debt_id", F("as_of"), "balance"),
    Metric.STAGE: Source(lambda drill: _positions(drill).filter(stage=drill.key), F("portfolio_id"), POSITION_DIMS,
                         "case_id", "debt_id", F("as_of"), "balance"),
    Metric.ROLL: Source(_rolls, F("portfolio_id"), POSITION_DIMS, "case_id", "debt_id", F("as_of"), "balance"),
}  # fmt: skip


def drill_down(*, drill: Drill, report: ReportFilter, page: int = 1) -> DrillResult:
    """Return the rows behind ``drill`` under ``report``'s portfolios, product and team, with their totals.

    :raises NotFound: when the metric has no drill-down.
    """
    if drill.metric == Metric.CASE_WORKED:
        return _cases_worked(drill, report, page)
    if drill.metric == Metric.REFUSAL:
        return _refusals(drill, report, page)
    if drill.metric not in SOURCES:
        raise NotFound(_("There is no list behind %(metric)s.") % {"metric": drill.metric})
    source = SOURCES[drill.metric]
    rows = _filtered(source.rows(drill), source.portfolio, source.dims, drill, report)
    totals = rows.aggregate(
        rows_count=Count("pk"), **({"rows_amount": Sum(source.amount)} if source.amount else {})
    )
    listed = rows.annotate(
        row_case=F(source.case), row_reference=F(source.reference), row_day=source.day,
        row_amount=F(source.amount) if source.amount else Value(None, output_field=DecimalField()),
    ).values("row_case", "row_reference", "row_day", "row_amount").order_by("row_day", "pk")  # fmt: skip
    start = (max(page, 1) - 1) * PAGE_SIZE
    return DrillResult(
        count=totals["rows_count"], amount=exact_sum(totals.get("rows_amount")),
        rows=[_row(item) for item in listed[start : start + PAGE_SIZE]],
    )  # fmt: skip


def _row(item: dict[str, Any]) -> dict[str, Any]:
    return {"case": item["row_case"], "reference": item["row_reference"], "day": item["row_day"],
            "amount": item["row_amount"]}  # fmt: skip


def _filtered(
    rows: QuerySet[Any], portfolio: Any, dims: dict[str, Any], drill: Drill, report: ReportFilter
) -> QuerySet[Any]:
    rows = rows.annotate(
        drill_portfolio=portfolio, **{f"drill_{name}": value for name, value in dims.items()}
    )
    rows = rows.filter(drill_portfolio__in=report.portfolio_ids)
    if report.product:
        rows = rows.filter(drill_product=report.product)
    if report.team_id is not None:
        rows = rows.filter(drill_team=report.team_id)
    if drill.collector is not None:
        rows = rows.filter(drill_collector=drill.collector)
    if drill.arm is not None:
        rows = rows.filter(drill_arm=drill.arm)
    return rows


def _cases_worked(drill: Drill, report: ReportFilter, page: int) -> DrillResult:
    rows = _filtered(
        _activities(drill.__class__(Metric.ACTIVITY, drill.since, drill.until)), F("case__portfolio_id"),
        facts.case_dims("case__", collector="created_by_id"), drill, report,
    )  # fmt: skip
    pairs = rows.annotate(row_day=TruncDate("created_at")).values("row_day", "case_id", CASE_REF).distinct()
    start = (max(page, 1) - 1) * PAGE_SIZE
    listed = pairs.order_by("row_day", "case_id")[start : start + PAGE_SIZE]
    return DrillResult(
        count=pairs.count(), amount=Decimal("0.00"),
        rows=[{"case": item["case_id"], "reference": item[CASE_REF], "day": item["row_day"], "amount": None}
              for item in listed],
    )  # fmt: skip


def _refusals(drill: Drill, report: ReportFilter, page: int) -> DrillResult:
    """List the decisions carrying the reason code (JSON lists cannot be searched alike on SQLite and PostgreSQL)."""
    decisions = (
        facts.refusals(drill.since, drill.until)
        .filter(debtor__portfolio_id__in=report.portfolio_ids)
        .annotate(row_day=TruncDate("created_at"))
        .values("pk", "debtor_id", "debtor__external_ref", "row_day", "reasons")
        .order_by("row_day", "pk")
    )
    matching = [item for item in decisions if drill.key in (item["reasons"] or [])]
    start = (max(page, 1) - 1) * PAGE_SIZE
    return DrillResult(
        count=len(matching), amount=Decimal("0.00"),
        rows=[{"case": None, "debtor": item["debtor_id"], "reference": item["debtor__external_ref"],
               "day": item["row_day"], "amount": None} for item in matching[start : start + PAGE_SIZE]],
    )  # fmt: skip
