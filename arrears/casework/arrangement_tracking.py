"""The daily cycle's view of active arrangements: read them with their payments, record broken and completed ones."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from django.db import connection

from arrears.casework.models import Arrangement, ArrangementInstalment, ArrangementStatus
from arrears.core.audit.actions import record_event
from arrears.engine.arrangements import INSTALMENT_SCHEMA, PAYMENT_SCHEMA
from arrears.portfolio.models import Payment

CHUNK = 20_000
# Days after an instalment's due date before it counts as missed.
GRACE_DAYS = 3


@dataclass(frozen=True)
class ActiveArrangements:
    instalments: pl.DataFrame
    payments: pl.DataFrame
    case_of: dict[int, int]


def active_arrangements(*, portfolio_id: int, case_ids: Collection[int]) -> ActiveArrangements:
    """Return the instalments of the active arrangements of the portfolio's cases among ``case_ids``, and the payments on their debts since each took effect."""
    wanted = case_ids if isinstance(case_ids, set | frozenset) else set(case_ids)
    rows: list[tuple[Any, ...]] = []
    case_of: dict[int, int] = {}
    found = ArrangementInstalment.objects.filter(
        arrangement__case__portfolio_id=portfolio_id, arrangement__status=ArrangementStatus.ACTIVE
    ).values_list(
        "arrangement_id", "arrangement__case_id", "arrangement__case__debt_id", "arrangement__decided_at",
        "arrangement__proposed_at", "number", "due_date", "payment",
    )  # fmt: skip
    for arrangement_id, case_id, debt_id, decided_at, proposed_at, number, due_date, payment in found:
        if case_id in wanted:
            case_of[arrangement_id] = case_id
            rows.append(
                (arrangement_id, debt_id, (decided_at or proposed_at).date(), number, due_date, payment)
            )
    instalments = pl.DataFrame(rows, schema=INSTALMENT_SCHEMA, orient="row")
    payments: list[tuple[Any, ...]] = []
    if rows:
        debt_ids = sorted({row[1] for row in rows})
        earliest = min(row[2] for row in rows)
        for start in range(0, len(debt_ids), CHUNK):
            payments += Payment.objects.filter(
                debt_id__in=debt_ids[start : start + CHUNK],
                received_date__gte=earliest,
                reversed_at__isnull=True,
            ).values_list("debt_id", "received_date", "amount")
    return ActiveArrangements(
        instalments, pl.DataFrame(payments, schema=PAYMENT_SCHEMA, orient="row"), case_of
    )


def record_tracking(tracked: pl.DataFrame, *, business_date: date, now: datetime) -> None:
    """Mark broken arrangements (and their missed instalment) and completed ones; one audit event for all."""
    ops = connection.ops
    arrangements = connection.ops.quote_name(Arrangement._meta.db_table)
    instalments = connection.ops.quote_name(ArrangementInstalment._meta.db_table)
    rows = list(tracked.select("arrangement_id", "status", "missed_number").iter_rows())
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {arrangements} SET status = %s WHERE id = %s AND status = %s",  # noqa: S608 - fixed names
            [(status, pk, ArrangementStatus.ACTIVE.value) for pk, status, _number in rows],
        )
        cursor.executemany(
            f"UPDATE {instalments} SET missed_on = %s WHERE arrangement_id = %s AND number = %s",  # noqa: S608
            [
                (ops.adapt_datefield_value(business_date), pk, number)
                for pk, _status, number in rows
                if number
            ],
        )
    record_event(
        actor=None, action="casework.track_arrangements", target=("arrangements", len(rows)), now=now,
        after=dict(tracked.get_column("status").value_counts().iter_rows()),
    )  # fmt: skip
