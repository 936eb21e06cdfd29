"""Promises to pay (承诺还款): taking or cancelling one, and recording whether it was kept or broken.

A promise is due today or later, at most the policy's days ahead (``ARREARS_PROMISE_MAX_DAYS``,
default 30), for at least the policy's share of the balance (``ARREARS_PROMISE_MIN_PERCENT``,
default 10 %, or the whole balance when smaller) and at most the balance; one open promise per case.
Whether a promise is kept is decided by the daily cycle from the payments (`engine.promises`);
this module reads the open promises for it and writes the outcomes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from arrears.casework import guards
from arrears.casework.models import Case, Promise, PromiseStatus
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound
from arrears.core.money import has_valid_scale
from arrears.people.scoping import scope_to_user
from arrears.portfolio import ledger
from arrears.portfolio.models import Payment, Portfolio

PROMISES_SHOWN = 20

CHUNK = 20_000
DEFAULT_MAX_DAYS = 30
DEFAULT_MIN_PERCENT = Decimal("10")


class InvalidPromise(DomainError):
    """A promise in the past, beyond the policy, below the minimum, or while another is open."""


class PromiseNotOpen(DomainError):
    """Only an open promise can be cancelled."""


@dataclass(frozen=True)
class PromisePolicy:
    """How far ahead a promise may be, and the least it may promise.

    The minimum is ``min_percent`` % of the balance, rounded up to the cent, or the whole balance
    when that is smaller (a debtor may always promise to pay everything they owe).
    """

    max_days: int
    min_percent: Decimal

    def minimum(self, balance: Decimal) -> Decimal:
        """Return the least amount a promise on ``balance`` may be."""
        share = (balance * self.min_percent / 100).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
        return min(share, balance)


def get_policy(portfolio: Portfolio) -> PromisePolicy:
    """Return the promise policy of the portfolio.

    Settings: ``ARREARS_PROMISE_MAX_DAYS`` (default 30) and ``ARREARS_PROMISE_MIN_PERCENT`` (default
    10) for every portfolio; ``ARREARS_PROMISE_POLICIES = {"<portfolio code>": {"max_days": 14,
    "min_percent": 20}}`` overrides either for one portfolio.
    """
    own = getattr(settings, "ARREARS_PROMISE_POLICIES", {}).get(portfolio.code, {})
    max_days = own.get("max_days", getattr(settings, "ARREARS_PROMISE_MAX_DAYS", DEFAULT_MAX_DAYS))
    percent = own.get("min_percent", getattr(settings, "ARREARS_PROMISE_MIN_PERCENT", DEFAULT_MIN_PERCENT))
    return PromisePolicy(max_days=int(max_days), min_percent=Decimal(str(percent)))


def local_today(case: Case, now: datetime) -> date:
    """Return the date at ``now`` where the case's portfolio works."""
    return now.astimezone(ZoneInfo(case.portfolio.time_zone)).date()


def get_promise(*, user: Any, promise_id: int) -> Promise:
    """Return one promise on a case in a portfolio granted to ``user``.

    :raises NotFound: when there is no such promise or its case is not in a granted portfolio.
    """
    try:
        return scope_to_user(
            Promise.objects.select_related("case__debt", "case__debtor", "case__portfolio"), user,
            portfolio_field="case__portfolio",
        ).get(pk=promise_id)  # fmt: skip
    except Promise.DoesNotExist:
        raise NotFound(_("No such promise.")) from None


def list_promises(*, case: Case) -> list[Promise]:
    """Return the case's promises, the open one first, then the latest."""
    return list(
        Promise.objects.filter(case=case)
        .select_related("made_by")
        .order_by("-due_date", "-pk")[:PROMISES_SHOWN]
    )


def _check_terms(case: Case, amount: Decimal, due_date: date, today: date) -> None:
    currency = case.debt.currency
    if amount <= 0 or not has_valid_scale(amount, currency):
        raise InvalidPromise(
            _("Amount: the promised amount must be a positive amount in %(currency)s.")
            % {"currency": currency}
        )
    if due_date < today:
        raise InvalidPromise(
            _("Date: %(date)s is in the past; a promise is due today (%(today)s) or later.")
            % {"date": due_date.isoformat(), "today": today.isoformat()}
        )
    policy = get_policy(case.portfolio)
    latest = today + timedelta(days=policy.max_days)
    if due_date > latest:
        raise InvalidPromise(
            _("Date: a promise may be at most %(days)d days ahead (by %(latest)s); %(date)s is further.")
            % {"days": policy.max_days, "latest": latest.isoformat(), "date": due_date.isoformat()}
        )
    balance = ledger.get_balances(debt_id=case.debt_id, as_of=today).total
    if balance <= 0:
        raise InvalidPromise(_("Amount: nothing is owed on this debt."))
    if amount > balance:
        raise InvalidPromise(
            _("Amount: %(amount)s is more than the balance of %(balance)s %(currency)s.")
            % {"amount": amount, "balance": balance, "currency": currency}
        )
    minimum = policy.minimum(balance)
    if amount < minimum:
        raise InvalidPromise(
            _("Amount: a promise must be at least %(minimum)s %(currency)s (%(percent)s%% of the balance).")
            % {
                "minimum": minimum,
                "currency": currency,
                "percent": format(policy.min_percent.normalize(), "f"),
            }
        )


@transaction.atomic
def make_promise(
    *, case_id: int, amount: Decimal, due_date: date, actor: Any, now: datetime,
    expected_revision: int | None, request_key: str | None,
    grace_days: int = 0, tolerance: Decimal = Decimal("0"), source: str = "desk",
) -> Promise:  # fmt: skip
    """Record a promise to pay ``amount`` by ``due_date`` on the case; a repeated request key returns the first.

    The portfolio's local date at ``now`` is "today"; the policy is ``get_policy``'s.

    :raises StaleCase: when the case changed since ``expected_revision``.
    :raises InvalidPromise: for an amount that is not positive, has too many decimals, is more than the
        balance or below the policy's minimum; a date in the past or beyond the policy's days; or
        while another promise is open.
    """
    case = guards.lock_case(case_id=case_id, expected_revision=None)
    earlier = guards.already_done(Promise, request_key, case=case)
    if earlier is not None:
        return earlier
    guards.lock_case(case_id=case_id, expected_revision=expected_revision)
    today = local_today(case, now)
    _check_terms(case, amount, due_date, today)
    if Promise.objects.filter(case=case, status=PromiseStatus.OPEN).exists():
        raise InvalidPromise(_("This case already has an open promise; wait for it or cancel it first."))
    currency = case.debt.currency
    promise = Promise.objects.create(
        case=case, amount=amount, currency=currency, made_on=today, due_date=due_date, grace_days=grace_days,
        tolerance=tolerance, source=source, made_by=actor if getattr(actor, "pk", None) else None, created_at=now,
        request_key=request_key or None,
    )  # fmt: skip
    guards.bump(case)
    record_event(
        actor=actor, action="casework.make_promise", target=promise, now=now, portfolio_id=case.portfolio_id,
        after={"case": case.pk, "debt": case.debt_id, "amount": str(amount), "currency": currency,
               "due_date": due_date.isoformat()},
    )  # fmt: skip
    return promise


@transaction.atomic
def cancel_promise(
    *, promise_id: int, actor: Any, now: datetime, expected_revision: int | None, request_key: str | None,
    reason: str = "",
) -> Promise:  # fmt: skip
    """Cancel an open promise (the debtor withdrew it, or it was taken by mistake).

    Cancelling a promise that a repeated request already cancelled returns it unchanged.

    :raises StaleCase: when the case changed since ``expected_revision``.
    :raises PromiseNotOpen: when the promise was kept, broken or cancelled before.
    """
    case_id = Promise.objects.values_list("case_id", flat=True).get(pk=promise_id)
    case = guards.lock_case(case_id=case_id, expected_revision=None)
    promise = Promise.objects.get(pk=promise_id)
    if request_key and promise.status == PromiseStatus.CANCELLED:
        return promise
    guards.lock_case(case_id=case_id, expected_revision=expected_revision)
    if promise.status != PromiseStatus.OPEN:
        raise PromiseNotOpen(
            _("This promise is already %(status)s; only an open promise can be cancelled.")
            % {"status": promise.get_status_display().lower()}
        )
    promise.status, promise.resolved_on = PromiseStatus.CANCELLED, local_today(case, now)
    promise.save(update_fields=["status", "resolved_on"])
    guards.bump(case)
    record_event(
        actor=actor, action="casework.cancel_promise", target=promise, now=now, portfolio_id=case.portfolio_id,
        reason=reason, before={"status": PromiseStatus.OPEN.value}, after={"status": promise.status},
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


def open_promises(*, portfolio_id: int, case_ids: Collection[int]) -> OpenPromises:
    """Return the open promises of the portfolio's cases among ``case_ids``, and the payments (not reversed) on their debts since each was made.

    One query for the portfolio's open promises (few, whatever the portfolio's size), not one per chunk of cases.
    """
    wanted = case_ids if isinstance(case_ids, set | frozenset) else set(case_ids)
    rows: list[tuple[Any, ...]] = []
    case_of: dict[int, int] = {}
    found = Promise.objects.filter(case__portfolio_id=portfolio_id, status=PromiseStatus.OPEN).values_list(
        "pk", "case_id", "case__debt_id", "amount", "made_on", "due_date", "grace_days", "tolerance"
    )
    for pk, case_id, *rest in found:
        if case_id in wanted:
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
