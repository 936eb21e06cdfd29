"""API endpoints for casework: promises to pay, hardship assessments and guided scripts, scoped like the pages.

Every action takes ``expected_revision`` (the case's revision the caller last read; a newer one
answers 409) and ``request_key`` (the same key again returns what the first call created).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from arrears.api.portfolio import ErrorOut
from arrears.casework import hardship, promises, scripts
from arrears.casework import queries as case_queries
from arrears.casework.models import Case, HardshipAssessment, Promise
from arrears.portfolio import ledger

router = Router(tags=["casework"])


class CaseActionIn(Schema):
    expected_revision: int | None = None
    request_key: str | None = Field(default=None, max_length=64)


class PromiseIn(CaseActionIn):
    amount: Decimal
    due_date: date


class CancelPromiseIn(CaseActionIn):
    reason: str = Field(default="", max_length=300)


class PromiseOut(Schema):
    id: int
    case_id: int
    amount: Decimal
    currency: str
    made_on: date
    due_date: date
    status: str
    resolved_on: date | None
    case_revision: int


class HardshipIn(CaseActionIn):
    cause: str
    since: date
    expected_months: int = Field(ge=0, le=120)
    monthly_income: Decimal
    monthly_expenses: Decimal
    other_debt_payments: Decimal = Decimal("0.00")
    assets: Decimal = Decimal("0.00")
    dependants: int = Field(default=0, ge=0, le=50)
    willingness: str
    notes: str = Field(default="", max_length=4000)


class HardshipOut(Schema):
    id: int
    case_id: int
    currency: str
    disposable_income: Decimal
    affordable_monthly: Decimal
    months_to_repay: int | None
    willingness: str
    ability: str
    suggested_treatment: str
    suggested_treatment_label: str
    delinquency_reason: str
    case_revision: int


class ScriptOut(Schema):
    situation: str
    language: str
    origin: str
    title: str
    body: str
    prompts: list[str]
    consequences: str


def _promise_out(promise: Promise) -> PromiseOut:
    revision = Case.objects.values_list("revision", flat=True).get(pk=promise.case_id)
    return PromiseOut(
        id=promise.pk, case_id=promise.case_id, amount=promise.amount, currency=promise.currency,
        made_on=promise.made_on, due_date=promise.due_date, status=promise.status, resolved_on=promise.resolved_on,
        case_revision=revision,
    )  # fmt: skip


@router.get("/cases/{case_id}/promises", response={200: list[PromiseOut], 404: ErrorOut})
def list_promises(request: HttpRequest, case_id: int) -> list[PromiseOut]:
    """The case's promises, latest first, with their status (open, kept, broken, cancelled)."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    return [_promise_out(promise) for promise in promises.list_promises(case=case)]


@router.post(
    "/cases/{case_id}/promises", response={201: PromiseOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
)
def make_promise(request: HttpRequest, case_id: int, payload: PromiseIn) -> Status[PromiseOut]:
    """Record a promise to pay within the portfolio's policy; kept or broken is decided by the daily cycle."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    promise = promises.make_promise(
        case_id=case.pk, amount=payload.amount, due_date=payload.due_date, actor=request.user, now=timezone.now(),
        expected_revision=payload.expected_revision, request_key=payload.request_key, source="api",
    )  # fmt: skip
    return Status(201, _promise_out(promise))


@router.post(
    "/promises/{promise_id}/cancel", response={200: PromiseOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
)
def cancel_promise(request: HttpRequest, promise_id: int, payload: CancelPromiseIn) -> PromiseOut:
    """Cancel an open promise."""
    promise = promises.get_promise(user=request.user, promise_id=promise_id)
    cancelled = promises.cancel_promise(
        promise_id=promise.pk, actor=request.user, now=timezone.now(), reason=payload.reason,
        expected_revision=payload.expected_revision, request_key=payload.request_key,
    )  # fmt: skip
    return _promise_out(cancelled)


@router.post(
    "/cases/{case_id}/hardship", response={201: HardshipOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
)
def assess_hardship(request: HttpRequest, case_id: int, payload: HardshipIn) -> Status[HardshipOut]:
    """Store a hardship assessment; answers with the computed figures and the suggested treatment."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    answers = payload.dict(exclude={"expected_revision", "request_key"})
    assessment = hardship.assess_hardship(
        case_id=case.pk, actor=request.user, now=timezone.now(), expected_revision=payload.expected_revision,
        request_key=payload.request_key, **answers,
    )  # fmt: skip
    return Status(201, _hardship_out(assessment))


def _hardship_out(assessment: HardshipAssessment) -> HardshipOut:
    case = Case.objects.select_related("debt").get(pk=assessment.case_id)
    balance = ledger.get_balances(
        debt_id=case.debt_id, as_of=promises.local_today(case, timezone.now())
    ).total
    return HardshipOut(
        id=assessment.pk, case_id=case.pk, currency=assessment.currency,
        disposable_income=assessment.disposable_income, affordable_monthly=assessment.affordable_monthly,
        months_to_repay=hardship.months_to_repay(assessment, balance), willingness=assessment.willingness,
        ability=assessment.ability, suggested_treatment=assessment.suggested_treatment,
        suggested_treatment_label=hardship.treatment_label(assessment.suggested_treatment),
        delinquency_reason=case.delinquency_reason, case_revision=case.revision,
    )  # fmt: skip


@router.get("/cases/{case_id}/script", response={200: ScriptOut, 404: ErrorOut, 422: ErrorOut})
def get_script(request: HttpRequest, case_id: int, situation: str, language: str = "en") -> ScriptOut:
    """The guided script for the case's stage and the situation, filled in with this debt's consequences."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    rendered = scripts.render_script(
        case=case, situation=situation, language=language, today=promises.local_today(case, timezone.now())
    )
    return ScriptOut(
        situation=rendered.text.situation, language=rendered.text.language, origin=rendered.text.origin,
        title=rendered.text.title, body=rendered.body, prompts=rendered.text.prompts,
        consequences=rendered.consequences,
    )  # fmt: skip
