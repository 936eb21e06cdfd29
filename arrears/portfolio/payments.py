"""Post a payment: allocate it across the debt's components and write the ledger, once."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from arrears.core import money
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.portfolio import allocation, ledger
from arrears.portfolio.choices import DebtStatus, EntryKind, EntrySource, PaymentChannel
from arrears.portfolio.models import Debt, LedgerEntry, Payment

CLOSED_STATUSES = frozenset({DebtStatus.CLOSED})


class CurrencyMismatch(DomainError):
    """The payment's currency differs from the debt's."""


class InvalidPaymentAmount(DomainError):
    """The amount is not positive or has more decimals than the currency allows."""


class DuplicatePaymentReference(DomainError):
    """The reference was already used for a different payment."""


class DebtClosed(DomainError):
    """The debt is closed and takes no more payments."""


def lock_debt(debt_id: int) -> Debt:
    """Return the debt with its row locked for the rest of the transaction."""
    return Debt.objects.select_for_update().select_related("portfolio").get(pk=debt_id)


def check_payment(*, debt: Debt, amount: Decimal, currency: str) -> None:
    """Refuse a payment that cannot be posted to ``debt``.

    :raises CurrencyMismatch: when ``currency`` is not the debt's.
    :raises InvalidPaymentAmount: when ``amount`` is not positive or too precise.
    :raises DebtClosed: when the debt is closed.
    """
    if currency != debt.currency:
        raise CurrencyMismatch(
            _("The payment is in %(paid)s but debt %(ref)s is in %(owed)s.")
            % {"paid": currency, "ref": debt.external_ref, "owed": debt.currency}
        )
    if amount <= 0 or not money.has_valid_scale(amount, currency):
        raise InvalidPaymentAmount(
            _("%(amount)s is not a valid payment amount in %(currency)s.")
            % {"amount": amount, "currency": currency}
        )
    if debt.status in CLOSED_STATUSES:
        raise DebtClosed(_("Debt %(ref)s is closed.") % {"ref": debt.external_ref})


@transaction.atomic
def record_payment(
    *,
    debt_id: int,
    external_ref: str,
    amount: Decimal,
    currency: str,
    received_date: date,
    channel: str = PaymentChannel.BANK_TRANSFER,
    source: str,
    actor: Any,
    now: datetime,
) -> Payment:
    """Post a payment to a debt in its portfolio's allocation order and return it.

    Posting the same reference again with the same debt and amount returns the first payment; a
    reversed payment's reference cannot be used again.

    :raises CurrencyMismatch, InvalidPaymentAmount, DebtClosed: see :func:`check_payment`.
    :raises DuplicatePaymentReference: when the reference was used for another payment.
    """
    debt = lock_debt(debt_id)
    existing = next(
        iter(Payment.objects.filter(portfolio_id=debt.portfolio_id, external_ref=external_ref)), None
    )
    if existing is not None:
        if existing.reversed_at is not None:
            raise DuplicatePaymentReference(
                _("Payment %(ref)s was reversed; post the money again under a new reference.")
                % {"ref": external_ref}
            )
        if existing.debt_id == debt.pk and existing.amount == amount and existing.currency == currency:
            return existing
        raise DuplicatePaymentReference(
            _("Payment reference %(ref)s was already used for another payment.") % {"ref": external_ref}
        )
    check_payment(debt=debt, amount=amount, currency=currency)
    before = ledger.get_balances(debt_id=debt.pk)
    allocations = allocation.allocate(amount, before.components, debt.portfolio.allocation_order)
    payment = Payment.objects.create(
        portfolio_id=debt.portfolio_id,
        debt=debt,
        external_ref=external_ref,
        amount=amount,
        currency=currency,
        received_date=received_date,
        channel=channel,
        source=source,
        posted_at=now,
        posted_by=actor if getattr(actor, "pk", None) else None,
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            debt=debt,
            kind=EntryKind.PAYMENT,
            component=part.component,
            amount=-part.amount,
            effective_date=received_date,
            posted_at=now,
            source=source,
            idempotency_key=f"payment:{external_ref}:{part.component}",
            payment=payment,
        )
        for part in allocations
    )
    status_before = debt.status
    if before.total - amount <= 0 and debt.status != DebtStatus.SETTLED:
        debt.status = DebtStatus.SETTLED
        debt.updated_at = now
        debt.save(update_fields=["status", "updated_at"])
    record_event(
        actor=actor,
        action="portfolio.record_payment",
        target=payment,
        now=now,
        portfolio_id=debt.portfolio_id,
        before={"balance": before.total, "status": status_before},
        after={
            "debt": debt.external_ref,
            "amount": amount,
            "currency": currency,
            "allocation": {part.component: part.amount for part in allocations},
            "status": debt.status,
        },
    )
    return payment


class PaymentNotFound(DomainError):
    """There is no such payment."""


@transaction.atomic
def reverse_payment(*, payment_id: int, reason: str, actor: Any, now: datetime) -> Payment:
    """Undo a payment that did not arrive (a returned transfer, a bounced direct debit) and return it.

    Every component the payment settled is owed again from ``now`` through an adjustment linked to
    the payment; a debt the payment had settled is open again. Reversing twice changes nothing.

    :raises PaymentNotFound: when there is no such payment.
    """
    try:
        debt_id = Payment.objects.values_list("debt_id", flat=True).get(pk=payment_id)
    except Payment.DoesNotExist:
        raise PaymentNotFound(_("No such payment.")) from None
    debt = lock_debt(debt_id)
    payment = Payment.objects.get(pk=payment_id)
    if payment.reversed_at is not None:
        return payment
    parts = list(payment.entries.filter(kind=EntryKind.PAYMENT).values_list("component", "amount"))
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            debt=debt,
            kind=EntryKind.ADJUSTMENT,
            component=component,
            amount=-amount,
            effective_date=now.date(),
            posted_at=now,
            source=EntrySource.COLLECTOR,
            idempotency_key=f"reversal:{payment.external_ref}:{component}",
            payment=payment,
            note=reason[:200],
        )
        for component, amount in parts
    )
    payment.reversed_at, payment.reversal_reason = now, reason[:200]
    payment.save(update_fields=["reversed_at", "reversal_reason"])
    status_before = debt.status
    if debt.status == DebtStatus.SETTLED and ledger.get_balances(debt_id=debt.pk).total > 0:
        debt.status, debt.updated_at = DebtStatus.OPEN, now
        debt.save(update_fields=["status", "updated_at"])
    record_event(
        actor=actor,
        action="portfolio.reverse_payment",
        target=payment,
        now=now,
        portfolio_id=debt.portfolio_id,
        reason=reason,
        before={"status": status_before},
        after={"debt": debt.external_ref, "amount": payment.amount, "status": debt.status},
    )
    return payment
