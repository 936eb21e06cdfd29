"""Settlement offers (和解): a lump sum by a date, the rest forgiven — within the offerer's authority.

A settlement is an arrangement of kind ``settlement`` (`casework.arrangements`): the discount is the
balance less the amount offered; an offer whose discount is above the offerer's ``max_waiver_amount``
(or whose date is beyond ``max_plan_months``) waits for a supervisor's approval on the Approvals
page, exactly like any arrangement. Once it is active the discount is waived in the ledger; when
the sum arrives the debt is settled.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from arrears.casework import arrangements
from arrears.casework.models import Arrangement, ArrangementKind, Case
from arrears.portfolio import ledger

ZERO = Decimal("0.00")


def balance_of(case: Case) -> Decimal:
    """Return what the case's debt owes now, less any overpayment."""
    balances = ledger.get_balances(debt_id=case.debt_id)
    return max(balances.total - balances.overpayment, ZERO)


def offer_settlement(
    *, case: Case, amount: Decimal, pay_by: date, reason: str, actor: Any, now: datetime,
    expected_revision: int | None = None, request_key: str | None = None, source: str = "desk",
) -> Arrangement:  # fmt: skip
    """Offer to settle the case for ``amount`` paid by ``pay_by``; return the arrangement (active or pending).

    :raises InvalidArrangement: for an amount not below the balance, or not positive, or a date in the past.
    :raises ArrangementAlreadyOpen: while another arrangement of the case is open.
    """
    balance = balance_of(case)
    if amount <= 0 or amount >= balance:
        raise arrangements.InvalidArrangement(
            _("A settlement is for less than the balance (%(balance)s %(currency)s) and more than nothing.")
            % {"balance": balance, "currency": case.debt.currency},
            field="amount",
        )
    terms = arrangements.Terms(kind=ArrangementKind.SETTLEMENT, due_date=pay_by, discount=balance - amount)
    return arrangements.propose_arrangement(
        case_id=case.pk, terms=terms, reason=reason, actor=actor, now=now, expected_revision=expected_revision,
        request_key=request_key, source=source,
    )  # fmt: skip


def list_settlements(*, case: Case) -> list[Arrangement]:
    """Return the case's settlement arrangements, newest first."""
    return list(
        Arrangement.objects.filter(case=case, kind=ArrangementKind.SETTLEMENT).order_by("-proposed_at", "-pk")
    )
