"""API: field visits — schedule, list, check in and out, documents, cancel."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status, UploadedFile

from arrears.api.portfolio import ErrorOut
from arrears.casework import queries as case_queries
from arrears.core.errors import NotFound, PermissionDenied
from arrears.people.models import User
from arrears.people.roles import Capability
from arrears.recovery import queries, visits
from arrears.recovery.models import Visit

router = Router(tags=["recovery"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class VisitOut(Schema):
    id: int
    case_id: int
    agent: str
    companion: str | None
    place_kind: str
    area: str
    scheduled_for: datetime
    route_order: int
    status: str
    checked_in_at: datetime | None
    latitude: Decimal | None
    longitude: Decimal | None
    checked_out_at: datetime | None
    outcome: str
    notes: str
    safety_flags: list[str]
    promise_id: int | None
    documents: list[str]


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def visit_out(visit: Visit) -> VisitOut:
    return VisitOut(
        id=visit.pk, case_id=visit.case_id, agent=visit.agent.get_username(),
        companion=_name(visit.companion), place_kind=visit.place_kind,
        area=visit.area, scheduled_for=visit.scheduled_for, route_order=visit.route_order, status=visit.status,
        checked_in_at=visit.checked_in_at, latitude=visit.check_in_latitude, longitude=visit.check_in_longitude,
        checked_out_at=visit.checked_out_at, outcome=visit.outcome, notes=visit.notes, safety_flags=visit.safety_flags,
        promise_id=visit.promise_id, documents=[doc.name for doc in visit.documents.order_by("pk")],
    )  # fmt: skip


class ScheduleIn(Schema):
    agent_id: int
    companion_id: int | None = None
    scheduled_for: datetime
    place_kind: str = "home"
    area: str = ""
    purpose: str = ""
    contact_point_id: int | None = None


def _visitor(user_id: int | None, case_portfolio_id: int) -> User | None:
    if user_id is None:
        return None
    found = User.objects.filter(pk=user_id, is_active=True).order_by("pk").first()
    if found is None or not (
        found.can(Capability.SEE_ALL_PORTFOLIOS) or found.portfolios.filter(pk=case_portfolio_id).exists()
    ):
        raise NotFound(_("No such field agent in this portfolio."))
    return found


@router.post("/cases/{case_id}/visits", response={201: VisitOut, **ERRORS})
def schedule_visit(request: HttpRequest, case_id: int, payload: ScheduleIn) -> Status[VisitOut]:
    """Schedule a field visit; refused (422, with the rule) at a place off limits or a time the packs forbid."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    visit = visits.schedule_visit(
        case=case, agent=_visitor(payload.agent_id, case.portfolio_id),
        companion=_visitor(payload.companion_id, case.portfolio_id), scheduled_for=payload.scheduled_for,
        place_kind=payload.place_kind, area=payload.area, purpose=payload.purpose,
        contact_point_id=payload.contact_point_id, actor=request.user, now=timezone.now(),
    )  # fmt: skip
    return Status(201, visit_out(visit))


@router.get("/visits", response={200: list[VisitOut], 403: ErrorOut})
def my_visits(request: HttpRequest, day: date | None = None, days: int = 7) -> list[VisitOut]:
    """List your visits (as agent or second agent) from ``day`` (default today) for ``days`` days, in route order."""
    if not request.user.can(Capability.VISIT_DEBTORS):  # type: ignore[union-attr]
        raise PermissionDenied(_("You do not make field visits."))
    zone = timezone.get_current_timezone_name()
    rows = queries.list_my_visits(
        user=request.user, day=day or timezone.localdate(), zone=zone, days=min(days, 31)
    )
    return [visit_out(visit) for visit in rows]


@router.get("/visits/{visit_id}", response={200: VisitOut, 404: ErrorOut})
def get_visit(request: HttpRequest, visit_id: int) -> VisitOut:
    """Return one visit in your portfolios."""
    return visit_out(queries.get_visit(user=request.user, visit_id=visit_id))


class CheckInIn(Schema):
    identification_shown: bool
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@router.post("/visits/{visit_id}/check-in", response={200: VisitOut, **ERRORS})
def check_in(request: HttpRequest, visit_id: int, payload: CheckInIn) -> VisitOut:
    """Check in now; refused (422, with the rule codes) outside the debtor's hours or against the visit rules."""
    visit = queries.get_visit(user=request.user, visit_id=visit_id)
    done = visits.check_in(visit_id=visit.pk, identification_shown=payload.identification_shown,
                           latitude=payload.latitude, longitude=payload.longitude, actor=request.user,
                           now=timezone.now())  # fmt: skip
    return visit_out(done)


class PromiseIn(Schema):
    amount: Decimal
    due_date: date


class CheckOutIn(Schema):
    outcome: str
    notes: str = ""
    safety_flags: list[str] = []
    promise: PromiseIn | None = None


@router.post("/visits/{visit_id}/check-out", response={200: VisitOut, **ERRORS})
def check_out(request: HttpRequest, visit_id: int, payload: CheckOutIn) -> VisitOut:
    """Check out with the outcome, notes (linted), safety flags and any promise taken on site."""
    visit = queries.get_visit(user=request.user, visit_id=visit_id)
    promise = (
        visits.OnSitePromise(payload.promise.amount, payload.promise.due_date) if payload.promise else None
    )
    done = visits.check_out(visit_id=visit.pk, outcome=payload.outcome, notes=payload.notes,
                            safety_flags=payload.safety_flags, promise=promise, actor=request.user,
                            now=timezone.now())  # fmt: skip
    return visit_out(done)


@router.post("/visits/{visit_id}/documents", response={201: VisitOut, **ERRORS})
def attach_documents(
    request: HttpRequest, visit_id: int, documents: File[list[UploadedFile]]
) -> Status[VisitOut]:
    """Add photos or documents (multipart ``documents``: PDF, JPEG, PNG or text) to a visit that was made."""
    visit = queries.get_visit(user=request.user, visit_id=visit_id)
    visits.attach_documents(
        visit_id=visit.pk, documents=list(documents), actor=request.user, now=timezone.now()
    )
    return Status(201, visit_out(queries.get_visit(user=request.user, visit_id=visit_id)))


class CancelIn(Schema):
    reason: str


@router.post("/visits/{visit_id}/cancel", response={200: VisitOut, **ERRORS})
def cancel_visit(request: HttpRequest, visit_id: int, payload: CancelIn) -> VisitOut:
    """Cancel a scheduled visit with the reason."""
    visit = queries.get_visit(user=request.user, visit_id=visit_id)
    return visit_out(visits.cancel_visit(visit_id=visit.pk, reason=payload.reason, actor=request.user,
                                         now=timezone.now()))  # fmt: skip
