"""Catch-up after days the cycle did not run: the latest missed action once, nothing older than CATCH_UP_DAYS.

The default strategy's early stage sends an SMS on day 0, an e-mail on day 3, an app message on day 7
and an SMS on day 14; its mid stage calls on day 0 and sends the consequences notice on day 2.
D is Monday 16 March 2026; each run starts at 06:00 in Shanghai.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from arrears.casework.models import ActionOutcome, CaseAction
from arrears.comms.models import Message
from arrears.engine.strategy import default_strategy
from arrears.portfolio.models import Debt, Portfolio
from arrears.usecases.cycle.partition import CATCH_UP_DAYS
from arrears.usecases.cycle.run import run_cycle
from tests.factories.cycle import account, cycle_portfolio

pytestmark = pytest.mark.django_db

D = date(2026, 3, 16)
SHANGHAI = ZoneInfo("Asia/Shanghai")
RULE = f"{default_strategy().label}/paths/standard"


def day(offset: int) -> date:
    return D + timedelta(days=offset)


def run(portfolio: Portfolio, business_date: date) -> dict[str, object]:
    start = datetime.combine(business_date, datetime.min.time().replace(hour=6), tzinfo=SHANGHAI)
    return run_cycle(portfolio=portfolio, business_date=business_date, now=start)


def actions_of(debt: Debt) -> list[tuple[date, str, str]]:
    rows = CaseAction.objects.filter(case__debt=debt).order_by("business_date", "rule")
    return [(business_date, rule.removeprefix(RULE), outcome) for business_date, rule, outcome in
            rows.values_list("business_date", "rule", "outcome")]  # fmt: skip


def messages_of(debt: Debt) -> list[tuple[str, str, datetime]]:
    rows = Message.objects.filter(debt=debt).order_by("not_before", "pk")
    return list(rows.values_list("idempotency_key", "channel", "not_before"))


@pytest.fixture
def portfolio() -> Portfolio:
    return cycle_portfolio("catch-up")


class TestCatchUp:
    def test_an_action_due_on_a_missed_day_is_sent_once_by_the_next_run(self, portfolio):
        debt = account(portfolio, on=D, days_past_due=1)
        run(portfolio, D)

        report = run(portfolio, day(4))  # 17, 18 and 19 March were missed; the e-mail fell due on the 19th
        again = run(portfolio, day(4))
        run(portfolio, day(5))

        assert (report["previous_run"], report["missed_days"]) == ("2026-03-16", 3)
        assert again["already_completed"] is True
        assert actions_of(debt) == [
            (D, "/early/first-reminder", ActionOutcome.QUEUED),
            (day(4), "/early/email-reminder", ActionOutcome.QUEUED),
        ]
        assert messages_of(debt) == [
            (f"cycle:{debt.pk}:2026-03-16:{RULE}/early/first-reminder", "sms", datetime(2026, 3, 16, 2, 0, tzinfo=UTC)),
            (f"cycle:{debt.pk}:2026-03-20:{RULE}/early/email-reminder", "email", datetime(2026, 3, 20, 2, 0, tzinfo=UTC)),
        ]  # fmt: skip

    def test_of_several_missed_actions_only_the_latest_is_sent(self, portfolio):
        debt = account(portfolio, on=D, days_past_due=1)
        run(portfolio, D)

        run(portfolio, day(8))  # the e-mail (day 3) and the app message (day 7) both fell on missed days

        assert actions_of(debt) == [
            (D, "/early/first-reminder", ActionOutcome.QUEUED),
            (day(8), "/early/app-reminder", ActionOutcome.QUEUED),
        ]
        assert [channel for _key, channel, _moment in messages_of(debt)] == ["sms", "app"]

    def test_an_action_missed_more_than_catch_up_days_ago_is_dropped(self, portfolio):
        mid = account(portfolio, on=D, days_past_due=31)
        early = account(portfolio, on=D, days_past_due=1)
        run(portfolio, D)

        report = run(portfolio, day(12))  # eleven days missed; the notice of day 2 fell ten days ago

        assert CATCH_UP_DAYS == 7
        assert report["missed_days"] == 11
        assert actions_of(mid) == [(D, "/mid/collector-call", ActionOutcome.WORK_ITEM)]
        assert not Message.objects.filter(debt=mid).exists()
        assert actions_of(early) == [
            (D, "/early/first-reminder", ActionOutcome.QUEUED),
            (day(12), "/early/app-reminder", ActionOutcome.QUEUED),  # day 7: five days ago, within the limit
        ]

    def test_a_case_that_moves_stage_after_a_gap_starts_its_new_stage_on_day_0_without_catching_up(
        self, portfolio
    ):
        debt = account(portfolio, on=D, days_past_due=28)
        run(portfolio, D)

        run(portfolio, day(4))  # 32 days past due: mid since today, whatever early had planned

        assert actions_of(debt) == [
            (D, "/early/first-reminder", ActionOutcome.QUEUED),
            (
                day(4),
                "/mid/collector-call",
                ActionOutcome.WORK_ITEM,
            ),  # not the e-mail early planned for the 19th
        ]
