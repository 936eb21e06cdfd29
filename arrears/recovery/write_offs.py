"""Write-off (核销) with approval, and money recovered after it.

A write-off is requested with a closure reason and approved by someone else with the
``approve_write_off`` capability. Approval books a ``write_off`` ledger entry for each component's
balance, so the debt owes nothing, and marks it written off.

A recovery after write-off keeps the ledger consistent this way: the part of the written-off amount
the payment covers is owed again first (an ``adjustment`` entry per component, in the portfolio's
allocation order, effective on the day the money arrived), then the payment is posted as usual and
settles exactly those components. The debt stays written off; the balance stays zero; written off
less recovered is what is still lost. Money beyond what was written off is an overpayment.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from arrears.casework import guards
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, PermissionDenied
from arrears.core.money import exact_sum
from arrears.people.roles import Capability
from arrears.portfolio import allocation, ledger, payments
from arrears.portfolio.choices import DebtStatus, EntryKind, EntrySource, PaymentChannel
from arrears.portfolio.models import LedgerEntry
from arrears.recovery.models import ClosureReason, WriteOff, WriteOffRecovery, WriteOffStatus

ZERO = Decimal("0.00")


class InvalidWriteOff(DomainError):
    """A write-off without a reason, of a debt that owes nothing, or one not waiting for a decision."""


class InvalidRecovery(DomainError):
    """A recovery on a debt that was not written off, or dated before the write-off."""


def _owed(debt_id: int) -> dict[str, Decimal]:
    return {key: value for key, value in ledger.get_balances(debt_id=debt_id).components.items() if value > 0}


@transaction.atomic
def request_write_off(
    *,
    case_id: int,
    closure_reason: str,
    note: str,
    actor: Any,
    now: datetime,
    expected_revision: int | None = None,
) -> WriteOff:
    """Ask for the case's balance to be written off; it waits for someone with ``approve_write_off``.

    :raises InvalidWriteOff: for an unknown closure reason, a debt owing nothing, or one already
        written off or waiting.
    """
    case = guards.lock_case(case_id=case_id, expected_revision=expected_revision)
    if closure_reason not in ClosureReason.values:
        raise InvalidWriteOff(_("Choose a closure reason."))
    owed = _owed(case.debt_id)
    if not owed:
        raise InvalidWriteOff(_("Debt %(ref)s owes nothing to write off.") % {"ref": case.debt.external_ref})
    if WriteOff.objects.filter(
        case=case, status__in=[WriteOffStatus.PENDING, WriteOffStatus.APPROVED]
    ).exists():
        raise InvalidWriteOff(_("This case already has a write-off waiting or booked."))
    write_off = WriteOff.objects.create(
        case=case, status=WriteOffStatus.PENDING, closure_reason=closure_reason, note=note.strip(),
        amount=sum(owed.values(), ZERO), currency=case.debt.currency, components={k: str(v) for k, v in owed.items()},
        requested_by=actor, requested_at=now,
    )  # fmt: skip
    guards.bump(case)
    record_event(
        actor=actor, action="recovery.request_write_off", target=write_off, now=now, portfolio_id=case.portfolio_id,
        reason=note.strip(), after={"debt": case.debt.external_ref, "amount": write_off.amount,
                                    "closure_reason": closure_reason},
    )  # fmt: skip
    return write_off


def _lock_pending(write_off_id: int, actor: Any) -> WriteOff:
    write_off = (
        WriteOff.objects.select_for_update()
        .select_related("case__debt", "case__portfolio")
        .get(pk=write_off_id)
    )
    if not actor.can(Capability.APPROVE_WRITE_OFF):
        raise PermissionDenied(_("Only a supervisor may decide a write-off."))
    if write_off.requested_by_id == actor.pk:
        raise PermissionDenied(_("You requested this write-off; someone else must decide it."))
    if write_off.status != WriteOffStatus.PENDING:
        raise InvalidWriteOff(_("This write-off is %(status)s.") % {"status": write_off.get_status_display()})
    return write_off


@transaction.atomic
def approve_write_off(*, write_off_id: int, comment: str = "", actor: Any, now: datetime) -> WriteOff:
    """Approve a pending write-off: book the balance as written off and mark the debt written off.

    :raises PermissionDenied: when the actor lacks ``approve_write_off`` or requested it.
    :raises InvalidWriteOff: when it is no longer pending or the debt now owes nothing.
    """
    write_off = _lock_pending(write_off_id, actor)
    case = guards.lock_case(case_id=write_off.case_id, expected_revision=None)
    debt = payments.lock_debt(case.debt_id)
    owed = _owed(debt.pk)
    if not owed:
        raise InvalidWriteOff(_("Debt %(ref)s owes nothing any more.") % {"ref": debt.external_ref})
    today = now.astimezone(ZoneInfo(debt.portfolio.time_zone)).date()
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            debt=debt,
            kind=EntryKind.WRITE_OFF,
            component=component,
            amount=-amount,
            effective_date=today,
            posted_at=now,
            source=EntrySource.COLLECTOR,
            idempotency_key=f"write-off:{write_off.pk}:{component}",
            note=write_off.get_closure_reason_display()[:200],
        )
        for component, amount in owed.items()
    )
    status_before = debt.status
    debt.status, debt.updated_at = DebtStatus.WRITTEN_OFF, now
    debt.save(update_fields=["status", "updated_at"])
    write_off.status, write_off.decided_by, write_off.decided_at = WriteOffStatus.APPROVED, actor, now
    write_off.amount, write_off.components = sum(owed.values(), ZERO), {k: str(v) for k, v in owed.items()}
    write_off.decision_comment = comment.strip()
    write_off.save()
    guards.bump(case)
    record_event(
        actor=actor, action="recovery.approve_write_off", target=write_off, now=now, portfolio_id=case.portfolio_id,
        reason=comment.strip(), before={"status": status_before},
        after={"debt": debt.external_ref, "amount": write_off.amount, "components": write_off.components},
    )  # fmt: skip
    return write_off


@transaction.atomic
def reject_write_off(*, write_off_id: int, comment: str, actor: Any, now: datetime) -> WriteOff:
    """Reject a pending write-off with a comment.

    :raises InvalidWriteOff: without a comment or when it is no longer pending.
    """
    write_off = _lock_pending(write_off_id, actor)
    if not comment.strip():
        raise InvalidWriteOff(_("Say why the write-off is rejected."))
    write_off.status, write_off.decided_by, write_off.decided_at = WriteOffStatus.REJECTED, actor, now
    write_off.decision_comment = comment.strip()
    write_off.save()
    record_event(
        actor=actor, action="recovery.reject_write_off", target=write_off, now=now,
        portfolio_id=write_off.case.portfolio_id, reason=comment.strip(),
    )  # fmt: skip
    return write_off


def recovered_so_far(write_off: WriteOff) -> Decimal:
    """Return the money recovered after ``write_off``."""
    return exact_sum(write_off.recoveries.aggregate(total=Sum("amount"))["total"])


def _still_written_off(write_off: WriteOff) -> dict[str, Decimal]:
    """Return per component what was written off and is not yet owed again."""
    booked = LedgerEntry.objects.filter(
        debt_id=write_off.case.debt_id, idempotency_key__startswith=f"write-off:{write_off.pk}:"
    )
    reinstated = LedgerEntry.objects.filter(debt_id=write_off.case.debt_id,
                                            idempotency_key__startswith=f"recovery:{write_off.pk}:")  # fmt: skip
    left: dict[str, Decimal] = {}
    for component, amount in booked.values_list("component", "amount"):
        left[component] = left.get(component, ZERO) - amount
    for component, amount in reinstated.values_list("component", "amount"):
        left[component] = left.get(component, ZERO) - amount
    return {component: amount for component, amount in left.items() if amount > 0}


@transaction.atomic
def record_recovery(
    *, write_off_id: int, external_ref: str, amount: Decimal, received_date: date, actor: Any, now: datetime,
    channel: str = PaymentChannel.BANK_TRANSFER,
) -> WriteOffRecovery:  # fmt: skip
    """Post money received after a write-off: owe again what it covers, then post the payment.

    :raises InvalidRecovery: when the debt was not written off or the money arrived before the write-off.
    :raises CurrencyMismatch, InvalidPaymentAmount, DuplicatePaymentReference: from the payment posting.
    """
    write_off = (
        WriteOff.objects.select_for_update().select_related("case__debt__portfolio").get(pk=write_off_id)
    )
    if write_off.status != WriteOffStatus.APPROVED:
        raise InvalidRecovery(_("Only money on a written-off debt is a recovery."))
    debt = payments.lock_debt(write_off.case.debt_id)
    payments.check_payment(debt=debt, amount=amount, currency=debt.currency)
    if write_off.decided_at is not None and received_date < write_off.decided_at.date():
        raise InvalidRecovery(_("The money arrived before the write-off; post it as an ordinary payment."))
    left = _still_written_off(write_off)
    covered = min(amount, sum(left.values(), ZERO))
    parts = allocation.allocate(covered, left, debt.portfolio.allocation_order) if covered > 0 else []
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            debt=debt,
            kind=EntryKind.ADJUSTMENT,
            component=part.component,
            amount=part.amount,
            effective_date=received_date,
            posted_at=now,
            source=EntrySource.COLLECTOR,
            idempotency_key=f"recovery:{write_off.pk}:{external_ref}:{part.component}",
            note=_("Owed again: recovery after write-off")[:200],
        )
        for part in parts
    )
    payment = payments.record_payment(
        debt_id=debt.pk, external_ref=external_ref, amount=amount, currency=debt.currency, received_date=received_date,
        channel=channel, source=EntrySource.COLLECTOR, actor=actor, now=now,
    )  # fmt: skip
    debt.refresh_from_db(fields=["status"])
    if debt.status != DebtStatus.WRITTEN_OFF:
        debt.status, debt.updated_at = DebtStatus.WRITTEN_OFF, now
        debt.save(update_fields=["status", "updated_at"])
    recovery = WriteOffRecovery.objects.create(
        write_off=write_off, payment=payment, amount=amount, recorded_by=actor, recorded_at=now
    )
    record_event(
        actor=actor, action="recovery.record_recovery", target=recovery, now=now,
        portfolio_id=debt.portfolio_id,
        after={"debt": debt.external_ref, "amount": amount, "owed_again": {p.component: p.amount for p in parts},
               "recovered_total": recovered_so_far(write_off)},
    )  # fmt: skip
    return recovery
