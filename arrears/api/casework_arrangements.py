"""API endpoints for casework: arrangements (quote, propose, approve, reject, cancel), approvals and notifications.

Scoped like the pages (another portfolio's case or arrangement answers 404). A stale ``revision``
answers 409; the same ``request_key`` twice returns what the first call did. Amounts are decimal
strings in the case's currency; ``annual_rate`` is a percentage a year (12 means 12 %).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from arrears.api.portfolio import ErrorOut
from arrears.casework import arrangements, notifications
from arrears.casework import queries as case_queries
from arrears.casework.arrangements import Terms
from arrears.casework.models import Arrangement, Case, Notification
from arrears.core.errors import PermissionDenied

router = Router(tags=["casework"])
ZERO = Decimal("0.00")


class CustomPaymentIn(Schema):
    due_date: date
    amount: Decimal


class TermsIn(Schema):
    kind: str = Field(description="instalments, deferral, settlement or waiver.")
    method: str = Field(
        "", description="For instalments: equal-instalment (等额本息), equal-principal (等额本金) or custom."
    )
    amount: Decimal | None = Field(
        None, description="Amount arranged; default the balance less waivers and discount."
    )
    months: int = 0
    annual_rate: Decimal = Decimal("0")
    first_due: date | None = Field(None, description="First instalment's date; default one month from today.")
    due_date: date | None = Field(None, description="A deferral's new due date or a settlement's date.")
    discount: Decimal = ZERO
    waived_penalty: Decimal = ZERO
    waived_interest: Decimal = ZERO
    custom: list[CustomPaymentIn] = Field(
        default_factory=list, description="Custom plan: each payment's date and amount."
    )


class ProposalIn(TermsIn):
    reason: str = ""
    revision: int | None = None
    request_key: str | None = None


class DecisionIn(Schema):
    comment: str = ""
    revision: int | None = None
    request_key: str | None = None


class InstalmentOut(Schema):
    number: int
    due_date: date
    payment: Decimal
    principal: Decimal
    interest: Decimal
    balance: Decimal


class QuoteOut(Schema):
    kind: str
    method: str
    currency: str
    balance: Decimal
    amount: Decimal
    months: int
    instalments: list[InstalmentOut]
    total_payment: Decimal
    total_interest: Decimal
    waived_penalty: Decimal
    waived_interest: Decimal
    discount: Decimal
    waived_total: Decimal
    within_authority: bool
    exceeded: list[str]


class ArrangementOut(Schema):
    id: int
    case_id: int
    kind: str
    method: str
    status: str
    currency: str
    amount: Decimal
    annual_rate: Decimal
    months: int
    first_due: date | None
    total_payment: Decimal
    total_interest: Decimal
    waived_penalty: Decimal
    waived_interest: Decimal
    discount: Decimal
    reason: str
    proposed_by: str | None
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_comment: str
    instalments: list[InstalmentOut]
    case_revision: int


class ApprovalOut(Schema):
    arrangement: ArrangementOut
    exceeded: list[str]
    may_decide: bool


class NotificationOut(Schema):
    id: int
    case_id: int | None
    text: str
    created_at: datetime
    read_at: datetime | None


def _terms(payload: TermsIn) -> Terms:
    return Terms(
        kind=payload.kind, method=payload.method, amount=payload.amount, months=payload.months,
        annual_rate=payload.annual_rate, first_due=payload.first_due, due_date=payload.due_date,
        discount=payload.discount, waived_penalty=payload.waived_penalty, waived_interest=payload.waived_interest,
        custom=tuple((item.due_date, item.amount) for item in payload.custom),
    )  # fmt: skip


def _arrangement_out(arrangement: Arrangement) -> ArrangementOut:
    return ArrangementOut(
        id=arrangement.pk, case_id=arrangement.case_id, kind=arrangement.kind, method=arrangement.method,
        status=arrangement.status, currency=arrangement.currency, amount=arrangement.amount,
        annual_rate=arrangement.annual_rate, months=arrangement.months, first_due=arrangement.first_due,
        total_payment=arrangement.total_payment, total_interest=arrangement.total_interest,
        waived_penalty=arrangement.waived_penalty, waived_interest=arrangement.waived_interest,
        discount=arrangement.discount, reason=arrangement.reason,
        proposed_by=arrangement.proposed_by.get_username() if arrangement.proposed_by else None,
        proposed_at=arrangement.proposed_at,
        decided_by=arrangement.decided_by.get_username() if arrangement.decided_by else None,
        decided_at=arrangement.decided_at, decision_comment=arrangement.decision_comment,
        instalments=[
            InstalmentOut(number=item.number, due_date=item.due_date, payment=item.payment, principal=item.principal,
                          interest=item.interest, balance=item.balance)
            for item in arrangement.instalments.order_by("number")
        ],
        case_revision=Case.objects.values_list("revision", flat=True).get(pk=arrangement.case_id),
    )  # fmt: skip


@router.post("/cases/{case_id}/arrangements/quote", response={200: QuoteOut, 404: ErrorOut, 422: ErrorOut})
def quote_arrangement(request: HttpRequest, case_id: int, payload: TermsIn) -> QuoteOut:
    """Work out an arrangement on the case's balance now: schedule, totals, what is waived, whether within your authority. Writes nothing."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    quote = arrangements.quote_arrangement(case=case, terms=_terms(payload), now=timezone.now())
    authority = arrangements.check_authority(quote=quote, user=request.user)
    return QuoteOut(
        kind=quote.kind, method=quote.method, currency=quote.currency, balance=quote.balance, amount=quote.amount,
        months=quote.months,
        instalments=[
            InstalmentOut(number=item.number, due_date=item.due_date, payment=item.payment, principal=item.principal,
                          interest=item.interest, balance=item.balance)
            for item in quote.instalments
        ],
        total_payment=quote.total_payment, total_interest=quote.total_interest,
        waived_penalty=quote.waived_penalty, waived_interest=quote.waived_interest, discount=quote.discount,
        waived_total=quote.waived_total, within_authority=authority.is_within, exceeded=list(authority.exceeded),
    )  # fmt: skip


@router.post(
    "/cases/{case_id}/arrangements",
    response={201: ArrangementOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def propose_arrangement(request: HttpRequest, case_id: int, payload: ProposalIn) -> Status[ArrangementOut]:
    """Propose an arrangement: ``active`` at once within your authority, else ``pending_approval`` (a supervisor is notified)."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    arrangement = arrangements.propose_arrangement(
        case_id=case.pk, terms=_terms(payload), reason=payload.reason, actor=request.user, now=timezone.now(),
        expected_revision=payload.revision, request_key=payload.request_key, source="api",
    )  # fmt: skip
    return Status(201, _arrangement_out(arrangement))


@router.post(
    "/arrangements/{arrangement_id}/approve",
    response={200: ArrangementOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def approve_arrangement(request: HttpRequest, arrangement_id: int, payload: DecisionIn) -> ArrangementOut:
    """Approve a pending arrangement (supervisors, within their own limits; not one's own proposal)."""
    arrangement = arrangements.approve_arrangement(
        arrangement_id=arrangement_id, comment=payload.comment, actor=request.user, now=timezone.now(),
        expected_revision=payload.revision, request_key=payload.request_key,
    )  # fmt: skip
    return _arrangement_out(arrangement)


@router.post(
    "/arrangements/{arrangement_id}/reject",
    response={200: ArrangementOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def reject_arrangement(request: HttpRequest, arrangement_id: int, payload: DecisionIn) -> ArrangementOut:
    """Reject a pending arrangement; the comment is required and goes to the proposer."""
    arrangement = arrangements.reject_arrangement(
        arrangement_id=arrangement_id, comment=payload.comment, actor=request.user, now=timezone.now(),
        expected_revision=payload.revision, request_key=payload.request_key,
    )  # fmt: skip
    return _arrangement_out(arrangement)


@router.post(
    "/arrangements/{arrangement_id}/cancel",
    response={200: ArrangementOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def cancel_arrangement(request: HttpRequest, arrangement_id: int, payload: DecisionIn) -> ArrangementOut:
    """Cancel a pending or active arrangement (its proposer or a supervisor)."""
    arrangement = arrangements.cancel_arrangement(
        arrangement_id=arrangement_id, reason=payload.comment, actor=request.user, now=timezone.now(),
        expected_revision=payload.revision, request_key=payload.request_key,
    )  # fmt: skip
    return _arrangement_out(arrangement)


@router.get("/approvals", response={200: list[ApprovalOut], 403: ErrorOut})
def list_approvals(request: HttpRequest) -> list[ApprovalOut]:
    """The pending arrangements of your portfolios, with the limits of their proposer they exceed (supervisors)."""
    if not arrangements.may_approve(request.user):
        raise PermissionDenied(_("Only supervisors see the approvals."))
    return [
        ApprovalOut(
            arrangement=_arrangement_out(item.arrangement),
            exceeded=list(item.exceeded),
            may_decide=item.may_decide,
        )
        for item in arrangements.list_pending_approvals(user=request.user)
    ]


@router.get("/notifications", response=list[NotificationOut])
def list_notifications(request: HttpRequest, unread: bool = False) -> list[Notification]:
    """Your notifications, newest first (at most 100); ``unread=true`` for the unread only."""
    return list(notifications.list_notifications(user=request.user, unread_only=unread)[:100])
