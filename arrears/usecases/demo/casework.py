"""The demo's casework: two days of the daily cycle, case facts that steer the strategy, and promises to pay.

Yesterday's cycle opens a case for every debt and puts it in its stage; the demo then gives cases
what collectors would have recorded (a delinquency reason — cash-flow trouble where a hardship was
recorded, dispute on disputed debts, forgot or wilful for some others —, a score, key customers)
and promises to pay, some already kept by a payment; today's cycle then settles those promises,
moves cases on, and plans today's messages and work items. Each portfolio's daily run is switched
on at 06:00 for the worker.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import polars as pl

from arrears.casework.models import Case, DelinquencyReason, Promise, PromiseStatus
from arrears.portfolio.choices import DebtStatus
from arrears.portfolio.models import DebtorChange, Payment, Portfolio
from arrears.strategy.models import CycleRun, CycleSettings
from arrears.usecases.cycle import bulk
from arrears.usecases.cycle.run import run_cycle

RUN_AT = time(6, 0)


def add_casework(portfolios: list[Portfolio], *, seed: int, as_of: date, now: datetime) -> None:
    """Run yesterday's and today's cycle of each portfolio with case facts and promises in between."""
    draw = random.Random(seed)
    yesterday = as_of - timedelta(days=1)
    for portfolio in sorted(portfolios, key=lambda item: item.code):
        CycleSettings.objects.get_or_create(portfolio=portfolio, defaults={"run_at": RUN_AT, "enabled": True})
        if CycleRun.objects.filter(portfolio=portfolio, business_date__gte=yesterday).exists():
            continue  # loaded before: the cycle already ran for these days
        run_cycle(portfolio=portfolio, business_date=yesterday, now=now)
        _add_case_facts(portfolio, draw)
        _add_promises(portfolio, draw, as_of=as_of, now=now)
        run_cycle(portfolio=portfolio, business_date=as_of, now=now)


def _add_case_facts(portfolio: Portfolio, draw: random.Random) -> None:
    hardship = set(
        DebtorChange.objects.filter(debtor__portfolio=portfolio).values_list("debtor_id", flat=True)
    )
    facts = []
    for pk, debtor_id, debt_status in (
        Case.objects.filter(portfolio=portfolio).order_by("pk").values_list("pk", "debtor_id", "debt__status")
    ):
        if debt_status == DebtStatus.DISPUTED:
            reason = DelinquencyReason.DISPUTE
        elif debtor_id in hardship:
            reason = DelinquencyReason.CASH_FLOW
        else:
            reason = draw.choices(
                [DelinquencyReason.UNKNOWN, DelinquencyReason.FORGOT, DelinquencyReason.WILFUL],
                weights=[6, 3, 1],
            )[0]
        score = draw.randint(150, 950) if draw.random() < 0.8 else None
        facts.append((pk, str(reason), score, draw.random() < 0.05))
    # One set-based update (bulk_update's CASE … WHEN per row cost ≈ 1 ms a case).
    bulk.update(
        Case,
        pl.DataFrame(
            facts,
            schema={
                "id": pl.Int64,
                "delinquency_reason": pl.String,
                "score": pl.Int64,
                "is_key_customer": pl.Boolean,
            },
            orient="row",
        ),
    )


def _add_promises(portfolio: Portfolio, draw: random.Random, *, as_of: date, now: datetime) -> None:
    """Promises made a week ago on one case in eight: kept where a payment came, else broken or still open."""
    paid = dict(
        Payment.objects.filter(debt__portfolio=portfolio, received_date__gte=as_of - timedelta(days=7))
        .order_by("debt_id", "received_date")
        .values_list("debt_id", "amount")
    )
    promises = []
    for case_id, debt_id, currency in (
        Case.objects.filter(portfolio=portfolio)
        .exclude(stage="")
        .order_by("pk")
        .values_list("pk", "debt_id", "debt__currency")
    ):
        if draw.random() >= 0.125 and debt_id not in paid:
            continue
        amount = paid.get(debt_id) or Decimal(draw.choice([200, 500, 800, 1000, 1500]))
        due = (
            as_of - timedelta(days=draw.choice([1, 2, 3]))
            if draw.random() < 0.7
            else as_of + timedelta(days=5)
        )
        promises.append(
            Promise(
                case_id=case_id, amount=amount, currency=currency, made_on=as_of - timedelta(days=7),
                due_date=due, grace_days=1, status=PromiseStatus.OPEN, source="demo", created_at=now,
            )
        )  # fmt: skip
    Promise.objects.bulk_create(promises, batch_size=1_000)
