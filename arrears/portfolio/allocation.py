"""Split a payment across a debt's components in the portfolio's allocation order. Pure.

The ledger keeps components per debt, and an instalment is covered when the cumulative
principal and interest paid reach it, so "oldest instalment first" follows from the order of
components alone: a payment always covers the oldest unpaid instalment before a younger one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

OVERPAYMENT = "overpayment"
COMPONENTS = ("fee", "penalty", "interest", "principal")
DEFAULT_ORDER: tuple[str, ...] = COMPONENTS


class InvalidAllocationOrder(ValueError):
    """The order is not a permutation of fee, penalty, interest and principal."""


@dataclass(frozen=True, slots=True)
class Allocation:
    """The part of a payment applied to one component (``overpayment`` for the excess)."""

    component: str
    amount: Decimal


def check_order(order: Sequence[str]) -> tuple[str, ...]:
    """Return ``order`` as a tuple after checking it names each component exactly once.

    :raises InvalidAllocationOrder: when a component is missing, repeated or unknown.
    """
    if sorted(order) != sorted(COMPONENTS):
        raise InvalidAllocationOrder(f"allocation order must list {', '.join(COMPONENTS)} once each")
    return tuple(order)


def allocate(amount: Decimal, outstanding: Mapping[str, Decimal], order: Sequence[str]) -> list[Allocation]:
    """Apply ``amount`` to the ``outstanding`` components in ``order``; the rest is overpayment.

    The allocations always sum to ``amount`` exactly and never exceed what a component owes.

    :raises ValueError: when ``amount`` is not positive.
    :raises InvalidAllocationOrder: when ``order`` is not a permutation of the components.
    """
    if amount <= 0:
        raise ValueError("a payment must be positive")
    remaining = amount
    allocations: list[Allocation] = []
    for component in check_order(order):
        owed = outstanding.get(component, Decimal(0))
        applied = min(remaining, owed) if owed > 0 else Decimal(0)
        if applied > 0:
            allocations.append(Allocation(component, applied))
            remaining -= applied
        if remaining == 0:
            break
    if remaining > 0:
        allocations.append(Allocation(OVERPAYMENT, remaining))
    return allocations
