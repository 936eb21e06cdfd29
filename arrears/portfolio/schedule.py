"""Instalment schedules: equal monthly instalments derived from a debt's terms. Pure (no Django).

A debt stores how many monthly instalments it has; the schedule is derived, not stored, unless it
is irregular (explicit ``Instalment`` rows then replace the derived one). This keeps a portfolio of
a million loans from holding tens of millions of rows that the terms already say.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from arrears.core.money import round_money

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class ScheduledInstalment:
    """One due date of a schedule and what falls due on it."""

    number: int
    due_date: date
    principal_due: Decimal
    interest_due: Decimal = ZERO


def add_months(start: date, months: int) -> date:
    """Return ``start`` moved by ``months``, on the same day or the month's last day (31 Jan → 28 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def equal_monthly(
    *, principal: Decimal, currency: str, count: int, first_due: date
) -> list[ScheduledInstalment]:
    """Return ``count`` monthly instalments of the principal from ``first_due``.

    Each instalment is the principal divided by ``count`` rounded to the currency's unit; the last
    takes the rounding remainder, so the instalments always add up to the principal exactly.
    """
    share = round_money(principal / count, currency)
    return [
        ScheduledInstalment(
            number=number,
            due_date=add_months(first_due, number - 1),
            principal_due=principal - share * (count - 1) if number == count else share,
        )
        for number in range(1, count + 1)
    ]
