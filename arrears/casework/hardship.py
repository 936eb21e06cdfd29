"""Hardship assessments (seed 中期 4): the structured interview stored, its figures and suggested treatment.

The arithmetic is ``hardship_calc`` (pure); this module validates the answers, stores them with
the figures, and marks the case's delinquency reason as cash-flow trouble, which steers the
strategy towards the hardship path.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.functional import Promise as LazyText
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from arrears.casework import guards, hardship_calc
from arrears.casework.models import (
    DelinquencyReason,
    HardshipAssessment,
    HardshipCause,
    Willingness,
)
from arrears.casework.promises import local_today
from arrears.compliance import decisions
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError
from arrears.core.money import has_valid_scale
from arrears.portfolio import ledger

TREATMENT_LABELS: dict[str, LazyText] = {
    hardship_calc.Treatment.FULL_OR_SHORT_PLAN: gettext_lazy("Full payment or a short plan"),
    hardship_calc.Treatment.INSTALMENT_PLAN: gettext_lazy("Instalment plan at the affordable amount"),
    hardship_calc.Treatment.DEFERRAL_REVIEW: gettext_lazy("Deferral, or review for a hardship hold"),
    hardship_calc.Treatment.FIRM_REMINDER: gettext_lazy("Firm reminder of the consequences; escalate sooner"),
    hardship_calc.Treatment.SUPERVISOR_ESCALATION: gettext_lazy("Escalate to a supervisor"),
}
MAX_EXPECTED_MONTHS = 120


class InvalidAssessment(DomainError):
    """An answer of the hardship interview that cannot be right."""


def treatment_label(code: str) -> str:
    """Return the translated label of a suggested treatment code (the code itself when unknown)."""
    return str(TREATMENT_LABELS.get(code, code))


def _field_label(name: str) -> str:
    field = HardshipAssessment._meta.get_field(name)
    return str(getattr(field, "verbose_name", name)).capitalize()


def _check_answers(
    *, currency: str, since: date, today: date, expected_months: int, amounts: dict[str, Decimal]
) -> None:
    if since > today:
        raise InvalidAssessment(
            _("Since: %(date)s is in the future; give when the difficulty began.")
            % {"date": since.isoformat()}
        )
    if not 0 <= expected_months <= MAX_EXPECTED_MONTHS:
        raise InvalidAssessment(
            _("Expected duration: give between 0 and %(months)d months.") % {"months": MAX_EXPECTED_MONTHS}
        )
    for field, amount in amounts.items():
        if amount < 0 or not has_valid_scale(amount, currency):
            raise InvalidAssessment(
                _("%(field)s: %(amount)s is not an amount of zero or more in %(currency)s.")
                % {"field": _field_label(field), "amount": amount,
                   "currency": currency}
            )  # fmt: skip


@transaction.atomic
def assess_hardship(
    *, case_id: int, cause: str, since: date, expected_months: int, monthly_income: Decimal,
    monthly_expenses: Decimal, other_debt_payments: Decimal, assets: Decimal, dependants: int,
    willingness: str, notes: str, actor: Any, now: datetime, expected_revision: int | None,
    request_key: str | None,
) -> HardshipAssessment:  # fmt: skip
    """Store a hardship assessment with its figures and suggested treatment; set the reason to cash flow.

    :raises StaleCase: when the case changed since ``expected_revision``.
    :raises InvalidAssessment: for an unknown cause or willingness, a start in the future, a duration
        out of range or a negative amount.
    :raises NoteBlocked: when the notes break the content rules.
    """
    case = guards.lock_case(case_id=case_id, expected_revision=None)
    earlier = guards.already_done(HardshipAssessment, request_key, case=case)
    if earlier is not None:
        return earlier
    guards.lock_case(case_id=case_id, expected_revision=expected_revision)
    if cause not in HardshipCause.values or willingness not in Willingness.values:
        raise InvalidAssessment(_("Cause and willingness: choose one of the listed answers."))
    today, currency = local_today(case, now), case.debt.currency
    amounts = {"monthly_income": monthly_income, "monthly_expenses": monthly_expenses,
               "other_debt_payments": other_debt_payments, "assets": assets}  # fmt: skip
    _check_answers(
        currency=currency, since=since, today=today, expected_months=expected_months, amounts=amounts
    )
    if notes.strip():
        decisions.check_note(debtor=case.debtor, note=notes, debts=[case.debt])
    balance = ledger.get_balances(debt_id=case.debt_id, as_of=today).total
    figures = hardship_calc.assess(
        income=monthly_income, expenses=monthly_expenses, other_debt_payments=other_debt_payments,
        balance=balance, willingness=willingness,
    )  # fmt: skip
    assessment = HardshipAssessment.objects.create(
        case=case, cause=cause, since=since, expected_months=expected_months, currency=currency, **amounts,
        dependants=dependants, disposable_income=figures.disposable_income,
        affordable_monthly=figures.affordable_monthly, willingness=figures.willingness.value,
        ability=figures.ability.value, suggested_treatment=figures.treatment.value, notes=notes,
        request_key=request_key or None, created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )  # fmt: skip
    reason_before = case.delinquency_reason
    case.delinquency_reason = DelinquencyReason.CASH_FLOW
    case.updated_at = now
    case.save(update_fields=["delinquency_reason", "updated_at"])
    guards.bump(case)
    record_event(
        actor=actor, action="casework.assess_hardship", target=assessment, now=now,
        portfolio_id=case.portfolio_id, before={"delinquency_reason": reason_before},
        after={"case": case.pk, "delinquency_reason": case.delinquency_reason, "cause": cause,
               "disposable_income": str(figures.disposable_income),
               "affordable_monthly": str(figures.affordable_monthly), "ability": figures.ability.value,
               "willingness": figures.willingness.value, "suggested_treatment": figures.treatment.value},
    )  # fmt: skip
    return assessment


def latest_assessment(*, case_id: int) -> HardshipAssessment | None:
    """Return the case's latest hardship assessment, if any."""
    return HardshipAssessment.objects.filter(case_id=case_id).order_by("-created_at", "-pk").first()


def months_to_repay(assessment: HardshipAssessment, balance: Decimal) -> int | None:
    """Return the months the affordable amount needs to repay ``balance`` (None when it is 0)."""
    return hardship_calc.assess(
        income=assessment.monthly_income, expenses=assessment.monthly_expenses,
        other_debt_payments=assessment.other_debt_payments, balance=max(balance, Decimal(0)),
        willingness=assessment.willingness,
    ).months_to_repay  # fmt: skip
