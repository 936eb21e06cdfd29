"""API: agency placements and remittances, settlement offers, write-offs and recoveries after them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from arrears.api.portfolio import ErrorOut
from arrears.casework import queries as case_queries
from arrears.casework.models import Arrangement
from arrears.core.errors import NotFound, PermissionDenied
from arrears.people.roles import Capability
from arrears.recovery import placements, queries, settlements, write_offs
from arrears.recovery.models import Agency, Placement, WriteOff

router = Router(tags=["recovery"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class AgencyOut(Schema):
    id: int
    code: str
    name: str
    commission_rate: Decimal
    export_fields: list[str]
    is_active: bool


def _agency_out(agency: Agency) -> AgencyOut:
    return AgencyOut(id=agency.pk, code=agency.code, name=agency.name, commission_rate=agency.commission_rate,
                     export_fields=placements.export_fields(agency), is_active=agency.is_active)  # fmt: skip


def _manager(request: HttpRequest) -> None:
    if not request.user.can(Capability.MANAGE_PLACEMENTS):  # type: ignore[union-attr]
        raise PermissionDenied(_("Only a supervisor manages agency placements."))


@router.get("/agencies", response={200: list[AgencyOut], 403: ErrorOut})
def list_agencies(request: HttpRequest) -> list[AgencyOut]:
    """List the agencies, each with the fields it receives."""
    _manager(request)
    return [_agency_out(agency) for agency in Agency.objects.order_by("name")]


class PlacementOut(Schema):
    id: int
    agency: str
    case_id: int
    debt: str
    status: str
    commission_rate: Decimal
    balance: Decimal
    currency: str
    placed_at: datetime
    recalled_at: datetime | None


def _placement_out(placement: Placement) -> PlacementOut:
    return PlacementOut(
        id=placement.pk, agency=placement.agency.code, case_id=placement.case_id, debt=placement.case.debt.external_ref,
        status=placement.status, commission_rate=placement.commission_rate, balance=placement.balance,
        currency=placement.currency, placed_at=placement.placed_at, recalled_at=placement.recalled_at,
    )  # fmt: skip


class PlaceIn(Schema):
    references: list[str]


@router.post("/agencies/{agency_id}/placements", response={201: list[PlacementOut], **ERRORS})
def place_cases(request: HttpRequest, agency_id: int, payload: PlaceIn) -> Status[list[PlacementOut]]:
    """Place the cases of these debt references with the agency; all or none (422 names each refusal)."""
    agency = queries.get_agency(agency_id=agency_id)
    cases, unknown = queries.find_cases(user=request.user, references=payload.references)
    if unknown:
        raise NotFound(_("Unknown debt references: %(refs)s.") % {"refs": ", ".join(unknown)})
    placed = placements.place_cases(agency=agency, cases=cases, actor=request.user, now=timezone.now())
    return Status(201, [_placement_out(placement) for placement in placed])


@router.get(
    "/agencies/{agency_id}/placements", response={200: list[PlacementOut], 403: ErrorOut, 404: ErrorOut}
)
def list_placements(request: HttpRequest, agency_id: int, active: bool = False) -> list[PlacementOut]:
    """List the agency's placements in your portfolios."""
    _manager(request)
    agency = queries.get_agency(agency_id=agency_id)
    rows = queries.list_placements(user=request.user, agency=agency, active_only=active)
    return [_placement_out(placement) for placement in rows]


@router.post("/agencies/{agency_id}/export", response={200: None, 403: ErrorOut, 404: ErrorOut})
def export(request: HttpRequest, agency_id: int) -> HttpResponse:
    """Export the cases with the agency as CSV, with only the fields it is entitled to."""
    agency = queries.get_agency(agency_id=agency_id)
    active = queries.list_placements(user=request.user, agency=agency, active_only=True)
    now = timezone.now()
    content = placements.export_placements(agency=agency, placements=active, actor=request.user, now=now)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{agency.code}-{now:%Y%m%d}.csv"'
    return response


class ReasonIn(Schema):
    reason: str


@router.post("/placements/{placement_id}/recall", response={200: PlacementOut, **ERRORS})
def recall(request: HttpRequest, placement_id: int, payload: ReasonIn) -> PlacementOut:
    """Recall a case from its agency."""
    placement = queries.get_placement(user=request.user, placement_id=placement_id)
    done = placements.recall_placement(placement_id=placement.pk, reason=payload.reason, actor=request.user,
                                       now=timezone.now())  # fmt: skip
    return _placement_out(done)


class MoneyIn(Schema):
    external_ref: str
    amount: Decimal
    received_date: date


class RemittanceOut(Schema):
    id: int
    payment_id: int
    amount: Decimal
    commission: Decimal


@router.post("/placements/{placement_id}/remittances", response={201: RemittanceOut, **ERRORS})
def record_remittance(request: HttpRequest, placement_id: int, payload: MoneyIn) -> Status[RemittanceOut]:
    """Post a payment the agency collected; the commission is worked out at the placement's rate."""
    placement = queries.get_placement(user=request.user, placement_id=placement_id)
    made = placements.record_remittance(placement_id=placement.pk, actor=request.user, now=timezone.now(),
                                        **payload.model_dump())  # fmt: skip
    return Status(201, RemittanceOut(id=made.pk, payment_id=made.payment_id, amount=made.amount,
                                     commission=made.commission))  # fmt: skip


class ReconciliationOut(Schema):
    agency: str
    start: date
    end: date
    count: int
    collected: Decimal
    commission: Decimal
    net: Decimal


@router.get(
    "/agencies/{agency_id}/reconciliation", response={200: ReconciliationOut, 403: ErrorOut, 404: ErrorOut}
)
def reconcile(request: HttpRequest, agency_id: int, start: date, end: date) -> ReconciliationOut:
    """Total the agency's remittances received from ``start`` to ``end``: collected, commission, net."""
    _manager(request)
    found = placements.reconcile(agency=queries.get_agency(agency_id=agency_id), start=start, end=end)
    return ReconciliationOut(agency=found.agency.code, start=found.start, end=found.end, count=found.count,
                             collected=found.collected, commission=found.commission, net=found.net)  # fmt: skip


class SettlementIn(Schema):
    amount: Decimal
    pay_by: date
    reason: str = ""


class SettlementOut(Schema):
    arrangement_id: int
    status: str
    amount: Decimal
    discount: Decimal
    pay_by: date | None


def _settlement_out(offer: Arrangement) -> SettlementOut:
    return SettlementOut(arrangement_id=offer.pk, status=offer.status, amount=offer.total_payment,
                         discount=offer.discount, pay_by=offer.first_due)  # fmt: skip


@router.post("/cases/{case_id}/settlements", response={201: SettlementOut, **ERRORS})
def offer_settlement(request: HttpRequest, case_id: int, payload: SettlementIn) -> Status[SettlementOut]:
    """Offer to settle for ``amount`` by ``pay_by``; beyond your waiver limit it waits for a supervisor."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    offer = settlements.offer_settlement(case=case, amount=payload.amount, pay_by=payload.pay_by,
                                         reason=payload.reason, actor=request.user, now=timezone.now(),
                                         source="api")  # fmt: skip
    return Status(201, _settlement_out(offer))


class WriteOffIn(Schema):
    closure_reason: str
    note: str = ""


class WriteOffOut(Schema):
    id: int
    case_id: int
    status: str
    closure_reason: str
    amount: Decimal
    currency: str
    components: dict[str, str]
    recovered: Decimal


def _write_off_out(write_off: WriteOff) -> WriteOffOut:
    return WriteOffOut(
        id=write_off.pk, case_id=write_off.case_id, status=write_off.status, closure_reason=write_off.closure_reason,
        amount=write_off.amount, currency=write_off.currency, components=write_off.components,
        recovered=write_offs.recovered_so_far(write_off),
    )  # fmt: skip


@router.post("/cases/{case_id}/write-offs", response={201: WriteOffOut, **ERRORS})
def request_write_off(request: HttpRequest, case_id: int, payload: WriteOffIn) -> Status[WriteOffOut]:
    """Ask for the case's balance to be written off; someone with ``approve_write_off`` decides."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    made = write_offs.request_write_off(case_id=case.pk, closure_reason=payload.closure_reason, note=payload.note,
                                        actor=request.user, now=timezone.now())  # fmt: skip
    return Status(201, _write_off_out(made))


@router.get("/write-offs/{write_off_id}", response={200: WriteOffOut, 404: ErrorOut})
def get_write_off(request: HttpRequest, write_off_id: int) -> WriteOffOut:
    """Return one write-off with what was recovered after it."""
    return _write_off_out(queries.get_write_off(user=request.user, write_off_id=write_off_id))


class DecisionIn(Schema):
    comment: str = ""


@router.post("/write-offs/{write_off_id}/approve", response={200: WriteOffOut, **ERRORS})
def approve_write_off(request: HttpRequest, write_off_id: int, payload: DecisionIn) -> WriteOffOut:
    """Approve: the balance is booked as written off and the debt marked written off."""
    found = queries.get_write_off(user=request.user, write_off_id=write_off_id)
    return _write_off_out(write_offs.approve_write_off(write_off_id=found.pk, comment=payload.comment,
                                                       actor=request.user, now=timezone.now()))  # fmt: skip


@router.post("/write-offs/{write_off_id}/reject", response={200: WriteOffOut, **ERRORS})
def reject_write_off(request: HttpRequest, write_off_id: int, payload: DecisionIn) -> WriteOffOut:
    """Reject a pending write-off with a comment."""
    found = queries.get_write_off(user=request.user, write_off_id=write_off_id)
    return _write_off_out(write_offs.reject_write_off(write_off_id=found.pk, comment=payload.comment,
                                                      actor=request.user, now=timezone.now()))  # fmt: skip


@router.post("/write-offs/{write_off_id}/recoveries", response={201: WriteOffOut, **ERRORS})
def record_recovery(request: HttpRequest, write_off_id: int, payload: MoneyIn) -> Status[WriteOffOut]:
    """Post money received after the write-off: what it covers is owed again, then paid."""
    if not request.user.can(Capability.POST_PAYMENTS):  # type: ignore[union-attr]
        raise PermissionDenied(_("You may not post payments."))
    found = queries.get_write_off(user=request.user, write_off_id=write_off_id)
    write_offs.record_recovery(
        write_off_id=found.pk, actor=request.user, now=timezone.now(), **payload.model_dump()
    )
    return Status(201, _write_off_out(found))
