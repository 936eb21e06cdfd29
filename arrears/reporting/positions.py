"""Snapshot positions: each open debt's bucket and balance on a date, and the aging, stage and roll facts.

``record_positions`` takes the frame of open debts on a date (the cycle's account snapshot has
these columns) and replaces that date's positions and their facts. Month ends are kept; a day that
is not a month end replaces the previous such day, so the table holds the month ends and the
latest day. Rolls are counted from the previous month end's positions to a month end's: a debt
in the earlier snapshot that is no longer open has rolled to ``closed``.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.db.models import Count, Sum

from arrears.casework.models import Case
from arrears.core.money import exact_sum
from arrears.portfolio.imports.database import insert_frame, table
from arrears.reporting.models import Fact, Metric, Position

CLOSED = "closed"
POSITION_COLUMNS: dict[str, Any] = {
    "debt_id": pl.Int64, "case_id": pl.Int64, "portfolio_id": pl.Int64, "product": pl.String,
    "stage": pl.String, "days_past_due": pl.Int32, "bucket": pl.String, "balance": pl.Decimal(18, 2),
}  # fmt: skip
SNAPSHOT_METRICS = (Metric.AGING, Metric.STAGE, Metric.ROLL)


def is_month_end(day: date) -> bool:
    """Return whether ``day`` is the last day of its month."""
    return day.day == calendar.monthrange(day.year, day.month)[1]


def previous_month_end(day: date) -> date:
    """Return the last day of the month before ``day``'s."""
    return day.replace(day=1) - timedelta(days=1)


@transaction.atomic
def record_positions(*, as_of: date, frame: pl.DataFrame, portfolio_ids: list[int]) -> int:
    """Replace the positions of ``portfolio_ids`` on ``as_of`` by ``frame``'s open debts; return how many.

    ``frame`` has the columns of ``POSITION_COLUMNS``; team and arm are taken from the cases now.
    """
    positions = Position.objects.filter(portfolio_id__in=portfolio_ids)
    facts = Fact.objects.filter(portfolio_id__in=portfolio_ids, metric__in=SNAPSHOT_METRICS)
    if not is_month_end(as_of):
        stale = [day for day in _dates(portfolio_ids) if not is_month_end(day) and day != as_of]
        positions.filter(as_of__in=stale).delete()
        facts.filter(day__in=stale).delete()
    positions.filter(as_of=as_of).delete()
    facts.filter(day=as_of).delete()
    rows = _with_case_dims(frame.select(list(POSITION_COLUMNS)).cast(POSITION_COLUMNS))  # type: ignore[arg-type]
    insert_frame(Position, rows.with_columns(as_of=pl.lit(as_of)))
    record_position_facts(as_of=as_of, portfolio_ids=portfolio_ids)
    return rows.height


def record_position_facts(*, as_of: date, portfolio_ids: list[int]) -> None:
    """Write the aging and stage facts of the positions on ``as_of``, and the rolls into it when it is a month end."""
    _snapshot_facts(as_of, portfolio_ids)
    if is_month_end(as_of):
        _roll_facts(previous_month_end(as_of), as_of, portfolio_ids)


def _dates(portfolio_ids: list[int]) -> list[date]:
    return list(
        Position.objects.filter(portfolio_id__in=portfolio_ids)
        .values_list("as_of", flat=True)
        .distinct()
        .order_by()
    )


def _with_case_dims(frame: pl.DataFrame) -> pl.DataFrame:
    """Add each case's team (of its collector) and arm, read in one query."""
    cases = list(
        Case.objects.filter(portfolio_id__in=frame["portfolio_id"].unique().to_list())
        .values_list("pk", "assigned_to__team_id", "arm")
        .order_by()
    )
    dims = pl.DataFrame(
        cases, schema={"case_id": pl.Int64, "team_id": pl.Int64, "arm": pl.String}, orient="row"
    )
    joined = frame.join(dims, on="case_id", how="left")
    return joined.with_columns(
        pl.col("team_id").fill_null(0), pl.col("arm").fill_null(""), pl.col("stage").fill_null("")
    )


def _snapshot_facts(as_of: date, portfolio_ids: list[int]) -> None:
    for metric, column in ((Metric.AGING, "bucket"), (Metric.STAGE, "stage")):
        rows = (
            Position.objects.filter(as_of=as_of, portfolio_id__in=portfolio_ids)
            .values_list("portfolio_id", column, "product", "team_id", "arm")
            .annotate(count=Count("pk"), amount=Sum("balance"))
            .order_by()
        )
        facts = [
            Fact(day=as_of, portfolio_id=portfolio, metric=metric, key=key, product=product, team_id=team,
                 arm=arm, count=count, amount=exact_sum(amount))
            for portfolio, key, product, team, arm, count, amount in rows
        ]  # fmt: skip
        Fact.objects.bulk_create(facts, batch_size=2000)


def _roll_facts(earlier: date, later: date, portfolio_ids: list[int]) -> None:
    """Count the debts open at ``earlier`` by their bucket then and at ``later`` (``closed`` when gone)."""
    position = table(Position)
    ids = ", ".join(str(int(pk)) for pk in portfolio_ids) or "0"
    sql = f"""
        SELECT p.portfolio_id, p.product, p.team_id, p.arm, p.bucket, COALESCE(n.bucket, '{CLOSED}'),
               COUNT(*), SUM(p.balance * 100)
        FROM {position} p LEFT JOIN {position} n ON n.debt_id = p.debt_id AND n.as_of = %s
        WHERE p.as_of = %s AND p.portfolio_id IN ({ids})
        GROUP BY p.portfolio_id, p.product, p.team_id, p.arm, p.bucket, COALESCE(n.bucket, '{CLOSED}')
    """  # noqa: S608 — the ids are integers and the table name comes from the model
    with connection.cursor() as cursor:
        cursor.execute(sql, [later, earlier])
        rows = cursor.fetchall()
    facts = [
        Fact(day=later, portfolio_id=portfolio, metric=Metric.ROLL, key=f"{source}>{target}", product=product,
             team_id=team, arm=arm, count=count, amount=(Decimal(round(cents)) / 100).quantize(Decimal("0.01")))
        for portfolio, product, team, arm, source, target, count, cents in rows
    ]  # fmt: skip
    Fact.objects.bulk_create(facts, batch_size=2000)
