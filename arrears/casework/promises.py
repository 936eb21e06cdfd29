"""Promises to pay (承诺还款): taking one, and recording whether it was kept or broken.

Whether a promise is kept is decided by the daily cycle from the payments (`engine.promises`);
this module reads the open promises for it and writes the outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils.translation import gettext as _

from arrears.casework.models import Case, Promise, PromiseStatus
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.core.money import has_valid_scale
from arrears.portfolio.models import Payment

MAX_DAYS_AHEAD = 30
CHUNK = 20_000


class InvalidPromise(DomainError):
    """A promise in the past, too far ahead, of no amount, or while another is open."""


@transaction.atomic
def make_promise(
    *, case: Case, amount: Decimal, due_date: date, today: date, actor: Any, now: datetime,
    grace_days: int = 0, tolerance: Decimal = Decimal("0"), source: str = "desk",
) -> Promise:  # fmt: skip
    """Record a promise to pay ``amount`` by ``due_date`` on the case.

    :raises InvalidPromise: for a date in the past or more than MAX_DAYS_AHEAD days ahead, an amount
        that is not positive or has too many decimals, or while another promise is open.
    """
    currency = case.debt.currency
    if amount <= 0 or not has_valid_scale(amount, currency):
        raise InvalidPromise(
            _("The promised amount must be a positive amount in %(currency)s.") % {"currency": currency}
        )
    if due_date < today:
        raise InvalidPromise(_("The promised date %(date)s is in the past.") % {"date": due_date.isoformat()})
    if (due_date - today).days > MAX_DAYS_AHEAD:
        raise InvalidPromise(
            _("A promise may be at most %(days)d days ahead; %(date)s is further.")
            % {"days": MAX_DAYS_AHEAD, "date": due_date.isoformat()}
        )
    Case.objects.select_for_update().filter(pk=case.pk).exists()
    if Promise.objects.filter(case=case, status=PromiseStatus.OPEN).exists():
        raise InvalidPromise(_("This case already has an open promise; settle or cancel it first."))
    promise = Promise.objects.create(
        case=case, amount=amount, currency=currency, made_on=today, due_date=due_date, grace_days=grace_days,
        tolerance=tolerance, source=source, made_by=actor if getattr(actor, "pk", None) else None, created_at=now,
    )  # fmt: skip
    record_event(
        actor=actor, action="casework.make_promise", target=promise, now=now, portfolio_id=case.portfolio_id,
        after={"debt": case.debt_id, "amount": str(amount), "currency": currency, "due_date": due_date.isoformat()},
    )  # fmt: skip
    return promise


@dataclass(frozen=True)
class OpenPromises:
    """The open promises of some cases and the payments on their debts, as `engine.promises` reads them."""

    frame: pl.DataFrame
    payments: pl.DataFrame
    case_of: dict[int, int]


PROMISE_SCHEMA = pl.Schema({
    "promise_id": pl.Int64(), "debt_id": pl.Int64(), "amount": pl.Decimal(18, 2), "made_on": pl.Date(),
    "due_date": pl.Date(), "grace_days": pl.Int32(), "tolerance": pl.Decimal(18, 2),
})  # fmt: skip
PAYMENT_SCHEMA = pl.Schema({"debt_id": pl.Int64(), "received_date": pl.Date(), "amount": pl.Decimal(18, 2)})


def open_promises(*, case_ids: Sequence[int]) -> OpenPromises:
    """Return the open promises of the cases, and the payments (not reversed) on their debts since each was made."""
    rows: list[tuple[Any, ...]] = []
    case_of: dict[int, int] = {}
    for start in range(0, len(case_ids), CHUNK):
        chunk = case_ids[start : start + CHUNK]
        found = Promise.objects.filter(case_id__in=chunk, status=PromiseStatus.OPEN).values_list(
            "pk", "case_id", "case__debt_id", "amount", "made_on", "due_date", "grace_days", "tolerance"
        )
        for pk, case_id, *rest in found:
            case_of[pk] = case_id
            rows.append((pk, *rest))
    frame = pl.DataFrame(rows, schema=PROMISE_SCHEMA, orient="row")
    payments: list[tuple[Any, ...]] = []
    if rows:
        debt_ids = sorted({row[1] for row in rows})
        earliest = min(row[3] for row in rows)
        for start in range(0, len(debt_ids), CHUNK):
            payments += Payment.objects.filter(
                debt_id__in=debt_ids[start : start + CHUNK],
                received_date__gte=earliest,
                reversed_at__isnull=True,
            ).values_list("debt_id", "received_date", "amount")
    return OpenPromises(frame, pl.DataFrame(payments, schema=PAYMENT_SCHEMA, orient="row"), case_of)


def record_outcomes(settled: pl.DataFrame, *, now: datetime) -> None:
    """Write each settled promise's status and date; one audit event for all (inside the caller's transaction)."""
    table = connection.ops.quote_name(Promise._meta.db_table)
    rows = [
        (status, connection.ops.adapt_datefield_value(resolved_on), promise_id, PromiseStatus.OPEN.value)
        for promise_id, status, resolved_on in settled.select(
            "promise_id", "status", "resolved_on"
        ).iter_rows()
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET status = %s, resolved_on = %s WHERE id = %s AND status = %s",  # noqa: S608 - fixed names
            rows,
        )
    counts = settled.get_column("status").value_counts()
    record_event(
        actor=None,
        action="casework.settle_promises",
        target=("promises", len(rows)),
        now=now,
        after=dict(counts.iter_rows()),
    )
