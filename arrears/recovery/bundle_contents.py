"""What goes into an evidence bundle, read from the database and the file stores.

Every stored file that carries a hash (letters, dispute and visit documents) is checked against it
as it is read: a file that changed since it was stored raises `StoredFileChanged`, so a bundle is
never built around it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from arrears.casework.models import Case, DisputeDocument
from arrears.comms.gateways.letters import letter_directory, letter_path
from arrears.comms.models import Message, MessageChannel
from arrears.compliance.models import ContactEvent
from arrears.core.audit import chain
from arrears.core.audit.models import AuditEvent
from arrears.core.audit.verify import verify_chain
from arrears.core.errors import DomainError
from arrears.portfolio import ledger
from arrears.portfolio.models import LedgerEntry, Payment
from arrears.recovery.manifests import BundleFile
from arrears.recovery.models import LegalReferral, VisitDocument


class StoredFileChanged(DomainError):
    """A stored file no longer matches the hash recorded when it was stored; no bundle is built."""


def _json(value: Any) -> bytes:
    return json.dumps(chain.to_json_safe(value), ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([[chain.to_json_safe(value) for value in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _checked(content: bytes, expected: str, what: str) -> bytes:
    if expected and hashlib.sha256(content).hexdigest() != expected:
        raise StoredFileChanged(
            _(
                "%(what)s has changed since it was stored (its SHA-256 no longer matches); no bundle was built."
            )
            % {"what": what}
        )
    return content


def _read(stored: Any) -> bytes:
    with stored.open("rb") as handle:
        return bytes(handle.read())


def contract(case: Case) -> list[BundleFile]:
    """Return the debt's terms and the documents on file (disputes and visits), each checked."""
    debt = case.debt
    terms = {
        "debtor": case.debtor.name, "debtor_reference": case.debtor.external_ref, "debt": debt.external_ref,
        "product": debt.product, "currency": debt.currency, "principal": debt.principal,
        "contract_date": debt.contract_date, "due_date": debt.due_date, "interest_rate": debt.interest_rate,
        "penalty_rate": debt.penalty_rate, "instalments": debt.instalment_count, "verified_at": debt.verified_at,
        "creditor": case.portfolio.creditor_name,
    }  # fmt: skip
    files = [BundleFile("contract/terms.json", _json(terms), _("Contract terms of the debt"))]
    for doc in DisputeDocument.objects.filter(dispute__case=case).order_by("pk"):
        content = _checked(_read(doc.file), doc.sha256, doc.name)
        files.append(BundleFile(f"documents/dispute-{doc.pk}-{doc.name}", content, _("Dispute document")))
    for visit_doc in VisitDocument.objects.filter(visit__case=case).order_by("pk"):
        content = _checked(_read(visit_doc.file), visit_doc.sha256, visit_doc.name)
        files.append(
            BundleFile(f"documents/visit-{visit_doc.pk}-{visit_doc.name}", content, _("Field visit document"))
        )
    return files


def statement(case: Case) -> BundleFile:
    """Return the statement of account: every ledger entry and the balance by component."""
    entries = (
        LedgerEntry.objects.filter(debt_id=case.debt_id)
        .select_related("payment")
        .order_by("effective_date", "pk")
    )
    rows: list[list[Any]] = [
        [entry.effective_date, entry.kind, entry.component, entry.amount, entry.payment.external_ref if entry.payment else "",
         entry.note]
        for entry in entries
    ]  # fmt: skip
    balances = ledger.get_balances(debt_id=case.debt_id)
    for component, amount in sorted(balances.components.items()):
        rows.append(["", "balance", component, amount, "", ""])
    rows.append(["", "balance", "total", balances.total - balances.overpayment, "", ""])
    header = ["effective_date", "kind", "component", "amount", "payment", "note"]
    return BundleFile(
        "statement_of_account.csv", _csv(header, rows), _("Statement of account from the ledger")
    )


def communications(case: Case) -> list[BundleFile]:
    """Return every message of the debt as sent, its delivery events, and each letter's PDF, checked."""
    messages = (
        Message.objects.filter(debtor_id=case.debtor_id)
        .filter(Q(debt_id=case.debt_id) | Q(debt__isnull=True))
        .prefetch_related("events")
        .order_by("created_at", "pk")
    )
    files: list[BundleFile] = []
    listing = []
    for message in messages:
        text = f"{message.subject}\n\n{message.body}" if message.subject else message.body
        files.append(BundleFile(f"communications/message-{message.pk}.txt", text.encode("utf-8"),
                                _("Message as rendered and sent")))  # fmt: skip
        events = [
            {"kind": event.kind, "detail": event.detail, "at": event.occurred_at, "data": event.payload}
            for event in sorted(message.events.all(), key=lambda event: (event.occurred_at, event.pk))
        ]
        listing.append({
            "id": message.pk, "channel": message.channel, "purpose": message.purpose, "status": message.status,
            "sent_at": message.sent_at, "delivered_at": message.delivered_at,
            "provider_message_id": message.provider_message_id, "tracking_number": message.tracking_number,
            "pdf_sha256": message.pdf_sha256, "events": events,
        })  # fmt: skip
        if message.channel == MessageChannel.LETTER and message.pdf_sha256:
            path = letter_path(message.idempotency_key, directory=letter_directory())
            if path.exists():
                pdf = _checked(path.read_bytes(), message.pdf_sha256, _("Letter %(id)s") % {"id": message.pk})
                files.append(BundleFile(f"letters/letter-{message.pk}-{message.tracking_number or 'unsent'}.pdf", pdf,
                                        _("Letter PDF as posted")))  # fmt: skip
            else:
                listing[-1]["pdf_missing"] = True
    files.append(BundleFile("communications/messages.json", _json(listing),
                            _("Messages with delivery proof, letters with hash and tracking number")))  # fmt: skip
    return files


def contact_history(case: Case) -> BundleFile:
    """Return every recorded contact with the debtor (calls, messages, letters, visits)."""
    events = (
        ContactEvent.objects.filter(debtor_id=case.debtor_id)
        .select_related("recorded_by")
        .order_by("occurred_at", "pk")
    )
    rows = [
        [event.occurred_at, event.type, event.outcome, event.by_entity,
         event.recorded_by.get_username() if event.recorded_by else "", event.debt_ids, event.note]
        for event in events
    ]  # fmt: skip
    header = ["occurred_at", "type", "outcome", "by", "recorded_by", "debts", "note"]
    return BundleFile("contact_history.csv", _csv(header, rows), _("Contact history"))


def _audit_filter(case: Case, referral: LegalReferral) -> Q:
    targets = {
        ("portfolio.debt", case.debt_id),
        ("portfolio.debtor", case.debtor_id),
        ("casework.case", case.pk),
        ("recovery.legalreferral", referral.pk),
    }
    targets |= {
        ("portfolio.payment", pk)
        for pk in Payment.objects.filter(debt_id=case.debt_id).values_list("pk", flat=True)
    }
    query = Q(after__debt=case.debt.external_ref) | Q(after__case=case.pk)
    for object_type, object_id in targets:
        query |= Q(object_type=object_type, object_id=str(object_id))
    return query


def audit_proof(case: Case, referral: LegalReferral) -> tuple[BundleFile, dict[str, Any]]:
    """Return the audit events about this debt with their hashes re-checked, and the whole chain's verification."""
    events = []
    for event in AuditEvent.objects.filter(_audit_filter(case, referral)).order_by("sequence"):
        fields = chain.hashed_fields(
            sequence=event.sequence, occurred_at=event.occurred_at, actor_id=event.actor_id,
            actor_label=event.actor_label, action=event.action, object_type=event.object_type,
            object_id=event.object_id, portfolio_id=event.portfolio_id, reason=event.reason, before=event.before,
            after=event.after,
        )  # fmt: skip
        events.append({**fields, "prev_hash": event.prev_hash, "hash": event.hash,
                       "hash_verified": chain.event_hash(fields, event.prev_hash) == event.hash})  # fmt: skip
    report = verify_chain()
    summary = {
        "chain_intact": report.is_intact, "events_checked": report.checked, "problem": report.problem,
        "events_of_this_debt": len(events), "all_event_hashes_verified": all(item["hash_verified"] for item in events),
    }  # fmt: skip
    proof = BundleFile("audit/audit_chain.json", _json({"verification": summary, "events": events}),
                       _("Audit events of this debt with their chain hashes, and the chain's verification"))  # fmt: skip
    return proof, summary
