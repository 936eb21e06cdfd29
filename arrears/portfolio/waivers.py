"""Post a waiver: forgive part of one component of a debt (penalty, interest …) with a negative ledger entry, once."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from arrears.core import money
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.portfolio import ledger
from arrears.portfolio.choices import Component, EntryKind, EntrySource
from arrears.portfolio.models import Debt, LedgerEntry

WAIVABLE_COMPONENTS: tuple[str, ...] = (
    Component.PENALTY,
    Component.FEE,
    Component.INTEREST,
    Component.PRINCIPAL,
)


class InvalidWaiver(DomainError):
    """A waiver of no amount, of a component that cannot be waived, or beyond what the component owes."""


@transaction.atomic
def post_waiver(
    *,
    debt: Debt,
    component: str,
    amount: Decimal,
    reason: str,
    actor: Any,
    now: datetime,
    effective_date: date,
    idempotency_key: str,
    source: str = EntrySource.COLLECTOR,
) -> LedgerEntry:
    """Waive ``amount`` of ``component`` on ``debt`` and return the ledger entry; the same key again returns the first.

    :raises InvalidWaiver: when the amount is not positive, too precise, or above the component's
        balance, or the component cannot be waived.
    """
    locked = Debt.objects.select_for_update().get(pk=debt.pk)
    earlier = LedgerEntry.objects.filter(debt=locked, idempotency_key=idempotency_key).order_by("pk").first()
    if earlier is not None:
        return earlier
    if component not in WAIVABLE_COMPONENTS:
        raise InvalidWaiver(_("%(component)s cannot be waived.") % {"component": component})
    if amount <= 0 or not money.has_valid_scale(amount, locked.currency):
        raise InvalidWaiver(
            _("%(amount)s is not a valid waiver amount in %(currency)s.")
            % {"amount": amount, "currency": locked.currency}
        )
    owed = ledger.get_balances(debt_id=locked.pk).components.get(component, ledger.ZERO)
    if amount > owed:
        raise InvalidWaiver(
            _("A waiver of %(amount)s is more than the %(component)s owed (%(owed)s %(currency)s).")
            % {
                "amount": amount,
                "component": Component(component).label,
                "owed": owed,
                "currency": locked.currency,
            }
        )
    entry = LedgerEntry.objects.create(
        debt=locked,
        kind=EntryKind.WAIVER,
        component=component,
        amount=-amount,
        effective_date=effective_date,
        posted_at=now,
        source=source,
        idempotency_key=idempotency_key,
        note=reason[:200],
    )
    record_event(
        actor=actor,
        action="portfolio.post_waiver",
        target=entry,
        now=now,
        portfolio_id=locked.portfolio_id,
        reason=reason,
        before={component: owed},
        after={"debt": locked.external_ref, "component": component, "amount": -amount},
    )
    return entry
