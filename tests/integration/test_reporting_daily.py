"""Reporting's daily work: positions from the cycle's snapshot, rolls between month ends, the supervisors' summary."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from arrears.reporting import summary
from arrears.reporting.models import Fact, Metric, Position, SummaryRun
from arrears.usecases import reporting_daily
from tests.factories.cycle import account, cycle_portfolio, pay
from tests.factories.people import UserFactory
from tests.factories.reporting import build_world

pytestmark = pytest.mark.django_db


class RecordingGateway:
    def __init__(self):
        self.sent = []

    def send(self, outgoing):
        self.sent.append(outgoing)


class TestSnapshot:
    def test_buckets_come_from_the_ledger_and_a_paid_debt_rolls_to_closed(self):
        portfolio = cycle_portfolio()
        late = account(portfolio, on=date(2026, 1, 31), days_past_due=15, principal="1000.00")
        paid = account(portfolio, on=date(2026, 1, 31), days_past_due=15, principal="2000.00")

        reporting_daily.take_snapshot(as_of=date(2026, 1, 31))
        pay(paid, "2000.00", on=date(2026, 2, 10))
        reporting_daily.take_snapshot(as_of=date(2026, 2, 28))

        january = dict(Position.objects.filter(as_of=date(2026, 1, 31)).values_list("debt_id", "bucket"))
        assert january == {late.pk: "1-30", paid.pk: "1-30"}
        february = Position.objects.get(as_of=date(2026, 2, 28))
        assert (february.debt_id, february.days_past_due, february.bucket, february.balance) == (
            late.pk, 43, "31-60", Decimal("1000.00"),
        )  # fmt: skip
        rolls = dict(Fact.objects.filter(metric=Metric.ROLL).values_list("key", "amount"))
        assert rolls == {"1-30>31-60": Decimal("1000.00"), "1-30>closed": Decimal("2000.00")}

    def test_a_later_day_replaces_the_previous_day_but_keeps_month_ends(self):
        portfolio = cycle_portfolio()
        account(portfolio, on=date(2026, 1, 31), days_past_due=15)

        for day in (date(2026, 1, 31), date(2026, 2, 5), date(2026, 2, 6)):
            reporting_daily.take_snapshot(as_of=day)

        assert sorted(set(Position.objects.values_list("as_of", flat=True))) == [
            date(2026, 1, 31),
            date(2026, 2, 6),
        ]
        assert sorted(set(Fact.objects.filter(metric=Metric.AGING).values_list("day", flat=True))) == [
            date(2026, 1, 31), date(2026, 2, 6),
        ]  # fmt: skip


class TestSummary:
    def test_each_supervisor_gets_the_day_for_their_portfolios_once(self):
        world = build_world()
        UserFactory(supervisor=True, email="")
        gateway = RecordingGateway()
        now = datetime(2026, 2, 4, 7, tzinfo=UTC)

        first = summary.send_daily_summary(day=date(2026, 2, 3), gateway=gateway, now=now)
        again = summary.send_daily_summary(day=date(2026, 2, 3), gateway=gateway, now=now)

        assert (first.recipients, again.recipients) == ([world.supervisor.email], [])
        [email] = gateway.sent
        assert email.subject == "Collections summary for 2026-02-03"
        assert "Collected: 1500.50" in email.body
        assert "Promises made · Value: 1 · Amount: 500.50" in email.body
        assert SummaryRun.objects.get().recipients == 1

    def test_the_worker_job_waits_for_the_morning_then_runs_once(self, settings, tmp_path):
        settings.ARREARS_OUTBOX_SINK_DIR = str(tmp_path)
        build_world()

        early = reporting_daily.run_due_reporting(now=datetime(2026, 2, 4, 6, 59, tzinfo=UTC))
        done = reporting_daily.run_due_reporting(now=datetime(2026, 2, 4, 7, 0, tzinfo=UTC))
        again = reporting_daily.run_due_reporting(now=datetime(2026, 2, 4, 9, 0, tzinfo=UTC))

        assert early == [] and again == []
        assert done[0].startswith("reporting 2026-02-03:")
        assert len(list((tmp_path / "email").glob("*.eml"))) == 1
