"""API: legal referral — eligibility, refer, approve or reject, litigation steps, evidence bundles."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from arrears.api.portfolio import ErrorOut
from arrears.casework import queries as case_queries
from arrears.core.errors import NotFound
from arrears.recovery import bundles, litigation, policy, referrals
from arrears.recovery.models import EvidenceBundle, LegalReferral

router = Router(tags=["recovery"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class BlockOut(Schema):
    code: str
    text: str


class EligibilityOut(Schema):
    eligible: bool
    blocks: list[BlockOut]


@router.get("/cases/{case_id}/referral-eligibility", response={200: EligibilityOut, 404: ErrorOut})
def eligibility(request: HttpRequest, case_id: int) -> EligibilityOut:
    """Say whether the case may go to legal referral now, and every rule that blocks it."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    blocks = referrals.check_eligibility(case=case, now=timezone.now())
    return EligibilityOut(
        eligible=not blocks,
        blocks=[BlockOut(code=block.value, text=str(policy.BLOCK_TEXT[block])) for block in blocks],
    )


class HearingOut(Schema):
    held_at: datetime
    note: str


class BundleOut(Schema):
    id: int
    file_name: str
    sha256: str
    size: int
    created_at: datetime


class ReferralOut(Schema):
    id: int
    case_id: int
    status: str
    balance: Decimal
    currency: str
    reason: str
    referred_at: datetime
    supervisor_approved_by: str | None
    compliance_approved_by: str | None
    firm: str
    court: str
    court_case_number: str
    filed_on: date | None
    judgment_on: date | None
    judgment_amount: Decimal | None
    costs_awarded: Decimal | None
    enforcement_note: str
    hearings: list[HearingOut]
    bundles: list[BundleOut]


def _bundle_out(bundle: EvidenceBundle) -> BundleOut:
    return BundleOut(id=bundle.pk, file_name=bundle.file_name, sha256=bundle.sha256, size=bundle.size,
                     created_at=bundle.created_at)  # fmt: skip


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def referral_out(referral: LegalReferral) -> ReferralOut:
    return ReferralOut(
        id=referral.pk, case_id=referral.case_id, status=referral.status, balance=referral.balance,
        currency=referral.currency, reason=referral.reason, referred_at=referral.referred_at,
        supervisor_approved_by=_name(referral.supervisor_approved_by),
        compliance_approved_by=_name(referral.compliance_approved_by),
        firm=referral.firm, court=referral.court, court_case_number=referral.court_case_number,
        filed_on=referral.filed_on, judgment_on=referral.judgment_on, judgment_amount=referral.judgment_amount,
        costs_awarded=referral.costs_awarded, enforcement_note=referral.enforcement_note,
        hearings=[HearingOut(held_at=h.held_at, note=h.note) for h in referral.hearings.order_by("held_at", "pk")],
        bundles=[_bundle_out(bundle) for bundle in referral.bundles.order_by("pk")],
    )  # fmt: skip


class ReferIn(Schema):
    reason: str


@router.post("/cases/{case_id}/referrals", response={201: ReferralOut, **ERRORS})
def refer_case(request: HttpRequest, case_id: int, payload: ReferIn) -> Status[ReferralOut]:
    """Refer the case for legal action; an ineligible case is refused (422) naming every rule that blocks it."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    referral = referrals.refer_case(
        case_id=case.pk, reason=payload.reason, actor=request.user, now=timezone.now()
    )
    return Status(201, referral_out(referral))


@router.get("/referrals", response={200: list[ReferralOut]})
def list_referrals(request: HttpRequest, status: str | None = None) -> list[ReferralOut]:
    """List the referrals in your portfolios, oldest first; ``status`` (e.g. ``pending``) narrows them."""
    return [referral_out(referral) for referral in referrals.list_referrals(user=request.user, status=status)]


@router.get("/referrals/{referral_id}", response={200: ReferralOut, 404: ErrorOut})
def get_referral(request: HttpRequest, referral_id: int) -> ReferralOut:
    """Return one referral with its approvals, litigation and bundles."""
    return referral_out(referrals.get_referral(user=request.user, referral_id=referral_id))


class ApproveIn(Schema):
    capacity: str
    comment: str = ""


@router.post("/referrals/{referral_id}/approve", response={200: ReferralOut, **ERRORS})
def approve(request: HttpRequest, referral_id: int, payload: ApproveIn) -> ReferralOut:
    """Approve as ``supervisor`` or ``compliance``; with both approvals the referral is approved."""
    referral = referrals.get_referral(user=request.user, referral_id=referral_id)
    done = referrals.approve_referral(referral_id=referral.pk, capacity=payload.capacity, comment=payload.comment,
                                      actor=request.user, now=timezone.now())  # fmt: skip
    return referral_out(done)


class CommentIn(Schema):
    comment: str


@router.post("/referrals/{referral_id}/reject", response={200: ReferralOut, **ERRORS})
def reject(request: HttpRequest, referral_id: int, payload: CommentIn) -> ReferralOut:
    """Reject a waiting referral, or withdraw an approved one not yet filed."""
    referral = referrals.get_referral(user=request.user, referral_id=referral_id)
    done = referrals.reject_referral(referral_id=referral.pk, comment=payload.comment, actor=request.user,
                                     now=timezone.now())  # fmt: skip
    return referral_out(done)


class FilingIn(Schema):
    firm: str
    court: str
    court_case_number: str
    filed_on: date


@router.post("/referrals/{referral_id}/filing", response={200: ReferralOut, **ERRORS})
def record_filing(request: HttpRequest, referral_id: int, payload: FilingIn) -> ReferralOut:
    """Record the claim filed with the court (law firm, court, case number)."""
    referral = referrals.get_referral(user=request.user, referral_id=referral_id)
    litigation.record_filing(
        referral_id=referral.pk, actor=request.user, now=timezone.now(), **payload.model_dump()
    )
    return referral_out(referrals.get_referral(user=request.user, referral_id=referral_id))


class HearingIn(Schema):
    held_at: datetime
    note: str = ""


@router.post("/referrals/{referral_id}/hearings", response={201: ReferralOut, **ERRORS})
def add_hearing(request: HttpRequest, referral_id: int, payload: HearingIn) -> Status[ReferralOut]:
    """Record a hearing."""
    referral = referrals.get_referral(user=request.user, referral_id=referral_id)
    litigation.add_hearing(referral_id=referral.pk, held_at=payload.held_at, note=payload.note, actor=request.user,
                           now=timezone.now())  # fmt: skip
    return Status(201, referral_out(referral))


class JudgmentIn(Schema):
    judgment_on: date
    amount: Decimal
    costs: Decimal = Decimal("0.00")


@router.post("/referrals/{referral_id}/judgment", response={200: ReferralOut, **ERRORS})
def record_judgment(request: HttpRequest, referral_id: int, payload: JudgmentIn) -> ReferralOut:
    """Record the judgment; the costs awarded are charged to the debt as a fee."""
    referral = referrals.get_referral(user=request.user, referral_id=referral_id)
    litigation.record_judgment(
        referral_id=referral.pk, actor=request.user, now=timezone.now(), **payload.model_dump()
    )
    return referral_out(referrals.get_referral(user=request.user, referral_id=referral_id))


class NoteIn(Schema):
    note: str


@router.post("/referrals/{referral_id}/enforcement", response={200: ReferralOut, **ERRORS})
def record_enforcement(request: HttpRequest, referral_id: int, payload: NoteIn) -> ReferralOut:
    """Record that enforcement of the judgment began."""
    referral = referrals.get_referral(user=request.user, referral_id=referral_id)
    litigation.record_enforcement(
        referral_id=referral.pk, note=payload.note, actor=request.user, now=timezone.now()
    )
    return referral_out(referrals.get_referral(user=request.user, referral_id=referral_id))


@router.post("/referrals/{referral_id}/close", response={200: ReferralOut, **ERRORS})
def close(request: HttpRequest, referral_id: int, payload: NoteIn) -> ReferralOut:
    """Close the litigation with how it ended."""
    referral = referrals.get_referral(user=request.user, referral_id=referral_id)
    litigation.close_referral(
        referral_id=referral.pk, note=payload.note, actor=request.user, now=timezone.now()
    )
    return referral_out(referrals.get_referral(user=request.user, referral_id=referral_id))


@router.post("/referrals/{referral_id}/bundles", response={201: BundleOut, **ERRORS})
def build_bundle(request: HttpRequest, referral_id: int) -> Status[BundleOut]:
    """Build the evidence bundle (checked against its manifest before it is stored); refused (422) otherwise."""
    referral = referrals.get_referral(user=request.user, referral_id=referral_id)
    bundle, _content = bundles.build_bundle(referral=referral, actor=request.user, now=timezone.now())
    return Status(201, _bundle_out(bundle))


@router.get(
    "/referrals/{referral_id}/bundles/{bundle_id}", response={200: None, 404: ErrorOut, 422: ErrorOut}
)
def download_bundle(request: HttpRequest, referral_id: int, bundle_id: int) -> HttpResponse:
    """Download a bundle's ZIP, checked against its recorded hash and its manifest first."""
    referral = referrals.get_referral(user=request.user, referral_id=referral_id)
    bundle = referral.bundles.filter(pk=bundle_id).order_by("pk").first()
    if bundle is None:
        raise NotFound(_("No such bundle."))
    response = HttpResponse(bundles.read_bundle(bundle), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{bundle.file_name}"'
    response["Cache-Control"] = "private, no-store"
    return response
