"""Ledger adjustments: correct what a debt owes on one component, with the reason (an upheld dispute …).

The ledger is append-only, so a correction is a new ``adjustment`` entry: negative to owe less,
positive to owe more. Each carries an idempotency key, so posting it twice books it once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _

from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.core.money import has_valid_scale
from arrears.portfolio import ledger
from arrears.portfolio.choices import EntryKind, EntrySource
from arrears.portfolio.models import Debt, LedgerEntry
from arrears.portfolio.payments import lock_debt


class InvalidAdjustment(DomainError):
    """An adjustment of no amount, on an unknown component, without a reason, or owing less than nothing."""


def _check(debt: Debt, component: str, amount: Decimal, reason: str) -> None:
    if component not in ledger.OWED_COMPONENTS:
        raise InvalidAdjustment(
            _("“%(component)s” is not a component a debt owes (principal, interest, penalty, fee).")
            % {"component": component}
        )
    if amount == 0 or not has_valid_scale(amount, debt.currency):
        raise InvalidAdjustment(
            _("The adjustment of %(component)s must be a non-zero amount in %(currency)s, not %(amount)s.")
            % {"component": component, "currency": debt.currency, "amount": amount}
        )
    if not reason.strip():
        raise InvalidAdjustment(_("Say why the ledger is adjusted."))
    owed = ledger.get_balances(debt_id=debt.pk).components.get(component, Decimal("0"))
    if owed + amount < 0:
        raise InvalidAdjustment(
            _("The %(component)s owed is %(owed)s %(currency)s; it cannot be reduced by %(amount)s.")
            % {"component": component, "owed": owed, "currency": debt.currency, "amount": -amount}
        )


@transaction.atomic
def post_adjustment(
    *, debt: Debt, component: str, amount: Decimal, reason: str, actor: Any, now: datetime, idempotency_key: str,
) -> LedgerEntry:  # fmt: skip
    """Book ``amount`` (signed) on one component of ``debt`` from today in the portfolio's zone.

    Posting again with the same ``idempotency_key`` returns the entry booked the first time.

    :raises InvalidAdjustment: for an unknown component, a zero amount or one with too many
        decimals, no reason, or a reduction beyond what the component owes.
    """
    debt = lock_debt(debt.pk)
    earlier = LedgerEntry.objects.filter(debt=debt, idempotency_key=idempotency_key).order_by("pk").first()
    if earlier is not None:
        return earlier
    _check(debt, component, amount, reason)
    before = ledger.get_balances(debt_id=debt.pk)
    entry = LedgerEntry.objects.create(
        debt=debt, kind=EntryKind.ADJUSTMENT, component=component, amount=amount,
        effective_date=now.astimezone(ZoneInfo(debt.portfolio.time_zone)).date(), posted_at=now,
        source=EntrySource.COLLECTOR, idempotency_key=idempotency_key, note=reason.strip()[:200],
    )  # fmt: skip
    record_event(
        actor=actor, action="portfolio.post_adjustment", target=entry, now=now, portfolio_id=debt.portfolio_id,
        reason=reason.strip(), before={"balance": before.total, component: before.components.get(component)},
        after={"debt": debt.external_ref, "component": component, "amount": amount, "currency": debt.currency,
               "balance": before.total + amount},
    )  # fmt: skip
    return entry
