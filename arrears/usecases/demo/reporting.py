"""The demo's history for reporting: months of placements, calls, promises and month-end positions.

The demo loads every debt today and runs two days of cycle, so on its own the dashboards would
show one vintage and one snapshot. This hook gives them six months to draw:

- each debt is placed a month after it fell due (at most today), which spreads the vintages;
- a sample of cases gets calls over the last 90 days by the demo's collectors (who are given the
  cases nobody had), some of them promises, kept or broken by their due dates;
- the positions of today come from the cycle's snapshot; those of the last six month ends are
  derived from them (a debt past due today by N days was past due by N − d days d days earlier, or
  current), so roll rates and the cure rate have months to compare;
- the facts are refreshed from the first placement on.

Repeated loads change nothing: the history is added only when the portfolio has no positions yet.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import polars as pl
from django.db.models import Max, Min

from arrears.casework.models import Activity, Case, ContactResult, Promise, PromiseStatus
from arrears.people.models import User
from arrears.people.roles import Role
from arrears.portfolio import aging
from arrears.portfolio.choices import DebtStatus
from arrears.portfolio.models import Debt, Portfolio
from arrears.reporting import facts, positions
from arrears.reporting.models import Position
from arrears.usecases.cycle import bulk
from arrears.usecases.cycle.snapshot import read_snapshot

MONTHS = 6
CLOSED_STATUSES = (DebtStatus.SETTLED, DebtStatus.CLOSED)
CALL_DAYS = 90
CALLED_SHARE = 0.35
RESULTS = (
    (ContactResult.NO_ANSWER, 30), (ContactResult.RIGHT_PARTY, 18), (ContactResult.PROMISE, 12),
    (ContactResult.BUSY, 8), (ContactResult.VOICEMAIL, 8), (ContactResult.THIRD_PARTY, 6),
    (ContactResult.WRONG_NUMBER, 4), (ContactResult.CALLBACK, 6), (ContactResult.REFUSED, 4),
    (ContactResult.HARDSHIP, 3), (ContactResult.PAID, 1),
)  # fmt: skip


def add_reporting_history(portfolios: list[Portfolio], *, seed: int, as_of: date, now: datetime) -> None:
    """Add the demo's reporting history to ``portfolios``."""
    draw = random.Random(seed + 8)
    collectors = list(User.objects.filter(role__in=[Role.COLLECTOR, Role.SUPERVISOR]).order_by("pk"))
    fresh = [item for item in sorted(portfolios, key=lambda p: p.code) if not _has_positions(item)]
    for portfolio in fresh:
        _place_a_month_after_due(portfolio, now)
        if collectors:
            _add_calls_and_promises(portfolio, draw, collectors, as_of=as_of)
    if not fresh:
        return
    first = Debt.objects.filter(portfolio__in=fresh).aggregate(first=Min("created_at"))["first"]
    facts.refresh_facts(since=first.date() if first else as_of, until=as_of)
    for portfolio in fresh:
        _add_positions(portfolio, as_of, draw)


def _has_positions(portfolio: Portfolio) -> bool:
    return Position.objects.filter(portfolio_id=portfolio.pk).exists()


def _place_a_month_after_due(portfolio: Portfolio, now: datetime) -> None:
    """Back-date each debt's placement to a month after its due date (never after ``now``)."""
    debts = pl.DataFrame(
        list(Debt.objects.filter(portfolio=portfolio).values_list("pk", "due_date")),
        schema={"id": pl.Int64, "due_date": pl.Date},
        orient="row",
    )
    placed = pl.col("due_date").cast(pl.Datetime("us", "UTC")) + pl.duration(days=30, hours=9)
    bulk.update(
        Debt,
        debts.select(
            "id", placed_at=pl.min_horizontal(placed, pl.lit(now).dt.convert_time_zone("UTC"))
        ).select("id", created_at=bulk.moments("placed_at")),
    )


def _add_calls_and_promises(
    portfolio: Portfolio, draw: random.Random, collectors: list[User], *, as_of: date
) -> None:  # fmt: skip
    cases = list(
        Case.objects.filter(portfolio=portfolio)
        .exclude(stage="")
        .values_list("pk", "debt__currency")
        .order_by("pk")
    )
    results, weights = zip(*RESULTS, strict=True)
    activities: list[tuple[int, str, int, datetime]] = []
    promises = []
    called: dict[int, list[int]] = {}
    for case_id, currency in cases:
        if draw.random() > CALLED_SHARE:
            continue
        collector = draw.choice(collectors)
        called.setdefault(collector.pk, []).append(case_id)
        for _call in range(draw.randint(1, 4)):
            day = as_of - timedelta(days=draw.randint(1, CALL_DAYS))
            at = datetime.combine(day, time(draw.randint(9, 19), draw.randint(0, 59)), UTC)
            result = draw.choices(results, weights=weights)[0]
            activities.append((case_id, str(result), collector.pk, at))
            if result == ContactResult.PROMISE:
                promises.append(_promise(draw, case_id, currency, collector, day, as_of))
    # Written as one frame: a model object per activity cost more than the rest of the demo's history.
    calls = pl.DataFrame(
        activities,
        schema={
            "case_id": pl.Int64,
            "result": pl.String,
            "created_by_id": pl.Int64,
            "at": pl.Datetime("us", "UTC"),
        },
        orient="row",
    )
    bulk.insert(
        Activity,
        calls.select("case_id", "result", "created_by_id", note=pl.lit(""), created_at=bulk.moments("at")),
    )
    Promise.objects.bulk_create(promises, batch_size=1000)
    for collector_id, case_ids in called.items():
        Case.objects.filter(pk__in=case_ids, assigned_to=None).update(assigned_to_id=collector_id)


def _promise(draw: random.Random, case_id: int, currency: str, by: User, day: date, as_of: date) -> Promise:
    due = day + timedelta(days=draw.randint(3, 14))
    status, resolved = PromiseStatus.OPEN, None
    if due < as_of:
        status = PromiseStatus.KEPT if draw.random() < 0.6 else PromiseStatus.BROKEN
        resolved = due if status == PromiseStatus.KEPT else due + timedelta(days=1)
    return Promise(
        case_id=case_id, amount=Decimal(draw.randrange(200, 5000, 50)), currency=currency, made_on=day, due_date=due,
        status=status, resolved_on=resolved, source="demo", made_by=by,
        created_at=datetime.combine(day, time(12), UTC),
    )  # fmt: skip


def _add_positions(portfolio: Portfolio, as_of: date, draw: random.Random) -> None:
    """Record today's positions from the cycle's snapshot and the six month ends before, derived from them.

    A debt closed since was past due (1–90 days, at its principal) at the month ends before its last payment.
    """
    today = read_snapshot(portfolio=portfolio, as_of=as_of).filter(~pl.col("is_closed"))
    today = today.with_columns(portfolio_id=pl.lit(portfolio.pk)).select(list(positions.POSITION_COLUMNS))
    today = today.cast(positions.POSITION_COLUMNS)  # type: ignore[arg-type]
    placed = dict(Debt.objects.filter(portfolio=portfolio).values_list("pk", "created_at"))
    closed = _closed_debts(portfolio, draw)
    month_end = positions.previous_month_end(as_of)
    month_ends = []
    for _month in range(MONTHS):
        month_ends.append(month_end)
        month_end = positions.previous_month_end(month_end)
    for day in reversed(month_ends):
        existed = [pk for pk, at in placed.items() if at.date() <= day]
        earlier = today.filter(pl.col("debt_id").is_in(existed)).with_columns(
            days_past_due=(pl.col("days_past_due") - (as_of - day).days).clip(lower_bound=0).cast(pl.Int32)
        )
        still_open = closed.filter(pl.col("debt_id").is_in(existed) & (pl.col("last_paid") > day)).drop(
            "last_paid"
        )
        frame = pl.concat([earlier.drop("bucket"), still_open.select(earlier.drop("bucket").columns)])
        positions.record_positions(
            as_of=day,
            frame=frame.with_columns(bucket=_bucket(pl.col("days_past_due"))),
            portfolio_ids=[portfolio.pk],
        )
    positions.record_positions(as_of=as_of, frame=today, portfolio_ids=[portfolio.pk])


def _closed_debts(portfolio: Portfolio, draw: random.Random) -> pl.DataFrame:
    rows = (
        Debt.objects.filter(portfolio=portfolio, status__in=CLOSED_STATUSES)
        .annotate(last_paid=Max("payments__received_date"))
        .exclude(last_paid=None)
        .values_list("pk", "case__id", "product", "case__stage", "principal", "last_paid")
        .order_by("pk")
    )
    return pl.DataFrame(
        [
            {"debt_id": pk, "case_id": case_id, "portfolio_id": portfolio.pk, "product": product,
             "stage": stage or "", "days_past_due": draw.randint(1, 90), "balance": principal, "last_paid": last_paid}
            for pk, case_id, product, stage, principal, last_paid in rows
        ],
        schema={**positions.POSITION_COLUMNS, "last_paid": pl.Date},
    ).drop("bucket")  # fmt: skip


def _bucket(days_past_due: pl.Expr) -> pl.Expr:
    """Return the aging bucket of ``days_past_due``, like ``aging.bucket_for``."""
    label = pl.lit(aging.BUCKETS[-1][0])
    for name, _first, last in reversed(aging.BUCKETS[:-1]):
        label = pl.when(days_past_due <= last).then(pl.lit(name)).otherwise(label)
    return label
