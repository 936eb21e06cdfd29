"""The hardship arithmetic (seed 中期 4), pure: what a debtor can afford and what treatment that suggests.

- **Disposable income** = monthly income − essential expenses − other monthly debt payments (it may
  be negative; it is shown as it is).
- **Affordable monthly amount** = ``AFFORDABLE_SHARE`` (50 %) of a positive disposable income,
  rounded **down to the whole unit** of the currency (¥1, $1), so the figure offered is one the
  debtor can keep to; 0 when the disposable income is zero or negative. Half, not all, leaves room
  for the irregular costs a monthly budget does not show.
- **Ability**: *able* when the affordable amount repays the balance within ``ABLE_MONTHS`` (6)
  months (affordable ≥ balance ÷ 6), *partly* when it is positive, *unable* otherwise.
- **Willingness** is the collector's judgement from the conversation: *willing* or *reluctant*.
- **Suggested treatment**: willingness × ability, see ``TREATMENTS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum

AFFORDABLE_SHARE = Decimal("0.5")
ABLE_MONTHS = 6
CENT = Decimal("0.01")


class Willingness(StrEnum):
    WILLING = "willing"
    RELUCTANT = "reluctant"


class Ability(StrEnum):
    ABLE = "able"
    PARTLY = "partly"
    UNABLE = "unable"


class Treatment(StrEnum):
    FULL_OR_SHORT_PLAN = "full_or_short_plan"
    INSTALMENT_PLAN = "instalment_plan"
    DEFERRAL_REVIEW = "deferral_review"
    FIRM_REMINDER = "firm_reminder"
    SUPERVISOR_ESCALATION = "supervisor_escalation"


TREATMENTS: dict[tuple[Willingness, Ability], Treatment] = {
    (Willingness.WILLING, Ability.ABLE): Treatment.FULL_OR_SHORT_PLAN,
    (Willingness.WILLING, Ability.PARTLY): Treatment.INSTALMENT_PLAN,
    (Willingness.WILLING, Ability.UNABLE): Treatment.DEFERRAL_REVIEW,
    (Willingness.RELUCTANT, Ability.ABLE): Treatment.FIRM_REMINDER,
    (Willingness.RELUCTANT, Ability.PARTLY): Treatment.SUPERVISOR_ESCALATION,
    (Willingness.RELUCTANT, Ability.UNABLE): Treatment.SUPERVISOR_ESCALATION,
}


@dataclass(frozen=True)
class HardshipFigures:
    """What the calculation gives: the money figures, the classification and the treatment."""

    disposable_income: Decimal
    affordable_monthly: Decimal
    ability: Ability
    willingness: Willingness
    treatment: Treatment
    months_to_repay: int | None
    """Months the affordable amount needs to repay the balance; None when it is 0."""


def disposable_income(*, income: Decimal, expenses: Decimal, other_debt_payments: Decimal) -> Decimal:
    """Return income minus essential expenses minus other debt payments (to the cent; may be negative)."""
    return (income - expenses - other_debt_payments).quantize(CENT)


def affordable_monthly(disposable: Decimal) -> Decimal:
    """Return half of a positive disposable income rounded down to the whole unit, else 0.00."""
    if disposable <= 0:
        return Decimal("0.00")
    return (disposable * AFFORDABLE_SHARE).to_integral_value(rounding=ROUND_FLOOR).quantize(CENT)


def ability_for(*, affordable: Decimal, balance: Decimal) -> Ability:
    """Return able (repays the balance in ABLE_MONTHS months), partly (something) or unable (nothing)."""
    if affordable <= 0:
        return Ability.UNABLE
    if affordable * ABLE_MONTHS >= balance:
        return Ability.ABLE
    return Ability.PARTLY


def assess(
    *, income: Decimal, expenses: Decimal, other_debt_payments: Decimal, balance: Decimal, willingness: str
) -> HardshipFigures:
    """Return the figures, ability, and the treatment willingness × ability suggests.

    :raises ValueError: for a negative amount or an unknown willingness.
    """
    if min(income, expenses, other_debt_payments, balance) < 0:
        raise ValueError("amounts must not be negative")
    disposable = disposable_income(income=income, expenses=expenses, other_debt_payments=other_debt_payments)
    affordable = affordable_monthly(disposable)
    ability = ability_for(affordable=affordable, balance=balance)
    willing = Willingness(willingness)
    months = int((balance / affordable).to_integral_value(rounding=ROUND_CEILING)) if affordable > 0 else None
    return HardshipFigures(disposable, affordable, ability, willing, TREATMENTS[willing, ability], months)
