"""Debt verification (债务确认): does the ledger agree with the contract terms and the payments?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from arrears.core import money
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.portfolio import ledger
from arrears.portfolio.choices import Component, DebtStatus, EntryKind
from arrears.portfolio.models import Debt, Instalment, LedgerEntry, Payment

DAYS_PER_YEAR = Decimal(365)
VERIFIABLE_FROM = frozenset({DebtStatus.OPEN, DebtStatus.DISPUTED})


@dataclass(frozen=True)
class Discrepancy:
    """One way the debt's records disagree: a code for machines, a message for people."""

    code: str
    message: str


class DebtDoesNotReconcile(DomainError):
    """The debt cannot be verified while its records disagree."""

    def __init__(self, discrepancies: list[Discrepancy]) -> None:
        super().__init__(
            _("The debt does not reconcile: %(problems)s")
            % {"problems": "; ".join(item.message for item in discrepancies)}
        )
        self.discrepancies = discrepancies


def reconcile_debt(*, debt_id: int, as_of: date) -> list[Discrepancy]:
    """Return every disagreement between the debt's terms, schedule, ledger and payments on ``as_of``."""
    debt = Debt.objects.get(pk=debt_id)
    balances = ledger.get_balances(debt_id=debt_id, as_of=as_of)
    return [
        *_check_principal(debt),
        *_check_schedule(debt),
        *_check_charges_within_terms(debt, balances, as_of),
        *_check_payments(debt),
        *_check_balances(debt, balances),
    ]


@transaction.atomic
def verify_debt(*, debt_id: int, actor: Any, now: datetime, reason: str = "") -> Debt:
    """Mark the debt verified by ``actor`` at ``now`` and return it.

    :raises DebtDoesNotReconcile: when :func:`reconcile_debt` finds any discrepancy.
    """
    debt = Debt.objects.select_for_update().get(pk=debt_id)
    discrepancies = reconcile_debt(debt_id=debt_id, as_of=now.date())
    if discrepancies:
        raise DebtDoesNotReconcile(discrepancies)
    status_before = debt.status
    if debt.status in VERIFIABLE_FROM:
        debt.status = DebtStatus.VERIFIED
    debt.verified_at, debt.verified_by, debt.updated_at = now, actor, now
    debt.save(update_fields=["status", "verified_at", "verified_by", "updated_at"])
    record_event(
        actor=actor,
        action="portfolio.verify_debt",
        target=debt,
        now=now,
        portfolio_id=debt.portfolio_id,
        reason=reason,
        before={"status": status_before},
        after={"status": debt.status, "balance": ledger.get_balances(debt_id=debt_id).total},
    )
    return debt


def _sum(debt: Debt, **filters: Any) -> Decimal:
    return money.exact_sum(
        LedgerEntry.objects.filter(debt=debt, **filters).aggregate(total=Sum("amount"))["total"]
    )


def _check_principal(debt: Debt) -> list[Discrepancy]:
    # Adjustments linked to a payment reverse that payment; they are not principal lent.
    charged = _sum(
        debt,
        component=Component.PRINCIPAL,
        kind__in=[EntryKind.PRINCIPAL, EntryKind.ADJUSTMENT],
        payment__isnull=True,
    )
    if charged == debt.principal:
        return []
    return [
        Discrepancy(
            "principal_mismatch",
            _("principal charged in the ledger is %(charged)s but the contract says %(principal)s")
            % {"charged": charged, "principal": debt.principal},
        )
    ]


def _check_schedule(debt: Debt) -> list[Discrepancy]:
    problems = []
    if debt.due_date < debt.contract_date:
        problems.append(Discrepancy("due_before_contract", _("the due date is before the contract date")))
    instalments = list(Instalment.objects.filter(debt=debt).order_by("number"))
    if not instalments:
        return problems  # a derived schedule adds up to the principal by construction
    scheduled = sum((item.principal_due for item in instalments), Decimal("0.00"))
    if scheduled != debt.principal:
        problems.append(
            Discrepancy(
                "schedule_mismatch",
                _("the instalments schedule %(scheduled)s of principal but the contract says %(principal)s")
                % {"scheduled": scheduled, "principal": debt.principal},
            )
        )
    due_dates = [item.due_date for item in instalments]
    if due_dates != sorted(due_dates) or due_dates[0] < debt.contract_date:
        problems.append(Discrepancy("schedule_dates", _("the instalment due dates are out of order")))
    return problems


def _check_charges_within_terms(debt: Debt, balances: ledger.Balances, as_of: date) -> list[Discrepancy]:
    years = Decimal(max((as_of - debt.contract_date).days, 0)) / DAYS_PER_YEAR
    problems = []
    for component, rate, label in (
        (Component.INTEREST, debt.interest_rate, _("interest")),
        (Component.PENALTY, debt.penalty_rate, _("penalty")),
    ):
        charged = _sum(
            debt, component=component, amount__gt=0, effective_date__lte=as_of, payment__isnull=True
        )
        ceiling = money.round_money(debt.principal * rate / 100 * years, debt.currency)
        if charged > ceiling:
            problems.append(
                Discrepancy(
                    f"{component}_above_terms",
                    _("%(what)s charged %(charged)s exceeds the most the terms allow, %(ceiling)s")
                    % {"what": label, "charged": charged, "ceiling": ceiling},
                )
            )
    return problems


def _check_payments(debt: Debt) -> list[Discrepancy]:
    problems = []
    payments = Payment.objects.filter(debt=debt).annotate(allocated=Sum("entries__amount")).order_by("pk")
    for payment in payments:
        if payment.currency != debt.currency:
            problems.append(
                Discrepancy(
                    "payment_currency",
                    _("payment %(ref)s is in %(currency)s")
                    % {"ref": payment.external_ref, "currency": payment.currency},
                )
            )
        allocated = -money.exact_sum(payment.allocated)
        # A reversed payment's adjustments give back exactly what it settled.
        if allocated != (money.ZERO if payment.reversed_at else payment.amount):
            problems.append(
                Discrepancy(
                    "payment_unallocated",
                    _("payment %(ref)s of %(amount)s is allocated as %(allocated)s")
                    % {"ref": payment.external_ref, "amount": payment.amount, "allocated": allocated},
                )
            )
    return problems


def _check_balances(debt: Debt, balances: ledger.Balances) -> list[Discrepancy]:
    problems = [
        Discrepancy(
            "negative_balance",
            _("the %(component)s balance is negative (%(amount)s)")
            % {"component": component, "amount": amount},
        )
        for component, amount in balances.components.items()
        if amount < 0
    ]
    if debt.status == DebtStatus.SETTLED and balances.total > 0:
        problems.append(Discrepancy("settled_with_balance", _("the debt is settled but still has a balance")))
    return problems
