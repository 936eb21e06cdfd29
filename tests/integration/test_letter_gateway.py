import hashlib
import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from arrears.comms import print_batches
from arrears.comms.gateways.base import Outgoing, PermanentFailure, Sent, TransientFailure
from arrears.comms.gateways.letters import LetterGateway, is_valid_s10, letter_path
from arrears.comms.models import Message, MessageChannel, MessageStatus, PrintBatch, Purpose
from arrears.core.audit.models import AuditEvent
from tests.factories.portfolio import DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

BUSINESS_DATE = date(2026, 3, 31)
# 09:15 and 23:30 on 31 March in Shanghai; 00:30 on 1 April there is another day.
MORNING = datetime(2026, 3, 31, 1, 15, tzinfo=UTC)
LATE_EVENING = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
AFTER_MIDNIGHT = datetime(2026, 3, 31, 16, 30, tzinfo=UTC)
BODY = "尊敬的{name}：\n\n您尚欠我行以下款项：\n\n| 本金 | 10,000.00\n| 利息 | 312.50\n\n请于 2026 年 4 月 15 日前通过指定渠道还款。"


@pytest.fixture
def letter_dir(tmp_path, settings):
    settings.ARREARS_LETTER_DIR = str(tmp_path / "letters")
    return tmp_path / "letters"


def outgoing_for(key, *, name="李娜", paragraphs=1, **headers):
    return Outgoing(
        message_id=7, idempotency_key=key, channel="letter", to="上海市浦东新区世纪大道 88 号\n200120",
        language="zh-hans", subject="催收函", body="\n\n".join([BODY.format(name=name)] * paragraphs),
        headers={"X-Letterhead": "华东商业银行股份有限公司", "X-Letterhead-Lines": "上海市黄浦区中山东一路 18 号",
                 "X-Recipient-Name": name, "X-Letter-Date": "2026-03-31", **headers},
    )  # fmt: skip


def page_count(pdf):
    return len(PdfReader(io.BytesIO(pdf)).pages)


class TestLetterGateway:
    def test_writes_the_letter_and_returns_its_tracking_number_and_hash(self, letter_dir):
        sent = LetterGateway().send(outgoing_for("demand:1"))

        pdf = letter_path("demand:1", directory=letter_dir).read_bytes()
        assert sent.detail == f"sha256={hashlib.sha256(pdf).hexdigest()}"
        assert is_valid_s10(sent.provider_message_id)
        assert sent.provider_message_id[:2] + sent.provider_message_id[-2:] == "RRCN"
        text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert "华东商业银行股份有限公司" in text
        assert "您尚欠我行以下款项：" in text
        assert sent.provider_message_id in text

    def test_sending_the_same_key_twice_writes_one_file_once_and_answers_the_same(self, letter_dir):
        gateway = LetterGateway()
        first = gateway.send(outgoing_for("demand:1"))
        written = letter_path("demand:1", directory=letter_dir).stat()

        second = gateway.send(outgoing_for("demand:1", **{"X-Letter-Date": "2026-04-02"}))

        assert second == first
        assert list(letter_dir.iterdir()) == [letter_path("demand:1", directory=letter_dir)]
        assert letter_path("demand:1", directory=letter_dir).stat().st_mtime_ns == written.st_mtime_ns

    def test_another_key_is_another_letter_and_number(self, letter_dir):
        gateway = LetterGateway()

        first = gateway.send(outgoing_for("demand:1"))
        second = gateway.send(outgoing_for("demand:2"))

        assert first.provider_message_id != second.provider_message_id
        assert len(list(letter_dir.iterdir())) == 2

    def test_refuses_for_good_a_letter_without_letterhead_and_writes_nothing(self, letter_dir):
        with pytest.raises(PermanentFailure, match="X-Letterhead"):
            LetterGateway().send(outgoing_for("demand:1", **{"X-Letterhead": ""}))

        assert not letter_dir.exists() or list(letter_dir.iterdir()) == []

    def test_refuses_for_good_a_date_that_is_not_a_date(self, letter_dir):
        with pytest.raises(PermanentFailure, match="X-Letter-Date"):
            LetterGateway().send(outgoing_for("demand:1", **{"X-Letter-Date": "31/03/2026"}))

    def test_a_directory_it_cannot_write_is_worth_retrying(self, tmp_path):
        blocked = tmp_path / "not-a-directory"
        blocked.write_text("")

        with pytest.raises(TransientFailure, match="Cannot write the letter"):
            LetterGateway(directory=blocked / "letters").send(outgoing_for("demand:1"))

    def test_is_built_from_settings(self, letter_dir):
        assert LetterGateway.from_settings().directory == letter_dir


def sent_letter(
    debtor, key, *, sent_at, paragraphs=1, channel=MessageChannel.LETTER, status=MessageStatus.SENT
):
    """A letter the gateway wrote and the dispatcher marked sent, with its tracking number and hash."""
    sent = Sent(provider_message_id="")
    if channel == MessageChannel.LETTER:
        sent = LetterGateway().send(outgoing_for(key, name=debtor.name, paragraphs=paragraphs))
    return Message.objects.create(
        debtor=debtor, channel=channel, purpose=Purpose.DEMAND_LETTER, language="zh-hans", subject="催收函",
        body=BODY, status=status, not_before=sent_at, idempotency_key=key, sent_at=sent_at,
        provider_message_id=sent.provider_message_id, tracking_number=sent.provider_message_id,
        pdf_sha256=sent.detail.removeprefix("sha256="), source="test", created_at=sent_at,
    )  # fmt: skip


class TestBuildPrintBatch:
    def test_merges_the_days_letters_of_the_portfolio_into_one_file(self, letter_dir, now):
        debtor = DebtorFactory(name="李娜")
        morning = sent_letter(debtor, "demand:1", sent_at=MORNING)
        evening = sent_letter(DebtorFactory(portfolio=debtor.portfolio, name="王伟"), "demand:2",
                              sent_at=LATE_EVENING, paragraphs=8, status=MessageStatus.DELIVERED)  # fmt: skip
        next_day = sent_letter(debtor, "demand:3", sent_at=AFTER_MIDNIGHT)
        other_portfolio = sent_letter(DebtorFactory(), "demand:4", sent_at=MORNING)
        email = sent_letter(debtor, "email:1", sent_at=MORNING, channel=MessageChannel.EMAIL)
        letters = [morning, evening]

        batch = print_batches.build_print_batch(
            portfolio_id=debtor.portfolio_id, business_date=BUSINESS_DATE, now=now
        )

        pdf = (letter_dir / batch.file_name).read_bytes()
        pages = [page_count(letter_path(letter.idempotency_key, directory=letter_dir).read_bytes())
                 for letter in letters]  # fmt: skip
        assert pages == [1, 2]
        assert page_count(pdf) == 3
        assert (batch.letter_count, batch.sha256) == (2, hashlib.sha256(pdf).hexdigest())
        assert batch.file_name == f"print-batch-{debtor.portfolio_id}-20260331.pdf"
        linked = Message.objects.filter(print_batch=batch).order_by("pk")
        assert list(linked) == letters
        for unbatched in (next_day, other_portfolio, email):
            unbatched.refresh_from_db()
            assert unbatched.print_batch is None
        texts = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
        assert ["尊敬的李娜：" in texts[0], "尊敬的王伟：" in texts[1]] == [True, True]

    def test_records_one_audit_event_for_the_batch(self, letter_dir, now):
        debtor = DebtorFactory()
        letter = sent_letter(debtor, "demand:1", sent_at=MORNING)

        batch = print_batches.build_print_batch(
            portfolio_id=debtor.portfolio_id, business_date=BUSINESS_DATE, now=now
        )

        event = AuditEvent.objects.get(action="comms.build_print_batch")
        assert (event.object_id, event.portfolio_id, event.actor_label) == (
            str(batch.pk),
            debtor.portfolio_id,
            "system",
        )
        assert event.after == {
            "business_date": "2026-03-31", "file_name": batch.file_name, "sha256": batch.sha256,
            "letter_count": 1, "message_ids": [letter.pk],
        }  # fmt: skip

    def test_a_second_build_returns_the_same_batch_unchanged(self, letter_dir, now):
        debtor = DebtorFactory()
        sent_letter(debtor, "demand:1", sent_at=MORNING)
        first = print_batches.build_print_batch(
            portfolio_id=debtor.portfolio_id, business_date=BUSINESS_DATE, now=now
        )
        written = (letter_dir / first.file_name).read_bytes()
        late = sent_letter(debtor, "demand:2", sent_at=LATE_EVENING)

        second = print_batches.build_print_batch(
            portfolio_id=debtor.portfolio_id, business_date=BUSINESS_DATE, now=now
        )

        assert (second.pk, second.sha256, second.letter_count) == (first.pk, first.sha256, 1)
        assert (letter_dir / first.file_name).read_bytes() == written
        late.refresh_from_db()
        assert late.print_batch is None
        assert AuditEvent.objects.filter(action="comms.build_print_batch").count() == 1

    def test_refuses_a_day_that_is_not_over_on_the_portfolios_clock_and_creates_nothing(self, letter_dir):
        debtor = DebtorFactory()
        sent_letter(debtor, "demand:1", sent_at=MORNING)
        before_midnight_in_shanghai = datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC)

        with pytest.raises(print_batches.BusinessDayNotOver, match="once that day is over"):
            print_batches.build_print_batch(
                portfolio_id=debtor.portfolio_id, business_date=BUSINESS_DATE, now=before_midnight_in_shanghai
            )

        assert not PrintBatch.objects.exists()

    def test_a_day_without_letters_creates_no_batch(self, letter_dir, now):
        portfolio = PortfolioFactory()

        with pytest.raises(print_batches.NothingToPrint, match="No letter went out on 2026-03-31"):
            print_batches.build_print_batch(portfolio_id=portfolio.pk, business_date=BUSINESS_DATE, now=now)

        assert not PrintBatch.objects.exists()
        assert not AuditEvent.objects.filter(action="comms.build_print_batch").exists()

    def test_refuses_a_letter_whose_file_changed_since_it_was_sent_and_creates_nothing(self, letter_dir, now):
        debtor = DebtorFactory()
        letter = sent_letter(debtor, "demand:1", sent_at=MORNING)
        letter_path("demand:1", directory=letter_dir).write_bytes(b"%PDF-1.4 forged")

        with pytest.raises(print_batches.LetterFileChanged, match=f"letter {letter.pk} has changed"):
            print_batches.build_print_batch(
                portfolio_id=debtor.portfolio_id, business_date=BUSINESS_DATE, now=now
            )

        assert not PrintBatch.objects.exists()
        letter.refresh_from_db()
        assert letter.print_batch is None

    def test_refuses_a_letter_whose_file_is_missing(self, letter_dir, now):
        debtor = DebtorFactory()
        letter = sent_letter(debtor, "demand:1", sent_at=MORNING)
        letter_path("demand:1", directory=letter_dir).unlink()

        with pytest.raises(print_batches.LetterFileMissing, match=f"letter {letter.pk} is missing"):
            print_batches.build_print_batch(
                portfolio_id=debtor.portfolio_id, business_date=BUSINESS_DATE, now=now
            )

        assert not PrintBatch.objects.exists()
