"""The collector's pages: the queue, "next case", the case page with its timeline, and the supervisor's page."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from arrears.casework.models import Activity, StageEvent, WorkItem, WorkItemStatus
from arrears.compliance.models import ContactDecision
from arrears.core.audit.models import AuditEvent
from tests.factories.cases import CaseFactory, ContactEventFactory, PromiseFactory
from tests.factories.people import UserFactory
from tests.factories.portfolio import ContactPointFactory, DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db

MORNING_IN_SHANGHAI = datetime(2026, 3, 31, 2, 0, tzinfo=UTC)  # 10:00 local
NIGHT_IN_SHANGHAI = datetime(2026, 3, 31, 14, 30, tzinfo=UTC)  # 22:30 local
RULE = "default@2026.11.1/paths/standard/mid/enter_when"


@pytest.fixture
def portfolio():
    return PortfolioFactory(code="cn-consumer", country="CN", time_zone="Asia/Shanghai")


@pytest.fixture
def case(portfolio):
    debtor = DebtorFactory(portfolio=portfolio, national_id="110101198504120015", name="Li Na")
    return CaseFactory(
        debt=DebtFactory(debtor=debtor, principal=Decimal("12000.00"), charges={"interest": Decimal("300.00")}),
        stage="mid", stage_entered_on=date(2026, 3, 2), stage_rule=RULE, stage_condition="days_past_due >= 31",
        strategy="default@2026.11.1", goal="arrangement", goal_deadline=date(2026, 4, 15),
    )  # fmt: skip


@pytest.fixture
def phone(case):
    return ContactPointFactory(debtor=case.debtor, value="+8613812345678")


@pytest.fixture
def collector(client, portfolio):
    user = UserFactory(username="lina", portfolios=[portfolio])
    client.force_login(user)
    return user


def _item(case, user, priority="100.00", **fields):
    return WorkItem.objects.create(
        case=case, portfolio=case.portfolio, queue=fields.pop("queue", "mid-calls"), kind="call",
        business_date=fields.pop("business_date", date(2026, 3, 31)), priority=Decimal(priority), assigned_to=user,
        idempotency_key=f"test:{case.pk}:{priority}", created_at=MORNING_IN_SHANGHAI, **fields,
    )  # fmt: skip


def _other_case(portfolio, name="Zhang Wei"):
    return CaseFactory(debt=DebtFactory(debtor=DebtorFactory(portfolio=portfolio, name=name)), stage="early")


def _page(client, url, **kwargs):
    with time_machine.travel(MORNING_IN_SHANGHAI, tick=False):
        response = client.get(url, **kwargs)
    return response, unescape(response.content.decode())


def _post(client, url, data, *, at=MORNING_IN_SHANGHAI):
    with time_machine.travel(at, tick=False):
        return client.post(url, data)


class TestQueuePage:
    def test_lists_my_items_by_priority_with_counts(self, client, collector, case, portfolio):
        other = _other_case(portfolio)
        _item(case, collector, "900.00")
        _item(other, collector, "100.00", queue="early-calls")

        response, page = _page(client, reverse("desk:queue"))

        assert response.status_code == 200
        assert page.index("Li Na") < page.index("Zhang Wei")
        assert 'data-testid="count-mid-calls">mid-calls <span class="badge">1</span>' in page
        assert f'href="/cases/{case.pk}/?from=queue"' in page
        assert "900.00 CNY" in page

    def test_marks_items_overdue_by_each_portfolio_s_own_date(self, client, collector, case, portfolio):
        # 02:00 UTC is 10:00 on 31 March in Shanghai but still 22:00 on 30 March in New York.
        new_york = PortfolioFactory(code="us-cards", country="US", time_zone="America/New_York")
        collector.portfolios.add(new_york)
        in_new_york = CaseFactory(debt=DebtFactory(debtor=DebtorFactory(portfolio=new_york, name="Ann Lee")))
        late = _item(case, collector, "900.00", business_date=date(2026, 3, 30))
        due_there = _item(in_new_york, collector, "100.00", business_date=date(2026, 3, 30))

        _response, page = _page(client, reverse("desk:queue"))

        row = re.compile(r'<tr[^>]*data-testid="work-item-(\d+)".*?</tr>', re.S)
        rows = {int(match.group(1)): match.group(0) for match in row.finditer(page)}
        assert "overdue" in rows[late.pk]
        assert "overdue" not in rows[due_there.pk]

    def test_filters_by_queue(self, client, collector, case, portfolio):
        _item(case, collector, "900.00")
        _item(_other_case(portfolio), collector, "100.00", queue="early-calls")

        _response, page = _page(client, reverse("desk:queue") + "?queue=early-calls")

        assert "Zhang Wei" in page and "Li Na" not in page

    def test_next_case_opens_my_top_case_and_then_moves_on(self, client, collector, case, portfolio):
        other = _other_case(portfolio)
        _item(case, collector, "900.00")
        _item(other, collector, "100.00")

        first = _post(client, reverse("desk:next_case"), {})
        second = _post(client, reverse("desk:next_case"), {"current": case.pk})

        assert first["Location"] == f"/cases/{case.pk}/?from=queue"
        assert second["Location"] == f"/cases/{other.pk}/?from=queue"

    def test_next_case_with_nothing_due_returns_to_the_queue(self, client, collector):
        response = _post(client, reverse("desk:next_case"), {})

        assert response["Location"] == reverse("desk:queue")


class TestCasePage:
    def test_shows_the_debt_stage_and_why_goal_and_the_panels(self, client, collector, case, phone):
        response, page = _page(client, reverse("desk:case", args=[case.pk]))

        assert response.status_code == 200
        assert "12,000.00 CNY" in page and "300.00 CNY" in page and "12,300.00 CNY" in page
        assert '<td class="num" data-testid="days-past-due">30</td>' in page
        assert f"<code>{RULE}</code> — <code>days_past_due >= 31</code>" in page
        assert f'href="/debtors/{case.debtor_id}/treatment/#case-{case.pk}"' in page
        assert "Payment arrangement · by 2026-04-15" in page
        assert "Not known yet" in page
        assert page.index('id="contact"') < page.index('id="timeline"')
        assert f'data-testid="contact-option-{phone.pk}-call" data-decision="ALLOW"' in page

    def test_refused_contacts_show_disabled_with_the_reason_and_the_next_moment(
        self, client, collector, case, phone
    ):
        with time_machine.travel(NIGHT_IN_SHANGHAI, tick=False):
            page = unescape(client.get(reverse("desk:case", args=[case.pk])).content.decode())

        assert f'data-testid="contact-option-{phone.pk}-call" data-decision="DENY"' in page
        assert "CN.TIME.NIGHT" in page and "2026-04-01 08:00 +08:00" in page
        assert "disabled" in page

    def test_masks_personal_data_for_a_collector_and_reveals_it_once_with_a_logged_reason(
        self, client, collector, case, phone
    ):
        _response, page = _page(client, reverse("desk:case", args=[case.pk]))
        assert "+8613812345678" not in page and "138****5678" in page
        assert "110101198504120015" not in page

        revealed = _post(
            client, reverse("desk:reveal_personal_data", args=[case.pk]),
            {"field": f"contact_point:{phone.pk}", "reason": "Debtor asks to confirm the number"},
        )  # fmt: skip

        assert '<mark data-testid="revealed">+8613812345678</mark>' in revealed.content.decode()
        event = AuditEvent.objects.get(action="casework.reveal_personal_data")
        assert (event.reason, event.actor_label) == ("Debtor asks to confirm the number", "lina")
        _response, again = _page(client, reverse("desk:case", args=[case.pk]))
        assert "+8613812345678" not in again

    def test_a_supervisor_sees_personal_data_in_full(self, client, case, phone):
        client.force_login(UserFactory(supervisor=True, portfolios=[case.portfolio]))

        _response, page = _page(client, reverse("desk:case", args=[case.pk]))

        assert "+8613812345678" in page and "Reveal" not in page

    def test_the_timeline_shows_contacts_stage_changes_and_refusals_with_their_rule(
        self, client, collector, case, phone
    ):
        ContactEventFactory(debtor=case.debtor, note="Left a message with her husband")
        StageEvent.objects.create(
            case=case, business_date=date(2026, 3, 2), stage_from="early", stage_to="mid", segment="standard",
            rule=RULE, condition="days_past_due >= 31", strategy="default@2026.11.1", created_at=MORNING_IN_SHANGHAI,
        )  # fmt: skip
        _post(client, reverse("desk:record_activity", args=[case.pk]), {
            "result": "no_answer", "channel": "call", "contact_point": phone.pk, "revision": 0, "request_key": "k1",
        }, at=NIGHT_IN_SHANGHAI)  # fmt: skip

        _response, page = _page(client, reverse("desk:case", args=[case.pk]))

        assert "Left a message with her husband" in page
        assert "Stage early → mid on 2026-03-02" in page
        assert '<li data-kind="refusal">' in page and "<code>CN.TIME.NIGHT</code>" in page

    def test_the_parts_with_the_revision_refresh_alone_after_another_panel_changes_the_case(
        self, client, collector, case, phone
    ):
        case.revision = 7
        case.save()

        state, state_page = _page(client, reverse("desk:case_part", args=[case.pk, "case-state"]))
        contact, contact_page = _page(client, reverse("desk:case_part", args=[case.pk, "contact-panel"]))
        unknown, _unknown_page = _page(client, reverse("desk:case_part", args=[case.pk, "timeline"]))

        assert (state.status_code, contact.status_code, unknown.status_code) == (200, 200, 404)
        assert state_page.startswith('\n<div id="case-state"') and 'name="revision" value="7"' in state_page
        assert (
            'hx-trigger="case-changed from:body"' in contact_page
            and 'name="revision" value="7"' in contact_page
        )
        assert "<html" not in contact_page

    def test_another_portfolio_s_collector_gets_404(self, client, case):
        client.force_login(UserFactory(portfolios=[PortfolioFactory()]))

        response, _page_text = _page(client, reverse("desk:case", args=[case.pk]))

        assert response.status_code == 404

    def test_takes_a_fixed_number_of_queries_whatever_the_timeline(
        self, client, collector, case, phone, django_assert_max_num_queries
    ):
        url = reverse("desk:case", args=[case.pk])
        with CaptureQueriesContext(connection) as few:
            _page(client, url)
        for day in range(1, 20):
            ContactEventFactory(debtor=case.debtor, occurred_at=datetime(2026, 3, day, 2, 0, tzinfo=UTC))
            PromiseFactory(case=case, status="kept", made_on=date(2026, 2, day), due_date=date(2026, 3, day))

        with django_assert_max_num_queries(len(few.captured_queries)):
            _page(client, url)

    def test_reads_the_grants_the_policy_and_the_script_once(self, client, collector, case, phone):
        """The page's parts share what it read: one read of each, however many parts ask."""
        url = reverse("desk:case", args=[case.pk])
        _page(client, url)
        with CaptureQueriesContext(connection) as queries:
            _page(client, url)

        def reads(table: str) -> int:
            return sum(f'FROM "{table}"' in query["sql"] for query in queries.captured_queries)

        assert reads("people_user_portfolios") + reads("portfolio_portfolio") == 1
        assert reads("compliance_compliancepolicy") == 1
        assert reads("casework_script") == 1
        assert reads("casework_workitem") == 1
        # The debtor view's contact points serve the contact panel and the timeline; the compliance
        # decision reads its own facts.
        assert reads("portfolio_contactpoint") == 2

    def test_the_debtor_page_links_the_case(self, client, collector, case):
        _response, page = _page(client, reverse("desk:debtor", args=[case.debtor_id]))

        assert f'href="/cases/{case.pk}/" data-testid="case-link-{case.debt_id}"' in page


class TestRecordActivityForm:
    def test_records_the_outcome_closes_the_item_and_offers_the_next_case(
        self, client, collector, case, phone
    ):
        item = _item(case, collector)

        response = _post(client, reverse("desk:record_activity", args=[case.pk]), {
            "result": "right_party", "channel": "call", "contact_point": phone.pk, "note": "Will pay Friday",
            "revision": 0, "request_key": "k1", "from": "queue",
        })  # fmt: skip

        assert response.status_code == 302
        assert response["Location"] == f"/cases/{case.pk}/?from=queue"
        item.refresh_from_db()
        assert item.status == WorkItemStatus.DONE
        _response, page = _page(client, response["Location"])
        assert 'data-testid="next-case"' in page

    def test_a_promise_leads_to_the_promise_panel(self, client, collector, case, phone):
        response = _post(client, reverse("desk:record_activity", args=[case.pk]), {
            "result": "promise", "channel": "call", "contact_point": phone.pk, "revision": 0, "request_key": "k1",
        })  # fmt: skip

        assert response["Location"] == f"/cases/{case.pk}/#promise"

    def test_a_blocked_note_is_shown_in_the_form_and_nothing_is_saved(self, client, collector, case, phone):
        response = _post(client, reverse("desk:record_activity", args=[case.pk]), {
            "result": "right_party", "channel": "call", "contact_point": phone.pk, "note": "告诉他不还钱就让你坐牢",
            "revision": 0, "request_key": "k1",
        })  # fmt: skip

        assert response.status_code == 422
        assert "CN-C02" in unescape(response.content.decode())
        assert not Activity.objects.exists()

    def test_a_refused_call_shows_the_reasons_and_keeps_the_refusal(self, client, collector, case, phone):
        response = _post(client, reverse("desk:record_activity", args=[case.pk]), {
            "result": "no_answer", "channel": "call", "contact_point": phone.pk, "revision": 0, "request_key": "k1",
        }, at=NIGHT_IN_SHANGHAI)  # fmt: skip

        page = unescape(response.content.decode())
        assert response.status_code == 422
        assert 'data-testid="refusal-reasons"' in page and "2026-04-01 08:00 +08:00" in page
        assert ContactDecision.objects.count() == 1
        assert not Activity.objects.exists()

    def test_a_stale_page_is_told_to_reload(self, client, collector, case, phone):
        case.revision = 3
        case.save()

        response = _post(client, reverse("desk:record_activity", args=[case.pk]), {
            "result": "right_party", "channel": "call", "contact_point": phone.pk, "revision": 2, "request_key": "k1",
        })  # fmt: skip

        assert "reload the page" in unescape(response.content.decode())
        assert not Activity.objects.exists()

    def test_sets_the_delinquency_reason(self, client, collector, case):
        response = _post(
            client, reverse("desk:set_delinquency_reason", args=[case.pk]),
            {"reason": "cash_flow", "revision": 0, "request_key": "k1"},
        )  # fmt: skip

        assert response.status_code == 302
        case.refresh_from_db()
        assert case.delinquency_reason == "cash_flow"


class TestSupervisorPage:
    def test_shows_workload_and_promises_and_reassigns_a_case(self, client, case, portfolio):
        collector = UserFactory(username="lina", portfolios=[portfolio])
        other = UserFactory(username="wang", portfolios=[portfolio])
        _item(case, collector)
        due = PromiseFactory(case=case, made_on=date(2026, 3, 25), due_date=date(2026, 3, 31))
        client.force_login(UserFactory(supervisor=True, portfolios=[portfolio]))

        response, page = _page(client, reverse("desk:supervisor"))

        assert response.status_code == 200
        assert f'data-testid="workload-{collector.pk}"' in page
        assert f'data-testid="promise-{due.pk}"' in page
        assert 'href="/supervisor/approvals/"' in page

        moved = _post(
            client, reverse("desk:reassign_case"), {"case": case.pk, "to_user": other.pk, "request_key": "k"}
        )

        assert moved.status_code == 302
        assert WorkItem.objects.get().assigned_to == other

    def test_a_collector_may_not_open_it(self, client, collector):
        response, _page_text = _page(client, reverse("desk:supervisor"))

        assert response.status_code == 403
