"""Disputes: recorded with checked documents, the debt on hold, verified, resolved by a supervisor."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from arrears.casework import disputes, guards
from arrears.casework.models import DelinquencyReason, Dispute, DisputeDocument, DisputeStatus, WorkItem
from arrears.comms.models import Message, TemplateVersion
from arrears.compliance import decisions
from arrears.compliance.models import Hold
from arrears.compliance.rules.vocabulary import Action, Decision, HoldType
from arrears.core.audit.models import AuditEvent
from arrears.core.errors import PermissionDenied
from arrears.portfolio import ledger
from arrears.portfolio.models import LedgerEntry
from tests.factories.cases import CaseFactory
from tests.factories.cycle import install_templates
from tests.factories.people import TeamFactory, UserFactory
from tests.factories.portfolio import ContactPointFactory, DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PDF_BYTES = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    return root


@pytest.fixture
def supervisor():
    return UserFactory(supervisor=True)


@pytest.fixture
def collector(supervisor):
    return UserFactory(team=TeamFactory(name="East", supervisor=supervisor))


@pytest.fixture
def case(collector, supervisor):
    portfolio = PortfolioFactory(country="CN", time_zone="Asia/Shanghai")
    collector.portfolios.add(portfolio)
    supervisor.portfolios.add(portfolio)
    debtor = DebtorFactory(portfolio=portfolio)
    debt = DebtFactory(debtor=debtor, charges={"principal": Decimal("1234.56"), "fee": Decimal("80.00")})
    return CaseFactory(debt=debt, assigned_to=collector)


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def open_dispute(case, collector, *, documents=(), request_key="key-1", expected_revision=0, **overrides):
    arguments = {
        "reason": "amount_wrong", "description": "Says the fee was charged twice.", "documents": list(documents),
        "actor": collector, "now": MORNING, "expected_revision": expected_revision, "request_key": request_key,
        **overrides,
    }  # fmt: skip
    return disputes.open_dispute(case=case, **arguments)


def nothing_recorded(media) -> bool:
    return not Dispute.objects.exists() and not Hold.objects.exists() and not stored_files(media)


class TestOpenDispute:
    def test_holds_the_debt_so_the_compliance_decision_refuses_contact_with_the_dispute_code(
        self, case, collector, media
    ):
        phone = ContactPointFactory(debtor=case.debtor)
        statement = SimpleUploadedFile("statement.pdf", PDF_BYTES, content_type="application/pdf")

        dispute = open_dispute(case, collector, documents=[statement])

        hold = Hold.objects.get()
        assert (dispute.hold_id, hold.type, hold.debt_id, hold.ends_at) == (
            hold.pk,
            "dispute",
            case.debt_id,
            None,
        )
        check = decisions.check_contact(
            debtor=case.debtor,
            action=Action.CALL,
            at=MORNING,
            now=MORNING,
            contact_point=phone,
            debts=[case.debt],
        )
        assert check.decision is Decision.DENY
        assert [reason.code for reason in check.reasons] == ["HOLD.DISPUTE"]

    def test_stores_each_document_with_its_hash_under_a_random_name(self, case, collector, media):
        statement = SimpleUploadedFile("statement.pdf", PDF_BYTES, content_type="application/pdf")
        receipt = SimpleUploadedFile("收据.txt", "已于3月1日还清。\n".encode(), content_type="text/plain")

        dispute = open_dispute(case, collector, documents=[statement, receipt])

        documents = list(dispute.documents.order_by("pk"))
        assert [(doc.name, doc.content_type, doc.size) for doc in documents] == [
            ("statement.pdf", "application/pdf", len(PDF_BYTES)),
            ("收据.txt", "text/plain", len("已于3月1日还清。\n".encode())),
        ]
        assert documents[0].sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
        assert (media / documents[0].file.name).read_bytes() == PDF_BYTES
        assert "statement" not in documents[0].file.name

    def test_queues_a_verification_task_for_the_team_supervisor_and_marks_the_reason(
        self, case, collector, supervisor
    ):
        dispute = open_dispute(case, collector)

        task = WorkItem.objects.get()
        assert (task.queue, task.kind, task.idempotency_key, task.assigned_to, task.status) == (
            "verification", "task", f"dispute:{dispute.pk}:verify", supervisor, "open",
        )  # fmt: skip
        assert task.business_date.isoformat() == "2026-03-31"
        assert task.priority == Decimal("1314.56")
        case.refresh_from_db()
        assert (case.delinquency_reason, case.revision) == (DelinquencyReason.DISPUTE, 1)
        assert (
            AuditEvent.objects.filter(action="casework.open_dispute", object_id=str(dispute.pk)).count() == 1
        )

    def test_a_double_submit_returns_the_first_dispute_and_records_nothing_more(self, case, collector, media):
        statement = SimpleUploadedFile("statement.pdf", PDF_BYTES)
        first = open_dispute(case, collector, documents=[statement])

        again = open_dispute(case, collector, documents=[SimpleUploadedFile("statement.pdf", PDF_BYTES)])

        assert again.pk == first.pk
        assert (Dispute.objects.count(), Hold.objects.count(), WorkItem.objects.count()) == (1, 1, 1)
        assert len(stored_files(media)) == 1

    def test_a_stale_page_is_refused_and_nothing_is_recorded(self, case, collector, media):
        case.revision = 3
        case.save(update_fields=["revision"])

        with pytest.raises(guards.StaleCase):
            open_dispute(
                case, collector, documents=[SimpleUploadedFile("a.pdf", PDF_BYTES)], expected_revision=2
            )

        assert nothing_recorded(media)

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("statement.pdf", PNG_BYTES, "not what its name says"),
            ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00", "is not accepted"),
            ("photo.png", PDF_BYTES, "not what its name says"),
            ("notes.txt", b"\x00\x01binary\x02", "not what its name says"),
            ("empty.pdf", b"", "is empty"),
        ],
    )
    def test_a_document_of_the_wrong_type_is_refused_and_nothing_is_saved(
        self, case, collector, media, name, content, message
    ):
        good = SimpleUploadedFile("good.pdf", PDF_BYTES)

        with pytest.raises(disputes.InvalidDocument, match=message):
            open_dispute(case, collector, documents=[good, SimpleUploadedFile(name, content)])

        assert nothing_recorded(media)
        case.refresh_from_db()
        assert (case.revision, case.delinquency_reason) == (0, DelinquencyReason.UNKNOWN)

    def test_a_document_over_the_limit_is_refused_and_nothing_is_saved(
        self, case, collector, media, settings
    ):
        settings.ARREARS_UPLOAD_MAX_BYTES = 1024
        large = SimpleUploadedFile("scan.pdf", PDF_BYTES + b"0" * 1024)

        with pytest.raises(disputes.InvalidDocument, match="at most 1024 bytes"):
            open_dispute(case, collector, documents=[large])

        assert nothing_recorded(media)

    def test_a_failure_after_the_files_were_written_removes_them(self, case, collector, media, monkeypatch):
        def refuse(**kwargs):
            raise disputes.holds.InvalidHold("no")

        monkeypatch.setattr(disputes.holds, "place_hold", refuse)

        with pytest.raises(disputes.holds.InvalidHold):
            open_dispute(case, collector, documents=[SimpleUploadedFile("a.pdf", PDF_BYTES)])

        assert nothing_recorded(media)

    def test_a_description_with_forbidden_wording_is_refused(self, case, collector, media):
        with pytest.raises(decisions.NoteBlocked):
            open_dispute(case, collector, description="再不还钱就去你单位闹，让你全家丢人")

        assert nothing_recorded(media)


class TestResolveDispute:
    def resolve(
        self, dispute, supervisor, outcome, *, correction=None, revision=1, note="Checked the statements"
    ):
        return disputes.resolve_dispute(
            dispute=dispute, outcome=outcome, note=note, correction=correction, actor=supervisor,
            now=MORNING + timedelta(days=2), expected_revision=revision,
        )  # fmt: skip

    def test_upheld_corrects_the_ledger_to_the_cent_and_lifts_the_hold(self, case, collector, supervisor):
        dispute = open_dispute(case, collector)

        resolved = self.resolve(
            dispute,
            supervisor,
            "corrected",
            correction={"fee": Decimal("-40.00"), "principal": Decimal("-0.56")},
        )

        balances = ledger.get_balances(debt_id=case.debt_id)
        assert (balances.components["principal"], balances.components["fee"], balances.total) == (
            Decimal("1234.00"), Decimal("40.00"), Decimal("1274.00"),
        )  # fmt: skip
        entries = LedgerEntry.objects.filter(kind="adjustment").order_by("component")
        assert [(entry.component, entry.amount, entry.idempotency_key) for entry in entries] == [
            ("fee", Decimal("-40.00"), f"dispute:{dispute.pk}:fee"),
            ("principal", Decimal("-0.56"), f"dispute:{dispute.pk}:principal"),
        ]
        assert entries[0].effective_date.isoformat() == "2026-04-02"
        assert resolved.status == DisputeStatus.CORRECTED
        assert Hold.objects.get().ends_at == MORNING + timedelta(days=2)
        assert WorkItem.objects.get().status == "done"
        case.refresh_from_db()
        assert (case.delinquency_reason, case.revision) == (DelinquencyReason.UNKNOWN, 2)
        assert AuditEvent.objects.filter(action="portfolio.post_adjustment").count() == 2

    def test_rejected_lifts_the_hold_so_contact_is_allowed_again(self, case, collector, supervisor):
        phone = ContactPointFactory(debtor=case.debtor)
        dispute = open_dispute(case, collector)

        self.resolve(dispute, supervisor, "rejected")

        later = MORNING + timedelta(days=2, hours=1)
        check = decisions.check_contact(
            debtor=case.debtor,
            action=Action.CALL,
            at=later,
            now=later,
            contact_point=phone,
            debts=[case.debt],
        )
        assert check.decision is Decision.ALLOW
        assert Dispute.objects.get().status == DisputeStatus.REJECTED
        assert not LedgerEntry.objects.filter(kind="adjustment").exists()

    def test_withdrawn_lifts_the_hold(self, case, collector, supervisor):
        dispute = open_dispute(case, collector)

        self.resolve(dispute, supervisor, "withdrawn", note="The debtor withdrew it by phone")

        assert Hold.objects.get().lift_reason.startswith(f"Dispute {dispute.pk} resolved")

    def test_a_double_submit_returns_the_resolved_dispute_and_books_nothing_more(
        self, case, collector, supervisor
    ):
        dispute = open_dispute(case, collector)
        self.resolve(dispute, supervisor, "corrected", correction={"fee": Decimal("-40.00")})

        again = self.resolve(dispute, supervisor, "corrected", correction={"fee": Decimal("-40.00")})

        assert again.status == DisputeStatus.CORRECTED
        assert LedgerEntry.objects.filter(kind="adjustment").count() == 1
        assert AuditEvent.objects.filter(action="casework.resolve_dispute").count() == 1

    def test_a_stale_page_is_refused_and_nothing_changes(self, case, collector, supervisor):
        dispute = open_dispute(case, collector)

        with pytest.raises(guards.StaleCase):
            self.resolve(dispute, supervisor, "corrected", correction={"fee": Decimal("-40.00")}, revision=0)

        assert Dispute.objects.get().status == DisputeStatus.OPEN
        assert Hold.objects.get().ends_at is None
        assert not LedgerEntry.objects.filter(kind="adjustment").exists()

    def test_a_correction_beyond_what_is_owed_is_refused_and_nothing_changes(
        self, case, collector, supervisor
    ):
        dispute = open_dispute(case, collector)

        with pytest.raises(disputes.adjustments.InvalidAdjustment, match=r"fee owed is 80\.00 CNY"):
            self.resolve(dispute, supervisor, "corrected", correction={"fee": Decimal("-80.01")})

        assert Dispute.objects.get().status == DisputeStatus.OPEN
        assert Hold.objects.get().ends_at is None
        assert WorkItem.objects.get().status == "open"

    def test_upheld_without_a_correction_is_refused(self, case, collector, supervisor):
        dispute = open_dispute(case, collector)

        with pytest.raises(disputes.InvalidDispute, match="needs the correction"):
            self.resolve(dispute, supervisor, "corrected")

        assert Dispute.objects.get().status == DisputeStatus.OPEN

    def test_a_collector_may_not_resolve(self, case, collector):
        dispute = open_dispute(case, collector)

        with pytest.raises(PermissionDenied):
            self.resolve(dispute, collector, "withdrawn")

        assert Hold.objects.get().ends_at is None

    def test_another_outcome_after_resolution_is_refused(self, case, collector, supervisor):
        dispute = open_dispute(case, collector)
        self.resolve(dispute, supervisor, "rejected")

        with pytest.raises(disputes.DisputeAlreadyResolved):
            self.resolve(dispute, supervisor, "withdrawn", revision=2)

        assert DisputeDocument.objects.count() == 0
        assert Dispute.objects.get().status == DisputeStatus.REJECTED


class TestOutcomeNotice:
    """Resolving tells the debtor the outcome (upheld or rejected) with the ``dispute_outcome`` message."""

    @pytest.fixture(autouse=True)
    def approved_templates(self):
        install_templates()

    def resolve(self, dispute, supervisor, outcome, *, correction=None, revision=1):
        return disputes.resolve_dispute(
            dispute=dispute, outcome=outcome, note="Checked the statements", correction=correction,
            actor=supervisor, now=MORNING + timedelta(days=2), expected_revision=revision,
        )  # fmt: skip

    def test_rejected_queues_one_sms_in_the_debtors_language_saying_not_upheld_and_what_is_due(
        self, case, collector, supervisor
    ):
        phone = ContactPointFactory(debtor=case.debtor)
        ContactPointFactory(debtor=case.debtor, email=True)
        dispute = open_dispute(case, collector)

        self.resolve(dispute, supervisor, "rejected")

        message = Message.objects.get()
        reference = f"D-2026-{dispute.pk:04d}"
        assert (message.purpose, message.channel, message.contact_point, message.language) == (
            "dispute_outcome", "sms", phone, "zh-hans",
        )  # fmt: skip
        assert (message.idempotency_key, message.status) == (f"dispute:{dispute.pk}:outcome", "queued")
        assert f"（受理编号：{reference}）已于2026年4月2日核实完毕" in message.body
        assert "经核实，账单无误，您的异议不成立，我们将恢复催收。您当前应还1,314.56元" in message.body
        assert message.body.endswith("本信息用于债务催收。回复TD退订")
        event = AuditEvent.objects.get(action="casework.resolve_dispute")
        assert event.after["notice"] == {"message": message.pk, "channel": "sms", "contact_point": phone.pk}

    def test_upheld_tells_an_english_debtor_the_corrected_balance(self, case, collector, supervisor):
        case.debtor.language = "en"
        case.debtor.save(update_fields=["language"])
        ContactPointFactory(debtor=case.debtor)
        dispute = open_dispute(case, collector)

        self.resolve(dispute, supervisor, "corrected", correction={"fee": Decimal("-40.00")})

        message = Message.objects.get()
        assert (message.purpose, message.language) == ("dispute_outcome", "en")
        assert f"(reference D-2026-{dispute.pk:04d})" in message.body
        assert (
            "Your dispute was upheld and we have corrected your account: the corrected balance is 1,274.56 CNY."
            in (message.body)
        )
        assert "not upheld" not in message.body

    def test_without_a_phone_the_outcome_goes_by_e_mail_else_by_letter(self, case, collector, supervisor):
        ContactPointFactory(debtor=case.debtor, address=True)
        email = ContactPointFactory(debtor=case.debtor, email=True)
        ContactPointFactory(debtor=case.debtor, opt_outs={"sms": "2026-03-01T00:00:00+00:00"})
        dispute = open_dispute(case, collector)

        self.resolve(dispute, supervisor, "rejected")

        message = Message.objects.get()
        assert (message.channel, message.contact_point) == ("email", email)
        assert (
            message.subject
            == f"【{case.portfolio.creditor_name}】异议处理结果通知（编号D-2026-{dispute.pk:04d}）"
        )

    def test_an_address_alone_gets_a_letter(self, case, collector, supervisor):
        address = ContactPointFactory(debtor=case.debtor, address=True)
        dispute = open_dispute(case, collector)

        self.resolve(dispute, supervisor, "rejected")

        message = Message.objects.get()
        assert (message.channel, message.contact_point, message.subject) == (
            "letter",
            address,
            "异议处理结果通知",
        )
        assert "| 合计 | 1,314.56元" in message.body

    def test_withdrawn_queues_nothing(self, case, collector, supervisor):
        ContactPointFactory(debtor=case.debtor)
        dispute = open_dispute(case, collector)

        resolved = self.resolve(dispute, supervisor, "withdrawn")

        assert not Message.objects.exists()
        assert resolved.outcome_note == "Checked the statements"
        assert AuditEvent.objects.get(action="casework.resolve_dispute").after["notice"] == {}

    def test_a_debtor_without_a_contact_point_is_resolved_and_the_reason_recorded(
        self, case, collector, supervisor
    ):
        ContactPointFactory(debtor=case.debtor, do_not_contact=True)
        dispute = open_dispute(case, collector)

        self.resolve(dispute, supervisor, "rejected")

        resolved = Dispute.objects.get()
        assert not Message.objects.exists()
        assert resolved.status == DisputeStatus.REJECTED
        assert Hold.objects.get().ends_at == MORNING + timedelta(days=2)
        assert resolved.outcome_note == (
            "Checked the statements\n\nThe outcome was not sent to the debtor. "
            "The debtor has no phone, e-mail or postal address a message may go to."
        )
        assert AuditEvent.objects.get(action="casework.resolve_dispute").after["notice"] == {
            "not_sent": "The debtor has no phone, e-mail or postal address a message may go to."
        }

    def test_a_refusal_by_compliance_still_resolves_and_records_the_rule(self, case, collector, supervisor):
        ContactPointFactory(debtor=case.debtor)
        dispute = open_dispute(case, collector)
        disputes.holds.place_hold(
            debtor=case.debtor, type=HoldType.WRITTEN_CEASE, starts_at=MORNING, actor=None, now=MORNING,
            reason="Asked us to stop contacting them",
        )  # fmt: skip

        resolved = self.resolve(dispute, supervisor, "corrected", correction={"fee": Decimal("-40.00")})

        assert not Message.objects.exists()
        assert resolved.status == DisputeStatus.CORRECTED
        assert LedgerEntry.objects.filter(kind="adjustment").count() == 1
        assert (
            "The outcome was not sent to the debtor. The message may not be sent (HOLD."
            in resolved.outcome_note
        )

    def test_no_approved_template_still_resolves_and_records_why(self, case, collector, supervisor):
        ContactPointFactory(debtor=case.debtor)
        TemplateVersion.objects.filter(template__purpose="dispute_outcome").update(status="retired")
        dispute = open_dispute(case, collector)

        resolved = self.resolve(dispute, supervisor, "rejected")

        assert not Message.objects.exists()
        assert resolved.status == DisputeStatus.REJECTED
        assert "The outcome was not sent to the debtor." in resolved.outcome_note

    def test_a_double_submit_queues_one_message(self, case, collector, supervisor):
        ContactPointFactory(debtor=case.debtor)
        dispute = open_dispute(case, collector)
        self.resolve(dispute, supervisor, "rejected")

        self.resolve(dispute, supervisor, "rejected")
        with pytest.raises(disputes.DisputeAlreadyResolved):
            self.resolve(dispute, supervisor, "corrected", correction={"fee": Decimal("-40.00")}, revision=2)

        assert Message.objects.filter(idempotency_key=f"dispute:{dispute.pk}:outcome").count() == 1
        assert Message.objects.count() == 1
