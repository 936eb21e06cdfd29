"""The desk's work queue: taking the next item, closing it, reassigning, and the reads of the queue and team pages.

"Today" is each portfolio's own: an item is due when its business date has come where its creditor
works. A collector takes their own items first, by expected recovery; then an unassigned item of
their portfolios whose skills they have: the ones the cycle stored on it (``needed_skills``), else
the same rules computed here — the debtor's language (a collector who lists no language speaks every
one), ``companies`` for a company, ``large_balances`` from LARGE_BALANCE (``casework.skills``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from arrears.casework import guards, notifications, queries
from arrears.casework.models import Case, Promise, PromiseStatus, WorkItem, WorkItemStatus
from arrears.casework.skills import fits_skills, needed_skills
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound, PermissionDenied
from arrears.people.roles import Capability, Role
from arrears.people.scoping import granted_portfolio_ids, scope_to_user
from arrears.portfolio import ledger
from arrears.portfolio.choices import DebtorKind
from arrears.portfolio.models import Portfolio

CANDIDATES_PER_BATCH = 50
BROKEN_PROMISE_DAYS = 7


class InvalidReassignment(DomainError):
    """A reassignment to someone who does not collect the portfolio, or of a case with nothing open."""


@dataclass(frozen=True)
class QueueFilters:
    """What the queue page narrows the list by; empty values do not filter."""

    queue: str = ""
    portfolio_id: int | None = None
    kind: str = ""
    stage: str = ""
    overdue: bool = False


@dataclass(frozen=True)
class CollectorLoad:
    """One collector's open items and the items they finished today."""

    user: Any
    open_items: int
    done_today: int


def may_supervise(user: Any) -> bool:
    """Return whether ``user`` may see the team's pages and reassign work (supervisors, administrators)."""
    return bool(
        getattr(user, "is_superuser", False)
        or (user.is_authenticated and user.can(Capability.SUPERVISE_TEAM))
    )


def _portfolio_ids(user: Any) -> list[int]:
    granted = granted_portfolio_ids(user)
    rows = Portfolio.objects.all() if granted is None else Portfolio.objects.filter(pk__in=granted)
    return list(rows.values_list("pk", flat=True))


def _local_date(zone: str, now: datetime) -> date:
    """Return the date at ``now`` in a portfolio's time zone (where its business day is)."""
    return now.astimezone(ZoneInfo(zone)).date()


def _local_days(now: datetime, portfolios: QuerySet[Portfolio]) -> dict[date, list[int]]:
    """Group portfolios by their local date at ``now``."""
    days: dict[date, list[int]] = defaultdict(list)
    for pk, zone in portfolios.values_list("pk", "time_zone"):
        days[_local_date(zone, now)].append(pk)
    return days


def _days_by_portfolio(now: datetime, portfolio_ids: Iterable[int]) -> dict[date, list[int]]:
    return _local_days(now, Portfolio.objects.filter(pk__in=list(portfolio_ids)))


def _granted_days(user: Any, now: datetime) -> dict[date, list[int]]:
    """Group the portfolios ``user`` may see by their local date at ``now`` (one read)."""
    return _local_days(now, scope_to_user(Portfolio.objects.all(), user, portfolio_field="pk"))


def _on_local_day(
    days: dict[date, list[int]], field: str, lookup: str, *, portfolio_field: str = "portfolio_id"
) -> Q:
    """Return a condition comparing ``field`` with each portfolio's local date (``lte``, ``lt``, ``exact`` …)."""
    matched = Q(pk__in=[])
    for day, ids in days.items():
        matched |= Q(**{f"{portfolio_field}__in": ids, f"{field}__{lookup}": day})
    return matched


def _due(days: dict[date, list[int]], *, overdue_only: bool = False) -> Q:
    return _on_local_day(days, "business_date", "lt" if overdue_only else "lte")


def overdue_ids(items: Iterable[WorkItem], now: datetime) -> set[int]:
    """Return which of these items were due before today where their portfolio works (read with it)."""
    return {item.pk for item in items if item.business_date < _local_date(item.portfolio.time_zone, now)}


def list_my_work_items(
    *, user: Any, now: datetime, filters: QueueFilters | None = None, skip_portfolio_ids: Iterable[int] = ()
) -> QuerySet[WorkItem]:
    """Return the open items assigned to ``user`` that are due today, highest expected recovery first.

    ``skip_portfolio_ids`` leaves out portfolios the user may not take live work of (``usecases.work_gate``).
    """
    filters = filters or QueueFilters()
    days = _granted_days(user, now)
    items = WorkItem.objects.filter(
        _due(days, overdue_only=filters.overdue), assigned_to=user, status=WorkItemStatus.OPEN
    )
    skipped = set(skip_portfolio_ids)
    if skipped:
        items = items.exclude(portfolio_id__in=skipped)
    if filters.queue:
        items = items.filter(queue=filters.queue)
    if filters.portfolio_id is not None:
        items = items.filter(portfolio_id=filters.portfolio_id)
    if filters.kind:
        items = items.filter(kind=filters.kind)
    if filters.stage:
        items = items.filter(stage=filters.stage)
    return items.select_related("case__debt", "case__debtor", "portfolio").order_by(
        "-priority", "business_date", "pk"
    )


def list_my_case_items(*, user: Any, case: Case, now: datetime) -> list[WorkItem]:
    """Return ``user``'s open items of one case due by the case portfolio's today, as the queue orders them.

    The case page's list: the case is already one the user may see, so one query.
    """
    items = WorkItem.objects.filter(
        case=case, assigned_to=user, status=WorkItemStatus.OPEN,
        business_date__lte=_local_date(case.portfolio.time_zone, now),
    )  # fmt: skip
    return list(items.order_by("-priority", "business_date", "pk"))


@dataclass(frozen=True)
class QueueSummary:
    """The queue page's header: how many items are due today by queue, and the filter's choices."""

    counts: list[tuple[str, int]]
    choices: dict[str, list[str]]
    held: int = 0  # items due today in portfolios skipped (waiting for the user's certification)


def summarize_my_queue(*, user: Any, now: datetime, skip_portfolio_ids: Iterable[int] = ()) -> QueueSummary:
    """Count the user's open items due today by queue, and list the queues, kinds and stages of all open ones.

    One pass over the user's open items (GROUP BY queue, kind, stage), counting only those due today
    where their portfolio works and in a portfolio the user still has; those of ``skip_portfolio_ids``
    are counted apart, as held.
    """
    days = _granted_days(user, now)
    skipped = Q(portfolio_id__in=set(skip_portfolio_ids))
    rows = list(
        WorkItem.objects.filter(assigned_to=user, status=WorkItemStatus.OPEN)
        .values_list("queue", "kind", "stage")
        .annotate(
            due=Count("pk", filter=_due(days) & ~skipped), held=Count("pk", filter=_due(days) & skipped)
        )
        .order_by()
    )
    counts: dict[str, int] = defaultdict(int)
    for queue, _kind, _stage, due, _held in rows:
        counts[queue] += due
    return QueueSummary(
        counts=sorted((queue, count) for queue, count in counts.items() if count),
        choices={
            "queue": sorted({row[0] for row in rows if row[0]}),
            "kind": sorted({row[1] for row in rows if row[1]}),
            "stage": sorted({row[2] for row in rows if row[2]}),
        },
        held=sum(row[4] for row in rows),
    )


def get_work_item(*, user: Any, work_item_id: int) -> WorkItem:
    """Return one work item in a portfolio ``user`` may see.

    :raises NotFound: when it does not exist or is outside the user's portfolios.
    """
    try:
        return scope_to_user(WorkItem.objects.select_related("case"), user).get(pk=work_item_id)
    except WorkItem.DoesNotExist:
        raise NotFound(_("No such work item.")) from None


def take_next(
    *, user: Any, now: datetime, exclude_case_id: int | None = None, skip_portfolio_ids: Iterable[int] = ()
) -> WorkItem | None:
    """Return the next item for ``user``: their own first, else an unassigned one they fit, which they take.

    ``exclude_case_id`` skips the case the user is on, so "next" moves on even before it is worked;
    ``skip_portfolio_ids`` skips portfolios the user may not take live work of (``usecases.work_gate``).
    Taking is a conditional update, so two collectors never take the same item. None when nothing is due.
    """
    skipped = set(skip_portfolio_ids)
    mine = list_my_work_items(user=user, now=now).exclude(portfolio_id__in=skipped)
    if exclude_case_id is not None:
        mine = mine.exclude(case_id=exclude_case_id)
    own = mine.first()
    if own is not None:
        return own
    portfolio_ids = [pk for pk in _portfolio_ids(user) if pk not in skipped]
    candidates = (
        WorkItem.objects.filter(
            _due(_days_by_portfolio(now, portfolio_ids)), assigned_to__isnull=True, status=WorkItemStatus.OPEN
        )
        .exclude(case_id=exclude_case_id or 0)
        .select_related("case__debt", "case__debtor")
        .order_by("-priority", "business_date", "pk")
    )
    start = 0
    while batch := list(candidates[start : start + CANDIDATES_PER_BATCH]):
        start += CANDIDATES_PER_BATCH
        taken = _take_first_fitting(batch, user=user, now=now)
        if taken is not None:
            return taken
    return None


def _take_first_fitting(batch: list[WorkItem], *, user: Any, now: datetime) -> WorkItem | None:
    unknown = [item.case.debt for item in batch if not item.needed_skills]
    positions = ledger.list_positions(debts=unknown, as_of=now.date()) if unknown else {}
    for item in batch:
        debtor = item.case.debtor
        needed = item.needed_skills or needed_skills(
            is_company=debtor.kind == DebtorKind.COMPANY,
            balance=positions[item.case.debt_id].balances.total,
            language=debtor.language or "",
        )
        if not fits_skills(user.skills or [], needed):
            continue
        with transaction.atomic():
            claimed = WorkItem.objects.filter(
                pk=item.pk, assigned_to__isnull=True, status=WorkItemStatus.OPEN
            ).update(assigned_to=user)
            if claimed:
                record_event(
                    actor=user, action="casework.take_work_item", target=item, now=now,
                    portfolio_id=item.portfolio_id, after={"case": item.case_id, "queue": item.queue},
                )  # fmt: skip
                item.assigned_to = user
                return item
    return None


def close_items_of_activity(*, case: Case, actor: Any, kinds: Iterable[str], now: datetime) -> list[int]:
    """Mark done the user's open items of ``case`` due today of these kinds; return their ids.

    Runs inside the recording action's transaction; that action's audit event names the items.
    """
    items = WorkItem.objects.filter(
        _due(_days_by_portfolio(now, [case.portfolio_id])), case=case, assigned_to=actor, status=WorkItemStatus.OPEN, kind__in=list(kinds)
    )  # fmt: skip
    ids = list(items.order_by("pk").values_list("pk", flat=True))
    WorkItem.objects.filter(pk__in=ids).update(status=WorkItemStatus.DONE, closed_at=now)
    return ids


@transaction.atomic
def close_work_item(
    *, work_item_id: int, actor: Any, now: datetime, expected_revision: int | None,
    request_key: str | None = None, activity_id: int | None = None,
) -> WorkItem:  # fmt: skip
    """Mark one of the user's items done (a task finished, or the activity ``activity_id`` that closed it).

    A second submit finds the item already done and returns it unchanged.

    :raises NotFound: when the item is not in the user's portfolios.
    :raises PermissionDenied: when the item is someone else's and the user does not supervise.
    :raises StaleCase: when the case changed after the page was drawn.
    """
    item = get_work_item(user=actor, work_item_id=work_item_id)
    case = guards.lock_case(case_id=item.case_id, expected_revision=None)
    item.refresh_from_db()
    if item.status != WorkItemStatus.OPEN:
        return item
    if expected_revision is not None and case.revision != expected_revision:
        guards.lock_case(case_id=case.pk, expected_revision=expected_revision)
    if item.assigned_to_id not in (None, actor.pk) and not may_supervise(actor):
        raise PermissionDenied(_("This work item is assigned to someone else."))
    item.status, item.closed_at = WorkItemStatus.DONE, now
    item.save(update_fields=["status", "closed_at"])
    guards.bump(case)
    record_event(
        actor=actor, action="casework.close_work_item", target=item, now=now, portfolio_id=item.portfolio_id,
        after={"case": case.pk, "activity": activity_id, "request_key": request_key or ""},
    )  # fmt: skip
    return item


def _collector_of(portfolio_id: int, user_id: int) -> Any:
    collector = (
        get_user_model()
        .objects.filter(pk=user_id, is_active=True, role=Role.COLLECTOR, portfolios=portfolio_id)
        .first()
    )
    if collector is None:
        raise InvalidReassignment(
            _("User %(user)s is not an active collector of this portfolio.") % {"user": user_id}
        )
    return collector


@transaction.atomic
def reassign_case(
    *, case_id: int, to_user_id: int, actor: Any, now: datetime, expected_revision: int | None,
    request_key: str | None = None, reason: str = "",
) -> list[WorkItem]:  # fmt: skip
    """Give the case's open work items to another collector of its portfolio; notify both sides.

    Reassigning to the collector who already holds every item changes nothing (a double submit).

    :raises PermissionDenied: when ``actor`` does not supervise.
    :raises InvalidReassignment: when ``to_user_id`` is not an active collector of the portfolio or
        the case has no open work items.
    :raises StaleCase: when the case changed after the page was drawn.
    """
    if not may_supervise(actor):
        raise PermissionDenied(_("Only a supervisor may reassign cases."))
    case = guards.lock_case(case_id=queries.get_case(user=actor, case_id=case_id).pk, expected_revision=None)
    collector = _collector_of(case.portfolio_id, to_user_id)
    items = list(
        WorkItem.objects.select_for_update(of=("self",))
        .filter(case=case, status=WorkItemStatus.OPEN)
        .select_related("assigned_to")
        .order_by("pk")
    )
    if not items:
        raise InvalidReassignment(_("This case has no open work items to reassign."))
    moving = [item for item in items if item.assigned_to_id != collector.pk]
    if not moving:
        return items
    if expected_revision is not None and case.revision != expected_revision:
        guards.lock_case(case_id=case.pk, expected_revision=expected_revision)
    previous = {item.assigned_to.pk: item.assigned_to for item in moving if item.assigned_to is not None}
    WorkItem.objects.filter(pk__in=[item.pk for item in moving]).update(assigned_to=collector)
    reference = case.debt.external_ref
    notifications.notify(
        [collector], _("Case %(ref)s was assigned to you.") % {"ref": reference}, case=case, now=now
    )
    notifications.notify(
        previous.values(),
        _("Case %(ref)s was reassigned to %(user)s.") % {"ref": reference, "user": collector.get_username()},
        case=case,
        now=now,
    )
    guards.bump(case)
    record_event(
        actor=actor, action="casework.reassign_case", target=case, now=now, portfolio_id=case.portfolio_id,
        reason=reason, before={"assigned_to": sorted(previous)},
        after={"assigned_to": collector.pk, "work_items": [item.pk for item in moving]},
    )  # fmt: skip
    for item in moving:
        item.assigned_to = collector
    return items


@transaction.atomic
def reassign_work_items(
    *, from_user_id: int, to_user_id: int, portfolio_id: int, actor: Any, now: datetime,
    expected_revision: int | None = None, request_key: str | None = None,
) -> int:  # fmt: skip
    """Move every open item of one collector in a portfolio to another collector of it; notify both.

    Returns how many items moved (none on a second submit). ``expected_revision`` does not apply:
    the move spans cases.

    :raises PermissionDenied: when ``actor`` does not supervise.
    :raises NotFound: when the portfolio is not granted to ``actor``.
    :raises InvalidReassignment: when either user is not an active collector of the portfolio, or both are one.
    """
    if not may_supervise(actor):
        raise PermissionDenied(_("Only a supervisor may reassign cases."))
    if portfolio_id not in _portfolio_ids(actor):
        raise NotFound(_("No such portfolio."))
    if from_user_id == to_user_id:
        raise InvalidReassignment(_("Choose two different collectors."))
    source, target = _collector_of(portfolio_id, from_user_id), _collector_of(portfolio_id, to_user_id)
    ids = list(
        WorkItem.objects.select_for_update()
        .filter(portfolio_id=portfolio_id, assigned_to=source, status=WorkItemStatus.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    WorkItem.objects.filter(pk__in=ids).update(assigned_to=target)
    count = len(ids)
    notifications.notify([target], _("%(count)d work items of %(user)s were assigned to you.") % {"count": count, "user": source.get_username()}, case=None, now=now)  # fmt: skip
    notifications.notify([source], _("%(count)d of your work items were reassigned to %(user)s.") % {"count": count, "user": target.get_username()}, case=None, now=now)  # fmt: skip
    record_event(
        actor=actor, action="casework.reassign_work_items", target=("work_items", count), now=now,
        portfolio_id=portfolio_id, before={"assigned_to": source.pk},
        after={"assigned_to": target.pk, "work_items": ids, "request_key": request_key or ""},
    )  # fmt: skip
    return count


def _supervised(actor: Any) -> list[int]:
    if not may_supervise(actor):
        raise PermissionDenied(_("Only a supervisor may see the team's work."))
    return _portfolio_ids(actor)


def list_team_workload(*, actor: Any, now: datetime) -> list[CollectorLoad]:
    """Return each active collector of the supervisor's portfolios with open items and items done today.

    "Today" is the staff's day (the TIME_ZONE setting). Three queries.

    :raises PermissionDenied: when ``actor`` does not supervise.
    """
    portfolio_ids = _supervised(actor)
    collectors = list(
        get_user_model()
        .objects.filter(role=Role.COLLECTOR, is_active=True, portfolios__in=portfolio_ids)
        .distinct()
        .order_by("username", "pk")
    )
    items = WorkItem.objects.filter(assigned_to__in=collectors, portfolio_id__in=portfolio_ids)
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    counts = (
        items.values_list("assigned_to_id")
        .annotate(
            open=Count("pk", filter=Q(status=WorkItemStatus.OPEN)),
            done=Count("pk", filter=Q(status=WorkItemStatus.DONE, closed_at__gte=start)),
        )
        .order_by()
    )
    by_user = {user_id: (open_count, done) for user_id, open_count, done in counts}
    return [CollectorLoad(user, *by_user.get(user.pk, (0, 0))) for user in collectors]


def list_collectors(*, actor: Any) -> list[Any]:
    """Return the active collectors of the supervisor's portfolios, for a reassignment form."""
    return [load.user for load in list_team_workload(actor=actor, now=timezone.now())]


def _promises(actor: Any) -> QuerySet[Promise]:
    return scope_to_user(
        Promise.objects.select_related("case__debt", "case__debtor", "made_by"), actor, portfolio_field="case__portfolio"
    )  # fmt: skip


def list_promises_due_today(*, actor: Any, now: datetime) -> list[Promise]:
    """Return the open promises due today where each portfolio works, largest first.

    :raises PermissionDenied: when ``actor`` does not supervise.
    """
    portfolio_ids = _supervised(actor)
    today = _on_local_day(
        _days_by_portfolio(now, portfolio_ids), "due_date", "exact", portfolio_field="case__portfolio_id"
    )
    return list(_promises(actor).filter(today, status=PromiseStatus.OPEN).order_by("-amount", "pk"))


def list_broken_promises(*, actor: Any, now: datetime) -> list[Promise]:
    """Return the promises broken in the last BROKEN_PROMISE_DAYS days, newest first.

    :raises PermissionDenied: when ``actor`` does not supervise.
    """
    _supervised(actor)
    since = timezone.localdate(now) - timedelta(days=BROKEN_PROMISE_DAYS)
    return list(
        _promises(actor)
        .filter(status=PromiseStatus.BROKEN, resolved_on__gte=since)
        .order_by("-resolved_on", "pk")
    )
