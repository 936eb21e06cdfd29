"""The worker's scheduled jobs: yesterday's letters become one print batch, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from arrears.comms import dispatcher, outbox, schedule
from arrears.comms.gateways.letters import LetterGateway
from arrears.comms.models import MessageChannel, PrintBatch
from tests.factories.portfolio import ContactPointFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def test_yesterdays_letters_become_one_print_batch_once(settings, tmp_path):
    settings.ARREARS_LETTER_DIR = str(tmp_path)
    portfolio = PortfolioFactory(country="CN", creditor_name="示例银行", time_zone="Asia/Shanghai")
    for number in range(2):
        debtor = DebtorFactory(portfolio=portfolio, name=f"债务人{number}")
        address = ContactPointFactory(debtor=debtor, address=True)
        outbox.queue_message(
            debtor=debtor, contact_point=address, channel=MessageChannel.LETTER, purpose="demand_letter",
            language="zh-hans", subject="催收函", body="尊敬的客户：您的账户已逾期，请通过官方渠道还款。",
            not_before=MORNING, now=MORNING, source="test",
        )  # fmt: skip
    dispatcher.dispatch_due(gateways={"letter": LetterGateway(directory=tmp_path)}, now=MORNING)

    same_day = schedule.run_due_jobs(now=MORNING + timedelta(hours=2))
    next_day = schedule.run_due_jobs(now=MORNING + timedelta(days=1))
    again = schedule.run_due_jobs(now=MORNING + timedelta(days=1, minutes=1))

    assert same_day == [] and again == []
    batch = PrintBatch.objects.get()
    assert (batch.business_date.isoformat(), batch.letter_count) == ("2026-03-31", 2)
    assert next_day == [f"print batch {batch.file_name}: 2 letters"]
