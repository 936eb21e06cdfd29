"""Compliance over the API: judge scenarios, lint texts, decide real contacts, holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from ninja import Body, Router, Schema, Status

from arrears.api.portfolio import ErrorOut
from arrears.compliance import decisions, holds, messages, queries
from arrears.compliance.linter import ALL_PACKS, LintContext, UnknownPack, lint
from arrears.compliance.rules.scenario import ScenarioError, judge, read_scenario
from arrears.compliance.rules.vocabulary import Action, EventType, HoldType, Outcome, Purpose
from arrears.portfolio import queries as portfolio_queries

router = Router(tags=["compliance"])


class ScenarioProblemOut(Schema):
    detail: str
    field: str
    problem: str


class JudgementOut(Schema):
    index: int
    t: str
    action: str
    decision: str
    reasons: list[str]
    next_allowed_at: str | None
    expect: str | None
    matches: bool | None


@router.post("/compliance/evaluate", response={200: list[JudgementOut], 422: ScenarioProblemOut})
def evaluate(request: HttpRequest, scenario: dict[str, Any] = Body(...)) -> Any:  # noqa: B008
    """Judge the proposals of a scenario (the fixture format of RULES.md §5, as JSON)."""
    try:
        judgements = judge(read_scenario(scenario))
    except ScenarioError as exc:
        return Status(
            422,
            ScenarioProblemOut(
                detail=messages.describe_problem(exc), field=exc.field, problem=exc.problem.value
            ),
        )
    return [judgement.as_dict() for judgement in judgements]


class LintContextIn(Schema):
    legal_action_allowed: bool = False
    time_barred: bool = False
    reports_to_credit_bureaus: bool = False
    channel: str | None = None


class LintIn(Schema):
    text: str
    language: str | None = None
    packs: list[str] = ["cn", "us-regf", "uk-conc"]
    context: LintContextIn = LintContextIn()


class LintHitOut(Schema):
    rule_id: str
    severity: str
    start: int
    end: int
    matched: str
    title: str
    source: str


class LintOut(Schema):
    verdict: str | None
    blocked: bool
    hits: list[LintHitOut]


@router.post("/compliance/lint", response={200: LintOut, 422: ErrorOut})
def lint_text(request: HttpRequest, payload: LintIn) -> Any:
    """Check a message or a note for prohibited content; BLOCK hits must not be sent or saved."""
    try:
        result = lint(
            payload.text,
            language=payload.language,
            packs=tuple(payload.packs),
            context=LintContext(**payload.context.dict()),
        )
    except UnknownPack as exc:
        return Status(422, ErrorOut(detail=messages.unknown_pack(exc.name, ALL_PACKS)))
    language = "zh" if (get_language() or "en").startswith("zh") else "en"
    return LintOut(
        verdict=None if result.verdict is None else str(result.verdict),
        blocked=result.is_blocked,
        hits=[
            LintHitOut(
                rule_id=hit.rule_id,
                severity=str(hit.severity),
                start=hit.start,
                end=hit.end,
                matched=hit.matched,
                title=hit.title[language],
                source=hit.source,
            )
            for hit in result.hits
        ],
    )


class ContactCheckIn(Schema):
    action: Action
    at: datetime | None = None
    contact_point_id: int | None = None
    contact_person_id: int | None = None
    debt_ids: list[int] = []
    purpose: Purpose | None = None


class ReasonOut(Schema):
    code: str
    decision: str
    explanation: str
    rules: list[str]
    source: str


class ContactCheckOut(Schema):
    decision: str
    reasons: list[ReasonOut]
    next_allowed_at: datetime | None
    missing_facts: list[str]
    policy: str


def check_out(check: decisions.ContactCheck) -> ContactCheckOut:
    return ContactCheckOut(
        decision=check.decision.value,
        reasons=[
            ReasonOut(
                code=r.code,
                decision=r.decision.value,
                explanation=r.explanation,
                rules=list(r.rules),
                source=r.source,
            )
            for r in check.reasons
        ],
        next_allowed_at=check.next_allowed_at,
        missing_facts=list(check.verdict.missing_facts),
        policy=check.policy,
    )


@router.post(
    "/debtors/{debtor_id}/contact-check", response={200: ContactCheckOut, 404: ErrorOut, 422: ErrorOut}
)
def check_contact(request: HttpRequest, debtor_id: int, payload: ContactCheckIn) -> ContactCheckOut:
    """Ask whether a contact is allowed (now, or at `at`); a refusal or flag is kept on the case."""
    debtor = portfolio_queries.get_debtor(user=request.user, debtor_id=debtor_id)
    now = timezone.now()
    check = decisions.check_contact(
        debtor=debtor, action=payload.action, at=payload.at or now, now=now,
        contact_point=queries.get_contact_point_of(debtor=debtor, point_id=payload.contact_point_id),
        contact_person=queries.get_contact_person_of(debtor=debtor, person_id=payload.contact_person_id),
        debts=queries.list_debts_of(debtor=debtor, debt_ids=payload.debt_ids), purpose=payload.purpose,
        source="api", actor=request.user,
    )  # fmt: skip
    return check_out(check)


class ContactIn(Schema):
    type: EventType
    occurred_at: datetime | None = None
    outcome: Outcome | None = None
    contact_point_id: int | None = None
    contact_person_id: int | None = None
    debt_ids: list[int] = []
    note: str = ""
    with_consent: bool = False
    reviewed: bool = False


class ContactOut(Schema):
    id: int
    type: str
    outcome: str
    occurred_at: datetime


class RefusalOut(Schema):
    detail: str
    check: ContactCheckOut


@router.post(
    "/debtors/{debtor_id}/contacts", response={201: ContactOut, 404: ErrorOut, 409: RefusalOut, 422: ErrorOut}
)
def record_contact(request: HttpRequest, debtor_id: int, payload: ContactIn) -> Any:
    """Record a contact or attempt; an outbound one is refused (409, with the reasons) unless allowed."""
    debtor = portfolio_queries.get_debtor(user=request.user, debtor_id=debtor_id)
    now = timezone.now()
    try:
        event = decisions.record_contact(
            debtor=debtor, type=payload.type, occurred_at=payload.occurred_at or now, now=now, actor=request.user,
            outcome=payload.outcome,
            contact_point=queries.get_contact_point_of(debtor=debtor, point_id=payload.contact_point_id),
            contact_person=queries.get_contact_person_of(debtor=debtor, person_id=payload.contact_person_id),
            debts=queries.list_debts_of(debtor=debtor, debt_ids=payload.debt_ids), note=payload.note,
            with_consent=payload.with_consent, reviewed=payload.reviewed,
        )  # fmt: skip
    except (decisions.ContactRefused, decisions.ContactNeedsReview) as exc:
        return Status(409, RefusalOut(detail=str(exc), check=check_out(exc.check)))
    return Status(
        201, ContactOut(id=event.pk, type=event.type, outcome=event.outcome, occurred_at=event.occurred_at)
    )


class HoldIn(Schema):
    type: HoldType
    reason: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    debt_id: int | None = None
    contact_person_id: int | None = None
    contact_point_id: int | None = None


class HoldOut(Schema):
    id: int
    type: str
    starts_at: datetime
    ends_at: datetime | None
    reason: str
    debt_id: int | None
    contact_person_id: int | None
    contact_point_id: int | None


def _hold_out(hold: Any) -> HoldOut:
    return HoldOut(
        id=hold.pk, type=hold.type, starts_at=hold.starts_at, ends_at=hold.ends_at, reason=hold.reason,
        debt_id=hold.debt_id, contact_person_id=hold.contact_person_id, contact_point_id=hold.contact_point_id,
    )  # fmt: skip


@router.get("/debtors/{debtor_id}/holds", response={200: list[HoldOut], 404: ErrorOut})
def list_holds(request: HttpRequest, debtor_id: int) -> list[HoldOut]:
    """List a debtor's holds, newest first, lifted ones included."""
    view = queries.get_compliance_view(user=request.user, debtor_id=debtor_id, now=timezone.now())
    return [_hold_out(hold) for hold in view.holds]


@router.post("/debtors/{debtor_id}/holds", response={201: HoldOut, 404: ErrorOut, 422: ErrorOut})
def place_hold(request: HttpRequest, debtor_id: int, payload: HoldIn) -> Status[HoldOut]:
    """Place a hold (from `starts_at`, default now; until `ends_at` or until lifted)."""
    debtor = portfolio_queries.get_debtor(user=request.user, debtor_id=debtor_id)
    now = timezone.now()
    hold = holds.place_hold(
        debtor=debtor, type=payload.type, reason=payload.reason, starts_at=payload.starts_at or now,
        ends_at=payload.ends_at, actor=request.user, now=now,
        debt=queries.list_debts_of(debtor=debtor, debt_ids=[payload.debt_id])[0] if payload.debt_id else None,
        contact_person=queries.get_contact_person_of(debtor=debtor, person_id=payload.contact_person_id),
        contact_point=queries.get_contact_point_of(debtor=debtor, point_id=payload.contact_point_id),
    )  # fmt: skip
    return Status(201, _hold_out(hold))


class LiftIn(Schema):
    reason: str


@router.post("/holds/{hold_id}/lift", response={200: HoldOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def lift_hold(request: HttpRequest, hold_id: int, payload: LiftIn) -> HoldOut:
    """Lift a hold now (supervisors and compliance officers)."""
    hold = queries.get_hold(user=request.user, hold_id=hold_id)
    return _hold_out(
        holds.lift_hold(hold_id=hold.pk, reason=payload.reason, actor=request.user, now=timezone.now())
    )
