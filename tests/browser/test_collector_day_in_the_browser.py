"""A collector's day in Chromium, end to end: take the top case, see a night call refused, log a right-party
contact in the morning, take a promise, propose a plan beyond authority; a supervisor approves it; the
collector sees it active. Each step leaves a full-page screenshot in var/test-artifacts/collector-day*/.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import Page, expect

from arrears.casework.models import (
    Activity,
    Arrangement,
    ArrangementStatus,
    Notification,
    Promise,
    PromiseStatus,
    WorkItem,
    WorkItemStatus,
)
from arrears.compliance.models import ContactDecision, ContactEvent
from arrears.core.audit.models import AuditEvent
from arrears.core.audit.verify import verify_chain
from tests.browser.accounts import log_in
from tests.factories.cases import CaseFactory
from tests.factories.people import TeamFactory, UserFactory
from tests.factories.portfolio import ContactPointFactory, DebtFactory, DebtorFactory, PortfolioFactory

pytestmark = pytest.mark.django_db(transaction=True)

NIGHT_IN_SHANGHAI = datetime(2026, 3, 31, 14, 30, tzinfo=UTC)  # 22:30 local: outside 08:00-22:00
NEXT_MORNING_IN_SHANGHAI = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)  # 10:00 local, the next day
BUSINESS_DATE = date(2026, 3, 31)
PROMISED_BY = date(2026, 4, 10)
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"


@dataclass(frozen=True)
class Words:
    """What the pages say, in the language the browser asks for."""

    locale: str
    html_lang: str
    artifacts: str
    note: str
    comment: str
    not_allowed_now: str
    night_explanation: str
    right_party: str
    activity_recorded: str
    beyond_authority: str
    months_over_limit: str
    waits_for_approval: str
    nothing_waits: str
    approved_notice: str
    active: str
    active_explanation: str


ENGLISH = Words(
    locale="en-GB",
    html_lang="en",
    artifacts="collector-day",
    note="Spoke with 李娜 herself; she confirmed the loan and can pay 2,000.00 by 10 April.",
    comment="Income confirmed; 12 months is affordable.",
    not_allowed_now="Not allowed now",
    night_explanation="Between 22:00 and 08:00 debtor-local time, with no agreed collection time.",
    right_party="Right-party contact",
    activity_recorded="Activity recorded: Right-party contact.",
    beyond_authority="Beyond your authority",
    months_over_limit="The plan runs 12 months; the limit is 3.",
    waits_for_approval="it is beyond your authority and waits for a supervisor's approval",
    nothing_waits="Nothing waits for approval.",
    approved_notice="was approved by lead",
    active="Active",
    active_explanation="Active: the strategy is paused while the debtor keeps to the schedule.",
)
CHINESE = Words(
    locale="zh-CN",
    html_lang="zh-hans",
    artifacts="collector-day-zh",
    note="与李娜本人通话，她确认了这笔借款，4月10日前可先还2,000.00元。",
    comment="收入已核实，12个月可负担。",
    not_allowed_now="当前不允许",
    night_explanation="债务人当地时间 22:00 至次日 08:00，且未事先约定催收时间。",
    right_party="本人接通",
    activity_recorded="已记录作业：本人接通。",
    beyond_authority="超出您的权限",
    months_over_limit="该方案为期 12 个月，权限上限为 3 个月。",
    waits_for_approval="超出您的权限，等待主管审批",
    nothing_waits="暂无待审批事项。",
    approved_notice="已由 lead 批准",
    active="生效中",
    active_explanation="生效中：债务人按计划还款期间，策略暂停。",
)


class Shots:
    """Numbered full-page screenshots of one run, kept as test artifacts."""

    def __init__(self, page: Page, folder: str) -> None:
        self.page = page
        self.folder = ARTIFACTS / folder
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.number = 0

    def take(self, name: str) -> None:
        self.number += 1
        self.page.screenshot(path=str(self.folder / f"{self.number:02d}-{name}.png"), full_page=True)


def log_out(page: Page) -> None:
    logout = page.locator("form[action='/accounts/logout/']")
    logout.locator("button[type=submit]").click()
    expect(logout).to_have_count(0)


def _case_with_work(portfolio, name: str, phone: str, priority: str, principal: str):
    debtor = DebtorFactory(portfolio=portfolio, name=name, language="zh-hans")
    case = CaseFactory(debt=DebtFactory(debtor=debtor, principal=Decimal(principal)), stage="early")
    point = ContactPointFactory(debtor=debtor, value=phone, time_zones=["Asia/Shanghai"])
    item = WorkItem.objects.create(
        case=case, portfolio=portfolio, queue="early-calls", kind="call", business_date=BUSINESS_DATE,
        priority=Decimal(priority), needed_skills=["zh"], idempotency_key=f"test:{case.pk}",
        created_at=NIGHT_IN_SHANGHAI,
    )  # fmt: skip
    return case, point, item


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def _settled(page: Page, case) -> None:
    """Wait until htmx has redrawn the panels that carry the case's revision after another panel changed it."""
    case.refresh_from_db()
    for selector in ("#case-state", "#contact-panel", "#arrangement"):
        expect(page.locator(f"{selector} input[name=revision]").first).to_have_value(str(case.revision))


def collector_day(page: Page, words: Words) -> None:
    portfolio = PortfolioFactory(
        code="cn-consumer", name="Consumer loans CN", country="CN", time_zone="Asia/Shanghai"
    )
    supervisor = UserFactory(
        supervisor=True, username="lead", portfolios=[portfolio], max_plan_months=24,
        max_waiver_amount=Decimal("5000.00"),
    )  # fmt: skip
    collector = UserFactory(
        username="zhangwei", team=TeamFactory(name="East", supervisor=supervisor), portfolios=[portfolio],
        max_plan_months=3, max_waiver_amount=Decimal("500.00"), skills=["zh"],
    )  # fmt: skip
    # The lower priority first, so the top case is not simply the first one created.
    other, _phone, other_item = _case_with_work(portfolio, "王伟", "+8613912345678", "100.00", "3000.00")
    top, phone, top_item = _case_with_work(portfolio, "李娜", "+8613812345678", "900.00", "12000.00")
    shots = Shots(page, words.artifacts)
    call = page.get_by_test_id(f"contact-option-{phone.pk}-call")

    with time_machine.travel(NIGHT_IN_SHANGHAI, tick=True) as clock:
        # 1. 22:30 in Shanghai: the collector logs in and takes the top case of the queue.
        log_in(page, "zhangwei")
        expect(page.locator("html")).to_have_attribute("lang", words.html_lang)
        page.goto("/queue/")
        shots.take("queue")
        page.get_by_test_id("next-case").click()
        page.wait_for_url(f"**/cases/{top.pk}/?from=queue")
        expect(page.locator("h1")).to_contain_text("李娜")
        top_item.refresh_from_db()
        other_item.refresh_from_db()
        assert (top_item.assigned_to, top_item.status) == (collector, WorkItemStatus.OPEN)
        assert other_item.assigned_to is None
        assert [event.object_id for event in _events("casework.take_work_item")] == [str(top_item.pk)]

        # 2. The call is refused: the rule, its explanation and the next allowed moment on the debtor's clock.
        expect(call).to_have_attribute("data-decision", "DENY")
        expect(call).to_contain_text("CN.TIME.NIGHT")
        expect(call).to_contain_text(words.night_explanation)
        expect(call).to_contain_text("2026-04-01 08:00 +08:00")
        expect(call.get_by_role("button", name=words.not_allowed_now)).to_be_disabled()
        expect(call.locator("a")).to_have_count(0)
        page.locator("#contact").scroll_into_view_if_needed()
        shots.take("night-call-refused")

        # Logging the call anyway is refused too, and kept as a refusal, not as a contact.
        form = page.locator("#activity-form")
        form.locator("select[name=result]").select_option("no_answer")
        form.locator("select[name=contact_point]").select_option(str(phone.pk))
        form.locator("button[type=submit]").click()
        refusal = page.get_by_test_id("refusal-reasons")
        expect(refusal).to_contain_text("CN.TIME.NIGHT")
        expect(refusal).to_contain_text("2026-04-01 08:00 +08:00")
        shots.take("night-call-logged-refused")
        assert not Activity.objects.exists()
        assert not ContactEvent.objects.exists()
        kept = ContactDecision.objects.get()
        assert (kept.action, kept.decision, kept.reasons) == ("call", "DENY", ["CN.TIME.NIGHT"])
        assert kept.next_allowed_at == datetime(2026, 4, 1, 0, 0, tzinfo=UTC)

        # 3. 10:00 the next morning: a new day's session (the night's has expired); the call is allowed.
        clock.move_to(NEXT_MORNING_IN_SHANGHAI)
        log_in(page, "zhangwei")
        page.goto("/queue/")
        expect(page.get_by_test_id(f"work-item-{top_item.pk}")).to_be_visible()
        page.get_by_test_id("next-case").click()
        page.wait_for_url(f"**/cases/{top.pk}/?from=queue")
        expect(call).to_have_attribute("data-decision", "ALLOW")
        call.get_by_role("button").click()  # "Use": the outcome form takes this phone and the call channel
        form = page.locator("#activity-form")
        expect(form.locator("select[name=contact_point]")).to_have_value(str(phone.pk))
        expect(form.locator("select[name=channel]")).to_have_value("call")
        form.locator("select[name=result]").select_option(label=words.right_party)
        form.locator("textarea[name=note]").fill(words.note)
        shots.take("right-party-contact-form")
        form.locator("button[type=submit]").click()
        expect(page.get_by_role("status")).to_contain_text(words.activity_recorded)
        activity = Activity.objects.get()
        assert (activity.case, activity.result, activity.created_by) == (top, "right_party", collector)
        assert activity.note == words.note
        assert ContactEvent.objects.get().pk == activity.contact_event_id
        top_item.refresh_from_db()
        assert top_item.status == WorkItemStatus.DONE
        [recorded] = _events("casework.record_activity")
        assert recorded.after["result"] == "right_party" and recorded.after["closed_work_items"] == [
            top_item.pk
        ]
        shots.take("right-party-contact-recorded")

        # 4. A promise within the policy (at least 10 % of 12,000.00, at most 30 days ahead).
        promise_panel = page.locator("#promise")
        promise_panel.locator("input[name=amount]").fill("2000.00")
        promise_panel.locator("input[name=due_date]").fill(PROMISED_BY.isoformat())
        promise_panel.get_by_test_id("promise-form").locator("button[type=submit]").click()
        expect(page.get_by_test_id("open-promises")).to_contain_text("2026-04-10")
        promise = Promise.objects.get()
        assert (promise.case, promise.amount, promise.due_date) == (top, Decimal("2000.00"), PROMISED_BY)
        assert (promise.status, promise.made_on, promise.made_by) == (
            PromiseStatus.OPEN, date(2026, 4, 1), collector
        )  # fmt: skip
        assert _events("casework.make_promise")[0].after["due_date"] == "2026-04-10"
        _settled(page, top)
        shots.take("promise-recorded")

        # 5. A 12-month plan: beyond the collector's 3 months, so it waits for approval.
        arrangement_form = page.get_by_test_id("arrangement-form")
        arrangement_form.locator("select[name=kind]").select_option("instalments")
        arrangement_form.locator("select[name=method]").select_option("equal-principal")
        arrangement_form.locator("input[name=months]").fill("12")
        arrangement_form.get_by_test_id("calculate").click()
        authority = page.get_by_test_id("authority")
        expect(authority).to_have_attribute("data-within", "no")
        expect(authority).to_contain_text(words.beyond_authority)
        expect(authority).to_contain_text(words.months_over_limit)
        expect(page.get_by_test_id("instalment-12")).to_contain_text("1,000.00")
        page.get_by_test_id("arrangement-panel").scroll_into_view_if_needed()
        shots.take("plan-beyond-authority")
        assert not Arrangement.objects.exists()

        page.get_by_test_id("propose").click()
        opened = page.get_by_test_id("open-arrangement")
        expect(opened).to_have_attribute("data-status", "pending_approval")
        expect(page.get_by_role("status")).to_contain_text(words.waits_for_approval)
        arrangement = Arrangement.objects.get()
        assert (arrangement.case, arrangement.status) == (top, ArrangementStatus.PENDING_APPROVAL)
        assert (arrangement.months, arrangement.amount, arrangement.proposed_by) == (
            12, Decimal("12000.00"), collector
        )  # fmt: skip
        assert arrangement.instalments.count() == 12
        [proposed] = _events("casework.propose_arrangement")
        assert proposed.after["status"] == "pending_approval"
        assert len(proposed.after["exceeded"]) == 1
        assert list(Notification.objects.values_list("user", flat=True)) == [supervisor.pk]
        shots.take("plan-waits-for-approval")

        # 6. The supervisor approves it with a comment.
        log_out(page)
        log_in(page, "lead")
        page.goto("/supervisor/approvals/")
        pending = page.get_by_test_id(f"pending-{arrangement.pk}")
        expect(pending.get_by_test_id("exceeded")).to_contain_text(words.months_over_limit)
        pending.locator("input[name=comment]").fill(words.comment)
        shots.take("supervisor-approvals")
        pending.get_by_test_id("approve").click()
        expect(page.get_by_test_id("no-approvals")).to_have_text(words.nothing_waits)
        shots.take("supervisor-approved")
        arrangement.refresh_from_db()
        assert (arrangement.status, arrangement.decided_by) == (ArrangementStatus.ACTIVE, supervisor)
        assert arrangement.decision_comment == words.comment
        [approved] = _events("casework.approve_arrangement")
        assert (approved.actor, approved.reason, approved.after["status"]) == (
            supervisor,
            words.comment,
            "active",
        )
        notice = Notification.objects.get(user=collector)
        assert notice.case == top and words.approved_notice in notice.text

        # 7. The collector sees the notification and the arrangement active on the case page.
        log_out(page)
        log_in(page, "zhangwei")
        page.goto("/queue/")
        note = page.get_by_test_id(f"notification-{notice.pk}")
        expect(note).to_contain_text(words.approved_notice)
        shots.take("collector-notified")
        note.get_by_role("link").click()
        page.wait_for_url(f"**/cases/{top.pk}/**")
        expect(page.get_by_test_id(f"arrangement-{arrangement.pk}")).to_contain_text(words.active)
        opened = page.get_by_test_id("open-arrangement")
        expect(opened).to_have_attribute("data-status", "active")
        expect(opened).to_contain_text(words.active_explanation)
        expect(page.get_by_test_id(f"open-promise-{promise.pk}")).to_contain_text("2026-04-10")
        shots.take("arrangement-active")

    assert verify_chain().is_intact
    assert WorkItem.objects.get(pk=other_item.pk).status == WorkItemStatus.OPEN
    assert not Activity.objects.filter(case=other).exists()


def test_a_collectors_day_from_a_night_refusal_to_an_approved_plan(page):
    collector_day(page, ENGLISH)


@pytest.fixture
def chinese_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale=CHINESE.locale)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_same_day_in_chinese(chinese_page):
    collector_day(chinese_page, CHINESE)


# Guards a fixed bug: the summary of promises, arrangements and holds went stale after an in-place action.
def test_the_case_summary_lists_a_promise_recorded_in_place(page):
    portfolio = PortfolioFactory(
        code="cn-consumer", name="Consumer loans CN", country="CN", time_zone="Asia/Shanghai"
    )
    UserFactory(username="zhangwei", portfolios=[portfolio], skills=["zh"])
    case, _point, _item = _case_with_work(portfolio, "李娜", "+8613812345678", "900.00", "12000.00")

    with time_machine.travel(NEXT_MORNING_IN_SHANGHAI, tick=True):
        log_in(page, "zhangwei")
        page.goto(f"/cases/{case.pk}/")
        page.evaluate("window.__sameDocument = true")
        promise_panel = page.locator("#promise")
        promise_panel.locator("input[name=amount]").fill("2000.00")
        promise_panel.locator("input[name=due_date]").fill(PROMISED_BY.isoformat())
        promise_panel.get_by_test_id("promise-form").locator("button[type=submit]").click()
        expect(page.get_by_test_id("open-promises")).to_contain_text("2026-04-10")
        _settled(page, case)
        assert page.evaluate("window.__sameDocument") is True  # drawn in place, not by a reload

        promise = Promise.objects.get()
        expect(page.get_by_test_id(f"open-promise-{promise.pk}")).to_contain_text("2026-04-10", timeout=2_000)
