"""Fill the facts the dashboards read: one GROUP BY per source over a range of days, written in bulk.

``refresh_facts`` replaces the event facts (payments, placements, contacts, messages, promises,
refusals, stage entries) of the days in a range; running it twice gives the same rows. The
dimensions (product, team, collector, arm) are the case's at refresh time; contacts and promises
(made, kept or broken) are counted for the collector who logged them, everything else for the
case's collector.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.db.models import CharField, Count, F, Func, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from arrears.casework.models import Activity, Promise, PromiseStatus, StageEvent
from arrears.comms.models import Message
from arrears.compliance.models import ContactDecision
from arrears.portfolio.imports.database import table
from arrears.portfolio.models import Debt, Payment
from arrears.reporting.models import Fact, Metric

EVENT_METRICS = (
    Metric.COLLECTED, Metric.PLACED, Metric.FIRST_PAYMENT, Metric.ACTIVITY, Metric.CASE_WORKED, Metric.MESSAGE,
    Metric.PROMISE_MADE, Metric.PROMISE_KEPT, Metric.PROMISE_BROKEN, Metric.REFUSAL, Metric.STAGE_ENTERED,
)  # fmt: skip
BATCH = 2000
BY_COLLECTOR = (
    Metric.COLLECTED,
    Metric.ACTIVITY,
    Metric.CASE_WORKED,
    Metric.PROMISE_MADE,
    Metric.PROMISE_KEPT,
)
ONLY_BY_COLLECTOR = (Metric.CASE_WORKED,)


def day_bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """Return the aware start of ``since`` and the start of the day after ``until``, in the current zone."""
    zone = timezone.get_current_timezone()
    return datetime.combine(since, time(), zone), datetime.combine(until + timedelta(days=1), time(), zone)


def case_dims(case: str, *, collector: str | None = None) -> dict[str, Any]:
    """Return the dimension expressions of rows whose case is at the path ``case`` (``""`` for a case itself)."""
    return {
        "product": F(f"{case}debt__product"),
        "team": Coalesce(F(f"{case}assigned_to__team_id"), Value(0)),
        "collector": Coalesce(F(collector or f"{case}assigned_to_id"), Value(0)),
        "arm": Coalesce(F(f"{case}arm"), Value("")),
    }


def debt_dims(debt: str) -> dict[str, Any]:
    """Return the dimension expressions of rows whose debt is at the path ``debt``."""
    return {
        "product": F(f"{debt}product"),
        "team": Coalesce(F(f"{debt}case__assigned_to__team_id"), Value(0)),
        "collector": Coalesce(F(f"{debt}case__assigned_to_id"), Value(0)),
        "arm": Coalesce(F(f"{debt}case__arm"), Value("")),
    }


def sources(since: date, until: date) -> dict[str, dict[str, Any]]:
    """Return, per event metric but refusals, how to group its rows between ``since`` and ``until``.

    Each is the rows, and the expressions of ``day``, ``portfolio``, ``key``, the dimensions, ``amount``
    (and ``count`` when it is not the rows'); ``drilldown`` lists the same rows.
    """
    start, end = day_bounds(since, until)
    amount = Sum("amount")
    no_key = Value("")
    return {
        Metric.COLLECTED: dict(
            queryset=collected(since, until),
            day=F("received_date"),
            portfolio=F("portfolio_id"),
            key=YearMonth(TruncMonth("debt__created_at")),
            dims=debt_dims("debt__"),
            amount=amount,
        ),
        Metric.PLACED: dict(
            queryset=Debt.objects.filter(created_at__gte=start, created_at__lt=end),
            day=TruncDate("created_at"),
            portfolio=F("portfolio_id"),
            key=no_key,
            dims=debt_dims(""),
            amount=Sum("principal"),
        ),
        Metric.FIRST_PAYMENT: dict(
            queryset=first_paid(since, until),
            day=F("first_paid"),
            portfolio=F("portfolio_id"),
            key=no_key,
            dims=debt_dims(""),
            amount=Sum("principal"),
        ),
        Metric.ACTIVITY: dict(
            queryset=Activity.objects.filter(created_at__gte=start, created_at__lt=end),
            day=TruncDate("created_at"),
            portfolio=F("case__portfolio_id"),
            key=F("result"),
            dims=case_dims("case__", collector="created_by_id"),
            amount=Value(Decimal(0)),
        ),
        Metric.CASE_WORKED: dict(
            queryset=Activity.objects.filter(created_at__gte=start, created_at__lt=end),
            day=TruncDate("created_at"),
            portfolio=F("case__portfolio_id"),
            key=no_key,
            dims=case_dims("case__", collector="created_by_id"),
            amount=Value(Decimal(0)),
            count=Count("case_id", distinct=True),
        ),
        Metric.MESSAGE: dict(
            queryset=Message.objects.filter(sent_at__gte=start, sent_at__lt=end),
            day=TruncDate("sent_at"),
            portfolio=F("debtor__portfolio_id"),
            key=F("channel"),
            dims=debt_dims("debt__"),
            amount=Value(Decimal(0)),
        ),
        Metric.PROMISE_MADE: dict(
            queryset=Promise.objects.filter(made_on__range=(since, until)),
            day=F("made_on"),
            portfolio=F("case__portfolio_id"),
            key=no_key,
            dims=case_dims("case__", collector="made_by_id"),
            amount=amount,
        ),
        Metric.PROMISE_KEPT: _resolved(PromiseStatus.KEPT, since, until),
        Metric.PROMISE_BROKEN: _resolved(PromiseStatus.BROKEN, since, until),
        Metric.STAGE_ENTERED: dict(
            queryset=StageEvent.objects.filter(business_date__range=(since, until)).exclude(stage_to=""),
            day=F("business_date"),
            portfolio=F("case__portfolio_id"),
            key=F("stage_to"),
            dims=case_dims("case__"),
            amount=Value(Decimal(0)),
        ),
    }


def collected(since: date, until: date) -> QuerySet[Payment]:
    """Return the payments received between ``since`` and ``until`` and not reversed."""
    return Payment.objects.filter(received_date__range=(since, until), reversed_at__isnull=True)


def first_paid(since: date, until: date) -> QuerySet[Debt]:
    """Return the debts whose first payment (not reversed) was received between ``since`` and ``until``."""
    first = (
        Payment.objects.filter(debt=OuterRef("pk"), reversed_at__isnull=True)
        .order_by("received_date")
        .values("received_date")[:1]
    )
    paid_in_range = collected(since, until).values("debt_id")
    # Only debts paid in the range can have their first payment there: the subquery runs for those alone.
    return (
        Debt.objects.filter(pk__in=paid_in_range)
        .annotate(first_paid=Subquery(first))
        .filter(first_paid__range=(since, until))
    )


def refusals(since: date, until: date) -> QuerySet[ContactDecision]:
    """Return the contact decisions (refusals and reviews) recorded between ``since`` and ``until``."""
    start, end = day_bounds(since, until)
    return ContactDecision.objects.filter(created_at__gte=start, created_at__lt=end)


def _resolved(status: str, since: date, until: date) -> dict[str, Any]:
    return dict(
        queryset=Promise.objects.filter(status=status, resolved_on__range=(since, until)), day=F("resolved_on"),
        portfolio=F("case__portfolio_id"), key=Value(""), dims=case_dims("case__", collector="made_by_id"),
        amount=Sum("amount"),
    )  # fmt: skip


def _grouped(
    queryset: QuerySet[Any], *, day: Any, portfolio: Any, key: Any, dims: dict[str, Any], amount: Any,
    count: Any = None,
) -> QuerySet[Any]:  # fmt: skip
    return (
        queryset.annotate(fact_day=day, fact_portfolio=portfolio, fact_key=key, **{f"fact_{k}": v for k, v in dims.items()})
        .values("fact_day", "fact_portfolio", "fact_key", *(f"fact_{name}" for name in dims))
        .annotate(fact_count=count or Count("pk"), fact_amount=amount)
        .order_by()
    )  # fmt: skip


@transaction.atomic
def refresh_facts(*, since: date, until: date) -> int:
    """Replace the event facts of the days from ``since`` to ``until``; return how many fact rows were written."""
    Fact.objects.filter(metric__in=EVENT_METRICS, day__range=(since, until)).delete()
    written = 0
    for metric, by_collector, grouped in grouped_sources(since, until):
        written += _write(metric, grouped, by_collector=by_collector)
    written += _write_refusals(since, until)
    return written


def grouped_sources(since: date, until: date) -> Iterator[tuple[str, bool, QuerySet[Any]]]:
    """Yield each metric's grouped query: by portfolio, product, team, arm and key; and by collector for some.

    The collector's facts carry no arm nor key, the others no collector: each grain stays about as
    small as a day's combinations of its own dimensions, not of all of them.
    """
    for metric, spec in sources(since, until).items():
        if metric not in ONLY_BY_COLLECTOR:
            yield metric, False, _grouped(**{**spec, "dims": {**spec["dims"], "collector": Value(0)}})
        if metric in BY_COLLECTOR:
            yield (
                metric,
                True,
                _grouped(**{**spec, "key": Value(""), "dims": {**spec["dims"], "arm": Value("")}}),
            )


def _write(metric: str, grouped: QuerySet[Any], *, by_collector: bool) -> int:
    """Insert the grouped rows straight from their query (``INSERT … SELECT``): no row passes through Python."""
    sql, params = grouped.query.sql_with_params()
    insert = f"""
        INSERT INTO {table(Fact)} (metric, by_collector, day, portfolio_id, key, product, team_id, collector_id, arm,
                                   count, amount)
        SELECT '{metric}', {"TRUE" if by_collector else "FALSE"}, fact_day, fact_portfolio, fact_key, COALESCE(fact_product, ''), fact_team, fact_collector,
               fact_arm, fact_count, ROUND(COALESCE(fact_amount, 0), 2)
        FROM ({sql}) grouped
    """  # noqa: S608 — the metric is one of ours and the query Django's own
    with connection.cursor() as cursor:
        cursor.execute(insert, params)
        return max(cursor.rowcount, 0)


class YearMonth(Func):
    """The ``YYYY-MM`` text of a month truncated by ``TruncMonth`` (the vintage key)."""

    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="substr(%(expressions)s, 1, 7)", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="to_char(%(expressions)s, 'YYYY-MM')", **extra)


def _write_refusals(since: date, until: date) -> int:
    """Count refusals per reason code: each decision counts once for every code it carries."""
    rows = list(
        refusals(since, until)
        .annotate(day=TruncDate("created_at"))
        .values_list("day", "debtor__portfolio_id", "reasons")
        .order_by()
    )
    if not rows:
        return 0
    frame = pl.DataFrame(
        {
            "day": [r[0] for r in rows],
            "portfolio": [r[1] for r in rows],
            "key": [list(r[2] or []) for r in rows],
        },
        schema={"day": pl.Date, "portfolio": pl.Int64, "key": pl.List(pl.String)},
    )
    counted = (
        frame.explode("key", empty_as_null=False).drop_nulls("key").group_by("day", "portfolio", "key").len()
    )
    facts = [
        Fact(
            day=day,
            portfolio_id=portfolio,
            metric=Metric.REFUSAL,
            key=key,
            count=count,
            amount=Decimal("0.00"),
        )
        for day, portfolio, key, count in counted.iter_rows()
    ]
    Fact.objects.bulk_create(facts, batch_size=BATCH)
    return len(facts)
