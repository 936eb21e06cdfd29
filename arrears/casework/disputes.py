"""Disputes (异议): record one with its documents, hold the debt while it is verified, resolve it.

Opening a dispute places a compliance hold of type ``dispute`` on the debt (so the contact decision
refuses contact about it with ``HOLD.DISPUTE``), creates a verification task in the ``verification``
queue and sets the case's delinquency reason to ``dispute``. Resolving it lifts the hold, closes the
task, when the dispute is upheld corrects the ledger with adjustments, and when upheld or rejected
tells the debtor the outcome (the ``dispute_outcome`` message).

Documents are checked before anything is written: at most ``ARREARS_UPLOAD_MAX_BYTES`` each
(default 10 MB), and PDF, JPEG, PNG or plain text by their content (the file's first bytes), with a
name whose extension says the same. They are stored in Django's default storage under a random
name, with their SHA-256; pages and the API serve them only through views that check the portfolio.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from arrears.casework import guards
from arrears.casework.escalations import supervisor_for
from arrears.casework.models import (
    Case,
    DelinquencyReason,
    Dispute,
    DisputeDocument,
    DisputeReason,
    DisputeStatus,
    WorkItem,
    WorkItemStatus,
)
from arrears.comms import outbox, sending, templates
from arrears.comms.models import Purpose
from arrears.compliance import decisions, holds
from arrears.compliance.rules.vocabulary import HoldType
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, NotFound, PermissionDenied
from arrears.people.roles import Capability
from arrears.people.scoping import scope_to_user
from arrears.portfolio import adjustments, ledger
from arrears.portfolio.choices import ContactKind
from arrears.portfolio.models import ContactPoint, LedgerEntry

DEFAULT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
MAX_DOCUMENTS = 10
VERIFICATION_QUEUE = "verification"
RESOLVED_OUTCOMES = (DisputeStatus.CORRECTED, DisputeStatus.REJECTED, DisputeStatus.WITHDRAWN)
NOTIFIED_OUTCOMES = (DisputeStatus.CORRECTED, DisputeStatus.REJECTED)
# Where the outcome notice goes, best first: a text reaches the debtor soonest, a letter last.
NOTICE_KINDS = (ContactKind.PHONE, ContactKind.EMAIL, ContactKind.ADDRESS)
# Why a notice could not be queued; the resolution stands and the reason is recorded.
NOTICE_REFUSALS = (
    outbox.MessageRefused, outbox.MessageTextBlocked, outbox.NotAContactFor, templates.NoApprovedTemplate,
    templates.MissingValue, templates.RenderedTextBlocked,
)  # fmt: skip


class InvalidDispute(DomainError):
    """A dispute without a reason or description, or a resolution without a note or a correction."""


class InvalidDocument(DomainError):
    """A document too large, of a type not accepted, or whose content is not what its name says."""


class DisputeAlreadyResolved(DomainError):
    """The dispute was resolved already, with another outcome."""


@dataclass(frozen=True)
class DocumentType:
    content_type: str
    extensions: frozenset[str]


PDF = DocumentType("application/pdf", frozenset({".pdf"}))
JPEG = DocumentType("image/jpeg", frozenset({".jpg", ".jpeg"}))
PNG = DocumentType("image/png", frozenset({".png"}))
TEXT = DocumentType("text/plain", frozenset({".txt"}))
SIGNATURES: tuple[tuple[bytes, DocumentType], ...] = (
    (b"%PDF-", PDF),
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
)
ACCEPTED_EXTENSIONS = frozenset().union(*(kind.extensions for kind in (PDF, JPEG, PNG, TEXT)))
# Plain text may hold tabs, line and page breaks; any other control character means a binary file.
_TEXT_CONTROLS = frozenset(range(32)) - {9, 10, 12, 13}


@dataclass(frozen=True)
class CheckedDocument:
    """An upload that passed the checks, read into memory (at most the upload limit)."""

    name: str
    content: bytes
    document_type: DocumentType
    sha256: str


def upload_limit() -> int:
    """Return the largest document accepted, in bytes (setting ``ARREARS_UPLOAD_MAX_BYTES``)."""
    return int(getattr(settings, "ARREARS_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES))


def _is_text(content: bytes) -> bool:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not any(ord(character) in _TEXT_CONTROLS for character in text)
    return False


def _sniff(content: bytes) -> DocumentType | None:
    for signature, kind in SIGNATURES:
        if content.startswith(signature):
            return kind
    return TEXT if content and _is_text(content) else None


def check_document(upload: File[Any]) -> CheckedDocument:
    """Read an upload and return it checked: size, accepted type, and content matching its name.

    :raises InvalidDocument: when it is empty or too large, its extension is not accepted, or its
        content is not the type its name says.
    """
    name = PurePath(upload.name or "").name[:200] or "document"
    limit = upload_limit()
    if upload.size is not None and upload.size > limit:
        raise InvalidDocument(
            _("“%(name)s” is %(size)s bytes; a document may be at most %(limit)s bytes.")
            % {"name": name, "size": upload.size, "limit": limit}
        )
    extension = PurePath(name).suffix.lower()
    if extension not in ACCEPTED_EXTENSIONS:
        raise InvalidDocument(
            _("“%(name)s” is not accepted: send a PDF, JPEG, PNG or plain-text (.txt) file.") % {"name": name}
        )
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise InvalidDocument(
            _("“%(name)s” is larger than %(limit)s bytes, the most a document may be.")
            % {"name": name, "limit": limit}
        )
    if not content:
        raise InvalidDocument(_("“%(name)s” is empty.") % {"name": name})
    kind = _sniff(content)
    if kind is None or extension not in kind.extensions:
        raise InvalidDocument(
            _("The content of “%(name)s” is not what its name says (%(extension)s); nothing was saved.")
            % {"name": name, "extension": extension}
        )
    return CheckedDocument(name, content, kind, hashlib.sha256(content).hexdigest())


def _store(dispute: Dispute, checked: CheckedDocument, actor: Any, now: datetime, stored: list[str]) -> None:
    extension = PurePath(checked.name).suffix.lower()
    document = DisputeDocument(
        dispute=dispute, name=checked.name, content_type=checked.document_type.content_type,
        size=len(checked.content), sha256=checked.sha256, uploaded_by=_user(actor), uploaded_at=now,
    )  # fmt: skip
    document.file.save(f"{uuid.uuid4().hex}{extension}", ContentFile(checked.content), save=False)
    stored.append(document.file.name)
    document.save()


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


def _local_date(case: Case, now: datetime) -> date:
    return now.astimezone(ZoneInfo(case.portfolio.time_zone)).date()


def _lock(case_id: int, request_key: str | None) -> tuple[Case, Dispute | None]:
    case = guards.lock_case(case_id=case_id, expected_revision=None)
    return case, guards.already_done(Dispute, request_key, case=case)


@transaction.atomic
def open_dispute(
    *, case: Case, reason: str, description: str, documents: Sequence[File[Any]] = (), actor: Any,
    now: datetime, expected_revision: int | None, request_key: str | None, source: str = "desk",
) -> Dispute:  # fmt: skip
    """Record a dispute with its documents, hold the debt, and queue its verification.

    A repeated ``request_key`` returns the dispute the first submit recorded.

    :raises StaleCase: when ``expected_revision`` is older than the case's.
    :raises InvalidDispute: for an unknown reason or an empty description.
    :raises decisions.NoteBlocked: when the description has wording the content linter blocks.
    :raises InvalidDocument: for a document too large, of a type not accepted, or not what its name says.
    """
    case, earlier = _lock(case.pk, request_key)
    if earlier is not None:
        return earlier
    case = guards.lock_case(case_id=case.pk, expected_revision=expected_revision)
    if reason not in DisputeReason.values:
        raise InvalidDispute(_("“%(value)s” is not a reason for a dispute.") % {"value": reason})
    if not description.strip():
        raise InvalidDispute(_("Describe what the debtor disputes."))
    if len(documents) > MAX_DOCUMENTS:
        raise InvalidDocument(_("At most %(count)d documents at once.") % {"count": MAX_DOCUMENTS})
    decisions.check_note(debtor=case.debtor, note=description, debts=[case.debt])
    checked = [check_document(upload) for upload in documents]
    stored: list[str] = []
    try:
        return _record(case, reason, description.strip(), checked, actor, now, request_key, source, stored)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def _record(
    case: Case, reason: str, description: str, checked: list[CheckedDocument], actor: Any, now: datetime,
    request_key: str | None, source: str, stored: list[str],
) -> Dispute:  # fmt: skip
    dispute = Dispute.objects.create(
        case=case, reason=reason, description=description, request_key=request_key or None,
        opened_by=_user(actor), opened_at=now, source=source,
    )  # fmt: skip
    for document in checked:
        _store(dispute, document, actor, now, stored)
    hold = holds.place_hold(
        debtor=case.debtor, type=HoldType.DISPUTE, debt=case.debt, starts_at=now, actor=actor, now=now,
        reason=_("Dispute %(id)s: %(reason)s") % {"id": dispute.pk, "reason": DisputeReason(reason).label},
    )  # fmt: skip
    dispute.hold_id = hold.pk
    dispute.save(update_fields=["hold_id"])
    WorkItem.objects.create(
        case=case, portfolio=case.portfolio, queue=VERIFICATION_QUEUE, kind="task", stage=case.stage,
        business_date=_local_date(case, now), priority=ledger.get_balances(debt_id=case.debt_id).total,
        assigned_to=supervisor_for(case=case, actor=actor), idempotency_key=verification_key(dispute),
        created_at=now,
    )  # fmt: skip
    reason_before = case.delinquency_reason
    case.delinquency_reason, case.updated_at = DelinquencyReason.DISPUTE, now
    case.save(update_fields=["delinquency_reason", "updated_at"])
    guards.bump(case)
    record_event(
        actor=actor, action="casework.open_dispute", target=dispute, now=now, portfolio_id=case.portfolio_id,
        before={"delinquency_reason": reason_before},
        after={"debt": case.debt.external_ref, "reason": reason, "hold": hold.pk, "source": source,
               "documents": [{"name": doc.name, "sha256": doc.sha256} for doc in checked]},
    )  # fmt: skip
    return dispute


def verification_key(dispute: Dispute) -> str:
    """Return the idempotency key of the dispute's verification work item."""
    return f"dispute:{dispute.pk}:verify"


@transaction.atomic
def resolve_dispute(
    *, dispute: Dispute, outcome: str, note: str, correction: Mapping[str, Decimal] | None = None, actor: Any,
    now: datetime, expected_revision: int | None, request_key: str | None = None,
) -> Dispute:  # fmt: skip
    """Resolve a dispute: upheld (``corrected``), ``rejected`` or ``withdrawn``; lift its hold, close its task.

    ``corrected`` books ``correction`` (component → signed amount, negative to owe less) as ledger
    adjustments. ``rejected`` resumes collection. For both, the debtor is told the outcome: the
    ``dispute_outcome`` template is queued (idempotency key ``dispute:<id>:outcome``) to their own
    contact point that can carry it — a phone (SMS), else an e-mail, else a postal address (letter) —
    with the corrected balance or the amount now due. ``withdrawn`` queues nothing: the debtor ended
    the dispute themselves, so there is no finding to report, and a message would be one more
    collection contact (counted against the caps) that tells them nothing new.

    The notice is queued in this transaction, after the hold is lifted — the outbox's rule that a
    message is written with the decision that caused it: the resolution and its notice commit together
    or not at all, and no crash between a commit and an ``on_commit`` hook can lose the notice. When
    it cannot be queued (no such contact point, no approved template, compliance refuses it, the text
    is blocked) the resolution still happens: the reason is added to the outcome note, for whoever
    must tell the debtor another way, and to the audit event. Resolving again with the same outcome
    (a double submit) returns the dispute unchanged and queues nothing more.

    :raises PermissionDenied: when the actor may not verify debts (supervisors may).
    :raises StaleCase: when ``expected_revision`` is older than the case's.
    :raises DisputeAlreadyResolved: when it was resolved with another outcome.
    :raises InvalidDispute: for an unknown outcome, no note, or ``corrected`` without a correction.
    :raises adjustments.InvalidAdjustment: for a correction the ledger refuses.
    :raises decisions.NoteBlocked: when the note has wording the content linter blocks.
    """
    if actor is not None and not actor.can(Capability.VERIFY_DEBTS):
        raise PermissionDenied(_("Only a supervisor may resolve a dispute."))
    case = guards.lock_case(case_id=dispute.case_id, expected_revision=None)
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.status != DisputeStatus.OPEN:
        if dispute.status == outcome:
            return dispute
        raise DisputeAlreadyResolved(
            _("This dispute was already resolved: %(status)s.") % {"status": dispute.get_status_display()}
        )
    case = guards.lock_case(case_id=case.pk, expected_revision=expected_revision)
    _check_resolution(case, outcome, note, correction)
    entries = (
        _correct(case, dispute, correction, note, actor, now) if outcome == DisputeStatus.CORRECTED else []
    )
    if dispute.hold_id is not None:
        holds.lift_hold(
            hold_id=dispute.hold_id, actor=actor, now=now,
            reason=_("Dispute %(id)s resolved: %(outcome)s") % {"id": dispute.pk, "outcome": DisputeStatus(outcome).label},
        )  # fmt: skip
    WorkItem.objects.filter(idempotency_key=verification_key(dispute), status=WorkItemStatus.OPEN).update(
        status=WorkItemStatus.DONE, closed_at=now
    )
    dispute.status, dispute.resolved_by, dispute.resolved_at = outcome, _user(actor), now
    notice = _notify_outcome(case, dispute, actor, now) if outcome in NOTIFIED_OUTCOMES else {}
    dispute.outcome_note = _outcome_note(note, notice)
    dispute.save(update_fields=["status", "outcome_note", "resolved_by", "resolved_at"])
    _restore_reason(case, now)
    guards.bump(case)
    record_event(
        actor=actor, action="casework.resolve_dispute", target=dispute, now=now, portfolio_id=case.portfolio_id,
        reason=note.strip(), before={"status": DisputeStatus.OPEN.value},
        after={"status": outcome, "debt": case.debt.external_ref, "hold_lifted": dispute.hold_id,
               "adjustments": {entry.component: entry.amount for entry in entries}, "notice": notice},
    )  # fmt: skip
    return dispute


def dispute_reference(dispute: Dispute) -> str:
    """Return the reference the debtor is given: ``D-<year received>-<id, four digits at least>``."""
    return f"D-{_local_date(dispute.case, dispute.opened_at).year}-{dispute.pk:04d}"


def outcome_notice_key(dispute: Dispute) -> str:
    """Return the idempotency key of the message that tells the debtor the dispute's outcome."""
    return f"dispute:{dispute.pk}:outcome"


def _notify_outcome(case: Case, dispute: Dispute, actor: Any, now: datetime) -> dict[str, Any]:
    """Queue the outcome notice; return the message queued, or why none was (never raises a refusal)."""
    point = _notice_contact_point(case)
    if point is None:
        return {"not_sent": _("The debtor has no phone, e-mail or postal address a message may go to.")}
    extra = {
        "dispute_reference": dispute_reference(dispute), "dispute_outcome": dispute.status,
        "dispute_received_date": _local_date(case, dispute.opened_at), "dispute_resolved_date": _local_date(case, now),
    }  # fmt: skip
    try:
        queued = sending.send_template(
            debt=case.debt, contact_point=point, purpose=Purpose.DISPUTE_OUTCOME, now=now, actor=actor,
            source="casework", extra=extra, idempotency_key=outcome_notice_key(dispute),
        )  # fmt: skip
    except NOTICE_REFUSALS as exc:
        return {"not_sent": str(exc), "contact_point": point.pk}
    return {"message": queued.message.pk, "channel": queued.message.channel, "contact_point": point.pk}


def _outcome_note(note: str, notice: Mapping[str, Any]) -> str:
    """Return the supervisor's note, and why the debtor was not sent the outcome when they were not."""
    if "not_sent" not in notice:
        return note.strip()
    return f"{note.strip()}\n\n" + _("The outcome was not sent to the debtor. %(reason)s") % {
        "reason": notice["not_sent"]
    }


def _notice_contact_point(case: Case) -> ContactPoint | None:
    """Return the debtor's own contact point for a notice: a phone, else an e-mail, else an address.

    Primary first within a kind. Points marked do-not-contact or opted out of their channel are
    passed over, so an opted-out phone falls back to e-mail instead of refusing the notice;
    a contact person's points (a guarantor, an emergency contact) are never used.
    """
    points = ContactPoint.objects.filter(
        debtor_id=case.debtor_id, contact_person__isnull=True, do_not_contact=False, kind__in=NOTICE_KINDS
    ).order_by("-is_primary", "pk")
    usable = [point for point in points if sending.CHANNEL_OF_KIND[point.kind] not in point.opt_outs]
    return min(usable, key=lambda point: NOTICE_KINDS.index(ContactKind(point.kind)), default=None)


def _correct(
    case: Case,
    dispute: Dispute,
    correction: Mapping[str, Decimal] | None,
    note: str,
    actor: Any,
    now: datetime,
) -> list[LedgerEntry]:
    reason = _("Dispute %(id)s upheld: %(note)s") % {"id": dispute.pk, "note": note.strip()}
    return [
        adjustments.post_adjustment(
            debt=case.debt,
            component=component,
            amount=amount,
            reason=reason,
            actor=actor,
            now=now,
            idempotency_key=f"dispute:{dispute.pk}:{component}",
        )
        for component, amount in sorted((correction or {}).items())
        if amount
    ]


def _check_resolution(case: Case, outcome: str, note: str, correction: Mapping[str, Decimal] | None) -> None:
    if outcome not in RESOLVED_OUTCOMES:
        raise InvalidDispute(
            _("“%(value)s” is not an outcome; choose corrected, rejected or withdrawn.") % {"value": outcome}
        )
    if not note.strip():
        raise InvalidDispute(_("Say what the verification found."))
    decisions.check_note(debtor=case.debtor, note=note, debts=[case.debt])
    if outcome == DisputeStatus.CORRECTED and not any(correction.values() if correction else ()):
        raise InvalidDispute(_("An upheld dispute needs the correction to book: a component and an amount."))
    if outcome != DisputeStatus.CORRECTED and correction and any(correction.values()):
        raise InvalidDispute(_("Only an upheld dispute corrects the ledger; leave the correction empty."))


def _restore_reason(case: Case, now: datetime) -> None:
    """Leave the delinquency reason open again once no dispute on the case is being verified."""
    still_open = Dispute.objects.filter(case=case, status=DisputeStatus.OPEN).exists()
    if case.delinquency_reason == DelinquencyReason.DISPUTE and not still_open:
        case.delinquency_reason, case.updated_at = DelinquencyReason.UNKNOWN, now
        case.save(update_fields=["delinquency_reason", "updated_at"])


def list_disputes(*, case: Case) -> list[Dispute]:
    """Return the case's disputes, newest first, with their documents (the caller checked the user)."""
    return list(
        Dispute.objects.filter(case=case)
        .select_related("opened_by", "resolved_by")
        .prefetch_related("documents")
        .order_by("-opened_at", "-pk")
    )


def get_dispute(*, user: Any, dispute_id: int) -> Dispute:
    """Return a dispute in one of the user's portfolios.

    :raises NotFound: when there is none, or it is in a portfolio the user may not see.
    """
    found = scope_to_user(Dispute.objects.select_related("case"), user, portfolio_field="case__portfolio")
    try:
        return found.get(pk=dispute_id)
    except Dispute.DoesNotExist:
        raise NotFound(_("No such dispute.")) from None


def get_document(*, user: Any, dispute_id: int, document_id: int) -> DisputeDocument:
    """Return a document of a dispute in one of the user's portfolios.

    :raises NotFound: when there is none, or it is in a portfolio the user may not see.
    """
    dispute = get_dispute(user=user, dispute_id=dispute_id)
    try:
        return dispute.documents.get(pk=document_id)
    except DisputeDocument.DoesNotExist:
        raise NotFound(_("No such document.")) from None


def may_resolve(*, user: Any) -> bool:
    """Return whether the user may resolve disputes (supervisors, administrators)."""
    return bool(getattr(user, "is_authenticated", False)) and user.can(Capability.VERIFY_DEBTS)
