"""API endpoints for casework: disputes (with documents) and escalations, scoped like the pages.

A stale ``revision`` answers 409; the same ``request_key`` twice returns what the first call did.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status, UploadedFile

from arrears.api.portfolio import ErrorOut
from arrears.casework import disputes, escalations
from arrears.casework import queries as case_queries
from arrears.casework.models import Case, Dispute, Escalation
from arrears.core.errors import NotFound
from arrears.people.models import User
from arrears.portfolio.models import ContactPerson

router = Router(tags=["casework"])


class DocumentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class DisputeOut(Schema):
    id: int
    case_id: int
    reason: str
    description: str
    status: str
    hold_id: int | None
    outcome_note: str
    opened_at: datetime
    resolved_at: datetime | None
    documents: list[DocumentOut]
    case_revision: int


def _dispute_out(dispute: Dispute) -> DisputeOut:
    documents = [
        DocumentOut(id=doc.pk, name=doc.name, content_type=doc.content_type, size=doc.size, sha256=doc.sha256,
                    uploaded_at=doc.uploaded_at)
        for doc in dispute.documents.order_by("pk")
    ]  # fmt: skip
    return DisputeOut(
        id=dispute.pk, case_id=dispute.case_id, reason=dispute.reason, description=dispute.description,
        status=dispute.status, hold_id=dispute.hold_id, outcome_note=dispute.outcome_note, opened_at=dispute.opened_at,
        resolved_at=dispute.resolved_at, documents=documents,
        case_revision=Case.objects.values_list("revision", flat=True).get(pk=dispute.case_id),
    )  # fmt: skip


class DisputeIn(Schema):
    reason: str
    description: str
    revision: int | None = None
    request_key: str | None = None


@router.post(
    "/cases/{case_id}/disputes",
    response={201: DisputeOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def open_dispute(
    request: HttpRequest,
    case_id: int,
    payload: Form[DisputeIn],
    documents: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[DisputeOut]:
    """Record a dispute (multipart: the fields and any number of ``documents``); the debt goes on hold.

    Documents: PDF, JPEG, PNG or plain text, checked by content, at most ``ARREARS_UPLOAD_MAX_BYTES`` each.
    """
    case = case_queries.get_case(user=request.user, case_id=case_id)
    dispute = disputes.open_dispute(
        case=case, reason=payload.reason, description=payload.description, documents=list(documents or []),
        actor=request.user, now=timezone.now(), expected_revision=payload.revision,
        request_key=payload.request_key, source="api",
    )  # fmt: skip
    return Status(201, _dispute_out(dispute))


class ResolveIn(Schema):
    outcome: str
    note: str
    correction: dict[str, Decimal] | None = None
    revision: int | None = None
    request_key: str | None = None


@router.post(
    "/disputes/{dispute_id}/resolve",
    response={200: DisputeOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def resolve_dispute(request: HttpRequest, dispute_id: int, payload: ResolveIn) -> DisputeOut:
    """Resolve a dispute: ``corrected`` (books ``correction``: component → signed amount), ``rejected``, ``withdrawn``."""
    dispute = disputes.get_dispute(user=request.user, dispute_id=dispute_id)
    resolved = disputes.resolve_dispute(
        dispute=dispute, outcome=payload.outcome, note=payload.note, correction=payload.correction,
        actor=request.user, now=timezone.now(), expected_revision=payload.revision, request_key=payload.request_key,
    )  # fmt: skip
    return _dispute_out(resolved)


@router.get("/disputes/{dispute_id}/documents/{document_id}", response={200: None, 404: ErrorOut})
def download_document(request: HttpRequest, dispute_id: int, document_id: int) -> FileResponse:
    """Download one document of a dispute in a portfolio you may see."""
    document = disputes.get_document(user=request.user, dispute_id=dispute_id, document_id=document_id)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class NewDecisionMakerIn(Schema):
    name: str
    title: str = ""
    notes: str = ""


class EscalationIn(Schema):
    reason: str
    to_supervisor: bool = True
    to_user_id: int | None = None
    decision_maker_id: int | None = None
    new_decision_maker: NewDecisionMakerIn | None = None
    revision: int | None = None
    request_key: str | None = None


class EscalationOut(Schema):
    id: int
    case_id: int
    to_user: str | None
    decision_maker_id: int | None
    reason: str
    is_open: bool
    created_at: datetime
    closed_at: datetime | None


def _escalation_out(escalation: Escalation) -> EscalationOut:
    return EscalationOut(
        id=escalation.pk, case_id=escalation.case_id,
        to_user=escalation.to_user.get_username() if escalation.to_user else None,
        decision_maker_id=escalation.decision_maker_id, reason=escalation.reason, is_open=escalation.is_open,
        created_at=escalation.created_at, closed_at=escalation.closed_at,
    )  # fmt: skip


def _one(model: Any, pk: int | None, message: str, **scope: Any) -> Any:
    if pk is None:
        return None
    found = model.objects.filter(pk=pk, **scope).order_by("pk").first()
    if found is None:
        raise NotFound(message)
    return found


@router.post(
    "/cases/{case_id}/escalations",
    response={201: EscalationOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def escalate(request: HttpRequest, case_id: int, payload: EscalationIn) -> Status[EscalationOut]:
    """Escalate a case to a supervisor (by default the collector's team supervisor) and/or a company's decision-maker."""
    case = case_queries.get_case(user=request.user, case_id=case_id)
    new = payload.new_decision_maker
    escalation = escalations.escalate(
        case=case, reason=payload.reason, to_supervisor=payload.to_supervisor,
        to_user=_one(User, payload.to_user_id, _("No such user.")),
        decision_maker=_one(ContactPerson, payload.decision_maker_id, _("No such contact person."), debtor=case.debtor),
        new_decision_maker=escalations.NewDecisionMaker(new.name, new.title, new.notes) if new else None,
        actor=request.user, now=timezone.now(), expected_revision=payload.revision, request_key=payload.request_key,
    )  # fmt: skip
    return Status(201, _escalation_out(escalation))


class CloseEscalationIn(Schema):
    note: str = ""
    revision: int | None = None
    request_key: str | None = None


@router.post(
    "/escalations/{escalation_id}/close",
    response={200: EscalationOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def close_escalation(request: HttpRequest, escalation_id: int, payload: CloseEscalationIn) -> EscalationOut:
    """Close an open escalation and its supervisor task."""
    escalation = escalations.get_escalation(user=request.user, escalation_id=escalation_id)
    closed = escalations.close_escalation(
        escalation=escalation, note=payload.note, actor=request.user, now=timezone.now(),
        expected_revision=payload.revision, request_key=payload.request_key,
    )  # fmt: skip
    return _escalation_out(closed)
