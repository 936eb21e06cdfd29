"""Legal referral: eligibility with the rule that blocks, two approvals, litigation, and the evidence bundle."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from arrears.casework.models import Dispute, DisputeStatus
from arrears.comms.gateways.letters import letter_path
from arrears.comms.models import Message, MessageEvent
from arrears.core.audit.models import AuditEvent
from arrears.core.errors import PermissionDenied
from arrears.portfolio import ledger
from arrears.portfolio.models import LedgerEntry
from arrears.recovery import bundle_contents, bundles, litigation, manifests, referrals
from arrears.recovery.models import EvidenceBundle, LegalReferral, ReferralStatus, Visit, VisitDocument
from tests.factories.cases import ContactEventFactory
from tests.factories.people import UserFactory
from tests.factories.recovery import MORNING, late_case

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% a demand letter\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def stores(settings, tmp_path):
    settings.ARREARS_LETTER_DIR = str(tmp_path / "letters")
    settings.ARREARS_BUNDLE_DIR = str(tmp_path / "bundles")


@pytest.fixture
def case():
    return late_case()


@pytest.fixture
def supervisor(case):
    return UserFactory(supervisor=True, portfolios=[case.portfolio])


@pytest.fixture
def second_supervisor(case):
    return UserFactory(supervisor=True, portfolios=[case.portfolio])


@pytest.fixture
def officer(case):
    return UserFactory(compliance_officer=True, portfolios=[case.portfolio])


def _approved(case, supervisor, second_supervisor, officer):
    referral = referrals.refer_case(case_id=case.pk, reason="No payment after the demand letter", actor=supervisor,
                                    now=MORNING)  # fmt: skip
    referrals.approve_referral(referral_id=referral.pk, capacity=referrals.SUPERVISOR, actor=second_supervisor,
                               now=MORNING)  # fmt: skip
    return referrals.approve_referral(referral_id=referral.pk, capacity=referrals.COMPLIANCE, actor=officer,
                                      now=MORNING)  # fmt: skip


def _demand_letter(case, tmp_path_letters):
    message = Message.objects.create(
        debtor=case.debtor, debt=case.debt, channel="letter", purpose="demand_letter", language="zh-hans",
        subject="催收函", body="请于十日内还款 10,000.00 元。", status="sent", not_before=MORNING,
        idempotency_key=f"demand:{case.pk}", tracking_number="RR123456785CN", pdf_sha256=hashlib.sha256(PDF).hexdigest(),
        sent_at=MORNING, source="desk", created_at=MORNING,
    )  # fmt: skip
    MessageEvent.objects.create(message=message, debtor=case.debtor, kind="delivered", detail="signed for",
                                occurred_at=datetime(2026, 4, 2, 3, 0, tzinfo=UTC))  # fmt: skip
    path = letter_path(message.idempotency_key, directory=tmp_path_letters)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PDF)
    return message, path


class TestReferCase:
    def test_refers_an_eligible_case_waiting_for_two_approvals(self, case, supervisor):
        referral = referrals.refer_case(
            case_id=case.pk, reason="Demand letter ignored", actor=supervisor, now=MORNING
        )

        assert (referral.status, referral.balance, referral.currency) == (
            "pending",
            Decimal("10000.00"),
            "CNY",
        )
        assert AuditEvent.objects.filter(action="recovery.refer_case").count() == 1

    def test_refuses_an_unverified_debt_with_the_rule_and_writes_nothing(self, supervisor):
        case = late_case(verified=False)
        supervisor.portfolios.add(case.portfolio)

        with pytest.raises(
            referrals.ReferralNotEligible, match=r"not verified .*\[not_verified\]"
        ) as refused:
            referrals.refer_case(case_id=case.pk, reason="x", actor=supervisor, now=MORNING)

        assert refused.value.blocks == ["not_verified"]
        assert not LegalReferral.objects.exists()

    def test_refuses_a_small_balance_and_an_open_dispute_naming_both(self, supervisor):
        case = late_case(principal=Decimal("800.00"))
        Dispute.objects.create(case=case, reason="amount_wrong", description="wrong amount", status=DisputeStatus.OPEN,
                               opened_at=MORNING)  # fmt: skip

        with pytest.raises(referrals.ReferralNotEligible) as refused:
            referrals.refer_case(case_id=case.pk, reason="x", actor=supervisor, now=MORNING)

        assert refused.value.blocks == ["below_threshold", "open_dispute"]

    def test_refuses_a_time_barred_claim(self, supervisor):
        case = late_case(due_date=date(2022, 3, 1))

        with pytest.raises(referrals.ReferralNotEligible, match="time_barred"):
            referrals.refer_case(case_id=case.pk, reason="x", actor=supervisor, now=MORNING)

    def test_a_collector_may_not_refer(self, case):
        with pytest.raises(PermissionDenied):
            referrals.refer_case(case_id=case.pk, reason="x", actor=UserFactory(), now=MORNING)


class TestApproveReferral:
    def test_needs_a_supervisor_and_a_compliance_officer(self, case, supervisor, second_supervisor, officer):
        referral = _approved(case, supervisor, second_supervisor, officer)

        assert referral.status == ReferralStatus.APPROVED
        assert (referral.supervisor_approved_by, referral.compliance_approved_by) == (
            second_supervisor,
            officer,
        )

    def test_the_referrer_cannot_approve_their_own_referral(self, case, supervisor):
        referral = referrals.refer_case(case_id=case.pk, reason="x", actor=supervisor, now=MORNING)

        with pytest.raises(PermissionDenied):
            referrals.approve_referral(
                referral_id=referral.pk, capacity="supervisor", actor=supervisor, now=MORNING
            )

    def test_one_approval_leaves_it_waiting(self, case, supervisor, officer):
        referral = referrals.refer_case(case_id=case.pk, reason="x", actor=supervisor, now=MORNING)

        assert referrals.approve_referral(referral_id=referral.pk, capacity="compliance", actor=officer,
                                          now=MORNING).status == ReferralStatus.PENDING  # fmt: skip


class TestLitigation:
    def test_filing_hearing_and_judgment_charge_the_costs_once(
        self, case, supervisor, second_supervisor, officer
    ):
        referral = _approved(case, supervisor, second_supervisor, officer)

        litigation.record_filing(referral_id=referral.pk, firm="金杜律师事务所", court="上海市浦东新区人民法院",
                                 court_case_number="(2026)沪0115民初1234号", filed_on=date(2026, 4, 2),
                                 actor=supervisor, now=MORNING)  # fmt: skip
        litigation.add_hearing(referral_id=referral.pk, held_at=datetime(2026, 5, 6, 1, 30, tzinfo=UTC),
                               note="First hearing", actor=supervisor, now=MORNING)  # fmt: skip
        judged = litigation.record_judgment(referral_id=referral.pk, judgment_on=date(2026, 6, 1),
                                            amount=Decimal("10000.00"), costs=Decimal("512.50"), actor=supervisor,
                                            now=MORNING)  # fmt: skip

        assert judged.status == ReferralStatus.JUDGMENT
        assert ledger.get_balances(debt_id=case.debt_id).total == Decimal("10512.50")
        assert LedgerEntry.objects.filter(debt=case.debt, kind="fee").count() == 1

    def test_judgment_before_filing_is_refused(self, case, supervisor, second_supervisor, officer):
        referral = _approved(case, supervisor, second_supervisor, officer)

        with pytest.raises(litigation.InvalidLitigationStep, match="cannot move"):
            litigation.record_judgment(referral_id=referral.pk, judgment_on=date(2026, 6, 1), amount=Decimal("1.00"),
                                       costs=Decimal("0.00"), actor=supervisor, now=MORNING)  # fmt: skip


class TestEvidenceBundle:
    def test_every_file_matches_the_manifest_and_the_audit_chain(
        self, case, supervisor, second_supervisor, officer, settings, tmp_path
    ):
        message, _path = _demand_letter(case, tmp_path / "letters")
        ContactEventFactory(debtor=case.debtor)
        referral = _approved(case, supervisor, second_supervisor, officer)

        bundle, content = bundles.build_bundle(referral=referral, actor=supervisor, now=MORNING)

        assert manifests.verify_zip(content) == []
        archive = zipfile.ZipFile(io.BytesIO(content))
        manifest = json.loads(archive.read("manifest.json"))
        paths = [entry["path"] for entry in manifest["files"]]
        assert paths == [
            "contract/terms.json", "statement_of_account.csv", f"communications/message-{message.pk}.txt",
            f"letters/letter-{message.pk}-RR123456785CN.pdf", "communications/messages.json", "contact_history.csv",
            "audit/audit_chain.json", "index.pdf",
        ]  # fmt: skip
        for entry in manifest["files"]:
            assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"]
        assert archive.read(f"letters/letter-{message.pk}-RR123456785CN.pdf") == PDF
        sent = json.loads(archive.read("communications/messages.json"))[0]
        assert (sent["tracking_number"], sent["events"][0]["kind"]) == ("RR123456785CN", "delivered")
        audit = json.loads(archive.read("audit/audit_chain.json"))
        assert audit["verification"]["chain_intact"] is True
        actions = [event["action"] for event in audit["events"]]
        assert actions == ["recovery.refer_case", "recovery.approve_referral", "recovery.approve_referral"]
        stored = {e.sequence: e.hash for e in AuditEvent.objects.filter(action__startswith="recovery.")}
        assert all(stored[event["sequence"]] == event["hash"] for event in audit["events"])
        assert b"10000.00" in archive.read("statement_of_account.csv")
        assert bundle.sha256 == hashlib.sha256(content).hexdigest()
        assert bundles.read_bundle(bundle) == content

    def test_a_letter_changed_since_it_was_posted_refuses_the_bundle(
        self, case, supervisor, second_supervisor, officer, tmp_path
    ):
        _message, path = _demand_letter(case, tmp_path / "letters")
        path.write_bytes(PDF + b"tampered")
        referral = _approved(case, supervisor, second_supervisor, officer)

        with pytest.raises(bundle_contents.StoredFileChanged, match="Letter"):
            bundles.build_bundle(referral=referral, actor=supervisor, now=MORNING)

        assert not EvidenceBundle.objects.exists()
        assert not (tmp_path / "bundles").exists() or not list((tmp_path / "bundles").iterdir())

    def test_a_visit_photo_goes_in_and_a_changed_one_refuses_the_bundle(
        self, case, supervisor, second_supervisor, officer, settings, tmp_path
    ):
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": tmp_path},
            },
        }
        visit = Visit.objects.create(case=case, agent=supervisor, scheduled_for=MORNING, status="completed",
                                     created_at=MORNING)  # fmt: skip
        document = VisitDocument(visit=visit, name="door.png", content_type="image/png", size=len(PNG),
                                 sha256=hashlib.sha256(PNG).hexdigest(), uploaded_at=MORNING)  # fmt: skip
        document.file.save("door.png", ContentFile(PNG))
        referral = _approved(case, supervisor, second_supervisor, officer)

        _bundle, content = bundles.build_bundle(referral=referral, actor=supervisor, now=MORNING)
        Path(document.file.path).write_bytes(PNG + b"changed")

        assert zipfile.ZipFile(io.BytesIO(content)).read(f"documents/visit-{document.pk}-door.png") == PNG
        with pytest.raises(bundle_contents.StoredFileChanged, match=r"door\.png"):
            bundles.build_bundle(referral=referral, actor=supervisor, now=MORNING)
        assert EvidenceBundle.objects.count() == 1

    def test_is_refused_before_approval(self, case, supervisor):
        referral = referrals.refer_case(case_id=case.pk, reason="x", actor=supervisor, now=MORNING)

        with pytest.raises(bundles.BundleRefused):
            bundles.build_bundle(referral=referral, actor=supervisor, now=MORNING)
