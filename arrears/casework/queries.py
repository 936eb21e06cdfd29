"""Read for pages and the API: a debtor's cases — why each is in its stage, what became of each planned action."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

from django.db.models import Count, F, Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from arrears.casework.models import Case, CaseAction, Promise, StageEvent, WorkItem, WorkItemStatus
from arrears.comms.models import Message
from arrears.core.errors import NotFound
from arrears.people.scoping import scope_to_user
from arrears.portfolio.models import Debtor

ACTIONS_WINDOW_DAYS = 60
ACTIONS_SHOWN = 50
STAGE_EVENTS_SHOWN = 50
PROMISES_SHOWN = 20

_Row = TypeVar("_Row", CaseAction, StageEvent, Promise)


@dataclass(frozen=True)
class PlannedAction:
    """One planned action and, when a message was queued for it, that message."""

    action: CaseAction
    message: Message | None


@dataclass(frozen=True)
class CaseTreatment:
    """A case with its stage history, its latest planned actions, open work items and promises."""

    case: Case
    days_in_stage: int | None
    stage_events: list[StageEvent]
    actions: list[PlannedAction]
    actions_in_window: int
    open_work_items: list[WorkItem]
    promises: list[Promise]


def get_case(*, user: Any, case_id: int) -> Case:
    """Return one case in a portfolio ``user`` may see — the one lookup every case page and endpoint uses.

    :raises NotFound: when it does not exist or is outside the user's portfolios.
    """
    cases = scope_to_user(Case.objects.select_related("debt", "debtor__portfolio", "portfolio"), user)
    try:
        return cases.get(pk=case_id)
    except Case.DoesNotExist:
        raise NotFound(_("No such case.")) from None


def list_case_treatments(*, debtor: Debtor, as_of: date) -> list[CaseTreatment]:
    """Return the debtor's cases, by their debt's due date, each with why it is where it is.

    Planned actions are those of the ACTIONS_WINDOW_DAYS days up to ``as_of``, newest first, at most
    ACTIONS_SHOWN per case (``actions_in_window`` counts them all). A fixed number of queries,
    whatever the number of cases. The caller has checked that the user may see ``debtor``.
    """
    since = as_of - timedelta(days=ACTIONS_WINDOW_DAYS)
    cases = list(
        Case.objects.filter(debtor=debtor)
        .select_related("debt")
        .prefetch_related(
            Prefetch(
                "work_items",
                WorkItem.objects.filter(status=WorkItemStatus.OPEN)
                .select_related("assigned_to")
                .order_by("business_date", "pk"),
            )
        )
        .order_by("debt__due_date", "debt__pk")
    )
    if not cases:
        return []
    recent = CaseAction.objects.filter(case__in=cases, business_date__gte=since, business_date__lte=as_of)
    actions = _latest_by_case(recent, order=("-business_date", "-pk"), limit=ACTIONS_SHOWN)
    counts = dict(recent.values_list("case_id").annotate(count=Count("pk")).order_by())
    events = _latest_by_case(
        StageEvent.objects.filter(case__in=cases), order=("-business_date", "-pk"), limit=STAGE_EVENTS_SHOWN
    )
    promises = _latest_by_case(
        Promise.objects.filter(case__in=cases), order=("-due_date", "-pk"), limit=PROMISES_SHOWN
    )
    messages = _messages_of(debtor, [action for rows in actions.values() for action in rows])
    return [
        CaseTreatment(
            case=case,
            days_in_stage=_days_in_stage(case, as_of),
            stage_events=events.get(case.pk, []),
            actions=[
                PlannedAction(action, messages.get(action.message_id or 0))
                for action in actions.get(case.pk, [])
            ],
            actions_in_window=counts.get(case.pk, 0),
            open_work_items=list(case.work_items.all()),
            promises=promises.get(case.pk, []),
        )
        for case in cases
    ]


def _days_in_stage(case: Case, as_of: date) -> int | None:
    if not case.stage or case.stage_entered_on is None:
        return None
    return (as_of - case.stage_entered_on).days


def _latest_by_case(rows: QuerySet[_Row], *, order: tuple[str, ...], limit: int) -> dict[int, list[_Row]]:
    """Return at most ``limit`` rows of each case, in ``order``, grouped by case id (one query)."""
    ranked = rows.annotate(
        rank_in_case=Window(RowNumber(), partition_by=F("case_id"), order_by=list(order))
    ).filter(rank_in_case__lte=limit)
    grouped: dict[int, list[_Row]] = defaultdict(list)
    for row in ranked.order_by("case_id", *order):
        grouped[row.case_id].append(row)
    return grouped


def _messages_of(debtor: Debtor, actions: list[CaseAction]) -> dict[int, Message]:
    """Return the debtor's messages these actions queued, by id (one query, none when there are none)."""
    ids = {action.message_id for action in actions if action.message_id}
    if not ids:
        return {}
    queued = Message.objects.filter(debtor=debtor, pk__in=ids).only("pk", "status", "channel")
    return {message.pk: message for message in queued}
