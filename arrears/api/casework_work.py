"""API endpoints for casework: the work queue, recording activities, reassigning, a case with its timeline."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from arrears.api.compliance import ContactCheckOut, check_out
from arrears.api.portfolio import ErrorOut
from arrears.casework import activities, timeline, work
from arrears.casework import queries as case_queries
from arrears.casework.models import Activity, WorkItem
from arrears.compliance import decisions
from arrears.portfolio.ledger import DebtPosition
from arrears.usecases import work_gate

router = Router(tags=["casework"])


class WorkItemOut(Schema):
    id: int
    case_id: int
    portfolio_id: int
    queue: str
    kind: str
    stage: str
    business_date: date
    priority: Decimal
    debtor_name: str
    debt_ref: str


def _item_out(item: WorkItem) -> WorkItemOut:
    return WorkItemOut(
        id=item.pk, case_id=item.case_id, portfolio_id=item.portfolio_id, queue=item.queue, kind=item.kind,
        stage=item.case.stage, business_date=item.business_date, priority=item.priority,
        debtor_name=item.case.debtor.name, debt_ref=item.case.debt.external_ref,
    )  # fmt: skip


@router.get("/work-items", response={200: list[WorkItemOut]})
def list_work_items(
    request: HttpRequest, queue: str = "", portfolio_id: int | None = None, kind: str = "", stage: str = "",
    overdue: bool = False,
) -> list[WorkItemOut]:  # fmt: skip
    """List my open work items due today, highest expected recovery first (filters: queue, portfolio, kind, stage, overdue).

    Items of a portfolio that gives live work only to certified collectors are left out until I am certified.
    """
    filters = work.QueueFilters(
        queue=queue, portfolio_id=portfolio_id, kind=kind, stage=stage, overdue=overdue
    )
    return [_item_out(item) for item in work_gate.list_my_work_items(user=request.user, now=timezone.now(), filters=filters)[:500]]  # fmt: skip


class NextIn(Schema):
    exclude_case_id: int | None = None


@router.post("/work-items/next", response={200: WorkItemOut, 204: None})
def take_next(request: HttpRequest, payload: NextIn | None = None) -> Any:
    """Take my next item: my own highest first, else an unassigned one my skills fit; 204 when nothing is due."""
    item = work_gate.take_next(
        user=request.user, now=timezone.now(), exclude_case_id=payload.exclude_case_id if payload else None
    )
    if item is None:
        return Status(204, None)
    return _item_out(work.list_my_work_items(user=request.user, now=timezone.now()).get(pk=item.pk))


class DoneIn(Schema):
    revision: int | None = None
    request_key: str | None = None
    activity_id: int | None = None


class DoneOut(Schema):
    id: int
    status: str
    closed_at: datetime | None


@router.post(
    "/work-items/{work_item_id}/done", response={200: DoneOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
)
def close_work_item(request: HttpRequest, work_item_id: int, payload: DoneIn) -> DoneOut:
    """Mark one of my work items done (a task finished outside a recorded contact); done twice is harmless."""
    item = work.close_work_item(
        work_item_id=work_item_id, actor=request.user, now=timezone.now(), expected_revision=payload.revision,
        request_key=payload.request_key, activity_id=payload.activity_id,
    )  # fmt: skip
    return DoneOut(id=item.pk, status=item.status, closed_at=item.closed_at)


class ReassignItemsIn(Schema):
    portfolio_id: int
    from_user_id: int
    to_user_id: int
    request_key: str | None = None


class ReassignItemsOut(Schema):
    moved: int


@router.post(
    "/work-items/reassign", response={200: ReassignItemsOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def reassign_work_items(request: HttpRequest, payload: ReassignItemsIn) -> ReassignItemsOut:
    """Move every open item of one collector in a portfolio to another (supervisors); both are notified."""
    moved = work_gate.reassign_work_items(
        from_user_id=payload.from_user_id, to_user_id=payload.to_user_id, portfolio_id=payload.portfolio_id,
        actor=request.user, now=timezone.now(), request_key=payload.request_key,
    )  # fmt: skip
    return ReassignItemsOut(moved=moved)


class ActivityIn(Schema):
    result: str
    channel: str = "call"
    contact_point_id: int | None = None
    note: str = ""
    callback_at: datetime | None = None
    occurred_at: datetime | None = None
    reviewed: bool = False
    revision: int | None = None
    request_key: str | None = None


class ActivityOut(Schema):
    id: int
    case_id: int
    result: str
    note: str
    callback_at: datetime | None
    contact_event_id: int | None
    created_at: datetime


class RefusalOut(Schema):
    detail: str
    check: ContactCheckOut


def _activity_out(activity: Activity) -> ActivityOut:
    return ActivityOut(
        id=activity.pk, case_id=activity.case_id, result=activity.result, note=activity.note,
        callback_at=activity.callback_at, contact_event_id=activity.contact_event_id, created_at=activity.created_at,
    )  # fmt: skip


@router.post(
    "/cases/{case_id}/activities",
    response={201: ActivityOut, 404: ErrorOut, 409: RefusalOut | ErrorOut, 422: ErrorOut},
)
def record_activity(request: HttpRequest, case_id: int, payload: ActivityIn) -> Any:
    """Record a contact's result on a case (compliance decides an outbound one: 409 with the reasons when refused)."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    try:
        activity = activities.record_activity(
            case_id=case.pk, result=payload.result, channel=payload.channel, note=payload.note,
            contact_point_id=payload.contact_point_id, callback_at=payload.callback_at,
            occurred_at=payload.occurred_at, reviewed=payload.reviewed, actor=request.user, now=timezone.now(),
            expected_revision=payload.revision, request_key=payload.request_key,
        )  # fmt: skip
    except (decisions.ContactRefused, decisions.ContactNeedsReview, activities.CallbackNotAllowed) as exc:
        return Status(409, RefusalOut(detail=str(exc), check=check_out(exc.check)))
    return Status(201, _activity_out(activity))


class ReassignIn(Schema):
    to_user_id: int
    reason: str = ""
    revision: int | None = None
    request_key: str | None = None


@router.post(
    "/cases/{case_id}/reassign",
    response={200: list[WorkItemOut], 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def reassign_case(request: HttpRequest, case_id: int, payload: ReassignIn) -> list[WorkItemOut]:
    """Give a case's open work items to another collector of its portfolio (supervisors); both are notified."""
    items = work_gate.reassign_case(
        case_id=case_id, to_user_id=payload.to_user_id, actor=request.user, now=timezone.now(),
        expected_revision=payload.revision, request_key=payload.request_key, reason=payload.reason,
    )  # fmt: skip
    return [_item_out(item) for item in items]


class BalanceOut(Schema):
    currency: str
    components: dict[str, Decimal]
    total: Decimal
    days_past_due: int
    bucket: str


class TimelineEntryOut(Schema):
    kind: str
    at: datetime
    title: str
    detail: str
    rule: str


class CaseOut(Schema):
    id: int
    revision: int
    debt_id: int
    debt_ref: str
    debtor_id: int
    debtor_name: str
    stage: str
    stage_rule: str
    stage_condition: str
    strategy: str
    goal: str
    goal_deadline: date | None
    delinquency_reason: str
    balance: BalanceOut
    timeline: list[TimelineEntryOut]


def _balance_out(position: DebtPosition) -> BalanceOut:
    balances = position.balances
    return BalanceOut(
        currency=balances.currency, components=balances.components, total=balances.total,
        days_past_due=position.days_past_due, bucket=position.bucket,
    )  # fmt: skip


@router.get("/cases/{case_id}", response={200: CaseOut, 404: ErrorOut})
def get_case(request: HttpRequest, case_id: int) -> CaseOut:
    """Show a case: where it stands, why, its balance by component and its timeline, newest first."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    view = timeline.get_case_view(
        user=request.user, case=case, today=timezone.localdate(timezone=_zone(case)), now=timezone.now()
    )
    case = view.case
    return CaseOut(
        id=case.pk, revision=case.revision, debt_id=case.debt_id, debt_ref=case.debt.external_ref,
        debtor_id=case.debtor_id, debtor_name=case.debtor.name, stage=case.stage, stage_rule=case.stage_rule,
        stage_condition=case.stage_condition, strategy=case.strategy, goal=case.goal, goal_deadline=case.goal_deadline,
        delinquency_reason=case.delinquency_reason, balance=_balance_out(view.debts[0].position),
        timeline=[TimelineEntryOut(**entry) for entry in view.timeline],
    )  # fmt: skip


def _zone(case: Any) -> ZoneInfo:
    return ZoneInfo(case.portfolio.time_zone)


class DelinquencyReasonIn(Schema):
    reason: str
    revision: int | None = None
    request_key: str | None = None


class DelinquencyReasonOut(Schema):
    id: int
    revision: int
    delinquency_reason: str


@router.patch(
    "/cases/{case_id}/delinquency-reason",
    response={200: DelinquencyReasonOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def set_delinquency_reason(
    request: HttpRequest, case_id: int, payload: DelinquencyReasonIn
) -> DelinquencyReasonOut:
    """Record why the debtor fell behind (unknown, forgot, cash_flow, dispute, wilful)."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    case = activities.set_delinquency_reason(
        case_id=case.pk, reason=payload.reason, actor=request.user, now=timezone.now(),
        expected_revision=payload.revision, request_key=payload.request_key,
    )  # fmt: skip
    return DelinquencyReasonOut(
        id=case.pk, revision=case.revision, delinquency_reason=case.delinquency_reason
    )
