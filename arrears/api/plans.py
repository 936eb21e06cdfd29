"""Instalment-plan quotes over the API: the calculator behind `arrears plan quote` (docs/plans.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from arrears.casework import calculator
from arrears.core.money import InvalidAmount, parse_amount

router = Router(tags=["plans"])


class PlanQuoteIn(Schema):
    principal: Decimal | str = Field(
        description='The amount lent: a decimal string ("100000.00") or a number.'
    )
    annual_rate: Decimal | str = Field(
        description="Percent a year: 12 means 12 %; the monthly rate is a twelfth."
    )
    months: int | str = Field(description="Number of monthly instalments, 1 to 360.")
    method: str = Field(description="equal-instalment (等额本息) or equal-principal (等额本金).")
    start: str | None = Field(None, description="First due date, YYYY-MM-DD (default: one month from today).")
    currency: str = Field("CNY", description="ISO 4217 code.")


class QuotedInstalmentOut(Schema):
    number: int
    due_date: date
    payment: str
    principal: str
    interest: str
    balance: str


class PlanQuoteOut(Schema):
    instalments: list[QuotedInstalmentOut]
    total_payment: str
    total_interest: str


class PlanProblemOut(Schema):
    detail: str
    field: str
    problem: str


class _Unreadable(ValueError):
    """An input that is not even a number or a date; carries the response."""

    def __init__(self, problem: PlanProblemOut) -> None:
        super().__init__(problem.detail)
        self.problem = problem


@router.post("/plans/quote", response={200: PlanQuoteOut, 422: PlanProblemOut})
def quote_plan(request: HttpRequest, payload: PlanQuoteIn) -> Any:
    """Quote the monthly instalments of a plan: equal-instalment (等额本息) or equal-principal (等额本金).

    `annual_rate` is a percentage a year (12 means 12 %), the monthly rate a twelfth of it; amounts
    are rounded half up to the cent and the last instalment takes the remainder. Writes nothing.
    """
    try:
        quote = calculator.quote_plan(
            principal=_decimal(payload.principal, "principal"),
            annual_rate_percent=_decimal(payload.annual_rate, "annual_rate"),
            months=_months(payload.months),
            method=payload.method,
            first_due=_first_due(payload.start),
            currency=payload.currency,
        )
    except _Unreadable as exc:
        return Status(422, exc.problem)
    except calculator.InvalidPlan as exc:
        return Status(
            422, PlanProblemOut(detail=exc.describe(_, exc.field), field=exc.field, problem=exc.code)
        )
    return calculator.as_json(quote)


def _decimal(value: Decimal | str, field: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return parse_amount(value)
    except InvalidAmount:
        detail = _("%(field)s must be a number, not “%(value)s”.") % {"field": field, "value": value}
        raise _Unreadable(PlanProblemOut(detail=detail, field=field, problem="not_a_number")) from None


def _months(value: int | str) -> int:
    if isinstance(value, int):
        return value
    try:
        return int(value.strip())
    except ValueError:
        detail = _("%(field)s must be a whole number of months from 1 to %(maximum)d.") % {
            "field": "months",
            "maximum": calculator.MAX_MONTHS,
        }
        raise _Unreadable(
            PlanProblemOut(detail=detail, field="months", problem="months_out_of_range")
        ) from None


def _first_due(text: str | None) -> date:
    if text is None:
        return calculator.default_first_due(timezone.localdate())
    try:
        return date.fromisoformat(text)
    except ValueError:
        problem = _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": text}
        raise _Unreadable(
            PlanProblemOut(detail=f"start: {problem}", field="start", problem="not_a_date")
        ) from None
