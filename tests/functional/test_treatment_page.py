"""A debtor's treatment page: why each case is in its stage and what became of each planned action."""

from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from arrears.casework.models import ActionOutcome, CaseAction, StageEvent, WorkItem
from arrears.comms.models import Message
from tests.factories.cases import CaseFactory, PromiseFactory
from tests.factories.people import UserFactory
from tests.factories.portfolio import DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

MORNING_IN_SHANGHAI = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)  # 10:00 local, business date 31 March
STRATEGY = "default@2026.11.1"
MID_RULE = f"{STRATEGY}/paths/standard/mid/enter_when"
EARLY_RULE = f"{STRATEGY}/paths/standard/early/enter_when"


@pytest.fixture
def debtor():
    return DebtorFactory(
        portfolio=PortfolioFactory(code="cn-consumer", country="CN", time_zone="Asia/Shanghai")
    )


@pytest.fixture
def collector(client, debtor):
    user = UserFactory(portfolios=[debtor.portfolio])
    client.force_login(user)
    return user


def _action(case, day, rule, channel, outcome, *, template="", reasons=(), message=None):
    return CaseAction.objects.create(
        case=case, business_date=day, rule=f"{STRATEGY}/paths/standard/{rule}", channel=channel,
        template=template, outcome=outcome, reasons=list(reasons), message_id=message.pk if message else None,
        send_at=message.not_before if message else None, created_at=MORNING_IN_SHANGHAI,
    )  # fmt: skip


def _case_in_mid_stage(debtor):
    """A case moved early → mid on 2 March, with a queued, a refused and a skipped action since."""
    case = CaseFactory(
        debt=DebtFactory(debtor=debtor), strategy=STRATEGY, arm="champion", segment="standard", stage="mid",
        stage_entered_on=date(2026, 3, 2), stage_rule=MID_RULE, stage_condition="days_past_due >= 31",
        goal="arrangement", goal_deadline=date(2026, 4, 1),
    )  # fmt: skip
    for day, before, after, rule, condition in [
        (date(2026, 2, 1), "", "early", EARLY_RULE, "days_past_due >= 1"),
        (date(2026, 3, 2), "early", "mid", MID_RULE, "days_past_due >= 31"),
    ]:
        StageEvent.objects.create(
            case=case, business_date=day, stage_from=before, stage_to=after, segment="standard", rule=rule,
            condition=condition, strategy=STRATEGY, created_at=MORNING_IN_SHANGHAI,
        )  # fmt: skip
    message = Message.objects.create(
        debtor=debtor, debt=case.debt, channel="sms", purpose="consequences_notice", language="zh-hans",
        body="…", not_before=datetime(2026, 3, 2, 2, 0, tzinfo=UTC), idempotency_key=f"cycle:{case.debt_id}:sms",
        source="cycle", created_at=MORNING_IN_SHANGHAI,
    )  # fmt: skip
    _action(case, date(2026, 3, 2), "mid/notice", "sms", ActionOutcome.QUEUED, template="consequences_notice",
            message=message)  # fmt: skip
    _action(case, date(2026, 3, 5), "mid/call", "call", ActionOutcome.REFUSED, reasons=["CN.TIME.NIGHT"])
    _action(case, date(2026, 3, 9), "mid/email", "email", ActionOutcome.SKIPPED, template="demand_letter",
            reasons=["no_approved_template"])  # fmt: skip
    _action(case, date(2026, 1, 10), "early/old", "sms", ActionOutcome.SKIPPED, reasons=["no_contact_point"])
    WorkItem.objects.create(
        case=case, portfolio=debtor.portfolio, queue="mid-calls", kind="call", rule=f"{MID_RULE}/call",
        business_date=date(2026, 3, 30), priority=Decimal("1234.50"), idempotency_key=f"work:{case.pk}",
        created_at=MORNING_IN_SHANGHAI,
    )  # fmt: skip
    PromiseFactory(case=case, amount=Decimal("800.00"), made_on=date(2026, 3, 28), due_date=date(2026, 4, 3))
    return case


def _page(client, debtor, **headers):
    with time_machine.travel(MORNING_IN_SHANGHAI, tick=False):
        return client.get(reverse("desk:debtor_treatment", args=[debtor.pk]), **headers)


class TestTreatmentPage:
    def test_shows_the_stage_since_when_and_the_rule_and_condition_that_put_it_there(
        self, client, collector, debtor
    ):
        case = _case_in_mid_stage(debtor)

        response = _page(client, debtor)

        page = unescape(response.content.decode())
        assert response.status_code == 200
        assert "<strong>mid</strong> · since 2026-03-02 (29 days in stage)" in page
        assert f"<code>{MID_RULE}</code> — <code>days_past_due >= 31</code>" in page
        assert f"<code>{STRATEGY}</code>" in page
        assert "champion" in page
        assert "Payment arrangement · by 2026-04-01" in page
        assert case.debt.external_ref in page

    def test_lists_the_stage_history_newest_first(self, client, collector, debtor):
        _case_in_mid_stage(debtor)

        page = unescape(_page(client, debtor).content.decode())

        assert page.index("days_past_due >= 31</code></td>") < page.index("days_past_due >= 1</code></td>")
        assert f"<code>{EARLY_RULE}</code>" in page

    def test_shows_each_outcome_with_its_explained_reasons(self, client, collector, debtor):
        case = _case_in_mid_stage(debtor)
        queued, refused, skipped, _old = case.actions.order_by("pk")

        page = unescape(_page(client, debtor).content.decode())

        assert f'data-testid="action-{queued.pk}" data-outcome="queued"' in page
        assert "Message queued" in page and "Message</a>: Queued" in page
        assert f'data-testid="action-{refused.pk}" data-outcome="refused"' in page
        assert "Refused by compliance" in page
        assert (
            "<code>CN.TIME.NIGHT</code> Between 22:00 and 08:00 debtor-local time, with no agreed collection time. "
            "<small>(CN-TIME-01; GB/T 45251-2025; 中国银行业协会催收工作指引 (2026))</small>"
        ) in page
        assert f'data-testid="action-{skipped.pk}" data-outcome="skipped"' in page
        assert (
            "<code>no_approved_template</code> No approved template for this purpose on this channel in the "
            "debtor's language."
        ) in page

    def test_shows_only_the_last_60_days_of_actions_with_their_count(self, client, collector, debtor):
        case = _case_in_mid_stage(debtor)
        old = case.actions.get(business_date=date(2026, 1, 10))

        page = unescape(_page(client, debtor).content.decode())

        assert f'data-testid="action-{old.pk}"' not in page
        assert "3 planned actions in the last 60 days." in page

    def test_shows_open_work_items_and_promises(self, client, collector, debtor):
        case = _case_in_mid_stage(debtor)

        page = unescape(_page(client, debtor).content.decode())

        assert f'data-testid="work-item-{case.work_items.get().pk}"' in page
        assert "mid-calls" in page and "1,234.50 CNY" in page
        assert "800.00 CNY" in page and "2026-04-03" in page

    def test_a_debt_without_a_stage_says_so(self, client, collector, debtor):
        CaseFactory(debt=DebtFactory(debtor=debtor))

        page = _page(client, debtor).content.decode()

        assert "not in a stage" in page
        assert "No stage moves yet." in page

    def test_a_debtor_without_cases_says_none_is_under_treatment(self, client, collector, debtor):
        DebtFactory(debtor=debtor)

        page = unescape(_page(client, debtor).content.decode())

        assert "None of this debtor's debts is under treatment yet." in page

    def test_the_chinese_page_renders_and_explains_the_refusal_in_chinese(self, client, collector, debtor):
        _case_in_mid_stage(debtor)

        response = _page(client, debtor, HTTP_ACCEPT_LANGUAGE="zh-hans")

        assert response.status_code == 200
        assert "债务人当地时间 22:00 至次日 08:00" in response.content.decode()

    def test_another_portfolios_collector_gets_not_found(self, client, debtor):
        _case_in_mid_stage(debtor)
        client.force_login(UserFactory(portfolios=[PortfolioFactory()]))

        response = _page(client, debtor)

        assert response.status_code == 404

    def test_the_debtor_page_links_to_it(self, client, collector, debtor):
        with time_machine.travel(MORNING_IN_SHANGHAI, tick=False):
            response = client.get(reverse("desk:debtor", args=[debtor.pk]))

        assert reverse("desk:debtor_treatment", args=[debtor.pk]) in response.content.decode()


class TestTreatmentPageQueries:
    def test_reads_in_a_fixed_number_of_queries_whatever_the_number_of_cases(
        self, client, collector, debtor, django_assert_max_num_queries
    ):
        _case_in_mid_stage(debtor)
        _page(client, debtor)  # the session and the user's grants are read once
        with CaptureQueriesContext(connection) as one_case:
            _page(client, debtor)
        _case_in_mid_stage(debtor)
        _case_in_mid_stage(debtor)

        with django_assert_max_num_queries(len(one_case.captured_queries)):
            response = _page(client, debtor)

        assert response.status_code == 200
        assert response.content.decode().count('data-outcome="refused"') == 3
        assert len(one_case.captured_queries) <= 12
