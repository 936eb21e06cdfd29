"""Reads for the recovery pages and API, scoped to the user's portfolios."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from arrears.casework.models import Arrangement, Case, WorkItem, WorkItemStatus
from arrears.core.errors import NotFound
from arrears.people.roles import Capability
from arrears.people.scoping import scope_to_user
from arrears.portfolio.choices import ContactKind
from arrears.portfolio.models import ContactPoint
from arrears.recovery import policy, referrals, settlements, write_offs
from arrears.recovery.models import (
    OPEN_REFERRAL_STATUSES,
    Agency,
    LegalReferral,
    Placement,
    PlacementStatus,
    ReferralStatus,
    Visit,
    VisitStatus,
    WriteOff,
    WriteOffStatus,
)


def _scoped(queryset: QuerySet[Any], user: Any) -> QuerySet[Any]:
    return scope_to_user(queryset, user, portfolio_field="case__portfolio")


def get_visit(*, user: Any, visit_id: int) -> Visit:
    """Return one visit in the user's portfolios.

    :raises NotFound: when there is no such visit or it is out of scope.
    """
    found = _scoped(Visit.objects.select_related("case__debt", "case__debtor", "case__portfolio", "agent",
                                                 "companion", "contact_point"), user)  # fmt: skip
    try:
        return found.get(pk=visit_id)
    except Visit.DoesNotExist:
        raise NotFound(_("No such visit.")) from None


def list_my_visits(*, user: Any, day: date, zone: str, days: int = 7) -> list[Visit]:
    """Return the user's visits (as agent or second agent) from ``day`` for ``days`` days, in route order."""
    local = ZoneInfo(zone)
    starts = datetime.combine(day, time.min, tzinfo=local)
    rows = (
        _scoped(Visit.objects.select_related("case__debt", "case__debtor", "contact_point"), user)
        .filter(Q(agent=user) | Q(companion=user))
        .filter(scheduled_for__gte=starts, scheduled_for__lt=starts + timedelta(days=days))
        .exclude(status=VisitStatus.CANCELLED)
    )
    return sorted(
        rows,
        key=lambda visit: (visit.scheduled_for.astimezone(local).date(), visit.route_order or 999,
                           visit.scheduled_for, visit.pk),
    )  # fmt: skip


def list_visit_work(*, user: Any, limit: int = 50) -> list[WorkItem]:
    """Return open field-visit work items the daily cycle planned (the user's or unassigned) not yet scheduled."""
    rows = scope_to_user(WorkItem.objects.select_related("case__debt", "case__debtor"), user)
    rows = rows.filter(kind="visit", status=WorkItemStatus.OPEN).filter(
        Q(assigned_to=user) | Q(assigned_to__isnull=True)
    )
    rows = rows.exclude(case__visits__status__in=[VisitStatus.SCHEDULED, VisitStatus.CHECKED_IN])
    return list(rows.order_by("business_date", "pk")[:limit])


def list_visit_addresses(*, case: Case) -> list[ContactPoint]:
    """Return the debtor's postal addresses, primary first."""
    return list(case.debtor.contact_points.filter(kind=ContactKind.ADDRESS).order_by("-is_primary", "pk"))


@dataclass(frozen=True)
class CaseRecovery:
    """Everything the case's recovery page shows."""

    case: Case
    balance: Any
    referral_blocks: list[str]
    visits: list[Visit]
    referrals: list[LegalReferral]
    placements: list[Placement]
    settlements: list[Arrangement]
    write_offs: list[WriteOff]
    may_refer: bool
    may_place: bool
    agencies: list[Agency]


def get_case_recovery(*, case: Case, user: Any, now: datetime) -> CaseRecovery:
    """Return the case's visits, referrals, placements, settlements and write-offs, and what blocks a referral."""
    blocks = referrals.check_eligibility(case=case, now=now)
    return CaseRecovery(
        case=case, balance=settlements.balance_of(case), referral_blocks=[policy.explain([block]) for block in blocks],
        visits=list(Visit.objects.filter(case=case).select_related("agent", "companion").order_by("-scheduled_for", "-pk")),
        referrals=list(LegalReferral.objects.filter(case=case).order_by("-referred_at", "-pk")),
        placements=list(Placement.objects.filter(case=case).select_related("agency").order_by("-placed_at", "-pk")),
        settlements=settlements.list_settlements(case=case),
        write_offs=list(WriteOff.objects.filter(case=case).prefetch_related("recoveries__payment").order_by("-requested_at", "-pk")),
        may_refer=user.can(Capability.REFER_LEGAL), may_place=user.can(Capability.MANAGE_PLACEMENTS),
        agencies=list(Agency.objects.filter(is_active=True).order_by("name")),
    )  # fmt: skip


@dataclass(frozen=True)
class Overview:
    """The supervisor's recovery page: what waits for a decision and what is in litigation or with agencies."""

    pending_referrals: list[LegalReferral]
    in_litigation: list[LegalReferral]
    pending_write_offs: list[WriteOff]
    written_off: list[WriteOff]
    agencies: list[Agency]


def get_overview(*, user: Any) -> Overview:
    """Return the referrals, write-offs and agencies of the user's portfolios."""
    referral_rows = _scoped(LegalReferral.objects.select_related("case__debt", "case__debtor"), user)
    write_off_rows = _scoped(WriteOff.objects.select_related("case__debt", "case__debtor"), user)
    active = Count("placements", filter=Q(placements__status=PlacementStatus.ACTIVE))
    return Overview(
        pending_referrals=list(
            referral_rows.filter(status=ReferralStatus.PENDING).order_by("referred_at", "pk")
        ),
        in_litigation=list(
            referral_rows.filter(status__in=OPEN_REFERRAL_STATUSES)
            .exclude(status=ReferralStatus.PENDING)
            .order_by("referred_at", "pk")
        ),
        pending_write_offs=list(
            write_off_rows.filter(status=WriteOffStatus.PENDING).order_by("requested_at", "pk")
        ),
        written_off=list(
            write_off_rows.filter(status=WriteOffStatus.APPROVED).order_by("-decided_at", "-pk")[:50]
        ),
        agencies=list(Agency.objects.annotate(active_placements=active).order_by("name")),
    )


def get_write_off(*, user: Any, write_off_id: int) -> WriteOff:
    """Return one write-off in the user's portfolios.

    :raises NotFound: when there is no such write-off or it is out of scope.
    """
    try:
        return _scoped(WriteOff.objects.select_related("case__debt"), user).get(pk=write_off_id)
    except WriteOff.DoesNotExist:
        raise NotFound(_("No such write-off.")) from None


def recovered(write_off: WriteOff) -> Any:
    """Return the money recovered after ``write_off``."""
    return write_offs.recovered_so_far(write_off)


def get_agency(*, agency_id: int) -> Agency:
    """Return one agency.

    :raises NotFound: when there is no such agency.
    """
    try:
        return Agency.objects.get(pk=agency_id)
    except Agency.DoesNotExist:
        raise NotFound(_("No such agency.")) from None


def list_placements(*, user: Any, agency: Agency, active_only: bool = False) -> list[Placement]:
    """Return the agency's placements in the user's portfolios, newest first."""
    rows = _scoped(Placement.objects.filter(agency=agency).select_related("case__debt", "case__debtor"), user)
    if active_only:
        rows = rows.filter(status=PlacementStatus.ACTIVE)
    return list(rows.prefetch_related("case__debtor__contact_points").order_by("-placed_at", "-pk"))


def get_placement(*, user: Any, placement_id: int) -> Placement:
    """Return one placement in the user's portfolios.

    :raises NotFound: when there is no such placement or it is out of scope.
    """
    try:
        return _scoped(Placement.objects.select_related("case__debt", "agency"), user).get(pk=placement_id)
    except Placement.DoesNotExist:
        raise NotFound(_("No such placement.")) from None


def find_cases(*, user: Any, references: list[str]) -> tuple[list[Case], list[str]]:
    """Return the cases of the given debt references in the user's portfolios, and the references not found."""
    found = list(scope_to_user(Case.objects.select_related("debt", "debtor"), user)
                 .filter(debt__external_ref__in=references).prefetch_related("debtor__contact_points")
                 .order_by("pk"))  # fmt: skip
    known = {case.debt.external_ref for case in found}
    return found, [reference for reference in references if reference not in known]
