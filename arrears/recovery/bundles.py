"""The evidence bundle of a legal referral: one ZIP whose manifest hashes every file, checked before it leaves.

Contents: the contract terms and documents on file, the statement of account from the ledger,
every message as rendered with its delivery events, letter PDFs (checked against the hash kept when
posted, with their tracking numbers), the contact history, the audit events of this debt with their
chain hashes and the chain's verification, an index PDF, and ``manifest.json``. The ZIP is read back
and every file compared with the manifest before it is stored; any disagreement refuses the bundle.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from arrears.comms.letters import CJK_FONT
from arrears.core.audit.actions import record_event
from arrears.core.errors import DomainError, PermissionDenied
from arrears.people.roles import Capability
from arrears.recovery import bundle_contents, manifests
from arrears.recovery.manifests import BundleFile
from arrears.recovery.models import EvidenceBundle, LegalReferral, ReferralStatus

BUNDLE_STATUSES = (
    ReferralStatus.APPROVED,
    ReferralStatus.FILED,
    ReferralStatus.JUDGMENT,
    ReferralStatus.ENFORCEMENT,
)


class BundleRefused(DomainError):
    """The referral is not approved, or the ZIP did not match its manifest; nothing was stored."""


def bundle_directory() -> Path:
    """Return where bundles are kept (``ARREARS_BUNDLE_DIR``, default ``var/bundles``)."""
    return Path(getattr(settings, "ARREARS_BUNDLE_DIR", Path(settings.VAR_DIR) / "bundles"))


def _index_pdf(header: dict[str, Any], files: list[BundleFile]) -> bytes:
    style = ParagraphStyle("index", fontName=CJK_FONT, fontSize=9, leading=12, wordWrap="CJK")
    title = ParagraphStyle("title", parent=style, fontSize=14, leading=18)
    story: list[Any] = [
        Paragraph(escape(_("Evidence bundle — legal referral %(id)s") % {"id": header["referral"]}), title),
        Spacer(1, 4 * mm),
    ]
    for label, key in ((_("Creditor"), "creditor"), (_("Debtor"), "debtor"), (_("Debt"), "debt"),
                       (_("Balance referred"), "balance"), (_("Built at"), "built_at"),
                       (_("Audit chain intact"), "chain_intact")):  # fmt: skip
        story.append(Paragraph(escape(f"{label}: {header[key]}"), style))
    story.append(Spacer(1, 4 * mm))
    rows = [[Paragraph(escape(text), style) for text in (_("File"), _("What it is"), _("Bytes"), "SHA-256")]]
    for item in files:
        cells = (item.path, item.description, str(len(item.content)), item.sha256)
        rows.append([Paragraph(escape(text), style) for text in cells])
    story.append(Table(rows, colWidths=[55 * mm, 45 * mm, 15 * mm, 55 * mm], repeatRows=1))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, invariant=1, title=str(header["referral"]))
    document.build(story)
    return buffer.getvalue()


def _files(referral: LegalReferral, now: datetime) -> tuple[list[BundleFile], dict[str, Any]]:
    case = referral.case
    proof, audit = bundle_contents.audit_proof(case, referral)
    files = [
        *bundle_contents.contract(case), bundle_contents.statement(case), *bundle_contents.communications(case),
        bundle_contents.contact_history(case), proof,
    ]  # fmt: skip
    header = {
        "referral": referral.pk, "case": case.pk, "debt": case.debt.external_ref, "debtor": case.debtor.name,
        "creditor": case.portfolio.creditor_name, "balance": f"{referral.balance} {referral.currency}",
        "built_at": now.isoformat(), "chain_intact": audit["chain_intact"], "audit": audit,
    }  # fmt: skip
    files.append(BundleFile("index.pdf", _index_pdf(header, files), _("Readable index of this bundle")))
    return files, header


def build_bundle(*, referral: LegalReferral, actor: Any, now: datetime) -> tuple[EvidenceBundle, bytes]:
    """Build, check and store the referral's evidence bundle; return its record and the ZIP.

    :raises PermissionDenied: when the actor may neither refer nor approve legal action.
    :raises BundleRefused: before approval, or when the ZIP disagrees with its manifest.
    :raises StoredFileChanged: when a letter or document no longer matches its stored hash.
    """
    if not (actor.can(Capability.REFER_LEGAL) or actor.can(Capability.APPROVE_LEGAL)):
        raise PermissionDenied(_("Only a supervisor or a compliance officer may build an evidence bundle."))
    if referral.status not in BUNDLE_STATUSES:
        raise BundleRefused(_("An evidence bundle is built once the referral is approved."))
    files, header = _files(referral, now)
    manifest = manifests.manifest_of(files, header)
    content = manifests.write_zip(files, manifest)
    problems = manifests.verify_zip(content)
    if problems:
        raise BundleRefused(
            _("The bundle does not match its manifest: %(problems)s.") % {"problems": "; ".join(problems)}
        )
    digest = hashlib.sha256(content).hexdigest()
    name = f"referral-{referral.pk}-{now:%Y%m%dT%H%M%S}.zip"
    directory = bundle_directory()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(content)
    with transaction.atomic():
        bundle = EvidenceBundle.objects.create(
            referral=referral, file_name=name, sha256=digest, size=len(content), manifest=manifest,
            created_by=actor if getattr(actor, "pk", None) else None, created_at=now,
        )  # fmt: skip
        record_event(
            actor=actor, action="recovery.build_bundle", target=bundle, now=now,
            portfolio_id=referral.case.portfolio_id,
            after={"referral": referral.pk, "case": referral.case_id, "sha256": digest, "files": len(files)},
        )  # fmt: skip
    return bundle, content


def read_bundle(bundle: EvidenceBundle) -> bytes:
    """Return a stored bundle's ZIP, checked against the hash recorded when it was built.

    :raises BundleRefused: when the file is missing or has changed.
    """
    try:
        content = (bundle_directory() / bundle.file_name).read_bytes()
    except FileNotFoundError:
        raise BundleRefused(_("The bundle's file is missing; build it again.")) from None
    if hashlib.sha256(content).hexdigest() != bundle.sha256 or manifests.verify_zip(content):
        raise BundleRefused(_("The bundle's file has changed since it was built; build it again."))
    return content
