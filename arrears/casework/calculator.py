"""The instalment-plan calculator behind `arrears plan quote` and `POST /api/v1/plans/quote`. Pure (no Django).

Conventions (docs/plans.md):

- ``annual_rate_percent`` is a percentage a year, like ``Debt.interest_rate`` (12 means 12 %); the
  periodic rate is the annual rate ÷ 12, the usual convention for monthly instalment loans.
- Every amount is rounded half up to the currency's minor unit (``money.round_half_up``), month by
  month: interest = round(balance × rate); the principal part is payment − interest (equal
  instalment, 等额本息) or round(principal ÷ months) (equal principal, 等额本金).
- The last instalment repays the remaining balance exactly, so the balance ends at 0 and the
  principal parts add up to the principal to the cent.
- Instalment k falls due ``add_months(first_due, k - 1)``: counted from the first due date, not
  chained, so 31 January gives 28 (29) February, 31 March, 30 April …

This module cannot translate: an ``InvalidPlan`` carries an English message (a msgid marked with
``gettext_noop``) and its parameters, and the interface translates it and names the field its way
(``--principal`` on the command line, ``principal`` in the API).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from arrears.core.money import MINOR_UNITS, has_valid_scale, is_currency, quantum, round_half_up
from arrears.portfolio.schedule import add_months

MAX_MONTHS = 360
MAX_RATE_PERCENT = Decimal(100)
MAX_PRINCIPAL = Decimal("1000000000000")
MONTHS_A_YEAR = 12
# Enough digits that (1 + r)^360 and every product stay exact to far below a cent.
PRECISION = 60


def gettext_noop(message: str) -> str:
    """Return ``message`` unchanged; marks it for the translation catalogue (this module imports no Django)."""
    return message


class Method(StrEnum):
    """How the instalments are shaped."""

    EQUAL_INSTALMENT = "equal-instalment"  # 等额本息: the same payment every month (an annuity)
    EQUAL_PRINCIPAL = "equal-principal"  # 等额本金: the same principal every month, interest on top


class InvalidPlan(ValueError):
    """A plan that cannot be quoted: ``field`` names the input, ``code`` the problem.

    ``message`` is an English msgid with ``%(field)s`` and ``params`` placeholders; ``str()`` gives it
    with the plain field name, ``describe`` with the interface's translation and name for the field.
    """

    def __init__(self, *, code: str, field: str, message: str, **params: Any) -> None:
        self.code, self.field, self.message, self.params = code, field, message, params
        super().__init__(self.describe(lambda text: text, field))

    def describe(self, translate: Callable[[str], str], field_label: str) -> str:
        """Return the message translated by ``translate`` with the field called ``field_label``."""
        return translate(self.message) % {**self.params, "field": field_label}


@dataclass(frozen=True, slots=True)
class QuotedInstalment:
    """One month of a quoted plan; ``balance`` is what remains after this payment."""

    number: int
    due_date: date
    payment: Decimal
    principal: Decimal
    interest: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class PlanQuote:
    """A quoted instalment plan and its totals."""

    principal: Decimal
    annual_rate_percent: Decimal
    months: int
    method: Method
    currency: str
    instalments: tuple[QuotedInstalment, ...]
    total_payment: Decimal
    total_interest: Decimal


def default_first_due(today: date) -> date:
    """Return the first due date when none is given: one month after ``today``."""
    return add_months(today, 1)


def quote_plan(
    *,
    principal: Decimal,
    annual_rate_percent: Decimal,
    months: int,
    method: str,
    first_due: date,
    currency: str = "CNY",
) -> PlanQuote:
    """Quote ``months`` monthly instalments repaying ``principal`` at ``annual_rate_percent`` a year.

    :raises InvalidPlan: when an input is out of range (see ``_check``), or when the principal is too
        small to spread over ``months`` instalments of at least one minor unit.
    """
    plan_method = _check(
        principal=principal, annual_rate_percent=annual_rate_percent, months=months, method=method,
        currency=currency,
    )  # fmt: skip
    principal = principal.quantize(quantum(currency))
    is_annuity = plan_method is Method.EQUAL_INSTALMENT
    with decimal.localcontext(prec=PRECISION):
        monthly_rate = annual_rate_percent / 100 / MONTHS_A_YEAR
        level = round_half_up(
            _annuity(principal, monthly_rate, months) if is_annuity else principal / months, currency
        )
        balance, instalments = principal, []
        for number in range(1, months + 1):
            # Multiply before dividing: balance × rate is exact, so a half cent stays a half cent.
            interest = round_half_up(balance * annual_rate_percent / (100 * MONTHS_A_YEAR), currency)
            part = balance if number == months else (level - interest if is_annuity else level)
            if number < months and part >= balance:
                raise _too_many_months(principal, months, currency)
            balance -= part
            instalments.append(
                QuotedInstalment(
                    number=number,
                    due_date=add_months(first_due, number - 1),
                    payment=part + interest,
                    principal=part,
                    interest=interest,
                    balance=balance,
                )
            )
    if any(item.payment <= 0 for item in instalments):
        raise _too_many_months(principal, months, currency)
    return PlanQuote(
        principal=principal,
        annual_rate_percent=annual_rate_percent,
        months=months,
        method=plan_method,
        currency=currency,
        instalments=tuple(instalments),
        total_payment=sum((item.payment for item in instalments), start=Decimal(0)),
        total_interest=sum((item.interest for item in instalments), start=Decimal(0)),
    )


def as_json(quote: PlanQuote) -> dict[str, Any]:
    """Return ``quote`` as the JSON of the API and ``--json``: amounts as decimal strings, dates ISO."""
    return {
        "instalments": [
            {
                "number": item.number,
                "due_date": item.due_date.isoformat(),
                "payment": str(item.payment),
                "principal": str(item.principal),
                "interest": str(item.interest),
                "balance": str(item.balance),
            }
            for item in quote.instalments
        ],
        "total_payment": str(quote.total_payment),
        "total_interest": str(quote.total_interest),
    }


def _annuity(principal: Decimal, monthly_rate: Decimal, months: int) -> Decimal:
    """Return the unrounded constant payment P·r / (1 − (1 + r)^−n), or P / n when r = 0."""
    if monthly_rate == 0:
        return principal / months
    return principal * monthly_rate / (1 - (1 + monthly_rate) ** -months)


def _check(
    *, principal: Decimal, annual_rate_percent: Decimal, months: int, method: str, currency: str
) -> Method:
    """Return the method, or raise ``InvalidPlan`` for the first input out of range."""
    if not is_currency(currency):
        raise InvalidPlan(
            code="unknown_currency", field="currency", value=currency,
            message=gettext_noop("%(field)s: “%(value)s” is not a supported currency."),
        )  # fmt: skip
    if not principal.is_finite() or principal <= 0:
        raise InvalidPlan(
            code="principal_not_positive", field="principal",
            message=gettext_noop("%(field)s must be an amount greater than zero."),
        )  # fmt: skip
    if principal > MAX_PRINCIPAL:
        raise InvalidPlan(
            code="principal_too_large", field="principal", maximum=f"{MAX_PRINCIPAL:,}",
            message=gettext_noop("%(field)s must not be above %(maximum)s."),
        )  # fmt: skip
    if not has_valid_scale(principal, currency):
        raise InvalidPlan(
            code="principal_scale", field="principal", places=MINOR_UNITS[currency], currency=currency,
            message=gettext_noop("%(field)s may have at most %(places)d decimal places in %(currency)s."),
        )  # fmt: skip
    if not annual_rate_percent.is_finite() or annual_rate_percent < 0:
        raise InvalidPlan(
            code="rate_negative", field="annual_rate",
            message=gettext_noop("%(field)s must not be negative: it is a percentage a year (12 means 12 %%)."),
        )  # fmt: skip
    if annual_rate_percent > MAX_RATE_PERCENT:
        raise InvalidPlan(
            code="rate_too_high", field="annual_rate",
            message=gettext_noop("%(field)s must not be above 100: it is a percentage a year (12 means 12 %%)."),
        )  # fmt: skip
    if isinstance(months, bool) or not 1 <= months <= MAX_MONTHS:
        raise InvalidPlan(
            code="months_out_of_range", field="months", maximum=MAX_MONTHS,
            message=gettext_noop("%(field)s must be a whole number of months from 1 to %(maximum)d."),
        )  # fmt: skip
    try:
        return Method(method)
    except ValueError:
        raise InvalidPlan(
            code="unknown_method",
            field="method",
            value=method,
            message=gettext_noop("%(field)s must be equal-instalment or equal-principal, not “%(value)s”."),
        ) from None


def _too_many_months(principal: Decimal, months: int, currency: str) -> InvalidPlan:
    return InvalidPlan(
        code="too_many_months", field="months", months=months, principal=f"{principal:,}", currency=currency,
        message=gettext_noop(
            "%(field)s: %(principal)s %(currency)s is too little to repay in %(months)d monthly instalments; choose fewer."
        ),
    )  # fmt: skip
